"""The outbox: delivery over real HTTP on loopback, retries with exponential backoff when the peer is
down (a closed port, not a mock), failure after a final refusal, retry by hand, revocation, and the
same path when the recipient is this installation itself."""

from __future__ import annotations

import json
from datetime import timedelta

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.network.federation.envelope import canonical
from kujdes.network.federation.models import InboxPackage, InboxVia, OutboxPackage, OutboxState, Peer
from kujdes.network.federation.services import (
    CONTENT_TYPE,
    FederationError,
    outbox_deliver,
    outbox_deliver_due,
    outbox_retry,
    package_send,
    packages_export,
    peer_revoke,
)
from kujdes.network.federation.tests.installations import PeerInbox, closed_port
from kujdes.network.federation.tests.peers import installation_here, remote_installation
from kujdes.network.tests.base import NetworkTestCase
from kujdes.network.tests.fixtures import network_fixtures

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


class OutboxTestCase(NetworkTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            network_fixtures(cls)
            installation_here(name="Installation AL")

    def setUp(self) -> None:
        super().setUp()
        self.scope = system_scope()
        self.scope.__enter__()
        self.addCleanup(self.scope.__exit__, None, None, None)

    def peer_at(self, url: str):  # noqa: ANN201 — a RemoteInstallation of peers.py
        remote = remote_installation(name="Installation UA", base_url=url, country="UA")
        remote.add(partners=["ua"])
        return remote

    def send(self, remote, type_: str = "release", payload: dict | None = None) -> OutboxPackage:  # noqa: ANN001
        with transaction.atomic():
            return package_send(
                type=type_, payload=payload or {"figures": [1, 2]}, peer=remote.peer, deliver=False
            )


class DeliveryTests(OutboxTestCase):
    @override_settings(TASKS=IMMEDIATE)
    def test_a_package_is_delivered_to_a_live_peer_after_the_commit(self) -> None:
        with PeerInbox(202) as inbox:
            remote = self.peer_at(inbox.url)
            with self.captureOnCommitCallbacks(execute=True):
                with transaction.atomic():
                    package = package_send(type="release", payload={"figures": [1, 2]}, peer=remote.peer)
                # Nothing leaves before the commit.
                self.assertEqual(inbox.posted, [])
        package.refresh_from_db()
        self.assertEqual(
            (package.state, package.attempts, package.last_error), (OutboxState.DELIVERED, 1, "")
        )
        self.assertIsNotNone(package.delivered_at)
        [posted] = inbox.posted
        self.assertEqual((posted.path, posted.content_type), ("/federation/inbox", CONTENT_TYPE))
        self.assertEqual(posted.body, bytes(package.envelope))
        self.assertEqual(remote.open(posted.body), {"figures": [1, 2]})
        self.assertIsNotNone(Peer.objects.get(pk=remote.peer.pk).last_contact_at)
        self.assertTrue(
            AuditEvent.objects.filter(
                action="federation.package.delivered", details__package=str(package.package_id)
            ).exists()
        )

    def test_a_peer_that_is_down_is_retried_with_exponential_backoff(self) -> None:
        remote = self.peer_at(f"http://127.0.0.1:{closed_port()}")
        package = self.send(remote)
        waits = []
        for attempt in (1, 2, 3):
            before = timezone.now()
            self.assertEqual(outbox_deliver_due(now=package.next_attempt_at), 1)
            package.refresh_from_db()
            self.assertEqual((package.state, package.attempts), (OutboxState.QUEUED, attempt))
            self.assertTrue(package.last_error.startswith("unreachable"), package.last_error)
            waits.append(round((package.next_attempt_at - before).total_seconds()))
            # Not due again before its time.
            self.assertEqual(outbox_deliver_due(now=package.next_attempt_at - timedelta(seconds=2)), 0)
        self.assertEqual(waits, [30, 60, 120])
        peer = Peer.objects.get(pk=remote.peer.pk)
        self.assertTrue(peer.last_failure.startswith("unreachable"))
        self.assertIsNone(peer.last_contact_at)
        # The peer comes back: the next due attempt delivers.
        with PeerInbox(202) as inbox:
            Peer.objects.filter(pk=peer.pk).update(base_url=inbox.url)
            self.assertEqual(outbox_deliver_due(now=package.next_attempt_at), 1)
        package.refresh_from_db()
        self.assertEqual(
            (package.state, package.attempts, package.last_error), (OutboxState.DELIVERED, 4, "")
        )
        self.assertEqual(len(inbox.posted), 1)

    def test_a_server_error_of_the_peer_is_retried(self) -> None:
        with PeerInbox(503, "unavailable") as inbox:
            remote = self.peer_at(inbox.url)
            package = outbox_deliver(package=self.send(remote))
        self.assertEqual((package.state, package.attempts), (OutboxState.QUEUED, 1))
        self.assertEqual(package.last_error, "503 unavailable: as the test told")

    @override_settings(FEDERATION_MAX_ATTEMPTS=3)
    def test_the_package_fails_after_the_last_attempt(self) -> None:
        remote = self.peer_at(f"http://127.0.0.1:{closed_port()}")
        package = self.send(remote)
        for _attempt in range(3):
            package = outbox_deliver(package=package)
        self.assertEqual((package.state, package.attempts), (OutboxState.FAILED, 3))
        self.assertIsNone(package.next_attempt_at)
        self.assertEqual(outbox_deliver_due(now=timezone.now() + timedelta(days=1)), 0)

    def test_a_final_refusal_fails_the_package_at_once(self) -> None:
        for status, error in (
            (400, "malformed"),
            (401, "bad_signature"),
            (409, "conflict"),
            (413, "too_large"),
            (422, "wrong_recipient"),
        ):
            with self.subTest(status=status), PeerInbox(status, error) as inbox:
                remote = self.peer_at(inbox.url)
                package = outbox_deliver(package=self.send(remote))
                self.assertEqual((package.state, package.attempts), (OutboxState.FAILED, 1))
                self.assertEqual(package.last_error, f"{status} {error}: as the test told")
                self.assertTrue(
                    AuditEvent.objects.filter(
                        action="federation.package.failed", details__package=str(package.package_id)
                    ).exists()
                )

    @override_settings(TASKS=IMMEDIATE)
    def test_outbox_retry_puts_a_failed_package_back_in_the_queue(self) -> None:
        with PeerInbox(422, "wrong_recipient") as inbox:
            remote = self.peer_at(inbox.url)
            package = outbox_deliver(package=self.send(remote))
            self.assertEqual(package.state, OutboxState.FAILED)
            inbox.status = 202
            with self.captureOnCommitCallbacks(execute=True):
                outbox_retry(actor=self.admin, package=package)
        package.refresh_from_db()
        self.assertEqual((package.state, package.attempts), (OutboxState.DELIVERED, 1))
        self.assertEqual(len(inbox.posted), 2)
        self.assertTrue(
            AuditEvent.objects.filter(action="federation.package.retried", actor=self.admin).exists()
        )
        # Only a failed package is retried.
        self.assertEqual(outbox_retry(actor=self.admin, package=package).state, OutboxState.DELIVERED)

    def test_revoking_a_peer_cancels_its_queued_packages_and_nothing_more_is_sent(self) -> None:
        with PeerInbox(202) as inbox:
            remote = self.peer_at(inbox.url)
            delivered = outbox_deliver(package=self.send(remote))
            queued = [self.send(remote), self.send(remote)]
            with transaction.atomic():
                peer_revoke(actor=self.admin, peer=remote.peer)
            for package in queued:
                package.refresh_from_db()
                self.assertEqual((package.state, package.last_error), (OutboxState.CANCELLED, "peer revoked"))
            delivered.refresh_from_db()
            self.assertEqual(delivered.state, OutboxState.DELIVERED)
            self.assertEqual(outbox_deliver_due(now=timezone.now() + timedelta(days=1)), 0)
            with self.assertRaises(FederationError), transaction.atomic():
                package_send(type="release", payload={}, peer=Peer.objects.get(pk=remote.peer.pk))
            # A package that had failed before is cancelled, not sent, when retried.
            failed = queued[0]
            OutboxPackage.objects.filter(pk=failed.pk).update(state=OutboxState.FAILED)
            failed.refresh_from_db()
            outbox_retry(actor=self.admin, package=failed)
            self.assertEqual(outbox_deliver(package=failed).state, OutboxState.CANCELLED)
        self.assertEqual(len(inbox.posted), 1)

    def test_a_pong_marks_the_ping_acknowledged(self) -> None:
        with PeerInbox(202) as inbox:
            remote = self.peer_at(inbox.url)
            ping = outbox_deliver(package=self.send(remote, "ping", {"sent_at": timezone.now().isoformat()}))
        self.assertEqual(ping.state, OutboxState.DELIVERED)
        result = remote.send(type="pong", payload={"in_reply_to": str(ping.package_id)})
        self.assertEqual(result.status, 202)
        ping.refresh_from_db()
        self.assertEqual(ping.state, OutboxState.ACKNOWLEDGED)
        self.assertIsNotNone(ping.acknowledged_at)

    def test_an_export_writes_the_waiting_packages_and_leaves_them_queued(self) -> None:
        remote = self.peer_at(f"http://127.0.0.1:{closed_port()}")
        packages = [self.send(remote), self.send(remote, "ping", {"sent_at": "now"})]
        data, count = packages_export(actor=self.admin, peer=remote.peer)
        self.assertEqual(count, 2)
        document = json.loads(data)
        self.assertEqual(document["format"], "kujdes-packages/1")
        opened = [remote.open(canonical(p)) for p in document["packages"]]
        self.assertEqual(opened, [{"figures": [1, 2]}, {"sent_at": "now"}])
        for package in packages:
            package.refresh_from_db()
            self.assertEqual(package.state, OutboxState.QUEUED)
            self.assertIsNotNone(package.exported_at)


class ThisInstallationTests(OutboxTestCase):
    @override_settings(TASKS=IMMEDIATE)
    def test_a_ping_to_this_installation_goes_through_the_same_inbox_and_is_answered(self) -> None:
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            ping = package_send(type="ping", payload={"sent_at": timezone.now().isoformat()}, peer=None)
        ping.refresh_from_db()
        self.assertEqual(ping.state, OutboxState.ACKNOWLEDGED)
        received = InboxPackage.objects.get(package_id=ping.package_id)
        self.assertEqual((received.via, received.peer), (InboxVia.LOCAL, None))
        pong = OutboxPackage.objects.get(type="pong")
        self.assertEqual((pong.peer, pong.state), (None, OutboxState.DELIVERED))
        self.assertTrue(InboxPackage.objects.filter(package_id=pong.package_id, via=InboxVia.LOCAL).exists())

    def test_a_local_package_delivered_twice_is_processed_once(self) -> None:
        with transaction.atomic():
            ping = package_send(type="ping", payload={"sent_at": "now"}, peer=None, deliver=False)
        self.assertEqual(outbox_deliver(package=ping).state, OutboxState.DELIVERED)
        OutboxPackage.objects.filter(pk=ping.pk).update(state=OutboxState.QUEUED)
        ping.refresh_from_db()
        self.assertEqual(outbox_deliver(package=ping).state, OutboxState.DELIVERED)
        self.assertEqual(OutboxPackage.objects.filter(type="pong").count(), 1)
