"""The importer in the JSON API (mounted at /api/v1/ by kujdes/api.py), step by step as on the pages:

    POST /imports                      upload (multipart: file, unit, target, activity?, template?)
    GET  /imports/{id}                 the batch: state, counts, progress, the last check's messages
    PUT  /imports/{id}/options         how the file is read and mapped (sheet, columns, values...)
    POST /imports/{id}/check           the dry run: counts, what blocks, warnings, row errors
    POST /imports/{id}/commit          queue the commit for the background worker (202)
    GET  /imports/{id}/status          the commit's progress
    POST /imports/{id}/undo            undo a committed (or interrupted) batch; 409 with what blocks it
    POST /imports/{id}/cancel          end an open import; its file is deleted
    GET  /imports/templates            the organisation's saved templates

Another unit's or organisation's batch answers 404 like a missing one; bad input answers 4xx with a
message (`detail`), never a 500.
"""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from kujdes.imports import mapping as m
from kujdes.imports.learning import columns_suggest_learnt
from kujdes.imports.mapping_templates import template_get, template_options, templates_for_actor
from kujdes.imports.models import ImportBatch, MappingTemplate
from kujdes.imports.reading import MAX_BYTES, FileRefused
from kujdes.imports.selectors import batch_get, import_units_for_actor
from kujdes.imports.tasks import CommitNotQueued, batch_commit_queue, batch_is_stale

router = Router(tags=["imports"])

SHOWN_ERRORS = 200


class Problem(Schema):
    detail: str


class Blocked(Schema):
    detail: str
    blockers: list[str]


class RowErrorOut(Schema):
    row: int | None
    column: str | None
    message: str


class StatusOut(Schema):
    id: UUID
    state: str
    rows_done: int
    rows_total: int
    percent: int
    committing: bool
    stale: bool
    failure: str | None
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None


class BatchOut(Schema):
    id: UUID
    target: str
    unit: UUID
    activity: UUID | None
    state: str
    file_format: str
    created_at: datetime.datetime
    options: dict[str, Any]
    counts: dict[str, Any]
    status: StatusOut
    errors: list[RowErrorOut]


class ColumnOut(Schema):
    index: int
    header: str
    field: str


class CheckOut(Schema):
    counts: dict[str, int]
    columns: list[ColumnOut]
    blocking: list[str]
    warnings: list[str]
    errors: list[RowErrorOut]
    values: dict[str, list[dict[str, Any]]]


class ReadingIn(Schema):
    sheet: str | None = None
    header_row: int | None = None
    encoding: str | None = None
    delimiter: str | None = None


class OptionsIn(Schema):
    """How the file is read and mapped. `columns` gives a field per column (in order) or per header
    name ({"Emri": "given_name"}); omitted, the suggestion stands. A template fills in what is not given."""

    reading: ReadingIn | None = None
    template: UUID | None = None
    columns: list[str] | dict[str, str] | None = None
    values: dict[str, dict[str, str]] | None = None
    date_orders: dict[str, str] | None = None
    dayfirst: bool | None = None
    family_first: bool | None = None
    duplicates: str | None = None
    decisions: dict[str, str] | None = None
    splits: list[dict[str, Any]] | None = None
    combines: list[dict[str, Any]] | None = None
    constants: dict[str, str] | None = None


class TemplateOut(Schema):
    id: UUID
    name: str
    target: str
    shipped: bool
    mapping: dict[str, Any]
    updated_at: datetime.datetime


def _batch(request: HttpRequest, batch_id: UUID) -> ImportBatch | None:
    try:
        return batch_get(actor=request.user, public_id=str(batch_id))  # type: ignore[arg-type]
    except ImportBatch.DoesNotExist:
        return None


def _not_found() -> Status:
    return Status(404, {"detail": _("Not found.")})


def _status(batch: ImportBatch) -> dict[str, Any]:
    return {
        "id": batch.public_id,
        "state": "committing" if batch.is_committing else batch.state,
        "rows_done": batch.rows_done,
        "rows_total": batch.rows_total,
        "percent": batch.percent,
        "committing": batch.is_committing,
        "stale": batch_is_stale(batch),
        "failure": batch.commit_failure or None,
        "started_at": batch.commit_started_at,
        "finished_at": batch.commit_finished_at,
    }


def _batch_out(batch: ImportBatch) -> dict[str, Any]:
    return {
        "id": batch.public_id,
        "target": batch.target,
        "unit": batch.unit.public_id,
        "activity": batch.activity.public_id if batch.activity else None,
        "state": "committing" if batch.is_committing else batch.state,
        "file_format": batch.file_format,
        "created_at": batch.created_at,
        "options": batch.options or {},
        "counts": batch.counts or {},
        "status": _status(batch),
        "errors": list(batch.report or [])[:SHOWN_ERRORS],
    }


def _check(request: HttpRequest, batch: ImportBatch) -> Any:
    """The dry run with the batch's saved mapping (learnt suggestions while nothing is mapped)."""
    from kujdes.imports.services import batch_options, batch_table, import_check

    table = batch_table(batch=batch)
    options = batch_options(batch=batch)
    if options.columns is None:
        options.columns = columns_suggest_learnt(
            organisation_id=batch.organisation_id, target=batch.target, headers=table.headers
        )
    return import_check(
        actor=request.user,  # type: ignore[arg-type]
        unit=batch.unit,
        table=table,
        options=options,
        activity=batch.activity,
    )


def _unreadable(error: Exception) -> Status:
    message = error.messages[0] if isinstance(error, ValidationError) else str(error)
    return Status(422, {"detail": message})


@router.post(
    "/imports",
    response={201: BatchOut, 400: Problem, 404: Problem, 413: Problem, 422: Problem},
    summary="Upload a spreadsheet to import (multipart: file, unit, target, activity, template)",
)
def imports_upload(
    request: HttpRequest,
    file: File[UploadedFile],
    unit: Form[UUID],
    target: Form[str],
    activity: Form[str] = "",
    template: Form[str] = "",
) -> Any:
    from kujdes.imports.services import batch_configure, batch_table, batch_upload
    from kujdes.imports.targets import target_get

    chosen = import_units_for_actor(actor=request.user).filter(public_id=unit).first()  # type: ignore[arg-type]
    if chosen is None:
        return _not_found()
    try:
        spec = target_get(target)
    except ValidationError as error:
        return Status(400, {"detail": error.messages[0]})
    found = None
    try:
        activity_id = UUID(activity) if activity.strip() else None
        template_id = UUID(template) if template.strip() else None
    except ValueError:
        return Status(400, {"detail": _("The activity and the template are given by their ids.")})
    if activity_id is not None:
        from kujdes.programme.selectors import activities_for_actor

        found = activities_for_actor(actor=request.user).filter(public_id=activity_id).first()  # type: ignore[arg-type]
        if found is None:
            return _not_found()
    elif spec.needs_activity:
        return Status(400, {"detail": _("Give the activity the rows are brought into.")})
    saved = None
    if template_id is not None:
        try:
            saved = template_get(actor=request.user, public_id=str(template_id))  # type: ignore[arg-type]
        except MappingTemplate.DoesNotExist:
            return _not_found()
        if saved.target != target or saved.organisation_id != chosen.organisation_id:
            return Status(400, {"detail": _("This template is for another kind of import.")})
    if getattr(file, "oversize", False) or (file.size or 0) > MAX_BYTES:
        return Status(413, {"detail": _("The file is too large.")})
    try:
        batch = batch_upload(
            actor=request.user,  # type: ignore[arg-type]
            unit=chosen,
            target=target,
            data=file.read(),
            filename=file.name or "",
            activity=found,
        )
    except FileRefused as refused:
        return Status(422, {"detail": str(refused)})
    except PermissionDenied:
        return _not_found()
    if saved is not None:
        table = batch_table(batch=batch)
        suggested = columns_suggest_learnt(
            organisation_id=batch.organisation_id, target=batch.target, headers=table.headers
        )
        options = template_options(template=saved, headers=table.headers, suggested=suggested)
        batch_configure(actor=request.user, batch=batch, options=options)  # type: ignore[arg-type]
    return Status(201, _batch_out(batch))


@router.get(
    "/imports/templates",
    response={200: list[TemplateOut], 403: Problem},
    summary="The organisation's mapping templates",
)
def imports_templates(request: HttpRequest, target: str = "") -> Any:
    from kujdes.imports.mapping_templates import templates_install_once

    organisations = import_units_for_actor(actor=request.user).values_list("organisation_id", flat=True)  # type: ignore[arg-type]
    if not organisations:
        # As the templates page: for those who import (a coordinator or a viewer does not).
        return Status(403, {"detail": _("You do not import into any unit.")})
    for organisation_id in set(organisations):
        templates_install_once(organisation_id=organisation_id)
    return [
        {
            "id": t.public_id,
            "name": t.name,
            "target": t.target,
            "shipped": bool(t.shipped),
            "mapping": t.mapping,
            "updated_at": t.updated_at,
        }
        for t in templates_for_actor(actor=request.user, target=target or None)  # type: ignore[arg-type]
    ]


@router.get("/imports/{batch_id}", response={200: BatchOut, 404: Problem}, summary="An import batch")
def imports_batch(request: HttpRequest, batch_id: UUID) -> Any:
    batch = _batch(request, batch_id)
    if batch is None:
        return _not_found()
    return _batch_out(batch)


def _options_merge(batch: ImportBatch, payload: OptionsIn, headers: list[str]) -> Any:
    """The batch's saved options with the payload's over them; ValueError with a message for the caller."""
    from kujdes.imports.services import batch_options

    options = batch_options(batch=batch)
    names = {spec.name for spec in m.fields_for(batch.target)}
    if payload.columns is not None:
        if isinstance(payload.columns, list):
            if len(payload.columns) != len(headers):
                raise ValueError(
                    _('Give a field for each of the %(count)s columns ("" for none).')
                    % {"count": len(headers)}
                )
            columns = list(payload.columns)
        else:
            by_header = {m.fold(header): index for index, header in enumerate(headers)}
            columns = list(options.columns or m.columns_suggest(target=batch.target, headers=headers))
            for header, name in payload.columns.items():
                index = by_header.get(m.fold(header))
                if index is None:
                    raise ValueError(_("No column “%(header)s” in the sheet.") % {"header": header[:80]})
                columns[index] = name
        unknown = sorted({name for name in columns if name and name not in names})
        if unknown:
            raise ValueError(
                _("Not a field of this import: %(fields)s.") % {"fields": ", ".join(n[:40] for n in unknown)}
            )
        options.columns = columns
    if payload.duplicates is not None and payload.duplicates not in ("skip", "new", "existing"):
        raise ValueError(_("“duplicates” is skip, new or existing."))
    for name, value in (payload.date_orders or {}).items():
        if value not in (m.DMY, m.MDY):
            raise ValueError(_("A date order is dmy or mdy (“%(field)s”).") % {"field": name[:40]})
    for key in (
        "values",
        "date_orders",
        "dayfirst",
        "family_first",
        "duplicates",
        "decisions",
        "splits",
        "combines",
        "constants",
    ):
        value = getattr(payload, key)
        if value is not None and hasattr(options, key):
            setattr(options, key, value)
    return options


@router.put(
    "/imports/{batch_id}/options",
    response={200: BatchOut, 400: Problem, 404: Problem, 409: Problem, 422: Problem},
    summary="Set how the file is read and mapped (a template, columns, values, date orders...)",
)
def imports_options(request: HttpRequest, batch_id: UUID, payload: OptionsIn) -> Any:
    from kujdes.imports.services import batch_configure, batch_table

    batch = _batch(request, batch_id)
    if batch is None:
        return _not_found()
    if not batch.is_open or batch.is_committing:
        return Status(409, {"detail": _("This import is closed.")})
    actor = request.user
    if payload.reading is not None:
        reading = payload.reading
        if reading.header_row is not None and not 0 < reading.header_row < 1_000_000:
            return Status(400, {"detail": _("The header row is a row number, 1 or more.")})
        batch_configure(
            actor=actor,  # type: ignore[arg-type]
            batch=batch,
            reading={
                "sheet": (reading.sheet or "")[:100] or None,
                "header_row": reading.header_row,
                "encoding": (reading.encoding or "")[:40] or None,
                "delimiter": (reading.delimiter or "")[:3] or None,
            },
        )
    try:
        table = batch_table(batch=batch)
    except (FileRefused, ValidationError) as error:
        return _unreadable(error)
    if payload.template is not None:
        try:
            template = template_get(actor=actor, public_id=str(payload.template))  # type: ignore[arg-type]
        except MappingTemplate.DoesNotExist:
            return _not_found()
        if template.target != batch.target or template.organisation_id != batch.organisation_id:
            return Status(400, {"detail": _("This template is for another kind of import.")})
        suggested = columns_suggest_learnt(
            organisation_id=batch.organisation_id, target=batch.target, headers=table.headers
        )
        batch_configure(
            actor=actor,  # type: ignore[arg-type]
            batch=batch,
            options=template_options(template=template, headers=table.headers, suggested=suggested),
        )
        payload = payload.model_copy(update={"template": None})
    try:
        options = _options_merge(batch, payload, table.headers)
    except ValueError as error:
        return Status(400, {"detail": str(error)})
    if options.columns is None:
        options.columns = columns_suggest_learnt(
            organisation_id=batch.organisation_id, target=batch.target, headers=table.headers
        )
    batch_configure(actor=actor, batch=batch, options=options)  # type: ignore[arg-type]
    return _batch_out(batch)


def _check_out(result: Any) -> dict[str, Any]:
    return {
        "counts": result.counts(),
        "columns": [
            {"index": index, "header": header, "field": result.columns[index]}
            for index, header in enumerate(result.table.headers)
        ],
        "blocking": result.blocking,
        "warnings": result.warnings,
        "errors": [error.as_dict() for error in result.errors[:SHOWN_ERRORS]],
        "values": {
            name: [{"value": r.value, "count": r.count, "code": r.code} for r in rows[:300]]
            for name, rows in result.values.items()
        },
    }


@router.post(
    "/imports/{batch_id}/check",
    response={200: CheckOut, 404: Problem, 409: Problem, 422: Problem},
    summary="The dry run: counts, what blocks the import, warnings and the rows' errors; nothing written",
)
def imports_check(request: HttpRequest, batch_id: UUID) -> Any:
    from kujdes.imports.services import batch_check_record

    batch = _batch(request, batch_id)
    if batch is None:
        return _not_found()
    if not batch.is_open or batch.is_committing:
        return Status(409, {"detail": _("This import is closed.")})
    try:
        result = _check(request, batch)
    except (FileRefused, ValidationError) as error:
        return _unreadable(error)
    except PermissionDenied:
        return _not_found()
    batch_check_record(actor=request.user, batch=batch, result=result)  # type: ignore[arg-type]
    return _check_out(result)


@router.post(
    "/imports/{batch_id}/commit",
    response={202: StatusOut, 404: Problem, 409: Problem, 422: Problem},
    summary="Queue the commit of the valid rows for the background worker (poll the status)",
)
def imports_commit(request: HttpRequest, batch_id: UUID) -> Any:
    from kujdes.imports.services import EXISTING, NEW

    batch = _batch(request, batch_id)
    if batch is None:
        return _not_found()
    if not (batch.is_open or batch.is_committing):
        return Status(409, {"detail": _("This import was committed or closed already.")})
    if batch.is_committing and not batch_is_stale(batch):
        return Status(202, _status(batch))
    try:
        result = _check(request, batch)
    except (FileRefused, ValidationError) as error:
        return _unreadable(error)
    except PermissionDenied:
        return _not_found()
    if result.blocking:
        return Status(422, {"detail": " ".join(result.blocking)})
    rows = [row for row in result.rows if row.valid and row.decision in (NEW, EXISTING)]
    if not rows:
        return Status(422, {"detail": _("There is no valid row to import.")})
    try:
        queued = batch_commit_queue(actor=request.user, batch=batch, rows_total=len(rows))  # type: ignore[arg-type]
    except CommitNotQueued as refused:
        return Status(409, {"detail": str(refused)})
    except PermissionDenied:
        return _not_found()
    queued.refresh_from_db()
    return Status(202, _status(queued))


@router.get(
    "/imports/{batch_id}/status", response={200: StatusOut, 404: Problem}, summary="The commit's progress"
)
def imports_status(request: HttpRequest, batch_id: UUID) -> Any:
    batch = _batch(request, batch_id)
    if batch is None:
        return _not_found()
    return _status(batch)


@router.post(
    "/imports/{batch_id}/undo",
    response={200: BatchOut, 404: Problem, 409: Blocked},
    summary="Undo an import: what it created is removed, while nobody changed it since",
)
def imports_undo(request: HttpRequest, batch_id: UUID) -> Any:
    from kujdes.imports.services import UndoRefused, batch_undo

    batch = _batch(request, batch_id)
    if batch is None:
        return _not_found()
    if batch.is_committing and not batch_is_stale(batch):
        return Status(409, {"detail": _("This import is being written."), "blockers": []})
    try:
        undone = batch_undo(actor=request.user, batch=batch)  # type: ignore[arg-type]
    except UndoRefused as refused:
        return Status(409, {"detail": _("This import cannot be undone."), "blockers": refused.blockers[:200]})
    except PermissionDenied:
        return _not_found()
    return _batch_out(undone)


@router.post(
    "/imports/{batch_id}/cancel",
    response={200: BatchOut, 404: Problem, 409: Problem},
    summary="Cancel an open import; its file is deleted",
)
def imports_cancel(request: HttpRequest, batch_id: UUID) -> Any:
    from kujdes.imports.models import ImportedRecord
    from kujdes.imports.services import batch_cancel

    batch = _batch(request, batch_id)
    if batch is None:
        return _not_found()
    if batch.is_committing or ImportedRecord.objects.filter(batch=batch).exists():
        return Status(409, {"detail": _("Rows of this import are being or were written: undo it instead.")})
    try:
        cancelled = batch_cancel(actor=request.user, batch=batch)  # type: ignore[arg-type]
    except ValidationError as error:
        return Status(409, {"detail": " ".join(error.messages)})
    return _batch_out(cancelled)
