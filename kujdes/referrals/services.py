"""Writes of the referrals room: the service directory and referrals along the national referral mechanism.

One transaction per service, the audit event inside it. A referral moves
sent → accepted | declined | cancelled, and accepted → completed; anything
else is refused with a clear message (ValidationError with code "transition").
"""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.cases.choices import SupportType
from kujdes.cases.models import Case
from kujdes.cases.selectors import case_can_manage
from kujdes.core.audit import audit_record
from kujdes.core.locking import StaleVersion, versioned_save
from kujdes.core.models import Organisation, Unit
from kujdes.core.roles import Perm
from kujdes.core.selectors import organisations_for_actor
from kujdes.people.consent import consent_require
from kujdes.people.models import ConsentOverride, ConsentPurpose
from kujdes.referrals.models import (
    ProviderType,
    Referral,
    ReferralDirection,
    ReferralReason,
    ReferralStatus,
    ServiceProvider,
)
from kujdes.referrals.selectors import referral_sides

if TYPE_CHECKING:
    from kujdes.accounts.models import User

DETAILS_MAX = 4000
NOTES_MAX = 2000

# --- The service directory -------------------------------------------------------------------------

PROVIDER_FIELDS = (
    "name",
    "provider_type",
    "country",
    "municipality",
    "address",
    "phone",
    "email",
    "services",
    "nrm_member",
    "notes",
    "is_active",
)
_TEXT_LIMITS = {"name": 200, "municipality": 120, "address": 300, "phone": 60, "email": 254, "notes": 2000}


def _provider_clean(*, organisation_id: int, data: dict[str, Any], exclude_pk: int | None = None) -> None:
    """Check (and normalise in place) a directory entry; ValidationError by field."""
    errors: dict[str, str] = {}
    for field, limit in _TEXT_LIMITS.items():
        if field in data:
            data[field] = (data[field] or "").strip()
            if len(data[field]) > limit:
                errors[field] = _("At most %(limit)d characters.") % {"limit": limit}
    if "name" in data and not data["name"]:
        errors["name"] = _("Give the name of the organisation or institution.")
    if "provider_type" in data and data["provider_type"] not in ProviderType.values:
        errors["provider_type"] = _("Choose a type from the list.")
    if "country" in data:
        data["country"] = (data["country"] or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", data["country"]):
            errors["country"] = _("Give the country as its two-letter code (AL, XK, IT, ...).")
    if "services" in data:
        services = list(dict.fromkeys(data["services"] or []))
        if any(code not in SupportType.values for code in services):
            errors["services"] = _("Choose services from the list.")
        data["services"] = services
    if data.get("email"):
        try:
            validate_email(data["email"])
        except ValidationError:
            errors["email"] = _("Enter a valid e-mail address.")
    if "name" in data and "name" not in errors:
        clash = ServiceProvider.objects.filter(
            organisation_id=organisation_id,
            name__iexact=data["name"],
            municipality__iexact=data.get("municipality", ""),
        )
        if exclude_pk is not None:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            errors["name"] = _("The directory already has an entry with this name in this municipality.")
    if errors:
        raise ValidationError(errors)


def _require_configure(*, actor: User | None, organisation_id: int) -> None:
    if actor is None:  # the system: demo data, imports
        return
    allowed = organisations_for_actor(actor=actor, perm=Perm.ORGANISATION_CONFIGURE)
    if not allowed.filter(pk=organisation_id).exists():
        raise PermissionDenied


@transaction.atomic
def provider_create(
    *,
    actor: User | None,
    organisation: Organisation,
    name: str,
    provider_type: str,
    country: str,
    municipality: str = "",
    address: str = "",
    phone: str = "",
    email: str = "",
    services: list[str] | None = None,
    nrm_member: bool = False,
    notes: str = "",
    is_active: bool = True,
) -> ServiceProvider:
    """Add an entry to the organisation's directory (organisation administrators; None: the system)."""
    _require_configure(actor=actor, organisation_id=organisation.pk)
    data: dict[str, Any] = {
        "name": name,
        "provider_type": provider_type,
        "country": country,
        "municipality": municipality,
        "address": address,
        "phone": phone,
        "email": email,
        "services": services or [],
        "nrm_member": nrm_member,
        "notes": notes,
        "is_active": is_active,
    }
    _provider_clean(organisation_id=organisation.pk, data=data)
    provider = ServiceProvider.objects.create(organisation=organisation, **data)
    audit_record(
        actor=actor,
        organisation=organisation,
        action="referrals.provider.created",
        obj=provider,
        details={"type": provider.provider_type, "country": provider.country, "nrm_member": nrm_member},
    )
    return provider


@transaction.atomic
def provider_update(
    *, actor: User, provider: ServiceProvider, expected_version: int | None, changes: dict[str, Any]
) -> ServiceProvider:
    """Change a directory entry if nobody saved it since `expected_version` (StaleVersion otherwise)."""
    unknown = set(changes) - set(PROVIDER_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    _require_configure(actor=actor, organisation_id=provider.organisation_id)
    data = dict(changes)
    if "name" in data and "municipality" not in data:
        data["municipality"] = provider.municipality
    _provider_clean(organisation_id=provider.organisation_id, data=data, exclude_pk=provider.pk)
    updated = versioned_save(instance=provider, expected_version=expected_version, changes=data)
    audit_record(
        actor=actor,
        organisation=updated.organisation_id,
        action="referrals.provider.updated",
        obj=updated,
        details={"fields": sorted(changes), "version": updated.version},
    )
    return updated


# --- Referrals -------------------------------------------------------------------------------------


def _date_check(value: datetime.date, field: str, errors: dict[str, str]) -> None:
    if value > timezone.localdate():
        errors[field] = _("The date cannot be in the future.")


def _text_check(value: str, field: str, limit: int, errors: dict[str, str]) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        errors[field] = _("At most %(limit)d characters.") % {"limit": limit}
    return value


@transaction.atomic
def referral_send(
    *,
    actor: User,
    case: Case,
    to_provider: ServiceProvider | None = None,
    to_unit: Unit | None = None,
    service_type: str,
    reason: str,
    details: str,
    urgent: bool,
    referred_on: datetime.date,
    override_reason: str = "",
) -> Referral:
    """Refer an open case to a provider of the directory or to another unit of the organisation.

    The actor must manage the case. Needs the person's referral consent; without it,
    raises ConsentMissing unless `override_reason` is given (then the override is
    recorded and audited by `consent_require`, and kept on the referral).
    """
    if not case_can_manage(actor=actor, case=case):
        raise PermissionDenied
    if not case.is_open:
        raise ValidationError(_("Only an open case can be referred."), code="closed")
    errors: dict[str, str] = {}
    if (to_provider is None) == (to_unit is None):
        errors["to_provider"] = _("Choose either a provider of the directory or a unit of the organisation.")
    if to_provider is not None and (
        to_provider.organisation_id != case.organisation_id or not to_provider.is_active
    ):
        errors["to_provider"] = _("Choose an active provider of the directory.")
    if to_unit is not None and (
        to_unit.organisation_id != case.organisation_id or not to_unit.is_active or to_unit.pk == case.unit_id
    ):
        errors["to_unit"] = _("Choose another active unit of the organisation.")
    if service_type not in SupportType.values:
        errors["service_type"] = _("Choose a service from the list.")
    if reason not in ReferralReason.values:
        errors["reason"] = _("Choose a reason from the list.")
    details = _text_check(details, "details", DETAILS_MAX, errors)
    if not details and "details" not in errors:
        errors["details"] = _("Write what the receiver needs to know.")
    _date_check(referred_on, "referred_on", errors)
    if errors:
        raise ValidationError(errors)

    person = case.person
    consent = consent_require(
        actor=actor, person=person, purpose=ConsentPurpose.REFERRAL, override_reason=override_reason
    )
    override = None
    if consent is None:
        # consent_require recorded the override in this transaction: keep it on the referral.
        override = (
            ConsentOverride.objects.filter(person=person, purpose=ConsentPurpose.REFERRAL, actor=actor)
            .order_by("-pk")
            .first()
        )
    referral = Referral(
        organisation_id=case.organisation_id,
        case=case,
        direction=ReferralDirection.OUTGOING,
        from_unit_id=case.unit_id,
        to_provider=to_provider,
        to_unit=to_unit,
        service_type=service_type,
        reason=reason,
        details=details,
        urgent=urgent,
        referred_on=referred_on,
        consent_override=override,
        created_by=actor,
    )
    referral.save()
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="case.referral.sent",
        obj=referral,
        unit=case.unit,
        details={
            "case": str(case.public_id),
            "to_provider": str(to_provider.public_id) if to_provider else "",
            "to_unit": str(to_unit.public_id) if to_unit else "",
            "service_type": service_type,
            "urgent": urgent,
            "consent": str(consent.public_id) if consent else "",
            "consent_override": str(override.public_id) if override else "",
        },
    )
    return referral


@transaction.atomic
def referral_incoming_record(
    *,
    actor: User,
    case: Case,
    from_provider: ServiceProvider,
    referred_on: datetime.date,
    reason: str,
    details: str,
    service_type: str = SupportType.OTHER,
) -> Referral:
    """Record that someone outside Kujdes referred her to us (HTCDS cas_ReferringOrganisation,
    cas_IncomingReferralDate, cas_ReasonForIncomingReferral). The actor must manage the case."""
    if not case_can_manage(actor=actor, case=case):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if from_provider.organisation_id != case.organisation_id:
        errors["from_provider"] = _("Choose a provider of the directory.")
    if reason not in ReferralReason.values:
        errors["reason"] = _("Choose a reason from the list.")
    if service_type not in SupportType.values:
        errors["service_type"] = _("Choose a service from the list.")
    details = _text_check(details, "details", DETAILS_MAX, errors)
    _date_check(referred_on, "referred_on", errors)
    if errors:
        raise ValidationError(errors)
    referral = Referral(
        organisation_id=case.organisation_id,
        case=case,
        direction=ReferralDirection.INCOMING,
        from_unit_id=case.unit_id,
        from_provider=from_provider,
        service_type=service_type,
        reason=reason,
        details=details,
        # She is with us: a referral received from outside is accepted by being recorded.
        status=ReferralStatus.ACCEPTED,
        referred_on=referred_on,
        responded_on=referred_on,
        created_by=actor,
    )
    referral.save()
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="case.referral.received",
        obj=referral,
        unit=case.unit,
        details={"case": str(case.public_id), "from_provider": str(from_provider.public_id)},
    )
    return referral


TRANSITIONS: dict[str, frozenset[str]] = {
    ReferralStatus.SENT: frozenset(
        {ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.CANCELLED}
    ),
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.COMPLETED}),
}


def referral_transition_allowed(*, referral: Referral, to_status: str) -> bool:
    return referral.direction == ReferralDirection.OUTGOING and to_status in TRANSITIONS.get(
        referral.status, frozenset()
    )


def _transition(
    *,
    actor: User,
    referral: Referral,
    to_status: str,
    expected_version: int | None,
    changes: dict[str, Any],
    action: str,
) -> Referral:
    current = Referral.objects.select_for_update().select_related("case__person").get(pk=referral.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current)
    if not referral_transition_allowed(referral=current, to_status=to_status):
        raise ValidationError(
            _("A referral that is “%(status)s” cannot become “%(new)s”.")
            % {"status": current.get_status_display(), "new": ReferralStatus(to_status).label},
            code="transition",
        )
    updated = versioned_save(
        instance=current, expected_version=None, changes={"status": to_status, **changes}
    )
    audit_record(
        actor=actor,
        organisation=updated.organisation_id,
        action=action,
        obj=updated,
        unit=current.case.unit,
        details={"case": str(current.case.public_id), "status": to_status, "version": updated.version},
    )
    return updated


@transaction.atomic
def referral_respond(
    *,
    actor: User,
    referral: Referral,
    accept: bool,
    notes: str = "",
    contact_person: str = "",
    responded_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> Referral:
    """Record the receiver's answer to a sent referral.

    A unit referral is answered by case workers or programme managers of the receiving
    unit; a provider's answer (by phone, by letter) is recorded by the sender's side.
    """
    sides = referral_sides(actor=actor, referral=referral)
    allowed = sides.receiver if referral.to_unit_id else sides.sender_manages
    if not allowed:
        raise PermissionDenied
    errors: dict[str, str] = {}
    responded_on = responded_on or timezone.localdate()
    _date_check(responded_on, "responded_on", errors)
    if responded_on < referral.referred_on:
        errors["responded_on"] = _("The answer cannot come before the referral was sent.")
    notes = _text_check(notes, "notes", NOTES_MAX, errors)
    contact_person = _text_check(contact_person, "contact_person", 200, errors)
    if errors:
        raise ValidationError(errors)
    to_status = ReferralStatus.ACCEPTED if accept else ReferralStatus.DECLINED
    return _transition(
        actor=actor,
        referral=referral,
        to_status=to_status,
        expected_version=expected_version,
        changes={"responded_on": responded_on, "response_notes": notes, "contact_person": contact_person},
        action=f"case.referral.{to_status}",
    )


@transaction.atomic
def referral_complete(
    *,
    actor: User,
    referral: Referral,
    completed_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> Referral:
    """Mark an accepted referral completed (service given): the sender's side or the receiving unit."""
    sides = referral_sides(actor=actor, referral=referral)
    if not (sides.sender_manages or sides.receiver):
        raise PermissionDenied
    completed_on = completed_on or timezone.localdate()
    errors: dict[str, str] = {}
    _date_check(completed_on, "completed_on", errors)
    if completed_on < referral.referred_on:
        errors["completed_on"] = _("The referral cannot be completed before it was sent.")
    if errors:
        raise ValidationError(errors)
    return _transition(
        actor=actor,
        referral=referral,
        to_status=ReferralStatus.COMPLETED,
        expected_version=expected_version,
        changes={"completed_on": completed_on},
        action="case.referral.completed",
    )


@transaction.atomic
def referral_cancel(*, actor: User, referral: Referral, expected_version: int | None = None) -> Referral:
    """Withdraw a referral that was sent and not answered yet (the sender's side)."""
    if not referral_sides(actor=actor, referral=referral).sender_manages:
        raise PermissionDenied
    return _transition(
        actor=actor,
        referral=referral,
        to_status=ReferralStatus.CANCELLED,
        expected_version=expected_version,
        changes={},
        action="case.referral.cancelled",
    )
