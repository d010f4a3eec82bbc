"""Who may do what in the network room, and the reads of partners.

The network room's rights come from roles (kujdes.core.roles): NETWORK_MANAGE (the
coordinator), NETWORK_READ (every staff member), NETWORK_PRACTICES_READ (everyone),
NETWORK_CONTRIBUTE and NETWORK_RELEASE (an organisation's administrators and programme
managers: its focal points). A focal point acts for the partner of an organisation in
which they hold the right; nothing here reaches a person, a case or a participant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from kujdes.core.roles import Perm, Role, roles_with
from kujdes.core.selectors import actor_has_perm, memberships_of
from kujdes.network.models import FocalPoint, Partner

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def network_require(*, actor: User, perm: Perm) -> None:
    """PermissionDenied (→ 403) unless one of the actor's roles grants `perm`."""
    if not actor_has_perm(actor=actor, perm=perm):
        raise PermissionDenied


def actor_is_coordinator(*, actor: User) -> bool:
    return actor_has_perm(actor=actor, perm=Perm.NETWORK_MANAGE)


def actor_organisation_ids(*, actor: User, perm: Perm) -> set[int]:
    """The organisations in which one of the actor's roles grants `perm`."""
    granting = set(roles_with(perm))
    return {m.organisation_id for m in memberships_of(user=actor) if Role(m.role) in granting}


def actor_partners(*, actor: User, perm: Perm = Perm.NETWORK_CONTRIBUTE) -> QuerySet[Partner]:
    """The partners the actor acts for with `perm` (a focal point: their organisation's partner)."""
    return Partner.objects.filter(organisation_id__in=actor_organisation_ids(actor=actor, perm=perm))


def actor_partner(*, actor: User, perm: Perm = Perm.NETWORK_CONTRIBUTE) -> Partner | None:
    """The one partner the actor acts for (the first, if they hold the right in several)."""
    return actor_partners(actor=actor, perm=perm).order_by("name", "pk").first()


def partner_can_edit(*, actor: User, partner: Partner) -> bool:
    """The coordinator edits every partner; a focal point edits their own partner's profile."""
    if actor_is_coordinator(actor=actor):
        return True
    return partner.organisation_id is not None and partner.organisation_id in actor_organisation_ids(
        actor=actor, perm=Perm.NETWORK_CONTRIBUTE
    )


def partners_for_actor(
    *,
    actor: User,
    country: str = "",
    theme: str = "",
    service: str = "",
    status: str = "",
    query: str = "",
) -> QuerySet[Partner]:
    """The partner directory: network-public to every staff member (NETWORK_READ), filtered."""
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    partners = Partner.objects.all()
    if country:
        partners = partners.filter(country=country)
    if status:
        partners = partners.filter(status=status)
    if query:
        partners = partners.filter(Q(name__icontains=query) | Q(code__iexact=query))
    # JSON list membership, the same on SQLite and PostgreSQL: filter in Python over a small table.
    if theme or service:
        keep = [
            p.pk
            for p in partners
            if (not theme or theme in p.themes) and (not service or service in p.cross_border_services)
        ]
        partners = partners.filter(pk__in=keep)
    return partners.order_by("name", "pk")


def partner_get(*, actor: User, public_id: str) -> Partner:
    """One partner (Partner.DoesNotExist → 404). Partners are network-public to staff."""
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    return Partner.objects.select_related("organisation").get(public_id=public_id)


def partner_for_organisation(*, organisation_id: int) -> Partner | None:
    """The partner an organisation of this installation is (None if it is not linked to one)."""
    return Partner.objects.filter(organisation_id=organisation_id).first()


def focal_points_of(*, partner: Partner) -> QuerySet[FocalPoint]:
    return partner.focal_points.all()


def focal_point_get(*, actor: User, partner: Partner, public_id: str) -> FocalPoint:
    return partner.focal_points.get(public_id=public_id)
