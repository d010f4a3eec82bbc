"""HTCDS exchange pages: export chosen cases to IOM's spreadsheet, import one with a dry run first.

Between the dry run and the confirmation nothing is kept on the server: the confirmation form asks
for the same file again, its SHA-256 must match the one checked, and it is checked again before
anything is written. So no plaintext copy of the upload lands on disk or in the session.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kujdes.accounts.reauth import reauthentication_required
from kujdes.cases.choices import CaseStatus
from kujdes.cases.htcds import (
    EXPORT_LIMIT,
    HtcdsFileRefused,
    HtcdsImportFailed,
    htcds_check,
    htcds_export,
    htcds_import,
)
from kujdes.cases.selectors import cases_filtered
from kujdes.core.files import XLSX
from kujdes.core.roles import Perm, roles_with
from kujdes.core.selectors import actor_has_perm, units_for_actor

SHOWN = 200


class ExportFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All")), ("open", gettext_lazy("Open")), *CaseStatus.choices],
    )
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), required=False)
    opened_from = forms.DateField(
        label=gettext_lazy("Opened from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    opened_to = forms.DateField(
        label=gettext_lazy("Opened until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", gettext_lazy("All my units")), *units]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("opened_from") and data.get("opened_to") and data["opened_to"] < data["opened_from"]:
            self.add_error("opened_to", _("The end cannot be before the start."))
        return data


class ImportForm(forms.Form):
    unit = forms.ChoiceField(label=gettext_lazy("Unit that receives the cases"))
    workbook = forms.FileField(
        label=gettext_lazy("HTCDS workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    confirm = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    include_duplicates = forms.BooleanField(
        label=gettext_lazy("Also import the rows that may be persons registered already"), required=False
    )
    case_worker = forms.ChoiceField(
        label=gettext_lazy("Case worker who receives the cases"),
        help_text=gettext_lazy("The cases are opened in their hands; they must work on cases in the unit."),
        required=False,
    )


def _may_export(request: HttpRequest) -> None:
    """Case workers and programme managers only (the roles that work with case files)."""
    user = request.user
    if not (
        actor_has_perm(actor=user, perm=Perm.CASE_MANAGE)
        or actor_has_perm(actor=user, perm=Perm.CASE_APPROVE)
    ):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def htcds_export_view(request: HttpRequest) -> HttpResponse:
    # The role is checked before the password is asked for again.
    _may_export(request)
    return _export(request)


@reauthentication_required
def _export(request: HttpRequest) -> HttpResponse:
    units = units_for_actor(actor=request.user, perm=Perm.CASE_VIEW).order_by("path")
    unit_ids = {str(unit.public_id): unit.pk for unit in units}
    source = request.POST if request.method == "POST" else request.GET
    filters_form = ExportFilterForm(
        source or None, units=[(str(unit.public_id), unit.name) for unit in units]
    )
    filters: dict[str, Any] = {}
    if filters_form.is_bound and filters_form.is_valid():
        data = filters_form.cleaned_data
        filters = {
            "status": data["status"],
            "opened_from": data["opened_from"],
            "opened_to": data["opened_to"],
            "unit_id": unit_ids.get(data["unit"]),
        }
    cases = cases_filtered(actor=request.user, **filters)
    errors: list[str] = []
    if request.method == "POST" and not filters_form.errors:
        if request.POST.get("everything"):
            chosen = list(cases.values_list("public_id", flat=True)[:EXPORT_LIMIT])
        else:
            # Ids are checked against the actor's cases by the export: a foreign one is left out.
            chosen = request.POST.getlist("cases")[: EXPORT_LIMIT * 2]
        try:
            export = htcds_export(actor=request.user, case_ids=chosen)
        except ValidationError as error:
            errors = error.messages
        else:
            response = HttpResponse(export.content, content_type=XLSX)
            response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
            response["X-Content-Type-Options"] = "nosniff"
            return response
    shown = list(cases[:SHOWN])
    total = cases.count()
    selected = set(request.POST.getlist("cases")) if request.method == "POST" else set()
    context = {
        "filters_form": filters_form,
        "cases": shown,
        "total": total,
        "more": total > len(shown),
        "limit": EXPORT_LIMIT,
        "selected": selected,
        "errors": errors,
        "filter_values": [
            (name, filters_form.data.get(name, "")) for name in filters_form.fields if filters_form.is_bound
        ],
    }
    status = 400 if request.method == "POST" or filters_form.errors else 200
    return render(request, "cases/htcds/export.html", context, status=status)


def _import_units(request: HttpRequest) -> Any:
    """Case workers, programme managers and organisation administrators import (Perm.CASE_IMPORT)."""
    units = units_for_actor(actor=request.user, perm=Perm.CASE_IMPORT).filter(is_active=True).order_by("path")
    if not units.exists():
        raise PermissionDenied
    return units


def _case_workers(units: Any) -> list[Any]:
    """Who may receive imported cases: active users working on cases in one of the importer's units."""
    from kujdes.accounts.models import User

    organisations = {unit.organisation_id for unit in units}
    return list(
        User.objects.filter(
            memberships__organisation_id__in=organisations,
            memberships__role__in=[role.value for role in roles_with(Perm.CASE_MANAGE)],
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


def _receiver(request: HttpRequest, form: ImportForm, unit: Any, workers: list[Any]) -> Any:
    """The importer, if they work on cases in the unit; otherwise the case worker they chose, who must."""
    from kujdes.accounts.models import User

    def manages(user: User) -> bool:
        return units_for_actor(actor=user, perm=Perm.CASE_MANAGE).filter(pk=unit.pk).exists()

    if manages(request.user):  # type: ignore[arg-type]
        return request.user
    chosen = next((user for user in workers if str(user.public_id) == form.cleaned_data["case_worker"]), None)
    if chosen is None:
        form.add_error("case_worker", _("Choose the case worker who receives the cases."))
        return None
    if not manages(chosen):
        form.add_error("case_worker", _("This case worker does not work on cases in the unit."))
        return None
    return chosen


@require_http_methods(["GET", "POST"])
def htcds_import_view(request: HttpRequest) -> HttpResponse:
    units = _import_units(request)
    form = ImportForm(request.POST if request.method == "POST" else None, request.FILES or None)
    form.fields["unit"].choices = [(str(unit.public_id), unit.name) for unit in units]
    workers = [] if actor_has_perm(actor=request.user, perm=Perm.CASE_MANAGE) else _case_workers(units)
    if workers:
        form.fields["case_worker"].choices = [("", "—")] + [
            (str(user.public_id), user.display_name) for user in workers
        ]
    else:
        del form.fields["case_worker"]
    context: dict[str, Any] = {"form": form}
    if request.method != "POST":
        return render(request, "cases/htcds/import.html", context)
    if not form.is_valid():
        return render(request, "cases/htcds/import.html", context, status=400)
    unit = units.select_related("organisation").get(public_id=uuid.UUID(form.cleaned_data["unit"]))
    receiver = _receiver(request, form, unit, workers)
    if receiver is None:
        return render(request, "cases/htcds/import.html", context, status=400)
    upload = form.cleaned_data["workbook"]
    try:
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise HtcdsFileRefused(
                _("The file is too large (%(size)s MB). The limit is %(limit)s MB.")
                % {
                    "size": round(upload.size / 1_000_000, 1),
                    "limit": round(settings.UPLOAD_MAX_BYTES / 1_000_000),
                }
            )
        check = htcds_check(actor=receiver, unit=unit, upload=upload.read())
    except HtcdsFileRefused as refused:
        form.add_error("workbook", str(refused))
        return render(request, "cases/htcds/import.html", context, status=400)
    context.update(check=check, unit=unit)
    confirm = form.cleaned_data["confirm"]
    if not confirm:
        return render(request, "cases/htcds/import.html", context)
    if confirm != check.digest:
        form.add_error("workbook", _("This is not the file that was checked. Check it again."))
        return render(request, "cases/htcds/import.html", context, status=400)
    include_duplicates = form.cleaned_data["include_duplicates"]
    if not check.rows_to_import(include_duplicates=include_duplicates):
        form.add_error(None, _("There is no valid row to import."))
        return render(request, "cases/htcds/import.html", context, status=400)
    try:
        created = htcds_import(
            actor=receiver,
            unit=unit,
            check=check,
            include_duplicates=include_duplicates,
            imported_by=request.user,  # type: ignore[arg-type]
        )
    except HtcdsImportFailed as failed:
        form.add_error(
            None,
            _("Nothing was imported: row %(row)s was refused (%(problems)s).")
            % {"row": failed.number, "problems": " ".join(failed.messages)},
        )
        return render(request, "cases/htcds/import.html", context, status=400)
    context["created"] = created
    return render(request, "cases/htcds/imported.html", context)
