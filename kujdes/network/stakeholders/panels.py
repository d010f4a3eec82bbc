"""The stakeholders section of a partner's page (kujdes.core.panels, page "partner")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.template.loader import render_to_string

from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm
from kujdes.network.stakeholders.selectors import stakeholders_of_partner

if TYPE_CHECKING:
    from kujdes.network.models import Partner

PANEL_ROWS = 20


def partner_stakeholders_panel(request: HttpRequest, partner: Partner) -> str | None:
    """The stakeholders the partner shared or works with, as far as the reader may see them."""
    if not actor_has_perm(actor=request.user, perm=Perm.NETWORK_READ):
        return None
    entries = stakeholders_of_partner(actor=request.user, partner=partner)
    return render_to_string(
        "network_stakeholders/partner_panel.html",
        {"partner": partner, "entries": entries[:PANEL_ROWS], "more": len(entries) > PANEL_ROWS},
        request=request,
    )
