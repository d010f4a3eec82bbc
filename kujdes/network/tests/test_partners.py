"""The partner directory: installing the shipped list, profiles, focal points, rights."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from kujdes.core.locking import StaleVersion
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.network.models import Partner
from kujdes.network.services import focal_point_add, partner_update, partners_install
from kujdes.network.tests.fixtures import network_fixtures


class PartnersInstallTests(BaseTestCase):
    def test_it_creates_the_eleven_partners_and_links_the_local_organisations(self) -> None:
        with system_scope():
            partners = {p.code: p for p in partners_install()}
        self.assertEqual(len(partners), 11)
        self.assertEqual(partners["al"].organisation, self.org)
        self.assertEqual(partners["fr"].organisation, self.other_org)
        self.assertIsNone(partners["ua"].organisation)
        self.assertEqual(partners["lb"].own_name("ar"), "كاريتاس لبنان")
        self.assertEqual(
            partners["lb"].own_name("sq"), "كاريتاس لبنان"
        )  # no Albanian name: its first own language
        self.assertEqual(partners["fr"].own_name("fr"), "Secours Catholique – Caritas France")

    def test_it_is_idempotent_and_keeps_edits(self) -> None:
        with system_scope():
            partners_install()
            Partner.objects.filter(code="ua").update(description="Edited by the coordinator")
            partners_install()
            self.assertEqual(Partner.objects.count(), 11)
            self.assertEqual(Partner.objects.get(code="ua").description, "Edited by the coordinator")


class PartnerProfileTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            network_fixtures(cls)

    def test_a_focal_point_edits_their_own_partner_and_it_is_audited(self) -> None:
        with system_scope():
            updated = partner_update(
                actor=self.admin, partner=self.partner_al, version=1, changes={"description": "Schools first"}
            )
            self.assertEqual(updated.version, 2)
            event = AuditEvent.objects.filter(action="network.partner.updated").get()
        self.assertEqual(event.organisation_id, self.org.pk)
        self.assertEqual(event.details, {"fields": ["description"]})

    def test_a_focal_point_cannot_edit_another_partner_nor_membership_fields(self) -> None:
        with system_scope(), self.assertRaises(PermissionDenied):
            partner_update(actor=self.other_admin, partner=self.partner_al, version=1, changes={"phone": "1"})
        with system_scope(), self.assertRaises(PermissionDenied):
            partner_update(actor=self.admin, partner=self.partner_al, version=1, changes={"status": "former"})

    def test_the_coordinator_changes_membership(self) -> None:
        with system_scope():
            updated = partner_update(
                actor=self.coordinator, partner=self.partner_ua, version=1, changes={"status": "suspended"}
            )
        self.assertEqual(updated.status, "suspended")

    def test_a_stale_save_is_refused(self) -> None:
        with system_scope():
            partner_update(actor=self.admin, partner=self.partner_al, version=1, changes={"phone": "+355 1"})
            with self.assertRaises(StaleVersion):
                partner_update(
                    actor=self.coordinator, partner=self.partner_al, version=1, changes={"phone": "2"}
                )

    def test_the_edit_page_keeps_what_was_typed_when_someone_saved_meanwhile(self) -> None:
        with system_scope():
            partner_update(
                actor=self.coordinator, partner=self.partner_al, version=1, changes={"phone": "+355 1"}
            )
        self.login(self.admin)
        response = self.client.post(
            reverse("network_partner_edit", kwargs={"public_id": self.partner_al.public_id}),
            {
                "name": "Org AL",
                "names": "sq: Org Shqipëri",
                "description": "Typed by the admin",
                "version": "1",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Typed by the admin")
        self.assertContains(response, 'name="version" value="2"')

    def test_a_badly_written_name_line_gets_a_message_not_an_error(self) -> None:
        self.login(self.coordinator)
        response = self.client.post(
            reverse("network_partner_edit", kwargs={"public_id": self.partner_al.public_id}),
            {
                "name": "Org AL",
                "names": "Caritas without a language",
                "version": "1",
                "code": "al",
                "country": "AL",
                "status": "active",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Caritas without a language")
        with system_scope():
            self.assertEqual(Partner.objects.get(pk=self.partner_al.pk).version, 1)

    def test_focal_points_are_listed_and_one_is_the_main_contact(self) -> None:
        with system_scope():
            focal_point_add(actor=self.admin, partner=self.partner_al, name="Second", is_primary=True)
            self.assertEqual(
                list(self.partner_al.focal_points.filter(is_primary=True).values_list("name", flat=True)),
                ["Second"],
            )
        self.login(self.dave)
        response = self.client.get(
            reverse("network_partner_detail", kwargs={"public_id": self.partner_al.public_id})
        )
        self.assertContains(response, "Second")
        self.assertNotContains(
            response, reverse("network_partner_edit", kwargs={"public_id": self.partner_al.public_id})
        )

    def test_the_directory_filters_by_theme_and_service(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("network_partner_list"), {"theme": "protection"})
        self.assertContains(response, "Org FR")
        self.assertNotContains(response, "Org Shqipëri")
        response = self.client.get(reverse("api:network_partners_list"), {"service": "reintegration"})
        self.assertEqual([p["code"] for p in response.json()], ["al"])

    def test_a_bad_filter_value_is_ignored_with_the_form_error_shown(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("network_partner_list"), {"country": "ZZ"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Org FR")

    def test_the_coordinator_signs_in_to_the_network_page(self) -> None:
        self.login(self.coordinator)
        response = self.client.get(reverse("home"))
        self.assertRedirects(response, reverse("network_home"))
