"""JSON API of the common milestones (under /api/v1/network/): the framework, the scorecard, progress.

Staff (NETWORK_READ) read; a focal point posts progress for their own partner (another partner: 403).
Invalid input answers 422 with the messages keyed by field.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm
from kujdes.network.milestones import selectors, services
from kujdes.network.milestones.models import Framework, Milestone

router = Router(tags=["network"])


class Problem(Schema):
    detail: str
    code: str = ""
    errors: dict[str, list[str]] = {}


class TargetOut(Schema):
    partner: str
    year: int
    value: float


class MilestoneOut(Schema):
    id: uuid.UUID
    code: str
    title: str
    description: str
    order: int
    indicator_kind: str
    indicator_code: str
    indicator: str
    unit: str
    cumulative: bool
    baseline_value: float | None
    baseline_year: int | None
    direction: str
    targets: list[TargetOut]


class FrameworkOut(Schema):
    id: uuid.UUID
    title: str
    first_year: int
    last_year: int
    description: str
    status: str


class MilestonesOut(Schema):
    framework: FrameworkOut | None
    milestones: list[MilestoneOut]


class CellOut(Schema):
    partner: str
    milestone: str
    value: float | None
    withheld: bool
    source: str
    note: str
    target: float | None
    pro_rata_target: float | None
    status: str
    status_label: str


class ScorecardOut(Schema):
    framework: FrameworkOut
    year: int
    elapsed: float
    thresholds: dict[str, float]
    cells: list[CellOut]


class ProgressIn(Schema):
    partner: str  # the partner's code ("al") or id
    year: int
    value: str | float
    evidence: str
    comment: str = ""
    attachment: str = ""


class ProgressOut(Schema):
    id: uuid.UUID
    milestone: str
    partner: str
    year: int
    value: float
    reported_on: datetime.date


def _read(request: HttpRequest) -> None:
    if not actor_has_perm(actor=request.auth, perm=Perm.NETWORK_READ):
        raise HttpError(403, _("Your role cannot do this."))


def _framework_out(framework: Framework) -> FrameworkOut:
    return FrameworkOut(
        id=framework.public_id,
        title=framework.title,
        first_year=framework.first_year,
        last_year=framework.last_year,
        description=framework.description,
        status=framework.status,
    )


def _framework(request: HttpRequest, framework: uuid.UUID | None) -> Framework | None:
    if framework is None:
        return selectors.framework_current(actor=request.auth)
    try:
        return selectors.framework_get(actor=request.auth, public_id=str(framework))
    except Framework.DoesNotExist:
        raise Http404 from None


def _problem(exc: ValidationError) -> Problem:
    errors = (
        {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
        if hasattr(exc, "error_dict")
        else {}
    )
    return Problem(detail=" ".join(str(m) for m in exc.messages), code="invalid", errors=errors)


@router.get(
    "/milestones",
    response=MilestonesOut,
    url_name="network_milestones_list",
    summary="The milestone framework (the active one, or ?framework=), its milestones and targets",
)
def milestones_list(request: HttpRequest, framework: uuid.UUID | None = None) -> MilestonesOut:
    _read(request)
    chosen = _framework(request, framework)
    if chosen is None:
        return MilestonesOut(framework=None, milestones=[])
    milestones = list(selectors.milestones_of(framework=chosen))
    partners = {p.pk: p.code for p in selectors.network_partners()}
    targets = selectors.targets_of(milestones=milestones)
    return MilestonesOut(
        framework=_framework_out(chosen),
        milestones=[
            MilestoneOut(
                id=m.public_id,
                code=m.code,
                title=m.title,
                description=m.description,
                order=m.order,
                indicator_kind=m.indicator_kind,
                indicator_code=m.indicator_code,
                indicator=selectors.indicator_label(milestone=m),
                unit=selectors.indicator_unit(milestone=m),
                cumulative=m.cumulative,
                baseline_value=None if m.baseline_value is None else float(m.baseline_value),
                baseline_year=m.baseline_year,
                direction=m.direction,
                targets=[
                    TargetOut(partner=partners[partner_id], year=year, value=float(value))
                    for (milestone_id, partner_id, year), value in sorted(
                        targets.items(), key=lambda item: (partners.get(item[0][1], ""), item[0][2])
                    )
                    if milestone_id == m.pk and partner_id in partners
                ],
            )
            for m in milestones
        ],
    )


@router.get(
    "/scorecard",
    response=ScorecardOut,
    url_name="network_scorecard_get",
    summary="The network scorecard for a year: value, target, pro-rata target and status of each cell",
)
def scorecard_get(
    request: HttpRequest, year: int | None = None, framework: uuid.UUID | None = None
) -> ScorecardOut:
    _read(request)
    chosen = _framework(request, framework)
    if chosen is None:
        raise HttpError(404, _("No milestone framework is active."))
    today = timezone.localdate()
    year_chosen = selectors.scorecard_year(framework=chosen, requested=year, today=today)
    if year is not None and year != year_chosen:
        raise HttpError(
            422, _("Choose a year of the framework's period (%(period)s).") % {"period": chosen.period}
        )
    card = selectors.scorecard(actor=request.auth, framework=chosen, year=year_chosen, today=today)
    return ScorecardOut(
        framework=_framework_out(chosen),
        year=card.year,
        elapsed=round(card.elapsed, 4),
        thresholds={"on_track": selectors.ON_TRACK_SHARE, "at_risk": selectors.AT_RISK_SHARE},
        cells=[
            CellOut(
                partner=row.partner.code,
                milestone=cell.milestone.code,
                value=cell.value,
                withheld=cell.progress.withheld,
                source=cell.progress.source,
                note=cell.progress.note,
                target=cell.target,
                pro_rata_target=None if cell.expected is None else round(cell.expected, 2),
                status=cell.status.value,
                status_label=str(cell.status.label),
            )
            for row in card.rows
            for cell in row.cells
        ],
    )


@router.post(
    "/milestones/{milestone_id}/progress",
    response={201: ProgressOut, 422: Problem},
    url_name="network_milestones_progress_add",
    summary="A focal point reports a value for their own partner (with its evidence)",
)
def milestones_progress_add(request: HttpRequest, milestone_id: uuid.UUID, payload: ProgressIn) -> Any:
    _read(request)
    try:
        milestone = selectors.milestone_get(actor=request.auth, public_id=str(milestone_id))
    except Milestone.DoesNotExist:
        raise Http404 from None
    partner = selectors.partner_by_reference(actor=request.auth, reference=payload.partner)
    if partner is None:
        return Status(
            422,
            Problem(
                detail=_("Unknown partner."), code="invalid", errors={"partner": [_("Unknown partner.")]}
            ),
        )
    if not selectors.progress_can_report(actor=request.auth, partner=partner):
        raise HttpError(403, _("You may report only for your own organisation."))
    try:
        value = Decimal(str(payload.value).strip())
        if not value.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        return Status(
            422,
            Problem(detail=_("Enter a number."), code="invalid", errors={"value": [_("Enter a number.")]}),
        )
    try:
        report = services.progress_report(
            actor=request.auth,
            milestone=milestone,
            partner=partner,
            year=payload.year,
            value=value,
            evidence=payload.evidence,
            comment=payload.comment,
            attachment=payload.attachment,
        )
    except PermissionDenied:
        raise HttpError(403, _("You may report only for your own organisation.")) from None
    except ValidationError as exc:
        return Status(422, _problem(exc))
    return Status(
        201,
        ProgressOut(
            id=report.public_id,
            milestone=milestone.code,
            partner=partner.code,
            year=report.year,
            value=float(report.value),
            reported_on=report.reported_on,
        ),
    )
