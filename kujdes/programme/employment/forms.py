"""Forms of the employment pages: they check the input's shape; the services decide the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kujdes.programme.employment.models import (
    ActionKind,
    AgreementKind,
    Conditions,
    Constraint,
    ContractType,
    DocumentKind,
    GrantStatus,
    PlacementKind,
    Readiness,
    RedFlag,
    WageBand,
    WarningSign,
    isic_choices,
)

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _today_initial(form: forms.Form, *names: str) -> None:
    for name in names:
        form.fields[name].initial = timezone.localdate()


class UnitChoiceMixin(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, empty_label=None)  # type: ignore[arg-type]

    def set_units(self, units: Any, initial: Any = None) -> None:
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if initial is not None:
            self.fields["unit"].initial = initial


class ReadinessForm(UnitChoiceMixin):
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DateInput())
    readiness = forms.ChoiceField(label=_("Readiness"), choices=Readiness.choices)
    has_cv = forms.BooleanField(label=_("Has a CV"), required=False)
    documents = forms.MultipleChoiceField(
        label=_("Documents held"),
        choices=DocumentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    skills = forms.CharField(
        label=_("Skills and experience"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    constraints = forms.MultipleChoiceField(
        label=_("Constraints"),
        choices=Constraint.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    constraints_notes = forms.CharField(
        label=_("About the constraints"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example who could look after the children during working hours."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _today_initial(self, "assessed_on")


class SupportActionForm(UnitChoiceMixin):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    kind = forms.ChoiceField(label=_("Action"), choices=ActionKind.choices)
    employer = forms.ModelChoiceField(label=_("Employer"), queryset=None, required=False)  # type: ignore[arg-type]
    notes = forms.CharField(
        label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, employers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = employers  # type: ignore[attr-defined]
        _today_initial(self, "date")


class EmployerForm(UnitChoiceMixin):
    name = forms.CharField(label=_("Name"), max_length=200)
    sector = forms.ChoiceField(label=_("Sector (ISIC section)"))
    municipality = forms.CharField(label=_("Municipality"), max_length=64, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=60, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    agreement = forms.ChoiceField(label=_("Agreement"), choices=AgreementKind.choices)
    agreement_since = forms.DateField(label=_("Agreement since"), widget=DateInput(), required=False)
    checked_on = forms.DateField(
        label=_("Workplace checked on"),
        widget=DateInput(),
        required=False,
        help_text=_("The safeguarding check of the workplace: leave empty until someone has visited."),
    )
    written_contracts = forms.BooleanField(label=_("Gives written contracts"), required=False)
    pays_minimum_wage = forms.BooleanField(
        label=_("Pays at least the minimum wage, with payslips"), required=False
    )
    legal_hours = forms.BooleanField(label=_("Hours and rest days within the law"), required=False)
    no_document_retention = forms.BooleanField(label=_("Never keeps workers' documents"), required=False)
    red_flags = forms.MultipleChoiceField(
        label=_("Red flags seen"),
        choices=RedFlag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(
        self, *args: Any, municipalities: tuple[str, ...] | None, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = [("", "—"), *isic_choices()]  # type: ignore[attr-defined]
        if municipalities is not None:
            self.fields["municipality"] = forms.ChoiceField(
                label=_("Municipality"),
                choices=[("", "—"), *[(m, m) for m in municipalities]],
                required=False,
            )
        if editing:
            del self.fields["unit"]
        else:
            del self.fields["version"]
            del self.fields["is_active"]


class PlacementForm(UnitChoiceMixin):
    kind = forms.ChoiceField(label=_("Kind"), choices=PlacementKind.choices)
    employer = forms.ModelChoiceField(
        label=_("Employer"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        help_text=_("Only self-employment has no employer."),
    )
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    starts_on = forms.DateField(label=_("Start date"), widget=DateInput())
    contract = forms.ChoiceField(label=_("Contract"), choices=ContractType.choices)
    wage_band = forms.ChoiceField(label=_("Wage"), choices=WageBand.choices, initial=WageBand.UNKNOWN)
    hours_per_week = forms.IntegerField(label=_("Hours per week"), min_value=1, max_value=84, required=False)
    subsidised = forms.BooleanField(label=_("Subsidised (wage or employment programme)"), required=False)
    course = forms.ModelChoiceField(
        label=_("After the course"),
        queryset=None,
        required=False,  # type: ignore[arg-type]
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, employers: Any, courses: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = employers  # type: ignore[attr-defined]
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]
        self.fields["course"].label_from_instance = lambda p: (  # type: ignore[attr-defined]
            f"{p.activity.title} ({p.completed_on:%Y-%m-%d})"
        )
        _today_initial(self, "starts_on")


class FollowUpForm(forms.Form):
    recorded_on = forms.DateField(label=_("Date of the follow-up"), widget=DateInput())
    still_employed = forms.ChoiceField(
        label=_("Still in the placement?"), choices=YES_NO, widget=forms.RadioSelect
    )
    conditions = forms.ChoiceField(
        label=_("Working conditions"), choices=[("", "—"), *Conditions.choices], required=False
    )
    problems = forms.CharField(
        label=_("Problems"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    warning_signs = forms.MultipleChoiceField(
        label=_("Warning signs of exploitation"),
        help_text=_("Any sign opens a screening of the person; serious signs also open a case."),
        choices=WarningSign.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _today_initial(self, "recorded_on")


class PlacementEndForm(forms.Form):
    ended_on = forms.DateField(label=_("Left the placement on"), widget=DateInput())


class ScreeningNotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class GrantForm(UnitChoiceMixin):
    business = forms.CharField(label=_("Business"), max_length=200)
    sector = forms.ChoiceField(label=_("Sector (ISIC section)"), required=False)
    business_plan = forms.CharField(
        label=_("Business plan"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5})
    )
    amount = forms.DecimalField(label=_("Amount"), max_digits=10, decimal_places=2, min_value=0)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="ALL")
    applied_on = forms.DateField(label=_("Applied on"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = [("", "—"), *isic_choices()]  # type: ignore[attr-defined]
        _today_initial(self, "applied_on")


class GrantStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=GrantStatus.choices)
    disbursed_on = forms.DateField(label=_("Disbursed on"), widget=DateInput(), required=False)


class GrantReviewForm(forms.Form):
    reviewed_on = forms.DateField(label=_("Reviewed on"), widget=DateInput())
    active = forms.ChoiceField(
        label=_("Is the business still active?"), choices=YES_NO, widget=forms.RadioSelect
    )
