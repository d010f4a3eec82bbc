"""Reads of organisations, units and memberships, always on behalf of an actor."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from kujdes.core.models import Membership, Organisation, Unit
from kujdes.core.roles import ROLE_REACH, Perm, Reach, Role, roles_with

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def memberships_held(*, user: User) -> QuerySet[Membership]:
    """Another user's memberships, for an administrator's page (the caller checked the right to see them)."""
    return Membership.objects.filter(user=user).select_related("unit")


def memberships_of(*, user: User) -> list[Membership]:
    """The user's memberships with unit and organisation, cached on the user object."""
    cached = getattr(user, "_kujdes_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, organisation__is_active=True)
            .select_related("unit", "organisation")
            .order_by("organisation__name", "unit__path", "role")
        )
        user._kujdes_memberships = cached  # type: ignore[attr-defined]
    return cached


def membership_organisation_ids(*, user: User) -> list[int]:
    """The organisations the user holds a role in: what their scope will be.

    Runs before any organisation is in scope, so it must not join tenant tables
    (row-level security would hide the joined rows).
    """
    return list(
        Membership.objects.filter(user=user, organisation__is_active=True)
        .order_by()  # the default ordering would join core_unit
        .values_list("organisation_id", flat=True)
        .distinct()
    )


def actor_roles(*, actor: User) -> set[Role]:
    return {Role(m.role) for m in memberships_of(user=actor)}


def actor_has_perm(*, actor: User, perm: Perm) -> bool:
    """Whether any of the actor's memberships grants `perm` somewhere."""
    granting = set(roles_with(perm))
    return any(Role(m.role) in granting for m in memberships_of(user=actor))


def _reach_filter(membership: Membership) -> Q:
    reach = ROLE_REACH[Role(membership.role)]
    if reach is Reach.ORGANISATION:
        return Q(organisation_id=membership.organisation_id)
    if reach is Reach.UNIT:
        return Q(pk=membership.unit_id)
    return Q(organisation_id=membership.organisation_id, path__startswith=membership.unit.path)


def units_for_actor(*, actor: User, perm: Perm | None) -> QuerySet[Unit]:
    """Units where the actor holds `perm` (None: any role), by each membership's reach."""
    granting = set(Role) if perm is None else set(roles_with(perm))
    filters = [_reach_filter(m) for m in memberships_of(user=actor) if Role(m.role) in granting]
    if not filters:
        return Unit.objects.none()
    return Unit.objects.filter(reduce(or_, filters))


def organisations_for_actor(*, actor: User, perm: Perm) -> QuerySet[Organisation]:
    granting = set(roles_with(perm))
    ids = {m.organisation_id for m in memberships_of(user=actor) if Role(m.role) in granting}
    return Organisation.objects.filter(pk__in=ids)


def unit_get(*, actor: User, perm: Perm | None, public_id: str) -> Unit:
    """One unit the actor may act on with `perm`; Unit.DoesNotExist otherwise (→ 404)."""
    return units_for_actor(actor=actor, perm=perm).get(public_id=public_id)


def unit_subtree(*, unit: Unit) -> QuerySet[Unit]:
    """The unit and everything below it: one indexed prefix query."""
    return Unit.objects.filter(organisation_id=unit.organisation_id, path__startswith=unit.path)


def organisation_root_unit(*, organisation: Organisation) -> Unit | None:
    return Unit.objects.filter(organisation=organisation, parent__isnull=True).order_by("pk").first()


def staff_memberships_for_actor(*, actor: User) -> QuerySet[Membership]:
    """Memberships of the units where the actor manages users: the staff page's rows."""
    units = units_for_actor(actor=actor, perm=Perm.ORGANISATION_USERS_MANAGE)
    return Membership.objects.filter(unit__in=units.values("pk")).select_related("user", "unit")


def staff_membership_get(*, actor: User, public_id: str) -> Membership:
    """One membership the actor administers; Membership.DoesNotExist (→ 404) for any other."""
    return staff_memberships_for_actor(actor=actor).get(public_id=public_id)


def staff_category_of(*, user: User, unit: Unit) -> str:
    """How `user` serves `unit`: the category of their membership closest to it (the unit itself, then
    up its path), else of any of their memberships in its organisation; "" when they have none."""
    memberships = [
        m
        for m in Membership.objects.filter(user=user, organisation_id=unit.organisation_id)
        .select_related("unit")
        .order_by("-unit__depth", "pk")
        if m.staff_category
    ]
    for membership in memberships:
        if unit.path.startswith(membership.unit.path):
            return membership.staff_category
    below = [m for m in memberships if m.unit.path.startswith(unit.path)]
    chosen = below or memberships
    return chosen[0].staff_category if chosen else ""
