"""JSON API of case work: plans, services, follow-ups, notes, documents, and the caller's work.

Scoped like the pages: a case the caller may not see answers the same 404 as a missing one;
programme managers read, only those who manage the case write (403). Invalid input answers 422,
a stale plan version 409 with the current plan, a closed case 409. Reading notes is audited.
"""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from kujdes.cases.models import Case, CaseDocument, CaseNote, FollowUp, ServiceDelivery, SupportPlan
from kujdes.cases.selectors import case_get
from kujdes.cases.work import (
    NOTE_MAX,
    TEXT_MAX,
    case_note_add,
    case_notes_view,
    case_rows,
    documents_of_case,
    follow_up_record,
    follow_ups_of_case,
    my_work_for_actor,
    plans_of_case,
    service_delivery_record,
    service_providers_of_case,
    services_of_case,
    support_plan_create,
    support_plan_for_actor,
    support_plan_update,
)
from kujdes.core.locking import StaleVersion
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm
from kujdes.people.selectors import persons_with_keys

router = Router(tags=["case work"])

PAGE_MAX = 200


class Problem(Schema):
    detail: str
    code: str = ""
    errors: dict[str, list[str]] = {}


class PlanOut(Schema):
    id: UUID
    version: int
    support_type: str
    status: str
    objectives: str | None
    actions: str | None
    planned_start: datetime.date | None
    planned_end: datetime.date | None
    actual_end: datetime.date | None


class PlanIn(Schema):
    support_type: str
    objectives: str = Field(..., max_length=TEXT_MAX)
    actions: str = Field("", max_length=TEXT_MAX)
    status: str = "planned"
    planned_start: datetime.date | None = None
    planned_end: datetime.date | None = None
    actual_end: datetime.date | None = None


class PlanPatch(Schema):
    version: int
    support_type: str | None = None
    objectives: str | None = Field(None, max_length=TEXT_MAX)
    actions: str | None = Field(None, max_length=TEXT_MAX)
    status: str | None = None
    planned_start: datetime.date | None = None
    planned_end: datetime.date | None = None
    actual_end: datetime.date | None = None


class PlanConflict(Schema):
    detail: str
    code: str = "stale"
    current: PlanOut


class ServiceOut(Schema):
    id: UUID
    service_type: str
    provider: UUID | None
    delivered_on: datetime.date
    notes: str | None


class ServiceIn(Schema):
    service_type: str
    provider: UUID | None = None
    delivered_on: datetime.date | None = None
    notes: str = Field("", max_length=TEXT_MAX)


class FollowUpOut(Schema):
    id: UUID
    contacted_on: datetime.date
    method: str
    notes: str | None
    next_due_on: datetime.date | None
    is_latest: bool


class FollowUpIn(Schema):
    contacted_on: datetime.date | None = None
    method: str
    notes: str = Field("", max_length=TEXT_MAX)
    next_due_on: datetime.date | None = None


class NoteOut(Schema):
    id: UUID
    body: str | None
    author: UUID
    created_at: datetime.datetime


class NoteIn(Schema):
    body: str = Field(..., max_length=NOTE_MAX)


class DocumentOut(Schema):
    id: UUID
    title: str | None
    content_type: str
    size: int
    uploaded_by: UUID
    uploaded_at: datetime.datetime


class DueFollowUp(Schema):
    case: UUID
    case_code: str
    person_code: str
    next_due_on: datetime.date
    overdue: bool


class TaskOut(Schema):
    id: UUID
    case: UUID
    case_code: str
    person_code: str
    title: str | None
    due_on: datetime.date
    overdue: bool


class MyWorkOut(Schema):
    today: datetime.date
    overdue: list[DueFollowUp]
    due_soon: list[DueFollowUp]
    tasks: list[TaskOut]
    approvals_pending: int | None


# --- helpers ---------------------------------------------------------------------------------------


def _case_or_404(request: HttpRequest, case_id: UUID) -> Case:
    try:
        case = case_get(actor=request.user, public_id=str(case_id))
    except Case.DoesNotExist:
        raise Http404 from None
    persons_with_keys([case.person])
    return case


def _problem(exc: ValidationError) -> Problem:
    errors = (
        {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
        if hasattr(exc, "error_dict")
        else {}
    )
    return Problem(detail=" ".join(str(m) for m in exc.messages), code="invalid", errors=errors)


def _refused(exc: ValidationError) -> Any:
    if getattr(exc, "code", None) == "closed":
        return Status(409, Problem(detail=" ".join(exc.messages), code="closed"))
    return Status(422, _problem(exc))


def _forbidden() -> HttpError:
    return HttpError(403, _("Your role cannot change this case."))


def _page(limit: int, offset: int) -> tuple[int, int]:
    return min(max(limit, 1), PAGE_MAX), max(offset, 0)


def _plan_out(plan: SupportPlan) -> PlanOut:
    return PlanOut(
        id=plan.public_id,
        version=plan.version,
        support_type=plan.support_type,
        status=plan.status,
        objectives=plan.objectives,
        actions=plan.actions,
        planned_start=plan.planned_start,
        planned_end=plan.planned_end,
        actual_end=plan.actual_end,
    )


def _service_out(service: ServiceDelivery) -> ServiceOut:
    return ServiceOut(
        id=service.public_id,
        service_type=service.service_type,
        provider=service.provider.public_id if service.provider else None,
        delivered_on=service.delivered_on,
        notes=service.notes,
    )


def _follow_up_out(follow_up: FollowUp) -> FollowUpOut:
    return FollowUpOut(
        id=follow_up.public_id,
        contacted_on=follow_up.contacted_on,
        method=follow_up.method,
        notes=follow_up.notes,
        next_due_on=follow_up.next_due_on,
        is_latest=follow_up.is_latest,
    )


def _note_out(note: CaseNote) -> NoteOut:
    return NoteOut(
        id=note.public_id, body=note.body, author=note.author.public_id, created_at=note.created_at
    )


def _document_out(document: CaseDocument) -> DocumentOut:
    return DocumentOut(
        id=document.public_id,
        title=document.title,
        content_type=document.content_type,
        size=document.size,
        uploaded_by=document.uploaded_by.public_id,
        uploaded_at=document.uploaded_at,
    )


# --- plans -----------------------------------------------------------------------------------------


@router.get("/cases/{case_id}/plans", response=list[PlanOut], summary="Support plans of a case")
def case_plans_list(request: HttpRequest, case_id: UUID, limit: int = 50, offset: int = 0) -> list[PlanOut]:
    case = _case_or_404(request, case_id)
    limit, offset = _page(limit, offset)
    return [_plan_out(p) for p in case_rows(plans_of_case(case=case), case=case, limit=limit, offset=offset)]


@router.post(
    "/cases/{case_id}/plans",
    response={201: PlanOut, 409: Problem, 422: Problem},
    summary="Add a support plan to a case",
)
def case_plans_create(request: HttpRequest, case_id: UUID, payload: PlanIn) -> Any:
    case = _case_or_404(request, case_id)
    try:
        plan = support_plan_create(actor=request.user, case=case, **payload.dict())
    except PermissionDenied:
        raise _forbidden() from None
    except ValidationError as exc:
        return _refused(exc)
    return Status(201, _plan_out(plan))


@router.patch(
    "/plans/{plan_id}",
    response={200: PlanOut, 409: PlanConflict | Problem, 422: Problem},
    summary="Change a support plan (optimistic locking: 409 with the current plan if stale)",
)
def plans_patch(request: HttpRequest, plan_id: UUID, payload: PlanPatch) -> Any:
    try:
        plan = support_plan_for_actor(actor=request.user, public_id=str(plan_id))
    except SupportPlan.DoesNotExist:
        raise Http404 from None
    case = plan.case
    persons_with_keys([case.person])
    changes = payload.dict(exclude_unset=True, exclude={"version"})
    try:
        updated = support_plan_update(
            actor=request.user, plan=plan, expected_version=payload.version, changes=changes
        )
    except PermissionDenied:
        raise _forbidden() from None
    except StaleVersion as conflict:
        current: SupportPlan = conflict.current  # type: ignore[assignment]
        current.case = case
        return Status(
            409,
            PlanConflict(
                detail=_("Someone saved this plan after you read it. Compare and save again."),
                current=_plan_out(current),
            ),
        )
    except ValidationError as exc:
        return _refused(exc)
    return _plan_out(updated)


# --- services, follow-ups --------------------------------------------------------------------------


@router.get("/cases/{case_id}/services", response=list[ServiceOut], summary="Services delivered in a case")
def case_services_list(
    request: HttpRequest, case_id: UUID, limit: int = 50, offset: int = 0
) -> list[ServiceOut]:
    case = _case_or_404(request, case_id)
    limit, offset = _page(limit, offset)
    rows = case_rows(services_of_case(case=case), case=case, limit=limit, offset=offset)
    return [_service_out(s) for s in rows]


@router.post(
    "/cases/{case_id}/services",
    response={201: ServiceOut, 409: Problem, 422: Problem},
    summary="Record a service delivered (by the programme, or by a provider of the directory)",
)
def case_services_create(request: HttpRequest, case_id: UUID, payload: ServiceIn) -> Any:
    case = _case_or_404(request, case_id)
    provider = None
    if payload.provider is not None:
        providers = service_providers_of_case(case=case, active_only=False)
        provider = providers.filter(public_id=payload.provider).first()
        if provider is None:
            return Status(
                422,
                Problem(
                    detail=_("Choose a provider of the directory."),
                    code="invalid",
                    errors={"provider": [_("Choose a provider of the directory.")]},
                ),
            )
    try:
        service = service_delivery_record(
            actor=request.user,
            case=case,
            service_type=payload.service_type,
            provider=provider,
            delivered_on=payload.delivered_on or timezone.localdate(),
            notes=payload.notes,
        )
    except PermissionDenied:
        raise _forbidden() from None
    except ValidationError as exc:
        return _refused(exc)
    return Status(201, _service_out(service))


@router.get("/cases/{case_id}/follow-ups", response=list[FollowUpOut], summary="Follow-ups of a case")
def case_follow_ups_list(
    request: HttpRequest, case_id: UUID, limit: int = 50, offset: int = 0
) -> list[FollowUpOut]:
    case = _case_or_404(request, case_id)
    limit, offset = _page(limit, offset)
    rows = case_rows(follow_ups_of_case(case=case), case=case, limit=limit, offset=offset)
    return [_follow_up_out(f) for f in rows]


@router.post(
    "/cases/{case_id}/follow-ups",
    response={201: FollowUpOut, 409: Problem, 422: Problem},
    summary="Record a follow-up contact and when the next one is due",
)
def case_follow_ups_create(request: HttpRequest, case_id: UUID, payload: FollowUpIn) -> Any:
    case = _case_or_404(request, case_id)
    try:
        follow_up = follow_up_record(
            actor=request.user,
            case=case,
            contacted_on=payload.contacted_on or timezone.localdate(),
            method=payload.method,
            notes=payload.notes,
            next_due_on=payload.next_due_on,
        )
    except PermissionDenied:
        raise _forbidden() from None
    except ValidationError as exc:
        return _refused(exc)
    return Status(201, _follow_up_out(follow_up))


# --- notes, documents ------------------------------------------------------------------------------


@router.get("/cases/{case_id}/notes", response=list[NoteOut], summary="Notes of a case (reading is audited)")
def case_notes_list(request: HttpRequest, case_id: UUID, limit: int = 50, offset: int = 0) -> list[NoteOut]:
    case = _case_or_404(request, case_id)
    limit, offset = _page(limit, offset)
    return [_note_out(n) for n in case_notes_view(actor=request.user, case=case, limit=limit, offset=offset)]


@router.post(
    "/cases/{case_id}/notes", response={201: NoteOut, 422: Problem}, summary="Add a note (stored encrypted)"
)
def case_notes_create(request: HttpRequest, case_id: UUID, payload: NoteIn) -> Any:
    case = _case_or_404(request, case_id)
    try:
        note = case_note_add(actor=request.user, case=case, body=payload.body)
    except PermissionDenied:
        raise _forbidden() from None
    except ValidationError as exc:
        return Status(422, _problem(exc))
    return Status(201, _note_out(note))


@router.get(
    "/cases/{case_id}/documents",
    response=list[DocumentOut],
    summary="Documents of a case (metadata; download them from the case page)",
)
def case_documents_list(
    request: HttpRequest, case_id: UUID, limit: int = 50, offset: int = 0
) -> list[DocumentOut]:
    case = _case_or_404(request, case_id)
    limit, offset = _page(limit, offset)
    rows = case_rows(documents_of_case(case=case), case=case, limit=limit, offset=offset)
    return [_document_out(d) for d in rows]


# --- my work ---------------------------------------------------------------------------------------


@router.get("/me/work", response=MyWorkOut, summary="Follow-ups due, open tasks and pending approvals")
def me_work(request: HttpRequest) -> MyWorkOut:
    if not actor_has_perm(actor=request.user, perm=Perm.CASE_VIEW):
        raise HttpError(403, _("Your role does not work on cases."))
    today = timezone.localdate()
    work = my_work_for_actor(actor=request.user, today=today)

    def due(follow_up: FollowUp) -> DueFollowUp:
        return DueFollowUp(
            case=follow_up.case.public_id,
            case_code=follow_up.case.code,
            person_code=follow_up.case.person.code,
            next_due_on=follow_up.next_due_on,  # type: ignore[arg-type]
            overdue=follow_up.next_due_on < today,  # type: ignore[operator]
        )

    return MyWorkOut(
        today=today,
        overdue=[due(f) for f in work.overdue],
        due_soon=[due(f) for f in work.due_soon],
        tasks=[
            TaskOut(
                id=t.public_id,
                case=t.case.public_id,
                case_code=t.case.code,
                person_code=t.case.person.code,
                title=t.title,
                due_on=t.due_on,
                overdue=t.due_on < today,
            )
            for t in work.tasks
        ],
        approvals_pending=work.approvals_pending,
    )
