"""Small cells stay small across queries: what a viewer sees of a month, a quarter and a year together."""

from __future__ import annotations

import datetime
import itertools
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kujdes.cases.services import case_create
from kujdes.core.scoping import tenant_scope
from kujdes.network.releases.suppression import Equation, Published, quantity, table_equation
from kujdes.network.releases.suppression import suppress as release_suppress
from kujdes.people.services import person_create
from kujdes.reports.catalogue import catalogue
from kujdes.reports.engine import HIDDEN_LINES, NOT_RECORDED, Engine
from kujdes.reports.protection import Protection, Slot, Tree, Values, Y, time_kind
from kujdes.reports.selectors import (
    figures_compute,
    indicators_get,
    period_quarter,
    period_year,
    report_context,
    report_scope,
)
from kujdes.reports.tests.attacker import P, Vector, determined, worked_out
from kujdes.reports.tests.builder_data import EnglishTestCase
from kujdes.reports.tests.data import indicator_dataset

FIGURES = "/api/v1/reports/figures"
YEAR = 2025


def _open_cases(t: Any, *, unit: Any, opened_on: datetime.date, count: int) -> None:
    for index in range(count):
        person = person_create(
            actor=t.charlie,
            unit=unit,
            given_name=f"Vera{opened_on.month}x{index}",
            family_name="Leka",
            sex="Feminine",
            birth_year=2006,
        )
        case_create(actor=t.charlie, person=person, unit=unit, case_type="prevention", opened_on=opened_on)


class MonthInsideAQuarterTests(EnglishTestCase):
    """Diocese B opened no case in October 2025, two in November and seven in December."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with tenant_scope(organisation_ids=[cls.org.pk]):
            _open_cases(cls, unit=cls.diocese_b, opened_on=datetime.date(YEAR, 11, 12), count=2)
            _open_cases(cls, unit=cls.diocese_b, opened_on=datetime.date(YEAR, 12, 3), count=7)

    def _total(self, **period: Any) -> float | None:
        response = self.client.get(
            FIGURES,
            {"indicators": "cases_opened", "unit": str(self.diocese_b.public_id), "year": YEAR, **period},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()["figures"][0]["total"]["value"]

    def test_november_cannot_be_worked_out_from_the_quarter_and_the_other_two_months(self) -> None:
        """Before the change, this failed with: Q4 = 9, October = 0 and December = 7 were all shown while
        November was "<5", so November = 9 − 0 − 7 = 2 (AssertionError: 2.0 is not None)."""
        self.login(self.viewer)
        november = self._total(month=11)
        self.assertIsNone(november)  # two cases: hidden
        quarter, october, december = self._total(quarter=4), self._total(month=10), self._total(month=12)
        worked_out = None
        if None not in (quarter, october, december):
            worked_out = quarter - october - december  # type: ignore[operator]
        self.assertIsNone(worked_out)

    def test_no_month_can_be_worked_out_from_every_view_of_the_year(self) -> None:
        """Every number the viewer can see of diocese B's cases in 2025 — the year, each quarter, each
        month, and the month-by-month trends of the year and of each quarter — leaves November unknown,
        and November reads "hidden" in every view that shows it."""
        seen: dict[tuple, float | None] = {}
        self.login(self.viewer)
        for period in [{}, *({"quarter": q} for q in range(1, 5)), *({"month": m} for m in range(1, 13))]:
            seen[("total", tuple(period.items()))] = self._total(**period)
        with tenant_scope(organisation_ids=[self.org.pk]):
            scope = report_scope(actor=self.viewer, unit_public_id=str(self.diocese_b.public_id))
            for period in [period_year(YEAR), *(period_quarter(YEAR, q) for q in range(1, 5))]:
                (figure,), _engine = figures_compute(
                    scope=scope, period=period, indicators=indicators_get(["cases_opened"]), trend=True
                )
                for month, cell in figure.trend:
                    seen[("trend", period.label, month.month)] = None if cell.suppressed else cell.value
                    if month.month == 11:
                        self.assertTrue(cell.suppressed, period.label)
        # The attacker's vector of each number: the months it adds up (cases are dated: a quarter is its
        # three months, the year its twelve).
        months_of = {
            (): range(1, 13),
            **{(("quarter", q),): range(3 * q - 2, 3 * q + 1) for q in range(1, 5)},
        }
        vectors = []
        hidden = []
        for key, value in seen.items():
            months = (months_of.get(key[1]) or [dict(key[1])["month"]]) if key[0] == "total" else [key[2]]
            vector = {month: 1 for month in months}
            (hidden if value is None else vectors).append(vector)
        self.assertTrue(hidden)
        self.assertEqual(determined(visible=vectors, hidden=[{11: 1}]), [])

    def test_a_reader_whose_small_cells_are_hidden_chooses_a_year_a_quarter_or_a_month(self) -> None:
        """Two periods that overlap would subtract into a hidden figure (1–30 November minus 1–15
        November): to such readers the dashboard and the API say so, and keep what was typed."""
        self.login(self.viewer)
        page = self.client.get("/reports/", {"date_from": f"{YEAR}-11-01", "date_to": f"{YEAR}-11-15"})
        self.assertEqual(page.status_code, 200)
        html = page.content.decode()
        self.assertIn("choose a year, a quarter or a month", html)
        self.assertIn(f'value="{YEAR}-11-15"', html)
        response = self.client.get(
            FIGURES,
            {"indicators": "cases_opened", "from": f"{YEAR}-11-01", "to": f"{YEAR}-11-15"},
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("choose a year, a quarter or a month", response.json()["errors"]["period"][0])
        # The same dates as a month are fine; a manager who sees the persons chooses any dates.
        response = self.client.get(
            FIGURES,
            {"indicators": "cases_opened", "from": f"{YEAR}-11-01", "to": f"{YEAR}-11-30"},
        )
        self.assertEqual(response.status_code, 200)
        self.login(self.charlie)
        response = self.client.get(
            FIGURES,
            {
                "indicators": "cases_opened",
                "unit": str(self.diocese_b.public_id),
                "from": f"{YEAR}-11-01",
                "to": f"{YEAR}-11-15",
            },
        )
        self.assertEqual(response.status_code, 200)


class ViewerNumbersTests(EnglishTestCase):
    """What the viewer is shown is the engine's own figures: the protection counts every unit from the
    indicators' rows and hands the page its figures from them (no second query), so they must agree."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with tenant_scope(organisation_ids=[cls.org.pk, cls.other_org.pk]):
            indicator_dataset(cls)

    def test_every_shown_number_is_the_engines(self) -> None:
        with tenant_scope(organisation_ids=[self.org.pk]):
            for unit in (self.root, self.diocese_a):
                scope = report_scope(actor=self.viewer, unit_public_id=str(unit.public_id))
                for period in (period_quarter(2025, 2), period_year(2025)):
                    indicators = list(catalogue().values())
                    figures, _engine = figures_compute(
                        scope=scope, period=period, indicators=indicators, dims=None, trend=True
                    )
                    exact = Engine(report_context(scope=scope, period=period))
                    for figure in figures:
                        indicator = figure.indicator
                        dims = [b.dim for b in figure.breakdowns]
                        expected = exact.figure(indicator, dims=dims, trend=bool(figure.trend))
                        with self.subTest(unit=unit.name, period=period.label, indicator=indicator.code):
                            self.assertEqual(figure.total.value, expected.total.value)
                            by_code = {
                                (b.dim, row.code): row.cell.value
                                for b in expected.breakdowns
                                for row in b.rows
                            }
                            for breakdown in figure.breakdowns:
                                for row in breakdown.rows:
                                    if row.code != HIDDEN_LINES:
                                        self.assertEqual(row.cell.value, by_code[(breakdown.dim, row.code)])
                                        self.assertEqual(
                                            row.label,
                                            next(
                                                r.label
                                                for b in expected.breakdowns
                                                for r in b.rows
                                                if (b.dim, r.code) == (breakdown.dim, row.code)
                                            ),
                                        )
                            self.assertEqual(
                                [cell.value for _m, cell in figure.trend],
                                [cell.value for _m, cell in expected.trend],
                            )


# --- the property: every question a reader can ask, against an independent attacker -------------------
#
# A synthetic organisation (a unit tree, records of one indicator in one year, a breakdown that adds up
# and one that does not) is asked every question a reader who may not see persons can ask — every unit,
# the year, each quarter and each month, the total, the month-by-month trend, each breakdown and the
# breakdown by unit — with the reports room's protection deciding what is hidden (its numbers read from
# the same records). The same records make statistics releases of the year, one after another, with the
# network's suppression. The attacker (kujdes/reports/tests/attacker.py) holds every visible number of
# each path and every sum and difference of them.


@dataclass(frozen=True)
class Record:
    unit: int
    start: int  # the month (dated records); the month it starts (0: before the year) for records that run
    end: int  # the month it ends (13: after the year); = start for dated records
    sex: str
    tags: frozenset[str]  # the breakdown that does not add up (several values, or none)

    def counted(self, months: Sequence[int], *, span: bool) -> bool:
        return self.start <= months[-1] and self.end >= months[0] if span else self.start in months

    def trend_month(self, months: Sequence[int], *, span: bool) -> int:
        return max(self.start, months[0]) if span else self.start


TREES = {
    "alone": [(1, None, "/1/")],
    "two dioceses": [(1, None, "/1/"), (2, 1, "/1/2/"), (3, 1, "/1/3/")],
    "a centre below": [
        (1, None, "/1/"),
        (2, 1, "/1/2/"),
        (3, 1, "/1/3/"),
        (4, 2, "/1/2/4/"),
        (5, 2, "/1/2/5/"),
    ],
}
# (indicator, the breakdown that adds up, the one that does not): dated with and without a trend, and
# records that run over months with and without one.
INDICATORS = [
    ("cases_opened", "sex", "exploitation_type"),
    ("cases_closed", "sex", "exploitation_type"),
    ("direct_beneficiaries", "sex", "activity_type"),
    ("camp_participants", "sex", "category"),
]
SLOTS = [Y, *(("Q", i) for i in range(1, 5)), *(("M", m) for m in range(1, 13))]


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, Any]:
    tree_name = draw(st.sampled_from(sorted(TREES)))
    code, additive, other = draw(st.sampled_from(INDICATORS))
    span = time_kind(catalogue()[code]) == "span"
    units = [pk for pk, _parent, _path in TREES[tree_name]]
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    size = draw(st.sampled_from([0, 1, 3, 6, 10, 16, 25]))
    records = []
    for _ in range(size):
        # Skewed: a busy unit and month, many small cells elsewhere.
        unit = rng.choices(units, weights=[4, 2, 2, 1, 1][: len(units)])[0]
        start = rng.choices(range(0 if span else 1, 13), k=1)[0]
        end = min(13, start + rng.choice([0, 0, 1, 2, 5])) if span else start
        if span and start == 0:
            end = max(end, 1)
        tags = frozenset(t for t in ("a", "b", "c") if rng.random() < 0.35)
        records.append(Record(unit, max(start, 0), end, rng.choices("FMX", weights=[5, 3, 1])[0], tags))
    known: tuple[int, ...] = ()
    if len(units) > 1 and draw(st.booleans()):
        known = (draw(st.sampled_from(units[1:])),)  # a reader who may also see one unit's persons
    return {
        "tree": TREES[tree_name],
        "code": code,
        "dims": (additive, other),
        "span": span,
        "records": records,
        "k": draw(st.sampled_from([3, 5])),
        "known": known,
    }


class RecordValues(Values):
    """The protection's numbers, from the synthetic records' rows as the engine would give them
    (Engine.rows: person, unit, month of the trend, values), so that its counting is tested too."""

    def __init__(self, *, world: dict[str, Any], tree: Tree, known_units: set[int]) -> None:
        super().__init__(
            organisation_id=0, tree=tree, year=YEAR, language="en", age_bounds=(), known_units=known_units
        )
        self.world = world

    def _rows_of(self, indicator: Any, context: Any, dim: str) -> list[tuple]:
        months, span = Slot(YEAR, context).months, self.world["span"]
        rows = []
        for person, record in enumerate(self.world["records"]):
            if record.unit in self.known_units or not record.counted(months, span=span):
                continue
            codes = tuple(_value_of(record, dim, self.world)) if dim else ()
            rows.append((person, record.unit, record.trend_month(months, span=span), codes, 1))
        return rows


def _months(time: tuple[str, int]) -> list[int]:
    return Slot(YEAR, time).months if time[0] != "S" else [time[1]]


def _matching(world: dict[str, Any], units: Iterable[int], time: tuple[str, int]) -> list[Record]:
    span, units = world["span"], set(units)
    if time[0] == "S":  # records that start in that month
        return [r for r in world["records"] if r.unit in units and r.start == time[1]]
    return [r for r in world["records"] if r.unit in units and r.counted(_months(time), span=span)]


def _value_of(record: Record, dim: str, world: dict[str, Any]) -> list[str]:
    if dim == world["dims"][0]:
        return [record.sex]
    return sorted(record.tags) or [NOT_RECORDED]


def _counts(world: dict[str, Any], units: Iterable[int], time: tuple[str, int], dim: str) -> dict[str, int]:
    rows = _matching(world, units, time)
    if not dim:
        return {"": len(rows)}
    out: dict[str, int] = {}
    for record in rows:
        for value in _value_of(record, dim, world):
            out[value] = out.get(value, 0) + 1
    return out


def _atom(record: Record) -> tuple:
    return (record.unit, record.start, record.end, record.sex, record.tags)


def _questions(world: dict[str, Any], tree: Tree) -> list[tuple[str, int, Slot, str, Any, list[Record]]]:
    """Every number a reader can obtain: (what, unit, period, dim, code or month, its records)."""
    indicator = catalogue()[world["code"]]
    span = world["span"]
    out = []
    for unit in tree.parent:
        subtree = tree.subtree[unit]
        for time in SLOTS:
            slot = Slot(YEAR, time)
            counted = _matching(world, subtree, time)
            out.append(("total", unit, slot, "", None, counted))
            if indicator.trend:
                for month in slot.months:
                    rows = [r for r in counted if r.trend_month(slot.months, span=span) == month]
                    out.append(("trend", unit, slot, "", month, rows))
            for dim in world["dims"]:
                codes = sorted({v for r in counted for v in _value_of(r, dim, world)})
                for code in codes:
                    rows = [r for r in counted if code in _value_of(r, dim, world)]
                    out.append(("row", unit, slot, dim, code, rows))
            for own in sorted({r.unit for r in counted}):
                out.append(("row", unit, slot, "unit", own, [r for r in counted if r.unit == own]))
    return out


def _reader_sees(world: dict[str, Any], tree: Tree, order: Sequence[int]) -> dict[tuple, tuple[bool, list]]:
    """Ask every question (in `order`, each request with its own protection): hidden or not, records."""
    indicator = catalogue()[world["code"]]
    k, known = world["k"], set(world["known"])
    known_units = {u for unit in known for u in tree.subtree[unit]}
    questions = _questions(world, tree)
    seen: dict[tuple, tuple[bool, list]] = {}
    protection = None
    for number, index in enumerate(order):
        what, unit, slot, dim, code, rows = questions[index]
        if set(tree.subtree[unit]) <= known_units:
            seen[(what, unit, slot.time, dim, code)] = (False, rows)  # their own persons: exact figures
            continue
        if protection is None or number % 40 == 0:  # a new request now and then
            protection = Protection(
                organisation_id=0,
                tree=tree,
                year=YEAR,
                threshold=k,
                language="en",
                age_bounds=(),
                known_units=known_units,
                values=RecordValues(world=world, tree=tree, known_units=known_units),
            )
        if what == "total":
            hidden = protection.total_hidden(indicator, unit=unit, slot=slot)
        elif what == "trend":
            hidden = protection.trend_hidden(indicator, unit=unit, slot=slot, month=code)
        else:
            hidden = protection.row_hidden(
                indicator, unit=unit, slot=slot, dim=dim, code=code, value=len(rows)
            )
        # The engine's own check on the number shown: few persons (here each record is a person).
        hidden = hidden or 1 <= len(rows) < k
        seen[(what, unit, slot.time, dim, code)] = (hidden, rows)
    return seen


# The attacker's atoms: every kind of record that could exist. Time: a month (dated records) or a start
# and an end month (0: before the year, 13: after it); values: a sex and a set of tags.
VALUE_ATOMS = [
    (sex, frozenset(c for c, bit in zip("abc", bits, strict=True) if bit))
    for sex in "FMX"
    for bits in itertools.product((0, 1), repeat=3)
]


def _time_atoms(span: bool) -> list[tuple[int, int]]:
    if span:
        return [(s, e) for s in range(13) for e in range(max(s, 1), 14)]
    return [(m, m) for m in range(1, 13)]


def _time_set(what: str, slot: Slot, month: Any, span: bool) -> frozenset:
    out = set()
    for start, end in _time_atoms(span):
        record = Record(0, start, end, "F", frozenset())
        if record.counted(slot.months, span=span) and (
            what != "trend" or record.trend_month(slot.months, span=span) == month
        ):
            out.add((start, end))
    return frozenset(out)


def _value_set(dim: str, code: Any, world: dict[str, Any]) -> frozenset:
    if dim in ("", "unit"):
        return frozenset(VALUE_ATOMS)
    if dim == world["dims"][0]:
        return frozenset(a for a in VALUE_ATOMS if a[0] == code)
    if code == NOT_RECORDED:
        return frozenset(a for a in VALUE_ATOMS if not a[1])
    return frozenset(a for a in VALUE_ATOMS if code in a[1])


def _coordinates(vectors: Iterable[frozenset]) -> dict[frozenset, dict[int, Fraction]]:
    """Each vector (a set of atoms) in a basis of their span: a question's number is a product of a
    units part, a time part and a values part, so the attacker's vectors are products of coordinates
    (exact: the span of products is the product of the spans), a few hundred wide instead of thousands."""
    rows: dict[Any, tuple[dict[Any, Fraction], dict[int, Fraction]]] = {}  # pivot → (row, as basis sums)
    out: dict[frozenset, dict[int, Fraction]] = {}
    size = 0
    for vector in dict.fromkeys(vectors):
        residue = {atom: Fraction(1) for atom in vector}
        combination: dict[int, Fraction] = {}
        for pivot in sorted(rows, key=repr):
            factor = residue.get(pivot)
            if factor:
                row, as_basis = rows[pivot]
                for atom, c in row.items():
                    residue[atom] = residue.get(atom, Fraction(0)) - factor * c
                    if not residue[atom]:
                        del residue[atom]
                for index, c in as_basis.items():
                    combination[index] = combination.get(index, Fraction(0)) + factor * c
        if residue:
            # A new basis vector: the residue is it minus the combination.
            new = {size: Fraction(1)}
            for index, c in combination.items():
                new[index] = new.get(index, Fraction(0)) - c
            pivot = min(residue, key=repr)
            lead = residue[pivot]
            rows[pivot] = (
                {a: c / lead for a, c in residue.items()},
                {i: c / lead for i, c in new.items() if c},
            )
            out[vector] = {size: Fraction(1)}
            size += 1
        else:
            out[vector] = {i: c for i, c in combination.items() if c}
    return out


def _universal_vectors(world: dict[str, Any], tree: Tree, keys: Iterable[tuple], known: set[int]) -> dict:
    """The attacker's vector of each question's number, over every kind of record that could exist."""
    span = world["span"]
    parts = {}
    for key in keys:
        what, unit, time, dim, code = key
        slot = Slot(YEAR, time)
        units = [u for u in ((code,) if dim == "unit" else tree.subtree[unit]) if u not in known]
        parts[key] = (units, _time_set(what, slot, code, span), _value_set(dim, code, world))
    times = _coordinates(t for _u, t, _v in parts.values())
    values = _coordinates(v for _u, _t, v in parts.values())
    out = {}
    for key, (units, time_set, value_set) in parts.items():
        out[key] = {
            (u, i, j): int(
                c.numerator * pow(c.denominator, -1, P) * d.numerator * pow(d.denominator, -1, P) % P
            )
            for u in units
            for i, c in times[time_set].items()
            for j, d in values[value_set].items()
        }
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.randoms(use_true_random=False))
def test_no_hidden_cell_can_be_worked_out_from_every_question_a_reader_can_ask(world: dict, rnd: Any) -> None:
    tree = Tree.build(world["tree"])
    known_units = {u for unit in world["known"] for u in tree.subtree[unit]}
    count = len(_questions(world, tree))
    # Reports: asked in two different orders, over many requests: the same cells hidden both times.
    first = _reader_sees(world, tree, range(count))
    order = list(range(count))
    rnd.shuffle(order)
    second = _reader_sees(world, tree, order)
    assert {key: hidden for key, (hidden, _r) in first.items()} == {
        key: hidden for key, (hidden, _r) in second.items()
    }, "a cell hidden in one view and shown in another"
    vectors = _universal_vectors(world, tree, first, known_units)
    shown = [vectors[key] for key, (hidden, _r) in first.items() if not hidden]
    # What is secret in a hidden cell is its part outside the units the reader sees persons of: a cell
    # hidden for counting one of their own persons, and nobody else, hides nothing from them.
    hidden_keys = [
        key
        for key, (hidden, rows) in first.items()
        if hidden and any(r.unit not in known_units for r in rows)
    ]
    found = determined(visible=shown, hidden=[vectors[key] for key in hidden_keys])
    assert not found, f"reports: worked out {[hidden_keys[i] for i in found]}"

    # Releases of the year, one after another, each choosing tables (the network's rule, k = 11).
    counts: dict[tuple, int] = {}
    for record in world["records"]:
        atom = (record.sex, record.tags)
        counts[atom] = counts.get(atom, 0) + 1
    whole = tree.subtree[next(u for u, parent in tree.parent.items() if parent is None)]
    code = world["code"]
    earlier: list[dict] = []
    earlier_equations: list[Equation] = []
    release_visible: dict[Vector, int] = {}
    release_hidden: list[Vector] = []
    for chosen in ([world["dims"][0]], [world["dims"][1], world["dims"][0]], [world["dims"][1]]):
        values: dict = {}
        sets: dict = {}
        equations = []
        values[quantity(code)] = len(_matching(world, whole, Y))
        sets[quantity(code)] = _value_set("", None, world)
        for dim in chosen:
            cells = _counts(world, whole, Y, dim)
            codes = sorted({*cells, *(["F", "M", "X"] if dim == world["dims"][0] else [])})
            for value in codes:
                q = quantity(code, {dim: value})
                values[q] = cells.get(value, 0)
                sets[q] = _value_set(dim, value, world)
            if dim == world["dims"][0]:
                equations.append(table_equation(code, dim, codes))
        result = release_suppress(
            values=values, equations=equations, k=11, earlier=earlier, earlier_equations=earlier_equations
        )
        for q, value_set in sets.items():
            if q in result.withheld:
                release_hidden.append(value_set)
            else:
                release_visible[value_set] = values[q]
        earlier.append(
            {
                q: Published(None, result.withheld[q], 11) if q in result.withheld else Published(v, "", 11)
                for q, v in values.items()
            }
        )
        earlier_equations = list(dict.fromkeys([*earlier_equations, *equations]))
    pinned = worked_out(visible=release_visible, hidden=release_hidden, counts=counts)
    assert not pinned, f"releases: worked out {[(sorted(v), how) for v, how in pinned.items()]}"
