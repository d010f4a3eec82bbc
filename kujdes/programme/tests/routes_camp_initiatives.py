"""Route expectations of the camp pages, the joint initiatives and the programme API
(collected by kujdes/core/tests/test_route_matrix.py).

`pg_camp` (a summer camp at Centre A1) is read by the staff of diocese A; groups and consents are
changed by those who manage it (the manager, the educator); case workers get 403 there. The
incident log answers 404 to everyone but those who manage the camp. The volunteer does not
facilitate `pg_camp` (404). `pg_initiative` (Centre A1) is staff business: the volunteer gets 403 on
the list, 404 on the initiative. Charlie (diocese B) and Dave (another organisation) get 404.
"""

from __future__ import annotations

from typing import Any

from kujdes.core.tests.routes import DENIED, MISSING, OK, Route
from kujdes.programme.tests.fixtures import programme_fixtures

API_ANON = {401}
FOREIGN = {"charlie": MISSING, "dave": MISSING}
READERS = ("alice", "bob", "manager", "educator")
MANAGERS = ("manager", "educator")
PROGRAMME_STAFF = ("alice", "bob", "charlie", "dave", "manager", "educator")


def _camp(t: Any) -> dict[str, Any]:
    return {"public_id": t.pg_camp.public_id}


def _initiative(t: Any) -> dict[str, Any]:
    return {"public_id": t.pg_initiative.public_id}


def _manage_page(kwargs: Any) -> Route:
    """A form of those who manage: case workers of A 403; everyone else who cannot see it 404."""
    return Route(
        kwargs=kwargs,
        expect={**{n: OK for n in MANAGERS}, "alice": {403}, "bob": {403}, "volunteer": MISSING, **FOREIGN},
        others=DENIED,
    )


def _restricted(kwargs: Any) -> Route:
    """The incident log: 404 for everyone but those who manage the camp."""
    return Route(
        kwargs=kwargs,
        expect={
            **{n: OK for n in MANAGERS},
            "alice": MISSING,
            "bob": MISSING,
            "volunteer": MISSING,
            **FOREIGN,
        },
        others=DENIED,
    )


def _api(
    kwargs: Any, expect: dict[str, set[int]], *, method: str = "GET", data: Any = None, others: Any = DENIED
) -> Route:
    return Route(
        method=method,
        kwargs=kwargs,
        json=method != "GET",
        data=data or {},
        expect=expect,
        others=others,
        anonymous=API_ANON,
    )


def _course(t: Any) -> dict[str, Any]:
    return {"activity_id": t.pg_course.public_id}


def _session(t: Any) -> dict[str, Any]:
    return {"session_id": t.pg_session.public_id}


COURSE_READERS = {**{n: OK for n in (*READERS, "volunteer")}, **FOREIGN}
RECORDERS_422 = {**{n: {422} for n in (*MANAGERS, "volunteer")}, "alice": {403}, "bob": {403}, **FOREIGN}

ROUTES: dict[str, Route] = {
    "camp_overview": Route(
        kwargs=_camp, expect={**{n: OK for n in READERS}, "volunteer": MISSING, **FOREIGN}, others=DENIED
    ),
    "camp_group_add": _manage_page(_camp),
    "camp_participant_edit": _manage_page(lambda t: {"public_id": t.pg_camper.public_id}),
    "incident_list": _restricted(_camp),
    "incident_create": _restricted(_camp),
    "initiative_list": Route(expect={n: OK for n in PROGRAMME_STAFF}, others=DENIED),
    "initiative_create": Route(expect={n: OK for n in MANAGERS}, others=DENIED),
    "initiative_detail": Route(
        kwargs=_initiative,
        expect={**{n: OK for n in READERS}, "volunteer": MISSING, **FOREIGN},
        others=DENIED,
    ),
    "initiative_edit": _manage_page(_initiative),
    "initiative_action_add": _manage_page(_initiative),
    # The API: the volunteer reads pg_course (which they facilitate) and records on it.
    "api:programme_activities_list": _api(
        lambda t: {}, {n: OK for n in (*PROGRAMME_STAFF, "volunteer")}, others={403}
    ),
    "api:programme_activities_get": _api(_course, COURSE_READERS),
    "api:programme_activity_sessions": _api(_course, COURSE_READERS),
    "api:programme_attendance_get": _api(_session, COURSE_READERS),
    # No marks: 422 for those who record; read-only case workers 403.
    "api:programme_attendance_put": _api(_session, RECORDERS_422, method="PUT", data={"marks": []}),
    "api:programme_headcounts_create": _api(_course, RECORDERS_422, method="POST", data={"cells": []}),
    "api:programme_volunteers_list": _api(lambda t: {}, {n: OK for n in MANAGERS}, others={403}),
    # Hours that are not a number: 422 for the volunteer's managers and the volunteer; 404 for others.
    "api:programme_volunteer_hours": _api(
        lambda t: {"volunteer_id": t.pg_volunteer.public_id},
        {n: {422} for n in (*MANAGERS, "volunteer")},
        method="POST",
        data={"hours": "abc"},
        others=MISSING,
    ),
    "api:programme_initiatives_list": _api(lambda t: {}, {n: OK for n in PROGRAMME_STAFF}, others={403}),
    "api:programme_outcomes_due": _api(lambda t: {}, {n: OK for n in MANAGERS}, others={403}),
}


def fixtures(t: Any) -> None:
    programme_fixtures(t)
