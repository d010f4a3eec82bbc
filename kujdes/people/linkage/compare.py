"""Per-field comparison levels of two prepared records, and the words that explain them.

A comparison is a tuple of levels, one per field of `FIELDS`, -1 when either side is missing (a
missing value weighs nothing). Level 0 is always the strongest agreement. Names are compared
swap-aware: when given name against family name agrees better than the straight comparison,
the crossed comparison is used and the pair says so.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from rapidfuzz.distance import DamerauLevenshtein, Hamming, JaroWinkler

from kujdes.people.linkage.normalise import (
    COMPATIBLE_NATIONALITIES,
    BirthDate,
    consonant_key,
    name_groups,
    name_tokens,
    normalise_document,
    normalise_nationality,
    normalise_sex,
    parse_dob,
    place_key,
    skeleton,
)

# The fields of a comparison, in order, and how many levels each has (besides "missing").
FIELDS = ("given_name", "surname", "dob", "sex", "father_name", "birth_place", "nationality", "document")
LEVELS = {
    "given_name": 6, "surname": 6, "dob": 7, "sex": 2, "father_name": 3, "birth_place": 3,
    "nationality": 3, "document": 3,
}  # fmt: skip
MISSING = -1

# Name levels
N_EXACT, N_SKELETON, N_CLOSE, N_SIMILAR, N_WEAK, N_DIFFERENT = range(6)
# Date-of-birth levels
D_EXACT, D_ESTIMATED, D_SWAP, D_TYPO, D_YEAR1, D_NEAR, D_DIFFERENT = range(7)
ESTIMATED_YEARS = 3  # an estimated (1 January placeholder) date agrees with a year up to 3 off


class Prepared:
    """One record with its normalised fields (in memory only; nothing here is ever written)."""

    __slots__ = (
        "record_id", "given", "surname", "given_skel", "surname_skel", "given_cons", "surname_cons",
        "given_groups", "surname_groups", "father", "father_skel", "sex", "dob", "place", "nationality",
        "document", "office",
    )  # fmt: skip

    def __init__(
        self,
        record_id: str,
        given_name: str | None = None,
        surname: str | None = None,
        father_name: str | None = None,
        sex: str | None = None,
        dob: str | None = None,
        birth_place: str | None = None,
        nationality: str | None = None,
        document_id: str | None = None,
        office: str | None = None,
    ) -> None:
        self.record_id = record_id
        self.given, self.given_skel, self.given_cons, self.given_groups = _name_parts(given_name or "", False)
        (self.surname, self.surname_skel, self.surname_cons, self.surname_groups) = _name_parts(
            surname or "", True
        )
        self.father, self.father_skel, _cons, _groups = _name_parts(father_name or "", False)
        self.sex = normalise_sex(sex)
        self.dob = parse_dob(dob)
        self.place = _place(birth_place or "")
        self.nationality = sys.intern(normalise_nationality(nationality))
        self.document = normalise_document(document_id)
        self.office = sys.intern(office) if office else ""


# Normalisation per distinct spelling, not per record: a registry repeats its names a lot, and the
# records then share one copy of each normalised string (a million records fit in memory).
_PARTS_CACHE_MAX = 1_000_000
_parts_cache: dict[tuple[str, bool], tuple[str, str, str, frozenset]] = {}
_place_cache: dict[str, str] = {}


def _name_parts(raw: str, surname: bool) -> tuple[str, str, str, frozenset]:
    """(folded, skeleton, consonant key, name groups) of a name, cached by its raw spelling."""
    key = (raw, surname)
    parts = _parts_cache.get(key)
    if parts is not None:
        return parts
    tokens = name_tokens(raw, surname=surname)
    skels = [skeleton(t) for t in tokens]
    groups: set[int] = set()
    for skel in skels:
        groups |= name_groups(skel)
    parts = (
        sys.intern(" ".join(tokens)),
        sys.intern(" ".join(skels)),
        sys.intern(" ".join(consonant_key(k) for k in skels)),
        frozenset(groups),
    )
    if len(_parts_cache) >= _PARTS_CACHE_MAX:
        _parts_cache.clear()
    _parts_cache[key] = parts
    return parts


def _place(raw: str) -> str:
    place = _place_cache.get(raw)
    if place is None:
        if len(_place_cache) >= _PARTS_CACHE_MAX:
            _place_cache.clear()
        place = _place_cache[raw] = sys.intern(place_key(raw))
    return place


_jw = JaroWinkler.normalized_similarity
_dl = DamerauLevenshtein.distance
_hamming = Hamming.distance
_name_cache: dict[tuple[str, str], int] = {}


def _name_level(
    a: str,
    a_skel: str,
    a_cons: str,
    a_groups: frozenset,
    b: str,
    b_skel: str,
    b_cons: str,
    b_groups: frozenset,
) -> int:
    if not a or not b:
        return MISSING
    if a == b:
        return N_EXACT
    if a_skel == b_skel:
        return N_SKELETON
    if a_groups and not a_groups.isdisjoint(b_groups):
        return N_SKELETON
    key = (a, b)
    level = _name_cache.get(key)
    if level is not None:
        return level
    if True:
        if True:
            sim = _jw(a_skel, b_skel)
            if (
                sim >= 0.92
                or a_cons == b_cons
                or _dl(a, b, score_cutoff=1) <= 1
                or (" " in a_skel or " " in b_skel)
                and _token_subset(a_skel, b_skel)
            ):
                level = N_CLOSE
            elif sim >= 0.85:
                level = N_SIMILAR
            elif sim >= 0.70:
                level = N_WEAK
            else:
                level = N_DIFFERENT
    if len(_name_cache) > 2_000_000:
        _name_cache.clear()
    _name_cache[key] = level
    return level


def _token_subset(a: str, b: str) -> bool:
    ta, tb = set(a.split()), set(b.split())
    return ta != tb and (ta <= tb or tb <= ta)


def _cost(level: int) -> int:
    return 3 if level == MISSING else level


def _level(a: Prepared, b: Prepared, a_given: bool, b_given: bool) -> int:
    """The level of one name of `a` (given or family) against one of `b`, the common cases first."""
    x = a.given if a_given else a.surname
    y = b.given if b_given else b.surname
    if not x or not y:
        return MISSING
    if x == y:
        return N_EXACT
    x_skel = a.given_skel if a_given else a.surname_skel
    y_skel = b.given_skel if b_given else b.surname_skel
    if x_skel == y_skel:
        return N_SKELETON
    return _name_level(
        x,
        x_skel,
        a.given_cons if a_given else a.surname_cons,
        a.given_groups if a_given else a.surname_groups,
        y,
        y_skel,
        b.given_cons if b_given else b.surname_cons,
        b.given_groups if b_given else b.surname_groups,
    )


def names_compare(a: Prepared, b: Prepared) -> tuple[int, int, bool]:
    """(given level, surname level, swapped) — the crossed comparison when it agrees better."""
    g = _level(a, b, True, True)
    s = _level(a, b, False, False)
    straight = (3 if g == MISSING else g) + (3 if s == MISSING else s)
    if straight <= 1:
        return g, s, False
    if straight >= 8 and a.given[:1] != b.surname[:1] and a.surname[:1] != b.given[:1]:
        return g, s, False  # nothing agrees and no initial crosses: no swap to look for
    gx = _level(a, b, True, False)
    sx = _level(a, b, False, True)
    if _cost(gx) + _cost(sx) + 1 < straight:
        return gx, sx, True
    return g, s, False


def dob_level(a: BirthDate | None, b: BirthDate | None) -> int:
    if a is None or b is None:
        return MISSING
    da, db = a.digits, b.digits
    if da == db and not a.estimated:
        return D_EXACT
    dy = abs(a.year - b.year)
    if (a.estimated or b.estimated) and dy <= ESTIMATED_YEARS:
        return D_ESTIMATED
    if a.year == b.year and a.month == b.day and a.day == b.month:
        return D_SWAP
    if _hamming(da, db, score_cutoff=1) <= 1:
        return D_TYPO
    if dy == 1 and a.month == b.month and a.day == b.day:
        return D_YEAR1
    if dy <= 2:
        return D_NEAR
    return D_DIFFERENT


def _simple_level(a: str, b: str, a_skel: str, b_skel: str, close: float) -> int:
    if not a or not b:
        return MISSING
    if a_skel == b_skel:
        return 0
    if _jw(a_skel, b_skel) >= close:
        return 1
    return 2


def compare(a: Prepared, b: Prepared, *, use_document: bool = True) -> tuple[tuple[int, ...], bool]:
    """The levels of every field of FIELDS and whether the names were compared crossed."""
    g, s, swapped = names_compare(a, b)
    d = dob_level(a.dob, b.dob)
    sex = MISSING if not a.sex or not b.sex else (0 if a.sex == b.sex else 1)
    father = _simple_level(a.father, b.father, a.father_skel, b.father_skel, 0.88)
    place = _simple_level(a.place, b.place, a.place, b.place, 0.85)
    if not a.nationality or not b.nationality:
        nat = MISSING
    elif a.nationality == b.nationality:
        nat = 0
    elif frozenset((a.nationality, b.nationality)) in COMPATIBLE_NATIONALITIES:
        nat = 1
    else:
        nat = 2
    if not use_document or not a.document or not b.document:
        doc = MISSING
    elif a.document == b.document:
        doc = 0
    elif _dl(a.document, b.document, score_cutoff=1) <= 1:
        doc = 1
    else:
        doc = 2
    return (g, s, d, sex, father, place, nat, doc), swapped


def sibling_veto(levels: tuple[int, ...], a: Prepared, b: Prepared) -> bool:
    """Sibling and twin protection: one family (family name with father, birthplace or birth date),
    but a clearly different given name or the other sex, and no agreeing document."""
    g, s, d, sex, father, place, _nat, doc = levels
    if doc in (0, 1):
        return False
    if s == MISSING or s > N_CLOSE:
        return False
    family = father in (0, 1) or place == 0 or d == D_EXACT
    if not family:
        return False
    # an exact date is also what twins share: there only a clearly different given name counts
    weakest = N_DIFFERENT if d == D_EXACT and father not in (0, 1) and place != 0 else N_WEAK
    different_given = g != MISSING and g >= weakest and a.given_groups.isdisjoint(b.given_groups)
    return different_given or (sex == 1 and g != N_EXACT)


# --- explanations ------------------------------------------------------------------------------
def _translator():
    """Django's gettext when Django is configured (the application), else the English text (the
    engine also runs without Django: benchmarks, the stand-alone command)."""
    from django.conf import settings

    if settings.configured:
        from django.utils.translation import gettext

        return gettext
    return lambda text: text


def _words() -> dict[str, dict[int, str]]:
    _ = _translator()

    name = {
        N_EXACT: _("same"),
        N_SKELETON: _("same after folding and transliteration, or a known variant or nickname"),
        N_CLOSE: _("one letter apart, or the same consonants"),
        N_SIMILAR: _("similar"),
        N_WEAK: _("somewhat similar"),
        N_DIFFERENT: _("different"),
        MISSING: _("missing on one side"),
    }
    simple = {0: _("same"), 1: _("similar"), 2: _("different"), MISSING: _("missing on one side")}
    return {
        "given_name": name,
        "surname": name,
        "dob": {
            D_EXACT: _("same"),
            D_ESTIMATED: _("estimated on one side, within three years"),
            D_SWAP: _("day and month swapped"),
            D_TYPO: _("one digit apart"),
            D_YEAR1: _("same day and month, year one apart"),
            D_NEAR: _("within two years"),
            D_DIFFERENT: _("different"),
            MISSING: _("missing on one side"),
        },
        "sex": {0: _("same"), 1: _("different"), MISSING: _("missing on one side")},
        "father_name": simple,
        "birth_place": simple,
        "nationality": {
            0: _("same"),
            1: _("compatible (Kosovo/Albania, Moldova/Romania)"),
            2: _("different"),
            MISSING: _("missing on one side"),
        },
        "document": {
            0: _("same"),
            1: _("one character apart"),
            2: _("different"),
            MISSING: _("missing on one side"),
        },
    }


@dataclass(frozen=True)
class FieldExplanation:
    field: str
    level: int
    weight: float
    text: str


def field_labels() -> dict[str, str]:
    _ = _translator()

    return {
        "given_name": _("given name"),
        "surname": _("family name"),
        "dob": _("date of birth"),
        "sex": _("sex"),
        "father_name": _("father's name"),
        "birth_place": _("birthplace"),
        "nationality": _("nationality"),
        "document": _("document"),
    }


def explain(levels: tuple[int, ...], weights: tuple[float, ...], swapped: bool) -> list[FieldExplanation]:
    """Per-field words for a pair, e.g. "family name: same after folding …; date of birth: day and
    month swapped"; the swap of given and family name is said on the given name's line."""
    _ = _translator()

    words = _words()
    labels = field_labels()
    out = []
    for field, level, weight in zip(FIELDS, levels, weights, strict=False):
        text = f"{labels[field]}: {words[field][level]}"
        if swapped and field == "given_name":
            text += " " + _("(given and family name swapped)")
        out.append(FieldExplanation(field=field, level=level, weight=weight, text=text))
    return out
