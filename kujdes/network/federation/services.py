"""Federation writes: the installation's identity and keys, peers, and packages in and out.

One code path for every package: `package_send` seals, signs and queues it in the outbox;
`outbox_deliver` pushes it over HTTPS to the peer's inbox — or, when the recipient is this
installation (two partners on one installation), hands the same bytes to `inbox_receive`;
`inbox_receive` runs every check (size, format, sender, signature, recipient, clock, replay)
whatever the way the package came (HTTPS, file, or this installation) and passes what is
accepted to its type's handler, once.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.accounts.models import User
from kujdes.core.audit import audit_record
from kujdes.core.crypto import (
    InstallationKeyPair,
    installation_key_create,
    installation_key_unwrap,
    installation_keys,
)
from kujdes.core.keystore import KEYSTORE, InstallationKey
from kujdes.core.models import Organisation
from kujdes.core.scoping import system_scope
from kujdes.network.federation import envelope as env
from kujdes.network.federation.handlers import CATCH_UP, HANDLERS, KEEP_SEALED, PackageRejected, Received
from kujdes.network.federation.models import (
    InboxPackage,
    InboxRefusal,
    InboxVia,
    Installation,
    OutboxPackage,
    OutboxState,
    PackageType,
    Peer,
    PeerKey,
    PeerStatus,
)
from kujdes.network.models import Partner
from kujdes.network.services import actor_home_organisation_id

logger = logging.getLogger("kujdes.federation")

CARD_FORMAT = "kujdes-card/1"
FILE_FORMAT = "kujdes-packages/1"
CONTENT_TYPE = "application/vnd.kujdes.package+json"
# Packages about a person are sealed to the recipient; the others travel signed, in clear.
# Sealed to the recipient (HPKE) besides signed: what names a person, and the partners' linkage keys
# (kujdes.network.releases.linkage), which must reach the hub only.
SEALED_TYPES = frozenset(
    {PackageType.REFERRAL, PackageType.REFERRAL_ACK, PackageType.REFERRAL_WITHDRAWAL, "linkage-clks"}
)


class FederationError(Exception):
    """A federation action that cannot be done; the message is for the user (translated)."""


# --- the installation --------------------------------------------------------


def installation_get() -> Installation | None:
    return Installation.objects.select_related("operator").first()


def installation_require() -> Installation:
    installation = installation_get()
    if installation is None or not installation_keys():
        raise FederationError(
            _("This installation has no federation identity yet: run `kujdes federation init`.")
        )
    return installation


def installation_init(
    *,
    name: str,
    base_url: str,
    country: str = "",
    operator: Organisation | None = None,
    hosts_coordinator: bool = False,
    if_missing: bool = False,
) -> Installation:
    """Create this installation's identity and its first keys (idempotent with `if_missing`)."""
    existing = installation_get()
    if existing is not None and installation_keys():
        if if_missing:
            return existing
        raise FederationError(_("This installation already has a federation identity."))
    if operator is None:
        operator = Organisation.objects.order_by("pk").first()
    installation = existing or Installation(name=name, base_url=base_url.rstrip("/"), country=country)
    installation.operator = operator
    installation.hosts_coordinator = hosts_coordinator or installation.hosts_coordinator
    installation.full_clean()
    with transaction.atomic():
        installation.save()
        with transaction.atomic(using=KEYSTORE):
            key = installation_key_create()
        federation_audit(action="federation.installation.initialised", details={"key_id": key.key_id})
    return installation


def _key_card_entry(row: InstallationKey) -> dict[str, Any]:
    return {
        "key_id": row.key_id,
        "signing_public_key": env.b64(bytes(row.signing_public)),
        "encryption_public_key": env.b64(bytes(row.encryption_public)),
        "created_at": env.timestamp(row.created_at),
        "valid_until": env.timestamp(row.usable_until) if row.usable_until else None,
    }


def installation_card() -> dict[str, Any]:
    """The installation card: identity, public keys and fingerprint, signed by the current key."""
    installation = installation_require()
    keys = installation_keys()
    current = keys[0]
    organisations = [
        {"code": org.code, "name": org.name, "country": getattr(org, "country", "")}
        for org in Organisation.objects.order_by("name")
    ]
    card: dict[str, Any] = {
        "format": CARD_FORMAT,
        "installation_id": str(installation.installation_id),
        "name": installation.name,
        "base_url": installation.base_url,
        "country": installation.country,
        "hosts_coordinator": installation.hosts_coordinator,
        "organisations": organisations,
        "keys": [_key_card_entry(row) for row in keys],
        "fingerprint": env.fingerprint(
            installation_id=installation.installation_id,
            signing_public=bytes(current.signing_public),
            encryption_public=bytes(current.encryption_public),
        ),
    }
    return env.sign(envelope=card, key=installation_key_unwrap(current).signing)


@dataclass(frozen=True)
class CardKey:
    key_id: str
    signing_public: bytes
    encryption_public: bytes
    valid_until: datetime | None


@dataclass(frozen=True)
class Card:
    installation_id: uuid.UUID
    name: str
    base_url: str
    country: str
    hosts_coordinator: bool
    fingerprint: str
    keys: list[CardKey]
    raw: dict[str, Any]


def card_read(raw: Any) -> Card:
    """A checked card: well formed, its fingerprint recomputed, its self-signature valid."""
    if not isinstance(raw, dict) or raw.get("format") != CARD_FORMAT:
        raise FederationError(_("This is not a Kujdes installation card."))
    try:
        keys = [
            CardKey(
                key_id=str(entry["key_id"]),
                signing_public=env.unb64(entry["signing_public_key"]),
                encryption_public=env.unb64(entry["encryption_public_key"]),
                valid_until=datetime.fromisoformat(entry["valid_until"])
                if entry.get("valid_until")
                else None,
            )
            for entry in raw["keys"]
        ]
        card = Card(
            installation_id=uuid.UUID(str(raw["installation_id"])),
            name=str(raw["name"])[:200],
            base_url=str(raw["base_url"]).rstrip("/"),
            country=str(raw.get("country") or ""),
            hosts_coordinator=bool(raw.get("hosts_coordinator")),
            fingerprint=str(raw["fingerprint"]),
            keys=keys,
            raw=raw,
        )
    except (KeyError, TypeError, ValueError, env.EnvelopeError):
        raise FederationError(_("The installation card is incomplete or damaged.")) from None
    if not keys or any(len(k.signing_public) != 32 or len(k.encryption_public) != 32 for k in keys):
        raise FederationError(_("The installation card is incomplete or damaged."))
    current = keys[0]
    expected = env.fingerprint(
        installation_id=card.installation_id,
        signing_public=current.signing_public,
        encryption_public=current.encryption_public,
    )
    if expected != card.fingerprint:
        raise FederationError(_("The card's fingerprint does not match its keys: it was altered."))
    if not env.signature_valid(envelope=raw, public=current.signing_public):
        raise FederationError(_("The card's signature does not verify: it was altered."))
    return card


# --- audit --------------------------------------------------------------------


def federation_audit(
    *,
    action: str,
    actor: User | None = None,
    organisation: Organisation | int | None = None,
    obj: Any = None,
    details: dict[str, Any] | None = None,
) -> None:
    """An audit event for a federation act, in the chain of the organisation it concerns, else in
    the chain of the organisation that runs the installation. Details hold ids and codes only."""
    if organisation is None:
        installation = installation_get()
        organisation = installation.operator_id if installation is not None else None
        if organisation is None:
            organisation = Organisation.objects.order_by("pk").values_list("pk", flat=True).first()
        if organisation is None:
            return
    audit_record(actor=actor, organisation=organisation, action=action, obj=obj, details=details)


# --- peers --------------------------------------------------------------------


def peer_add(*, actor: User | None, card: Card, partner_codes: list[str]) -> Peer:
    """Link a remote installation, from its card (whose fingerprint the caller confirmed), to the
    partners it hosts. A partner that is an organisation of this installation cannot be moved."""
    installation = installation_require()
    if card.installation_id == installation.installation_id:
        raise FederationError(_("This card is this installation's own."))
    partners = list(Partner.objects.filter(code__in=partner_codes))
    unknown = sorted(set(partner_codes) - {p.code for p in partners})
    if unknown:
        raise FederationError(_("No partner with the code %(codes)s.") % {"codes": ", ".join(unknown)})
    for partner in partners:
        if partner.organisation_id is not None:
            raise FederationError(
                _("%(partner)s is an organisation of this installation, not of a remote one.")
                % {"partner": partner.name}
            )
    with transaction.atomic():
        peer, created = Peer.objects.get_or_create(
            installation_id=card.installation_id,
            defaults={"name": card.name, "base_url": card.base_url, "fingerprint": card.fingerprint},
        )
        peer.name = card.name
        peer.base_url = card.base_url
        peer.country = card.country if card.country in dict(Peer._meta.get_field("country").choices) else ""
        peer.hosts_coordinator = card.hosts_coordinator
        peer.fingerprint = card.fingerprint
        peer.card = card.raw
        peer.status = PeerStatus.ACTIVE
        peer.revoked_at = None
        if created:
            peer.added_by = actor if actor is not None and actor.pk else None
        peer.save()
        for key in card.keys:
            PeerKey.objects.update_or_create(
                peer=peer,
                key_id=key.key_id,
                defaults={
                    "signing_public": key.signing_public,
                    "encryption_public": key.encryption_public,
                    "valid_until": key.valid_until,
                },
            )
        for partner in partners:
            partner.installation_id = card.installation_id
            partner.save(update_fields=["installation_id", "updated_at"])
        federation_audit(
            actor=actor,
            action="federation.peer.added" if created else "federation.peer.updated",
            obj=peer,
            details={"installation": str(card.installation_id), "partners": sorted(partner_codes)},
        )
    return peer


def peer_revoke(*, actor: User | None, peer: Peer) -> Peer:
    """Stop all traffic with a peer: its packages are refused, nothing more is sent to it."""
    with transaction.atomic():
        peer.status = PeerStatus.REVOKED
        peer.revoked_at = timezone.now()
        peer.save(update_fields=["status", "revoked_at"])
        cancelled = OutboxPackage.objects.filter(peer=peer, state=OutboxState.QUEUED).update(
            state=OutboxState.CANCELLED, last_error="peer revoked"
        )
        federation_audit(
            actor=actor, action="federation.peer.revoked", obj=peer, details={"cancelled": cancelled}
        )
    return peer


def partner_peer(partner: Partner) -> Peer | None:
    """Where a partner's packages go: its peer, or None when the partner is an organisation here.

    Raises FederationError when the partner is not reachable (not linked, or its peer revoked).
    """
    if partner.organisation_id is not None:
        return None
    if partner.installation_id is None:
        raise FederationError(
            _("%(partner)s is not linked to an installation yet.") % {"partner": partner.name}
        )
    peer = Peer.objects.filter(installation_id=partner.installation_id).first()
    if peer is None or not peer.is_active:
        raise FederationError(
            _("%(partner)s's installation is not an active peer.") % {"partner": partner.name}
        )
    return peer


# --- sending ------------------------------------------------------------------


def _recipient_key(peer: Peer | None) -> tuple[str, bytes]:
    if peer is None:
        current = installation_keys()[0]
        return current.key_id, bytes(current.encryption_public)
    now = timezone.now()
    key = next((k for k in peer.keys.all() if k.valid_until is None or k.valid_until > now), None)
    if key is None:
        raise FederationError(_("%(peer)s has no valid key.") % {"peer": peer.name})
    return key.key_id, bytes(key.encryption_public)


def package_build(
    *,
    type: str,
    payload: dict[str, Any],
    peer: Peer | None,
    package_id: uuid.UUID | None = None,
    signing: InstallationKeyPair | None = None,
    created_at: datetime | None = None,
) -> tuple[uuid.UUID, bytes]:
    """The signed (and, for a person's data, sealed) envelope bytes of one package."""
    installation = installation_require()
    signing = signing or installation_key_unwrap(installation_keys()[0])
    package_id = package_id or uuid.uuid4()
    recipient = peer.installation_id if peer is not None else installation.installation_id
    header: dict[str, Any] = {
        "format": env.FORMAT,
        "package_id": str(package_id),
        "type": str(type),
        "sender": str(installation.installation_id),
        "recipient": str(recipient),
        "created_at": env.timestamp(created_at or timezone.now()),
        "signing_key": signing.key_id,
    }
    if type in SEALED_TYPES:
        key_id, public = _recipient_key(peer)
        header["sealed"] = env.seal(
            header=header, payload=payload, recipient_key_id=key_id, recipient_public=public
        )
    else:
        header["payload"] = payload
    return package_id, env.canonical(env.sign(envelope=header, key=signing.signing))


def package_send(
    *,
    type: str,
    payload: dict[str, Any],
    peer: Peer | None,
    actor: User | None = None,
    organisation: Organisation | int | None = None,
    signing: InstallationKeyPair | None = None,
    deliver: bool = True,
) -> OutboxPackage:
    """Queue one package for a peer (None: this installation) and deliver it after the commit.

    Must run inside the caller's transaction: the package leaves only if the change it carries
    is committed. The audit event names the type and ids, never the content.
    """
    if peer is not None and not peer.is_active:
        raise FederationError(_("%(peer)s is revoked: nothing is sent to it.") % {"peer": peer.name})
    package_id, body = package_build(type=type, payload=payload, peer=peer, signing=signing)
    installation = installation_require()
    package = OutboxPackage.objects.create(
        package_id=package_id,
        type=type,
        peer=peer,
        recipient_installation_id=peer.installation_id if peer is not None else installation.installation_id,
        envelope=body,
        size=len(body),
        next_attempt_at=timezone.now(),
    )
    federation_audit(
        actor=actor,
        organisation=organisation,
        action="federation.package.queued",
        obj=package,
        details={"type": type, "package": str(package_id), "peer": str(peer.public_id) if peer else "local"},
    )
    if deliver:
        transaction.on_commit(lambda: _delivery_enqueue(package.pk))
    return package


def package_broadcast(
    *,
    type: str,
    payload: dict[str, Any],
    peers: list[Peer],
    actor: User | None,
    organisation: Organisation | int | None,
    subject: str,
) -> int:
    """Queue one payload for several peers (inside the caller's transaction); a peer that cannot be
    sent to (no valid key) is logged and skipped, never stops the act. Returns how many were queued.

    The queued packages are recorded in the acting user's chain, like the act itself (a request may
    write audit rows only for its own organisations); `organisation` (the owner of what is sent) when
    no user acts."""
    if actor is not None:
        organisation = actor_home_organisation_id(actor=actor)
    queued = 0
    for peer in peers:
        try:
            package_send(type=type, payload=payload, peer=peer, actor=actor, organisation=organisation)
        except FederationError as error:
            logger.warning("federation: %s %s not queued for peer %s: %s", type, subject, peer.pk, error)
            continue
        queued += 1
    return queued


def peer_catch_up(*, actor: User | None, peer: Peer) -> dict[str, int]:
    """Queue for a (new) peer what it would have received had it been there already: every room's
    published releases, practices and milestone reports that are for it. Returns counts per type."""
    if not peer.is_active:
        raise FederationError(_("%(peer)s is revoked: nothing is sent to it.") % {"peer": peer.name})
    with transaction.atomic():
        counts = {type_: catch_up(peer) for type_, catch_up in sorted(CATCH_UP.items())}
        federation_audit(actor=actor, action="federation.peer.caught_up", obj=peer, details=counts)
    return counts


def _delivery_enqueue(package_pk: int) -> None:
    from kujdes.network.federation.tasks import outbox_deliver_task

    try:
        outbox_deliver_task.enqueue(package_pk)
    except Exception:  # noqa: BLE001 — the timer (`federation deliver`) retries what was not handed over
        logger.exception("federation: package %s could not be handed to the worker", package_pk)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


# Answers after which sending the same bytes again cannot succeed.
_FINAL_STATUSES = {400, 401, 409, 413, 422}


def _post(url: str, body: bytes) -> tuple[int, dict[str, Any]]:
    if not url.startswith(("https://", "http://")):
        raise ValueError("a peer's address must be an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 — the scheme is checked above
        url, data=body, method="POST", headers={"Content-Type": CONTENT_TYPE, "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 — https/http URL of a peer
            status, raw = response.status, response.read(65536)
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read(65536)
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        answer = {}
    return status, answer if isinstance(answer, dict) else {}


def outbox_deliver(*, package: OutboxPackage) -> OutboxPackage:
    """One delivery attempt: to the peer's inbox over HTTPS, or to this installation's inbox."""
    with system_scope():
        return _outbox_deliver(package=package)


def _outbox_deliver(*, package: OutboxPackage) -> OutboxPackage:
    if package.state not in (OutboxState.QUEUED, OutboxState.FAILED):
        return package
    peer = package.peer
    now = timezone.now()
    package.attempts += 1
    status: int | None = None
    error = ""
    if peer is None:
        result = inbox_receive(body=bytes(package.envelope), via=InboxVia.LOCAL)
        status, error = result.status, result.error
    elif not peer.is_active:
        package.state = OutboxState.CANCELLED
        package.last_error = "peer revoked"
        package.save(update_fields=["state", "last_error", "attempts"])
        return package
    else:
        try:
            status, answer = _post(f"{peer.base_url}/federation/inbox", bytes(package.envelope))
            error = f"{answer.get('error', '')}: {answer.get('detail', '')}".strip(": ")
        except (OSError, ValueError) as exc:
            error = f"unreachable: {exc}"[:300]
    if status in (200, 202):
        package.state = OutboxState.DELIVERED
        package.delivered_at = now
        package.last_error = ""
        package.next_attempt_at = None
        if peer is not None:
            Peer.objects.filter(pk=peer.pk).update(last_contact_at=now)
    elif status in _FINAL_STATUSES or package.attempts >= settings.FEDERATION_MAX_ATTEMPTS:
        package.state = OutboxState.FAILED
        package.last_error = f"{status or ''} {error}".strip()[:300]
        package.next_attempt_at = None
    else:
        package.last_error = f"{status or ''} {error}".strip()[:300]
        package.next_attempt_at = now + _backoff(package.attempts)
    if peer is not None and status not in (200, 202):
        Peer.objects.filter(pk=peer.pk).update(last_failure_at=now, last_failure=package.last_error)
    if status in (200, 202) and package.type in SEALED_TYPES:
        # Delivered: the sealed copy has done its work and is not kept (nothing of a person waits here).
        package.envelope = b""
        package.discarded_at = now
    package.save(
        update_fields=[
            "attempts",
            "delivered_at",
            "last_error",
            "next_attempt_at",
            "envelope",
            "discarded_at",
        ]
    )
    # The reply may have come back while the request was open (the peer answers at once): an
    # acknowledgement is never turned back into a mere delivery.
    OutboxPackage.objects.filter(pk=package.pk).exclude(state=OutboxState.ACKNOWLEDGED).update(
        state=package.state
    )
    package.refresh_from_db(fields=["state", "acknowledged_at"])
    with transaction.atomic():
        federation_audit(
            action="federation.package.delivered" if status in (200, 202) else "federation.package.failed",
            obj=package,
            details={"type": package.type, "package": str(package.package_id), "status": status or 0},
        )
    return package


def outbox_deliver_due(*, now: datetime | None = None) -> int:
    """Deliver every queued package whose time has come (the timer runs this). Returns how many tried."""
    now = now or timezone.now()
    due = OutboxPackage.objects.filter(state=OutboxState.QUEUED).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    count = 0
    for package in due.select_related("peer").order_by("created_at"):
        outbox_deliver(package=package)
        count += 1
    return count


def outbox_retry(*, actor: User | None, package: OutboxPackage) -> OutboxPackage:
    """Put a failed package back in the queue (an admin after fixing the link)."""
    if package.state != OutboxState.FAILED:
        return package
    with transaction.atomic():
        package.state = OutboxState.QUEUED
        package.attempts = 0
        package.next_attempt_at = timezone.now()
        package.save(update_fields=["state", "attempts", "next_attempt_at"])
        federation_audit(actor=actor, action="federation.package.retried", obj=package, details={})
        transaction.on_commit(lambda: _delivery_enqueue(package.pk))
    return package


# --- receiving ----------------------------------------------------------------


@dataclass(frozen=True)
class InboxResult:
    """What the inbox answers: 202 accepted, 200 already received, 4xx refused."""

    status: int
    error: str = ""
    detail: str = ""
    package_id: uuid.UUID | None = None
    type: str = ""

    @property
    def accepted(self) -> bool:
        return self.status in (200, 202)

    def as_json(self) -> dict[str, Any]:
        if self.accepted:
            return {
                "status": "accepted" if self.status == 202 else "already received",
                "package_id": str(self.package_id),
            }
        return {"error": self.error, "detail": self.detail}


def _verifying_key(*, peer: Peer | None, key_id: str, at: datetime) -> bytes | None:
    if peer is None:
        row = InstallationKey.objects.filter(key_id=key_id).first()
        if row is None or (row.usable_until is not None and row.usable_until <= at):
            return None
        return bytes(row.signing_public)
    key = PeerKey.objects.filter(peer=peer, key_id=key_id).first()
    if key is None or (key.valid_until is not None and key.valid_until <= at):
        return None
    return bytes(key.signing_public)


def _refuse(
    *,
    status: int,
    error: str,
    detail: str,
    via: str,
    peer: Peer | None = None,
    header: env.Header | None = None,
) -> InboxResult:
    with transaction.atomic():
        refusal = InboxRefusal.objects.create(
            peer=peer,
            sender_installation_id=header.sender if header else None,
            package_id=header.package_id if header else None,
            via=via,
            status=status,
            error=error,
            detail=detail[:300],
        )
        federation_audit(
            action="federation.package.refused",
            obj=refusal,
            details={
                "status": status,
                "error": error,
                "via": via,
                "package": str(header.package_id) if header else "",
            },
        )
    logger.info("federation: refused a package (%s %s) via %s", status, error, via)
    return InboxResult(
        status=status, error=error, detail=detail, package_id=header.package_id if header else None
    )


def inbox_refuse(*, status: int, error: str, detail: str, via: str) -> InboxResult:
    """A refusal at a door before the package is read (the HTTP endpoint's own checks of the
    request), recorded like every other refusal."""
    with system_scope():
        return _refuse(status=status, error=error, detail=detail, via=via)


def inbox_receive(*, body: bytes, via: str) -> InboxResult:
    # The inbox is a door between machines, with no user behind it: what a package may touch is
    # decided by its verified sender and its handler, so it reads and writes as the system.
    with system_scope():
        return _inbox_receive(body=body, via=via)


def _inbox_receive(*, body: bytes, via: str) -> InboxResult:
    """Check one package and, the first time it is seen, apply it — the same checks whatever the way.

    Order: size (413), format (400), sender (401), signature (401), recipient (422), clock (422),
    replay (200 same bytes / 409 other bytes), sealed payload (422), the type's handler (422 when it
    rejects the content). Accepted packages are applied in one transaction with their inbox row.
    """
    if len(body) > settings.FEDERATION_MAX_PACKAGE_BYTES:
        return _refuse(
            status=413,
            error="too_large",
            detail=_("The package is larger than this installation accepts."),
            via=via,
        )
    try:
        envelope, header = env.parse(body)
    except env.EnvelopeError as exc:
        return _refuse(status=400, error=exc.code, detail=exc.detail, via=via)
    installation = installation_get()
    if installation is None or not installation_keys():
        return _refuse(
            status=422,
            error="not_initialised",
            detail="this installation takes no packages",
            via=via,
            header=header,
        )
    is_self = header.sender == installation.installation_id
    peer = None if is_self else Peer.objects.filter(installation_id=header.sender).first()
    if not is_self and peer is None:
        return _refuse(
            status=401,
            error="unknown_sender",
            detail="the sender is not a peer of this installation",
            via=via,
            header=header,
        )
    if peer is not None and not peer.is_active:
        return _refuse(
            status=401,
            error="revoked_sender",
            detail="the sender's peering was revoked",
            via=via,
            peer=peer,
            header=header,
        )
    now = timezone.now()
    public = _verifying_key(peer=peer, key_id=header.signing_key, at=now)
    if public is None:
        return _refuse(
            status=401,
            error="unknown_key",
            detail="the signing key is unknown or expired",
            via=via,
            peer=peer,
            header=header,
        )
    if not env.signature_valid(envelope=envelope, public=public):
        return _refuse(
            status=401,
            error="bad_signature",
            detail="the signature does not verify",
            via=via,
            peer=peer,
            header=header,
        )
    if header.recipient != installation.installation_id:
        return _refuse(
            status=422,
            error="wrong_recipient",
            detail="the package is for another installation",
            via=via,
            peer=peer,
            header=header,
        )
    # A file may have travelled by hand for days; nothing may come from the future.
    oldest = (
        timedelta(days=settings.FEDERATION_FILE_WINDOW_DAYS)
        if via == InboxVia.FILE
        else timedelta(seconds=settings.FEDERATION_CLOCK_WINDOW)
    )
    skew = timedelta(seconds=settings.FEDERATION_CLOCK_WINDOW)
    if header.created_at > now + skew or now - header.created_at > oldest:
        return _refuse(
            status=422,
            error="clock_window",
            detail="the package's time is outside the accepted window",
            via=via,
            peer=peer,
            header=header,
        )
    digest = env.digest(body)
    known = InboxPackage.objects.filter(package_id=header.package_id).first()
    if known is not None:
        if known.digest == digest:
            return InboxResult(status=200, package_id=header.package_id, type=header.type)
        return _refuse(
            status=409,
            error="conflict",
            detail="a package with this id and other content was received",
            via=via,
            peer=peer,
            header=header,
        )
    if header.type not in HANDLERS:
        return _refuse(
            status=422,
            error="unknown_type",
            detail=f"no handler for packages of type {header.type!r}",
            via=via,
            peer=peer,
            header=header,
        )
    if "sealed" in envelope:
        key = InstallationKey.objects.filter(key_id=envelope["sealed"]["key"]).first()
        if key is None or key.wrapped_encryption_private is None:
            return _refuse(
                status=422,
                error="undecryptable",
                detail="sealed to a key this installation does not hold",
                via=via,
                peer=peer,
                header=header,
            )
        try:
            payload = env.unseal(envelope=envelope, private=installation_key_unwrap(key).encryption)
        except env.EnvelopeError as exc:
            return _refuse(status=422, error=exc.code, detail=exc.detail, via=via, peer=peer, header=header)
    else:
        payload = envelope["payload"]
    received = Received(
        package_id=header.package_id,
        type=header.type,
        peer=peer,
        sender_installation_id=header.sender,
        created_at=header.created_at,
        payload=payload,
        via=via,
        signing_key=header.signing_key,
    )
    try:
        with transaction.atomic():
            row = InboxPackage.objects.create(
                package_id=header.package_id,
                type=header.type,
                peer=peer,
                sender_installation_id=header.sender,
                digest=digest,
                envelope=body,
                size=len(body),
                via=via,
                created_at=header.created_at,
            )
            HANDLERS[header.type](received)
            _acknowledge(payload, sender=header.sender)
            if "sealed" in envelope and header.type not in KEEP_SEALED:
                inbox_payload_discard(package_id=header.package_id)
            if peer is not None:
                Peer.objects.filter(pk=peer.pk).update(last_contact_at=now)
            federation_audit(
                action="federation.package.received",
                obj=row,
                details={"type": header.type, "package": str(header.package_id), "via": via},
            )
    except PackageRejected as exc:
        return _refuse(status=422, error=exc.code, detail=exc.detail, via=via, peer=peer, header=header)
    except (ValidationError, KeyError, TypeError, ValueError) as exc:
        logger.info("federation: package %s rejected by its handler: %r", header.package_id, exc)
        return _refuse(
            status=422,
            error="invalid_content",
            detail="the package's content is not valid",
            via=via,
            peer=peer,
            header=header,
        )
    except IntegrityError:
        # The same package arrived twice at once: the other copy won.
        known = InboxPackage.objects.filter(package_id=header.package_id).first()
        if known is not None and known.digest == digest:
            return InboxResult(status=200, package_id=header.package_id, type=header.type)
        if known is not None:
            return _refuse(
                status=409,
                error="conflict",
                detail="a package with this id and other content was received",
                via=via,
                peer=peer,
                header=header,
            )
        # The content clashes with what is stored here (a handler's unique rule): refused, not a 500.
        logger.info("federation: package %s clashes with stored rows", header.package_id)
        return _refuse(
            status=422,
            error="invalid_content",
            detail="the package's content clashes with what this installation holds",
            via=via,
            peer=peer,
            header=header,
        )
    return InboxResult(status=202, package_id=header.package_id, type=header.type)


def _acknowledge(payload: dict[str, Any], *, sender: uuid.UUID) -> None:
    """A reply (pong, referral-ack) marks the package it answers as acknowledged — only a package
    that was sent to the replying installation."""
    replied = payload.get("in_reply_to")
    if not isinstance(replied, str):
        return
    try:
        package_id = uuid.UUID(replied)
    except ValueError:
        return
    OutboxPackage.objects.filter(package_id=package_id, recipient_installation_id=sender).exclude(
        state=OutboxState.CANCELLED
    ).update(state=OutboxState.ACKNOWLEDGED, acknowledged_at=timezone.now())


# --- files --------------------------------------------------------------------


def packages_export(
    *, actor: User | None, peer: Peer, package_ids: list[uuid.UUID] | None = None
) -> tuple[bytes, int]:
    """A file of every package still waiting for a peer, for a link that is down or air-gapped.

    The packages stay queued: HTTPS may still deliver them, and the peer answers the second copy
    with "already received".
    """
    waiting = OutboxPackage.objects.filter(peer=peer, state__in=[OutboxState.QUEUED, OutboxState.FAILED])
    if package_ids is not None:
        waiting = waiting.filter(package_id__in=package_ids)
    pending = list(waiting.order_by("created_at"))
    document = {
        "format": FILE_FORMAT,
        "exported_at": env.timestamp(timezone.now()),
        "recipient": str(peer.installation_id),
        "packages": [json.loads(bytes(p.envelope)) for p in pending],
    }
    with transaction.atomic():
        OutboxPackage.objects.filter(pk__in=[p.pk for p in pending]).update(exported_at=timezone.now())
        federation_audit(
            actor=actor, action="federation.packages.exported", obj=peer, details={"count": len(pending)}
        )
    return env.canonical(document), len(pending)


def packages_import(*, data: bytes) -> list[InboxResult]:
    """Apply every package of a file with the inbox's checks; a damaged file is one 400 answer."""
    if len(data) > settings.FEDERATION_MAX_PACKAGE_BYTES * 10:
        return [
            _refuse(
                status=413,
                error="too_large",
                detail=_("The file is larger than this installation accepts."),
                via=InboxVia.FILE,
            )
        ]
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return [
            _refuse(
                status=400,
                error="malformed",
                detail=_("The file is not a Kujdes package file, or it is truncated."),
                via=InboxVia.FILE,
            )
        ]
    if isinstance(document, dict) and document.get("format") == env.FORMAT:
        packages = [document]
    elif (
        isinstance(document, dict)
        and document.get("format") == FILE_FORMAT
        and isinstance(document.get("packages"), list)
    ):
        packages = document["packages"]
    else:
        return [
            _refuse(
                status=400,
                error="malformed",
                detail=_("The file is not a Kujdes package file."),
                via=InboxVia.FILE,
            )
        ]
    return [inbox_receive(body=env.canonical(package), via=InboxVia.FILE) for package in packages]


# --- key rotation ----------------------------------------------------------------


def keys_rotate(*, actor: User | None) -> InstallationKey:
    """New keys; every active peer is told in a `key-rotation` package signed by the old key,
    which stays valid for verification (and this installation keeps opening what was sealed to
    it) for the grace period."""
    installation_require()
    old = installation_keys()[0]
    old_pair = installation_key_unwrap(old)
    grace_end = timezone.now() + timedelta(days=settings.FEDERATION_KEY_GRACE_DAYS)
    with transaction.atomic():
        with transaction.atomic(using=KEYSTORE):
            new = installation_key_create()
            InstallationKey.objects.filter(pk=old.pk).update(usable_until=grace_end)
        payload = {
            "key": _key_card_entry(new),
            "retired_key_id": old.key_id,
            "retired_valid_until": env.timestamp(grace_end),
        }
        for peer in Peer.objects.filter(status=PeerStatus.ACTIVE):
            package_send(
                type=PackageType.KEY_ROTATION, payload=payload, peer=peer, actor=actor, signing=old_pair
            )
        federation_audit(
            actor=actor,
            action="federation.keys.rotated",
            details={"key_id": new.key_id, "retired_key_id": old.key_id},
        )
    return new


def peer_key_rotation_apply(*, peer: Peer, payload: dict[str, Any]) -> None:
    """A peer's announced new key (the package was verified with its old one)."""
    entry = payload["key"]
    PeerKey.objects.update_or_create(
        peer=peer,
        key_id=str(entry["key_id"]),
        defaults={
            "signing_public": env.unb64(entry["signing_public_key"]),
            "encryption_public": env.unb64(entry["encryption_public_key"]),
            "valid_until": None,
        },
    )
    PeerKey.objects.filter(peer=peer, key_id=str(payload["retired_key_id"])).update(
        valid_until=datetime.fromisoformat(payload["retired_valid_until"])
    )
    current = peer.keys.filter(valid_until__isnull=True).first()
    if current is not None:
        peer.fingerprint = env.fingerprint(
            installation_id=peer.installation_id,
            signing_public=bytes(current.signing_public),
            encryption_public=bytes(current.encryption_public),
        )
        peer.save(update_fields=["fingerprint"])


def inbox_payload_open(*, package_id: uuid.UUID) -> dict[str, Any]:
    """The payload of a package received earlier, opened again from its stored envelope.

    What is sealed stays sealed at rest: a room that must show a received referral opens it
    here, in memory, each time (the envelope is only readable with this installation's keys).
    """
    row = InboxPackage.objects.get(package_id=package_id)
    if row.discarded_at is not None:
        raise FederationError(_("This package's content is no longer kept on this installation."))
    envelope, _header = env.parse(bytes(row.envelope))
    if "payload" in envelope:
        return dict(envelope["payload"])
    key = InstallationKey.objects.filter(key_id=envelope["sealed"]["key"]).first()
    if key is None or key.wrapped_encryption_private is None:
        raise FederationError(_("This package was sealed to a key this installation no longer holds."))
    return env.unseal(envelope=envelope, private=installation_key_unwrap(key).encryption)


def inbox_payload_discard(*, package_id: uuid.UUID) -> None:
    """Empty a received package's envelope for good (its digest stays for replays): called once its
    content lives where erasure reaches it, or is no longer needed (declined, withdrawn, erased)."""
    InboxPackage.objects.filter(package_id=package_id, discarded_at__isnull=True).update(
        envelope=b"", discarded_at=timezone.now()
    )
