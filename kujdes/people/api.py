"""Persons in the JSON API: reading an identity is audited; saves name their version (409 if stale)."""

from __future__ import annotations

import datetime
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from kujdes.core.audit import audit_record
from kujdes.core.locking import StaleVersion
from kujdes.core.reads import ReadRow, identity_rows_read
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm, units_for_actor
from kujdes.people.duplicates import DuplicateCheck, duplicate_candidates
from kujdes.people.models import Person
from kujdes.people.selectors import person_get, persons_registry_list, persons_with_keys
from kujdes.people.services import IDENTITY_FIELDS, person_create, person_identity_view, person_update

router = Router(tags=["persons"])


class IdentityDocument(Schema):
    type: str
    number: str


class PersonOut(Schema):
    id: UUID
    code: str
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
    categories: list[str]
    birth_date_estimated: bool


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
        code=person.code,
        version=person.version,
        unit=person.unit.public_id,
        sex=person.sex,
        birth_year=person.birth_year,
        municipality=person.municipality,
        citizenships=person.citizenships,
        categories=person.categories,
        birth_date_estimated=person.birth_date_estimated,
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


# -- the registry: list, register with the duplicate check, duplicates of a person ----------------


class PersonSummary(Schema):
    id: UUID
    code: str
    unit: UUID
    given_name: str | None = Field(None, description="Only with fields=identity")
    family_name: str | None = Field(None, description="Only with fields=identity")
    sex: str
    birth_year: int | None
    municipality: str
    categories: list[str]


class PersonPage(Schema):
    count: int
    page: int
    pages: int
    results: list[PersonSummary]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "count": 241,
                    "page": 1,
                    "pages": 10,
                    "results": [
                        {
                            "id": "0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f",
                            "code": "P-SHK-2026-00017",
                            "unit": "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                            "sex": "Feminine",
                            "birth_year": 2011,
                            "municipality": "Shkodër",
                            "categories": ["child_at_risk"],
                        }
                    ],
                }
            ]
        }
    )


class PersonFilters(Schema):
    q: str = Field("", max_length=100, description="Name (accents and 3-letter prefixes), code, phone, ID")
    category: str = Field("", max_length=32)
    unit: UUID | None = Field(None, description="A unit in reach: it and the units below it")
    page: int = Field(1, ge=1, le=100_000)
    fields: Literal["", "identity"] = Field(
        "",
        description="identity: with given and family names; each person's identity read is audited",
    )


class PersonIn(Schema):
    unit: UUID
    given_name: str = Field(..., min_length=1, max_length=100)
    family_name: str = Field("", max_length=100)
    other_names: list[str] = Field(default_factory=list, max_length=20)
    date_of_birth: datetime.date | None = None
    id_documents: list[IdentityDocument] = Field(default_factory=list, max_length=20)
    phones: list[str] = Field(default_factory=list, max_length=20)
    address: str = Field("", max_length=300)
    sex: str = "NonSpecifiedUnknown"
    birth_year: int | None = None
    birth_date_estimated: bool = False
    municipality: str = Field("", max_length=64)
    citizenships: list[str] = Field(default_factory=list, max_length=10)
    categories: list[str] = Field(default_factory=list, max_length=10)
    languages: list[str] = Field(default_factory=list, max_length=10)
    education: str = ""
    marital_status: str = ""
    children_count: int | None = None
    confirm_new: bool = Field(False, description="Register even though possible duplicates were found")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "unit": "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                    "given_name": "Elira",
                    "family_name": "Gjoni",
                    "date_of_birth": "2011-03-14",
                    "sex": "Feminine",
                    "municipality": "Shkodër",
                    "citizenships": ["AL"],
                    "phones": ["+355 67 000 0000"],
                    "categories": ["child_at_risk"],
                }
            ]
        }
    )


class CandidateOut(Schema):
    id: UUID | None = Field(None, description="Only for persons the caller may see")
    code: str
    score: float
    reasons: list[str]
    given_name: str | None = None
    family_name: str | None = None
    explanation: list[str] = Field(
        default_factory=list,
        description="The comparison field by field, in words (only for persons the caller may see)",
    )


class DuplicatesOut(Schema):
    detail: str
    candidates: list[CandidateOut]
    elsewhere: str | None = Field(None, description="A bare notice of a match in another unit")


class Problem(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "detail": "Check the fields marked.",
                    "errors": {"date_of_birth": ["This date is in the future."]},
                }
            ]
        }
    )


def _summary(person: Person, *, identity: bool) -> PersonSummary:
    return PersonSummary(
        id=person.public_id,
        code=person.code,
        unit=person.unit.public_id,
        given_name=person.given_name if identity else None,
        family_name=person.family_name if identity else None,
        sex=person.sex,
        birth_year=person.birth_year,
        municipality=person.municipality,
        categories=person.categories,
    )


def _duplicates_out(check: DuplicateCheck, *, exclude: Person | None = None) -> DuplicatesOut:
    candidates = [
        CandidateOut(
            id=c.person.public_id if c.identity_visible else None,
            code=c.person.code,
            score=c.score,
            reasons=c.reasons,
            given_name=c.person.given_name if c.identity_visible else None,
            family_name=c.person.family_name if c.identity_visible else None,
            explanation=c.explanation if c.identity_visible else [],
        )
        for c in check.candidates
        if exclude is None or c.person.pk != exclude.pk
    ]
    return DuplicatesOut(
        detail=_("Possible duplicates: register anyway with confirm_new, or use an existing person."),
        candidates=candidates,
        elsewhere=check.elsewhere_notice or None,
    )


def _candidates_read(
    request: HttpRequest,
    check: DuplicateCheck,
    *,
    enforce: bool,
    exclude: Person | None = None,
    obj: Person | None = None,
) -> None:
    shown = [
        c.person
        for c in check.candidates
        if c.identity_visible and (exclude is None or c.person.pk != exclude.pk)
    ]
    if not shown:
        return
    identity_rows_read(
        request=request,
        action="person.duplicates.viewed",
        rows=[ReadRow.of(p) for p in shown],
        obj=obj,
        details={"via": "api"},
        enforce=enforce,
    )


@router.get(
    "/persons",
    response=PersonPage,
    summary="Search and list persons (25 a page): codes without names unless fields=identity (audited)",
)
def persons_list(request: HttpRequest, filters: Query[PersonFilters]) -> PersonPage:
    """Every page is audited and charged to the caller's read budget (429 past it).

    Names only with `fields=identity`, which audits each person's identity as read (as `GET /persons/{id}`).
    """
    if not actor_has_perm(actor=request.user, perm=Perm.PERSON_VIEW):
        raise HttpError(403, _("Your role cannot see persons."))
    unit = None
    if filters.unit is not None:
        reach = units_for_actor(actor=request.user, perm=Perm.PERSON_VIEW)
        unit = reach.filter(public_id=filters.unit).first()
        if unit is None:
            raise Http404
    persons = persons_registry_list(actor=request.user, query=filters.q, category=filters.category, unit=unit)
    paginator = Paginator(persons, 25)
    page = paginator.get_page(filters.page)
    rows = persons_with_keys(list(page.object_list))
    identity = filters.fields == "identity"
    identity_rows_read(
        request=request,
        action="person.list.viewed",
        rows=[ReadRow.of(person) for person in rows],
        filters={"category": filters.category, "unit": str(filters.unit or "")},
        search=filters.q,
        page=page.number,
        details={"via": "api", **({"fields": "identity"} if identity else {})},
    )
    if identity:
        with transaction.atomic():
            for person in rows:
                audit_record(
                    actor=request.user,
                    organisation=person.organisation_id,
                    action="person.identity.viewed",
                    obj=person,
                    unit=person.unit,
                    details={"list": True},
                )
    return PersonPage(
        count=paginator.count,
        page=page.number,
        pages=paginator.num_pages,
        results=[_summary(p, identity=identity) for p in rows],
    )


@router.post(
    "/persons",
    response={201: PersonOut, 400: Problem, 409: DuplicatesOut},
    summary="Register a person (409 with possible duplicates unless confirm_new)",
)
def persons_create(request: HttpRequest, payload: PersonIn) -> Any:
    reach = units_for_actor(actor=request.user, perm=Perm.PERSON_REGISTER_MINIMAL)
    unit = reach.filter(public_id=payload.unit).first()
    if unit is None:
        raise Http404
    values = payload.dict(exclude={"unit", "confirm_new"})
    values["id_documents"] = [dict(d) for d in values["id_documents"]]
    if not payload.confirm_new:
        check = duplicate_candidates(
            actor=request.user,
            given_name=payload.given_name,
            family_name=payload.family_name,
            birth_year=payload.birth_year or (payload.date_of_birth.year if payload.date_of_birth else None),
            municipality=payload.municipality,
            phones=payload.phones,
            id_numbers=[d.number for d in payload.id_documents],
            organisation_id=unit.organisation_id,
            date_of_birth=payload.date_of_birth,
            birth_date_estimated=payload.birth_date_estimated,
            sex=payload.sex or "",
            citizenships=list(payload.citizenships or []),
            other_names=list(payload.other_names or []),
        )
        if check.found:
            # Registering: a refusal would not help anyone (the body is the client's), but the names are read.
            _candidates_read(request, check, enforce=False)
            return Status(409, _duplicates_out(check))
    try:
        with transaction.atomic():
            person = person_create(actor=request.user, unit=unit, **values)
    except ValidationError as exc:
        return Status(400, Problem(detail=_("Check the values."), errors=exc.message_dict))
    try:
        visible = person_get(actor=request.user, public_id=str(person.public_id))
    except Person.DoesNotExist:
        # A field educator registers without seeing persons: the code and id only.
        return Status(201, _out(person, dict.fromkeys(IDENTITY_FIELDS)))
    visible = persons_with_keys([visible])[0]
    return Status(201, _out(visible, person_identity_view(actor=request.user, person=visible)))


@router.get(
    "/persons/{person_id}/duplicates",
    response=DuplicatesOut,
    summary="Possible duplicates of a registered person among the persons the caller may see",
)
def persons_duplicates(request: HttpRequest, person_id: UUID) -> DuplicatesOut:
    """A search by the person's identity: audited and charged like a page of the list (429 past budget)."""
    person = _person_or_404(request, person_id)
    check = duplicate_candidates(
        actor=request.user,
        given_name=person.given_name or "",
        family_name=person.family_name or "",
        birth_year=person.birth_year,
        municipality=person.municipality,
        phones=person.phones or [],
        id_numbers=[str(d.get("number", "")) for d in person.id_documents or []],
        organisation_id=person.organisation_id,
        date_of_birth=person.date_of_birth,
        birth_date_estimated=person.birth_date_estimated,
        sex=person.sex,
        citizenships=person.citizenships or [],
        other_names=person.other_names or [],
    )
    _candidates_read(request, check, exclude=person, enforce=True, obj=person)
    return _duplicates_out(check, exclude=person)
