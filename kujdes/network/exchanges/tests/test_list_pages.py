"""The exchange list grows every year: paged, counted, its filters kept in the page links."""

from __future__ import annotations

import datetime

from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.network.exchanges import services
from kujdes.network.exchanges.tests.base import ExchangeTestCase


class ExchangeListPagesTests(ExchangeTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            for index in range(26):
                services.exchange_create(
                    actor=cls.coordinator,
                    visitors=[],
                    kind="online",
                    title=f"Online exchange {index:02d}",
                    host=cls.partner_ua,
                    starts_on=datetime.date(2027, 1, 1) + datetime.timedelta(days=index),
                    ends_on=datetime.date(2027, 1, 1) + datetime.timedelta(days=index),
                    is_online=True,
                    online_link="https://meet.example.invalid/x",
                )
            for index in range(25):
                services.action_create(
                    actor=cls.coordinator,
                    exchange=cls.exchange,
                    description=f"Action {index:02d}",
                    owner_partner=cls.partner_fr,
                    due_on=datetime.date(2026, 5, 1) + datetime.timedelta(days=index),
                )

    def test_the_list_is_paged_with_its_count_and_filters(self) -> None:
        self.login(self.alice)
        url = reverse("network_exchange_list")
        response = self.client.get(url, {"year": "2027"})
        self.assertContains(response, "26 exchanges")
        self.assertContains(response, "Page 1 of 2")
        self.assertContains(response, "?year=2027&amp;page=2")
        self.assertEqual(len(response.context["exchanges"]), 25)
        second = self.client.get(url, {"year": "2027", "page": "2"})
        self.assertEqual([e.title for e in second.context["exchanges"]], ["Online exchange 00"])

    def test_a_bad_page_number_shows_the_first_page(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("network_exchange_list"), {"year": "2027", "page": "x"})
        self.assertEqual(response.context["page"].number, 1)

    def test_the_action_list_is_paged_with_its_filters(self) -> None:
        self.login(self.alice)
        url = reverse("network_exchange_action_list")
        response = self.client.get(url)
        self.assertContains(response, "26 actions")
        self.assertContains(response, "Page 1 of 2")
        self.assertEqual(len(response.context["rows"]), 25)
        second = self.client.get(url, {"page": "2"})
        self.assertEqual([row[0].description for row in second.context["rows"]], ["Action 24"])
        # Every action is overdue (due in 2026, before today): the filter keeps them and stays in the links.
        overdue = self.client.get(url, {"overdue": "on"})
        self.assertContains(overdue, "26 actions")
        self.assertContains(overdue, "?overdue=on&amp;page=2")
