"""Forms of the programme's organisation settings: activity types, age groups, the code of conduct."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kujdes.programme.forms_volunteers import DateInput
from kujdes.programme.models import ActivityKind


class ActivityTypeForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        help_text=_("Short, lower case, without spaces, e.g. cooking-course."),
        max_length=40,
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    name_sq = forms.CharField(label=_("Name in Albanian"), max_length=120, required=False)
    name_en = forms.CharField(label=_("Name in English"), max_length=120, required=False)
    name_fr = forms.CharField(label=_("Name in French"), max_length=120, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # The code identifies the type in exports and the API: it stays.
            self.fields["code"].disabled = True
            self.fields["code"].required = False

    def names(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"name_{code}", "").strip() for code in ("sq", "en", "fr")}


class ProgrammeSettingsForm(forms.Form):
    age_groups = forms.CharField(
        label=_("Age groups of headcounts"),
        help_text=_("The lowest age of each group, separated by commas, e.g. 0, 6, 12, 15, 18, 25, 60."),
        max_length=200,
    )
    reminder_days = forms.IntegerField(
        label=_("Reminder days before expiry"),
        help_text=_("How many days before a background check or a training expires the managers are told."),
        min_value=1,
        max_value=365,
    )

    def clean_age_groups(self) -> list[int]:
        raw = self.cleaned_data.get("age_groups") or ""
        try:
            return [int(part) for part in raw.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("Whole numbers separated by commas, e.g. 0, 6, 12.")) from None


class ConductPublishForm(forms.Form):
    text_sq = forms.CharField(
        label=_("Text in Albanian"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    text_en = forms.CharField(
        label=_("Text in English"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    text_fr = forms.CharField(
        label=_("Text in French"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    published_on = forms.DateField(label=_("Published on"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["published_on"].initial = timezone.localdate()

    def texts(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"text_{code}", "") for code in ("sq", "en", "fr")}
