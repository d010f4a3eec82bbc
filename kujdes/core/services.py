"""Writes to organisations, units and memberships. Each one is a transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.crypto import organisation_key_create
from kujdes.core.locking import versioned_save
from kujdes.core.models import Country, Membership, Network, Organisation, StaffCategory, Unit, UnitKind
from kujdes.core.roles import NETWORK_ROLES, ROLE_REACH, Perm, Reach, Role
from kujdes.core.selectors import units_for_actor

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def network_get_or_create(*, name: str, is_demo: bool = False) -> Network:
    """The installation's single network row."""
    network = Network.objects.order_by("pk").first()
    if network is None:
        network = Network.objects.create(name=name, is_demo=is_demo)
    return network


@transaction.atomic
def organisation_create(
    *,
    network: Network,
    code: str,
    name: str,
    country: str,
    languages: list[str],
    default_language: str,
    root_unit_name: str,
) -> Organisation:
    """A partner organisation with its root unit (the national office). System use only."""
    if country not in Country.values:
        raise ValidationError(_("Unknown country."))
    organisation = Organisation.objects.create(
        network=network,
        code=code,
        name=name,
        country=country,
        languages=languages,
        default_language=default_language,
    )
    root = _unit_insert(
        organisation=organisation, parent=None, name=root_unit_name, kind=UnitKind.NATIONAL_OFFICE
    )
    organisation_key_create(organisation_id=organisation.pk)
    audit_record(
        actor=None, organisation=organisation, action="organisation.created", obj=organisation, unit=root
    )
    return organisation


def _unit_insert(
    *, organisation: Organisation, parent: Unit | None, name: str, kind: str, code: str = ""
) -> Unit:
    unit = Unit(organisation=organisation, parent=parent, name=name, kind=kind, code=code, path="?")
    unit.depth = 0 if parent is None else parent.depth + 1
    unit.save()
    # The path needs the primary key, which exists only after the insert.
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    Unit.objects.filter(pk=unit.pk).update(path=unit.path)
    return unit


@transaction.atomic
def unit_create(*, actor: User | None, parent: Unit, name: str, kind: str, code: str = "") -> Unit:
    """A new unit below `parent`. The actor must manage units there (None: system)."""
    if (
        actor is not None
        and not units_for_actor(actor=actor, perm=Perm.ORGANISATION_UNITS_MANAGE)
        .filter(pk=parent.pk)
        .exists()
    ):
        raise PermissionDenied
    if len(parent.path) > 220:
        raise ValidationError(_("The unit tree is too deep."))
    if Unit.objects.filter(organisation_id=parent.organisation_id, parent=parent, name=name).exists():
        raise ValidationError({"name": _("A unit with this name already exists here.")})
    unit = _unit_insert(organisation=parent.organisation, parent=parent, name=name, kind=kind, code=code)
    audit_record(actor=actor, organisation=unit.organisation_id, action="unit.created", obj=unit, unit=unit)
    return unit


@transaction.atomic
def unit_update(
    *, actor: User, unit: Unit, name: str, kind: str, is_active: bool, expected_version: int | None = None
) -> Unit:
    """Rename, re-kind or close a unit; raises StaleVersion if it was saved since `expected_version`."""
    if not units_for_actor(actor=actor, perm=Perm.ORGANISATION_UNITS_MANAGE).filter(pk=unit.pk).exists():
        raise PermissionDenied
    clash = Unit.objects.filter(organisation_id=unit.organisation_id, parent=unit.parent, name=name)
    if clash.exclude(pk=unit.pk).exists():
        raise ValidationError({"name": _("A unit with this name already exists here.")})
    if not is_active and unit.parent_id is None:
        raise ValidationError(_("The organisation's top unit cannot be closed."))
    unit = versioned_save(
        instance=unit,
        expected_version=expected_version,
        changes={"name": name, "kind": kind, "is_active": is_active},
    )
    audit_record(
        actor=actor,
        organisation=unit.organisation_id,
        action="unit.updated",
        obj=unit,
        unit=unit,
        details={"kind": kind, "is_active": is_active, "version": unit.version},
    )
    return unit


def _membership_validate(*, user: User, unit: Unit, role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if ROLE_REACH[Role(role)] is Reach.ORGANISATION and unit.parent_id is not None:
        raise ValidationError(
            {"unit": _("This role applies to the whole organisation: choose its top unit.")}
        )
    if user.organisation_id not in (None, unit.organisation_id):
        raise ValidationError(_("The user belongs to another organisation."))
    if not unit.is_active:
        raise ValidationError({"unit": _("This unit is closed.")})


def staff_category_default(role: str) -> str:
    """How a new member serves, until an administrator says otherwise: volunteers volunteer, the
    network coordinator and viewers (board, donors) are not the programme's staff, everyone else is
    employed."""
    if role == Role.VOLUNTEER:
        return StaffCategory.VOLUNTEER
    if role in (Role.NETWORK_COORDINATOR, Role.VIEWER):
        return ""
    return StaffCategory.EMPLOYEE


@transaction.atomic
def membership_assign(
    *, actor: User | None, user: User, unit: Unit, role: str, staff_category: str | None = None
) -> Membership:
    """Give `user` the `role` at `unit`. The actor must administer the unit's organisation; a network
    role (scope beyond one organisation) only the installation's network administrators grant.
    `staff_category` None: the role's default (`staff_category_default`)."""
    if role in NETWORK_ROLES and actor is not None and not getattr(actor, "is_network_admin", False):
        raise ValidationError(
            {"role": _("Only the installation's network administrators grant network roles.")}
        )
    if (
        actor is not None
        and not units_for_actor(actor=actor, perm=Perm.ORGANISATION_USERS_MANAGE).filter(pk=unit.pk).exists()
    ):
        raise PermissionDenied
    _membership_validate(user=user, unit=unit, role=role)
    if staff_category is None:
        staff_category = staff_category_default(role)
    if staff_category not in ("", *StaffCategory.values):
        raise ValidationError({"staff_category": _("Unknown staff category.")})
    membership, created = Membership.objects.get_or_create(
        organisation=unit.organisation,
        user=user,
        unit=unit,
        role=role,
        defaults={"created_by": actor, "staff_category": staff_category},
    )
    if not created:
        raise ValidationError(_("The user already has this role at this unit."))
    audit_record(
        actor=actor,
        organisation=unit.organisation_id,
        action="membership.assigned",
        obj=user,
        unit=unit,
        details={"role": role, "membership": str(membership.public_id)},
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor: User, membership: Membership) -> None:
    """Remove a membership. An administrator cannot remove their own last admin role."""
    if (
        not units_for_actor(actor=actor, perm=Perm.ORGANISATION_USERS_MANAGE)
        .filter(pk=membership.unit_id)
        .exists()
    ):
        raise PermissionDenied
    if membership.user_id == actor.pk and membership.role == Role.ORGANISATION_ADMIN:
        others = Membership.objects.filter(
            user=actor, organisation_id=membership.organisation_id, role=Role.ORGANISATION_ADMIN
        ).exclude(pk=membership.pk)
        if not others.exists():
            raise ValidationError(_("You cannot remove your own administrator role."))
    audit_record(
        actor=actor,
        organisation=membership.organisation_id,
        action="membership.revoked",
        obj=membership.user,
        unit=membership.unit,
        details={"role": membership.role, "membership": str(membership.public_id)},
    )
    membership.delete()


@transaction.atomic
def membership_staff_category_set(*, actor: User, membership: Membership, staff_category: str) -> Membership:
    """Say how a member serves their unit (employee, missionary, volunteer, external trainer, or none).
    The actor must administer the membership's unit; audited with the old and new category."""
    if (
        not units_for_actor(actor=actor, perm=Perm.ORGANISATION_USERS_MANAGE)
        .filter(pk=membership.unit_id)
        .exists()
    ):
        raise PermissionDenied
    if staff_category not in ("", *StaffCategory.values):
        raise ValidationError({"staff_category": _("Unknown staff category.")})
    before = membership.staff_category
    if before == staff_category:
        return membership
    membership.staff_category = staff_category
    membership.save(update_fields=["staff_category"])
    audit_record(
        actor=actor,
        organisation=membership.organisation_id,
        action="membership.staff_category.set",
        obj=membership.user,
        unit=membership.unit,
        details={"membership": str(membership.public_id), "from": before, "to": staff_category},
    )
    return membership
