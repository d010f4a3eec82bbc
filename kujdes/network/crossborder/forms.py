"""Forms of cross-border referrals: they check the shape of what is typed; the services decide."""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kujdes.cases.choices import CaseType
from kujdes.network.crossborder import dataset
from kujdes.network.crossborder.models import Purpose
from kujdes.network.models import CrossBorderService

REASON_WIDGET = forms.Textarea(attrs={"rows": 3})


class PurposeForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("What is the referral for?"), choices=Purpose.choices, widget=forms.RadioSelect
    )


class ReferralAbroadForm(forms.Form):
    purpose = forms.ChoiceField(choices=Purpose.choices, widget=forms.HiddenInput)
    partner = forms.ChoiceField(label=_("Partner abroad"))
    services = forms.MultipleChoiceField(
        label=_("Services asked for"), choices=CrossBorderService.choices, widget=forms.CheckboxSelectMultiple
    )
    # Not "fields": a form's own attribute of that name is its field list.
    dataset = forms.MultipleChoiceField(
        label=_("Data sent"),
        choices=[(f.name, f.label) for f in dataset.FIELDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    documents = forms.MultipleChoiceField(
        label=_("Documents of the case"), required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.MultipleChoiceField(
        label=_("Notes of the case"), required=False, widget=forms.CheckboxSelectMultiple
    )
    message = forms.CharField(
        label=_("Message for the partner"),
        help_text=_("What the receiving team should know first. It travels encrypted."),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    override_reason = forms.CharField(
        label=_("Reason for referring her without her consent"),
        help_text=_("A programme manager must approve it before anything is sent; the reason is audited."),
        max_length=2000,
        required=False,
        widget=REASON_WIDGET,
    )
    # The choices the case worker last previewed: sending other choices needs a new preview.
    previewed = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        partners: list[tuple[str, str]],
        documents: list[tuple[str, str]],
        notes: list[tuple[str, str]],
        offer_override: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [("", "—"), *partners]
        self.fields["documents"].choices = documents
        self.fields["notes"].choices = notes
        if not documents:
            del self.fields["documents"]
        if not notes:
            del self.fields["notes"]
        if not offer_override:
            del self.fields["override_reason"]

    def choices_digest(self) -> str:
        """A fingerprint of the choices (names and ids only) that a preview showed."""
        data = self.cleaned_data
        parts = [
            data.get("purpose", ""),
            data.get("partner", ""),
            ",".join(sorted(data.get("services", []))),
            ",".join(dataset.fields_normalise(data.get("dataset", []))),
            ",".join(sorted(data.get("documents", []))),
            ",".join(sorted(data.get("notes", []))),
            data.get("message", ""),
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


class WithdrawForm(forms.Form):
    text = forms.CharField(
        label=_("Why (the partner reads it)"), max_length=2000, required=False, widget=REASON_WIDGET
    )


class AssignForm(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"))

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—"), *units]


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the sending partner reads it)"), max_length=2000, widget=REASON_WIDGET
    )


class StepForm(forms.Form):
    step = forms.ChoiceField(
        choices=[("first_contact", _("First contact made")), ("closed", _("Closed"))],
        widget=forms.HiddenInput,
    )
    note = forms.CharField(
        label=_("Note for the sending partner"), max_length=2000, required=False, widget=REASON_WIDGET
    )


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("erase", _("Erase her data")), ("legal_basis", _("Keep it on a legal basis"))],
        widget=forms.HiddenInput,
    )
    legal_basis = forms.CharField(
        label=_("Legal basis on which her data is kept"),
        max_length=2000,
        required=False,
        widget=REASON_WIDGET,
    )


class AcceptForm(forms.Form):
    person = forms.ChoiceField(label=_("Is she already registered?"), widget=forms.RadioSelect)
    unit = forms.ChoiceField(label=_("Unit of her case"))
    case_type = forms.ChoiceField(
        label=_("Case type"), choices=CaseType.choices, initial=CaseType.VICTIM_ASSISTANCE
    )
    primary_worker = forms.ChoiceField(label=_("Case worker"), required=False)

    def __init__(
        self,
        *args: Any,
        candidates: list[tuple[str, str]],
        units: list[tuple[str, str]],
        workers: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("new", _("No: register her as a new person")), *candidates]
        self.fields["unit"].choices = units
        self.fields["primary_worker"].choices = [("", _("Not yet")), *workers]
