"""The network's cast, on top of the shared one (kujdes/core/tests/base.py).

Partner "al" is the organisation "al" (Alice's), partner "fr" is "fr" (Dave's), and
partner "ua" lives on no installation here. The admin and the manager of "al" are
its focal points; the other admin is the focal point of "fr".
"""

from __future__ import annotations

import datetime
from typing import Any

from kujdes.network.models import FocalPoint, Partner


def network_fixtures(t: Any) -> None:
    """Create the partners once on the test class `t` (call inside a system scope)."""
    if getattr(t, "partner_al", None) is not None and Partner.objects.filter(pk=t.partner_al.pk).exists():
        return
    t.partner_al = Partner.objects.create(
        code="al",
        name="Org AL",
        names={"sq": "Org Shqipëri"},
        country="AL",
        languages=["sq"],
        organisation=t.org,
        themes=["prevention"],
        cross_border_services=["reintegration"],
        member_since=datetime.date(2019, 1, 1),
    )
    t.partner_fr = Partner.objects.create(
        code="fr",
        name="Org FR",
        country="FR",
        languages=["fr"],
        organisation=t.other_org,
        themes=["protection"],
        cross_border_services=["shelter"],
        member_since=datetime.date(2019, 1, 1),
    )
    t.partner_ua = Partner.objects.create(
        code="ua", name="Org UA", country="UA", languages=["uk"], member_since=datetime.date(2020, 6, 1)
    )
    t.focal_al = FocalPoint.objects.create(partner=t.partner_al, name="Focal Al", email="f@example.invalid")
