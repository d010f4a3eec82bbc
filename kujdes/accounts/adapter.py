from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone, translation

from kujdes.accounts.middleware import SESSION_AUTHENTICATED_AT
from kujdes.accounts.selectors import user_requires_mfa
from kujdes.accounts.services import user_sessions_end
from kujdes.core.crypto import installation_secret_open, installation_secret_seal
from kujdes.core.middleware import language_for_request
from kujdes.core.probing import sign_in_locked


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are created by organisation administrators only.
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            # Too many failures (of the account or the address): a lockout the organisation's officer sees.
            sign_in_locked(request=request, username=str(credentials.get("username", "")))
            raise

    def login(self, request: HttpRequest, user) -> None:  # type: ignore[no-untyped-def]
        super().login(request, user)
        request.session[SESSION_AUTHENTICATED_AT] = timezone.now().timestamp()

    def add_message(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        # A message is stored as text, in the language active when it is made. The language was
        # chosen when the request began; signing in can change it (her own preference), and the
        # next page speaks hers: the message must too ("Successfully signed in" came in Albanian).
        with translation.override(language_for_request(request)):
            super().add_message(request, *args, **kwargs)

    def logout(self, request: HttpRequest) -> None:
        # Signing out ends every session of the account, on every device: a
        # phone left in a centre must not stay signed in.
        user = request.user
        if user.is_authenticated:
            user_sessions_end(user=user)
        super().logout(request)


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        # TOTP seeds are stored encrypted under the master key, not in the clear.
        return installation_secret_seal(plaintext=text, purpose="mfa")

    def decrypt(self, encrypted_text: str) -> str:
        return installation_secret_open(token=encrypted_text, purpose="mfa")

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """A user who must have a second factor cannot remove the last one."""
        user = authenticator.user
        if authenticator.type == Authenticator.Type.RECOVERY_CODES or not user_requires_mfa(user=user):
            return True
        second_factors = Authenticator.objects.filter(
            user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        )
        return second_factors.exclude(pk=authenticator.pk).exists()

    def get_totp_label(self, user) -> str:  # type: ignore[no-untyped-def]
        # The authenticator app shows this; a username reveals less than an e-mail address.
        return user.username

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        entity = super().get_public_key_credential_rp_entity()
        entity["name"] = "Kujdes"
        return entity
