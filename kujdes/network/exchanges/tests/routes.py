"""Route expectations of the network's exchanges (collected by kujdes/core/tests/test_route_matrix.py).

The fixture exchange is hosted by "al" and visited by "fr". Every staff member reads it;
volunteers and viewers get 403. The coordinator and al's focal points (admin, manager)
manage it; fr's focal point (other_admin) adds and edits fr's own participants and
documents and updates the action fr owns, and gets 403 on the rest.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from kujdes.core.tests.routes import DENIED, OK, REDIRECT, Route
from kujdes.network.exchanges import services
from kujdes.network.exchanges.models import ExchangeAgendaItem, ExchangeParticipant
from kujdes.network.tests.fixtures import network_fixtures

STAFF = (
    "alice",
    "bob",
    "charlie",
    "dave",
    "admin",
    "other_admin",
    "manager",
    "educator",
    "dpo",
    "coordinator",
)
NOT_STAFF = {"volunteer": {403}, "viewer": {403}}
MANAGERS = ("coordinator", "admin", "manager")  # of the exchange hosted by "al"


def fixtures(t: Any) -> None:
    network_fixtures(t)
    t.exchange = services.exchange_create(
        actor=t.coordinator,
        visitors=[t.partner_fr],
        kind="study_visit",
        title="Study visit to Org AL",
        host=t.partner_al,
        starts_on=datetime.date(2026, 3, 10),
        ends_on=datetime.date(2026, 3, 12),
        place="Tirana",
        status="held",
    )
    t.exchange_item = ExchangeAgendaItem.objects.create(
        exchange=t.exchange, day=datetime.date(2026, 3, 10), topic="Welcome"
    )
    t.exchange_participant_fr = ExchangeParticipant.objects.create(
        exchange=t.exchange, partner=t.partner_fr, name="Visiting Colleague", role="Social worker"
    )
    t.exchange_participant_al = ExchangeParticipant.objects.create(
        exchange=t.exchange, partner=t.partner_al, name="Host Colleague"
    )
    t.exchange_action = services.action_create(
        actor=t.coordinator,
        exchange=t.exchange,
        description="Share the intake checklist",
        owner_partner=t.partner_fr,
        due_on=datetime.date(2026, 4, 30),
    )
    t.exchange_document = services.document_store(
        actor=t.admin,
        exchange=t.exchange,
        partner=t.partner_al,
        title="Agenda",
        kind="agenda",
        upload=SimpleUploadedFile("agenda.pdf", b"%PDF-1.7 agenda"),
    )


def _exchange(t: Any) -> dict[str, Any]:
    return {"public_id": t.exchange.public_id}


def _with(name: str, key: str) -> Any:
    return lambda t: {"public_id": t.exchange.public_id, key: getattr(t, name).public_id}


def staff(**kw: Any) -> Route:
    return Route(expect={**{n: OK for n in STAFF}, **NOT_STAFF}, others=DENIED, **kw)


def managers(statuses: set[int], **kw: Any) -> Route:
    """A change only the exchange's managers make: every other staff member 403."""
    return Route(expect={n: statuses for n in MANAGERS}, others={403}, **kw)


def managers_and_fr(statuses: set[int], **kw: Any) -> Route:
    """A change the managers and the visiting partner's focal point (for fr's own things) make."""
    return Route(expect={n: statuses for n in (*MANAGERS, "other_admin")}, others={403}, **kw)


ROUTES: dict[str, Route] = {
    "network_exchange_list": staff(),
    "network_exchange_calendar": staff(),
    "network_exchange_action_list": staff(),
    "network_exchange_detail": staff(kwargs=_exchange),
    "network_exchange_create": Route(expect={n: OK for n in (*MANAGERS, "other_admin")}, others={403}),
    "network_exchange_edit": managers(OK, kwargs=_exchange),
    "network_exchange_agenda_add": managers(OK, kwargs=_exchange),
    "network_exchange_practices": managers(OK, kwargs=_exchange),
    "network_exchange_agenda_remove": managers(
        REDIRECT, method="POST", kwargs=_with("exchange_item", "item_id")
    ),
    "network_exchange_participant_add": managers_and_fr(OK, kwargs=_exchange),
    "network_exchange_participant_edit": managers_and_fr(
        OK, kwargs=_with("exchange_participant_fr", "participant_id")
    ),
    "network_exchange_participant_evaluate": managers_and_fr(
        OK, kwargs=_with("exchange_participant_fr", "participant_id")
    ),
    "network_exchange_participant_remove": managers_and_fr(
        REDIRECT, method="POST", kwargs=_with("exchange_participant_fr", "participant_id")
    ),
    "network_exchange_action_add": managers(OK, kwargs=_exchange),
    "network_exchange_action_edit": managers_and_fr(OK, kwargs=_with("exchange_action", "action_id")),
    "network_exchange_document_add": managers_and_fr(OK, kwargs=_exchange),
    "network_exchange_document_download": staff(kwargs=_with("exchange_document", "document_id")),
    "network_exchange_document_delete": managers(
        REDIRECT, method="POST", kwargs=_with("exchange_document", "document_id")
    ),
    "api:network_exchanges_list": Route(
        expect={**{n: OK for n in STAFF}, **NOT_STAFF}, others=DENIED, anonymous={401}
    ),
    "api:network_exchanges_get": Route(
        kwargs=lambda t: {"exchange_id": t.exchange.public_id},
        expect={**{n: OK for n in STAFF}, **NOT_STAFF},
        others=DENIED,
        anonymous={401},
    ),
}
