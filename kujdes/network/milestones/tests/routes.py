"""Route expectations of the common milestones (collected by kujdes/core/tests/test_route_matrix.py).

Staff (NETWORK_READ) read the scorecard, frameworks, milestones and requests; volunteers and viewers
get 403. The coordinator writes frameworks, milestones, targets and requests. The focal points of
"al" (admin, manager) report progress for "al"; the focal point of "fr" and everyone else get 403.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from kujdes.core.tests.routes import DENIED, OK, REDIRECT, Route
from kujdes.network.milestones.models import (
    Framework,
    FrameworkStatus,
    Milestone,
    ProgressReport,
    Target,
    UpdateRequest,
)
from kujdes.network.tests.fixtures import network_fixtures

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
FOCAL_POINTS_OF_AL = ("admin", "manager")


def milestone_fixtures(t: Any) -> None:
    """An active framework 2026–2028: one manual milestone, targets for "al" and "fr", a report, a request."""
    network_fixtures(t)
    if (
        getattr(t, "ms_framework", None) is not None
        and Framework.objects.filter(pk=t.ms_framework.pk).exists()
    ):
        return
    t.ms_framework = Framework.objects.create(
        title="Milestones 2026–2028", first_year=2026, last_year=2028, status=FrameworkStatus.ACTIVE
    )
    t.ms_milestone = Milestone.objects.create(
        framework=t.ms_framework,
        code="m1",
        title="Trainings for police officers",
        indicator_kind="manual",
        unit="trainings held",
        order=1,
    )
    for partner, values in ((t.partner_al, (10, 12, 14)), (t.partner_fr, (4, 5, 6))):
        for year, value in zip(t.ms_framework.years, values, strict=True):
            Target.objects.create(milestone=t.ms_milestone, partner=partner, year=year, value=Decimal(value))
    t.ms_report = ProgressReport.objects.create(
        milestone=t.ms_milestone,
        partner=t.partner_al,
        year=2026,
        value=Decimal(7),
        evidence="Attendance sheets of the trainings",
        reported_on=datetime.date(2026, 6, 30),
    )
    t.ms_request = UpdateRequest.objects.create(
        framework=t.ms_framework,
        milestone=t.ms_milestone,
        partner=t.partner_al,
        message="Any news of the trainings?",
    )


def fixtures(t: Any) -> None:
    milestone_fixtures(t)


def staff(**kw: Any) -> Route:
    return Route(expect={**{n: OK for n in STAFF}, **NOT_STAFF}, others=DENIED, **kw)


def coordinator(statuses: set[int] = OK, **kw: Any) -> Route:
    return Route(expect={"coordinator": statuses}, others={403}, **kw)


def _framework(t: Any) -> dict[str, Any]:
    return {"public_id": t.ms_framework.public_id}


def _milestone(t: Any) -> dict[str, Any]:
    return {"public_id": t.ms_milestone.public_id}


ROUTES: dict[str, Route] = {
    "network_scorecard": staff(),
    "network_scorecard_xlsx": staff(),
    "network_milestone_framework_list": staff(),
    "network_milestone_framework_detail": staff(kwargs=_framework),
    "network_milestone_framework_create": coordinator(),
    "network_milestone_framework_edit": coordinator(kwargs=_framework),
    "network_milestone_create": coordinator(kwargs=_framework),
    "network_milestone_request_create": coordinator(kwargs=_framework),
    "network_milestone_detail": staff(kwargs=_milestone),
    "network_milestone_edit": coordinator(kwargs=_milestone),
    "network_milestone_targets": coordinator(kwargs=_milestone),
    "network_milestone_partner": staff(kwargs=lambda t: {"public_id": t.partner_al.public_id}),
    "network_milestone_progress_add": Route(
        kwargs=lambda t: {"public_id": t.ms_milestone.public_id, "partner_id": t.partner_al.public_id},
        expect={n: OK for n in FOCAL_POINTS_OF_AL},
        others={403},
    ),
    "network_milestone_request_list": staff(),
    "network_milestone_request_close": coordinator(
        REDIRECT, method="POST", kwargs=lambda t: {"public_id": t.ms_request.public_id}
    ),
    "api:network_milestones_list": staff(anonymous={401}),
    "api:network_scorecard_get": staff(anonymous={401}),
    "api:network_milestones_progress_add": Route(
        method="POST",
        json=True,
        data={"partner": "al", "year": 2026, "value": "9", "evidence": "Attendance sheets"},
        kwargs=lambda t: {"milestone_id": t.ms_milestone.public_id},
        expect={n: {201} for n in FOCAL_POINTS_OF_AL},
        others={403},
        anonymous={401},
    ),
}
