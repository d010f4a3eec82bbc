"""A second installation, simulated in the test process: real keys, a real card, real signatures.

    here = installation_here(hosts_coordinator=True)      # this installation's identity and keys
    remote = remote_installation(name="Installation FR")  # Ed25519 + X25519 made in the test
    remote.add(partners=["ua"])                           # peer_add from its signed card
    result = remote.send(type="release", payload={...})    # a signed package into inbox_receive
    payload = remote.open(outbox_package)                  # what this installation sent it, verified

Nothing is mocked: the card goes through `card_read` and `peer_add`, the packages through every
check of `inbox_receive`, and what this installation sends is verified and (when sealed) opened
with the remote's private key, as the remote installation would.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.utils import timezone

from kujdes.accounts.models import User
from kujdes.core.crypto import installation_keys
from kujdes.core.keystore import InstallationKey
from kujdes.network.federation import envelope as env
from kujdes.network.federation.models import InboxVia, Installation, OutboxPackage, Peer
from kujdes.network.federation.services import (
    CARD_FORMAT,
    SEALED_TYPES,
    InboxResult,
    card_read,
    inbox_receive,
    installation_get,
    installation_init,
    peer_add,
)

_RAW = serialization.Encoding.Raw
_PUBLIC = serialization.PublicFormat.Raw


def installation_here(
    *,
    name: str = "Test installation",
    base_url: str = "https://here.example.invalid",
    hosts_coordinator: bool = False,
) -> Installation:
    """This installation's federation identity (created once per test; `hosts_coordinator` applied)."""
    installation = installation_get()
    if installation is None or not installation_keys():
        installation = installation_init(
            name=name, base_url=base_url, hosts_coordinator=hosts_coordinator, if_missing=True
        )
    if installation.hosts_coordinator != hosts_coordinator:
        installation.hosts_coordinator = hosts_coordinator
        installation.save(update_fields=["hosts_coordinator"])
    return installation


@dataclass
class RemoteKey:
    key_id: str
    signing: Ed25519PrivateKey
    encryption: X25519PrivateKey

    @property
    def signing_public(self) -> bytes:
        return self.signing.public_key().public_bytes(_RAW, _PUBLIC)

    @property
    def encryption_public(self) -> bytes:
        return self.encryption.public_key().public_bytes(_RAW, _PUBLIC)

    @classmethod
    def generate(cls) -> RemoteKey:
        return cls(
            key_id=secrets.token_hex(8),
            signing=Ed25519PrivateKey.generate(),
            encryption=X25519PrivateKey.generate(),
        )


@dataclass
class RemoteInstallation:
    """Another Kujdes installation, played by the test: it has keys and a card, and no database."""

    name: str
    base_url: str
    country: str
    hosts_coordinator: bool
    installation_id: uuid.UUID = field(default_factory=uuid.uuid4)
    keys: list[RemoteKey] = field(default_factory=lambda: [RemoteKey.generate()])
    peer: Peer | None = None

    @property
    def key(self) -> RemoteKey:
        """The current key (the first)."""
        return self.keys[0]

    def card(self) -> dict[str, Any]:
        """Its signed installation card, as `GET /federation/card` would serve it."""
        current = self.key
        card: dict[str, Any] = {
            "format": CARD_FORMAT,
            "installation_id": str(self.installation_id),
            "name": self.name,
            "base_url": self.base_url,
            "country": self.country,
            "hosts_coordinator": self.hosts_coordinator,
            "organisations": [],
            "keys": [
                {
                    "key_id": key.key_id,
                    "signing_public_key": env.b64(key.signing_public),
                    "encryption_public_key": env.b64(key.encryption_public),
                    "created_at": env.timestamp(timezone.now()),
                    "valid_until": None,
                }
                for key in self.keys
            ],
            "fingerprint": env.fingerprint(
                installation_id=self.installation_id,
                signing_public=current.signing_public,
                encryption_public=current.encryption_public,
            ),
        }
        return env.sign(envelope=card, key=current.signing)

    def add(self, *, partners: list[str] | None = None, actor: User | None = None) -> Peer:
        """Make it a peer of this installation (from its card), hosting the given partner codes."""
        self.peer = peer_add(actor=actor, card=card_read(self.card()), partner_codes=list(partners or []))
        return self.peer

    def package(
        self,
        *,
        type: str,
        payload: dict[str, Any],
        package_id: uuid.UUID | None = None,
        created_at: datetime | None = None,
        recipient: uuid.UUID | None = None,
        key: RemoteKey | None = None,
        sealed: bool | None = None,
    ) -> bytes:
        """The bytes of a package it sends to this installation: signed with its key, and sealed to
        this installation's current encryption key for a person's data (or when `sealed` says so)."""
        key = key or self.key
        here = installation_get()
        assert here is not None, "this installation needs an identity first (installation_here())"
        header: dict[str, Any] = {
            "format": env.FORMAT,
            "package_id": str(package_id or uuid.uuid4()),
            "type": str(type),
            "sender": str(self.installation_id),
            "recipient": str(recipient or here.installation_id),
            "created_at": env.timestamp(created_at or timezone.now()),
            "signing_key": key.key_id,
        }
        if sealed if sealed is not None else type in SEALED_TYPES:
            current = installation_keys()[0]
            header["sealed"] = env.seal(
                header=header,
                payload=payload,
                recipient_key_id=current.key_id,
                recipient_public=bytes(current.encryption_public),
            )
        else:
            header["payload"] = payload
        return env.canonical(env.sign(envelope=header, key=key.signing))

    def send(
        self, *, type: str, payload: dict[str, Any], via: str = InboxVia.HTTPS, **options: Any
    ) -> InboxResult:
        """Build a package and hand it to this installation's inbox, as a POST or a file would."""
        return inbox_receive(body=self.package(type=type, payload=payload, **options), via=via)

    def outbox(self, *, type: str | None = None) -> list[OutboxPackage]:
        """What this installation queued for it, oldest first."""
        assert self.peer is not None, "add() it as a peer first"
        packages = OutboxPackage.objects.filter(peer=self.peer)
        if type is not None:
            packages = packages.filter(type=type)
        return list(packages.order_by("created_at", "pk"))

    def open(self, package: OutboxPackage | bytes) -> dict[str, Any]:
        """The payload of a package this installation sent it, as the remote side reads it: the
        signature verified with this installation's public key, a sealed payload opened with the
        remote's private key. AssertionError when anything does not hold."""
        body = bytes(package.envelope) if isinstance(package, OutboxPackage) else package
        envelope, header = env.parse(body)
        assert header.recipient == self.installation_id, "the package is for another installation"
        signer = InstallationKey.objects.filter(key_id=header.signing_key).first()
        assert signer is not None, "signed by a key this installation never had"
        assert env.signature_valid(envelope=envelope, public=bytes(signer.signing_public)), "bad signature"
        if "payload" in envelope:
            return dict(envelope["payload"])
        key = next((k for k in self.keys if k.key_id == envelope["sealed"]["key"]), None)
        assert key is not None, "sealed to a key the remote does not hold"
        return env.unseal(envelope=envelope, private=key.encryption)

    def rotate(self) -> tuple[RemoteKey, bytes]:
        """New keys, and the `key-rotation` package announcing them, signed by the old key."""
        old, new = self.key, RemoteKey.generate()
        self.keys.insert(0, new)
        payload = {
            "key": {
                "key_id": new.key_id,
                "signing_public_key": env.b64(new.signing_public),
                "encryption_public_key": env.b64(new.encryption_public),
                "created_at": env.timestamp(timezone.now()),
                "valid_until": None,
            },
            "retired_key_id": old.key_id,
            "retired_valid_until": env.timestamp(timezone.now() + timedelta(days=14)),
        }
        return new, self.package(type="key-rotation", payload=payload, key=old)


def remote_installation(
    *,
    name: str = "Remote installation",
    base_url: str = "https://remote.example.invalid",
    country: str = "",
    hosts_coordinator: bool = False,
) -> RemoteInstallation:
    """A fake remote installation with fresh Ed25519/X25519 keys (add it with `.add(partners=...)`)."""
    return RemoteInstallation(
        name=name, base_url=base_url, country=country, hosts_coordinator=hosts_coordinator
    )
