"""The difference between two published versions, field by field (difflib; the template escapes)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from kujdes.network.practices.models import TEXT_FIELDS

FIELD_LABELS = {
    "title": _("Title"),
    "summary": _("Summary"),
    "description": _("Description"),
    "resources": _("Resources needed"),
    "results": _("Results and evidence"),
    "lessons": _("Lessons learnt"),
}
METADATA_LABELS = {
    "themes": _("Themes"),
    "target_groups": _("Target groups"),
    "country": _("Country"),
    "period_start": _("From"),
    "period_end": _("Until"),
    "contact_name": _("Contact name"),
    "contact_email": _("Contact e-mail"),
    "tags": _("Tags"),
}


@dataclass
class FieldDiff:
    label: str
    language: str
    lines: list[tuple[str, str]]  # (" ", "-", "+"), the line's text (escaped by the template)


def _lines(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value or "").splitlines()


def versions_diff(old: dict[str, Any], new: dict[str, Any]) -> list[FieldDiff]:
    """Only the fields that changed; a language added or removed shows all of its text."""
    changes: list[FieldDiff] = []
    for name, label in METADATA_LABELS.items():
        if old.get(name) != new.get(name):
            changes.append(FieldDiff(str(label), "", _ndiff(_lines(old.get(name)), _lines(new.get(name)))))
    languages = sorted(set(old.get("texts", {})) | set(new.get("texts", {})))
    for language in languages:
        before = old.get("texts", {}).get(language, {})
        after = new.get("texts", {}).get(language, {})
        for name in TEXT_FIELDS:
            if before.get(name) != after.get(name):
                changes.append(
                    FieldDiff(
                        str(FIELD_LABELS[name]),
                        language,
                        _ndiff(_lines(before.get(name)), _lines(after.get(name))),
                    )
                )
    return changes


def _ndiff(a: list[str], b: list[str]) -> list[tuple[str, str]]:
    return [(line[0], line[2:]) for line in difflib.ndiff(a, b) if line[:1] in (" ", "-", "+")]
