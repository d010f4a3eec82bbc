"""Route expectations of the activity pages (views.py), collected by kujdes/core/tests/test_route_matrix.py.

Everything is about `pg_course` at Centre A1 (programme_fixtures). Alice and Bob (case workers of
diocese A) read it and get 403 on every write; the manager and the field educator manage it; the
volunteer facilitates it (reads, no writes, no certificates); Charlie and Dave get 404; roles without
the programme (administrators, protection officers, viewer, coordinator) get 403.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from kujdes.core.tests.routes import MISSING, OK, REDIRECT, Route

DENIED_ONLY = {403}
READERS = ("alice", "bob", "manager", "educator", "volunteer")
PROGRAMME_ROLES = ("alice", "bob", "charlie", "dave", "manager", "educator", "volunteer")
MANAGERS = ("manager", "educator")


def _course(t: Any) -> dict[str, Any]:
    return {"public_id": t.pg_course.public_id}


def _on_the_course(managers: set[int], *, method: str = "GET", kwargs: Any = _course, **kw: Any) -> Route:
    """A write page of pg_course: its managers get `managers`, its readers 403, other units 404."""
    expect = {name: managers for name in MANAGERS} | {
        name: DENIED_ONLY for name in ("alice", "bob", "volunteer")
    }
    expect |= {"charlie": MISSING, "dave": MISSING}
    return Route(method=method, kwargs=kwargs, expect=expect, others=DENIED_ONLY, **kw)


ROUTES: dict[str, Route] = {
    "activity_list": Route(expect={name: OK for name in PROGRAMME_ROLES}, others=DENIED_ONLY),
    "activity_calendar": Route(expect={name: OK for name in PROGRAMME_ROLES}, others=DENIED_ONLY),
    "activity_create": Route(expect={name: OK for name in MANAGERS}, others=DENIED_ONLY),
    "activity_detail": Route(
        kwargs=_course,
        expect={name: OK for name in READERS} | {"charlie": MISSING, "dave": MISSING},
        others=DENIED_ONLY,
    ),
    "activity_edit": _on_the_course(OK),
    "session_add": _on_the_course(OK),
    "sessions_schedule": _on_the_course(OK),
    "session_edit": _on_the_course(
        OK, kwargs=lambda t: {"public_id": t.pg_course.public_id, "session_id": t.pg_session.public_id}
    ),
    "facilitator_add": _on_the_course(OK),
    "facilitator_remove": _on_the_course(
        REDIRECT,
        method="POST",
        kwargs=lambda t: {"public_id": t.pg_course.public_id, "facilitator_id": t.pg_facilitator.pk},
    ),
    "activity_file_add": _on_the_course(OK),
    "activity_file_download": Route(
        kwargs=lambda t: {"public_id": t.pg_file.public_id},
        expect={name: OK for name in READERS} | {"charlie": MISSING, "dave": MISSING},
        others=DENIED_ONLY,
    ),
    "participant_enrol": _on_the_course(OK),
    "participation_complete": _on_the_course(
        REDIRECT,
        method="POST",
        kwargs=lambda t: {"public_id": t.pg_participation.public_id},
        data={"completed_on": timezone.localdate().isoformat()},
    ),
    "participation_drop": _on_the_course(
        REDIRECT, method="POST", kwargs=lambda t: {"public_id": t.pg_participation.public_id}
    ),
    # Managers and field educators make certificates; the volunteer and the case workers do not.
    "participation_certificate": _on_the_course(OK, kwargs=lambda t: {"public_id": t.pg_completed.public_id}),
    "activity_certificates": _on_the_course(OK),
    "outcome_list": Route(expect={name: OK for name in MANAGERS}, others=DENIED_ONLY),
    "outcome_record": _on_the_course(OK, kwargs=lambda t: {"public_id": t.pg_outcome.public_id}),
}


def fixtures(t: Any) -> None:
    from kujdes.programme.models import Facilitator
    from kujdes.programme.tests.fixtures import programme_fixtures

    programme_fixtures(t)
    t.pg_facilitator = Facilitator.objects.get(activity=t.pg_course, volunteer=t.pg_volunteer)
