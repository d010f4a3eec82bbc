"""The JSON API at /api/v1/: bearer tokens for machines, the session for the browser."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth

from kujdes.accounts.api import router as accounts_router
from kujdes.cases.api import router as cases_router
from kujdes.cases.api_work import router as case_work_router
from kujdes.core.api import router as core_router
from kujdes.network.api import router as network_router
from kujdes.people.api import router as people_router
from kujdes.programme.api import router as programme_router
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
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return JsonResponse({"detail": _("Authentication required.")}, status=401)
        return view(request, *args, **kwargs)

    return wrapper


api = NinjaAPI(
    title="Kujdes API",
    version="1",
    urls_namespace="api",
    auth=[BearerAuth(), SessionAuth()],
    docs_url=None,
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
api.add_router("/", reports_router)
api.add_router("/network/", network_router)


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """A selector or service that refuses the caller's role: 403 with a JSON body, not a server error."""
    return api.create_response(request, {"detail": _("Your role cannot do this.")}, status=403)
