from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kujdes.core.languages import language_reviewed
from kujdes.core.roles import Perm


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the base layout needs: the user's permissions decide the menu."""
    user = getattr(request, "user", None)
    context: dict[str, Any] = {
        "LANGUAGE_CHOICES": settings.LANGUAGES,
        "csp_nonce": getattr(request, "csp_nonce", ""),
        "translation_unreviewed": not language_reviewed(get_language() or settings.LANGUAGE_CODE),
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
    context["nav_rooms"] = _rooms(user)
    return context


# The daily-work menu: (URL name, label, permission or any of several).
# A room whose URL is not installed (yet) is left out.
ROOMS = (
    ("my_work", _("My work"), Perm.CASE_VIEW),
    ("person_list", _("Persons"), Perm.PERSON_VIEW),
    # The review queue of the batch deduplication: for whoever deduplicates the whole organisation.
    ("duplicates_queue", _("Possible duplicates"), "deduplicate"),
    ("case_list", _("Cases"), Perm.CASE_VIEW),
    ("referral_list", _("Referrals"), Perm.CASE_VIEW),
    ("approval_list", _("Approvals"), Perm.CASE_APPROVE),
    (
        "crossborder_incoming_list",
        _("Referrals from abroad"),
        (Perm.CASE_APPROVE, Perm.ORGANISATION_CONFIGURE, Perm.ERASURE_MANAGE),
    ),
    # Field submissions that could not be mapped with certainty (kujdes.fieldsync.review).
    ("fieldsync_review", _("Field review"), Perm.CASE_VIEW),
    ("provider_list", _("Service directory"), (Perm.CASE_VIEW, Perm.ORGANISATION_CONFIGURE)),
    ("instrument_list", _("Screening instruments"), Perm.ORGANISATION_CONFIGURE),
    ("session_today", _("Today"), Perm.ATTENDANCE_RECORD),
    ("activity_list", _("Activities"), Perm.PROGRAMME_VIEW),
    ("volunteer_list", _("Volunteers"), Perm.PROGRAMME_MANAGE),
    ("initiative_list", _("Initiatives"), Perm.PROGRAMME_MANAGE),
    ("employment_home", _("Employment"), (Perm.PROGRAMME_MANAGE, Perm.CASE_MANAGE)),
    ("activity_type_list", _("Activity types"), Perm.ORGANISATION_CONFIGURE),
    ("report_dashboard", _("Indicators"), Perm.REPORTS_VIEW),
    ("report_settings", _("Reports settings"), Perm.ORGANISATION_CONFIGURE),
    ("network_home", _("Network"), Perm.NETWORK_READ),
    ("network_practice_list", _("Good practices"), Perm.NETWORK_PRACTICES_READ),
)


# Rooms whose door is not one permission: a check by name, registered by the app that owns the room
# (core imports no app above it).
ROOM_CHECKS: dict[str, Callable[[Any], bool]] = {}


def room_check_register(name: str, check: Callable[[Any], bool]) -> None:
    ROOM_CHECKS[name] = check


def _rooms(user: Any) -> list[tuple[str, str, str]]:
    from kujdes.core.selectors import actor_has_perm

    rooms = []
    for url_name, label, perms in ROOMS:
        if isinstance(perms, str) and perms in ROOM_CHECKS:
            if not ROOM_CHECKS[perms](user):
                continue
        elif not any(
            actor_has_perm(actor=user, perm=perm)
            for perm in (perms if isinstance(perms, tuple) else (perms,))
        ):
            continue
        try:
            rooms.append((url_name, reverse(url_name), str(label)))
        except NoReverseMatch:
            continue
    return rooms
