from __future__ import annotations

from typing import Any

from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
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


def _code_just_used(*, user: Any, code: str) -> bool:
    """Whether `code` is her current one-time code, refused only because it was used already."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import validate_totp_code
    from allauth.mfa.utils import decrypt
    from django.core.cache import cache

    for authenticator in Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP):
        totp = authenticator.wrap()
        if cache.get(totp._get_used_cache_key(code)) is not None and validate_totp_code(
            decrypt(authenticator.data["secret"]), code
        ):
            return True
    return False


class _UsedCodeMessage:
    """A code typed a second time within its 30 seconds (a double submit, a second tab) is not
    "incorrect": say so, and what to do. Reusing it stays refused (the replay protection is kept)."""

    def clean_code(self) -> str:
        try:
            return super().clean_code()  # type: ignore[misc]
        except forms.ValidationError:
            code = str(self.cleaned_data.get("code", "")).strip()  # type: ignore[attr-defined]
            if code and _code_just_used(user=self.user, code=code):  # type: ignore[attr-defined]
                raise forms.ValidationError(
                    _("This code was just used. Wait for the next one in your app and type that."),
                    code="code_just_used",
                ) from None
            raise


class MFAAuthenticateForm(_UsedCodeMessage, AuthenticateForm):
    pass


class MFAReauthenticateForm(_UsedCodeMessage, ReauthenticateForm):
    pass
