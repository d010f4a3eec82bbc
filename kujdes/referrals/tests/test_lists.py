"""Lists cost the same number of queries whatever their length, and page through long results."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.referrals.seed import providers_install_albania
from kujdes.referrals.tests.base import ReferralTestCase


class ListTests(ReferralTestCase):
    def queries(self, url: str, params: dict[str, str] | None = None) -> int:
        self.client.get(url, params or {})  # warm: the first request of a session stores more
        with CaptureQueriesContext(connection) as captured:
            self.assertEqual(self.client.get(url, params or {}).status_code, 200)
        return len(captured)

    def test_the_referral_list_query_count_does_not_grow_with_its_rows(self) -> None:
        self.consent()
        self.send()
        self.login(self.alice)
        one = self.queries(reverse("referral_list"))
        for _ in range(6):
            self.send()
        self.send(to_unit=self.diocese_b)
        self.assertEqual(self.queries(reverse("referral_list")), one)
        self.login(self.charlie)
        incoming = self.queries(reverse("referral_list"), {"box": "incoming"})
        self.send(to_unit=self.diocese_b)
        self.assertEqual(self.queries(reverse("referral_list"), {"box": "incoming"}), incoming)

    def test_the_directory_query_count_does_not_grow_with_its_rows(self) -> None:
        self.login(self.admin)
        one = self.queries(reverse("provider_list"))
        with system_scope():
            providers_install_albania(organisation=self.org)
        self.assertEqual(self.queries(reverse("provider_list")), one)

    def test_a_long_list_pages_and_keeps_its_filter(self) -> None:
        self.consent()
        for _ in range(27):
            self.send()
        self.login(self.alice)
        first = self.client.get(reverse("referral_list"), {"status": "sent"})
        self.assertContains(first, "status=sent&amp;page=2")
        second = self.client.get(reverse("referral_list"), {"status": "sent", "page": "2"})
        self.assertEqual(second.context["page"].number, 2)
        self.assertEqual(len(second.context["page"].object_list), 2)
        self.assertEqual(
            self.client.get(reverse("referral_list"), {"status": "nonsense", "page": "-1"}).status_code, 200
        )
