"""Forms of the stakeholder directory: they check the input's shape; the services decide the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kujdes.core.exports import ExportFormat
from kujdes.core.models import Country
from kujdes.network.models import Partner, Theme
from kujdes.network.stakeholders.models import AgreementKind, StakeholderLevel, StakeholderType
from kujdes.referrals.models import ProviderType

BLANK: list[tuple[str, Any]] = [("", "—")]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class StakeholderForm(forms.Form):
    # The institution, as its organisation's service directory has it.
    name = forms.CharField(label=_("Name"), max_length=200)
    stakeholder_type = forms.ChoiceField(label=_("Type of actor"), choices=BLANK + StakeholderType.choices)
    provider_type = forms.ChoiceField(
        label=_("Type in the service directory (HTCDS)"),
        choices=BLANK + ProviderType.choices,
        required=False,
        help_text=_("Leave empty to take the nearest type to the type of actor."),
    )
    level = forms.ChoiceField(label=_("Level"), choices=BLANK + StakeholderLevel.choices)
    country = forms.ChoiceField(label=_("Country"), choices=Country.choices)
    municipality = forms.CharField(label=_("City or municipality"), max_length=120, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=60, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    themes = forms.MultipleChoiceField(
        label=_("Themes"), choices=Theme.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(
        label=_("About the stakeholder"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("Partners of the network that work with it"),
        queryset=Partner.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # A staff contact of the institution: never a person of a case.
    contact_name = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    contact_role = forms.CharField(label=_("Contact's role"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Contact's e-mail"), required=False)
    contact_phone = forms.CharField(label=_("Contact's phone"), max_length=60, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    provider_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    PROVIDER = ("name", "provider_type", "country", "municipality", "address", "phone", "email")
    PROFILE = (
        "stakeholder_type",
        "level",
        "themes",
        "website",
        "description",
        "contact_name",
        "contact_role",
        "contact_email",
        "contact_phone",
    )

    def __init__(self, *args: Any, update_shared: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partners"].queryset = Partner.objects.order_by("name")  # type: ignore[attr-defined]
        if update_shared:
            self.fields["update_shared"] = forms.BooleanField(
                label=_("Also update the copy shared with the network"), required=False, initial=True
            )

    def provider_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.PROVIDER}

    def profile_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.PROFILE}


class AgreementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=BLANK + AgreementKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=DateInput())
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DateInput())
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput())
    scope = forms.CharField(
        label=_("Scope"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    document = forms.FileField(
        label=_("Document"),
        required=False,
        help_text=_("PDF, office document or image; checked by its content and stored encrypted."),
    )


class ShareForm(forms.Form):
    include_contact = forms.BooleanField(
        label=_("Share the contact person (name, role, e-mail, phone)"), required=False
    )
    include_documents = forms.BooleanField(label=_("Share the documents of the agreements"), required=False)


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    country = forms.ChoiceField(label=_("Country"), choices=BLANK + list(Country.choices), required=False)
    type = forms.ChoiceField(label=_("Type"), choices=BLANK + StakeholderType.choices, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=BLANK + StakeholderLevel.choices, required=False)
    theme = forms.ChoiceField(label=_("Theme"), choices=BLANK + Theme.choices, required=False)
    partner = forms.ChoiceField(label=_("Partner"), choices=BLANK, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = BLANK + [  # type: ignore[attr-defined]
            (p.code, p.name) for p in Partner.objects.order_by("name")
        ]


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=[(ExportFormat.CSV, "CSV"), (ExportFormat.XLSX, "XLSX")])
