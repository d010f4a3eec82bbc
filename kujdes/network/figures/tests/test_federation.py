"""A release's CTDC-coded table, added after the release, travels to the coordinator's installation too.

The partner's side adds the CTDC table to its current release (victim-assistance cases of 2025 through
the real reports path) and queues the release again; the coordinator's side, which already had the
release, gets the new table beside the figures it had, and the coordinator downloads its records.
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse

from kujdes.cases.services import case_create
from kujdes.core.scoping import system_scope, tenant_scope
from kujdes.network.federation.tests.peers import installation_here, remote_installation
from kujdes.network.figures.services import ctdc_table_release
from kujdes.network.models import Partner
from kujdes.network.releases.federation import payload_content_hash, release_payload
from kujdes.network.releases.models import Release, ReleaseTable
from kujdes.network.releases.tests.factories import released
from kujdes.network.tests.base import NetworkTestCase
from kujdes.network.tests.fixtures import network_fixtures
from kujdes.people.services import person_create


class CtdcTableTravelsTests(NetworkTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with tenant_scope(organisation_ids=[cls.org.pk]):
            for index in range(12):
                person = person_create(
                    actor=None,
                    unit=cls.diocese_a,
                    given_name=f"Qarkullim{index}",
                    family_name="Test",
                    sex="Feminine",
                    birth_year=2004,
                    citizenships=["AL"],
                )
                case_create(
                    actor=None,
                    person=person,
                    unit=cls.diocese_a,
                    case_type="victim_assistance",
                    opened_on=datetime.date(2025, 2, 1 + index),
                    trafficking_status="ActualVictimOfTrafficking",
                    exploitation_types=["SexualExploitation"],
                )
        with system_scope():
            network_fixtures(cls)

    def release_with_its_hash(self) -> Release:
        with system_scope():
            release = released(partner=self.partner_al, tables={("direct_beneficiaries", ""): {"": 40}})
            # The factory writes released rows directly; the hash is what releasing would have stored.
            Release.objects.filter(pk=release.pk).update(
                content_hash=payload_content_hash(payload=release_payload(release=release))
            )
            release.refresh_from_db()
        return release

    def payloads(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The release as first pushed, and as pushed again with its CTDC table (then rolled back)."""
        with transaction.atomic():
            with system_scope():
                installation_here(name="Installation AL")
                coordinator = remote_installation(name="Coordinator installation", hosts_coordinator=True)
                coordinator.add(partners=[])
            release = self.release_with_its_hash()
            with system_scope():
                first = release_payload(release=release)
            with tenant_scope(organisation_ids=[self.org.pk], user_id=self.admin.pk):
                ctdc_table_release(actor=self.admin, release=release, recently_authenticated=True)
            with system_scope():
                (package,) = coordinator.outbox(type="release")
                again = coordinator.open(package)
            transaction.set_rollback(True)
        return first, again

    def test_the_release_is_pushed_again_with_its_ctdc_table_and_the_coordinator_gets_it(self) -> None:
        first, again = self.payloads()
        self.assertEqual([t["kind"] for t in first["tables"]], ["table"])
        self.assertEqual([t["kind"] for t in again["tables"]], ["table", "ctdc"])
        self.assertEqual(again["tables"][1]["cells"][0]["value"], 12)
        with system_scope():
            installation_here(name="Coordinator installation", hosts_coordinator=True)
            Partner.objects.filter(pk=self.partner_al.pk).update(organisation=None)
            remote = remote_installation(name="Installation AL")
            remote.add(partners=["al"])
            self.assertEqual(remote.send(type="release", payload=copy.deepcopy(first)).status, 202)
            self.assertEqual(remote.send(type="release", payload=again).status, 202)
            release = Release.objects.get(public_id=first["release"]["public_id"])
            self.assertEqual(
                list(ReleaseTable.objects.filter(release=release).values_list("kind", flat=True)),
                ["table", "ctdc"],
            )
        self.login(self.coordinator)
        download = self.client.get(reverse("network_figures_release_ctdc", args=[release.public_id]))
        self.assertEqual(download.status_code, 200)
        self.assertEqual(download.content.decode().strip().count("\n"), 12)  # a header and 12 records
