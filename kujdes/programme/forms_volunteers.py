"""Forms of the volunteer pages: they check input shape only; the services decide the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from kujdes.core.content_languages import language_fields_add, language_fields_values
from kujdes.programme.models import BackgroundCheck, VolunteerStage

BLANK: list[tuple[str, Any]] = [("", "—")]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.username})"


class VolunteerForm(forms.Form):
    unit: forms.ModelChoiceField = forms.ModelChoiceField(  # type: ignore[arg-type]
        label=_("Unit"), queryset=None, empty_label="—"
    )
    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=60, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    birth_year = forms.IntegerField(label=_("Year of birth"), min_value=1900, required=False)
    skills = forms.CharField(label=_("Skills"), max_length=300, required=False)
    languages = forms.CharField(
        label=_("Languages"),
        help_text=_("Separated by commas, e.g. sq, en, it."),
        max_length=200,
        required=False,
    )
    availability = forms.CharField(
        label=_("Availability"),
        help_text=_("e.g. Saturdays, school holidays."),
        max_length=300,
        required=False,
    )
    joined_on = forms.DateField(label=_("Volunteer since"), widget=DateInput())
    stage = forms.ChoiceField(
        label=_("Stage"),
        help_text=_("A new application, usually; a volunteer recorded late may enter at any stage."),
        choices=VolunteerStage.choices,
        initial=VolunteerStage.APPLICATION,
        required=False,
    )
    background_check = forms.ChoiceField(
        label=_("Background check"), choices=BackgroundCheck.choices, initial=BackgroundCheck.NOT_STARTED
    )
    background_checked_on = forms.DateField(label=_("Checked on"), widget=DateInput(), required=False)
    background_check_expires_on = forms.DateField(
        label=_("Check valid until"), widget=DateInput(), required=False
    )
    user = UserChoiceField(
        label=_("User account"),
        help_text=_("Optional: the volunteer's own account, to sign in and see their activities."),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        empty_label="—",
    )

    def __init__(self, *args: Any, units: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["user"].queryset = users  # type: ignore[attr-defined]
        self.fields["joined_on"].initial = timezone.localdate()

    def clean_birth_year(self) -> int | None:
        year = self.cleaned_data.get("birth_year")
        if year is not None and year > timezone.localdate().year:
            raise forms.ValidationError(_("The year is in the future."))
        return year

    def clean_stage(self) -> str:
        return self.cleaned_data.get("stage") or VolunteerStage.APPLICATION

    def clean_languages(self) -> list[str]:
        raw = self.cleaned_data.get("languages") or ""
        return [part.strip() for part in raw.split(",") if part.strip()]


class VolunteerEditForm(VolunteerForm):
    """The profile; the stage changes through the pipeline (StageChangeForm), not here."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["stage"]
        self.fields["joined_on"].help_text = ""


class VolunteerFilterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    unit: forms.ModelChoiceField = forms.ModelChoiceField(  # type: ignore[arg-type]
        label=_("Unit"), queryset=None, required=False, empty_label="—"
    )
    active = forms.ChoiceField(
        label=_("Active"),
        choices=[("", "—"), ("yes", _("Active")), ("no", _("Not active"))],
        required=False,
    )
    check = forms.ChoiceField(
        label=_("Background check"), choices=BLANK + BackgroundCheck.choices, required=False
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class ActivityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} ({date_format(obj.starts_on, 'SHORT_DATE_FORMAT')})"


class ModuleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name()} ({obj.hours.normalize():f} h)"


class TrainingForm(forms.Form):
    module = ModuleChoiceField(
        label=_("Module of the curriculum"),
        help_text=_("When the training is one of the curriculum's modules."),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        empty_label="—",
    )
    title = forms.CharField(
        label=_("Training"),
        help_text=_("Leave empty for a module of the curriculum: its name is used."),
        max_length=200,
        required=False,
    )
    hours = forms.DecimalField(
        label=_("Hours"),
        help_text=_("Leave empty for a module of the curriculum: its hours are used."),
        max_digits=4,
        decimal_places=1,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "inputmode": "decimal"}),
    )
    completed_on = forms.DateField(label=_("Completed on"), widget=DateInput())
    expires_on = forms.DateField(label=_("Valid until"), widget=DateInput(), required=False)
    given_by = forms.CharField(
        label=_("Given by"),
        help_text=_("Staff or an external expert."),
        max_length=200,
        required=False,
    )
    certificate_reference = forms.CharField(label=_("Certificate number"), max_length=80, required=False)
    activity = ActivityChoiceField(
        label=_("Training activity"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        empty_label="—",
    )

    def __init__(self, *args: Any, activities: Any, modules: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = activities  # type: ignore[attr-defined]
        if modules is None:
            del self.fields["module"]
        else:
            self.fields["module"].queryset = modules  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("module") and not (data.get("title") or "").strip() and "title" not in self.errors:
            self.add_error("title", _("Give the training's title or choose a module of the curriculum."))
        return data


class HoursForm(forms.Form):
    activity = ActivityChoiceField(label=_("Activity"), queryset=None, empty_label="—")  # type: ignore[arg-type]
    date = forms.DateField(label=_("Date"), widget=DateInput())
    hours = forms.DecimalField(
        label=_("Hours"),
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "max": "16", "inputmode": "decimal"}),
    )
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)

    def __init__(self, *args: Any, activities: Any, activity_required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = activities  # type: ignore[attr-defined]
        self.fields["activity"].required = activity_required
        self.fields["date"].initial = timezone.localdate()


class ConductAcceptForm(forms.Form):
    """Staff record a signed paper; a volunteer accepts on their own account (then `accepted_on` is today)."""

    version_number = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    accepted_on = forms.DateField(label=_("Signed on"), widget=DateInput())
    confirm = forms.BooleanField(label=_("I have read the code of conduct and I accept it."))

    def __init__(self, *args: Any, own: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accepted_on"].initial = timezone.localdate()
        if own:
            del self.fields["accepted_on"]
        else:
            self.fields["confirm"].label = _("The volunteer signed this version on paper.")


# -- the recruitment pipeline ----------------------------------------------------------------------------


class PipelineFilterForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=BLANK + VolunteerStage.choices, required=False)
    unit: forms.ModelChoiceField = forms.ModelChoiceField(  # type: ignore[arg-type]
        label=_("Unit"), queryset=None, required=False, empty_label="—"
    )
    name = forms.CharField(label=_("Name"), max_length=100, required=False)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class StageChangeForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("New stage"), choices=())
    decided_on = forms.DateField(label=_("Decided on"), widget=DateInput())
    notes = forms.CharField(
        label=_("Notes"),
        help_text=_("What was decided and why; required for a refusal or a withdrawal."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, stages: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(VolunteerStage.choices)
        self.fields["to_stage"].choices = [(stage, labels[stage]) for stage in stages]  # type: ignore[attr-defined]
        self.fields["decided_on"].initial = timezone.localdate()


# -- the training curriculum (organisation administrators) ---------------------------------------------


class CurriculumModuleForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("Letters, digits and dashes; it does not change later.")
    )
    hours = forms.DecimalField(
        label=_("Hours"),
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "inputmode": "decimal"}),
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32000, initial=100)
    is_active = forms.BooleanField(
        label=_("Part of the curriculum"),
        help_text=_("A retired module stays on the records of those who took it."),
        required=False,
        initial=True,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(
        self, *args: Any, editing: bool = False, required_language: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]
        else:
            del self.fields["version"]
        # One name per offered language (the organisation's default required), after the code.
        rest = {name: self.fields.pop(name) for name in list(self.fields) if name != "code"}
        language_fields_add(
            self,
            prefix="name",
            label=lambda language: _("Name in %(language)s") % {"language": language},
            required_language=required_language,
            max_length=200,
        )
        self.fields.update(rest)

    def names(self) -> dict[str, str]:
        return language_fields_values(self, prefix="name")
