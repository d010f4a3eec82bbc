"""The stakeholder directory's JSON API under /api/v1/network/ (url names `network_stakeholders_*`).

The same directory as the pages: every shared copy, and the caller's organisation's private
records (`"private": true`); another organisation's private record answers 404, as a missing one.
Volunteers and viewers get 403.
"""

from __future__ import annotations

import datetime
import uuid

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from kujdes.network.stakeholders import selectors
from kujdes.network.stakeholders.forms import DirectoryFilterForm
from kujdes.network.stakeholders.models import SharedStakeholder, StakeholderProfile

router = Router(tags=["network"])


class ContactOut(Schema):
    name: str
    role: str
    email: str
    phone: str


class AgreementOut(Schema):
    kind: str
    title: str
    signed_on: datetime.date | None
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    has_document: bool


class StakeholderOut(Schema):
    id: uuid.UUID
    name: str
    type: str
    level: str
    country: str
    city: str
    themes: list[str]
    website: str
    email: str
    phone: str
    contact: ContactOut | None
    partner: str | None  # the code of the partner that owns (or shared) it
    related_partners: list[str]
    private: bool
    shared: bool


class StakeholderDetailOut(StakeholderOut):
    description: str
    agreements: list[AgreementOut]
    shared_at: datetime.datetime | None
    shared_version: int | None


def _contact(name: str, role: str, email: str, phone: str) -> ContactOut | None:
    if not any((name, role, email, phone)):
        return None
    return ContactOut(name=name, role=role, email=email, phone=phone)


def _entry_out(entry: selectors.DirectoryEntry) -> StakeholderOut:
    return StakeholderOut(
        id=uuid.UUID(entry.public_id),
        name=entry.name,
        type=entry.stakeholder_type,
        level=entry.level,
        country=entry.country,
        city=entry.city,
        themes=entry.themes,
        website=entry.website,
        email=entry.email,
        phone=entry.phone,
        contact=_contact(entry.contact_name, entry.contact_role, entry.contact_email, entry.contact_phone),
        partner=entry.owner.code if entry.owner else None,
        related_partners=[p.code for p in entry.related_partners],
        private=entry.private,
        shared=entry.shared,
    )


@router.get("/stakeholders", response=list[StakeholderOut], url_name="network_stakeholders_list")
def stakeholders_list(
    request: HttpRequest,
    country: str = "",
    type: str = "",  # noqa: A002 - the query parameter's name
    level: str = "",
    theme: str = "",
    partner: str = "",
    q: str = "",
) -> list[StakeholderOut]:
    form = DirectoryFilterForm(
        {"country": country, "type": type, "level": level, "theme": theme, "partner": partner, "q": q}
    )
    if not form.is_valid():
        fields = ", ".join(sorted(form.errors))
        raise HttpError(422, _("Unknown value for: %(fields)s.") % {"fields": fields})
    filters = selectors.DirectoryFilters(
        country=country, stakeholder_type=type, level=level, theme=theme, partner=partner, query=q
    )
    return [_entry_out(e) for e in selectors.stakeholder_directory(actor=request.auth, filters=filters)]


@router.get(
    "/stakeholders/{stakeholder_id}", response=StakeholderDetailOut, url_name="network_stakeholders_get"
)
def stakeholders_get(request: HttpRequest, stakeholder_id: uuid.UUID) -> StakeholderDetailOut:
    try:
        record = selectors.stakeholder_entry_get(actor=request.auth, public_id=str(stakeholder_id))
    except StakeholderProfile.DoesNotExist:
        raise HttpError(404, "Not found.") from None
    if isinstance(record, SharedStakeholder):
        return StakeholderDetailOut(
            id=record.public_id,
            name=record.name,
            type=record.stakeholder_type,
            level=record.level,
            country=record.country,
            city=record.city,
            themes=record.themes,
            website=record.website,
            email=record.email,
            phone=record.phone,
            contact=_contact(
                record.contact_name, record.contact_role, record.contact_email, record.contact_phone
            ),
            partner=record.owner.code,
            related_partners=[p.code for p in record.related_partners.all()],
            private=False,
            shared=True,
            description=record.description,
            agreements=[
                AgreementOut(
                    kind=a.kind,
                    title=a.title,
                    signed_on=a.signed_on,
                    valid_from=a.valid_from,
                    valid_until=a.valid_until,
                    has_document=a.file_id is not None,
                )
                for a in record.agreements.all()
            ],
            shared_at=record.shared_at,
            shared_version=record.version,
        )
    provider = record.provider
    copy = selectors.shared_copy_of(profile=record)
    owner = selectors.owner_partner_of(profile=record)
    return StakeholderDetailOut(
        id=record.public_id,
        name=provider.name,
        type=record.stakeholder_type,
        level=record.level,
        country=provider.country,
        city=provider.municipality,
        themes=record.themes,
        website=record.website,
        email=provider.email,
        phone=provider.phone,
        contact=_contact(
            record.contact_name, record.contact_role, record.contact_email, record.contact_phone
        ),
        partner=owner.code if owner else None,
        related_partners=[p.code for p in record.partners.all()],
        private=True,
        shared=copy is not None,
        description=record.description,
        agreements=[
            AgreementOut(
                kind=a.kind,
                title=a.title,
                signed_on=a.signed_on,
                valid_from=a.valid_from,
                valid_until=a.valid_until,
                has_document=a.file_id is not None,
            )
            for a in selectors.agreements_of(profile=record)
        ],
        shared_at=copy.shared_at if copy else None,
        shared_version=copy.version if copy else None,
    )
