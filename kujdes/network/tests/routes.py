"""Route expectations of the network's home and partner directory
(collected by kujdes/core/tests/test_route_matrix.py).

Staff (NETWORK_READ) read the directory; volunteers and viewers get 403. The coordinator
edits every partner; a focal point (admin, manager) edits their own partner only, and the
other organisation's focal point gets 403 on it.
"""

from __future__ import annotations

from typing import Any

from kujdes.core.tests.routes import DENIED, OK, REDIRECT, Route
from kujdes.network.tests.fixtures import network_fixtures

# Every role with NETWORK_READ.
STAFF = (
    *("alice", "bob", "charlie", "dave", "admin", "other_admin"),
    *("manager", "educator", "dpo", "coordinator"),
)
NOT_STAFF = {"volunteer": {403}, "viewer": {403}}
EDITORS_OF_AL = ("coordinator", "admin", "manager")


def fixtures(t: Any) -> None:
    from kujdes.core.models import Membership

    network_fixtures(t)
    t.coordinator_membership = Membership.objects.get(user=t.coordinator)


def _al(t: Any) -> dict[str, Any]:
    return {"public_id": t.partner_al.public_id}


def staff_route(**kw: Any) -> Route:
    return Route(expect={**{n: OK for n in STAFF}, **NOT_STAFF}, others=DENIED, **kw)


def _edit(statuses: set[int], **kw: Any) -> Route:
    """A change to partner "al": its editors get `statuses`, every other staff member 403."""
    return Route(expect={n: statuses for n in EDITORS_OF_AL}, others={403}, **kw)


ROUTES: dict[str, Route] = {
    "network_home": staff_route(),
    "network_partner_list": staff_route(),
    "network_partner_detail": staff_route(kwargs=_al),
    "network_partner_create": Route(expect={"coordinator": OK}, others={403}),
    "network_partner_edit": _edit(OK, kwargs=_al),
    "network_focal_point_add": _edit(OK, kwargs=_al),
    "network_focal_point_remove": _edit(
        REDIRECT,
        method="POST",
        kwargs=lambda t: {"public_id": t.partner_al.public_id, "focal_point_id": t.focal_al.public_id},
    ),
    # The installation's network administrators' page: none of the cast is one, so it does not exist.
    "network_roles": Route(others={404}),
    "network_role_revoke": Route(
        method="POST", kwargs=lambda t: {"membership_id": t.coordinator_membership.public_id}, others={404}
    ),
    "api:network_partners_list": Route(
        expect={**{n: OK for n in STAFF}, **NOT_STAFF}, others=DENIED, anonymous={401}
    ),
    "api:network_partners_get": Route(
        kwargs=lambda t: {"partner_id": t.partner_al.public_id},
        expect={**{n: OK for n in STAFF}, **NOT_STAFF},
        others=DENIED,
        anonymous={401},
    ),
}
