"""The linkage engine: block, compare, weigh (EM), link and cluster a set of records in memory.

    engine = Engine(use_document=True)
    result = engine.run(records)          # records: a list of Prepared
    result.cluster_of[i]                  # the cluster number of record i

Nothing is written anywhere: records, keys and comparisons live in memory for the run only.
"""

from __future__ import annotations

import math
import random
import time
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from kujdes.people.linkage.compare import (
    FIELDS,
    MISSING,
    N_SKELETON,
    Prepared,
    compare,
    explain,
    sibling_veto,
)
from kujdes.people.linkage.keys import KINDS, record_keys
from kujdes.people.linkage.model import (
    LINK_PROBABILITY,
    MAX_CLUSTER,
    MERGE_MEAN_PROBABILITY,
    Model,
    estimate_m,
    estimate_u,
    term_frequencies,
)

# Blocks larger than this are not enumerated (a very common key says little); the other kinds,
# which carry the birth year or date, still reach those records.
MAX_BLOCK = 250


def _pairs_of(members: list[int]) -> Iterator[tuple[int, int]]:
    for x in range(len(members)):
        for y in range(x + 1, len(members)):
            yield members[x], members[y]


@dataclass
class Result:
    cluster_of: list[int]
    model: Model
    pairs_compared: int
    pairs_linked: int
    merges_refused: int
    blocks_skipped: int
    timings: dict[str, float] = field(default_factory=dict)
    # Compared pairs (record numbers i < j) and their match weights, for measurement and review.
    left: array = field(default_factory=lambda: array("I"))
    right: array = field(default_factory=lambda: array("I"))
    weight: array = field(default_factory=lambda: array("f"))


@dataclass
class PairExplanation:
    weight: float
    probability: float
    swapped: bool
    vetoed: bool
    fields: list  # of compare.FieldExplanation


class Engine:
    def __init__(
        self,
        *,
        use_document: bool = True,
        max_block: int = MAX_BLOCK,
        u_pairs: int = 60_000,
        session_pairs: int = 60_000,
    ) -> None:
        self.use_document = use_document
        self.session_pairs = session_pairs
        self.max_block = max_block
        self.u_pairs = u_pairs
        self.model: Model | None = None

    # --- blocking -------------------------------------------------------------------------
    def candidate_pairs(self, records: Sequence[Prepared]) -> Iterator[tuple[int, int]]:
        """Each candidate pair once (i < j), attributed to the first key kind that finds it."""
        keys = [record_keys(r, use_document=self.use_document) for r in records]
        self.blocks_skipped = 0
        self.kind_counts = [0] * len(KINDS)
        for t in range(len(KINDS)):
            blocks: dict[str, list[int]] = {}
            for i, k in enumerate(keys):
                for key in k[t]:
                    blocks.setdefault(key, []).append(i)
            for key, members in blocks.items():
                n = len(members)
                if n < 2:
                    continue
                if n > self.max_block:
                    self.blocks_skipped += 1
                    continue
                for x in range(n):
                    i = members[x]
                    ki = keys[i]
                    for y in range(x + 1, n):
                        j = members[y]
                        kj = keys[j]
                        seen = False
                        for e in range(t):
                            if ki[e] and kj[e] and not set(ki[e]).isdisjoint(kj[e]):
                                seen = True
                                break
                        if not seen and len(ki[t]) > 1 and len(kj[t]) > 1:
                            # within the kind, the pair belongs to its smallest shared key
                            shared = set(ki[t]).intersection(kj[t])
                            seen = min(shared) != key
                        if not seen:
                            self.kind_counts[t] += 1
                            yield i, j
            del blocks

    # --- the model ----------------------------------------------------------------------------
    def _session(self, records: Sequence[Prepared], key, limit: int, seed: int) -> Counter:
        """Comparison patterns of up to `limit` pairs that agree on `key(record)` (a blocking rule)."""
        blocks: dict[str, list[int]] = {}
        for i, r in enumerate(records):
            k = key(r)
            if k:
                blocks.setdefault(k, []).append(i)
        pairs = [(x, y) for members in blocks.values() if len(members) > 1 for x, y in _pairs_of(members)]
        rng = random.Random(seed)
        if len(pairs) > limit:
            pairs = rng.sample(pairs, limit)
        return Counter(compare(records[i], records[j], use_document=self.use_document)[0] for i, j in pairs)

    def fit(self, records: Sequence[Prepared], patterns: Counter) -> Model:
        """u from random pairs; m by EM in two sessions, each blocked on fields it then leaves out:
        pairs with the same name skeletons train the other fields, pairs with the same exact date
        of birth train the names. The share of matches comes from the compared pairs (m, u fixed)
        and is scaled to all pairs."""
        n_fields = len(FIELDS)
        u = estimate_u(records, pairs=self.u_pairs, use_document=self.use_document)
        by_name = self._session(
            records,
            lambda r: (r.given_skel + "|" + r.surname_skel) if r.given_skel and r.surname_skel else "",
            self.session_pairs,
            2,
        )
        # Names go with nationality, birthplace and father's name (one population's names), so the
        # name session trains only the date of birth, sex and document.
        u_nat = estimate_u(
            records, pairs=self.u_pairs // 2, use_document=self.use_document, same_nationality=True
        )
        m, _ = estimate_m(by_name, u_nat, active=[2, 4, 5, 7])
        by_date = self._session(
            records, lambda r: r.dob.digits if r.dob and not r.dob.estimated else "", self.session_pairs, 3
        )
        m_date, _ = estimate_m(by_date, u, active=[f for f in range(n_fields) if f != 2], m=m)
        for f in (0, 1, 3, 4, 5, 6):
            m[f] = m_date[f]
        _m, prior_compared = estimate_m(patterns, u, m=m, fixed_m=True, iterations=20, prior=0.1)
        n = len(records)
        compared = sum(patterns.values())
        all_pairs = max(n * (n - 1) // 2, 1)
        prior = min(max(prior_compared * compared / all_pairs, 1e-12), 0.5)
        tf, u_exact = term_frequencies(records)
        model = Model(m=m, u=u, prior=prior, tf=tf, u_exact=u_exact, u_population=u_nat)
        self.model = model
        return model

    def pair_weight(self, model: Model, levels: tuple[int, ...], a: Prepared, b: Prepared) -> float:
        return model.weight(levels, a, b)

    def explain(self, a: Prepared, b: Prepared) -> PairExplanation:
        assert self.model is not None, "fit or run first"
        levels, swapped = compare(a, b, use_document=self.use_document)
        weights = self.model.field_weights(levels, a, b)
        w = self.model.prior_weight + sum(weights)
        return PairExplanation(
            weight=w,
            probability=Model.probability(w),
            swapped=swapped,
            vetoed=sibling_veto(levels, a, b),
            fields=explain(levels, tuple(weights), swapped),
        )

    # --- the whole run ----------------------------------------------------------------------
    def run(self, records: Sequence[Prepared]) -> Result:
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        left, right, pat = array("I"), array("I"), array("H")
        pattern_ids: dict[tuple[int, ...], int] = {}
        pattern_list: list[tuple[int, ...]] = []
        counts: Counter = Counter()
        use_document = self.use_document
        for i, j in self.candidate_pairs(records):
            levels, _swapped = compare(records[i], records[j], use_document=use_document)
            pid = pattern_ids.get(levels)
            if pid is None:
                pid = pattern_ids[levels] = len(pattern_list)
                pattern_list.append(levels)
            left.append(i)
            right.append(j)
            pat.append(pid)
            counts[pid] += 1
        timings["block_compare"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        model = self.fit(records, Counter({pattern_list[p]: c for p, c in counts.items()}))
        timings["fit"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        # Weight per pattern; the term-frequency adjustment only where a name agrees.
        base = [model.weight(p) for p in pattern_list]
        needs_tf = [
            p[0] != MISSING and p[0] <= N_SKELETON or p[1] != MISSING and p[1] <= N_SKELETON
            for p in pattern_list
        ]
        weight = array("f")
        link_weight = math.log2(LINK_PROBABILITY / (1 - LINK_PROBABILITY))
        links: list[tuple[float, int, int]] = []
        for n in range(len(left)):
            p = pat[n]
            i, j = left[n], right[n]
            w = model.weight(pattern_list[p], records[i], records[j]) if needs_tf[p] else base[p]
            weight.append(w)
            if w >= link_weight and not sibling_veto(pattern_list[p], records[i], records[j]):
                links.append((w, i, j))
        timings["score"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        cluster_of, refused = self.cluster(records, links)
        timings["cluster"] = time.perf_counter() - t3
        return Result(
            cluster_of=cluster_of,
            model=model,
            pairs_compared=len(left),
            pairs_linked=len(links),
            merges_refused=refused,
            blocks_skipped=self.blocks_skipped,
            timings=timings,
            left=left,
            right=right,
            weight=weight,
        )

    # --- clustering ---------------------------------------------------------------------------
    def cluster(
        self, records: Sequence[Prepared], links: list[tuple[float, int, int]]
    ) -> tuple[list[int], int]:
        """Links in descending weight join clusters, unless the join would chain: two clusters of
        more than one record merge only if the mean match probability over all their cross pairs
        reaches MERGE_MEAN_PROBABILITY, no cross pair is a sibling/twin, and the result stays
        within MAX_CLUSTER records."""
        assert self.model is not None
        model = self.model
        parent = list(range(len(records)))
        members: dict[int, list[int]] = {}

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        refused = 0
        links.sort(reverse=True)
        for _w, i, j in links:
            ri, rj = find(i), find(j)
            if ri == rj:
                continue
            a = members.get(ri, [ri])
            b = members.get(rj, [rj])
            if len(a) + len(b) > 2:
                if len(a) + len(b) > MAX_CLUSTER:
                    refused += 1
                    continue
                total = 0.0
                veto = False
                for x in a:
                    for y in b:
                        levels, _s = compare(records[x], records[y], use_document=self.use_document)
                        if sibling_veto(levels, records[x], records[y]):
                            veto = True
                            break
                        total += Model.probability(model.weight(levels, records[x], records[y]))
                    if veto:
                        break
                if veto or total / (len(a) * len(b)) < MERGE_MEAN_PROBABILITY:
                    refused += 1
                    continue
            if len(a) < len(b):
                ri, rj, a, b = rj, ri, b, a
            parent[rj] = ri
            members[ri] = a + b
            members.pop(rj, None)
        return [find(x) for x in range(len(records))], refused


FIELD_NAMES = FIELDS
