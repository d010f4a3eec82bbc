"""The releases list grows with every replaced or withdrawn release: the past is paged and counted,
drafts and current releases stay whole, the partner filter is kept in the page links."""

from __future__ import annotations

import datetime

from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.network.releases.models import Release, ReleaseStatus
from kujdes.network.releases.tests.factories import released
from kujdes.network.tests.base import NetworkTestCase
from kujdes.network.tests.fixtures import network_fixtures

TABLES = {("direct_beneficiaries", ""): {"": 120}}


class ReleaseListPagesTests(NetworkTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            network_fixtures(cls)
            # 30 past releases of "al" (one a year back from 2024) and 3 of "fr"; one current of each.
            for index in range(30):
                status = ReleaseStatus.WITHDRAWN if index % 2 else ReleaseStatus.SUPERSEDED
                start = datetime.date(2024 - index, 1, 1)
                released(
                    partner=cls.partner_al,
                    tables=TABLES,
                    start=start,
                    end=datetime.date(start.year, 12, 31),
                    status=status,
                    title=f"AL past {index:02d}",
                )
            for index in range(3):
                released(
                    partner=cls.partner_fr,
                    tables=TABLES,
                    version_number=index + 1,
                    status=ReleaseStatus.SUPERSEDED,
                    title=f"FR past {index}",
                )
            released(partner=cls.partner_al, tables=TABLES, title="AL current")
            released(partner=cls.partner_fr, tables=TABLES, version_number=4, title="FR current")
            Release.objects.create(
                partner=cls.partner_al,
                organisation=cls.org,
                period_start=datetime.date(2025, 1, 1),
                period_end=datetime.date(2025, 6, 30),
                title="AL draft",
                spec={"indicators": [{"code": "direct_beneficiaries", "dims": []}]},
                created_by=cls.admin,
            )

    def setUp(self) -> None:
        super().setUp()
        self.login(self.admin)

    def test_the_past_is_paged_with_its_count_and_the_rest_stays_whole(self) -> None:
        response = self.client.get(reverse("network_release_list"))
        self.assertContains(response, "33 superseded or withdrawn releases")
        self.assertContains(response, "Page 1 of 2")
        self.assertEqual(len(response.context["past"]), 25)
        for title in ("AL current", "FR current", "AL draft"):
            self.assertContains(response, title)
        second = self.client.get(reverse("network_release_list"), {"page": "2"})
        self.assertEqual(len(second.context["past"]), 8)
        self.assertContains(second, "Page 2 of 2")
        # Drafts and current releases are on every page.
        for title in ("AL current", "FR current", "AL draft"):
            self.assertContains(second, title)
        first_titles = {r.title for r in response.context["past"]}
        second_titles = {r.title for r in second.context["past"]}
        self.assertFalse(first_titles & second_titles)
        self.assertEqual(len(first_titles | second_titles), 33)

    def test_the_partner_filter_stays_in_the_page_links(self) -> None:
        response = self.client.get(reverse("network_release_list"), {"partner": "al"})
        self.assertContains(response, "30 superseded or withdrawn releases")
        self.assertContains(response, "?partner=al&amp;page=2")
        self.assertNotContains(response, "FR current")
        second = self.client.get(reverse("network_release_list"), {"partner": "al", "page": "2"})
        self.assertEqual(
            [r.title for r in second.context["past"]], [f"AL past {index:02d}" for index in range(25, 30)]
        )
        self.assertContains(second, "?partner=al&amp;page=1")
        few = self.client.get(reverse("network_release_list"), {"partner": "fr"})
        self.assertContains(few, "3 superseded or withdrawn releases")
        self.assertNotContains(few, "Page 1 of")

    def test_a_bad_page_value_shows_a_page(self) -> None:
        for value in ("abc", "999", "-1", "0"):
            with self.subTest(page=value):
                response = self.client.get(reverse("network_release_list"), {"page": value})
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "33 superseded or withdrawn releases")
        self.assertEqual(
            self.client.get(reverse("network_release_list"), {"page": "999"}).context["page"].number, 2
        )
