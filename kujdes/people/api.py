"""Persons in the JSON API: reading an identity is audited; saves name their version (409 if stale)."""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from kujdes.core.locking import StaleVersion
from kujdes.people.models import Person
from kujdes.people.selectors import person_get, persons_with_keys
from kujdes.people.services import person_identity_view, person_update

router = Router(tags=["persons"])


class IdentityDocument(Schema):
    type: str
    number: str


class PersonOut(Schema):
    id: UUID
    version: int
    unit: UUID
    given_name: str | None
    family_name: str | None
    other_names: list[str] | None
    date_of_birth: datetime.date | None
    id_documents: list[dict[str, Any]] | None
    phones: list[str] | None
    address: str | None
    sex: str
    birth_year: int | None
    municipality: str
    citizenships: list[str]


class PersonPatch(Schema):
    version: int
    given_name: str | None = None
    family_name: str | None = None
    other_names: list[str] | None = None
    date_of_birth: datetime.date | None = None
    id_documents: list[IdentityDocument] | None = None
    phones: list[str] | None = None
    address: str | None = None
    sex: str | None = None
    municipality: str | None = None


class Conflict(Schema):
    detail: str
    current: PersonOut


def _out(person: Person, identity: dict[str, Any]) -> PersonOut:
    return PersonOut(
        id=person.public_id,
        version=person.version,
        unit=person.unit.public_id,
        sex=person.sex,
        birth_year=person.birth_year,
        municipality=person.municipality,
        citizenships=person.citizenships,
        **identity,
    )


def _person_or_404(request: HttpRequest, person_id: UUID) -> Person:
    try:
        person = person_get(actor=request.user, public_id=str(person_id))
    except Person.DoesNotExist:
        raise Http404 from None
    return persons_with_keys([person])[0]


@router.get("/persons/{person_id}", response=PersonOut, summary="One person, with the identity (audited)")
def persons_get(request: HttpRequest, person_id: UUID) -> PersonOut:
    person = _person_or_404(request, person_id)
    return _out(person, person_identity_view(actor=request.user, person=person))


@router.patch(
    "/persons/{person_id}",
    response={200: PersonOut, 409: Conflict},
    summary="Change a person (optimistic locking)",
)
def persons_patch(request: HttpRequest, person_id: UUID, payload: PersonPatch) -> Any:
    person = _person_or_404(request, person_id)
    changes = payload.dict(exclude_unset=True, exclude={"version"})
    try:
        with transaction.atomic():
            updated = person_update(
                actor=request.user, person=person, expected_version=payload.version, changes=changes
            )
    except PermissionDenied:
        raise HttpError(403, _("Your role cannot change this person.")) from None
    except StaleVersion as conflict:
        current = persons_with_keys([conflict.current])[0]  # type: ignore[list-item]
        identity = person_identity_view(actor=request.user, person=current)  # type: ignore[arg-type]
        return Status(
            409,
            Conflict(
                detail=_("Someone saved this person after you opened it. Compare and save again."),
                current=_out(current, identity),  # type: ignore[arg-type]
            ),
        )
    return _out(updated, person_identity_view(actor=request.user, person=updated))
