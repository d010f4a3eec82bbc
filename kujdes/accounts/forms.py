from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kujdes.core.models import Unit
from kujdes.core.roles import NETWORK_ROLES, Role


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return "— " * obj.depth + obj.name


class MembershipForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), to_field_name="public_id")
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args, units: QuerySet[Unit], network_admin: bool = False, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if not network_admin:
            # An organisation's admin grants roles of the organisation only (the service refuses too).
            self.fields["role"].choices = [  # type: ignore[attr-defined]
                (value, label) for value, label in Role.choices if value not in NETWORK_ROLES
            ]


class InviteForm(MembershipForm):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={"invalid": _("Use letters, digits and . @ + - _ only.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"), help_text=_("The invitation link is sent here."))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    field_order = ["username", "first_name", "last_name", "email", "language", "unit", "role"]
