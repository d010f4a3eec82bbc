from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kujdes.accounts.models import User
from kujdes.network.exchanges.models import (
    DocumentKind,
    Exchange,
    ExchangeKind,
    ExchangeStatus,
    FollowUpStatus,
)
from kujdes.network.models import Partner
from kujdes.programme.forms import DateField, DateInput, TimeInput

BLANK = [("", "—")]
RATINGS = [("", "—"), *[(str(n), str(n)) for n in range(1, 6)]]


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.own_name()


class PartnersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.own_name()


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return (
            f"{obj.get_full_name() or obj.username} ({obj.organisation.name})"
            if obj.organisation_id
            else str(obj)
        )


def staff_of(partners: QuerySet[Partner] | list[Partner]) -> QuerySet[User]:
    """The active accounts of the local partners' organisations (to link a participant or an owner)."""
    organisation_ids = [p.organisation_id for p in partners if p.organisation_id is not None]
    return (
        User.objects.filter(organisation_id__in=organisation_ids, is_active=True)
        .select_related("organisation")
        .order_by("last_name", "first_name", "username")
    )


class ExchangeFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2999)
    partner = PartnerChoiceField(
        label=_("Partner"),
        queryset=Partner.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=BLANK + ExchangeKind.choices, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=BLANK + ExchangeStatus.choices, required=False)


class ExchangeForm(forms.ModelForm):
    host = PartnerChoiceField(label=_("Host partner"), queryset=Partner.objects.none())
    visitors = PartnersChoiceField(
        label=_("Visiting partners"),
        queryset=Partner.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    starts_on = DateField(label=_("First day"), widget=DateInput())
    ends_on = DateField(label=_("Last day"), widget=DateInput())
    online_link = forms.URLField(label=_("Link to join"), required=False, assume_scheme="https")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    class Meta:
        model = Exchange
        fields = [
            "kind",
            "title",
            "host",
            "visitors",
            "starts_on",
            "ends_on",
            "place",
            "is_online",
            "online_link",
            "objectives",
            "agenda",
            "status",
        ]
        widgets = {
            "objectives": forms.Textarea(attrs={"rows": 3}),
            "agenda": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "agenda": _(
                "A short agenda in words; timed items with speakers can be added on the exchange's page."
            ),
        }

    def __init__(self, *args: Any, hosts: QuerySet[Partner], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = hosts
        if hosts.count() == 1 and not self.initial.get("host"):
            self.fields["host"].initial = hosts.first()

    def _post_clean(self) -> None:
        # Validation is the service's (model clean + the visitors rule); the form only converts.
        pass


class AgendaItemForm(forms.Form):
    day = DateField(label=_("Day"), widget=DateInput())
    starts_at = forms.TimeField(label=_("Time"), required=False, widget=TimeInput())
    topic = forms.CharField(label=_("Topic"), max_length=300)
    speaker = forms.CharField(label=_("Speaker"), max_length=200, required=False)


class ParticipantForm(forms.Form):
    partner = PartnerChoiceField(label=_("Partner"), queryset=Partner.objects.none())
    name = forms.CharField(label=_("Name"), max_length=200)
    role = forms.CharField(label=_("Role"), max_length=200, required=False)
    email = forms.EmailField(label=_("Work e-mail"), required=False)
    user = UserChoiceField(
        label=_("Kujdes account"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("If the colleague has an account here."),
    )
    learning_outcomes = forms.CharField(
        label=_("Learning outcomes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the participant learnt. Staff only: never a person of a case."),
    )

    def __init__(self, *args: Any, partners: QuerySet[Partner], edit: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        self.fields["user"].queryset = staff_of(list(partners))
        if partners.count() == 1:
            self.fields["partner"].initial = partners.first()
        if edit:
            del self.fields["partner"]


class EvaluationForm(forms.Form):
    rating_overall = forms.TypedChoiceField(
        label=_("Overall, how was the exchange? (1 = poor, 5 = excellent)"),
        choices=RATINGS,
        coerce=int,
        empty_value=None,
        required=False,
    )
    rating_usefulness = forms.TypedChoiceField(
        label=_("How useful is it for your work? (1 = not at all, 5 = very)"),
        choices=RATINGS,
        coerce=int,
        empty_value=None,
        required=False,
    )
    will_apply = forms.CharField(
        label=_("What will you apply in your work?"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    evaluation_comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ActionForm(forms.Form):
    description = forms.CharField(label=_("What is to be done"), widget=forms.Textarea(attrs={"rows": 2}))
    owner_partner = PartnerChoiceField(label=_("Owner partner"), queryset=Partner.objects.all())
    owner_name = forms.CharField(label=_("Owner (name)"), max_length=200, required=False)
    owner_user = UserChoiceField(
        label=_("Owner's Kujdes account"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Reminders go to this account; without one, to the owner partner's focal points."),
    )
    due_on = DateField(label=_("Due date"), widget=DateInput())
    status = forms.ChoiceField(label=_("Status"), choices=FollowUpStatus.choices, initial=FollowUpStatus.OPEN)
    done_on = DateField(label=_("Done on"), widget=DateInput(), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args: Any, partners: QuerySet[Partner], create: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_partner"].queryset = partners
        self.fields["owner_user"].queryset = staff_of(list(partners))
        if create:
            for name in ("status", "done_on", "version"):
                del self.fields[name]


class ActionOwnerForm(forms.Form):
    """What the owner of an action updates."""

    status = forms.ChoiceField(label=_("Status"), choices=FollowUpStatus.choices)
    done_on = DateField(label=_("Done on"), widget=DateInput(), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class ActionFilterForm(forms.Form):
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=BLANK + FollowUpStatus.choices, required=False)
    partner = PartnerChoiceField(
        label=_("Owner partner"),
        queryset=Partner.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All"),
    )


class DocumentForm(forms.Form):
    partner = PartnerChoiceField(label=_("Shared by"), queryset=Partner.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices, initial=DocumentKind.OTHER)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "PDF, JPEG, PNG, WEBP, DOCX, XLSX, ODT or ODS. Photos lose their location and camera data. "
            "Never upload photos or documents of persons of the cases (victims, beneficiaries, "
            "participants of activities): they do not belong in the network."
        ),
    )
    people_recognisable = forms.BooleanField(
        label=_("People can be recognised in this photo"), required=False
    )
    consent_confirmed = forms.BooleanField(
        label=_("Everyone shown agreed to the photo being shared with the network"), required=False
    )
    consent_note = forms.CharField(
        label=_("Who consented, and how"),
        max_length=300,
        required=False,
        help_text=_("For example: “the four colleagues shown, orally, on the last day”."),
    )

    def __init__(self, *args: Any, partners: QuerySet[Partner], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        if partners.count() == 1:
            self.fields["partner"].initial = partners.first()


class PracticesForm(forms.Form):
    practices = forms.ModelMultipleChoiceField(
        label=_("Practices presented"),
        queryset=Partner.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Published practices of the library."),
    )

    def __init__(self, *args: Any, choices: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practices"].queryset = choices
