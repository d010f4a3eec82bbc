"""The good-practice library's API under /api/v1/network/: search, read, record an adoption."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from kujdes.core.models import Country
from kujdes.network.models import Language, Theme
from kujdes.network.practices import selectors as sel
from kujdes.network.practices import services
from kujdes.network.practices.models import TEXT_FIELDS, AdoptionKind, Practice, TargetGroup

router = Router(tags=["network"])


class FacetOut(Schema):
    code: str
    label: str
    count: int


class PracticeHitOut(Schema):
    id: uuid.UUID
    title: str
    summary: str
    language: str
    partner: str
    country: str
    themes: list[str]
    languages: list[str]


class PracticePageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[PracticeHitOut]
    facets: dict[str, list[FacetOut]]


class PracticeOut(Schema):
    id: uuid.UUID
    partner: str
    status: str
    version: int | None
    published: bool
    language: str
    shown_in_original: bool
    outdated_translation: bool
    available_languages: list[str]
    original_language: str
    themes: list[str]
    target_groups: list[str]
    country: str
    period_start: str | None
    period_end: str | None
    contact_name: str
    contact_email: str
    tags: list[str]
    texts: dict[str, str]


class AdoptionIn(Schema):
    kind: str
    since: datetime.date
    changes: str = ""
    result: str = ""
    evidence: str = ""


class AdoptionOut(Schema):
    id: uuid.UUID
    partner: str
    kind: str
    since: datetime.date


class Problem(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class SearchParams(Schema):
    q: str = ""
    theme: list[str] = []
    country: list[str] = []
    target_group: list[str] = []
    language: list[str] = []
    page: int = 1


def _check(values: list[str], allowed: list[str], name: str, errors: dict[str, list[str]]) -> None:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        errors[name] = [_("Unknown code: %(codes)s.") % {"codes": ", ".join(unknown[:5])}]


@router.get(
    "/practices",
    response={200: PracticePageOut, 422: Problem},
    url_name="network_practices_list",
    summary="Search the published good practices (any language, accents ignored), with facet counts",
)
def practices_list(request: HttpRequest, params: Query[SearchParams]) -> Any:
    errors: dict[str, list[str]] = {}
    _check(params.theme, list(Theme.values), "theme", errors)
    _check(params.country, list(Country.values), "country", errors)
    _check(params.target_group, list(TargetGroup.values), "target_group", errors)
    _check(params.language, list(Language.values), "language", errors)
    if len(params.q) > 200:
        errors["q"] = [_("The search is too long (200 characters at most).")]
    if errors:
        return Status(422, Problem(detail=_("Some filters are not valid."), errors=errors))
    try:
        result = sel.practice_search(
            actor=request.auth,  # type: ignore[arg-type]
            query=params.q,
            themes=params.theme,
            countries=params.country,
            target_groups=params.target_group,
            languages=params.language,
            page=max(1, min(params.page, 10_000)),
        )
    except PermissionDenied:
        raise HttpError(403, _("Your role cannot read the good practices.")) from None
    return PracticePageOut(
        count=result.total,
        page=result.page,
        pages=result.pages,
        items=[
            PracticeHitOut(
                id=uuid.UUID(h.public_id),
                title=h.title,
                summary=h.summary,
                language=h.language,
                partner=h.partner,
                country=h.country,
                themes=h.themes,
                languages=h.languages,
            )
            for h in result.hits
        ],
        facets={
            name: [FacetOut(code=c, label=label, count=n) for c, label, n in rows]
            for name, rows in result.facets.items()
        },
    )


def _practice_or_404(request: HttpRequest, practice_id: uuid.UUID) -> Practice:
    try:
        return sel.practice_get(actor=request.auth, public_id=practice_id)  # type: ignore[arg-type]
    except Practice.DoesNotExist:
        raise HttpError(404, _("Not found.")) from None


@router.get("/practices/{practice_id}", response=PracticeOut, url_name="network_practices_get")
def practices_get(request: HttpRequest, practice_id: uuid.UUID, lang: str = "") -> Any:
    """The latest published version in the caller's language (else the original); the working
    revision for those who may see it when nothing is published yet."""
    practice = _practice_or_404(request, practice_id)
    snapshot = None
    if sel.practice_can_read_published(actor=request.auth, practice=practice):  # type: ignore[arg-type]
        snapshot = sel.practice_snapshot(practice=practice)
    data = snapshot.data if snapshot else sel.practice_working_data(practice=practice)
    shown = sel.reader_text(data=data, language=lang if lang in Language.values else None)
    return PracticeOut(
        id=practice.public_id,
        partner=practice.partner.code,
        status=practice.status,
        version=snapshot.number if snapshot else None,
        published=snapshot is not None,
        language=shown.language,
        shown_in_original=shown.is_fallback,
        outdated_translation=shown.is_outdated,
        available_languages=shown.available,
        original_language=data["original_language"],
        themes=data["themes"],
        target_groups=data["target_groups"],
        country=data["country"],
        period_start=data["period_start"],
        period_end=data["period_end"],
        contact_name=data["contact_name"],
        contact_email=data["contact_email"],
        tags=data["tags"],
        texts={name: str(shown.text.get(name) or "") for name in TEXT_FIELDS},
    )


@router.post(
    "/practices/{practice_id}/adoptions",
    response={201: AdoptionOut, 422: Problem},
    url_name="network_practices_adoption_create",
    summary="A focal point records that their partner adopted or adapted a published practice",
)
def practices_adoption_create(request: HttpRequest, practice_id: uuid.UUID, payload: AdoptionIn) -> Any:
    practice = _practice_or_404(request, practice_id)
    actor = request.auth
    if not sel.practice_can_adopt(actor=actor, practice=practice):  # type: ignore[arg-type]
        raise HttpError(403, _("Only a focal point of another partner can record an adoption."))
    if payload.kind not in AdoptionKind.values:
        return Status(
            422, Problem(detail=_("Unknown kind."), errors={"kind": [_("Use adopted or adapted.")]})
        )
    partner = sel.actor_adopting_partners(actor=actor, practice=practice).order_by("name").first()  # type: ignore[arg-type]
    try:
        adoption = services.adoption_record(
            actor=actor,  # type: ignore[arg-type]
            practice=practice,
            partner=partner,  # type: ignore[arg-type]
            kind=payload.kind,
            since=payload.since,
            changes=payload.changes,
            result=payload.result,
            evidence=payload.evidence,
        )
    except ValidationError as exc:
        errors = {k: [str(m) for m in v] for k, v in getattr(exc, "message_dict", {}).items()}
        return Status(422, Problem(detail=" ".join(exc.messages), errors=errors))
    return Status(
        201,
        AdoptionOut(
            id=adoption.public_id, partner=adoption.partner.code, kind=adoption.kind, since=adoption.since
        ),
    )
