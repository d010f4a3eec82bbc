"""JSON API of the referrals room (mounted at /api/v1/ by kujdes/api.py).

Scoped like the pages: foreign referrals answer the same 404 as missing ones.
Sending without the person's referral consent answers 409 with code
"consent_missing" unless `override_reason` is given; an illegal status change
or a stale version answers 409; invalid input 422.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from kujdes.cases.models import Case
from kujdes.cases.selectors import case_get
from kujdes.core.audit import audit_record
from kujdes.core.locking import StaleVersion
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm
from kujdes.people.consent import ConsentMissing
from kujdes.people.selectors import persons_with_keys
from kujdes.referrals.models import Referral, ReferralReason
from kujdes.referrals.selectors import (
    providers_filter_service,
    providers_for_actor,
    providers_for_case,
    referral_get,
    referral_sides,
    referral_units_for_case,
    referrals_incoming_for_actor,
    referrals_outgoing_for_actor,
)
from kujdes.referrals.services import referral_respond, referral_send

router = Router(tags=["referrals"])


class ProviderOut(Schema):
    id: UUID
    name: str
    type: str
    country: str
    municipality: str
    phone: str
    email: str
    services: list[str]
    nrm_member: bool
    is_active: bool


class ReferralOut(Schema):
    id: UUID
    version: int
    direction: str
    status: str
    # The case only for the sender's side; the receiving unit sees the person's code, not the case.
    case: UUID | None
    person_code: str
    sex: str
    birth_year: int | None
    service_type: str
    reason: str
    urgent: bool
    referred_on: datetime.date
    responded_on: datetime.date | None
    completed_on: datetime.date | None
    from_unit: UUID
    to_unit: UUID | None
    to_provider: UUID | None
    from_provider: UUID | None
    details: str | None = None


class ReferralIn(Schema):
    case: UUID
    to_provider: UUID | None = None
    to_unit: UUID | None = None
    service_type: str
    reason: str = ReferralReason.ADDITIONAL_SERVICES
    details: str
    urgent: bool = False
    referred_on: datetime.date | None = None
    override_reason: str = ""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "case": "5b0c3a1e-8f2d-4c7a-9e61-2f4d8a7b9c10",
                    "to_provider": "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b",
                    "service_type": "Shelter",
                    "reason": "AdditionalServicesRequired",
                    "details": "Needs a safe shelter for three months.",
                    "urgent": True,
                    "referred_on": "2026-05-19",
                }
            ]
        }
    )


class RespondIn(Schema):
    decision: Literal["accept", "decline"]
    notes: str = ""
    contact_person: str = ""
    responded_on: datetime.date | None = None
    version: int | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"decision": "accept", "contact_person": "Social worker on duty", "version": 1}]
        }
    )


class Problem(Schema):
    detail: str
    code: str = ""
    errors: dict[str, list[str]] = {}


def _problem(exc: ValidationError) -> Problem:
    errors = (
        {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
        if hasattr(exc, "error_dict")
        else {}
    )
    return Problem(detail=" ".join(str(m) for m in exc.messages), code="invalid", errors=errors)


def _out(referral: Referral, *, sender: bool, details: bool = False) -> ReferralOut:
    person = referral.case.person
    return ReferralOut(
        id=referral.public_id,
        version=referral.version,
        direction=referral.direction,
        status=referral.status,
        case=referral.case.public_id if sender else None,
        person_code=person.code,
        sex=person.sex,
        birth_year=person.birth_year,
        service_type=referral.service_type,
        reason=referral.reason,
        urgent=referral.urgent,
        referred_on=referral.referred_on,
        responded_on=referral.responded_on,
        completed_on=referral.completed_on,
        from_unit=referral.from_unit.public_id,
        to_unit=referral.to_unit.public_id if referral.to_unit else None,
        to_provider=referral.to_provider.public_id if referral.to_provider else None,
        from_provider=referral.from_provider.public_id if referral.from_provider else None,
        details=referral.details if details else None,
    )


def _require_case_view(request: HttpRequest) -> None:
    if not actor_has_perm(actor=request.user, perm=Perm.CASE_VIEW):
        raise HttpError(403, _("Your role does not work with referrals."))


def _referral_or_404(request: HttpRequest, referral_id: UUID) -> Referral:
    try:
        referral = referral_get(actor=request.user, public_id=str(referral_id))
    except Referral.DoesNotExist:
        raise Http404 from None
    persons_with_keys([referral.case.person])
    return referral


@router.get("/providers", response=list[ProviderOut], summary="The service directory")
def providers_list(
    request: HttpRequest, service: str = "", municipality: str = "", type: str = "", nrm: bool | None = None
) -> list[ProviderOut]:
    if not (
        actor_has_perm(actor=request.user, perm=Perm.CASE_VIEW)
        or actor_has_perm(actor=request.user, perm=Perm.ORGANISATION_CONFIGURE)
    ):
        raise HttpError(403, _("Your role does not use the service directory."))
    providers = providers_for_actor(actor=request.user)
    if municipality:
        providers = providers.filter(municipality=municipality)
    if type:
        providers = providers.filter(provider_type=type)
    if nrm is not None:
        providers = providers.filter(nrm_member=nrm)
    return [
        ProviderOut(
            id=p.public_id,
            name=p.name,
            type=p.provider_type,
            country=p.country,
            municipality=p.municipality,
            phone=p.phone,
            email=p.email,
            services=p.services,
            nrm_member=p.nrm_member,
            is_active=p.is_active,
        )
        for p in providers_filter_service(list(providers), service)
    ]


@router.get("/referrals", response=list[ReferralOut], summary="Outgoing or incoming referrals")
def referrals_list(
    request: HttpRequest,
    box: Literal["outgoing", "incoming"] = "outgoing",
    status: str = "",
    limit: int = 50,
    offset: int = 0,
) -> list[ReferralOut]:
    _require_case_view(request)
    if box == "incoming":
        referrals = referrals_incoming_for_actor(actor=request.user)
    else:
        referrals = referrals_outgoing_for_actor(actor=request.user)
    if status:
        referrals = referrals.filter(status=status)
    limit, offset = min(max(limit, 1), 200), max(offset, 0)
    page = referrals.select_related(
        "case__person", "from_unit", "to_unit", "to_provider", "from_provider"
    ).order_by("-referred_on", "-created_at")[offset : offset + limit]
    # The sender's side of each row, in one query: the cases of the page the actor may see.
    from kujdes.cases.selectors import cases_for_actor

    rows = list(page)
    visible = set(
        cases_for_actor(actor=request.user)
        .filter(pk__in=[r.case_id for r in rows])
        .values_list("pk", flat=True)
    )
    return [_out(r, sender=r.case_id in visible) for r in rows]


@router.post(
    "/referrals",
    response={201: ReferralOut, 409: Problem, 422: Problem},
    summary="Refer a case to a provider or another unit (needs referral consent or an override reason)",
)
def referrals_create(request: HttpRequest, payload: ReferralIn) -> Any:
    _require_case_view(request)
    try:
        case = case_get(actor=request.user, public_id=str(payload.case))
    except Case.DoesNotExist:
        raise Http404 from None
    target: dict[str, Any] = {}
    if payload.to_provider is not None:
        provider = (
            providers_for_case(actor=request.user, case=case).filter(public_id=payload.to_provider).first()
        )
        if provider is None:
            return Status(
                422, Problem(detail=_("Choose an active provider of the directory."), code="invalid")
            )
        target["to_provider"] = provider
    if payload.to_unit is not None:
        unit = referral_units_for_case(case=case).filter(public_id=payload.to_unit).first()
        if unit is None:
            return Status(
                422, Problem(detail=_("Choose another active unit of the organisation."), code="invalid")
            )
        target["to_unit"] = unit
    try:
        referral = referral_send(
            actor=request.user,
            case=case,
            service_type=payload.service_type,
            reason=payload.reason,
            details=payload.details,
            urgent=payload.urgent,
            referred_on=payload.referred_on or timezone.localdate(),
            override_reason=payload.override_reason,
            **target,
        )
    except PermissionDenied:
        raise HttpError(403, _("Your role cannot refer this case.")) from None
    except ConsentMissing:
        return Status(
            409,
            Problem(
                detail=_(
                    "Consent missing: she has not given consent to be referred. Record her consent, "
                    "or send override_reason to refer her without it (recorded and audited)."
                ),
                code="consent_missing",
            ),
        )
    except ValidationError as exc:
        return Status(409 if getattr(exc, "code", None) == "closed" else 422, _problem(exc))
    referral = _referral_or_404(request, referral.public_id)
    return Status(201, _out(referral, sender=True, details=True))


@router.get("/referrals/{referral_id}", response=ReferralOut, summary="One referral (reading it is audited)")
def referrals_get(request: HttpRequest, referral_id: UUID) -> ReferralOut:
    referral = _referral_or_404(request, referral_id)
    sides = referral_sides(actor=request.user, referral=referral)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            organisation=referral.organisation_id,
            action="case.referral.viewed",
            obj=referral,
            unit=referral.case.unit,
            details={"case": str(referral.case.public_id), "as": "sender" if sides.sender else "receiver"},
        )
    return _out(referral, sender=sides.sender, details=True)


@router.post(
    "/referrals/{referral_id}/respond",
    response={200: ReferralOut, 409: Problem, 422: Problem},
    summary="Record the answer to a referral (accept or decline)",
)
def referrals_respond(request: HttpRequest, referral_id: UUID, payload: RespondIn) -> Any:
    referral = _referral_or_404(request, referral_id)
    try:
        referral_respond(
            actor=request.user,
            referral=referral,
            accept=payload.decision == "accept",
            notes=payload.notes,
            contact_person=payload.contact_person,
            responded_on=payload.responded_on,
            expected_version=payload.version,
        )
    except PermissionDenied:
        raise HttpError(403, _("Only the receiving unit answers this referral.")) from None
    except StaleVersion:
        return Status(409, Problem(detail=_("Someone else changed this referral meanwhile."), code="stale"))
    except ValidationError as exc:
        return Status(409 if getattr(exc, "code", None) == "transition" else 422, _problem(exc))
    referral = _referral_or_404(request, referral_id)
    sides = referral_sides(actor=request.user, referral=referral)
    return _out(referral, sender=sides.sender, details=True)
