"""The indicator catalogue: data (indicators.toml), checked against the sources when loaded.

Formulas:
- ``distinct``: how many different persons (or volunteers, partners…) the sources' rows name, each
  counted once however many rows they have across all the indicator's sources;
- ``events``: how many rows (services delivered, referrals sent, activities held…);
- ``sum``: the sum of a value field (people counted in headcounts, volunteer hours…);
- ``median``: the median of a value field (days a case stayed open);
- ``mean``: the mean of a value field, to one decimal (days from a course to a job);
- ``ratio``: one indicator divided by another, as a percentage;
- ``total``: the sum of other indicators (indirect beneficiaries);
- ``relatives``: distinct persons recorded as relatives of another indicator's persons and not counted
  by it themselves (registered family members of the direct beneficiaries).
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import get_language

from kujdes.reports.sources import DISAGGREGATIONS, SOURCES

CATALOGUE_FILE = Path(__file__).with_name("indicators.toml")
FORMULAS = ("distinct", "events", "sum", "median", "mean", "ratio", "total", "relatives")
# Formulas of a statistic of days per row (the cells rest on the rows' persons, never additive).
DAYS_STATISTICS = ("median", "mean")
LANGUAGES = ("sq", "en", "fr")


class CatalogueError(ValueError):
    pass


@dataclass(frozen=True)
class Indicator:
    code: str
    section: str
    formula: str
    names: dict[str, str]
    definitions: dict[str, str]
    sources: tuple[str, ...] = ()
    filters: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    value: str = ""
    numerator: str = ""
    denominator: str = ""
    parts: tuple[str, ...] = ()
    of: str = ""
    dims: tuple[str, ...] = ()
    headline: bool = False
    trend: bool = False
    chart: str = ""  # the dashboard's chart: a breakdown by this disaggregation

    def name(self, language: str | None = None) -> str:
        return _pick(self.names, language)

    def definition(self, language: str | None = None) -> str:
        return _pick(self.definitions, language)

    @property
    def personal(self) -> bool:
        return any(SOURCES[source].personal for source in self.sources)


def _pick(texts: dict[str, str], language: str | None) -> str:
    language = (language or get_language() or "sq")[:2]
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


def _indicator(raw: dict[str, Any]) -> Indicator:
    code = raw.get("code", "?")
    try:
        indicator = Indicator(
            code=raw["code"],
            section=raw["section"],
            formula=raw["formula"],
            names=dict(raw["name"]),
            definitions=dict(raw["definition"]),
            sources=tuple(raw.get("sources", ())),
            filters={key: tuple(values) for key, values in raw.get("filter", {}).items()},
            value=raw.get("value", ""),
            numerator=raw.get("numerator", ""),
            denominator=raw.get("denominator", ""),
            parts=tuple(raw.get("parts", ())),
            of=raw.get("of", ""),
            dims=tuple(raw.get("dims", ())),
            headline=bool(raw.get("headline", False)),
            trend=bool(raw.get("trend", False)),
            chart=raw.get("chart", ""),
        )
    except (KeyError, TypeError) as error:
        raise CatalogueError(f"indicator {code}: {error}") from error
    if indicator.formula not in FORMULAS:
        raise CatalogueError(f"indicator {code}: unknown formula {indicator.formula}")
    for language in LANGUAGES:
        if not indicator.names.get(language) or not indicator.definitions.get(language):
            raise CatalogueError(f"indicator {code}: name and definition needed in {language}")
    for source in indicator.sources:
        if source not in SOURCES:
            raise CatalogueError(f"indicator {code}: unknown source {source}")
        fields = SOURCES[source].fields
        for name in indicator.filters:
            if name not in fields:
                raise CatalogueError(f"indicator {code}: source {source} has no field {name}")
        if indicator.value and fields.get(indicator.value, None) is None:
            raise CatalogueError(f"indicator {code}: source {source} has no value {indicator.value}")
    for name in indicator.dims:
        if indicator.sources and not any(name in SOURCES[source].fields for source in indicator.sources):
            raise CatalogueError(f"indicator {code}: no source has the field {name}")
    for name in indicator.dims:
        if name not in DISAGGREGATIONS:
            raise CatalogueError(f"indicator {code}: {name} is not a disaggregation")
    if indicator.chart and indicator.chart not in indicator.dims:
        raise CatalogueError(f"indicator {code}: chart {indicator.chart} is not one of its dims")
    return indicator


@functools.cache
def catalogue() -> dict[str, Indicator]:
    """Every indicator by code, in the catalogue's order."""
    return catalogue_build(tomllib.loads(CATALOGUE_FILE.read_text(encoding="utf-8")))


def catalogue_build(raw: dict[str, Any]) -> dict[str, Indicator]:
    """Indicators from a parsed catalogue; CatalogueError names the first mistake."""
    indicators = {}
    for entry in raw.get("indicator", []):
        indicator = _indicator(entry)
        if indicator.code in indicators:
            raise CatalogueError(f"indicator {indicator.code} twice")
        indicators[indicator.code] = indicator
    for indicator in indicators.values():
        for other in (indicator.numerator, indicator.denominator, indicator.of, *indicator.parts):
            if other and other not in indicators:
                raise CatalogueError(f"indicator {indicator.code}: unknown indicator {other}")
    return indicators
