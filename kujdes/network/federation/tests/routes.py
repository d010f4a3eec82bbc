"""Route expectations of the federation room (collected by kujdes/core/tests/test_route_matrix.py).

The two doors other installations use answer without a session: the card (this installation is
initialised by the fixtures, so 200) and the inbox (POST only; the matrix's form-encoded empty body
is refused with 400 before anything else). The pages are for whoever manages the federation (the
network coordinator and the organisation admins, of either organisation: peers belong to the
installation); everyone else gets 403.
"""

from __future__ import annotations

from typing import Any

from kujdes.core.tests.routes import OK, REDIRECT, Route, everyone
from kujdes.network.tests.fixtures import network_fixtures

MANAGERS = ("coordinator", "admin", "other_admin")


def fixtures(t: Any) -> None:
    """This installation's identity, and a peer hosting partner "ua" with one failed package."""
    from django.db import transaction

    from kujdes.network.federation.demo import SyntheticInstallation
    from kujdes.network.federation.models import OutboxPackage, OutboxState
    from kujdes.network.federation.services import card_read, installation_init, package_send, peer_add

    network_fixtures(t)
    installation_init(name="Matrix", base_url="http://127.0.0.1:8000", operator=t.org, if_missing=True)
    remote = SyntheticInstallation(name="Remote UA", base_url="http://127.0.0.1:9", country="UA")
    t.federation_peer = peer_add(actor=None, card=card_read(remote.card()), partner_codes=["ua"])
    with transaction.atomic():
        package = package_send(type="ping", payload={}, peer=t.federation_peer, deliver=False)
    OutboxPackage.objects.filter(pk=package.pk).update(state=OutboxState.FAILED, last_error="matrix")
    t.federation_failed = package


def _peer(t: Any) -> dict[str, Any]:
    return {"public_id": t.federation_peer.public_id}


def managers(statuses: set[int], **kw: Any) -> Route:
    return Route(expect={name: statuses for name in MANAGERS}, others={403}, **kw)


ROUTES: dict[str, Route] = {
    "federation_card": everyone(OK, anonymous=OK),
    "federation_inbox": everyone({400}, anonymous={400}, method="POST"),
    "federation_home": managers(OK),
    "federation_card_download": managers(OK),
    "federation_peer_add": managers(OK),
    # An empty confirmation: back to the card's page with a message.
    "federation_peer_confirm": managers(OK, method="POST"),
    "federation_peer_detail": managers(OK, kwargs=_peer),
    "federation_peer_ping": managers(REDIRECT, method="POST", kwargs=_peer),
    # The failed package is waiting: the answer is the file.
    "federation_peer_export": managers(OK, method="POST", kwargs=_peer),
    "federation_peer_revoke": managers(OK, kwargs=_peer),
    "federation_package_retry": managers(
        REDIRECT,
        method="POST",
        kwargs=lambda t: {
            "public_id": t.federation_peer.public_id,
            "package_id": t.federation_failed.package_id,
        },
    ),
    "federation_import": managers(OK),
}
