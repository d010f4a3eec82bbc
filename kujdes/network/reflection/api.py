"""The reflection's JSON API under /api/v1/network/: meetings, a meeting, decisions, the methods register."""

from __future__ import annotations

import datetime
import uuid

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from kujdes.network.reflection import selectors
from kujdes.network.reflection.models import ActionItem, Decision, Meeting

router = Router(tags=["network"])


class MeetingOut(Schema):
    id: uuid.UUID
    title: str
    starts_at: datetime.datetime
    place: str
    online_link: str
    status: str
    working_group: str | None
    minutes_approved: bool
    minutes_approved_on: datetime.date | None


class AgendaItemOut(Schema):
    position: int
    topic: str
    presenter: str
    duration_minutes: int | None
    notes: str


class AttendanceOut(Schema):
    partner: str
    status: str


class DecisionOut(Schema):
    id: uuid.UUID
    number: str
    text: str
    rationale: str
    scope: str
    status: str
    supersedes: str | None
    tags: list[str]
    meeting: uuid.UUID
    meeting_date: datetime.date


class ActionOut(Schema):
    id: uuid.UUID
    description: str
    owner_partner: str | None
    owner_name: str
    due_on: datetime.date | None
    status: str
    overdue: bool
    decision: str | None


class MeetingDetailOut(MeetingOut):
    agenda: list[AgendaItemOut]
    attendance: list[AttendanceOut]
    minutes: str
    decisions: list[DecisionOut]
    actions: list[ActionOut]


class ApplicationOut(Schema):
    partner: str
    extent: str
    since: datetime.date | None


class MethodOut(Schema):
    id: uuid.UUID
    title: str
    summary: str
    version: str
    previous_versions: list[str]
    decision: str | None
    meeting: uuid.UUID | None
    applied_by: int
    applications: list[ApplicationOut]


def _meeting_out(meeting: Meeting) -> dict:
    return {
        "id": meeting.public_id,
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "place": meeting.place,
        "online_link": meeting.online_link,
        "status": meeting.status,
        "working_group": meeting.working_group.name if meeting.working_group_id else None,
        "minutes_approved": meeting.minutes_approved,
        "minutes_approved_on": meeting.minutes_approved_on,
    }


def _decision_out(decision: Decision) -> DecisionOut:
    return DecisionOut(
        id=decision.public_id,
        number=decision.number,
        text=decision.text,
        rationale=decision.rationale,
        scope=decision.scope,
        status=decision.status,
        supersedes=decision.supersedes.number if decision.supersedes_id else None,
        tags=decision.tags,
        meeting=decision.meeting.public_id,
        meeting_date=decision.meeting.starts_at.date(),
    )


def _action_out(action: ActionItem) -> ActionOut:
    return ActionOut(
        id=action.public_id,
        description=action.description,
        owner_partner=action.owner_partner.code if action.owner_partner_id else None,
        owner_name=action.owner_name,
        due_on=action.due_on,
        status=action.status,
        overdue=action.is_overdue,
        decision=action.decision.number if action.decision_id else None,
    )


@router.get("/meetings", response=list[MeetingOut], url_name="network_reflection_meetings_list")
def meetings_list(request: HttpRequest, when: str = "") -> list[MeetingOut]:
    """Meetings: `when=upcoming` (soonest first), `when=past` (latest first), else all (latest first)."""
    if when not in {"", "upcoming", "past"}:
        raise HttpError(400, "when: upcoming, past or nothing.")
    meetings = selectors.meetings_for_actor(actor=request.auth, when=when)[:500]
    return [MeetingOut(**_meeting_out(m)) for m in meetings]


@router.get("/meetings/{meeting_id}", response=MeetingDetailOut, url_name="network_reflection_meetings_get")
def meetings_get(request: HttpRequest, meeting_id: uuid.UUID) -> MeetingDetailOut:
    """One meeting with its agenda, attendance, minutes, decisions and action items."""
    try:
        meeting = selectors.meeting_get(actor=request.auth, public_id=str(meeting_id))
    except Meeting.DoesNotExist:
        raise HttpError(404, "Not found.") from None
    parts = selectors.meeting_page_parts(meeting=meeting)
    return MeetingDetailOut(
        **_meeting_out(meeting),
        agenda=[
            AgendaItemOut(
                position=i.position,
                topic=i.topic,
                presenter=i.presenter,
                duration_minutes=i.duration_minutes,
                notes=i.notes,
            )
            for i in parts["agenda"]  # type: ignore[attr-defined]
        ],
        attendance=[
            AttendanceOut(partner=p.code, status=s)
            for p, s in parts["attendance"]  # type: ignore[attr-defined]
            if s
        ],
        minutes=meeting.minutes,
        decisions=[_decision_out(d) for d in parts["decisions"]],  # type: ignore[attr-defined]
        actions=[_action_out(a) for a in parts["actions"]],  # type: ignore[attr-defined]
    )


@router.get("/decisions", response=list[DecisionOut], url_name="network_reflection_decisions_list")
def decisions_list(
    request: HttpRequest, q: str = "", year: int | None = None, status: str = ""
) -> list[DecisionOut]:
    """The decision log, newest first; `q` matches every word, accents and case ignored."""
    if len(q) > 200:
        raise HttpError(400, "q: at most 200 characters.")
    if year is not None and not 1900 <= year <= 2999:
        raise HttpError(400, "year: between 1900 and 2999.")
    decisions = selectors.decisions_search(actor=request.auth, query=q, year=year, status=status)[:500]
    return [_decision_out(d) for d in decisions]


@router.get("/methods", response=list[MethodOut], url_name="network_reflection_methods_list")
def methods_list(request: HttpRequest) -> list[MethodOut]:
    """The methods register: the current version of each method and who applies it."""
    methods = selectors.methods_for_actor(actor=request.auth).prefetch_related("applications__partner")
    out = []
    for method in methods:
        lineage = selectors.method_lineage(method)
        out.append(
            MethodOut(
                id=method.public_id,
                title=method.title,
                summary=method.summary,
                version=method.version_label,
                previous_versions=[m.version_label for m in lineage if m.pk != method.pk],
                decision=method.decision.number if method.decision_id else None,
                meeting=method.meeting.public_id if method.meeting_id else None,
                applied_by=method.applied_by,  # type: ignore[attr-defined]
                applications=[
                    ApplicationOut(partner=a.partner.code, extent=a.extent, since=a.since)
                    for a in method.applications.all()
                ],
            )
        )
    return out
