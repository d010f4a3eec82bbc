"""The demo's common milestones: the framework 2026–2028, eight milestones, targets for all 11 partners.

Catalogue milestones take their progress from the demo organisations' statistics releases (made
later by releases/demo.py; the scorecard is computed when it is shown). The other partners send
values by report, some of them for catalogue indicators too (they have no release). One update
request is open. Figures are invented.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from kujdes.accounts.models import User
from kujdes.network.measures import measures
from kujdes.network.milestones.models import (
    Direction,
    Framework,
    FrameworkStatus,
    IndicatorKind,
    Milestone,
    ProgressReport,
    Target,
    UpdateRequest,
)
from kujdes.network.models import Partner

TITLE = "Common milestones 2026–2028"
# (code, title, description, kind, indicator code, unit, cumulative, direction, baseline 2025, base target)
MILESTONES = (
    (
        "reach",
        "More children, young people and women supported directly",
        "Persons who received at least one service or took part in an activity of the programme.",
        IndicatorKind.CATALOGUE,
        "direct_beneficiaries",
        "",
        True,
        Direction.INCREASE,
        None,
        400,
    ),
    (
        "screening",
        "Screen persons at risk early",
        "Persons screened with the agreed indicator checklists.",
        IndicatorKind.CATALOGUE,
        "persons_screened",
        "",
        True,
        Direction.INCREASE,
        None,
        150,
    ),
    (
        "referrals",
        "Refer persons to services along the national referral mechanism",
        "Referrals sent to shelters, police, social services, health and legal aid.",
        IndicatorKind.CATALOGUE,
        "referrals_sent",
        "",
        True,
        Direction.INCREASE,
        None,
        60,
    ),
    (
        "adoption",
        "Adopt practices from other partners",
        "Practices of the network's library a partner adopted or adapted during the year.",
        IndicatorKind.MEASURE,
        "practices_adopted",
        "",
        True,
        Direction.INCREASE,
        None,
        2,
    ),
    (
        "sharing",
        "Share practices with the network",
        "Practices a partner published in the network's library during the year.",
        IndicatorKind.MEASURE,
        "practices_published",
        "",
        True,
        Direction.INCREASE,
        None,
        2,
    ),
    (
        "agreements",
        "Municipalities with a local anti-trafficking agreement",
        "Municipalities that signed a cooperation agreement with the partner (referral, school prevention).",
        IndicatorKind.MANUAL,
        "",
        "municipalities with an agreement",
        True,
        Direction.INCREASE,
        3,
        4,
    ),
    (
        "trainings",
        "Trainings for frontline professionals",
        "Trainings for police, labour inspectors, teachers and social workers on identifying trafficking.",
        IndicatorKind.MANUAL,
        "",
        "trainings held",
        True,
        Direction.INCREASE,
        5,
        8,
    ),
    (
        "first-service",
        "Faster first service after identification",
        "Average days between identifying a (potential) victim and the first service they receive.",
        IndicatorKind.MANUAL,
        "",
        "days (average)",
        False,
        Direction.DECREASE,
        21,
        14,
    ),
)
# Larger partners aim higher (an invented scale per partner).
SCALE = {
    "al": 1.5,
    "fr": 1.2,
    "lb": 1.0,
    "ro": 0.9,
    "ua": 1.1,
    "tr": 0.8,
    "ma": 0.7,
    "bg": 0.6,
    "ba": 0.6,
    "xk": 0.5,
    "am": 0.5,
}
FOCAL_USERS = {"al": "admin-al", "fr": "admin-fr", "lb": "admin-lb"}


def _target(base: float, scale: float, year_index: int, direction: str, kind: str) -> Decimal:
    if kind == IndicatorKind.MEASURE:
        # One practice a year to start with, whatever the partner's size: adopting one is already work.
        return Decimal((1, 2, 2)[min(year_index, 2)])
    if direction == Direction.DECREASE:
        return Decimal(max(7, round(base + 2 - 2 * year_index - scale)))
    return Decimal(max(1, round(base * scale * (1 + 0.15 * year_index))))


def demo_populate() -> str:
    if Framework.objects.filter(title=TITLE).exists():
        return "Milestones: the demo framework exists already."
    rng = random.Random(2026)
    coordinator = User.objects.filter(username="coordinator").first()
    framework = Framework.objects.create(
        title=TITLE,
        first_year=2026,
        last_year=2028,
        status=FrameworkStatus.ACTIVE,
        description=(
            "What the eleven partners agreed at the network meeting in Tirana: reach, identification, "
            "referral, exchange of practices, local agreements and training; a target per partner and year."
        ),
    )
    partners = list(Partner.objects.order_by("code"))
    registered = measures()
    milestones = []
    for order, (
        code,
        title,
        description,
        kind,
        indicator,
        unit,
        cumulative,
        direction,
        baseline,
        base,
    ) in enumerate(MILESTONES, start=1):
        if kind == IndicatorKind.MEASURE and indicator not in registered:
            continue  # the sub-room that counts it is not installed
        milestone = Milestone(
            framework=framework,
            code=code,
            title=title,
            description=description,
            order=order,
            indicator_kind=kind,
            indicator_code=indicator,
            unit=unit,
            cumulative=cumulative,
            direction=direction,
            baseline_value=None if baseline is None else Decimal(baseline),
            baseline_year=None if baseline is None else 2025,
        )
        milestone.full_clean()
        milestone.save()
        milestones.append((milestone, base))
    targets = [
        Target(
            milestone=milestone,
            partner=partner,
            year=year,
            value=_target(
                base, SCALE.get(partner.code, 0.6), index, milestone.direction, milestone.indicator_kind
            ),
        )
        for milestone, base in milestones
        for partner in partners
        for index, year in enumerate(framework.years)
    ]
    Target.objects.bulk_create(targets)
    by_key = {(t.milestone_id, t.partner_id, t.year): t.value for t in targets}

    # Reports for 2026: the manual milestones from most partners, and catalogue figures from partners
    # without a release here (the three demo organisations release theirs).
    today = timezone.localdate()
    elapsed = (
        min(1.0, max(0.1, (today - datetime.date(2026, 1, 1)).days / 365)) if today.year >= 2026 else 0.5
    )
    reports = 0
    for milestone, _base in milestones:
        if milestone.indicator_kind == IndicatorKind.MEASURE:
            continue
        for partner in partners:
            if milestone.indicator_kind == IndicatorKind.CATALOGUE and partner.is_local:
                continue
            if rng.random() < 0.2:
                continue  # some partners have not reported yet: "no data"
            target = float(by_key[(milestone.pk, partner.pk, 2026)])
            share = rng.choice((0.4, 0.7, 0.85, 0.95, 1.05, 1.2))
            if milestone.direction == Direction.DECREASE:
                value = round(target / share)
            else:
                value = round(target * (elapsed if milestone.cumulative else 1) * share)
            ProgressReport.objects.create(
                milestone=milestone,
                partner=partner,
                year=2026,
                value=Decimal(value),
                evidence=rng.choice(
                    (
                        "Signed agreements kept at the national office; list sent to the coordinator.",
                        "Attendance sheets of each training (no names of beneficiaries).",
                        "Monthly register of the programme, totals only.",
                        "Figures from the partner's annual activity report to its board.",
                    )
                ),
                comment=rng.choice(("", "", "Figures up to the end of last month.", "Two more are planned.")),
                reported_on=min(today, datetime.date(2026, rng.randint(6, 11), rng.randint(1, 28))),
                reported_by=User.objects.filter(username=FOCAL_USERS.get(partner.code, "")).first()
                if partner.code in FOCAL_USERS
                else coordinator,
            )
            reports += 1
    trainings = next((m for m, _b in milestones if m.code == "trainings"), None)
    lebanon = next((p for p in partners if p.code == "lb"), None)
    if lebanon is not None:
        UpdateRequest.objects.create(
            framework=framework,
            milestone=trainings,
            partner=lebanon,
            message="Could you send the number of trainings held this year before the network meeting?",
            due_on=today + datetime.timedelta(days=14),
            requested_by=coordinator,
        )
    return (
        f"Milestones: framework 2026–2028 with {len(milestones)} milestones, {len(targets)} targets "
        f"for {len(partners)} partners, {reports} progress reports, 1 open update request."
    )
