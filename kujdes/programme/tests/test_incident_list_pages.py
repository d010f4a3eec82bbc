"""A camp's incident log grows over the summers: paged and counted, only the page shown is read."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.programme import services
from kujdes.programme.tests.test_camp import CampTestCase


class IncidentListPagesTests(CampTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            # 30 more, an hour apart, the newest first "Incident 00"; with the fixtures' one: 31.
            now = timezone.now()
            for index in range(30):
                services.incident_record(
                    actor=cls.manager,
                    activity=cls.pg_camp,
                    occurred_at=now - datetime.timedelta(minutes=5 + 60 * index),
                    severity="minor",
                    description=f"Incident {index:02d}",
                )

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.login(self.manager)

    def test_the_log_is_paged_with_its_count(self) -> None:
        response = self.client.get(self.camp_url("incident_list"))
        self.assertContains(response, "31 incidents")
        self.assertContains(response, "Page 1 of 2")
        self.assertEqual(len(response.context["incidents"]), 25)
        self.assertEqual(response.context["incidents"][0].description, "Incident 00")
        self.assertContains(response, "?page=2")
        second = self.client.get(self.camp_url("incident_list"), {"page": "2"})
        self.assertEqual(len(second.context["incidents"]), 6)
        self.assertContains(second, "Incident 29")
        self.assertNotContains(second, "Incident 00")
        self.assertContains(second, "Page 2 of 2")

    def test_only_the_page_shown_is_recorded_as_read(self) -> None:
        self.client.get(self.camp_url("incident_list"), {"page": "2"})
        event = AuditEvent.objects.filter(action="programme.camp.incidents.viewed", actor=self.manager).get()
        self.assertEqual(event.details.get("incidents"), 6)

    def test_a_bad_page_value_shows_a_page(self) -> None:
        for value in ("abc", "999", ""):
            with self.subTest(page=value):
                response = self.client.get(self.camp_url("incident_list"), {"page": value})
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "31 incidents")
        last = self.client.get(self.camp_url("incident_list"), {"page": "999"})
        self.assertEqual(last.context["page"].number, 2)

    def test_others_still_get_404(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.client.get(self.camp_url("incident_list"), {"page": "2"}).status_code, 404)
