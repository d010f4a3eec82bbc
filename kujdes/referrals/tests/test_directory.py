"""The service directory: organisation administrators keep it; case workers and managers browse it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.referrals.models import ServiceProvider
from kujdes.referrals.seed import ALBANIA_DIRECTORY, providers_install_albania
from kujdes.referrals.services import provider_create, provider_update
from kujdes.referrals.tests.base import ReferralTestCase

NEW = {
    "name": "Qendra e Ndihmës Juridike",
    "provider_type": "LegalService",
    "country": "AL",
    "municipality": "Lezhë",
    "phone": "+355 00 000 0099",
    "email": "ndihme@example.invalid",
    "services": ["Legal"],
    "nrm_member": "on",
    "is_active": "on",
}


class DirectoryPageTests(ReferralTestCase):
    def test_the_admin_adds_an_entry_and_it_is_audited(self) -> None:
        self.login(self.admin)
        self.assertEqual(self.client.get(reverse("provider_create")).status_code, 200)
        response = self.client.post(reverse("provider_create"), NEW)
        self.assertRedirects(response, reverse("provider_list"))
        with system_scope():
            provider = ServiceProvider.objects.get(name=NEW["name"])
            event = AuditEvent.objects.get(
                action="referrals.provider.created", object_id=str(provider.public_id)
            )
        self.assertEqual((provider.services, provider.nrm_member), (["Legal"], True))
        self.assertEqual(event.actor, self.admin)

    def test_bad_input_keeps_what_was_typed(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            reverse("provider_create"), {**NEW, "email": "not-an-address", "provider_type": "Spa"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Qendra e Ndihmës Juridike", status_code=400)
        duplicate = self.client.post(
            reverse("provider_create"), {**NEW, "name": self.provider.name, "municipality": "Shkodër"}
        )
        self.assertEqual(duplicate.status_code, 400)

    def test_a_stale_edit_shows_both_versions(self) -> None:
        self.login(self.admin)
        url = reverse("provider_edit", kwargs={"public_id": self.provider.public_id})
        self.assertEqual(self.client.get(url).status_code, 200)
        first = {**NEW, "name": "Strehëz e re", "version": "1"}
        self.assertEqual(self.client.post(url, first).status_code, 302)
        stale = self.client.post(url, {**first, "name": "Strehëz tjetër"})
        self.assertEqual(stale.status_code, 409)
        self.assertContains(stale, "Strehëz tjetër", status_code=409)
        self.assertContains(stale, "Strehëz e re", status_code=409)
        with system_scope():
            self.assertTrue(AuditEvent.objects.filter(action="referrals.provider.updated").exists())

    def test_other_admins_and_case_workers_cannot_edit(self) -> None:
        url = reverse("provider_edit", kwargs={"public_id": self.provider.public_id})
        for user in (self.other_admin, self.alice, self.manager):
            self.login(user)
            self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("provider_create")).status_code, 403)
        with system_scope(), self.assertRaises(PermissionDenied):
            provider_create(
                actor=self.alice, organisation=self.org, name="X", provider_type="NGO", country="AL"
            )

    def test_case_workers_browse_and_filter_without_edit_links(self) -> None:
        with system_scope():
            providers_install_albania(organisation=self.org)
        self.login(self.alice)
        page = self.client.get(reverse("provider_list"))
        self.assertContains(page, self.provider.name)
        self.assertNotContains(page, "/edit")
        legal = self.client.get(reverse("provider_list"), {"service": "Legal"})
        self.assertContains(legal, "Qendra e Ndihmës Juridike Falas")
        self.assertNotContains(legal, self.provider.name)
        schools = self.client.get(reverse("provider_list"), {"type": "SchoolOrCollege", "nrm": "no"})
        self.assertContains(schools, "Shkolla e Mesme Profesionale")
        self.assertNotContains(schools, "Qendra Kombëtare e Pritjes")
        by_place = self.client.get(reverse("provider_list"), {"municipality": "Lezhë"})
        self.assertContains(by_place, "Qendra Shëndetësore Nr. 1")
        self.assertNotContains(by_place, self.provider.name)
        self.assertEqual(
            self.client.get(reverse("provider_list"), {"type": "Spa", "page": "x"}).status_code, 200
        )

    def test_dave_sees_only_his_organisations_directory(self) -> None:
        self.login(self.dave)
        self.assertNotContains(self.client.get(reverse("provider_list")), self.provider.name)
        self.assertEqual(self.client.get(reverse("api:providers_list")).json(), [])


class DirectoryServiceTests(ReferralTestCase):
    def test_the_albanian_directory_installs_once_with_fictitious_contacts(self) -> None:
        with system_scope():
            created = providers_install_albania(organisation=self.org)
            again = providers_install_albania(organisation=self.org)
        self.assertEqual(len(created), len(ALBANIA_DIRECTORY))
        self.assertEqual(again, [])
        self.assertTrue(all(p.email.endswith("@example.invalid") for p in created))
        self.assertTrue(any(p.provider_type == "LawEnforcement" for p in created))

    def test_validation_names_each_field(self) -> None:
        with system_scope(), self.assertRaises(ValidationError) as refused:
            provider_create(
                actor=self.admin,
                organisation=self.org,
                name=" ",
                provider_type="Spa",
                country="Albania",
                services=["Massage"],
                email="x@",
            )
        self.assertEqual(
            set(refused.exception.message_dict), {"name", "provider_type", "country", "services", "email"}
        )

    def test_an_update_is_versioned(self) -> None:
        from kujdes.core.locking import StaleVersion

        with system_scope():
            updated = provider_update(
                actor=self.admin, provider=self.provider, expected_version=1, changes={"is_active": False}
            )
            self.assertEqual(updated.version, 2)
            with self.assertRaises(StaleVersion):
                provider_update(
                    actor=self.admin, provider=self.provider, expected_version=1, changes={"phone": "1"}
                )
