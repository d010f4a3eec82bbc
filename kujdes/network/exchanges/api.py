"""JSON API of exchanges under /api/v1/network/: `exchanges` (filtered) and one exchange with its parts."""

from __future__ import annotations

import datetime
import uuid

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from kujdes.network.exchanges import selectors
from kujdes.network.exchanges.models import Exchange, ExchangeKind, ExchangeStatus
from kujdes.network.models import Partner

router = Router(tags=["network"])


class AgendaItemOut(Schema):
    day: datetime.date
    starts_at: datetime.time | None
    topic: str
    speaker: str


class ParticipantOut(Schema):
    """A staff participant (a colleague of a partner, never a person of a case)."""

    id: uuid.UUID
    partner: str
    name: str
    role: str
    email: str
    learning_outcomes: str
    rating_overall: int | None
    rating_usefulness: int | None
    will_apply: str
    evaluation_comment: str
    evaluated: bool


class ActionOut(Schema):
    id: uuid.UUID
    description: str
    owner_partner: str
    owner_name: str
    due_on: datetime.date
    status: str
    done_on: datetime.date | None
    overdue: bool
    note: str


class DocumentOut(Schema):
    id: uuid.UUID
    title: str
    kind: str
    partner: str
    content_type: str
    size: int
    people_recognisable: bool


class ExchangeOut(Schema):
    id: uuid.UUID
    kind: str
    title: str
    host: str
    visitors: list[str]
    starts_on: datetime.date
    ends_on: datetime.date
    place: str
    online: bool
    status: str


class ExchangeDetailOut(ExchangeOut):
    online_link: str
    objectives: str
    agenda: str
    agenda_items: list[AgendaItemOut]
    practices: list[uuid.UUID]
    participants: list[ParticipantOut]
    actions: list[ActionOut]
    documents: list[DocumentOut]


class ExchangeFilters(Schema):
    year: int | None = None
    partner: str = ""
    kind: ExchangeKind | None = None
    status: ExchangeStatus | None = None


def _out(exchange: Exchange) -> dict[str, object]:
    return {
        "id": exchange.public_id,
        "kind": exchange.kind,
        "title": exchange.title,
        "host": exchange.host.code,
        "visitors": sorted(v.code for v in exchange.visitors.all()),
        "starts_on": exchange.starts_on,
        "ends_on": exchange.ends_on,
        "place": exchange.place,
        "online": exchange.is_online,
        "status": exchange.status,
    }


@router.get("/exchanges", response=list[ExchangeOut], url_name="network_exchanges_list")
def exchanges_list(request: HttpRequest, filters: Query[ExchangeFilters]) -> list[dict[str, object]]:
    """Exchanges and study visits (every staff member), filtered by year, partner code, kind and status."""
    if filters.year is not None and not 1900 <= filters.year <= 2999:
        raise HttpError(400, "The year must be between 1900 and 2999.")
    partner = None
    if filters.partner:
        partner = Partner.objects.filter(code=filters.partner).first()
        if partner is None:
            raise HttpError(400, "No partner with this code.")
    exchanges = selectors.exchanges_for_actor(
        actor=request.auth,
        year=filters.year,
        partner=partner,
        kind=filters.kind or "",
        status=filters.status or "",
    )
    return [_out(e) for e in exchanges]


@router.get("/exchanges/{exchange_id}", response=ExchangeDetailOut, url_name="network_exchanges_get")
def exchanges_get(request: HttpRequest, exchange_id: uuid.UUID) -> dict[str, object]:
    """One exchange with its staff participants, their outcomes and evaluations, actions and documents."""
    try:
        exchange = selectors.exchange_get(actor=request.auth, public_id=str(exchange_id))
    except Exchange.DoesNotExist:
        raise HttpError(404, "Not found.") from None
    today = timezone.localdate()
    return {
        **_out(exchange),
        "online_link": exchange.online_link,
        "objectives": exchange.objectives,
        "agenda": exchange.agenda,
        "agenda_items": [
            {"day": i.day, "starts_at": i.starts_at, "topic": i.topic, "speaker": i.speaker}
            for i in exchange.agenda_items.all()
        ],
        "practices": [p.public_id for p in selectors.exchange_practices(exchange=exchange)],
        "participants": [
            {
                "id": p.public_id,
                "partner": p.partner.code,
                "name": p.name,
                "role": p.role,
                "email": p.email,
                "learning_outcomes": p.learning_outcomes,
                "rating_overall": p.rating_overall,
                "rating_usefulness": p.rating_usefulness,
                "will_apply": p.will_apply,
                "evaluation_comment": p.evaluation_comment,
                "evaluated": p.has_evaluation,
            }
            for p in exchange.participants.all()
        ],
        "actions": [
            {
                "id": a.public_id,
                "description": a.description,
                "owner_partner": a.owner_partner.code,
                "owner_name": a.owner_name,
                "due_on": a.due_on,
                "status": a.status,
                "done_on": a.done_on,
                "overdue": a.is_overdue(today),
                "note": a.note,
            }
            for a in exchange.actions.all()
        ],
        "documents": [
            {
                "id": d.public_id,
                "title": d.title,
                "kind": d.kind,
                "partner": d.partner.code,
                "content_type": d.content_type,
                "size": d.size,
                "people_recognisable": d.people_recognisable,
            }
            for d in exchange.documents.all()
        ],
    }
