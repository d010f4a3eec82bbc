"""The interface's languages and the review state of their catalogues.

A catalogue is written by the team (machine-assisted for the network's languages) and reviewed by a
native speaker from a partner's staff (docs/translating.md). Its header says whether the language as a
whole was reviewed (`X-Kujdes-Reviewed: yes`); a reviewer marks each string they checked with a
translator comment `# reviewed`, which `make messages` keeps. Until a language is reviewed, its pages
carry a discreet note saying so.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

_HEADER = re.compile(r'^"X-Kujdes-Reviewed:\s*(\w+)\\n"$', re.MULTILINE)


@dataclass(frozen=True)
class CatalogueState:
    language: str
    reviewed: bool
    messages: int
    translated: int
    strings_reviewed: int


def _catalogue(language: str) -> Path:
    folder = language.replace("-", "_")
    return Path(settings.BASE_DIR) / "kujdes" / "locale" / folder / "LC_MESSAGES" / "django.po"


@functools.cache
def catalogue_state(language: str) -> CatalogueState:
    """What the catalogue of `language` says of its review (read once per process)."""
    path = _catalogue(language)
    if not path.is_file():
        return CatalogueState(
            language=language, reviewed=language == "en", messages=0, translated=0, strings_reviewed=0
        )
    text = path.read_text(encoding="utf-8")
    header = _HEADER.search(text[:4000])
    # The catalogues that predate the header (sq, fr) were reviewed by the team's own speakers.
    reviewed = header is None or header.group(1).lower() == "yes"
    blocks = text.split("\n\n")[1:]
    entries = [block for block in blocks if "\nmsgid " in f"\n{block}" and not block.startswith("#~")]
    translated = sum(1 for block in entries if _translated(block) and "#, fuzzy" not in block)
    marked = sum(1 for block in entries if re.search(r"^# reviewed\b", block, re.MULTILINE))
    return CatalogueState(
        language=language,
        reviewed=reviewed,
        messages=len(entries),
        translated=translated,
        strings_reviewed=marked,
    )


_EMPTY = re.compile(r'^msgstr(\[\d+\])? ""$')


def _translated(block: str) -> bool:
    """Every msgstr of the entry has text (an empty one is followed by no continuation line)."""
    lines = block.strip().splitlines()
    for index, line in enumerate(lines):
        if _EMPTY.match(line) and not (index + 1 < len(lines) and lines[index + 1].startswith('"')):
            return False
    return True


def language_reviewed(language: str) -> bool:
    return catalogue_state(language).reviewed
