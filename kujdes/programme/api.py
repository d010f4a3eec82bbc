"""JSON API of the programme room (mounted at /api/v1/ by kujdes/api.py).

Scoped like the pages: an activity, session, volunteer or initiative the caller may not see answers
the same 404 as a missing one; visible but not allowed answers 403; invalid input 422 with the
messages keyed by field. A volunteer sees only the activities they facilitate. Names of participants
go only to those who take the attendance or may see the persons; codes always.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from kujdes.core.reads import ReadRow, identity_rows_read
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm, units_for_actor
from kujdes.programme import selectors, services
from kujdes.programme.models import (
    Activity,
    ActivityStatus,
    Initiative,
    ParticipationStatus,
    Session,
    Volunteer,
)

router = Router(tags=["programme"])

PAGE_MAX = 200
# The filters `from` and `to` (Python keywords) of the activity list.
_FROM = Query(None, alias="from")
_TO = Query(None, alias="to")


class Problem(Schema):
    detail: str
    code: str = ""
    errors: dict[str, list[str]] = {}


class ActivityOut(Schema):
    id: UUID
    title: str
    kind: str
    activity_type: str
    unit: UUID
    unit_name: str
    status: str
    starts_on: datetime.date
    ends_on: datetime.date
    municipality: str
    place: str
    version: int


class ActivityPage(Schema):
    count: int
    items: list[ActivityOut]


class ActivityDetailOut(ActivityOut):
    description: str
    can_manage: bool
    can_record: bool


class SessionOut(Schema):
    id: UUID
    date: datetime.date
    starts_at: datetime.time | None
    ends_at: datetime.time | None
    topic: str
    place: str
    status: str


class AttendanceRowOut(Schema):
    participation: UUID
    code: str
    name: str | None
    present: bool | None


class AttendanceOut(Schema):
    session: UUID
    date: datetime.date
    present: int
    total: int
    rows: list[AttendanceRowOut]


class MarkIn(Schema):
    participation: UUID
    present: bool | None = None


class AttendanceIn(Schema):
    marks: list[MarkIn]
    # What the saving device showed when it loaded the register (present null: not recorded):
    # with it, marks another device changed meanwhile are kept.
    seen: list[MarkIn] | None = None


class AttendanceSavedOut(Schema):
    changed: int
    unchanged: int
    kept_from_others: int
    present: int
    total: int


class CellIn(Schema):
    sex: str
    age_from: int
    category: str
    count: int | str


class HeadcountIn(Schema):
    date: datetime.date | None = None
    cells: list[CellIn]
    reach: dict[str, int | str] = {}
    method: str = ""
    place: str = ""
    notes: str = ""


class HeadcountOut(Schema):
    id: UUID
    date: datetime.date
    total: int
    indirect: int


class VolunteerOut(Schema):
    id: UUID
    name: str
    unit: UUID
    is_active: bool
    background_check: str
    background_check_expires_on: datetime.date | None


class HoursIn(Schema):
    date: datetime.date | None = None
    hours: Decimal | str
    activity: UUID | None = None
    notes: str = ""


class HoursOut(Schema):
    volunteer: UUID
    date: datetime.date
    hours: Decimal
    activity: UUID | None


class InitiativeOut(Schema):
    id: UUID
    title: str
    unit: UUID
    status: str
    started_on: datetime.date
    ended_on: datetime.date | None
    partners: list[str]
    actions: int
    version: int


class OutcomeDueOut(Schema):
    id: UUID
    participation: UUID
    activity: UUID
    activity_title: str
    person_code: str
    months: int
    due_on: datetime.date
    overdue: bool


# --- helpers ---------------------------------------------------------------------------------------


def _page(limit: int, offset: int) -> tuple[int, int]:
    return min(max(limit, 1), PAGE_MAX), max(offset, 0)


def _problem(exc: ValidationError) -> Problem:
    errors = (
        {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
        if hasattr(exc, "error_dict")
        else {}
    )
    return Problem(detail=" ".join(str(m) for m in exc.messages), code="invalid", errors=errors)


def _invalid(errors: dict[str, list[str]]) -> Any:
    return Status(422, _problem(ValidationError(errors)))


def _require(request: HttpRequest, perm: Perm) -> None:
    if not actor_has_perm(actor=request.user, perm=perm):
        raise HttpError(403, _("Your role cannot do this."))


def _require_staff(request: HttpRequest, perm: Perm) -> None:
    """Staff of the programme (volunteers are not): 403 for anyone else."""
    if not selectors.programme_units(actor=request.user, perm=perm).exists():
        raise HttpError(403, _("Your role cannot do this."))


def _activity_or_404(request: HttpRequest, activity_id: UUID) -> Activity:
    _require(request, Perm.PROGRAMME_VIEW)
    try:
        return selectors.activity_get(actor=request.user, public_id=str(activity_id))
    except Activity.DoesNotExist:
        raise Http404 from None


def _session_or_404(request: HttpRequest, session_id: UUID) -> Session:
    _require(request, Perm.PROGRAMME_VIEW)
    try:
        return selectors.session_for_actor(actor=request.user, public_id=str(session_id))
    except Session.DoesNotExist:
        raise Http404 from None


def _activity_out(activity: Activity) -> dict[str, Any]:
    return {
        "id": activity.public_id,
        "title": activity.title,
        "kind": activity.activity_type.kind,
        "activity_type": activity.activity_type.code,
        "unit": activity.unit.public_id,
        "unit_name": activity.unit.name,
        "status": activity.status,
        "starts_on": activity.starts_on,
        "ends_on": activity.ends_on,
        "municipality": activity.municipality,
        "place": activity.place,
        "version": activity.version,
    }


def _attendance_out(request: HttpRequest, session: Session) -> AttendanceOut:
    activity = session.activity
    rows = selectors.attendance_register(session=session)
    person_units = set(
        units_for_actor(actor=request.user, perm=Perm.PERSON_VIEW).values_list("pk", flat=True)
    )
    records = selectors.activity_can_record(actor=request.user, activity=activity)
    named: list[Any] = []
    out = []
    for row in rows:
        person = row.participation.person
        name = None
        if records or person.unit_id in person_units:
            name = " ".join(part for part in (person.given_name, person.family_name) if part)
            named.append(person)
        out.append(
            AttendanceRowOut(
                participation=row.participation.public_id, code=person.code, name=name, present=row.present
            )
        )
    if named:
        identity_rows_read(
            request=request,
            action="programme.participants.viewed",
            rows=[ReadRow.of(person) for person in named],
            obj=activity,
            details={"session": str(session.public_id), "participants": len(named), "via": "api"},
            enforce=request.method == "GET",
        )
    return AttendanceOut(
        session=session.public_id,
        date=session.date,
        present=sum(1 for row in rows if row.present),
        total=len(rows),
        rows=out,
    )


# --- activities and sessions -----------------------------------------------------------------------


@router.get(
    "/programme/activities",
    response={200: ActivityPage, 422: Problem},
    summary="Programme activities the caller sees (filters: unit, status, from, to)",
)
def programme_activities_list(
    request: HttpRequest,
    unit: UUID | None = None,
    status: str | None = None,
    date_from: datetime.date | None = _FROM,  # type: ignore[assignment]
    date_to: datetime.date | None = _TO,  # type: ignore[assignment]
    limit: int = 50,
    offset: int = 0,
) -> Any:
    _require(request, Perm.PROGRAMME_VIEW)
    activities = selectors.activities_for_actor(actor=request.user).select_related("activity_type", "unit")
    errors: dict[str, list[str]] = {}
    if status:
        if status not in ActivityStatus.values:
            errors["status"] = [_("Unknown status.")]
        activities = activities.filter(status=status)
    if unit is not None:
        activities = activities.filter(unit__public_id=unit)
    if date_from and date_to and date_to < date_from:
        errors["to"] = [_("The end date is before the start date.")]
    if date_from:
        activities = activities.filter(ends_on__gte=date_from)
    if date_to:
        activities = activities.filter(starts_on__lte=date_to)
    if errors:
        return _invalid(errors)
    limit, offset = _page(limit, offset)
    activities = activities.order_by("-starts_on", "title", "pk")
    return {
        "count": activities.count(),
        "items": [_activity_out(a) for a in activities[offset : offset + limit]],
    }


@router.get("/programme/activities/{activity_id}", response=ActivityDetailOut, summary="One activity")
def programme_activities_get(request: HttpRequest, activity_id: UUID) -> Any:
    activity = _activity_or_404(request, activity_id)
    return {
        **_activity_out(activity),
        "description": activity.description,
        "can_manage": selectors.activity_can_manage(actor=request.user, activity=activity),
        "can_record": selectors.activity_can_record(actor=request.user, activity=activity),
    }


@router.get(
    "/programme/activities/{activity_id}/sessions",
    response=list[SessionOut],
    summary="The sessions of an activity",
)
def programme_activity_sessions(request: HttpRequest, activity_id: UUID) -> Any:
    activity = _activity_or_404(request, activity_id)
    return [
        SessionOut(
            id=s.public_id,
            date=s.date,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            topic=s.topic,
            place=s.place,
            status=s.status,
        )
        for s in selectors.sessions_of(activity=activity)
    ]


@router.get(
    "/programme/sessions/{session_id}/attendance",
    response=AttendanceOut,
    summary="Who is enrolled in a session and what was recorded (names only for those allowed)",
)
def programme_attendance_get(request: HttpRequest, session_id: UUID) -> Any:
    session = _session_or_404(request, session_id)
    return _attendance_out(request, session)


@router.put(
    "/programme/sessions/{session_id}/attendance",
    response={200: AttendanceSavedOut, 422: Problem},
    summary="Record attendance (with `seen`, marks another device changed meanwhile are kept)",
)
def programme_attendance_put(request: HttpRequest, session_id: UUID, payload: AttendanceIn) -> Any:
    session = _session_or_404(request, session_id)
    activity = session.activity
    if not selectors.activity_can_record(actor=request.user, activity=activity):
        raise HttpError(403, _("Your role cannot record attendance here."))
    ids = dict(
        selectors.participations_ids_of(activity=activity)  # public id → pk (not dropped)
    )
    errors: dict[str, list[str]] = {}
    marks: dict[int, bool] = {}
    for index, mark in enumerate(payload.marks):
        pk = ids.get(mark.participation)
        if pk is None:
            errors[f"marks.{index}.participation"] = [_("Not a participant of this session.")]
        elif mark.present is None:
            errors[f"marks.{index}.present"] = [_("Say whether the participant was present.")]
        else:
            marks[pk] = mark.present
    seen: dict[int, bool | None] | None = None
    if payload.seen is not None:
        seen = {}
        for index, mark in enumerate(payload.seen):
            pk = ids.get(mark.participation)
            if pk is None:
                errors[f"seen.{index}.participation"] = [_("Not a participant of this session.")]
            else:
                seen[pk] = mark.present
    if not payload.marks:
        errors["marks"] = [_("Send at least one mark.")]
    if errors:
        return _invalid(errors)
    try:
        saved = services.attendance_save(actor=request.user, session=session, marks=marks, seen=seen)
    except PermissionDenied:
        raise HttpError(403, _("Your role cannot record attendance here.")) from None
    except ValidationError as exc:
        return Status(422, _problem(exc))
    rows = selectors.attendance_register(session=session)
    return AttendanceSavedOut(
        changed=saved.changed,
        unchanged=saved.unchanged,
        kept_from_others=saved.kept_from_others,
        present=sum(1 for row in rows if row.present),
        total=len(rows),
    )


@router.post(
    "/programme/activities/{activity_id}/headcounts",
    response={201: HeadcountOut, 422: Problem},
    summary="Record an anonymous headcount (cells by sex, age group and category; indirect reach)",
)
def programme_headcounts_create(request: HttpRequest, activity_id: UUID, payload: HeadcountIn) -> Any:
    activity = _activity_or_404(request, activity_id)
    if not selectors.activity_can_record(actor=request.user, activity=activity):
        raise HttpError(403, _("Your role cannot record headcounts here."))
    cells: dict[tuple[str, int, str], Any] = {}
    errors: dict[str, list[str]] = {}
    for cell in payload.cells:
        key = (cell.sex, cell.age_from, cell.category)
        if key in cells:
            errors.setdefault(f"cell-{cell.sex}-{cell.age_from}-{cell.category}", []).append(
                _("This group is counted twice.")
            )
        cells[key] = cell.count
    unknown = set(payload.reach) - set(services.REACH_FIELDS)
    for field in sorted(unknown):
        errors[f"reach.{field}"] = [_("Unknown kind of reach.")]
    if errors:
        return _invalid(errors)
    try:
        headcount = services.headcount_record(
            actor=request.user,
            activity=activity,
            date=payload.date or timezone.localdate(),
            cells=cells,
            reach=dict(payload.reach),
            reach_method=payload.method,
            place=payload.place,
            notes=payload.notes,
        )
    except PermissionDenied:
        raise HttpError(403, _("Your role cannot record headcounts here.")) from None
    except ValidationError as exc:
        return Status(422, _problem(exc))
    total = sum(c.count for c in headcount.cells.all())
    indirect = sum(getattr(headcount, field) for field in services.REACH_FIELDS)
    return Status(
        201, HeadcountOut(id=headcount.public_id, date=headcount.date, total=total, indirect=indirect)
    )


# --- volunteers ------------------------------------------------------------------------------------


@router.get("/programme/volunteers", response=list[VolunteerOut], summary="Volunteers the caller manages")
def programme_volunteers_list(request: HttpRequest, limit: int = 50, offset: int = 0) -> Any:
    _require_staff(request, Perm.PROGRAMME_MANAGE)
    limit, offset = _page(limit, offset)
    volunteers = (
        selectors.volunteers_for_actor(actor=request.user)
        .select_related("unit")
        .order_by("given_name", "family_name", "pk")
    )
    rows = list(volunteers[offset : offset + limit])
    if rows:
        identity_rows_read(
            request=request,
            action="programme.volunteers.viewed",
            rows=[ReadRow.of(volunteer, record="volunteer") for volunteer in rows],
            details={"count": len(rows), "offset": offset, "via": "api"},
        )
    return [
        VolunteerOut(
            id=v.public_id,
            name=str(v),
            unit=v.unit.public_id,
            is_active=v.is_active,
            background_check=v.background_check,
            background_check_expires_on=v.background_check_expires_on,
        )
        for v in rows
    ]


@router.post(
    "/programme/volunteers/{volunteer_id}/hours",
    response={201: HoursOut, 422: Problem},
    summary="Log hours given by a volunteer (staff who manage them, or the volunteer themself)",
)
def programme_volunteer_hours(request: HttpRequest, volunteer_id: UUID, payload: HoursIn) -> Any:
    try:
        volunteer = selectors.volunteer_get(actor=request.user, public_id=str(volunteer_id))
    except Volunteer.DoesNotExist:
        raise Http404 from None
    try:
        hours = Decimal(str(payload.hours).strip())
        if not hours.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        return _invalid({"hours": [_("Enter a number of hours, e.g. 2.5.")]})
    activity = None
    if payload.activity is not None:
        try:
            activity = selectors.activity_get(actor=request.user, public_id=str(payload.activity))
        except Activity.DoesNotExist:
            return _invalid({"activity": [_("Unknown activity.")]})
    try:
        entry = services.hours_log(
            actor=request.user,
            volunteer=volunteer,
            date=payload.date or timezone.localdate(),
            hours=hours,
            activity=activity,
            notes=payload.notes[:500],
        )
    except PermissionDenied:
        raise HttpError(403, _("Your role cannot log these hours.")) from None
    except ValidationError as exc:
        return Status(422, _problem(exc))
    return Status(
        201,
        HoursOut(
            volunteer=volunteer.public_id,
            date=entry.date,
            hours=entry.hours,
            activity=activity.public_id if activity else None,
        ),
    )


# --- initiatives and outcomes ----------------------------------------------------------------------


@router.get("/programme/initiatives", response=list[InitiativeOut], summary="Joint initiatives")
def programme_initiatives_list(request: HttpRequest, limit: int = 50, offset: int = 0) -> Any:
    _require_staff(request, Perm.PROGRAMME_VIEW)
    limit, offset = _page(limit, offset)
    initiatives: Any = (
        selectors.initiatives_for_actor(actor=request.user)
        .select_related("unit")
        .prefetch_related("partners", "actions")
        .order_by("-started_on", "title", "pk")
    )
    rows: list[Initiative] = list(initiatives[offset : offset + limit])
    return [
        InitiativeOut(
            id=i.public_id,
            title=i.title,
            unit=i.unit.public_id,
            status=i.status,
            started_on=i.started_on,
            ended_on=i.ended_on,
            partners=sorted(p.name for p in i.partners.all()),
            actions=len(i.actions.all()),
            version=i.version,
        )
        for i in rows
    ]


@router.get(
    "/programme/outcomes/due", response=list[OutcomeDueOut], summary="Outcome follow-ups due (codes only)"
)
def programme_outcomes_due(
    request: HttpRequest, until: datetime.date | None = None, limit: int = 50, offset: int = 0
) -> Any:
    _require_staff(request, Perm.PROGRAMME_MANAGE)
    limit, offset = _page(limit, offset)
    today = timezone.localdate()
    outcomes = selectors.outcomes_due(actor=request.user, until=until).exclude(
        participation__status=ParticipationStatus.DROPPED
    )
    return [
        OutcomeDueOut(
            id=o.public_id,
            participation=o.participation.public_id,
            activity=o.participation.activity.public_id,
            activity_title=o.participation.activity.title,
            person_code=o.participation.person.code,
            months=o.months,
            due_on=o.due_on,
            overdue=o.due_on < today,
        )
        for o in outcomes[offset : offset + limit]
    ]
