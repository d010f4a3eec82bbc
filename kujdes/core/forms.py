from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kujdes.core.models import StaffCategory, UnitKind
from kujdes.core.roles import Role


class UnitForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)


class UnitEditForm(UnitForm):
    is_active = forms.BooleanField(label=_("Active"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class StaffUnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return "— " * obj.depth + obj.name


NOT_STAFF = ("none", _("Not the programme's staff"))


class StaffFilterForm(forms.Form):
    """The staff page's filters (kept in the URL)."""

    staff_category = forms.ChoiceField(
        label=_("Staff category"),
        choices=[("", "—"), *StaffCategory.choices, NOT_STAFF],
        required=False,
    )
    unit = StaffUnitChoiceField(
        label=_("Unit"),
        queryset=None,
        required=False,
        empty_label="—",
        to_field_name="public_id",  # type: ignore[arg-type]
    )
    role = forms.ChoiceField(label=_("Role"), choices=[("", "—"), *Role.choices], required=False)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class StaffCategoryForm(forms.Form):
    staff_category = forms.ChoiceField(
        label=_("Staff category"),
        help_text=_("How they serve this unit: the reports count activities and hours by it."),
        choices=[*StaffCategory.choices, ("", NOT_STAFF[1])],
        required=False,
    )


def form_add_validation_error(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form, by field where it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)
