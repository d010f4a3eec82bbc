"""Reads of case files, scoped by the actor.

A case is visible to holders of case.view in its unit's subtree, and to its
primary and other case workers wherever it moved (DESIGN §2: "plus cases
assigned to them"), within the actor's organisations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from kujdes.cases.models import Case
from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def cases_for_actor(*, actor: User, perm: Perm = Perm.CASE_VIEW) -> QuerySet[Case]:
    """Cases the actor may see (perm=CASE_VIEW) or work on (perm=CASE_MANAGE)."""
    units = list(units_for_actor(actor=actor, perm=perm).order_by().values_list("pk", flat=True))
    in_units = Q(unit_id__in=units)
    if (
        perm in (Perm.CASE_VIEW, Perm.CASE_MANAGE)
        and units_for_actor(actor=actor, perm=Perm.CASE_MANAGE).exists()
    ):
        # Assigned cases follow their case workers, but only for users who still work on cases.
        assigned = Q(primary_worker=actor) | Q(other_workers=actor)
        if not units:
            return Case.objects.filter(assigned, person__erased_at__isnull=True).distinct()
        ids = Case.objects.filter(assigned).values("pk")
        return Case.objects.filter(in_units | Q(pk__in=ids), person__erased_at__isnull=True)
    if not units:
        return Case.objects.none()
    return Case.objects.filter(in_units, person__erased_at__isnull=True)


def case_get(*, actor: User, public_id: str, perm: Perm = Perm.CASE_VIEW) -> Case:
    """One case the actor may see (or manage); Case.DoesNotExist (→ 404) for any other."""
    return (
        cases_for_actor(actor=actor, perm=perm)
        .select_related("person", "unit", "primary_worker")
        .get(public_id=public_id)
    )


def case_can_manage(*, actor: User, case: Case) -> bool:
    return cases_for_actor(actor=actor, perm=Perm.CASE_MANAGE).filter(pk=case.pk).exists()
