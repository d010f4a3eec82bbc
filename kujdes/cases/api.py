"""Case files in the JSON API: HTCDS codes, the referral mechanism, closure requests and approvals.

Reading a case is audited; saves name their version (409 with the current case if stale).
Foreign cases answer 404 like missing ones.
"""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from kujdes.cases.choices import CaseStatus
from kujdes.cases.models import Approval, Case
from kujdes.cases.selectors import (
    approval_decidable_ids,
    approval_get,
    approvals_for_actor,
    case_get,
    case_workers_for_filter,
    cases_filtered,
    cases_page,
)
from kujdes.cases.services import (
    EDITABLE_FIELDS,
    LIST_CODES,
    approval_decide,
    case_closure_request,
    case_create,
    case_nrm_advance,
    case_update,
    case_view,
)
from kujdes.core.locking import StaleVersion
from kujdes.core.models import Unit
from kujdes.core.reads import ReadRow, identity_rows_read
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm, units_for_actor
from kujdes.people.models import Person
from kujdes.people.selectors import person_get

router = Router(tags=["cases"])
PAGE_SIZE = 25


class CaseOut(Schema):
    id: UUID
    code: str
    version: int
    person: UUID
    person_code: str
    unit: UUID
    case_type: str
    status: str
    opened_on: datetime.date
    closed_on: datetime.date | None
    closure_reason: str
    nrm_stage: str
    nrm_decided_on: datetime.date | None
    nrm_authority: str
    joint_interview_on: datetime.date | None
    trafficking_status: str
    status_decided_by: str
    exploitation_types: list[str]
    labour_industry: str
    sex_exploitation_types: list[str]
    control_methods: list[str]
    recruitment_methods: list[str]
    recruitment_websites: list[str]
    exploitation_websites: list[str]
    vulnerabilities: list[str]
    trafficker_relationship: str
    age_when_trafficked: int | None
    cross_border: bool | None
    primary_worker: UUID | None


class CaseDetailOut(CaseOut):
    summary: str | None


class CasePage(Schema):
    count: int
    page: int
    pages: int
    results: list[CaseOut]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "count": 98,
                    "page": 1,
                    "pages": 4,
                    "results": [
                        {
                            "id": "5b0c3a1e-8f2d-4c7a-9e61-2f4d8a7b9c10",
                            "code": "SHK-2026-0007",
                            "version": 3,
                            "person": "0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f",
                            "person_code": "P-SHK-2026-00017",
                            "unit": "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                            "case_type": "victim_assistance",
                            "status": "Active",
                            "opened_on": "2026-05-12",
                            "closed_on": None,
                            "closure_reason": "",
                            "nrm_stage": "potential_victim",
                            "nrm_decided_on": "2026-05-15",
                            "nrm_authority": "Police",
                            "joint_interview_on": None,
                            "trafficking_status": "PossibleVictimOfTrafficking",
                            "status_decided_by": "Police",
                            "exploitation_types": ["SexualExploitation"],
                            "labour_industry": "",
                            "sex_exploitation_types": ["Prostitution"],
                            "control_methods": ["WithholdsDocuments"],
                            "recruitment_methods": ["ThroughOnlineSocialNetworks"],
                            "recruitment_websites": ["Facebook"],
                            "exploitation_websites": [],
                            "vulnerabilities": [],
                            "trafficker_relationship": "Acquainted",
                            "age_when_trafficked": 16,
                            "cross_border": True,
                            "primary_worker": "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                        }
                    ],
                }
            ]
        }
    )


class CaseFilters(Schema):
    status: str = ""
    case_type: str = ""
    nrm_stage: str = ""
    trafficking_status: str = ""
    unit: UUID | None = None
    worker: UUID | None = None
    opened_from: datetime.date | None = None
    opened_to: datetime.date | None = None
    code: str = ""
    page: int = 1


class CaseIn(Schema):
    person: UUID
    unit: UUID
    case_type: str = "prevention"
    opened_on: datetime.date
    summary: str = ""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "person": "0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f",
                    "unit": "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                    "case_type": "prevention",
                    "opened_on": "2026-05-12",
                    "summary": "Left school in year nine; offered a waitressing job on Instagram.",
                }
            ]
        }
    )


class CasePatch(Schema):
    version: int
    case_type: str | None = None
    summary: str | None = None
    trafficking_status: str | None = None
    status_decided_by: str | None = None
    exploitation_types: list[str] | None = None
    labour_industry: str | None = None
    sex_exploitation_types: list[str] | None = None
    control_methods: list[str] | None = None
    recruitment_methods: list[str] | None = None
    recruitment_websites: list[str] | None = None
    exploitation_websites: list[str] | None = None
    vulnerabilities: list[str] | None = None
    trafficker_relationship: str | None = None
    age_when_trafficked: int | None = None
    joint_interview_on: datetime.date | None = None


class Conflict(Schema):
    detail: str
    current: CaseOut


class Problem(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class NrmIn(Schema):
    to_stage: str
    decided_on: datetime.date
    authority: str = ""
    joint_interview_on: datetime.date | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "to_stage": "official_victim",
                    "decided_on": "2026-06-30",
                    "authority": "Responsible Authority",
                }
            ]
        }
    )


class ClosureIn(Schema):
    status: str = CaseStatus.CLOSED
    reason: str
    details: str = ""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"status": "Closed", "reason": "goals_met", "details": "Back at school."}]
        }
    )


class ApprovalOut(Schema):
    id: UUID
    case: UUID
    case_code: str
    kind: str
    status: str
    closure_status: str
    closure_reason: str
    target_unit: UUID | None
    requested_at: datetime.datetime
    decided_at: datetime.datetime | None
    can_decide: bool = False


class ClosureOut(Schema):
    closed: bool
    approval: ApprovalOut | None
    case: CaseOut


class DecisionIn(Schema):
    approve: bool
    comment: str = ""


def _out(case: Case) -> CaseOut:
    values = {name: getattr(case, name) for name in CaseOut.model_fields if hasattr(case, name)}
    values.update(
        id=case.public_id,
        person=case.person.public_id,
        person_code=case.person.code,
        unit=case.unit.public_id,
        primary_worker=case.primary_worker.public_id if case.primary_worker else None,
    )
    return CaseOut(**values)


def _approval_out(approval: Approval, *, can_decide: bool = False) -> ApprovalOut:
    return ApprovalOut(
        id=approval.public_id,
        case=approval.case.public_id,
        case_code=approval.case.code,
        kind=approval.kind,
        status=approval.status,
        closure_status=approval.closure_status,
        closure_reason=approval.closure_reason,
        target_unit=approval.target_unit.public_id if approval.target_unit else None,
        requested_at=approval.requested_at,
        decided_at=approval.decided_at,
        can_decide=can_decide,
    )


def _problem(error: ValidationError) -> Problem:
    errors = (
        {k: [str(m) for m in v] for k, v in error.message_dict.items()}
        if hasattr(error, "error_dict")
        else {}
    )
    return Problem(detail=" ".join(str(m) for m in error.messages), errors=errors)


def _case_or_404(request: HttpRequest, case_id: UUID, perm: Perm = Perm.CASE_VIEW) -> Case:
    try:
        return case_get(actor=request.user, public_id=str(case_id), perm=perm)
    except Case.DoesNotExist:
        raise Http404 from None


def _require_case_reader(request: HttpRequest) -> None:
    if not actor_has_perm(actor=request.user, perm=Perm.CASE_VIEW):
        raise HttpError(403, _("Your role cannot read case files."))


@router.get("/cases", response=CasePage, summary="The actor's cases, filtered (25 a page)")
def cases_list(request: HttpRequest, filters: Query[CaseFilters]) -> CasePage:
    """Unknown or foreign units and workers match no case (never an error that would tell them apart).

    A role that reads no case file (the network coordinator, a viewer, a volunteer) gets 403.
    """
    _require_case_reader(request)
    extra: dict[str, Any] = {}
    if filters.unit is not None:
        unit = units_for_actor(actor=request.user, perm=Perm.CASE_VIEW).filter(public_id=filters.unit).first()
        extra["unit_id"] = unit.pk if unit is not None else -1
    if filters.worker is not None:
        worker = case_workers_for_filter(actor=request.user).filter(public_id=filters.worker).first()
        extra["worker_id"] = worker.pk if worker is not None else -1
    cases = cases_filtered(
        actor=request.user,
        status=filters.status,
        case_type=filters.case_type,
        nrm_stage=filters.nrm_stage,
        trafficking_status=filters.trafficking_status,
        opened_from=filters.opened_from,
        opened_to=filters.opened_to,
        code=filters.code[:40],
        **extra,
    )
    page = cases_page(cases, number=filters.page, size=PAGE_SIZE)
    identity_rows_read(
        request=request,
        action="case.list.viewed",
        rows=[ReadRow.of(case, charged_pk=case.person_id) for case in page.object_list],
        filters={
            name: value
            for name, value in filters.dict().items()
            if name not in ("page", "code") and value not in (None, "")
        },
        search=filters.code,
        page=page.number,
        details={"via": "api"},
    )
    return CasePage(
        count=page.paginator.count,
        page=page.number,
        pages=page.paginator.num_pages,
        results=[_out(case) for case in page],
    )


@router.post("/cases", response={201: CaseDetailOut, 400: Problem}, summary="Open a case for a person")
def cases_create(request: HttpRequest, payload: CaseIn) -> Any:
    try:
        person = person_get(actor=request.user, public_id=str(payload.person))
        unit = units_for_actor(actor=request.user, perm=Perm.CASE_MANAGE).get(public_id=payload.unit)
    except (Person.DoesNotExist, Unit.DoesNotExist):
        raise Http404 from None
    try:
        case = case_create(
            actor=request.user,
            person=person,
            unit=unit,
            case_type=payload.case_type,
            opened_on=payload.opened_on,
            summary=payload.summary,
        )
    except ValidationError as error:
        return Status(400, _problem(error))
    except PermissionDenied:
        raise HttpError(403, _("Your role cannot open cases here.")) from None
    return Status(201, CaseDetailOut(**_out(case).dict(), summary=case.summary))


@router.get("/cases/{case_id}", response=CaseDetailOut, summary="One case file (audited)")
def cases_get(request: HttpRequest, case_id: UUID) -> CaseDetailOut:
    case = _case_or_404(request, case_id)
    case_view(actor=request.user, case=case)
    return CaseDetailOut(**_out(case).dict(), summary=case.summary)


@router.patch(
    "/cases/{case_id}",
    response={200: CaseDetailOut, 400: Problem, 409: Conflict},
    summary="Change the HTCDS fields of a case (optimistic locking)",
)
def cases_patch(request: HttpRequest, case_id: UUID, payload: CasePatch) -> Any:
    case = _case_or_404(request, case_id)
    changes = payload.dict(exclude_unset=True, exclude={"version"})
    # null clears a field: no date or age, no code, an empty list.
    cleared: dict[str, Any] = {"age_when_trafficked": None, "joint_interview_on": None}
    cleared.update({name: [] for name in LIST_CODES})
    changes = {
        k: (cleared.get(k, "") if v is None else v) for k, v in changes.items() if k in EDITABLE_FIELDS
    }
    try:
        updated = case_update(
            actor=request.user, case=case, expected_version=payload.version, changes=changes
        )
    except PermissionDenied:
        raise HttpError(403, _("Your role cannot change this case.")) from None
    except StaleVersion:
        current = _case_or_404(request, case_id)
        return Status(
            409, Conflict(detail=_("Someone saved this case after you opened it."), current=_out(current))
        )
    except ValidationError as error:
        return Status(400, _problem(error))
    updated = _case_or_404(request, case_id)
    return CaseDetailOut(**_out(updated).dict(), summary=updated.summary)


@router.post("/cases/{case_id}/nrm", response={200: CaseOut, 400: Problem}, summary="Record an NRM decision")
def cases_nrm(request: HttpRequest, case_id: UUID, payload: NrmIn) -> Any:
    case = _case_or_404(request, case_id)
    try:
        case_nrm_advance(
            actor=request.user,
            case=case,
            to_stage=payload.to_stage,
            decided_on=payload.decided_on,
            authority=payload.authority,
            joint_interview_on=payload.joint_interview_on,
        )
    except PermissionDenied:
        raise HttpError(403, _("Your role cannot change this case.")) from None
    except ValidationError as error:
        return Status(400, _problem(error))
    return _out(_case_or_404(request, case_id))


@router.post(
    "/cases/{case_id}/closure",
    response={200: ClosureOut, 400: Problem},
    summary="Close a case, or ask a programme manager to approve its closure",
)
def cases_closure(request: HttpRequest, case_id: UUID, payload: ClosureIn) -> Any:
    case = _case_or_404(request, case_id)
    try:
        result = case_closure_request(
            actor=request.user,
            case=case,
            status=payload.status,
            reason=payload.reason,
            details=payload.details,
        )
    except PermissionDenied:
        raise HttpError(403, _("Your role cannot change this case.")) from None
    except ValidationError as error:
        return Status(400, _problem(error))
    current = _case_or_404(request, case_id)
    if isinstance(result, Approval):
        return ClosureOut(closed=False, approval=_approval_out(result), case=_out(current))
    return ClosureOut(closed=True, approval=None, case=_out(current))


@router.get("/approvals", response=list[ApprovalOut], summary="Pending requests the actor decides or made")
def approvals_list(request: HttpRequest) -> list[ApprovalOut]:
    _require_case_reader(request)
    approvals = list(
        approvals_for_actor(actor=request.user).filter(status="pending").order_by("-requested_at")[:200]
    )
    decidable = approval_decidable_ids(actor=request.user, approvals=approvals)
    return [_approval_out(approval, can_decide=approval.pk in decidable) for approval in approvals]


@router.post(
    "/approvals/{approval_id}", response={200: ApprovalOut, 400: Problem}, summary="Approve or reject"
)
def approvals_decide(request: HttpRequest, approval_id: UUID, payload: DecisionIn) -> Any:
    try:
        approval = approval_get(actor=request.user, public_id=str(approval_id))
    except Approval.DoesNotExist:
        raise Http404 from None
    try:
        decided = approval_decide(
            actor=request.user, approval=approval, approve=payload.approve, comment=payload.comment
        )
    except PermissionDenied:
        raise HttpError(403, _("Only a programme manager of the case's unit decides.")) from None
    except ValidationError as error:
        return Status(400, _problem(error))
    return _approval_out(decided)
