"""Federation reads: peers, their traffic, and what is wrong."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.core.keystore import InstallationKey
from kujdes.network.federation.models import (
    InboxPackage,
    InboxRefusal,
    Installation,
    OutboxPackage,
    OutboxState,
    Peer,
    PeerStatus,
)
from kujdes.network.models import Partner


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


# --- the federation pages (kujdes/network/federation/views.py) -------------------


@dataclass(frozen=True)
class InstallationIdentity:
    installation: Installation
    # Every usable generation, newest (current) first: created_at, usable_until, key_id.
    keys: list[InstallationKey]
    fingerprint: str


def installation_identity() -> InstallationIdentity | None:
    """This installation's identity for its Federation page, or None before `kujdes federation init`.

    Reads public halves only: nothing is unwrapped, nothing signed (the card download signs).
    """
    from kujdes.core.crypto import installation_keys
    from kujdes.network.federation.envelope import fingerprint

    installation = Installation.objects.select_related("operator").first()
    keys = installation_keys() if installation is not None else []
    if installation is None or not keys:
        return None
    current = keys[0]
    return InstallationIdentity(
        installation=installation,
        keys=keys,
        fingerprint=fingerprint(
            installation_id=installation.installation_id,
            signing_public=bytes(current.signing_public),
            encryption_public=bytes(current.encryption_public),
        ),
    )


def peer_by_public_id(public_id: uuid.UUID) -> Peer | None:
    """A peer by the id its page's URL carries (not by name: names are not unique identifiers)."""
    return Peer.objects.filter(public_id=public_id).first()


def peer_by_installation_id(installation_id: uuid.UUID) -> Peer | None:
    return Peer.objects.filter(installation_id=installation_id).first()


def partners_by_installation(installation_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Partner]]:
    """The partners each of these remote installations hosts, in one query."""
    hosted: dict[uuid.UUID, list[Partner]] = {}
    for partner in Partner.objects.filter(installation_id__in=installation_ids).order_by("name"):
        hosted.setdefault(partner.installation_id, []).append(partner)
    return hosted


def partners_not_local() -> list[Partner]:
    """The partners a peer may host: those that are not an organisation of this installation."""
    return list(Partner.objects.filter(organisation__isnull=True).order_by("name"))


def peer_outbox_package(*, peer: Peer, package_id: uuid.UUID) -> OutboxPackage | None:
    """One package of a peer's outbox (None for another peer's package or an unknown id)."""
    return OutboxPackage.objects.filter(peer=peer, package_id=package_id).defer("envelope").first()


def peer_waiting_count(*, peer: Peer) -> int:
    """How many packages a `.kpkg` export for this peer would hold (queued or failed)."""
    return OutboxPackage.objects.filter(peer=peer, state__in=[OutboxState.QUEUED, OutboxState.FAILED]).count()
