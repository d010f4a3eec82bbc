"""Reads of the imports room, scoped by the actor; another unit's or organisation's batch is missing
(404)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.imports.models import ImportBatch

if TYPE_CHECKING:
    from kujdes.accounts.models import User
    from kujdes.core.models import Unit


def import_units_for_actor(*, actor: User) -> QuerySet[Unit]:
    """Units the actor imports into: where they register persons."""
    return (
        units_for_actor(actor=actor, perm=Perm.PERSON_REGISTER_MINIMAL)
        .filter(is_active=True)
        .order_by("path")
    )


def batches_for_actor(*, actor: User) -> QuerySet[ImportBatch]:
    """The actor's own imports in units where they still register persons, and the imports of units
    where they see persons (a file's preview shows names: a field educator, who registers but does
    not see persons, sees only their own)."""
    registering = units_for_actor(actor=actor, perm=Perm.PERSON_REGISTER_MINIMAL).values("pk")
    seeing = units_for_actor(actor=actor, perm=Perm.PERSON_VIEW).values("pk")
    return ImportBatch.objects.filter(
        Q(created_by=actor, unit__in=registering) | Q(unit__in=seeing)
    ).select_related("unit", "activity", "created_by")


def batch_get(*, actor: User, public_id: str) -> ImportBatch:
    """One batch the actor may see; ImportBatch.DoesNotExist (→ 404) for any other."""
    return batches_for_actor(actor=actor).get(public_id=public_id)
