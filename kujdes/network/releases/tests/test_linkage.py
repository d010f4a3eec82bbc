"""Persons known to several partners: partners send keyed filters only, the hub answers counts
only (each from 1 to 10 withheld), and the network-wide secret stays sealed and at home."""

from __future__ import annotations

import datetime
import json
import uuid
from io import StringIO
from types import SimpleNamespace
from unittest import mock

from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from kujdes.core.scoping import system_scope
from kujdes.network.federation.handlers import HANDLERS, PackageRejected, Received
from kujdes.network.releases import linkage
from kujdes.network.releases.management.commands.clk import parse_period
from kujdes.network.releases.models import ClkSubmission, LinkageSecret, SharedPersonsCount
from kujdes.network.tests.base import NetworkTestCase
from kujdes.network.tests.fixtures import network_fixtures
from kujdes.people.linkage import clk
from kujdes.people.services import person_create

SECRET_HEX = "5e" * 32
START, END = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
LETTERS = "bcdfghklmnprstvz"
VOWELS = "aeiou"


def invented_name(number: int, length: int = 4) -> str:
    """A name no one has (synthetic): consonant-vowel syllables spelt from the number."""
    out = []
    for _ in range(length):
        out.append(LETTERS[number % len(LETTERS)] + VOWELS[(number // len(LETTERS)) % len(VOWELS)])
        number = number // 7 + 3
    return "".join(out).title()


def person(unit, given: str, family: str, born: datetime.date) -> None:  # noqa: ANN001
    person_create(
        actor=None, unit=unit, given_name=given, family_name=family, date_of_birth=born, sex="Feminine"
    )


class LinkageTestCase(NetworkTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            network_fixtures(cls)

    def import_secret(self) -> str:
        with system_scope():
            return linkage.linkage_secret_import(secret_hex=SECRET_HEX)

    def persons(self, *, shared: int, own: int = 3) -> None:
        """`shared` persons registered by both partners (fr spells them in capitals, with the
        Albanian definite form of the family name), and `own` persons of each partner alone."""
        with system_scope():
            for n in range(shared):
                born = datetime.date(1980 + n % 20, 1 + n % 12, 2 + n % 27)
                given, family = invented_name(n), invented_name(n + 500, 3)
                person(self.diocese_a, given, family, born)
                person(self.other_unit, given.upper(), family.upper() + "I", born)
            for n in range(own):
                person(
                    self.diocese_a,
                    invented_name(1000 + n),
                    invented_name(2000 + n),
                    datetime.date(1990, 3, 3),
                )
                person(
                    self.other_unit,
                    invented_name(3000 + n),
                    invented_name(4000 + n),
                    datetime.date(1991, 4, 4),
                )

    def submit_both(self) -> None:
        with system_scope():
            linkage.clk_submit(partner=self.partner_al, period_start=START, period_end=END)
            linkage.clk_submit(partner=self.partner_fr, period_start=START, period_end=END)


class SecretTests(LinkageTestCase):
    def test_the_secret_is_stored_sealed_and_only_its_fingerprint_is_readable(self) -> None:
        fingerprint = self.import_secret()
        with system_scope():
            row = LinkageSecret.objects.get()
        self.assertEqual(fingerprint, clk.secret_fingerprint(bytes.fromhex(SECRET_HEX)))
        self.assertNotIn(SECRET_HEX, row.sealed)
        self.assertNotIn(SECRET_HEX.upper(), row.sealed.upper())
        self.assertTrue(row.sealed.startswith("s1:"))

    def test_a_short_or_malformed_secret_is_refused_with_a_clear_message(self) -> None:
        with system_scope():
            with self.assertRaisesMessage(linkage.LinkageError, "hexadecimal"):
                linkage.linkage_secret_import(secret_hex="not hex")
            with self.assertRaisesMessage(linkage.LinkageError, "32 bytes"):
                linkage.linkage_secret_import(secret_hex="ab" * 8)
            self.assertFalse(LinkageSecret.objects.exists())

    def test_submitting_without_a_secret_says_how_to_get_one(self) -> None:
        with system_scope(), self.assertRaisesMessage(linkage.LinkageError, "kujdes clk secret-import"):
            linkage.clk_submit(partner=self.partner_al, period_start=START, period_end=END)

    def test_the_command_imports_the_secret_from_stdin_and_prints_only_the_fingerprint(self) -> None:
        out = StringIO()
        with mock.patch("sys.stdin", StringIO(SECRET_HEX + "\n")):
            call_command("clk", "secret-import", stdout=out)
        self.assertIn("fingerprint ", out.getvalue())
        self.assertNotIn(SECRET_HEX, out.getvalue())


class SubmissionTests(LinkageTestCase):
    def test_a_hub_partner_stores_one_filter_per_person_and_no_plaintext(self) -> None:
        self.import_secret()
        self.persons(shared=2, own=1)
        self.submit_both()
        with system_scope():
            rows = {s.partner.code: s for s in ClkSubmission.objects.select_related("partner")}
        self.assertEqual(rows["al"].count, 3)
        self.assertEqual(len(bytes(rows["al"].filters)), 3 * clk.BYTES)
        raw = bytes(rows["al"].filters) + bytes(rows["fr"].filters)
        for needle in (invented_name(0), invented_name(500, 3), "1980", SECRET_HEX):
            self.assertNotIn(needle.lower().encode(), raw.lower())

    def test_a_partner_elsewhere_sends_only_the_schema_fields_and_no_plaintext(self) -> None:
        self.import_secret()
        self.persons(shared=1, own=0)
        sent = {}

        def broadcast(**kwargs):  # noqa: ANN003, ANN202
            sent.update(kwargs)
            return 1

        not_hub = SimpleNamespace(hosts_coordinator=False)
        with (
            system_scope(),
            mock.patch.object(linkage, "installation_get", return_value=not_hub),
            mock.patch.object(linkage, "coordinator_peers", return_value=["hub"]),
            mock.patch.object(linkage, "package_broadcast", side_effect=broadcast),
        ):
            done = linkage.clk_submit(partner=self.partner_al, period_start=START, period_end=END)
            self.assertFalse(ClkSubmission.objects.exists())
        self.assertEqual((done.filters, done.stored_here, done.packages), (1, False, 1))
        self.assertEqual(sent["type"], "linkage-clks")
        payload = sent["payload"]
        self.assertEqual(tuple(payload), linkage.PAYLOAD_FIELDS)
        text = json.dumps(payload).lower()
        with system_scope():
            from kujdes.people.models import Person

            persons = list(Person.objects.filter(organisation=self.org))
        for needle in [invented_name(0), invented_name(500, 3), "1980-01-02", SECRET_HEX, "feminine"] + [
            str(p.public_id) for p in persons
        ]:
            self.assertNotIn(needle.lower(), text)
        self.assertEqual(len(clk.unpack(payload["clks"])), 1)


class HubReceivesTests(LinkageTestCase):
    def received(self, payload: dict) -> Received:
        return Received(
            package_id=uuid.uuid4(),
            type=linkage.PACKAGE_TYPE,
            peer=None,
            sender_installation_id=uuid.uuid4(),
            created_at=timezone.now(),
            payload=payload,
            via="test",
        )

    def payload(self, **changes: object) -> dict:
        payload = {
            "schema": clk.SCHEMA,
            "partner": "al",
            "period_start": START.isoformat(),
            "period_end": END.isoformat(),
            "fingerprint": "0" * 16,
            "bits": clk.BITS,
            "clks": clk.pack([12345, 678]),
        }
        payload.update(changes)
        return payload

    def test_the_handler_is_registered_and_stores_the_filters(self) -> None:
        hub = SimpleNamespace(hosts_coordinator=True)
        with system_scope(), mock.patch.object(linkage, "installation_get", return_value=hub):
            HANDLERS[linkage.PACKAGE_TYPE](self.received(self.payload()))
            row = ClkSubmission.objects.get()
        self.assertEqual((row.partner_id, row.count, row.origin), (self.partner_al.pk, 2, "remote"))

    def test_the_hub_refuses_extra_fields_bad_filters_and_a_non_hub_refuses_all(self) -> None:
        hub = SimpleNamespace(hosts_coordinator=True)
        bad = [
            self.payload(names=["x"]),
            self.payload(bits=512),
            self.payload(clks="AAAA"),
            self.payload(period_end="2025-01-01"),
            self.payload(partner="zz"),
        ]
        with system_scope(), mock.patch.object(linkage, "installation_get", return_value=hub):
            for payload in bad:
                with self.subTest(payload=sorted(payload)), self.assertRaises(PackageRejected):
                    linkage.clks_received(self.received(payload))
        with system_scope(), mock.patch.object(linkage, "installation_get", return_value=None):
            with self.assertRaises(PackageRejected):
                linkage.clks_received(self.received(self.payload()))
            self.assertFalse(ClkSubmission.objects.exists())


class CountTests(LinkageTestCase):
    def test_the_hub_counts_persons_known_to_both_partners_across_spellings(self) -> None:
        self.import_secret()
        self.persons(shared=12, own=3)
        self.submit_both()
        with system_scope():
            result = linkage.shared_persons_count(period_start=START, period_end=END)
        self.assertEqual(result.figures["persons_shared"], 12)
        self.assertEqual(result.figures["by_partner"], {"al": 12, "fr": 12})
        self.assertEqual(result.figures["by_partner_count"], {"2": 12})
        self.assertEqual((result.partners, result.filters, result.k), (["al", "fr"], 30, 11))

    def test_a_count_below_eleven_is_withheld_and_never_stored(self) -> None:
        self.import_secret()
        self.persons(shared=5, own=2)
        self.submit_both()
        with system_scope():
            linkage.shared_persons_count(period_start=START, period_end=END)
            stored = SharedPersonsCount.objects.get()
        self.assertIsNone(stored.figures["persons_shared"])
        self.assertEqual(stored.figures["by_partner"], {"al": None, "fr": None})
        self.assertNotIn("5", json.dumps(stored.figures))

    def test_a_count_needs_two_partners_with_the_hubs_secret(self) -> None:
        self.import_secret()
        self.persons(shared=1, own=0)
        with system_scope():
            linkage.clk_submit(partner=self.partner_al, period_start=START, period_end=END)
            ClkSubmission.objects.create(
                partner=self.partner_ua,
                period_start=START,
                period_end=END,
                fingerprint="f" * 16,
                count=1,
                filters=(1).to_bytes(clk.BYTES, "big"),
                origin="remote",
            )
            with self.assertRaisesMessage(linkage.LinkageError, "at least two partners"):
                linkage.shared_persons_count(period_start=START, period_end=END)

    def test_the_commands_submit_and_count(self) -> None:
        self.import_secret()
        self.persons(shared=11, own=0)
        out = StringIO()
        call_command("clk", "submit", "--period", "2026", stdout=out)
        call_command("clk", "count", "--period", "2026-01-01:2026-12-31", stdout=out)
        self.assertIn("al: 11 filters, stored here (hub)", out.getvalue())
        self.assertIn("persons known to two or more partners: 11 ", out.getvalue())

    def test_a_bad_period_is_a_clear_error(self) -> None:
        for text in ("2026-13-01:2026-12-31", "2026-12-31:2026-01-01", "last year"):
            with self.subTest(text=text), self.assertRaises(CommandError):
                parse_period(text)


class SharedPersonsPageTests(LinkageTestCase):
    url = reverse("network_release_shared_persons")

    def test_the_coordinator_sees_counts_with_small_ones_withheld(self) -> None:
        with system_scope():
            SharedPersonsCount.objects.create(
                period_start=START,
                period_end=END,
                threshold=clk.DICE_THRESHOLD,
                figures={"persons_shared": 42, "by_partner": {"al": 40, "fr": None}, "by_partner_count": {}},
                partners=["al", "fr"],
                filters=900,
            )
        self.login(self.coordinator)
        response = self.client.get(self.url)
        self.assertContains(response, "42")
        self.assertContains(response, "Org FR")
        self.assertContains(response, "withheld")
        self.assertContains(response, "900")

    def test_a_case_worker_gets_404(self) -> None:
        self.login(self.charlie)
        self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_the_page_is_empty_until_the_hub_has_counted(self) -> None:
        self.login(self.coordinator)
        self.assertContains(self.client.get(self.url), "Nothing counted yet")
