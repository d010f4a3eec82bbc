"""What each package type does on arrival: a registry the rooms fill.

A room registers the handler of its type with `@handles(PackageType.X)` in its own
`federation.py`, imported by its AppConfig. A handler runs inside the inbox's transaction, once
per package id; it raises PackageRejected (→ 422) for content it refuses, which rolls back.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kujdes.network.federation.models import Peer
    from kujdes.network.models import Partner


class PackageRejected(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Received:
    """A verified package: sender checked, signature valid, payload opened."""

    package_id: uuid.UUID
    type: str
    # None: sent by this installation to itself (two partners of one installation).
    peer: Peer | None
    sender_installation_id: uuid.UUID
    created_at: datetime
    payload: dict[str, Any]
    via: str
    # The id of the sender's key that signed it (verified).
    signing_key: str = ""

    def sender_partners(self) -> list[Partner]:
        """The partners the sending installation hosts (for this installation itself: its local ones)."""
        from kujdes.network.models import Partner

        if self.peer is None:
            return list(Partner.objects.filter(organisation__isnull=False))
        return list(Partner.objects.filter(installation_id=self.sender_installation_id))

    def sender_partner(self, code: Any) -> Partner:
        """The sending partner named in the payload, which must be hosted by the sender."""
        for partner in self.sender_partners():
            if partner.code == code:
                return partner
        raise PackageRejected("unknown_partner", "the sender does not host the partner named in the package")


Handler = Callable[[Received], None]
HANDLERS: dict[str, Handler] = {}
# Sealed types whose envelope the receiving room still needs after the handler ran (an incoming
# referral is opened later, then discarded by the room); every other sealed envelope is emptied
# as soon as its handler applied it.
KEEP_SEALED: set[str] = set()

# What a room sends a newly added peer that it would have received had it been there already
# (releases, published practices, milestone reports): type → function(peer) → packages queued.
CatchUp = Callable[["Peer"], int]
CATCH_UP: dict[str, CatchUp] = {}


def catches_up(type_: str) -> Callable[[CatchUp], CatchUp]:
    def register(function: CatchUp) -> CatchUp:
        CATCH_UP[str(type_)] = function
        return function

    return register


def handles(type_: str, *, keep_sealed: bool = False) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[str(type_)] = handler
        if keep_sealed:
            KEEP_SEALED.add(str(type_))
        return handler

    return register


# --- the federation room's own types ------------------------------------------


@handles("ping")
def ping_received(received: Received) -> None:
    from kujdes.network.federation.services import package_send

    package_send(
        type="pong",
        payload={
            "in_reply_to": str(received.package_id),
            "ping_created_at": received.payload.get("sent_at", ""),
        },
        peer=received.peer,
    )


@handles("pong")
def pong_received(received: Received) -> None:
    # The outbox row of the ping is marked acknowledged by the inbox (`in_reply_to`).
    return None


@handles("key-rotation")
def key_rotation_received(received: Received) -> None:
    from kujdes.network.federation.services import peer_key_rotation_apply

    if received.peer is None:
        return None
    peer_key_rotation_apply(peer=received.peer, payload=received.payload)
    return None
