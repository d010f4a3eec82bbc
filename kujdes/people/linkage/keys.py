"""Blocking keys: which records are compared at all.

Each function returns the keys of one record as plain strings *in memory*. They are meant to be
stored only as keyed blind indexes: `blind_keys()` passes them through an HMAC (the organisation's
index key, like the existing blind indexes) — never log or store the plain keys.

Key kinds, in the order in which a pair is attributed to the first kind that finds it:

* ``doc``  the normalised document number (unless documents are ignored);
* ``np``   the sorted pair of name skeletons (given, family): swaps and all spellings that share
           a skeleton; no year, so that estimated ages meet;
* ``ny``   each name skeleton with the birth year and the other name's initial: the other name
           misspelt after its first letter, with any date error but the year;
* ``pf``   each name skeleton with the first three letters of the other one's skeleton (q-gram
           prefix): a typo late in the other name;
* ``cn``   the sorted pair of consonant keys: vowel spellings (Mohamed/Muhammad, Yasmin/Yasmeen);
* ``dt``   the date of birth with day and month in sorted order (a swap meets), with the first
           letter of either name's skeleton: typos early in a name.
"""

from __future__ import annotations

from collections.abc import Callable

from kujdes.people.linkage.compare import Prepared

KINDS = ("doc", "np", "ny", "pf", "cn", "dt")


def _first(text: str) -> str:
    return text.split(" ", 1)[0] if text else ""


def record_keys(r: Prepared, *, use_document: bool = True) -> tuple[tuple[str, ...], ...]:
    """The keys of one record, one tuple per kind of KINDS (each sorted)."""
    g, s = r.given_skel.replace(" ", ""), r.surname_skel.replace(" ", "")
    year = str(r.dob.year) if r.dob else ""
    doc = (r.document,) if use_document and len(r.document) >= 5 else ()
    np_ = (min(g, s) + "|" + max(g, s),) if g and s else ()
    ny = tuple(sorted({a + "|" + year + b[:1] for a, b in ((g, s), (s, g)) if a and year}))
    pf = tuple(sorted({a + "|" + b[:3] for a, b in ((g, s), (s, g)) if len(a) >= 2 and len(b) >= 3}))
    gc, sc = r.given_cons.replace(" ", ""), r.surname_cons.replace(" ", "")
    cn = (min(gc, sc) + "|" + max(gc, sc),) if len(gc) >= 2 and len(sc) >= 2 else ()
    if r.dob:
        d = r.dob
        date = f"{d.year}-{min(d.month, d.day)}-{max(d.month, d.day)}"
        dt = tuple(sorted({date + "|" + n[0] for n in (g, s) if n}))
    else:
        dt = ()
    return (doc, np_, ny, pf, cn, dt)


def blind_keys(
    r: Prepared, *, digest: Callable[[str, str], str], use_document: bool = True
) -> list[tuple[str, str]]:
    """(kind, digest) pairs for storage: `digest(kind, key)` is the organisation's keyed HMAC,
    e.g. ``lambda kind, key: blind_index(organisation_id=o, kind="lk_" + kind, normalised=key)``."""
    out = []
    for kind, keys in zip(KINDS, record_keys(r, use_document=use_document), strict=False):
        out += [(kind, digest(kind, key)) for key in keys]
    return out
