"""The exchanges' sections on the network dashboard and on a partner's page (kujdes.core.panels)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm
from kujdes.network.exchanges import selectors


def dashboard_panel(request: HttpRequest, obj: Any) -> str | None:
    """Upcoming exchanges and overdue follow-up actions (every staff member)."""
    if not actor_has_perm(actor=request.user, perm=Perm.NETWORK_READ):
        return None
    today = timezone.localdate()
    overdue = list(selectors.actions_for_actor(actor=request.user, today=today, overdue=True)[:10])
    return render_to_string(
        "network_exchanges/panel_dashboard.html",
        {
            "upcoming": selectors.exchanges_upcoming(actor=request.user, today=today),
            "overdue": [
                (a, True, selectors.action_can_update(actor=request.user, action=a)) for a in overdue
            ],
        },
        request=request,
    )


def partner_panel(request: HttpRequest, partner: Any) -> str | None:
    """The exchanges a partner hosted and visited."""
    if not actor_has_perm(actor=request.user, perm=Perm.NETWORK_READ):
        return None
    hosted, visited = selectors.exchanges_of_partner(actor=request.user, partner=partner)
    return render_to_string(
        "network_exchanges/panel_partner.html",
        {"partner": partner, "hosted": hosted, "visited": visited},
        request=request,
    )
