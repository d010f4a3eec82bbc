"""`kujdes federation …` as an operator types it (through call_command): init, card, peer add|revoke,
peers, export, import, ping, deliver, rotate, health."""

from __future__ import annotations

import io
import json
import re
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from kujdes.core.crypto import installation_keys
from kujdes.core.scoping import system_scope
from kujdes.network.federation.envelope import canonical
from kujdes.network.federation.models import (
    InboxPackage,
    Installation,
    OutboxPackage,
    OutboxState,
    Peer,
    PeerStatus,
)
from kujdes.network.federation.services import package_send
from kujdes.network.federation.tests.installations import closed_port
from kujdes.network.federation.tests.peers import installation_here, remote_installation
from kujdes.network.models import Partner
from kujdes.network.tests.base import NetworkTestCase
from kujdes.network.tests.fixtures import network_fixtures

FINGERPRINT = r"[0-9A-F]{4}( [0-9A-F]{4}){7}"


def federation(*args: str, stdin: str | None = None) -> str:
    """Run `kujdes federation ARGS…` and return what it printed."""
    out = io.StringIO()
    if stdin is None:
        call_command("federation", *args, stdout=out)
        return out.getvalue()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command("federation", *args, stdout=out)
    finally:
        sys.stdin = saved
    return out.getvalue()


class CommandTestCase(NetworkTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            network_fixtures(cls)

    def setUp(self) -> None:
        super().setUp()
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.folder = Path(folder.name)

    def write(self, name: str, content: Any) -> str:
        path = self.folder / name
        path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
        return str(path)


class InitAndCardTests(CommandTestCase):
    def test_init_creates_the_identity_once_and_if_missing_makes_it_idempotent(self) -> None:
        printed = federation(
            "init", "--name", "Kujdes Albania", "--url", "https://kujdes.example.al/", "--country", "al",
            "--operator", "al", "--coordinator",
        )  # fmt: skip
        installation = Installation.objects.get()
        self.assertIn(str(installation.installation_id), printed)
        self.assertRegex(printed, "Fingerprint: " + FINGERPRINT)
        self.assertEqual(
            (
                installation.base_url,
                installation.country,
                installation.operator,
                installation.hosts_coordinator,
            ),
            ("https://kujdes.example.al", "AL", self.org, True),
        )
        self.assertEqual(len(installation_keys()), 1)
        with self.assertRaisesMessage(CommandError, "already has a federation identity"):
            federation("init", "--name", "Again", "--url", "https://again.example.invalid")
        again = federation(
            "init", "--name", "Again", "--url", "https://again.example.invalid", "--if-missing"
        )
        self.assertIn(str(installation.installation_id), again)
        self.assertEqual(Installation.objects.get().name, "Kujdes Albania")
        self.assertEqual(len(installation_keys()), 1)

    def test_init_refuses_an_unknown_operator(self) -> None:
        with self.assertRaisesMessage(CommandError, "No organisation 'zz'"):
            federation("init", "--name", "X", "--url", "https://x.example.invalid", "--operator", "zz")
        self.assertFalse(Installation.objects.exists())

    def test_the_card_is_json_with_a_fingerprint_of_eight_groups_of_four_hex_digits(self) -> None:
        with self.assertRaisesMessage(CommandError, "no federation identity"):
            federation("card")
        with system_scope():
            installation = installation_here(name="Kujdes Albania")
        card = json.loads(federation("card"))
        self.assertRegex(card["fingerprint"], "^" + FINGERPRINT + "$")
        self.assertEqual(card["installation_id"], str(installation.installation_id))
        self.assertEqual((card["name"], card["format"]), ("Kujdes Albania", "kujdes-card/1"))
        self.assertEqual([org["code"] for org in card["organisations"]], ["al", "fr"])
        [key] = card["keys"]
        self.assertEqual(
            set(key), {"key_id", "signing_public_key", "encryption_public_key", "created_at", "valid_until"}
        )
        self.assertIn("signature", card)
        # The same card is served without authentication.
        response = self.client.get("/federation/card")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), card)


class PeerTests(CommandTestCase):
    def setUp(self) -> None:
        super().setUp()
        with system_scope():
            installation_here(name="Kujdes Albania")
        self.remote = remote_installation(
            name="Kujdes Ukraine", base_url="https://kujdes.example.ua", country="UA"
        )
        self.card = self.write("ua.json", self.remote.card())

    def test_peer_add_is_refused_without_yes_when_no_one_can_confirm_the_fingerprint(self) -> None:
        # The test's standard input is not a terminal; nor is a card read from standard input.
        for target, stdin in ((self.card, None), ("-", json.dumps(self.remote.card()))):
            with (
                self.subTest(target=target),
                self.assertRaisesMessage(CommandError, "Compare the fingerprint"),
            ):
                federation("peer", "add", target, "--partner", "ua", stdin=stdin)
        self.assertFalse(Peer.objects.exists())
        self.assertIsNone(Partner.objects.get(code="ua").installation_id)

    def test_peer_add_with_yes_links_the_partner_and_shows_the_fingerprint(self) -> None:
        printed = federation("peer", "add", self.card, "--partner", "UA", "--yes")
        self.assertIn(f"Fingerprint: {self.remote.card()['fingerprint']}", printed)
        peer = Peer.objects.get()
        self.assertEqual(
            (peer.installation_id, peer.name, peer.country),
            (self.remote.installation_id, "Kujdes Ukraine", "UA"),
        )
        self.assertEqual(Partner.objects.get(code="ua").installation_id, self.remote.installation_id)
        # From standard input too.
        federation("peer", "add", "-", "--partner", "ua", "--yes", stdin=json.dumps(self.remote.card()))
        self.assertEqual(Peer.objects.count(), 1)

    def test_peer_add_refuses_a_damaged_card_or_a_local_partner(self) -> None:
        altered = dict(self.remote.card(), name="Someone else")
        forged_fingerprint = dict(self.remote.card(), fingerprint="0000 0000 0000 0000 0000 0000 0000 0000")
        cases = {
            "not JSON": (self.write("x.json", b"{not json"), "not JSON"),
            "altered": (self.write("a.json", altered), "signature does not verify"),
            "fingerprint": (self.write("f.json", forged_fingerprint), "fingerprint does not match"),
            "not a card": (self.write("n.json", {"hello": 1}), "not a Kujdes installation card"),
        }
        for name, (path, message) in cases.items():
            with self.subTest(name), self.assertRaisesMessage(CommandError, message):
                federation("peer", "add", path, "--yes")
        with self.assertRaisesMessage(CommandError, "organisation of this installation"):
            federation("peer", "add", self.card, "--partner", "al", "--yes")
        with self.assertRaisesMessage(CommandError, "No partner with the code zz"):
            federation("peer", "add", self.card, "--partner", "zz", "--yes")
        self.assertFalse(Peer.objects.exists())

    def test_peers_lists_last_contact_and_pending_packages_and_revoke_stops_them(self) -> None:
        self.assertIn("No peers.", federation("peers"))
        with system_scope():
            peer = self.remote.add(partners=["ua"])
            with transaction.atomic():
                package_send(type="release", payload={}, peer=peer, deliver=False)
        line = federation("peers")
        self.assertIn(str(self.remote.installation_id), line)
        self.assertIn("last contact never", line)
        self.assertRegex(line, r"pending 1 +failed 0")
        printed = federation("peer", "revoke", str(self.remote.installation_id))
        self.assertIn("Revoked Kujdes Ukraine", printed)
        self.assertEqual(Peer.objects.get().status, PeerStatus.REVOKED)
        self.assertEqual(OutboxPackage.objects.get().state, OutboxState.CANCELLED)
        self.assertRegex(federation("peers"), r"pending 0 .*REVOKED")
        with self.assertRaisesMessage(CommandError, "No peer 'nobody'"):
            federation("peer", "revoke", "nobody")


class PackageTests(CommandTestCase):
    def setUp(self) -> None:
        super().setUp()
        with system_scope():
            installation_here(name="Kujdes Albania")
            self.remote = remote_installation(
                name="Kujdes Ukraine", base_url=f"http://127.0.0.1:{closed_port()}", country="UA"
            )
            self.remote.add(partners=["ua"])

    def test_export_writes_the_waiting_packages_that_the_peer_can_open(self) -> None:
        with system_scope(), transaction.atomic():
            package_send(type="release", payload={"figures": [3]}, peer=self.remote.peer, deliver=False)
        out = self.folder / "for-ua.kpkg"
        printed = federation("export", "--peer", str(self.remote.peer.public_id), "--out", str(out))
        self.assertIn(f"1 package(s) for Kujdes Ukraine written to {out}", printed)
        [package] = json.loads(out.read_bytes())["packages"]
        self.assertEqual(self.remote.open(canonical(package)), {"figures": [3]})

    def test_ping_out_writes_the_ping_to_a_file_instead_of_sending_it(self) -> None:
        out = self.folder / "ping.kpkg"
        printed = federation("ping", "Kujdes Ukraine", "--out", str(out))
        ping = OutboxPackage.objects.get(type="ping")
        self.assertIn(f"Ping {ping.package_id} written to {out}", printed)
        self.assertEqual((ping.state, ping.attempts), (OutboxState.QUEUED, 0))
        [package] = json.loads(out.read_bytes())["packages"]
        self.assertIn("sent_at", self.remote.open(canonical(package)))

    def test_ping_to_a_peer_that_is_down_says_so(self) -> None:
        with self.assertRaisesMessage(CommandError, "The ping was not delivered: unreachable"):
            federation("ping", str(self.remote.installation_id), "--timeout", "1")

    def test_import_applies_a_file_and_answers_each_package_like_the_inbox(self) -> None:
        packages = [
            json.loads(self.remote.package(type="ping", payload={"sent_at": "then"})) for _ in range(2)
        ]
        path = self.write("from-ua.kpkg", canonical({"format": "kujdes-packages/1", "packages": packages}))
        printed = federation("import", path)
        for package in packages:
            self.assertIn(f"202 {package['package_id']} ping accepted", printed)
        self.assertEqual(InboxPackage.objects.filter(via="file").count(), 2)
        # The same file again: already received, processed once.
        printed = federation("import", path)
        self.assertEqual(printed.count("already received"), 2)
        self.assertEqual(OutboxPackage.objects.filter(type="pong").count(), 2)
        # A truncated file is refused as a whole.
        data = Path(path).read_bytes()
        truncated = self.write("cut.kpkg", data[: len(data) - 40])
        out = io.StringIO()
        with self.assertRaisesMessage(CommandError, "1 of 1 package(s) refused"):
            call_command("federation", "import", truncated, stdout=out)
        self.assertIn("400 - malformed", out.getvalue())
        with self.assertRaisesMessage(CommandError, "Cannot read"):
            federation("import", str(self.folder / "missing.kpkg"))

    def test_deliver_tries_the_due_packages(self) -> None:
        with system_scope(), transaction.atomic():
            package_send(type="release", payload={}, peer=self.remote.peer, deliver=False)
        self.assertIn("1 package(s) tried.", federation("deliver"))
        package = OutboxPackage.objects.get()
        self.assertEqual((package.state, package.attempts), (OutboxState.QUEUED, 1))
        # Not due again before its backoff.
        self.assertIn("0 package(s) tried.", federation("deliver"))

    def test_rotate_makes_new_keys_and_announces_them(self) -> None:
        before = installation_keys()[0].key_id
        printed = federation("rotate")
        after = installation_keys()[0].key_id
        self.assertNotEqual(before, after)
        self.assertIn(f"New key {after}", printed)
        self.assertRegex(printed, "Fingerprint: " + FINGERPRINT)
        self.assertEqual(OutboxPackage.objects.filter(type="key-rotation", peer=self.remote.peer).count(), 1)

    def test_health_reports_unreachable_peers_and_failed_packages(self) -> None:
        self.assertIn("every peer reachable", federation("health"))
        Peer.objects.filter(pk=self.remote.peer.pk).update(
            last_contact_at=timezone.now() - timedelta(hours=25)
        )
        with system_scope(), transaction.atomic():
            package = package_send(type="release", payload={}, peer=self.remote.peer, deliver=False)
        OutboxPackage.objects.filter(pk=package.pk).update(state=OutboxState.FAILED)
        out = io.StringIO()
        with self.assertRaisesMessage(CommandError, "2 federation problem(s)"):
            call_command("federation", "health", stdout=out)
        self.assertIn("Kujdes Ukraine has not been reached for more than 24 hours.", out.getvalue())
        self.assertIn("1 package(s) for Kujdes Ukraine failed.", out.getvalue())
        self.assertTrue(re.search(r"UNREACHABLE", federation("peers")))
