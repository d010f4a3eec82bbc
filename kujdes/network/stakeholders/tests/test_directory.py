"""The directory's filters, creating and editing stakeholders on the service directory, agreements,
the joint initiatives they take part in, and the partner page's panel."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.network.stakeholders import selectors, services
from kujdes.network.stakeholders.models import Agreement, StakeholderProfile
from kujdes.network.stakeholders.selectors import DirectoryFilters
from kujdes.network.stakeholders.tests.base import StakeholderTestCase
from kujdes.programme.models import Initiative, InitiativeAction
from kujdes.programme.services import initiative_action_add, initiative_create
from kujdes.referrals.models import ServiceProvider
from kujdes.referrals.services import provider_create

LIST = "network_stakeholder_list"


def _names(response: object) -> list[str]:
    return [entry.name for entry in response.context["page"].object_list]  # type: ignore[attr-defined]


class FilterTests(StakeholderTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.school = services.stakeholder_create(
                actor=cls.manager,
                organisation=cls.org,
                provider_fields={"name": "Shkolla e Mesme Lezhë", "country": "AL", "municipality": "Lezhë"},
                profile_fields={"stakeholder_type": "school", "level": "local", "themes": ["prevention"]},
            )

    def test_the_directory_filters_by_country_type_level_and_theme(self) -> None:
        self.login(self.alice)
        cases = {
            "country=FR": ["Inspection du travail Marseille"],
            "country=AL": ["Police Directorate Shkodër", "Shkolla e Mesme Lezhë"],
            "type=school": ["Shkolla e Mesme Lezhë"],
            "level=national": ["Inspection du travail Marseille"],
            "theme=identification": ["Police Directorate Shkodër"],
            "theme=prevention&country=AL": ["Shkolla e Mesme Lezhë"],
            "partner=fr": ["Inspection du travail Marseille"],
            "partner=al": [
                "Inspection du travail Marseille",
                "Police Directorate Shkodër",
                "Shkolla e Mesme Lezhë",
            ],
        }
        for query, expected in cases.items():
            with self.subTest(query=query):
                response = self.client.get(reverse(LIST) + "?" + query)
                self.assertEqual(sorted(_names(response)), sorted(expected))

    def test_the_text_search_ignores_case_and_accents(self) -> None:
        self.login(self.alice)
        self.assertEqual(
            _names(self.client.get(reverse(LIST), {"q": "shkoder"})), ["Police Directorate Shkodër"]
        )
        self.assertEqual(_names(self.client.get(reverse(LIST), {"q": "LEZHE"})), ["Shkolla e Mesme Lezhë"])

    def test_a_bad_filter_value_is_explained_and_does_not_fail(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse(LIST), {"type": "<script>", "country": "FR"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors["type"])
        self.assertEqual(_names(response), ["Inspection du travail Marseille"])
        api = self.client.get(reverse("api:network_stakeholders_list"), {"level": "galactic"})
        self.assertEqual(api.status_code, 422)

    def test_the_api_filters_like_the_page(self) -> None:
        self.login(self.alice)
        rows = self.client.get(reverse("api:network_stakeholders_list"), {"theme": "prevention"}).json()
        self.assertEqual(
            [(r["name"], r["private"], r["shared"]) for r in rows], [("Shkolla e Mesme Lezhë", True, False)]
        )
        shared = self.client.get(
            reverse("api:network_stakeholders_get", kwargs={"stakeholder_id": self.shared_fr.public_id})
        ).json()
        self.assertEqual(shared["partner"], "fr")
        self.assertEqual(shared["contact"]["email"], "inspectrice@example.invalid")
        self.assertEqual(shared["agreements"][0]["title"], "Protocole d'orientation")


class CreateTests(StakeholderTestCase):
    def _form(self, **values: object) -> dict[str, object]:
        return {
            "name": "Ambasada e Italisë",
            "stakeholder_type": "embassy",
            "level": "international",
            "country": "AL",
            "municipality": "Tiranë",
            "themes": ["protection"],
            "partners": [self.partner_al.pk],
            "contact_name": "Consular Officer",
            **values,
        }

    def test_a_programme_manager_adds_an_institution_to_the_service_directory_and_the_stakeholders(
        self,
    ) -> None:
        self.login(self.manager)
        response = self.client.post(reverse("network_stakeholder_create"), self._form())
        self.assertEqual(response.status_code, 302)
        with system_scope():
            provider = ServiceProvider.objects.get(name="Ambasada e Italisë")
            # One record: the directory's entry, with the nearest HTCDS type, and its profile.
            self.assertEqual(provider.provider_type, "CentralGovernmentOrganisation")
            self.assertEqual(provider.organisation, self.org)
            profile = StakeholderProfile.objects.get(provider=provider)
            self.assertEqual((profile.stakeholder_type, profile.level), ("embassy", "international"))
            actions = set(AuditEvent.objects.filter(organisation=self.org).values_list("action", flat=True))
        self.assertIn("referrals.provider.created", actions)
        self.assertIn("network.stakeholders.created", actions)
        self.assertRedirects(
            response, reverse("network_stakeholder_detail", kwargs={"public_id": profile.public_id})
        )

    def test_an_entry_of_the_service_directory_becomes_a_stakeholder_without_a_second_record(self) -> None:
        with system_scope():
            provider = provider_create(
                actor=None, organisation=self.org, name="Strehëz Vlorë", provider_type="NGO", country="AL"
            )
            before = ServiceProvider.objects.count()
        self.login(self.admin)
        url = reverse("network_stakeholder_create") + f"?provider={provider.public_id}"
        form = self.client.get(url)
        self.assertEqual(form.context["form"].initial["stakeholder_type"], "ngo")
        response = self.client.post(
            url,
            self._form(
                name="Strehëz Vlorë",
                stakeholder_type="ngo",
                level="national",
                municipality="",
                provider=str(provider.public_id),
                provider_version=provider.version,
            ),
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            self.assertEqual(ServiceProvider.objects.count(), before)
            self.assertEqual(StakeholderProfile.objects.get(provider=provider).level, "national")
        # Once profiled, it is no longer offered, and a second profile is refused.
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_bad_input_is_explained_and_keeps_what_was_typed(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            reverse("network_stakeholder_create"), self._form(level="", contact_email="not-an-address")
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Ambasada e Italisë", status_code=400)
        self.assertTrue(response.context["form"].errors["contact_email"])
        self.assertTrue(response.context["form"].errors["level"])

    def test_the_same_institution_twice_is_refused_by_the_service_directory(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            reverse("network_stakeholder_create"),
            self._form(name="Police Directorate Shkodër", municipality="Shkodër"),
        )
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["form"].errors["name"])

    def test_an_edit_over_someone_elses_save_is_refused_and_keeps_the_typing(self) -> None:
        self.login(self.admin)
        url = reverse("network_stakeholder_edit", kwargs={"public_id": self.stakeholder_al.public_id})
        initial = self.client.get(url).context["form"].initial
        with system_scope():
            services.stakeholder_update(
                actor=self.manager,
                profile=self.stakeholder_al,
                version=initial["version"],
                provider_version=initial["provider_version"],
                provider_fields={},
                profile_fields={"level": "national"},
            )
        data = {k: v for k, v in initial.items() if v not in (None, [])}
        data.update(themes=["identification"], contact_role="Head of unit", partners=[self.partner_al.pk])
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Head of unit", status_code=409)
        # Saving again (with the new version in the form) goes through.
        again = response.context["form"].data.copy()
        self.assertEqual(self.client.post(url, again).status_code, 302)
        with system_scope():
            self.assertEqual(
                StakeholderProfile.objects.get(pk=self.stakeholder_al.pk).contact_role, "Head of unit"
            )


class AgreementTests(StakeholderTestCase):
    def test_an_agreement_is_recorded_with_its_document_stored_encrypted(self) -> None:
        self.login(self.manager)
        url = reverse(
            "network_stakeholder_agreement_add", kwargs={"public_id": self.stakeholder_al.public_id}
        )
        upload = SimpleUploadedFile("protocol.pdf", b"%PDF-1.7\nsecret-clause\n%%EOF\n")
        response = self.client.post(
            url,
            {
                "kind": "protocol",
                "title": "Referral protocol",
                "signed_on": "2026-01-15",
                "valid_from": "2026-02-01",
                "valid_until": "2027-01-31",
                "document": upload,
            },
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            agreement = Agreement.objects.get(title="Referral protocol")
        self.assertEqual(agreement.content_type, "application/pdf")
        from kujdes.core.files import _storage_path

        self.assertNotIn(b"secret-clause", _storage_path(agreement.file_id).read_bytes())

    def test_a_document_of_the_wrong_kind_or_bad_dates_are_refused_with_a_message(self) -> None:
        self.login(self.admin)
        url = reverse(
            "network_stakeholder_agreement_add", kwargs={"public_id": self.stakeholder_al.public_id}
        )
        response = self.client.post(
            url,
            {
                "kind": "mou",
                "title": "MoU",
                "valid_from": "2026-05-01",
                "valid_until": "2026-01-01",
                "document": SimpleUploadedFile("run.exe", b"MZ\x90\x00 not a document"),
            },
        )
        self.assertEqual(response.status_code, 400)
        errors = response.context["form"].errors
        self.assertIn("document", errors)
        self.assertIn("valid_until", errors)
        self.assertContains(response, "MoU", status_code=400)
        bad_date = self.client.post(url, {"kind": "mou", "title": "MoU", "signed_on": "2026-13-45"})
        self.assertEqual(bad_date.status_code, 400)


class InitiativeLinkTests(StakeholderTestCase):
    def test_the_page_shows_the_initiatives_and_actions_that_name_the_institution_without_copying_them(
        self,
    ) -> None:
        with system_scope():
            provider = self.stakeholder_al.provider
            initiative = initiative_create(
                actor=self.manager,
                unit=self.diocese_a,
                title="Local round table against trafficking",
                started_on=datetime.date(2026, 1, 10),
                partners=[provider],
            )
            other = initiative_create(
                actor=self.manager,
                unit=self.diocese_a,
                title="Safe schools network",
                started_on=datetime.date(2026, 2, 1),
            )
            initiative_action_add(
                actor=self.manager,
                initiative=other,
                kind="lobbying_meeting",
                title="Meeting with the police chief",
                date=datetime.date(2026, 3, 1),
                partners=[provider],
            )
            counts = (Initiative.objects.count(), InitiativeAction.objects.count())
        self.login(self.manager)
        page = self.client.get(
            reverse("network_stakeholder_detail", kwargs={"public_id": self.stakeholder_al.public_id})
        )
        self.assertContains(page, "Local round table against trafficking")
        self.assertContains(page, reverse("initiative_detail", kwargs={"public_id": initiative.public_id}))
        self.assertContains(page, "Meeting with the police chief")
        with system_scope():
            self.assertEqual((Initiative.objects.count(), InitiativeAction.objects.count()), counts)
            involved = selectors.initiatives_involving(actor=self.manager, profile=self.stakeholder_al)
            self.assertEqual(
                [i.title for i in involved.initiatives], ["Local round table against trafficking"]
            )
            # Those without programme.view (the data protection officer) see none of them.
            self.assertEqual(
                selectors.initiatives_involving(actor=self.dpo, profile=self.stakeholder_al).initiatives, []
            )


class PartnerPanelTests(StakeholderTestCase):
    def test_a_partners_page_lists_the_stakeholders_it_shared_or_works_with(self) -> None:
        self.login(self.dave)
        page = self.client.get(
            reverse("network_partner_detail", kwargs={"public_id": self.partner_al.public_id})
        )
        # "fr" shared the labour inspectorate and names "al" among the partners that work with it.
        self.assertContains(page, "Inspection du travail Marseille")
        self.assertNotContains(page, "Police Directorate Shkodër")
        self.login(self.alice)
        page = self.client.get(
            reverse("network_partner_detail", kwargs={"public_id": self.partner_al.public_id})
        )
        self.assertContains(page, "Police Directorate Shkodër")

    def test_the_directory_selector_lists_own_private_and_all_shared(self) -> None:
        with system_scope():
            names = [
                e.name for e in selectors.stakeholder_directory(actor=self.dave, filters=DirectoryFilters())
            ]
        self.assertEqual(names, ["Inspection du travail Marseille"])
