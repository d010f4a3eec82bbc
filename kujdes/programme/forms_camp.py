"""Forms of the summer-camp pages: they check input shape only; the services decide the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kujdes.programme.models import IncidentSeverity


class CampGroupForm(forms.Form):
    name = forms.CharField(label=_("Name of the group"), max_length=80)
    leader = forms.CharField(label=_("Leader"), max_length=200, required=False)


class CampParticipantForm(forms.Form):
    camp_group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        empty_label="—",
    )
    parental_consent = forms.BooleanField(label=_("A parent or guardian gave consent"), required=False)
    parental_consent_by = forms.CharField(
        label=_("Consent given by"),
        help_text=_("Who signed, e.g. the mother, the legal guardian."),
        max_length=200,
        required=False,
    )

    def __init__(self, *args: Any, groups: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["camp_group"].queryset = groups  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("parental_consent") and not (data.get("parental_consent_by") or "").strip():
            self.add_error("parental_consent_by", _("Record who gave the consent."))
        return data


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class IncidentForm(forms.Form):
    occurred_at = forms.DateTimeField(
        label=_("When"), widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=IncidentSeverity.choices)
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 5}))
    action_taken = forms.CharField(
        label=_("Action taken"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
