"""Federation reads: peers, their traffic, and what is wrong."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.network.federation.models import (
    InboxPackage,
    InboxRefusal,
    OutboxPackage,
    OutboxState,
    Peer,
    PeerStatus,
)


def peer_find(ref: str) -> Peer | None:
    """A peer by installation id, public id or exact name (the command line's argument)."""
    try:
        value = uuid.UUID(ref)
    except ValueError:
        return Peer.objects.filter(name=ref).first()
    return Peer.objects.filter(Q(installation_id=value) | Q(public_id=value)).first()


@dataclass(frozen=True)
class PeerOverview:
    peer: Peer
    pending: int
    failed: int
    refused: int
    unreachable: bool


def _unreachable(peer: Peer, now: timezone.datetime) -> bool:
    """Active, and neither heard from nor delivered to for the configured hours."""
    if peer.status != PeerStatus.ACTIVE:
        return False
    since = peer.last_contact_at or peer.added_at
    return now - since > timedelta(hours=settings.FEDERATION_UNREACHABLE_HOURS)


def peers_overview() -> list[PeerOverview]:
    now = timezone.now()
    peers = Peer.objects.annotate(
        pending=Count("outbox", filter=Q(outbox__state=OutboxState.QUEUED), distinct=True),
        failed=Count("outbox", filter=Q(outbox__state=OutboxState.FAILED), distinct=True),
        refused=Count("refusals", distinct=True),
    ).order_by("name")
    return [
        PeerOverview(
            peer=peer,
            pending=peer.pending,
            failed=peer.failed,
            refused=peer.refused,
            unreachable=_unreachable(peer, now),
        )
        for peer in peers
    ]


def peer_traffic(*, peer: Peer, limit: int = 50) -> dict[str, list]:
    """The latest packages out, in and refused for one peer (ids, types and states; no content)."""
    return {
        "outbox": list(OutboxPackage.objects.filter(peer=peer).defer("envelope")[:limit]),
        "inbox": list(InboxPackage.objects.filter(peer=peer).defer("envelope")[:limit]),
        "refusals": list(InboxRefusal.objects.filter(peer=peer)[:limit]),
    }


def federation_health() -> list[str]:
    """One translated line per problem: unreachable peers, failed packages, unknown senders."""
    now = timezone.now()
    problems = []
    for row in peers_overview():
        if row.unreachable:
            problems.append(
                _("%(peer)s has not been reached for more than %(hours)s hours.")
                % {"peer": row.peer.name, "hours": settings.FEDERATION_UNREACHABLE_HOURS}
            )
        if row.failed:
            problems.append(
                _("%(count)s package(s) for %(peer)s failed.") % {"count": row.failed, "peer": row.peer.name}
            )
    local_failed = OutboxPackage.objects.filter(peer__isnull=True, state=OutboxState.FAILED).count()
    if local_failed:
        problems.append(
            _("%(count)s package(s) between partners of this installation failed.") % {"count": local_failed}
        )
    strangers = InboxRefusal.objects.filter(
        peer__isnull=True, refused_at__gte=now - timedelta(days=1), status=401
    ).count()
    if strangers:
        problems.append(
            _("%(count)s package(s) from unknown senders were refused in the last day.")
            % {"count": strangers}
        )
    return problems
