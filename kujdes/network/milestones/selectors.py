"""Reads of the common milestones: frameworks, targets, progress, status and the scorecard.

Progress of a milestone for a partner and a year comes from one place, by its indicator's kind:
- catalogue: the partner's **released** figure for that year (statistics releases); a withheld
  figure (fewer than k persons) is "no data" with a note, never a number; with no release yet,
  the latest value the partner reported for that year;
- measure: counted by the measure's function (kujdes.network.measures);
- manual: the latest value the partner reported for that year.

The status compares that value with the pro-rata target (see `milestone_status`). Milestones and
targets are network-public to staff (NETWORK_READ); a draft framework is the coordinator's only.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from kujdes.core.roles import Perm
from kujdes.network.measures import measure_get
from kujdes.network.milestones.models import (
    Direction,
    Framework,
    FrameworkStatus,
    IndicatorKind,
    Milestone,
    ProgressReport,
    Target,
    UpdateRequest,
    UpdateStatus,
)
from kujdes.network.models import Partner
from kujdes.network.selectors import (
    actor_is_coordinator,
    actor_organisation_ids,
    actor_partners,
    network_require,
)

if TYPE_CHECKING:
    from kujdes.accounts.models import User


# --- Status: pure functions -------------------------------------------------------------------------


class Status(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    NO_DATA = "no_data", _("No data")
    # A value with nothing to compare it with: the coordinator has not set this year's target.
    NO_TARGET = "no_target", _("No target")


# From best to worst: what "never worse" means in the tests.
STATUS_RANK = {Status.ON_TRACK: 0, Status.AT_RISK: 1, Status.OFF_TRACK: 2}

ON_TRACK_SHARE = 0.9
AT_RISK_SHARE = 0.6
"""The thresholds of the status, in one place.

The share is how much of what was expected by now has been achieved: progress ÷ pro-rata target
for a milestone that should increase, pro-rata target ÷ progress for one that should decrease
(there the target is a ceiling). A share of at least ON_TRACK_SHARE (90 %) is "on track", at least
AT_RISK_SHARE (60 %) "at risk", anything less "off track". Change them here and nowhere else:
docs/network.md ("Common milestones") says the same in words.
"""


def year_elapsed(*, year: int, today: datetime.date) -> float:
    """The part of `year` gone by on `today`: 0 before it starts, 1 once it is over (both days counted)."""
    if year < today.year:
        return 1.0
    if year > today.year:
        return 0.0
    first = datetime.date(year, 1, 1)
    days = (datetime.date(year + 1, 1, 1) - first).days
    return ((today - first).days + 1) / days


def pro_rata_target(*, target: float, elapsed: float, cumulative: bool = True) -> float:
    """What is expected by now: a count's target shared over the year; a level's target whole."""
    return target * elapsed if cumulative else target


def milestone_status(
    *, value: float | None, expected: float | None, direction: str = Direction.INCREASE
) -> Status:
    """The status of a progress value against what is expected by now (the pro-rata target).

    No value: NO_DATA. No target: NO_TARGET. A target of 0 (or nothing expected yet): an
    increasing milestone is on track whatever the value; a decreasing one is on track at 0 and
    off track above. Otherwise by the share (see ON_TRACK_SHARE). More progress never gives a
    worse status: a larger value for an increase, a smaller one for a decrease.
    """
    if value is None:
        return Status.NO_DATA
    if expected is None:
        return Status.NO_TARGET
    value = max(float(value), 0.0)
    expected = max(float(expected), 0.0)
    if direction == Direction.DECREASE:
        if value <= expected:
            return Status.ON_TRACK
        share = expected / value  # value > expected >= 0, so value > 0
    else:
        if expected == 0 or value >= expected:
            return Status.ON_TRACK
        share = value / expected
    if share >= ON_TRACK_SHARE:
        return Status.ON_TRACK
    if share >= AT_RISK_SHARE:
        return Status.AT_RISK
    return Status.OFF_TRACK


# --- Frameworks, milestones, targets ----------------------------------------------------------------


def frameworks_for_actor(*, actor: User) -> QuerySet[Framework]:
    """Every framework for the coordinator; active and closed ones for the other staff."""
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    frameworks = Framework.objects.all()
    if not actor_is_coordinator(actor=actor):
        frameworks = frameworks.exclude(status=FrameworkStatus.DRAFT)
    return frameworks.order_by("-first_year", "title", "pk")


def framework_get(*, actor: User, public_id: str) -> Framework:
    """One framework the actor may read (Framework.DoesNotExist → 404, a draft included for staff)."""
    return frameworks_for_actor(actor=actor).get(public_id=public_id)


def framework_current(*, actor: User, today: datetime.date | None = None) -> Framework | None:
    """The active framework covering this year, else the latest active one (None if there is none)."""
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    today = today or timezone.localdate()
    active = Framework.objects.filter(status=FrameworkStatus.ACTIVE)
    covering = active.filter(first_year__lte=today.year, last_year__gte=today.year).order_by(
        "-first_year", "pk"
    )
    return covering.first() or active.order_by("-first_year", "pk").first()


def milestones_of(*, framework: Framework) -> QuerySet[Milestone]:
    return framework.milestones.order_by("order", "code", "pk")


def milestone_get(*, actor: User, public_id: str) -> Milestone:
    """One milestone of a framework the actor may read (Milestone.DoesNotExist → 404)."""
    frameworks = frameworks_for_actor(actor=actor)
    return Milestone.objects.select_related("framework").get(public_id=public_id, framework__in=frameworks)


def targets_of(*, milestones: Iterable[Milestone]) -> dict[tuple[int, int, int], Decimal]:
    """Targets by (milestone id, partner id, year)."""
    return {
        (t.milestone_id, t.partner_id, t.year): t.value
        for t in Target.objects.filter(milestone__in=[m.pk for m in milestones])
    }


def network_partners() -> QuerySet[Partner]:
    """The partners a scorecard lists: every partner of the network, by name."""
    return Partner.objects.order_by("name", "pk")


def partner_by_reference(*, actor: User, reference: str) -> Partner | None:
    """A partner by its id or its code ("al"); None if there is none (partners are network-public)."""
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    reference = (reference or "").strip()
    try:
        return Partner.objects.filter(public_id=uuid.UUID(reference)).first()
    except ValueError:
        return Partner.objects.filter(code=reference).first()


def milestone_in(*, framework: Framework, reference: str) -> Milestone | None:
    """A milestone of the framework by its id (None if not one of them)."""
    try:
        return framework.milestones.filter(public_id=uuid.UUID(reference)).first()
    except ValueError:
        return None


def indicator_label(*, milestone: Milestone) -> str:
    """The indicator in words: the catalogue's name, the measure's name, or the manual unit."""
    if milestone.indicator_kind == IndicatorKind.CATALOGUE:
        from kujdes.reports.catalogue import catalogue

        indicator = catalogue().get(milestone.indicator_code)
        return indicator.name() if indicator else milestone.indicator_code
    if milestone.indicator_kind == IndicatorKind.MEASURE:
        measure = measure_get(milestone.indicator_code)
        return str(measure.name) if measure else milestone.indicator_code
    return milestone.unit


def indicator_unit(*, milestone: Milestone) -> str:
    if milestone.indicator_kind == IndicatorKind.MEASURE:
        measure = measure_get(milestone.indicator_code)
        return str(measure.unit) if measure else ""
    return milestone.unit


def number_shown(value: float | Decimal | None) -> str:
    """A figure as the reader's locale writes it: whole numbers without decimals, else one; "—" for none."""
    if value is None:
        return "—"
    number = float(value)
    if number == int(number):
        return number_format(int(number), use_l10n=True, force_grouping=True)
    return number_format(round(number, 1), decimal_pos=1, use_l10n=True, force_grouping=True)


# --- Progress ---------------------------------------------------------------------------------------


class Source(models.TextChoices):
    RELEASE = "release", _("Released figures")
    REPORT = "report", _("Reported by the partner")
    MEASURE = "measure", _("Counted by Kujdes")
    NONE = "none", _("No data")


@dataclass
class Progress:
    value: float | None
    source: str = Source.NONE
    note: str = ""
    report: ProgressReport | None = None
    withheld: bool = False  # the release withholds the figure (a small cell): no number, ever


@dataclass(frozen=True)
class Released:
    """What a partner's releases say of an indicator for a year: nothing, a withheld figure, or a value."""

    state: str  # "none", "withheld", "value"
    value: float | None = None


def released_figure(*, partner: Partner, indicator_code: str, year: int) -> Released:
    """The partner's released figure for a catalogue indicator and a whole year.

    Imported lazily: the releases sub-room may be absent (the milestones still work from reports).
    """
    try:
        from kujdes.network.releases.selectors import released_value
    except ImportError:
        return Released("none")
    result = released_value(
        partner=partner,
        indicator_code=indicator_code,
        period_start=datetime.date(year, 1, 1),
        period_end=datetime.date(year, 12, 31),
    )
    return _released_from(result)


def _released_from(result: Any) -> Released:
    if result is None:
        return Released("none")
    if isinstance(result, int | float | Decimal):
        return Released("value", float(result))
    withheld = result.get("withheld") if isinstance(result, dict) else getattr(result, "withheld", False)
    value = result.get("value") if isinstance(result, dict) else getattr(result, "value", None)
    if withheld:
        return Released("withheld")
    if value is None:
        return Released("none")
    return Released("value", float(value))


def latest_reports(
    *, milestones: Iterable[Milestone], years: Iterable[int]
) -> dict[tuple[int, int, int], ProgressReport]:
    """The latest progress report by (milestone id, partner id, year), in one query."""
    latest: dict[tuple[int, int, int], ProgressReport] = {}
    reports = ProgressReport.objects.filter(
        milestone__in=[m.pk for m in milestones], year__in=list(years)
    ).order_by("-reported_on", "-created_at", "-pk")
    for report in reports:
        latest.setdefault((report.milestone_id, report.partner_id, report.year), report)
    return latest


def progress_value(
    *,
    milestone: Milestone,
    partner: Partner,
    year: int,
    reports: dict[tuple[int, int, int], ProgressReport] | None = None,
) -> Progress:
    """A milestone's value for a partner and a year, and where it comes from (see the module's docstring)."""
    if reports is None:
        reports = latest_reports(milestones=[milestone], years=[year])
    report = reports.get((milestone.pk, partner.pk, year))
    from_report = Progress(float(report.value), Source.REPORT, "", report) if report else None
    if milestone.indicator_kind == IndicatorKind.CATALOGUE:
        released = released_figure(partner=partner, indicator_code=milestone.indicator_code, year=year)
        if released.state == "value":
            return Progress(released.value, Source.RELEASE)
        if released.state == "withheld":
            # A reported value would give away the figure the release withheld: it is not used.
            return Progress(
                None,
                Source.NONE,
                str(_("The released figure is withheld (too few persons to publish): no data.")),
                withheld=True,
            )
        return from_report or Progress(
            None, Source.NONE, str(_("No release and no report for this year yet."))
        )
    if milestone.indicator_kind == IndicatorKind.MEASURE:
        measure = measure_get(milestone.indicator_code)
        if measure is None:
            return Progress(None, Source.NONE, str(_("This measure is not available on this installation.")))
        count = measure.compute(partner, datetime.date(year, 1, 1), datetime.date(year, 12, 31))
        return Progress(float(count), Source.MEASURE)
    return from_report or Progress(None, Source.NONE, str(_("Nothing reported for this year yet.")))


@dataclass
class Cell:
    milestone: Milestone
    partner: Partner
    year: int
    progress: Progress
    target: float | None
    expected: float | None
    status: Status

    @property
    def value(self) -> float | None:
        return self.progress.value

    @property
    def css(self) -> str:
        return f"status-{self.status}"

    @property
    def shown_value(self) -> str:
        return number_shown(self.progress.value)

    @property
    def shown_target(self) -> str:
        return number_shown(self.target)

    @property
    def shown_expected(self) -> str:
        return number_shown(self.expected)


def cell_compute(
    *,
    milestone: Milestone,
    partner: Partner,
    year: int,
    targets: dict[tuple[int, int, int], Decimal],
    reports: dict[tuple[int, int, int], ProgressReport],
    today: datetime.date,
) -> Cell:
    progress = progress_value(milestone=milestone, partner=partner, year=year, reports=reports)
    raw_target = targets.get((milestone.pk, partner.pk, year))
    target = None if raw_target is None else float(raw_target)
    expected = (
        None
        if target is None
        else pro_rata_target(
            target=target, elapsed=year_elapsed(year=year, today=today), cumulative=milestone.cumulative
        )
    )
    status = milestone_status(value=progress.value, expected=expected, direction=milestone.direction)
    return Cell(milestone, partner, year, progress, target, expected, status)


@dataclass
class ScorecardRow:
    partner: Partner
    cells: list[Cell]


@dataclass
class Scorecard:
    framework: Framework
    year: int
    today: datetime.date
    milestones: list[Milestone]
    rows: list[ScorecardRow]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def elapsed(self) -> float:
        return year_elapsed(year=self.year, today=self.today)


def scorecard_year(*, framework: Framework, requested: str | int | None, today: datetime.date) -> int:
    """The year asked for if the framework covers it, else this year within the framework's period."""
    try:
        year = int(str(requested))
    except (TypeError, ValueError):
        year = today.year
    return min(max(year, framework.first_year), framework.last_year)


def scorecard(
    *,
    actor: User,
    framework: Framework,
    year: int,
    partners: Iterable[Partner] | None = None,
    today: datetime.date | None = None,
) -> Scorecard:
    """Partners × milestones of a framework for a year: value, target, pro-rata target and status."""
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    today = today or timezone.localdate()
    milestones = list(milestones_of(framework=framework))
    partners = list(partners if partners is not None else network_partners())
    targets = targets_of(milestones=milestones)
    reports = latest_reports(milestones=milestones, years=[year])
    rows = [
        ScorecardRow(
            partner,
            [
                cell_compute(
                    milestone=m, partner=partner, year=year, targets=targets, reports=reports, today=today
                )
                for m in milestones
            ],
        )
        for partner in partners
    ]
    counts = {status: 0 for status in Status.values}
    for row in rows:
        for cell in row.cells:
            counts[cell.status] += 1
    return Scorecard(framework, year, today, milestones, rows, counts)


@dataclass
class HistoryRow:
    """One milestone (on a partner's page) or one partner (on a milestone's page), year by year."""

    milestone: Milestone
    partner: Partner
    cells: list[Cell]


def partner_history(
    *, actor: User, framework: Framework, partner: Partner, today: datetime.date | None = None
) -> list[HistoryRow]:
    """A partner's milestones of a framework, each with every year's target, progress and status."""
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    today = today or timezone.localdate()
    milestones = list(milestones_of(framework=framework))
    targets = targets_of(milestones=milestones)
    reports = latest_reports(milestones=milestones, years=framework.years)
    return [
        HistoryRow(
            m,
            partner,
            [
                cell_compute(
                    milestone=m, partner=partner, year=y, targets=targets, reports=reports, today=today
                )
                for y in framework.years
            ],
        )
        for m in milestones
    ]


def milestone_history(
    *, actor: User, milestone: Milestone, today: datetime.date | None = None
) -> list[HistoryRow]:
    """Every partner for one milestone, each with every year of the framework."""
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    today = today or timezone.localdate()
    years = milestone.framework.years
    targets = targets_of(milestones=[milestone])
    reports = latest_reports(milestones=[milestone], years=years)
    return [
        HistoryRow(
            milestone,
            partner,
            [
                cell_compute(
                    milestone=milestone,
                    partner=partner,
                    year=y,
                    targets=targets,
                    reports=reports,
                    today=today,
                )
                for y in years
            ],
        )
        for partner in network_partners()
    ]


def progress_reports_of(
    *, actor: User, milestone: Milestone | None = None, partner: Partner | None = None
) -> QuerySet[ProgressReport]:
    """Reported values, newest first (network-public to staff: figures and evidence, no personal data)."""
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    from kujdes.network.federation.models import Peer

    # A report received from a partner's installation names that installation.
    origin = Peer.objects.filter(installation_id=OuterRef("sender_installation_id")).values("name")[:1]
    reports = ProgressReport.objects.select_related("milestone", "partner", "reported_by").annotate(
        origin_installation=Subquery(origin)
    )
    if milestone is not None:
        reports = reports.filter(milestone=milestone)
    if partner is not None:
        reports = reports.filter(partner=partner)
    return reports.order_by("-year", "-reported_on", "-created_at", "-pk")


# --- Who may report ---------------------------------------------------------------------------------


def progress_can_report(*, actor: User, partner: Partner) -> bool:
    """A focal point reports for their own partner; the coordinator for a partner not on this installation.

    A partner without an organisation here cannot sign in to report: the coordinator records what it sent.
    """
    if partner.organisation_id is not None and partner.organisation_id in actor_organisation_ids(
        actor=actor, perm=Perm.NETWORK_CONTRIBUTE
    ):
        return True
    return partner.organisation_id is None and actor_is_coordinator(actor=actor)


def reportable_partners(*, actor: User) -> list[Partner]:
    """The partners the actor may report progress for."""
    if actor_is_coordinator(actor=actor):
        own = list(actor_partners(actor=actor))
        return own + [p for p in network_partners().filter(organisation__isnull=True) if p not in own]
    return list(actor_partners(actor=actor).order_by("name", "pk"))


# --- Update requests --------------------------------------------------------------------------------


def update_requests_for_actor(*, actor: User, status: str = "") -> QuerySet[UpdateRequest]:
    """The coordinator's requests to partners; staff read them (they name partners, not people)."""
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    requests = UpdateRequest.objects.select_related("framework", "milestone", "partner")
    if status in UpdateStatus.values:
        requests = requests.filter(status=status)
    return requests.order_by("status", "due_on", "-created_at", "pk")


def update_request_get(*, actor: User, public_id: str) -> UpdateRequest:
    return update_requests_for_actor(actor=actor).get(public_id=public_id)


def open_requests_for_partner(*, partner: Partner) -> QuerySet[UpdateRequest]:
    return (
        UpdateRequest.objects.filter(partner=partner, status=UpdateStatus.OPEN)
        .select_related("framework", "milestone")
        .order_by("due_on", "created_at", "pk")
    )


def open_requests_for_actor(*, actor: User) -> QuerySet[UpdateRequest]:
    """The open requests addressed to the partners the actor is a focal point of."""
    return (
        UpdateRequest.objects.filter(partner__in=actor_partners(actor=actor), status=UpdateStatus.OPEN)
        .select_related("framework", "milestone", "partner")
        .order_by("due_on", "created_at", "pk")
    )
