"""Forms of the programme's organisation settings: activity types, age groups, the code of conduct."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kujdes.core.content_languages import language_fields_add, language_fields_values
from kujdes.programme.forms_volunteers import DateInput
from kujdes.programme.models import ActivityKind


class ActivityTypeForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        help_text=_("Short, lower case, without spaces, e.g. cooking-course."),
        max_length=40,
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(
        self, *args: Any, editing: bool = False, required_language: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # The code identifies the type in exports and the API: it stays.
            self.fields["code"].disabled = True
            self.fields["code"].required = False
        # One name per offered language, the organisation's default required; before "active".
        active = self.fields.pop("is_active")
        language_fields_add(
            self, prefix="name", label=_name_label, required_language=required_language, max_length=120
        )
        self.fields["is_active"] = active

    def names(self) -> dict[str, str]:
        return language_fields_values(self, prefix="name")


def _name_label(language: str) -> str:
    return _("Name in %(language)s") % {"language": language}


def _text_label(language: str) -> str:
    return _("Text in %(language)s") % {"language": language}


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
    published_on = forms.DateField(label=_("Published on"), widget=DateInput())

    def __init__(
        self,
        *args: Any,
        required_language: str | None = None,
        texts: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["published_on"].initial = timezone.localdate()
        published_on = self.fields.pop("published_on")
        # The current version's texts to start from: a new version often corrects or adds a language.
        language_fields_add(
            self,
            prefix="text",
            label=_text_label,
            required_language=required_language,
            initial=texts,
            max_length=20000,
            textarea_rows=8,
        )
        self.fields["published_on"] = published_on

    def texts(self) -> dict[str, str]:
        return language_fields_values(self, prefix="text")
