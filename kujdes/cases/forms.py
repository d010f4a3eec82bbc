"""Forms of the case file: what the case worker types, checked before any service runs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kujdes.cases.choices import (
    NRM_ORDER,
    CaseStatus,
    CaseType,
    ClosureReason,
    ControlMethod,
    DecisionOrganisation,
    EventType,
    ExploitationType,
    LabourIndustry,
    NrmStage,
    RecruitmentMethod,
    SexExploitationType,
    TraffickerRelationship,
    TraffickingStatus,
    Vulnerability,
    WebsiteOrApp,
)
from kujdes.core.models import Country

BLANK = [("", "—")]
TEXT_LIMIT = 10_000


def _multi(label: Any, choices: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class DateInput(forms.DateInput):
    input_type = "date"


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Case or person code"), max_length=40, required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), ("open", _("Open")), *CaseStatus.choices]
    )
    case_type = forms.ChoiceField(
        label=_("Case type"), required=False, choices=[("", _("All")), *CaseType.choices]
    )
    nrm_stage = forms.ChoiceField(
        label=_("Referral mechanism stage"), required=False, choices=[("", _("All")), *NrmStage.choices]
    )
    trafficking_status = forms.ChoiceField(
        label=_("Trafficking status"), required=False, choices=[("", _("All")), *TraffickingStatus.choices]
    )
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    worker = forms.ChoiceField(label=_("Case worker"), required=False)
    mine = forms.BooleanField(label=_("Only my cases"), required=False)
    opened_from = forms.DateField(label=_("Opened from"), required=False, widget=DateInput)
    opened_to = forms.DateField(label=_("Opened until"), required=False, widget=DateInput)

    def __init__(
        self,
        *args: Any,
        units: list[tuple[str, str]],
        workers: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("All my units")), *units]
        self.fields["worker"].choices = [("", _("All")), *(workers or [])]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("opened_from") and data.get("opened_to") and data["opened_to"] < data["opened_from"]:
            self.add_error("opened_to", _("The end cannot be before the start."))
        return data


class CaseCreateForm(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"))
    case_type = forms.ChoiceField(label=_("Case type"), choices=CaseType.choices)
    opened_on = forms.DateField(label=_("Opened on"), widget=DateInput)
    summary = forms.CharField(
        label=_("Summary"), required=False, max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = units
        self.fields["opened_on"].initial = timezone.localdate()

    def clean_opened_on(self) -> Any:
        value = self.cleaned_data["opened_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class CaseEditForm(forms.Form):
    """The HTCDS victim context of a case (vic_* fields); everything optional, codes from the standard."""

    case_type = forms.ChoiceField(label=_("Case type"), choices=CaseType.choices)
    summary = forms.CharField(
        label=_("Summary"), required=False, max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 4})
    )
    trafficking_status = forms.ChoiceField(
        label=_("Trafficking status"), required=False, choices=BLANK + list(TraffickingStatus.choices)
    )
    status_decided_by = forms.ChoiceField(
        label=_("Status decided by"), required=False, choices=BLANK + list(DecisionOrganisation.choices)
    )
    exploitation_types = _multi(_("Types of exploitation"), ExploitationType.choices)
    labour_industry = forms.ChoiceField(
        label=_("Forced labour industry"), required=False, choices=BLANK + list(LabourIndustry.choices)
    )
    sex_exploitation_types = _multi(_("Types of sexual exploitation"), SexExploitationType.choices)
    control_methods = _multi(_("Methods of control"), ControlMethod.choices)
    recruitment_methods = _multi(_("Methods of recruitment"), RecruitmentMethod.choices)
    recruitment_websites = _multi(_("Recruitment websites and apps"), WebsiteOrApp.choices)
    exploitation_websites = _multi(_("Exploitation websites and apps"), WebsiteOrApp.choices)
    vulnerabilities = _multi(_("Vulnerabilities"), Vulnerability.choices)
    trafficker_relationship = forms.ChoiceField(
        label=_("Relationship to trafficker"),
        required=False,
        choices=BLANK + list(TraffickerRelationship.choices),
    )
    age_when_trafficked = forms.IntegerField(
        label=_("Age when trafficked"), required=False, min_value=0, max_value=120
    )
    joint_interview_on = forms.DateField(label=_("Joint interview date"), required=False, widget=DateInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean_joint_interview_on(self) -> Any:
        value = self.cleaned_data["joint_interview_on"]
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        exploitation = data.get("exploitation_types") or []
        if data.get("labour_industry") and ExploitationType.FORCED_LABOUR not in exploitation:
            self.add_error("labour_industry", _("An industry applies to forced labour only."))
        if data.get("sex_exploitation_types") and ExploitationType.SEXUAL not in exploitation:
            self.add_error("sex_exploitation_types", _("These apply to sexual exploitation only."))
        return data


class PerpetratorForm(forms.Form):
    """The restricted perpetrator details: edited on their own page, whose every read is audited."""

    perpetrator_notes = forms.CharField(
        label=_("Perpetrator details (restricted)"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class NrmAdvanceForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("New stage"), choices=NrmStage.choices)
    decided_on = forms.DateField(label=_("Decision date"), widget=DateInput)
    authority = forms.CharField(label=_("Deciding authority"), max_length=200, required=False)
    joint_interview_on = forms.DateField(label=_("Joint interview date"), required=False, widget=DateInput)

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        later = NRM_ORDER[NRM_ORDER.index(NrmStage(current)) + 1 :]
        self.fields["to_stage"].choices = [(stage.value, stage.label) for stage in later]
        self.fields["decided_on"].initial = timezone.localdate()


class TraffickingEventForm(forms.Form):
    event_type = forms.ChoiceField(label=_("Type"), choices=EventType.choices)
    country = forms.ChoiceField(label=_("Country"))
    place = forms.CharField(label=_("Place"), max_length=120, required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The network's countries first, then the usual destinations and transit countries.
        extra = [
            ("IT", _("Italy")),
            ("GR", _("Greece")),
            ("DE", _("Germany")),
            ("GB", _("United Kingdom")),
            ("MK", _("North Macedonia")),
            ("ME", _("Montenegro")),
            ("RS", _("Serbia")),
            ("CH", _("Switzerland")),
            ("BE", _("Belgium")),
            ("NL", _("Netherlands")),
            ("ES", _("Spain")),
        ]
        self.fields["country"].choices = list(Country.choices) + extra

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end cannot be before the start."))
        return data


class ClosureRequestForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Close as"),
        choices=[
            (CaseStatus.CLOSED.value, CaseStatus.CLOSED.label),
            (CaseStatus.CLOSED_REFERRED.value, CaseStatus.CLOSED_REFERRED.label),
        ],
    )
    reason = forms.ChoiceField(label=_("Reason for closure"), choices=ClosureReason.choices)
    details = forms.CharField(
        label=_("Details"), required=False, max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 3})
    )


class TransferRequestForm(forms.Form):
    target_unit = forms.ChoiceField(label=_("Move the case to"))
    details = forms.CharField(
        label=_("Why"), required=False, max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 3})
    )
    override_reason = forms.CharField(
        label=_("Reason for moving without her consent"),
        help_text=_(
            "Only if she has not consented to case management and waiting would put her at risk. "
            "It is recorded and audited."
        ),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target_unit"].choices = units


class ApprovalDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CaseWorkersForm(forms.Form):
    primary = forms.ChoiceField(label=_("Primary case worker"))
    others = forms.MultipleChoiceField(
        label=_("Other case workers"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, workers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["primary"].choices = workers
        self.fields["others"].choices = workers


class CaseSettingsForm(forms.Form):
    closure_requires_approval = forms.BooleanField(
        label=_("Closing a case needs a programme manager's approval"), required=False
    )
