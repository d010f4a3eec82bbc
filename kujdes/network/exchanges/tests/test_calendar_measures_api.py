"""The calendar of exchanges, the measures milestones count, the JSON API, the panels."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from kujdes.core.scoping import system_scope
from kujdes.network.exchanges import services
from kujdes.network.exchanges.models import ExchangeParticipant
from kujdes.network.exchanges.tests.base import ExchangeTestCase
from kujdes.network.measures import measure_get


class CalendarTests(ExchangeTestCase):
    def test_a_month_shows_the_exchange_on_each_of_its_days_and_once_in_the_agenda(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("network_exchange_calendar"), {"month": "2026-03"})
        self.assertEqual(response.status_code, 200)
        grid = [day for week in response.context["weeks"] for day, items, in_month in week if items]
        self.assertEqual([d.day for d in grid], [10, 11, 12])
        self.assertEqual([day.day for day, _items in response.context["agenda"]], [10])
        self.assertContains(response, "Study visit to Org AL")
        self.assertContains(response, "?month=2026-04")

    def test_another_month_is_empty_and_a_bad_month_is_a_message(self) -> None:
        self.login(self.alice)
        self.assertNotContains(
            self.client.get(reverse("network_exchange_calendar"), {"month": "2026-05"}),
            "Study visit to Org AL",
        )
        response = self.client.get(reverse("network_exchange_calendar"), {"month": "March"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'role="alert"', status_code=400)
        self.assertContains(response, timezone.localdate().strftime("%Y-%m"), status_code=400)


class MeasureTests(ExchangeTestCase):
    def test_exchanges_hosted_counts_held_exchanges_of_the_host_in_the_period(self) -> None:
        measure = measure_get("exchanges_hosted")
        assert measure is not None
        year = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
        self.assertEqual(measure.compute(self.partner_al, *year), 1)
        self.assertEqual(measure.compute(self.partner_fr, *year), 0)
        self.assertEqual(
            measure.compute(self.partner_al, datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)), 0
        )
        type(self.exchange).objects.filter(pk=self.exchange.pk).update(status="planned")
        self.assertEqual(measure.compute(self.partner_al, *year), 0)

    def test_exchange_participations_counts_a_partner_s_staff_in_held_exchanges(self) -> None:
        measure = measure_get("exchange_participations")
        assert measure is not None
        ExchangeParticipant.objects.create(exchange=self.exchange, partner=self.partner_fr, name="Second")
        year = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
        self.assertEqual(measure.compute(self.partner_fr, *year), 2)
        self.assertEqual(measure.compute(self.partner_al, *year), 1)
        self.assertEqual(measure.compute(self.partner_ua, *year), 0)


class ApiTests(ExchangeTestCase):
    def test_the_list_filters_and_the_detail_carries_participants_outcomes_and_actions(self) -> None:
        self.login(self.dave)
        listed = self.client.get(reverse("api:network_exchanges_list"), {"partner": "fr", "year": 2026})
        self.assertEqual(listed.status_code, 200)
        self.assertEqual([e["title"] for e in listed.json()], ["Study visit to Org AL"])
        self.assertEqual(listed.json()[0]["visitors"], ["fr"])
        self.assertEqual(
            self.client.get(reverse("api:network_exchanges_list"), {"kind": "online"}).json(), []
        )
        detail = self.client.get(reverse("api:network_exchanges_get", args=[self.exchange.public_id])).json()
        self.assertEqual(detail["host"], "al")
        self.assertEqual(
            sorted(p["name"] for p in detail["participants"]), ["Host Colleague", "Visiting Colleague"]
        )
        self.assertEqual(detail["actions"][0]["description"], "Share the intake checklist")
        self.assertEqual(detail["documents"][0]["kind"], "agenda")

    def test_bad_filters_are_4xx_and_a_missing_exchange_404(self) -> None:
        self.login(self.alice)
        url = reverse("api:network_exchanges_list")
        self.assertEqual(self.client.get(url, {"year": "x"}).status_code, 422)
        self.assertEqual(self.client.get(url, {"year": "99999"}).status_code, 400)
        self.assertEqual(self.client.get(url, {"partner": "zz"}).status_code, 400)
        self.assertEqual(self.client.get(url, {"kind": "party"}).status_code, 422)
        missing = self.client.get(
            reverse("api:network_exchanges_get", args=["00000000-0000-0000-0000-000000000000"])
        )
        self.assertEqual(missing.status_code, 404)

    def test_volunteers_get_403(self) -> None:
        self.login(self.volunteer)
        self.assertEqual(self.client.get(reverse("api:network_exchanges_list")).status_code, 403)


class PanelTests(ExchangeTestCase):
    def test_the_network_dashboard_shows_upcoming_exchanges_and_overdue_actions(self) -> None:
        with system_scope():
            services.exchange_create(
                actor=self.coordinator,
                visitors=[],
                kind="online",
                title="Coming online exchange",
                host=self.partner_ua,
                starts_on=timezone.localdate() + datetime.timedelta(days=20),
                ends_on=timezone.localdate() + datetime.timedelta(days=20),
                is_online=True,
                online_link="https://meet.example.invalid/x",
            )
        self.login(self.coordinator)
        response = self.client.get(reverse("network_home"))
        self.assertContains(response, "Coming online exchange")
        self.assertContains(response, "Share the intake checklist")  # due 2026-04-30, still open

    def test_a_partner_page_shows_exchanges_hosted_and_visited(self) -> None:
        self.login(self.alice)
        hosted = self.client.get(reverse("network_partner_detail", args=[self.partner_al.public_id]))
        visited = self.client.get(reverse("network_partner_detail", args=[self.partner_fr.public_id]))
        ua = self.client.get(reverse("network_partner_detail", args=[self.partner_ua.public_id]))
        self.assertContains(hosted, "Study visit to Org AL")
        self.assertContains(visited, "Study visit to Org AL")
        self.assertNotContains(ua, "Study visit to Org AL")
