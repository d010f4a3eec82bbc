"""Forms of the referrals room: they check input shape only; the services decide the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kujdes.cases.choices import SupportType
from kujdes.core.models import Country
from kujdes.referrals.models import ProviderType, ReferralReason, ReferralStatus

BLANK: list[tuple[str, Any]] = [("", "—")]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProviderForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    provider_type = forms.ChoiceField(label=_("Type (HTCDS)"), choices=BLANK + ProviderType.choices)
    country = forms.ChoiceField(label=_("Country"), choices=Country.choices, initial="AL")
    municipality = forms.CharField(label=_("Municipality or city"), max_length=120, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=60, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    services = forms.MultipleChoiceField(
        label=_("Services offered"),
        choices=SupportType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    nrm_member = forms.BooleanField(label=_("Member of the national referral mechanism"), required=False)
    notes = forms.CharField(
        label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class ProviderEditForm(ProviderForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ProviderFilterForm(forms.Form):
    service = forms.ChoiceField(label=_("Service"), choices=BLANK + SupportType.choices, required=False)
    municipality = forms.ChoiceField(label=_("Municipality"), choices=BLANK, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=BLANK + ProviderType.choices, required=False)
    nrm = forms.ChoiceField(
        label=_("Referral mechanism"),
        choices=[("", "—"), ("yes", _("Members only")), ("no", _("Not members"))],
        required=False,
    )

    def __init__(self, *args: Any, municipalities: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = BLANK + [(m, m) for m in municipalities]  # type: ignore[attr-defined]


class ReferralForm(forms.Form):
    service_type = forms.ChoiceField(label=_("Service needed"), choices=BLANK + SupportType.choices)
    receiver = forms.ChoiceField(
        label=_("Refer to"),
        help_text=_("A provider of the service directory, or another unit of the organisation."),
    )
    reason = forms.ChoiceField(
        label=_("Reason for the referral"),
        choices=ReferralReason.choices,
        initial=ReferralReason.ADDITIONAL_SERVICES,
    )
    details = forms.CharField(
        label=_("Details for the receiver"),
        help_text=_("Only what the receiver needs to know: the receiver reads this."),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    urgent = forms.BooleanField(label=_("Urgent"), required=False)
    referred_on = forms.DateField(label=_("Date"), widget=DateInput())
    override_reason = forms.CharField(
        label=_("Reason for referring without consent"),
        help_text=_(
            "Only when she cannot consent and waiting would put her at risk. It is recorded and audited."
        ),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        receivers: list[tuple[str, list[tuple[str, str]]]],
        offer_override: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["receiver"].choices = BLANK + receivers  # type: ignore[attr-defined]
        self.fields["referred_on"].initial = timezone.localdate()
        if not offer_override:
            del self.fields["override_reason"]


class IncomingReferralForm(forms.Form):
    from_provider = forms.ChoiceField(label=_("Referred by"))
    referred_on = forms.DateField(label=_("Date of the referral"), widget=DateInput())
    reason = forms.ChoiceField(
        label=_("Reason for the referral"),
        choices=ReferralReason.choices,
        initial=ReferralReason.ADDITIONAL_SERVICES,
    )
    service_type = forms.ChoiceField(
        label=_("Service needed"), choices=SupportType.choices, initial=SupportType.OTHER
    )
    details = forms.CharField(
        label=_("What the referring organisation told us"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, providers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_provider"].choices = BLANK + providers  # type: ignore[attr-defined]
        self.fields["referred_on"].initial = timezone.localdate()


class RespondForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Answer"),
        choices=[("accept", _("Accepted")), ("decline", _("Declined"))],
        widget=forms.RadioSelect,
    )
    responded_on = forms.DateField(label=_("Answered on"), widget=DateInput())
    contact_person = forms.CharField(label=_("Contact at the receiver"), max_length=200, required=False)
    notes = forms.CharField(
        label=_("Notes on the answer"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responded_on"].initial = timezone.localdate()


class VersionForm(forms.Form):
    """Complete and cancel: the version the user saw, and for completion a date."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    completed_on = forms.DateField(label=_("Completed on"), widget=DateInput(), required=False)


class ReferralFilterForm(forms.Form):
    box = forms.ChoiceField(
        choices=[("outgoing", _("Outgoing")), ("incoming", _("Incoming"))], required=False
    )
    status = forms.ChoiceField(label=_("Status"), choices=BLANK + ReferralStatus.choices, required=False)
