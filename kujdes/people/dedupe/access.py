"""Who deduplicates an organisation: its administrators, and whoever manages persons in every one of
its units (a case worker of the national office). Cross-unit duplicates are found only from there:
a unit's own staff see half of each pair at most."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kujdes.core.models import Unit
from kujdes.core.roles import Perm
from kujdes.core.selectors import organisations_for_actor, units_for_actor

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def dedupe_allowed(*, actor: User, organisation_id: int) -> bool:
    if not actor.is_authenticated:
        return False
    if (
        organisations_for_actor(actor=actor, perm=Perm.ORGANISATION_CONFIGURE)
        .filter(pk=organisation_id)
        .exists()
    ):
        return True
    managed = units_for_actor(actor=actor, perm=Perm.PERSON_MANAGE).filter(organisation_id=organisation_id)
    total = Unit.objects.filter(organisation_id=organisation_id).count()
    return total > 0 and managed.count() == total


def dedupe_organisation_id(*, actor: User) -> int | None:
    """The organisation the actor deduplicates (a user belongs to one), or None."""
    organisation_id = getattr(actor, "organisation_id", None)
    if organisation_id is None or not dedupe_allowed(actor=actor, organisation_id=organisation_id):
        return None
    return organisation_id
