"""An attacker written independently of kujdes.reports.suppression and kujdes.reports.protection.

Every published number is a count of records. The attacker splits the records into *atoms*: every kind
of record that could exist (each unit, month or start and end months, sex and set of tags) — not only
the kinds that do, which the attacker cannot know. A published number is then the sum of some atoms'
counts (its vector), and every sum and difference of published numbers a linear combination of atoms.
The attacker holds every number a reader can see and:
- **linear algebra**: a hidden number is worked out when its vector lies in the span of the visible
  numbers' vectors (exact elimination modulo a large prime: a vector in the span over the rationals is
  in the span modulo p, so this never misses one);
- **bounds** (where the atoms are few enough to list): atoms count at least 0 and a hidden number at
  least 1 (zero is never hidden); bounds are propagated through the visible sums, and a hidden number
  whose interval shrinks to one value is worked out.
Atoms of units whose persons the reader may see are known to them.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

P = (1 << 61) - 1  # a Mersenne prime

Vector = frozenset[Hashable]  # the atoms a published number adds up


class Span:
    """Vectors (sets of atoms, as 0/1 rows) reduced to echelon form modulo P."""

    def __init__(self) -> None:
        self.rows: dict[Hashable, dict[Hashable, int]] = {}  # pivot atom → row (pivot coefficient 1)
        self.order: dict[Hashable, int] = {}

    def _rank(self, atom: Hashable) -> int:
        return self.order.setdefault(atom, len(self.order))

    def reduce(self, row: dict[Hashable, int]) -> dict[Hashable, int]:
        row = {a: c % P for a, c in row.items() if c % P}
        while row:
            pivot = min(row, key=self._rank)
            base = self.rows.get(pivot)
            if base is None:
                return row
            factor = row[pivot]
            for atom, coefficient in base.items():
                value = (row.get(atom, 0) - factor * coefficient) % P
                if value:
                    row[atom] = value
                else:
                    row.pop(atom, None)
        return row

    def add(self, vector: Iterable[Hashable]) -> None:
        row = self.reduce({atom: 1 for atom in vector})
        if row:
            pivot = min(row, key=self._rank)
            inverse = pow(row[pivot], P - 2, P)
            self.rows[pivot] = {a: c * inverse % P for a, c in row.items()}

    def holds(self, vector: Iterable[Hashable]) -> bool:
        return not self.reduce({atom: 1 for atom in vector})


def determined(
    *, visible: Iterable[Mapping[Hashable, int]], hidden: Iterable[Mapping[Hashable, int]]
) -> list[int]:
    """The indexes of the hidden vectors (atom → coefficient) that lie in the span of the visible ones."""
    span = Span()
    for vector in visible:
        row = span.reduce(dict(vector))
        if row:
            pivot = min(row, key=span._rank)
            inverse = pow(row[pivot], P - 2, P)
            span.rows[pivot] = {a: c * inverse % P for a, c in row.items()}
    return [index for index, vector in enumerate(hidden) if vector and not span.reduce(dict(vector))]


def worked_out(
    *,
    visible: Mapping[Vector, int],
    hidden: Iterable[Vector],
    counts: Mapping[Hashable, int],
    known_atoms: Iterable[Hashable] = (),
) -> dict[Vector, str]:
    """Every hidden number the attacker pins, with how ("algebra" or "bounds")."""
    known = set(known_atoms)
    span = Span()
    for vector in visible:
        span.add(a for a in vector if a not in known)
    pinned: dict[Vector, str] = {}
    hidden = [h for h in dict.fromkeys(hidden) if any(a not in known for a in h)]
    for vector in hidden:
        if span.holds(a for a in vector if a not in known):
            pinned[vector] = "algebra"
    bounds = _propagate(visible=visible, hidden=hidden, counts=counts, known=known)
    for vector in hidden:
        if vector in pinned:
            continue
        lo = sum(bounds[a][0] for a in vector)
        his = [bounds[a][1] for a in vector]
        hi = None if any(h is None for h in his) else sum(his)  # type: ignore[misc]
        lo = max(lo, 1)
        if hi is not None and lo >= hi:
            pinned[vector] = "bounds"
    return pinned


def _propagate(
    *,
    visible: Mapping[Vector, int],
    hidden: Sequence[Vector],
    counts: Mapping[Hashable, int],
    known: set[Hashable],
    rounds: int = 40,
) -> dict[Hashable, tuple[int, int | None]]:
    """Interval propagation over the atoms: visible sums fixed, hidden sums at least 1, atoms ≥ 0."""
    atoms = {a for v in [*visible, *hidden] for a in v}
    bounds: dict[Hashable, tuple[int, int | None]] = {
        a: ((counts.get(a, 0), counts.get(a, 0)) if a in known else (0, None)) for a in atoms
    }
    for _ in range(rounds):
        changed = False
        for vector, total in visible.items():
            for atom in vector:
                others = [bounds[o] for o in vector if o != atom]
                lo_others = sum(b[0] for b in others)
                hi_list = [b[1] for b in others]
                hi_others = None if any(h is None for h in hi_list) else sum(hi_list)  # type: ignore[misc]
                lo, hi = bounds[atom]
                new_hi = total - lo_others
                new_lo = lo if hi_others is None else max(lo, total - hi_others)
                new_hi = new_hi if hi is None else min(hi, new_hi)
                if (new_lo, new_hi) != (lo, hi):
                    bounds[atom] = (new_lo, new_hi)
                    changed = True
        for vector in hidden:
            # At least one record: when every other atom of it is zero, this one holds it.
            open_ = [a for a in vector if bounds[a][1] != 0]
            if len(open_) == 1 and bounds[open_[0]][0] < 1:
                bounds[open_[0]] = (1, bounds[open_[0]][1])
                changed = True
        if not changed:
            break
    return bounds
