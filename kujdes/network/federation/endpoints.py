"""The two doors other installations use, without a session: the card and the inbox."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from kujdes.network.federation.models import InboxVia
from kujdes.network.federation.services import (
    CONTENT_TYPE,
    FederationError,
    inbox_receive,
    inbox_refuse,
    installation_card,
)


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail}, status=status)


@require_GET
@never_cache
@login_not_required
def card(request: HttpRequest) -> JsonResponse:
    try:
        return JsonResponse(installation_card(), json_dumps_params={"indent": 2})
    except FederationError as exc:
        return _error(404, "not_initialised", str(exc))


def _refused(status: int, code: str, detail: str) -> JsonResponse:
    result = inbox_refuse(status=status, error=code, detail=detail, via=InboxVia.HTTPS)
    return JsonResponse(result.as_json(), status=result.status)


@csrf_exempt
@never_cache
@login_not_required
def inbox(request: HttpRequest) -> JsonResponse:
    """One package per request; the answer codes are the protocol (docs/federation.md)."""
    if request.method != "POST":
        # Answered in the protocol's own form, like every other refusal of this door.
        response = _error(405, "method", "send one package with POST")
        response["Allow"] = "POST"
        return response
    content_type = request.content_type or ""
    if content_type not in (CONTENT_TYPE, "application/json"):
        return _refused(400, "content_type", f"send the package as {CONTENT_TYPE}")
    limit = settings.FEDERATION_MAX_PACKAGE_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _refused(400, "malformed", "the Content-Length is not a number")
    if declared > limit:
        return _refused(413, "too_large", "the package is larger than this installation accepts")
    # Read the stream, not request.body: the package limit is ours, not DATA_UPLOAD_MAX_MEMORY_SIZE.
    body = request.read(limit + 1)
    result = inbox_receive(body=body, via=InboxVia.HTTPS)
    return JsonResponse(result.as_json(), status=result.status)
