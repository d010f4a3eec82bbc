"""The import pages: upload → sheet and header → columns (with a preview) → values (with counts) →
dry run (counts, first errors, the error report) → commit → the batch, with its undo.

One page per batch shows the step it is at; each step posts to its own URL and comes back. The
file stays encrypted on the server while the import is open (kujdes.imports.services).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kujdes.accounts.reauth import reauthentication_required
from kujdes.imports import mapping as m
from kujdes.imports.learning import columns_suggest_learnt
from kujdes.imports.mapping_templates import (
    template_delete,
    template_get,
    template_options,
    template_rename,
    template_save,
    templates_for_actor,
    templates_install_once,
)
from kujdes.imports.models import BatchState, ImportBatch, MappingTemplate
from kujdes.imports.reading import FileRefused, Table
from kujdes.imports.selectors import batch_get, batches_for_actor, import_units_for_actor
from kujdes.imports.services import (
    DUPLICATE_RULES,
    EXISTING,
    NEW,
    SKIP,
    CheckResult,
    Options,
    UndoRefused,
    batch_cancel,
    batch_check_record,
    batch_configure,
    batch_options,
    batch_table,
    batch_undo,
    batch_undo_blockers,
    batch_upload,
    import_check,
)
from kujdes.imports.tasks import CommitNotQueued, batch_commit_queue, batch_is_stale

SHOWN_ERRORS = 50
PREVIEW_ROWS = 3
MAX_VALUES_SHOWN = 300
# The batch page asks for the commit's progress this often while the worker writes.
POLL_SECONDS = 2


def _target_choices() -> list[tuple[str, str]]:
    from kujdes.imports.targets import targets_all

    return [(target.name, str(target.label)) for target in targets_all()]


def _target_needs_activity(name: str) -> bool:
    from kujdes.imports.targets import targets_all

    return any(target.name == name and target.needs_activity for target in targets_all())


class UploadForm(forms.Form):
    unit = forms.ChoiceField(label=gettext_lazy("Unit the persons are registered in"))
    target = forms.ChoiceField(label=gettext_lazy("What the file holds"))
    activity = forms.ChoiceField(
        label=gettext_lazy("Activity (for participants, attendance and what belongs to an activity)"),
        required=False,
        help_text=gettext_lazy("Every row of the file is brought into it."),
    )
    template = forms.ChoiceField(
        label=gettext_lazy("Saved template (optional)"),
        required=False,
        help_text=gettext_lazy("The columns and values as mapped before for files of this kind."),
    )
    upload = forms.FileField(
        label=gettext_lazy("Spreadsheet (XLSX, ODS or CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.ods,.csv,.txt"}),
    )


def _activities(request: HttpRequest) -> list[Any]:
    from kujdes.programme.selectors import activities_for_actor, activity_can_manage

    actor = request.user
    recent = activities_for_actor(actor=actor).order_by("-starts_on")[:200]  # type: ignore[arg-type]
    return [a for a in recent if activity_can_manage(actor=actor, activity=a)]  # type: ignore[arg-type]


def _batch(request: HttpRequest, public_id: uuid.UUID) -> ImportBatch:
    try:
        return batch_get(actor=request.user, public_id=str(public_id))  # type: ignore[arg-type]
    except ImportBatch.DoesNotExist:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    units = list(import_units_for_actor(actor=request.user))  # type: ignore[arg-type]
    if not units:
        raise PermissionDenied
    activities = _activities(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    unit_choices = [(str(unit.public_id), unit.name) for unit in units]
    form.fields["unit"].choices = unit_choices  # type: ignore[attr-defined]
    form.fields["target"].choices = _target_choices()  # type: ignore[attr-defined]
    for organisation_id in {unit.organisation_id for unit in units}:
        templates_install_once(organisation_id=organisation_id)
    templates = list(templates_for_actor(actor=request.user))  # type: ignore[arg-type]
    form.fields["template"].choices = [("", "—")] + [  # type: ignore[attr-defined]
        (str(template.public_id), template.name) for template in templates
    ]
    form.fields["activity"].choices = [("", "—")] + [  # type: ignore[attr-defined]
        (str(activity.public_id), f"{activity.title} ({activity.starts_on:%Y-%m-%d})")
        for activity in activities
    ]
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            unit = next(unit for unit in units if str(unit.public_id) == form.cleaned_data["unit"])
            target = form.cleaned_data["target"]
            activity = next(
                (a for a in activities if str(a.public_id) == form.cleaned_data["activity"]), None
            )
            upload = form.cleaned_data["upload"]
            template = next((t for t in templates if str(t.public_id) == form.cleaned_data["template"]), None)
            if _target_needs_activity(target) and activity is None:
                form.add_error("activity", _("Choose the activity the rows are brought into."))
            elif template is not None and (
                template.target != target or template.organisation_id != unit.organisation_id
            ):
                form.add_error("template", _("This template is for another kind of import."))
            elif getattr(upload, "oversize", False):
                form.add_error(
                    "upload", _("The file is too large. The limit is %(limit)s MB.") % {"limit": _limit_mb()}
                )
            else:
                try:
                    batch = batch_upload(
                        actor=request.user,  # type: ignore[arg-type]
                        unit=unit,
                        target=target,
                        data=upload.read(),
                        filename=upload.name or "",
                        activity=activity,
                    )
                except FileRefused as refused:
                    form.add_error("upload", str(refused))
                except PermissionDenied:
                    form.add_error("unit", _("You may not import into this unit or activity."))
                else:
                    if template is not None:
                        _template_apply(request, batch, template)
                    return redirect("import_batch", public_id=batch.public_id)
    batches = batches_for_actor(actor=request.user)[:50]  # type: ignore[arg-type]
    return render(
        request,
        "imports/list.html",
        {"form": form, "batches": batches, "templates": templates},
        status=status,
    )


def _template_apply(request: HttpRequest, batch: ImportBatch, template: MappingTemplate) -> None:
    """Map the batch's table with a template (its headers decide; the rest is suggested)."""
    try:
        table = batch_table(batch=batch)
    except (FileRefused, ValidationError):
        return
    suggested = columns_suggest_learnt(
        organisation_id=batch.organisation_id, target=batch.target, headers=table.headers
    )
    options = template_options(template=template, headers=table.headers, suggested=suggested)
    batch_configure(actor=request.user, batch=batch, options=options)  # type: ignore[arg-type]


def _limit_mb() -> int:
    from django.conf import settings

    from kujdes.imports.reading import MAX_BYTES

    return min(MAX_BYTES, settings.UPLOAD_MAX_BYTES) // 1_000_000


def _check(request: HttpRequest, batch: ImportBatch) -> tuple[Table | None, CheckResult | None, str]:
    """The batch's table and its dry run with the saved mapping; (None, None, message) if unreadable."""
    try:
        table = batch_table(batch=batch)
    except (FileRefused, ValidationError) as refused:
        message = refused.messages[0] if isinstance(refused, ValidationError) else str(refused)
        return None, None, message
    options = batch_options(batch=batch)
    if options.columns is None:
        # Nothing mapped yet: what the organisation mapped these headers to before comes first.
        options.columns = columns_suggest_learnt(
            organisation_id=batch.organisation_id, target=batch.target, headers=table.headers
        )
    try:
        result = import_check(
            actor=request.user,  # type: ignore[arg-type]
            unit=batch.unit,
            table=table,
            options=options,
            activity=batch.activity,
        )
    except PermissionDenied:
        # The rights the target asks for (recording attendance of the activity...) are gone or missing.
        return table, None, _("You may not import this into this unit or activity.")
    return table, result, ""


def _columns_view(table: Table, result: CheckResult) -> list[dict[str, Any]]:
    columns = []
    for index, header in enumerate(table.headers):
        preview = [values[index] for _number, values in table.rows if values[index] not in (None, "")]
        columns.append(
            {
                "index": index,
                "header": header,
                "label": table.column_label(index),
                "preview": [str(value)[:40] for value in preview[:PREVIEW_ROWS]],
                "field": result.columns[index],
            }
        )
    return columns


def _values_view(request: HttpRequest, batch: ImportBatch, result: CheckResult) -> list[dict[str, Any]]:
    """Every coded field's values, with the codes its target offers (the organisation's own activity
    types, exploitation types, attendance marks, municipalities, yes/no...)."""
    from kujdes.imports.services import import_context
    from kujdes.imports.targets import target_get

    target = target_get(batch.target)
    context = import_context(actor=request.user, unit=batch.unit, activity=batch.activity)  # type: ignore[arg-type]
    shown = []
    for name, rows in result.values.items():
        spec = target.field_spec(name)
        if spec is None:
            continue
        choices = target.value_choices(name=name, kind=spec.kind, context=context)
        shown.append(
            {"field": name, "label": spec.label, "rows": rows[:MAX_VALUES_SHOWN], "choices": choices}
        )
    return shown


def import_batch(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    batch = _batch(request, public_id)
    context: dict[str, Any] = {
        "batch": batch,
        "report": (batch.report or [])[:SHOWN_ERRORS],
        **_status_context(batch),
    }
    if batch.state == BatchState.COMMITTED or (batch.is_committing and context["stale"]):
        context["blockers"] = batch_undo_blockers(batch=batch)
    if batch.is_open and not batch.is_committing:
        context["templates"] = list(templates_for_actor(actor=request.user, target=batch.target))  # type: ignore[arg-type]
        table, result, problem = _check(request, batch)
        context.update(problem=problem, table=table, result=result)
        if table is not None and result is not None:
            fields = m.fields_for(batch.target)
            context.update(
                fields=fields,
                columns=_columns_view(table, result),
                value_tables=_values_view(request, batch, result),
                counts=result.counts(),
                errors=result.errors[:SHOWN_ERRORS],
                more_errors=max(0, len(result.errors) - SHOWN_ERRORS),
                date_columns=[
                    {"field": name, "label": m.field_spec(batch.target, name).label, "order": order.order}  # type: ignore[union-attr]
                    for name, order in result.date_orders.items()
                ],
                duplicates=[row for row in result.rows if row.valid and row.duplicate][:200],
                rules=DUPLICATE_RULES,
                can_commit=not result.blocking
                and any(r.valid and r.decision in (NEW, EXISTING) for r in result.rows),
                checked=bool(batch.counts),
            )
    return render(request, "imports/batch.html", context)


@require_POST
def import_reading(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    batch = _batch(request, public_id)
    if batch.is_committing:
        return redirect("import_batch", public_id=batch.public_id)
    header_row = request.POST.get("header_row", "").strip()
    reading = {
        "sheet": request.POST.get("sheet", "")[:100] or None,
        "header_row": int(header_row) if header_row.isdigit() and 0 < int(header_row) < 1_000_000 else None,
        "encoding": request.POST.get("encoding", "")[:40] or None,
        "delimiter": request.POST.get("delimiter", "")[:3] or None,
    }
    try:
        batch_configure(actor=request.user, batch=batch, reading=reading)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("import_batch", public_id=batch.public_id)


def _options_from(request: HttpRequest, batch: ImportBatch, result: CheckResult) -> Options:
    """The mapping the page posted; unknown names are dropped (the check refuses what does not fit)."""
    post = request.POST
    names = {spec.name for spec in m.fields_for(batch.target)}
    columns = []
    for index in range(len(result.columns)):
        chosen = post.get(f"column-{index}", "")
        columns.append(chosen if chosen in names else "")
    values: dict[str, dict[str, str]] = {}
    for name, rows in result.values.items():
        for number, row in enumerate(rows[:MAX_VALUES_SHOWN]):
            code = post.get(f"value-{name}-{number}", "")
            if code and post.get(f"valuekey-{name}-{number}") == row.value:
                values.setdefault(name, {})[row.value] = code[:64]
    orders = {
        name: post[f"order-{name}"]
        for name in result.date_orders
        if post.get(f"order-{name}") in (m.DMY, m.MDY)
    }
    decisions = {}
    for checked in result.rows:
        chosen = post.get(f"decision-{checked.number}", "")
        if chosen:
            decisions[str(checked.number)] = chosen[:40]
    rule = post.get("duplicates", SKIP)
    # What the page has no control for yet (split and combined columns, constants for the file: set by
    # a template, the API or the command line) is kept as it was saved.
    kept = {
        key: value
        for key, value in result.options.as_dict().items()
        if key in ("splits", "combines", "constants")
    }
    return Options.from_dict(
        {
            **kept,
            "target": batch.target,
            "columns": columns,
            "values": values,
            "date_orders": orders,
            "family_first": post.get("family_first") == "1",
            "duplicates": rule if rule in DUPLICATE_RULES else SKIP,
            "decisions": decisions,
        }
    )


@require_POST
def import_mapping(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Save the mapping and run the dry run (its counts and messages are kept with the batch)."""
    batch = _batch(request, public_id)
    if not batch.is_open or batch.is_committing:
        raise Http404
    table, result, problem = _check(request, batch)
    if result is None:
        messages.error(request, problem)
        return redirect("import_batch", public_id=batch.public_id)
    options = _options_from(request, batch, result)
    batch_configure(actor=request.user, batch=batch, options=options)  # type: ignore[arg-type]
    assert table is not None
    checked = import_check(
        actor=request.user,  # type: ignore[arg-type]
        unit=batch.unit,
        table=table,
        options=options,
        activity=batch.activity,
    )
    batch_check_record(actor=request.user, batch=batch, result=checked)  # type: ignore[arg-type]
    return redirect(reverse("import_batch", kwargs={"public_id": batch.public_id}) + "#dry-run")


@require_POST
@reauthentication_required
def import_errors(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The rows with errors, as they are in the file, with an error column in the user's language:
    a watermarked, audited export (kujdes.core.exports), whose text never runs as a formula."""
    from kujdes.core.exports import ExportTable, ExportTooLarge, export_response, table_export

    batch = _batch(request, public_id)
    if not batch.is_open:
        raise Http404
    table, result, problem = _check(request, batch)
    if result is None or table is None:
        messages.error(request, problem)
        return redirect("import_batch", public_id=batch.public_id)
    by_row: dict[int, list[str]] = {}
    for error in result.errors:
        by_row.setdefault(error.row, []).append(
            f"{error.column}: {error.message}" if error.column else error.message
        )
    rows: list[Sequence[Any]] = [
        [number, "; ".join(by_row[number]), *values] for number, values in table.rows if number in by_row
    ]
    try:
        export = table_export(
            actor=request.user,  # type: ignore[arg-type]
            organisation=batch.unit.organisation,
            action="import.batch.errors_exported",
            table=ExportTable(
                title=_("Rows with errors"), columns=[_("Row"), _("Errors"), *table.headers], rows=rows
            ),
            export_format="xlsx",
            filename_stem="import-errors",
            filters={"batch": str(batch.public_id)},
            obj=batch,
            unit=batch.unit,
        )
    except ExportTooLarge as too_large:
        messages.error(request, str(too_large))
        return redirect("import_batch", public_id=batch.public_id)
    return export_response(export)


@require_POST
def import_commit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Queue the commit for the background worker (after a last dry run); the page shows its progress.
    A commit whose worker died is queued again from here ("Continue"): it resumes after the rows
    written."""
    batch = _batch(request, public_id)
    if batch.is_committing:
        if not batch_is_stale(batch):
            return redirect("import_batch", public_id=batch.public_id)
        # Resuming: the rows written stand; the check below reads the file again.
    elif not batch.is_open:
        raise Http404
    table, result, problem = _check(request, batch)
    if result is None:
        messages.error(request, problem)
        return redirect("import_batch", public_id=batch.public_id)
    if result.blocking:
        for message in result.blocking:
            messages.error(request, message)
        return redirect("import_batch", public_id=batch.public_id)
    rows = [row for row in result.rows if row.valid and row.decision in (NEW, EXISTING)]
    if not rows:
        messages.error(request, _("There is no valid row to import."))
        return redirect("import_batch", public_id=batch.public_id)
    try:
        batch_commit_queue(actor=request.user, batch=batch, rows_total=len(rows))  # type: ignore[arg-type]
    except CommitNotQueued as refused:
        messages.error(request, str(refused))
    except PermissionDenied:
        raise Http404 from None
    return redirect("import_batch", public_id=batch.public_id)


def _status_context(batch: ImportBatch) -> dict[str, Any]:
    stale = batch_is_stale(batch)
    return {
        "batch": batch,
        "stale": stale,
        "polling": batch.is_committing and not stale,
        "poll_seconds": POLL_SECONDS,
    }


def import_status(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The commit's progress (a fragment the batch page polls with htmx); once the commit has ended, the
    whole page is reloaded (HX-Refresh) to show the result. Asked for outside htmx: the batch page."""
    batch = _batch(request, public_id)
    if not request.headers.get("HX-Request"):
        return redirect("import_batch", public_id=batch.public_id)
    response = render(request, "imports/_status.html", _status_context(batch))
    if not batch.is_committing:
        response["HX-Refresh"] = "true"
    return response


@require_POST
def import_cancel(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    from kujdes.imports.models import ImportedRecord

    batch = _batch(request, public_id)
    if batch.is_committing and not batch_is_stale(batch):
        messages.error(
            request, _("This import is being written: wait for it to end, then undo it if needed.")
        )
        return redirect("import_batch", public_id=batch.public_id)
    if ImportedRecord.objects.filter(batch=batch).exists():
        # An interrupted commit wrote rows: cancelling would leave them; undoing removes them.
        messages.error(request, _("Rows of this import were written already: undo it instead."))
        return redirect("import_batch", public_id=batch.public_id)
    try:
        batch_cancel(actor=request.user, batch=batch)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The import was cancelled and its file deleted."))
    return redirect("import_batch", public_id=batch.public_id)


@require_POST
def import_undo(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    batch = _batch(request, public_id)
    if batch.is_committing and not batch_is_stale(batch):
        messages.error(request, _("This import is being written: wait for it to end, then undo it."))
        return redirect("import_batch", public_id=batch.public_id)
    try:
        batch_undo(actor=request.user, batch=batch)  # type: ignore[arg-type]
    except UndoRefused as refused:
        for blocker in refused.blockers[:20]:
            messages.error(request, blocker)
        return redirect("import_batch", public_id=batch.public_id)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("The import was undone: what it created is removed."))
    return redirect("import_batch", public_id=batch.public_id)


@require_POST
def import_template_save(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Save the batch's mapping (as saved by "Save and check") as a template of the organisation."""
    batch = _batch(request, public_id)
    if not batch.is_open or batch.is_committing:
        raise Http404
    table, result, problem = _check(request, batch)
    if result is None or table is None:
        messages.error(request, problem)
        return redirect("import_batch", public_id=batch.public_id)
    options = result.options
    options.columns = list(result.columns)
    try:
        template = template_save(
            actor=request.user,  # type: ignore[arg-type]
            organisation_id=batch.organisation_id,
            name=request.POST.get("name", "")[:200],
            target=batch.target,
            headers=table.headers,
            options=options,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved as the template “%(name)s”.") % {"name": template.name})
    return redirect("import_batch", public_id=batch.public_id)


@require_POST
def import_template_apply(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Map the batch with one of the organisation's templates (for the same kind of import)."""
    batch = _batch(request, public_id)
    if not batch.is_open or batch.is_committing:
        raise Http404
    try:
        template = template_get(actor=request.user, public_id=request.POST.get("template", "")[:40])  # type: ignore[arg-type]
    except (MappingTemplate.DoesNotExist, ValidationError):
        messages.error(request, _("Choose a template."))
        return redirect("import_batch", public_id=batch.public_id)
    if template.target != batch.target or template.organisation_id != batch.organisation_id:
        messages.error(request, _("This template is for another kind of import."))
        return redirect("import_batch", public_id=batch.public_id)
    _template_apply(request, batch, template)
    messages.success(
        request,
        _("Mapped with the template “%(name)s”. Check it, then save and check.") % {"name": template.name},
    )
    return redirect("import_batch", public_id=batch.public_id)


def _template(request: HttpRequest, public_id: uuid.UUID) -> MappingTemplate:
    try:
        return template_get(actor=request.user, public_id=str(public_id))  # type: ignore[arg-type]
    except MappingTemplate.DoesNotExist:
        raise Http404 from None


def import_templates(request: HttpRequest) -> HttpResponse:
    """The organisation's saved templates: listed, renamed, deleted."""
    units = list(import_units_for_actor(actor=request.user))  # type: ignore[arg-type]
    if not units:
        raise PermissionDenied
    for organisation_id in {unit.organisation_id for unit in units}:
        templates_install_once(organisation_id=organisation_id)
    templates = list(templates_for_actor(actor=request.user))  # type: ignore[arg-type]
    labels = dict(_target_choices())
    rows = [
        {
            "template": template,
            "target": labels.get(template.target, template.target),
            "columns": sum(1 for name in (template.mapping.get("headers") or {}).values() if name),
        }
        for template in templates
    ]
    return render(request, "imports/templates.html", {"rows": rows})


@require_POST
def import_template_rename(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    template = _template(request, public_id)
    try:
        template_rename(actor=request.user, template=template, name=request.POST.get("name", "")[:200])  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The template is renamed."))
    return redirect("import_templates")


@require_POST
def import_template_delete(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    template = _template(request, public_id)
    template_delete(actor=request.user, template=template)  # type: ignore[arg-type]
    messages.success(request, _("The template “%(name)s” is deleted.") % {"name": template.name})
    return redirect("import_templates")
