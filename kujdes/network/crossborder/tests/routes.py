"""Route expectations of cross-border referrals (collected by kujdes/core/tests/test_route_matrix.py).

Alice's case (diocese A, "al") was referred to partner "fr" (`xb_outgoing`): its case workers and
manager see the referral. Dave's case ("fr") was referred to "al" (`xb_incoming`), assigned to
diocese A: al's administrator and protection officer see it in the queue (metadata only), the
manager of diocese A handles it; everyone else gets 404, and the queue is 403 to who has none.
"""

from __future__ import annotations

from typing import Any

from kujdes.core.tests.routes import MISSING, OK, REDIRECT, Route

SENDING_SIDE = ("alice", "bob", "manager")
QUEUE = ("admin", "other_admin", "manager", "dpo", "other_dpo")


def fixtures(t: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction
    from django.utils import timezone

    from kujdes.cases.services import case_create
    from kujdes.cases.work import case_document_store
    from kujdes.network.crossborder.models import IncomingReferral
    from kujdes.network.crossborder.services import incoming_assign, referral_abroad_request
    from kujdes.network.federation.services import installation_init, outbox_deliver_due
    from kujdes.network.tests.fixtures import network_fixtures
    from kujdes.people.consent import consent_record
    from kujdes.people.services import person_create

    network_fixtures(t)
    installation_init(name="Matrix", base_url="http://127.0.0.1:8000", operator=t.org, if_missing=True)

    def referred(worker: Any, unit: Any, partner: Any, service: str) -> Any:
        person = person_create(actor=worker, unit=unit, given_name="Matrica", family_name="Kufiri")
        case = case_create(actor=worker, person=person, unit=unit, opened_on=timezone.localdate())
        consent_record(
            actor=worker,
            person=person,
            purpose="partner_abroad",
            given_by="self",
            method="written",
            given_on=timezone.localdate(),
        )
        with transaction.atomic():
            document = case_document_store(
                actor=worker,
                case=case,
                title="Doc",
                upload=SimpleUploadedFile("d.pdf", b"%PDF-1.7\nx\n%%EOF\n"),
            )
            referral = referral_abroad_request(
                actor=worker,
                case=case,
                partner=partner,
                purpose="protection_assistance",
                services=[service],
                fields=["given_name"],
                documents=[document],
            )
        return case, referral

    t.xb_case, t.xb_outgoing = referred(t.alice, t.diocese_a, t.partner_fr, "shelter")
    _dave_case, dave_referral = referred(t.dave, t.other_unit, t.partner_al, "reintegration")
    for _round in range(5):
        if not outbox_deliver_due():
            break
    t.xb_incoming = IncomingReferral.objects.get(referral_id=dave_referral.referral_id)
    with transaction.atomic():
        incoming_assign(actor=t.admin, incoming=t.xb_incoming, unit=t.diocese_a)


def _case(t: Any) -> dict[str, Any]:
    return {"case_id": t.xb_case.public_id}


def _outgoing(t: Any) -> dict[str, Any]:
    return {"public_id": t.xb_outgoing.public_id}


def _incoming(t: Any) -> dict[str, Any]:
    return {"public_id": t.xb_incoming.public_id}


# Who sees the incoming referral at all; the rest get 404.
SEE_INCOMING = {"admin": OK, "dpo": OK, "manager": OK}

ROUTES: dict[str, Route] = {
    # The case workers of the case; the manager reads the case but does not work on it.
    "crossborder_refer": Route(kwargs=_case, expect={"alice": OK, "bob": OK}, others=MISSING),
    "crossborder_outgoing": Route(kwargs=_outgoing, expect={n: OK for n in SENDING_SIDE}, others=MISSING),
    # An empty reason is allowed: the referral is withdrawn (rolled back after each request).
    "crossborder_outgoing_withdraw": Route(
        method="POST",
        kwargs=_outgoing,
        expect={"alice": REDIRECT, "bob": REDIRECT, "manager": {403}},
        others=MISSING,
    ),
    "crossborder_incoming_list": Route(expect={n: OK for n in QUEUE}, others={403}),
    "crossborder_incoming": Route(kwargs=_incoming, expect=SEE_INCOMING, others=MISSING),
    # No unit chosen: the form answers 400 with its message; managers and officers do not assign.
    "crossborder_incoming_assign": Route(
        method="POST",
        kwargs=_incoming,
        expect={"admin": {400}, "dpo": {403}, "manager": {403}},
        others=MISSING,
    ),
    "crossborder_incoming_accept": Route(
        kwargs=_incoming, expect={"manager": OK, "admin": {403}, "dpo": {403}}, others=MISSING
    ),
    "crossborder_incoming_decline": Route(
        method="POST",
        kwargs=_incoming,
        expect={"manager": {400}, "admin": {403}, "dpo": {403}},
        others=MISSING,
    ),
    # Not accepted yet: nobody may record a step; the manager's empty form is refused (400).
    "crossborder_incoming_step": Route(
        method="POST",
        kwargs=_incoming,
        expect={"manager": {400}, "admin": {403}, "dpo": {403}},
        others=MISSING,
    ),
    # Not withdrawn: nothing to resolve (400 for those who could, 403 for the administrator).
    "crossborder_incoming_resolve": Route(
        method="POST",
        kwargs=_incoming,
        expect={"manager": {400}, "dpo": {400}, "admin": {403}},
        others=MISSING,
    ),
    "crossborder_incoming_document": Route(
        kwargs=lambda t: {**_incoming(t), "index": 0}, expect={"manager": OK}, others=MISSING
    ),
}
