"""Attendance of one activity from a paper register typed up: participants down, session dates across,
a mark in each cell ("x", "P", "1", "✓", "po" present; "mungon", "a", "0", "absent" absent; blank:
not recorded). Written through `session_add`, `participant_enrol` and `attendance_save`.

Each column under a date is mapped to the repeated field `mark`; its header is the session's date
(a date cell, "12.03.2019", or "12.03" in the activity's year). A session is created for a date the
activity has none on. Each row is matched by its name words (and the year of birth when both have
one) to the activity's participants; a row that matches none is registered (or matched in the registry,
as participants are) and enrolled. A mark already recorded for a session is kept as it is.
"""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kujdes.core.crypto import name_tokens
from kujdes.imports import mapping as m
from kujdes.imports.models import ImportedRecord, Target
from kujdes.imports.targets.base import EXISTING, Cells, CheckedRow, CheckResult, Context, RowError, Written
from kujdes.imports.targets.persons import (
    PersonsTarget,
    decisions_apply,
    duplicates_find,
    keys_shred_on_commit,
    participations_blockers,
    person_commit,
    persons_blockers,
    persons_remove,
)
from kujdes.imports.targets.vocabularies import PRESENT

if TYPE_CHECKING:
    from kujdes.accounts.models import User
    from kujdes.core.models import Unit
    from kujdes.imports.models import ImportBatch
    from kujdes.programme.models import Activity

MARK = m.FieldSpec(
    "mark", gettext_lazy("Attendance mark (the header is the session's date)"), m.CODE, (), repeat=True
)
# A header such as "12.03" or "12/3" (a day and a month, the year the activity's).
_DAY_MONTH = re.compile(r"^(\d{1,2})[./\-\s](\d{1,2})\.?$")
# "7 tetor", "7 octobre 2019", "21. Okt." (a day and the month's name).
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})\.?\s+([^\W\d_]+)\.?(?:\s+(\d{2,4}))?$")


def header_date(
    header: Any, *, order: str, year: int | None, epoch: datetime.datetime
) -> datetime.date | None:
    """The session date a column header names, or None."""
    text = m._cell_text(header)
    # A header of two rows: "Data e seancës: 07.10.2019" (a group over the dates).
    group = re.match(r"^[^\d:]*[^\W\d_][^\d:]*:\s*(\d.*)$", text)
    text = group.group(1).strip() if group else text
    if not text:
        return None
    try:
        return m.date_read(text, order=order, epoch=epoch)
    except (ValueError, OverflowError):
        pass
    named = _DAY_MONTH_NAME.match(text)
    if named:
        month = m.MONTHS.get(m.fold(named.group(2)), 0)
        when = int(named.group(3)) if named.group(3) else year
        if month and when is not None:
            try:
                return datetime.date(m._year(str(when)), month, int(named.group(1)))
            except ValueError:
                return None
        return None
    match = _DAY_MONTH.match(text)
    if match and year is not None:
        first, second = int(match.group(1)), int(match.group(2))
        day, month = (second, first) if order == m.MDY else (first, second)
        try:
            return datetime.date(year, month, day)
        except ValueError:
            return None
    return None


def _headers_order(headers: list[str]) -> str:
    return m.date_order_detect(headers).order


# The year a header without one is read in when no activity is known (the suggestion only).
def _suggest_year() -> int:
    return timezone.localdate().year


class AttendanceTarget(PersonsTarget):
    name = Target.ATTENDANCE
    label = gettext_lazy("Attendance of an activity (a register grid)")
    fields = m.PERSON_FIELDS + (MARK,)
    needs_activity = True
    minimal_extra = frozenset({"mark"})

    def columns_suggest(self, *, headers: list[str]) -> list[str]:
        columns = super().columns_suggest(headers=headers)
        order = _headers_order(headers)
        for index, header in enumerate(headers):
            if header_date(header, order=order, year=_suggest_year(), epoch=datetime.datetime(1899, 12, 30)):
                columns[index] = "mark"
        return columns

    def permission_check(self, *, actor: User, unit: Unit, activity: Activity | None) -> None:
        from kujdes.programme.selectors import activity_can_record

        super().permission_check(actor=actor, unit=unit, activity=activity)
        if activity is None or not activity_can_record(actor=actor, activity=activity):
            raise PermissionDenied

    def columns_check(self, result: CheckResult, *, context: Context) -> None:
        super().columns_check(result, context=context)
        if "mark" not in result.columns:
            result.blocking.append(
                _("Map the columns under the session dates to attendance marks: there is no session column.")
            )

    def context_prepare(self, context: Context, *, result: CheckResult) -> None:
        """The session date of each mark column, the activity's sessions and participants (names read
        once), and the marks recorded already."""
        from kujdes.programme.models import (
            Attendance,
            Participation,
            ParticipationStatus,
            Session,
            SessionStatus,
        )

        activity = context.activity
        assert activity is not None
        table = result.table
        order = _headers_order(table.headers)
        dates: dict[int, datetime.date] = {}
        today = timezone.localdate()
        for index, name in enumerate(result.columns):
            if name != "mark":
                continue
            label = table.column_label(index)
            day = header_date(
                table.headers[index], order=order, year=activity.starts_on.year, epoch=table.epoch
            )
            if day is not None and day < activity.starts_on and activity.ends_on.year > day.year:
                # "4 janar" in a course from October to March: the header wrote no year.
                later = header_date(table.headers[index], order=order, year=day.year + 1, epoch=table.epoch)
                day = later if later is not None and later.year == day.year + 1 else day
            if day is None:
                result.blocking.append(
                    _("%(column)s: the header of an attendance column must be the session's date.")
                    % {"column": label}
                )
            elif not activity.starts_on <= day <= activity.ends_on:
                result.blocking.append(
                    _("%(column)s: %(date)s is outside the activity (%(start)s – %(end)s).")
                    % {
                        "column": label,
                        "date": day.isoformat(),
                        "start": activity.starts_on,
                        "end": activity.ends_on,
                    }
                )
            elif day > today:
                result.blocking.append(
                    _("%(column)s: attendance cannot be recorded for a day still to come.")
                    % {"column": label}
                )
            else:
                dates[index] = day
        if len(set(dates.values())) < len(dates):
            result.blocking.append(_("Two attendance columns have the same date: keep one."))
        sessions: dict[datetime.date, Session] = {}
        for session in Session.objects.filter(activity=activity).exclude(status=SessionStatus.CANCELLED):
            sessions.setdefault(session.date, session)
        participants: dict[tuple[str, ...], list[tuple[int, int | None]]] = {}
        for participation in (
            Participation.objects.filter(activity=activity)
            .exclude(status=ParticipationStatus.DROPPED)
            .select_related("person")
        ):
            person = participation.person
            key = tuple(name_tokens(f"{person.given_name} {person.family_name}"))
            participants.setdefault(key, []).append((participation.pk, person.birth_year))
        recorded = {
            (row.session.date, row.participation_id): row.present
            for row in Attendance.objects.filter(session__in=list(sessions.values())).select_related(
                "session"
            )
        }
        context.cache.update(dates=dates, sessions=sessions, participants=participants, recorded=recorded)

    def row_extra_check(self, row: CheckedRow, cells: Cells, *, context: Context) -> None:
        if not row.person:
            return
        dates: dict[int, datetime.date] = context.cache["dates"]
        marks = {
            dates[index].isoformat(): code == PRESENT
            for index, code in cells.repeated.get("mark", {}).items()
            if index in dates
        }
        row.values = {"marks": marks}
        key = tuple(name_tokens(f"{row.person.get('given_name', '')} {row.person.get('family_name', '')}"))
        year = row.person.get("birth_year")
        found = [
            pk
            for pk, born in context.cache["participants"].get(key, [])
            if year is None or born in (None, year)
        ]
        if len(found) > 1:
            row.errors.append(
                RowError(
                    row.number,
                    cells.labels.get("full_name", cells.labels.get("given_name", "")),
                    _("Several participants have this name: add the year of birth to tell them apart."),
                )
            )
        elif found:
            row.values["participation"] = found[0]

    def rows_finish(self, result: CheckResult, *, context: Context, registry: bool) -> None:
        # Rows of the activity's participants are theirs; the others are checked as new participants.
        participants = [row for row in result.rows if row.values.get("participation")]
        others = [row for row in result.rows if row not in participants]
        everything = result.rows
        result.rows = others
        duplicates_find(result, actor=context.actor, unit=context.unit, registry=registry)
        decisions_apply(result, register_only=False)
        result.rows = everything
        for row in participants:
            row.decision = EXISTING
        recorded = context.cache["recorded"]
        kept = sum(
            1
            for row in participants
            for day, present in row.values.get("marks", {}).items()
            if recorded.get((datetime.date.fromisoformat(day), row.values["participation"]), present)
            != present
        )
        if kept:
            result.warnings.append(
                _("%(count)s mark(s) differ from the attendance recorded already: those recorded stand.")
                % {"count": kept}
            )

    def commit_row(self, *, batch: ImportBatch, row: CheckedRow, context: Context) -> list[Written]:
        from kujdes.programme.models import Attendance, Participation, Session, SessionStatus
        from kujdes.programme.services import attendance_save, participant_enrol, session_add

        activity = context.activity
        assert activity is not None
        actor = context.actor
        written: list[Written] = []
        if row.values.get("participation"):
            participation = Participation.objects.get(pk=row.values["participation"], activity=activity)
        else:
            person, written = person_commit(actor=actor, unit=context.unit, row=row)
            existed = Participation.objects.filter(activity=activity, person=person).exists()
            participation = participant_enrol(actor=actor, activity=activity, person=person)
            if not existed:
                written.append(
                    Written("programme.participation", participation.pk, version=participation.version)
                )
        sessions: dict[datetime.date, Session] = context.cache.setdefault("sessions_by_date", {})
        for day_text, present in sorted(row.values.get("marks", {}).items()):
            day = datetime.date.fromisoformat(day_text)
            session = sessions.get(day) or (
                Session.objects.filter(activity=activity, date=day)
                .exclude(status=SessionStatus.CANCELLED)
                .first()
            )
            if session is None:
                session = session_add(actor=actor, activity=activity, date=day)
                written.append(Written("programme.session", session.pk))
            sessions[day] = session
            if Attendance.objects.filter(session=session, participation=participation).exists():
                continue  # recorded already: it stands
            attendance_save(actor=actor, session=session, marks={participation.pk: present})
            mark = Attendance.objects.get(session=session, participation=participation)
            # Attendance has no version: the mark (1 absent, 2 present) stands for it, to see a later change.
            written.append(Written("programme.attendance", mark.pk, version=1 + int(mark.present)))
        return written

    def undo_blockers(self, *, batch: ImportBatch, records: list[ImportedRecord]) -> list[str]:
        from kujdes.programme.models import Attendance, Headcount

        blockers, own_participations = participations_blockers(records)
        marks = {r.object_pk: r for r in records if r.model == "programme.attendance"}
        for mark in Attendance.objects.filter(pk__in=list(marks)):
            if 1 + int(mark.present) != marks[mark.pk].version:
                blockers.append(
                    _("Row %(row)s: an attendance mark was changed since the import.")
                    % {"row": marks[mark.pk].row}
                )
        sessions = {r.object_pk: r for r in records if r.model == "programme.session"}
        for pk, record in sessions.items():
            others = Attendance.objects.filter(session_id=pk).exclude(pk__in=list(marks))
            if others.exists() or Headcount.objects.filter(session_id=pk).exists():
                blockers.append(
                    _("Row %(row)s: a session the import created has attendance or a headcount added since.")
                    % {"row": record.row}
                )
        return blockers + persons_blockers(records, own={"programme.participation": own_participations})

    def undo(self, *, actor: User, batch: ImportBatch, records: list[ImportedRecord]) -> dict[str, int]:
        from kujdes.programme.models import Attendance, Participation, Session

        def pks(model: str) -> list[int]:
            return [r.object_pk for r in records if r.model == model]

        Attendance.objects.filter(pk__in=pks("programme.attendance")).delete()
        Session.objects.filter(pk__in=pks("programme.session")).delete()
        Participation.objects.filter(pk__in=pks("programme.participation")).delete()
        removed, keys = persons_remove(records)
        keys_shred_on_commit(keys)
        return {
            "persons": removed,
            "participations": len(pks("programme.participation")),
            "sessions": len(pks("programme.session")),
            "marks": len(pks("programme.attendance")),
        }
