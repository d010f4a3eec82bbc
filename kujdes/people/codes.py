"""Pseudonymous codes (AL-SHK-2026-000123): what staff write and say instead of a name."""

from __future__ import annotations

import unicodedata

from django.db import transaction

from kujdes.core.models import Organisation, Unit
from kujdes.people.models import CodeSequence


def unit_abbreviation(unit: Unit) -> str:
    """Three letters for a unit: from its code if it has one, else from its name (diacritics folded)."""
    source = unit.code or unit.name
    folded = unicodedata.normalize("NFKD", source).encode("ascii", "ignore").decode()
    letters = "".join(ch for ch in folded.upper() if ch.isalnum())
    return (letters or "U")[:3]


def code_prefix(*, organisation: Organisation, unit: Unit, year: int) -> str:
    return f"{organisation.code.upper()}-{unit_abbreviation(unit)}-{year}"


@transaction.atomic
def codes_reserve(*, organisation_id: int, prefix: str, count: int = 1) -> list[int]:
    """`count` consecutive numbers for `prefix`, unique in the organisation (taken under a row lock)."""
    sequence, _created = CodeSequence.objects.select_for_update().get_or_create(
        organisation_id=organisation_id, prefix=prefix
    )
    first = sequence.last_value + 1
    sequence.last_value += count
    sequence.save(update_fields=["last_value"])
    return list(range(first, first + count))


def person_codes(*, unit: Unit, year: int, count: int = 1) -> list[str]:
    prefix = code_prefix(organisation=unit.organisation, unit=unit, year=year)
    return [
        f"{prefix}-{n:06d}"
        for n in codes_reserve(organisation_id=unit.organisation_id, prefix=prefix, count=count)
    ]


def case_codes(*, unit: Unit, year: int, count: int = 1) -> list[str]:
    prefix = code_prefix(organisation=unit.organisation, unit=unit, year=year) + "-C"
    return [
        f"{prefix}{n:05d}"
        for n in codes_reserve(organisation_id=unit.organisation_id, prefix=prefix, count=count)
    ]
