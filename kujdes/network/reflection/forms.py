"""Forms of the reflection pages: shape of the input only; the services decide the rules.

Choices of objects carry public ids (to_field_name="public_id"), never database ids.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kujdes.network.models import Partner
from kujdes.network.reflection.models import (
    ActionStatus,
    ApplicationExtent,
    AttendanceStatus,
    Decision,
    DecisionScope,
    DecisionStatus,
    MeetingStatus,
    WorkingGroup,
    WorkingGroupStatus,
)
from kujdes.programme.forms import DateField, DateInput

BLANK: list[tuple[str, Any]] = [("", "—")]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateTimeField(forms.DateTimeField):
    """A date and time within years the application can reason about."""

    widget = DateTimeInput
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]

    def to_python(self, value: Any) -> datetime.datetime | None:
        moment = super().to_python(value)
        if moment is not None and not 1900 <= moment.year <= 2999:
            raise forms.ValidationError(_("Enter a date between the years 1900 and 2999."), code="invalid")
        return moment


def _partners() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Partner"), queryset=Partner.objects.order_by("name"), to_field_name="public_id"
    )


class Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class TagsField(forms.CharField):
    """Tags separated by commas: "screening, children"."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value)
        tags: list[str] = []
        for tag in str(text).split(","):
            tag = " ".join(tag.split())
            if tag and tag not in tags:
                if len(tag) > 50:
                    raise forms.ValidationError(_("A tag has at most 50 characters."))
                tags.append(tag)
        return tags


class LinksField(forms.CharField):
    """Documents and links, one a line: "Title | https://…" (or just the address)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(
                f"{link['title']} | {link['url']}" if link.get("title") else link["url"] for link in value
            )
        return value

    def to_python(self, value: Any) -> list[dict[str, str]]:
        text = super().to_python(value)
        links = []
        validate = forms.URLField(assume_scheme="https")
        for number, line in enumerate(str(text).splitlines(), start=1):
            if not line.strip():
                continue
            title, sep, url = line.rpartition("|")
            if not sep:
                title, url = "", line
            try:
                url = validate.clean(url.strip())
            except forms.ValidationError:
                raise forms.ValidationError(
                    _(
                        "Line %(number)s: write a title, a bar and the address, e.g. “Guide | https://example.org/guide.pdf”."
                    ),
                    params={"number": number},
                ) from None
            links.append({"title": title.strip()[:200], "url": url})
        return links


# --- Working groups ------------------------------------------------------------------------------


class WorkingGroupForm(Versioned):
    name = forms.CharField(label=_("Name"), max_length=200)
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}))
    terms_of_reference = forms.CharField(
        label=_("Terms of reference"), widget=forms.Textarea(attrs={"rows": 8}), required=False
    )
    convenor = forms.ModelChoiceField(
        label=_("Convenor"), queryset=Partner.objects.order_by("name"), to_field_name="public_id"
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("Member partners"),
        queryset=Partner.objects.order_by("name"),
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The convenor is always a member."),
    )
    started_on = DateField(label=_("Started on"), widget=DateInput())
    ended_on = DateField(label=_("Ended on"), widget=DateInput(), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=WorkingGroupStatus.choices)


class WorkingGroupStaffForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    role = forms.CharField(label=_("Role in the group"), max_length=200, required=False)
    partner = forms.ModelChoiceField(
        label=_("Partner"),
        queryset=Partner.objects.order_by("name"),
        to_field_name="public_id",
        required=False,
    )
    username = forms.CharField(
        label=_("Account here (user name)"),
        max_length=150,
        required=False,
        help_text=_("Only if the person signs in to this installation."),
    )


# --- Meetings ------------------------------------------------------------------------------------


class MeetingForm(Versioned):
    working_group = forms.ModelChoiceField(
        label=_("Working group"),
        queryset=WorkingGroup.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label=_("None: a network meeting (plenary)"),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = DateTimeField(label=_("Date and time"))
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    online_link = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    status = forms.ChoiceField(label=_("Status"), choices=MeetingStatus.choices)

    def __init__(
        self, *args: Any, groups: Any = None, plenary: bool = True, editing: bool = False, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["working_group"]
        else:
            self.fields["working_group"].queryset = (
                groups if groups is not None else WorkingGroup.objects.none()
            )
            self.fields["working_group"].required = not plenary


class MinutesForm(Versioned):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 18}), required=False)


class MinutesApproveForm(forms.Form):
    approved_on = DateField(label=_("Approved on"), widget=DateInput(), required=False)


class AgendaItemForm(forms.Form):
    topic = forms.CharField(label=_("Topic"), max_length=300)
    presenter = forms.CharField(label=_("Presenter"), max_length=200, required=False)
    duration_minutes = forms.IntegerField(
        label=_("Time (minutes)"), min_value=1, max_value=600, required=False
    )
    notes = forms.CharField(
        label=_("Minutes of this item"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    position = forms.IntegerField(
        label=_("Position"), min_value=1, max_value=200, required=False, help_text=_("Empty: at the end.")
    )


class AttendanceForm(forms.Form):
    """One choice per partner: present, excused, absent or not recorded."""

    def __init__(self, *args: Any, grid: list[tuple[Partner, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.partners = {}
        for partner, status in grid:
            name = f"p_{partner.public_id.hex}"
            self.partners[name] = partner
            self.fields[name] = forms.ChoiceField(
                label=partner.name,
                choices=[("", _("Not recorded"))] + AttendanceStatus.choices,
                required=False,
                initial=status,
            )

    def statuses(self) -> dict[int, str]:
        return {self.partners[name].pk: self.cleaned_data.get(name, "") for name in self.partners}


# --- Decisions -----------------------------------------------------------------------------------


class DecisionForm(Versioned):
    number = forms.CharField(
        label=_("Number"),
        max_length=40,
        help_text=_("For instance 2026-03/2: the meeting, then the decision."),
    )
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 4}))
    rationale = forms.CharField(
        label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=DecisionScope.choices)
    status = forms.ChoiceField(label=_("Status"), choices=DecisionStatus.choices)
    supersedes = forms.ModelChoiceField(
        label=_("Supersedes"),
        queryset=Decision.objects.order_by("-number"),
        to_field_name="public_id",
        required=False,
    )
    tags = TagsField(label=_("Tags"), required=False, help_text=_("Separated by commas."))

    def __init__(
        self, *args: Any, editing: bool = False, exclude_pk: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["number"]
        if exclude_pk is not None:
            self.fields["supersedes"].queryset = Decision.objects.exclude(pk=exclude_pk).order_by("-number")


class DecisionFilterForm(forms.Form):
    q = forms.CharField(label=_("Words"), max_length=200, required=False)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    group = forms.ChoiceField(label=_("Meeting"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=BLANK + DecisionStatus.choices, required=False)

    def __init__(self, *args: Any, years: list[int], groups: list[WorkingGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = BLANK + [(str(y), str(y)) for y in years]
        self.fields["group"].choices = (
            BLANK
            + [("plenary", _("Network meetings (plenary)"))]
            + [(g.public_id.hex, g.name) for g in groups]
        )
        self.groups = {g.public_id.hex: g for g in groups}


# --- Action items --------------------------------------------------------------------------------


class ActionForm(Versioned):
    description = forms.CharField(label=_("What is to be done"), widget=forms.Textarea(attrs={"rows": 3}))
    decision = forms.ModelChoiceField(
        label=_("Decision"), queryset=Decision.objects.none(), to_field_name="public_id", required=False
    )
    owner_partner = forms.ModelChoiceField(
        label=_("Owner (partner)"),
        queryset=Partner.objects.order_by("name"),
        to_field_name="public_id",
        required=False,
    )
    owner_name = forms.CharField(label=_("Owner (person)"), max_length=200, required=False)
    due_on = DateField(label=_("Due on"), widget=DateInput(), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices, initial=ActionStatus.OPEN)
    done_note = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, decisions: Any = None, owner_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if decisions is not None:
            self.fields["decision"].queryset = decisions
        if owner_only:
            for name in ("description", "decision", "owner_partner", "owner_name", "due_on"):
                del self.fields[name]


class ActionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=BLANK + [("open", _("Open or in progress"))] + ActionStatus.choices,
        required=False,
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    partner = forms.ModelChoiceField(
        label=_("Owner (partner)"),
        queryset=Partner.objects.order_by("name"),
        to_field_name="public_id",
        required=False,
    )


# --- Methods -------------------------------------------------------------------------------------


class MethodForm(Versioned):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 8}), required=False
    )
    version_label = forms.CharField(label=_("Version"), max_length=20, help_text=_("For instance 1.2."))
    decision = forms.ModelChoiceField(
        label=_("Agreed by the decision"),
        queryset=Decision.objects.select_related("meeting").order_by("-number"),
        to_field_name="public_id",
        required=False,
    )
    links = LinksField(
        label=_("Documents and links"),
        required=False,
        help_text=_("One a line: a title, a bar, the address."),
    )


class MethodApplicationForm(forms.Form):
    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=Partner.objects.none(), to_field_name="public_id"
    )
    extent = forms.ChoiceField(label=_("Extent"), choices=ApplicationExtent.choices)
    since = DateField(label=_("Since"), widget=DateInput(), required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        if partners.count() == 1:
            self.fields["partner"].initial = partners.first().public_id

    def clean_since(self) -> datetime.date | None:
        since = self.cleaned_data.get("since")
        if since is not None and since > timezone.localdate() + datetime.timedelta(days=366):
            raise forms.ValidationError(_("Give a date within the coming year."))
        return since
