"""Route expectations of the phone screens (collected by kujdes/core/tests/test_route_matrix.py).

Everything is about pg_course (a course at Centre A1 the volunteer facilitates, with a session today)
and pg_campaign (a campaign there with a headcount, which the volunteer does not facilitate).
Charlie (diocese B) and Dave (another organisation) get 404; roles without the programme, 403 or 404.
"""

from __future__ import annotations

from typing import Any

from kujdes.core.tests.routes import DENIED, MISSING, OK, REDIRECT, Route
from kujdes.programme.tests.fixtures import programme_fixtures

PROGRAMME_VIEWERS = ("alice", "bob", "charlie", "dave", "manager", "educator", "volunteer")
READERS = ("alice", "bob", "manager", "educator", "volunteer")
FOREIGN = {"charlie": MISSING, "dave": MISSING}


def _session(t: Any) -> dict[str, Any]:
    return {"public_id": t.pg_course.public_id, "session_id": t.pg_session.public_id}


ROUTES: dict[str, Route] = {
    # A list of the actor's own sessions: empty for other units and organisations.
    "session_today": Route(expect={name: OK for name in PROGRAMME_VIEWERS}, others={403}),
    # Case workers of the diocese read the register (no boxes to tick); recorders tick.
    "attendance_register": Route(
        kwargs=_session, expect={**{name: OK for name in READERS}, **FOREIGN}, others=DENIED
    ),
    # A code nobody has: the register comes back with the message (400); readers may not add.
    "attendance_late_add": Route(
        method="POST",
        kwargs=_session,
        data={"code": "XX-NOBODY"},
        expect={
            "manager": {400},
            "educator": {400},
            "volunteer": {400},
            "alice": {403},
            "bob": {403},
            **FOREIGN,
        },
        others=DENIED,
    ),
    "participant_register": Route(
        kwargs=lambda t: {"public_id": t.pg_course.public_id},
        expect={
            "manager": OK,
            "educator": OK,
            "volunteer": {403},
            "alice": {403},
            "bob": {403},
            **FOREIGN,
        },
        others=DENIED,
    ),
    "headcount_create": Route(
        kwargs=lambda t: {"public_id": t.pg_campaign.public_id},
        expect={
            "manager": OK,
            "educator": OK,
            "volunteer": MISSING,
            "alice": {403},
            "bob": {403},
            **FOREIGN,
        },
        others=DENIED,
    ),
    "headcount_delete": Route(
        method="POST",
        kwargs=lambda t: {"public_id": t.pg_headcount.public_id},
        expect={
            "manager": REDIRECT,
            "educator": REDIRECT,
            "volunteer": MISSING,
            "alice": {403},
            "bob": {403},
            **FOREIGN,
        },
        others=DENIED,
    ),
}


def fixtures(t: Any) -> None:
    programme_fixtures(t)
