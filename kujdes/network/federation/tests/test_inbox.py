"""The inbox's answers, each refusal a test, through both doors: `inbox_receive` (what files and this
installation itself use) and `POST /federation/inbox` (what peers use).

A remote installation is played by the test with real keys (`peers.py`); nothing is mocked. Every
refusal answers `{"error": code, "detail": text}`, leaves an `InboxRefusal` row and an audit event,
and applies nothing.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from django.test import override_settings
from django.utils import timezone

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.network.federation import envelope as env
from kujdes.network.federation.handlers import PackageRejected, Received
from kujdes.network.federation.models import (
    InboxPackage,
    InboxRefusal,
    InboxVia,
    OutboxPackage,
    Peer,
)
from kujdes.network.federation.services import (
    CONTENT_TYPE,
    inbox_payload_open,
    inbox_receive,
    packages_import,
    peer_revoke,
)
from kujdes.network.federation.tests.installations import handler_replaced
from kujdes.network.federation.tests.peers import installation_here, remote_installation
from kujdes.network.tests.base import NetworkTestCase
from kujdes.network.tests.fixtures import network_fixtures

INBOX = "/federation/inbox"
DOORS = ("service", "http")


class InboxTestCase(NetworkTestCase):
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

    def deliver(self, body: bytes, door: str, **headers: Any) -> tuple[int, dict[str, Any]]:
        """Hand the bytes to the inbox through one door; the status and the JSON answer."""
        if door == "service":
            result = inbox_receive(body=body, via=InboxVia.HTTPS)
            return result.status, result.as_json()
        response = self.client.post(INBOX, data=body, content_type=CONTENT_TYPE, **headers)
        self.assertEqual(response["Content-Type"], "application/json")
        return response.status_code, response.json()

    def assert_refused(self, body: bytes, *, door: str, status: int, error: str) -> dict[str, Any]:
        """Refused with this status and code, recorded (row and audit event), nothing applied."""
        refusals = InboxRefusal.objects.count()
        events = AuditEvent.objects.filter(action="federation.package.refused").count()
        packages = InboxPackage.objects.count()
        outbox = OutboxPackage.objects.count()
        answered, answer = self.deliver(body, door)
        self.assertEqual((answered, answer.get("error")), (status, error), answer)
        self.assert_error_body(answer)
        self.assertEqual(InboxRefusal.objects.count(), refusals + 1)
        refusal = InboxRefusal.objects.order_by("-pk").first()
        self.assertEqual((refusal.status, refusal.error), (status, error))
        event = AuditEvent.objects.filter(action="federation.package.refused").order_by("-pk").first()
        self.assertEqual(AuditEvent.objects.filter(action="federation.package.refused").count(), events + 1)
        self.assertEqual((event.details["status"], event.details["error"]), (status, error))
        self.assertEqual(InboxPackage.objects.count(), packages)
        self.assertEqual(OutboxPackage.objects.count(), outbox)
        return answer

    def assert_http_refused(self, *, status: int, error: str, **request: Any) -> None:
        """A request the HTTP door refuses before reading a package: answered and recorded alike."""
        refusals = InboxRefusal.objects.count()
        events = AuditEvent.objects.filter(action="federation.package.refused").count()
        response = self.client.generic("POST", INBOX, **request)
        self.assertEqual((response.status_code, response.json().get("error")), (status, error))
        self.assert_error_body(response.json())
        self.assertEqual(InboxRefusal.objects.count(), refusals + 1)
        refusal = InboxRefusal.objects.order_by("-pk").first()
        self.assertEqual((refusal.status, refusal.error, refusal.via), (status, error, InboxVia.HTTPS))
        self.assertEqual(AuditEvent.objects.filter(action="federation.package.refused").count(), events + 1)
        self.assertFalse(InboxPackage.objects.exists())

    def assert_error_body(self, answer: dict[str, Any]) -> None:
        self.assertEqual(set(answer), {"error", "detail"})
        self.assertIsInstance(answer["error"], str)
        self.assertTrue(answer["detail"] and isinstance(answer["detail"], str))

    def ping(self, **options: Any) -> bytes:
        return self.remote.package(type="ping", payload={"sent_at": timezone.now().isoformat()}, **options)

    def pongs_for(self, body: bytes) -> int:
        package_id = json.loads(body)["package_id"]
        return sum(
            1 for p in self.remote.outbox(type="pong") if self.remote.open(p)["in_reply_to"] == package_id
        )


class AcceptedTests(InboxTestCase):
    def test_a_new_package_is_accepted_with_202_and_applied_once(self) -> None:
        for door in DOORS:
            with self.subTest(door=door):
                body = self.ping()
                status, answer = self.deliver(body, door)
                self.assertEqual(status, 202)
                self.assertEqual(answer, {"status": "accepted", "package_id": json.loads(body)["package_id"]})
                row = InboxPackage.objects.get(package_id=answer["package_id"])
                self.assertEqual((row.type, row.peer, row.via), ("ping", self.remote.peer, InboxVia.HTTPS))
                self.assertEqual(bytes(row.envelope), body)
                # The ping's handler answered with a pong to the sender.
                self.assertEqual(self.pongs_for(body), 1)
                self.assertTrue(
                    AuditEvent.objects.filter(
                        action="federation.package.received", details__package=answer["package_id"]
                    ).exists()
                )
        self.assertIsNotNone(Peer.objects.get(pk=self.remote.peer.pk).last_contact_at)

    def test_the_same_package_again_is_answered_200_and_processed_once(self) -> None:
        for first, second in (("service", "service"), ("http", "http"), ("service", "http")):
            with self.subTest(first=first, second=second):
                body = self.ping()
                self.assertEqual(self.deliver(body, first)[0], 202)
                status, answer = self.deliver(body, second)
                self.assertEqual(status, 200)
                self.assertEqual(
                    answer, {"status": "already received", "package_id": json.loads(body)["package_id"]}
                )
                self.assertEqual(InboxPackage.objects.filter(package_id=answer["package_id"]).count(), 1)
                self.assertEqual(self.pongs_for(body), 1)

    def test_a_sealed_payload_reaches_the_handler_opened_and_stays_sealed_at_rest(self) -> None:
        payload = {"note": "Qëndresë Ψ-7 «ξ»", "services": ["shelter"], "count": 3}
        seen: list[Received] = []
        with handler_replaced("referral", seen.append):
            for door in DOORS:
                with self.subTest(door=door):
                    body = self.remote.package(type="referral", payload=payload)
                    self.assertIn(b'"sealed"', body)
                    self.assertEqual(self.deliver(body, door)[0], 202)
                    received = seen[-1]
                    self.assertEqual(received.payload, payload)
                    self.assertEqual(received.peer, self.remote.peer)
                    row = InboxPackage.objects.get(package_id=received.package_id)
                    stored = bytes(row.envelope)
                    for text in ("Qëndresë", "Ψ-7", "shelter"):
                        self.assertNotIn(text.encode(), stored)
                        self.assertNotIn(json.dumps(text)[1:-1].encode(), stored)
                    self.assertEqual(inbox_payload_open(package_id=received.package_id), payload)
        self.assertEqual(len(seen), 2)

    def test_a_file_may_be_days_old(self) -> None:
        body = self.ping(created_at=timezone.now() - timedelta(days=3))
        self.assertEqual(inbox_receive(body=body, via=InboxVia.FILE).status, 202)


class RefusalTests(InboxTestCase):
    def test_the_same_id_with_other_content_is_refused_409(self) -> None:
        for door in DOORS:
            with self.subTest(door=door):
                package_id = uuid.uuid4()
                self.assertEqual(self.deliver(self.ping(package_id=package_id), door)[0], 202)
                other = self.remote.package(type="ping", payload={"sent_at": "other"}, package_id=package_id)
                self.assert_refused(other, door=door, status=409, error="conflict")
                self.assertEqual(self.pongs_for(other), 1)

    def test_a_tampered_payload_is_refused_401(self) -> None:
        for door in DOORS:
            for type_ in ("ping", "referral"):
                with self.subTest(door=door, type=type_):
                    envelope = json.loads(self.remote.package(type=type_, payload={"sent_at": "1"}))
                    if "payload" in envelope:
                        envelope["payload"]["sent_at"] = "2"
                    else:
                        sealed = bytearray(env.unb64(envelope["sealed"]["ciphertext"]))
                        sealed[-1] ^= 1
                        envelope["sealed"]["ciphertext"] = env.b64(bytes(sealed))
                    self.assert_refused(env.canonical(envelope), door=door, status=401, error="bad_signature")

    def test_a_tampered_signature_is_refused_401(self) -> None:
        for door in DOORS:
            with self.subTest(door=door):
                envelope = json.loads(self.ping())
                signature = bytearray(env.unb64(envelope["signature"]))
                signature[10] ^= 0x40
                envelope["signature"] = env.b64(bytes(signature))
                self.assert_refused(env.canonical(envelope), door=door, status=401, error="bad_signature")
                # A valid signature of other bytes, by the right key, is no better.
                envelope["signature"] = env.b64(self.remote.key.signing.sign(b"something else"))
                self.assert_refused(env.canonical(envelope), door=door, status=401, error="bad_signature")

    def test_a_package_from_an_unknown_sender_is_refused_401(self) -> None:
        stranger = remote_installation(name="Nobody knows")
        for door in DOORS:
            with self.subTest(door=door):
                self.assert_refused(
                    stranger.package(type="ping", payload={}), door=door, status=401, error="unknown_sender"
                )
                refusal = InboxRefusal.objects.order_by("-pk").first()
                self.assertIsNone(refusal.peer)
                self.assertEqual(refusal.sender_installation_id, stranger.installation_id)

    def test_a_package_signed_by_a_key_the_peer_never_announced_is_refused_401(self) -> None:
        from kujdes.network.federation.tests.peers import RemoteKey

        for door in DOORS:
            with self.subTest(door=door):
                body = self.ping(key=RemoteKey.generate())
                self.assert_refused(body, door=door, status=401, error="unknown_key")

    def test_a_package_from_a_revoked_peer_is_refused_401(self) -> None:
        peer_revoke(actor=self.admin, peer=self.remote.peer)
        for door in DOORS:
            with self.subTest(door=door):
                self.assert_refused(self.ping(), door=door, status=401, error="revoked_sender")
                self.assertEqual(InboxRefusal.objects.order_by("-pk").first().peer, self.remote.peer)

    def test_a_package_for_another_installation_is_refused_422(self) -> None:
        for door in DOORS:
            with self.subTest(door=door):
                body = self.ping(recipient=uuid.uuid4())
                self.assert_refused(body, door=door, status=422, error="wrong_recipient")

    def test_a_package_outside_the_clock_window_is_refused_422(self) -> None:
        now = timezone.now()
        for door in DOORS:
            for moment in (now - timedelta(minutes=16), now + timedelta(minutes=16)):
                with self.subTest(door=door, moment=moment):
                    body = self.ping(created_at=moment)
                    self.assert_refused(body, door=door, status=422, error="clock_window")
        # Within the window (±15 minutes by default) a slow or fast clock is accepted.
        for moment in (now - timedelta(minutes=14), now + timedelta(minutes=14)):
            self.assertEqual(self.deliver(self.ping(created_at=moment), "http")[0], 202)

    def test_the_clock_window_is_configurable(self) -> None:
        with override_settings(FEDERATION_CLOCK_WINDOW=60):
            for door in DOORS:
                for moment in (
                    timezone.now() - timedelta(seconds=90),
                    timezone.now() + timedelta(seconds=90),
                ):
                    with self.subTest(door=door, moment=moment):
                        body = self.ping(created_at=moment)
                        self.assert_refused(body, door=door, status=422, error="clock_window")
        with override_settings(FEDERATION_CLOCK_WINDOW=3600):
            body = self.ping(created_at=timezone.now() - timedelta(minutes=50))
            self.assertEqual(self.deliver(body, "http")[0], 202)

    def test_a_file_from_the_future_or_older_than_its_window_is_refused_422(self) -> None:
        for moment in (timezone.now() + timedelta(minutes=16), timezone.now() - timedelta(days=31)):
            with self.subTest(moment=moment):
                result = inbox_receive(body=self.ping(created_at=moment), via=InboxVia.FILE)
                self.assertEqual((result.status, result.error), (422, "clock_window"))

    @override_settings(FEDERATION_MAX_PACKAGE_BYTES=4000)
    def test_a_package_over_the_size_limit_is_refused_413(self) -> None:
        body = self.remote.package(type="ping", payload={"padding": "x" * 5000})
        # By its actual bytes, whatever door it came by.
        self.assert_refused(body, door="service", status=413, error="too_large")
        # By its Content-Length, before the body is read.
        self.assert_http_refused(status=413, error="too_large", data=body, content_type=CONTENT_TYPE)
        # A package just under the limit is accepted.
        small = self.remote.package(type="ping", payload={"padding": "x" * 3000})
        self.assertLess(len(small), 4000)
        self.assertEqual(self.deliver(small, "http")[0], 202)
        self.assertFalse(InboxPackage.objects.filter(size__gt=4000).exists())

    @override_settings(FEDERATION_MAX_PACKAGE_BYTES=4000)
    def test_a_file_over_ten_times_the_package_limit_is_refused_413(self) -> None:
        results = packages_import(data=b"{" + b" " * 40_001 + b"}")
        self.assertEqual([(r.status, r.error) for r in results], [(413, "too_large")])

    def test_what_is_not_a_package_is_refused_400(self) -> None:
        envelope = json.loads(self.ping())
        bodies = {
            "not JSON": b"<html>",
            "not UTF-8": b"\xff\xfe{",
            "a list": b"[]",
            "another format": env.canonical(dict(envelope, format="kujdes-package/2")),
            "no signature": env.canonical({k: v for k, v in envelope.items() if k != "signature"}),
            "spaces (not canonical)": json.dumps(envelope).encode(),
            "a bad id": env.canonical(dict(envelope, package_id="nope")),
        }
        for door in DOORS:
            for name, body in bodies.items():
                with self.subTest(door=door, body=name):
                    self.assert_refused(body, door=door, status=400, error="malformed")

    def test_the_http_door_refuses_another_content_type_and_a_bad_length_with_400(self) -> None:
        self.assert_http_refused(
            status=400,
            error="content_type",
            data=b"package=x",
            content_type="application/x-www-form-urlencoded",
        )
        self.assert_http_refused(
            status=400, error="malformed", data=self.ping(), content_type=CONTENT_TYPE, CONTENT_LENGTH="12x"
        )

    def test_a_truncated_file_is_refused_400(self) -> None:
        data = env.canonical(
            {"format": "kujdes-packages/1", "packages": [json.loads(self.ping()), json.loads(self.ping())]}
        )
        refusals = InboxRefusal.objects.count()
        results = packages_import(data=data[: len(data) // 2])
        self.assertEqual([(r.status, r.error) for r in results], [(400, "malformed")])
        self.assertEqual(InboxRefusal.objects.count(), refusals + 1)
        self.assertFalse(InboxPackage.objects.exists())
        # The whole file is accepted, package by package.
        self.assertEqual([r.status for r in packages_import(data=data)], [202, 202])
        self.assertEqual(set(InboxPackage.objects.values_list("via", flat=True)), {InboxVia.FILE})

    def test_a_package_of_a_type_nobody_handles_is_refused_422(self) -> None:
        for door in DOORS:
            with self.subTest(door=door):
                body = self.remote.package(type="weather-report", payload={})
                self.assert_refused(body, door=door, status=422, error="unknown_type")

    def test_a_package_sealed_to_a_key_this_installation_does_not_hold_is_refused_422(self) -> None:
        envelope = json.loads(self.ping())
        del envelope["payload"], envelope["signature"]
        other = remote_installation()
        envelope["sealed"] = env.seal(
            header=envelope,
            payload={},
            recipient_key_id=other.key.key_id,
            recipient_public=other.key.encryption_public,
        )
        body = env.canonical(env.sign(envelope=envelope, key=self.remote.key.signing))
        self.assert_refused(body, door="http", status=422, error="undecryptable")

    def test_content_the_handler_refuses_is_422_and_rolled_back(self) -> None:
        def refuse(received: Received) -> None:
            OutboxPackage.objects.all().delete()  # undone with the rest
            raise PackageRejected("unknown_partner", "the sender does not host this partner")

        self.deliver(self.ping(), "service")
        with handler_replaced("ping", refuse):
            for door in DOORS:
                with self.subTest(door=door):
                    answer = self.assert_refused(self.ping(), door=door, status=422, error="unknown_partner")
                    self.assertEqual(answer["detail"], "the sender does not host this partner")
        self.assertEqual(OutboxPackage.objects.count(), 1)

    def test_a_handler_that_fails_on_bad_content_is_422_not_a_server_error(self) -> None:
        def read(received: Received) -> None:
            received.payload["required member"]

        with handler_replaced("ping", read):
            self.assert_refused(self.ping(), door="http", status=422, error="invalid_content")

    def test_a_package_with_any_one_byte_changed_is_never_accepted(self) -> None:
        """Every fourth position of a sealed package, and every position of its header, each changed
        once (the envelope's own test draws positions and values with hypothesis)."""
        body = self.remote.package(type="referral", payload={"note": "Ëë"})
        header_end = body.index(b'"sealed"')
        positions = sorted({*range(header_end), *range(0, len(body), 4), len(body) - 2})
        with handler_replaced("referral", lambda received: None):
            for position in positions:
                flipped = body[:position] + bytes([body[position] ^ 0x20]) + body[position + 1 :]
                result = inbox_receive(body=flipped, via=InboxVia.HTTPS)
                self.assertIn(result.status, (400, 401), (position, result))
            self.assertEqual(inbox_receive(body=body, via=InboxVia.HTTPS).status, 202)
