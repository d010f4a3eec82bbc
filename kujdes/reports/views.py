"""Dashboards, one indicator in depth, the indicator catalogue and the small-cell setting.

Everyone with `reports.view` has a dashboard over their own scope (unit subtree or organisation). A unit
outside it is 404; a user without any reporting role gets 403.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kujdes.core.forms import form_add_validation_error
from kujdes.core.roles import Perm
from kujdes.core.selectors import organisations_for_actor
from kujdes.reports import charts, selectors, services
from kujdes.reports.catalogue import Indicator, catalogue
from kujdes.reports.engine import Breakdown, Figure, dims_allowed
from kujdes.reports.forms import PeriodUnitForm, ReportSettingsForm
from kujdes.reports.selectors import Period, PeriodError, Scope, ScopeError
from kujdes.reports.sources import DISAGGREGATIONS

SECTIONS = {
    "reach": gettext_lazy("Reach"),
    "identification": gettext_lazy("Screening and identification"),
    "cases": gettext_lazy("Cases and services"),
    "referrals": gettext_lazy("Referrals"),
    "courses": gettext_lazy("Vocational courses"),
    "employment": gettext_lazy("Employment"),
    "prevention": gettext_lazy("Summer camps and awareness"),
    "volunteers": gettext_lazy("Volunteers"),
    "staff": gettext_lazy("Staff, missionaries and volunteers"),
    "partnership": gettext_lazy("Joint initiatives"),
}

FORMULAS = {
    "distinct": gettext_lazy("Different persons (each counted once)"),
    "events": gettext_lazy("Number of events"),
    "sum": gettext_lazy("Sum"),
    "median": gettext_lazy("Median"),
    "mean": gettext_lazy("Mean"),
    "ratio": gettext_lazy("Ratio of two indicators (%)"),
    "total": gettext_lazy("Sum of indicators"),
    "relatives": gettext_lazy("Relatives of the persons of another indicator, not counted there"),
}


@dataclass
class Shown:
    """A figure ready for a page: its texts, its chart and its table rows."""

    figure: Figure
    total: str
    chart: str
    trend: str
    breakdowns: list[dict[str, Any]]
    trend_rows: list[tuple[str, str]]

    @property
    def indicator(self) -> Indicator:
        return self.figure.indicator


def _scope(request: HttpRequest) -> Scope:
    try:
        return selectors.report_scope(actor=request.user, unit_public_id=request.GET.get("unit") or None)
    except ScopeError as error:
        if str(error) == "no reporting scope":
            raise PermissionDenied from error
        raise Http404 from error


def _period(request: HttpRequest, scope: Scope) -> tuple[PeriodUnitForm, Period]:
    form = PeriodUnitForm(request.GET or None, scope=scope)
    today = timezone.localdate()
    period = selectors.period_year(today.year)
    if form.is_bound and form.is_valid():
        try:
            period = form.period()
        except PeriodError as error:
            form.add_error(None, str(error))
    return form, period


def _breakdown_rows(breakdown: Breakdown, threshold: int, percent: bool) -> list[tuple[str, str]]:
    return [(row.label, row.cell.shown(threshold, percent=percent)) for row in breakdown.rows]


def _chart_rows(breakdown: Breakdown, threshold: int, percent: bool) -> list[charts.Row]:
    return [
        (
            row.label,
            None if row.cell.suppressed else row.cell.value,
            row.cell.shown(threshold, percent=percent),
        )
        for row in breakdown.rows
    ]


def shown(figure: Figure, scope: Scope, *, chart_dim: str | None = None) -> Shown:
    threshold = scope.threshold or 0
    percent = figure.percent
    name = figure.indicator.name()
    code = figure.indicator.code
    breakdowns = []
    for breakdown in figure.breakdowns:
        table_id = f"table-{code}-{breakdown.dim}"
        breakdowns.append(
            {
                "breakdown": breakdown,
                "table_id": table_id,
                "rows": _breakdown_rows(breakdown, threshold, percent),
                "chart": charts.bars_svg(
                    _chart_rows(breakdown, threshold, percent),
                    title=f"{name} — {breakdown.label}",
                    percent=percent,
                    described_by=table_id,
                ),
            }
        )
    chart = next(
        (b["chart"] for b in breakdowns if b["breakdown"].dim == (chart_dim or figure.indicator.chart)), ""
    )
    points = [
        (
            date_format(month, "M"),
            None if cell.suppressed else cell.value,
            cell.shown(threshold, percent=percent),
        )
        for month, cell in figure.trend
    ]
    trend = ""
    if points:
        trend = charts.trend_svg(
            points, title=_("%(name)s by month") % {"name": name}, described_by=f"table-{code}-month"
        )
    return Shown(
        figure=figure,
        total=figure.total.shown(threshold, percent=percent),
        chart=chart,
        trend=trend,
        breakdowns=breakdowns,
        trend_rows=[
            (date_format(month, "F Y"), text)
            for (month, _cell), (_, _, text) in zip(figure.trend, points, strict=True)
        ],
    )


def _sections(items: Sequence[Shown]) -> list[tuple[str, list[Shown]]]:
    grouped: dict[str, list[Shown]] = {}
    for item in items:
        grouped.setdefault(item.indicator.section, []).append(item)
    return [(str(SECTIONS.get(code, code)), grouped[code]) for code in SECTIONS if code in grouped]


def _query(request: HttpRequest) -> str:
    keep = {key: value for key, value in request.GET.items() if key not in ("page", "refresh") and value}
    from urllib.parse import urlencode

    return urlencode(keep)


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    form, period = _period(request, scope)
    computed = selectors.dashboard_figures(
        scope=scope, period=period, refresh=bool(request.GET.get("refresh"))
    )
    items = [shown(figure, scope) for figure in computed.figures]
    query = _query(request)
    return render(
        request,
        "reports/dashboard.html",
        {
            "scope": scope,
            "period": period,
            "form": form,
            "computed": computed,
            "headlines": [item for item in items if item.indicator.headline],
            "charted": [item for item in items if item.breakdowns],
            "trends": [item for item in items if item.trend],
            "sections": _sections(items),
            "query": query,
            "refresh_query": f"{query}&refresh=1" if query else "refresh=1",
        },
    )


@require_GET
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    indicator = catalogue().get(code)
    if indicator is None:
        raise Http404
    scope = _scope(request)
    form, period = _period(request, scope)
    # Every disaggregation the indicator allows, not only the dashboard's chart.
    figures, _engine = selectors.figures_compute(
        scope=scope, period=period, indicators=[indicator], dims=dims_allowed(indicator), trend=True
    )
    item = shown(figures[0], scope)
    parts = [
        catalogue()[c]
        for c in (indicator.numerator, indicator.denominator, indicator.of, *indicator.parts)
        if c
    ]
    return render(
        request,
        "reports/indicator.html",
        {
            "scope": scope,
            "period": period,
            "form": form,
            "item": item,
            "formula": FORMULAS.get(indicator.formula, indicator.formula),
            "parts": parts,
            "query": _query(request),
        },
    )


@require_GET
def indicator_catalogue(request: HttpRequest) -> HttpResponse:
    _scope(request)  # the catalogue is for those who report
    rows = [
        {
            "indicator": indicator,
            "section": SECTIONS.get(indicator.section, indicator.section),
            "formula": FORMULAS.get(indicator.formula, indicator.formula),
            "dims": [str(DISAGGREGATIONS[d]) for d in dims_allowed(indicator)],
        }
        for indicator in catalogue().values()
    ]
    return render(request, "reports/catalogue.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def report_settings(request: HttpRequest) -> HttpResponse:
    organisation = (
        organisations_for_actor(actor=request.user, perm=Perm.ORGANISATION_CONFIGURE).order_by("pk").first()
    )
    if organisation is None:
        raise PermissionDenied
    current = selectors.report_settings_get(organisation=organisation)
    form = ReportSettingsForm(
        request.POST if request.method == "POST" else None,
        instance=current,
        initial={"version": current.version},
    )
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["version"] != current.version:
            form.add_error(
                None, _("Someone else changed this setting meanwhile: check the value and save again.")
            )
        else:
            try:
                services.report_settings_save(
                    actor=request.user,
                    organisation_id=organisation.pk,
                    small_cell_threshold=form.cleaned_data["small_cell_threshold"],
                )
            except ValidationError as error:
                form_add_validation_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("report_settings")
    return render(
        request,
        "reports/settings.html",
        {"form": form, "organisation": organisation},
        status=400 if form.errors else 200,
    )
