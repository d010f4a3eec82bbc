"""Milestone progress across installations: a partner's report reaches the coordinator's installation.

A focal point reports a value for their own partner on the partner's installation;
`milestone_report_push` queues a `milestone-report` package for every active peer hosting the
coordinator (none when this installation hosts it, or has no federation identity). The package
names the milestone by stable references — its public id, its code and its framework's public id,
title and years — because the framework may exist on the coordinator's installation only, or as a
copy with other ids. It carries the figure, the evidence and comment texts and the attachment
reference; never who reported it (`REPORT_FIELDS` is the whole schema; a test holds it so).

On the coordinator's installation `milestone_report_received` finds the milestone (its id, else
its code within the framework with that id, else its code within the one framework of those years)
and stores the report as the partner's, where the framework's progress reads it; it answers the
partner's open update requests, like a report made here. A report for a milestone it cannot find,
for a year outside the framework, or for a milestone Kujdes measures itself is refused.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from kujdes.network.federation.handlers import PackageRejected, Received, catches_up, handles
from kujdes.network.federation.models import PackageType, Peer
from kujdes.network.federation.services import (
    federation_audit,
    installation_get,
    package_broadcast,
)
from kujdes.network.milestones.models import (
    Framework,
    FrameworkStatus,
    IndicatorKind,
    Milestone,
    ProgressReport,
)
from kujdes.network.releases.federation import coordinator_peers

if TYPE_CHECKING:
    from kujdes.accounts.models import User


SCHEMA = "kujdes-milestone-report/1"
PAYLOAD_FIELDS = ("schema", "partner", "report", "framework", "milestone")
FRAMEWORK_FIELDS = ("public_id", "title", "first_year", "last_year")
MILESTONE_FIELDS = ("public_id", "code")
REPORT_FIELDS = ("public_id", "year", "value", "evidence", "comment", "attachment", "reported_on")


# --- sending --------------------------------------------------------------------------------------


def milestone_report_payload(*, report: ProgressReport) -> dict[str, Any]:
    milestone = report.milestone
    framework = milestone.framework
    return {
        "schema": SCHEMA,
        "partner": report.partner.code,
        "framework": {
            "public_id": str(framework.public_id),
            "title": framework.title,
            "first_year": framework.first_year,
            "last_year": framework.last_year,
        },
        "milestone": {"public_id": str(milestone.public_id), "code": milestone.code},
        "report": {
            "public_id": str(report.public_id),
            "year": report.year,
            "value": str(report.value),
            "evidence": report.evidence,
            "comment": report.comment,
            "attachment": report.attachment,
            "reported_on": report.reported_on.isoformat(),
        },
    }


def milestone_report_push(
    *, report: ProgressReport, actor: User | None, peers: list[Peer] | None = None
) -> int:
    """Queue a local partner's report for the coordinator's installation (inside the caller's
    transaction). A report received from elsewhere, or about a partner not here, stays here."""
    if report.is_remote or report.partner.organisation_id is None:
        return 0
    peers = coordinator_peers() if peers is None else peers
    if not peers:
        return 0
    return package_broadcast(
        type=PackageType.MILESTONE_REPORT,
        payload=milestone_report_payload(report=report),
        peers=peers,
        actor=actor,
        organisation=report.partner.organisation_id,
        subject=str(report.public_id),
    )


@catches_up(PackageType.MILESTONE_REPORT)
def milestone_reports_catch_up(peer: Peer) -> int:
    """A new peer that hosts the coordinator gets the local partners' reports already made."""
    if peer not in coordinator_peers():
        return 0
    reports = ProgressReport.objects.filter(partner__organisation__isnull=False).select_related(
        "partner", "milestone"
    )
    return sum(
        milestone_report_push(report=report, actor=None, peers=[peer])
        for report in reports.order_by("reported_on", "pk")
        if not report.is_remote
    )


# --- receiving ------------------------------------------------------------------------------------


def _reject(detail: str, code: str = "invalid_content") -> PackageRejected:
    return PackageRejected(code, detail)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _reject("a text member is not text")
    return value


def milestone_match(*, framework: dict[str, Any], milestone: dict[str, Any], year: int) -> Milestone | None:
    """The milestone a report is about: by its id; else by its code in the framework with that id;
    else by its code in the one active framework covering those years (a framework defined on the
    coordinator's installation and copied by hand to the partner's)."""
    code = milestone.get("code")
    found = (
        Milestone.objects.select_related("framework")
        .filter(public_id=_uuid(milestone.get("public_id")))
        .first()
    )
    if found is not None or not isinstance(code, str) or not code:
        return found
    framework_id = _uuid(framework.get("public_id"))
    if framework_id is not None:
        found = (
            Milestone.objects.select_related("framework")
            .filter(framework__public_id=framework_id, code=code)
            .first()
        )
        if found is not None:
            return found
    first, last = framework.get("first_year"), framework.get("last_year")
    frameworks = Framework.objects.exclude(status=FrameworkStatus.DRAFT).filter(
        first_year__lte=year, last_year__gte=year
    )
    if isinstance(first, int) and isinstance(last, int):
        frameworks = frameworks.filter(first_year=first, last_year=last)
    candidates = list(
        Milestone.objects.select_related("framework").filter(framework__in=frameworks, code=code)[:2]
    )
    return candidates[0] if len(candidates) == 1 else None


@handles(PackageType.MILESTONE_REPORT)
def milestone_report_received(received: Received) -> None:
    """Store a partner's progress report pushed from the installation that hosts the partner."""
    from kujdes.network.milestones.services import update_requests_answer

    installation = installation_get()
    if installation is None or not installation.hosts_coordinator:
        raise _reject("this installation does not host the network coordinator", "not_coordinator")
    payload = received.payload
    if payload.get("schema") != SCHEMA:
        raise _reject(f"not a milestone report (expected {SCHEMA})")
    partner = received.sender_partner(payload.get("partner"))
    if partner.organisation_id is not None:
        raise _reject("the partner is an organisation of this installation", "local_partner")
    data, framework, reference = payload.get("report"), payload.get("framework"), payload.get("milestone")
    if not (isinstance(data, dict) and isinstance(framework, dict) and isinstance(reference, dict)):
        raise _reject("a report names its framework, its milestone and its figure")
    public_id = _uuid(data.get("public_id"))
    year = data.get("year")
    if public_id is None or isinstance(year, bool) or not isinstance(year, int):
        raise _reject("the report's id or year is not valid")
    existing = ProgressReport.objects.filter(public_id=public_id).first()
    if existing is not None:
        if existing.partner_id != partner.pk or not existing.is_remote:
            raise _reject("the report belongs to another partner or to this installation", "not_yours")
        return  # the same report again (a copy by file after the HTTPS one): already here
    milestone = milestone_match(framework=framework, milestone=reference, year=year)
    if milestone is None:
        raise _reject("no milestone of this installation matches the report's", "unknown_milestone")
    if year not in milestone.framework.years:
        raise _reject("the year is outside the milestone's framework", "unknown_milestone")
    if milestone.indicator_kind == IndicatorKind.MEASURE:
        raise _reject("Kujdes measures this milestone itself: there is nothing to report", "not_reportable")
    try:
        value = Decimal(str(data.get("value")))
    except InvalidOperation:
        raise _reject("the value is not a number") from None
    reported_on = data.get("reported_on")
    report = ProgressReport(
        public_id=public_id,
        milestone=milestone,
        partner=partner,
        year=year,
        value=value,
        evidence=_text(data.get("evidence")),
        comment=_text(data.get("comment")),
        attachment=_text(data.get("attachment"))[:500],
        reported_on=datetime.date.fromisoformat(reported_on)
        if isinstance(reported_on, str)
        else timezone.localdate(),
        package_id=received.package_id,
        sender_installation_id=received.sender_installation_id,
        received_at=timezone.now(),
    )
    report.full_clean()
    report.save()
    answered = update_requests_answer(milestone=milestone, partner=partner)
    federation_audit(
        action="network.milestones.progress_received",
        obj=report,
        details={
            "milestone": milestone.code,
            "partner": partner.code,
            "year": year,
            "answers": sorted(set(answered)),
            "package": str(received.package_id),
        },
    )
