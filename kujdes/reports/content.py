"""The indicator catalogue on the page of which content lacks which language (core/content_languages.py).

Indicators are Kujdes' own (indicators.toml), the same for every organisation: they are corrected in the
catalogue, not on a page, so the items have no edit link."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from kujdes.core.content_languages import (
    ContentItem,
    ContentKind,
    content_kind_register,
    content_missing,
    offered_languages,
)

if TYPE_CHECKING:
    from kujdes.core.models import Organisation


def _indicators(organisation: Organisation) -> list[ContentItem]:
    from kujdes.reports.catalogue import catalogue

    return [
        ContentItem(
            name=indicator.name(),
            missing=[
                code
                for code in offered_languages()
                if code in content_missing(indicator.names) or code in content_missing(indicator.definitions)
            ],
        )
        for indicator in catalogue().values()
    ]


def reports_content_register() -> None:
    content_kind_register(
        ContentKind(
            code="indicators",
            label=_("Indicator names and definitions"),
            order=50,
            items=_indicators,
            shipped=True,
            note=_(
                "Shipped with Kujdes (reports/indicators.toml): names in every language, "
                "definitions in Albanian, English and French so far."
            ),
        )
    )
