"""The consent texts read to a person, on the page of which content lacks which language
(core/content_languages.py). They are Kujdes' own (consent_texts.py), corrected in the source."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from kujdes.core.content_languages import ContentItem, ContentKind, content_kind_register, content_missing
from kujdes.people.consent_texts import consent_purposes_with_text, consent_texts
from kujdes.people.models import ConsentPurpose

if TYPE_CHECKING:
    from kujdes.core.models import Organisation


def _consent_texts(organisation: Organisation) -> list[ContentItem]:
    return [
        ContentItem(name=str(ConsentPurpose(purpose).label), missing=content_missing(consent_texts(purpose)))
        for purpose in consent_purposes_with_text()
    ]


def consent_content_register() -> None:
    content_kind_register(
        ContentKind(
            code="consent_texts",
            label=_("Consent texts read to a person"),
            order=60,
            items=_consent_texts,
            shipped=True,
        )
    )
