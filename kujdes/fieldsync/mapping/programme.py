"""The programme's shipped forms into records: a participant's enrolment, a session's attendance, an
activity's anonymous headcount and a volunteer's hours — through kujdes.programme's services, as the
user who sent the submission, with the web's checks.

Every record made is linked to the instance (`record_link`) and looked up first (`record_get`): a
resend, an edit or a replay of an instance writes the same record again, never a second one. An edit
(`deprecatedID`) is compared with what the phone had sent before, which is what it "saw": a value the
edit did not change is not written over a later change on the web (attendance keeps the web's mark;
a headcount or hours changed on the web since open a CONFLICT review instead of being overwritten).
What cannot be mapped with certainty goes to the unit's review queue: unknown activity or session,
unknown participant, data the web forms refuse (INVALID) or that the sender may not record
(NOT_ALLOWED), with the service's message in the item's detail.
"""

from __future__ import annotations

import datetime
import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from kujdes.fieldsync.mapping import mapper_register
from kujdes.fieldsync.mapping.persons import person_resolve, review_decision
from kujdes.fieldsync.mapping.records import (
    InstanceData,
    MappingResult,
    record_get,
    record_link,
    review_open,
)
from kujdes.fieldsync.models import (
    MappedRecord,
    ReviewItem,
    ReviewReason,
    ReviewState,
    Submission,
    SubmissionState,
)
from kujdes.fieldsync.shipped.programme import HEADCOUNT_SEX_CODES
from kujdes.programme import services
from kujdes.programme.models import (
    Activity,
    Headcount,
    HeadcountCategory,
    Participation,
    ParticipationStatus,
    Session,
    Volunteer,
    VolunteerHours,
)
from kujdes.programme.selectors import activity_can_manage, activity_get, session_for_actor, volunteer_get

_SEX_OF_CODE = {code: sex for sex, code in HEADCOUNT_SEX_CODES.items()}
_CELL = re.compile(r"^n_([a-z])_(\d{1,3})$")


# The review parts that stand for the whole submission (a rejected unknown participant is one mark).
WHOLE_PARTS = ("", "activity", "session", "participation", "headcount", "hours", "volunteer", "person")


class _Review(Exception):
    """Stop mapping this submission: the item is opened in the review queue."""

    def __init__(self, reason: ReviewReason, part: str = "", **detail: Any) -> None:
        super().__init__(str(reason))
        self.reason = reason
        self.part = part
        self.detail = detail


def _conflict_accepted(submission: Submission, part: str) -> bool:
    """Whether a reviewer accepted the phone's version over a later web edit of this part."""
    return review_decision(submission=submission, reason=ReviewReason.CONFLICT, part=part) is not None


def _uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError):
        return None


def _messages(exc: ValidationError) -> dict[str, Any]:
    """A refusal's field names and messages for the reviewer (the messages name no submitted value)."""
    if hasattr(exc, "message_dict"):
        return {"fields": sorted(exc.message_dict), "messages": [str(m) for m in exc.messages][:10]}
    return {"fields": [], "messages": [str(m) for m in exc.messages][:10]}


def _replaced(submission: Submission) -> bool:
    """An edit replaced this version: it maps nothing any more (a late replay of it must not undo
    the edit)."""
    return (
        submission.state == SubmissionState.SUPERSEDED
        or Submission.objects.filter(replaces_id=submission.pk).exists()
    )


def _origin_ids(submission: Submission) -> list[int]:
    chain = [submission]
    while chain[-1].replaces_id is not None and len(chain) < 100:
        chain.append(chain[-1].replaces)  # type: ignore[arg-type]
    return [s.pk for s in chain]


def _link(submission: Submission, key: str) -> MappedRecord | None:
    """The link an earlier version (or run) of this instance made under `key`, even if its record is
    gone (deleted on the web since)."""
    return (
        MappedRecord.objects.filter(origin_id__in=_origin_ids(submission), key=key)
        .only("submission_id", "object_pk")
        .first()
    )


def _seen(link: MappedRecord) -> InstanceData:
    """The values of the version that last wrote a record: what the phone had when it made the edit
    now mapped (an edit starts from the instance as the phone last sent it)."""
    return InstanceData.of(Submission.objects.get(pk=link.submission_id))


def _run(submission: Submission, body: Any) -> MappingResult:
    """Run a mapper's body; a refusal becomes a review item, a service's refusal too."""
    result = MappingResult()
    if _replaced(submission):
        return result
    if ReviewItem.objects.filter(
        submission=submission, state=ReviewState.REJECTED, part__in=WHOLE_PARTS
    ).exists():
        # A reviewer rejected it: a later run maps nothing and opens nothing again (items still open
        # keep it waiting).
        result.review.extend(ReviewItem.objects.filter(submission=submission, state=ReviewState.OPEN))
        return result
    try:
        with transaction.atomic():
            body(submission, InstanceData.of(submission), result)
    except _Review as review:
        result.review.append(
            review_open(submission=submission, reason=review.reason, part=review.part, detail=review.detail)
        )
    except ValidationError as exc:
        result.review.append(
            review_open(submission=submission, reason=ReviewReason.INVALID, detail=_messages(exc))
        )
    except PermissionDenied:
        result.review.append(review_open(submission=submission, reason=ReviewReason.NOT_ALLOWED, detail={}))
    # Items opened earlier for this submission (a person to review) and still waiting.
    for item in ReviewItem.objects.filter(submission=submission, state=ReviewState.OPEN):
        if all(item.pk != known.pk for known in result.review):
            result.review.append(item)
    return result


def _activity(submission: Submission, public_id: str) -> Activity:
    found = _uuid(public_id)
    try:
        if found is None:
            raise Activity.DoesNotExist
        return activity_get(actor=submission.submitted_by, public_id=found)
    except Activity.DoesNotExist:
        raise _Review(ReviewReason.UNKNOWN_ACTIVITY, "activity", activity=found or "") from None


def _date(value: str, field: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        raise ValidationError({field: ["A date is required."]}) from None


# -- register a participant -----------------------------------------------------------------------


@mapper_register("kujdes_participant_register")
def participant_register_map(submission: Submission) -> MappingResult:
    return _run(submission, _participant_register)


def _participant_register(submission: Submission, data: InstanceData, result: MappingResult) -> None:
    actor = submission.submitted_by
    activity = _activity(submission, data.value("activity"))
    linked = record_get(submission=submission, key="participation")
    person = person_resolve(submission=submission, data=data)
    if person is None:
        return  # person_resolve opened the review item
    result.records["person"] = person
    moved = isinstance(linked, Participation) and (
        linked.activity_id != activity.pk or linked.person_id != person.pk
    )
    if moved and _conflict_accepted(submission, "participation"):
        linked = None  # the reviewer accepted the edit: enrol as it now says (the first enrolment stays)
    if isinstance(linked, Participation):
        if moved:
            # An edit that changes who or where: the first enrolment stands until a reviewer decides.
            raise _Review(
                ReviewReason.CONFLICT,
                "participation",
                participation=str(linked.public_id),
                activity=str(activity.public_id),
            )
        result.records["participation"] = linked
        return
    consent = data.value("parental_consent") == "yes"
    participation = services.participant_enrol(
        actor=actor,
        activity=activity,
        person=person,
        # Whoever records attendance may add someone on the day; enrolling beforehand is the managers'.
        late_addition=not activity_can_manage(actor=actor, activity=activity),
        parental_consent=consent,
        parental_consent_by=data.value("parental_consent_by")[:200] if consent else "",
    )
    record_link(submission=submission, key="participation", obj=participation)
    result.records["participation"] = participation


# -- session attendance ------------------------------------------------------------------------------


@mapper_register("kujdes_attendance")
def attendance_map(submission: Submission) -> MappingResult:
    return _run(submission, _attendance)


def _marks_of(data: InstanceData, roster: dict[str, int]) -> tuple[dict[int, bool], list[str]]:
    """Marks by participation pk from an instance (ticked: present; the rest of the roster: absent),
    and the ticked ids that are not on the roster."""
    ticked = data.choices("present")
    unknown = [value for value in ticked if value not in roster]
    present = {roster[value] for value in ticked if value in roster}
    return {pk: pk in present for pk in roster.values()}, unknown


def _attendance(submission: Submission, data: InstanceData, result: MappingResult) -> None:
    actor = submission.submitted_by
    session_id = _uuid(data.value("session"))
    try:
        if session_id is None:
            raise Session.DoesNotExist
        session = session_for_actor(actor=actor, public_id=session_id)
    except Session.DoesNotExist:
        raise _Review(
            ReviewReason.SESSION_MISSING,
            "session",
            session=session_id or "",
            activity=_uuid(data.value("activity")) or "",
        ) from None
    activity_id = _uuid(data.value("activity"))
    if activity_id is not None and activity_id != str(session.activity.public_id):
        raise _Review(ReviewReason.SESSION_MISSING, "session", session=session_id, activity=activity_id)
    # The register the phone could show: participants enrolled by the time it sent the submission.
    roster = {
        str(public_id): pk
        for public_id, pk in Participation.objects.filter(
            activity_id=session.activity_id, created_at__lte=submission.submitted_at
        )
        .exclude(status=ParticipationStatus.DROPPED)
        .values_list("public_id", "pk")
    }
    marks, unknown = _marks_of(data, roster)
    key = f"attendance:{session.public_id}"
    link = _link(submission, key)
    stored = set(session.attendance.values_list("participation_id", flat=True))
    if link is not None and link.submission_id == submission.pk:
        # This version was mapped already (a replay): it saw its own marks; nothing to change.
        seen: dict[int, bool | None] = dict(marks)
    elif link is not None:
        # An edit: marks it did not change are not its changes; a later web mark stands.
        seen = dict(_marks_of(_seen(link), roster)[0])
    else:
        # A first version saw no register: its ticks are marks, its unticked boxes never undo a mark
        # already stored (another device's, the web's); unrecorded participants are noted absent.
        seen = {pk: None for pk in marks if pk in stored}
    if marks:
        services.attendance_save(actor=actor, session=session, marks=marks, seen=seen)
    record_link(submission=submission, key=key, obj=session)
    result.records[key] = session
    rejected = set(
        ReviewItem.objects.filter(
            submission=submission, reason=ReviewReason.UNKNOWN_PARTICIPANT, state=ReviewState.REJECTED
        ).values_list("part", flat=True)
    )
    for value in unknown:
        if value[:100] in rejected:
            continue
        result.review.append(
            review_open(
                submission=submission,
                reason=ReviewReason.UNKNOWN_PARTICIPANT,
                part=value,
                detail={"session": str(session.public_id), "participation": _uuid(value) or ""},
            )
        )


# -- anonymous headcount -------------------------------------------------------------------------------


def _headcount_values(data: InstanceData) -> dict[str, Any]:
    category = data.value("category") or HeadcountCategory.GENERAL.value
    cells: dict[tuple[str, int, str], Any] = {}
    for name, value in data.values().items():
        found = _CELL.match(name)
        if found and value and found.group(1) in _SEX_OF_CODE:
            cells[(_SEX_OF_CODE[found.group(1)], int(found.group(2)), category)] = value
    return {
        "date": _date(data.value("date"), "date"),
        "cells": cells,
        "place": data.value("place")[:200],
        "notes": data.value("notes")[:500],
    }


def _headcount_as_stored(headcount: Headcount) -> dict[str, Any]:
    return {
        "date": headcount.date,
        "cells": {
            (sex, age_from, category): count
            for sex, age_from, category, count in headcount.cells.values_list(
                "sex", "age_from", "category", "count"
            )
        },
        "notes": headcount.notes,
    }


def _headcount_comparable(values: dict[str, Any]) -> dict[str, Any]:
    cells = {}
    for cell, value in values["cells"].items():
        try:
            number = int(str(value).strip())
        except ValueError:
            number = -1
        if number:
            cells[cell] = number
    return {"date": values["date"], "cells": cells, "notes": values["notes"]}


@mapper_register("kujdes_headcount")
def headcount_map(submission: Submission) -> MappingResult:
    return _run(submission, _headcount)


def _headcount(submission: Submission, data: InstanceData, result: MappingResult) -> None:
    actor = submission.submitted_by
    activity = _activity(submission, data.value("activity"))
    values = _headcount_values(data)
    link = _link(submission, "headcount")
    if link is None:
        headcount = services.headcount_record(actor=actor, activity=activity, **values)
        record_link(submission=submission, key="headcount", obj=headcount)
        result.records["headcount"] = headcount
        return
    stored = Headcount.objects.filter(pk=link.object_pk).select_related("activity").first()
    accepted = _conflict_accepted(submission, "headcount")
    if stored is None or (accepted and stored.activity_id != activity.pk):
        if not accepted:
            raise _Review(ReviewReason.CONFLICT, "headcount", deleted=True)
        # Accepted by a reviewer: the phone's headcount is recorded anew.
        headcount = services.headcount_record(actor=actor, activity=activity, **values)
        record_link(submission=submission, key="headcount", obj=headcount)
        result.records["headcount"] = headcount
        return
    headcount = stored
    result.records["headcount"] = headcount
    if link.submission_id == submission.pk:
        return  # a replay of the version already written
    # Optimistic locking on content: the headcount must still be what the phone last sent (unless a
    # reviewer accepted the phone's version over the web's).
    try:
        seen: dict[str, Any] | None = _headcount_comparable(_headcount_values(_seen(link)))
    except ValidationError:
        seen = None
    if not accepted and seen != _headcount_comparable(_headcount_as_stored(headcount)):
        raise _Review(ReviewReason.CONFLICT, "headcount", headcount=str(headcount.public_id))
    if headcount.activity_id != activity.pk:
        raise _Review(ReviewReason.CONFLICT, "headcount", headcount=str(headcount.public_id))
    services.headcount_update(actor=actor, headcount=headcount, **values)
    record_link(submission=submission, key="headcount", obj=headcount)


# -- volunteer hours ---------------------------------------------------------------------------------


def _hours_values(submission: Submission, data: InstanceData) -> dict[str, Any]:
    try:
        hours = Decimal(data.value("hours"))
    except InvalidOperation:
        raise ValidationError({"hours": ["A number of hours is required."]}) from None
    activity_id = data.value("activity")
    return {
        "date": _date(data.value("date"), "date"),
        "hours": hours,
        "activity": _activity(submission, activity_id) if activity_id else None,
        "notes": data.value("notes")[:300],
    }


def _hours_comparable(values: dict[str, Any]) -> tuple[Any, ...]:
    activity = values["activity"]
    return (values["date"], Decimal(values["hours"]), getattr(activity, "pk", None), values["notes"])


@mapper_register("kujdes_volunteer_hours")
def volunteer_hours_map(submission: Submission) -> MappingResult:
    return _run(submission, _volunteer_hours)


def _volunteer_hours(submission: Submission, data: InstanceData, result: MappingResult) -> None:
    actor = submission.submitted_by
    volunteer_id = _uuid(data.value("volunteer"))
    try:
        if volunteer_id is None:
            raise Volunteer.DoesNotExist
        volunteer = volunteer_get(actor=actor, public_id=volunteer_id)
    except Volunteer.DoesNotExist:
        raise _Review(ReviewReason.NOT_ALLOWED, "volunteer", volunteer=volunteer_id or "") from None
    values = _hours_values(submission, data)
    link = _link(submission, "hours")
    if link is None:
        entry = services.hours_log(actor=actor, volunteer=volunteer, **values)
        record_link(submission=submission, key="hours", obj=entry)
        result.records["hours"] = entry
        return
    found = VolunteerHours.objects.filter(pk=link.object_pk).select_related("volunteer").first()
    accepted = _conflict_accepted(submission, "hours")
    if found is None or (accepted and found.volunteer_id != volunteer.pk):
        if not accepted:
            raise _Review(ReviewReason.CONFLICT, "hours", deleted=True)
        # Accepted by a reviewer: the phone's hours are logged anew.
        entry = services.hours_log(actor=actor, volunteer=volunteer, **values)
        record_link(submission=submission, key="hours", obj=entry)
        result.records["hours"] = entry
        return
    entry = found
    result.records["hours"] = entry
    if link.submission_id == submission.pk:
        return
    stored = (entry.date, Decimal(entry.hours), entry.activity_id, entry.notes)
    try:
        seen: tuple[Any, ...] | None = _hours_comparable(_hours_values(submission, _seen(link)))
    except (ValidationError, _Review):
        seen = None
    if not accepted and seen != stored:
        raise _Review(ReviewReason.CONFLICT, "hours", hours=str(entry.public_id))
    if entry.volunteer_id != volunteer.pk:
        raise _Review(ReviewReason.CONFLICT, "hours", hours=str(entry.public_id))
    services.hours_update(actor=actor, entry=entry, **values)
    record_link(submission=submission, key="hours", obj=entry)
