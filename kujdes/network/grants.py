"""Network-wide roles: who holds them, and the installation's network administrators who grant them.

A network role (today the network coordinator) reaches beyond one organisation, so an
organisation's admin may not grant it (`kujdes.core.services.membership_assign` refuses); the
installation's network administrators do, here, from `kujdes network grant` or their page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.models import Membership, Unit
from kujdes.core.roles import NETWORK_ROLES
from kujdes.core.scoping import system_scope, tenant_scope
from kujdes.core.services import membership_assign

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def _require_network_admin(actor: User | None) -> None:
    # None: the command line, run by whoever operates the installation.
    if actor is not None and not actor.is_network_admin:
        raise PermissionDenied


def network_role_holders(*, actor: User) -> list[Membership]:
    """Every membership of a network role, for the network administrators.

    Network roles span organisations, so this one read crosses tenants: it returns who holds a
    network role and where, nothing of any organisation's cases or persons.
    """
    _require_network_admin(actor)
    with system_scope():
        return list(
            Membership.objects.filter(role__in=NETWORK_ROLES)
            .select_related("user", "unit", "organisation")
            .order_by("user__username", "role")
        )


def network_role_membership(*, actor: User, public_id: str) -> Membership:
    """One network-role membership (Membership.DoesNotExist for anything else)."""
    _require_network_admin(actor)
    with system_scope():
        return Membership.objects.select_related("user", "unit").get(
            public_id=public_id, role__in=NETWORK_ROLES
        )


def user_top_unit(*, user: User) -> Unit | None:
    """The top unit of the user's organisation (where a network role is held by default)."""
    if user.organisation_id is None:
        return None
    with tenant_scope(organisation_ids=[user.organisation_id]):
        return Unit.objects.filter(organisation_id=user.organisation_id, parent__isnull=True).first()


@transaction.atomic
def network_role_grant(*, actor: User | None, user: User, unit: Unit, role: str) -> Membership:
    """Give `user` a network role at `unit` (a unit of the user's own organisation). Audited."""
    _require_network_admin(actor)
    if role not in NETWORK_ROLES:
        raise ValidationError({"role": _("This is not a network role.")})
    if user.organisation_id is not None and user.organisation_id != unit.organisation_id:
        raise ValidationError({"unit": _("Choose a unit of the user's own organisation.")})
    with tenant_scope(organisation_ids=[unit.organisation_id]):
        membership = membership_assign(actor=None, user=user, unit=unit, role=role)
        audit_record(
            actor=actor,
            organisation=unit.organisation_id,
            action="network.role.granted",
            obj=user,
            unit=unit,
            details={"role": role, "membership": str(membership.public_id)},
        )
    return membership


@transaction.atomic
def network_role_revoke(*, actor: User | None, membership: Membership) -> None:
    """Take a network role away. Audited."""
    _require_network_admin(actor)
    if membership.role not in NETWORK_ROLES:
        raise PermissionDenied
    with tenant_scope(organisation_ids=[membership.organisation_id]):
        audit_record(
            actor=actor,
            organisation=membership.organisation_id,
            action="network.role.revoked",
            obj=membership.user,
            unit=membership.unit,
            details={"role": membership.role, "membership": str(membership.public_id)},
        )
        membership.delete()


@transaction.atomic
def network_admin_set(*, user: User, is_admin: bool) -> User:
    """Make a user one of the installation's network administrators, or not (command line only)."""
    user.is_network_admin = is_admin
    user.save(update_fields=["is_network_admin"])
    if user.organisation_id is not None:
        with tenant_scope(organisation_ids=[user.organisation_id]):
            audit_record(
                actor=None,
                organisation=user.organisation_id,
                action="network.admin.granted" if is_admin else "network.admin.revoked",
                obj=user,
            )
    return user
