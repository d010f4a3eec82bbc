"""Writes of the common milestones: the coordinator's frameworks, milestones, targets and update
requests; the focal points' progress reports. Every write is audited in the actor's chain."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.core.locking import versioned_save
from kujdes.core.roles import Perm
from kujdes.network.measures import measures
from kujdes.network.milestones.federation import milestone_report_push
from kujdes.network.milestones.models import (
    Framework,
    IndicatorKind,
    Milestone,
    ProgressReport,
    Target,
    UpdateRequest,
    UpdateStatus,
)
from kujdes.network.milestones.selectors import progress_can_report
from kujdes.network.models import Partner
from kujdes.network.selectors import network_require
from kujdes.network.services import network_audit

if TYPE_CHECKING:
    from kujdes.accounts.models import User

FRAMEWORK_FIELDS = ("title", "first_year", "last_year", "description", "status")
MILESTONE_FIELDS = (
    "code",
    "title",
    "description",
    "order",
    "indicator_kind",
    "indicator_code",
    "unit",
    "cumulative",
    "baseline_value",
    "baseline_year",
    "direction",
)


def _milestone_check(milestone: Milestone) -> None:
    """full_clean, plus the measure's code against the registry (filled at start-up, so not a DB choice)."""
    milestone.full_clean()
    if milestone.indicator_kind == IndicatorKind.MEASURE and milestone.indicator_code not in measures():
        raise ValidationError({"indicator_code": _("This network measure does not exist.")})
    if milestone.indicator_kind == IndicatorKind.CATALOGUE:
        from kujdes.reports.catalogue import catalogue

        indicator = catalogue().get(milestone.indicator_code)
        # A rate or a median is a level, not a count that adds up during the year.
        if indicator is not None and indicator.formula in ("ratio", "median", "mean"):
            milestone.cumulative = False


@transaction.atomic
def framework_create(*, actor: User, **fields: Any) -> Framework:
    """The coordinator opens a milestone framework for a period."""
    network_require(actor=actor, perm=Perm.NETWORK_MANAGE)
    framework = Framework(**{k: v for k, v in fields.items() if k in FRAMEWORK_FIELDS})
    framework.full_clean()
    framework.save()
    network_audit(
        actor=actor,
        action="network.milestones.framework_created",
        obj=framework,
        details={"years": [framework.first_year, framework.last_year]},
    )
    return framework


@transaction.atomic
def framework_update(
    *, actor: User, framework: Framework, version: int, changes: dict[str, Any]
) -> Framework:
    """The coordinator changes a framework (stale-checked: StaleVersion if someone saved first)."""
    network_require(actor=actor, perm=Perm.NETWORK_MANAGE)
    changes = {k: v for k, v in changes.items() if k in FRAMEWORK_FIELDS}
    candidate = Framework.objects.get(pk=framework.pk)
    for name, value in changes.items():
        setattr(candidate, name, value)
    candidate.full_clean()
    updated = versioned_save(instance=framework, expected_version=version, changes=changes)
    network_audit(
        actor=actor,
        action="network.milestones.framework_updated",
        obj=updated,
        details={"fields": sorted(changes), "status": updated.status},
    )
    return updated


@transaction.atomic
def milestone_create(*, actor: User, framework: Framework, **fields: Any) -> Milestone:
    """The coordinator adds a milestone to a framework."""
    network_require(actor=actor, perm=Perm.NETWORK_MANAGE)
    milestone = Milestone(framework=framework, **{k: v for k, v in fields.items() if k in MILESTONE_FIELDS})
    _milestone_check(milestone)
    milestone.save()
    network_audit(
        actor=actor,
        action="network.milestones.milestone_created",
        obj=milestone,
        details={"code": milestone.code, "indicator": [milestone.indicator_kind, milestone.indicator_code]},
    )
    return milestone


@transaction.atomic
def milestone_update(
    *, actor: User, milestone: Milestone, version: int, changes: dict[str, Any]
) -> Milestone:
    """The coordinator changes a milestone (stale-checked)."""
    network_require(actor=actor, perm=Perm.NETWORK_MANAGE)
    changes = {k: v for k, v in changes.items() if k in MILESTONE_FIELDS}
    candidate = Milestone.objects.get(pk=milestone.pk)
    for name, value in changes.items():
        setattr(candidate, name, value)
    _milestone_check(candidate)
    changes["cumulative"] = candidate.cumulative
    updated = versioned_save(instance=milestone, expected_version=version, changes=changes)
    network_audit(
        actor=actor,
        action="network.milestones.milestone_updated",
        obj=updated,
        details={"code": updated.code, "fields": sorted(changes)},
    )
    return updated


@transaction.atomic
def milestone_targets_set(
    *, actor: User, milestone: Milestone, targets: dict[tuple[Partner, int], Decimal | None]
) -> int:
    """The coordinator sets a milestone's targets per partner and year; None removes one. Returns the changes.

    Years outside the framework's period are refused (ValidationError).
    """
    network_require(actor=actor, perm=Perm.NETWORK_MANAGE)
    years = set(milestone.framework.years)
    existing = {(t.partner_id, t.year): t for t in milestone.targets.all()}
    changed = 0
    for (partner, year), value in targets.items():
        if year not in years:
            raise ValidationError(_("%(year)s is outside the framework's period.") % {"year": year})
        current = existing.get((partner.pk, year))
        if value is None:
            if current is not None:
                current.delete()
                changed += 1
            continue
        if current is not None and current.value == value:
            continue
        target = current or Target(milestone=milestone, partner=partner, year=year)
        target.value = value
        target.full_clean()
        target.save()
        changed += 1
    if changed:
        network_audit(
            actor=actor,
            action="network.milestones.targets_set",
            obj=milestone,
            details={"code": milestone.code, "changed": changed},
        )
    return changed


@transaction.atomic
def progress_report(
    *,
    actor: User,
    milestone: Milestone,
    partner: Partner,
    year: int,
    value: Decimal,
    evidence: str,
    comment: str = "",
    attachment: str = "",
    update_request: UpdateRequest | None = None,
) -> ProgressReport:
    """A focal point reports a value for their own partner (the coordinator for a partner not here).

    Answers the partner's open update requests about this milestone (or about the whole framework).
    """
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    if not progress_can_report(actor=actor, partner=partner):
        raise PermissionDenied
    if year not in milestone.framework.years:
        raise ValidationError({"year": _("Choose a year of the framework's period.")})
    if milestone.indicator_kind == IndicatorKind.MEASURE:
        raise ValidationError(_("Kujdes counts this milestone's measure itself: there is nothing to report."))
    if update_request is not None and update_request.partner_id != partner.pk:
        update_request = None
    report = ProgressReport(
        milestone=milestone,
        partner=partner,
        year=year,
        value=value,
        evidence=evidence,
        comment=comment,
        attachment=attachment,
        reported_by=actor,
        update_request=update_request,
    )
    report.full_clean()
    report.save()
    answered_ids = update_requests_answer(milestone=milestone, partner=partner, update_request=update_request)
    network_audit(
        actor=actor,
        action="network.milestones.progress_reported",
        obj=report,
        details={
            "milestone": milestone.code,
            "partner": partner.code,
            "year": year,
            "answers": sorted(set(answered_ids)),
        },
    )
    # On a partner's own installation, the report goes to the coordinator's too.
    milestone_report_push(report=report, actor=actor)
    return report


def update_requests_answer(
    *, milestone: Milestone, partner: Partner, update_request: UpdateRequest | None = None
) -> list[int]:
    """A report answers the partner's open requests about its milestone or its whole framework
    (and the request it was made for). Returns the ids of the requests it answered."""
    answered = UpdateRequest.objects.filter(
        partner=partner, framework=milestone.framework, status=UpdateStatus.OPEN
    )
    answered = answered.filter(milestone=milestone) | answered.filter(milestone__isnull=True)
    answered_ids = list(answered.values_list("pk", flat=True))
    if update_request is not None and update_request.status == UpdateStatus.OPEN:
        answered_ids.append(update_request.pk)
    UpdateRequest.objects.filter(pk__in=answered_ids).update(
        status=UpdateStatus.ANSWERED, answered_at=timezone.now()
    )
    return answered_ids


@transaction.atomic
def update_request_create(
    *,
    actor: User,
    framework: Framework,
    partner: Partner,
    message: str,
    milestone: Milestone | None = None,
    due_on: Any = None,
) -> UpdateRequest:
    """The coordinator asks a partner for an update on a milestone (or on all of them)."""
    network_require(actor=actor, perm=Perm.NETWORK_MANAGE)
    if milestone is not None and milestone.framework_id != framework.pk:
        raise ValidationError({"milestone": _("This milestone belongs to another framework.")})
    request = UpdateRequest(
        framework=framework,
        milestone=milestone,
        partner=partner,
        message=message,
        due_on=due_on,
        requested_by=actor,
    )
    request.full_clean()
    request.save()
    network_audit(
        actor=actor,
        action="network.milestones.update_requested",
        obj=request,
        details={"partner": partner.code, "milestone": milestone.code if milestone else None},
    )
    return request


@transaction.atomic
def update_request_close(*, actor: User, request: UpdateRequest) -> UpdateRequest:
    """The coordinator marks a request answered (the partner answered another way)."""
    network_require(actor=actor, perm=Perm.NETWORK_MANAGE)
    request.status = UpdateStatus.ANSWERED
    request.answered_at = timezone.now()
    request.save(update_fields=["status", "answered_at"])
    network_audit(
        actor=actor,
        action="network.milestones.update_closed",
        obj=request,
        details={"partner": request.partner.code},
    )
    return request
