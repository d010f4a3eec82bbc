"""Route expectations of the good-practice library (collected by kujdes/core/tests/test_route_matrix.py).

Everyone reads published practices (t.practice_fr, partner "fr"). A draft (t.practice_al, partner
"al") is its focal points' (admin, manager) only: everyone else, the coordinator included, gets 404.
"""

from __future__ import annotations

from typing import Any

from kujdes.core.tests.routes import MISSING, OK, REDIRECT, SIGNED_IN, Route
from kujdes.network.practices.tests.fixtures import practices_fixtures

FOCAL_AL = ("admin", "manager")
FOCAL_POINTS = ("admin", "manager", "other_admin")


def fixtures(t: Any) -> None:
    practices_fixtures(t)


def _fr(t: Any) -> dict[str, Any]:
    return {"public_id": t.practice_fr.public_id}


def _al(t: Any) -> dict[str, Any]:
    return {"public_id": t.practice_al.public_id}


def everyone_ok(**kw: Any) -> Route:
    return Route(expect={n: OK for n in SIGNED_IN}, others=OK, **kw)


def draft_of_al(statuses: set[int], **kw: Any) -> Route:
    """On the draft of "al": its focal points get `statuses`, everyone else 404."""
    return Route(expect={n: statuses for n in FOCAL_AL}, others=MISSING, **kw)


API = {"anonymous": {401}}

ROUTES: dict[str, Route] = {
    "network_practice_list": everyone_ok(),
    "network_practice_mine": Route(expect={n: OK for n in (*FOCAL_POINTS, "coordinator")}, others={403}),
    "network_practice_create": Route(expect={n: OK for n in FOCAL_POINTS}, others={403}),
    "network_practice_detail": everyone_ok(kwargs=_fr),
    "network_practice_edit": draft_of_al(OK, kwargs=_al),
    "network_practice_text_edit": draft_of_al(OK, kwargs=lambda t: {**_al(t), "language": "en"}),
    "network_practice_submit": draft_of_al(REDIRECT, method="POST", kwargs=_al),
    "network_practice_withdraw": draft_of_al(REDIRECT, method="POST", kwargs=_al),
    "network_practice_comment": draft_of_al(REDIRECT, method="POST", kwargs=_al, data={"body": "Ready?"}),
    # The coordinator's page (on a published practice: the thread and comments; nothing to decide).
    "network_practice_review": Route(kwargs=_fr, expect={"coordinator": OK}, others={403}),
    "network_practice_history": everyone_ok(kwargs=_fr),
    "network_practice_attachment_upload": draft_of_al(OK, kwargs=_al),
    "network_practice_attachment_download": everyone_ok(
        kwargs=lambda t: {**_fr(t), "attachment_id": t.attachment_fr.public_id}
    ),
    "network_practice_attachment_delete": Route(
        method="POST",
        kwargs=lambda t: {**_fr(t), "attachment_id": t.attachment_fr.public_id},
        expect={"other_admin": REDIRECT},
        others={403},
    ),
    # A focal point of another partner records an adoption; the owner's own focal point cannot.
    "network_practice_adoption_add": Route(kwargs=_fr, expect={"admin": OK, "manager": OK}, others={403}),
    "api:network_practices_list": Route(expect={n: OK for n in SIGNED_IN}, others=OK, **API),
    "api:network_practices_get": Route(
        kwargs=lambda t: {"practice_id": t.practice_al.public_id},
        expect={n: OK for n in FOCAL_AL},
        others=MISSING,
        **API,
    ),
    "api:network_practices_adoption_create": Route(
        method="POST",
        json=True,
        kwargs=lambda t: {"practice_id": t.practice_fr.public_id},
        data={"kind": "adapted", "since": "2026-03-01", "changes": "Shorter sessions"},
        expect={"admin": {201}, "manager": {201}},
        others={403},
        **API,
    ),
}
