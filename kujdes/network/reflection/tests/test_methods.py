"""The methods register: versions replace one another; partners report which version they apply."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.network.reflection import selectors, services
from kujdes.network.reflection.tests.base import ReflectionTestCase


class MethodVersionTests(ReflectionTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.decision = services.decision_create(
                actor=cls.coordinator, meeting=cls.plenary, number="2026-01/3", text="Adopt common screening."
            )
            cls.v1 = services.method_create(
                actor=cls.coordinator,
                title="Common screening approach",
                summary="The ILO indicators, asked the same way.",
                version_label="1.0",
                decision=cls.decision,
                links=[{"title": "Checklist", "url": "https://example.org/checklist.pdf"}],
            )
            services.method_application_record(
                actor=cls.admin,
                method=cls.v1,
                partner=cls.partner_al,
                extent="full",
                since=datetime.date(2026, 2, 1),
            )
            cls.v2 = services.method_new_version(
                actor=cls.coordinator,
                previous=cls.v1,
                title="Common screening approach",
                summary="Now with online recruitment indicators.",
                version_label="1.1",
            )

    def test_the_decision_gives_the_method_its_meeting(self) -> None:
        self.assertEqual(self.v1.meeting, self.plenary)

    def test_the_register_shows_the_latest_version_only(self) -> None:
        with system_scope():
            register = list(selectors.methods_for_actor(actor=self.dave))
        self.assertEqual(
            [(m.title, m.version_label) for m in register], [("Common screening approach", "1.1")]
        )
        self.assertEqual(register[0].applied_by, 0)  # partners report again on the new version

    def test_the_history_runs_from_the_first_version_to_the_latest(self) -> None:
        self.assertEqual([m.version_label for m in selectors.method_lineage(self.v1)], ["1.0", "1.1"])
        self.assertEqual([m.version_label for m in selectors.method_lineage(self.v2)], ["1.0", "1.1"])

    def test_only_the_latest_version_gets_a_new_one_and_numbers_do_not_repeat(self) -> None:
        with system_scope(), self.assertRaises(ValidationError):
            services.method_new_version(
                actor=self.coordinator, previous=self.v1, title="x", summary="x", version_label="2.0"
            )
        with system_scope(), self.assertRaises(ValidationError):
            services.method_new_version(
                actor=self.coordinator, previous=self.v2, title="x", summary="x", version_label="1.0"
            )

    def test_a_report_on_the_same_version_replaces_the_earlier_one(self) -> None:
        with system_scope():
            services.method_application_record(
                actor=self.manager, method=self.v2, partner=self.partner_al, extent="planned"
            )
            services.method_application_record(
                actor=self.admin, method=self.v2, partner=self.partner_al, extent="partial"
            )
        self.assertEqual(
            list(self.v2.applications.values_list("extent", "reported_by")), [("partial", self.admin.pk)]
        )
        with system_scope():
            self.assertEqual(selectors.methods_for_actor(actor=self.dave).get().applied_by, 1)

    def test_the_method_page_shows_the_versions_and_the_partner_grid(self) -> None:
        with system_scope():
            services.method_application_record(
                actor=self.other_admin, method=self.v2, partner=self.partner_fr, extent="planned"
            )
        self.login(self.alice)
        response = self.client.get(reverse("network_method_detail", kwargs={"public_id": self.v1.public_id}))
        self.assertContains(response, "This is not the current version")
        grid = dict(response.context["grid"])
        self.assertEqual([a.extent if a else None for a in grid[self.partner_al]], ["full", None])
        self.assertEqual([a.extent if a else None for a in grid[self.partner_fr]], [None, "planned"])
        self.assertContains(response, "https://example.org/checklist.pdf")

    def test_the_new_version_form_starts_from_the_previous_text_and_checks_links(self) -> None:
        self.login(self.coordinator)
        url = reverse("network_method_new_version", kwargs={"public_id": self.v2.public_id})
        self.assertContains(self.client.get(url), "Now with online recruitment indicators.")
        response = self.client.post(
            url,
            {
                "title": "Common screening approach",
                "summary": "s",
                "version_label": "2.0",
                "links": "Guide | not a url",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Line 1", status_code=400)
        self.assertContains(response, "Guide | not a url", status_code=400)
