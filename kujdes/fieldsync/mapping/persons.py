"""Which person a submission is about: one chosen on the phone, or a new one through the duplicate check.

The field contract: `person_mode` is `existing` (then `person` is a Person public id from the
generated `persons.csv`) or `new` (then `given_name`, `family_name`, `sex`, `birth_year`,
`municipality`, `phone` describe the person). A person found or registered is linked to the
instance under the key "person" (`record_link`), and looked up there first (`record_get`): a resend,
an edit or a replay of the instance never registers the person twice.

What cannot be decided with certainty goes to the unit's review queue and `person_resolve` returns
None: a chosen person the sender may not record for (UNKNOWN_PERSON), possible duplicates of a new
person (POSSIBLE_DUPLICATE, with the candidates' public ids only), an identity the web intake would
refuse (INVALID). A reviewer's decision on such an item (kujdes.fieldsync.review) is read here when
the mapper runs again: "link" uses the person the reviewer chose, "accept" registers the new person
despite the candidates.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q

from kujdes.core.roles import Perm
from kujdes.core.selectors import unit_subtree, units_for_actor
from kujdes.fieldsync.mapping.records import InstanceData, record_get, record_link, review_open
from kujdes.fieldsync.models import ReviewItem, ReviewReason, ReviewState, Submission
from kujdes.people.duplicates import duplicate_candidates
from kujdes.people.models import Person, Sex
from kujdes.people.services import person_create
from kujdes.programme.models import Participation

if TYPE_CHECKING:
    from kujdes.accounts.models import User

PERSON_KEY = "person"
PART = "person"
# The identity fields a new person is sent with (the field contract); what a reviewer may correct.
IDENTITY_FIELDS = ("given_name", "family_name", "sex", "birth_year", "municipality", "phone")


def review_decision(*, submission: Submission, reason: str, part: str) -> ReviewItem | None:
    """The reviewer's decision on this part of the submission, if one says how to map it.

    Only "accept" and "link" decide the mapping; an "edit" corrected the values and lets the mapper
    check them again (the item opens again if the problem remains); "reject" never maps.
    """
    item = ReviewItem.objects.filter(submission=submission, reason=reason, part=part[:100]).first()
    if item is None or item.state not in (ReviewState.ACCEPTED, ReviewState.LINKED):
        return None
    if (item.detail or {}).get("decision") not in ("accept", "link"):
        return None
    return item


def part_rejected(*, submission: Submission, part: str) -> bool:
    """Whether a reviewer rejected this part of the submission: a later run maps nothing of it (and
    never opens the rejected item again)."""
    return ReviewItem.objects.filter(
        submission=submission, part=part[:100], state=ReviewState.REJECTED
    ).exists()


def _uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError):
        return None


def persons_recordable(*, actor: User, unit: Any) -> Any:
    """Persons the actor may record for at `unit` (and below): persons the actor sees registered
    there, and participants of the activities held there where the actor works on programmes (a field
    educator does not see the registry, but records for the participants of their activities)."""
    subtree = unit_subtree(unit=unit)
    seen_units = units_for_actor(actor=actor, perm=Perm.PERSON_VIEW).filter(pk__in=subtree.values("pk"))
    programme_units = units_for_actor(actor=actor, perm=Perm.PROGRAMME_VIEW).filter(
        pk__in=subtree.values("pk")
    )
    participants = Participation.objects.filter(activity__unit__in=programme_units.values("pk")).values(
        "person_id"
    )
    return Person.objects.filter(
        Q(unit__in=seen_units.values("pk")) | Q(pk__in=participants),
        organisation_id=unit.organisation_id,
        erased_at__isnull=True,
        merged_into__isnull=True,
    )


def _linked_person(submission: Submission) -> Person | None:
    found = record_get(submission=submission, key=PERSON_KEY)
    if not isinstance(found, Person) or found.erased_at is not None:
        return None
    # A person merged after the first mapping: the kept record carries on.
    person: Person = found
    hops = 0
    while person.merged_into is not None and hops < 5:
        person = person.merged_into
        hops += 1
    return person


def identity_values(data: InstanceData) -> dict[str, Any]:
    """The new person's identity as person_create takes it, from the contract's field names.

    ValidationError (per field) for what the web intake would refuse.
    """
    errors: dict[str, list[str]] = {}
    given_name = data.value("given_name")[:200]
    if not given_name:
        errors["given_name"] = ["required"]
    sex = data.value("sex") or Sex.UNKNOWN
    if sex not in Sex.values:
        errors["sex"] = ["invalid"]
    birth_year: int | None = None
    raw_year = data.value("birth_year")
    if raw_year:
        try:
            birth_year = int(float(raw_year))
        except ValueError:
            errors["birth_year"] = ["invalid"]
    phone = data.value("phone")
    if errors:
        raise ValidationError(errors)
    return {
        "given_name": given_name,
        "family_name": data.value("family_name")[:200],
        "sex": sex,
        "birth_year": birth_year,
        "municipality": data.value("municipality")[:100],
        "phones": [phone] if phone else [],
    }


def _error_fields(exc: ValidationError) -> dict[str, Any]:
    """Field names and messages of a refusal, for the reviewer (no submitted values)."""
    if hasattr(exc, "message_dict"):
        return {"fields": sorted(exc.message_dict), "messages": [str(m) for m in exc.messages][:10]}
    return {"fields": [], "messages": [str(m) for m in exc.messages][:10]}


def person_resolve(
    *, submission: Submission, data: InstanceData, identity: dict[str, Any] | None = None
) -> Person | None:
    """The person the submission is about, found, chosen or registered; None when review is needed.

    `identity`: a new person's values as person_create takes them, read by the caller from fields of
    its own (the HTCDS form's prs_ fields); the contract's fields are read otherwise.
    """
    linked = _linked_person(submission)
    if linked is not None:
        return linked
    if part_rejected(submission=submission, part=PART):
        return None
    actor = submission.submitted_by
    if identity is not None:
        mode = "new"
    else:
        mode = data.value("person_mode") or ("existing" if data.value("person") else "new")

    if mode == "existing":
        decided = review_decision(submission=submission, reason=ReviewReason.UNKNOWN_PERSON, part=PART)
        chosen_id = (decided.detail or {}).get("linked") if decided is not None else None
        public_id = _uuid(chosen_id or data.value("person"))
        person = None
        if public_id is not None:
            if chosen_id:
                # The reviewer chose among the persons they may see; the mapping carries it out.
                person = Person.objects.filter(
                    public_id=public_id,
                    organisation_id=submission.organisation_id,
                    erased_at__isnull=True,
                    merged_into__isnull=True,
                ).first()
            else:
                person = (
                    persons_recordable(actor=actor, unit=submission.unit).filter(public_id=public_id).first()
                )
        if person is None:
            review_open(
                submission=submission,
                reason=ReviewReason.UNKNOWN_PERSON,
                part=PART,
                detail={"person": public_id or "", "decision": ""},
            )
            return None
        record_link(submission=submission, key=PERSON_KEY, obj=person)
        return person

    decided = review_decision(submission=submission, reason=ReviewReason.POSSIBLE_DUPLICATE, part=PART)
    linked_id = _uuid(str(decided.detail.get("linked", ""))) if decided is not None else None
    if decided is not None and decided.detail.get("decision") == "link" and linked_id is not None:
        person = Person.objects.filter(
            public_id=linked_id,
            organisation_id=submission.organisation_id,
            erased_at__isnull=True,
            merged_into__isnull=True,
        ).first()
        if person is not None:
            record_link(submission=submission, key=PERSON_KEY, obj=person)
            return person
        decided = None
    try:
        values = dict(identity) if identity is not None else identity_values(data)
    except ValidationError as exc:
        review_open(
            submission=submission, reason=ReviewReason.INVALID, part=PART, detail={**_error_fields(exc)}
        )
        return None
    if decided is None:
        check = duplicate_candidates(
            actor=actor,
            given_name=values["given_name"],
            family_name=values.get("family_name", ""),
            birth_year=values.get("birth_year")
            or (values["date_of_birth"].year if values.get("date_of_birth") else None),
            municipality=values.get("municipality", ""),
            phones=values.get("phones", []),
            id_numbers=[str(d.get("number", "")) for d in values.get("id_documents", []) if d.get("number")],
            organisation_id=submission.organisation_id,
            date_of_birth=values.get("date_of_birth"),
            birth_date_estimated=bool(values.get("birth_date_estimated")),
            sex=values.get("sex", ""),
            citizenships=values.get("citizenships") or [],
        )
        if check.found:
            review_open(
                submission=submission,
                reason=ReviewReason.POSSIBLE_DUPLICATE,
                part=PART,
                detail={
                    "candidates": [str(c.person.public_id) for c in check.candidates],
                    "scores": [c.score for c in check.candidates],
                    "elsewhere": check.elsewhere,
                    "decision": "",
                },
            )
            return None
    try:
        person = person_create(actor=actor, unit=submission.unit, **values)
    except ValidationError as exc:
        review_open(
            submission=submission, reason=ReviewReason.INVALID, part=PART, detail={**_error_fields(exc)}
        )
        return None
    except PermissionDenied:
        review_open(
            submission=submission, reason=ReviewReason.NOT_ALLOWED, part=PART, detail={"decision": ""}
        )
        return None
    record_link(submission=submission, key=PERSON_KEY, obj=person)
    return person


def mapped_record_changed(*, submission: Submission, key: str) -> bool:
    """Whether the record this instance made under `key` was saved since the mapping wrote or found it
    (an edit on the web): an edit from the phone must then not overwrite it (review CONFLICT)."""
    from kujdes.fieldsync.mapping.records import _origin
    from kujdes.fieldsync.models import MappedRecord

    link = MappedRecord.objects.filter(origin=_origin(submission), key=key).first()
    record = record_get(submission=submission, key=key)
    if link is None or record is None:
        return False
    updated_at = getattr(record, "updated_at", None)
    return updated_at is not None and updated_at > link.updated_at
