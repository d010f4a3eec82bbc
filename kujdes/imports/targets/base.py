"""What every import target shares: the options a user chose, the checked rows, the records a commit
wrote, and `ImportTarget`, the base a target (persons, cases, attendance...) fills in.

A target declares its fields (`FieldSpec`s), who may import it, which column mappings work, how one
row is checked, how duplicates are found and decided, how one checked row is written through the
rooms' own services (returning each record it wrote as a `Written`), and what stops an undo and how
the undo goes. `kujdes.imports.services` runs the steps common to all (values, dates, chunks,
savepoints, batches, audit) and asks the target for the rest.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.imports import mapping as m
from kujdes.imports.models import RecordAction, Target

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from kujdes.accounts.models import User
    from kujdes.core.models import Unit
    from kujdes.imports.models import ImportBatch, ImportedRecord
    from kujdes.imports.reading import Table
    from kujdes.programme.models import Activity

SKIP, NEW, EXISTING = "skip", "new", "existing"
DUPLICATE_RULES = (SKIP, NEW, EXISTING)


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
    # Columns read as more than one field: {"column": index, "into": [field, field], "how": "place_date"
    # | "name" | "words"} (kujdes.imports.mapping.SPLITS).
    splits: list[dict[str, Any]] = field(default_factory=list)
    # Several columns read as one field: {"field": name, "columns": [index, ...], "how": "date" | "join"}
    # (day, month, year columns → a date; given and middle names → one given name).
    combines: list[dict[str, Any]] = field(default_factory=list)
    # Values for the whole file: field → value as written (e.g. the activity type of every row).
    constants: dict[str, str] = field(default_factory=dict)

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
    # What a target other than persons writes for the row (a case's values, attendance marks...).
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    duplicate_of_row: int | None = None
    candidates: list[Candidate] = field(default_factory=list)
    # What the commit does: NEW (register), SKIP, or EXISTING with `existing` (a person's public id).
    decision: str = NEW
    existing: str = ""
    # Further rows written with this one (a case's service rows): their numbers.
    grouped: list[int] = field(default_factory=list)
    # This row is written with an earlier one (its number): it writes nothing itself.
    merged_into: int | None = None

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
        # Rows written with an earlier row (a case's service rows) count as valid, not as to write.
        valid = [row for row in self.rows if row.valid and row.merged_into is None]
        counts = {
            "rows": len(self.rows),
            "valid": len([row for row in self.rows if row.valid]),
            "errors": len([row for row in self.rows if not row.valid]),
            "duplicates": len([row for row in valid if row.duplicate]),
            "to_create": len([row for row in valid if row.decision == NEW]),
            "to_link": len([row for row in valid if row.decision == EXISTING]),
            "skipped": len([row for row in valid if row.decision == SKIP]),
        }
        grouped = len([row for row in self.rows if row.merged_into is not None])
        if grouped:
            counts["grouped"] = grouped
        return counts


@dataclass
class Context:
    """What the checks and the commit of one file know besides its rows."""

    actor: User
    unit: Unit
    activity: Activity | None
    # The organisation's municipalities (None: free text, outside Albania).
    municipalities: tuple[str, ...] | None = None
    # The actor registers the essential fields only (a field educator).
    minimal: bool = False
    # What a target looks up once per file (the activity's participants, the session dates...).
    cache: dict[str, Any] = field(default_factory=dict)


@dataclass
class Written:
    """A record one row's commit wrote: noted as an ImportedRecord of the batch for the undo."""

    model: str
    pk: int
    action: str = RecordAction.CREATED
    version: int | None = None
    # For an updated record: the values to put back on undo (while nobody changed it since).
    restore: dict[str, Any] | None = None


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return str(value).strip()


class ImportTarget:
    """One kind of import. Subclasses set `name` and `fields` and override the steps they need."""

    name: ClassVar[str]
    label: ClassVar[Promise | str]
    fields: ClassVar[tuple[m.FieldSpec, ...]] = ()
    # The file is imported into one activity (chosen for the whole file).
    needs_activity: ClassVar[bool] = False
    # Rows are persons: the file is checked for duplicates (in the file and in the registry).
    person_rows: ClassVar[bool] = False

    # -- fields and columns

    def field_spec(self, name: str) -> m.FieldSpec | None:
        return next((spec for spec in self.fields if spec.name == name), None)

    def columns_suggest(self, *, headers: list[str]) -> list[str]:
        return m.columns_suggest_from(specs=self.fields, headers=headers)

    def permission_check(self, *, actor: User, unit: Unit, activity: Activity | None) -> None:
        """PermissionDenied unless the actor may import this into the unit (and activity)."""
        if not units_for_actor(actor=actor, perm=Perm.PERSON_REGISTER_MINIMAL).filter(pk=unit.pk).exists():
            raise PermissionDenied
        if self.needs_activity:
            self.activity_check(actor=actor, unit=unit, activity=activity)

    def activity_check(self, *, actor: User, unit: Unit, activity: Activity | None) -> None:
        from kujdes.programme.selectors import activity_can_manage

        if activity is None or activity.organisation_id != unit.organisation_id:
            raise PermissionDenied
        if not activity_can_manage(actor=actor, activity=activity):
            raise PermissionDenied

    def columns_check(self, result: CheckResult, *, context: Context) -> None:
        """Blocking problems of the mapping: unknown fields, a field twice, required fields missing."""
        names = [name for name in result.columns if name]
        for name in set(names):
            spec = self.field_spec(name)
            if spec is None:
                result.blocking.append(_("“%(field)s” is not a field of this import.") % {"field": name})
            elif names.count(name) > 1 and not spec.repeat:
                result.blocking.append(
                    _("Two columns are mapped to “%(field)s”: keep one.") % {"field": spec.label}
                )

    def value_choices(self, *, name: str, kind: str, context: Context) -> list[tuple[str, str]]:
        """What a value of the field may be mapped to (the value-mapping table's choices)."""
        return m.value_choices(field=name, kind=kind, municipalities=context.municipalities)

    def value_propose(
        self, *, name: str, kind: str, value: str, context: Context, places: dict[str, str]
    ) -> str:
        """The code proposed for a value as written, "" when none is found."""
        return m.value_propose(
            kind=kind, field=name, value=value, municipalities=context.municipalities, places=places
        )

    def context_prepare(self, context: Context, *, result: CheckResult) -> None:
        """Look up once what the rows are checked against (after the mapping is known)."""

    # -- rows

    def row_check(
        self,
        result: CheckResult,
        *,
        number: int,
        values: list[Any],
        codes: dict[str, dict[str, str]],
        context: Context,
    ) -> CheckedRow:
        raise NotImplementedError

    def rows_finish(self, result: CheckResult, *, context: Context, registry: bool) -> None:
        """After every row is checked: duplicates, grouping, the decisions."""

    # -- commit and undo

    def commit_row(self, *, batch: ImportBatch, row: CheckedRow, context: Context) -> list[Written]:
        """Write one checked row through the services; raise what they raise (the row is left out)."""
        raise NotImplementedError

    def undo_blockers(self, *, batch: ImportBatch, records: list[ImportedRecord]) -> list[str]:
        return []

    def undo(self, *, actor: User, batch: ImportBatch, records: list[ImportedRecord]) -> dict[str, int]:
        """Remove what the batch created (blockers were checked); the counts, for the audit."""
        raise NotImplementedError


@dataclass
class Cells:
    """One row's mapped cells read as values: a code, True/False, a date, (given, family), a list of
    texts, or the text; a repeated field's cells by column index. `labels` names each field's column."""

    values: dict[str, Any] = field(default_factory=dict)
    repeated: dict[str, dict[int, Any]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def cell_read(
    result: CheckResult,
    row: CheckedRow,
    *,
    spec: m.FieldSpec,
    raw: Any,
    label: str,
    codes: dict[str, dict[str, str]],
) -> tuple[bool, Any]:
    """(True, value) for a cell read, (False, None) for a blank or an error (added to the row)."""
    text = text_of(raw)
    if not text:
        return False, None
    name = spec.name
    if spec.kind in (m.CODE, m.YESNO):
        code = codes.get(name, {}).get(text, "")
        if not code:
            row.errors.append(
                RowError(row.number, label, _("“%(value)s” is not mapped.") % {"value": text[:60]})
            )
            return False, None
        return True, (code == m.YES) if spec.kind == m.YESNO else code
    if spec.kind == m.CODES:
        found = []
        for part in m.list_parts(text):
            code = codes.get(name, {}).get(part, "")
            if not code:
                row.errors.append(
                    RowError(row.number, label, _("“%(value)s” is not mapped.") % {"value": part[:60]})
                )
                return False, None
            if code != m.NONE_CODE and code not in found:
                found.append(code)
        return True, found
    if spec.kind == m.DATE_OR_YES:
        answer = m.YESNO_TABLE.get(m.fold(text))
        if answer == m.YES:
            return True, True
        if answer == m.NO:
            return False, None
    if spec.kind in (m.DATE, m.DATE_OR_YES):
        order = result.date_orders.get(name) or m.DateOrder(m.DMY, ambiguous=False, conflicting=False)
        try:
            return True, m.date_read(raw, order=order.order, epoch=result.table.epoch)
        except (ValueError, OverflowError):
            row.errors.append(
                RowError(
                    row.number,
                    label,
                    _("“%(value)s” is not a date (such as 12.03.2019, 2019-03-12).") % {"value": text[:40]},
                )
            )
            return False, None
    if spec.kind == m.FULL_NAME:
        return True, m.full_name_split(text, family_first=result.options.family_first)
    if spec.kind == m.LIST:
        return True, m.list_parts(text)
    return True, text


def cells_read(
    result: CheckResult,
    row: CheckedRow,
    *,
    values: list[Any],
    codes: dict[str, dict[str, str]],
    target: ImportTarget,
) -> Cells:
    """Read a row's mapped columns, its split columns and its combined columns."""
    cells = Cells()
    table = result.table
    for index, name in enumerate(result.columns):
        if not name:
            continue
        spec = target.field_spec(name)
        if spec is None:
            continue
        label = table.column_label(index)
        if spec.repeat:
            cells.labels.setdefault(name, label)
            ok, value = cell_read(result, row, spec=spec, raw=values[index], label=label, codes=codes)
            if ok:
                cells.repeated.setdefault(name, {})[index] = value
            continue
        cells.labels[name] = label
        ok, value = cell_read(result, row, spec=spec, raw=values[index], label=label, codes=codes)
        if ok:
            cells.values[name] = value
    for split in result.options.splits:
        index = split["column"]
        label = table.column_label(index)
        parts = m.split_cell(
            text_of(values[index]), how=split["how"], family_first=result.options.family_first
        )
        for name, part in zip(split["into"], parts, strict=False):
            spec = target.field_spec(name) if name else None
            if spec is None or not part or name in cells.values:
                continue
            cells.labels[name] = label
            ok, value = cell_read(result, row, spec=spec, raw=part, label=label, codes=codes)
            if ok:
                cells.values[name] = value
    for name, constant in result.options.constants.items():
        spec = target.field_spec(name)
        if spec is None or name in cells.values or not text_of(constant):
            continue
        cells.labels.setdefault(name, str(spec.label))
        if spec.kind in (m.CODE, m.CODES):
            # A constant is chosen from the list (a code), or written as a register writes it.
            allowed = {
                code for code, _label in m.value_choices(field=name, kind=spec.kind, municipalities=None)
            }
            code = (
                constant
                if constant in allowed
                else m.value_propose(
                    kind=spec.kind, field=name, value=str(constant), municipalities=None, places={}
                )
            )
            if not code:
                row.errors.append(
                    RowError(
                        row.number,
                        str(spec.label),
                        _("“%(value)s” is not mapped.") % {"value": str(constant)[:60]},
                    )
                )
                continue
            cells.values[name] = [code] if spec.kind == m.CODES else code
            continue
        ok, value = cell_read(result, row, spec=spec, raw=constant, label=str(spec.label), codes=codes)
        if ok:
            cells.values[name] = value
    for combine in result.options.combines:
        name = combine["field"]
        spec = target.field_spec(name)
        indexes = [index for index in combine["columns"] if 0 <= index < len(values)]
        if spec is None or not indexes:
            continue
        label = " + ".join(table.headers[index] for index in indexes)
        cells.labels[name] = label
        texts = [text_of(values[index]) for index in indexes]
        if not any(texts):
            continue
        if combine.get("how") == "date":
            try:
                cells.values[name] = m.date_from_parts(texts)
            except (ValueError, OverflowError):
                row.errors.append(
                    RowError(
                        row.number,
                        label,
                        _("“%(value)s” is not a date (day, month and year).")
                        % {"value": " ".join(texts)[:40]},
                    )
                )
        else:
            ok, value = cell_read(
                result, row, spec=spec, raw=" ".join(text for text in texts if text), label=label, codes=codes
            )
            if ok:
                cells.values[name] = value
    return cells
