"""What the route matrix (test_route_matrix.py) needs to describe a route: apps import these.

Each app with routes has `kujdes/<app>/tests/routes.py` with a `ROUTES` dict and,
if its routes need objects, a `fixtures(t)` function that creates them on the
test class (inside a system scope) after the shared cast exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SIGNED_IN = (
    "alice",
    "bob",
    "charlie",
    "dave",
    "admin",
    "other_admin",
    "manager",
    "educator",
    "volunteer",
    "dpo",
    "viewer",
    "coordinator",
)
OK = {200}
REDIRECT = {302}
OK_OR_REDIRECT = {200, 302}
DENIED = {403, 404}
MISSING = {404}


@dataclass
class Route:
    """How to call a route and what each actor must get back.

    `expect` maps actor names to status sets; `others` applies to every other
    signed-in actor; `anonymous` to a visitor who is not signed in.
    """

    method: str = "GET"
    kwargs: Callable[[Any], dict[str, Any]] = lambda t: {}
    expect: dict[str, set[int]] = field(default_factory=dict)
    others: set[int] = field(default_factory=lambda: DENIED)
    anonymous: set[int] = field(default_factory=lambda: REDIRECT)
    data: dict[str, Any] = field(default_factory=dict)
    json: bool = False


def everyone(statuses: set[int], *, anonymous: set[int] = REDIRECT, method: str = "GET", **kw: Any) -> Route:
    return Route(method=method, others=statuses, anonymous=anonymous, **kw)


def admins_of_al(statuses: set[int], **kw: Any) -> Route:
    """Organisation-administration routes about an object of "al"."""
    return Route(expect={"admin": statuses, "other_admin": MISSING}, others=DENIED, **kw)


def alice_object(t: Any) -> dict[str, Any]:
    return {"public_id": t.alice.public_id}
