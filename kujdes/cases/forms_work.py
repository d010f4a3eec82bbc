"""Forms of case work. They check shapes (dates, choices, lengths); the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kujdes.cases.choices import ContactMethod, PlanStatus, SupportType
from kujdes.cases.work import NOTE_MAX, TEXT_MAX, TITLE_MAX


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date(label: Any, *, required: bool = False) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput())


def _text(label: Any, limit: int, *, required: bool = False, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=limit, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


def _choices_set(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class SupportPlanForm(forms.Form):
    support_type = forms.ChoiceField(label=_("Type of support"), choices=SupportType.choices)
    objectives = _text(_("Objectives"), TEXT_MAX, required=True)
    actions = _text(_("Action plan"), TEXT_MAX)
    status = forms.ChoiceField(label=_("Status"), choices=PlanStatus.choices, initial=PlanStatus.PLANNED)
    planned_start = _date(_("Planned start"))
    planned_end = _date(_("Planned end"))
    actual_end = _date(_("Actual end"))


class SupportPlanEditForm(SupportPlanForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CaseTaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=TITLE_MAX)
    due_on = _date(_("Due on"), required=True)
    assigned_to = forms.ChoiceField(label=_("Assigned to"))
    plan = forms.ChoiceField(label=_("Support plan"), required=False)

    def __init__(self, *args: Any, assignees: list[Any], plans: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.assignees = {str(user.public_id): user for user in assignees}
        self.plans = {str(plan.public_id): plan for plan in plans}
        _choices_set(self, "assigned_to", [(key, u.display_name) for key, u in self.assignees.items()])
        plan_choices = [(key, p.get_support_type_display()) for key, p in self.plans.items()]
        _choices_set(self, "plan", _blank(_("None")) + plan_choices)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "due_on": data["due_on"],
            "assigned_to": self.assignees[data["assigned_to"]],
            "plan": self.plans.get(data["plan"]),
        }


class ServiceDeliveryForm(forms.Form):
    service_type = forms.ChoiceField(label=_("Type of service"), choices=SupportType.choices)
    provider = forms.ChoiceField(
        label=_("Provider"), required=False, help_text=_("Leave empty for a service of the programme.")
    )
    delivered_on = _date(_("Date"), required=True)
    notes = _text(_("Notes"), TEXT_MAX)

    def __init__(self, *args: Any, providers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.providers = {str(p.public_id): p for p in providers}
        provider_choices = [(key, p.name) for key, p in self.providers.items()]
        _choices_set(self, "provider", _blank(_("The programme itself")) + provider_choices)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "service_type": data["service_type"],
            "provider": self.providers.get(data["provider"]),
            "delivered_on": data["delivered_on"],
            "notes": data["notes"],
        }


class FollowUpForm(forms.Form):
    contacted_on = _date(_("Contact date"), required=True)
    method = forms.ChoiceField(label=_("How"), choices=ContactMethod.choices)
    notes = _text(_("Notes"), TEXT_MAX)
    next_due_on = _date(_("Next follow-up due"))


class CaseNoteForm(forms.Form):
    body = _text(_("Note"), NOTE_MAX, required=True, rows=4)


class CaseDocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    upload = forms.FileField(
        label=_("File"),
        help_text=_("PDF, photo (JPEG, PNG, WEBP) or office document (DOCX, XLSX, ODT, ODS)."),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".pdf,.jpg,.jpeg,.png,.webp,.docx,.xlsx,.odt,.ods,application/pdf,image/*",
            }
        ),
    )
