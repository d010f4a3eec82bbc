"""Reads of released figures across partners: side by side, with network totals from released cells only.

Who: the network coordinator (NETWORK_AGGREGATES_VIEW) and the partners' focal points
(NETWORK_RELEASE); anyone else gets PermissionDenied (a page: 403; a panel: nothing).

What is shown is what the releases room stored: a withheld cell has no number in the database,
so there is none to show — it reads "<11" (fewer than the release's k) or "withheld" (withheld so
that a small count cannot be worked out). A network total adds released cells only; when a
partner's figure is withheld, its released breakdown (if any) still counts towards the total, and
the total is shown as a lower bound ("≥ 240") with the number of partners whose figures include
withheld cells.

Every read of another organisation's released figures is audited through the releases room's
`release_views_record` (in the releasing organisation's chain and the viewer's).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm
from kujdes.network.models import Partner, PartnerStatus
from kujdes.network.releases.models import Release, ReleaseCell, ReleaseStatus, ReleaseTable, WithheldReason
from kujdes.network.releases.selectors import release_get_with_cells, releases_current, releases_visible
from kujdes.network.releases.services import release_views_record

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def actor_may_see_figures(*, actor: User) -> bool:
    """The coordinator and the partners' focal points read released figures side by side."""
    return actor_has_perm(actor=actor, perm=Perm.NETWORK_AGGREGATES_VIEW) or actor_has_perm(
        actor=actor, perm=Perm.NETWORK_RELEASE
    )


def figures_require(*, actor: User) -> None:
    if not actor_may_see_figures(actor=actor):
        raise PermissionDenied


# --- periods ---------------------------------------------------------------------------------------------


def year_period(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def figures_years(*, actor: User) -> list[int]:
    """Calendar years for which at least one partner has a current release of the whole year, newest first."""
    figures_require(actor=actor)
    periods = (
        Release.objects.filter(status=ReleaseStatus.RELEASED)
        .values_list("period_start", "period_end")
        .distinct()
    )
    years = {start.year for start, end in periods if (start, end) == year_period(start.year)}
    return sorted(years, reverse=True)


def figures_default_year(*, years: Sequence[int], today: datetime.date | None = None) -> int:
    """The last complete year that has releases; else the latest year with releases; else last year."""
    today = today or timezone.localdate()
    complete = [year for year in years if year < today.year]
    if complete:
        return max(complete)
    if years:
        return max(years)
    return today.year - 1


def figures_indicators(*, actor: User, year: int) -> list[tuple[str, str]]:
    """(code, name) of every indicator in the current releases of the year (no figures read)."""
    figures_require(actor=actor)
    start, end = year_period(year)
    tables = ReleaseTable.objects.filter(
        release__status=ReleaseStatus.RELEASED,
        release__period_start=start,
        release__period_end=end,
        kind="table",
    ).order_by("release__partner__name", "position", "pk")
    by_code: dict[str, list[ReleaseTable]] = {}
    for table in tables:
        by_code.setdefault(table.indicator_code, []).append(table)
    return [(code, _indicator_name(code, found)) for code, found in by_code.items()]


# --- what is shown ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One figure as it may be shown: its number only when released."""

    value: int | None
    withheld: bool = False
    noisy: bool = False
    text: str = "—"
    reason: str = ""

    @property
    def released(self) -> bool:
        return self.value is not None


NOTHING = Shown(value=None, text="—")


def _shown(cell: ReleaseCell, release: Release) -> Shown:
    if cell.withheld:
        # A small count is "<k"; a cell withheld to protect another may be large: it says so.
        text = f"<{release.k}" if cell.reason == WithheldReason.PRIMARY else _("withheld")
        return Shown(value=None, withheld=True, noisy=cell.noisy, text=text, reason=cell.reason)
    value = int(cell.value) if cell.value is not None else None
    if value is None:
        return NOTHING
    text = f"{value:,}".replace(",", "\u202f")
    return Shown(value=value, noisy=cell.noisy, text=f"≈ {text}" if cell.noisy else text)


@dataclass(frozen=True)
class NetworkTotal:
    """A sum of released cells: exact, or a lower bound when some partner's figure has withheld cells."""

    value: int
    lower_bound: bool
    partners: int  # partners whose figures went into it
    partners_with_withheld: int
    noisy: bool = False

    @property
    def text(self) -> str:
        number = f"{self.value:,}".replace(",", "\u202f")
        return f"≥ {number}" if self.lower_bound else number

    @property
    def explanation(self) -> str:
        if not self.lower_bound:
            return ""
        return ngettext(
            "%(count)s partner's figures include withheld cells; the true total is at least this.",
            "%(count)s partners' figures include withheld cells; the true total is at least this.",
            self.partners_with_withheld,
        ) % {"count": self.partners_with_withheld}


def _total(parts: Sequence[tuple[int, bool]], noisy: bool = False) -> NetworkTotal:
    """(released part, complete) per partner → the network total."""
    incomplete = sum(1 for _part, complete in parts if not complete)
    return NetworkTotal(
        value=sum(part for part, _complete in parts),
        lower_bound=incomplete > 0,
        partners=len(parts),
        partners_with_withheld=incomplete,
        noisy=noisy,
    )


@dataclass
class PartnerFigure:
    partner: Partner
    release: Release | None
    shown: Shown
    released_part: int = 0  # what of it is known from released cells (the figure itself, or its breakdown)
    complete: bool = False  # the figure is released as a number
    in_release: bool = True  # False: the partner's release does not have this indicator

    @property
    def no_release(self) -> bool:
        return self.release is None


@dataclass
class BreakdownRow:
    code: str
    label: str
    cells: list[tuple[Partner, Shown]]
    total: NetworkTotal


@dataclass
class Breakdown:
    dim: str
    label: str
    partners: list[Partner]
    rows: list[BreakdownRow]
    additive: bool = True


@dataclass
class IndicatorFigures:
    code: str
    name: str
    figures: list[PartnerFigure]
    total: NetworkTotal
    breakdowns: list[Breakdown] = field(default_factory=list)

    @property
    def with_release(self) -> list[PartnerFigure]:
        return [figure for figure in self.figures if not figure.no_release and figure.in_release]


@dataclass
class SideBySide:
    year: int
    start: datetime.date
    end: datetime.date
    indicators: list[IndicatorFigures]
    available: list[tuple[str, str]]  # every indicator of the period's releases: (code, name)
    partners: list[Partner]
    without_release: list[Partner]
    releases: list[Release]


def _indicator_name(code: str, tables: Sequence[ReleaseTable]) -> str:
    from kujdes.reports.catalogue import catalogue

    indicator = catalogue().get(code)
    if indicator is not None:
        return indicator.name()
    return next((t.indicator_name for t in tables if t.indicator_name), code)


def _dim_label(dim: str) -> str:
    from kujdes.reports.sources import DISAGGREGATIONS

    return str(DISAGGREGATIONS.get(dim, dim))


def _partner_figure(partner: Partner, release: Release | None, tables: list[ReleaseTable]) -> PartnerFigure:
    if release is None:
        return PartnerFigure(partner=partner, release=None, shown=NOTHING)
    if not tables:
        # The release leaves this indicator out: the partner is not in its total.
        return PartnerFigure(partner=partner, release=release, shown=NOTHING, in_release=False)
    total_cell = next(
        (cell for table in tables for cell in table.cells.all() if cell.is_total and not cell.key), None
    ) or next((cell for table in tables for cell in table.cells.all() if cell.is_total), None)
    if total_cell is not None and not total_cell.withheld and total_cell.value is not None:
        shown = _shown(total_cell, release)
        return PartnerFigure(partner, release, shown, released_part=int(total_cell.value), complete=True)
    # The total is withheld (or missing): an additive breakdown's released cells still count.
    part = 0
    for table in tables:
        if table.additive and len(table.dims) == 1:
            released = [c.value for c in table.cells.all() if not c.is_total and not c.withheld]
            part = max(part, sum(int(v) for v in released if v is not None))
    shown = _shown(total_cell, release) if total_cell is not None else NOTHING
    return PartnerFigure(partner, release, shown, released_part=part, complete=False)


def _breakdowns(
    code: str, figures: list[PartnerFigure], tables_of: dict[tuple[int, str], list[ReleaseTable]]
) -> list[Breakdown]:
    dims: list[str] = []
    for figure in figures:
        if figure.release is None:
            continue
        for table in tables_of.get((figure.release.pk, code), []):
            if len(table.dims) == 1 and table.dims[0] not in dims:
                dims.append(table.dims[0])
    breakdowns = []
    for dim in dims:
        partners: list[Partner] = []
        cells: dict[tuple[str, int], tuple[ReleaseCell, Release]] = {}
        labels: dict[str, str] = {}
        additive = True
        for figure in figures:
            if figure.release is None:
                continue
            table = next(
                (t for t in tables_of.get((figure.release.pk, code), []) if list(t.dims) == [dim]), None
            )
            if table is None:
                continue
            additive = additive and table.additive
            partners.append(figure.partner)
            for cell in table.cells.all():
                if cell.is_total or dim not in cell.key:
                    continue
                value_code = str(cell.key[dim])
                labels.setdefault(value_code, str((cell.labels or {}).get(dim) or value_code))
                cells[(value_code, figure.partner.pk)] = (cell, figure.release)
        rows = []
        for value_code, label in labels.items():
            row_cells = []
            parts = []
            for partner in partners:
                found = cells.get((value_code, partner.pk))
                if found is None:
                    row_cells.append((partner, NOTHING))
                    parts.append((0, False))
                    continue
                shown = _shown(*found)
                row_cells.append((partner, shown))
                parts.append((shown.value or 0, shown.released))
            noisy = any(shown.noisy for _p, shown in row_cells)
            rows.append(BreakdownRow(value_code, label, row_cells, _total(parts, noisy)))
        breakdowns.append(
            Breakdown(dim=dim, label=_dim_label(dim), partners=partners, rows=rows, additive=additive)
        )
    return breakdowns


def _network_partners(releases: Sequence[Release]) -> list[Partner]:
    """Active partners, and any other partner that has a release shown."""
    with_release = {release.partner_id for release in releases}
    partners = Partner.objects.filter(status=PartnerStatus.ACTIVE) | Partner.objects.filter(
        pk__in=with_release
    )
    return list(partners.distinct().order_by("name", "pk"))


def side_by_side(
    *, actor: User, year: int, indicators: Sequence[str] = (), via: str = "figures"
) -> SideBySide:
    """Every partner's current release of the calendar year, indicator by indicator (all when none chosen).

    Audited: a read of another organisation's release is recorded in its chain (`via` says where).
    """
    figures_require(actor=actor)
    start, end = year_period(year)
    releases = releases_current(actor=actor, period_start=start, period_end=end, audit=False)
    if releases:
        release_views_record(actor=actor, releases=releases, via=via)
    by_partner = {release.partner_id: release for release in releases}
    tables_of: dict[tuple[int, str], list[ReleaseTable]] = {}
    available: dict[str, list[ReleaseTable]] = {}
    for release in releases:
        for table in release.tables.all():
            if table.kind != "table":
                continue
            tables_of.setdefault((release.pk, table.indicator_code), []).append(table)
            available.setdefault(table.indicator_code, []).append(table)
    available_names = [(code, _indicator_name(code, tables)) for code, tables in available.items()]
    chosen = [code for code in indicators if code in available] or list(available)
    partners = _network_partners(releases)
    items = []
    for code in chosen:
        figures = [
            _partner_figure(
                partner,
                by_partner.get(partner.pk),
                tables_of.get((by_partner[partner.pk].pk, code), []) if partner.pk in by_partner else [],
            )
            for partner in partners
        ]
        counted = [f for f in figures if f.release is not None and f.in_release]
        total = _total([(f.released_part, f.complete) for f in counted], any(f.shown.noisy for f in counted))
        items.append(
            IndicatorFigures(
                code=code,
                name=_indicator_name(code, available[code]),
                figures=figures,
                total=total,
                breakdowns=_breakdowns(code, figures, tables_of),
            )
        )
    return SideBySide(
        year=year,
        start=start,
        end=end,
        indicators=items,
        available=available_names,
        partners=partners,
        without_release=[p for p in partners if p.pk not in by_partner],
        releases=releases,
    )


# --- one partner ---------------------------------------------------------------------------------------


@dataclass
class ReleaseHeadline:
    release: Release
    totals: list[tuple[str, str, Shown]]  # (indicator code, name, total)


def partner_current_figures(*, actor: User, partner: Partner) -> list[ReleaseHeadline]:
    """The partner's current releases (every period) with each table's total; audited when foreign."""
    figures_require(actor=actor)
    current = releases_visible(
        actor=actor, partner_code=partner.code, current_only=True, include_drafts=False
    )
    releases = [release_get_with_cells(actor=actor, public_id=str(r.public_id)) for r in current[:6]]
    if releases:
        release_views_record(actor=actor, releases=releases, via="partner_page")
    headlines = []
    for release in releases:
        totals = []
        seen: set[str] = set()
        for table in release.tables.all():
            if table.kind != "table" or table.indicator_code in seen:
                continue
            cell = next((c for c in table.cells.all() if c.is_total), None)
            if cell is None:
                continue
            seen.add(table.indicator_code)
            totals.append(
                (table.indicator_code, _indicator_name(table.indicator_code, [table]), _shown(cell, release))
            )
        headlines.append(ReleaseHeadline(release=release, totals=totals))
    return headlines


def release_for_download(*, actor: User, public_id: str) -> Release:
    """A published release with its tables and cells (Release.DoesNotExist → 404); audited when foreign."""
    figures_require(actor=actor)
    release = release_get_with_cells(actor=actor, public_id=public_id)
    if release.is_draft:
        raise Release.DoesNotExist
    release_views_record(actor=actor, releases=[release], via="download")
    return release
