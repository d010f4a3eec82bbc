"""Suppression: the k rule, complementary suppression, and the property that an attacker holding every
released number of a period (this release and all earlier ones) cannot pin any withheld cell.

The attacker here is written independently of kujdes.network.releases.suppression: rank tests for
the linear algebra, and a depth-first search for a second integer solution for the bounds.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kujdes.network.releases.suppression import (
    COMPLEMENTARY,
    PRIMARY,
    Equation,
    KTooSmall,
    Published,
    quantity,
    suppress,
    table_equation,
)

q = quantity


# --- the k rule ------------------------------------------------------------------------------------------


def test_counts_from_1_to_10_are_withheld_and_11_and_0_are_released() -> None:
    values = {q("x"): 21, q("x", {"s": "a"}): 10, q("x", {"s": "b"}): 11, q("x", {"s": "c"}): 0}
    result = suppress(values=values, equations=[], k=11)
    assert result.withheld == {q("x", {"s": "a"}): PRIMARY}


def test_a_higher_k_withholds_more_and_a_k_below_11_is_refused() -> None:
    values = {q("x"): 12}
    assert suppress(values=values, equations=[], k=13).withheld == {q("x"): PRIMARY}
    assert suppress(values=values, equations=[], k=11).withheld == {}
    for k in (10, 1, 0, -5):
        with pytest.raises(KTooSmall):
            suppress(values=values, equations=[], k=k)


def test_one_small_cell_in_a_table_takes_another_cell_with_it() -> None:
    values = {q("x"): 40, q("x", {"s": "f"}): 5, q("x", {"s": "m"}): 35}
    result = suppress(values=values, equations=[table_equation("x", "s", ["f", "m"])], k=11)
    assert result.withheld == {q("x", {"s": "f"}): PRIMARY, q("x", {"s": "m"}): COMPLEMENTARY}


def test_two_small_cells_adding_up_to_fewer_than_k_take_a_third_with_them() -> None:
    values = {q("x"): 40, q("x", {"s": "a"}): 1, q("x", {"s": "b"}): 1, q("x", {"s": "c"}): 38}
    result = suppress(values=values, equations=[table_equation("x", "s", ["a", "b", "c"])], k=11)
    assert result.withheld[q("x", {"s": "c"})] == COMPLEMENTARY


def test_complementary_suppression_across_two_tables_of_one_release() -> None:
    # Two tables share the total: the small cell of one needs a complement that the other table does
    # not give back.
    values = {
        q("x"): 30,
        q("x", {"s": "f"}): 4,
        q("x", {"s": "m"}): 26,
        q("x", {"a": "child"}): 30,
        q("x", {"a": "adult"}): 0,
    }
    equations = [table_equation("x", "s", ["f", "m"]), table_equation("x", "a", ["child", "adult"])]
    result = suppress(values=values, equations=equations, k=11)
    assert result.withheld[q("x", {"s": "f"})] == PRIMARY
    assert q("x", {"s": "m"}) in result.withheld
    assert not attacker_pins(releases=[(values, result.withheld, 11)], equations=equations)


def test_complementary_suppression_across_an_earlier_release_of_the_same_period() -> None:
    # Earlier: by sex (f withheld, o withheld as its complement; the total and m released). Now: by sex
    # and by age. m is public already, so withholding it now would hide nothing: o again.
    values = {
        q("x"): 60,
        q("x", {"s": "f"}): 3,
        q("x", {"s": "m"}): 45,
        q("x", {"s": "o"}): 12,
        q("x", {"a": "y"}): 48,
        q("x", {"a": "z"}): 12,
    }
    sex = table_equation("x", "s", ["f", "m", "o"])
    age = table_equation("x", "a", ["y", "z"])
    first = suppress(values={k: v for k, v in values.items() if "a" not in dict(k[1])}, equations=[sex], k=11)
    assert first.withheld == {q("x", {"s": "f"}): PRIMARY, q("x", {"s": "o"}): COMPLEMENTARY}
    shown = {
        key: Published(None, first.withheld[key]) if key in first.withheld else Published(value)
        for key, value in values.items()
        if "a" not in dict(key[1])
    }
    # Releasing o now would reveal f = 60 − 45 − 12.
    second = suppress(values=values, equations=[sex, age], k=11, earlier=[shown], earlier_equations=[sex])
    assert q("x", {"s": "o"}) in second.withheld
    assert not second.exposed
    releases = [
        ({k: v for k, v in values.items() if "a" not in dict(k[1])}, first.withheld, 11),
        (values, second.withheld, 11),
    ]
    assert not attacker_pins(releases=releases, equations=[sex, age])


# --- the independent attacker ----------------------------------------------------------------------------


def _rank(rows: list[list[Fraction]]) -> int:
    rows = [list(r) for r in rows if any(r)]
    rank = 0
    width = len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(rank + 1, len(rows)):
            factor = rows[i][col] / rows[rank][col]
            rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def attacker_pins(
    *,
    releases: list[tuple[dict, dict, int]],
    equations: list[Equation],
    truth: dict | None = None,
    reasons: bool = True,
) -> set:
    """Every withheld quantity the attacker determines from all releases: (values, withheld, k) each.

    Bounds: every withheld cell ≥ 1 (zero is never withheld); knowing the `reasons` too, a primary
    cell ≤ k−1 and a complementary one ≥ k."""
    known: dict = {}
    bounds: dict = {}
    truth = dict(truth or {})
    for values, withheld, _k in releases:
        truth.update(values)
        for key, value in values.items():
            if key not in withheld:
                known[key] = value
    for _values, withheld, k in releases:
        for key, reason in withheld.items():
            if key in known:
                continue
            lo, hi = ((1, k - 1) if reason == PRIMARY else (k, None)) if reasons else (1, None)
            old = bounds.get(key, (0, None))
            bounds[key] = (
                max(lo, old[0]),
                hi if old[1] is None else old[1] if hi is None else min(hi, old[1]),
            )
    unknown = sorted(bounds)
    if not unknown:
        return set()
    index = {key: i for i, key in enumerate(unknown)}
    eqs = []
    for equation in set(equations):
        coefficients = [Fraction(0)] * len(unknown)
        constant = 0
        for key, a in [(equation.total, -1), *((p, 1) for p in equation.parts)]:
            if key in known:
                constant += a * known[key]
            else:
                coefficients[index[key]] += a
        eqs.append((coefficients, -constant))  # Σ a·x = −constant
    matrix = [c for c, _ in eqs]
    base_rank = _rank(matrix)
    pinned = set()
    for key in unknown:
        unit = [Fraction(int(i == index[key])) for i in range(len(unknown))]
        if _rank([*matrix, unit]) == base_rank:
            pinned.add(key)
    cap = 10 * (max([*truth.values(), 1]) + 20)
    domains = [(bounds[key][0], cap if bounds[key][1] is None else bounds[key][1]) for key in unknown]
    true = [truth[key] for key in unknown]
    for key in unknown:
        if key in pinned:
            continue
        if not _another_solution(index[key], true, domains, eqs):
            pinned.add(key)
    return pinned


def _another_solution(u: int, true: list[int], domains: list[tuple[int, int]], eqs: list) -> bool:
    """Depth-first search for an integer solution of the equations within the domains with x_u ≠ true[u]."""
    n = len(true)
    order = [u, *[i for i in range(n) if i != u]]

    def candidates(i: int):
        lo, hi = domains[i]
        values = sorted(range(lo, hi + 1), key=lambda v: (abs(v - true[i]), v))
        return [v for v in values if i != u or v != true[u]]

    def possible(assigned: dict[int, int]) -> bool:
        for coefficients, target in eqs:
            low = high = Fraction(0)
            for i, a in enumerate(coefficients):
                if a == 0:
                    continue
                if i in assigned:
                    low += a * assigned[i]
                    high += a * assigned[i]
                else:
                    lo, hi = domains[i]
                    low += a * (lo if a > 0 else hi)
                    high += a * (hi if a > 0 else lo)
            if not low <= target <= high:
                return False
        return True

    def search(depth: int, assigned: dict[int, int]) -> bool:
        if depth == n:
            return True
        i = order[depth]
        for value in candidates(i):
            assigned[i] = value
            if possible(assigned) and search(depth + 1, assigned):
                return True
            del assigned[i]
        return False

    return search(0, {})


# --- the property -----------------------------------------------------------------------------------------


@st.composite
def scenarios(draw: st.DrawFn) -> dict:
    """Records of one period → releases of the same period choosing different tables, same k."""
    k = draw(st.sampled_from([11, 11, 12, 15]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = random.Random(seed)
    indicators = {}
    for code in ("x", "y")[: draw(st.integers(1, 2))]:
        dims = {
            f"d{j}": [f"c{c}" for c in range(draw(st.integers(2, 4)))] for j in range(draw(st.integers(1, 3)))
        }
        size = draw(st.sampled_from([0, 1, 3, 8, 12, 20, 35, 60]))
        records = []
        for _ in range(size):
            # Skewed categories: many small cells.
            records.append(
                {
                    dim: rng.choices(codes, weights=[8, 3, 1, 1][: len(codes)])[0]
                    for dim, codes in dims.items()
                }
            )
        indicators[code] = (dims, records)
    values = {}
    tables = []
    for code, (dims, records) in indicators.items():
        values[q(code)] = len(records)
        for dim, codes in dims.items():
            for c in codes:
                values[q(code, {dim: c})] = sum(1 for r in records if r[dim] == c)
            tables.append((code, dim, tuple(codes)))
    count = draw(st.integers(1, 4))
    choices = [draw(st.lists(st.sampled_from(tables), min_size=1, unique=True)) for _ in range(count)]
    return {"k": k, "values": values, "tables": tables, "choices": choices}


def _release_values(values: dict, chosen: list) -> dict:
    out = {}
    for code, dim, codes in chosen:
        out[q(code)] = values[q(code)]
        for c in codes:
            out[q(code, {dim: c})] = values[q(code, {dim: c})]
    return out


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_no_withheld_cell_can_be_worked_out_from_all_releases_of_the_period(scenario: dict) -> None:
    k, values = scenario["k"], scenario["values"]
    earlier: list[dict] = []
    earlier_equations: list[Equation] = []
    releases = []
    all_equations: list[Equation] = []
    reason_sensitive: set = set()
    for chosen in scenario["choices"]:
        release_values = _release_values(values, chosen)
        equations = [table_equation(code, dim, codes) for code, dim, codes in chosen]
        result = suppress(
            values=release_values,
            equations=equations,
            k=k,
            earlier=earlier,
            earlier_equations=earlier_equations,
        )
        assert not result.exposed, "same data, same k: nothing given away before"
        reason_sensitive |= result.pinned_if_reasons_known
        # Primary: exactly the cells 1..k−1.
        assert {key for key, r in result.withheld.items() if r == PRIMARY} == {
            key for key, v in release_values.items() if 1 <= v < k
        }
        assert all(release_values[key] > 0 for key in result.withheld)
        releases.append((release_values, result.withheld, k))
        all_equations = list(dict.fromkeys([*all_equations, *equations]))
        pinned = attacker_pins(releases=releases, equations=all_equations, truth=values, reasons=False)
        assert not pinned, f"worked out: {pinned}"
        # Knowing why each cell was withheld pins nothing the suppression did not report.
        pinned = attacker_pins(releases=releases, equations=all_equations, truth=values, reasons=True)
        assert pinned <= reason_sensitive, f"worked out with the reasons: {pinned - reason_sensitive}"
        earlier.append(
            {
                key: Published(None, result.withheld[key], k)
                if key in result.withheld
                else Published(v, "", k)
                for key, v in release_values.items()
            }
        )
        earlier_equations = list(all_equations)
