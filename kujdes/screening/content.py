"""Screening instruments on the page of which content lacks which language (core/content_languages.py):
an instrument lacks a language when its name or any label of its current version lacks it (the long
notes are not counted: they are sources and caveats, not what a person is asked)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kujdes.core.content_languages import ContentItem, ContentKind, content_kind_register, offered_languages

if TYPE_CHECKING:
    from kujdes.core.models import Organisation


def _labels(definition: dict[str, Any]) -> list[dict[str, str]]:
    labels = []
    for dimension in definition.get("dimensions", []):
        labels.append(dimension.get("label") or {})
        labels.extend(indicator.get("label") or {} for indicator in dimension.get("indicators", []))
    labels.extend(step for step in (definition.get("next_steps") or {}).values() if isinstance(step, dict))
    return labels


def instrument_missing_languages(*, name: dict[str, str], definition: dict[str, Any]) -> list[str]:
    texts = [name, *_labels(definition)]
    return [code for code in offered_languages() if any(not (t.get(code) or "").strip() for t in texts)]


def _instruments(organisation: Organisation) -> list[ContentItem]:
    from kujdes.screening.models import Instrument
    from kujdes.screening.selectors import instrument_current_version

    items = []
    for instrument in Instrument.objects.filter(organisation=organisation, is_active=True).order_by("code"):
        current = instrument_current_version(instrument=instrument)
        items.append(
            ContentItem(
                name=instrument.display_name,
                missing=instrument_missing_languages(
                    name=instrument.name or {}, definition=current.definition if current else {}
                ),
                edit_url=reverse("instrument_edit", args=[instrument.public_id]),
            )
        )
    return items


def _install(organisation_id: int) -> int:
    from kujdes.screening.services import instrument_translations_install

    return instrument_translations_install(organisation_id=organisation_id)


def screening_content_register() -> None:
    content_kind_register(
        ContentKind(
            code="screening",
            label=_("Screening instruments"),
            order=40,
            items=_instruments,
            install=_install,
            note=_("Names, dimensions, indicators and next steps of each instrument's current version."),
        )
    )
