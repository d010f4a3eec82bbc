"""Reads of cross-border referrals, scoped by the actor.

Sending side: a case's referrals abroad are read by whoever sees the case. Receiving side: the
incoming queue is the organisation administrators' (to assign) and the data protection officer's
(withdrawals), in metadata only; the programme managers of the unit it is assigned to handle it and
read what it holds; the case workers of the case it became follow it from there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from kujdes.cases.selectors import case_can_manage, cases_for_actor
from kujdes.core.models import Unit
from kujdes.core.roles import Perm
from kujdes.core.selectors import organisations_for_actor, units_for_actor
from kujdes.network.crossborder.models import IncomingReferral, OutgoingReferral, ReferralEvent
from kujdes.network.federation.services import FederationError, installation_get, partner_peer
from kujdes.network.models import Partner, PartnerStatus

if TYPE_CHECKING:
    from kujdes.accounts.models import User
    from kujdes.cases.models import Case


# --- sending ------------------------------------------------------------------------------------


def partners_for_referral(*, case: Case) -> list[Partner]:
    """The partners a case can be referred to: active, not her organisation's own, reachable (a peer
    that is active, or an organisation of this installation). Empty without a federation identity."""
    if installation_get() is None:
        return []
    reachable = []
    candidates = Partner.objects.filter(status=PartnerStatus.ACTIVE).exclude(
        organisation_id=case.organisation_id
    )
    for partner in candidates.order_by("name", "pk"):
        try:
            partner_peer(partner)
        except FederationError:
            continue
        reachable.append(partner)
    return reachable


def outgoing_of_case(*, case: Case) -> QuerySet[OutgoingReferral]:
    """The referrals abroad of a case the caller sees (read with `case_get`)."""
    return OutgoingReferral.objects.filter(case=case).select_related("partner", "requested_by")


def outgoing_get(*, actor: User, public_id: str) -> OutgoingReferral:
    """One referral abroad of a case the actor sees; DoesNotExist (→ 404) otherwise."""
    return (
        OutgoingReferral.objects.filter(case__in=cases_for_actor(actor=actor).values("pk"))
        .select_related("case", "case__person", "case__unit", "partner", "requested_by")
        .get(public_id=public_id)
    )


def events_of(*, referral: OutgoingReferral | IncomingReferral) -> list[ReferralEvent]:
    """The timeline, each event bound to its referral (its reason decrypts with that referral's key)."""
    if isinstance(referral, OutgoingReferral):
        events = list(ReferralEvent.objects.filter(outgoing=referral).select_related("actor"))
        for event in events:
            event.outgoing = referral
    else:
        events = list(ReferralEvent.objects.filter(incoming=referral).select_related("actor"))
        for event in events:
            event.incoming = referral
    return events


# --- receiving ----------------------------------------------------------------------------------


def _ids(queryset: QuerySet) -> list[int]:
    return list(queryset.order_by().values_list("pk", flat=True))


def incoming_for_actor(*, actor: User) -> QuerySet[IncomingReferral]:
    """Incoming referrals the actor may see listed (metadata only)."""
    organisations = _ids(organisations_for_actor(actor=actor, perm=Perm.ORGANISATION_CONFIGURE)) + _ids(
        organisations_for_actor(actor=actor, perm=Perm.ERASURE_MANAGE)
    )
    units = _ids(units_for_actor(actor=actor, perm=Perm.CASE_APPROVE))
    condition = Q(organisation_id__in=organisations) | Q(unit_id__in=units)
    cases = cases_for_actor(actor=actor, perm=Perm.CASE_MANAGE)
    condition |= Q(case__in=cases.values("pk"))
    if not organisations and not units and not cases.exists():
        return IncomingReferral.objects.none()
    return IncomingReferral.objects.filter(condition)


def incoming_queue_visible(*, actor: User) -> bool:
    """Whether the actor has an incoming queue at all (else the page is 403)."""
    return (
        any(
            organisations_for_actor(actor=actor, perm=perm).exists()
            for perm in (Perm.ORGANISATION_CONFIGURE, Perm.ERASURE_MANAGE)
        )
        or units_for_actor(actor=actor, perm=Perm.CASE_APPROVE).exists()
    )


def incoming_get(*, actor: User, public_id: str) -> IncomingReferral:
    """One incoming referral the actor may see; DoesNotExist (→ 404) otherwise."""
    return (
        incoming_for_actor(actor=actor)
        .select_related("sending_partner", "receiving_partner", "unit", "peer", "case", "person")
        .get(public_id=public_id)
    )


def incoming_can_assign(*, actor: User, incoming: IncomingReferral) -> bool:
    return (
        organisations_for_actor(actor=actor, perm=Perm.ORGANISATION_CONFIGURE)
        .filter(pk=incoming.organisation_id)
        .exists()
    )


def incoming_can_handle(*, actor: User, incoming: IncomingReferral) -> bool:
    """A programme manager over the unit it is assigned to: reads it, accepts or declines it."""
    if incoming.unit_id is None:
        return False
    return units_for_actor(actor=actor, perm=Perm.CASE_APPROVE).filter(pk=incoming.unit_id).exists()


def incoming_can_follow(*, actor: User, incoming: IncomingReferral) -> bool:
    """Records first contact and closure: its managers, and the case workers of the case it became."""
    if incoming_can_handle(actor=actor, incoming=incoming):
        return True
    return incoming.case is not None and case_can_manage(actor=actor, case=incoming.case)


def incoming_can_erase(*, actor: User, incoming: IncomingReferral) -> bool:
    return (
        organisations_for_actor(actor=actor, perm=Perm.ERASURE_MANAGE)
        .filter(pk=incoming.organisation_id)
        .exists()
    )


def incoming_can_resolve(*, actor: User, incoming: IncomingReferral) -> bool:
    """After a withdrawal: the data protection officer, or a manager of its unit, records a legal basis."""
    return incoming_can_erase(actor=actor, incoming=incoming) or incoming_can_handle(
        actor=actor, incoming=incoming
    )


def units_for_assignment(*, incoming: IncomingReferral) -> QuerySet[Unit]:
    return Unit.objects.filter(organisation_id=incoming.organisation_id, is_active=True).order_by("path")


def units_for_acceptance(*, actor: User, incoming: IncomingReferral) -> QuerySet[Unit]:
    """Where the manager may open her case: active units of the organisation in their subtree."""
    return (
        units_for_actor(actor=actor, perm=Perm.CASE_APPROVE)
        .filter(organisation_id=incoming.organisation_id, is_active=True)
        .order_by("path")
    )


def incoming_of_case(*, case: Case) -> IncomingReferral | None:
    """The referral from abroad a case was opened from (its provenance), if any."""
    return (
        IncomingReferral.objects.filter(case=case)
        .select_related("sending_partner", "receiving_partner")
        .first()
    )


def incoming_pending_count(*, actor: User) -> int:
    return incoming_for_actor(actor=actor).filter(state__in=("new", "assigned")).count()
