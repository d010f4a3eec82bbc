"""Route expectations of the case file core (collected by kujdes/core/tests/test_route_matrix.py).

Alice's case in diocese A (`t.case`, with a trafficking event and a closure request of Alice's
waiting for approval): Alice and Bob (case workers of A) work on it; the programme manager of A
reads it and decides on requests; everyone else gets 404, as for a case that does not exist.
Roles without case files (educator, volunteer, administrator, protection officer, viewer,
coordinator) get nothing.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from kujdes.core.tests.routes import DENIED, MISSING, OK, REDIRECT, Route

WORKERS = ("alice", "bob")
READERS = ("alice", "bob", "manager")
CASE_PEOPLE = ("alice", "bob", "charlie", "dave", "manager")
API_ANON = {401}


def _case(t: Any) -> dict[str, Any]:
    return {"public_id": t.case.public_id}


def _api_case(t: Any) -> dict[str, Any]:
    return {"case_id": t.case.public_id}


def _post(
    statuses: set[int], *, data: dict[str, Any] | None = None, kwargs: Any = _case, **expect: set[int]
) -> Route:
    return Route(
        method="POST",
        kwargs=kwargs,
        data=data or {},
        expect={**{n: statuses for n in WORKERS}, **expect},
        others=MISSING,
    )


ROUTES: dict[str, Route] = {
    "case_list": Route(expect={n: OK for n in CASE_PEOPLE}, others=DENIED),
    # Without ?person= those who may open cases are sent to find the person first.
    "case_create": Route(expect={n: REDIRECT for n in ("alice", "bob", "charlie", "dave")}, others=DENIED),
    "case_detail": Route(kwargs=_case, expect={n: OK for n in READERS}, others=MISSING),
    "case_edit": Route(kwargs=_case, expect={n: OK for n in WORKERS}, others=MISSING),
    # Restricted: Alice (primary worker) and the manager; Bob is not assigned to the case.
    "case_perpetrator": Route(
        kwargs=_case, expect={"alice": OK, "manager": OK, "bob": {403}}, others=MISSING
    ),
    "case_nrm_advance": _post({400}),
    "trafficking_event_add": _post({400}),
    "trafficking_event_remove": _post(
        REDIRECT, kwargs=lambda t: {**_case(t), "event_id": t.case_event.public_id}
    ),
    "case_workers": Route(kwargs=_case, expect={n: OK for n in WORKERS}, others=MISSING),
    "case_close_request": _post({400}),
    "case_transfer_request": _post({400}),
    # The case is open: the manager is told so (redirect with a message); case workers may not reopen.
    "case_reopen": _post({403}, manager=REDIRECT),
    "approval_list": Route(expect={n: OK for n in CASE_PEOPLE}, others=DENIED),
    # Alice asked: she may not decide (told so), the manager decides; nobody else sees the request.
    "approval_decide": Route(
        method="POST",
        kwargs=lambda t: {"public_id": t.approval.public_id},
        data={"decision": "approve"},
        expect={"alice": REDIRECT, "manager": REDIRECT},
        others=MISSING,
    ),
    "approval_withdraw": Route(
        method="POST",
        kwargs=lambda t: {"public_id": t.approval.public_id},
        expect={"alice": REDIRECT, "manager": {403}},
        others=MISSING,
    ),
    "case_settings": Route(expect={"admin": OK, "other_admin": OK}, others=DENIED),
    # Roles that read no case file (coordinator, viewer, volunteer, admin, DPO, educator) get 403.
    "api:cases_list": Route(expect={n: OK for n in CASE_PEOPLE}, others={403}, anonymous=API_ANON),
    "api:cases_create": Route(method="POST", json=True, data={}, others={422}, anonymous=API_ANON),
    "api:cases_get": Route(
        kwargs=_api_case, expect={n: OK for n in READERS}, others=MISSING, anonymous=API_ANON
    ),
    "api:cases_patch": Route(
        method="PATCH",
        json=True,
        data={"version": 2, "summary": "Matrix"},
        kwargs=_api_case,
        expect={"alice": OK, "bob": OK, "manager": {403}},
        others=MISSING,
        anonymous=API_ANON,
    ),
    "api:cases_nrm": Route(
        method="POST",
        json=True,
        data={"to_stage": "potential_victim", "decided_on": "2000-01-01"},
        kwargs=_api_case,
        expect={"alice": {400}, "bob": {400}, "manager": {403}},
        others=MISSING,
        anonymous=API_ANON,
    ),
    "api:cases_closure": Route(
        method="POST",
        json=True,
        data={"reason": "goals_met"},
        kwargs=_api_case,
        expect={"alice": {400}, "bob": {400}, "manager": {403}},
        others=MISSING,
        anonymous=API_ANON,
    ),
    "api:approvals_list": Route(expect={n: OK for n in CASE_PEOPLE}, others={403}, anonymous=API_ANON),
    "api:approvals_decide": Route(
        method="POST",
        json=True,
        data={"approve": True},
        kwargs=lambda t: {"approval_id": t.approval.public_id},
        expect={"alice": {400}, "manager": OK},
        others=MISSING,
        anonymous=API_ANON,
    ),
}


def fixtures(t: Any) -> None:
    """Alice's case in diocese A with an event, perpetrator notes and her closure request."""
    from kujdes.cases.services import case_closure_request, case_create, case_update, trafficking_event_add
    from kujdes.people.services import person_create

    person = person_create(
        actor=t.alice, unit=t.diocese_a, given_name="Lule", family_name="Matrica", birth_year=2010
    )
    t.case = case_create(
        actor=t.alice,
        person=person,
        unit=t.diocese_a,
        case_type="victim_assistance",
        opened_on=timezone.localdate(),
    )
    t.case = case_update(
        actor=t.alice, case=t.case, expected_version=1, changes={"perpetrator_notes": "Matrix"}
    )
    t.case_event = trafficking_event_add(actor=t.alice, case=t.case, event_type="Recruitment", country="AL")
    t.approval = case_closure_request(actor=t.alice, case=t.case, status="Closed", reason="goals_met")
    t.case.refresh_from_db()
