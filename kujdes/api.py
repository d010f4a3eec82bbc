"""The JSON API at /api/v1/: bearer tokens for machines, the session for the browser."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.security import HttpBearer, SessionAuth

from kujdes.accounts.api import router as accounts_router
from kujdes.cases.api import router as cases_router
from kujdes.cases.api_work import router as case_work_router
from kujdes.core.api import router as core_router
from kujdes.fieldsync.api import router as fieldsync_router
from kujdes.imports.api import router as imports_router
from kujdes.network.api import router as network_router
from kujdes.people.api import router as people_router
from kujdes.programme.api import router as programme_router
from kujdes.programme.employment.api import router as employment_router
from kujdes.referrals.api import router as referrals_router
from kujdes.reports.api import router as reports_router
from kujdes.screening.api import router as screening_router


class BearerAuth(HttpBearer):
    """The token was checked by BearerTokenMiddleware, which set request.user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if getattr(request, "api_token", None) is not None:
            return request.user
        return None


def _authenticated_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The OpenAPI document and its docs page are for signed-in users: a program gets 401 in JSON,
    a browser on the docs page is sent to sign in and comes back."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if request.path.endswith("/docs") and "text/html" in request.headers.get("Accept", ""):
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            return JsonResponse({"detail": _("Authentication required.")}, status=401)
        return view(request, *args, **kwargs)

    return wrapper


api = NinjaAPI(
    title="Kujdes API",
    version="1",
    description=(
        "The JSON API of Kujdes. Authentication (bearer tokens, the browser's session), pagination, "
        "errors and rate limits are described in docs/api.md."
    ),
    urls_namespace="api",
    auth=[BearerAuth(), SessionAuth()],
    # django-ninja's Swagger UI, its assets served from the installed package ("ninja" is an installed
    # app: its template loads them with {% static %}, never from a CDN), its settings in a JSON block
    # and its start-up in a static file: the page keeps the site's CSP (script-src 'self' + nonce).
    docs=Swagger(settings={"persistAuthorization": False, "tryItOutEnabled": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=_authenticated_only,
)
api.add_router("/", accounts_router)
api.add_router("/", core_router)
api.add_router("/", people_router)
api.add_router("/", screening_router)
api.add_router("/", cases_router)
api.add_router("/", case_work_router)
api.add_router("/", referrals_router)
api.add_router("/", programme_router)
api.add_router("/", employment_router)
api.add_router("/", reports_router)
api.add_router("/", fieldsync_router)
api.add_router("/", imports_router)
api.add_router("/network/", network_router)


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """A selector or service that refuses the caller's role: 403 with a JSON body, not a server error."""
    return api.create_response(request, {"detail": _("Your role cannot do this.")}, status=403)
