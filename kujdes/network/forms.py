from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kujdes.core.models import Country
from kujdes.core.roles import NETWORK_ROLES
from kujdes.network.models import CrossBorderService, FocalPoint, Language, Partner, PartnerStatus, Theme

NAMES_LINE_ERROR = _(
    "Line %(number)s: write a language code, a colon and the name, e.g. “sq: Caritas Shqiptare”."
)


class NamesField(forms.CharField):
    """The partner's name in its own languages, one per line: "sq: Caritas Shqiptare"."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: object) -> object:
        if isinstance(value, dict):
            return "\n".join(f"{code}: {name}" for code, name in value.items())
        return value

    def to_python(self, value: object) -> dict[str, str]:
        text = super().to_python(value)
        names: dict[str, str] = {}
        languages = {code for code, _label in Language.choices}
        for number, line in enumerate(str(text).splitlines(), start=1):
            if not line.strip():
                continue
            code, sep, name = line.partition(":")
            code = code.strip().lower()
            if not sep or code not in languages or not name.strip():
                raise forms.ValidationError(
                    NAMES_LINE_ERROR,
                    params={"number": number},
                )
            names[code] = name.strip()
        return names


class PartnerForm(forms.ModelForm):
    names = NamesField(label=_("Name in its own languages"), required=False)
    languages = forms.MultipleChoiceField(
        label=_("Working languages"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    themes = forms.MultipleChoiceField(
        label=_("Thematic strengths"),
        choices=Theme.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cross_border_services = forms.MultipleChoiceField(
        label=_("Services for cross-border cases"),
        choices=CrossBorderService.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    class Meta:
        model = Partner
        fields = [
            "name",
            "names",
            "languages",
            "description",
            "website",
            "email",
            "phone",
            "address",
            "themes",
            "cross_border_services",
            "code",
            "country",
            "status",
            "member_since",
            "member_until",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "member_since": forms.DateInput(attrs={"type": "date"}),
            "member_until": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: object, coordinator: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not coordinator:
            # Membership is the coordinator's business: a focal point does not see these fields.
            for name in ("code", "country", "status", "member_since", "member_until"):
                del self.fields[name]


class PartnerFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    country = forms.ChoiceField(
        label=_("Country"), choices=[("", _("All"))] + list(Country.choices), required=False
    )
    theme = forms.ChoiceField(
        label=_("Theme"), choices=[("", _("All"))] + list(Theme.choices), required=False
    )
    service = forms.ChoiceField(
        label=_("Cross-border service"),
        choices=[("", _("All"))] + list(CrossBorderService.choices),
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All"))] + list(PartnerStatus.choices), required=False
    )


class FocalPointForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = FocalPoint
        fields = ["name", "role", "email", "phone", "languages", "is_primary"]


class NetworkRoleGrantForm(forms.Form):
    """A network administrator gives a user of any organisation a network role."""

    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in sorted(NETWORK_ROLES)])
