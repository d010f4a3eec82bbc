"""Fellegi–Sunter match weights: u from random pairs, m (and the share of matches) by EM.

The model is estimated on the data being linked (an organisation's own registry in the
application), so the weights adapt to each population. Term-frequency adjustment: when two
names agree, the weight depends on how common that name is (a shared "Hoxha" says less than a
shared "Zhinipotoku").
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kujdes.people.linkage.compare import FIELDS, LEVELS, MISSING, N_CLOSE, N_SKELETON, Prepared, compare

# Fixed in advance (not fitted to any labels): the posterior probability of a match at which a
# pair is linked, the mean posterior a merge of two clusters needs (the chaining guard), and the
# largest cluster.
LINK_PROBABILITY = 0.9
MERGE_MEAN_PROBABILITY = 0.5
MAX_CLUSTER = 12
# The joint frequency of a (given, family) name pair is used from this many records on.
PAIR_TF_MIN_COUNT = 5
# Bounds of the term-frequency adjustment (bits).
TF_MIN, TF_MAX = -4.0, 3.0


@dataclass
class Model:
    m: list[list[float]]
    u: list[list[float]]
    prior: float  # share of matches among the compared (blocked) pairs
    tf: dict[str, dict[str, float]] = field(default_factory=dict)  # field -> skeleton -> frequency
    u_exact: list[float] = field(default_factory=lambda: [0.0, 0.0])  # Σ freq² per name field
    # u among random pairs of one nationality: used for father's name and birthplace when a name
    # agrees (the pair is then of one population, whose fathers' names and birthplaces agree more)
    u_population: list[list[float]] | None = None
    weights: list[list[float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.weights = [
            [math.log2(max(m, 1e-9) / max(u, 1e-9)) for m, u in zip(ms, us, strict=False)]
            for ms, us in zip(self.m, self.u, strict=False)
        ]
        self.prior_weight = math.log2(self.prior / (1 - self.prior))
        up = self.u_population or self.u
        self.population_weights = [
            [math.log2(max(m, 1e-9) / max(u, 1e-9)) for m, u in zip(ms, us, strict=False)]
            for ms, us in zip(self.m, up, strict=False)
        ]

    def field_weights(
        self, levels: Sequence[int], a: Prepared | None = None, b: Prepared | None = None
    ) -> list[float]:
        """Weights per field. Dependence correction: names tell the sex and the nationality (one
        population's names), so when a name agrees, agreement on sex or nationality adds nothing
        (disagreement still counts)."""
        out = []
        names_agree = (levels[0] != MISSING and levels[0] <= N_CLOSE) or (
            levels[1] != MISSING and levels[1] <= N_CLOSE
        )
        for f, level in enumerate(levels):
            if level == MISSING:
                out.append(0.0)
                continue
            w = self.weights[f][level]
            if names_agree and f in (3, 6) and w > 0:
                w = 0.0
            elif names_agree and f in (4, 5):
                w = self.population_weights[f][level]
            if a is not None and f < 2 and level <= N_SKELETON and self.tf:
                name = FIELDS[f]
                value = a.given_skel if f == 0 else a.surname_skel
                freq = self.tf.get(name, {}).get(value)
                if freq:
                    adj = math.log2(self.u_exact[f] / freq) if self.u_exact[f] > 0 else 0.0
                    w += min(TF_MAX, max(TF_MIN, adj))
            out.append(w)
        if (
            a is not None
            and self.tf
            and levels[0] != MISSING
            and levels[1] != MISSING
            and max(levels[0], levels[1]) <= N_SKELETON
        ):
            # Both names agree: weigh them by how common the *pair* is (names are not independent:
            # a Vietnamese given name goes with one of few Vietnamese family names).
            freq = self.tf.get("pair", {}).get(a.given_skel + "|" + a.surname_skel) or self.tf.get(
                "pair", {}
            ).get(a.surname_skel + "|" + a.given_skel)
            if freq:
                w_pair = math.log2(self.m[0][levels[0]] * self.m[1][levels[1]] / freq)
                w_pair = min(w_pair, out[0] + out[1])
                out[0] = out[1] = w_pair / 2
        return out

    def weight(self, levels: Sequence[int], a: Prepared | None = None, b: Prepared | None = None) -> float:
        return self.prior_weight + sum(self.field_weights(levels, a, b))

    @staticmethod
    def probability(weight: float) -> float:
        if weight > 60:
            return 1.0
        return 1.0 / (1.0 + 2.0 ** (-weight))

    def describe(self) -> str:
        lines = [f"prior (share of matches among compared pairs) {self.prior:.4f}"]
        for f, name in enumerate(FIELDS):
            parts = [
                f"{lvl}: m={m:.3f} u={u:.5f} w={w:+.2f}"
                for lvl, (m, u, w) in enumerate(zip(self.m[f], self.u[f], self.weights[f], strict=False))
            ]
            lines.append(f"{name}: " + "; ".join(parts))
        return "\n".join(lines)


def _level_counts(patterns: Iterable[tuple[int, ...]]) -> list[list[float]]:
    counts = [[0.0] * LEVELS[f] for f in FIELDS]
    for p in patterns:
        for f, level in enumerate(p):
            if level != MISSING:
                counts[f][level] += 1
    return counts


def estimate_u(
    records: Sequence[Prepared],
    *,
    pairs: int = 200_000,
    seed: int = 1,
    use_document: bool = True,
    same_nationality: bool = False,
) -> list[list[float]]:
    """u: level frequencies among random pairs (nearly all non-matches), add-half smoothing.
    With `same_nationality`, random pairs of one nationality: the non-matches of a session blocked
    on names are of one population, whose fathers' names and birthplaces agree more often."""
    rng = random.Random(seed)
    n = len(records)
    if n < 2:
        return [[1.0 / LEVELS[f]] * LEVELS[f] for f in FIELDS]
    sample = []
    if same_nationality:
        groups: dict[str, list[int]] = {}
        for i, r in enumerate(records):
            if r.nationality:
                groups.setdefault(r.nationality, []).append(i)
        pool = [g for g in groups.values() if len(g) > 1]
        weights = [len(g) ** 2 for g in pool]
        if pool:
            for g in rng.choices(pool, weights=weights, k=pairs):
                i, j = rng.choice(g), rng.choice(g)
                if i != j:
                    sample.append(compare(records[i], records[j], use_document=use_document)[0])
    if not sample:
        for _ in range(min(pairs, n * (n - 1) // 2)):
            i, j = rng.randrange(n), rng.randrange(n)
            if i != j:
                sample.append(compare(records[i], records[j], use_document=use_document)[0])
    counts = _level_counts(sample)
    u = []
    for row in counts:
        total = sum(row) + 0.5 * len(row)
        u.append([(c + 0.5) / total for c in row])
    return u


def _initial_m() -> list[list[float]]:
    m = []
    for f in FIELDS:
        k = LEVELS[f]
        raw = [0.5 ** (i + 1) for i in range(k)]
        raw[0] = 0.9 if k > 2 else 0.95
        s = sum(raw)
        m.append([x / s for x in raw])
    return m


def estimate_m(
    pattern_counts: Counter[tuple[int, ...]],
    u: list[list[float]],
    *,
    active: Sequence[int] | None = None,
    m: list[list[float]] | None = None,
    iterations: int = 40,
    prior: float = 0.3,
    fixed_m: bool = False,
) -> tuple[list[list[float]], float]:
    """EM over comparison patterns, u held fixed (and m too when `fixed_m`: only the share of
    matches is estimated). Only the `active` fields enter the likelihood: a session blocked on
    names estimates the other fields (Splink's way of training under blocking rules)."""
    m = [row[:] for row in (m or _initial_m())]
    active = list(range(len(FIELDS))) if active is None else list(active)
    patterns = list(pattern_counts.items())
    total = sum(c for _p, c in patterns) or 1
    for _ in range(iterations):
        new = [[1e-6] * LEVELS[f] for f in FIELDS]
        matched = 0.0
        for p, c in patterns:
            lm, lu = prior, 1 - prior
            for f in active:
                level = p[f]
                if level != MISSING:
                    lm *= m[f][level]
                    lu *= u[f][level]
            post = lm / (lm + lu) if lm + lu > 0 else 0.0
            w = post * c
            matched += w
            for f in active:
                level = p[f]
                if level != MISSING:
                    new[f][level] += w
        prior = min(max(matched / total, 1e-9), 1 - 1e-6)
        if not fixed_m:
            for f in active:
                row = new[f]
                # a floor: no level is impossible for a match (a clerk can write anything)
                row = [max(x / sum(row), 1e-3) for x in row]
                m[f] = [x / sum(row) for x in row]
    return m, prior


def term_frequencies(records: Sequence[Prepared]) -> tuple[dict[str, dict[str, float]], list[float]]:
    """Frequency of each name skeleton; u of agreement as Σ freq² (per name field)."""
    tf: dict[str, dict[str, float]] = {}
    u_exact = []
    for name, attr in (("given_name", "given_skel"), ("surname", "surname_skel")):
        counter = Counter(getattr(r, attr) for r in records if getattr(r, attr))
        n = sum(counter.values()) or 1
        freqs = {k: v / n for k, v in counter.items()}
        tf[name] = freqs
        u_exact.append(sum(f * f for f in freqs.values()))
    pairs = Counter(r.given_skel + "|" + r.surname_skel for r in records if r.given_skel and r.surname_skel)
    n = sum(pairs.values()) or 1
    # Only pairs seen often: for a rare pair, its own duplicates would make up its frequency.
    tf["pair"] = {k: v / n for k, v in pairs.items() if v >= PAIR_TF_MIN_COUNT}
    return tf, u_exact
