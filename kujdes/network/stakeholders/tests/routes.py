"""Route expectations of the stakeholder directory (collected by kujdes/core/tests/test_route_matrix.py).

Every staff member (NETWORK_READ) reads the directory and exports it; volunteers and viewers get
403. The private stakeholder of "al" is read by the staff of "al" and is missing (404) for "fr";
its writers are the administrator and the programme manager of "al" (403 for the rest of "al").
"""

from __future__ import annotations

from typing import Any

from kujdes.core.tests.routes import OK, REDIRECT, Route
from kujdes.network.stakeholders.tests.fixtures import stakeholder_fixtures

STAFF = (
    "alice",
    "bob",
    "charlie",
    "dave",
    "admin",
    "other_admin",
    "manager",
    "educator",
    "dpo",
    "coordinator",
)
NOT_STAFF = {"volunteer": {403}, "viewer": {403}}
OF_FR = {"dave": {404}, "other_admin": {404}}
WRITERS = ("admin", "manager", "other_admin")


def fixtures(t: Any) -> None:
    stakeholder_fixtures(t)


def _al(t: Any) -> dict[str, Any]:
    return {"public_id": t.stakeholder_al.public_id}


def staff_route(**kw: Any) -> Route:
    return Route(expect={**{n: OK for n in STAFF}, **NOT_STAFF}, others={403}, **kw)


def private_of_al(statuses: set[int] = OK, **kw: Any) -> Route:
    """Read by the staff of "al", missing for "fr", forbidden to volunteers and viewers."""
    return Route(expect={**{n: statuses for n in STAFF}, **OF_FR, **NOT_STAFF}, others={403}, **kw)


def change_of_al(statuses: set[int], **kw: Any) -> Route:
    """A change to the private stakeholder of "al": its writers, 403 for the rest of "al", 404 for "fr"."""
    return Route(expect={"admin": statuses, "manager": statuses, **OF_FR}, others={403}, **kw)


ROUTES: dict[str, Route] = {
    "network_stakeholder_list": staff_route(),
    "network_stakeholder_export": staff_route(method="POST", data={"format": "csv"}),
    "network_stakeholder_create": Route(expect={n: OK for n in WRITERS}, others={403}),
    "network_stakeholder_detail": private_of_al(kwargs=_al),
    "network_stakeholder_document": private_of_al(kwargs=lambda t: {"public_id": t.agreement_al.public_id}),
    "network_stakeholder_edit": change_of_al(OK, kwargs=_al),
    "network_stakeholder_agreement_add": change_of_al(OK, kwargs=_al),
    "network_stakeholder_agreement_remove": change_of_al(
        REDIRECT,
        method="POST",
        kwargs=lambda t: {"public_id": t.stakeholder_al.public_id, "agreement_id": t.agreement_al.public_id},
    ),
    "network_stakeholder_share": change_of_al(OK, kwargs=_al),
    "network_stakeholder_unshare": change_of_al(REDIRECT, method="POST", kwargs=_al),
    "api:network_stakeholders_list": Route(
        expect={**{n: OK for n in STAFF}, **NOT_STAFF}, others={403}, anonymous={401}
    ),
    "api:network_stakeholders_get": Route(
        kwargs=lambda t: {"stakeholder_id": t.stakeholder_al.public_id},
        expect={**{n: OK for n in STAFF}, **OF_FR, **NOT_STAFF},
        others={403},
        anonymous={401},
    ),
}
