"""Reads of the imports room, scoped by the actor: a batch is seen by whoever may register persons in
its unit (its file, mapping and report are theirs to finish); another unit's is missing (404)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

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
    units = units_for_actor(actor=actor, perm=Perm.PERSON_REGISTER_MINIMAL)
    return ImportBatch.objects.filter(unit__in=units.values("pk")).select_related(
        "unit", "activity", "created_by"
    )


def batch_get(*, actor: User, public_id: str) -> ImportBatch:
    """One batch the actor may see; ImportBatch.DoesNotExist (→ 404) for any other."""
    return batches_for_actor(actor=actor).get(public_id=public_id)
