"""IOM's HTCDS XLSForm (`htcds_xlsform`: its settings sheet has no form_id, so pyxform names the form
after IOM's file name) → a person and a case, with the HTCDS spreadsheet import's own mapping.

The `prs_`, `vic_`, `cas_` and `con_` fields are read as one row of the HTCDS import
(`kujdes.cases.htcds.htcds_row_read`: the same picklists, aliases, municipality and referral rules),
and written as the import writes a row (`htcds_row_write`: case, referrals, status, consent). The
person goes through `person_resolve` (the intake duplicate check; "link" to a registered person or
"accept" a new one in review). What the import would refuse goes to review INVALID with the field
names only (the reviewer reads the messages on the item page, from the sealed instance).

A resend or a replay finds the case it made. An edit from the phone (deprecatedID) of a submission
whose case or person was saved on the web since the mapping goes to review CONFLICT (never
overwritten); otherwise the edit's picklist codes are written to the case (`case_update`, with its
version). Identity changes in an edit are not applied: they go to review CONFLICT too.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from kujdes.cases.htcds import CASE_PICKLISTS, htcds_row_read, htcds_row_write
from kujdes.cases.services import case_update
from kujdes.core.locking import StaleVersion
from kujdes.fieldsync.mapping import mapper_register
from kujdes.fieldsync.mapping.persons import (
    mapped_record_changed,
    part_rejected,
    person_resolve,
    review_decision,
)
from kujdes.fieldsync.mapping.records import InstanceData, MappingResult, record_get, record_link, review_open
from kujdes.fieldsync.models import MappedRecord, ReviewItem, ReviewReason, ReviewState, Submission

HTCDS_FORM_ID = "htcds_xlsform"
PREFIXES = ("prs_", "vic_", "cas_", "con_")
PART = "case"


def htcds_cells(data: InstanceData) -> dict[str, Any]:
    """The HTCDS fields of an instance by name (select_multiple answers are space-separated, which the
    import reads as well as ";")."""
    return {name: value for name, value in data.values().items() if name.startswith(PREFIXES)}


def _open_items(submission: Submission) -> list[ReviewItem]:
    return list(ReviewItem.objects.filter(submission=submission, state=ReviewState.OPEN))


def _columns(messages: list[str]) -> list[str]:
    """The HTCDS field names the import's messages start with (the messages may quote values)."""
    return sorted(
        {m.split(":", 1)[0] for m in messages if ":" in m and m.split(":", 1)[0].startswith(PREFIXES)}
    )


def _edit_apply(submission: Submission, case: Any, row: Any) -> list[ReviewItem] | None:
    """An edit from the phone: the case's picklist codes, unless the web changed it (then review)."""
    decided = review_decision(submission=submission, reason=ReviewReason.CONFLICT, part=PART)
    changed = mapped_record_changed(submission=submission, key="case") or mapped_record_changed(
        submission=submission, key="person"
    )
    if changed and decided is None:
        review_open(
            submission=submission,
            reason=ReviewReason.CONFLICT,
            part=PART,
            detail={"case": str(case.public_id), "changed_on_web": True, "decision": ""},
        )
        return _open_items(submission)
    attributes = {p.attribute for p in CASE_PICKLISTS.values()}
    changes = {k: v for k, v in row.case.items() if k in attributes and getattr(case, k) != v}
    if changes:
        try:
            with transaction.atomic():
                case_update(
                    actor=submission.submitted_by, case=case, expected_version=case.version, changes=changes
                )
        except (ValidationError, StaleVersion, PermissionDenied):
            review_open(
                submission=submission,
                reason=ReviewReason.CONFLICT,
                part=PART,
                detail={"case": str(case.public_id), "fields": sorted(changes), "decision": ""},
            )
            return _open_items(submission)
    record_link(submission=submission, key="case", obj=case)
    return None


@mapper_register(HTCDS_FORM_ID)
def htcds_map(submission: Submission) -> MappingResult:
    result = MappingResult()
    if part_rejected(submission=submission, part=PART):
        return result
    data = InstanceData.of(submission)
    row = htcds_row_read(unit=submission.unit, cells=htcds_cells(data))
    case = record_get(submission=submission, key="case")
    if case is not None:
        result.records["case"] = case
        replay = MappedRecord.objects.filter(submission=submission, key="case").exists()
        if submission.replaces_id is None or replay:
            return result
        if row.errors:
            review_open(
                submission=submission,
                reason=ReviewReason.INVALID,
                part=PART,
                detail={"fields": _columns(row.errors), "decision": ""},
            )
            result.review = _open_items(submission)
            return result
        result.review = _edit_apply(submission, case, row) or []
        return result
    if row.errors:
        review_open(
            submission=submission,
            reason=ReviewReason.INVALID,
            part=PART,
            detail={"fields": _columns(row.errors), "decision": ""},
        )
        result.review = _open_items(submission)
        return result
    person = person_resolve(submission=submission, data=data, identity=row.person)
    if person is None:
        result.review = _open_items(submission)
        return result
    result.records["person"] = person
    try:
        with transaction.atomic():
            case, _referrals = htcds_row_write(
                actor=submission.submitted_by, unit=submission.unit, row=row, person=person
            )
    except ValidationError as exc:
        review_open(
            submission=submission,
            reason=ReviewReason.INVALID,
            part=PART,
            detail={"fields": sorted(getattr(exc, "message_dict", {})), "decision": ""},
        )
        result.review = _open_items(submission)
        return result
    except PermissionDenied:
        review_open(
            submission=submission, reason=ReviewReason.NOT_ALLOWED, part=PART, detail={"decision": ""}
        )
        result.review = _open_items(submission)
        return result
    record_link(submission=submission, key="case", obj=case)
    result.records["case"] = case
    result.review = _open_items(submission)
    return result
