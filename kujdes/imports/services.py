"""The importer's work: check a table (the dry run), commit its valid rows through the rooms' services,
undo a committed batch. Every write goes through `person_create` and `participant_enrol`; every row
is checked with the registration form's own rules (`PersonForm`).

A dry run writes nothing: the registry's duplicate check (which audits itself) runs in a savepoint
that is rolled back, and one audit event says that the file was checked (counts only). A commit
writes in chunks, each row in a savepoint of its own (never half a row), and notes every record it
wrote as an `ImportedRecord` of the batch, so that `batch_undo` can remove them while nobody has
changed them since.
"""

from __future__ import annotations

import datetime
import io
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.crypto import name_tokens
from kujdes.core.files import encrypted_file_delete, encrypted_file_read, encrypted_file_write
from kujdes.core.models import Unit
from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.imports import mapping as m
from kujdes.imports.models import BatchState, ImportBatch, ImportedRecord, RecordAction, Target
from kujdes.imports.reading import Table, table_read
from kujdes.people.models import Person, Sex

if TYPE_CHECKING:
    from kujdes.accounts.models import User
    from kujdes.programme.models import Activity

CHUNK = 100
# A registry candidate at least this likely is a duplicate (kujdes.people.duplicates scores 0..1).
DUPLICATE_SCORE = 0.75
SKIP, NEW, EXISTING = "skip", "new", "existing"
DUPLICATE_RULES = (SKIP, NEW, EXISTING)
# What a field educator registers (PersonForm's minimal registration).
MINIMAL_FIELDS = frozenset({"given_name", "sex", "birth_year", "age", "municipality"})


class ImportRefused(ValueError):
    """The import cannot go on as asked (mapping incomplete, values unmapped, nothing valid...)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


class UndoRefused(ValueError):
    """Records of the batch were changed or used since: the list says which, for the user."""

    def __init__(self, blockers: list[str]) -> None:
        super().__init__(" ".join(blockers))
        self.blockers = blockers


@dataclass
class Options:
    """How a table is mapped: what the user (or the command line) chose; JSON-safe."""

    target: str = Target.PERSONS
    # One field name (or "") per column of the table, in order; None: suggested from the headers.
    columns: list[str] | None = None
    # field → {value as written → code}; overrides the proposals.
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    # field → "dmy" | "mdy"; `dayfirst` True/False sets every date column not named here.
    date_orders: dict[str, str] = field(default_factory=dict)
    dayfirst: bool | None = None
    family_first: bool = False
    duplicates: str = SKIP
    # row number (as text) → "new" | "skip" | a registered person's public id ("same person").
    decisions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Options:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Candidate:
    public_id: str
    code: str
    score: float


@dataclass
class CheckedRow:
    number: int
    person: dict[str, Any] = field(default_factory=dict)
    participation: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    duplicate_of_row: int | None = None
    candidates: list[Candidate] = field(default_factory=list)
    # What the commit does: NEW (register), SKIP, or EXISTING with `existing` (a person's public id).
    decision: str = NEW
    existing: str = ""

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def duplicate(self) -> bool:
        return self.duplicate_of_row is not None or bool(self.candidates)


@dataclass
class ValueRow:
    value: str
    count: int
    code: str
    proposed: str


@dataclass
class CheckResult:
    table: Table
    options: Options
    columns: list[str]
    rows: list[CheckedRow]
    # Problems of the whole file (mapping incomplete, unmapped values): they block the commit.
    blocking: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # field → its distinct values, their counts and codes (for the value-mapping table).
    values: dict[str, list[ValueRow]] = field(default_factory=dict)
    date_orders: dict[str, m.DateOrder] = field(default_factory=dict)

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    def counts(self) -> dict[str, int]:
        valid = [row for row in self.rows if row.valid]
        return {
            "rows": len(self.rows),
            "valid": len(valid),
            "errors": len([row for row in self.rows if not row.valid]),
            "duplicates": len([row for row in valid if row.duplicate]),
            "to_create": len([row for row in valid if row.decision == NEW]),
            "to_link": len([row for row in valid if row.decision == EXISTING]),
            "skipped": len([row for row in valid if row.decision == SKIP]),
        }


# --- checking ---------------------------------------------------------------------------------


def _minimal_only(*, actor: User, unit: Unit) -> bool:
    return not units_for_actor(actor=actor, perm=Perm.PERSON_MANAGE).filter(pk=unit.pk).exists()


def import_permission_check(*, actor: User, unit: Unit, target: str, activity: Activity | None) -> None:
    """Whoever may register persons in the unit imports persons; participants also need the activity
    (of the unit's organisation) to be one they manage. PermissionDenied otherwise."""
    if not units_for_actor(actor=actor, perm=Perm.PERSON_REGISTER_MINIMAL).filter(pk=unit.pk).exists():
        raise PermissionDenied
    if target == Target.PARTICIPANTS:
        from kujdes.programme.selectors import activity_can_manage

        if activity is None or activity.organisation_id != unit.organisation_id:
            raise PermissionDenied
        if not activity_can_manage(actor=actor, activity=activity):
            raise PermissionDenied


def _columns_check(result: CheckResult, *, minimal: bool) -> None:
    names = [name for name in result.columns if name]
    specs = {spec.name for spec in m.fields_for(result.options.target)}
    for name in set(names):
        if name not in specs:
            result.blocking.append(_("“%(field)s” is not a field of this import.") % {"field": name})
        elif names.count(name) > 1:
            spec = m.field_spec(result.options.target, name)
            result.blocking.append(
                _("Two columns are mapped to “%(field)s”: keep one.")
                % {"field": spec.label if spec else name}
            )
    if "full_name" not in names and "given_name" not in names:
        result.blocking.append(
            _("Map a column to the given name or to the full name: a person needs a name.")
        )
    if "full_name" in names and ("given_name" in names or "family_name" in names):
        result.blocking.append(_("Map either the full name or the given and family names, not both."))
    if minimal:
        extra = sorted(
            set(names) - MINIMAL_FIELDS - {"enrolled_on", "parental_consent", "parental_consent_by"}
        )
        if extra:
            labels = [str(spec.label) for spec in m.fields_for(result.options.target) if spec.name in extra]
            result.blocking.append(
                _("Your role registers the essential fields only; leave out: %(fields)s.")
                % {"fields": ", ".join(labels)}
            )


def _values_map(result: CheckResult, *, municipalities: tuple[str, ...] | None) -> dict[str, dict[str, str]]:
    """field → {value as written → code} for the coded columns; unmapped values are blocking."""
    places = m.municipality_table(municipalities) if municipalities else {}
    resolved: dict[str, dict[str, str]] = {}
    for index, name in enumerate(result.columns):
        spec = m.field_spec(result.options.target, name) if name else None
        if spec is None or spec.kind not in (m.CODE, m.YESNO):
            continue
        counts = m.distinct_values(values[index] for _number, values in result.table.rows)
        given = result.options.values.get(name, {})
        allowed = {
            code
            for code, _label in m.value_choices(field=name, kind=spec.kind, municipalities=municipalities)
        }
        rows: list[ValueRow] = []
        codes: dict[str, str] = {}
        for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            proposed = m.value_propose(
                kind=spec.kind, field=name, value=value, municipalities=municipalities, places=places
            )
            code = given.get(value, proposed)
            if allowed and code and code not in allowed:
                code = ""
            rows.append(ValueRow(value=value, count=count, code=code, proposed=proposed))
            codes[value] = code
        unmapped = [row for row in rows if not row.code]
        if unmapped:
            result.blocking.append(
                _("%(field)s: %(count)s value(s) are not mapped yet: %(values)s.")
                % {
                    "field": spec.label,
                    "count": len(unmapped),
                    "values": ", ".join(f"“{row.value[:40]}” ({row.count})" for row in unmapped[:10]),
                }
            )
        result.values[name] = rows
        resolved[name] = codes
    return resolved


def _date_orders(result: CheckResult) -> None:
    options = result.options
    for index, name in enumerate(result.columns):
        spec = m.field_spec(options.target, name) if name else None
        if spec is None or spec.kind != m.DATE:
            continue
        label = result.table.column_label(index)
        if name in options.date_orders:
            result.date_orders[name] = m.DateOrder(
                options.date_orders[name], ambiguous=False, conflicting=False
            )
            continue
        detected = m.date_order_detect(values[index] for _number, values in result.table.rows)
        if options.dayfirst is not None:
            detected = m.DateOrder(m.DMY if options.dayfirst else m.MDY, ambiguous=False, conflicting=False)
        result.date_orders[name] = detected
        if detected.ambiguous:
            result.warnings.append(
                _(
                    "%(column)s: no date tells the day from the month (all parts are 12 or less); they are "
                    "read day first (12.03.2019 is 12 March). Say otherwise if that is wrong."
                )
                % {"column": label}
            )
        if detected.conflicting:
            result.warnings.append(
                _("%(column)s: some dates are written day first and others month first; check the errors.")
                % {"column": label}
            )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return str(value).strip()


def _row_check(
    result: CheckResult,
    *,
    number: int,
    values: list[Any],
    codes: dict[str, dict[str, str]],
    unit: Unit,
    municipalities: tuple[str, ...] | None,
    activity: Activity | None,
) -> CheckedRow:
    from kujdes.people.forms import PersonForm

    row = CheckedRow(number=number)
    table, options = result.table, result.options
    labels: dict[str, str] = {}
    data: dict[str, Any] = {"unit": str(unit.public_id)}
    participation: dict[str, Any] = {}
    for index, name in enumerate(result.columns):
        if not name:
            continue
        spec = m.field_spec(options.target, name)
        assert spec is not None
        label = table.column_label(index)
        labels[name] = label
        raw = values[index]
        text = _text(raw)
        if not text:
            continue
        if spec.kind in (m.CODE, m.YESNO):
            code = codes.get(name, {}).get(text, "")
            if not code:
                row.errors.append(
                    RowError(number, label, _("“%(value)s” is not mapped.") % {"value": text[:60]})
                )
                continue
            if spec.kind == m.YESNO:
                if name == "parental_consent":
                    participation["parental_consent"] = code == m.YES
                elif code == m.YES:
                    data[name] = "on"
            else:
                data[name] = code
        elif spec.kind == m.DATE:
            order = result.date_orders[name]
            try:
                day = m.date_read(raw, order=order.order, epoch=table.epoch)
            except (ValueError, OverflowError):
                row.errors.append(
                    RowError(
                        number,
                        label,
                        _("“%(value)s” is not a date (such as 12.03.2019, 2019-03-12).")
                        % {"value": text[:40]},
                    )
                )
                continue
            if name == "enrolled_on":
                participation["enrolled_on"] = day
            else:
                data[name] = day.isoformat()
        elif spec.kind == m.FULL_NAME:
            given, family = m.full_name_split(text, family_first=options.family_first)
            data["given_name"], data["family_name"] = given, family
            labels["given_name"] = labels["family_name"] = label
        elif spec.kind == m.LIST:
            # Several values in a cell are separated by ";" or "," ("/" is part of many phone numbers).
            parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
            data[name] = ("\n" if name == "phones" else ", ").join(parts)
        elif name == "parental_consent_by":
            participation["parental_consent_by"] = text[:200]
        else:
            data[name] = text
    data.setdefault("sex", Sex.UNKNOWN)
    form = PersonForm(data, units=[(str(unit.public_id), unit.name)], municipalities=municipalities)
    if not form.is_valid():
        for name, messages in form.errors.items():
            column = labels.get(name, labels.get("date_of_birth", "") if name == "birth_year" else "")
            for message in messages:
                row.errors.append(RowError(number, column, str(message)))
    else:
        row.person = form.person_values()
        if row.person.get("date_of_birth") and row.person["date_of_birth"] < datetime.date(1900, 1, 1):
            row.errors.append(
                RowError(number, labels.get("date_of_birth", ""), _("The date is before 1900."))
            )
    if options.target == Target.PARTICIPANTS and activity is not None:
        _participation_check(row, participation, activity=activity, labels=labels)
    return row


def _participation_check(
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
        consented = values.get("parental_consent") and values.get("parental_consent_by", "").strip()
        if child and not consented:
            row.errors.append(
                RowError(
                    row.number,
                    labels.get("parental_consent", ""),
                    _("A child goes to camp only with a parent's or guardian's consent: record who gave it."),
                )
            )
    row.participation = values


def _identity_key(person: dict[str, Any]) -> tuple[tuple[str, ...], Any]:
    names = tuple(name_tokens(f"{person.get('given_name', '')} {person.get('family_name', '')}"))
    return names, person.get("date_of_birth") or person.get("birth_year")


def _duplicates_find(result: CheckResult, *, actor: User, unit: Unit, registry: bool) -> None:
    """Rows like an earlier row of the file (same name words and birth date or year), and rows like a
    registered person (kujdes.people.duplicates)."""
    from kujdes.people.duplicates import duplicate_candidates

    seen: dict[tuple[tuple[str, ...], Any], int] = {}
    for row in result.rows:
        if not row.valid:
            continue
        key = _identity_key(row.person)
        if key in seen:
            row.duplicate_of_row = seen[key]
        else:
            seen[key] = row.number
    if not registry:
        return
    by_number = {row.number: row for row in result.rows}
    with transaction.atomic():
        for row in result.rows:
            if not row.valid:
                continue
            if row.duplicate_of_row is not None:
                # Like an earlier row: that row's registry candidates are this one's too.
                row.candidates = list(by_number[row.duplicate_of_row].candidates)
                continue
            found = duplicate_candidates(
                actor=actor,
                given_name=row.person.get("given_name", ""),
                family_name=row.person.get("family_name", ""),
                birth_year=row.person.get("birth_year"),
                municipality=row.person.get("municipality", ""),
                phones=row.person.get("phones") or [],
                organisation_id=unit.organisation_id,
            )
            row.candidates = [
                Candidate(public_id=str(c.person.public_id), code=c.person.code, score=c.score)
                for c in found.candidates
                if c.score >= DUPLICATE_SCORE
            ]
        # The checks audit themselves; a dry run writes nothing, so one event stands for them all.
        transaction.set_rollback(True)


def _decisions(result: CheckResult) -> None:
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
        if row.decision == EXISTING and options.target == Target.PERSONS:
            # The person is registered already: nothing to write for this row.
            row.decision = SKIP


def import_check(
    *,
    actor: User,
    unit: Unit,
    table: Table,
    options: Options,
    activity: Activity | None = None,
    registry: bool = True,
) -> CheckResult:
    """Check every row of a table as the import would write it; nothing is written (the dry run).

    Raises PermissionDenied when the actor may not import into the unit (or the activity).
    """
    from kujdes.people.selectors import municipalities_for_organisation

    import_permission_check(actor=actor, unit=unit, target=options.target, activity=activity)
    if options.duplicates not in DUPLICATE_RULES:
        options.duplicates = SKIP
    columns = (
        list(options.columns)
        if options.columns is not None
        else m.columns_suggest(target=options.target, headers=table.headers)
    )
    columns = (columns + [""] * len(table.headers))[: len(table.headers)]
    result = CheckResult(table=table, options=options, columns=columns, rows=[])
    _columns_check(result, minimal=_minimal_only(actor=actor, unit=unit))
    if result.blocking:
        return result
    municipalities = municipalities_for_organisation(organisation_id=unit.organisation_id)
    codes = _values_map(result, municipalities=municipalities)
    _date_orders(result)
    for number, values in table.rows:
        result.rows.append(
            _row_check(
                result,
                number=number,
                values=values,
                codes=codes,
                unit=unit,
                municipalities=municipalities,
                activity=activity,
            )
        )
    _duplicates_find(result, actor=actor, unit=unit, registry=registry)
    _decisions(result)
    return result


# --- batches ----------------------------------------------------------------------------------


def _audit(*, actor: User | None, batch: ImportBatch, action: str, details: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        organisation=batch.organisation_id,
        action=action,
        obj=batch,
        unit=batch.unit,
        details={"batch": str(batch.public_id), "target": batch.target, **details},
    )


@transaction.atomic
def batch_upload(
    *, actor: User, unit: Unit, target: str, data: bytes, filename: str, activity: Activity | None = None
) -> ImportBatch:
    """Open an import: the file is read once (FileRefused if it cannot be) and kept encrypted with the
    batch's own key until the import ends. Audited (no file name: it may name a person)."""
    import_permission_check(actor=actor, unit=unit, target=target, activity=activity)
    table = table_read(data=data, filename=filename)
    batch = ImportBatch(
        organisation_id=unit.organisation_id,
        unit=unit,
        target=target,
        activity=activity if target == Target.PARTICIPANTS else None,
        filename=filename[:200],
        file_format=table.file_format,
        options={"sheet": table.sheet or None, "encoding": table.encoding, "delimiter": table.delimiter},
        report=[],  # type: ignore[misc]  # the stubs see the sealed JSON as text
        created_by=actor,
    )
    batch.file_id = uuid.uuid4()
    encrypted_file_write(handle=batch.encryption_handle(), file_id=batch.file_id, source=io.BytesIO(data))
    batch.save()
    _audit(
        actor=actor,
        batch=batch,
        action="import.batch.uploaded",
        details={"format": table.file_format, "bytes": len(data), "rows": len(table.rows)},
    )
    return batch


def batch_data(*, batch: ImportBatch) -> bytes:
    """The uploaded file of an open batch, decrypted."""
    if batch.file_id is None:
        raise ValidationError(_("The file of this import is no longer kept."))
    return b"".join(encrypted_file_read(handle=batch.encryption_handle(), file_id=batch.file_id))


def batch_table(*, batch: ImportBatch) -> Table:
    reading = batch.options
    return table_read(
        data=batch_data(batch=batch),
        sheet=reading.get("sheet") or None,
        header_row=reading.get("header_row") or None,
        encoding=reading.get("encoding") or None,
        delimiter=reading.get("delimiter") or None,
    )


def batch_options(*, batch: ImportBatch) -> Options:
    return Options.from_dict({**batch.options.get("mapping", {}), "target": batch.target})


@transaction.atomic
def batch_configure(
    *, actor: User, batch: ImportBatch, reading: dict[str, Any] | None = None, options: Options | None = None
) -> ImportBatch:
    """Save how the file is read (sheet, header row, encoding, delimiter) or mapped. Changing how it is
    read forgets the mapping (the columns may be others)."""
    if not batch.is_open:
        raise ValidationError(_("This import is closed."))
    stored = dict(batch.options)
    if reading is not None:
        stored.update({key: reading.get(key) for key in ("sheet", "header_row", "encoding", "delimiter")})
        stored.pop("mapping", None)
    if options is not None:
        stored["mapping"] = {key: value for key, value in options.as_dict().items() if key != "target"}
    batch.options = stored
    batch.save(update_fields=["options"])
    return batch


def check_report(result: CheckResult, *, limit: int = 5000) -> list[dict[str, Any]]:
    return [error.as_dict() for error in result.errors[:limit]]


@transaction.atomic
def batch_check_record(*, actor: User, batch: ImportBatch, result: CheckResult) -> ImportBatch:
    """Keep the dry run's counts and (sealed) messages with the batch; audited (counts only)."""
    counts = {**result.counts(), "blocking": len(result.blocking)}
    batch.counts = counts
    batch.report = check_report(result)  # type: ignore[assignment]
    batch.save(update_fields=["counts", "report"])
    _audit(actor=actor, batch=batch, action="import.batch.checked", details=counts)
    return batch


@transaction.atomic
def import_check_record(*, actor: User, unit: Unit, result: CheckResult) -> None:
    """Audit a dry run made without a batch (the command line): counts only."""
    audit_record(
        actor=actor,
        organisation=unit.organisation_id,
        action="import.checked",
        unit=unit,
        details={"target": result.options.target, **result.counts(), "blocking": len(result.blocking)},
    )


def _commit_row(
    *, actor: User, batch: ImportBatch, unit: Unit, row: CheckedRow, activity: Activity | None
) -> int:
    """One row through the services, with its records noted; raises what the services raise."""
    from kujdes.programme.services import participant_enrol

    written = 0
    if row.decision == EXISTING:
        person = Person.objects.get(public_id=row.existing, organisation_id=unit.organisation_id)
    else:
        person = person_create_for_import(actor=actor, unit=unit, values=row.person)
        ImportedRecord.objects.create(
            organisation_id=batch.organisation_id,
            batch=batch,
            model="people.person",
            object_pk=person.pk,
            action=RecordAction.CREATED,
            row=row.number,
            version=person.version,
        )
        written += 1
    if batch.target == Target.PARTICIPANTS and activity is not None:
        from kujdes.programme.models import Participation

        existed = Participation.objects.filter(activity=activity, person=person).exists()
        values = row.participation
        participation = participant_enrol(
            actor=actor,
            activity=activity,
            person=person,
            enrolled_on=values.get("enrolled_on"),
            parental_consent=bool(values.get("parental_consent")),
            parental_consent_by=values.get("parental_consent_by", ""),
        )
        if not existed:
            ImportedRecord.objects.create(
                organisation_id=batch.organisation_id,
                batch=batch,
                model="programme.participation",
                object_pk=participation.pk,
                action=RecordAction.CREATED,
                row=row.number,
                version=participation.version,
            )
            written += 1
    return written


def person_create_for_import(*, actor: User, unit: Unit, values: dict[str, Any]) -> Person:
    from kujdes.people.services import person_create

    return person_create(actor=actor, unit=unit, **values)


@dataclass
class CommitResult:
    batch: ImportBatch
    created: int
    linked: int
    skipped: int
    errors: list[RowError]


def batch_commit(
    *,
    actor: User,
    unit: Unit,
    result: CheckResult,
    batch: ImportBatch | None = None,
    activity: Activity | None = None,
    filename: str = "",
) -> CommitResult:
    """Write the valid rows of a checked table: in chunks of CHUNK rows, each row whole or not at all.

    Refuses (ImportRefused) while something blocks the file (mapping, unmapped values) or no row is
    valid. A row the services refuse after all is reported and left out. The batch (made here for the
    command line) ends: its file is deleted.
    """
    if result.blocking:
        raise ImportRefused(result.blocking)
    rows = [row for row in result.rows if row.valid and row.decision in (NEW, EXISTING)]
    if not rows:
        raise ImportRefused([_("There is no valid row to import.")])
    import_permission_check(actor=actor, unit=unit, target=result.options.target, activity=activity)
    if batch is None:
        with transaction.atomic():
            batch = ImportBatch(
                organisation_id=unit.organisation_id,
                unit=unit,
                target=result.options.target,
                activity=activity,
                filename=filename[:200],
                file_format=result.table.file_format,
                options={"mapping": {k: v for k, v in result.options.as_dict().items() if k != "target"}},
                report=[],  # type: ignore[misc]  # the stubs see the sealed JSON as text
                created_by=actor,
            )
            batch.save()
    else:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.state != BatchState.OPEN:
                raise ImportRefused([_("This import was committed or closed already.")])
    # Rows a commit that was interrupted (a server restart) wrote already are not written twice: the
    # chunks before it are committed, each row whole; the commit resumes after them.
    done = set(ImportedRecord.objects.filter(batch=batch).values_list("row", flat=True))
    rows = [row for row in rows if row.number not in done]
    failed: list[RowError] = []
    created = linked = 0
    for start in range(0, len(rows), CHUNK):
        with transaction.atomic():
            for row in rows[start : start + CHUNK]:
                try:
                    with transaction.atomic():
                        _commit_row(actor=actor, batch=batch, unit=unit, row=row, activity=activity)
                except (ValidationError, PermissionDenied, Person.DoesNotExist) as error:
                    messages = getattr(error, "messages", None) or [_("Refused: you may not write this row.")]
                    failed.extend(RowError(row.number, "", str(message)) for message in messages)
                    continue
                if row.decision == EXISTING:
                    linked += 1
                else:
                    created += 1
    with transaction.atomic():
        file_id = batch.file_id
        records = ImportedRecord.objects.filter(batch=batch).count()
        batch.state = BatchState.COMMITTED if records else BatchState.CANCELLED
        batch.committed_at = batch.ended_at = timezone.now()
        batch.file_id = None
        counts = {**result.counts(), "created": created, "linked": linked, "failed": len(failed)}
        batch.counts = counts
        batch.report = [error.as_dict() for error in (result.errors + failed)[:5000]]  # type: ignore[assignment]
        batch.save(update_fields=["state", "committed_at", "ended_at", "file_id", "counts", "report"])
        _audit(
            actor=actor, batch=batch, action="import.batch.committed", details={**counts, "records": records}
        )
        if file_id is not None:
            transaction.on_commit(lambda: encrypted_file_delete(file_id=file_id))
    return CommitResult(
        batch=batch, created=created, linked=linked, skipped=len(result.rows) - len(rows), errors=failed
    )


@transaction.atomic
def batch_cancel(*, actor: User, batch: ImportBatch) -> ImportBatch:
    """End an open import without writing: its file is deleted."""
    if not batch.is_open:
        raise ValidationError(_("This import is closed."))
    file_id = batch.file_id
    batch.state = BatchState.CANCELLED
    batch.ended_at = timezone.now()
    batch.file_id = None
    batch.save(update_fields=["state", "ended_at", "file_id"])
    _audit(actor=actor, batch=batch, action="import.batch.cancelled", details={})
    if file_id is not None:
        transaction.on_commit(lambda: encrypted_file_delete(file_id=file_id))
    return batch


# --- undo -------------------------------------------------------------------------------------


def _person_blockers(person: Person, *, record: ImportedRecord, own_participations: set[int]) -> list[str]:
    """Why a created person cannot be removed: changed since, or used by anything the batch did not make."""
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
        if related._meta.label_lower == "programme.participation":
            queryset = queryset.exclude(pk__in=own_participations)
        if queryset.exists():
            blockers.append(
                _("Row %(row)s: the person %(code)s has records added since (%(what)s).")
                % {"row": record.row, "code": person.code, "what": related._meta.verbose_name_plural}
            )
    return blockers


def batch_undo_blockers(*, batch: ImportBatch) -> list[str]:
    """What stops the batch from being undone; empty when it can be."""
    from kujdes.programme.models import Attendance, Participation

    interrupted = batch.state == BatchState.OPEN and ImportedRecord.objects.filter(batch=batch).exists()
    if batch.state != BatchState.COMMITTED and not interrupted:
        return [_("Only an imported batch can be undone.")]
    records = list(ImportedRecord.objects.filter(batch=batch))
    participations = {r.object_pk: r for r in records if r.model == "programme.participation"}
    blockers: list[str] = []
    found = {p.pk: p for p in Participation.objects.filter(pk__in=list(participations))}
    for pk, record in participations.items():
        participation = found.get(pk)
        if participation is None:
            continue
        if participation.version != record.version or participation.status != "enrolled":
            blockers.append(
                _("Row %(row)s: the participation was changed since the import.") % {"row": record.row}
            )
        if Attendance.objects.filter(participation=participation).exists():
            blockers.append(
                _("Row %(row)s: attendance was recorded for this participant since.") % {"row": record.row}
            )
    persons = {r.object_pk: r for r in records if r.model == "people.person"}
    for person in Person.objects.filter(pk__in=list(persons)):
        blockers += _person_blockers(person, record=persons[person.pk], own_participations=set(found))
    return blockers


@transaction.atomic
def batch_undo(*, actor: User, batch: ImportBatch) -> ImportBatch:
    """Remove what the batch created, as a whole, while nobody changed or used it since; otherwise
    UndoRefused with the list of what blocks it. The persons' keys are destroyed (crypto-shredding)
    once the removal is committed."""
    from kujdes.core.crypto import subject_key_destroy
    from kujdes.people.models import BlindIndexEntry
    from kujdes.programme.models import Participation

    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    import_permission_check(actor=actor, unit=batch.unit, target=batch.target, activity=batch.activity)
    blockers = batch_undo_blockers(batch=batch)
    if blockers:
        raise UndoRefused(blockers)
    records = list(ImportedRecord.objects.filter(batch=batch))
    participation_ids = [r.object_pk for r in records if r.model == "programme.participation"]
    person_ids = [r.object_pk for r in records if r.model == "people.person"]
    removed_participations, _detail = Participation.objects.filter(pk__in=participation_ids).delete()
    persons = list(Person.objects.filter(pk__in=person_ids))
    keys = [person.key_id for person in persons]
    BlindIndexEntry.objects.filter(person__in=persons).delete()
    removed_persons, _detail = Person.objects.filter(pk__in=person_ids).delete()
    file_id = batch.file_id
    batch.state = BatchState.UNDONE
    batch.ended_at = timezone.now()
    batch.file_id = None
    batch.save(update_fields=["state", "ended_at", "file_id"])
    if file_id is not None:
        transaction.on_commit(lambda: encrypted_file_delete(file_id=file_id))
    _audit(
        actor=actor,
        batch=batch,
        action="import.batch.undone",
        details={"persons": len(person_ids), "participations": len(participation_ids)},
    )

    def shred() -> None:
        for key_id in keys:
            subject_key_destroy(key_id=key_id)

    transaction.on_commit(shred)
    return batch
