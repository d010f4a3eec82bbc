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

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.crypto import subject_keys_reserved
from kujdes.core.files import encrypted_file_delete, encrypted_file_read, encrypted_file_write
from kujdes.core.models import Unit
from kujdes.imports import mapping as m
from kujdes.imports.models import BatchState, ImportBatch, ImportedRecord
from kujdes.imports.reading import Table, table_read
from kujdes.imports.targets import target_get
from kujdes.imports.targets.base import (
    DUPLICATE_RULES,
    EXISTING,
    NEW,
    SKIP,
    Candidate,
    CheckedRow,
    CheckResult,
    Context,
    ImportRefused,
    ImportTarget,
    Options,
    RowError,
    UndoRefused,
    ValueRow,
    Written,
    text_of,
)
from kujdes.imports.targets.persons import (
    DUPLICATE_SCORE,
    MINIMAL_FIELDS,
    minimal_only,
    person_create_for_import,
)

if TYPE_CHECKING:
    from kujdes.accounts.models import User
    from kujdes.programme.models import Activity

__all__ = [
    "CHUNK",
    "DUPLICATE_RULES",
    "DUPLICATE_SCORE",
    "EXISTING",
    "MINIMAL_FIELDS",
    "NEW",
    "SKIP",
    "Candidate",
    "CheckResult",
    "CheckedRow",
    "CommitResult",
    "ImportRefused",
    "Options",
    "RowError",
    "UndoRefused",
    "ValueRow",
    "batch_commit",
    "batch_undo",
    "batch_upload",
    "import_check",
    "person_create_for_import",
]

CHUNK = 100


# --- checking ---------------------------------------------------------------------------------


def import_permission_check(*, actor: User, unit: Unit, target: str, activity: Activity | None) -> None:
    """Whoever may register persons in the unit imports persons; the targets of an activity also need
    the activity (of the unit's organisation) to be one they manage; each target may ask more.
    PermissionDenied otherwise."""
    target_get(target).permission_check(actor=actor, unit=unit, activity=activity)


def _values_map(result: CheckResult, *, target: ImportTarget, context: Context) -> dict[str, dict[str, str]]:
    """field → {value as written → code} for the coded columns; unmapped values are blocking. A field
    mapped from several columns (attendance marks) has one table for all of them."""
    municipalities = context.municipalities
    places = m.municipality_table(municipalities) if municipalities else {}
    # field → where its values are: (column, None) for a mapped column, (column, (split, part)) for a
    # part of a split column.
    sources: dict[str, list[tuple[int, tuple[dict[str, Any], int] | None]]] = {}
    coded = (m.CODE, m.YESNO, m.CODES)
    for index, name in enumerate(result.columns):
        spec = target.field_spec(name) if name else None
        if spec is not None and spec.kind in coded:
            sources.setdefault(name, []).append((index, None))
    for split in result.options.splits:
        for position, name in enumerate(split.get("into", [])):
            spec = target.field_spec(name) if name else None
            if spec is not None and spec.kind in coded:
                sources.setdefault(name, []).append((split["column"], (split, position)))
    family_first = result.options.family_first

    def cells(where: list[tuple[int, tuple[dict[str, Any], int] | None]]) -> Any:
        for _number, values in result.table.rows:
            for index, part in where:
                if part is None:
                    yield values[index]
                    continue
                split, position = part
                pieces = m.split_cell(text_of(values[index]), how=split["how"], family_first=family_first)
                yield pieces[position] if position < len(pieces) else None

    resolved: dict[str, dict[str, str]] = {}
    for name, where in sources.items():
        spec = target.field_spec(name)
        assert spec is not None
        if spec.kind == m.CODES:
            counts = m.distinct_values(
                part for value in cells(where) for part in m.list_parts(text_of(value))
            )
        else:
            counts = m.distinct_values(cells(where))
        given = result.options.values.get(name, {})
        allowed = {code for code, _label in target.value_choices(name=name, kind=spec.kind, context=context)}
        rows: list[ValueRow] = []
        codes: dict[str, str] = {}
        for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            proposed = target.value_propose(
                name=name, kind=spec.kind, value=value, context=context, places=places
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


def _date_orders(result: CheckResult, *, target: ImportTarget) -> None:
    options = result.options
    for index, name in enumerate(result.columns):
        spec = target.field_spec(name) if name else None
        if spec is None or spec.kind not in (m.DATE, m.DATE_OR_YES) or name in result.date_orders:
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


def _options_check(result: CheckResult) -> None:
    """Split and combined columns name real columns and ways (the web page and the command line send them)."""
    width = len(result.table.headers)
    splits, combines = [], []
    for split in result.options.splits:
        if (
            not isinstance(split, dict)
            or split.get("how") not in m.SPLITS
            or not isinstance(split.get("column"), int)
            or not 0 <= split["column"] < width
            or not isinstance(split.get("into"), list)
        ):
            result.blocking.append(
                _("A split column is not described right: choose the column and its parts.")
            )
            continue
        splits.append(split)
    for combine in result.options.combines:
        if (
            not isinstance(combine, dict)
            or combine.get("how") not in m.COMBINES
            or not isinstance(combine.get("columns"), list)
            or not all(isinstance(i, int) and 0 <= i < width for i in combine["columns"])
            or not combine.get("field")
            or (combine.get("how") == m.COMBINE_DATE and len(combine["columns"]) != 3)
        ):
            result.blocking.append(
                _("A combined column is not described right: choose its columns (day, month, year).")
            )
            continue
        combines.append(combine)
    result.options.splits, result.options.combines = splits, combines


def import_context(*, actor: User, unit: Unit, activity: Activity | None) -> Context:
    from kujdes.people.selectors import municipalities_for_organisation

    return Context(
        actor=actor,
        unit=unit,
        activity=activity,
        municipalities=municipalities_for_organisation(organisation_id=unit.organisation_id),
        minimal=minimal_only(actor=actor, unit=unit),
    )


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
    target = target_get(options.target)
    target.permission_check(actor=actor, unit=unit, activity=activity)
    if options.duplicates not in DUPLICATE_RULES:
        options.duplicates = SKIP
    columns = (
        list(options.columns)
        if options.columns is not None
        else target.columns_suggest(headers=table.headers)
    )
    columns = (columns + [""] * len(table.headers))[: len(table.headers)]
    result = CheckResult(table=table, options=options, columns=columns, rows=[])
    context = import_context(actor=actor, unit=unit, activity=activity)
    _options_check(result)
    target.columns_check(result, context=context)
    if result.blocking:
        return result
    codes = _values_map(result, target=target, context=context)
    _date_orders(result, target=target)
    # Unmapped values block the commit but the rows are still checked; what the target cannot find
    # (the activity's sessions...) leaves nothing to check the rows against.
    blocking = len(result.blocking)
    target.context_prepare(context, result=result)
    if len(result.blocking) > blocking:
        return result
    for number, values in table.rows:
        result.rows.append(
            target.row_check(result, number=number, values=values, codes=codes, context=context)
        )
    target.rows_finish(result, context=context, registry=registry)
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
        # The targets of one activity (participants, attendance, headcounts) keep it with the batch.
        activity=activity if target_get(target).needs_activity else None,
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
    *,
    actor: User,
    batch: ImportBatch,
    unit: Unit,
    row: CheckedRow,
    activity: Activity | None,
    context: Context | None = None,
) -> int:
    """One row through its target's services, with its records noted; raises what the services raise."""
    target = target_get(batch.target)
    if context is None:
        context = Context(actor=actor, unit=unit, activity=activity)
    written = target.commit_row(batch=batch, row=row, context=context)
    records_note(batch=batch, row=row.number, written=written)
    return len(written)


def records_note(*, batch: ImportBatch, row: int, written: list[Written]) -> None:
    """Note what a row wrote as ImportedRecords of the batch (for the undo and for resuming)."""
    has_restore = any(f.name == "restore" for f in ImportedRecord._meta.get_fields())
    records = []
    for item in written:
        record = ImportedRecord(
            organisation_id=batch.organisation_id,
            batch=batch,
            model=item.model,
            object_pk=item.pk,
            action=item.action,
            row=row,
            version=item.version,
        )
        if has_restore and item.restore is not None:
            record.restore = item.restore  # type: ignore[attr-defined]
        records.append(record)
    ImportedRecord.objects.bulk_create(records)


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
    progress: Callable[[int, int], None] | None = None,
) -> CommitResult:
    """Write the valid rows of a checked table: in chunks of CHUNK rows, each row whole or not at all.

    Refuses (ImportRefused) while something blocks the file (mapping, unmapped values) or no row is
    valid. A row the services refuse after all is reported and left out. The batch (made here for the
    command line) ends: its file is deleted. `progress(done, total)` is called after each chunk is
    committed (rows written before an interruption count as done).
    """
    if result.blocking:
        raise ImportRefused(result.blocking)
    rows = [
        row
        for row in result.rows
        if row.valid and row.decision in (NEW, EXISTING) and row.merged_into is None
    ]
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
    total = len(rows)
    rows = [row for row in rows if row.number not in done]
    failed: list[RowError] = []
    created = linked = 0
    context = import_context(actor=actor, unit=unit, activity=activity)
    # Person keys are made a chunk at a time, in one key-store commit (each person still gets her own).
    with subject_keys_reserved(organisation_id=unit.organisation_id, count=CHUNK):
        for start in range(0, len(rows), CHUNK):
            with transaction.atomic():
                for row in rows[start : start + CHUNK]:
                    try:
                        with transaction.atomic():
                            _commit_row(
                                actor=actor,
                                batch=batch,
                                unit=unit,
                                row=row,
                                activity=activity,
                                context=context,
                            )
                    except (ValidationError, PermissionDenied, ObjectDoesNotExist) as error:
                        refused = _("Refused: you may not write this row.")
                        messages = getattr(error, "messages", None) or [refused]
                        failed.extend(RowError(row.number, "", str(message)) for message in messages)
                        continue
                    if row.decision == EXISTING:
                        linked += 1
                    else:
                        created += 1
            if progress is not None:
                progress(total - len(rows) + min(start + CHUNK, len(rows)), total)
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


def batch_undo_blockers(*, batch: ImportBatch) -> list[str]:
    """What stops the batch from being undone; empty when it can be."""
    interrupted = batch.state == BatchState.OPEN and ImportedRecord.objects.filter(batch=batch).exists()
    if batch.state != BatchState.COMMITTED and not interrupted:
        return [_("Only an imported batch can be undone.")]
    records = list(ImportedRecord.objects.filter(batch=batch))
    return target_get(batch.target).undo_blockers(batch=batch, records=records)


@transaction.atomic
def batch_undo(*, actor: User, batch: ImportBatch) -> ImportBatch:
    """Remove what the batch created and put back what it changed, as a whole, while nobody changed or
    used it since; otherwise UndoRefused with the list of what blocks it. The persons' keys are
    destroyed (crypto-shredding) once the removal is committed."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    target = target_get(batch.target)
    target.permission_check(actor=actor, unit=batch.unit, activity=batch.activity)
    blockers = batch_undo_blockers(batch=batch)
    if blockers:
        raise UndoRefused(blockers)
    records = list(ImportedRecord.objects.filter(batch=batch))
    counts = target.undo(actor=actor, batch=batch, records=records)
    file_id = batch.file_id
    batch.state = BatchState.UNDONE
    batch.ended_at = timezone.now()
    batch.file_id = None
    batch.save(update_fields=["state", "ended_at", "file_id"])
    if file_id is not None:
        transaction.on_commit(lambda: encrypted_file_delete(file_id=file_id))
    _audit(actor=actor, batch=batch, action="import.batch.undone", details=counts)
    return batch
