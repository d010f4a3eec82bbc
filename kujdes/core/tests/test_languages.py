"""Each offered language: plural forms as the language counts, dates and numbers as it writes them,
and the note on catalogues not yet reviewed by a native speaker."""

from __future__ import annotations

import datetime
import gettext
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format, number_format

from kujdes.core.languages import catalogue_state
from kujdes.core.tests.base import BaseTestCase

LOCALE = Path(settings.BASE_DIR) / "kujdes" / "locale"
SINGULAR, PLURAL = "%(counter)s case", "%(counter)s cases"

# Which plural form each count takes, by the language's grammar (CLDR's categories in the order of
# the language's gettext Plural-Forms): not read from the catalogue, so a wrong header fails.
PLURAL_FORM = {
    "sq": {1: 0, 2: 1, 5: 1, 0: 1},
    "en": {1: 0, 2: 1, 0: 1},
    "fr": {0: 0, 1: 0, 2: 1, 5: 1},
    "ar": {0: 0, 1: 1, 2: 2, 3: 3, 10: 3, 11: 4, 99: 4, 100: 5, 102: 5, 103: 3},
    "tr": {1: 0, 2: 1, 5: 1},
    "uk": {1: 0, 21: 0, 2: 1, 4: 1, 22: 1, 5: 2, 11: 2, 12: 2, 14: 2, 0: 2},
    "ro": {1: 0, 2: 1, 19: 1, 0: 1, 101: 1, 20: 2, 100: 2},
    "bg": {1: 0, 2: 1, 5: 1},
    "hy": {1: 0, 2: 1, 5: 1},
    "bs": {1: 0, 21: 0, 2: 1, 4: 1, 22: 1, 5: 2, 11: 2, 12: 2, 0: 2},
}

# 12 March 2026 and 1,234,567.5 as each language writes them (Western digits in Arabic, as the
# Lebanese and Moroccan partners' documents do).
WRITTEN = {
    "en": ("12/03/2026", "1,234,567.5"),
    "fr": ("12/03/2026", "1\xa0234\xa0567,5"),
    "ar": ("12/03/2026", "1,234,567.5"),
    "tr": ("12.03.2026", "1.234.567,5"),
    "uk": ("12.03.2026", "1\xa0234\xa0567,5"),
    "ro": ("12.03.2026", "1.234.567,5"),
    "bg": ("12.03.2026", "1\xa0234\xa0567,5"),
    "hy": ("12.03.2026", "1\xa0234\xa0567,5"),
    "bs": ("12.03.2026.", "1.234.567,5"),
}


def test_every_offered_language_is_covered_here() -> None:
    assert set(PLURAL_FORM) == {code for code, _name in settings.LANGUAGES}


@pytest.mark.parametrize("language", sorted(PLURAL_FORM))
def test_a_counted_message_takes_the_plural_form_of_the_language(language: str) -> None:
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    for count, form in PLURAL_FORM[language].items():
        with translation.override(language):
            said = translation.ngettext(SINGULAR, PLURAL, count) % {"counter": count}
        assert said == catalogue[(SINGULAR, form)] % {"counter": count}, (language, count)
        assert str(count) in said


@pytest.mark.parametrize("language", sorted(WRITTEN))
def test_dates_and_numbers_are_written_as_the_language_writes_them(language: str) -> None:
    day, number = WRITTEN[language]
    with translation.override(language):
        assert date_format(datetime.date(2026, 3, 12), "SHORT_DATE_FORMAT") == day
        assert number_format(1234567.5, decimal_pos=1, force_grouping=True) == number


def test_the_network_languages_are_marked_not_yet_reviewed_and_the_first_three_reviewed() -> None:
    for language in ("sq", "en", "fr"):
        assert catalogue_state(language).reviewed
    for language in ("ar", "tr", "uk", "ro", "bg", "hy", "bs"):
        assert not catalogue_state(language).reviewed


class ReviewNoteTests(BaseTestCase):
    NOTE = "translation-note"

    def test_a_page_in_a_language_not_yet_reviewed_says_so(self) -> None:
        self.login(self.alice)
        self.client.post(reverse("set_language"), {"language": "uk", "next": reverse("home")})
        page = self.client.get(reverse("home"))
        self.assertContains(page, '<html lang="uk"')
        self.assertContains(page, self.NOTE)

    def test_a_page_in_a_reviewed_language_has_no_note(self) -> None:
        self.login(self.alice)
        self.assertNotContains(self.client.get(reverse("home")), self.NOTE)

    @override_settings(LANGUAGE_CODE="ar")
    def test_arabic_pages_run_right_to_left(self) -> None:
        page = self.client.get(reverse("account_login"))
        self.assertContains(page, '<html lang="ar" dir="rtl"')
