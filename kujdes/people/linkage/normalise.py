"""Normalisation of names and other identity fields, so that the spellings of one person meet.

Three forms are computed for every name token (all in memory, never stored in plaintext):

* the **folded** form: NFKC, case folding, Cyrillic transliterated to Latin (one reference scheme),
  diacritics removed (ë→e, ç→c, ș/ş→s, ț/ţ→t, â/î→i), anything but letters dropped;
* the **skeleton**, a phonetic key tuned for the network's spellings: it collapses what the
  transliteration schemes and foreign clerks write differently for one sound (Ukrainian national,
  BGN/PCGN, Bulgarian official, German, French and scholarly renderings of Cyrillic — shch/schtsch/
  chtch/šč, tsch/tch/ch/č, sch/sh/š, zh/ž/j, kh/ch/h, ts/tz/z/c, y/j/i, w/v, ou/u; Albanian clerk
  respellings — xh→j/gi/dj/x, gj→g/gi/dj, ç/q→ch/c, ll→l, rr→r, dh→d/th; Arabic/Persian ee/oo/ah),
  drops doubled letters and the final vowels (Albanian definite and indefinite forms: Hoxha/Hoxhaj,
  Drita/Dritë, Artan/Artani meet; so do Kovalenko/Kovalenka);
* the **consonant key**: the skeleton's first letter and its consonants (Mohammed/Muhammad/Mohamed).

Name groups (nicknames and well-known variants: Lindita/Linda, Юлія/Юля, Mohammed/Muhammad/Mehmet)
come from the data file `data/names.txt`, one group per line.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

# --- Cyrillic → Latin -------------------------------------------------------------------------
# One reference scheme (close to BGN/PCGN); the skeleton then makes the other schemes meet it.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "ё": "yo", "є": "ye",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "a", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "ў": "u", "ј": "j", "љ": "lj", "њ": "nj", "ћ": "c", "ђ": "dj", "џ": "dzh", "ѓ": "gj",
    "ќ": "kj", "ѕ": "dz",
}  # fmt: skip
# Russian и is "i" in every scheme; Ukrainian и is "y". Without the language we use "i" when the
# word has none of the Ukrainian-only letters (і, ї, є, ґ).
_UKRAINIAN_ONLY = set("іїєґ")
# Letters that survive NFKD or need a spelling, and the scholarly carons before they are stripped.
_LATIN_SPECIAL = str.maketrans(
    {"ß": "ss", "ø": "o", "đ": "dj", "ł": "l", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d"}
)
_CARONS = {"š": "sh", "ž": "zh", "č": "ch", "ć": "ch", "ŝ": "sh", "ĉ": "ch"}
_ROMANIAN = str.maketrans({"â": "î", "ş": "ș", "ţ": "ț"})  # î/â and cedilla/comma confusion
_NOT_LETTERS = re.compile(r"[^a-z ]+")


def _cyrillic_word(word: str) -> str:
    ukrainian = any(ch in _UKRAINIAN_ONLY for ch in word)
    out = []
    for ch in word:
        if ch == "и" and not ukrainian:
            out.append("i")
        elif ch == "г" and not ukrainian:
            out.append("g")
        else:
            out.append(_CYRILLIC.get(ch, ch))
    return "".join(out)


def has_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """NFKC, case-folded, Cyrillic transliterated, diacritics removed; letters and single spaces only."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).casefold()
    for sep in "-'’`.,_/":
        text = text.replace(sep, " ")
    if has_cyrillic(text):
        text = " ".join(_cyrillic_word(w) for w in text.split())
    text = text.translate(_ROMANIAN)
    for src, dst in _CARONS.items():
        if src in text:
            text = text.replace(src, dst)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_LATIN_SPECIAL)
    return " ".join(_NOT_LETTERS.sub(" ", text).split())


# --- the skeleton -----------------------------------------------------------------------------
# Ordered: longer spellings first. Upper-case letters are the collapsed classes.
_SKELETON_RULES = [
    ("schtsch", "S"), ("shtsh", "S"), ("chtch", "S"), ("shch", "S"), ("sht", "S"), ("tsch", "C"),
    ("dzh", "J"), ("tch", "C"), ("sch", "S"), ("xh", "J"), ("zh", "J"), ("dj", "J"), ("gj", "J"),
    ("dz", "J"), ("sh", "S"), ("ch", "C"), ("kh", "H"), ("ts", "C"), ("tz", "C"), ("ph", "F"),
    ("th", "T"), ("dh", "D"), ("ck", "K"), ("ou", "U"), ("ee", "I"), ("oo", "U"), ("ck", "K"),
]  # fmt: skip
_SKELETON_LETTERS = str.maketrans(
    {"w": "V", "v": "V", "q": "C", "c": "C", "x": "J", "j": "I", "y": "I", "i": "I", "g": "H",
     "h": "H", "z": "S", "s": "S", "k": "K"}
)  # fmt: skip
_GI_VOWEL = re.compile(r"gi(?=[aeou])")
_DOUBLES = re.compile(r"(.)\1+")
_VOWELS = set("aeiouIU")
_SKELETON_VOWELS = set("aeiouU")


@lru_cache(maxsize=200_000)
def skeleton(token: str) -> str:
    """The phonetic key of one folded token (see the module docstring)."""
    if not token:
        return ""
    t = _GI_VOWEL.sub("J", token)
    for src, dst in _SKELETON_RULES:
        if src in t:
            t = t.replace(src, dst)
    t = t.translate(_SKELETON_LETTERS)
    t = _DOUBLES.sub(r"\1", t)
    # A glide before a vowel at the start is dropped (Yelena/Elena, Iuliia/Uliia stay one key).
    if len(t) > 2 and t[0] == "I" and t[1] in _SKELETON_VOWELS:
        t = t[1:]
    # Final "h" after a vowel (Fatimah), then final vowels (definite forms, Kovalenko/-a).
    if len(t) > 3 and t[-1] == "H" and t[-2] in _VOWELS:
        t = t[:-1]
    while len(t) > 3 and t[-1] in _VOWELS:
        t = t[:-1]
    return t.lower()


def consonant_key(skel: str) -> str:
    """First letter and consonants of a skeleton: vowel spellings do not matter (Mohamed/Muhammad)."""
    if not skel:
        return ""
    return skel[0] + "".join(ch for ch in skel[1:] if ch not in "aeoui")


# --- name parts -------------------------------------------------------------------------------
# Vietnamese middle particles (dropped or kept by clerks) and Arabic articles.
PARTICLES = frozenset({"thi", "van"})
ARTICLES = frozenset({"al", "el", "ul"})


def name_tokens(text: str | None, *, surname: bool = False) -> tuple[str, ...]:
    """Folded tokens of a name, without Vietnamese particles; Arabic articles dropped from surnames."""
    if not text:
        return ()
    tokens = [t for t in fold(text).split() if t not in PARTICLES]
    if surname:
        tokens = [t for t in tokens if t not in ARTICLES]
        out = []
        for t in tokens:
            # Alhassan/Al-Hassan/El Hassan/Hassan: a glued article before a long enough stem.
            if len(t) >= 7 and t[:2] in ("al", "el") and t[2] not in "aeiou":
                t = t[2:]
            out.append(t)
        tokens = out
    return tuple(tokens)


@lru_cache(maxsize=1)
def _name_groups() -> dict[str, frozenset[int]]:
    groups: dict[str, set[int]] = {}
    path = Path(__file__).with_name("data") / "names.txt"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        for name in line.split():
            for token in name_tokens(name):
                groups.setdefault(skeleton(token), set()).add(number)
    return {k: frozenset(v) for k, v in groups.items()}


def name_groups(skel: str) -> frozenset[int]:
    """Numbers of the nickname/variant groups a skeleton belongs to (empty if none)."""
    return _name_groups().get(skel, frozenset())


def same_group(skel_a: str, skel_b: str) -> bool:
    a = name_groups(skel_a)
    return bool(a) and not a.isdisjoint(name_groups(skel_b))


# --- other fields -----------------------------------------------------------------------------
_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})")


class BirthDate:
    """A date of birth; `estimated` when it is 1 January, the placeholder written when only an
    (estimated) age is known."""

    __slots__ = ("year", "month", "day", "digits", "estimated")

    def __init__(self, year: int, month: int, day: int) -> None:
        self.year, self.month, self.day = year, month, day
        self.digits = f"{year:04d}{month:02d}{day:02d}"
        self.estimated = month == 1 and day == 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BirthDate) and self.digits == other.digits

    def __hash__(self) -> int:
        return hash(self.digits)

    def __repr__(self) -> str:
        return f"BirthDate({self.year}, {self.month}, {self.day})"


@lru_cache(maxsize=100_000)  # one shared (never changed) BirthDate per distinct date
def parse_dob(value: str | None) -> BirthDate | None:
    if not value:
        return None
    match = _DATE.match(str(value))
    if not match:
        return None
    y, m, d = (int(g) for g in match.groups())
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return None
    return BirthDate(y, m, d)


def normalise_sex(value: str | None) -> str:
    v = (value or "").strip().upper()[:1]
    return v if v in ("F", "M") else ""


# Nationalities that clerks confuse (Kosovo recorded as Albania, Moldova as Romania).
COMPATIBLE_NATIONALITIES = frozenset({frozenset({"XK", "AL"}), frozenset({"MD", "RO"})})


def normalise_nationality(value: str | None) -> str:
    v = (value or "").strip().upper()
    return v if len(v) == 2 and v.isalpha() else ""


def normalise_document(value: str | None) -> str:
    """Upper-case letters and digits only (spaces, dashes and slashes dropped)."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).upper()
    return "".join(ch for ch in text if ch.isalnum())


def place_key(value: str | None) -> str:
    """Skeleton of a place name (Tiranë/Tirana/Tirane, Durrës/Durrësi, Київ/Kyiv meet)."""
    tokens = name_tokens(value)
    return " ".join(skeleton(t) for t in tokens)
