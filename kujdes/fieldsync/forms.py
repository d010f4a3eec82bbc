from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kujdes.core.roles import Role
from kujdes.fieldsync.models import FormState


class FormUploadForm(forms.Form):
    xlsform = forms.FileField(label=_("XLSForm (.xlsx)"))
    units = forms.MultipleChoiceField(label=_("Publish to units"), choices=())
    roles = forms.MultipleChoiceField(
        label=_("For roles (none chosen: every role)"), choices=Role.choices, required=False
    )

    def __init__(self, *args: object, unit_choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["units"].choices = unit_choices


class FormStateForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=FormState.choices)


class MediaUploadForm(forms.Form):
    file = forms.FileField(label=_("Media file"))


class DeviceForm(forms.Form):
    name = forms.CharField(label=_("Name of the phone"), max_length=100)
    unit = forms.ChoiceField(label=_("Unit"), choices=())

    def __init__(self, *args: object, unit_choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].choices = unit_choices
