"""Pages and downloads of released figures across partners; the panels of the network's pages."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kujdes.accounts.reauth import reauthentication_required, recently_authenticated
from kujdes.core.exports import ExportFormat, ExportTooLarge, export_response
from kujdes.network.figures import selectors, services
from kujdes.network.figures.forms import FiguresForm
from kujdes.network.models import Partner
from kujdes.network.releases.models import Release
from kujdes.network.releases.selectors import actor_release_organisation_ids, release_can_prepare, release_get
from kujdes.reports.charts import bars_svg

# The dashboard panel shows this many indicators; the page shows every chosen one.
PANEL_INDICATORS = 4


def _chart(item: selectors.IndicatorFigures, table_id: str) -> str:
    rows = [
        (figure.partner.own_name(), figure.shown.value, figure.shown.text) for figure in item.with_release
    ]
    return bars_svg(rows, title=item.name, described_by=table_id)


def _charted(figures: selectors.SideBySide, prefix: str) -> list[dict[str, Any]]:
    entries = []
    for index, item in enumerate(figures.indicators):
        table_id = f"{prefix}-{index}"
        entries.append({"item": item, "table_id": table_id, "chart": _chart(item, table_id)})
    return entries


def _choices(request: HttpRequest) -> tuple[FiguresForm, int, list[str]]:
    """The year and indicators asked for, checked; the defaults when they are missing or wrong."""
    years = selectors.figures_years(actor=request.user)
    default = selectors.figures_default_year(years=years)
    raw_year = request.GET.get("year", "")
    year = int(raw_year) if raw_year.isdigit() and int(raw_year) in years else default
    available = selectors.figures_indicators(actor=request.user, year=year)
    choices = sorted({default, *years}, reverse=True)
    form = FiguresForm(request.GET or None, years=choices, indicators=available)
    indicators: list[str] = []
    if form.is_bound and form.is_valid():
        indicators = list(form.cleaned_data.get("indicators") or [])
    elif form.is_bound:
        # Keep what was typed where it is valid; the form shows what was not.
        known = {code for code, _name in available}
        indicators = [code for code in request.GET.getlist("indicators") if code in known]
    return form, year, indicators


@require_GET
def figures_page(request: HttpRequest) -> HttpResponse:
    """Released figures of every partner for one year, side by side (coordinator and focal points)."""
    selectors.figures_require(actor=request.user)
    form, year, indicators = _choices(request)
    figures = selectors.side_by_side(actor=request.user, year=year, indicators=indicators, via="figures_page")
    return render(
        request,
        "network_figures/figures.html",
        {
            "form": form,
            "figures": figures,
            "charted": _charted(figures, "figures"),
            "query": request.GET.urlencode(),
            "own_organisations": actor_release_organisation_ids(actor=request.user),
        },
    )


@require_GET
def figures_export(request: HttpRequest, export_format: str) -> HttpResponse:
    """The side-by-side table as CSV or XLSX (no withheld number can be in it: none is stored)."""
    selectors.figures_require(actor=request.user)
    if export_format not in (ExportFormat.CSV, ExportFormat.XLSX):
        raise Http404
    _form, year, indicators = _choices(request)
    figures = selectors.side_by_side(actor=request.user, year=year, indicators=indicators, via="export")
    try:
        export = services.side_by_side_export(
            actor=request.user, figures=figures, export_format=export_format
        )
    except ExportTooLarge as error:
        messages.error(request, str(error))
        return figures_page(request)
    return export_response(export)


def _release(request: HttpRequest, public_id: uuid.UUID) -> Release:
    try:
        return selectors.release_for_download(actor=request.user, public_id=str(public_id))
    except Release.DoesNotExist:
        raise Http404 from None


@require_GET
def release_sds(request: HttpRequest, public_id: uuid.UUID, position: int) -> HttpResponse:
    """A differentially private table of a release as Synthetic Data Showcase aggregates (.tsv)."""
    selectors.figures_require(actor=request.user)
    release = _release(request, public_id)
    return export_response(
        services.release_sds_export(actor=request.user, release=release, position=position)
    )


@require_GET
def release_ctdc(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A release's CTDC table in CTDC's columns, one row per record (.csv)."""
    selectors.figures_require(actor=request.user)
    release = _release(request, public_id)
    return export_response(services.release_ctdc_export(actor=request.user, release=release))


# --- panels ------------------------------------------------------------------------------------------


def dashboard_panel(request: HttpRequest, obj: Any) -> str | None:
    """The network's home: the last complete year's releases side by side (nothing for others)."""
    if not selectors.actor_may_see_figures(actor=request.user):
        return None
    years = selectors.figures_years(actor=request.user)
    year = selectors.figures_default_year(years=years)
    figures = selectors.side_by_side(actor=request.user, year=year, via="dashboard")
    shown = figures.indicators[:PANEL_INDICATORS]
    figures.indicators = shown
    return render_to_string(
        "network_figures/panel_dashboard.html",
        {
            "figures": figures,
            "charted": _charted(figures, "panel-figures"),
            "more": len(figures.available) > len(shown),
        },
        request=request,
    )


def partner_panel(request: HttpRequest, obj: Partner) -> str | None:
    """A partner's page: its current releases and their headline totals (nothing for others)."""
    if not selectors.actor_may_see_figures(actor=request.user):
        return None
    headlines = selectors.partner_current_figures(actor=request.user, partner=obj)
    return render_to_string(
        "network_figures/panel_partner.html", {"partner": obj, "headlines": headlines}, request=request
    )


@require_http_methods(["GET", "POST"])
@reauthentication_required
def release_ctdc_make(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A focal point adds the CTDC-coded table to their organisation's current release (once)."""
    selectors.figures_require(actor=request.user)
    try:
        release = release_get(actor=request.user, public_id=str(public_id))
    except Release.DoesNotExist:
        raise Http404 from None
    if not release_can_prepare(actor=request.user, release=release):
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.ctdc_table_release(
                actor=request.user, release=release, recently_authenticated=recently_authenticated(request)
            )
        except services.CtdcError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The CTDC table was added to the release."))
            return redirect("network_figures_release_ctdc_make", public_id=release.public_id)
    return render(
        request,
        "network_figures/ctdc_make.html",
        {"release": release, "has_table": release.tables.filter(kind="ctdc").exists()},
    )
