"""Re-authentication before exports and key operations.

Views decorated with `reauthentication_required` show their page (GET) but act
(POST) only if the user proved their password or second factor within
KUJDES_REAUTHENTICATION_SECONDS; otherwise allauth asks for it and then
replays the suspended POST.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.account.decorators import reauthentication_required as _allauth_reauthentication_required
from allauth.account.internal.flows.reauthentication import is_reauthentication_required
from django.http import HttpRequest


def reauthentication_required(view: Callable[..., Any], *, allow_get: bool = True) -> Callable[..., Any]:
    """Require a recent re-authentication for POST (and for GET too with allow_get=False: downloads)."""
    return _allauth_reauthentication_required(view, allow_get=allow_get)


def recently_authenticated(request: HttpRequest) -> bool:
    """For code that cannot redirect (the API): was the user re-authenticated lately?"""
    return not is_reauthentication_required(request, app="")
