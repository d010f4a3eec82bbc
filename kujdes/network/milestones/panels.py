"""Sections of the milestones on the network's home and on a partner's page (kujdes.core.panels)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm
from kujdes.network import selectors as network_selectors
from kujdes.network.milestones import selectors
from kujdes.network.models import Partner


def _status_context() -> dict[str, Any]:
    return {
        "on_track_percent": round(selectors.ON_TRACK_SHARE * 100),
        "at_risk_percent": round(selectors.AT_RISK_SHARE * 100),
    }


def dashboard_panel(request: HttpRequest, obj: Any) -> str | None:
    """This year's compact scorecard for the coordinator and focal points; a focal point's open requests."""
    actor = request.user
    coordinator = network_selectors.actor_is_coordinator(actor=actor)
    own = list(network_selectors.actor_partners(actor=actor))
    if not coordinator and not own:
        return None
    framework = selectors.framework_current(actor=actor)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "framework": framework,
        "requests": list(selectors.open_requests_for_actor(actor=actor)) if own else [],
        "coordinator": coordinator,
        **_status_context(),
    }
    if framework is not None:
        year = selectors.scorecard_year(framework=framework, requested=today.year, today=today)
        card = selectors.scorecard(actor=actor, framework=framework, year=year, today=today)
        summary = []
        for index, milestone in enumerate(card.milestones):
            counts = {status: 0 for status in selectors.Status.values}
            for row in card.rows:
                counts[row.cells[index].status] += 1
            summary.append((milestone, [(s, counts[s.value]) for s in selectors.Status if counts[s.value]]))
        context.update(
            year=year,
            summary=summary,
            own_rows=[row for row in card.rows if row.partner in own],
            milestones=card.milestones,
        )
    return render_to_string("network_milestones/panel_dashboard.html", context, request=request)


def partner_panel(request: HttpRequest, partner: Partner) -> str | None:
    """That partner's progress on the current framework's milestones this year."""
    if not actor_has_perm(actor=request.user, perm=Perm.NETWORK_READ):
        return None
    framework = selectors.framework_current(actor=request.user)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "partner": partner,
        "framework": framework,
        "requests": list(selectors.open_requests_for_partner(partner=partner)),
        "can_report": selectors.progress_can_report(actor=request.user, partner=partner),
        **_status_context(),
    }
    if framework is not None:
        year = selectors.scorecard_year(framework=framework, requested=today.year, today=today)
        card = selectors.scorecard(
            actor=request.user, framework=framework, year=year, partners=[partner], today=today
        )
        context.update(year=year, cells=card.rows[0].cells if card.rows else [])
    return render_to_string("network_milestones/panel_partner.html", context, request=request)
