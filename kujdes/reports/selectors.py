"""Reads of the reports room: whose figures an actor may see, for which period, with which small-cell rule.

An actor reports on the units where they hold `reports.view` (programme managers, case workers and field
educators: their unit subtree; viewers and organisation administrators: the whole organisation). Cells
are hidden below the organisation's threshold unless the actor may see the persons of every unit in the
chosen scope (`person.view`), consistently across every unit, period and breakdown they can ask for
(kujdes/reports/protection.py); such readers choose a year, a quarter or a month.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kujdes.core.models import Organisation, Unit
from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.programme.selectors import age_groups_for
from kujdes.reports.catalogue import Indicator, catalogue
from kujdes.reports.engine import Engine, Figure
from kujdes.reports.models import DEFAULT_SMALL_CELL_THRESHOLD, ReportFile, ReportSettings, SavedReport
from kujdes.reports.protection import Protection, Tree, slot_of
from kujdes.reports.sources import Context

if TYPE_CHECKING:
    from kujdes.accounts.models import User


class ScopeError(LookupError):
    """The actor may not report on the unit asked for (→ 404), or on anything at all (→ 403)."""


@dataclass(frozen=True)
class Scope:
    organisation: Organisation
    unit: Unit  # the chosen unit: figures cover it and the units below it that the actor reaches
    unit_ids: tuple[int, ...]
    units: tuple[Unit, ...]  # every unit the actor may choose, in tree order
    threshold: int  # 0: no small-cell suppression
    known_unit_ids: tuple[int, ...] = ()  # units of the organisation whose persons the actor may see

    @property
    def suppressed(self) -> bool:
        return self.threshold > 0


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _reportable_units(actor: User) -> QuerySet[Unit]:
    return (
        units_for_actor(actor=actor, perm=Perm.REPORTS_VIEW)
        .select_related("organisation")
        .order_by("organisation_id", "path")
    )


def report_scope(*, actor: User, unit_public_id: str | None = None) -> Scope:
    """The actor's reporting scope, narrowed to a unit's subtree when one is given."""
    units = list(_reportable_units(actor))
    if not units:
        raise ScopeError("no reporting scope")
    if unit_public_id:
        chosen = next((u for u in units if str(u.public_id) == str(unit_public_id)), None)
        if chosen is None:
            raise ScopeError("unit outside the scope")
    else:
        chosen = min(units, key=lambda u: (u.organisation_id != units[0].organisation_id, u.depth, u.path))
    in_org = [u for u in units if u.organisation_id == chosen.organisation_id]
    unit_ids = tuple(u.pk for u in in_org if u.path.startswith(chosen.path))
    person_units = set(units_for_actor(actor=actor, perm=Perm.PERSON_VIEW).values_list("pk", flat=True))
    threshold = (
        0 if set(unit_ids) <= person_units else small_cell_threshold(organisation_id=chosen.organisation_id)
    )
    return Scope(
        organisation=chosen.organisation,
        unit=chosen,
        unit_ids=unit_ids,
        units=tuple(in_org),
        threshold=threshold,
        known_unit_ids=tuple(sorted(person_units)) if threshold else (),
    )


def small_cell_threshold(*, organisation_id: int) -> int:
    stored = (
        ReportSettings.objects.filter(organisation_id=organisation_id)
        .values_list("small_cell_threshold", flat=True)
        .first()
    )
    return stored or DEFAULT_SMALL_CELL_THRESHOLD


def report_settings_get(*, organisation: Organisation) -> ReportSettings:
    return ReportSettings.objects.filter(organisation=organisation).first() or ReportSettings(
        organisation=organisation
    )


# --- periods ---------------------------------------------------------------------------------------


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def period_year(year: int) -> Period:
    return Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), str(year))


def period_quarter(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    return Period(datetime.date(year, first, 1), _month_end(year, first + 2), f"{year} T{quarter}")


def period_month(year: int, month: int) -> Period:
    return Period(datetime.date(year, month, 1), _month_end(year, month), f"{year}-{month:02d}")


def period_custom(start: datetime.date, end: datetime.date) -> Period:
    return Period(start, end, f"{start.isoformat()} – {end.isoformat()}")


def period_relative(kind: str, *, today: datetime.date | None = None) -> Period:
    """The periods a saved report can name: last month, last quarter, this year to date, last year."""
    today = today or timezone.localdate()
    if kind == "last_month":
        last = today.replace(day=1) - datetime.timedelta(days=1)
        return period_month(last.year, last.month)
    if kind == "last_quarter":
        quarter = (today.month - 1) // 3  # the current quarter's index, 0-based
        year = today.year if quarter else today.year - 1
        return period_quarter(year, quarter or 4)
    if kind == "last_year":
        return period_year(today.year - 1)
    return Period(datetime.date(today.year, 1, 1), today, _("{year} to date").format(year=today.year))


class PeriodError(ValueError):
    pass


MIN_YEAR, MAX_DAYS = 2000, 3 * 366 + 1


def period_from_params(params: Mapping[str, Any], *, today: datetime.date | None = None) -> Period:
    """A period from query parameters: year (+ quarter or month), or from/to dates. Default: this year."""
    today = today or timezone.localdate()
    try:
        if params.get("from") or params.get("to"):
            start = datetime.date.fromisoformat(str(params.get("from", "")))
            end = datetime.date.fromisoformat(str(params.get("to", "")))
            if end < start:
                raise PeriodError(_("The end of the period is before its start."))
            if (end - start).days + 1 > MAX_DAYS:
                raise PeriodError(_("A period can be at most three years long."))
            if start.year < MIN_YEAR:
                raise PeriodError(_("Enter a period from the year 2000 on."))
            return period_custom(start, end)
        year = int(params.get("year") or today.year)
        if not MIN_YEAR <= year <= today.year + 1:
            raise PeriodError(_("Enter a year between 2000 and next year."))
        if params.get("quarter"):
            quarter = int(params["quarter"])
            if not 1 <= quarter <= 4:
                raise PeriodError(_("A quarter is 1, 2, 3 or 4."))
            return period_quarter(year, quarter)
        if params.get("month"):
            month = int(params["month"])
            if not 1 <= month <= 12:
                raise PeriodError(_("A month is between 1 and 12."))
            return period_month(year, month)
        return period_year(year)
    except (TypeError, ValueError) as error:
        if isinstance(error, PeriodError):
            raise
        raise PeriodError(
            _("Enter the period as a year, a quarter, a month or two dates (YYYY-MM-DD).")
        ) from error


def period_for_scope(*, scope: Scope, period: Period, widen: bool = False) -> Period:
    """The period as a reader of this scope may have it: anyone, any period; a reader whose small cells
    are hidden, a year, a quarter or a month only (any other period would let two answers be subtracted
    into a hidden one). PeriodError otherwise; with `widen` (a saved report's dates or "this year to
    date"), the smallest year, quarter or month around it instead, within one year."""
    if not scope.suppressed or slot_of(period.start, period.end) is not None:
        return period
    if widen and period.start.year == period.end.year:
        year = period.start.year
        q_start, q_end = (period.start.month - 1) // 3, (period.end.month - 1) // 3
        if period.start.month == period.end.month:
            return period_month(year, period.start.month)
        if q_start == q_end:
            return period_quarter(year, q_start + 1)
        return period_year(year)
    raise PeriodError(
        _(
            "Small figures are hidden in your reports: choose a year, a quarter or a month (other periods "
            "could be subtracted from one another to work a hidden figure out)."
        )
    )


# --- figures ---------------------------------------------------------------------------------------


def report_context(*, scope: Scope, period: Period, language: str | None = None) -> Context:
    return Context(
        organisation_id=scope.organisation.pk,
        unit_ids=scope.unit_ids,
        start=period.start,
        end=period.end,
        language=(language or get_language() or "sq")[:2],
        age_bounds=tuple(age_groups_for(organisation_id=scope.organisation.pk)),
    )


def protection_for(*, scope: Scope, period: Period, language: str | None = None) -> Protection | None:
    """The small-cell pattern a reader of this scope sees (None: nothing hidden from them)."""
    if not scope.suppressed:
        return None
    slot = slot_of(period.start, period.end)
    year = slot.year if slot else period.start.year
    tree = Tree.build(
        Unit.objects.filter(organisation_id=scope.organisation.pk).values_list("pk", "parent_id", "path")
    )
    return Protection(
        organisation_id=scope.organisation.pk,
        tree=tree,
        year=year,
        threshold=scope.threshold,
        language=(language or get_language() or "sq")[:2],
        age_bounds=tuple(age_groups_for(organisation_id=scope.organisation.pk)),
        known_units=scope.known_unit_ids,
    )


def _protect(
    figure: Figure, *, protection: Protection | None, engine: Engine, scope: Scope, period: Period
) -> Figure:
    if protection is None:
        return figure
    slot = slot_of(period.start, period.end)
    if slot is None or set(scope.unit_ids) != set(protection.tree.units(("s", scope.unit.pk))):
        # Not a period or a unit of the hierarchy (refused before this point): hide every personal cell.
        return protection.hide_all(figure, engine=engine)
    return protection.apply(figure, engine=engine, unit=scope.unit.pk, slot=slot)


def _prefill(
    engine: Engine,
    indicator: Indicator,
    *,
    protection: Protection | None,
    scope: Scope,
    period: Period,
    dims: Sequence[str],
) -> None:
    """The protection counts every unit of the tree from the indicator's rows: the page's engine takes
    its own figures from them rather than asking the database again."""
    slot = slot_of(period.start, period.end)
    if protection is not None and slot is not None:
        protection.values.prefill(engine, indicator, node=("s", scope.unit.pk), slot=slot, dims=dims)


def figures_compute(
    *,
    scope: Scope,
    period: Period,
    indicators: Sequence[Indicator],
    dims: Sequence[str] | None = None,
    trend: bool = False,
    language: str | None = None,
) -> tuple[list[Figure], Engine]:
    """Each indicator's figure, breakdowns (its chart's when `dims` is None) and trend; small cells hidden
    the same way in every view the reader can ask for."""
    engine = Engine(report_context(scope=scope, period=period, language=language))
    protection = protection_for(scope=scope, period=period, language=language)
    figures = []
    for indicator in indicators:
        wanted = ([indicator.chart] if indicator.chart else []) if dims is None else list(dims)
        _prefill(engine, indicator, protection=protection, scope=scope, period=period, dims=wanted)
        figure = engine.figure(indicator, dims=wanted, trend=trend and indicator.trend)
        figures.append(_protect(figure, protection=protection, engine=engine, scope=scope, period=period))
    return figures, engine


DASHBOARD_CACHE_SECONDS = 600


@dataclass(frozen=True)
class Dashboard:
    figures: list[Figure]
    computed_at: datetime.datetime
    cached: bool


def dashboard_figures(*, scope: Scope, period: Period, refresh: bool = False) -> Dashboard:
    """Every indicator's figure and trend; the headline indicators' charts. Kept ten minutes.

    The figures are aggregates, already reduced by the scope's small-cell rule, and the cache key holds
    everything they depend on (organisation, units, period, threshold, language, age groups), so two
    users share them only when they would see the same figures. `refresh` computes them again.
    """
    language = (get_language() or "sq")[:2]
    key = (
        "reports:dashboard:"
        + hashlib.sha256(
            repr(
                (
                    scope.organisation.pk,
                    scope.unit_ids,
                    period.start,
                    period.end,
                    scope.threshold,
                    scope.known_unit_ids,
                    language,
                    age_groups_for(organisation_id=scope.organisation.pk),
                    tuple(catalogue()),
                )
            ).encode()
        ).hexdigest()
    )
    if not refresh:
        found = cache.get(key)
        if found is not None:
            return Dashboard(figures=found[0], computed_at=found[1], cached=True)
    engine = Engine(report_context(scope=scope, period=period, language=language))
    protection = protection_for(scope=scope, period=period, language=language)
    figures = []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The distinct counts sort tens of thousands of rows: in memory rather than on disk.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '32MB'")
        computed = []
        for indicator in catalogue().values():
            dims = [indicator.chart] if indicator.chart and indicator.headline else []
            _prefill(engine, indicator, protection=protection, scope=scope, period=period, dims=dims)
            computed.append(engine.figure(indicator, dims=dims, trend=indicator.trend))
        # Every figure first, then the small cells: a ratio's or a sum's cells rest on other indicators'.
        for figure in computed:
            figures.append(_protect(figure, protection=protection, engine=engine, scope=scope, period=period))
    computed_at = timezone.now()
    cache.set(key, (figures, computed_at), DASHBOARD_CACHE_SECONDS)
    return Dashboard(figures=figures, computed_at=computed_at, cached=False)


def indicators_get(codes: Sequence[str]) -> list[Indicator]:
    """The catalogue's indicators with these codes, in the catalogue's order; unknown codes are ignored."""
    wanted = set(codes)
    return [indicator for code, indicator in catalogue().items() if code in wanted]


# --- saved reports ----------------------------------------------------------------------------------


def saved_reports_for(*, actor: User) -> QuerySet[SavedReport]:
    """The actor's own saved reports, on units they may still report on."""
    unit_ids = _reportable_units(actor).values("pk")
    return SavedReport.objects.filter(owner=actor, unit_id__in=unit_ids).select_related("unit")


def saved_report_get(*, actor: User, public_id: str) -> SavedReport:
    return saved_reports_for(actor=actor).get(public_id=public_id)


def report_files_for(*, report: SavedReport) -> QuerySet[ReportFile]:
    return ReportFile.objects.filter(report=report).defer("content")


def report_file_get(*, actor: User, public_id: str) -> ReportFile:
    return ReportFile.objects.select_related("report").get(
        public_id=public_id, report__in=saved_reports_for(actor=actor)
    )
