"""Forms of the summer-camp pages: they check input shape only; the services decide the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kujdes.people.forms import GUARDIAN_KINDS
from kujdes.people.models import ConsentMethod, ConsentPurpose, RelationKind
from kujdes.programme.models import IncidentSeverity


class CampGroupForm(forms.Form):
    name = forms.CharField(label=_("Name of the group"), max_length=80)
    leader = forms.CharField(label=_("Leader"), max_length=200, required=False)


class CampParticipantForm(forms.Form):
    """The camper's group and the parental consent: the guardian who gave it is a recorded guardian of
    the child (chosen) or registered here (their name), and the consent may include photos."""

    camp_group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        empty_label="—",
    )
    parental_consent = forms.BooleanField(label=_("A parent or guardian gave consent"), required=False)
    guardian = forms.ChoiceField(label=_("Parent or guardian who gave it"), required=False)
    guardian_name = forms.CharField(
        label=_("Or the name of a parent or guardian not registered yet"),
        help_text=_("They are registered with the child, as the child's guardian."),
        max_length=200,
        required=False,
    )
    guardian_kind = forms.ChoiceField(
        label=_("The parent or guardian is the child's"),
        choices=GUARDIAN_KINDS,
        initial=RelationKind.PARENT,
        required=False,
    )
    consent_method = forms.ChoiceField(
        label=_("How"), choices=ConsentMethod.choices, initial=ConsentMethod.WRITTEN, required=False
    )
    photos = forms.BooleanField(label=_("Photos of the child may be taken at the camp"), required=False)

    def __init__(self, *args: Any, groups: Any, guardians: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["camp_group"].queryset = groups  # type: ignore[attr-defined]
        self.fields["guardian"].choices = [("", "—"), *guardians]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["guardian_kind"] = data.get("guardian_kind") or RelationKind.PARENT
        data["consent_method"] = data.get("consent_method") or ConsentMethod.WRITTEN
        named = data.get("guardian") or (data.get("guardian_name") or "").strip()
        if data.get("parental_consent") and not named:
            self.add_error("guardian", _("Record who gave the consent."))
        if data.get("guardian") and (data.get("guardian_name") or "").strip():
            self.add_error("guardian_name", _("Choose a registered guardian or give a name, not both."))
        return data


class CampConsentWithdrawForm(forms.Form):
    purposes = forms.MultipleChoiceField(
        label=_("Withdrawn for"),
        choices=[
            (ConsentPurpose.ACTIVITY, _("Taking part in the camp: the child leaves the camp's lists")),
            (ConsentPurpose.PHOTOS, _("Photos: the child's photos are hidden")),
        ],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose what the consent is withdrawn for.")},
    )


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
