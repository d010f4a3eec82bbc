"""Validators every field of a kind gets (registered in CoreConfig.ready()).

They are attached to the field classes' `default_validators`, so that every model field and
form field of the kind carries them without each model repeating them, and migrations do not
change (Django does not serialise default validators). Services call `full_clean()`, so the
JSON API meets them too.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Wide enough for every date the programme records (births from 1900, retention and plans until
# 2100), narrow enough to catch a mistyped century ("1800-01-01", "20024-03-09").
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)

# C0 and C1 control characters except tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def validate_plausible_date(value: object) -> None:
    day = value.date() if isinstance(value, datetime.datetime) else value
    if isinstance(day, datetime.date) and not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            _("%(date)s is not a plausible date: enter a date between %(earliest)s and %(latest)s."),
            code="implausible_date",
            params={"date": day.isoformat(), "earliest": EARLIEST_DATE.year, "latest": LATEST_DATE.year},
        )


def validate_no_control_characters(value: object) -> None:
    if isinstance(value, str) and _CONTROL.search(value):
        raise ValidationError(
            _(
                "The text contains invisible control characters; remove them "
                "(they often come from a copy and paste)."
            ),
            code="control_characters",
        )


def validators_register() -> None:
    from django import forms
    from django.db import models

    for field_class in (models.DateField, forms.DateField, forms.DateTimeField):
        if validate_plausible_date not in field_class.default_validators:
            field_class.default_validators = [*field_class.default_validators, validate_plausible_date]
    for field_class in (models.CharField, models.TextField, forms.CharField):
        if validate_no_control_characters not in field_class.default_validators:
            field_class.default_validators = [
                *field_class.default_validators,
                validate_no_control_characters,
            ]
