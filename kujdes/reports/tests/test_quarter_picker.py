"""The dashboard's quarter picker speaks the page's language (it showed "Tremujori 1…4" everywhere)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from kujdes.core.tests.base import BaseTestCase


class QuarterPickerTests(BaseTestCase):
    def options(self, language: str) -> str:
        self.login(self.viewer)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = self.client.get(reverse("report_dashboard"))
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_the_quarters_are_in_english_on_an_english_page(self) -> None:
        html = self.options("en")
        for number in range(1, 5):
            self.assertIn(f">Quarter {number}</option>", html)
        self.assertNotIn("Tremujori", html)

    def test_the_quarters_are_in_french_on_a_french_page(self) -> None:
        html = self.options("fr")
        self.assertIn(">Trimestre 1</option>", html)
        self.assertNotIn("Tremujori", html)

    def test_the_quarters_stay_albanian_on_an_albanian_page(self) -> None:
        self.assertIn(">Tremujori 4</option>", self.options("sq"))
