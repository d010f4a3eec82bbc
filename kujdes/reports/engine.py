"""Computes indicators: SQL built from the catalogue and the sources, run in the caller's scope.

The rows of an indicator's sources are pooled (UNION ALL) and aggregated once, so a person with a
participation, a service and a case contact is one direct beneficiary. A breakdown by a disaggregation
counts each person once under each value they hold: breakdowns by event attributes (unit, activity type,
exploitation type…) may add up to more than the total, which is said next to them.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import DateField, Exists, F, OuterRef, Q, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, ExtractMonth, TruncMonth
from django.utils.translation import pgettext

from kujdes.reports.catalogue import DAYS_STATISTICS, Indicator, catalogue
from kujdes.reports.sources import DISAGGREGATIONS, SOURCES, Context, Field, Source

NOT_RECORDED = "__none__"
# The one line that stands for a breakdown's hidden lines (kujdes/reports/protection.py).
HIDDEN_LINES = "__hidden__"
# Pseudo-disaggregations: the unit a source's row belongs to (the one its scope filters on), and the
# number of the month of its trend (cheaper to fetch than a date).
UNIT_COLUMN = "__unit__"
MONTH_NUMBER = "__month__"
Number = int | float | Decimal


def hidden_text() -> str:
    """How a hidden cell reads: the same for every hidden cell, small or hidden to protect a small one
    (readers learn nothing of which: kujdes/reports/protection.py)."""
    return pgettext("a hidden figure", "hidden")


@dataclass
class Cell:
    value: Number | None
    suppressed: bool = False

    def shown(self, threshold: int, *, percent: bool = False) -> str:
        if self.suppressed:
            return hidden_text()
        if self.value is None:
            return "–"
        if percent:
            return f"{float(self.value):.1f} %"
        if isinstance(self.value, Decimal | float) and self.value != int(self.value):
            return f"{float(self.value):,.1f}"
        return f"{int(self.value):,}"


@dataclass
class Row:
    code: Any
    label: str
    cell: Cell


@dataclass
class Breakdown:
    dim: str
    rows: list[Row]
    additive: bool

    @property
    def label(self) -> str:
        return str(DISAGGREGATIONS[self.dim])


@dataclass
class Figure:
    indicator: Indicator
    total: Cell
    breakdowns: list[Breakdown] = field(default_factory=list)
    trend: list[tuple[datetime.date, Cell]] = field(default_factory=list)

    @property
    def percent(self) -> bool:
        return self.indicator.formula == "ratio"


# Raw results: {group code: number}; the key None holds the total.
Raw = dict[Any, Number | None]


class Engine:
    """One computation: a context, results kept so ratios and totals reuse their parts."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._memo: dict[tuple[str, str], Raw] = {}
        self._counts: dict[tuple[str, str], dict[Any, int]] = {}
        self.queries = 0

    # --- the public entry -------------------------------------------------------------------

    def figure(self, indicator: Indicator, *, dims: Sequence[str] = (), trend: bool = False) -> Figure:
        self.prefetch(indicator, dims=dims, trend=trend)
        figure = Figure(indicator=indicator, total=Cell(self.raw(indicator, "").get(None)))
        for dim in dims:
            if dim not in self.dims_of(indicator):
                continue
            raw = self.raw(indicator, dim)
            labels = self._labels(indicator, dim, [code for code in raw if code != NOT_RECORDED])
            rows = [
                Row(code, labels.get(None if code == NOT_RECORDED else code, str(code)), Cell(value))
                for code, value in raw.items()
            ]
            figure.breakdowns.append(
                Breakdown(dim=dim, rows=_sorted(dim, rows), additive=self._additive(indicator, dim))
            )
        if trend:
            raw = self.raw(indicator, "month")
            figure.trend = [
                (month, Cell(raw.get(month, 0))) for month in _months(self.ctx.start, self.ctx.end)
            ]
        return figure

    def dims_of(self, indicator: Indicator) -> tuple[str, ...]:
        return dims_allowed(indicator)

    # --- raw figures ------------------------------------------------------------------------

    def prefetch(self, indicator: Indicator, *, dims: Sequence[str] = (), trend: bool = False) -> None:
        """On PostgreSQL: an indicator's total, breakdowns and trend from one pass over its rows.

        `GROUP BY GROUPING SETS` aggregates the pooled rows once for every grouping; for an indicator
        counting events it also counts the persons behind them (what small cells are judged on). Other
        databases, flag-valued disaggregations and derived indicators are computed one by one.
        """
        if connection.vendor != "postgresql" or indicator.formula not in (
            "distinct",
            "events",
            "sum",
            "relatives",
        ):
            return
        wanted = [
            d
            for d in dims
            if d in dims_allowed(indicator) and self._field(indicator, d).kind == "group"  # type: ignore[union-attr]
        ]
        columns = {f"g{index}": dim for index, dim in enumerate(wanted)}
        if trend:
            columns["m"] = "month"
        keys = ["", *columns.values()]
        if all((indicator.code, key) in self._memo for key in keys):
            return
        persons = indicator.formula == "events" and indicator.personal
        parts = [self._part_columns(indicator, source, columns) for source in indicator.sources]
        union = " UNION ALL ".join(sql for sql, _ in parts)
        params = [p for _, part_params in parts for p in part_params]
        aggregate = {
            "distinct": "COUNT(DISTINCT t.e)",
            "relatives": "COUNT(DISTINCT t.e)",
            "events": "COUNT(*)",
        }.get(indicator.formula, "SUM(t.v)")
        aliases = list(columns)
        flags = ", ".join(f"GROUPING(t.{alias})" for alias in aliases)
        sets = ", ".join(["()", *[f"(t.{alias})" for alias in aliases]])
        select = ", ".join(
            [
                *([flags] if flags else []),
                *[f"t.{alias}" for alias in aliases],
                aggregate,
                "COUNT(DISTINCT t.e)" if persons else "NULL",
            ]
        )
        sql = f"SELECT {select} FROM ({union}) t GROUP BY GROUPING SETS ({sets})"  # noqa: S608 - as _aggregate
        results: dict[str, Raw] = {key: {} for key in keys}
        counted: dict[str, Raw] = {key: {} for key in keys}
        for row in self._fetch(sql, params):
            grouping, values, value, people = (
                row[: len(aliases)],
                row[len(aliases) : 2 * len(aliases)],
                row[-2],
                row[-1],
            )
            open_ = [index for index, flag in enumerate(grouping) if flag == 0]
            if not open_:
                key, code = "", None
            else:
                index = open_[0]
                key = columns[aliases[index]]
                code = values[index]
                code = _as_date(code) if key == "month" else (NOT_RECORDED if code in (None, "") else code)
            results[key][code] = value or 0
            counted[key][code] = people or 0
        for key in keys:
            found = results[key] or ({None: 0} if key == "" else {})
            self._memo[(indicator.code, key)] = found
            if persons:
                self._memo[(f"{indicator.code}:persons", key)] = counted[key] or (
                    {None: 0} if key == "" else {}
                )

    def raw(self, indicator: Indicator, dim: str) -> Raw:
        key = (indicator.code, dim)
        if key not in self._memo:
            self._memo[key] = self._compute(indicator, dim)
        return self._memo[key]

    def _compute(self, indicator: Indicator, dim: str) -> Raw:
        formula = indicator.formula
        if formula == "ratio":
            numerator = self.raw(catalogue()[indicator.numerator], dim)
            denominator = self.raw(catalogue()[indicator.denominator], dim)
            return {
                code: (Decimal(numerator.get(code) or 0) * 100 / Decimal(value) if value else None)
                for code, value in denominator.items()
            }
        if formula == "total":
            result: Raw = {}
            for code in indicator.parts:
                for key, value in self.raw(catalogue()[code], dim).items():
                    result[key] = (result.get(key) or 0) + (value or 0)
            return result or {None: 0}
        if formula in DAYS_STATISTICS:
            return self._days_statistic(indicator, dim)
        return self._aggregate(indicator, dim)

    def _aggregate(self, indicator: Indicator, dim: str) -> Raw:
        field_ = self._field(indicator, dim)
        flags = field_ is not None and field_.kind == "flags"
        parts = [self._part(indicator, source, dim) for source in indicator.sources]
        union = " UNION ALL ".join(sql for sql, _ in parts)
        params: list[Any] = [p for _, part_params in parts for p in part_params]
        formula = indicator.formula
        if flags:
            codes = list(field_.codes)
            columns = [self._flag_aggregate(formula, "t.f LIKE %s") for _ in codes]
            columns.append(self._flag_aggregate(formula, "(t.f IS NULL OR t.f = %s)"))
            sql = f"SELECT {', '.join(columns)} FROM ({union}) t"  # noqa: S608 - Django-built parts, values as parameters
            values = self._fetch(sql, [*[f'%"{code}"%' for code in codes], "[]", *params])
            row = values[0] if values else [0] * (len(codes) + 1)
            result: Raw = {code: row[index] or 0 for index, code in enumerate(codes)}
            result[NOT_RECORDED] = row[-1] or 0
            return {code: value for code, value in result.items() if value}
        aggregate = {"distinct": "COUNT(DISTINCT t.e)", "events": "COUNT(*)", "sum": "SUM(t.v)"}[
            formula if formula != "relatives" else "distinct"
        ]
        if not dim:
            rows = self._fetch(f"SELECT {aggregate} FROM ({union}) t", params)  # noqa: S608 - Django-built parts, values as parameters
            return {None: (rows[0][0] if rows else 0) or 0}
        rows = self._fetch(f"SELECT t.g, {aggregate} FROM ({union}) t GROUP BY t.g", params)  # noqa: S608 - Django-built parts, values as parameters
        if dim == "month":
            return {_as_date(code): value or 0 for code, value in rows}
        return {(NOT_RECORDED if code in (None, "") else code): value or 0 for code, value in rows}

    @staticmethod
    def _flag_aggregate(formula: str, condition: str) -> str:
        if formula in ("distinct", "relatives"):
            return f"COUNT(DISTINCT CASE WHEN {condition} THEN t.e END)"
        if formula == "events":
            return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"
        return f"SUM(CASE WHEN {condition} THEN t.v ELSE 0 END)"

    def _days_statistic(self, indicator: Indicator, dim: str) -> Raw:
        """The median or mean of the days between two dates of each row, per breakdown value."""
        groups: dict[Any, list[int]] = {}
        for source_name in indicator.sources:
            source = SOURCES[source_name]
            start, end = source.fields[indicator.value].expr  # type: ignore[misc]
            queryset = self._queryset(indicator, source)
            field_ = source.fields.get(dim) if dim not in ("", "month") else None
            if dim == "month":
                queryset = queryset.annotate(
                    _g=TruncMonth(source.date_expression(self.ctx), output_field=DateField())
                )
            elif field_ is not None and field_.kind == "group":
                queryset = queryset.annotate(_g=field_.expression(self.ctx))
            else:
                queryset = queryset.annotate(_g=RawSQL("NULL", []))
            self.queries += 1
            for group, first, last in queryset.values_list("_g", start, end):
                key = (
                    None
                    if not dim
                    else (
                        _as_date(group)
                        if dim == "month"
                        else (NOT_RECORDED if group in (None, "") else group)
                    )
                )
                groups.setdefault(key, []).append((last - first).days)
        if indicator.formula == "mean":
            result: Raw = {key: round(statistics.fmean(values), 1) for key, values in groups.items()}
        else:
            result = {key: statistics.median(values) for key, values in groups.items()}
        self._counts[(indicator.code, dim)] = {key: len(values) for key, values in groups.items()}
        return result if result or dim else {None: None}

    # --- SQL of one source ------------------------------------------------------------------

    def _queryset(self, indicator: Indicator, source: Source) -> Any:
        ctx = self.ctx
        queryset = source.model.objects.filter(**{source.organisation: ctx.organisation_id})
        if source.unit:
            queryset = queryset.filter(**{f"{source.unit}__in": ctx.unit_ids})
        queryset = queryset.filter(source.period(ctx)).filter(source.base)
        for name, values in indicator.filters.items():
            field_ = source.fields[name]
            if field_.kind == "flags":
                alias = f"_filter_{name}"
                queryset = queryset.annotate(**{alias: Cast(field_.expression(ctx), TextField())})
                condition = Q()
                for value in values:
                    condition |= Q(**{f"{alias}__contains": f'"{value}"'})
                queryset = queryset.filter(condition)
            else:
                alias = f"_filter_{name}"
                queryset = queryset.annotate(**{alias: field_.expression(ctx)}).filter(
                    **{f"{alias}__in": list(values)}
                )
        if indicator.formula == "relatives":
            # A relation counts when its anchor is one of the other indicator's persons and the relative is
            # not: per relation, an EXISTS on each of that indicator's sources (index lookups).
            of = catalogue()[indicator.of]
            queryset = queryset.filter(self._member(of, source.anchor)).exclude(
                self._member(of, source.entity)
            )
        return queryset.order_by()

    def _member(self, indicator: Indicator, path: str) -> Q:
        """The row's person at `path` is one of the indicator's persons."""
        condition = Q()
        for name in indicator.sources:
            source = SOURCES[name]
            condition |= Q(
                Exists(self._queryset(indicator, source).filter(**{source.entity: OuterRef(path)}))
            )
        return condition

    def _part(self, indicator: Indicator, source_name: str, dim: str) -> tuple[str, tuple[Any, ...]]:
        flags = bool(dim) and dim != "month" and self._field(indicator, dim).kind == "flags"  # type: ignore[union-attr]
        return self._part_columns(indicator, source_name, {("f" if flags else "g"): dim} if dim else {})

    def _part_columns(
        self, indicator: Indicator, source_name: str, columns: dict[str, str]
    ) -> tuple[str, tuple[Any, ...]]:
        """A source's rows as SQL: the entity `e`, a sum's value `v`, and a column per disaggregation."""
        source = SOURCES[source_name]
        ctx = self.ctx
        select: dict[str, Any] = {"e": F(source.entity)}
        if indicator.formula == "sum":
            select["v"] = source.fields[indicator.value].expression(ctx)
        for alias, dim in columns.items():
            field_ = source.fields.get(dim)
            if dim == "month":
                select[alias] = TruncMonth(source.date_expression(ctx), output_field=DateField())
            elif dim == UNIT_COLUMN:
                select[alias] = F(source.unit) if source.unit else RawSQL("NULL", [])
            elif dim == MONTH_NUMBER:
                select[alias] = ExtractMonth(source.date_expression(ctx))
            elif field_ is None:  # not an attribute of this source's rows: "not applicable"
                select[alias] = RawSQL("NULL", [])
            elif field_.kind == "flags":
                select[alias] = Cast(field_.expression(ctx), TextField())
            else:
                select[alias] = field_.expression(ctx)
        queryset = self._queryset(indicator, source).values(**select)
        sql, params = queryset.query.sql_with_params()
        # The union relies on the same column order in every part.
        if list(queryset.query.annotation_select) != list(select):
            raise AssertionError(f"column order of {source_name}: {list(queryset.query.annotation_select)}")
        return sql, params

    def rows(
        self, indicator: Indicator, *, dim: str = "", dims: Sequence[str] = ()
    ) -> list[tuple[Any, int, int, Any, Any]]:
        """An indicator's pooled rows, grouped by person, unit, month (of the trend) and value of `dim`:
        (entity, unit id, month number, the values it counts under — one, several for a list,
        NOT_RECORDED —, number of rows or their sum). One query from which the reports' protection
        counts every unit of a tree, month and value (kujdes/reports/protection.py); counted, event and
        summed indicators. With `dims` instead, one query for several disaggregations: the fourth item
        is then a tuple of each one's values."""
        wanted = list(dims) if dims else ([dim] if dim else [])
        fields = [self._field(indicator, d) for d in wanted]
        flags = [f is not None and f.kind == "flags" for f in fields]
        columns = {"u": UNIT_COLUMN, "m": MONTH_NUMBER}
        for index, d in enumerate(wanted):
            columns[f"{'f' if flags[index] else 'g'}{index}"] = d
        parts = [self._part_columns(indicator, source, columns) for source in indicator.sources]
        union = " UNION ALL ".join(sql for sql, _ in parts)
        params = [p for _, part_params in parts for p in part_params]
        keys = ", ".join(f"t.{alias}" for alias in ["e", *columns])
        value = "SUM(t.v)" if indicator.formula == "sum" else "COUNT(*)"
        sql = f"SELECT {keys}, {value} FROM ({union}) t GROUP BY {keys}"  # noqa: S608 - as _aggregate
        fetched = self._fetch(sql, params)
        if not wanted:
            return [(e, u, int(m or 0), (), n or 0) for e, u, m, n in fetched]
        # The same few values over and over: each decoded once.
        decoded: dict[tuple[int, Any], tuple[Any, ...]] = {}

        def decode(index: int, value: Any) -> tuple[Any, ...]:
            found = decoded.get((index, value))
            if found is None:
                if flags[index]:
                    listed = json.loads(value) if value else []
                    known = fields[index].codes  # type: ignore[union-attr]
                    found = tuple(c for c in listed if c in known) if listed else (NOT_RECORDED,)
                else:
                    found = (NOT_RECORDED if value in (None, "") else value,)
                decoded[(index, value)] = found
            return found

        out: list[tuple[Any, int, int, Any, Any]] = []
        if not dims:
            for e, u, m, value, n in fetched:
                out.append((e, u, int(m or 0), decode(0, value), n or 0))
            return out
        for row in fetched:
            values = tuple(decode(index, v) for index, v in enumerate(row[3:-1]))
            out.append((row[0], row[1], int(row[2] or 0), values, row[-1] or 0))
        return out

    def _fetch(self, sql: str, params: Iterable[Any]) -> list[tuple[Any, ...]]:
        self.queries += 1
        with connection.cursor() as cursor:
            cursor.execute(sql, list(params))
            return cursor.fetchall()

    # --- labels and shapes ------------------------------------------------------------------

    def _field(self, indicator: Indicator, dim: str) -> Field | None:
        """The field behind a disaggregation, from the first of the indicator's sources that has it."""
        if not dim or dim == "month":
            return None
        return next((SOURCES[s].fields[dim] for s in indicator.sources if dim in SOURCES[s].fields), None)

    def _base(self, indicator: Indicator) -> Indicator:
        """The indicator whose sources label a breakdown (a ratio's denominator, a total's first part)."""
        if indicator.formula == "ratio":
            return self._base(catalogue()[indicator.denominator])
        if indicator.formula == "total":
            return self._base(catalogue()[indicator.parts[0]])
        return indicator

    def _labels(self, indicator: Indicator, dim: str, codes: list[Any]) -> dict[Any, str]:
        field_ = self._field(self._base(indicator), dim)
        labels = field_.labels(self.ctx, codes) if field_ is not None else {}
        from django.utils.translation import gettext

        labels.setdefault(None, gettext("Not recorded or not applicable"))
        return labels

    def _additive(self, indicator: Indicator, dim: str) -> bool:
        """Whether a breakdown adds up to the total: each row counted under one value only."""
        base = self._base(indicator)
        if base.formula in DAYS_STATISTICS or indicator.formula == "ratio":
            return False
        field_ = self._field(base, dim)
        if field_ is None or field_.kind == "flags":
            return False
        if base.formula in ("events", "sum"):
            return True
        # Distinct persons: additive only for attributes of the person themselves.
        return dim in ("sex", "age_group", "municipality")

    # --- small cells ------------------------------------------------------------------------
    # Which cells a reader sees is decided for the whole hierarchy of units, periods and breakdowns
    # (kujdes/reports/protection.py); here only whether one cell itself rests on few persons.

    def _small(self, indicator: Indicator, dim: str, key: Any, threshold: int) -> bool:
        """Whether a cell rests on 1 to threshold − 1 persons (a ratio: either term; a median: its cases)."""
        formula = indicator.formula
        if formula == "ratio":
            return any(
                self._small(catalogue()[code], dim, key, threshold)
                for code in (indicator.numerator, indicator.denominator)
            )
        if formula == "total":
            # Hidden when it is small itself and rests on persons (its parts are hidden on their own).
            value = self.raw(indicator, dim).get(key, 0)
            personal = any(catalogue()[code].personal for code in indicator.parts)
            return personal and value is not None and 0 < float(value) < threshold
        if not indicator.personal:
            return False
        if formula in DAYS_STATISTICS:
            self.raw(indicator, dim)
            count = self._counts.get((indicator.code, dim), {}).get(key, 0)
        else:
            # The persons a cell rests on, not its events: five services to one person are one person.
            count = self.raw(_persons(indicator), dim).get(key, 0)
        return count is not None and 0 < float(count) < threshold


def _persons(indicator: Indicator) -> Indicator:
    """The indicator counting the distinct persons (entities) behind an indicator's rows."""
    if indicator.formula in ("distinct", "relatives"):
        return indicator
    return dataclasses.replace(indicator, code=f"{indicator.code}:persons", formula="distinct")


def dims_allowed(indicator: Indicator) -> tuple[str, ...]:
    """The disaggregations an indicator allows (a ratio's or a total's: those all its parts allow)."""
    if indicator.formula == "ratio":
        numerator, denominator = catalogue()[indicator.numerator], catalogue()[indicator.denominator]
        return tuple(d for d in dims_allowed(numerator) if d in dims_allowed(denominator))
    if indicator.formula == "total":
        parts = [dims_allowed(catalogue()[code]) for code in indicator.parts]
        return tuple(d for d in indicator.dims if all(d in p for p in parts))
    return indicator.dims


def _as_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _sorted(dim: str, rows: list[Row]) -> list[Row]:
    if dim in ("age_group", "months"):
        return sorted(
            rows, key=lambda row: (row.code == NOT_RECORDED, row.code if row.code != NOT_RECORDED else 0)
        )
    return sorted(rows, key=lambda row: (row.code == NOT_RECORDED, -(float(row.cell.value or 0)), row.label))
