"""JSON API of the reports room (mounted at /api/v1/ by kujdes/api.py): the catalogue and figures.

Scoped like the dashboard: a caller without a reporting role gets 403, a unit outside their scope 404
(the same as a unit that does not exist), bad input 422 with the messages keyed by parameter. Figures
carry the small-cell rule of the caller's scope: a hidden cell has `value: null, suppressed: true` and
`shown: "hidden"` (in the request's language), never its number; a caller whose small cells are hidden
asks for a year, a quarter or a month, and a cell hidden in one answer stays hidden (or cannot be worked
out) in every other (kujdes/reports/protection.py).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from kujdes.reports import selectors
from kujdes.reports.catalogue import catalogue
from kujdes.reports.engine import Cell, dims_allowed
from kujdes.reports.forms_builder import MAX_INDICATORS
from kujdes.reports.sources import DISAGGREGATIONS

router = Router(tags=["reports"])

_FROM = Query(None, alias="from")
_TO = Query(None, alias="to")


class Problem(Schema):
    detail: str
    code: str = ""
    errors: dict[str, list[str]] = {}


class IndicatorOut(Schema):
    code: str
    section: str
    name: str
    definition: str
    formula: str
    dims: list[str]
    chart: str
    headline: bool


class DimensionOut(Schema):
    code: str
    label: str


class CatalogueOut(Schema):
    indicators: list[IndicatorOut]
    dims: list[DimensionOut]


class CellOut(Schema):
    value: float | None
    shown: str
    suppressed: bool


class RowOut(CellOut):
    code: str | None
    label: str


class BreakdownOut(Schema):
    dim: str
    label: str
    additive: bool
    rows: list[RowOut]


class FigureOut(Schema):
    code: str
    name: str
    percent: bool
    total: CellOut
    breakdowns: list[BreakdownOut]


class PeriodOut(Schema):
    start: datetime.date
    end: datetime.date
    label: str


class FiguresOut(Schema):
    organisation: str
    unit: str
    unit_name: str
    period: PeriodOut
    threshold: int
    figures: list[FigureOut]


@router.get(
    "/reports/indicators",
    response=CatalogueOut,
    operation_id="reports_indicators",
    summary="The indicator catalogue, in the request's language",
)
def reports_indicators(request: HttpRequest) -> dict[str, Any]:
    _scope(request, None)  # the catalogue is for those who report
    language = (get_language() or "sq")[:2]
    return {
        "indicators": [
            {
                "code": indicator.code,
                "section": indicator.section,
                "name": indicator.name(language),
                "definition": indicator.definition(language),
                "formula": indicator.formula,
                "dims": list(dims_allowed(indicator)),
                "chart": indicator.chart,
                "headline": indicator.headline,
            }
            for indicator in catalogue().values()
        ],
        "dims": [{"code": code, "label": str(label)} for code, label in DISAGGREGATIONS.items()],
    }


def _scope(request: HttpRequest, unit: str | None) -> selectors.Scope:
    try:
        return selectors.report_scope(actor=request.user, unit_public_id=unit)
    except selectors.ScopeError as error:
        if str(error) == "no reporting scope":
            raise HttpError(403, _("Your role cannot see reports.")) from None
        raise Http404 from None


def _cell(cell: Cell, threshold: int, percent: bool) -> dict[str, Any]:
    return {
        "value": None if cell.suppressed or cell.value is None else float(cell.value),
        "shown": cell.shown(threshold, percent=percent),
        "suppressed": cell.suppressed,
    }


@router.get(
    "/reports/figures",
    response={200: FiguresOut, 422: Problem},
    operation_id="reports_figures",
    summary="Figures of indicators for a unit and a period, with the caller's small-cell rule",
)
def reports_figures(
    request: HttpRequest,
    indicators: list[str] = Query([]),  # noqa: B008 - ninja's way of declaring a query parameter
    dims: list[str] = Query([]),  # noqa: B008
    unit: str | None = None,
    year: str | None = None,
    quarter: str | None = None,
    month: str | None = None,
    date_from: str | None = _FROM,
    date_to: str | None = _TO,
) -> Any:
    scope = _scope(request, unit)
    errors: dict[str, list[str]] = {}
    known = catalogue()
    codes = [code for code in dict.fromkeys(indicators) if code]
    unknown = [code for code in codes if code not in known]
    if unknown or not codes:
        errors["indicators"] = [
            _("Unknown indicators: %(codes)s.") % {"codes": ", ".join(unknown)}
            if unknown
            else _("Choose at least one indicator.")
        ]
    elif len(codes) > MAX_INDICATORS:
        errors["indicators"] = [_("Choose at most %(n)s indicators.") % {"n": MAX_INDICATORS}]
    refused = [dim for dim in dims if dim not in DISAGGREGATIONS]
    if refused:
        errors["dims"] = [_("Unknown disaggregations: %(dims)s.") % {"dims": ", ".join(refused)}]
    params = {"year": year, "quarter": quarter, "month": month, "from": date_from, "to": date_to}
    period = None
    try:
        period = selectors.period_for_scope(
            scope=scope, period=selectors.period_from_params({k: v for k, v in params.items() if v})
        )
    except selectors.PeriodError as error:
        errors["period"] = [str(error)]
    if errors or period is None:
        detail = " ".join(message for messages in errors.values() for message in messages)
        return Status(422, Problem(detail=detail, code="invalid", errors=errors))
    language = (get_language() or "sq")[:2]
    figures, _engine = selectors.figures_compute(
        scope=scope,
        period=period,
        indicators=selectors.indicators_get(codes),
        dims=list(dict.fromkeys(dims)),
        language=language,
    )
    threshold = scope.threshold or 0
    return {
        "organisation": scope.organisation.code,
        "unit": str(scope.unit.public_id),
        "unit_name": scope.unit.name,
        "period": {"start": period.start, "end": period.end, "label": period.label},
        "threshold": threshold,
        "figures": [
            {
                "code": figure.indicator.code,
                "name": figure.indicator.name(language),
                "percent": figure.percent,
                "total": _cell(figure.total, threshold, figure.percent),
                "breakdowns": [
                    {
                        "dim": breakdown.dim,
                        "label": breakdown.label,
                        "additive": breakdown.additive,
                        "rows": [
                            {
                                "code": None if row.code is None else str(row.code),
                                "label": str(row.label),
                                **_cell(row.cell, threshold, figure.percent),
                            }
                            for row in breakdown.rows
                        ],
                    }
                    for breakdown in figure.breakdowns
                ],
            }
            for figure in figures
        ],
    }
