"""Nothing of a person waits in the package tables: sealed envelopes are emptied once applied or
delivered, and a reply acknowledges only a package that was sent to the replying installation."""

from __future__ import annotations

import uuid

from django.db import transaction

from kujdes.core.scoping import system_scope
from kujdes.network.federation.handlers import KEEP_SEALED
from kujdes.network.federation.models import InboxPackage, OutboxPackage, OutboxState, PackageType
from kujdes.network.federation.services import (
    FederationError,
    inbox_payload_discard,
    inbox_payload_open,
    outbox_deliver,
    package_send,
)
from kujdes.network.federation.tests.peers import installation_here, remote_installation
from kujdes.network.tests.base import NetworkTestCase


class SealedEnvelopeTests(NetworkTestCase):
    def setUp(self) -> None:
        super().setUp()
        with system_scope():
            installation_here(name="Here", hosts_coordinator=True)
            self.remote = remote_installation(name="Remote")
            self.peer = self.remote.add(partners=[])

    def test_a_sealed_package_its_room_refuses_leaves_no_envelope_behind(self) -> None:
        body = self.remote.package(
            type=PackageType.REFERRAL_ACK, payload={"referral_id": str(uuid.uuid4()), "status": "received"}
        )
        from kujdes.network.federation.services import inbox_receive

        with system_scope():
            # No referral matches: the room refuses it — the refusal keeps no envelope at all.
            first = inbox_receive(body=body, via="https")
            self.assertEqual(first.status, 422)
            self.assertFalse(InboxPackage.objects.exists())

    def test_a_kept_referral_envelope_is_emptied_by_discard_and_no_longer_opens(self) -> None:
        self.assertIn(PackageType.REFERRAL, KEEP_SEALED)
        with system_scope(), transaction.atomic():
            row = InboxPackage.objects.create(
                package_id=uuid.uuid4(),
                type=PackageType.REFERRAL,
                peer=self.peer,
                sender_installation_id=self.peer.installation_id,
                digest="0" * 64,
                envelope=self.remote.package(type=PackageType.PING, payload={"sent_at": "x"}),
                via="https",
                created_at=self.peer.added_at,
            )
            self.assertEqual(inbox_payload_open(package_id=row.package_id)["sent_at"], "x")
            inbox_payload_discard(package_id=row.package_id)
            row.refresh_from_db()
            self.assertEqual(bytes(row.envelope), b"")
            self.assertEqual(row.digest, "0" * 64)
            with self.assertRaises(FederationError):
                inbox_payload_open(package_id=row.package_id)

    def test_a_sealed_package_that_failed_keeps_its_envelope_for_a_retry(self) -> None:
        with system_scope():
            with transaction.atomic():
                package = package_send(
                    type=PackageType.REFERRAL_WITHDRAWAL,
                    payload={"referral_id": str(uuid.uuid4()), "reason": "consent_withdrawn"},
                    peer=None,
                    deliver=False,
                )
            self.assertTrue(bytes(package.envelope))
            delivered = outbox_deliver(package=package)
            delivered.refresh_from_db()
        # This installation's own room refuses an unknown referral (422): the package failed and keeps
        # its envelope for a retry. (A delivered one is emptied: the cross-border canary test.)
        self.assertEqual(delivered.state, OutboxState.FAILED)
        self.assertTrue(bytes(delivered.envelope))

    def test_a_delivered_ping_keeps_its_envelope(self) -> None:
        with system_scope():
            with transaction.atomic():
                ping = package_send(
                    type=PackageType.PING, payload={"sent_at": "now"}, peer=None, deliver=False
                )
            ping = outbox_deliver(package=ping)
            ping.refresh_from_db()
            self.assertIn(ping.state, (OutboxState.DELIVERED, OutboxState.ACKNOWLEDGED))
            self.assertTrue(bytes(ping.envelope))

    def test_a_reply_from_another_peer_does_not_acknowledge_a_package(self) -> None:
        """Before the change any peer's `in_reply_to` marked any outbox package acknowledged."""
        with system_scope():
            other = remote_installation(name="Other")
            other.add(partners=[])
            with transaction.atomic():
                ping = package_send(
                    type=PackageType.PING, payload={"sent_at": "now"}, peer=self.peer, deliver=False
                )
            result = other.send(type=PackageType.PONG, payload={"in_reply_to": str(ping.package_id)})
            self.assertEqual(result.status, 202)
            ping.refresh_from_db()
            self.assertEqual(ping.state, OutboxState.QUEUED)
            self.remote.send(type=PackageType.PONG, payload={"in_reply_to": str(ping.package_id)})
            ping.refresh_from_db()
            self.assertEqual(ping.state, OutboxState.ACKNOWLEDGED)
            self.assertFalse(
                OutboxPackage.objects.filter(state=OutboxState.ACKNOWLEDGED).exclude(pk=ping.pk).exists()
            )


class InboxDoorTests(NetworkTestCase):
    def test_a_get_on_the_inbox_is_answered_in_the_protocols_form(self) -> None:
        """Before: 405 with an empty body."""
        from django.urls import reverse

        response = self.client.get(reverse("federation_inbox"))
        self.assertEqual(response.status_code, 405)
        self.assertEqual(response["Allow"], "POST")
        self.assertEqual(response.json()["error"], "method")
