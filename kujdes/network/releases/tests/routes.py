"""Route expectations of statistics releases (collected by kujdes/core/tests/test_route_matrix.py).

Released figures are for the coordinator and the partners' focal points (admins and programme
managers); every other role gets 403. A draft is its organisation's focal points' only: the
coordinator and the other organisation's focal point get 404 on a draft of "al". Superseding and
withdrawing are the releasing organisation's (others who may read it: 403).
"""

from __future__ import annotations

import datetime
from typing import Any

from kujdes.core.tests.routes import MISSING, OK, REDIRECT, Route
from kujdes.network.releases.models import Release
from kujdes.network.releases.tests.factories import released
from kujdes.network.tests.fixtures import network_fixtures

READERS = ("coordinator", "admin", "manager", "other_admin")
FOCAL_AL = ("admin", "manager")


def fixtures(t: Any) -> None:
    network_fixtures(t)
    t.release_fr = released(
        partner=t.partner_fr,
        tables={("direct_beneficiaries", "sex"): {"": 40, "female": 29, "male": None}},
        title="FR 2025",
    )
    t.release_al = released(
        partner=t.partner_al, tables={("direct_beneficiaries", ""): {"": 120}}, title="AL 2025"
    )
    t.draft_al = Release.objects.create(
        partner=t.partner_al,
        organisation=t.org,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 6, 30),
        title="AL 2025 H1",
        spec={"indicators": [{"code": "direct_beneficiaries", "dims": ["sex"]}]},
        created_by=t.admin,
    )


def _fr(t: Any) -> dict[str, Any]:
    return {"public_id": t.release_fr.public_id}


def _al(t: Any) -> dict[str, Any]:
    return {"public_id": t.release_al.public_id}


def _draft(t: Any) -> dict[str, Any]:
    return {"public_id": t.draft_al.public_id}


def readers(statuses: set[int] = OK, **kw: Any) -> Route:
    return Route(expect={n: statuses for n in READERS}, others={403}, **kw)


def draft_route(statuses: set[int], **kw: Any) -> Route:
    """A draft of "al": its focal points get `statuses`, other readers 404 (foreign = missing)."""
    return Route(
        expect={"admin": statuses, "manager": statuses, "coordinator": MISSING, "other_admin": MISSING},
        others={403},
        kwargs=_draft,
        **kw,
    )


def own_release_route(**kw: Any) -> Route:
    """A change to the released release of "al": its focal points; other readers 403."""
    return Route(
        expect={"admin": OK, "manager": OK, "coordinator": {403}, "other_admin": {403}}, others={403}, **kw
    )


def api(**kw: Any) -> Route:
    return Route(expect={n: OK for n in READERS}, others={403}, anonymous={401}, **kw)


ROUTES: dict[str, Route] = {
    "network_release_list": readers(),
    # Persons known to two or more partners (counts from linkage keys): readers of released figures.
    "network_release_shared_persons": Route(expect={n: OK for n in READERS}, others=MISSING),
    "network_release_create": Route(
        expect={n: OK for n in ("admin", "manager", "other_admin")}, others={403}
    ),
    "network_release_detail": readers(kwargs=_fr),
    "network_release_edit": draft_route(OK),
    "network_release_preview": draft_route(OK),
    "network_release_publish": draft_route(REDIRECT, method="POST", data={"version": "1"}),
    "network_release_delete": draft_route(REDIRECT, method="POST"),
    "network_release_supersede": own_release_route(kwargs=_al),
    "network_release_withdraw": own_release_route(kwargs=_al),
    "api:network_releases_list": api(),
    "api:network_releases_get": api(kwargs=lambda t: {"release_id": t.release_fr.public_id}),
    "api:network_releases_cells": api(kwargs=lambda t: {"release_id": t.release_fr.public_id}),
}
