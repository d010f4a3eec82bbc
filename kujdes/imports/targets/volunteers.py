"""Volunteers with their trainings and hours: a unit's volunteer list brought in through
`volunteer_create`, `training_add` and `hours_log`.

A row is a volunteer (name, phone, e-mail, year of birth, skills, availability, volunteer since),
and may carry one training (title and date) and one entry of hours (hours and date). The rows of one
volunteer (same name words and year of birth) are one volunteer with every training and hours entry
of those rows; a volunteer of the unit with that name (and year) already gets the trainings and hours
added instead of being created twice.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kujdes.core.crypto import name_tokens
from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.imports import mapping as m
from kujdes.imports.models import ImportedRecord, Target
from kujdes.imports.targets.base import (
    EXISTING,
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

_NAMES = {spec.name: spec for spec in m.PERSON_FIELDS}
VOLUNTEER_FIELDS: tuple[m.FieldSpec, ...] = (
    _NAMES["full_name"],
    _NAMES["given_name"],
    _NAMES["family_name"],
    m.FieldSpec("phone", gettext_lazy("Phone"), m.TEXT, _NAMES["phones"].synonyms),
    m.FieldSpec(
        "email",
        gettext_lazy("E-mail"),
        m.TEXT,
        ("email", "e-mail", "e mail", "mail", "courriel", "البريد الإلكتروني", "posta elettronica"),
    ),
    _NAMES["birth_year"],
    m.FieldSpec(
        "skills",
        gettext_lazy("Skills"),
        m.TEXT,
        ("aftesite", "aftesi", "skills", "competences", "المهارات", "competenze"),
    ),
    m.FieldSpec(
        "availability",
        gettext_lazy("Availability"),
        m.TEXT,
        ("disponueshmeria", "availability", "disponibilite", "التوفر", "disponibilita"),
    ),
    m.FieldSpec(
        "joined_on",
        gettext_lazy("Volunteer since"),
        m.DATE,
        (
            "vullnetar qe nga",
            "data e fillimit",
            "qe nga",
            "volunteer since",
            "joined",
            "joined on",
            "start date",
            "benevole depuis",
            "depuis",
            "date d'entree",
            "متطوع منذ",
            "volontario dal",
        ),
    ),
    m.FieldSpec(
        "training",
        gettext_lazy("Training (title)"),
        m.TEXT,
        ("trajnimi", "trajnim", "training", "course", "formation", "التدريب", "formazione"),
    ),
    m.FieldSpec(
        "training_on",
        gettext_lazy("Training completed on"),
        m.DATE,
        (
            "data e trajnimit",
            "training date",
            "completed on",
            "date de formation",
            "تاريخ التدريب",
            "data della formazione",
        ),
    ),
    m.FieldSpec(
        "hours",
        gettext_lazy("Hours given"),
        m.NUMBER,
        ("ore", "oret", "hours", "heures", "الساعات", "ore di volontariato"),
    ),
    m.FieldSpec(
        "hours_on",
        gettext_lazy("Hours given on"),
        m.DATE,
        ("data e oreve", "data", "date", "hours date", "date des heures", "التاريخ"),
    ),
)
MAX_HOURS = Decimal(16)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _key(values: dict[str, Any]) -> tuple[tuple[str, ...], Any]:
    return tuple(name_tokens(f"{values.get('given_name', '')} {values.get('family_name', '')}")), values.get(
        "birth_year"
    )


class VolunteersTarget(ImportTarget):
    name = Target.VOLUNTEERS
    label = gettext_lazy("Volunteers (with trainings and hours)")
    fields = VOLUNTEER_FIELDS

    def permission_check(self, *, actor: User, unit: Unit, activity: Activity | None) -> None:
        if not units_for_actor(actor=actor, perm=Perm.PROGRAMME_MANAGE).filter(pk=unit.pk).exists():
            raise PermissionDenied

    def columns_check(self, result: CheckResult, *, context: Context) -> None:
        super().columns_check(result, context=context)
        names = {name for name in result.columns if name} | set(result.options.constants)
        names |= {combine["field"] for combine in result.options.combines if combine.get("field")}
        if "full_name" not in names and "given_name" not in names:
            result.blocking.append(
                _("Map a column to the given name or to the full name: a volunteer needs a name.")
            )
        if "joined_on" not in names:
            result.blocking.append(
                _("Map a column to the date they became a volunteer, or set one for the file.")
            )

    def context_prepare(self, context: Context, *, result: CheckResult) -> None:
        from kujdes.programme.models import Volunteer

        known: dict[tuple[tuple[str, ...], Any], list[int]] = {}
        for pk, given, family, year in Volunteer.objects.filter(unit=context.unit).values_list(
            "pk", "given_name", "family_name", "birth_year"
        ):
            known.setdefault(
                _key({"given_name": given, "family_name": family, "birth_year": year}), []
            ).append(pk)
            known.setdefault(_key({"given_name": given, "family_name": family}), []).append(pk)
        context.cache["volunteers"] = known

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
        cells = cells_read(result, row, values=values, codes=codes, target=self)
        found, labels = cells.values, cells.labels
        today = timezone.localdate()
        volunteer: dict[str, Any] = {}
        if "full_name" in found:
            volunteer["given_name"], volunteer["family_name"] = found["full_name"]
            labels["given_name"] = labels["family_name"] = labels["full_name"]
        for name in ("given_name", "family_name"):
            if name in found:
                volunteer[name] = found[name]
        for name, limit in (
            ("given_name", 100),
            ("family_name", 100),
            ("phone", 60),
            ("skills", 300),
            ("availability", 300),
        ):
            text = str(found.get(name, volunteer.get(name, ""))).strip()
            if len(text) > limit:
                row.errors.append(
                    RowError(
                        number, labels.get(name, ""), _("At most %(limit)d characters.") % {"limit": limit}
                    )
                )
            volunteer[name] = text
        if not volunteer["given_name"]:
            row.errors.append(RowError(number, labels.get("given_name", ""), _("This field is required.")))
        email = str(found.get("email", "")).strip()
        if email and not _EMAIL.match(email):
            row.errors.append(RowError(number, labels.get("email", ""), _("Enter a valid e-mail address.")))
        volunteer["email"] = email
        if "birth_year" in found:
            year = str(found["birth_year"]).strip()
            if not year.isdigit() or not 1900 <= int(year) <= today.year:
                row.errors.append(
                    RowError(
                        number, labels.get("birth_year", ""), _("Enter a year between 1900 and this year.")
                    )
                )
            else:
                volunteer["birth_year"] = int(year)
        joined_on = found.get("joined_on")
        if joined_on is None:
            row.errors.append(RowError(number, labels.get("joined_on", ""), _("This field is required.")))
        elif joined_on > today:
            row.errors.append(RowError(number, labels.get("joined_on", ""), _("The date is in the future.")))
        volunteer["joined_on"] = joined_on
        trainings: list[tuple[str, datetime.date]] = []
        if found.get("training"):
            when = found.get("training_on")
            if when is None:
                row.errors.append(
                    RowError(
                        number, labels.get("training_on", ""), _("Give the date the training was completed.")
                    )
                )
            elif when > today:
                row.errors.append(
                    RowError(number, labels.get("training_on", ""), _("The date is in the future."))
                )
            else:
                trainings.append((str(found["training"])[:200], when))
        hours: list[tuple[str, datetime.date]] = []
        if found.get("hours") not in (None, ""):
            try:
                amount = Decimal(str(found["hours"]).replace(",", "."))
            except InvalidOperation:
                amount = Decimal(-1)
            when = found.get("hours_on")
            if not Decimal(0) < amount <= MAX_HOURS:
                row.errors.append(
                    RowError(number, labels.get("hours", ""), _("Between 0.5 and 16 hours a day."))
                )
            elif when is None:
                row.errors.append(
                    RowError(number, labels.get("hours_on", ""), _("Give the day the hours were given."))
                )
            elif when > today:
                row.errors.append(
                    RowError(number, labels.get("hours_on", ""), _("Hours are logged on the day or after."))
                )
            else:
                hours.append((str(amount.quantize(Decimal("0.1"))), when))
        volunteer["trainings"], volunteer["hours"] = trainings, hours
        row.values = volunteer
        return row

    def rows_finish(self, result: CheckResult, *, context: Context, registry: bool) -> None:
        known = context.cache["volunteers"]
        first: dict[tuple[tuple[str, ...], Any], CheckedRow] = {}
        for row in result.rows:
            if not row.valid:
                continue
            key = _key(row.values)
            owner = first.get(key)
            if owner is not None:
                owner.values["trainings"] += row.values["trainings"]
                owner.values["hours"] += row.values["hours"]
                owner.grouped.append(row.number)
                row.merged_into = owner.number
                continue
            first[key] = row
            matches = known.get(key, [])
            if len(matches) == 1:
                row.decision, row.existing = EXISTING, str(matches[0])
            elif len(matches) > 1:
                row.errors.append(
                    RowError(
                        row.number,
                        "",
                        _("Several volunteers of the unit have this name: add the year of birth."),
                    )
                )
            else:
                row.decision = NEW

    def commit_row(self, *, batch: ImportBatch, row: CheckedRow, context: Context) -> list[Written]:
        from kujdes.programme.models import Volunteer
        from kujdes.programme.services import hours_log, training_add, volunteer_create

        values = row.values
        written: list[Written] = []
        if row.decision == EXISTING:
            volunteer = Volunteer.objects.get(pk=int(row.existing), unit=context.unit)
        else:
            volunteer = volunteer_create(
                actor=context.actor,
                unit=context.unit,
                given_name=values["given_name"],
                joined_on=values["joined_on"],
                **{
                    name: values[name]
                    for name in ("family_name", "phone", "email", "birth_year", "skills", "availability")
                    if values.get(name) not in (None, "")
                },
            )
            written.append(Written("programme.volunteer", volunteer.pk, version=volunteer.version))
        for title, when in values["trainings"]:
            training = training_add(actor=context.actor, volunteer=volunteer, title=title, completed_on=when)
            written.append(Written("programme.volunteertraining", training.pk))
        for amount, when in values["hours"]:
            entry = hours_log(actor=context.actor, volunteer=volunteer, date=when, hours=Decimal(amount))
            written.append(Written("programme.volunteerhours", entry.pk))
        return written

    def undo_blockers(self, *, batch: ImportBatch, records: list[ImportedRecord]) -> list[str]:
        from kujdes.programme.models import Volunteer

        own = {
            "programme.volunteertraining": {
                r.object_pk for r in records if r.model == "programme.volunteertraining"
            },
            "programme.volunteerhours": {
                r.object_pk for r in records if r.model == "programme.volunteerhours"
            },
        }
        created = {r.object_pk: r for r in records if r.model == "programme.volunteer"}
        blockers: list[str] = []
        for volunteer in Volunteer.objects.filter(pk__in=list(created)):
            record = created[volunteer.pk]
            if volunteer.version != record.version or volunteer.user_id is not None:
                blockers.append(
                    _("Row %(row)s: the volunteer was edited since the import.") % {"row": record.row}
                )
            for relation in Volunteer._meta.related_objects:
                related = relation.related_model
                if relation.many_to_many or relation.one_to_one or not hasattr(related, "_base_manager"):
                    continue
                queryset = related._base_manager.filter(**{relation.field.name: volunteer})
                mine = own.get(related._meta.label_lower)
                if mine is not None:
                    queryset = queryset.exclude(pk__in=mine)
                if queryset.exists():
                    blockers.append(
                        _("Row %(row)s: the volunteer has records added since (%(what)s).")
                        % {"row": record.row, "what": related._meta.verbose_name_plural}
                    )
        return blockers

    def undo(self, *, actor: User, batch: ImportBatch, records: list[ImportedRecord]) -> dict[str, int]:
        from kujdes.core.crypto import subject_key_destroy
        from kujdes.programme.models import Volunteer, VolunteerHours, VolunteerTraining

        def pks(model: str) -> list[int]:
            return [r.object_pk for r in records if r.model == model]

        VolunteerHours.objects.filter(pk__in=pks("programme.volunteerhours")).delete()
        VolunteerTraining.objects.filter(pk__in=pks("programme.volunteertraining")).delete()
        volunteers = Volunteer.objects.filter(pk__in=pks("programme.volunteer"))
        keys = [volunteer.key_id for volunteer in volunteers if volunteer.key_id is not None]
        volunteers.delete()

        def shred() -> None:
            for key_id in keys:
                subject_key_destroy(key_id=key_id)

        transaction.on_commit(shred)
        return {
            "volunteers": len(pks("programme.volunteer")),
            "trainings": len(pks("programme.volunteertraining")),
            "hours": len(pks("programme.volunteerhours")),
        }
