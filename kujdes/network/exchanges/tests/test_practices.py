"""The practices presented at an exchange: published practices of the library only."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.network.exchanges import services
from kujdes.network.exchanges.tests.base import ExchangeTestCase


class PracticesPresentedTests(ExchangeTestCase):
    def setUp(self) -> None:
        super().setUp()
        practice = apps.get_model("network_practices", "Practice")
        self.published = practice.objects.create(
            partner=self.partner_fr, original_language="fr", country="FR", status="published"
        )
        self.draft = practice.objects.create(partner=self.partner_fr, original_language="fr", country="FR")

    def url(self) -> str:
        return reverse("network_exchange_practices", args=[self.exchange.public_id])

    def test_the_host_links_a_published_practice_and_the_page_shows_it(self) -> None:
        self.login(self.admin)
        response = self.client.post(self.url(), {"practices": [self.published.pk]})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(list(self.exchange.practices.all()), [self.published])
        page = self.client.get(reverse("network_exchange_detail", args=[self.exchange.public_id]))
        self.assertContains(page, reverse("network_practice_detail", args=[self.published.public_id]))
        api = self.client.get(reverse("api:network_exchanges_get", args=[self.exchange.public_id])).json()
        self.assertEqual(api["practices"], [str(self.published.public_id)])

    def test_a_draft_is_neither_offered_nor_accepted(self) -> None:
        self.login(self.coordinator)
        response = self.client.post(self.url(), {"practices": [self.draft.pk]})
        self.assertEqual(response.status_code, 400)
        self.assertIn("practices", response.context["form"].errors)
        with system_scope(), self.assertRaises(ValidationError):
            services.exchange_practices_set(
                actor=self.coordinator, exchange=self.exchange, practices=[self.draft]
            )

    def test_the_visiting_focal_point_cannot_choose_them(self) -> None:
        self.login(self.other_admin)
        self.assertEqual(self.client.post(self.url(), {"practices": [self.published.pk]}).status_code, 403)
