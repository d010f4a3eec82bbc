"""Two Kujdes installations on loopback, each with its own database, key store and master key.

Installation A is this test process, served by the live server: Caritas Albania's, where the network
coordinator works. Installation B is a subprocess in a temporary folder (`kujdes keys init`,
`kujdes migrate`, `kujdes runserver`): Caritas France's own, driven with `kujdes federation …` like
its operator would. Both addresses on the cards lead through a `WireTap`, a loopback proxy that keeps
every byte that crosses. B is started once for the module; A's database is emptied after each test,
so each test pairs a fresh A with B.

Covered: cards served and exchanged, ping both ways, a ping carried as a file, revocation, A's key
rotation applied by B, a release made on B shown on A's coordinator dashboard, a practice published
on A in B's library, a referral from B accepted on A, acknowledged back and withdrawn (her consent),
and no name, birth date or note of hers on the wire, in the package rows, audit or logs. The same
referral between two organisations of ONE installation goes through the same code (`partner_peer`
None, the same sealed package into the same inbox): kujdes/network/crossborder/tests/test_flow.py and
test_consent.py.

Select these tests with `-m two_installations` (deselect with `-m "not two_installations"`); the rest
of the suite runs them too.
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
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY as AUTHENTICATION_USER_SESSION_KEY,
)
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from kujdes.core.models import AuditEvent, Organisation, Unit, UnitKind
from kujdes.core.roles import Role
from kujdes.core.scoping import system_scope, tenant_scope
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
import datetime
from kujdes.accounts.models import User
from kujdes.cases.services import case_create
from kujdes.core.models import Unit, UnitKind
from kujdes.core.roles import Role
from kujdes.core.scoping import system_scope, tenant_scope
from kujdes.core.services import membership_assign, network_get_or_create, organisation_create, unit_create
from kujdes.network.models import Partner
from kujdes.people.services import person_create
with system_scope():
    network = network_get_or_create(name="Test network")
    org = organisation_create(
        network=network, code="fr", name="Caritas France (test)", country="FR", languages=["fr"],
        default_language="fr", root_unit_name="Bureau national",
    )
    root = Unit.objects.get(organisation=org, parent__isnull=True)
    office = unit_create(actor=None, parent=root, name="Marseille", kind=UnitKind.OFFICE)
    people = (("admin-fr", root, Role.ORGANISATION_ADMIN), ("worker-fr", office, Role.CASE_WORKER))
    for username, unit, role in people:
        user = User.objects.create_user(
            username=username, email=username + "@example.invalid", password="correct horse battery staple",
            organisation=org, first_name=username.title(), last_name="Test",
        )
        membership_assign(actor=None, user=user, unit=unit, role=role)
    services = ["return", "reintegration", "shelter"]
    Partner.objects.create(
        code="fr", name="Caritas France (test)", country="FR", organisation=org,
        cross_border_services=services,
    )
    Partner.objects.create(
        code="al", name="Caritas Albania (test)", country="AL", cross_border_services=services
    )
# Its figures of 2025: 12 women and 3 men opened a case.
with tenant_scope(organisation_ids=[org.pk]):
    for index, sex in enumerate(["Feminine"] * 12 + ["Masculine"] * 3):
        person = person_create(
            actor=None, unit=office, given_name=f"Figure{index}", family_name="Test", sex=sex
        )
        opened = datetime.date(2025, 3, 1 + index)
        case_create(actor=None, person=person, unit=office, opened_on=opened, summary="")
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
    a: SiteA


@dataclass
class SiteA:
    installation: Installation
    organisation: Organisation
    diocese: Unit
    admin: Any
    manager: Any
    dpo: Any
    coordinator: Any
    partner_al: Partner
    partner_fr: Partner


def site_a_prepare(*, base_url: str) -> SiteA:
    """Installation A: Caritas Albania's organisation with its people (an administrator, a programme
    manager in a diocese, a data protection officer, the network coordinator), the partners, and a
    federation identity that hosts the coordinator."""
    from kujdes.core.services import network_get_or_create, organisation_create, unit_create
    from kujdes.core.tests.base import user_create

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
    root = Unit.objects.get(organisation=org, parent__isnull=True)
    diocese = unit_create(actor=None, parent=root, name="Dioqeza Shkodër", kind=UnitKind.DIOCESE)
    services = ["return", "reintegration", "shelter"]
    return SiteA(
        installation=installation_init(
            name="Installation A (Albania)",
            base_url=base_url,
            country="AL",
            operator=org,
            hosts_coordinator=True,
        ),
        organisation=org,
        diocese=diocese,
        admin=user_create(username="admin-al", organisation=org, unit=root, role=Role.ORGANISATION_ADMIN),
        manager=user_create(
            username="manager-al", organisation=org, unit=diocese, role=Role.PROGRAMME_MANAGER
        ),
        dpo=user_create(username="dpo-al", organisation=org, unit=root, role=Role.DATA_PROTECTION_OFFICER),
        coordinator=user_create(
            username="coordinator", organisation=org, unit=root, role=Role.NETWORK_COORDINATOR
        ),
        partner_al=Partner.objects.create(
            code="al",
            name="Caritas Albania (test)",
            country="AL",
            organisation=org,
            cross_border_services=services,
        ),
        partner_fr=Partner.objects.create(
            code="fr", name="Caritas France (test)", country="FR", cross_border_services=services
        ),
    )


@pytest.fixture
def pair(live_server: Any, site_b: SecondInstallation, settings: Any, tmp_path: Path) -> Iterator[Pair]:
    """A fresh installation A, and the two installations peered from each other's served cards."""
    settings.TASKS = IMMEDIATE
    host, port = live_server.thread.host, live_server.thread.port
    tap_a = WireTap(host, port)
    try:
        with system_scope():
            site_a = site_a_prepare(base_url=tap_a.url)
        installation = site_a.installation
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
            a=site_a,
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
from kujdes.core.scoping import system_scope, tenant_scope
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
        try:
            content = path.read_bytes()
        except FileNotFoundError:  # SQLite's -shm/-wal files come and go while B runs
            continue
        assert_no_canary(str(path), content)
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


# --- releases, practices and a referral across the two --------------------------------------------


def signed_in(user: Any) -> Client:
    """A browser session of `user` on A, password and second factor done just now, in English."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "username": user.username, "reauthenticated": True},
        {"method": "mfa", "at": time.time(), "type": "totp", "reauthenticated": True},
    ]
    session[AUTHENTICATION_USER_SESSION_KEY] = str(user.pk)
    session.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


RELEASE_ON_B = """
import datetime
from kujdes.accounts.models import User
from kujdes.core.scoping import tenant_scope
from kujdes.network.releases import services
admin = User.objects.get(username="admin-fr")
with tenant_scope(organisation_ids=[admin.organisation_id], user_id=admin.pk):
    draft = services.release_draft_create(
        actor=admin, period_start=datetime.date(2025, 1, 1), period_end=datetime.date(2025, 12, 31),
        title="Caritas France 2025", indicators=[{"code": "cases_opened", "dims": ["sex"]}],
    )
    release = services.release_publish(actor=admin, release=draft, version=None, recently_authenticated=True)
print(release.public_id)
"""


def test_a_release_made_on_b_is_pushed_to_a_and_shown_on_the_coordinators_dashboard(pair: Pair) -> None:
    from kujdes.network.releases.models import Release, ReleaseOrigin
    from kujdes.network.releases.tests.factories import released

    # Caritas Albania's own release, made on A.
    with system_scope():
        released(partner=pair.a.partner_al, tables={("cases_opened", ""): {"": 40}})
    # Caritas France releases its 2025 figures on its own installation: pushed to A at once.
    public_id = pair.b.shell(RELEASE_ON_B).strip().splitlines()[-1]
    assert b_outbox_states(pair.b, type_="release", to=pair.a_id) == ["delivered"]
    with system_scope():
        remote = Release.objects.get(public_id=public_id)
        assert (remote.origin, remote.partner, remote.organisation_id) == (
            ReleaseOrigin.REMOTE,
            pair.a.partner_fr,
            None,
        )
        assert InboxPackage.objects.filter(type="release", peer=pair.peer_b).count() == 1
    client = signed_in(pair.a.coordinator)
    with translation.override("en"):
        page = client.get(reverse("network_figures") + "?year=2025")
        home = client.get(reverse("network_home"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "from Installation B (France) · signature verified" in text
    assert ">15<" in text and ">40<" in text  # France's total beside Albania's
    assert "55" in text  # and the network's, adding both
    assert "from Installation B (France) · signature verified" in home.content.decode()


def test_a_practice_published_on_a_reaches_the_library_of_b(pair: Pair) -> None:
    from kujdes.network.practices import services as practices

    with system_scope():
        practice = practices.practice_create(
            actor=pair.a.admin,
            partner=pair.a.partner_al,
            texts={
                "title": "Kampe verore pa rrezik (provë)",
                "summary": "Rregulla të thjeshta sigurie për kampet verore.",
                "description": "Një udhëzues për drejtuesit e kampeve.",
            },
            original_language="sq",
            themes=["prevention"],
            target_groups=["children"],
            country="AL",
            contact_name="Kontakt Provë",
        )
        practices.practice_submit(actor=pair.a.admin, practice=practice)
        practices.practice_publish(actor=pair.a.coordinator, practice=practice)
        package = OutboxPackage.objects.get(type="practice", peer=pair.peer_b)
        assert package.state == OutboxState.DELIVERED
    rows = pair.b.sql(
        "SELECT p.origin, p.status, t.title FROM network_practices_practice p"
        " JOIN network_practices_practicetext t ON t.practice_id = p.id WHERE p.public_id = ?",
        hex_id(practice.public_id),
    )
    assert rows == [("remote", "published", "Kampe verore pa rrezik (provë)")]
    assert b"Kontakt Prov" not in b"".join(
        path.read_bytes() for path in pair.b.files() if "sqlite" in path.name
    )


REFERRAL_ON_B = """
import datetime, json, sys
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from kujdes.accounts.models import User
from kujdes.cases.services import case_create
from kujdes.core.models import Unit
from kujdes.core.scoping import tenant_scope
from kujdes.network.crossborder import services
from kujdes.network.models import Partner
from kujdes.people.consent import consent_record
from kujdes.people.models import ConsentPurpose
from kujdes.people.services import person_create
her = json.loads(sys.stdin.read())
worker = User.objects.get(username="worker-fr")
with tenant_scope(organisation_ids=[worker.organisation_id], user_id=worker.pk):
    office = Unit.objects.get(name="Marseille")
    person = person_create(
        actor=worker, unit=office, given_name=her["given_name"], family_name=her["family_name"],
        date_of_birth=datetime.date.fromisoformat(her["birth_date"]), sex="Feminine", citizenships=["AL"],
    )
    case = case_create(
        actor=worker, person=person, unit=office, case_type="victim_assistance",
        opened_on=datetime.date(2026, 1, 5), summary=her["note"], exploitation_types=["SexualExploitation"],
        trafficking_status="PossibleVictimOfTrafficking",
    )
    consent = consent_record(
        actor=worker, person=person, purpose=ConsentPurpose.PARTNER_ABROAD, given_by="self",
        method="written", given_on=timezone.localdate(),
    )
    referral = services.referral_abroad_request(
        actor=worker, case=case, partner=Partner.objects.get(code="al"), purpose="return_reintegration",
        services=["return", "reintegration"], fields=["given_name", "family_name", "date_of_birth", "sex"],
    )
print(json.dumps({"referral": str(referral.referral_id), "consent": str(consent.public_id)}))
"""

CONSENT_WITHDRAWN_ON_B = """
from kujdes.accounts.models import User
from kujdes.core.scoping import tenant_scope
from kujdes.people.consent import consent_withdraw
from kujdes.people.models import Consent
worker = User.objects.get(username="worker-fr")
with tenant_scope(organisation_ids=[worker.organisation_id], user_id=worker.pk):
    consent_withdraw(actor=worker, consent=Consent.objects.get(public_id="{consent}"))
"""


def b_referral(site: SecondInstallation, referral_id: str) -> tuple[str, list[str]]:
    """The state of B's outgoing referral and its timeline."""
    [(pk, state)] = site.sql(
        "SELECT id, state FROM network_crossborder_outgoingreferral WHERE referral_id = ?",
        hex_id(referral_id),
    )
    events = site.sql(
        "SELECT kind FROM network_crossborder_referralevent WHERE outgoing_id = ? ORDER BY recorded_at, id",
        pk,
    )
    return state, [kind for (kind,) in events]


def test_a_referral_from_b_is_accepted_on_a_acknowledged_to_b_and_its_withdrawal_acted_on_at_a(
    pair: Pair,
) -> None:
    """Across two installations; between two organisations of one installation the same code is
    tested in kujdes/network/crossborder/tests/test_flow.py (ReferralFlowTests) and test_consent.py."""
    from kujdes.network.crossborder import services as crossborder
    from kujdes.network.crossborder.models import IncomingReferral, IncomingState, Resolution
    from kujdes.people.models import Person

    her = {**CANARY}
    sent = json.loads(pair.b.run_input(["shell", "-v", "0", "-c", REFERRAL_ON_B], json.dumps(her)).stdout)
    # A received it (for Caritas Albania) and B has the acknowledgement.
    with system_scope():
        incoming = IncomingReferral.objects.select_related("sending_partner").get()
        assert str(incoming.referral_id) == sent["referral"]
        assert (incoming.state, incoming.sending_partner, incoming.peer) == (
            IncomingState.NEW,
            pair.a.partner_fr,
            pair.peer_b,
        )
    assert b_referral(pair.b, sent["referral"]) == ("received", ["sent", "received"])

    # A's administrator gives it to the diocese, whose programme manager accepts her.
    al = [pair.a.organisation.pk]
    with tenant_scope(organisation_ids=al, user_id=pair.a.admin.pk):
        crossborder.incoming_assign(actor=pair.a.admin, incoming=incoming, unit=pair.a.diocese)
    with tenant_scope(organisation_ids=al, user_id=pair.a.manager.pk):
        incoming = IncomingReferral.objects.get(pk=incoming.pk)
        case, _refused = crossborder.incoming_accept(
            actor=pair.a.manager, incoming=incoming, unit=pair.a.diocese
        )
    with system_scope():
        person = Person.objects.get(pk=case.person_id)
        assert (person.given_name, person.family_name) == (her["given_name"], her["family_name"])
        assert person.date_of_birth.isoformat() == her["birth_date"]
    state, timeline = b_referral(pair.b, sent["referral"])
    assert (state, timeline[-1]) == ("accepted", "accepted")

    # Her consent is withdrawn on B: A is told, and must act on it.
    pair.b.shell(CONSENT_WITHDRAWN_ON_B.replace("{consent}", sent["consent"]))
    assert b_referral(pair.b, sent["referral"])[0] == "withdrawn"
    with system_scope():
        incoming = IncomingReferral.objects.get(pk=incoming.pk)
        assert (incoming.state, incoming.needs_resolution) == (IncomingState.WITHDRAWN, True)
    with pytest.raises(ValidationError), tenant_scope(organisation_ids=al, user_id=pair.a.manager.pk):
        crossborder.incoming_step(actor=pair.a.manager, incoming=incoming, step="first_contact")
    with tenant_scope(organisation_ids=al, user_id=pair.a.dpo.pk):
        crossborder.incoming_resolve(actor=pair.a.dpo, incoming=incoming, erase=True)
    with system_scope():
        assert Person.objects.get(pk=person.pk).erased_at is not None
        assert IncomingReferral.objects.get(pk=incoming.pk).resolution == Resolution.ERASED
        types = set(InboxPackage.objects.filter(peer=pair.peer_b).values_list("type", flat=True))
        assert types == {"referral", "referral-withdrawal"}
        sent_types = set(OutboxPackage.objects.filter(peer=pair.peer_b).values_list("type", flat=True))
        assert sent_types == {"referral-ack"}
        for row in [*OutboxPackage.objects.all(), *InboxPackage.objects.all()]:
            assert_no_canary(f"A's {row}", bytes(row.envelope))
    # Nothing of her crossed in clear, either way.
    assert_no_canary("the bytes between B and A", pair.tap_a.everything())
    assert_no_canary("the bytes between A and B", pair.b.tap.everything())
