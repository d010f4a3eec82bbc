"""Cryptographic linkage keys (CLKs): counting persons known to several partners without their names.

Each partner encodes every person as a Bloom filter of `BITS` bits (the method of anonlink/clkhash,
Schnell et al. 2009): the q-grams (bigrams) of the person's normalised name, the parts of the date
of birth and the sex are each hashed `k` times into the filter by double hashing
(position_i = h1 + i·h2 mod BITS), where h1 and h2 come from a **keyed** hash (BLAKE2b keyed with
a per-field key derived from the network-wide secret). Without the secret nobody can build the
filter of a name they guess, so the filters tell the hub nothing but how similar two of them are;
two spellings of one person share most bigrams, so their filters have a high Dice coefficient.

The names go through the engine's own normalisation (`normalise.py`: NFKC, folding, Cyrillic →
Latin, then the phonetic skeleton), so Юлія Коваленко and Yuliia Kovalenko, Hoxha and Hoxhaj give
the same bigrams. Given and family name are encoded as one field, so a swap gives the same filter;
day and month go in as two tokens of one kind, so a day/month swap does too; an estimated date
(1 January, an age written as a date) contributes its year only.

Why not clkhash/anonlink: neither is an application dependency (clkhash pins old numpy/bitarray
releases and its blocking library needs a C toolchain), and the schema needed here is small. The
filter is a Python int (1024 bits; `int.bit_count` is the popcount), which needs no numpy (not
installed in the application's environment) and is fast enough: encoding is one keyed hash per
q-gram, comparing is two ANDs and three popcounts.

Counting (`shared_count`, run by the hub on CLKs only): candidate pairs come from locality-
sensitive blocking on the filters themselves (Hamming LSH: records that agree on every one of
`BAND_BITS` sampled bit positions, in any of `BANDS` independent samples; the positions are
public and fixed, they depend on no secret), so the work grows with the number of records, not
its square. Pairs from different partners at Dice ≥ `DICE_THRESHOLD` link; a person is *known to
two or more partners* when their linked group holds filters of at least two partners. The
threshold is fixed in advance (not fitted to any labels) and stated in docs/benchmarks.md.
"""

from __future__ import annotations

import base64
import hashlib
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kujdes.people.linkage.normalise import name_tokens, normalise_sex, parse_dob, skeleton

SCHEMA = "kujdes-clk/1"
BITS = 1024
BYTES = BITS // 8
# Hashes per token, per field: a name has ~10 bigrams and the date three tokens, so that the date
# weighs about as much as the name (with more name bits, two persons with one common name and
# different dates would pass the threshold). About 190 of the 1,024 bits are set.
K_NAME = 10
K_DATE = 30
K_SEX = 10
# Fixed before the measured runs (anonlink's usual range is 0.8–0.9): at 0.85 two spellings of one
# name that meet in the skeleton (scripts, transliterations, definite forms, a swap) with the same
# date and sex link, as does a name a letter or two apart; one changed date part, a different date
# or a sibling's given name do not.
DICE_THRESHOLD = 0.85
# Blocking: 48 bands of 40 sampled positions. Two filters at the threshold differ in ~6 % of the
# positions: they meet in a band with probability ≈ 0.94^40 ≈ 0.1, in at least one of 48 bands
# with probability ≈ 0.99 (two spellings of one person, which differ less, ≈ 1); two persons with
# one common name and different dates differ in ≈ 15 % (≈ 0.15 % a band); unrelated filters in
# ≈ 30 % (≈ 1e-6 a band).
BANDS = 48
BAND_BITS = 40
BAND_SEED = 20261208  # public: the positions sampled for blocking are not a secret
MIN_SECRET_BYTES = 32


class ClkError(ValueError):
    pass


def _field_key(secret: bytes, name: str) -> bytes:
    return hashlib.blake2b(f"{SCHEMA}|{name}".encode(), key=secret[:64], digest_size=32).digest()


class Encoder:
    """Encodes records with one network-wide secret (the keys per field are derived once)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ClkError("The network-wide linkage secret must have at least 32 bytes.")
        self._keys = {name: _field_key(secret, name) for name in ("name", "date", "sex")}
        self._cache: dict[tuple[str, str], int] = {}

    def _token_bits(self, field_name: str, token: str, k: int) -> int:
        cached = self._cache.get((field_name, token))
        if cached is not None:
            return cached
        digest = hashlib.blake2b(token.encode(), key=self._keys[field_name], digest_size=16).digest()
        h1 = int.from_bytes(digest[:8], "big")
        h2 = int.from_bytes(digest[8:], "big") | 1  # odd: the k positions are distinct (BITS is 2^n)
        bits = 0
        for i in range(k):
            bits |= 1 << ((h1 + i * h2) % BITS)
        if len(self._cache) < 500_000:
            self._cache[(field_name, token)] = bits
        return bits

    def encode(
        self,
        *,
        given_name: str | None,
        family_name: str | None,
        dob: str | None = None,
        sex: str | None = None,
        estimated: bool = False,
    ) -> int:
        """The filter of one person (an int of BITS bits); 0 when the person has no name at all."""
        clk = 0
        for token in name_bigrams(given_name, family_name):
            clk |= self._token_bits("name", token, K_NAME)
        if not clk:
            return 0
        date = parse_dob(dob)
        if date is not None:
            clk |= self._token_bits("date", f"y{date.year}", K_DATE)
            if not (estimated or date.estimated):
                for part in {date.month, date.day}:
                    clk |= self._token_bits("date", f"p{part}", K_DATE)
        s = normalise_sex(sex)
        if s:
            clk |= self._token_bits("sex", s, K_SEX)
        return clk


def name_bigrams(given_name: str | None, family_name: str | None) -> set[str]:
    """Bigrams of the skeletons of every name token, padded (_ab, …, yz_); a set, so order and
    repetition (a swap, a doubled name) do not matter."""
    out: set[str] = set()
    for token in (*name_tokens(given_name), *name_tokens(family_name, surname=True)):
        skel = skeleton(token)
        padded = f"_{skel}_"
        out.update(padded[i : i + 2] for i in range(len(padded) - 1))
    return out


def dice(a: int, b: int) -> float:
    total = a.bit_count() + b.bit_count()
    return 2 * (a & b).bit_count() / total if total else 0.0


def secret_fingerprint(secret: bytes) -> str:
    """A short public check that two installations hold the same secret (it does not reveal it)."""
    return hashlib.blake2b(b"kujdes-clk/fingerprint", key=secret[:64], digest_size=8).hexdigest()


# --- transport: an opaque list of filters ---------------------------------------------------------


def pack(clks: Iterable[int]) -> str:
    """Filters as one base64 text: BYTES bytes each, in an order that means nothing (the opaque
    index of a filter is its position, valid for this submission only)."""
    return base64.b64encode(b"".join(c.to_bytes(BYTES, "big") for c in clks)).decode("ascii")


def unpack(text: str) -> list[int]:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise ClkError("The filters are not base64.") from exc
    if len(raw) % BYTES:
        raise ClkError(f"The filters are not a whole number of {BYTES}-byte filters.")
    return [int.from_bytes(raw[i : i + BYTES], "big") for i in range(0, len(raw), BYTES)]


# --- the hub's count --------------------------------------------------------------------------------


def _band_masks() -> list[int]:
    rng = random.Random(BAND_SEED)
    masks = []
    for _ in range(BANDS):
        mask = 0
        for position in rng.sample(range(BITS), BAND_BITS):
            mask |= 1 << position
        masks.append(mask)
    return masks


_MASKS = _band_masks()


@dataclass
class SharedCount:
    """How many persons are known to two or more partners; per partner, how many of its persons
    are known to another partner. Counts only: no pair, no filter, no index leaves this."""

    persons_shared: int
    by_partner: dict[str, int] = field(default_factory=dict)
    # The persons known to exactly n partners (n ≥ 2).
    by_partner_count: dict[int, int] = field(default_factory=dict)
    filters: int = 0
    pairs_compared: int = 0


def shared_count(
    clks_by_partner: Mapping[str, Sequence[int]], *, threshold: float = DICE_THRESHOLD
) -> SharedCount:
    """Link filters of different partners at Dice ≥ threshold, within LSH blocks; count the groups
    that span two or more partners."""
    owners: list[int] = []
    clks: list[int] = []
    names = sorted(clks_by_partner)
    for number, name in enumerate(names):
        for clk in clks_by_partner[name]:
            if clk:
                owners.append(number)
                clks.append(clk)
    parent = list(range(len(clks)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    compared = 0
    counts = [c.bit_count() for c in clks]
    for band, mask in enumerate(_MASKS):
        earlier = _MASKS[:band]
        blocks: dict[int, list[int]] = {}
        for i, clk in enumerate(clks):
            blocks.setdefault(clk & mask, []).append(i)
        for members in blocks.values():
            if len(members) < 2 or len({owners[i] for i in members}) < 2:
                continue
            for x, i in enumerate(members):
                ci, oi = clks[i], owners[i]
                for j in members[x + 1 :]:
                    if owners[j] == oi:
                        continue
                    cj = clks[j]
                    # The pair belongs to the first band in which it meets (no set of pairs kept).
                    if any(ci & m == cj & m for m in earlier):
                        continue
                    compared += 1
                    if 2 * (ci & cj).bit_count() >= threshold * (counts[i] + counts[j]):
                        ri, rj = find(i), find(j)
                        if ri != rj:
                            parent[rj] = ri
    partners_of: dict[int, set[int]] = {}
    for i in range(len(clks)):
        partners_of.setdefault(find(i), set()).add(owners[i])
    result = SharedCount(persons_shared=0, filters=len(clks), pairs_compared=compared)
    result.by_partner = {name: 0 for name in names}
    for group in partners_of.values():
        if len(group) < 2:
            continue
        result.persons_shared += 1
        result.by_partner_count[len(group)] = result.by_partner_count.get(len(group), 0) + 1
        for owner in group:
            result.by_partner[names[owner]] += 1
    return result
