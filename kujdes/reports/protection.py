"""Small cells that stay small across queries: one suppression pattern per organisation and year.

A reader who may not see persons (a viewer, an organisation administrator, a field educator — any
scope with a small-cell threshold) can ask for any unit of their reach (organisation, diocese,
centre), any year, quarter or month, any breakdown, and a month-by-month trend. Before, each answer
hid its own small cells: a month shown as "<5" could be worked out from its quarter and the two other
months (Q4 = 9, October = 0, December = 7, so November = 2). Here every figure a reader can obtain is a
*cell* of one hierarchy, and whether a cell is hidden is decided once for the whole hierarchy, so that
the same cell is hidden in every view and no hidden cell can be worked out from any combination of
views — with the statistics releases' algorithm (kujdes/reports/suppression.py).

The hierarchy of an indicator
-----------------------------
- **Nodes**: for each unit, ``("s", u)`` — the unit and everything below it (what choosing the unit
  shows) — and, for a unit with units below it, ``("o", u)`` — the unit's own rows (its line in the
  breakdown by unit). A node's figure is its own rows' plus its children's: ``s(u) = o(u) + Σ s(c)``.
- **Times** (within one calendar year): the year ``Y``, quarters ``Q1..Q4`` and months ``M1..M12``. When
  every source of the indicator is dated by one date (a case's opening, a service…), a quarter is its
  months' sum and the trend's cells are the months. When a row spans a period (an enrolment in a
  course that runs for months) it counts in every period it overlaps, so a quarter is *not* its
  months' sum; the trend then places each row in the month it starts (``S2..S12``, the first month of
  the period holding the rows begun before it) and the period is the sum of its trend:
  ``Y = M1 + S2 + … + S12``, ``Q2 = M4 + S5 + S6``. Family members (not dated) have no time equation.
- **Breakdowns**: a breakdown that adds up to its total (each row under one value) gives
  ``total = Σ values``; every breakdown's cells also follow the node and time equations.
Distinct persons do not add up exactly (a person in two months, two centres); the equations are used
all the same, as if they did, which is the attacker's best guess and only makes the protection
stronger (the rank of the equations does not depend on the numbers).

The strategy: decided in blocks, coarse before fine, once
---------------------------------------------------------
The cells are cut into *blocks* decided in a fixed order (the modular method statistical offices use
for hierarchical tables, "HiTaS"): every unit of a tree together; the year's cells before the quarters'
before the months'; totals before breakdowns. A block is decided by ``suppress`` given every cell
decided before it (shown: known numbers; hidden: unknowns of at least 1) and the equations that link
them, so complements are chosen among the block's new cells only and nothing decided before changes.
A cell's status therefore depends on its own block and the blocks before it, never on the question
asked: the same in every view, for every request (the numbers being the same). The units of a tree go
together because a diocese's figure decided before its centres' could leave a centre's small figure
with nothing to hide beside it (its diocese and the other centres shown, the diocese's own rows none);
the periods go one level at a time so that the year's figures need the year's numbers only (one query
per indicator and breakdown counts every unit and month of the year: ``Engine.rows``). Why suppression,
not rounding or noise: readers see exact figures where they are safe, the releases already trust the
algorithm, and one property test attacks both.

Readers see every hidden cell alike ("hidden"), so they learn that it is at least 1, not whether it is
small or hidden to protect another (``reasons=False``: the model the algorithm guarantees); and a
breakdown's hidden lines are one line ("Other values"), so they do not learn which values are hidden,
nor how many (five hidden lines under a total of five would each be 1).

A reader who may also see some units' persons (a case worker of a centre choosing their diocese) knows
those units' figures: the pattern is decided on the figures *without* those units' rows, so that what
they subtract from a shown figure (the diocese minus their centre) is itself protected.

What it does not cover (docs/data-protection.md, "Small cells across queries")
--------------------------------------------------------------------------------
Figures that changed between two questions (records added meanwhile), several readers pooling what
they saw, the statistics releases' own figures (another threshold, another pattern), periods other than
a year, quarter or month (refused to these readers), medians (hidden below the threshold only), and
bounds beyond what each block checks (a block cannot hide a cell decided before it).
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

from kujdes.reports import suppression
from kujdes.reports.catalogue import DAYS_STATISTICS, Indicator, catalogue
from kujdes.reports.engine import HIDDEN_LINES, NOT_RECORDED, Cell, Engine, Figure, Row, _persons
from kujdes.reports.sources import SOURCES, Context

logger = logging.getLogger("kujdes.reports")

# Formulas whose cells are counts in the hierarchy (ratios, medians and sums of indicators are derived).
COUNTED = ("distinct", "events", "sum", "relatives")
QUARTER_FIRST = (1, 4, 7, 10)

Node = tuple[str, int]  # ("s", unit id): the unit and below; ("o", unit id): the unit's own rows
Time = tuple[str, int]  # ("Y", 0), ("Q", 1..4), ("M", 1..12), ("S", 2..12)
CellKey = tuple[str, Node, Time, str, str]  # indicator, node, time, dim ("" for the total), value code
Block = tuple[str, tuple[str, int], str, str]  # indicator, level, time block, dim
Y: Time = ("Y", 0)


def _q(i: int) -> Time:
    return ("Q", i)


def _m(m: int) -> Time:
    return ("M", m)


def _s(m: int) -> Time:
    return ("S", m)


def _months_of(quarter: int) -> list[int]:
    return [3 * (quarter - 1) + offset for offset in (1, 2, 3)]


def _quarter_of(month: int) -> int:
    return (month - 1) // 3 + 1


# --- periods ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A period of the hierarchy: a year, a quarter or a month of one year."""

    year: int
    time: Time

    @property
    def start(self) -> datetime.date:
        kind, n = self.time
        month = 1 if kind == "Y" else (3 * (n - 1) + 1 if kind == "Q" else n)
        return datetime.date(self.year, month, 1)

    @property
    def end(self) -> datetime.date:
        kind, n = self.time
        month = 12 if kind == "Y" else (3 * n if kind == "Q" else n)
        following = datetime.date(self.year + (month == 12), month % 12 + 1, 1)
        return following - datetime.timedelta(days=1)

    @property
    def months(self) -> list[int]:
        kind, n = self.time
        return list(range(1, 13)) if kind == "Y" else (_months_of(n) if kind == "Q" else [n])


def slot_of(start: datetime.date, end: datetime.date) -> Slot | None:
    """The year, quarter or month that runs exactly from `start` to `end`; None for any other period."""
    if start.year != end.year or start.day != 1:
        return None
    candidates = [Slot(start.year, Y), *(Slot(start.year, _q(i)) for i in range(1, 5))]
    candidates += [Slot(start.year, _m(m)) for m in range(1, 13)]
    return next((slot for slot in candidates if slot.start == start and slot.end == end), None)


# --- the shape of an indicator's hierarchy ---------------------------------------------------------


def time_kind(indicator: Indicator) -> str:
    """ "point" (every source dated by one date), "span" (rows that run over a period) or "undated"."""
    if indicator.formula == "relatives":
        return "undated"
    if all(isinstance(SOURCES[name].date, str) for name in indicator.sources):
        return "point"
    return "span"


def protected(indicator: Indicator) -> bool:
    """Counts about persons: the indicators whose cells the hierarchy protects."""
    return indicator.formula in COUNTED and indicator.personal


@dataclass(frozen=True)
class Shape:
    kind: str  # time_kind
    trend: bool  # the trend is shown: its cells are published
    additive: dict[str, bool]  # dim → whether the breakdown adds up to the total


def _time_block(shape: Shape, dim: str, time: Time) -> str:
    """The block (of a tree of units) that decides a cell at `time`; see `_times`.

    Periods of one level (the four quarters, the twelve months) are decided together: a quarter's
    visible total says something about its months, which the other quarters' equations would then use.
    Only the months' breakdowns go quarter by quarter (each quarter's cells are fixed by then)."""
    kind, n = time
    if shape.kind == "point":
        if not dim and shape.trend:
            return "Y" if kind in ("Y", "M") else "Q"
        if dim and kind == "M":
            return f"Mq{_quarter_of(n)}"
        return kind
    if shape.kind == "span" and not dim and shape.trend:
        if kind in ("Y", "S") or time == _m(1):
            return "Y"
        if kind == "Q" or n in QUARTER_FIRST:
            return "Q"
        return f"PM{n}"
    return f"P{kind}{n}"


def _times(shape: Shape, dim: str, block: str) -> list[Time]:
    """The times whose cells a block decides (at every node of its tree)."""
    if block.startswith("P"):
        return [(block[1], int(block[2:]))]
    if block.startswith("Mq"):
        return [_m(m) for m in _months_of(int(block[2:]))]
    if shape.kind == "point":
        if block == "Y":
            return [Y, *(_m(m) for m in range(1, 13))] if not dim and shape.trend else [Y]
        if block == "Q":
            return [_q(i) for i in range(1, 5)]
        return [_m(m) for m in range(1, 13)]  # "M"
    # rows that run over months, totals with a trend
    if block == "Y":
        return [Y, _m(1), *(_s(m) for m in range(2, 13))]
    return [*(_q(i) for i in range(1, 5)), *(_m(m) for m in QUARTER_FIRST[1:])]  # "Q"


def _time_equations(shape: Shape, dim: str, block: str) -> list[tuple[Time, list[Time]]]:
    """The equations between times that a block brings in (at each node and breakdown value)."""
    if block.startswith("P"):
        return []
    quarters = [(_q(i), [_m(m) for m in _months_of(i)]) for i in range(1, 5)]
    if block.startswith("Mq"):
        return [quarters[int(block[2:]) - 1]]
    if shape.kind == "point":
        if block == "Y":
            return [(Y, [_m(m) for m in range(1, 13)])] if not dim and shape.trend else []
        if block == "Q":
            return quarters if not dim and shape.trend else [(Y, [_q(i) for i in range(1, 5)])]
        return quarters  # "M"
    if block == "Y":
        return [(Y, [_m(1), *(_s(m) for m in range(2, 13))])]
    out = []
    for i in range(1, 5):
        first, *rest = _months_of(i)
        out.append((_q(i), [_m(first), *(_s(m) for m in rest)]))
    return out


# --- the unit tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tree:
    parent: dict[int, int | None]
    children: dict[int, tuple[int, ...]]
    subtree: dict[int, tuple[int, ...]]

    @classmethod
    def build(cls, rows: Iterable[tuple[int, int | None, str]]) -> Tree:
        rows = sorted(rows, key=lambda row: row[2])
        parent = {pk: parent_id for pk, parent_id, _path in rows}
        children: dict[int, list[int]] = {pk: [] for pk in parent}
        for pk, parent_id in parent.items():
            if parent_id is not None and parent_id in children:
                children[parent_id].append(pk)
        paths = {pk: path for pk, _p, path in rows}
        subtree = {
            pk: tuple(sorted(o for o in parent if paths[o].startswith(path))) for pk, path in paths.items()
        }
        return cls(parent, {pk: tuple(sorted(c)) for pk, c in children.items()}, subtree)

    def node(self, unit: int) -> Node:
        """The node of a unit's own rows: the unit itself when nothing is below it."""
        return ("o", unit) if self.children.get(unit) else ("s", unit)

    @staticmethod
    def node_of_subtree(unit: int) -> Node:
        return ("s", unit)

    def units(self, node: Node) -> tuple[int, ...]:
        kind, unit = node
        return (unit,) if kind == "o" else self.subtree[unit]

    def roots(self) -> list[int]:
        return [unit for unit, parent in self.parent.items() if parent is None or parent not in self.parent]

    def root(self, unit: int) -> int:
        while self.parent.get(unit) is not None and self.parent[unit] in self.parent:
            unit = self.parent[unit]  # type: ignore[assignment]
        return unit

    def level(self, node: Node) -> tuple[str, int]:
        """The set of nodes decided together: every node of one root's tree (a unit's figure, its own
        rows and its children's are one equation, and a tree's equations are decided as one)."""
        return ("tree", self.root(node[1]))

    def nodes(self, level: tuple[str, int]) -> list[Node]:
        out: list[Node] = []
        for unit in self.subtree[level[1]]:
            out.append(("s", unit))
            if self.children.get(unit):
                out.append(("o", unit))
        return out

    def internal(self, level: tuple[str, int]) -> list[int]:
        """The units of a tree with units below them: each gives ``s(u) = o(u) + Σ s(child)``."""
        return [unit for unit in self.subtree[level[1]] if self.children.get(unit)]


# --- values ----------------------------------------------------------------------------------------


class Values:
    """Exact figures of nodes and periods, from the reports engine (one engine per node and period)."""

    def __init__(
        self,
        *,
        organisation_id: int,
        tree: Tree,
        year: int,
        language: str,
        age_bounds: tuple,
        known_units: Iterable[int] = (),
    ) -> None:
        self.organisation_id = organisation_id
        self.tree = tree
        self.known_units = frozenset(known_units)
        self.year = year
        self.language = language
        self.age_bounds = age_bounds
        self._engines: dict[tuple[Node, Time], Engine] = {}
        self._cells: dict[tuple[str, Node, Time, str], dict[str, int]] = {}
        self._persons: dict[tuple[str, Node, Time, str], dict[str, int]] = {}
        self._groups: dict[tuple[str, Time, str], dict[int, dict[tuple[int, str], list]]] = {}
        self._preferred: dict[str, str] = {}
        self._together: dict[str, tuple[str, ...]] = {}
        self._multi: dict[tuple[str, Time], list[tuple]] = {}
        self._relations: list[tuple[int, int]] | None = None
        self._originals: dict[tuple[str, str], dict[str, Any]] = {}

    def units(self, node: Node) -> tuple[int, ...]:
        """A node's units the reader may not see persons of: what the protection is about."""
        return tuple(u for u in self.tree.units(node) if u not in self.known_units)

    def adopt(self, engine: Engine, node: Node, time: Time) -> None:
        """Use the engine that computed the figures on the page (the same numbers, computed once)."""
        if self.units(node) == self.tree.units(node):
            self._engines.setdefault((node, time), engine)

    def engine(self, node: Node, time: Time) -> Engine:
        key = (node, time)
        if key not in self._engines:
            slot = Slot(self.year, time)
            self._engines[key] = Engine(
                Context(
                    organisation_id=self.organisation_id,
                    unit_ids=self.units(node),
                    start=slot.start,
                    end=slot.end,
                    language=self.language,
                    age_bounds=self.age_bounds,
                )
            )
        return self._engines[key]

    def raw(self, indicator: Indicator, node: Node, time: Time, key: str) -> dict[Any, Any]:
        """`key`: "" (the total), "month" (the trend) or a disaggregation."""
        if not self.units(node):  # only units the reader sees persons of: nothing left to protect
            return {None: 0} if key == "" else {}
        engine = self.engine(node, time)
        engine.prefetch(indicator, dims=[key] if key not in ("", "month") else [], trend=key == "month")
        return engine.raw(indicator, key)

    def cell(self, indicator: Indicator, shape: Shape, node: Node, time: Time, dim: str) -> dict[str, int]:
        """The values of one node and time: {value code: number} ({"": total} for the total)."""
        key = (indicator.code, node, time, dim)
        if key not in self._cells:
            self._cells[key] = self._cell(indicator, shape, node, time, dim)
        return self._cells[key]

    def _cell(self, indicator: Indicator, shape: Shape, node: Node, time: Time, dim: str) -> dict[str, int]:
        if self._by_rows(indicator):
            return self._from_rows(indicator, shape, node, time, dim, persons=False)
        if indicator.formula == "relatives" and not dim and self._by_rows(catalogue()[indicator.of]):
            return {"": self._relatives(indicator, node, time)}
        kind, n = time
        if dim:
            raw = self.raw(indicator, node, time, dim)
            return {_code(code): _int(value) for code, value in raw.items()}
        if kind == "S" or (kind == "M" and self._month_from_trend(shape, n)):
            source = Y if (kind == "S" or n == 1 or shape.kind == "point") else _q(_quarter_of(n))
            raw = self.raw(indicator, node, source, "month")
            return {"": _int(raw.get(datetime.date(self.year, n, 1), 0))}
        return {"": _int(self.raw(indicator, node, time, "").get(None, 0))}

    def persons(self, indicator: Indicator, shape: Shape, node: Node, time: Time, dim: str) -> dict[str, int]:
        """The distinct persons behind each value of an events indicator (what small cells rest on)."""
        key = (indicator.code, node, time, dim)
        if key not in self._persons:
            self._persons[key] = self._persons_of(indicator, shape, node, time, dim)
        return self._persons[key]

    def _persons_of(
        self, indicator: Indicator, shape: Shape, node: Node, time: Time, dim: str
    ) -> dict[str, int]:
        if self._by_rows(indicator):
            return self._from_rows(indicator, shape, node, time, dim, persons=True)
        persons = _persons(indicator)
        kind, n = time
        if dim:
            return {_code(c): _int(v) for c, v in self.raw(persons, node, time, dim).items()}
        if kind == "S" or (kind == "M" and self._month_from_trend(shape, n)):
            source = Y if (kind == "S" or n == 1 or shape.kind == "point") else _q(_quarter_of(n))
            raw = self.raw(persons, node, source, "month")
            return {"": _int(raw.get(datetime.date(self.year, n, 1), 0))}
        return {"": _int(self.raw(persons, node, time, "").get(None, 0))}

    # --- from the pooled rows: one query counts every unit of a tree ------------------------------

    @staticmethod
    def _by_rows(indicator: Indicator) -> bool:
        """Counted from its rows (person, unit, month, value): every source belongs to a unit."""
        return indicator.formula in ("distinct", "events", "sum") and all(
            SOURCES[name].unit for name in indicator.sources
        )

    def _rows_of(self, indicator: Indicator, context: Time, dim: str) -> list[tuple]:
        """The indicator's rows in a period, all of the tree's units but those whose persons the reader
        sees: (entity, unit, month number, value codes, rows or sum), as `Engine.rows` gives them. The
        breakdowns a page shows are fetched in one query and taken apart here."""
        units = tuple(
            u for root in self.tree.roots() for u in self.tree.subtree[root] if u not in self.known_units
        )
        if not units:
            return []
        slot = Slot(self.year, context)
        engine = Engine(
            Context(
                organisation_id=self.organisation_id,
                unit_ids=units,
                start=slot.start,
                end=slot.end,
                language=self.language,
                age_bounds=self.age_bounds,
            )
        )
        together = self._together.get(indicator.code, ())
        if len(together) > 1 and (not dim or dim in together):
            key = (indicator.code, context)
            if key not in self._multi:
                self._multi[key] = engine.rows(indicator, dims=together)
            if not dim:
                return [(e, u, m, (), n) for e, u, m, _values, n in self._multi[key]]
            index = together.index(dim)
            return [(e, u, m, values[index], n) for e, u, m, values, n in self._multi[key]]
        return engine.rows(indicator, dim=dim)

    def _relatives(self, indicator: Indicator, node: Node, time: Time) -> int:
        """Family members of a node and period, as the engine counts them (a person related to one of
        the other indicator's persons there, not one of them), from that indicator's rows and the
        organisation's relations: one query for every node instead of one per node."""
        of = catalogue()[indicator.of]
        shape = Shape(kind=time_kind(of), trend=False, additive={})
        kind, n = time
        context = time if kind != "S" else Y
        members: set = set()
        for unit in self.units(node):
            for (_month, code), (entities, _number) in self._groups_of(of, context, "").get(unit, {}).items():
                if not code:
                    members |= entities
        del shape, n
        if self._relations is None:
            from kujdes.people.models import PersonRelation

            self._relations = list(
                PersonRelation.objects.filter(organisation_id=self.organisation_id).values_list(
                    "person_id", "relative_id"
                )
            )
        counted = set()
        for person, relative in self._relations:
            if person in members and relative not in members:
                counted.add(relative)
            if relative in members and person not in members:
                counted.add(person)
        return len(counted)

    def prefer(self, indicator: Indicator, dims: Sequence[str]) -> None:
        """The breakdowns a page shows: the indicator's totals are counted from the rows by the first of
        them, and several are fetched in one query."""
        wanted = tuple(d for d in dims if d and d != "unit")
        if wanted:
            self._preferred.setdefault(indicator.code, wanted[0])
            self._together.setdefault(indicator.code, wanted)

    def _groups_of(
        self, indicator: Indicator, context: Time, dim: str
    ) -> dict[int, dict[tuple[int, str], list]]:
        """The rows grouped by unit, month and value ("" for all of them): the persons and the count."""
        if not dim and self._preferred.get(indicator.code):
            dim = self._preferred[indicator.code]
        key = (indicator.code, context, dim)
        if key not in self._groups:
            groups: dict[int, dict[tuple[int, str], list]] = {}
            originals = self._originals.setdefault((indicator.code, dim), {})
            normal: dict[tuple, tuple[str, ...]] = {}  # the codes a row counts under, "" (all) first
            for entity, unit, month, codes, number in self._rows_of(indicator, context, dim):
                keys = normal.get(codes)
                if keys is None:
                    keys = normal[codes] = ("", *(_code(c) for c in codes))
                    for code in codes:
                        originals.setdefault(_code(code), code)
                by_key = groups.get(unit)
                if by_key is None:
                    by_key = groups[unit] = {}
                for code in keys:
                    group = by_key.get((month, code))
                    if group is None:
                        by_key[(month, code)] = [{entity}, number or 0]
                    else:
                        group[0].add(entity)
                        group[1] += number or 0
            self._groups[key] = groups
        return self._groups[key]

    def _from_rows(
        self, indicator: Indicator, shape: Shape, node: Node, time: Time, dim: str, *, persons: bool
    ) -> dict[str, int]:
        kind, n = time
        # Which period's rows, and which of their months.
        months: list[int] | None
        if shape.kind == "point":
            context, months = Y, (Slot(self.year, time).months if kind != "S" else [n])
        elif kind in ("Y", "S") or time == _m(1):
            context, months = Y, (None if kind == "Y" else [n])
        elif kind == "M" and n in QUARTER_FIRST and shape.trend:
            context, months = _q(_quarter_of(n)), [n]
        else:
            context, months = time, None
        wanted = set(months) if months is not None else None
        groups = self._groups_of(indicator, context, dim)
        distinct = persons or indicator.formula == "distinct"
        seen: dict[str, set] = {}
        counted: dict[str, int] = {}
        for unit in self.units(node):
            for (month, code), (entities, number) in groups.get(unit, {}).items():
                if (wanted is not None and month not in wanted) or (bool(code) != bool(dim)):
                    continue
                if distinct:
                    found = seen.get(code)
                    if found is None:
                        seen[code] = set(entities)
                    else:
                        found.update(entities)
                else:
                    counted[code] = counted.get(code, 0) + number
        if distinct:
            counted = {code: len(entities) for code, entities in seen.items()}
        return counted if dim else {"": counted.get("", 0)}

    def prefill(
        self, engine: Engine, indicator: Indicator, *, node: Node, slot: Slot, dims: Sequence[str]
    ) -> None:
        """Give the page's engine its figures from the rows counted here (the same rows, the same
        counts): the page then asks the database nothing more for this indicator. Only where every
        figure it shows can come from them: a counted or event indicator whose sources belong to units,
        for a reader who sees no unit's persons (else the rows here leave those units out)."""
        if (
            self.known_units
            or indicator.formula not in ("distinct", "events")
            or not self._by_rows(indicator)
        ):
            return
        shape = Shape(kind=time_kind(indicator), trend=False, additive={})
        if shape.kind == "point":
            context, months = Y, set(slot.months)
        else:
            context, months = slot.time, None
        wanted = [d for d in dims if d]
        self.prefer(indicator, wanted)
        units = self.tree.units(node)

        def count(dim: str, key_of: Any, persons: bool) -> dict[Any, int]:
            groups = self._groups_of(indicator, context, "" if dim in ("unit", "month") else dim)
            distinct = persons or indicator.formula == "distinct"
            seen: dict[Any, set] = {}
            counted: dict[Any, int] = {}
            for unit in units:
                for (month, code), (entities, number) in groups.get(unit, {}).items():
                    if (months is not None and month not in months) or bool(code) != (
                        dim not in ("", "unit", "month")
                    ):
                        continue
                    key = key_of(unit, month, code)
                    if distinct:
                        seen.setdefault(key, set()).update(entities)
                    else:
                        counted[key] = counted.get(key, 0) + number
            if distinct:
                counted = {key: len(entities) for key, entities in seen.items()}
            return {key: value for key, value in counted.items() if value}

        originals = self._originals
        persons_code = f"{indicator.code}:persons"
        memo: dict[Any, Any] = engine._memo
        for persons in (False, True) if indicator.formula == "events" else (False,):
            code = persons_code if persons else indicator.code
            memo.setdefault((code, ""), {None: count("", lambda u, m, c: None, persons).get(None, 0)})
            memo.setdefault(
                (code, "month"),
                count("month", lambda u, m, c: datetime.date(self.year, m, 1), persons),
            )
            for dim in wanted:
                if dim == "unit":
                    memo.setdefault((code, dim), count("unit", lambda u, m, c: u, persons))
                else:
                    counted = count(dim, lambda u, m, c: c, persons)  # counting fills the table of codes
                    table = originals.get((indicator.code, dim), {})
                    memo.setdefault((code, dim), {table.get(c, c): v for c, v in counted.items()})

    @staticmethod
    def _month_from_trend(shape: Shape, month: int) -> bool:
        """A month's total is read from a trend: always for dated rows, and for rows that run over a
        period when the month opens the year or a quarter (where the trend's first cell is the month)."""
        return shape.kind == "point" or (shape.kind == "span" and shape.trend and month in QUARTER_FIRST)


def _int(value: Any) -> int:
    return int(value or 0)


def _code(code: Any) -> str:
    return NOT_RECORDED if code in (None, NOT_RECORDED) else str(code)


# --- the decisions ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def _quantity(cell: CellKey) -> suppression.Quantity:
    code, (node_kind, unit), (time_kind_, n), dim, value = cell
    return (code, (("d", dim), ("n", f"{node_kind}{unit}"), ("t", f"{time_kind_}{n}"), ("v", value)))


@dataclass
class Decided:
    hidden: set[suppression.Quantity] = dataclasses.field(default_factory=set)
    shown: dict[suppression.Quantity, int] = dataclasses.field(default_factory=dict)
    equations: dict[Block, list[suppression.Equation]] = dataclasses.field(default_factory=dict)
    exposed: set[suppression.Quantity] = dataclasses.field(default_factory=set)


class Protection:
    """The small-cell pattern of one organisation and year, for readers who may not see persons.

    `known_units`: units whose persons the reader may see. What they know exactly cannot protect
    anything, and subtracting it from a shown figure must not give a hidden one away (an organisation's
    total minus the reader's own diocese is the other dioceses): the pattern is decided on the figures
    *without* those units' rows, so a cell is hidden when its part outside them is. Blocks are decided on
    demand and kept for the request; the same numbers always give the same pattern.
    """

    def __init__(
        self,
        *,
        organisation_id: int,
        tree: Tree,
        year: int,
        threshold: int,
        language: str,
        age_bounds: tuple,
        known_units: Iterable[int] = (),
        values: Values | None = None,
    ) -> None:
        self.tree = tree
        self.year = year
        self.k = threshold
        self.values = values or Values(
            organisation_id=organisation_id,
            tree=tree,
            year=year,
            language=language,
            age_bounds=age_bounds,
            known_units=known_units,
        )
        self.decided = Decided()
        self._done: set[Block] = set()
        self._shapes: dict[str, Shape] = {}

    # --- cells ------------------------------------------------------------------------------------

    def shape(self, indicator: Indicator) -> Shape:
        if indicator.code not in self._shapes:
            engine = Engine(None)  # type: ignore[arg-type]  # _additive needs no context
            self._shapes[indicator.code] = Shape(
                kind=time_kind(indicator),
                trend=indicator.trend,
                additive={dim: engine._additive(indicator, dim) for dim in indicator.dims if dim != "unit"},
            )
        return self._shapes[indicator.code]

    def hidden(self, cell: CellKey) -> bool:
        """Whether a cell is hidden from this reader (deciding its block, and those before it, first)."""
        indicator = catalogue()[cell[0]]
        if not protected(indicator):
            return False
        _code_, node, time, dim, _value = cell
        self._decide(self.block_of(indicator, node, time, dim))
        return _quantity(cell) in self.decided.hidden

    def block_of(self, indicator: Indicator, node: Node, time: Time, dim: str) -> Block:
        return (indicator.code, self.tree.level(node), _time_block(self.shape(indicator), dim, time), dim)

    def _published(self, node: Node, time: Time, dim: str) -> bool:
        """Whether a reader can obtain this cell: every cell of a unit and below; of a unit's own rows,
        only the totals of a year, quarter or month (its line in the breakdown by unit)."""
        if node[0] == "s":
            return True
        return not dim and time[0] != "S"

    # --- one block -------------------------------------------------------------------------------

    def _decide(self, block: Block) -> None:
        if block in self._done:
            return
        self._done.add(block)
        code, level, time_block, dim = block
        indicator = catalogue()[code]
        shape = self.shape(indicator)
        times = _times(shape, dim, time_block)
        time_equations = _time_equations(shape, dim, time_block)
        nodes = self.tree.nodes(level)
        internal = self.tree.internal(level)

        def values(node: Node, time: Time) -> dict[str, int]:
            return self.values.cell(indicator, shape, node, time, dim)

        def key(node: Node, time: Time, value: str) -> CellKey:
            return (code, node, time, dim if value else "", value)

        # A breakdown's value codes: every code of a cell the block's equations name (absent: zero).
        codes = [""]
        if dim:
            seen: set[str] = set()
            for node in nodes:
                for time in {*times, *(total for total, _parts in time_equations)}:
                    seen |= set(values(node, time))
            codes = sorted(seen)

        # The block's own cells (the rows of units the reader sees persons of left out: see above).
        cells: dict[suppression.Quantity, int] = {}
        small: set[suppression.Quantity] = set()
        for node in nodes:
            for time in times:
                if not self._published(node, time, dim):
                    continue
                found = values(node, time)
                persons = (
                    self.values.persons(indicator, shape, node, time, dim)
                    if indicator.formula == "events"
                    else None
                )
                for value in codes:
                    q = _quantity(key(node, time, value))
                    cells[q] = found.get(value, 0)
                    if persons is not None and 1 <= persons.get(value, 0) < self.k:
                        small.add(q)

        # The equations the block brings in: between times, between a unit and its parts, and between a
        # total and its breakdown.
        equations: list[suppression.Equation] = []
        for value in codes:
            for total, part_times in time_equations:
                for node in nodes:
                    if dim and node[0] == "o":
                        continue  # a unit's own rows are never broken down for a reader: no equation
                    equations.append(
                        _equation(key(node, total, value), [key(node, t, value) for t in part_times])
                    )
            for unit in internal:
                parts = [
                    ("o", unit),
                    *(self.tree.node_of_subtree(child) for child in self.tree.children[unit]),
                ]
                for time in times:
                    equations.append(
                        _equation(key(("s", unit), time, value), [key(node, time, value) for node in parts])
                    )
        if dim and shape.additive.get(dim):
            for node in nodes:
                if node[0] == "s":
                    for time in times:
                        equations.append(
                            _equation(
                                key(node, time, ""), [key(node, time, value) for value in codes if value]
                            )
                        )
        equations = list(dict.fromkeys(equations))

        # What else the equations name: cells decided before (shown: numbers; hidden: unknowns ≥ 1) or
        # figures never shown (a unit's own rows by breakdown or by start month), which count as known
        # when they are zero — an attacker may learn a zero elsewhere — and as unknowns otherwise. The
        # equations of the blocks decided before come along, with their cells.
        public: dict[suppression.Quantity, suppression.Published] = {}
        earlier: list[suppression.Equation] = []

        def classify(q: suppression.Quantity, *, pull: bool) -> None:
            if q in cells or q in public:
                return
            _c, node, time, dim_, value = _cell_of(q)
            if not self._published(node, time, dim_):
                if self.values.cell(indicator, shape, node, time, dim_).get(value, 0) == 0:
                    public[q] = suppression.Published(0, k=self.k)
                return
            before = self.block_of(indicator, node, time, dim_)
            self._decide(before)
            if pull:
                earlier.extend(self.decided.equations.get(before, []))
            if q in self.decided.hidden:
                public[q] = suppression.Published(None, suppression.PRIMARY, k=self.k)
            else:
                public[q] = suppression.Published(self.decided.shown.get(q, 0), k=self.k)

        for equation in equations:
            for q, _sign in equation.terms():
                classify(q, pull=True)
        own = set(equations)
        earlier = list(dict.fromkeys(e for e in earlier if e not in own))
        for equation in earlier:
            for q, _sign in equation.terms():
                classify(q, pull=False)
        result = suppression.suppress(
            values=cells,
            equations=equations,
            k=self.k,
            earlier=[public],
            earlier_equations=earlier,
            small=small,
            k_min=2,
            reasons=False,
            batch=True,
        )
        # A complement that the figures around it give away anyway protects nothing: shown, it tells the
        # reader nothing they could not work out. (Only when worked out from the numbers alone: bounds
        # are judged on a cautious model — every zero known — and a reader may know less.)
        useless = {
            q
            for q in result.exposed
            if result.withheld.get(q) == suppression.COMPLEMENTARY and result.exposed_by.get(q) == "algebra"
        }
        for q, v in cells.items():
            if q in result.withheld and q not in useless:
                self.decided.hidden.add(q)
            else:
                self.decided.shown[q] = v
        self.decided.equations[block] = equations
        unexplained = {q for q in result.exposed if q in cells} - useless
        if unexplained:
            # Only cells decided before could give these away; kept for the tests and the operators.
            self.decided.exposed |= unexplained
            logger.warning("reports.protection: %s cells of %s cannot be protected", len(unexplained), code)

    # --- a figure ---------------------------------------------------------------------------------

    def apply(self, figure: Figure, *, engine: Engine, unit: int, slot: Slot) -> Figure:
        """Mark the hidden cells of a figure computed by `engine` for a unit (and below) and a period.

        A cell is hidden when the hierarchy's pattern hides it, and in any case when its own count rests
        on few persons (the number on the page, even if it changed since the pattern's numbers)."""
        self.values.adopt(engine, ("s", unit), slot.time)
        indicator, k = figure.indicator, self.k
        self.values.prefer(indicator, [breakdown.dim for breakdown in figure.breakdowns])
        figure.total.suppressed = self.total_hidden(indicator, unit=unit, slot=slot) or engine._small(
            indicator, "", None, k
        )
        for breakdown in figure.breakdowns:
            for row in breakdown.rows:
                row.cell.suppressed = self.row_hidden(
                    indicator, unit=unit, slot=slot, dim=breakdown.dim, code=row.code, value=row.cell.value
                ) or engine._small(indicator, breakdown.dim, row.code, k)
        for month, cell in figure.trend:
            cell.suppressed = self.trend_hidden(indicator, unit=unit, slot=slot, month=month.month) or (
                engine._small(indicator, "month", month, k)
            )
        return collapse_hidden_lines(figure)

    # What a reader's question shows, cell by cell: a unit's total for a period, a line of a breakdown
    # (the breakdown by unit lists units' own rows), a month of the trend.

    def total_hidden(self, indicator: Indicator, *, unit: int, slot: Slot) -> bool:
        return self._derived(indicator, (("s", unit), slot.time, "", ""))

    def row_hidden(
        self, indicator: Indicator, *, unit: int, slot: Slot, dim: str, code: Any, value: Any = 1
    ) -> bool:
        if dim != "unit":
            return self._derived(indicator, (("s", unit), slot.time, dim, _code(code)))
        if code in (None, NOT_RECORDED) or int(code) not in self.tree.parent:
            # No unit of the tree: nothing the hierarchy decides; hidden when it rests on persons.
            return bool(value) and any(protected(part) for part in _counted_parts(indicator))
        return self._derived(indicator, (self.tree.node(int(code)), slot.time, "", ""))

    def trend_hidden(self, indicator: Indicator, *, unit: int, slot: Slot, month: int) -> bool:
        times = self._trend_times(indicator, slot, month)
        return any(self.hidden((part.code, ("s", unit), time, "", "")) for part, time in times)

    def _trend_times(self, indicator: Indicator, slot: Slot, month: int) -> list[tuple[Indicator, Time]]:
        """The cells behind a trend's month: per counted indicator behind the figure."""
        out = []
        for part in _counted_parts(indicator):
            shape = self.shape(part)
            first = slot.months[0]
            if shape.kind == "undated":
                if month == first:  # every row in the period's first month; the other months are 0
                    out.append((part, slot.time))
            elif shape.kind == "span" and month != first:
                out.append((part, _s(month)))
            elif shape.kind == "span" and slot.time[0] == "M":
                out.append((part, slot.time))
            else:
                out.append((part, _m(month)))
        return out

    def hide_all(self, figure: Figure, *, engine: Engine) -> Figure:
        """Fail closed: every cell resting on persons hidden (a period or scope outside the hierarchy)."""
        personal = bool(_counted_parts(figure.indicator)) and any(
            protected(part) for part in _counted_parts(figure.indicator)
        )
        personal = personal or (figure.indicator.formula in DAYS_STATISTICS and figure.indicator.personal)
        cells = [figure.total, *(row.cell for b in figure.breakdowns for row in b.rows)]
        for cell in [*cells, *(cell for _month, cell in figure.trend)]:
            cell.suppressed = personal and bool(cell.value)
        return collapse_hidden_lines(figure)

    def _derived(self, indicator: Indicator, where: tuple[Node, Time, str, str]) -> bool:
        """A counted indicator's cell as decided; a ratio's or a sum of indicators' when one of the
        counted cells behind it is hidden (then its number would give that cell away)."""
        node, time, dim, value = where
        if indicator.formula in COUNTED:
            return self.hidden((indicator.code, node, time, dim, value))
        return any(
            self.hidden((part.code, node, time, dim, value))
            for part in _counted_parts(indicator)
            if dim in ("", *part.dims)
        )


def collapse_hidden_lines(figure: Figure) -> Figure:
    """A breakdown's hidden lines become one line, "Other values (hidden)", at the end.

    Listed one by one they would say which values are hidden (each then at least 1: five hidden lines
    under a total of 5 are five 1s) and, sorted by size among the shown lines, roughly how large each
    is. Months and quarters keep their lines: a trend lists every month whatever it holds."""
    for breakdown in figure.breakdowns:
        hidden = [row for row in breakdown.rows if row.cell.suppressed]
        if hidden:
            breakdown.rows = [row for row in breakdown.rows if not row.cell.suppressed]
            breakdown.rows.append(
                Row(HIDDEN_LINES, gettext("Other values (hidden)"), Cell(None, suppressed=True))
            )
    return figure


def _counted_parts(indicator: Indicator) -> list[Indicator]:
    """The counted indicators a figure rests on: itself, a ratio's two terms, a sum's parts."""
    if indicator.formula in COUNTED:
        return [indicator]
    if indicator.formula == "ratio":
        codes: Sequence[str] = (indicator.numerator, indicator.denominator)
    elif indicator.formula == "total":
        codes = indicator.parts
    else:
        return []
    return [part for code in codes for part in _counted_parts(catalogue()[code])]


def _equation(total: CellKey, parts: list[CellKey]) -> suppression.Equation:
    return suppression.Equation(
        total=_quantity(total), parts=tuple(sorted({_quantity(p) for p in parts}, key=repr))
    )


def _cell_of(q: suppression.Quantity) -> CellKey:
    code, pairs = q
    fields = dict(pairs)
    node_text, time_text = fields["n"], fields["t"]
    return (
        code,
        (node_text[0], int(node_text[1:])),
        (time_text[0], int(time_text[1:])),
        fields["d"],
        fields["v"],
    )
