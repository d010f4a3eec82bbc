"""HTCDS exchange pages: export chosen cases to IOM's spreadsheet, import one with a dry run first."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kujdes.accounts.reauth import reauthentication_required
from kujdes.cases.choices import CaseStatus
from kujdes.cases.htcds import htcds_check, htcds_export, htcds_import
from kujdes.cases.selectors import cases_filtered
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm, units_for_actor

EXPORT_LIMIT = 1000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", gettext_lazy("All")), *CaseStatus.choices]
    )
    everything = forms.BooleanField(label=gettext_lazy("All cases matching the filter"), required=False)
    cases = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)


class ImportForm(forms.Form):
    unit = forms.ChoiceField(label=gettext_lazy("Unit that receives the cases"))
    workbook = forms.FileField(label=gettext_lazy("HTCDS workbook (.xlsx)"))
    confirm = forms.CharField(required=False, widget=forms.HiddenInput)


@require_http_methods(["GET", "POST"])
@reauthentication_required
def htcds_export_view(request: HttpRequest) -> HttpResponse:
    if not actor_has_perm(actor=request.user, perm=Perm.CASE_MANAGE) and not actor_has_perm(
        actor=request.user, perm=Perm.CASE_APPROVE
    ):
        raise PermissionDenied
    status = request.POST.get("status") or request.GET.get("status", "")
    if status not in CaseStatus.values:
        status = ""
    cases = cases_filtered(actor=request.user, status=status).select_related("organisation")
    shown = list(cases[:200])
    form = ExportForm(request.POST if request.method == "POST" else None, initial={"status": status})
    form.fields["cases"].choices = [(str(case.public_id), case.code) for case in shown]
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["everything"]:
            chosen = list(cases[:EXPORT_LIMIT])
        else:
            # Only ids among the actor's cases count: a foreign id is silently not there.
            chosen = list(cases.filter(public_id__in=form.cleaned_data["cases"]))
        if not chosen:
            form.add_error(None, _("Choose at least one case."))
        else:
            data = htcds_export(actor=request.user, cases=chosen)
            response = HttpResponse(data, content_type=XLSX)
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            response["Content-Disposition"] = f'attachment; filename="htcds-{stamp}.xlsx"'
            return response
    status_code = 400 if request.method == "POST" else 200
    return render(request, "cases/htcds/export.html", {"form": form, "cases": shown}, status=status_code)


def _upload_bytes(form: ImportForm) -> bytes | None:
    upload = form.cleaned_data["workbook"]
    if upload.size > settings.UPLOAD_MAX_BYTES:
        form.add_error("workbook", _("The file is too large."))
        return None
    data = upload.read()
    if not data.startswith(b"PK"):
        form.add_error("workbook", _("This is not an Excel workbook (.xlsx) in the HTCDS layout."))
        return None
    return data


@require_http_methods(["GET", "POST"])
def htcds_import_view(request: HttpRequest) -> HttpResponse:
    units = units_for_actor(actor=request.user, perm=Perm.CASE_MANAGE).filter(is_active=True).order_by("path")
    if not units.exists():
        raise PermissionDenied
    form = ImportForm(request.POST if request.method == "POST" else None, request.FILES or None)
    form.fields["unit"].choices = [(str(unit.public_id), unit.name) for unit in units]
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        data = _upload_bytes(form)
        if data is not None:
            try:
                check = htcds_check(upload=data)
            except ValidationError as error:
                form.add_error("workbook", error)
            else:
                unit = units.get(public_id=form.cleaned_data["unit"])
                context.update(check=check, unit=unit)
                if form.cleaned_data["confirm"] and form.cleaned_data["confirm"] == check.digest:
                    created = htcds_import(actor=request.user, unit=unit, check=check)
                    context["created"] = created
                    return render(request, "cases/htcds/imported.html", context)
                if form.cleaned_data["confirm"]:
                    form.add_error("workbook", _("This is not the file that was checked. Check it again."))
                return render(request, "cases/htcds/import.html", context)
        return render(request, "cases/htcds/import.html", context, status=400)
    status_code = 400 if request.method == "POST" else 200
    return render(request, "cases/htcds/import.html", context, status=status_code)
