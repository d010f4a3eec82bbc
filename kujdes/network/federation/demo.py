"""The demo's federation: this installation's identity, and one peer so that the pages are not empty.

Called by `kujdes demo` (core finds `demo_populate` by convention), after the network's partners
exist. The peer is a synthetic "remote" installation for a partner that keeps its data elsewhere:
its card is made and signed here with keys generated for the purpose and then discarded, so no
package can ever reach it or come from it — its packages stay queued, then fail, as with a peer
whose server is down. `make demo` runs `kujdes federation init --if-missing` afterwards, which keeps
the identity made here (the demo's address comes from KUJDES_SITE_URL, which `make demo` sets).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.conf import settings
from django.utils import timezone

from kujdes.core.models import Organisation
from kujdes.network.federation import envelope as env
from kujdes.network.federation.services import (
    CARD_FORMAT,
    card_read,
    installation_init,
    peer_add,
)
from kujdes.network.models import Partner

DEMO_NAME = "Kujdes — Caritas Albania (demo)"
# The operator and the partner of the demo peer: Caritas Ukraine is no organisation of the demo.
DEMO_OPERATOR = "caritas-al"
DEMO_PEER_PARTNER = "ua"
DEMO_PEER_NAME = "Kujdes — Caritas Ukraine (demo, unreachable)"
DEMO_PEER_URL = "https://kujdes.caritas-ua.example"


def _raw(key: Any) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass
class SyntheticInstallation:
    """Another installation's identity, made up here: its card, and packages it signs.

    For the demo's peer and for tests; a real installation's keys live in its own key store.
    """

    name: str
    base_url: str
    country: str = ""
    hosts_coordinator: bool = False
    installation_id: uuid.UUID = field(default_factory=uuid.uuid4)
    key_id: str = field(default_factory=lambda: secrets.token_hex(8))
    signing: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    encryption: X25519PrivateKey = field(default_factory=X25519PrivateKey.generate)

    @property
    def fingerprint(self) -> str:
        return env.fingerprint(
            installation_id=self.installation_id,
            signing_public=_raw(self.signing),
            encryption_public=_raw(self.encryption),
        )

    def card(self) -> dict[str, Any]:
        """Its installation card, signed by its key (what `kujdes federation card` prints there)."""
        return env.sign(
            envelope={
                "format": CARD_FORMAT,
                "installation_id": str(self.installation_id),
                "name": self.name,
                "base_url": self.base_url,
                "country": self.country,
                "hosts_coordinator": self.hosts_coordinator,
                "organisations": [],
                "keys": [
                    {
                        "key_id": self.key_id,
                        "signing_public_key": env.b64(_raw(self.signing)),
                        "encryption_public_key": env.b64(_raw(self.encryption)),
                        "created_at": env.timestamp(timezone.now()),
                        "valid_until": None,
                    }
                ],
                "fingerprint": self.fingerprint,
            },
            key=self.signing,
        )

    def package(
        self,
        *,
        type: str,
        payload: dict[str, Any],
        recipient: uuid.UUID,
        package_id: uuid.UUID | None = None,
    ) -> bytes:
        """A package it signs for `recipient`, in clear (the types without a person's data)."""
        header = {
            "format": env.FORMAT,
            "package_id": str(package_id or uuid.uuid4()),
            "type": type,
            "sender": str(self.installation_id),
            "recipient": str(recipient),
            "created_at": env.timestamp(timezone.now()),
            "signing_key": self.key_id,
            "payload": payload,
        }
        return env.canonical(env.sign(envelope=header, key=self.signing))


def demo_populate() -> str:
    operator = Organisation.objects.filter(code=DEMO_OPERATOR).first()
    installation = installation_init(
        name=DEMO_NAME,
        base_url=settings.SITE_URL,
        country=operator.country if operator is not None else "",
        operator=operator,
        hosts_coordinator=True,
        if_missing=True,
    )
    partner = Partner.objects.filter(code=DEMO_PEER_PARTNER, organisation__isnull=True).first()
    if partner is None or partner.installation_id is not None:
        return f"Federation: {installation.name} ({installation.installation_id}), no demo peer."
    remote = SyntheticInstallation(name=DEMO_PEER_NAME, base_url=DEMO_PEER_URL, country=partner.country)
    peer = peer_add(actor=None, card=card_read(remote.card()), partner_codes=[partner.code])
    # The private keys go out of scope here: nothing can sign as this peer or open what is sealed to it.
    return f"Federation: {installation.name}, one demo peer ({peer.name}, hosting {partner.name})."
