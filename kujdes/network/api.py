"""The network room's JSON API under /api/v1/network/: partners here, each sub-room's routes below."""

from __future__ import annotations

import datetime
import uuid

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from kujdes.network import selectors
from kujdes.network.exchanges.api import router as exchanges_router
from kujdes.network.figures.api import router as figures_router
from kujdes.network.milestones.api import router as milestones_router
from kujdes.network.models import Partner
from kujdes.network.practices.api import router as practices_router
from kujdes.network.reflection.api import router as reflection_router
from kujdes.network.releases.api import router as releases_router
from kujdes.network.stakeholders.api import router as stakeholders_router

router = Router(tags=["network"])


class FocalPointOut(Schema):
    id: uuid.UUID
    name: str
    role: str
    email: str
    phone: str
    languages: list[str]
    is_primary: bool


class PartnerOut(Schema):
    id: uuid.UUID
    code: str
    name: str
    names: dict[str, str]
    country: str
    languages: list[str]
    local: bool
    remote: bool
    themes: list[str]
    cross_border_services: list[str]
    status: str
    member_since: datetime.date | None
    member_until: datetime.date | None
    website: str
    focal_points: list[FocalPointOut]


def _partner_out(partner: Partner) -> PartnerOut:
    return PartnerOut(
        id=partner.public_id,
        code=partner.code,
        name=partner.name,
        names=partner.names,
        country=partner.country,
        languages=partner.languages,
        local=partner.is_local,
        remote=partner.is_remote,
        themes=partner.themes,
        cross_border_services=partner.cross_border_services,
        status=partner.status,
        member_since=partner.member_since,
        member_until=partner.member_until,
        website=partner.website,
        focal_points=[
            FocalPointOut(
                id=f.public_id,
                name=f.name,
                role=f.role,
                email=f.email,
                phone=f.phone,
                languages=f.languages,
                is_primary=f.is_primary,
            )
            for f in partner.focal_points.all()
        ],
    )


@router.get("/partners", response=list[PartnerOut], url_name="network_partners_list")
def partners_list(
    request: HttpRequest, country: str = "", theme: str = "", service: str = ""
) -> list[PartnerOut]:
    partners = selectors.partners_for_actor(
        actor=request.auth, country=country, theme=theme, service=service
    ).prefetch_related("focal_points")
    return [_partner_out(p) for p in partners]


@router.get("/partners/{partner_id}", response=PartnerOut, url_name="network_partners_get")
def partners_get(request: HttpRequest, partner_id: uuid.UUID) -> PartnerOut:
    try:
        partner = selectors.partner_get(actor=request.auth, public_id=str(partner_id))
    except Partner.DoesNotExist:
        raise HttpError(404, "Not found.") from None
    return _partner_out(partner)


for _sub in (
    practices_router,
    exchanges_router,
    reflection_router,
    milestones_router,
    releases_router,
    figures_router,
    stakeholders_router,
):
    router.add_router("", _sub)
