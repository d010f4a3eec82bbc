"""Milestone reports across installations: a focal point's report reaches the coordinator's installation.

The partner's side is this installation with partner "al" local and a fake coordinator installation
(real keys, its card through `peer_add`) that opens what is queued for it. The coordinator's side
is this installation hosting the coordinator, partner "al" remote and hosted by a fake installation
that signs the very payload the partner's side produced.
"""

from __future__ import annotations

import copy
import uuid
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.network.federation.models import Installation, OutboxPackage
from kujdes.network.federation.tests.peers import installation_here, remote_installation
from kujdes.network.milestones import federation, selectors, services
from kujdes.network.milestones.models import Framework, Milestone, ProgressReport, UpdateStatus
from kujdes.network.milestones.selectors import Source
from kujdes.network.milestones.tests.routes import milestone_fixtures
from kujdes.network.models import Partner
from kujdes.network.releases.tests.test_federation import PERSON_FIELDS, keys_of
from kujdes.network.tests.base import NetworkTestCase

EVIDENCE = "Attendance sheets of the six trainings, kept at the national office"


class MilestoneFederationCase(NetworkTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            milestone_fixtures(cls)

    def setUp(self) -> None:
        super().setUp()
        scope = system_scope()
        scope.__enter__()
        self.addCleanup(scope.__exit__, None, None, None)

    def report(self, value: int = 11) -> ProgressReport:
        return services.progress_report(
            actor=self.admin,
            milestone=self.ms_milestone,
            partner=self.partner_al,
            year=2026,
            value=Decimal(value),
            evidence=EVIDENCE,
            comment="Two more planned in the autumn.",
            attachment="https://files.example.invalid/trainings-2026",
        )

    def partner_side(self):  # noqa: ANN201
        installation_here(name="Installation AL")
        coordinator = remote_installation(name="Coordinator installation", hosts_coordinator=True)
        coordinator.add(partners=[])
        return coordinator

    _payload: dict[str, Any] | None = None

    def payload_made_on_the_partners_installation(self) -> dict[str, Any]:
        """The payload the partner's installation queued for a report (then all of it rolled back)."""
        if MilestoneFederationCase._payload is None:
            with transaction.atomic():
                coordinator = self.partner_side()
                self.report()
                (package,) = coordinator.outbox(type="milestone-report")
                MilestoneFederationCase._payload = coordinator.open(package)
                transaction.set_rollback(True)
        return copy.deepcopy(MilestoneFederationCase._payload)


class PartnerSideTests(MilestoneFederationCase):
    def test_a_focal_points_report_is_queued_for_the_coordinators_installation(self) -> None:
        coordinator = self.partner_side()
        report = self.report()
        (package,) = coordinator.outbox(type="milestone-report")
        payload = coordinator.open(package)
        self.assertEqual(payload["partner"], "al")
        self.assertEqual(payload["milestone"], {"public_id": str(self.ms_milestone.public_id), "code": "m1"})
        self.assertEqual(payload["framework"]["public_id"], str(self.ms_framework.public_id))
        self.assertEqual(
            (payload["framework"]["first_year"], payload["framework"]["last_year"]), (2026, 2028)
        )
        self.assertEqual(payload["report"]["public_id"], str(report.public_id))
        self.assertEqual(
            (payload["report"]["year"], Decimal(payload["report"]["value"])), (2026, Decimal(11))
        )
        self.assertEqual(payload["report"]["evidence"], EVIDENCE)

    def test_a_report_package_holds_nothing_about_a_person(self) -> None:
        coordinator = self.partner_side()
        self.report()
        (package,) = coordinator.outbox(type="milestone-report")
        payload = coordinator.open(package)
        self.assertEqual(set(payload), set(federation.PAYLOAD_FIELDS))
        self.assertEqual(set(payload["report"]), set(federation.REPORT_FIELDS))
        self.assertEqual(set(payload["milestone"]), set(federation.MILESTONE_FIELDS))
        self.assertEqual(set(payload["framework"]), set(federation.FRAMEWORK_FIELDS))
        self.assertFalse(keys_of(payload) & PERSON_FIELDS)
        for canary in (self.admin.username, self.admin.email, self.admin.first_name + " Test"):
            self.assertNotIn(canary.encode(), bytes(package.envelope))

    def test_nothing_is_sent_standalone_or_when_the_coordinator_works_here(self) -> None:
        self.report()
        self.assertFalse(OutboxPackage.objects.exists())
        installation_here(hosts_coordinator=True)
        remote_installation(name="Other", hosts_coordinator=True).add(partners=[])
        self.report(12)
        self.assertFalse(OutboxPackage.objects.filter(type="milestone-report").exists())


class CoordinatorSideTests(MilestoneFederationCase):
    def coordinator_side(self):  # noqa: ANN201
        installation_here(name="Coordinator installation", hosts_coordinator=True)
        Partner.objects.filter(pk=self.partner_al.pk).update(organisation=None)
        remote = remote_installation(name="Installation AL", country="AL")
        remote.add(partners=["al"])
        return remote

    def test_a_received_report_is_the_partners_progress_in_the_framework(self) -> None:
        payload = self.payload_made_on_the_partners_installation()
        remote = self.coordinator_side()
        result = remote.send(type="milestone-report", payload=payload)
        self.assertEqual(result.status, 202, result)
        report = ProgressReport.objects.get(public_id=payload["report"]["public_id"])
        self.assertEqual((report.partner_id, report.milestone_id), (self.partner_al.pk, self.ms_milestone.pk))
        self.assertEqual(
            (report.package_id, report.sender_installation_id), (result.package_id, remote.installation_id)
        )
        self.assertIsNone(report.reported_by_id)
        progress = selectors.progress_value(milestone=self.ms_milestone, partner=self.partner_al, year=2026)
        self.assertEqual((progress.value, progress.source, progress.report), (11.0, Source.REPORT, report))
        # It answers the coordinator's open request to the partner, like a report made here.
        self.ms_request.refresh_from_db()
        self.assertEqual(self.ms_request.status, UpdateStatus.ANSWERED)
        self.login(self.coordinator)
        page = self.client.get(reverse("network_milestone_detail", args=[self.ms_milestone.public_id]))
        self.assertContains(page, EVIDENCE)
        self.assertContains(page, "from Installation AL")
        page = self.client.get(reverse("network_milestone_partner", args=[self.partner_al.public_id]))
        self.assertContains(page, "from Installation AL")

    def test_a_milestone_defined_here_only_is_found_by_its_code(self) -> None:
        payload = self.payload_made_on_the_partners_installation()
        remote = self.coordinator_side()
        # The partner's copy of the framework has ids of its own.
        payload["milestone"]["public_id"] = str(uuid.uuid4())
        payload["framework"]["public_id"] = str(uuid.uuid4())
        self.assertEqual(remote.send(type="milestone-report", payload=payload).status, 202)
        report = ProgressReport.objects.get(public_id=payload["report"]["public_id"])
        self.assertEqual(report.milestone_id, self.ms_milestone.pk)

    def test_a_report_for_an_unknown_milestone_is_refused(self) -> None:
        payload = self.payload_made_on_the_partners_installation()
        remote = self.coordinator_side()
        unknown = copy.deepcopy(payload)
        unknown["milestone"] = {"public_id": str(uuid.uuid4()), "code": "m99"}
        result = remote.send(type="milestone-report", payload=unknown)
        self.assertEqual((result.status, result.error), (422, "unknown_milestone"))
        outside = copy.deepcopy(payload)
        outside["report"]["year"] = 2031
        result = remote.send(type="milestone-report", payload=outside)
        self.assertEqual((result.status, result.error), (422, "unknown_milestone"))
        # Two frameworks of those years with the same code: which one is meant cannot be told.
        twin = Framework.objects.create(title="Twin", first_year=2026, last_year=2028, status="active")
        Milestone.objects.create(framework=twin, code="m1", title="Twin", indicator_kind="manual", unit="x")
        ambiguous = copy.deepcopy(payload)
        ambiguous["milestone"]["public_id"] = ambiguous["framework"]["public_id"] = str(uuid.uuid4())
        result = remote.send(type="milestone-report", payload=ambiguous)
        self.assertEqual((result.status, result.error), (422, "unknown_milestone"))
        self.assertFalse(ProgressReport.objects.filter(public_id=payload["report"]["public_id"]).exists())

    def test_a_report_about_a_partner_the_sender_does_not_host_is_refused(self) -> None:
        payload = self.payload_made_on_the_partners_installation()
        self.coordinator_side()
        stranger = remote_installation(name="Installation UA")
        stranger.add(partners=["ua"])
        result = stranger.send(type="milestone-report", payload=payload)
        self.assertEqual((result.status, result.error), (422, "unknown_partner"))
        payload["partner"] = "fr"  # an organisation of this installation
        result = stranger.send(type="milestone-report", payload=payload)
        self.assertEqual((result.status, result.error), (422, "unknown_partner"))

    def test_the_same_report_twice_is_stored_once_and_a_local_report_cannot_be_overwritten(self) -> None:
        payload = self.payload_made_on_the_partners_installation()
        remote = self.coordinator_side()
        self.assertEqual(remote.send(type="milestone-report", payload=payload).status, 202)
        self.assertEqual(remote.send(type="milestone-report", payload=payload).status, 202)  # another package
        self.assertEqual(ProgressReport.objects.filter(public_id=payload["report"]["public_id"]).count(), 1)
        hijack = copy.deepcopy(payload)
        hijack["report"]["public_id"] = str(self.ms_report.public_id)
        result = remote.send(type="milestone-report", payload=hijack)
        self.assertEqual((result.status, result.error), (422, "not_yours"))

    def test_an_installation_that_does_not_host_the_coordinator_refuses_reports(self) -> None:
        payload = self.payload_made_on_the_partners_installation()
        remote = self.coordinator_side()
        Installation.objects.update(hosts_coordinator=False)
        result = remote.send(type="milestone-report", payload=payload)
        self.assertEqual((result.status, result.error), (422, "not_coordinator"))
