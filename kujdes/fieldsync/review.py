"""The review queue: what a mapper could not map with certainty, decided by the unit's reviewers.

Reviewers are the staff who see both persons and case files of the submission's unit (case workers
and programme managers: `person.view` and `case.view`); field educators, volunteers and
administrators do not review. A decision is stored on the item (`detail["decision"]`) and the
form's mapper runs again, reading it (`mapping.persons.review_decision`):

- accept: map as sent (a new person despite possible duplicates; an edited screening as a new one);
- link: the submission is about a registered person the reviewer chose (a candidate, "same person");
- edit: the reviewer corrects values (the sealed instance is rewritten, the audit names the fields),
  and the mapper checks them again (the item opens again if the problem remains);
- reject: nothing is mapped from it; a note says why.

Each decision is audited (`fieldsync.review.decided`) and takes the item only while it is open
(optimistic locking: a second reviewer deciding the same item gets `ReviewAlreadyDecided`). When
no open item remains, the submission is mapped, or rejected when the last decision rejected it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from defusedxml import ElementTree as SafeElementTree
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.fieldsync.mapping import submission_map
from kujdes.fieldsync.mapping.persons import IDENTITY_FIELDS
from kujdes.fieldsync.models import ReviewItem, ReviewReason, ReviewState, Submission, SubmissionState
from kujdes.people.models import Person

if TYPE_CHECKING:
    from kujdes.accounts.models import User

DECISIONS = ("accept", "link", "edit", "reject")
NOTE_LIMIT = 500
# What a reviewer may correct, per reason: the identity of a new person (the shipped forms' names
# and the HTCDS form's), and for refused data also the fields the refusal names (detail["fields"]).
HTCDS_IDENTITY = (
    "prs_First_Name",
    "prs_Second_Name",
    "prs_Birthdate",
    "prs_Gender",
    "prs_MobilePhone",
    "prs_HomePhone",
    "prs_MailingCity",
)
EDITABLE: dict[str, tuple[str, ...]] = {
    ReviewReason.POSSIBLE_DUPLICATE: (*IDENTITY_FIELDS, *HTCDS_IDENTITY),
    ReviewReason.INVALID: (*IDENTITY_FIELDS, *HTCDS_IDENTITY, "performed_on", "age_group"),
}


def review_editable(item: ReviewItem) -> tuple[str, ...]:
    """The fields a reviewer may correct in this item's submission."""
    named = (
        [str(f) for f in (item.detail or {}).get("fields", [])] if item.reason == ReviewReason.INVALID else []
    )
    return tuple(dict.fromkeys([*EDITABLE.get(item.reason, ()), *named]))


class ReviewAlreadyDecided(Exception):
    """Someone else decided the item since it was read."""

    def __init__(self, item: ReviewItem) -> None:
        super().__init__("the review item was decided meanwhile")
        self.item = item


def review_units(*, actor: User) -> QuerySet[Any]:
    """Units whose review queue the actor works: where they see persons and case files."""
    case_units = units_for_actor(actor=actor, perm=Perm.CASE_VIEW).values("pk")
    return units_for_actor(actor=actor, perm=Perm.PERSON_VIEW).filter(pk__in=case_units)


def review_items_for_actor(*, actor: User) -> QuerySet[ReviewItem]:
    return ReviewItem.objects.filter(unit__in=review_units(actor=actor).values("pk")).select_related(
        "submission", "submission__form", "submission__submitted_by", "unit", "decided_by"
    )


def review_item_get(*, actor: User, public_id: str) -> ReviewItem:
    """One item of a queue the actor works; ReviewItem.DoesNotExist (→ 404) for any other."""
    return review_items_for_actor(actor=actor).get(public_id=public_id)


def review_candidates(*, actor: User, item: ReviewItem) -> list[Person]:
    """The candidate persons of an item that the actor may see (others are not shown)."""
    from kujdes.people.selectors import persons_for_actor, persons_with_keys

    ids = [str(c) for c in (item.detail or {}).get("candidates", [])]
    if (item.detail or {}).get("person"):
        ids.append(str(item.detail["person"]))
    if not ids:
        return []
    found = {str(p.public_id): p for p in persons_for_actor(actor=actor).filter(public_id__in=ids)}
    return persons_with_keys([found[i] for i in ids if i in found])


def _instance_edit(submission: Submission, values: dict[str, str]) -> None:
    """Write corrected values into the sealed instance (the first element of each local name)."""
    root = SafeElementTree.fromstring(submission.xml.encode())
    missing = dict(values)
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1]
        if name in missing and len(element) == 0:
            element.text = missing.pop(name)
    if missing:
        raise ValidationError(
            _("These fields are not in the submission: %(fields)s.") % {"fields": ", ".join(missing)}
        )
    from xml.etree import ElementTree as StdElementTree

    submission.xml = StdElementTree.tostring(root, encoding="unicode")
    submission.save(update_fields=["xml", "updated_at"])


@transaction.atomic
def review_decide(
    *,
    actor: User,
    item: ReviewItem,
    decision: str,
    note: str = "",
    linked: str = "",
    values: dict[str, str] | None = None,
) -> ReviewItem:
    """Decide an open item and map the submission again. The caller got `item` through
    review_item_get. ValidationError for a decision that does not fit the item; ReviewAlreadyDecided
    when it is no longer open."""
    if decision not in DECISIONS:
        raise ValidationError(_("Choose a decision."))
    if not review_units(actor=actor).filter(pk=item.unit_id).exists():
        raise ReviewItem.DoesNotExist
    current = ReviewItem.objects.select_for_update().select_related("submission").get(pk=item.pk)
    if current.state != ReviewState.OPEN:
        raise ReviewAlreadyDecided(current)
    submission = current.submission
    if submission.state == SubmissionState.SUPERSEDED:
        raise ValidationError(_("An edit from the phone replaced this submission: decide the newer one."))
    detail = dict(current.detail or {})
    audit_details: dict[str, Any] = {
        "submission": str(submission.public_id),
        "reason": current.reason,
        "part": current.part,
        "decision": decision,
    }
    state = ReviewState.ACCEPTED
    if decision == "link":
        allowed = [str(c) for c in detail.get("candidates", [])]
        if current.reason == ReviewReason.UNKNOWN_PERSON:
            allowed = [
                str(p.public_id) for p in _persons_linkable(actor=actor, item=current, public_id=linked)
            ]
        elif current.reason != ReviewReason.POSSIBLE_DUPLICATE:
            raise ValidationError(_("Only a person can be linked: accept, edit or reject this item."))
        if not linked or linked not in allowed:
            raise ValidationError(_("Choose one of the persons listed."))
        # The reviewer must see the person they link to.
        if not review_candidates(actor=actor, item=ReviewItem(detail={"candidates": [linked]})):
            raise ValidationError(_("Choose one of the persons listed."))
        detail["linked"] = linked
        audit_details["linked"] = linked
        state = ReviewState.LINKED
    elif decision == "edit":
        editable = review_editable(current)
        changes = {k: str(v).strip()[:200] for k, v in (values or {}).items() if k in editable}
        if not changes:
            raise ValidationError(_("Correct at least one value."))
        _instance_edit(submission, changes)
        detail["edited"] = sorted(changes)
        audit_details["fields"] = sorted(changes)
    elif decision == "reject":
        note = note.strip()
        if not note:
            raise ValidationError(_("Say why the submission is rejected."))
        detail["note"] = note[:NOTE_LIMIT]
        state = ReviewState.REJECTED
    elif decision == "accept" and current.reason in (ReviewReason.UNKNOWN_PERSON, ReviewReason.NOT_ALLOWED):
        raise ValidationError(_("This item cannot be accepted as sent: link a person, edit or reject it."))
    detail["decision"] = decision
    updated = ReviewItem.objects.filter(pk=current.pk, state=ReviewState.OPEN).update(
        state=state, detail=detail, decided_by=actor, decided_at=timezone.now()
    )
    if updated != 1:
        raise ReviewAlreadyDecided(current)
    current.refresh_from_db()
    audit_record(
        actor=actor,
        organisation=current.organisation_id,
        action="fieldsync.review.decided",
        obj=current,
        unit=current.unit,
        details=audit_details,
    )
    open_left = ReviewItem.objects.filter(submission=submission, state=ReviewState.OPEN).exists()
    if decision == "reject":
        if not open_left:
            submission.state = SubmissionState.REJECTED
            submission.save(update_fields=["state", "updated_at"])
    else:
        submission_map(submission=submission)
    current.refresh_from_db()
    return current


def _persons_linkable(*, actor: User, item: ReviewItem, public_id: str) -> list[Person]:
    """For an unknown person: any person the reviewer sees in the submission's organisation."""
    from kujdes.people.selectors import persons_for_actor

    if not public_id:
        return []
    try:
        return list(
            persons_for_actor(actor=actor).filter(public_id=public_id, organisation_id=item.organisation_id)
        )
    except ValidationError:
        return []


def review_submission_values(*, actor: User, item: ReviewItem) -> dict[str, str]:
    """The submission's values, decrypted for the reviewer; the read is audited."""
    from kujdes.fieldsync.mapping.records import InstanceData

    with transaction.atomic():
        audit_record(
            actor=actor,
            organisation=item.organisation_id,
            action="fieldsync.submission.viewed",
            obj=item.submission,
            unit=item.unit,
            details={"review": str(item.public_id)},
        )
    values = InstanceData.of(item.submission).values()
    return {k: v for k, v in values.items() if k not in ("instanceID", "deprecatedID")}
