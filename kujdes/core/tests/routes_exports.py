"""Route expectations of the personal-data list exports (POST, a recently re-authenticated session).

The person and case lists' exports answer whoever sees the list (the others 403); an activity's
participants, the staff who manage `pg_course` (its readers 403, other units and organisations 404);
the volunteer list, the programme manager only (the field educator sees the list but does not export it).
"""

from __future__ import annotations

from typing import Any

from kujdes.core.tests.routes import OK, Route
from kujdes.programme.tests.fixtures import programme_fixtures

LIST_READERS = ("alice", "bob", "charlie", "dave", "manager")
CSV = {"format": "csv"}


def _course(t: Any) -> dict[str, Any]:
    return {"public_id": t.pg_course.public_id}


ROUTES: dict[str, Route] = {
    "person_list_export": Route(
        method="POST", data=CSV, expect={name: OK for name in LIST_READERS}, others={403}
    ),
    "case_list_export": Route(
        method="POST", data=CSV, expect={name: OK for name in LIST_READERS}, others={403}
    ),
    "activity_participants_export": Route(
        method="POST",
        data=CSV,
        kwargs=_course,
        expect={
            "manager": OK,
            "educator": OK,
            **{name: {403} for name in ("alice", "bob", "volunteer")},
            "charlie": {404},
            "dave": {404},
        },
        others={403},
    ),
    "volunteer_list_export": Route(method="POST", data=CSV, expect={"manager": OK}, others={403}),
}


def fixtures(t: Any) -> None:
    programme_fixtures(t)
