"""Route expectations of case work (plans, tasks, services, follow-ups, notes, documents, my work)
(collected by kujdes/core/tests/test_route_matrix.py).

Alice's case in diocese A (`work_case`) has a plan, a task, a note and a document. Alice and Bob
(case workers of A) work on it; the programme manager of A reads it but does not write (403);
everyone else — Charlie (diocese B), Dave (another organisation), the educator, the volunteer,
the administrator, the protection officer — gets 404, as for a case that does not exist.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from kujdes.core.tests.routes import DENIED, MISSING, OK, REDIRECT, Route

WORKERS = ("alice", "bob")
READERS = ("alice", "bob", "manager")
CASE_PEOPLE = ("alice", "bob", "charlie", "dave", "manager")
API_ANON = {401}


def _case(t: Any) -> dict[str, Any]:
    return {"public_id": t.work_case.public_id}


def _api_case(t: Any) -> dict[str, Any]:
    return {"case_id": t.work_case.public_id}


def _section(kwargs: Any = _case) -> Route:
    """A section's page: the case's workers see it, the manager may not add (403), others 404."""
    return Route(kwargs=kwargs, expect={**{n: OK for n in WORKERS}, "manager": {403}}, others=MISSING)


def _api_read(kwargs: Any = _api_case) -> Route:
    return Route(kwargs=kwargs, expect={n: OK for n in READERS}, others=MISSING, anonymous=API_ANON)


def _api_write(
    data: dict[str, Any], *, method: str = "POST", created: int = 201, kwargs: Any = _api_case
) -> Route:
    return Route(
        method=method,
        json=True,
        data=data,
        kwargs=kwargs,
        expect={**{n: {created} for n in WORKERS}, "manager": {403}},
        others=MISSING,
        anonymous=API_ANON,
    )


ROUTES: dict[str, Route] = {
    "my_work": Route(expect={n: OK for n in CASE_PEOPLE}, others=DENIED),
    "support_plan_create": _section(),
    "support_plan_edit": _section(kwargs=lambda t: {**_case(t), "plan_id": t.work_plan.public_id}),
    "case_task_create": _section(),
    "case_task_complete": Route(
        method="POST",
        kwargs=lambda t: {**_case(t), "task_id": t.work_task.public_id},
        expect={**{n: REDIRECT for n in WORKERS}, "manager": {403}},
        others=MISSING,
    ),
    "service_delivery_create": _section(),
    "follow_up_create": _section(),
    "case_note_create": _section(),
    "case_document_upload": _section(),
    "case_document_download": Route(
        kwargs=lambda t: {**_case(t), "document_id": t.work_document.public_id},
        expect={n: OK for n in READERS},
        others=MISSING,
    ),
    "api:case_plans_list": _api_read(),
    "api:case_plans_create": _api_write({"support_type": "Health", "objectives": "Kontroll mjekësor"}),
    "api:plans_patch": _api_write(
        {"version": 1, "status": "in_progress"},
        method="PATCH",
        created=200,
        kwargs=lambda t: {"plan_id": t.work_plan.public_id},
    ),
    "api:case_services_list": _api_read(),
    "api:case_services_create": _api_write({"service_type": "Psychosocial", "notes": "Seancë"}),
    "api:case_follow_ups_list": _api_read(),
    "api:case_follow_ups_create": _api_write({"method": "phone"}),
    "api:case_notes_list": _api_read(),
    "api:case_notes_create": _api_write({"body": "Shënim i ri"}),
    "api:case_documents_list": _api_read(),
    "api:me_work": Route(expect={n: OK for n in CASE_PEOPLE}, others={403}, anonymous=API_ANON),
}


def fixtures(t: Any) -> None:
    """Objects the routes need, created on the test class `t` (inside a system scope)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kujdes.cases.services import case_create
    from kujdes.cases.work import (
        case_document_store,
        case_note_add,
        case_task_create,
        follow_up_record,
        support_plan_create,
    )
    from kujdes.people.services import person_create

    today = timezone.localdate()
    t.work_person = person_create(actor=t.alice, unit=t.diocese_a, given_name="Mira", family_name="Leka")
    t.work_case = case_create(
        actor=t.alice, person=t.work_person, unit=t.diocese_a, opened_on=today - datetime.timedelta(days=20)
    )
    t.work_plan = support_plan_create(
        actor=t.alice, case=t.work_case, support_type="Psychosocial", objectives="Mbështetje psikologjike"
    )
    t.work_task = case_task_create(
        actor=t.alice, case=t.work_case, title="Merr certifikatën", due_on=today, assigned_to=t.alice
    )
    t.work_follow_up = follow_up_record(
        actor=t.alice,
        case=t.work_case,
        contacted_on=today - datetime.timedelta(days=10),
        method="visit",
        next_due_on=today - datetime.timedelta(days=1),
    )
    t.work_note = case_note_add(actor=t.alice, case=t.work_case, body="Takim i parë")
    t.work_document = case_document_store(
        actor=t.alice,
        case=t.work_case,
        title="Vërtetim",
        upload=SimpleUploadedFile("v.pdf", b"%PDF-1.7 work document"),
    )
