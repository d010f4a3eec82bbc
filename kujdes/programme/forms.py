"""Forms of the activity pages: they check input shape only; the services decide the rules.

Choices that depend on the actor (units, types, partners, people) are passed in by the view as
(public id, label) pairs; the view maps the chosen ids back to objects it selected itself.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kujdes.programme.models import (
    ActivityStatus,
    FacilitatorRole,
    OutcomeResult,
    SessionStatus,
    TargetGroup,
)

BLANK: list[tuple[str, Any]] = [("", "—")]
Choices = list[tuple[str, str]]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class DateField(forms.DateField):
    """A date within years the application can reason about (no overflow at the edges of the calendar)."""

    def to_python(self, value: Any) -> datetime.date | None:
        day = super().to_python(value)
        if day is not None and not 1900 <= day.year <= 2999:
            raise forms.ValidationError(_("Enter a date between the years 1900 and 2999."), code="invalid")
        return day


class ActivityFilterForm(forms.Form):
    q = forms.CharField(label=_("Title"), max_length=100, required=False)
    type = forms.ChoiceField(label=_("Type"), required=False)
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=BLANK + ActivityStatus.choices, required=False)
    date_from = DateField(label=_("From"), required=False, widget=DateInput())
    date_to = DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args: Any, types: Choices, units: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = BLANK + types  # type: ignore[attr-defined]
        self.fields["unit"].choices = BLANK + units  # type: ignore[attr-defined]


class ActivityForm(forms.Form):
    activity_type = forms.ChoiceField(label=_("Type"))
    title = forms.CharField(label=_("Title"), max_length=200)
    unit = forms.ChoiceField(label=_("Organising unit"))
    co_units = forms.MultipleChoiceField(
        label=_("Co-organising units"), required=False, widget=forms.CheckboxSelectMultiple
    )
    municipality = forms.CharField(label=_("Municipality"), max_length=64, required=False)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    starts_on = DateField(label=_("Starts on"), widget=DateInput())
    ends_on = DateField(label=_("Ends on"), widget=DateInput())
    target_groups = forms.MultipleChoiceField(
        label=_("Target groups"),
        choices=TargetGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    partners = forms.MultipleChoiceField(
        label=_("Partner organisations"), required=False, widget=forms.CheckboxSelectMultiple
    )
    external_experts = forms.CharField(label=_("External experts"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=ActivityStatus.choices, initial=ActivityStatus.PLANNED
    )
    certificate_hours = forms.IntegerField(
        label=_("Hours on the certificate"),
        help_text=_("Leave empty to count the hours of the sessions held."),
        min_value=1,
        max_value=5000,
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        types: Choices,
        units: Choices | None,
        co_units: Choices,
        partners: Choices,
        municipalities: tuple[str, ...] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activity_type"].choices = BLANK + types  # type: ignore[attr-defined]
        if units is None:  # editing: the organising unit stays
            del self.fields["unit"]
        else:
            self.fields["unit"].choices = BLANK + units  # type: ignore[attr-defined]
        self.fields["co_units"].choices = co_units  # type: ignore[attr-defined]
        self.fields["partners"].choices = partners  # type: ignore[attr-defined]
        if not partners:
            del self.fields["partners"]
        if municipalities is not None:
            self.fields["municipality"] = forms.ChoiceField(
                label=_("Municipality"), choices=BLANK + [(m, m) for m in municipalities], required=False
            )
        self.order_fields(
            ["activity_type", "title", "unit", "co_units", "municipality", "place", "starts_on", "ends_on"]
        )


class ActivityEditForm(ActivityForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SessionForm(forms.Form):
    date = DateField(label=_("Date"), widget=DateInput())
    starts_at = forms.TimeField(label=_("Starts at"), required=False, widget=TimeInput())
    ends_at = forms.TimeField(label=_("Ends at"), required=False, widget=TimeInput())
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)


class SessionEditForm(SessionForm):
    status = forms.ChoiceField(label=_("Status"), choices=SessionStatus.choices)


WEEKDAYS = [
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]


class ScheduleForm(forms.Form):
    weekdays = forms.MultipleChoiceField(
        label=_("Days of the week"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    starts_at = forms.TimeField(label=_("Starts at"), required=False, widget=TimeInput())
    ends_at = forms.TimeField(label=_("Ends at"), required=False, widget=TimeInput())
    first = DateField(
        label=_("First day"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: the activity's start."),
    )
    last = DateField(
        label=_("Last day"), required=False, widget=DateInput(), help_text=_("Empty: the activity's end.")
    )
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)


class FacilitatorForm(forms.Form):
    role = forms.ChoiceField(label=_("Who"), choices=FacilitatorRole.choices, widget=forms.RadioSelect)
    user = forms.ChoiceField(label=_("Staff member"), required=False)
    volunteer = forms.ChoiceField(label=_("Volunteer"), required=False)
    name = forms.CharField(
        label=_("External expert's name"),
        max_length=200,
        required=False,
        help_text=_("Only for an external expert."),
    )
    duty = forms.CharField(label=_("Duty at the camp"), max_length=120, required=False)

    def __init__(self, *args: Any, users: Choices, volunteers: Choices, camp: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = BLANK + users  # type: ignore[attr-defined]
        self.fields["volunteer"].choices = BLANK + volunteers  # type: ignore[attr-defined]
        if not camp:
            del self.fields["duty"]


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Person's code"),
        max_length=40,
        required=False,
        help_text=_("The exact code, e.g. AL-SHK-2026-000123."),
    )
    # A result of the name search (public id), for users who may search persons.
    person = forms.UUIDField(required=False, widget=forms.HiddenInput)
    parental_consent = forms.BooleanField(label=_("A parent or guardian gave consent"), required=False)
    parental_consent_by = forms.CharField(label=_("Consent given by"), max_length=200, required=False)

    def __init__(self, *args: Any, camp: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not camp:
            del self.fields["parental_consent"]
            del self.fields["parental_consent_by"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("person") and not (data.get("code") or "").strip():
            self.add_error("code", _("Give the person's code."))
        return data


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Search by name"), max_length=100, required=False)


class CompleteForm(forms.Form):
    completed_on = DateField(label=_("Completed on"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["completed_on"].initial = timezone.localdate()


class OutcomeForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=BLANK + OutcomeResult.choices)
    recorded_on = DateField(label=_("Date"), widget=DateInput())
    notes = forms.CharField(label=_("Notes"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recorded_on"].initial = timezone.localdate()


class FileForm(forms.Form):
    file = forms.FileField(label=_("File"))


def month_parse(value: str) -> datetime.date | None:
    """The first day of a "YYYY-MM" month, or None when the text is not one."""
    try:
        year, month = value.split("-")
        if len(year) != 4 or len(month) != 2 or not 1900 <= int(year) <= 2999:
            return None  # the calendar's neighbouring months must exist too
        return datetime.date(int(year), int(month), 1)
    except ValueError:
        return None
