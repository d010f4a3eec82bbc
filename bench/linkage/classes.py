"""Recall per error class of gen_synth.py: each true pair is put in the classes its raw values show."""

from __future__ import annotations

import csv
import unicodedata
from collections import defaultdict
from pathlib import Path

POOLS = {
    "AL": "Albanian",
    "XK": "Albanian",
    "RO": "Romanian/Moldovan",
    "MD": "Romanian/Moldovan",
    "UA": "Cyrillic (UA/RU/BG)",
    "RU": "Cyrillic (UA/RU/BG)",
    "BG": "Cyrillic (UA/RU/BG)",
    "NG": "Nigerian",
    "VN": "Vietnamese",
    "SY": "Arabic/Persian",
    "IQ": "Arabic/Persian",
    "AF": "Arabic/Persian",
}


def _fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", (s or "").strip().lower())
    return "".join(c for c in s if not unicodedata.combining(c))


def _cyr(s: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in s or "")


def classes_of(a: dict, b: dict, nat: str) -> list[str]:
    out = ["all pairs", "population: " + POOLS.get(nat, nat)]
    ga, sa, gb, sb = (
        _fold(a["given_name"]),
        _fold(a["surname"]),
        _fold(b["given_name"]),
        _fold(b["surname"]),
    )
    if _cyr(a["given_name"] + a["surname"]) != _cyr(b["given_name"] + b["surname"]):
        out.append("Cyrillic script on one side")
    elif nat in ("UA", "RU", "BG") and (ga != gb and sa != sb):
        out.append("both names transliterated differently")
    if ga and sa and ga == sb and sa == gb and ga != sa:
        out.append("given/family name swapped")
    elif ga and gb and ga != gb and sa == sb and nat not in ("UA", "RU", "BG"):
        out.append("given name differs (nickname, variant, typo)")
    elif sa and sb and sa != sb and ga == gb and nat not in ("UA", "RU", "BG"):
        out.append("family name differs (marriage, definite form, typo)")
    da, db = a["dob"], b["dob"]
    if not da or not db:
        out.append("date of birth missing")
    elif da != db:
        ya, ma, xa = da.split("-")
        yb, mb, xb = db.split("-")
        if (ma, xa) == ("01", "01") or (mb, xb) == ("01", "01"):
            off = abs(int(ya) - int(yb))
            band = {0: "same year", 1: "year 1 off", 2: "year 2–3 off", 3: "year 2–3 off"}.get(
                off, "year >3 off"
            )
            out.append(f"estimated date (1 Jan), {band}")
        elif ya == yb and ma == xb and xa == mb:
            out.append("day/month swapped")
        else:
            out.append("other date error (typo, year ±1)")
    return out


def class_report(rows: list[dict], pred: list[str], path: Path) -> dict:
    ent_path = Path(str(path).replace(".csv", "_entities.csv"))
    with ent_path.open(newline="") as handle:
        entities = list(csv.DictReader(handle))
    members = defaultdict(list)
    for i, r in enumerate(rows):
        members[r["entity_id"]].append(i)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for e, idx in members.items():
        nat = entities[int(e)]["nat"]
        for x in range(len(idx)):
            for y in range(x + 1, len(idx)):
                i, j = idx[x], idx[y]
                for cls in classes_of(rows[i], rows[j], nat):
                    counts[cls][0] += 1
                    counts[cls][1] += pred[i] == pred[j]
    out = {k: {"pairs": v[0], "value": v[1] / v[0] if v[0] else 0.0} for k, v in sorted(counts.items())}
    # siblings and twins merged: record pairs of sibling entities put in one cluster
    sib_pairs = merged = 0
    cluster_members = defaultdict(set)
    for i, c in enumerate(pred):
        cluster_members[c].add(i)
    for e, ent in enumerate(entities):
        s = int(ent["sibling_of"])
        if s < 0:
            continue
        for i in members.get(str(e), []):
            for j in members.get(str(s), []):
                sib_pairs += 1
                merged += pred[i] == pred[j]
    out["sibling/twin pairs merged (lower is better)"] = {
        "pairs": sib_pairs,
        "value": merged / sib_pairs if sib_pairs else 0.0,
    }
    return out
