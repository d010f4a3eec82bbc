from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from kujdes.core.roles import Perm


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the base layout needs: the user's permissions decide the menu."""
    user = getattr(request, "user", None)
    context: dict[str, Any] = {
        "LANGUAGE_CHOICES": settings.LANGUAGES,
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }
    if user is None or not user.is_authenticated:
        return context
    from kujdes.core.selectors import actor_has_perm, memberships_of

    context["nav"] = {
        "users": actor_has_perm(actor=user, perm=Perm.ORGANISATION_USERS_MANAGE),
        "units": actor_has_perm(actor=user, perm=Perm.ORGANISATION_UNITS_MANAGE),
        "audit": actor_has_perm(actor=user, perm=Perm.AUDIT_VIEW),
        "retention": actor_has_perm(actor=user, perm=Perm.ERASURE_MANAGE),
    }
    context["memberships"] = memberships_of(user=user)
    return context
