"""The employment pages and API: who sees what (Charlie and Dave get 404), forms that keep what was typed."""

from __future__ import annotations

import datetime

from django.urls import reverse

from kujdes.core.scoping import tenant_scope
from kujdes.programme.employment.models import Employer, PlacementFollowUp, ScreeningStatus
from kujdes.programme.employment.tests.fixtures import employment_fixtures, other_manager
from kujdes.reports.tests.builder_data import EnglishTestCase


class EmploymentPageTests(EnglishTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.other_manager = other_manager(cls)
        employment_fixtures(cls)
        cls.person = cls.em_placement.person
        with tenant_scope(organisation_ids=[cls.org.pk]):
            cls.follow_up = PlacementFollowUp.objects.get(placement=cls.em_placement, months=3)

    def _get(self, user, url: str, status: int) -> object:
        self.login(user)
        response = self.client.get(url)
        self.assertEqual(response.status_code, status, f"{user.username} {url}")
        return response

    def test_the_overview_is_for_staff_who_work_with_persons(self) -> None:
        response = self._get(self.educator, reverse("employment_home"), 200)
        self.assertContains(response, "Course graduates without a placement")
        self.assertContains(response, "Blerta")  # a graduate not placed yet
        self._get(self.volunteer, reverse("employment_home"), 403)
        self._get(self.viewer, reverse("employment_home"), 403)

    def test_another_organisation_cannot_see_the_employer(self) -> None:
        url = reverse("employment_employer_detail", args=[self.em_employer.public_id])
        self._get(self.educator, url, 200)
        self._get(self.dave, url, 404)
        self._get(self.other_manager, url, 404)

    def test_another_unit_reads_the_directory_but_cannot_edit_its_entry(self) -> None:
        self._get(self.charlie, reverse("employment_employer_detail", args=[self.em_employer.public_id]), 200)
        self._get(self.charlie, reverse("employment_employer_edit", args=[self.em_employer.public_id]), 404)

    def test_the_directory_filters_by_sector_and_counts(self) -> None:
        response = self._get(self.educator, reverse("employment_employer_list") + "?sector=C", 200)
        self.assertContains(response, "Fasoneri Veriu")
        self.assertNotContains(response, "Restorant Liqeni")
        self.assertNotContains(response, "Boulangerie")

    def test_a_wrong_municipality_is_refused_and_the_name_kept(self) -> None:
        self.login(self.manager)
        response = self.client.post(
            reverse("employment_employer_create"),
            {
                "unit": self.centre_a.pk,
                "name": "Pastiçeri Ema",
                "sector": "I",
                "municipality": "Atlantis",
                "agreement": "none",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Select a valid choice", status_code=400)
        self.assertContains(response, 'value="Pastiçeri Ema"', status_code=400)

    def test_a_duplicate_employer_is_refused_with_a_message(self) -> None:
        self.login(self.manager)
        response = self.client.post(
            reverse("employment_employer_create"),
            {
                "unit": self.centre_a.pk,
                "name": "Restorant Liqeni",
                "sector": "I",
                "municipality": "Shkodër",
                "agreement": "none",
            },
        )
        self.assertContains(response, "already in the directory", status_code=400)

    def test_the_pathway_is_seen_by_its_units_only(self) -> None:
        url = reverse("employment_pathway", args=[self.person.public_id])
        response = self._get(self.educator, url, 200)
        self.assertContains(response, "Ndihmëse kuzhiniere")  # the sealed position, opened for the page
        self._get(self.alice, url, 200)
        self._get(self.charlie, url, 404)
        self._get(self.dave, url, 404)
        self._get(self.volunteer, url, 404)

    def test_a_placement_and_a_follow_up_answer_404_to_charlie_and_dave(self) -> None:
        for url in (
            reverse("employment_placement_detail", args=[self.em_placement.public_id]),
            reverse("employment_follow_up", args=[self.follow_up.public_id]),
        ):
            self._get(self.educator, url, 200)
            self._get(self.charlie, url, 404)
            self._get(self.dave, url, 404)

    def test_a_job_without_employer_is_refused_and_the_position_kept(self) -> None:
        self.login(self.educator)
        response = self.client.post(
            reverse("employment_placement_create", args=[self.em_graduates[1].person.public_id]),
            {
                "unit": self.centre_a.pk,
                "kind": "job",
                "position": "Banakiere",
                "starts_on": "2025-05-02",
                "contract": "formal",
                "wage_band": "minimum",
            },
        )
        self.assertContains(response, "only self-employment has none", status_code=400)
        self.assertContains(response, 'value="Banakiere"', status_code=400)

    def test_a_follow_up_in_the_future_is_refused(self) -> None:
        self.login(self.educator)
        response = self.client.post(
            reverse("employment_follow_up", args=[self.follow_up.public_id]),
            {"recorded_on": "2099-01-01", "still_employed": "yes"},
        )
        self.assertContains(response, "cannot be in the future", status_code=400)

    def test_a_warning_sign_reaches_the_case_worker_who_records_the_screening(self) -> None:
        self.login(self.educator)
        response = self.client.post(
            reverse("employment_follow_up", args=[self.follow_up.public_id]),
            {
                "recorded_on": "2025-07-07",
                "still_employed": "yes",
                "conditions": "poor",
                "warning_signs": ["wages_withheld"],
            },
        )
        self.assertEqual(response.status_code, 302)
        # The person page of the case worker shows the screening awaiting them.
        response = self._get(self.alice, reverse("person_detail", args=[self.person.public_id]), 200)
        self.assertContains(response, "A warning sign at work opened a screening")
        screening_url = reverse("employment_follow_up_screening", args=[self.follow_up.public_id])
        self.login(self.charlie)
        self.assertEqual(self.client.post(screening_url).status_code, 404)
        self.login(self.educator)
        self.assertEqual(self.client.post(screening_url).status_code, 404)
        self.login(self.alice)
        response = self.client.post(screening_url, {"notes": "Biseduam."})
        self.assertEqual(response.status_code, 302)
        self.assertIn("/screening/", response["Location"])
        with tenant_scope(organisation_ids=[self.org.pk]):
            self.follow_up.refresh_from_db()
        self.assertEqual(self.follow_up.screening_status, ScreeningStatus.RECORDED)

    def test_a_grant_page_answers_404_to_another_unit(self) -> None:
        self.login(self.educator)
        response = self.client.post(
            reverse("employment_grant_create", args=[self.person.public_id]),
            {
                "unit": self.centre_a.pk,
                "business": "Furrë",
                "business_plan": "Plan",
                "amount": "100000",
                "currency": "ALL",
                "applied_on": "2025-06-01",
            },
        )
        self.assertEqual(response.status_code, 302)
        url = response["Location"]
        self._get(self.educator, url, 200)
        self._get(self.charlie, url, 404)
        self._get(self.dave, url, 404)

    def test_the_api_lists_an_organisations_own_employers_only(self) -> None:
        self.login(self.other_manager)
        response = self.client.get("/api/v1/employment/employers")
        self.assertEqual(response.status_code, 200)
        self.assertEqual([item["name"] for item in response.json()["items"]], ["Boulangerie du Port"])
        response = self.client.get(f"/api/v1/employment/employers/{self.em_employer.public_id}")
        self.assertEqual(response.status_code, 404)

    def test_the_api_hides_a_persons_placements_from_another_unit(self) -> None:
        url = f"/api/v1/employment/people/{self.person.public_id}/placements"
        self.login(self.charlie)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.educator)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual([fu["months"] for fu in response.json()[0]["follow_ups"]], [1, 3, 6, 12])

    def test_the_api_refuses_a_placement_with_clear_messages(self) -> None:
        self.login(self.educator)
        response = self.client.post(
            "/api/v1/employment/placements",
            {
                "person": str(self.em_graduates[1].person.public_id),
                "unit": str(self.centre_a.public_id),
                "kind": "job",
                "starts_on": str(datetime.date(2025, 5, 2)),
                "contract": "formal",
                "employer": str(self.em_bad_employer.public_id),
            },
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("employer", response.json()["errors"])
        with tenant_scope(organisation_ids=[self.org.pk]):
            self.assertTrue(Employer.objects.filter(pk=self.em_bad_employer.pk).exists())
