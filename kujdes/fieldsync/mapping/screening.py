"""The shipped screening forms → `screening_record` for the person the form is about.

A screening is an immutable record (kujdes.screening): the web corrects one by recording another, it
never edits it. So here:
- a resend or a replay finds the screening the instance made (`record_get`) and records nothing;
- an edit from the phone (deprecatedID) of an instance that made a screening goes to review
  CONFLICT (never a silent second screening); the reviewer's "accept" records the edited answers as
  a new screening (the earlier one stays in the history, as on the web), "reject" keeps the earlier;
- an edit of an instance that mapped nothing yet (it waited for review) maps as a first version.

Answers the web would refuse (an indicator the current version lacks, a children's list for an adult,
a date in the future) go to review INVALID with the fields and messages; a sender who may not record
screenings of the person (screening_record's PermissionDenied) goes to review NOT_ALLOWED.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError

from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.fieldsync.mapping import mapper_register
from kujdes.fieldsync.mapping.persons import part_rejected, person_resolve, review_decision
from kujdes.fieldsync.mapping.records import InstanceData, MappingResult, record_get, record_link, review_open
from kujdes.fieldsync.models import ReviewItem, ReviewReason, ReviewState, Submission
from kujdes.fieldsync.shipped.screening import dimension_prefix, indicator_code
from kujdes.screening.models import Instrument, InstrumentKind
from kujdes.screening.services import screening_record

SCREENING_KEY = "screening"
PART = "screening"


def open_items(submission: Submission) -> list[ReviewItem]:
    return list(ReviewItem.objects.filter(submission=submission, state=ReviewState.OPEN))


def _refusal(exc: ValidationError) -> dict:
    fields = sorted(exc.message_dict) if hasattr(exc, "message_dict") else []
    return {"fields": fields, "messages": [str(m) for m in exc.messages][:10]}


def _answers(data: InstanceData, instrument_code: str) -> list[str]:
    prefix = dimension_prefix(instrument_code)
    found: list[str] = []
    for name in data.values():
        if name.startswith(prefix):
            found += [indicator_code(choice) for choice in data.choices(name)]
    return list(dict.fromkeys(found))


def _screening_map(submission: Submission, *, kind: str) -> MappingResult:
    result = MappingResult()
    if part_rejected(submission=submission, part=PART):
        return result
    data = InstanceData.of(submission)
    earlier = record_get(submission=submission, key=SCREENING_KEY)
    if earlier is not None:
        result.records[SCREENING_KEY] = earlier
        if submission.replaces_id is None or earlier_made_by(submission, earlier):
            return result  # a resend or a replay: recorded already
        decided = review_decision(submission=submission, reason=ReviewReason.CONFLICT, part=PART)
        if decided is None:
            review_open(
                submission=submission,
                reason=ReviewReason.CONFLICT,
                part=PART,
                detail={"screening": str(getattr(earlier, "public_id", "")), "decision": ""},
            )
            result.review = open_items(submission)
            return result
    if (
        not units_for_actor(actor=submission.submitted_by, perm=Perm.CASE_MANAGE)
        .filter(organisation_id=submission.organisation_id)
        .exists()
    ):
        # Screenings are case work: a sender who records none (a field educator) registers nobody here.
        review_open(
            submission=submission, reason=ReviewReason.NOT_ALLOWED, part=PART, detail={"decision": ""}
        )
        result.review = open_items(submission)
        return result
    person = person_resolve(submission=submission, data=data)
    if person is None:
        result.review = open_items(submission)
        return result
    result.records["person"] = person
    code = data.value("instrument")
    instrument = Instrument.objects.filter(
        organisation_id=submission.organisation_id, kind=kind, code=code
    ).first()
    try:
        if instrument is None:
            raise ValidationError({"instrument": ["unknown instrument"]})
        performed_on = None
        if data.value("performed_on"):
            try:
                performed_on = datetime.date.fromisoformat(data.value("performed_on")[:10])
            except ValueError:
                raise ValidationError({"performed_on": ["invalid date"]}) from None
        age_group = data.value("age_group") or None
        screening = screening_record(
            actor=submission.submitted_by,
            person=person,
            instrument=instrument,
            answers=_answers(data, code),
            performed_on=performed_on,
            age_group=age_group,
            notes=data.value("notes"),
        )
    except ValidationError as exc:
        review_open(submission=submission, reason=ReviewReason.INVALID, part=PART, detail=_refusal(exc))
        result.review = open_items(submission)
        return result
    except PermissionDenied:
        review_open(
            submission=submission, reason=ReviewReason.NOT_ALLOWED, part=PART, detail={"decision": ""}
        )
        result.review = open_items(submission)
        return result
    record_link(submission=submission, key=SCREENING_KEY, obj=screening)
    result.records[SCREENING_KEY] = screening
    result.review = open_items(submission)
    return result


def earlier_made_by(submission: Submission, record: object) -> bool:
    """Whether this very submission (not an earlier version) wrote the record: a replay."""
    from kujdes.fieldsync.models import MappedRecord

    return MappedRecord.objects.filter(submission=submission, key=SCREENING_KEY).exists()


@mapper_register("kujdes_risk_screening")
def risk_screening_map(submission: Submission) -> MappingResult:
    return _screening_map(submission, kind=InstrumentKind.RISK)


@mapper_register("kujdes_ilo_screening")
def ilo_screening_map(submission: Submission) -> MappingResult:
    return _screening_map(submission, kind=InstrumentKind.ILO)
