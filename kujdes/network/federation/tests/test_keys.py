"""Key rotation: this installation's (`keys_rotate` announces the new key to every peer, signed by the
old one) and a peer's (applied on arrival; the old key verifies until the end of its grace period,
and not after)."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from kujdes.core.crypto import installation_keys, installation_keys_retire_expired
from kujdes.core.keystore import InstallationKey
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.network.federation import envelope as env
from kujdes.network.federation.models import OutboxPackage, Peer, PeerKey
from kujdes.network.federation.services import (
    card_read,
    inbox_receive,
    installation_card,
    keys_rotate,
    package_send,
    peer_revoke,
)
from kujdes.network.federation.tests.installations import handler_replaced
from kujdes.network.federation.tests.peers import RemoteKey, installation_here, remote_installation
from kujdes.network.tests.base import NetworkTestCase
from kujdes.network.tests.fixtures import network_fixtures


class KeysTestCase(NetworkTestCase):
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
        self.remote = remote_installation(name="Installation UA", country="UA")
        self.remote.add(partners=["ua"])


class OurRotationTests(KeysTestCase):
    def test_keys_rotate_announces_the_new_key_to_every_active_peer_signed_by_the_old_one(self) -> None:
        other = remote_installation(name="Installation RO")
        other.add()
        revoked = remote_installation(name="Installation XK")
        revoked.add()
        peer_revoke(actor=None, peer=revoked.peer)
        old = installation_keys()[0]
        old_fingerprint = installation_card()["fingerprint"]
        with self.captureOnCommitCallbacks(execute=False):
            new = keys_rotate(actor=self.admin)
        self.assertNotEqual(new.key_id, old.key_id)
        self.assertEqual(installation_keys()[0].key_id, new.key_id)
        grace_end = InstallationKey.objects.get(pk=old.pk).usable_until
        self.assertAlmostEqual(
            (grace_end - timezone.now()).total_seconds(), timedelta(days=7).total_seconds(), delta=60
        )
        for remote in (self.remote, other):
            [announcement] = remote.outbox(type="key-rotation")
            envelope, header = env.parse(bytes(announcement.envelope))
            self.assertEqual(header.signing_key, old.key_id)
            payload = remote.open(announcement)  # verified with the old key's public half
            self.assertEqual(payload["key"]["key_id"], new.key_id)
            self.assertEqual(env.unb64(payload["key"]["signing_public_key"]), bytes(new.signing_public))
            self.assertEqual(env.unb64(payload["key"]["encryption_public_key"]), bytes(new.encryption_public))
            self.assertEqual(payload["retired_key_id"], old.key_id)
            self.assertEqual(
                datetime.fromisoformat(payload["retired_valid_until"]), grace_end.replace(microsecond=0)
            )
        self.assertEqual(OutboxPackage.objects.filter(peer=revoked.peer).count(), 0)
        self.assertTrue(
            AuditEvent.objects.filter(action="federation.keys.rotated", details__key_id=new.key_id).exists()
        )
        # The card now leads with the new key; the old one is listed until its grace end.
        card = card_read(installation_card())
        self.assertNotEqual(card.fingerprint, old_fingerprint)
        self.assertEqual([k.key_id for k in card.keys], [new.key_id, old.key_id])
        self.assertIsNotNone(card.keys[1].valid_until)
        # What is sent from now on is signed by the new key.
        with transaction.atomic():
            package = package_send(type="release", payload={}, peer=self.remote.peer, deliver=False)
        self.assertEqual(env.parse(bytes(package.envelope))[1].signing_key, new.key_id)

    def test_a_package_sealed_to_the_old_key_still_opens_during_the_grace_period(self) -> None:
        in_flight = self.remote.package(type="referral", payload={"note": "on the way"})
        keys_rotate(actor=None)
        seen = []
        with handler_replaced("referral", seen.append):
            self.assertEqual(inbox_receive(body=in_flight, via="https").status, 202)
        self.assertEqual(seen[0].payload, {"note": "on the way"})

    @override_settings(FEDERATION_KEY_GRACE_DAYS=0)
    def test_once_the_grace_period_is_over_the_old_key_signs_and_opens_nothing(self) -> None:
        with transaction.atomic():
            signed_by_old = package_send(type="ping", payload={}, peer=None, deliver=False)
        sealed_to_old = self.remote.package(type="referral", payload={"note": "late"})
        keys_rotate(actor=None)
        # Its own package, signed by the retired key, is refused like a peer's would be.
        result = inbox_receive(body=bytes(signed_by_old.envelope), via="local")
        self.assertEqual((result.status, result.error), (401, "unknown_key"))
        self.assertEqual(installation_keys_retire_expired(), 1)
        with handler_replaced("referral", lambda received: None):
            result = inbox_receive(body=sealed_to_old, via="https")
        self.assertEqual((result.status, result.error), (422, "undecryptable"))


class PeerRotationTests(KeysTestCase):
    def rotation(self, *, grace_seconds: float) -> tuple[RemoteKey, RemoteKey, bytes]:
        """The remote's new key and the announcement, signed by the old key, with a short grace."""
        old, new = self.remote.key, RemoteKey.generate()
        self.remote.keys.insert(0, new)
        payload = {
            "key": {
                "key_id": new.key_id,
                "signing_public_key": env.b64(new.signing_public),
                "encryption_public_key": env.b64(new.encryption_public),
                "created_at": env.timestamp(timezone.now()),
                "valid_until": None,
            },
            "retired_key_id": old.key_id,
            "retired_valid_until": (timezone.now() + timedelta(seconds=grace_seconds)).isoformat(),
        }
        return old, new, self.remote.package(type="key-rotation", payload=payload, key=old)

    def ping(self, key: RemoteKey) -> int:
        return self.remote.send(type="ping", payload={"sent_at": "now"}, key=key).status

    def test_a_peer_rotation_is_applied_and_the_old_key_verifies_until_the_grace_end_only(self) -> None:
        old_fingerprint = self.remote.peer.fingerprint
        old, new, announcement = self.rotation(grace_seconds=2.5)
        self.assertEqual(inbox_receive(body=announcement, via="https").status, 202)
        peer = Peer.objects.get(pk=self.remote.peer.pk)
        self.assertNotEqual(peer.fingerprint, old_fingerprint)
        self.assertEqual(peer.fingerprint, self.remote.card()["fingerprint"])
        self.assertIsNone(PeerKey.objects.get(peer=peer, key_id=new.key_id).valid_until)
        grace_end = PeerKey.objects.get(peer=peer, key_id=old.key_id).valid_until
        self.assertIsNotNone(grace_end)
        # Within the grace period both keys verify.
        self.assertEqual(self.ping(new), 202)
        self.assertEqual(self.ping(old), 202)
        # What this installation seals for the peer now goes to its new key.
        with transaction.atomic():
            package = package_send(type="referral", payload={"note": "x"}, peer=peer, deliver=False)
        self.assertEqual(json.loads(bytes(package.envelope))["sealed"]["key"], new.key_id)
        self.assertEqual(self.remote.open(package), {"note": "x"})
        # After it, a package signed by the rotated-out key is refused.
        time.sleep(max(0.0, (grace_end - timezone.now()).total_seconds()) + 0.05)
        result = self.remote.send(type="ping", payload={"sent_at": "now"}, key=old)
        self.assertEqual((result.status, result.error), (401, "unknown_key"))
        self.assertEqual(self.ping(new), 202)

    def test_a_rotation_signed_only_by_the_new_key_is_refused(self) -> None:
        _old, new, _announcement = self.rotation(grace_seconds=60)
        forged = self.remote.package(type="key-rotation", payload={"key": {}}, key=new)
        result = inbox_receive(body=forged, via="https")
        self.assertEqual((result.status, result.error), (401, "unknown_key"))
        self.assertFalse(PeerKey.objects.filter(key_id=new.key_id).exists())
