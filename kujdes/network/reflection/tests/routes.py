"""Route expectations of the network's reflection (collected by kujdes/core/tests/test_route_matrix.py).

Every staff member reads every page; volunteers and viewers get 403. The working group
"Matrix group" is convened by "al" with "fr" as a member: its meetings are managed by the
coordinator and by "al"'s focal points (admin, manager), not by "fr"'s (other_admin, 403).
The action item is owned by "fr", so its focal point may update it too. Decisions, working
groups and the methods register are the coordinator's; every focal point reports its own
partner's method applications.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from kujdes.core.tests.routes import OK, REDIRECT, Route
from kujdes.network.reflection.models import (
    ActionItem,
    AgendaItem,
    Decision,
    Meeting,
    MeetingStatus,
    Method,
    MethodApplication,
    WorkingGroup,
    WorkingGroupStaff,
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
CONVENORS = ("coordinator", "admin", "manager")
FOCAL_POINTS = ("admin", "manager", "other_admin")


def fixtures(t: Any) -> None:
    """A working group convened by "al" with "fr", its meeting with a decision and an action, a method."""
    network_fixtures(t)
    t.reflection_group = WorkingGroup.objects.create(
        name="Matrix group", purpose="Routes", convenor=t.partner_al, started_on=datetime.date(2026, 1, 1)
    )
    t.reflection_group.partners.set([t.partner_al, t.partner_fr])
    t.reflection_staff = WorkingGroupStaff.objects.create(
        working_group=t.reflection_group, name="Staff member", partner=t.partner_fr
    )
    t.reflection_meeting = Meeting.objects.create(
        working_group=t.reflection_group,
        title="Matrix meeting",
        starts_at=timezone.now() - datetime.timedelta(days=10),
        status=MeetingStatus.HELD,
        minutes="We met.",
    )
    t.reflection_agenda_item = AgendaItem.objects.create(meeting=t.reflection_meeting, topic="Welcome")
    t.reflection_decision = Decision.objects.create(
        meeting=t.reflection_meeting, number="2026-M/1", text="We agree.", search_text="2026-m/1 we agree."
    )
    t.reflection_action = ActionItem.objects.create(
        meeting=t.reflection_meeting,
        decision=t.reflection_decision,
        description="Do it",
        owner_partner=t.partner_fr,
        due_on=datetime.date(2026, 1, 31),
    )
    t.reflection_method = Method.objects.create(
        title="Matrix method", summary="A method", version_label="1.0", meeting=t.reflection_meeting
    )
    MethodApplication.objects.create(method=t.reflection_method, partner=t.partner_al, extent="full")


def _staff(**kw: Any) -> Route:
    return Route(expect={**{n: OK for n in STAFF}, **NOT_STAFF}, others={403}, **kw)


def _only(names: tuple[str, ...], statuses: set[int], **kw: Any) -> Route:
    """Staff outside `names` (and volunteers, viewers) get 403."""
    return Route(expect={n: statuses for n in names}, others={403}, **kw)


def _meeting(t: Any) -> dict[str, Any]:
    return {"public_id": t.reflection_meeting.public_id}


def _group(t: Any) -> dict[str, Any]:
    return {"public_id": t.reflection_group.public_id}


def _method(t: Any) -> dict[str, Any]:
    return {"public_id": t.reflection_method.public_id}


def _decision(t: Any) -> dict[str, Any]:
    return {"public_id": t.reflection_decision.public_id}


def _api(**kw: Any) -> Route:
    return Route(expect={**{n: OK for n in STAFF}, **NOT_STAFF}, others={403}, anonymous={401}, **kw)


ROUTES: dict[str, Route] = {
    "network_meeting_list": _staff(),
    "network_meeting_create": _only(CONVENORS, OK),
    "network_meeting_detail": _staff(kwargs=_meeting),
    "network_meeting_edit": _only(CONVENORS, OK, kwargs=_meeting),
    "network_meeting_minutes": _only(CONVENORS, OK, kwargs=_meeting),
    "network_meeting_minutes_approve": _only(CONVENORS, REDIRECT, method="POST", kwargs=_meeting),
    "network_meeting_agenda_add": _only(CONVENORS, OK, kwargs=_meeting),
    "network_meeting_agenda_remove": _only(
        CONVENORS,
        REDIRECT,
        method="POST",
        kwargs=lambda t: {
            "public_id": t.reflection_meeting.public_id,
            "item_id": t.reflection_agenda_item.public_id,
        },
    ),
    "network_meeting_attendance": _only(CONVENORS, OK, kwargs=_meeting),
    "network_decision_create": _only(("coordinator",), OK, kwargs=_meeting),
    "network_action_create": _only(CONVENORS, OK, kwargs=_meeting),
    "network_decision_list": _staff(),
    "network_decision_detail": _staff(kwargs=_decision),
    "network_decision_edit": _only(("coordinator",), OK, kwargs=_decision),
    "network_action_list": _staff(),
    "network_action_update": _only(
        (*CONVENORS, "other_admin"), OK, kwargs=lambda t: {"public_id": t.reflection_action.public_id}
    ),
    "network_working_group_list": _staff(),
    "network_working_group_create": _only(("coordinator",), OK),
    "network_working_group_detail": _staff(kwargs=_group),
    "network_working_group_edit": _only(("coordinator",), OK, kwargs=_group),
    "network_working_group_staff_add": _only(CONVENORS, OK, kwargs=_group),
    "network_working_group_staff_remove": _only(
        CONVENORS,
        REDIRECT,
        method="POST",
        kwargs=lambda t: {
            "public_id": t.reflection_group.public_id,
            "member_id": t.reflection_staff.public_id,
        },
    ),
    "network_method_list": _staff(),
    "network_method_create": _only(("coordinator",), OK),
    "network_method_detail": _staff(kwargs=_method),
    "network_method_edit": _only(("coordinator",), OK, kwargs=_method),
    "network_method_new_version": _only(("coordinator",), OK, kwargs=_method),
    "network_method_apply": _only(("coordinator", *FOCAL_POINTS), OK, kwargs=_method),
    "api:network_reflection_meetings_list": _api(),
    "api:network_reflection_meetings_get": _api(
        kwargs=lambda t: {"meeting_id": t.reflection_meeting.public_id}
    ),
    "api:network_reflection_decisions_list": _api(),
    "api:network_reflection_methods_list": _api(),
}
