"""Route expectations of the staff page (kujdes/core/staff_views.py): the organisation administrators'.
Another organisation's administrator gets 404 for a membership of "al"; everyone else 403 or 404."""

from __future__ import annotations

from typing import Any

from kujdes.core.tests.routes import OK, Route, admins_of_al


def _alice_membership(t: Any) -> dict[str, Any]:
    return {"public_id": t.alice_membership.public_id}


ROUTES: dict[str, Route] = {
    "staff_list": Route(expect={"admin": OK, "other_admin": OK}),
    "staff_category_edit": admins_of_al(OK, kwargs=_alice_membership),
}


def fixtures(t: Any) -> None:
    from kujdes.core.models import Membership

    t.alice_membership = Membership.objects.get(user=t.alice)
