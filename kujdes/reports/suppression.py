"""Small-cell and complementary suppression (pure functions, no Django).

One algorithm for every aggregate that leaves a reader's reach of persons: the network's statistics
releases (kujdes/network/releases, k ≥ 11, CTDC's rule) and the reports room's figures for readers who
may not see persons (kujdes/reports/protection.py, the organisation's threshold, 5 by default). It lives
in the reports room so that both can import it (reports ← network).

What is protected
-----------------
A release is a set of tables, each an indicator's total and (optionally) its breakdown by one
disaggregation. Every cell counting 1..k−1 is withheld (*primary* suppression); 0 is released. Then
cells are withheld *complementarily* until no withheld cell can be worked out. The quantities and
equations are the caller's: a release's tables (``table_equation``), or the reports room's hierarchy of
periods, units and breakdowns (whose cells are quantities with more key pairs).

The attacker
------------
The attacker knows:
- every number released by this release and by **every earlier release of the same partner and
  period** (including superseded and withdrawn ones: they were public once);
- the equations of the tables: for an *additive* breakdown (each counted person or event falls
  under exactly one value of the disaggregation, including "not recorded"), the cells add up to
  the total. The same quantity (indicator, disaggregation value) is one unknown wherever it
  appears — in another table of this release or in an earlier release. A non-additive breakdown
  (a person counts under several exploitation types, activity types…) gives no equation;
- that zero is never withheld, so every withheld cell is at least 1.
That is the model the release guarantees against (``reasons=False``: the only model the reports room
needs, since it shows every withheld cell alike). A stronger attacker also knows *why* each cell
was withheld — a primary cell lies in 1..k−1, a complementary one is a released-size count, ≥ k —
and bounds from every release of the period are intersected. The algorithm protects against that
attacker too wherever one more withheld cell can; where none can (e.g. a total known from an
earlier release and a breakdown 11 + 1: both withheld, but "complementary ≥ 11" pins them), the
cell is listed in ``pinned_if_reasons_known``. The reasons are published (a primary cell shows as
"<11", a complementary one as "withheld"), so the service refuses such a release as it refuses one
with an ``exposed`` cell.

The algorithm
-------------
Unknowns are the withheld quantities (of this release and of earlier ones, not released anywhere).
Each equation ``total = Σ parts`` becomes ``Σ a_i x_i = b`` over the unknowns once the known numbers
are moved to the right-hand side. A withheld cell is *determined* when:
1. **linear algebra**: its unit vector lies in the row space of the equations restricted to the
   unknown columns (exact Gaussian elimination over `fractions.Fraction`; in the reduced row echelon
   form, a row equal to the unit vector);
2. **bounds**: interval propagation over the equations with the bounds above (the stronger
   attacker's) narrows it to a single value (e.g. two cells summing to 2 are both 1; a primary and a
   complementary cell summing to k+1 are 1 and k). For the tables made here — one-disaggregation breakdowns
   sharing their indicator's total — the equations of an indicator form a star around the total,
   for which interval propagation is exact;
3. **sum rule**: in an equation whose unknowns all count positively (the total is known), the
   withheld cells together sum to less than k (the attacker would learn that "these few
   together are fewer than k").
While some withheld cell is determined, one more cell is withheld in an equation containing it:
the smallest released non-zero cell of this release that is not already public from an earlier
release (deterministic tie-break on the cell's key), the total only as the last resort. Each step
withholds one more cell, so the loop ends. A withheld cell that no further suppression can protect
from the guaranteed attacker (an earlier release already gave it away, which happens only when the
data changed between releases or k was raised) is reported in ``exposed``: the service refuses to
release then; one only the stronger attacker could pin goes to ``pinned_if_reasons_known``.

Residual risk (said in docs/network.md too)
-------------------------------------------
- **Overlapping periods**: releases of *different* periods (a year and its quarters, two
  overlapping ranges) are not linked here; quarters of a year do not add up to the year for
  distinct persons, but they do for events. Release one granularity per indicator where possible.
- **Changed data**: the attacker model assumes earlier releases came from the same data. If records
  were added or corrected between releases, differences between the releases' numbers reveal
  something about the change itself (e.g. "one more woman in the year"); a supersession is
  audited and carries its reason.
- **Non-additive breakdowns** give no equation and are protected by primary suppression only;
  inequalities (each cell ≤ total; cells sum to ≥ total) are not used to pin cells.
- **Differential privacy** tables are released noisy, not suppressed; their protection is the
  privacy budget ε, δ, not this module. Several DP releases of the same period spend budget again.
- **Other sources**: figures the organisation publishes elsewhere (annual reports, the reports
  room's own exports) are outside this model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, cast

PRIMARY = "primary"
COMPLEMENTARY = "complementary"
K_MIN = 11

# A quantity: (indicator code, ((dim, value code), ...)); the indicator's total has no pairs.
Quantity = tuple[str, tuple[tuple[str, str], ...]]


class KTooSmall(ValueError):
    pass


def k_check(k: int, *, minimum: int = K_MIN) -> int:
    """k as an int, refused (KTooSmall) below `minimum` (11 for releases: the rule can be raised, never
    lowered; the reports room's threshold is an organisation's setting of at least 2)."""
    if isinstance(k, bool) or not isinstance(k, int) or k < minimum:
        raise KTooSmall(f"k must be an integer of at least {minimum}")
    return k


@dataclass(frozen=True, eq=False)
class Equation:
    """The cells of an additive breakdown add up to the total."""

    total: Quantity
    parts: tuple[Quantity, ...]

    def __post_init__(self) -> None:
        # Equations are compared and hashed very often (sets, dict keys): once, then cached.
        key = (self.total, self.parts)
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_hash", hash(key))
        object.__setattr__(self, "_terms", [(self.total, -1), *((part, 1) for part in self.parts)])

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined,no-any-return]

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Equation):
            return NotImplemented
        return self._hash == other._hash and self._key == other._key  # type: ignore[attr-defined]

    def terms(self) -> list[tuple[Quantity, int]]:
        """(quantity, coefficient) pairs: the total −1, each part +1 (read only: shared)."""
        return self._terms  # type: ignore[attr-defined,no-any-return]


@dataclass(frozen=True)
class Published:
    """What an earlier release showed of a quantity: its number, or that it was withheld and why."""

    value: int | None
    reason: str = ""  # PRIMARY or COMPLEMENTARY when withheld
    k: int = K_MIN


@dataclass
class Suppression:
    withheld: dict[Quantity, str] = field(default_factory=dict)  # quantity → PRIMARY/COMPLEMENTARY
    # Withheld cells of this release that earlier releases already make computable: nothing here can
    # protect them (only happens if the data changed between releases or k was raised).
    exposed: set[Quantity] = field(default_factory=set)
    # How each exposed cell is worked out: "algebra" (from the numbers alone), "bounds" or "sum".
    exposed_by: dict[Quantity, str] = field(default_factory=dict)
    # Withheld cells an attacker could pin only by knowing which withheld cells are small (primary)
    # and which protect them (complementary, ≥ k). The reasons are published: the service refuses.
    pinned_if_reasons_known: set[Quantity] = field(default_factory=set)

    def reason(self, quantity: Quantity) -> str:
        return self.withheld.get(quantity, "")


def _order(quantity: Quantity | int) -> tuple:
    if isinstance(quantity, int):  # inside `suppress`, quantities are numbered in this order
        return (quantity,)
    return (quantity[0], len(quantity[1]), tuple(quantity[1]))


def primary(values: Mapping[Quantity, int], *, k: int, k_min: int = K_MIN) -> set[Quantity]:
    """The cells counting 1..k−1."""
    k_check(k, minimum=k_min)
    return {q for q, v in values.items() if 1 <= v <= k - 1}


# --- the attacker's view ---------------------------------------------------------------------------


Bounds = dict[Quantity, tuple[int, int | None]]


def _bounds_for(reason: str, k: int) -> tuple[int, int | None]:
    return (1, k - 1) if reason == PRIMARY else (k, None)


def _intersect(a: tuple[int, int | None], b: tuple[int, int | None]) -> tuple[int, int | None]:
    lo = max(a[0], b[0])
    hi = a[1] if b[1] is None else b[1] if a[1] is None else min(a[1], b[1])
    return lo, hi


def _rref_unit_columns(rows: list[dict[Quantity, int]], columns: list[Quantity]) -> set[Quantity]:
    """Columns whose unit vector lies in the row space: exact reduced row echelon form over the rationals.

    Rows stay sparse (an equation names a few cells) and coefficients stay integers while the pivots are
    ±1, as they are in tables and hierarchies; any other pivot turns its row into Fractions."""
    order = {q: i for i, q in enumerate(columns)}
    pivots: dict[Quantity, dict[Quantity, Fraction | int]] = {}  # pivot column → its row (pivot 1)
    for row in rows:
        reduced: dict[Quantity, Fraction | int] = {q: a for q, a in row.items() if a}
        for col in [q for q in reduced if q in pivots]:
            factor = reduced.get(col, 0)
            if factor:
                for q, a in pivots[col].items():
                    value = reduced.get(q, 0) - factor * a
                    if value:
                        reduced[q] = value
                    else:
                        reduced.pop(q, None)
        if not reduced:
            continue
        lead_col = min(reduced, key=order.__getitem__)
        lead = reduced[lead_col]
        if lead == -1:
            reduced = {q: -a for q, a in reduced.items()}
        elif lead != 1:
            reduced = {q: Fraction(a) / lead for q, a in reduced.items()}
        for other in pivots.values():
            factor = other.get(lead_col, 0)
            if factor:
                for q, a in reduced.items():
                    value = other.get(q, 0) - factor * a
                    if value:
                        other[q] = value
                    else:
                        other.pop(q, None)
        pivots[lead_col] = reduced
    return {col for col, row in pivots.items() if len(row) == 1}


def _determined(rows: list[dict[Quantity, int]], columns: list[Quantity]) -> set[Quantity]:
    """`_rref_unit_columns`, one connected set of unknowns at a time: unknowns that share no equation
    cannot determine each other, and the elimination's cost grows with the cube of its width, so a
    reports hierarchy of many small independent groups costs about as much as its cells."""
    parent = {q: q for q in columns}

    def find(q: Quantity) -> Quantity:
        while parent[q] != q:
            parent[q] = parent[parent[q]]
            q = parent[q]
        return q

    for row in rows:
        present = [q for q, a in row.items() if a]
        for other in present[1:]:
            a, b = find(present[0]), find(other)
            if a != b:
                parent[b] = a
    groups: dict[Quantity, tuple[list[Quantity], list[dict[Quantity, int]]]] = {}
    for q in columns:
        groups.setdefault(find(q), ([], []))[0].append(q)
    for row in rows:
        present = [q for q, a in row.items() if a]
        if present:
            groups[find(present[0])][1].append(row)
    found: set[Quantity] = set()
    for group_columns, group_rows in groups.values():
        if group_rows:
            found |= _rref_unit_columns(group_rows, group_columns)
    return found


def _propagate(
    equations: Sequence[Equation], known: Mapping[Quantity, int], bounds: Bounds, *, rounds: int = 30
) -> Bounds:
    """Interval propagation of the unknowns' bounds through the equations (sound: never too narrow).

    In ``Σ a_i x_i = c`` each unknown's range is c minus the range of the others' sum; the sum over all
    unknowns is taken once per equation (finite part and count of infinite ends) and each unknown's own
    share taken out of it, so an equation costs its length, not its square."""
    bounds = dict(bounds)
    prepared = []
    for equation in equations:
        terms = equation.terms()
        unknown = [(q, a) for q, a in terms if q not in known]
        if unknown:
            prepared.append((sum(a * known[q] for q, a in terms if q in known), unknown))
    # A worklist: an equation is looked at again only when one of its unknowns' bounds moved.
    containing: dict[Quantity, list[int]] = {}
    for index, (_constant, unknown) in enumerate(prepared):
        for q, _a in unknown:
            containing.setdefault(q, []).append(index)
    pending = list(range(len(prepared)))
    queued = set(pending)
    budget = rounds * len(prepared)
    while pending and budget > 0:
        budget -= 1
        index = pending.pop()
        queued.discard(index)
        constant, unknown = prepared[index]
        # The range of −Σ a_j x_j over all unknowns: −a·x ranges over [−a·hi, −a·lo] for a > 0 and
        # [−a·lo, −a·hi] for a < 0; None is an infinite end.
        shares = []
        lo_finite = hi_finite = 0
        lo_infinite = hi_infinite = 0
        for q, a in unknown:
            lo, hi = bounds[q]
            share_lo: int | None
            share_hi: int | None
            if a > 0:
                share_lo, share_hi = (None if hi is None else -a * hi), -a * lo
            else:
                share_lo, share_hi = -a * lo, (None if hi is None else -a * hi)
            shares.append((share_lo, share_hi))
            if share_lo is None:
                lo_infinite += 1
            else:
                lo_finite += share_lo
            if share_hi is None:
                hi_infinite += 1
            else:
                hi_finite += share_hi
        for (q, a), (share_lo, share_hi) in zip(unknown, shares, strict=True):
            # a·x_q = −constant − Σ_{others} a_j x_j
            if share_lo is None:
                lo_sum = -constant + lo_finite if lo_infinite == 1 else None
            else:
                lo_sum = -constant + lo_finite - share_lo if lo_infinite == 0 else None
            if share_hi is None:
                hi_sum = -constant + hi_finite if hi_infinite == 1 else None
            else:
                hi_sum = -constant + hi_finite - share_hi if hi_infinite == 0 else None
            if a > 0:
                new = (
                    None if lo_sum is None else Fraction(lo_sum, a) if a != 1 else lo_sum,
                    None if hi_sum is None else Fraction(hi_sum, a) if a != 1 else hi_sum,
                )
            else:
                new = (
                    None if hi_sum is None else Fraction(hi_sum, a) if a != -1 else -hi_sum,
                    None if lo_sum is None else Fraction(lo_sum, a) if a != -1 else -lo_sum,
                )
            lo, hi = bounds[q]
            nlo = lo if new[0] is None else max(lo, new[0])
            nhi = hi if new[1] is None else new[1] if hi is None else min(hi, new[1])
            if (nlo, nhi) != (lo, hi):
                bounds[q] = (nlo, nhi)  # type: ignore[assignment]
                for other in containing[q]:
                    if other not in queued:
                        queued.add(other)
                        pending.append(other)
    return bounds


@dataclass(frozen=True)
class Problem:
    quantity: Quantity
    equations: tuple[Equation, ...]
    why: str  # "algebra", "bounds", "sum"


def problems(
    *,
    equations: Sequence[Equation],
    known: Mapping[Quantity, int],
    bounds: Bounds,
    k: int,
    ignore: Iterable[Quantity] = (),
    focus: Iterable[Quantity] | None = None,
    propagate: bool = True,
) -> list[Problem]:
    """What an attacker can work out: withheld quantities determined exactly, and equations whose
    withheld cells sum to fewer than k. `bounds` holds every unknown's (lo, hi); `known` the rest.
    `focus`: look only where these unknowns are (the equations linked to them through other unknowns;
    nothing elsewhere depends on them). `propagate`: whether to look for cells pinned by their bounds.
    """
    ignore = set(ignore)
    if focus is not None:
        equations = _linked(equations, known, set(focus))
        named = {q for e in equations for q, _a in e.terms()}
        bounds = {q: b for q, b in bounds.items() if q in named}
    unknown = sorted(bounds, key=_order)
    containing: dict[Quantity, list[Equation]] = {q: [] for q in unknown}
    rows = []
    for equation in equations:
        row: dict[Quantity, int] = {}
        for q, a in equation.terms():
            if q not in known:
                row[q] = row.get(q, 0) + a
                containing.setdefault(q, []).append(equation)
        rows.append(row)
    found: list[Problem] = []
    for q in sorted(_determined(rows, unknown), key=_order):
        if q not in ignore:
            found.append(Problem(q, tuple(containing[q]), "algebra"))
    seen = {p.quantity for p in found}
    narrowed = _propagate(equations, known, bounds) if propagate else bounds
    for q in unknown:
        lo, hi = narrowed[q]
        if q not in seen and q not in ignore and hi is not None and lo == hi:
            found.append(Problem(q, tuple(containing[q]), "bounds"))
            seen.add(q)
    for equation in equations:
        terms = equation.terms()
        unknown_terms = [(q, a) for q, a in terms if q not in known]
        if not unknown_terms or any(a < 0 for _, a in unknown_terms):
            continue
        rest = -sum(a * known[q] for q, a in terms if q in known)
        if rest < k:
            q = min((q for q, _ in unknown_terms), key=_order)
            if q not in ignore and q not in seen:
                found.append(Problem(q, (equation,), "sum"))
                seen.add(q)
    return found


def _linked(
    equations: Sequence[Equation], known: Mapping[Quantity, int], focus: set[Quantity]
) -> list[Equation]:
    """The equations whose unknowns are linked to `focus` through shared unknowns."""
    parent: dict[Quantity, Quantity] = {}

    def find(q: Quantity) -> Quantity:
        parent.setdefault(q, q)
        while parent[q] != q:
            parent[q] = parent[parent[q]]
            q = parent[q]
        return q

    unknowns = []
    for equation in equations:
        present = [q for q, _a in equation.terms() if q not in known]
        unknowns.append(present)
        for other in present[1:]:
            a, b = find(present[0]), find(other)
            if a != b:
                parent[b] = a
    roots = {find(q) for q in focus}
    return [
        e for e, present in zip(equations, unknowns, strict=True) if present and find(present[0]) in roots
    ]


# --- the suppression ---------------------------------------------------------------------------------


def suppress(
    *,
    values: Mapping[Quantity, int],
    equations: Sequence[Equation],
    k: int,
    earlier: Sequence[Mapping[Quantity, Published]] = (),
    earlier_equations: Sequence[Equation] = (),
    small: Iterable[Quantity] = (),
    k_min: int = K_MIN,
    reasons: bool = True,
    batch: bool = False,
) -> Suppression:
    """Which cells of `values` to withhold, and why (see the module docstring).

    `values`: this release's exact counts by quantity; `equations`: its additive tables;
    `earlier`: what each earlier release of the same partner and period showed (with their
    own additive tables in `earlier_equations`). `small`: cells to withhold as primary although their
    value is ≥ k, because they rest on fewer than k persons (15 services to 3 persons).
    `k_min`: the lowest k accepted (releases: 11). `reasons`: whether readers learn why each cell is
    withheld; without them (the reports room shows every withheld cell alike) the attacker knows only
    that a withheld cell is at least 1, and nothing is withheld to defeat the stronger attacker.
    `batch`: each round withholds a complement for every problem found whose equations got none yet
    this round, instead of one per round (a reports hierarchy has hundreds of small cells; the result
    is as safe, since rounds go on until no problem is left, and as deterministic).
    """
    k_check(k, minimum=k_min)
    # Quantities are nested tuples, hashed again at every lookup; numbered once here (in their order,
    # so every choice is the same), the rounds below work on small integers.
    named: set[Quantity] = set(values) | set(small)
    for release in earlier:
        named |= set(release)
    for equation in [*equations, *earlier_equations]:
        named |= {q for q, _a in equation.terms()}
    back = sorted(named, key=_order)
    number = {q: i for i, q in enumerate(back)}

    def renumber(equation: Equation) -> Equation:
        parts = tuple(number[p] for p in equation.parts)
        return Equation(total=cast(Quantity, number[equation.total]), parts=cast(tuple[Quantity, ...], parts))

    def name(i: Any) -> Quantity:
        return back[cast(int, i)]

    result = _suppress(
        values={number[q]: v for q, v in values.items()},
        equations=[renumber(e) for e in equations],
        k=k,
        earlier=[{number[q]: shown for q, shown in release.items()} for release in earlier],
        earlier_equations=[renumber(e) for e in earlier_equations],
        small=[number[q] for q in small],
        k_min=k_min,
        reasons=reasons,
        batch=batch,
    )
    return Suppression(
        withheld={name(i): why for i, why in result.withheld.items()},
        exposed={name(i) for i in result.exposed},
        exposed_by={name(i): why for i, why in result.exposed_by.items()},
        pinned_if_reasons_known={name(i) for i in result.pinned_if_reasons_known},
    )


def _suppress(
    *,
    values: Mapping[Any, int],
    equations: Sequence[Equation],
    k: int,
    earlier: Sequence[Mapping[Any, Published]],
    earlier_equations: Sequence[Equation],
    small: Iterable[Any],
    k_min: int,
    reasons: bool,
    batch: bool,
) -> Suppression:
    """`suppress` on numbered quantities."""
    for q, v in values.items():
        if v < 0:
            raise ValueError(f"negative count for {q}")
    result = Suppression(withheld={q: PRIMARY for q in primary(values, k=k, k_min=k_min)})
    # Withheld for resting on few persons: primary, but their value has no upper bound below k.
    few = {q for q in small if q in values and values[q] >= k}
    result.withheld.update({q: PRIMARY for q in few})
    # What was public before: numbers, and bounds of what was withheld.
    public_before: dict[Quantity, int] = {}
    earlier_bounds: dict[Quantity, tuple[int, int | None]] = {}
    for release in earlier:
        for q, shown in release.items():
            if shown.value is not None:
                public_before[q] = shown.value
            else:
                limit = _bounds_for(shown.reason, shown.k) if reasons else (1, None)
                earlier_bounds[q] = _intersect(earlier_bounds.get(q, limit), limit)
    all_equations = list(dict.fromkeys([*equations, *earlier_equations]))
    # An equation whose every term is a number published before (none of this release's cells, none
    # withheld) stays known whatever is withheld now: it tells nothing, and costs every round.
    fixed = {q for q in public_before if q not in values}
    all_equations = [e for e in all_equations if not all(q in fixed for q, _a in e.terms())]
    # A withheld cell an earlier release gave away stays given away.
    result.exposed |= {q for q in result.withheld if q in public_before}
    quantities = set(values) | set(public_before) | set(earlier_bounds)
    for equation in all_equations:
        quantities |= {q for q, _ in equation.terms()}
    focus: set[Quantity] | None = None  # batch: where to look next round (None: everywhere)
    settled = False  # batch: no cell worked out by algebra or a small sum is left
    while True:
        known = {q: v for q, v in public_before.items() if q not in values}
        known.update({q: v for q, v in values.items() if q not in result.withheld})
        known.update({q: public_before[q] for q in result.withheld if q in public_before})
        strong: Bounds = {}
        weak: Bounds = {}
        for q in quantities:
            if q in known:
                continue
            secret = q in result.withheld or q in earlier_bounds
            weak[q] = (1 if secret else 0, None)
            bound: tuple[int, int | None] = (0, None)
            if q in result.withheld:
                bound = (1, None) if q in few else _bounds_for(result.withheld[q], k)
            if q in earlier_bounds:
                bound = _intersect(bound, earlier_bounds[q]) if q in result.withheld else earlier_bounds[q]
            strong[q] = bound
        ignore = result.exposed | result.pinned_if_reasons_known
        found = problems(
            equations=all_equations,
            known=known,
            bounds=strong if reasons else weak,
            k=k,
            ignore=ignore,
            focus=focus,
            # Batch rounds look for worked-out cells and small sums first, for pinned bounds once
            # those are settled (the costly part, and rarely the one that finds something).
            propagate=not batch or focus is None and settled,
        )
        # Quantities not in this release and never withheld (a cell of a table nobody published) are
        # unknown with bound ≥ 0; they are not secrets to protect.
        found = [p for p in found if p.quantity in result.withheld or p.quantity in earlier_bounds]
        if not found:
            if batch and not settled:
                settled, focus = True, None  # one more look, with the bounds, everywhere
                continue
            return result
        if batch:
            # Each round withholds, for every problem not beside a complement just withheld, a part of
            # its own equations, else of the nearest equations linked to it through withheld cells (the
            # numbers that give it away may come from further off: a quarter's total gives two
            # months' sum, the year the third). A total only in a round where no part is left for any
            # problem (a part withheld for one problem often protects another); a problem is settled
            # without a candidate only in a round that can withhold nothing at all.
            containing: dict[Quantity, list[Equation]] | None = None
            focus = set()
            waiting: list[Problem] = []
            for pools in (("any part",), ("totals",)):
                touched: set[Equation] = set()
                waiting = []
                for problem in found:
                    if touched.intersection(problem.equations):
                        focus.add(problem.quantity)  # a complement was just withheld beside it
                        continue
                    candidate = _candidate(
                        problem,
                        values=values,
                        withheld=result.withheld,
                        public_before=public_before,
                        pools=pools,
                    )
                    if candidate is None:
                        if containing is None:
                            containing = _containing(all_equations, known)
                        candidate = _candidate_near(
                            problem,
                            containing=containing,
                            known=known,
                            values=values,
                            withheld=result.withheld,
                            public_before=public_before,
                            pools=pools,
                        )
                    if candidate is None:
                        waiting.append(problem)
                        continue
                    result.withheld[candidate] = COMPLEMENTARY
                    touched.update(problem.equations)
                    focus.add(candidate)
                if focus:
                    break
            if focus:
                focus |= {p.quantity for p in waiting}
                settled = False
                continue
            # Nothing withheld this round: nothing can be, for any of them (weak attacker: exposed).
            if not reasons:
                for problem in waiting:
                    result.exposed.add(problem.quantity)
                    result.exposed_by[problem.quantity] = problem.why
                focus = None
                continue
            found = waiting
            focus = None
        problem = found[0]
        candidate = _candidate(problem, values=values, withheld=result.withheld, public_before=public_before)
        if candidate is not None:
            result.withheld[candidate] = COMPLEMENTARY
            continue
        # Nothing left to withhold around it. Pinned without the reasons (every withheld cell ≥ 1 only):
        # an earlier release gave it away. Pinned only through the reasons: keep the reasons inside.
        weak_found = (
            problems(equations=all_equations, known=known, bounds=weak, k=k, ignore=ignore)
            if reasons
            else found
        )
        if any(p.quantity == problem.quantity for p in weak_found):
            result.exposed.add(problem.quantity)
            result.exposed_by[problem.quantity] = problem.why
        else:
            result.pinned_if_reasons_known.add(problem.quantity)


def _candidate(
    problem: Problem,
    *,
    values: Mapping[Quantity, int],
    withheld: Mapping[Quantity, str],
    public_before: Mapping[Quantity, int],
    pools: tuple[str, ...] = ("parts", "totals"),
) -> Quantity | None:
    """The smallest released non-zero cell of this release in an equation of the problem (totals last;
    `pools` says which to look at)."""
    parts: set[Quantity] = set()
    totals: set[Quantity] = set()
    for equation in problem.equations:
        parts.update(equation.parts)
        totals.add(equation.total)

    def eligible(q: Quantity) -> bool:
        return q in values and q not in withheld and q not in public_before and values[q] > 0

    # "parts": a release's breakdown cells (not a table's total); "any part": in a hierarchy every cell
    # but the top one is a part somewhere and a total elsewhere.
    chosen = {"parts": parts - totals, "any part": parts, "totals": totals}
    for pool in (chosen[name] for name in pools):
        choices = [q for q in pool if eligible(q)]
        if choices:
            return min(choices, key=lambda q: (values[q], _order(q)))
    return None


def _containing(
    equations: Sequence[Equation], known: Mapping[Quantity, int]
) -> dict[Quantity, list[Equation]]:
    """Each unknown quantity's equations."""
    containing: dict[Quantity, list[Equation]] = {}
    for equation in equations:
        for q, _a in equation.terms():
            if q not in known:
                containing.setdefault(q, []).append(equation)
    return containing


def _candidate_near(
    problem: Problem,
    *,
    containing: Mapping[Quantity, list[Equation]],
    known: Mapping[Quantity, int],
    values: Mapping[Quantity, int],
    withheld: Mapping[Quantity, str],
    public_before: Mapping[Quantity, int],
    pools: tuple[str, ...] = ("parts", "totals"),
) -> Quantity | None:
    """The smallest eligible cell of the nearest equations linked to the problem through unknowns
    (breadth first: its own equations' unknowns, their equations, and so on)."""
    seen_equations = set(problem.equations)
    seen_unknowns = {problem.quantity}
    layer = list(problem.equations)
    while layer:
        following: list[Equation] = []
        for equation in layer:
            for q, _a in equation.terms():
                if q in known and q not in seen_unknowns:
                    continue
                if q in seen_unknowns:
                    continue
                seen_unknowns.add(q)
                for other in containing.get(q, ()):
                    if other not in seen_equations:
                        seen_equations.add(other)
                        following.append(other)
        if following:
            found = _candidate(
                Problem(problem.quantity, tuple(following), problem.why),
                values=values,
                withheld=withheld,
                public_before=public_before,
                pools=pools,
            )
            if found is not None:
                return found
        layer = following
    return None


def quantity(indicator: str, key: Mapping[str, str] | None = None) -> Quantity:
    """The quantity of a cell: its indicator and its key (empty for the total)."""
    return (indicator, tuple(sorted((str(d), str(c)) for d, c in (key or {}).items())))


def table_equation(indicator: str, dim: str, codes: Iterable[str]) -> Equation:
    """The equation of an additive breakdown of `indicator` by `dim` with these value codes."""
    return Equation(
        total=quantity(indicator),
        parts=tuple(sorted((quantity(indicator, {dim: c}) for c in codes), key=_order)),
    )
