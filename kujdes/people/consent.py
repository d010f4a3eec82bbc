"""Consent: recorded per purpose, checked by the actions that need it."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.content_languages import offered_languages
from kujdes.core.models import Organisation
from kujdes.people.models import (
    Consent,
    ConsentGivenBy,
    ConsentOverride,
    ConsentPurpose,
    Person,
    PersonFileKind,
    PersonRelation,
)
from kujdes.people.services import person_file_store, person_guardian_register, person_relation_add

if TYPE_CHECKING:
    from collections.abc import Callable

    from kujdes.accounts.models import User


# Functions (consent, actor) that later rooms register (in AppConfig.ready()) to act when a consent is
# withdrawn — a cross-border referral is withdrawn from the partner abroad, for one. They run inside
# the withdrawal's transaction, in order; people imports none of those rooms (DESIGN.md §3).
WITHDRAWAL_HOOKS: list[Callable[[Consent, User], None]] = []


def withdrawal_hook_register(hook: Callable[[Consent, User], None]) -> None:
    if hook not in WITHDRAWAL_HOOKS:  # ready() may run twice in tests
        WITHDRAWAL_HOOKS.append(hook)


class ConsentMissing(Exception):
    """The action needs a consent the person has not given (or has withdrawn)."""

    def __init__(self, purpose: str) -> None:
        super().__init__(purpose)
        self.purpose = purpose


@transaction.atomic
def consent_record(
    *,
    actor: User,
    person: Person,
    purpose: str,
    given_by: str,
    method: str,
    given_on: datetime.date,
    partner: Organisation | None = None,
    guardian_name: str = "",
    guardian: Person | None = None,
    activity: uuid.UUID | None = None,
    document: UploadedFile | None = None,
    language: str = "",
) -> Consent:
    """Record a consent, with the language its text was read in (`language`, an offered language, or
    blank when nobody asked: imports, the API and consents given on paper).

    Sharing needs a named partner; taking part names the activity; a guardian's
    consent names the guardian, and `guardian` must be a recorded guardian of the person (a relation
    marked guardian, recorded before or in the same transaction).

    That a child's consent is a guardian's is the forms' rule (registration, consent and camp pages,
    `person_is_minor`), not this one's: imports, the API and the demo record consents given on paper,
    and a 16- or 17-year-old's own consent may stand where the law lets it."""
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": _("Unknown purpose.")})
    if (purpose == ConsentPurpose.PARTNER_SHARING) != (partner is not None):
        raise ValidationError(
            {"partner": _("Name the partner organisation for sharing, and only for sharing.")}
        )
    if purpose == ConsentPurpose.ACTIVITY and activity is None:
        raise ValidationError({"purpose": _("Name the activity the person takes part in.")})
    if purpose not in (ConsentPurpose.ACTIVITY, ConsentPurpose.PHOTOS) and activity is not None:
        raise ValidationError({"purpose": _("Only taking part and photos are consented for one activity.")})
    if guardian is not None:
        if given_by != ConsentGivenBy.GUARDIAN:
            raise ValidationError({"given_by": _("A consent naming a guardian is given by the guardian.")})
        if not guardian_is_recorded(person=person, guardian=guardian):
            raise ValidationError({"guardian": _("Choose a recorded parent or guardian of the person.")})
    if given_by == ConsentGivenBy.GUARDIAN and guardian is None and not guardian_name.strip():
        raise ValidationError({"guardian_name": _("Give the name of the parent or guardian.")})
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": _("The date cannot be in the future.")})
    if language and language not in offered_languages():
        raise ValidationError({"language": _("Choose one of the offered languages.")})
    signed = None
    if document is not None:
        signed = person_file_store(actor=actor, person=person, upload=document, kind=PersonFileKind.CONSENT)
    consent = Consent.objects.create(
        document=signed,
        organisation_id=person.organisation_id,
        person=person,
        purpose=purpose,
        partner=partner,
        given_by=given_by,
        guardian_name=guardian_name or None,
        guardian=guardian,
        activity=activity,
        method=method,
        language=language,
        given_on=given_on,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        organisation=person.organisation_id,
        action="consent.recorded",
        obj=person,
        unit=person.unit,
        details={
            "purpose": purpose,
            "consent": str(consent.public_id),
            "given_by": given_by,
            "method": method,
            "language": language,
            "guardian": str(guardian.public_id) if guardian is not None else "",
            "activity": str(activity) if activity is not None else "",
        },
    )
    return consent


@transaction.atomic
def intake_consents_record(
    *,
    actor: User,
    person: Person,
    purposes: list[str],
    given_by: str,
    method: str,
    guardian: Person | None = None,
    guardian_name: str = "",
    guardian_kind: str = "parent",
    activity: uuid.UUID | None = None,
    given_on: datetime.date | None = None,
) -> list[Consent]:
    """The consents given when a person is registered or enrolled, in that same step.

    A guardian's consent names a recorded guardian: `guardian` (a registered person, recorded as the
    guardian now if they are not yet) or, by `guardian_name`, a guardian registered now
    (`person_guardian_register`). Returns the consents, one per purpose.
    """
    if not purposes:
        return []
    if given_by == ConsentGivenBy.GUARDIAN:
        if guardian is not None and not guardian_is_recorded(person=person, guardian=guardian):
            if PersonRelation.objects.filter(person=person, relative=guardian).exists():
                raise ValidationError(
                    {"guardian_code": _("This person is recorded as a relative, not as the guardian.")}
                )
            person_relation_add(
                actor=actor, person=person, relative=guardian, kind=guardian_kind, is_guardian=True
            )
        elif guardian is None:
            given, family = guardian_name_split(guardian_name)
            guardian = person_guardian_register(
                actor=actor, person=person, given_name=given, family_name=family, kind=guardian_kind
            )
    else:
        guardian = None
    return [
        consent_record(
            actor=actor,
            person=person,
            purpose=purpose,
            given_by=given_by,
            method=method,
            given_on=given_on or timezone.localdate(),
            guardian=guardian,
            activity=activity if purpose in (ConsentPurpose.ACTIVITY, ConsentPurpose.PHOTOS) else None,
        )
        for purpose in purposes
    ]


def guardian_name_split(name: str) -> tuple[str, str]:
    """ "Drane Gjoka" → ("Drane", "Gjoka"): one line of a form, the given name first."""
    given, _sep, family = name.strip().partition(" ")
    return given, family.strip()


def person_is_minor(*, person: Person) -> bool:
    """Under 18 by the recorded year of birth (unknown age: not known to be a child)."""
    return person.birth_year is not None and timezone.localdate().year - person.birth_year < 18


def guardian_is_recorded(*, person: Person, guardian: Person) -> bool:
    return PersonRelation.objects.filter(person=person, relative=guardian, is_guardian=True).exists()


def guardians_of(*, person: Person) -> list[Person]:
    """The person's recorded guardians, keys loaded (the caller has checked the person is visible)."""
    from kujdes.people.selectors import persons_with_keys

    relations = PersonRelation.objects.filter(
        person=person, is_guardian=True, relative__erased_at__isnull=True
    ).select_related("relative")
    return persons_with_keys([relation.relative for relation in relations.order_by("created_at")])


def consents_withdraw(*, actor: User, consents: list[Consent]) -> list[Consent]:
    """Withdraw several consents at once (a parent withdrawing a camp's consent for its purposes)."""
    with transaction.atomic():
        return [consent_withdraw(actor=actor, consent=consent) for consent in consents]


@transaction.atomic
def consent_withdraw(*, actor: User, consent: Consent, withdrawn_on: datetime.date | None = None) -> Consent:
    if consent.withdrawn_on is not None:
        raise ValidationError(_("This consent was withdrawn already."))
    consent.withdrawn_on = withdrawn_on or timezone.localdate()
    consent.withdrawn_by = actor
    consent.save(update_fields=["withdrawn_on", "withdrawn_by"])
    audit_record(
        actor=actor,
        organisation=consent.organisation_id,
        action="consent.withdrawn",
        obj=consent.person,
        details={"purpose": consent.purpose, "consent": str(consent.public_id)},
    )
    for hook in WITHDRAWAL_HOOKS:
        hook(consent, actor)
    return consent


def consent_active(
    *, person: Person, purpose: str, partner: Organisation | None = None, activity: uuid.UUID | None = None
) -> Consent | None:
    consents = Consent.objects.filter(person=person, purpose=purpose, withdrawn_on__isnull=True)
    if partner is not None:
        consents = consents.filter(partner=partner)
    if activity is not None:
        consents = consents.filter(activity=activity)
    return consents.order_by("-given_on").first()


def consent_require(
    *,
    actor: User,
    person: Person,
    purpose: str,
    partner: Organisation | None = None,
    override_reason: str = "",
) -> Consent | None:
    """Pass if the person consented to `purpose`; otherwise raise ConsentMissing.

    An override needs a reason (e.g. a child in immediate danger); it is let
    through and audited as `consent.overridden`. Call inside the action's transaction.
    """
    consent = consent_active(person=person, purpose=purpose, partner=partner)
    if consent is not None:
        return consent
    if not override_reason.strip():
        raise ConsentMissing(purpose)
    override = ConsentOverride.objects.create(
        organisation_id=person.organisation_id,
        person=person,
        purpose=purpose,
        partner=partner,
        reason=override_reason.strip(),
        actor=actor,
    )
    audit_record(
        actor=actor,
        organisation=person.organisation_id,
        action="consent.overridden",
        obj=person,
        unit=person.unit,
        details={
            "purpose": purpose,
            "partner": partner.code if partner else "",
            "override": str(override.public_id),
        },
    )
    return None
