"""Bearer tokens, session lifetime, login and second-factor enforcement."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.accounts.selectors import user_has_second_factor, user_requires_mfa
from kujdes.accounts.services import api_token_authenticate

API_PREFIX = "/api/"
SESSION_AUTHENTICATED_AT = "kujdes_authenticated_at"
# Pages a user without a second factor may still reach: to set one up, or to leave.
MFA_SETUP_URL_NAMES = (
    "mfa_index",
    "mfa_activate_totp",
    "mfa_add_webauthn",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "account_logout",
    "account_reauthenticate",
    "mfa_reauthenticate",
    "set_language",
    "healthz",
)


def api_error(detail: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


class BearerTokenMiddleware:
    """Authenticates API calls that carry `Authorization: Bearer <token>`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if request.path.startswith(API_PREFIX) and header:
            scheme, _sep, plaintext = header.partition(" ")
            token = (
                api_token_authenticate(plaintext=plaintext.strip()) if scheme.lower() == "bearer" else None
            )
            if token is None:
                response = api_error(_("Invalid or expired token."), 401)
                response["WWW-Authenticate"] = 'Bearer realm="kujdes"'
                return response
            request.user = token.user
            request.api_token = token  # type: ignore[attr-defined]
            # A bearer token is not sent by browsers on their own: no CSRF to fear.
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        return self.get_response(request)


class SessionLifetimeMiddleware:
    """Ends a browser session 12 hours (KUJDES_SESSION_MAX_HOURS) after sign-in, however active.

    The idle limit is the session cookie's age, renewed on every request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not hasattr(request, "api_token"):
            now = timezone.now()
            started = request.session.get(SESSION_AUTHENTICATED_AT)
            if started is None:
                request.session[SESSION_AUTHENTICATED_AT] = now.timestamp()
            elif (
                now.timestamp() - float(started) > timedelta(hours=settings.SESSION_MAX_HOURS).total_seconds()
            ):
                logout(request)
                if request.path.startswith(API_PREFIX):
                    return api_error(_("Your session has expired. Please sign in again."), 401)
                messages.info(request, _("Your session has expired. Please sign in again."))
                return HttpResponseRedirect(reverse(settings.LOGIN_URL))
        return self.get_response(request)


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's: every view needs a signed-in user unless marked login_not_required.

    The API answers 401 in JSON itself, so it is left to django-ninja.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):  # type: ignore[no-untyped-def]
        if request.path.startswith(API_PREFIX):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class MFARequiredMiddleware:
    """A user who needs a second factor and has none reaches only the enrolment pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):  # type: ignore[no-untyped-def]
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not user_requires_mfa(user=user) or user_has_second_factor(user=user):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in MFA_SETUP_URL_NAMES:
            return None
        if request.path.startswith(API_PREFIX):
            return api_error(_("Set up two-factor authentication before using Kujdes."), 403)
        return HttpResponseRedirect(reverse("mfa_activate_totp"))
