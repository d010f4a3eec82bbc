"""The reflection's sections on the network dashboard and on a partner's page (kujdes.core.panels)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm
from kujdes.network.models import Partner
from kujdes.network.reflection import selectors


def dashboard_panel(request: HttpRequest, obj: None) -> str | None:
    """Next meeting, overdue action items, latest decisions (every staff member)."""
    if not actor_has_perm(actor=request.user, perm=Perm.NETWORK_READ):
        return None
    context = selectors.dashboard_summary(actor=request.user)
    return render_to_string("network_reflection/panel_dashboard.html", context, request=request)


def partner_panel(request: HttpRequest, partner: Partner) -> str | None:
    """A partner's working groups, the methods it applies and its open actions."""
    if not actor_has_perm(actor=request.user, perm=Perm.NETWORK_READ):
        return None
    context = selectors.partner_reflection_summary(actor=request.user, partner=partner)
    context["partner"] = partner
    return render_to_string("network_reflection/panel_partner.html", context, request=request)
