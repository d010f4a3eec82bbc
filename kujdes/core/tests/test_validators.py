"""Implausible dates and control characters are refused everywhere, with a clear message."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kujdes.core.validators import validate_no_control_characters, validate_plausible_date
from kujdes.people.models import Person


class DateForm(forms.Form):
    day = forms.DateField()
    note = forms.CharField()


class PlausibleDateTests(SimpleTestCase):
    def setUp(self) -> None:
        translation.activate("en")
        self.addCleanup(translation.deactivate)

    def test_a_date_of_1800_is_refused_by_every_form_date_field(self) -> None:
        """Failed before the change: a case opened on 1800-01-01 was accepted."""
        form = DateForm({"day": "1800-01-01", "note": "x"})
        self.assertFalse(form.is_valid())
        self.assertIn("1800-01-01 is not a plausible date", form.errors["day"][0])

    def test_model_date_fields_refuse_it_in_full_clean(self) -> None:
        field = Person._meta.get_field("created_at") if hasattr(Person, "created_at") else None
        with self.assertRaises(ValidationError):
            validate_plausible_date(datetime.date(1800, 1, 1))
        if field is not None:
            with self.assertRaises(ValidationError):
                field.run_validators(datetime.datetime(1800, 1, 1, tzinfo=datetime.UTC))

    @given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31)))
    def test_every_date_of_the_programme_passes(self, day: datetime.date) -> None:
        validate_plausible_date(day)

    @given(st.dates().filter(lambda d: d.year < 1900 or d.year > 2100))
    def test_every_date_outside_is_refused(self, day: datetime.date) -> None:
        with self.assertRaises(ValidationError):
            validate_plausible_date(day)


class ControlCharacterTests(SimpleTestCase):
    def test_control_characters_are_refused_in_form_text(self) -> None:
        """Failed before the change: "\\x1b[31m" and "\\x07" were accepted into text fields."""
        for text in ("Emri\x1b[31m", "bell\x07", "nul\x00here", "c1\x85c1"):
            with self.subTest(text=repr(text)):
                self.assertFalse(DateForm({"day": "2020-01-01", "note": text}).is_valid())

    def test_tabs_and_line_breaks_stay_allowed(self) -> None:
        validate_no_control_characters("line one\nline two\r\n\tindented")
        self.assertTrue(DateForm({"day": "2020-01-01", "note": "a\tb\nc"}).is_valid())

    def test_model_text_fields_carry_the_rule(self) -> None:
        from django.db import models

        self.assertIn(validate_no_control_characters, models.TextField().validators)
        self.assertIn(validate_no_control_characters, models.CharField(max_length=5).validators)
        self.assertIn(validate_plausible_date, models.DateField().validators)
        self.assertIn(validate_plausible_date, models.DateTimeField().validators)
