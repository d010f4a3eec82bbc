"""Saved reports pile up: the list is paged and counted, in the order of their names."""

from __future__ import annotations

from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.reports.services import saved_report_create
from kujdes.reports.tests.builder_data import EnglishTestCase


class ReportListPagesTests(EnglishTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            for index in range(30):
                saved_report_create(
                    actor=cls.manager,
                    name=f"Raporti {index:02d}",
                    unit=cls.diocese_a,
                    indicators=["cases_opened"],
                    dims=[],
                    period="last_month",
                    language="sq",
                )
            saved_report_create(
                actor=cls.alice,
                name="Alice's",
                unit=cls.diocese_a,
                indicators=["cases_opened"],
                dims=[],
                period="last_month",
                language="en",
            )

    def setUp(self) -> None:
        super().setUp()
        self.login(self.manager)

    def test_the_list_is_paged_with_its_count(self) -> None:
        response = self.client.get(reverse("report_list"))
        self.assertContains(response, "30 saved reports")
        self.assertContains(response, "Page 1 of 2")
        self.assertEqual(
            [r.name for r in response.context["reports"]], [f"Raporti {index:02d}" for index in range(25)]
        )
        self.assertContains(response, "?page=2")
        second = self.client.get(reverse("report_list"), {"page": "2"})
        self.assertEqual(
            [r.name for r in second.context["reports"]], [f"Raporti {index:02d}" for index in range(25, 30)]
        )
        self.assertContains(second, "Page 2 of 2")
        self.assertNotContains(second, "Alice&#x27;s")

    def test_a_bad_page_value_shows_a_page(self) -> None:
        for value in ("abc", "999", "-3"):
            with self.subTest(page=value):
                response = self.client.get(reverse("report_list"), {"page": value})
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "30 saved reports")

    def test_another_reporter_counts_only_their_own(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("report_list"))
        self.assertContains(response, "1 saved report")
        self.assertNotContains(response, "Page 1 of")
