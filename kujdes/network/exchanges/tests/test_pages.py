"""The exchange's pages: list with filters, the exchange page, the calendar, the panels."""

from __future__ import annotations

import datetime

from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.network.exchanges import services
from kujdes.network.exchanges.tests.base import ExchangeTestCase


class ExchangePageTests(ExchangeTestCase):
    def test_the_exchange_page_shows_its_parts(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("network_exchange_detail", args=[self.exchange.public_id]))
        self.assertContains(response, "Study visit to Org AL")
        self.assertContains(response, "Visiting Colleague")
        self.assertContains(response, "Share the intake checklist")
        self.assertContains(response, "Welcome")
        self.assertContains(response, "Agenda")
        # A reader without rights sees no change links.
        self.assertNotContains(response, reverse("network_exchange_edit", args=[self.exchange.public_id]))

    def test_the_list_filters_by_year_partner_kind_and_status(self) -> None:
        with system_scope():
            services.exchange_create(
                actor=self.coordinator,
                visitors=[],
                kind="online",
                title="Online chat on recruitment",
                host=self.partner_ua,
                starts_on=datetime.date(2027, 2, 1),
                ends_on=datetime.date(2027, 2, 1),
                is_online=True,
                online_link="https://meet.example.invalid/x",
            )
        self.login(self.alice)
        url = reverse("network_exchange_list")
        self.assertContains(self.client.get(url), "Online chat on recruitment")
        by_year = self.client.get(url, {"year": "2026"})
        self.assertContains(by_year, "Study visit to Org AL")
        self.assertNotContains(by_year, "Online chat on recruitment")
        by_partner = self.client.get(url, {"partner": "fr"})
        self.assertContains(by_partner, "Study visit to Org AL")
        self.assertNotContains(by_partner, "Online chat on recruitment")
        by_kind = self.client.get(url, {"kind": "online", "status": "planned"})
        self.assertContains(by_kind, "Online chat on recruitment")
        self.assertNotContains(by_kind, "Study visit to Org AL")

    def test_a_malformed_filter_is_a_message_not_an_error(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("network_exchange_list"), {"year": "twenty", "partner": "<x>"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'value="twenty"', status_code=400)
