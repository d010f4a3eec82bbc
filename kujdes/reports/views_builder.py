"""The report builder, saved reports, their exports and kept files.

The builder answers GET (a shareable query) and POST (the same choices, "preview" or "save"); both
show the table under the form with every choice kept. Saved reports belong to their owner: anyone
else, and the owner once they lost the report's unit, gets 404. Exports and downloads are audited
(aggregates only: format, indicators, period, unit).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.core.documents.selectors import document_jobs_of_subject
from kujdes.core.forms import form_add_validation_error
from kujdes.reports import selectors, services
from kujdes.reports.catalogue import catalogue
from kujdes.reports.documents import JOB_KIND, report_pdf_request, saved_report_period
from kujdes.reports.exports import CONTENT_TYPES, ReportContent, report_content, report_file, report_filename
from kujdes.reports.forms_builder import BuilderForm, ReportEditForm, SaveReportForm
from kujdes.reports.models import ReportFile, SavedReport
from kujdes.reports.selectors import Period, PeriodError, Scope, ScopeError
from kujdes.reports.sources import DISAGGREGATIONS

FORMATS = ("xlsx", "csv", "pdf")
PAGE_SIZE = 25
# Keys of the builder's request that are not choices of the report (left out of export links).
NOT_CHOICES = ("csrfmiddlewaretoken", "action", "name", "period_kind", "monthly", "format")


def _scope(actor: Any, unit_public_id: str | None) -> Scope:
    try:
        return selectors.report_scope(actor=actor, unit_public_id=unit_public_id or None)
    except ScopeError as error:
        if str(error) == "no reporting scope":
            raise PermissionDenied from error
        raise Http404 from error


def _sections() -> list[tuple[str, list[Any]]]:
    from kujdes.reports.views import SECTIONS

    grouped: dict[str, list[Any]] = {}
    for indicator in catalogue().values():
        grouped.setdefault(indicator.section, []).append(indicator)
    return [(str(SECTIONS.get(code, code)), grouped[code]) for code in SECTIONS if code in grouped]


def _choices_query(data: QueryDict) -> str:
    return urlencode(
        [(key, value) for key in data if key not in NOT_CHOICES for value in data.getlist(key) if value]
    )


def _report_period(report: SavedReport, scope: Scope) -> Period:
    return saved_report_period(report, scope)


def _file_response(content: bytes, export_format: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[export_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _builder_form(request: HttpRequest, data: QueryDict | None) -> tuple[Scope, BuilderForm]:
    scope = _scope(request.user, data.get("unit") if data else None)
    return scope, BuilderForm(data, scope=scope)


def _builder_period(form: BuilderForm) -> Period | None:
    if not form.is_bound or not form.is_valid():
        return None
    try:
        return form.period()
    except PeriodError as error:
        form.add_error(None, str(error))
        return None


def _content(
    *,
    scope: Scope,
    period: Period,
    codes: list[str],
    dims: list[str],
    language: str,
    title: str,
    actor: Any,
    export_format: str = "",
) -> ReportContent:
    return report_content(
        scope=scope,
        period=period,
        indicators=selectors.indicators_get(codes),
        dims=dims,
        language=language,
        title=title,
        generated_by=actor,
        # Pages and spreadsheets show breakdowns; the PDF adds the month-by-month charts.
        charts_wanted=export_format in ("", "pdf"),
        trend=export_format == "pdf",
    )


@require_http_methods(["GET", "POST"])
def report_builder(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        data: QueryDict | None = request.POST
    else:
        data = request.GET if request.GET else None
    scope, form = _builder_form(request, data)
    saving = request.method == "POST" and request.POST.get("action") == "save"
    save_form = SaveReportForm(request.POST if saving else None)
    period = _builder_period(form)
    content = None
    if period is not None:
        codes, dims = form.cleaned_data["indicators"], form.cleaned_data["dims"]
        if saving and save_form.is_valid():
            try:
                report = services.saved_report_create(
                    actor=request.user,
                    name=save_form.cleaned_data["name"],
                    unit=scope.unit,
                    indicators=codes,
                    dims=dims,
                    period=save_form.cleaned_data["period_kind"],
                    starts_on=period.start,
                    ends_on=period.end,
                    language=form.cleaned_data["language"],
                    monthly=save_form.cleaned_data["monthly"],
                )
            except ValidationError as error:
                form_add_validation_error(save_form, error)
            else:
                messages.success(request, _("The report is saved."))
                return redirect("report_detail", public_id=report.public_id)
        content = _content(
            scope=scope,
            period=period,
            codes=codes,
            dims=dims,
            language=(get_language() or "sq")[:2],
            title=_("Report"),
            actor=request.user,
        )
    invalid = form.is_bound and bool(form.errors) or (saving and bool(save_form.errors))
    chosen = set(form.data.getlist("indicators")) if form.is_bound else set()
    return render(
        request,
        "reports/builder.html",
        {
            "form": form,
            "save_form": save_form,
            "scope": scope,
            "period": period,
            "content": content,
            "sections": _sections(),
            "chosen": chosen,
            "dim_rows": form.dim_rows(chosen),
            "chosen_dims": set(form.data.getlist("dims")) if form.is_bound else set(),
            "query": _choices_query(data) if data is not None else "",
            "formats": FORMATS,
        },
        status=400 if request.method == "POST" and invalid else 200,
    )


def _export_format(request: HttpRequest) -> str | None:
    value = request.GET.get("format", "")
    return value if value in FORMATS else None


@require_GET
def report_builder_export(request: HttpRequest) -> HttpResponse:
    data = request.GET
    scope, form = _builder_form(request, data)
    export_format = _export_format(request)
    period = _builder_period(form)
    back = f"{reverse('report_builder')}?{_choices_query(data)}"
    if export_format is None:
        messages.error(request, _("Choose XLSX, CSV or PDF."))
        return redirect(back)
    if period is None:
        for error in [*form.non_field_errors(), *[e for f in form for e in f.errors]]:
            messages.error(request, error)
        return redirect(back)
    codes, dims = form.cleaned_data["indicators"], form.cleaned_data["dims"]
    language = form.cleaned_data["language"]
    content = _content(
        scope=scope,
        period=period,
        codes=codes,
        dims=dims,
        language=language,
        title=_("Report"),
        actor=request.user,
        export_format=export_format,
    )
    file = report_file(content, export_format)
    services.report_exported(
        actor=request.user,
        organisation_id=scope.organisation.pk,
        export_format=export_format,
        indicators=codes,
        dims=dims,
        start=period.start,
        end=period.end,
        unit=scope.unit,
    )
    return _file_response(file, export_format, report_filename(content, export_format))


# --- saved reports ----------------------------------------------------------------------------------


def _own_report(request: HttpRequest, public_id: Any) -> SavedReport:
    try:
        return selectors.saved_report_get(actor=request.user, public_id=str(public_id))
    except SavedReport.DoesNotExist as error:
        raise Http404 from error


@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    _scope(request.user, None)  # saved reports are for those who report
    reports = selectors.saved_reports_for(actor=request.user).order_by("name", "pk")
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/report_list.html", {"page": page, "reports": page.object_list})


def _indicator_names(report: SavedReport) -> list[str]:
    return [indicator.name() for indicator in selectors.indicators_get(report.indicators)]


@require_GET
def report_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    report = _own_report(request, public_id)
    scope = _scope(request.user, str(report.unit.public_id))
    try:
        period = _report_period(report, scope)
    except PeriodError as error:
        messages.error(request, str(error))
        return redirect("report_list")
    content = _content(
        scope=scope,
        period=period,
        codes=list(report.indicators),
        dims=list(report.dims),
        language=(get_language() or "sq")[:2],
        title=report.name,
        actor=request.user,
    )
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "scope": scope,
            "period": period,
            "content": content,
            "files": selectors.report_files_for(report=report),
            "pdf_jobs": document_jobs_of_subject(
                actor=request.user, kind=JOB_KIND, subject_id=str(report.public_id)
            ),
            "dims": [str(DISAGGREGATIONS[d]) for d in report.dims if d in DISAGGREGATIONS],
            "formats": FORMATS,
        },
    )


@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    report = _own_report(request, public_id)
    posted = request.POST if request.method == "POST" else None
    scope = _scope(request.user, (posted.get("unit") if posted else None) or str(report.unit.public_id))
    form = ReportEditForm(
        posted,
        scope=scope,
        initial={
            "name": report.name,
            "unit": str(report.unit.public_id),
            "indicators": list(report.indicators),
            "dims": list(report.dims),
            "period": report.period,
            "starts_on": report.starts_on,
            "ends_on": report.ends_on,
            "language": report.language,
            "monthly": report.monthly,
            "version": report.version,
        },
    )
    stale = False
    if posted is not None and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.saved_report_update(
                actor=request.user,
                report=report,
                version=data["version"],
                name=data["name"],
                unit=scope.unit,
                indicators=data["indicators"],
                dims=data["dims"],
                period=data["period"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                language=data["language"],
                monthly=data["monthly"],
            )
        except services.StaleReport:
            stale = True
            form.add_error(None, _("This report was changed meanwhile: check your choices and save again."))
            report.refresh_from_db()
            form.data = form.data.copy()
            form.data["version"] = str(report.version)
        except ValidationError as error:
            form_add_validation_error(form, error)
        else:
            messages.success(request, _("The report is saved."))
            return redirect("report_detail", public_id=report.public_id)
    chosen = set(form.data.getlist("indicators")) if form.is_bound else set(report.indicators)
    chosen_dims = set(form.data.getlist("dims")) if form.is_bound else set(report.dims)
    return render(
        request,
        "reports/report_form.html",
        {
            "report": report,
            "form": form,
            "stale": stale,
            "sections": _sections(),
            "chosen": chosen,
            "dim_rows": form.dim_rows(chosen),
            "chosen_dims": chosen_dims,
        },
        status=400 if form.errors else 200,
    )


@require_POST
def report_delete(request: HttpRequest, public_id: Any) -> HttpResponse:
    report = _own_report(request, public_id)
    services.saved_report_delete(actor=request.user, report=report)
    messages.success(request, _("The report “%(name)s” is deleted.") % {"name": report.name})
    return redirect("report_list")


@require_GET
def report_export(request: HttpRequest, public_id: Any) -> HttpResponse:
    report = _own_report(request, public_id)
    export_format = _export_format(request)
    if export_format is None:
        messages.error(request, _("Choose XLSX, CSV or PDF."))
        return redirect("report_detail", public_id=report.public_id)
    scope = _scope(request.user, str(report.unit.public_id))
    try:
        period = _report_period(report, scope)
    except PeriodError as error:
        messages.error(request, str(error))
        return redirect("report_list")
    codes, dims = list(report.indicators), list(report.dims)
    content = _content(
        scope=scope,
        period=period,
        codes=codes,
        dims=dims,
        language=report.language,
        title=report.name,
        actor=request.user,
        export_format=export_format,
    )
    file = report_file(content, export_format)
    services.report_exported(
        actor=request.user,
        organisation_id=scope.organisation.pk,
        export_format=export_format,
        indicators=codes,
        dims=dims,
        start=period.start,
        end=period.end,
        unit=scope.unit,
        report=report,
    )
    return _file_response(file, export_format, report_filename(content, export_format))


@require_POST
def report_pdf_background(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Make the saved report's PDF in the background and show its progress (long reports)."""
    report = _own_report(request, public_id)
    _scope(request.user, str(report.unit.public_id))
    job = report_pdf_request(actor=request.user, report=report)
    return redirect("document_job", public_id=job.public_id)


@require_GET
def report_file_download(request: HttpRequest, public_id: Any) -> HttpResponse:
    try:
        kept = selectors.report_file_get(actor=request.user, public_id=str(public_id))
    except ReportFile.DoesNotExist as error:
        raise Http404 from error
    services.report_file_downloaded(actor=request.user, report_file=kept)
    from django.utils.text import slugify

    name = (
        f"{slugify(kept.report.name) or 'report'}-{kept.starts_on:%Y%m%d}-{kept.ends_on:%Y%m%d}.{kept.format}"
    )
    return _file_response(bytes(kept.content), kept.format, name)
