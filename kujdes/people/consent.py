"""Consent: recorded per purpose, checked by the actions that need it."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.models import Organisation
from kujdes.people.models import (
    Consent,
    ConsentGivenBy,
    ConsentOverride,
    ConsentPurpose,
    Person,
    PersonFileKind,
)
from kujdes.people.services import person_file_store

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
    document: UploadedFile | None = None,
) -> Consent:
    """Record a consent. Sharing needs a named partner; a guardian's consent names the guardian."""
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": _("Unknown purpose.")})
    if (purpose == ConsentPurpose.PARTNER_SHARING) != (partner is not None):
        raise ValidationError(
            {"partner": _("Name the partner organisation for sharing, and only for sharing.")}
        )
    if given_by == ConsentGivenBy.GUARDIAN and not guardian_name.strip():
        raise ValidationError({"guardian_name": _("Give the name of the parent or guardian.")})
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": _("The date cannot be in the future.")})
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
        method=method,
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
        },
    )
    return consent


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


def consent_active(*, person: Person, purpose: str, partner: Organisation | None = None) -> Consent | None:
    consents = Consent.objects.filter(person=person, purpose=purpose, withdrawn_on__isnull=True)
    if partner is not None:
        consents = consents.filter(partner=partner)
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
