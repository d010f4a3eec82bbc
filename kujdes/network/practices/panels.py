"""The library's sections on the partner page and on the network dashboard, and its measures."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from kujdes.network.practices import selectors as sel


def _titled(rows: list[Any], practice_of: Any) -> list[Any]:
    texts = sel.snapshot_titles(practice_ids=[practice_of(r).pk for r in rows])
    for row in rows:
        text = texts.get(practice_of(row).pk)
        row.title = text.text.get("title", "") if text else str(practice_of(row).public_id)
    return rows


def partner_panel(request: HttpRequest, partner: Any) -> str | None:
    """A partner's published practices and the adoptions it recorded or inspired."""
    documents = sel.practices_published_of_partner(actor=request.user, partner=partner)
    adoptions = sel.adoptions_recent(actor=request.user, partner=partner, limit=10)
    if not documents and not adoptions and not sel.actor_focal_partner_ids(actor=request.user):
        return None
    return render_to_string(
        "network_practices/panel_partner.html",
        {
            "documents": _titled(documents, lambda d: d.practice),
            "adoptions": _titled(adoptions, lambda a: a.practice),
        },
        request=request,
    )


def dashboard_panel(request: HttpRequest, obj: Any) -> str | None:
    """Practices awaiting review (the coordinator), recently published, recent adoptions."""
    recent = sel.practices_recently_published(actor=request.user)
    adoptions = sel.adoptions_recent(actor=request.user)
    awaiting = sel.practices_awaiting_review(actor=request.user)
    return render_to_string(
        "network_practices/panel_dashboard.html",
        {
            "awaiting": awaiting,
            "recent": _titled(recent, lambda d: d.practice),
            "adoptions": _titled(adoptions, lambda a: a.practice),
        },
        request=request,
    )


def practices_published_count(partner: Any, start: datetime.date, end: datetime.date) -> int:
    """Practices of the partner first published in the period (not withdrawn)."""
    from kujdes.network.practices.models import PracticeStatus, PracticeVersion

    return (
        PracticeVersion.objects.filter(
            practice__partner=partner,
            number=1,
            published_at__date__gte=start,
            published_at__date__lte=end,
        )
        .exclude(practice__status=PracticeStatus.WITHDRAWN)
        .count()
    )


def practices_adopted_count(partner: Any, start: datetime.date, end: datetime.date) -> int:
    """Adoptions the partner recorded with a date in the period."""
    from kujdes.network.practices.models import Adoption

    return Adoption.objects.filter(partner=partner, since__gte=start, since__lte=end).count()
