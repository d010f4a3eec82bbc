"""The page-weight budget (DESIGN.md §6: ≤ 50 KB cold, ≤ 15 KB warm, compressed) holds in every language.

bench/page_weight.py measures the real thing in Chromium, in one language. This test repeats its arithmetic
without a browser, for every offered language: the pages the benchmark opens, rendered in that language,
their HTML gzipped as the reverse proxy does (level 6), plus what a cold load fetches beside it (the
stylesheet, htmx and the icon, compressed as whitenoise serves them) and an allowance for response headers.
A longer script (Arabic, Armenian, Cyrillic take two bytes a letter in UTF-8) must not push a page over,
and no language may bring a web font: the pages use the system's fonts.
"""

from __future__ import annotations

import gzip
import re

from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from kujdes.core.tests.base import BaseTestCase

COLD_BUDGET = 50_000
WARM_BUDGET = 15_000
# What bench/page_weight.py measured for a response's headers, rounded up.
HEADERS = 700
STATIC = ("kujdes/kujdes.css", "kujdes/htmx.min.js", "kujdes/favicon.svg")
# The pages bench/page_weight.py opens, by URL name, as the organisation's administrator.
PAGES = ("home", "user_list", "unit_list", "mfa_index", "token_list")
FONT = re.compile(rb"@font-face|\.woff2?\b|\.ttf\b|\.otf\b|fonts\.googleapis", re.IGNORECASE)


def compressed(content: bytes) -> int:
    return len(gzip.compress(content, compresslevel=6))


class PageWeightInEveryLanguageTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.static = {}
        for path in STATIC:
            found = finders.find(path)
            assert found, path
            with open(found, "rb") as file:
                cls.static[path] = file.read()

    def page(self, name: str, language: str) -> bytes:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = self.client.get(reverse(name))
        self.assertEqual(response.status_code, 200, name)
        self.assertEqual(response["Content-Language"], language)
        return response.content

    def test_every_page_of_the_benchmark_stays_under_the_budget_in_every_language(self) -> None:
        self.login(self.admin)
        beside = sum(compressed(content) + HEADERS for content in self.static.values())
        for language, _name in settings.LANGUAGES:
            for name in PAGES:
                with self.subTest(language=language, page=name):
                    warm = compressed(self.page(name, language)) + HEADERS
                    self.assertLessEqual(warm, WARM_BUDGET, f"{name} in {language}: {warm} bytes warm")
                    self.assertLessEqual(warm + beside, COLD_BUDGET, f"{name} in {language}: cold")

    def test_no_language_brings_a_web_font(self) -> None:
        self.login(self.admin)
        for path, content in self.static.items():
            self.assertIsNone(FONT.search(content), path)
        for language, _name in settings.LANGUAGES:
            with self.subTest(language=language):
                self.assertIsNone(FONT.search(self.page("home", language)))

    def test_the_pages_weighed_are_the_languages_own(self) -> None:
        """The measure sees the language: the Arabic home page is right to left and not the English one."""
        self.login(self.admin)
        arabic, english = self.page("home", "ar"), self.page("home", "en")
        self.assertIn(b'dir="rtl"', arabic)
        self.assertNotEqual(arabic, english)
