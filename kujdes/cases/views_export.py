"""Export of the case list: its filters, every page, as XLSX, CSV or PDF.

Whoever sees the case list (CASE_VIEW: case workers, programme managers) may export it, after
re-authenticating. The file holds what the list shows (codes, not names) plus the unit; it is
watermarked and the export audited as `cases.list.exported` with its format, row count and filters.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kujdes.accounts.reauth import reauthentication_required
from kujdes.cases.forms import CaseFilterForm
from kujdes.cases.models import Case
from kujdes.cases.selectors import case_workers_for_filter, cases_filtered
from kujdes.core.exports import (
    ExportTable,
    ExportTooLarge,
    export_check_size,
    export_format_of,
    export_refused,
    export_response,
    export_row_limit,
    table_export,
)
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm, units_for_actor

CHUNK = 1000


def case_list_filters(request: HttpRequest, data: Any) -> tuple[CaseFilterForm, dict[str, Any]]:
    """The case list's filter form bound to `data`, and the filters for `cases_filtered` when valid.

    The list page (cases/views.case_list) and its export both read their filters here.
    """
    units = units_for_actor(actor=request.user, perm=Perm.CASE_VIEW).filter(is_active=True).order_by("path")
    unit_ids = {str(unit.public_id): unit.pk for unit in units}
    workers = {str(user.public_id): user for user in case_workers_for_filter(actor=request.user)}
    form = CaseFilterForm(
        data,
        units=[(str(unit.public_id), "— " * unit.depth + unit.name) for unit in units],
        workers=[(key, user.display_name) for key, user in workers.items()],
    )
    if not form.is_valid():
        return form, {}
    cleaned = form.cleaned_data
    filters: dict[str, Any] = {
        "status": cleaned["status"],
        "case_type": cleaned["case_type"],
        "nrm_stage": cleaned["nrm_stage"],
        "trafficking_status": cleaned["trafficking_status"],
        "opened_from": cleaned["opened_from"],
        "opened_to": cleaned["opened_to"],
        "code": cleaned["q"],
    }
    if cleaned["unit"]:
        filters["unit_id"] = unit_ids[cleaned["unit"]]
    if cleaned["worker"]:
        filters["worker_id"] = workers[cleaned["worker"]].pk
    if cleaned["mine"]:
        filters["worker_id"] = request.user.pk
    return form, filters


@require_POST
def case_list_export(request: HttpRequest) -> HttpResponse:
    # The role is checked before the password is asked for again.
    if not actor_has_perm(actor=request.user, perm=Perm.CASE_VIEW):
        raise PermissionDenied
    return _export(request)


@reauthentication_required
def _export(request: HttpRequest) -> HttpResponse:
    list_url = reverse("case_list")
    export_format = export_format_of(request)
    if export_format is None:
        return export_refused(request, list_url=list_url, message=_("Choose the format of the file."))
    form, filters = case_list_filters(request, request.POST)
    if form.errors:
        return export_refused(
            request, list_url=list_url, message=_("Correct the filters of the list, then export again.")
        )
    cases = cases_filtered(actor=request.user, **filters)
    ids = list(cases.values_list("pk", flat=True)[: export_row_limit(export_format) + 1])
    try:
        export_check_size(count=len(ids), export_format=export_format)
    except ExportTooLarge as refused:
        return export_refused(request, list_url=list_url, message=str(refused))
    rows = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found = Case.objects.filter(pk__in=chunk).select_related("person", "unit", "primary_worker")
        by_id = {case.pk: case for case in found}
        for case in (by_id[pk] for pk in chunk if pk in by_id):
            rows.append(
                [
                    case.code,
                    case.person.code,
                    case.get_case_type_display(),
                    case.get_status_display(),
                    case.get_nrm_stage_display(),
                    case.primary_worker.display_name if case.primary_worker else "",
                    case.opened_on,
                    case.unit.name,
                ]
            )
    table = ExportTable(
        title=_("Cases"),
        subtitle=_filters_text(form),
        columns=[
            _("Case"),
            _("Person"),
            _("Case type"),
            _("Status"),
            _("Referral mechanism stage"),
            _("Case worker"),
            _("Opened on"),
            _("Unit"),
        ],
        rows=rows,
        widths=(20, 22, 20, 14, 22, 22, 12, 24),
    )
    recorded = {
        name: str(value) for name, value in form.cleaned_data.items() if value not in ("", None, False)
    }
    export = table_export(
        actor=request.user,
        organisation=request.user.organisation,
        action="cases.list.exported",
        table=table,
        export_format=export_format,
        filename_stem="cases",
        filters=recorded,
    )
    return export_response(export)


def _filters_text(form: CaseFilterForm) -> str:
    parts = []
    for name, value in form.cleaned_data.items():
        if value in ("", None, False):
            continue
        field = form.fields[name]
        shown = dict(field.choices).get(value, value) if hasattr(field, "choices") else value
        if value is True:
            shown = _("yes")
        parts.append(f"{field.label}: {shown}")
    return " · ".join(parts) or _("All cases in your units")
