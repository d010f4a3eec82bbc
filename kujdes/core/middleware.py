"""Request id, security headers, language choice and tenant scope for every request."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django_scopes import scopes_disabled

from kujdes.core.scoping import tenant_scope, user_lookup_scope

_request_id: ContextVar[str] = ContextVar("kujdes_request_id", default="-")
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9-]{8,64}$")
LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def current_request_id() -> str:
    return _request_id.get()


@contextmanager
def request_id_bound(request_id: str) -> Iterator[None]:
    """Tag what runs here (audit events) with a request's id: for work done after its response was sent."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class RequestIdMiddleware:
    """Tags the request (logs, audit events) with an id; a proxy's X-Request-ID is kept if sane."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set, and no-store for signed-in pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        # Static files leave through WhiteNoise before Django's clickjacking middleware.
        response.setdefault("X-Frame-Options", "DENY")
        user = getattr(request, "user", None)
        is_static = request.path.startswith(settings.STATIC_URL)
        if not is_static and (
            (user is not None and user.is_authenticated) or request.path.startswith("/api/")
        ):
            # Personal data must not stay in browser or proxy caches.
            patch_cache_control(response, no_store=True, private=True)
        return response


def language_for_request(request: HttpRequest) -> str:
    """User preference, then the cookie, then the organisation's; before sign-in, the browser's
    Accept-Language; then the installation default."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in LANGUAGE_CODES:
        return user.language
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if cookie in LANGUAGE_CODES:
        return cookie
    if user is not None and user.is_authenticated:
        organisation = user.organisation  # loaded with the user (UserManager)
        if organisation is not None and organisation.default_language in LANGUAGE_CODES:
            return organisation.default_language
        return settings.LANGUAGE_CODE
    # A visitor who has not signed in yet (a volunteer from Chernivtsi at the sign-in page) reads the
    # language of their browser when the installation offers it.
    return translation.get_language_from_request(request, check_path=False)


class LanguageMiddleware:
    """Django's LocaleMiddleware without URL prefixes, knowing users and organisations."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_for_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", language)
        return response


class TenantScopeMiddleware:
    """Opens the tenant scope of the signed-in user's organisations for the whole request.

    Anonymous requests get an empty scope: tenant queries return nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            with tenant_scope(organisation_ids=[]):
                return self.get_response(request)
        if user.is_superuser and request.path.startswith("/admin/") and settings.ADMIN_ENABLED:
            # Django admin is for superusers on installations that enable it.
            with scopes_disabled():
                return self.get_response(request)
        from kujdes.core.selectors import membership_organisation_ids

        with user_lookup_scope(user_id=user.pk):
            organisation_ids = membership_organisation_ids(user=user)
        with tenant_scope(organisation_ids=organisation_ids, user_id=user.pk):
            return self.get_response(request)
