"""Activities and their sessions: a programme's list of courses, camps and events brought in through
`activity_create` and `session_add`.

A row is an activity (title, type, start, end, place, municipality); with a session date column, the
rows of one activity (same title and start) are its sessions, the activity written with the first of
them. The type is mapped to one of the organisation's activity types, by their code or their name in
any language the organisation has it in ("Kamp veror", "Camp d'été", "Summer camp").
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.imports import mapping as m
from kujdes.imports.models import ImportedRecord, Target
from kujdes.imports.targets.base import (
    NEW,
    CheckedRow,
    CheckResult,
    Context,
    ImportTarget,
    RowError,
    Written,
    cells_read,
)

if TYPE_CHECKING:
    from kujdes.accounts.models import User
    from kujdes.core.models import Unit
    from kujdes.imports.models import ImportBatch
    from kujdes.programme.models import Activity

ACTIVITY_FIELDS: tuple[m.FieldSpec, ...] = (
    m.FieldSpec(
        "title",
        gettext_lazy("Title"),
        m.TEXT,
        (
            "titulli",
            "emertimi",
            "aktiviteti",
            "title",
            "activity",
            "name of activity",
            "titre",
            "activite",
            "intitule",
            "العنوان",
            "النشاط",
            "titolo",
            "attivita",
        ),
    ),
    m.FieldSpec(
        "activity_type",
        gettext_lazy("Activity type"),
        m.CODE,
        (
            "lloji",
            "lloji i aktivitetit",
            "type",
            "activity type",
            "type d'activite",
            "نوع النشاط",
            "tipo",
            "tipo di attivita",
        ),
    ),
    m.FieldSpec(
        "starts_on",
        gettext_lazy("Starts on"),
        m.DATE,
        (
            "fillon",
            "data e fillimit",
            "nga",
            "start",
            "starts on",
            "start date",
            "from",
            "debut",
            "date de debut",
            "du",
            "تاريخ البدء",
            "inizio",
            "data di inizio",
        ),
    ),
    m.FieldSpec(
        "ends_on",
        gettext_lazy("Ends on"),
        m.DATE,
        (
            "mbaron",
            "data e mbarimit",
            "deri",
            "end",
            "ends on",
            "end date",
            "to",
            "fin",
            "date de fin",
            "au",
            "تاريخ الانتهاء",
            "fine",
            "data di fine",
        ),
    ),
    m.FieldSpec(
        "place",
        gettext_lazy("Place"),
        m.TEXT,
        ("vendi", "vendndodhja", "place", "venue", "location", "lieu", "المكان", "luogo"),
    ),
    m.FieldSpec(
        "municipality",
        gettext_lazy("Municipality"),
        m.CODE,
        ("bashkia", "municipality", "commune", "البلدية", "comune"),
    ),
    m.FieldSpec(
        "session_date",
        gettext_lazy("Session date (a row per session)"),
        m.DATE,
        (
            "data e seances",
            "seanca",
            "takimi",
            "session",
            "session date",
            "date de la seance",
            "seance",
            "تاريخ الجلسة",
            "sessione",
        ),
    ),
    m.FieldSpec(
        "topic",
        gettext_lazy("Session topic"),
        m.TEXT,
        ("tema", "tema e seances", "topic", "theme", "sujet", "الموضوع", "argomento"),
    ),
)


class ActivitiesTarget(ImportTarget):
    name = Target.ACTIVITIES
    label = gettext_lazy("Activities and sessions")
    fields = ACTIVITY_FIELDS

    def permission_check(self, *, actor: User, unit: Unit, activity: Activity | None) -> None:
        if not units_for_actor(actor=actor, perm=Perm.PROGRAMME_MANAGE).filter(pk=unit.pk).exists():
            raise PermissionDenied

    def columns_check(self, result: CheckResult, *, context: Context) -> None:
        super().columns_check(result, context=context)
        names = {name for name in result.columns if name} | set(result.options.constants)
        names |= {combine["field"] for combine in result.options.combines if combine.get("field")}
        for required, message in (
            ("title", _("Map a column to the activity's title.")),
            ("activity_type", _("Map a column to the activity type, or set one type for the whole file.")),
            ("starts_on", _("Map a column to the date the activity starts.")),
        ):
            if required not in names:
                result.blocking.append(message)

    def _types(self, context: Context) -> list[Any]:
        from kujdes.programme.models import ActivityType

        if "types" not in context.cache:
            context.cache["types"] = list(
                ActivityType.objects.filter(organisation_id=context.unit.organisation_id, is_active=True)
            )
        return context.cache["types"]

    def value_choices(self, *, name: str, kind: str, context: Context) -> list[tuple[str, str]]:
        if name == "activity_type":
            return [(kind_.code, str(kind_)) for kind_ in self._types(context)]
        return super().value_choices(name=name, kind=kind, context=context)

    def value_propose(
        self, *, name: str, kind: str, value: str, context: Context, places: dict[str, str]
    ) -> str:
        if name != "activity_type":
            return super().value_propose(name=name, kind=kind, value=value, context=context, places=places)
        from rapidfuzz import fuzz, process

        folded = m.fold(value)
        spellings: dict[str, str] = {}
        for kind_ in self._types(context):
            spellings.setdefault(m.fold(kind_.code.replace("-", " ")), kind_.code)
            for text in (kind_.names or {}).values():
                if text:
                    spellings.setdefault(m.fold(text), kind_.code)
        if folded in spellings:
            return spellings[folded]
        found = process.extractOne(folded, list(spellings), scorer=fuzz.ratio, score_cutoff=85)
        return spellings[found[0]] if found else ""

    def row_check(
        self,
        result: CheckResult,
        *,
        number: int,
        values: list[Any],
        codes: dict[str, dict[str, str]],
        context: Context,
    ) -> CheckedRow:
        row = CheckedRow(number=number)
        constants = dict(result.options.constants)
        type_constant = constants.pop("activity_type", "")
        result_constants, result.options.constants = result.options.constants, constants
        try:
            cells = cells_read(result, row, values=values, codes=codes, target=self)
        finally:
            result.options.constants = result_constants
        found = cells.values
        labels = cells.labels
        if "activity_type" not in found and type_constant:
            code = type_constant if any(t.code == type_constant for t in self._types(context)) else ""
            code = code or self.value_propose(
                name="activity_type", kind=m.CODE, value=type_constant, context=context, places={}
            )
            if code:
                found["activity_type"] = code
        title = str(found.get("title", "")).strip()
        starts_on = found.get("starts_on")
        ends_on = found.get("ends_on") or starts_on
        for name, present in (
            ("title", bool(title)),
            ("activity_type", bool(found.get("activity_type"))),
            ("starts_on", starts_on is not None),
        ):
            if not present:
                row.errors.append(RowError(number, labels.get(name, ""), _("This field is required.")))
        if len(title) > 200:
            row.errors.append(RowError(number, labels.get("title", ""), _("At most 200 characters.")))
        if starts_on is not None and ends_on is not None and ends_on < starts_on:
            row.errors.append(
                RowError(number, labels.get("ends_on", ""), _("The end date is before the start date."))
            )
        session = found.get("session_date")
        if (
            session is not None
            and starts_on is not None
            and not starts_on <= session <= (ends_on or starts_on)
        ):
            row.errors.append(
                RowError(
                    number,
                    labels.get("session_date", ""),
                    _("The session must fall between the activity's start and end dates."),
                )
            )
        row.values = {
            "title": title,
            "activity_type": found.get("activity_type", ""),
            "starts_on": starts_on,
            "ends_on": ends_on,
            "place": str(found.get("place", ""))[:200],
            "municipality": str(found.get("municipality", ""))[:64],
            "sessions": [(session, str(found.get("topic", ""))[:200])] if session is not None else [],
        }
        return row

    def rows_finish(self, result: CheckResult, *, context: Context, registry: bool) -> None:
        """Rows of one activity (same title, type and start): its sessions, written with the first."""
        first: dict[tuple[str, str, datetime.date | None], CheckedRow] = {}
        for row in result.rows:
            if not row.valid:
                continue
            row.decision = NEW
            key = (m.fold(row.values["title"]), row.values["activity_type"], row.values["starts_on"])
            owner = first.get(key)
            if owner is None:
                first[key] = row
                continue
            owner.values["sessions"] += row.values["sessions"]
            owner.values["ends_on"] = max(owner.values["ends_on"], row.values["ends_on"])
            owner.grouped.append(row.number)
            row.merged_into = owner.number
        for row in first.values():
            dates = [day for day, _topic in row.values["sessions"]]
            if len(set(dates)) < len(dates):
                row.errors.append(
                    RowError(row.number, "", _("Two rows give this activity a session on the same day."))
                )

    def commit_row(self, *, batch: ImportBatch, row: CheckedRow, context: Context) -> list[Written]:
        from kujdes.programme.services import activity_create, session_add

        kind = next(t for t in self._types(context) if t.code == row.values["activity_type"])
        values = row.values
        activity = activity_create(
            actor=context.actor,
            unit=context.unit,
            activity_type=kind,
            title=values["title"],
            starts_on=values["starts_on"],
            ends_on=values["ends_on"],
            place=values["place"],
            municipality=values["municipality"],
        )
        written = [Written("programme.activity", activity.pk, version=activity.version)]
        for day, topic in values["sessions"]:
            session = session_add(actor=context.actor, activity=activity, date=day, topic=topic)
            written.append(Written("programme.session", session.pk))
        return written

    def undo_blockers(self, *, batch: ImportBatch, records: list[ImportedRecord]) -> list[str]:
        from kujdes.programme.models import Activity

        blockers: list[str] = []
        own_sessions = {r.object_pk for r in records if r.model == "programme.session"}
        activities = {r.object_pk: r for r in records if r.model == "programme.activity"}
        for activity in Activity.objects.filter(pk__in=list(activities)):
            record = activities[activity.pk]
            if activity.version != record.version:
                blockers.append(
                    _("Row %(row)s: the activity “%(title)s” was edited since the import.")
                    % {"row": record.row, "title": activity.title}
                )
            for relation in Activity._meta.related_objects:
                related = relation.related_model
                if relation.many_to_many or not hasattr(related, "_base_manager"):
                    continue
                if related._meta.label_lower == "imports.importbatch":
                    continue
                queryset = related._base_manager.filter(**{relation.field.name: activity})
                if related._meta.label_lower == "programme.session":
                    queryset = queryset.exclude(pk__in=own_sessions)
                if queryset.exists():
                    blockers.append(
                        _("Row %(row)s: the activity “%(title)s” has records added since (%(what)s).")
                        % {
                            "row": record.row,
                            "title": activity.title,
                            "what": related._meta.verbose_name_plural,
                        }
                    )
        return blockers

    def undo(self, *, actor: User, batch: ImportBatch, records: list[ImportedRecord]) -> dict[str, int]:
        from kujdes.programme.models import Activity, Session

        sessions = [r.object_pk for r in records if r.model == "programme.session"]
        activities = [r.object_pk for r in records if r.model == "programme.activity"]
        Session.objects.filter(pk__in=sessions).delete()
        Activity.objects.filter(pk__in=activities).delete()
        return {"activities": len(activities), "sessions": len(sessions)}
