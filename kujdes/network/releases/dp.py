"""Differential privacy for a release's marginal tables, with OpenDP; the Synthetic Data Showcase format.

`dp_table` adds noise to every cell of one marginal table (a histogram: cell → count of persons) with
OpenDP's samplers — the discrete Gaussian (`make_gaussian` on an integer domain, accounted in zero-
concentrated DP and converted to (ε, δ)) or the discrete Laplace, also called geometric (`make_laplace`
on an integer domain, pure ε-DP). No sampler is written here, and the ε and δ we report are those that
OpenDP's privacy map gives for the measurement that made the noise.

Assumption (the sensitivity): one person counts in at most `max_cells_per_person` cells of the table,
by 1 each (1 by default: sex, age group, nationality — each person in one cell). Adding or removing a
person then moves the vector of counts by at most that many in L1 (the Laplace's metric) and, as a
bound, by at most that many in L2 (the Gaussian's metric; the exact L2 distance is its square root,
so the bound is conservative). Tables where a person counts in several cells (types of exploitation)
must say so through `max_cells_per_person`.

Post-processing (free: it touches only the noisy output, so the guarantee is unchanged): a noisy
count below zero becomes 0, and the total is the sum of the published cells, so that the table always
adds up. We chose this over spending part of the budget on a separately noised total and rescaling the
cells to it: that would halve the budget of the cells for a total that still disagrees with them
before rounding. The price is a small upward bias in the total when many true counts are near zero
(clamping removes negative noise only); the documentation says so.

OpenDP's samplers draw from the operating system's cryptographic randomness and take no seed, so
nothing here is reproducible by design (a seed would let anyone who learns it remove the noise). The
tests check statistical properties instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

MECHANISMS = ("discrete_gaussian", "discrete_laplace")


class DPError(ValueError):
    """The parameters cannot make a measurement (the message is for the user, translated)."""


def _opendp() -> Any:
    import opendp.prelude as dp

    # "contrib": OpenDP's measurements whose proofs are written but not yet vetted by its committee,
    # which includes the vector noise mechanisms used here.
    dp.enable_features("contrib")
    return dp


@dataclass(frozen=True)
class DPResult:
    """One marginal table after noise: non-negative integers that add up to `total`."""

    noisy: dict[str, int]
    total: int
    epsilon: float
    delta: float
    mechanism: str
    scale: float
    description: str
    # zCDP's ρ for the Gaussian (what the (ε, δ) pair was converted from); None for the Laplace.
    rho: float | None = None
    max_cells_per_person: int = 1
    notes: tuple[str, ...] = field(default_factory=tuple)


def _check(epsilon: float, delta: float, mechanism: str, max_cells_per_person: int) -> None:
    if mechanism not in MECHANISMS:
        raise DPError(_("Unknown noise mechanism: %(name)s.") % {"name": mechanism})
    if not (isinstance(epsilon, int | float) and math.isfinite(epsilon) and epsilon > 0):
        raise DPError(_("ε must be a positive number."))
    if mechanism == "discrete_gaussian" and not (
        isinstance(delta, int | float) and math.isfinite(delta) and 0 < delta < 1
    ):
        raise DPError(_("δ must be a number between 0 and 1 (for example 0.000001)."))
    if not (isinstance(max_cells_per_person, int) and max_cells_per_person >= 1):
        raise DPError(_("A person counts in at least one cell."))


def dp_measurement(
    *,
    size: int,
    epsilon: float,
    delta: float,
    mechanism: str = "discrete_gaussian",
    max_cells_per_person: int = 1,
) -> tuple[Any, float]:
    """The OpenDP measurement (and its noise scale) that spends at most (ε, δ) on a table of `size` cells.

    The scale is the smallest OpenDP's binary search finds for which the measurement's privacy map,
    at the table's sensitivity, stays within the budget.
    """
    _check(epsilon, delta, mechanism, max_cells_per_person)
    dp = _opendp()
    d_in = max_cells_per_person
    if mechanism == "discrete_laplace":
        space = dp.vector_domain(dp.atom_domain(T=int), size=size), dp.l1_distance(T=int)

        def make(scale: float) -> Any:
            return space >> dp.m.then_laplace(scale=scale)

        scale = dp.binary_search_param(make, d_in=d_in, d_out=float(epsilon))
    else:
        space = dp.vector_domain(dp.atom_domain(T=int), size=size), dp.l2_distance(T=int)

        def make(scale: float) -> Any:
            zcdp = space >> dp.m.then_gaussian(scale=scale)
            return dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(zcdp), delta=float(delta))

        scale = dp.binary_search_param(make, d_in=d_in, d_out=(float(epsilon), float(delta)))
    return make(scale), float(scale)


def dp_accounting(*, measurement: Any, mechanism: str, max_cells_per_person: int = 1) -> tuple[float, float]:
    """(ε, δ) as OpenDP's privacy map reports them for the measurement at the table's sensitivity."""
    spent = measurement.map(max_cells_per_person)
    if mechanism == "discrete_laplace":
        return float(spent), 0.0
    epsilon, delta = spent
    return float(epsilon), float(delta)


def _rho(*, scale: float, max_cells_per_person: int, size: int) -> float:
    """zCDP's ρ of the Gaussian, from OpenDP's own map of the unconverted measurement."""
    dp = _opendp()
    space = dp.vector_domain(dp.atom_domain(T=int), size=size), dp.l2_distance(T=int)
    return float((space >> dp.m.then_gaussian(scale=scale)).map(max_cells_per_person))


def dp_describe(*, epsilon: float, delta: float, mechanism: str) -> str:
    """ε and δ in plain words, in the reader's language."""
    factor = math.exp(epsilon)
    parts = [
        _(
            "Noise was added to every figure (%(mechanism)s). Whether or not any one person's record is "
            "in the data, the probability of publishing any given figure changes by at most a factor "
            "of e^ε = e^%(epsilon)s ≈ %(factor)s: a reader of these figures cannot tell with confidence "
            "whether a particular person is counted in them."
        )
        % {
            "mechanism": _("discrete Gaussian noise")
            if mechanism == "discrete_gaussian"
            else _("discrete Laplace (geometric) noise"),
            "epsilon": f"{epsilon:.3g}",
            "factor": f"{factor:.3g}",
        }
    ]
    if delta > 0:
        odds = round(1 / delta)
        parts.append(
            _(
                "δ = %(delta)s is the small chance (1 in %(odds)s) that this guarantee does not hold "
                "for a person."
            )
            % {"delta": f"{delta:.3g}", "odds": f"{odds:,}"}
        )
    else:
        parts.append(_("δ = 0: the guarantee holds without exception."))
    parts.append(
        _(
            "Noisy counts below zero were set to zero and the total is the sum of the published "
            "figures, so the table adds up; small figures are therefore slightly overstated on average."
        )
    )
    return " ".join(parts)


def dp_table(
    counts: Mapping[str, int],
    *,
    epsilon: float,
    delta: float,
    mechanism: str = "discrete_gaussian",
    max_cells_per_person: int = 1,
) -> DPResult:
    """Noisy counts of one marginal table under (ε, δ)-differential privacy (δ = 0 for the Laplace).

    Every cell is released, zeros included (leaving zeros out would tell which cells are empty).
    Cells come back in the order given; noisy counts are non-negative and `total` is their sum.
    """
    keys = list(counts)
    values = [int(counts[key]) for key in keys]
    if any(value < 0 for value in values):
        raise DPError(_("A count cannot be negative."))
    size = len(keys)
    measurement, scale = dp_measurement(
        size=max(size, 1),
        epsilon=epsilon,
        delta=delta,
        mechanism=mechanism,
        max_cells_per_person=max_cells_per_person,
    )
    spent_epsilon, spent_delta = dp_accounting(
        measurement=measurement, mechanism=mechanism, max_cells_per_person=max_cells_per_person
    )
    released = [int(v) for v in measurement(values)] if size else []
    noisy = {key: max(value, 0) for key, value in zip(keys, released, strict=True)}
    rho = (
        _rho(scale=scale, max_cells_per_person=max_cells_per_person, size=max(size, 1))
        if mechanism == "discrete_gaussian"
        else None
    )
    return DPResult(
        noisy=noisy,
        total=sum(noisy.values()),
        epsilon=spent_epsilon,
        delta=spent_delta,
        mechanism=mechanism,
        scale=scale,
        description=dp_describe(epsilon=spent_epsilon, delta=spent_delta, mechanism=mechanism),
        rho=rho,
        max_cells_per_person=max_cells_per_person,
    )


# --- Synthetic Data Showcase aggregates -----------------------------------------------------------------

# As Microsoft's synthetic-data-showcase writes its aggregates file: a header line naming the count
# column ("protected_count" once the counts are protected), the number of records on a line whose
# selection is the word "selections", then one line per combination of attributes,
# "attribute:value;attribute:value<TAB>count", the pairs sorted as the tool sorts them
# ("attribute:value" strings in order).
SDS_HEADER = "selections\tprotected_count"
SDS_RECORDS = "selections"
_SDS_RESERVED = str.maketrans({":": " ", ";": " ", "\t": " ", "\n": " ", "\r": " "})


def _sds_text(value: object) -> str:
    """An attribute name or value without the format's separators (they would split it)."""
    return str(value).translate(_SDS_RESERVED).strip()


def _sds_selection(selection: Mapping[str, object]) -> str:
    pairs = sorted(f"{_sds_text(name)}:{_sds_text(value)}" for name, value in selection.items())
    return ";".join(pairs)


def sds_aggregates(rows: Iterable[tuple[Mapping[str, object], int]], *, records: int | None = None) -> str:
    """The aggregates of a protected release in the Synthetic Data Showcase's format (UTF-8 text, "\\n").

    `rows` are (selection, count) pairs, a selection being {attribute: value}. The record count
    line takes `records` when given, else the count of the row with an empty selection, else — when
    every row has the same attributes, so that each record is in exactly one row — the sum of the
    counts. Rows come out shortest combination first, then in the order of their text.
    """
    rows = [(dict(selection), int(count)) for selection, count in rows]
    if any(count < 0 for _selection, count in rows):
        raise ValueError("a protected count cannot be negative")
    combinations = [(selection, count) for selection, count in rows if selection]
    if records is None:
        empty = [count for selection, count in rows if not selection]
        if empty:
            records = empty[0]
        elif len({frozenset(selection) for selection, _count in combinations}) <= 1:
            records = sum(count for _selection, count in combinations)
        else:
            raise ValueError("the number of records is needed when rows mix attributes")
    lines = [SDS_HEADER, f"{SDS_RECORDS}\t{records}"]
    ordered = sorted(
        ((_sds_selection(selection), len(selection), count) for selection, count in combinations),
        key=lambda item: (item[1], item[0]),
    )
    lines.extend(f"{text}\t{count}" for text, _length, count in ordered)
    return "\n".join(lines) + "\n"


def dp_tables(
    tables: Mapping[str, Mapping[str, int]],
    *,
    epsilon: float,
    delta: float,
    mechanism: str = "discrete_gaussian",
) -> tuple[dict[str, DPResult], str]:
    """Several marginal tables of the same persons under one budget: (results by table, description).

    A person counts in every table, so the tables' budgets add up (basic composition): each table
    gets ε/n and δ/n, and the description states the whole release's ε and δ.
    """
    count = max(len(tables), 1)
    results = {
        name: dp_table(counts, epsilon=epsilon / count, delta=delta / count, mechanism=mechanism)
        for name, counts in tables.items()
    }
    spent_epsilon = sum(result.epsilon for result in results.values())
    spent_delta = sum(result.delta for result in results.values())
    return results, dp_describe(epsilon=spent_epsilon, delta=spent_delta, mechanism=mechanism)
