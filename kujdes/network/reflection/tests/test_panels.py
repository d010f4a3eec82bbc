"""The reflection's sections on the network dashboard and on a partner's page."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from kujdes.core.scoping import system_scope
from kujdes.network.reflection import services
from kujdes.network.reflection.tests.base import ReflectionTestCase


class PanelTests(ReflectionTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            services.meeting_create(
                actor=cls.coordinator,
                working_group=None,
                title="Autumn plenary",
                starts_at=timezone.now() + datetime.timedelta(days=20),
            )
            services.action_item_create(
                actor=cls.coordinator,
                meeting=cls.plenary,
                description="Send the screening checklist",
                owner_partner=cls.partner_fr,
                due_on=timezone.localdate() - datetime.timedelta(days=2),
            )
            services.decision_create(
                actor=cls.coordinator, meeting=cls.plenary, number="2026-02/1", text="Hold camps together."
            )
            method = services.method_create(
                actor=cls.coordinator, title="Camp safeguarding", summary="s", version_label="2.0"
            )
            services.method_application_record(
                actor=cls.other_admin, method=method, partner=cls.partner_fr, extent="full"
            )

    def test_the_dashboard_shows_the_next_meeting_overdue_actions_and_latest_decisions(self) -> None:
        self.login(self.coordinator)
        response = self.client.get(reverse("network_home"))
        self.assertContains(response, "Autumn plenary")
        self.assertContains(response, "1 overdue action item")
        self.assertContains(response, "Send the screening checklist")
        self.assertContains(response, "2026-02/1")

    def test_a_partners_page_shows_its_groups_methods_and_open_actions(self) -> None:
        self.login(self.alice)
        response = self.client.get(
            reverse("network_partner_detail", kwargs={"public_id": self.partner_fr.public_id})
        )
        self.assertContains(response, "Prevention in schools")
        self.assertContains(response, "Camp safeguarding 2.0")
        self.assertContains(response, "Send the screening checklist")

    def test_a_volunteer_gets_no_panel_and_no_page(self) -> None:
        self.login(self.volunteer)
        self.assertEqual(self.client.get(reverse("network_home")).status_code, 403)
