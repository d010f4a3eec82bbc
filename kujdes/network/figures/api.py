"""/api/v1/network/figures/…: released figures side by side (a withheld figure: null and "withheld": true)."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from kujdes.network.figures import selectors

router = Router(tags=["network"])


class FigureOut(Schema):
    value: int | None
    withheld: bool
    noisy: bool
    shown: str


class TotalOut(Schema):
    value: int
    lower_bound: bool
    partners: int
    partners_with_withheld: int
    shown: str
    explanation: str


class PartnerFigureOut(Schema):
    partner: str
    name: str
    release: uuid.UUID | None
    no_release: bool
    in_release: bool  # False: the partner's release leaves this indicator out
    figure: FigureOut | None


class BreakdownCellOut(Schema):
    partner: str
    figure: FigureOut


class BreakdownRowOut(Schema):
    code: str
    label: str
    cells: list[BreakdownCellOut]
    total: TotalOut


class BreakdownOut(Schema):
    dim: str
    label: str
    additive: bool
    rows: list[BreakdownRowOut]


class IndicatorOut(Schema):
    code: str
    name: str
    partners: list[PartnerFigureOut]
    total: TotalOut
    breakdowns: list[BreakdownOut]


class SideBySideOut(Schema):
    year: int
    period_start: str
    period_end: str
    indicators: list[IndicatorOut]
    available: list[str]
    no_release: list[str]


class SideBySideQuery(Schema):
    year: int | None = None
    indicators: str = ""  # comma-separated indicator codes; empty: every indicator released that year


def _figure(shown: selectors.Shown) -> FigureOut:
    # A withheld figure has no number in the database; "value" is null whatever else is true.
    return FigureOut(
        value=None if shown.withheld else shown.value,
        withheld=shown.withheld,
        noisy=shown.noisy,
        shown=shown.text,
    )


def _total(total: selectors.NetworkTotal) -> TotalOut:
    return TotalOut(
        value=total.value,
        lower_bound=total.lower_bound,
        partners=total.partners,
        partners_with_withheld=total.partners_with_withheld,
        shown=total.text,
        explanation=str(total.explanation),
    )


@router.get("/figures/side-by-side", response=SideBySideOut, url_name="network_figures_side_by_side")
def side_by_side(request: HttpRequest, filters: Query[SideBySideQuery]) -> SideBySideOut:
    """Every partner's current release of a calendar year, indicator by indicator (audited)."""
    selectors.figures_require(actor=request.auth)
    years = selectors.figures_years(actor=request.auth)
    year = filters.year if filters.year is not None else selectors.figures_default_year(years=years)
    if not 2000 <= year <= 2100:
        raise HttpError(422, "year: between 2000 and 2100.")
    codes = [code.strip() for code in filters.indicators.split(",") if code.strip()]
    figures = selectors.side_by_side(actor=request.auth, year=year, indicators=codes, via="api")
    unknown = [code for code in codes if code not in {c for c, _n in figures.available}]
    if unknown:
        raise HttpError(422, f"indicators: not released for {year}: {', '.join(unknown)}.")
    return SideBySideOut(
        year=year,
        period_start=figures.start.isoformat(),
        period_end=figures.end.isoformat(),
        indicators=[
            IndicatorOut(
                code=item.code,
                name=item.name,
                partners=[
                    PartnerFigureOut(
                        partner=f.partner.code,
                        name=f.partner.name,
                        release=f.release.public_id if f.release else None,
                        no_release=f.no_release,
                        in_release=f.in_release and not f.no_release,
                        figure=None if f.no_release or not f.in_release else _figure(f.shown),
                    )
                    for f in item.figures
                ],
                total=_total(item.total),
                breakdowns=[
                    BreakdownOut(
                        dim=b.dim,
                        label=b.label,
                        additive=b.additive,
                        rows=[
                            BreakdownRowOut(
                                code=row.code,
                                label=row.label,
                                cells=[
                                    BreakdownCellOut(partner=p.code, figure=_figure(s)) for p, s in row.cells
                                ],
                                total=_total(row.total),
                            )
                            for row in b.rows
                        ],
                    )
                    for b in item.breakdowns
                ],
            )
            for item in figures.indicators
        ],
        available=[code for code, _name in figures.available],
        no_release=[p.code for p in figures.without_release],
    )
