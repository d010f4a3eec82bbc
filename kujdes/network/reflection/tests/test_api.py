"""The reflection's API: meetings, one meeting with its parts, decisions by words, the methods register."""

from __future__ import annotations

import datetime
import uuid

from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.network.reflection import services
from kujdes.network.reflection.tests.base import ReflectionTestCase


class ReflectionApiTests(ReflectionTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            services.agenda_item_add(
                actor=cls.admin, meeting=cls.group_meeting, topic="Pilot schools", presenter="Org AL"
            )
            services.meeting_attendance_record(
                actor=cls.admin, meeting=cls.group_meeting, statuses={cls.partner_fr.pk: "present"}
            )
            services.meeting_minutes_save(
                actor=cls.admin, meeting=cls.group_meeting, version=None, minutes="We met."
            )
            cls.decision = services.decision_create(
                actor=cls.coordinator,
                meeting=cls.group_meeting,
                number="2026-WG1/1",
                text="Le pilote démarre à l'école.",
                scope="working_group",
            )
            services.action_item_create(
                actor=cls.admin,
                meeting=cls.group_meeting,
                decision=cls.decision,
                description="Write the pilot plan",
                owner_partner=cls.partner_al,
                due_on=datetime.date(2026, 1, 2),
            )
            method = services.method_create(
                actor=cls.coordinator, title="Camp standard", summary="s", version_label="1.0"
            )
            services.method_new_version(
                actor=cls.coordinator,
                previous=method,
                title="Camp standard",
                summary="s",
                version_label="2.0",
            )

    def test_a_meeting_carries_its_agenda_attendance_minutes_decisions_and_actions(self) -> None:
        self.login(self.dave)
        url = reverse(
            "api:network_reflection_meetings_get", kwargs={"meeting_id": self.group_meeting.public_id}
        )
        body = self.client.get(url).json()
        self.assertEqual(body["working_group"], "Prevention in schools")
        self.assertEqual([i["topic"] for i in body["agenda"]], ["Pilot schools"])
        self.assertEqual(body["attendance"], [{"partner": "fr", "status": "present"}])
        self.assertEqual(body["minutes"], "We met.")
        self.assertEqual([d["number"] for d in body["decisions"]], ["2026-WG1/1"])
        self.assertEqual(body["actions"][0]["decision"], "2026-WG1/1")
        self.assertTrue(body["actions"][0]["overdue"])

    def test_meetings_list_upcoming_and_past(self) -> None:
        self.login(self.dave)
        url = reverse("api:network_reflection_meetings_list")
        self.assertEqual(len(self.client.get(url).json()), 2)
        self.assertEqual(self.client.get(url, {"when": "upcoming"}).json(), [])
        self.assertEqual(self.client.get(url, {"when": "soon"}).status_code, 400)

    def test_decisions_are_found_without_accents(self) -> None:
        self.login(self.dave)
        url = reverse("api:network_reflection_decisions_list")
        self.assertEqual(
            [d["number"] for d in self.client.get(url, {"q": "demarre ECOLE"}).json()], ["2026-WG1/1"]
        )
        self.assertEqual(self.client.get(url, {"q": "nothing like it"}).json(), [])
        self.assertIn(self.client.get(url, {"year": "soon"}).status_code, {400, 422})

    def test_the_register_lists_the_current_version_with_its_history(self) -> None:
        self.login(self.dave)
        body = self.client.get(reverse("api:network_reflection_methods_list")).json()
        self.assertEqual(
            [(m["title"], m["version"], m["previous_versions"]) for m in body],
            [("Camp standard", "2.0", ["1.0"])],
        )

    def test_a_missing_meeting_is_a_json_404_and_a_volunteer_a_403(self) -> None:
        self.login(self.dave)
        url = reverse("api:network_reflection_meetings_get", kwargs={"meeting_id": uuid.uuid4()})
        response = self.client.get(url)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
        self.login(self.volunteer)
        self.assertEqual(self.client.get(reverse("api:network_reflection_methods_list")).status_code, 403)
