"""English pages write and read dates the European way (12/05/2026 is 12 May, not 5 December)."""

from __future__ import annotations

import datetime

from django import forms
from django.test import SimpleTestCase
from django.utils import formats, translation

MAY_12 = datetime.date(2026, 5, 12)


class EnglishDateTests(SimpleTestCase):
    def test_english_short_dates_are_day_first(self) -> None:
        with translation.override("en"):
            self.assertEqual(formats.date_format(MAY_12, "SHORT_DATE_FORMAT"), "12/05/2026")
            self.assertEqual(formats.date_format(MAY_12), "12 May 2026")
            self.assertEqual(formats.get_format("FIRST_DAY_OF_WEEK"), 1)

    def test_a_typed_english_date_is_read_day_first(self) -> None:
        field = forms.DateField()
        with translation.override("en"):
            self.assertEqual(field.clean("12/05/2026"), MAY_12)
            self.assertEqual(field.clean("2026-05-12"), MAY_12)

    def test_the_clock_has_24_hours(self) -> None:
        with translation.override("en"):
            self.assertEqual(formats.time_format(datetime.time(14, 30)), "14:30")

    def test_albanian_and_french_keep_their_own_formats(self) -> None:
        with translation.override("fr"):
            self.assertEqual(formats.date_format(MAY_12, "SHORT_DATE_FORMAT"), "12/05/2026")
        with translation.override("sq"):
            self.assertIn("2026", formats.date_format(MAY_12, "SHORT_DATE_FORMAT"))
