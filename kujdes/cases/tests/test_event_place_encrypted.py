"""The place of a trafficking event is sealed with the person's key; its country stays a plain code."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kujdes.cases.models import TraffickingEvent
from kujdes.cases.services import case_create, trafficking_event_add
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.services import person_create, person_erase
from kujdes.reports.releases import ctdc_records
from kujdes.reports.selectors import period_custom, report_scope

TODAY = timezone.localdate()


class EventPlaceTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.person = person_create(
                actor=cls.alice, unit=cls.diocese_a, given_name="Besa", birth_year=2001, citizenships=["AL"]
            )
            cls.case = case_create(
                actor=cls.alice,
                person=cls.person,
                unit=cls.diocese_a,
                case_type="victim_assistance",
                opened_on=TODAY - datetime.timedelta(days=30),
            )
            cls.event = trafficking_event_add(
                actor=cls.alice,
                case=cls.case,
                event_type="Exploitation",
                country="gr",
                place="Selanik, the bar by the port",
                date_from=TODAY - datetime.timedelta(days=300),
            )

    def raw_place(self) -> str:
        with system_scope(), connection.cursor() as cursor:
            cursor.execute("SELECT place, country FROM cases_traffickingevent WHERE id = %s", [self.event.pk])
            place, country = cursor.fetchone()
        self.assertEqual(country, "GR")
        return place

    def test_the_place_is_sealed_in_the_row_and_the_country_stays_plain(self) -> None:
        """Failed before with: the raw row held 'Selanik, the bar by the port'."""
        stored = self.raw_place()
        self.assertTrue(stored.startswith("k1:"), stored)
        self.assertNotIn("Selanik", stored)

    def test_an_event_without_a_place_stores_nothing(self) -> None:
        """Failed before with: '' is not None (an empty string, not a missing value)."""
        with system_scope():
            event = trafficking_event_add(
                actor=self.alice, case=self.case, event_type="Transit", country="MK"
            )
            self.assertIsNone(TraffickingEvent.objects.values_list("place", flat=True).get(pk=event.pk))

    def test_the_case_page_shows_the_place_in_as_many_queries_for_one_event_as_for_five(self) -> None:
        """The places are opened with the person's key, loaded once for the page: no query per event."""
        self.login(self.alice)
        url = reverse("case_detail", kwargs={"public_id": self.case.public_id})
        self.client.get(url)  # warms per-session caches

        def page_queries() -> int:
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(url)
            self.assertContains(response, "Selanik, the bar by the port")
            return len(queries)

        once = page_queries()
        with system_scope():
            for number in range(4):
                trafficking_event_add(
                    actor=self.alice,
                    case=self.case,
                    event_type="Transit",
                    country="MK",
                    place=f"Stop {number}",
                )
        self.assertEqual(page_queries(), once)

    def test_erasing_the_person_leaves_the_place_unreadable_and_the_country_counted(self) -> None:
        """Failed before with: 'Selanik, the bar by the port' is not None after person_erase."""
        with system_scope():
            person_erase(actor=None, person=self.person, reason_code="request")
            event = TraffickingEvent.objects.select_related("case__person").get(pk=self.event.pk)
            self.assertIsNone(event.place)
            self.assertEqual(event.country, "GR")

    def test_the_ctdc_release_still_reads_the_country_of_exploitation(self) -> None:
        with system_scope():
            scope = report_scope(actor=self.viewer)
            period = period_custom(TODAY - datetime.timedelta(days=60), TODAY)
            records = ctdc_records(scope=scope, period=period)
        self.assertEqual([record["exploitation_country"] for record in records], ["GR"])
