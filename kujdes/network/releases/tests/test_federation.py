"""Releases across installations: made on the partner's installation, pushed to the coordinator's.

The partner's side is this installation with partner "al" local, its releases made through the
real reports path (persons with unusual names and their cases in 2025), and a fake coordinator
installation (real keys, its card through `peer_add`) that opens what is queued for it. The
coordinator's side is this installation hosting the coordinator, partner "al" remote and hosted by
a fake installation that signs the very payloads the partner's side produced.
"""

from __future__ import annotations

import copy
import datetime
import json
from typing import Any

from django.db import transaction
from django.urls import reverse

from kujdes.cases.services import case_create
from kujdes.core.scoping import system_scope, tenant_scope
from kujdes.network.federation.models import InboxPackage, Installation, OutboxPackage
from kujdes.network.federation.services import peer_catch_up, peer_revoke
from kujdes.network.federation.tests.peers import installation_here, remote_installation
from kujdes.network.models import Partner
from kujdes.network.releases import federation, services
from kujdes.network.releases.models import Release, ReleaseCell, ReleaseOrigin, ReleaseStatus
from kujdes.network.releases.selectors import released_value
from kujdes.network.releases.tests.factories import released
from kujdes.network.tests.base import NetworkTestCase
from kujdes.network.tests.fixtures import network_fixtures
from kujdes.people.services import person_create

START, END = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
# Nothing of these may ever be in a package.
CANARY_GIVEN, CANARY_FAMILY = "Zyxqwarnela", "Bllokuviqe"
CANARY_PHONE = "+355690001987"
PERSON_FIELDS = {
    "released_by",
    "created_by",
    "withdrawn_by",
    "user",
    "username",
    "email",
    "given_name",
    "family_name",
    "name",
    "date_of_birth",
    "phone",
    "address",
    "person",
}


def keys_of(value: Any) -> set[str]:
    """Every member name anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


class ReleaseFederationCase(NetworkTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            network_fixtures(cls)
        with tenant_scope(organisation_ids=[cls.org.pk]):
            # 12 women and 3 men open a case in 2025: 15 cases, the men's count is withheld.
            for index, sex in enumerate(["Feminine"] * 12 + ["Masculine"] * 3):
                person = person_create(
                    actor=None,
                    unit=cls.diocese_a,
                    given_name=f"{CANARY_GIVEN}{index}",
                    family_name=CANARY_FAMILY,
                    phones=[CANARY_PHONE],
                    sex=sex,
                    date_of_birth=datetime.date(1991, 7, 19),
                )
                case_create(
                    actor=None,
                    person=person,
                    unit=cls.diocese_a,
                    opened_on=datetime.date(2025, 3, 1 + index),
                    summary=f"{CANARY_GIVEN} summary",
                )

    # --- the partner's side ------------------------------------------------------------------

    def publish(self, *, reason: str = "", title: str = "AL 2025") -> Release:
        with tenant_scope(organisation_ids=[self.org.pk], user_id=self.admin.pk):
            draft = services.release_draft_create(
                actor=self.admin,
                period_start=START,
                period_end=END,
                title=title,
                indicators=[{"code": "cases_opened", "dims": ["sex"]}],
            )
            return services.release_publish(
                actor=self.admin, release=draft, version=None, recently_authenticated=True, reason=reason
            )

    def withdraw(self, release: Release) -> Release:
        with tenant_scope(organisation_ids=[self.org.pk], user_id=self.admin.pk):
            return services.release_withdraw(
                actor=self.admin, release=release, reason="A wrong unit was counted"
            )

    def partner_side(self):  # noqa: ANN201
        """This installation hosts partner "al"; the coordinator works on a remote installation."""
        with system_scope():
            installation_here(name="Installation AL", hosts_coordinator=False)
            coordinator = remote_installation(name="Coordinator installation", hosts_coordinator=True)
            coordinator.add(partners=[])
        return coordinator

    _payloads: list[dict[str, Any]] | None = None

    def payloads_made_on_the_partners_installation(self) -> list[dict[str, Any]]:
        """v1 released, v1 superseded and v2 released, v2 withdrawn: the payloads the partner's
        installation queued, as the coordinator opens them. Everything of the partner's side is
        rolled back afterwards, so that this installation can play the coordinator's. (Made once
        per test class: the payloads are plain JSON.)"""
        if ReleaseFederationCase._payloads is None:
            ReleaseFederationCase._payloads = self._payloads_make()
        return copy.deepcopy(ReleaseFederationCase._payloads)

    def _payloads_make(self) -> list[dict[str, Any]]:
        with transaction.atomic():
            coordinator = self.partner_side()
            first = self.publish()
            second = self.publish(reason="Two cases were counted twice", title="AL 2025 (corrected)")
            self.withdraw(second)
            with system_scope():
                payloads = [coordinator.open(package) for package in coordinator.outbox(type="release")]
            transaction.set_rollback(True)
        self.assertEqual(
            [(p["release"]["public_id"], p["release"]["status"]) for p in payloads],
            [
                (str(first.public_id), "released"),
                (str(first.public_id), "superseded"),
                (str(second.public_id), "released"),
                (str(second.public_id), "withdrawn"),
            ],
        )
        return payloads


class PartnerSideTests(ReleaseFederationCase):
    def test_a_release_is_queued_for_the_coordinators_installation_when_it_is_released(self) -> None:
        coordinator = self.partner_side()
        release = self.publish()
        with system_scope():
            (package,) = coordinator.outbox(type="release")
            payload = coordinator.open(package)
        self.assertEqual(package.state, "queued")
        self.assertEqual(payload["partner"], "al")
        self.assertEqual(payload["release"]["public_id"], str(release.public_id))
        self.assertEqual(payload["release"]["version_number"], 1)
        self.assertEqual(payload["release"]["content_hash"], release.content_hash)
        cells = {c["key"].get("sex", ""): c for c in payload["tables"][0]["cells"]}
        self.assertEqual(cells[""]["value"], 15)
        # The small count and the one that would give it away travel withheld, without a number.
        self.assertEqual((cells["Masculine"]["withheld"], cells["Masculine"]["value"]), (True, None))
        self.assertEqual((cells["Feminine"]["withheld"], cells["Feminine"]["value"]), (True, None))

    def test_superseding_and_withdrawing_send_the_new_status_too(self) -> None:
        coordinator = self.partner_side()
        first = self.publish()
        second = self.publish(reason="Two cases were counted twice")
        self.withdraw(second)
        with system_scope():
            sent = [coordinator.open(p)["release"] for p in coordinator.outbox(type="release")]
        self.assertEqual(
            [(r["public_id"], r["status"]) for r in sent],
            [
                (str(first.public_id), "released"),
                (str(first.public_id), "superseded"),
                (str(second.public_id), "released"),
                (str(second.public_id), "withdrawn"),
            ],
        )
        self.assertEqual(sent[2]["supersedes"], str(first.public_id))
        self.assertEqual(sent[2]["supersede_reason"], "Two cases were counted twice")
        self.assertEqual(sent[3]["withdraw_reason"], "A wrong unit was counted")

    def test_a_coordinator_peer_added_later_catches_up_with_the_releases_already_made(self) -> None:
        with system_scope():
            installation_here(name="Installation AL", hosts_coordinator=False)
        first = self.publish()
        second = self.publish(reason="Two cases were counted twice")
        with system_scope():
            coordinator = remote_installation(name="Coordinator installation", hosts_coordinator=True)
            peer = coordinator.add(partners=[])
            self.assertEqual(coordinator.outbox(type="release"), [])
            counts = peer_catch_up(actor=None, peer=peer)
            sent = [coordinator.open(p)["release"] for p in coordinator.outbox(type="release")]
        self.assertEqual(counts["release"], 2)
        self.assertEqual(
            [(r["public_id"], r["status"]) for r in sent],
            [(str(first.public_id), "superseded"), (str(second.public_id), "released")],
        )

    def test_nothing_is_sent_by_a_standalone_installation(self) -> None:
        self.publish()
        with system_scope():
            self.assertFalse(OutboxPackage.objects.exists())

    def test_nothing_is_sent_when_this_installation_hosts_the_coordinator(self) -> None:
        with system_scope():
            installation_here(hosts_coordinator=True)
            remote_installation(name="Other coordinator", hosts_coordinator=True).add(partners=[])
        self.publish()
        with system_scope():
            self.assertFalse(OutboxPackage.objects.filter(type="release").exists())

    def test_nothing_is_sent_to_a_revoked_coordinator_or_to_peers_that_do_not_host_it(self) -> None:
        coordinator = self.partner_side()
        with system_scope():
            remote_installation(name="A partner's installation").add(partners=["ua"])
            peer_revoke(actor=None, peer=coordinator.peer)
        self.publish()
        with system_scope():
            self.assertFalse(OutboxPackage.objects.filter(type="release").exists())

    def test_a_release_package_holds_nothing_about_a_person(self) -> None:
        coordinator = self.partner_side()
        release = self.publish()
        self.withdraw(release)
        with system_scope():
            packages = coordinator.outbox(type="release")
            payloads = [coordinator.open(p) for p in packages]
            wire = b"".join(bytes(p.envelope) for p in packages)
        # The schema is the whole payload, and no member of it names a person or a user.
        for payload in payloads:
            self.assertEqual(set(payload), set(federation.PAYLOAD_FIELDS))
            self.assertEqual(set(payload["release"]), set(federation.RELEASE_FIELDS))
            for table in payload["tables"]:
                self.assertEqual(set(table), set(federation.TABLE_FIELDS))
                for cell in table["cells"]:
                    self.assertEqual(set(cell), set(federation.CELL_FIELDS))
            self.assertFalse(keys_of(payload) & PERSON_FIELDS, keys_of(payload) & PERSON_FIELDS)
        # The bytes on the wire: no person's name, birth date, phone or case text; no user of the team.
        for canary in (CANARY_GIVEN, CANARY_FAMILY, CANARY_PHONE, "1991-07-19", self.admin.username):
            self.assertNotIn(canary.encode(), wire)
        self.assertNotIn(self.admin.email.encode(), wire)


class CoordinatorSideTests(ReleaseFederationCase):
    def coordinator_side(self):  # noqa: ANN201
        """This installation hosts the coordinator; partner "al" is on a remote installation."""
        with system_scope():
            installation_here(name="Coordinator installation", hosts_coordinator=True)
            Partner.objects.filter(pk=self.partner_al.pk).update(organisation=None)
            remote = remote_installation(name="Installation AL", country="AL")
            remote.add(partners=["al"])
        return remote

    def receive(self, remote, payload: dict[str, Any]):  # noqa: ANN001, ANN201
        with system_scope():
            return remote.send(type="release", payload=payload)

    def stored(self, public_id: str) -> Release:
        with system_scope():
            return Release.objects.get(public_id=public_id)

    def test_a_pushed_release_is_stored_as_the_remote_partners_with_its_origin(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.coordinator_side()
        result = self.receive(remote, payloads[0])
        self.assertEqual(result.status, 202, result)
        release = self.stored(payloads[0]["release"]["public_id"])
        self.assertEqual(release.origin, ReleaseOrigin.REMOTE)
        self.assertEqual(release.partner_id, self.partner_al.pk)
        self.assertIsNone(release.organisation_id)
        self.assertEqual(release.status, ReleaseStatus.RELEASED)
        self.assertEqual(release.package_id, result.package_id)
        self.assertEqual(release.sender_installation_id, remote.installation_id)
        self.assertEqual(release.signing_key_id, remote.key.key_id)
        self.assertIsNotNone(release.received_at)
        with system_scope():
            cells = {
                c.key.get("sex", ""): (c.value, c.withheld)
                for c in ReleaseCell.objects.filter(table__release=release)
            }
            value = released_value(
                partner=self.partner_al, indicator_code="cases_opened", period_start=START, period_end=END
            )
        self.assertEqual(cells, {"": (15, False), "Feminine": (None, True), "Masculine": (None, True)})
        # The milestones room reads a remote release's figures like a local one's.
        self.assertEqual(value.value, 15)

    def test_the_coordinators_dashboard_shows_the_remote_release_beside_local_ones(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.coordinator_side()
        self.receive(remote, payloads[0])
        with system_scope():
            released(partner=self.partner_fr, tables={("cases_opened", ""): {"": 40}}, start=START, end=END)
        self.login(self.coordinator)
        page = self.client.get(reverse("network_figures") + "?year=2025")
        self.assertEqual(page.status_code, 200)
        text = page.content.decode()
        self.assertIn("from Installation AL · signature verified", text)
        self.assertIn(">15<", text)
        self.assertIn(">40<", text)
        self.assertIn("55", text)  # the network total adds both
        detail = self.client.get(
            reverse("network_release_detail", args=[payloads[0]["release"]["public_id"]])
        )
        self.assertContains(detail, "from Installation AL · signature verified")
        listing = self.client.get(reverse("network_release_list"))
        self.assertContains(listing, "from Installation AL · signature verified")
        home = self.client.get(reverse("network_home"))
        self.assertContains(home, "from Installation AL · signature verified")

    def test_supersession_and_withdrawal_travel(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.coordinator_side()
        first, second = payloads[0]["release"]["public_id"], payloads[2]["release"]["public_id"]
        for payload in payloads[:3]:
            self.assertEqual(self.receive(remote, payload).status, 202)
        self.assertEqual(self.stored(first).status, ReleaseStatus.SUPERSEDED)
        self.assertEqual(self.stored(second).status, ReleaseStatus.RELEASED)
        self.assertEqual(self.stored(second).supersedes_id, self.stored(first).pk)
        self.assertEqual(self.stored(second).supersede_reason, "Two cases were counted twice")
        self.assertEqual(self.receive(remote, payloads[3]).status, 202)
        withdrawn = self.stored(second)
        self.assertEqual(withdrawn.status, ReleaseStatus.WITHDRAWN)
        self.assertEqual(withdrawn.withdraw_reason, "A wrong unit was counted")
        with system_scope():
            self.assertIsNone(
                released_value(
                    partner=self.partner_al, indicator_code="cases_opened", period_start=START, period_end=END
                )
            )
            self.assertEqual(Release.objects.filter(partner=self.partner_al).count(), 2)

    def test_packages_arriving_out_of_order_never_make_an_older_version_current(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.coordinator_side()
        first, second = payloads[0]["release"]["public_id"], payloads[2]["release"]["public_id"]
        # Version 2 first, then version 1 as it was when released, then its supersession.
        for payload in (payloads[2], payloads[0], payloads[1]):
            self.assertEqual(self.receive(remote, payload).status, 202)
        self.assertEqual(self.stored(second).status, ReleaseStatus.RELEASED)
        self.assertEqual(self.stored(first).status, ReleaseStatus.SUPERSEDED)
        # A withdrawn release stays withdrawn whatever older package comes after.
        self.receive(remote, payloads[3])
        self.assertEqual(self.receive(remote, payloads[2]).status, 202)
        self.assertEqual(self.stored(second).status, ReleaseStatus.WITHDRAWN)

    def test_the_same_package_twice_is_processed_once(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.coordinator_side()
        with system_scope():
            body = remote.package(type="release", payload=payloads[0])
            from kujdes.network.federation.services import inbox_receive

            self.assertEqual(inbox_receive(body=body, via="https").status, 202)
            self.assertEqual(inbox_receive(body=body, via="https").status, 200)
            self.assertEqual(Release.objects.filter(partner=self.partner_al).count(), 1)
            self.assertEqual(InboxPackage.objects.filter(type="release").count(), 1)

    def test_a_release_about_a_partner_the_sender_does_not_host_is_refused(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.coordinator_side()
        stranger = remote_installation(name="Installation UA")
        with system_scope():
            stranger.add(partners=["ua"])
        result = self.receive(stranger, payloads[0])
        self.assertEqual((result.status, result.error), (422, "unknown_partner"))
        # Nor may it speak for a local partner ("fr" is an organisation here).
        other = copy.deepcopy(payloads[0])
        other["partner"] = "fr"
        result = self.receive(remote, other)
        self.assertEqual((result.status, result.error), (422, "unknown_partner"))
        with system_scope():
            self.assertFalse(Release.objects.exists())

    def test_a_package_cannot_touch_a_local_release_or_another_partners(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.coordinator_side()
        with system_scope():
            local = released(partner=self.partner_fr, tables={("cases_opened", ""): {"": 40}})
        hijack = copy.deepcopy(payloads[3])
        hijack["release"]["public_id"] = str(local.public_id)
        result = self.receive(remote, hijack)
        self.assertEqual((result.status, result.error), (422, "not_yours"))
        self.assertEqual(self.stored(str(local.public_id)).status, ReleaseStatus.RELEASED)

    def test_a_package_that_changes_released_figures_is_refused(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.coordinator_side()
        self.receive(remote, payloads[0])
        changed = copy.deepcopy(payloads[1])
        changed["tables"][0]["cells"][0]["value"] = 16
        result = self.receive(remote, changed)
        self.assertEqual((result.status, result.error), (422, "content_hash"))
        self.assertEqual(self.stored(payloads[0]["release"]["public_id"]).status, ReleaseStatus.RELEASED)

    def test_a_package_with_a_number_in_a_withheld_cell_is_refused(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.coordinator_side()
        leaking = copy.deepcopy(payloads[0])
        for cell in leaking["tables"][0]["cells"]:
            if cell["withheld"]:
                cell["value"] = 3
        result = self.receive(remote, leaking)
        self.assertEqual((result.status, result.error), (422, "withheld_number"))
        with system_scope():
            self.assertFalse(Release.objects.exists())

    def test_an_installation_that_does_not_host_the_coordinator_refuses_releases(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.coordinator_side()
        with system_scope():
            Installation.objects.update(hosts_coordinator=False)
        result = self.receive(remote, payloads[0])
        self.assertEqual((result.status, result.error), (422, "not_coordinator"))

    def test_a_malformed_release_is_refused_with_a_clear_code_and_nothing_stored(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.coordinator_side()
        for broken in (
            {"schema": "something else"},
            {**payloads[0], "tables": "none"},
            {**payloads[0], "release": {**payloads[0]["release"], "status": "draft"}},
            {**payloads[0], "release": {**payloads[0]["release"], "period_start": "yesterday"}},
        ):
            result = self.receive(remote, json.loads(json.dumps(broken)))
            self.assertEqual(result.status, 422, broken)
        with system_scope():
            self.assertFalse(Release.objects.exists())

    def test_a_remote_release_cannot_be_withdrawn_or_superseded_here(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.coordinator_side()
        self.receive(remote, payloads[0])
        public_id = payloads[0]["release"]["public_id"]
        self.login(self.coordinator)
        detail = self.client.get(reverse("network_release_detail", args=[public_id]))
        self.assertNotContains(detail, reverse("network_release_withdraw", args=[public_id]))
        self.login(self.admin)
        answer = self.client.post(
            reverse("network_release_withdraw", args=[public_id]), {"reason": "not ours to withdraw"}
        )
        self.assertIn(answer.status_code, (403, 404))
        self.assertEqual(self.stored(public_id).status, ReleaseStatus.RELEASED)

    def test_charlie_gets_no_remote_figures(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.coordinator_side()
        self.receive(remote, payloads[0])
        self.login(self.charlie)
        public_id = payloads[0]["release"]["public_id"]
        self.assertIn(
            self.client.get(reverse("network_release_detail", args=[public_id])).status_code, (403, 404)
        )
        self.assertIn(self.client.get(reverse("network_figures")).status_code, (403, 404))
