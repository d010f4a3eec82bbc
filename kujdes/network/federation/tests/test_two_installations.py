"""Two Kujdes installations on loopback, each with its own database, key store and master key.

Installation A is this test process, served by the live server: Caritas Albania's, where the network
coordinator works. Installation B is a subprocess in a temporary folder (`kujdes keys init`,
`kujdes migrate`, `kujdes runserver`): Caritas France's own, driven with `kujdes federation …` like
its operator would. Both addresses on the cards lead through a `WireTap`, a loopback proxy that keeps
every byte that crosses. B is started once for the module; A's database is emptied after each test,
so each test pairs a fresh A with B.

Select these tests with `-m two_installations`; the rest of the suite runs them too.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.network.federation.handlers import Received
from kujdes.network.federation.models import (
    InboxPackage,
    InboxRefusal,
    Installation,
    OutboxPackage,
    OutboxState,
    Peer,
)
from kujdes.network.federation.services import installation_init, package_send, packages_import, peer_revoke
from kujdes.network.federation.tests.installations import (
    SecondInstallation,
    WireTap,
    handler_replaced,
    http_json,
)
from kujdes.network.models import Partner

pytestmark = [
    pytest.mark.two_installations,
    pytest.mark.django_db(transaction=True, databases=["default", "keys"]),
]

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Installation B: Caritas France's own. Its partners list names Caritas Albania, hosted elsewhere.
B_SETUP = """
from kujdes.core.scoping import system_scope
from kujdes.core.services import network_get_or_create, organisation_create
from kujdes.network.models import Partner
with system_scope():
    network = network_get_or_create(name="Test network")
    org = organisation_create(
        network=network, code="fr", name="Caritas France (test)", country="FR", languages=["fr"],
        default_language="fr", root_unit_name="Bureau national",
    )
    Partner.objects.create(code="fr", name="Caritas France (test)", country="FR", organisation=org)
    Partner.objects.create(code="al", name="Caritas Albania (test)", country="AL")
"""


@pytest.fixture(scope="module")
def site_b(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecondInstallation]:
    site = SecondInstallation(tmp_path_factory.mktemp("installation-b"))
    try:
        site.prepare(setup=B_SETUP, name="Installation B (France)", country="FR", operator="fr")
        site.serve()
        yield site
    finally:
        site.stop()


@dataclass
class Pair:
    a_url: str  # the live server, directly
    tap_a: WireTap  # what B is told A's address is
    b: SecondInstallation
    peer_b: Peer  # B, as a peer of A
    a_id: str
    b_id: str


def site_a_prepare(*, base_url: str) -> Installation:
    """Installation A: Caritas Albania's organisation, the partners' list, a federation identity."""
    from kujdes.core.services import network_get_or_create, organisation_create

    network = network_get_or_create(name="Test network")
    org = organisation_create(
        network=network,
        code="al",
        name="Caritas Albania (test)",
        country="AL",
        languages=["sq"],
        default_language="sq",
        root_unit_name="Zyra kombëtare",
    )
    Partner.objects.create(code="al", name="Caritas Albania (test)", country="AL", organisation=org)
    Partner.objects.create(code="fr", name="Caritas France (test)", country="FR")
    return installation_init(
        name="Installation A (Albania)", base_url=base_url, country="AL", operator=org, hosts_coordinator=True
    )


@pytest.fixture
def pair(live_server: Any, site_b: SecondInstallation, settings: Any, tmp_path: Path) -> Iterator[Pair]:
    """A fresh installation A, and the two installations peered from each other's served cards."""
    settings.TASKS = IMMEDIATE
    host, port = live_server.thread.host, live_server.thread.port
    tap_a = WireTap(host, port)
    try:
        with system_scope():
            installation = site_a_prepare(base_url=tap_a.url)
        card_a = http_json(f"{live_server.url}/federation/card")
        card_b = http_json(f"{site_b.direct_url}/federation/card")
        assert card_a["installation_id"] == str(installation.installation_id)
        # A adds B with its operator's command; B adds A with its own.
        path = tmp_path / "card-b.json"
        path.write_text(json.dumps(card_b), encoding="utf-8")
        call_command("federation", "peer", "add", str(path), "--partner", "fr", "--yes", stdout=_Null())
        printed = site_b.peer_add(card_a, partner="al")
        assert card_a["fingerprint"] in printed
        with system_scope():
            peer_b = Peer.objects.get(installation_id=card_b["installation_id"])
        yield Pair(
            a_url=live_server.url,
            tap_a=tap_a,
            b=site_b,
            peer_b=peer_b,
            a_id=card_a["installation_id"],
            b_id=card_b["installation_id"],
        )
    finally:
        tap_a.close()


class _Null:
    def write(self, text: str) -> None:
        return None

    def flush(self) -> None:
        return None


def wait_for(condition: Any, *, timeout: float = 20.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with system_scope():
            value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout:.0f} s for {what}")


def hex_id(value: Any) -> str:
    """A UUID as SQLite keeps it."""
    return uuid.UUID(str(value)).hex


def b_outbox_states(site: SecondInstallation, *, type_: str, to: str) -> list[str]:
    """The states of B's outgoing packages of a type to an installation."""
    rows = site.sql(
        "SELECT o.state FROM network_federation_outboxpackage o JOIN network_federation_peer p"
        " ON o.peer_id = p.id "
        "WHERE o.type = ? AND p.installation_id = ? ORDER BY o.id",
        type_,
        hex_id(to),
    )
    return [state for (state,) in rows]


# --- card exchange, ping both ways, files, revocation -----------------------------------------


def test_cards_are_served_by_both_and_each_installation_pings_the_other(pair: Pair) -> None:
    b = pair.b
    # The card B serves is the one its operator prints, and A knows B by it.
    card_b = b.card()
    printed = json.loads(b.federation("card").stdout)
    assert printed == card_b
    assert pair.peer_b.fingerprint == card_b["fingerprint"]
    assert len(card_b["fingerprint"].split(" ")) == 8
    # A's card, served without a session, names the coordinator's installation.
    card_a = http_json(f"{pair.a_url}/federation/card")
    assert card_a["hosts_coordinator"] is True and card_a["base_url"] == pair.tap_a.url

    # B pings A: the command waits for A's pong.
    result = b.federation("ping", pair.a_id, "--timeout", "20")
    assert "pong from Installation A (Albania): round trip" in result.stdout, result.stdout + result.stderr
    with system_scope():
        ping_from_b = InboxPackage.objects.get(type="ping", sender_installation_id=pair.b_id)
        pong_to_b = OutboxPackage.objects.get(type="pong", peer=pair.peer_b)
        assert ping_from_b.peer == pair.peer_b
        assert pong_to_b.state == OutboxState.DELIVERED
        assert Peer.objects.get(pk=pair.peer_b.pk).last_contact_at is not None

    # A pings B through its services: delivered after the commit, acknowledged by B's pong.
    with system_scope(), transaction.atomic():
        ping = package_send(type="ping", payload={"sent_at": timezone.now().isoformat()}, peer=pair.peer_b)
    acknowledged = wait_for(
        lambda: OutboxPackage.objects.filter(pk=ping.pk, state=OutboxState.ACKNOWLEDGED).first(),
        what="B's pong",
    )
    assert acknowledged.acknowledged_at >= acknowledged.created_at
    with system_scope():
        assert InboxPackage.objects.filter(type="pong", sender_installation_id=pair.b_id).count() == 1
    # B's side of it: the ping received once, its pong delivered.
    assert b.sql(
        "SELECT count(*) FROM network_federation_inboxpackage WHERE package_id = ?", hex_id(ping.package_id)
    ) == [(1,)]
    assert b_outbox_states(b, type_="pong", to=pair.a_id) == ["delivered"]


def test_a_ping_carried_as_a_file_is_applied_once_and_answered_over_https(pair: Pair, tmp_path: Path) -> None:
    b = pair.b
    kpkg = tmp_path / "ping-for-a.kpkg"
    printed = b.federation("ping", pair.a_id, "--out", str(kpkg)).stdout
    assert f"written to {kpkg}" in printed
    assert pair.tap_a.sent() == b""  # nothing went over the wire
    with system_scope():
        [first] = packages_import(data=kpkg.read_bytes())
        [again] = packages_import(data=kpkg.read_bytes())
        assert (first.status, again.status) == (202, 200)
        assert InboxPackage.objects.get(package_id=first.package_id).via == "file"
        # The pong went back over HTTPS, and B's ping is acknowledged there.
        assert OutboxPackage.objects.get(type="pong").state == OutboxState.DELIVERED
    state = b.sql(
        "SELECT state FROM network_federation_outboxpackage WHERE package_id = ?", hex_id(first.package_id)
    )
    assert state == [("acknowledged",)]


def test_after_a_revokes_b_the_next_package_from_b_is_refused_401(pair: Pair) -> None:
    with system_scope(), transaction.atomic():
        peer_revoke(actor=None, peer=pair.peer_b)
    result = pair.b.federation("ping", pair.a_id, "--timeout", "5", check=False)
    assert result.returncode != 0
    assert "The ping was not delivered: 401 revoked_sender" in result.stderr, result.stderr
    with system_scope():
        refusal = InboxRefusal.objects.get()
        assert (refusal.status, refusal.error, refusal.peer_id) == (401, "revoked_sender", pair.peer_b.pk)
        assert not InboxPackage.objects.exists()
        assert AuditEvent.objects.filter(action="federation.package.refused").count() == 1
    # B records the failure; nothing more is sent to it from A.
    assert b_outbox_states(pair.b, type_="ping", to=pair.a_id) == ["failed"]


def test_a_key_rotation_on_a_is_applied_by_b(pair: Pair) -> None:
    with system_scope():
        call_command("federation", "rotate", stdout=_Null())
        announcement = OutboxPackage.objects.get(type="key-rotation")
        assert announcement.state == OutboxState.DELIVERED
    card_a = http_json(f"{pair.a_url}/federation/card")
    fingerprint = pair.b.sql(
        "SELECT fingerprint FROM network_federation_peer WHERE installation_id = ?", hex_id(pair.a_id)
    )
    assert fingerprint == [(card_a["fingerprint"],)]
    # A now signs with its new key, and B verifies it.
    with system_scope(), transaction.atomic():
        ping = package_send(type="ping", payload={"sent_at": "now"}, peer=pair.peer_b)
    wait_for(
        lambda: OutboxPackage.objects.filter(pk=ping.pk, state=OutboxState.ACKNOWLEDGED).exists(), what="pong"
    )


# --- the canary on the wire --------------------------------------------------------------------

CANARY = {
    "given_name": "Qëndresë-Ŧ7kanarinë",
    "family_name": "Xhyxhyrë-Ψ4vjollcë",
    "birth_date": "1909-09-19",
    "note": "Kanarinë ✓ ŋ€ßþ «çyçë» 🐤 zogth-8Q3",
}


def forms(text: str) -> list[bytes]:
    """The spellings in which a string could leak: UTF-8, JSON-escaped (both cases of the hex
    digits), percent-encoded, and base64 at each of the three alignments (its stable middle)."""
    spelled = {
        text.encode(),
        json.dumps(text, ensure_ascii=True)[1:-1].encode(),
        json.dumps(text, ensure_ascii=True)[1:-1].upper().encode(),
        urllib.parse.quote(text).encode(),
    }
    raw = text.encode()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw)
        spelled.add(encoded[4 : len(encoded) - 4])
    if text == CANARY["birth_date"]:
        year, month, day = text.split("-")
        spelled |= {f"{day}.{month}.{year}".encode(), f"{day}/{month}/{year}".encode()}
    return [form for form in spelled if len(form) >= 8]


def assert_no_canary(where: str, content: bytes | str) -> None:
    data = content.encode() if isinstance(content, str) else content
    for name, text in CANARY.items():
        for form in forms(text):
            assert form.lower() not in data.lower(), f"{name} ({form[:30]!r}) found in {where}"


class LogCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


REFERRAL_FROM_B = """
import json, sys
from django.db import transaction
from kujdes.core.scoping import system_scope
from kujdes.network.federation.models import Peer
from kujdes.network.federation.services import package_send
payload = json.loads(sys.stdin.read())
with system_scope(), transaction.atomic():
    package = package_send(type="referral", payload=payload, peer=Peer.objects.get(installation_id="{a_id}"))
print(package.package_id)
"""


def test_a_referral_crosses_sealed_no_name_birth_date_or_note_on_the_wire_in_rows_audit_or_logs(
    pair: Pair,
) -> None:
    payload = {
        "person": {
            "given_name": CANARY["given_name"],
            "family_name": CANARY["family_name"],
            "date_of_birth": CANARY["birth_date"],
        },
        "note": CANARY["note"],
        "services": ["reintegration"],
    }
    capture = LogCapture()
    root = logging.getLogger()
    root.addHandler(capture)
    previous_level = root.level
    root.setLevel(logging.DEBUG)
    seen: list[Received] = []
    try:
        # B → A: the package is made and sealed on B, sent through A's tap, opened by A's handler.
        with handler_replaced("referral", seen.append):
            b_code = REFERRAL_FROM_B.replace("{a_id}", pair.a_id)
            result = pair.b.run_input(["shell", "-v", "0", "-c", b_code], json.dumps(payload))
            package_id = result.stdout.strip().splitlines()[-1]
            wait_for(lambda: InboxPackage.objects.filter(package_id=package_id).exists(), what="the referral")
        assert seen[0].payload == payload  # it did cross, whole
        # A → B: sealed to B's key, sent through B's tap (B may refuse the content: no case to refer).
        with system_scope(), transaction.atomic():
            to_b = package_send(type="referral", payload=payload, peer=pair.peer_b)
        wait_for(
            lambda: OutboxPackage.objects.filter(pk=to_b.pk).exclude(attempts=0).exists(), what="delivery"
        )
    finally:
        root.removeHandler(capture)
        root.setLevel(previous_level)

    wire_to_a, wire_to_b = pair.tap_a.everything(), pair.b.tap.everything()
    assert b'"sealed"' in wire_to_a and package_id.encode() in wire_to_a
    assert str(to_b.package_id).encode() in wire_to_b
    assert_no_canary("the bytes between B and A", wire_to_a)
    assert_no_canary("the bytes between A and B", wire_to_b)
    with system_scope():
        for row in [*OutboxPackage.objects.all(), *InboxPackage.objects.all()]:
            assert_no_canary(f"A's {row}", bytes(row.envelope))
        for refusal in InboxRefusal.objects.all():
            assert_no_canary("A's refusals", refusal.detail)
        details = json.dumps(list(AuditEvent.objects.values("action", "details")), ensure_ascii=False)
        assert "federation.package.received" in details
        assert_no_canary("A's audit events", details)
    assert_no_canary("A's logs", "\n".join(capture.lines))
    # B: its database, key store and logs, as files, and what its commands printed.
    for path in pair.b.files():
        assert_no_canary(str(path), path.read_bytes())
    for output in pair.b.outputs:
        assert_no_canary(f"the output of kujdes {output.args[3:5]}", output.stdout + output.stderr)
    envelopes = pair.b.sql(
        "SELECT envelope FROM network_federation_outboxpackage"
        " UNION ALL SELECT envelope FROM network_federation_inboxpackage"
    )
    assert len(envelopes) >= 2
    for (envelope,) in envelopes:
        assert_no_canary("B's package rows", bytes(envelope))
    audit = pair.b.sql("SELECT action, details FROM core_auditevent")
    assert ("federation.package.queued",) in [row[:1] for row in audit]
    assert_no_canary("B's audit events", json.dumps(audit, ensure_ascii=False))
