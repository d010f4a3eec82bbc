"""Forms of the joint-initiative pages: they check input shape only; the services decide the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kujdes.programme.models import ActionKind, InitiativeStatus


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class InitiativeForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, empty_label="—")  # type: ignore[arg-type]
    title = forms.CharField(label=_("Title"), max_length=200)
    goal = forms.CharField(label=_("Goal"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    partners = forms.ModelMultipleChoiceField(
        label=_("Partners"),
        help_text=_("Organisations and institutions of the service directory."),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    started_on = forms.DateField(label=_("Started on"), widget=DateInput())
    ended_on = forms.DateField(label=_("Ended on"), widget=DateInput(), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=InitiativeStatus.choices, initial="active")
    results = forms.CharField(label=_("Results"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, units: Any, partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["partners"].queryset = partners  # type: ignore[attr-defined]
        self.fields["started_on"].initial = timezone.localdate()


class InitiativeEditForm(InitiativeForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["unit"]


class InitiativeActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActionKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    partners = forms.ModelMultipleChoiceField(
        label=_("Partners involved"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    activity = forms.ModelChoiceField(
        label=_("Linked activity"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        empty_label="—",
    )
    results = forms.CharField(label=_("Results"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, partners: Any, activities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partners"].queryset = partners  # type: ignore[attr-defined]
        self.fields["activity"].queryset = activities  # type: ignore[attr-defined]
        self.fields["date"].initial = timezone.localdate()
