"""Reads of exchanges and who may change what.

Every staff member of the network (NETWORK_READ) reads every exchange; volunteers and
viewers read none. The coordinator and the host partner's focal points manage an exchange;
a visiting partner's focal points add their own participants, outcomes, evaluations and
documents; the owner of a follow-up action (their account, or their partner's focal
points) updates it.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, Q, QuerySet

from kujdes.core.roles import Perm
from kujdes.network.exchanges.models import (
    OPEN_STATUSES,
    Exchange,
    ExchangeDocument,
    ExchangeParticipant,
    ExchangeStatus,
    FollowUpAction,
)
from kujdes.network.models import Partner
from kujdes.network.selectors import actor_is_coordinator, actor_organisation_ids, network_require

if TYPE_CHECKING:
    from kujdes.accounts.models import User


# network_practices.PracticeStatus.PUBLISHED, named without importing the sibling sub-room.
PUBLISHED = "published"


def exchange_practices(*, exchange: Exchange) -> list[Any]:
    """The practices presented at the exchange that are published (a withdrawn one drops out)."""
    return list(exchange.practices.filter(status=PUBLISHED).select_related("partner").order_by("pk"))  # type: ignore[attr-defined]


def practices_to_present() -> QuerySet[Any]:
    """The published practices of the library, which an exchange may link to."""
    model = Exchange._meta.get_field("practices").related_model
    return model.objects.filter(status=PUBLISHED).select_related("partner").order_by("partner__name", "pk")


def _contributing_partner_ids(actor: User) -> set[int]:
    """The partners the actor is a focal point of (NETWORK_CONTRIBUTE in the partner's organisation)."""
    organisation_ids = actor_organisation_ids(actor=actor, perm=Perm.NETWORK_CONTRIBUTE)
    if not organisation_ids:
        return set()
    return set(Partner.objects.filter(organisation_id__in=organisation_ids).values_list("pk", flat=True))


def exchange_can_manage(*, actor: User, exchange: Exchange | None = None) -> bool:
    """The coordinator manages every exchange; a focal point those their partner hosts.

    Without an exchange: may the actor create one (the coordinator, or any focal point for their partner).
    """
    if actor_is_coordinator(actor=actor):
        return True
    partners = _contributing_partner_ids(actor)
    if exchange is None:
        return bool(partners)
    return exchange.host_id in partners


def exchange_partners_for_actor(*, actor: User, exchange: Exchange) -> set[int]:
    """The partners of the exchange for which the actor adds participants and documents.

    A manager acts for the host and every visitor; a visiting partner's focal point for their own partner.
    """
    involved = {exchange.host_id, *exchange.visitors.values_list("pk", flat=True)}
    if exchange_can_manage(actor=actor, exchange=exchange):
        return involved
    return involved & _contributing_partner_ids(actor)


def participant_can_edit(*, actor: User, participant: ExchangeParticipant) -> bool:
    return participant.partner_id in exchange_partners_for_actor(actor=actor, exchange=participant.exchange)


def document_can_delete(*, actor: User, document: ExchangeDocument) -> bool:
    if exchange_can_manage(actor=actor, exchange=document.exchange):
        return True
    return document.partner_id in _contributing_partner_ids(actor)


def action_can_update(*, actor: User, action: FollowUpAction) -> bool:
    """The exchange's managers, the owner's account, or a focal point of the owner partner."""
    if exchange_can_manage(actor=actor, exchange=action.exchange):
        return True
    if action.owner_user_id is not None and action.owner_user_id == actor.pk:
        return True
    return action.owner_partner_id in _contributing_partner_ids(actor)


def exchanges_for_actor(
    *,
    actor: User,
    year: int | None = None,
    partner: Partner | None = None,
    kind: str = "",
    status: str = "",
    first: datetime.date | None = None,
    last: datetime.date | None = None,
) -> QuerySet[Exchange]:
    """Exchanges every staff member reads, filtered (a partner: as host or visitor; a period: overlapping)."""
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    exchanges = Exchange.objects.select_related("host")
    if year:
        exchanges = exchanges.filter(starts_on__year__lte=year, ends_on__year__gte=year)
    if partner is not None:
        exchanges = exchanges.filter(Q(host=partner) | Q(visitors=partner)).distinct()
    if kind:
        exchanges = exchanges.filter(kind=kind)
    if status:
        exchanges = exchanges.filter(status=status)
    if first is not None:
        exchanges = exchanges.filter(ends_on__gte=first)
    if last is not None:
        exchanges = exchanges.filter(starts_on__lte=last)
    return exchanges.prefetch_related("visitors").order_by("-starts_on", "title", "pk")


def exchange_get(*, actor: User, public_id: str) -> Exchange:
    """One exchange with its parts (Exchange.DoesNotExist → 404)."""
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    return (
        Exchange.objects.select_related("host", "created_by")
        .prefetch_related(
            "visitors",
            "agenda_items",
            Prefetch("participants", ExchangeParticipant.objects.select_related("partner", "user")),
            Prefetch("actions", FollowUpAction.objects.select_related("owner_partner", "owner_user")),
            Prefetch("documents", ExchangeDocument.objects.select_related("partner")),
        )
        .get(public_id=public_id)
    )


def participant_get(*, actor: User, exchange: Exchange, public_id: str) -> ExchangeParticipant:
    """A participant of this exchange (another exchange's → DoesNotExist → 404)."""
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    return ExchangeParticipant.objects.select_related("partner", "exchange").get(
        exchange=exchange, public_id=public_id
    )


def action_get(*, actor: User, exchange: Exchange, public_id: str) -> FollowUpAction:
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    return FollowUpAction.objects.select_related("owner_partner", "exchange").get(
        exchange=exchange, public_id=public_id
    )


def document_get(*, actor: User, exchange: Exchange, public_id: str) -> ExchangeDocument:
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    return ExchangeDocument.objects.select_related("partner", "exchange").get(
        exchange=exchange, public_id=public_id
    )


def actions_for_actor(
    *,
    actor: User,
    today: datetime.date,
    overdue: bool = False,
    status: str = "",
    partner: Partner | None = None,
) -> QuerySet[FollowUpAction]:
    """Follow-up actions across exchanges (overdue: still open and past their due date)."""
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    actions = FollowUpAction.objects.select_related("exchange", "owner_partner", "owner_user")
    if overdue:
        actions = actions.filter(status__in=OPEN_STATUSES, due_on__lt=today)
    if status:
        actions = actions.filter(status=status)
    if partner is not None:
        actions = actions.filter(owner_partner=partner)
    return actions.order_by("due_on", "pk")


def exchanges_upcoming(*, actor: User, today: datetime.date, limit: int = 5) -> list[Exchange]:
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    return list(
        Exchange.objects.select_related("host")
        .filter(status=ExchangeStatus.PLANNED, ends_on__gte=today)
        .order_by("starts_on", "pk")[:limit]
    )


def exchanges_of_partner(*, actor: User, partner: Partner) -> tuple[list[Exchange], list[Exchange]]:
    """(hosted, visited) exchanges of a partner, newest first."""
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    hosted = list(Exchange.objects.filter(host=partner).order_by("-starts_on", "pk"))
    visited = list(partner.exchanges_visited.select_related("host").order_by("-starts_on", "pk"))
    return hosted, visited


def exchange_evaluation_summary(*, exchange: Exchange) -> dict[str, object]:
    """How many participants evaluated the exchange, and the mean ratings (None when nobody did)."""
    rated = [p for p in exchange.participants.all() if p.evaluated_at is not None]

    def mean(values: list[int | None]) -> float | None:
        given = [v for v in values if v is not None]
        return round(sum(given) / len(given), 1) if given else None

    return {
        "count": len(rated),
        "overall": mean([p.rating_overall for p in rated]),
        "usefulness": mean([p.rating_usefulness for p in rated]),
    }


# -- measures (kujdes.network.measures): counted from the exchange rows, never from people's data ----


def exchanges_hosted_count(partner: Partner, first: datetime.date, last: datetime.date) -> int:
    """Held exchanges the partner hosted that started in the period."""
    return Exchange.objects.filter(
        host=partner, status=ExchangeStatus.HELD, starts_on__gte=first, starts_on__lte=last
    ).count()


def exchange_participations_count(partner: Partner, first: datetime.date, last: datetime.date) -> int:
    """The partner's staff participants in held exchanges that started in the period."""
    return ExchangeParticipant.objects.filter(
        partner=partner,
        exchange__status=ExchangeStatus.HELD,
        exchange__starts_on__gte=first,
        exchange__starts_on__lte=last,
    ).count()


def actions_due_for_reminder(*, today: datetime.date, days: int = 7) -> QuerySet[FollowUpAction]:
    """Open actions due within `days` or overdue, not reminded today (the daily job; no actor)."""
    return (
        FollowUpAction.objects.select_related("exchange", "owner_partner", "owner_user")
        .filter(status__in=OPEN_STATUSES, due_on__lte=today + datetime.timedelta(days=days))
        .exclude(reminded_on=today)
        .exclude(exchange__status=ExchangeStatus.CANCELLED)
        .order_by("due_on", "pk")
    )
