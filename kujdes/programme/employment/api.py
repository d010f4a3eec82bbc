"""JSON API of the employment pathway (mounted at /api/v1/ by kujdes/api.py).

Scoped like the pages: an employer of another organisation, or a placement, follow-up or person the
caller may not see, answers the same 404 as a missing one; invalid input answers 422 with the
messages keyed by field. The position and other sealed values are read only by callers who see the
placement, and each read of a person's placements is audited like the pathway page.
"""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from kujdes.programme.employment import selectors as sel
from kujdes.programme.employment import services
from kujdes.programme.employment.models import Employer, Placement

router = Router(tags=["employment"])


class Problem(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class EmployerOut(Schema):
    id: UUID
    name: str
    sector: str
    municipality: str
    agreement: str
    safeguarding: str
    is_active: bool
    version: int


class EmployerPage(Schema):
    count: int
    items: list[EmployerOut]


class FollowUpOut(Schema):
    id: UUID
    months: int
    due_on: datetime.date
    recorded_on: datetime.date | None
    still_employed: bool | None
    has_warning_signs: bool
    screening_status: str


class PlacementOut(Schema):
    id: UUID
    person: UUID
    unit: UUID
    kind: str
    employer: UUID | None
    position: str
    starts_on: datetime.date
    ended_on: datetime.date | None
    contract: str
    wage_band: str
    hours_per_week: int | None
    subsidised: bool
    follow_ups: list[FollowUpOut]


class PlacementIn(Schema):
    person: UUID
    unit: UUID
    kind: str
    employer: UUID | None = None
    position: str = ""
    starts_on: datetime.date
    contract: str
    wage_band: str = "unknown"
    hours_per_week: int | None = None
    subsidised: bool = False


def _employer_out(employer: Employer) -> dict[str, Any]:
    return {
        "id": employer.public_id,
        "name": employer.name,
        "sector": employer.sector,
        "municipality": employer.municipality,
        "agreement": employer.agreement,
        "safeguarding": employer.safeguarding,
        "is_active": employer.is_active,
        "version": employer.version,
    }


def _placement_out(placement: Placement) -> dict[str, Any]:
    return {
        "id": placement.public_id,
        "person": placement.person.public_id,
        "unit": placement.unit.public_id,
        "kind": placement.kind,
        "employer": placement.employer.public_id if placement.employer else None,
        "position": placement.position or "",
        "starts_on": placement.starts_on,
        "ended_on": placement.ended_on,
        "contract": placement.contract,
        "wage_band": placement.wage_band,
        "hours_per_week": placement.hours_per_week,
        "subsidised": placement.subsidised,
        "follow_ups": [
            {
                "id": fu.public_id,
                "months": fu.months,
                "due_on": fu.due_on,
                "recorded_on": fu.recorded_on,
                "still_employed": fu.still_employed,
                "has_warning_signs": fu.has_warning_signs,
                "screening_status": fu.screening_status,
            }
            for fu in placement.follow_ups.order_by("months")
        ],
    }


def _require_staff(request: HttpRequest) -> None:
    if not sel.employment_visible(actor=request.user):
        raise HttpError(403, _("Your role cannot do this."))


@router.get(
    "/employment/employers", response=EmployerPage, summary="The employer directory (filters: q, sector)"
)
def employment_employers_list(
    request: HttpRequest, q: str = "", sector: str = "", limit: int = 50, offset: int = 0
) -> Any:
    _require_staff(request)
    rows = sel.employer_list(actor=request.user, query=q[:100], sector=sector[:1])
    limit, offset = max(1, min(limit, 200)), max(0, offset)
    return {"count": rows.count(), "items": [_employer_out(e) for e in rows[offset : offset + limit]]}


@router.get("/employment/employers/{employer_id}", response=EmployerOut, summary="One employer")
def employment_employers_get(request: HttpRequest, employer_id: UUID) -> Any:
    try:
        return _employer_out(sel.employer_get(actor=request.user, public_id=str(employer_id)))
    except Employer.DoesNotExist:
        raise HttpError(404, _("Not found.")) from None


@router.get(
    "/employment/people/{person_id}/placements",
    response=list[PlacementOut],
    summary="A person's placements with their follow-ups",
)
def employment_person_placements(request: HttpRequest, person_id: UUID) -> Any:
    try:
        person = sel.pathway_person_get(actor=request.user, public_id=str(person_id))
    except ObjectDoesNotExist:
        raise HttpError(404, _("Not found.")) from None
    services.pathway_view(actor=request.user, person=person)
    return [_placement_out(p) for p in sel.placements_of_person(actor=request.user, person=person)]


@router.post(
    "/employment/placements",
    response={201: PlacementOut, 404: Problem, 422: Problem},
    summary="Record a placement (its follow-ups at 1, 3, 6 and 12 months are created with it)",
)
def employment_placements_create(request: HttpRequest, payload: PlacementIn) -> Any:
    try:
        person = sel.pathway_person_get(actor=request.user, public_id=str(payload.person))
        unit = sel.units_for_recording(actor=request.user).get(public_id=payload.unit)
        employer = (
            sel.employer_get(actor=request.user, public_id=str(payload.employer))
            if payload.employer
            else None
        )
    except ObjectDoesNotExist:
        return Status(404, {"detail": _("Not found.")})
    try:
        placement = services.placement_create(
            actor=request.user,
            person=person,
            unit=unit,
            kind=payload.kind,
            employer=employer,
            position=payload.position,
            starts_on=payload.starts_on,
            contract=payload.contract,
            wage_band=payload.wage_band,
            hours_per_week=payload.hours_per_week,
            subsidised=payload.subsidised,
        )
    except PermissionDenied:
        return Status(404, {"detail": _("Not found.")})
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        return Status(422, {"detail": _("The placement was not recorded."), "errors": errors})
    placement = sel.placement_get(actor=request.user, public_id=str(placement.public_id))
    return Status(201, _placement_out(placement))
