"""How the field-capture commands name a unit: its public id, its code, or an organisation's code
(its top unit), as `kujdes network grant --unit` does."""

from __future__ import annotations

import uuid

from django.core.management.base import CommandError

from kujdes.core.models import Organisation, Unit


def unit_from_code(code: str) -> Unit:
    try:
        found = Unit.objects.filter(public_id=uuid.UUID(code)).first()
    except ValueError:
        found = None
    if found is None:
        organisation = Organisation.objects.filter(code=code).first()
        if organisation is not None:
            found = Unit.objects.filter(organisation=organisation, parent__isnull=True).first()
    if found is None:
        matches = list(Unit.objects.filter(code=code)[:2])
        if len(matches) > 1:
            raise CommandError(f"Several units have the code {code!r}: give the unit's public id.")
        found = matches[0] if matches else None
    if found is None:
        raise CommandError(f"No unit {code!r} (a unit's public id or code, or an organisation's code).")
    return found
