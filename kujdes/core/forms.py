from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kujdes.core.models import UnitKind


class UnitForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)


class UnitEditForm(UnitForm):
    is_active = forms.BooleanField(label=_("Active"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def form_add_validation_error(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form, by field where it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)
