"""JSON API of the screening room (mounted at /api/v1/ by kujdes/api.py).

- GET  /screening/instruments: the instruments the caller may use or configure, with the
  current version's definition (configuration, not case content).
- POST /persons/{person_id}/screenings: record a screening (case workers of the person's unit);
  `instrument` is the instrument's id or its code ("risk-prevention").
- GET  /screenings/{screening_id}: one screening with its notes (audited).
Foreign persons and screenings answer 404, exactly like missing ones.
"""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from kujdes.core.locking import StaleVersion
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm, organisations_for_actor
from kujdes.people.models import Person
from kujdes.screening.models import Instrument, Screening
from kujdes.screening.selectors import (
    instruments_for_screening,
    instruments_visible,
    instruments_with_current_version,
    person_for_screening,
    screening_get,
)
from kujdes.screening.services import instruments_install, screening_record, screening_view

router = Router(tags=["screening"])


class InstrumentOut(Schema):
    id: UUID
    code: str
    kind: str
    target: str
    name: dict[str, str]
    is_active: bool
    version: int | None
    definition: dict[str, Any] | None


class ScreeningIn(Schema):
    instrument: str = Field(..., max_length=64)
    answers: list[str] = Field(default_factory=list, max_length=500)
    performed_on: datetime.date | None = None
    age_group: str | None = Field(None, max_length=8)
    notes: str = Field("", max_length=20_000)
    # The version the answers were given against; 409 if the instrument changed since.
    version: int | None = None


class ScreeningOut(Schema):
    id: UUID
    person: UUID
    instrument: str
    instrument_id: UUID
    version: int
    performed_on: datetime.date
    age_group: str
    answers: list[str]
    positive_dimensions: list[str]
    outcome: str
    level: str
    next_step: str
    next_step_text: dict[str, str]
    result: dict[str, Any]
    notes: str


class Problem(Schema):
    detail: Any


def _out(screening: Screening, notes: str) -> ScreeningOut:
    definition = screening.version.definition
    # Sealed with the person's key: None once the person was erased.
    result = screening.result or {}
    step = result.get("next_step", "")
    return ScreeningOut(
        id=screening.public_id,
        person=screening.person.public_id,
        instrument=screening.version.instrument.code,
        instrument_id=screening.version.instrument.public_id,
        version=screening.version.number,
        performed_on=screening.performed_on,
        age_group=screening.age_group,
        answers=screening.answers or [],
        positive_dimensions=screening.positive_dimensions,
        outcome=screening.outcome,
        level=screening.level,
        next_step=step,
        next_step_text=definition.get("next_steps", {}).get(step, {}),
        result=result,
        notes=notes,
    )


INSTRUMENT_READERS = (Perm.PERSON_VIEW, Perm.PERSON_REGISTER_MINIMAL, Perm.ORGANISATION_CONFIGURE)


@router.get("/screening/instruments", response=list[InstrumentOut], summary="Screening instruments")
def screening_instruments_list(request: HttpRequest) -> list[InstrumentOut]:
    """Those who screen persons or configure the instruments; other roles (the network coordinator,
    viewers, volunteers, data protection officers) get 403."""
    if not any(actor_has_perm(actor=request.user, perm=perm) for perm in INSTRUMENT_READERS):
        raise HttpError(403, _("Your role does not use screening instruments."))
    for organisation in organisations_for_actor(actor=request.user, perm=Perm.ORGANISATION_CONFIGURE):
        instruments_install(organisation=organisation, actor=request.user)
    listed = instruments_with_current_version(instruments_visible(actor=request.user))
    return [
        InstrumentOut(
            id=i.public_id,
            code=i.code,
            kind=i.kind,
            target=i.target,
            name=i.name,
            is_active=i.is_active,
            version=i.current.number if i.current else None,  # type: ignore[attr-defined]
            definition=i.current.definition if i.current else None,  # type: ignore[attr-defined]
        )
        for i in listed
    ]


@router.post(
    "/persons/{person_id}/screenings",
    response={201: ScreeningOut, 400: Problem, 403: Problem, 409: Problem},
    summary="Record a screening of a person",
)
def person_screenings_create(request: HttpRequest, person_id: UUID, payload: ScreeningIn) -> Any:
    try:
        person = person_for_screening(actor=request.user, public_id=str(person_id))
    except Person.DoesNotExist:
        raise Http404 from None
    instruments_install(organisation=person.organisation, actor=request.user)
    candidates = instruments_for_screening(actor=request.user).filter(organisation_id=person.organisation_id)
    try:
        matching = candidates.filter(public_id=UUID(payload.instrument))
    except ValueError:
        matching = candidates.filter(code=payload.instrument)
    try:
        instrument = matching.get()
    except Instrument.DoesNotExist:
        return Status(400, Problem(detail=_("Unknown instrument.")))
    try:
        screening = screening_record(
            actor=request.user,
            person=person,
            instrument=instrument,
            answers=payload.answers,
            performed_on=payload.performed_on,
            age_group=payload.age_group,
            notes=payload.notes,
            expected_version=payload.version,
        )
    except PermissionDenied:
        raise HttpError(403, _("Your role cannot record screenings of this person.")) from None
    except ValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return Status(400, Problem(detail=detail))
    except StaleVersion as conflict:
        return Status(
            409,
            Problem(
                detail={
                    "message": _("The instrument changed; answer its current version."),
                    "version": conflict.current.number,  # type: ignore[attr-defined]
                }
            ),
        )
    screening = screening_get(actor=request.user, public_id=str(screening.public_id))
    return Status(201, _out(screening, screening.notes or ""))


@router.get(
    "/screenings/{screening_id}", response=ScreeningOut, summary="One screening, with its notes (audited)"
)
def screenings_get(request: HttpRequest, screening_id: UUID) -> ScreeningOut:
    try:
        screening = screening_get(actor=request.user, public_id=str(screening_id))
    except Screening.DoesNotExist:
        raise Http404 from None
    return _out(screening, screening_view(actor=request.user, screening=screening))
