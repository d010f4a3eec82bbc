"""Persons (registered with the registration form's rules) and participants of one activity (registered,
or matched to a registered person, then enrolled). Every write goes through `person_create` and
`participant_enrol`.

The person part is shared with the targets whose rows are persons (cases, volunteers): `person_check`
reads a row's person fields through `PersonForm`, `duplicates_find` looks for the same person earlier in
the file and in the registry, `person_commit` registers the person (or takes the one chosen), and
`person_blockers` says why an imported person cannot be removed.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

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
    SKIP,
    Candidate,
    Cells,
    CheckedRow,
    CheckResult,
    Context,
    ImportTarget,
    RowError,
    Written,
    cells_read,
)
from kujdes.people.models import Person, Sex

if TYPE_CHECKING:
    from kujdes.accounts.models import User
    from kujdes.core.models import Unit
    from kujdes.imports.models import ImportBatch
    from kujdes.programme.models import Activity

# A registry candidate at least this likely is a duplicate (kujdes.people.duplicates scores 0..1).
DUPLICATE_SCORE = 0.75
# What a field educator registers (PersonForm's minimal registration).
MINIMAL_FIELDS = frozenset({"given_name", "sex", "birth_year", "age", "municipality"})
PERSON_FIELD_NAMES = frozenset(spec.name for spec in m.PERSON_FIELDS)
# What the registry's duplicate check compares of a row's person.
REGISTRY_KEYS = (
    "given_name",
    "family_name",
    "birth_year",
    "date_of_birth",
    "birth_date_estimated",
    "sex",
    "citizenships",
    "municipality",
    "phones",
)


def minimal_only(*, actor: User, unit: Unit) -> bool:
    return not units_for_actor(actor=actor, perm=Perm.PERSON_MANAGE).filter(pk=unit.pk).exists()


def person_columns_check(result: CheckResult, *, names: list[str], specs: tuple[m.FieldSpec, ...]) -> None:
    """A person needs a name: a full name or a given name, not both (splits and combines count)."""
    if "full_name" not in names and "given_name" not in names:
        result.blocking.append(
            _("Map a column to the given name or to the full name: a person needs a name.")
        )
    if "full_name" in names and ("given_name" in names or "family_name" in names):
        result.blocking.append(_("Map either the full name or the given and family names, not both."))


def mapped_names(result: CheckResult) -> list[str]:
    """The fields the mapping fills: mapped columns, the parts of split columns, combined fields."""
    names = [name for name in result.columns if name]
    for split in result.options.splits:
        names += [name for name in split.get("into", []) if name]
    names += [combine["field"] for combine in result.options.combines if combine.get("field")]
    return names


def person_check(
    row: CheckedRow,
    cells: Cells,
    *,
    unit: Unit,
    municipalities: tuple[str, ...] | None,
) -> None:
    """The row's person through the registration form's rules: `row.person` or the form's errors."""
    from kujdes.people.forms import PersonForm

    labels = dict(cells.labels)
    data: dict[str, Any] = {"unit": str(unit.public_id)}
    for name, value in cells.values.items():
        if name not in PERSON_FIELD_NAMES:
            continue
        if name == "full_name":
            data["given_name"], data["family_name"] = value
            labels["given_name"] = labels["family_name"] = labels[name]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        elif isinstance(value, list):
            data[name] = ("\n" if name == "phones" else ", ").join(value)
        else:
            data[name] = value
    data.setdefault("sex", Sex.UNKNOWN)
    form = PersonForm(data, units=[(str(unit.public_id), unit.name)], municipalities=municipalities)
    if not form.is_valid():
        for name, messages in form.errors.items():
            column = labels.get(name, labels.get("date_of_birth", "") if name == "birth_year" else "")
            for message in messages:
                row.errors.append(RowError(row.number, column, str(message)))
        return
    row.person = form.person_values()
    if row.person.get("date_of_birth") and row.person["date_of_birth"] < datetime.date(1900, 1, 1):
        row.errors.append(
            RowError(row.number, labels.get("date_of_birth", ""), _("The date is before 1900."))
        )


def identity_key(person: dict[str, Any]) -> tuple[tuple[str, ...], Any]:
    names = tuple(name_tokens(f"{person.get('given_name', '')} {person.get('family_name', '')}"))
    return names, person.get("date_of_birth") or person.get("birth_year")


def duplicates_find(result: CheckResult, *, actor: User, unit: Unit, registry: bool) -> None:
    """Rows like an earlier row of the file (same name words and birth date or year), and rows like a
    registered person (kujdes.people.duplicates)."""
    seen: dict[tuple[tuple[str, ...], Any], int] = {}
    for row in result.rows:
        if not row.valid:
            continue
        key = identity_key(row.person)
        if key in seen:
            row.duplicate_of_row = seen[key]
        else:
            seen[key] = row.number
    if not registry:
        return
    from kujdes.people.duplicates import registry_candidates_bulk

    by_number = {row.number: row for row in result.rows}
    asked = [row for row in result.rows if row.valid and row.duplicate_of_row is None]
    records = [
        {
            name: row.person[name]
            for name in REGISTRY_KEYS
            if row.person.get(name) and not (name == "sex" and row.person[name] == Sex.UNKNOWN)
        }
        for row in asked
    ]
    with transaction.atomic():
        # One query per chunk of rows (kujdes.people.duplicates); it audits itself, once. A dry run
        # writes nothing: the savepoint is rolled back, and the import's own event stands for it.
        found = registry_candidates_bulk(actor=actor, organisation_id=unit.organisation_id, records=records)
        transaction.set_rollback(True)
    for row, candidates in zip(asked, found, strict=True):
        row.candidates = [
            Candidate(public_id=str(c.person.public_id), code=c.person.code, score=c.score)
            for c in candidates
            if c.score >= DUPLICATE_SCORE
        ]
    for row in result.rows:
        if row.valid and row.duplicate_of_row is not None:
            # Like an earlier row: that row's registry candidates are this one's too.
            row.candidates = list(by_number[row.duplicate_of_row].candidates)


def decisions_apply(result: CheckResult, *, register_only: bool) -> None:
    """Each valid row's decision: the user's for the row, else the file's rule. `register_only`: a row
    of a registered person writes nothing (the persons target)."""
    options = result.options
    for row in result.rows:
        if not row.valid:
            continue
        chosen = options.decisions.get(str(row.number))
        if chosen in (NEW, SKIP):
            row.decision = chosen
        elif chosen:
            if chosen not in {candidate.public_id for candidate in row.candidates}:
                row.errors.append(
                    RowError(row.number, "", _("The person chosen is not one of the candidates."))
                )
                continue
            row.decision, row.existing = EXISTING, chosen
        elif not row.duplicate or options.duplicates == NEW:
            row.decision = NEW
        elif options.duplicates == EXISTING and len(row.candidates) == 1 and row.duplicate_of_row is None:
            row.decision, row.existing = EXISTING, row.candidates[0].public_id
        else:
            row.decision = SKIP
        if row.decision == EXISTING and register_only:
            # The person is registered already: nothing to write for this row.
            row.decision = SKIP


def person_commit(*, actor: User, unit: Unit, row: CheckedRow) -> tuple[Person, list[Written]]:
    """The row's person: the registered one chosen, or registered now through `person_create`."""
    if row.decision == EXISTING:
        return Person.objects.get(public_id=row.existing, organisation_id=unit.organisation_id), []
    person = person_create_for_import(actor=actor, unit=unit, values=row.person)
    return person, [Written("people.person", person.pk, version=person.version)]


def person_create_for_import(*, actor: User, unit: Unit, values: dict[str, Any]) -> Person:
    from kujdes.people.services import person_create

    return person_create(actor=actor, unit=unit, **values)


def person_blockers(person: Person, *, record: ImportedRecord, own: dict[str, set[int]]) -> list[str]:
    """Why a created person cannot be removed: changed since, or used by anything the batch did not make
    (`own`: model label → pks the batch created, which go with the person)."""
    from kujdes.people.models import BlindIndexEntry

    blockers = []
    if person.version != record.version or person.merged_into_id or person.erased_at:
        blockers.append(
            _("Row %(row)s: the person %(code)s was edited since the import.")
            % {"row": record.row, "code": person.code}
        )
    for relation in Person._meta.related_objects:
        related = relation.related_model
        if related is BlindIndexEntry or not hasattr(related, "_base_manager"):
            continue
        queryset = related._base_manager.filter(**{relation.field.name: person})
        mine = own.get(related._meta.label_lower)
        if mine:
            queryset = queryset.exclude(pk__in=mine)
        if queryset.exists():
            blockers.append(
                _("Row %(row)s: the person %(code)s has records added since (%(what)s).")
                % {"row": record.row, "code": person.code, "what": related._meta.verbose_name_plural}
            )
    return blockers


def persons_blockers(records: list[ImportedRecord], *, own: dict[str, set[int]]) -> list[str]:
    persons = {r.object_pk: r for r in records if r.model == "people.person"}
    blockers: list[str] = []
    for person in Person.objects.filter(pk__in=list(persons)):
        blockers += person_blockers(person, record=persons[person.pk], own=own)
    return blockers


def persons_remove(records: list[ImportedRecord]) -> tuple[int, list[Any]]:
    """Delete the persons the batch created; their keys, to destroy once the removal is committed."""
    from kujdes.people.models import BlindIndexEntry

    person_ids = [r.object_pk for r in records if r.model == "people.person"]
    persons = list(Person.objects.filter(pk__in=person_ids))
    keys = [person.key_id for person in persons]
    BlindIndexEntry.objects.filter(person__in=persons).delete()
    Person.objects.filter(pk__in=person_ids).delete()
    return len(person_ids), keys


def keys_shred_on_commit(keys: list[Any]) -> None:
    from kujdes.core.crypto import subject_key_destroy

    def shred() -> None:
        for key_id in keys:
            subject_key_destroy(key_id=key_id)

    transaction.on_commit(shred)


class PersonsTarget(ImportTarget):
    name = Target.PERSONS
    label = gettext_lazy("Persons")
    fields = m.PERSON_FIELDS
    person_rows = True
    # Fields beside the person's a field educator may import (the enrolment's).
    minimal_extra: frozenset[str] = frozenset()

    def columns_check(self, result: CheckResult, *, context: Context) -> None:
        super().columns_check(result, context=context)
        names = mapped_names(result)
        person_columns_check(result, names=names, specs=self.fields)
        if context.minimal:
            extra = sorted(set(names) - MINIMAL_FIELDS - self.minimal_extra)
            if extra:
                labels = [str(spec.label) for spec in self.fields if spec.name in extra]
                result.blocking.append(
                    _("Your role registers the essential fields only; leave out: %(fields)s.")
                    % {"fields": ", ".join(labels)}
                )

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
        person_check(row, cells, unit=context.unit, municipalities=context.municipalities)
        self.row_extra_check(row, cells, context=context)
        return row

    def row_extra_check(self, row: CheckedRow, cells: Cells, *, context: Context) -> None:
        """What a row holds besides the person (the enrolment, a case...)."""

    def rows_finish(self, result: CheckResult, *, context: Context, registry: bool) -> None:
        duplicates_find(result, actor=context.actor, unit=context.unit, registry=registry)
        decisions_apply(result, register_only=self.name == Target.PERSONS)

    def commit_row(self, *, batch: ImportBatch, row: CheckedRow, context: Context) -> list[Written]:
        _person, written = person_commit(actor=context.actor, unit=context.unit, row=row)
        return written

    def undo_blockers(self, *, batch: ImportBatch, records: list[ImportedRecord]) -> list[str]:
        return persons_blockers(records, own={})

    def undo(self, *, actor: User, batch: ImportBatch, records: list[ImportedRecord]) -> dict[str, int]:
        removed, keys = persons_remove(records)
        keys_shred_on_commit(keys)
        return {"persons": removed}


class ParticipantsTarget(PersonsTarget):
    name = Target.PARTICIPANTS
    label = gettext_lazy("Participants of an activity")
    fields = m.PERSON_FIELDS + m.PARTICIPANT_FIELDS
    needs_activity = True
    minimal_extra = frozenset({"enrolled_on", "parental_consent", "parental_consent_by"})

    def row_extra_check(self, row: CheckedRow, cells: Cells, *, context: Context) -> None:
        if context.activity is None:
            return
        values: dict[str, Any] = {
            name: cells.values[name]
            for name in ("enrolled_on", "parental_consent", "parental_consent_by")
            if name in cells.values
        }
        if "parental_consent_by" in values:
            values["parental_consent_by"] = str(values["parental_consent_by"])[:200]
        participation_check(row, values, activity=context.activity, labels=cells.labels)

    def commit_row(self, *, batch: ImportBatch, row: CheckedRow, context: Context) -> list[Written]:
        from kujdes.programme.models import Participation
        from kujdes.programme.services import participant_enrol

        person, written = person_commit(actor=context.actor, unit=context.unit, row=row)
        activity = context.activity
        if activity is None:
            return written
        existed = Participation.objects.filter(activity=activity, person=person).exists()
        values = row.participation
        participation = participant_enrol(
            actor=context.actor,
            activity=activity,
            person=person,
            enrolled_on=values.get("enrolled_on"),
            parental_consent=bool(values.get("parental_consent")),
            parental_consent_by=values.get("parental_consent_by", ""),
        )
        if not existed:
            written.append(
                Written("programme.participation", participation.pk, version=participation.version)
            )
        return written

    def undo_blockers(self, *, batch: ImportBatch, records: list[ImportedRecord]) -> list[str]:
        blockers, own = participations_blockers(records)
        return blockers + persons_blockers(records, own={"programme.participation": own})

    def undo(self, *, actor: User, batch: ImportBatch, records: list[ImportedRecord]) -> dict[str, int]:
        from kujdes.programme.models import Participation

        participation_ids = [r.object_pk for r in records if r.model == "programme.participation"]
        Participation.objects.filter(pk__in=participation_ids).delete()
        removed, keys = persons_remove(records)
        keys_shred_on_commit(keys)
        return {"persons": removed, "participations": len(participation_ids)}


def participations_blockers(records: list[ImportedRecord]) -> tuple[list[str], set[int]]:
    """Why imported enrolments cannot be removed (changed, or attendance recorded since); their pks."""
    from kujdes.programme.models import Attendance, Participation

    participations = {r.object_pk: r for r in records if r.model == "programme.participation"}
    blockers: list[str] = []
    found = {p.pk: p for p in Participation.objects.filter(pk__in=list(participations))}
    own_attendance = {r.object_pk for r in records if r.model == "programme.attendance"}
    for pk, record in participations.items():
        participation = found.get(pk)
        if participation is None:
            continue
        if participation.version != record.version or participation.status != "enrolled":
            blockers.append(
                _("Row %(row)s: the participation was changed since the import.") % {"row": record.row}
            )
        if Attendance.objects.filter(participation=participation).exclude(pk__in=own_attendance).exists():
            blockers.append(
                _("Row %(row)s: attendance was recorded for this participant since.") % {"row": record.row}
            )
    return blockers, set(found)


def participation_check(
    row: CheckedRow, values: dict[str, Any], *, activity: Activity, labels: dict[str, str]
) -> None:
    """The enrolment rules participant_enrol applies, known before anything is written (the service
    checks them again at the commit)."""
    from kujdes.programme.models import ActivityKind

    enrolled_on = values.get("enrolled_on")
    if enrolled_on is not None and enrolled_on > timezone.localdate():
        row.errors.append(
            RowError(row.number, labels.get("enrolled_on", ""), _("The date is in the future."))
        )
    if activity.activity_type.kind == ActivityKind.CAMP and row.person:
        year = row.person.get("birth_year")
        child = year is None or activity.starts_on.year - year < 18
        consented = values.get("parental_consent") and str(values.get("parental_consent_by", "")).strip()
        if child and not consented:
            row.errors.append(
                RowError(
                    row.number,
                    labels.get("parental_consent", ""),
                    _("A child goes to camp only with a parent's or guardian's consent: record who gave it."),
                )
            )
    row.participation = values
