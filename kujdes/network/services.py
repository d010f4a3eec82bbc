"""Writes of partners and focal points; the audit helper of the network room.

Network rows belong to no organisation, so their audit events go to the acting user's
organisation's chain (the coordinator's, or the focal point's).
"""

from __future__ import annotations

import csv
import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from kujdes.core.audit import audit_record
from kujdes.core.locking import versioned_save
from kujdes.core.models import Organisation
from kujdes.core.roles import Perm
from kujdes.core.selectors import memberships_of
from kujdes.network.models import FocalPoint, Partner
from kujdes.network.selectors import actor_is_coordinator, network_require, partner_can_edit

if TYPE_CHECKING:
    from kujdes.accounts.models import User

PARTNERS_CSV = Path(__file__).parent / "data" / "partners.csv"


def actor_home_organisation_id(*, actor: User) -> int:
    """The organisation whose audit chain records what the actor does in the network room."""
    if getattr(actor, "organisation_id", None):
        return int(actor.organisation_id)  # type: ignore[arg-type]
    memberships = memberships_of(user=actor)
    if not memberships:
        raise PermissionDenied
    return memberships[0].organisation_id


def network_audit(
    *, actor: User | None, action: str, obj: models.Model | None = None, details: dict[str, Any] | None = None
) -> None:
    """Record a network action in the actor's organisation's chain (inside the caller's transaction).

    Details hold ids and codes only, like every audit event. A system action (no actor) is
    recorded in the chain of the partner's organisation when there is one, else not at all:
    installing the partner list from the shipped file is not a person's act.
    """
    if actor is None:
        organisation_id = getattr(obj, "organisation_id", None)
        if organisation_id is None:
            return
        audit_record(actor=None, organisation=organisation_id, action=action, obj=obj, details=details)
        return
    audit_record(
        actor=actor,
        organisation=actor_home_organisation_id(actor=actor),
        action=action,
        obj=obj,
        details=details,
    )


PARTNER_EDITABLE = (
    "name",
    "names",
    "languages",
    "description",
    "website",
    "email",
    "phone",
    "address",
    "themes",
    "cross_border_services",
)
# Membership is the network's business, not the partner's own.
PARTNER_COORDINATOR_ONLY = ("code", "country", "status", "member_since", "member_until")


@transaction.atomic
def partner_create(*, actor: User, **fields: Any) -> Partner:
    """The coordinator adds a partner to the network."""
    network_require(actor=actor, perm=Perm.NETWORK_MANAGE)
    partner = Partner(**fields)
    partner.full_clean()
    partner.save()
    network_audit(actor=actor, action="network.partner.created", obj=partner, details={"code": partner.code})
    return partner


@transaction.atomic
def partner_update(*, actor: User, partner: Partner, version: int, changes: dict[str, Any]) -> Partner:
    """The coordinator, or the partner's own focal point, changes its profile (stale-checked).

    Membership fields (status and dates) are the coordinator's only.
    """
    if not partner_can_edit(actor=actor, partner=partner):
        raise PermissionDenied
    allowed = set(PARTNER_EDITABLE)
    if actor_is_coordinator(actor=actor):
        allowed |= set(PARTNER_COORDINATOR_ONLY)
    refused = set(changes) - allowed
    if refused:
        raise PermissionDenied
    candidate = Partner.objects.get(pk=partner.pk)
    for field, value in changes.items():
        setattr(candidate, field, value)
    candidate.full_clean()
    updated = versioned_save(instance=partner, expected_version=version, changes=changes)
    network_audit(
        actor=actor, action="network.partner.updated", obj=updated, details={"fields": sorted(changes)}
    )
    return updated


@transaction.atomic
def focal_point_add(*, actor: User, partner: Partner, **fields: Any) -> FocalPoint:
    """Add a staff contact to a partner (the coordinator or the partner's focal point)."""
    if not partner_can_edit(actor=actor, partner=partner):
        raise PermissionDenied
    focal_point = FocalPoint(partner=partner, **fields)
    focal_point.full_clean()
    if focal_point.is_primary:
        partner.focal_points.filter(is_primary=True).update(is_primary=False)
    focal_point.save()
    network_audit(
        actor=actor, action="network.focal_point.added", obj=focal_point, details={"partner": partner.code}
    )
    return focal_point


@transaction.atomic
def focal_point_remove(*, actor: User, focal_point: FocalPoint) -> None:
    if not partner_can_edit(actor=actor, partner=focal_point.partner):
        raise PermissionDenied
    network_audit(
        actor=actor,
        action="network.focal_point.removed",
        obj=focal_point,
        details={"partner": focal_point.partner.code},
    )
    focal_point.delete()


def _split(value: str) -> list[str]:
    return [part for part in (value or "").split(";") if part]


@transaction.atomic
def partners_install(*, path: Path = PARTNERS_CSV, link_organisations: bool = True) -> list[Partner]:
    """Create the network's partners from the shipped list (idempotent; existing rows are kept as edited).

    With `link_organisations`, a partner is linked to the one active organisation of this
    installation in its country, when there is exactly one and it is not linked yet.
    """
    partners = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            names = dict(part.split(":", 1) for part in _split(row["names"]))
            partner, created = Partner.objects.get_or_create(
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "names": names,
                    "country": row["iso2"],
                    "languages": _split(row["languages"]),
                    "themes": _split(row["themes"]),
                    "cross_border_services": _split(row["cross_border_services"]),
                    "member_since": datetime.date.fromisoformat(row["member_since"]),
                    "website": row.get("website", ""),
                },
            )
            if link_organisations and partner.organisation_id is None and partner.installation_id is None:
                local = Organisation.objects.filter(country=partner.country, is_active=True)
                if local.count() == 1:
                    organisation = local.get()
                    if not Partner.objects.filter(organisation=organisation).exists():
                        partner.organisation = organisation
                        partner.save(update_fields=["organisation", "updated_at"])
            if created:
                network_audit(actor=None, action="network.partner.installed", obj=partner)
            partners.append(partner)
    return partners
