"""The linkage engine: block, compare, weigh (EM), link and cluster a set of records in memory.

    engine = Engine(use_document=True)
    result = engine.run(records)          # records: a list of Prepared
    result.cluster_of[i]                  # the cluster number of record i

Nothing is written anywhere: records, keys and comparisons live in memory for the run only.
"""

from __future__ import annotations

import bisect
import itertools
import math
import multiprocessing
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


class Blocking:
    """The blocks of a set of records, in flat arrays (a million records' keys fit in memory).

    Every blocking key becomes a code: its kind in the high bits and a hash of the key (Python's
    64-bit hash, cut to the bits left), so codes sort kind first. Each record's codes are a sorted
    slice of `codes`; each block worth enumerating (2 to `max_block` records) is a slice of
    `members`. A pair belongs to the first block it shares: it is skipped in a block when the two
    records also share a key of an earlier kind (any, even one whose block was too large), or an
    enumerated key of the same kind with a smaller code — so each candidate pair is compared once,
    and whether it is compared does not depend on the hash. (Two keys whose hashes collide merge
    their blocks: with ≥ 40 bits this adds a handful of pairs at a million records.)
    """

    def __init__(self, records: Sequence[Prepared], *, use_document: bool, max_block: int) -> None:
        n = len(records)
        record_bits = max(1, (n - 1).bit_length())
        self.hash_bits = hash_bits = 60 - record_bits
        hash_mask = (1 << hash_bits) - 1
        codes, offsets = array("q"), array("Q", [0])
        entries: list[int] = []
        for i, r in enumerate(records):
            mine = sorted(
                {
                    t << hash_bits | (hash(key) & hash_mask)
                    for t, keys in enumerate(record_keys(r, use_document=use_document))
                    for key in keys
                }
            )
            codes.extend(mine)
            offsets.append(len(codes))
            entries.extend(code << record_bits | i for code in mine)
        self.codes, self.offsets = codes, offsets
        entries.sort()
        record_mask = (1 << record_bits) - 1
        self.block_codes, self.block_offsets, self.members = array("q"), array("Q", [0]), array("I")
        self.oversize: set[int] = set()
        current: list[int] = []
        previous = -1
        for entry in itertools.chain(entries, (-1,)):
            code = entry >> record_bits if entry >= 0 else -2
            if code != previous:
                if len(current) > max_block:
                    self.oversize.add(previous)
                elif len(current) > 1:
                    self.block_codes.append(previous)
                    self.members.extend(current)
                    self.block_offsets.append(len(self.members))
                current = []
                previous = code
            if entry >= 0:
                current.append(entry & record_mask)
        del entries

    def __len__(self) -> int:
        return len(self.block_codes)

    def kind(self, block: int) -> int:
        return self.block_codes[block] >> self.hash_bits

    def pairs(self, block: int) -> Iterator[tuple[int, int]]:
        """The pairs that belong to one block (see the class)."""
        code = self.block_codes[block]
        kind_floor = (code >> self.hash_bits) << self.hash_bits
        members = self.members[self.block_offsets[block] : self.block_offsets[block + 1]]
        codes, offsets, oversize = self.codes, self.offsets, self.oversize
        n = len(members)
        for x in range(n):
            i = members[x]
            mine = codes[offsets[i] : offsets[i + 1]]
            position = mine.index(code)
            earlier = frozenset(c for c in mine[:position] if c < kind_floor or c not in oversize)
            if not earlier:
                for y in range(x + 1, n):
                    yield i, members[y]
                continue
            for y in range(x + 1, n):
                j = members[y]
                if earlier.isdisjoint(codes[offsets[j] : offsets[j + 1]]):
                    yield i, j


def _name_key(r: Prepared) -> str:
    return (r.given_skel + "|" + r.surname_skel) if r.given_skel and r.surname_skel else ""


def _date_key(r: Prepared) -> str:
    return r.dob.digits if r.dob and not r.dob.estimated else ""


def _session_patterns(
    records: Sequence[Prepared], key, limit: int, seed: int, *, use_document: bool
) -> Counter:
    """Comparison patterns of up to `limit` random pairs that agree on `key(record)`. When the
    blocks hold many more pairs than that, pairs are drawn block by block in proportion to their
    pairs instead of being listed (a million records have blocks of thousands)."""
    blocks: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        k = key(r)
        if k:
            blocks.setdefault(k, []).append(i)
    groups = [members for members in blocks.values() if len(members) > 1]
    del blocks
    rng = random.Random(seed)
    sizes = [len(g) * (len(g) - 1) // 2 for g in groups]
    total = sum(sizes)
    if total <= limit:
        pairs = [(x, y) for members in groups for x, y in _pairs_of(members)]
    else:
        # The same pairs as sampling the list of all pairs (random.sample draws positions the same
        # way for any sequence of that length), without making the list.
        starts = list(itertools.accumulate(sizes, initial=0))
        pairs = []
        for position in rng.sample(range(total), limit):
            g = bisect.bisect_right(starts, position) - 1
            pairs.append(_nth_pair(groups[g], position - starts[g]))
    return Counter(compare(records[i], records[j], use_document=use_document)[0] for i, j in pairs)


FIT_PARTS = ("u", "u_nat", "by_name", "by_date")


def _fit_part(name: str, records: Sequence[Prepared], engine: Engine) -> object:
    if name == "u":
        return estimate_u(records, pairs=engine.u_pairs, use_document=engine.use_document)
    if name == "u_nat":
        return estimate_u(
            records, pairs=engine.u_pairs // 2, use_document=engine.use_document, same_nationality=True
        )
    if name == "by_name":
        return _session_patterns(
            records, _name_key, engine.session_pairs, 2, use_document=engine.use_document
        )
    return _session_patterns(records, _date_key, engine.session_pairs, 3, use_document=engine.use_document)


# What forked workers read (set just before the fork, cleared after): they inherit it unchanged.
_SHARED: dict[str, object] = {}


def _compare_share(share: int, shares: int) -> tuple[bytes, bytes, bytes, list[tuple[int, ...]]]:
    """Compare the candidate pairs of every `shares`-th block, from `share` on: (left, right,
    pattern number) as array bytes, and the patterns in the order of their numbers."""
    records: Sequence[Prepared] = _SHARED["records"]  # type: ignore[assignment]
    blocking: Blocking = _SHARED["blocking"]  # type: ignore[assignment]
    use_document: bool = _SHARED["engine"].use_document  # type: ignore[attr-defined]
    left, right, pat = array("I"), array("I"), array("I")
    pattern_ids: dict[tuple[int, ...], int] = {}
    for block in range(share, len(blocking), shares):
        for i, j in blocking.pairs(block):
            levels = compare(records[i], records[j], use_document=use_document)[0]
            pid = pattern_ids.get(levels)
            if pid is None:
                pid = pattern_ids[levels] = len(pattern_ids)
            left.append(i)
            right.append(j)
            pat.append(pid)
    return left.tobytes(), right.tobytes(), pat.tobytes(), list(pattern_ids)


def _task(task: tuple) -> tuple:
    """One piece of a run, in a worker: a share of the comparisons or a part of the model's fit."""
    if task[0] == "compare":
        return task, _compare_share(task[1], task[2])
    return task, _fit_part(task[1], _SHARED["records"], _SHARED["engine"])  # type: ignore[arg-type]


def _compare_in_workers(
    records: Sequence[Prepared],
    blocking: Blocking,
    *,
    engine: Engine,
) -> tuple[array, array, array, list[tuple[int, ...]], dict[str, object]]:
    """Compare the candidate pairs and compute the fit's parts: with `engine.threads` > 1 in as
    many forked processes (where fork exists; they read the records as they are, nothing is
    copied to them), else here. The shares' pattern numbers are merged into one numbering."""
    threads = engine.threads if "fork" in multiprocessing.get_all_start_methods() else 1
    shares = 1 if threads == 1 else threads * 3
    tasks = [("compare", share, shares) for share in range(shares)] + [("fit", name) for name in FIT_PARTS]
    _SHARED.update(records=records, blocking=blocking, engine=engine)
    try:
        if threads > 1:
            with multiprocessing.get_context("fork").Pool(threads) as pool:
                done = dict(pool.imap_unordered(_task, tasks))
        else:
            done = dict(_task(task) for task in tasks)
    finally:
        _SHARED.clear()
    left, right, pat = array("I"), array("I"), array("I")
    pattern_ids: dict[tuple[int, ...], int] = {}
    for task in tasks[:shares]:
        left_bytes, right_bytes, pat_bytes, patterns = done.pop(task)
        remap = array("I")
        for levels in patterns:
            pid = pattern_ids.get(levels)
            if pid is None:
                pid = pattern_ids[levels] = len(pattern_ids)
            remap.append(pid)
        left.frombytes(left_bytes)
        right.frombytes(right_bytes)
        share_pat = array("I")
        share_pat.frombytes(pat_bytes)
        pat.extend(remap[p] for p in share_pat)
    parts = {task[1]: value for task, value in done.items()}
    return left, right, pat, list(pattern_ids), parts


def _nth_pair(members: list[int], k: int) -> tuple[int, int]:
    """The k-th pair of `_pairs_of(members)`, without listing the ones before."""
    n = len(members)
    x = 0
    while k >= n - 1 - x:
        k -= n - 1 - x
        x += 1
    return members[x], members[x + 1 + k]


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
        threads: int = 1,
    ) -> None:
        self.use_document = use_document
        # Worker processes for blocking and comparing (forked: they share the records unchanged).
        self.threads = max(1, int(threads))
        self.session_pairs = session_pairs
        self.max_block = max_block
        self.u_pairs = u_pairs
        self.model: Model | None = None

    # --- blocking -------------------------------------------------------------------------
    def blocking(self, records: Sequence[Prepared]) -> Blocking:
        blocking = Blocking(records, use_document=self.use_document, max_block=self.max_block)
        self.blocks_skipped = len(blocking.oversize)
        return blocking

    def candidate_pairs(self, records: Sequence[Prepared]) -> Iterator[tuple[int, int]]:
        """Each candidate pair once (i < j), attributed to the first key kind that finds it."""
        blocking = self.blocking(records)
        self.kind_counts = [0] * len(KINDS)
        for block in range(len(blocking)):
            t = blocking.kind(block)
            for i, j in blocking.pairs(block):
                self.kind_counts[t] += 1
                yield i, j

    # --- the model ----------------------------------------------------------------------------
    def _session(self, records: Sequence[Prepared], key, limit: int, seed: int) -> Counter:
        """Comparison patterns of up to `limit` pairs that agree on `key(record)` (a blocking rule)."""
        return _session_patterns(records, key, limit, seed, use_document=self.use_document)

    def fit_parts(self, records: Sequence[Prepared]) -> dict[str, object]:
        """What the model is estimated from besides the compared pairs (they do not depend on
        them, so `run` computes them beside the comparisons)."""
        return {name: _fit_part(name, records, self) for name in FIT_PARTS}

    def fit(
        self, records: Sequence[Prepared], patterns: Counter, parts: dict[str, object] | None = None
    ) -> Model:
        """u from random pairs; m by EM in two sessions, each blocked on fields it then leaves out:
        pairs with the same name skeletons train the other fields, pairs with the same exact date
        of birth train the names. The share of matches comes from the compared pairs (m, u fixed)
        and is scaled to all pairs."""
        n_fields = len(FIELDS)
        parts = parts if parts is not None else self.fit_parts(records)
        u: list[list[float]] = parts["u"]  # type: ignore[assignment]
        # Names go with nationality, birthplace and father's name (one population's names), so the
        # name session trains only the date of birth, sex and document.
        u_nat: list[list[float]] = parts["u_nat"]  # type: ignore[assignment]
        m, _ = estimate_m(parts["by_name"], u_nat, active=[2, 4, 5, 7])  # type: ignore[arg-type]
        m_date, _ = estimate_m(
            parts["by_date"],  # type: ignore[arg-type]
            u,
            active=[f for f in range(n_fields) if f != 2],
            m=m,
        )
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
        blocking = self.blocking(records)
        timings["block"] = time.perf_counter() - t0
        left, right, pat, pattern_list, parts = _compare_in_workers(records, blocking, engine=self)
        del blocking
        counts: Counter = Counter(pat)
        timings["compare"] = time.perf_counter() - t0 - timings["block"]
        t1 = time.perf_counter()
        model = self.fit(records, Counter({pattern_list[p]: c for p, c in counts.items()}), parts)
        timings["fit"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        # Weight per pattern; the term-frequency adjustment only where a name agrees.
        base = [model.weight(p) for p in pattern_list]
        # Which name's skeleton a pattern's weight depends on (term frequencies): given, family.
        tf_given = [p[0] != MISSING and p[0] <= N_SKELETON for p in pattern_list]
        tf_surname = [p[1] != MISSING and p[1] <= N_SKELETON for p in pattern_list]
        needs_tf = [g or f for g, f in zip(tf_given, tf_surname, strict=True)]
        weight = array("f")
        link_weight = math.log2(LINK_PROBABILITY / (1 - LINK_PROBABILITY))
        links: list[tuple[float, int, int]] = []
        # A weight depends on the pattern and, for an agreeing name, on how common the first
        # record's name skeletons are: computed once per (pattern, skeletons).
        cache: dict[tuple[int, str, str], float] = {}
        for n in range(len(left)):
            p = pat[n]
            i = left[n]
            if needs_tf[p]:
                a = records[i]
                key = (p, a.given_skel if tf_given[p] else "", a.surname_skel if tf_surname[p] else "")
                w = cache.get(key)
                if w is None:
                    w = cache[key] = model.weight(pattern_list[p], a)
            else:
                w = base[p]
            weight.append(w)
            if w >= link_weight:
                j = right[n]
                if not sibling_veto(pattern_list[p], records[i], records[j]):
                    links.append((w, i, j))
        del cache
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
