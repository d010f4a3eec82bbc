"""Synthetic programme data in bulk (`kujdes seed --scale network`): activities with sessions, enrolments,
attendance, completions, outcomes and headcounts. For benchmarks and load tests on demo installations only;
rows are written with bulk inserts (one audit event per organisation and batch, as the other seeders do).
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from kujdes.accounts.models import User
from kujdes.core.audit import audit_record
from kujdes.core.models import Unit
from kujdes.programme.models import (
    DEFAULT_AGE_GROUPS,
    OUTCOME_MONTHS,
    Activity,
    ActivityKind,
    ActivityStatus,
    ActivityType,
    Attendance,
    Headcount,
    HeadcountCategory,
    HeadcountCell,
    Outcome,
    OutcomeResult,
    Participation,
    ParticipationStatus,
    Session,
    SessionStatus,
)
from kujdes.programme.services import activity_types_install, months_after

# kind → (share of activities, participants (min, max), sessions (min, max)); mass activities count heads.
KIND_PROFILE: dict[str, tuple[float, tuple[int, int], tuple[int, int]]] = {
    # Courses: 16 to 28 sessions over up to 28 weeks, so that enrolments and attendance marks pass
    # DESIGN.md §6's 1,000,000 at network scale (about 1.08 million expected; 12-24 gave 983,374).
    ActivityKind.COURSE: (0.25, (12, 24), (16, 28)),
    ActivityKind.CAMP: (0.04, (30, 50), (5, 10)),
    ActivityKind.TRAINING: (0.12, (10, 25), (1, 3)),
    ActivityKind.MEETING: (0.2, (8, 30), (1, 1)),
    ActivityKind.MASS: (0.35, (0, 0), (1, 3)),
    ActivityKind.ADVOCACY: (0.03, (0, 0), (1, 1)),
    ActivityKind.VISIT: (0.01, (5, 12), (1, 2)),
}
OUTCOME_WEIGHTS = {
    OutcomeResult.EMPLOYED: 30,
    OutcomeResult.CONTINUED_EDUCATION: 15,
    OutcomeResult.STARTED_BUSINESS: 5,
    OutcomeResult.RETURNED_TO_SCHOOL: 8,
    OutcomeResult.NONE: 30,
    OutcomeResult.UNREACHABLE: 12,
}


@dataclass
class ProgrammeSeeded:
    activities: int = 0
    sessions: int = 0
    participations: int = 0
    attendance: int = 0
    headcounts: int = 0
    outcomes: int = 0


def programme_bulk_create(
    *,
    units: Sequence[tuple[Unit, float]],
    persons_by_unit: dict[int, list[int]],
    creators: dict[int, User],
    activities: int,
    seed: int = 0,
    batch_size: int = 500,
) -> ProgrammeSeeded:
    """`activities` invented activities over the last two years, spread over units by weight.

    Participants are drawn from the persons of the activity's unit (`persons_by_unit`: unit id → person ids).
    `creators` (organisation id → user) stand in as the authors of the rows.
    """
    rng = random.Random(seed)
    today = datetime.date.today()
    types_by_org: dict[int, dict[str, list[ActivityType]]] = {}
    for organisation_id in {u.organisation_id for u, _w in units}:
        activity_types_install(organisation_id=organisation_id)
        grouped: dict[str, list[ActivityType]] = defaultdict(list)
        for activity_type in ActivityType.objects.filter(organisation_id=organisation_id):
            grouped[activity_type.kind].append(activity_type)
        types_by_org[organisation_id] = grouped
    kinds = list(KIND_PROFILE)
    kind_weights = [KIND_PROFILE[k][0] for k in kinds]
    unit_list, unit_weights = [u for u, _w in units], [w for _u, w in units]
    done = ProgrammeSeeded()
    while done.activities < activities:
        count = min(batch_size, activities - done.activities)
        with transaction.atomic():
            rows: list[tuple[Activity, str]] = []
            for _ in range(count):
                unit = rng.choices(unit_list, unit_weights)[0]
                kind = rng.choices(kinds, kind_weights)[0]
                starts_on = today - datetime.timedelta(days=rng.randint(0, 730))
                _share, _people, (low, high) = KIND_PROFILE[kind]
                span = {ActivityKind.COURSE: 7 * high, ActivityKind.CAMP: high}.get(
                    kind, rng.choice([0, 0, 1, 6])
                )
                ends_on = starts_on + datetime.timedelta(days=span)
                activity = Activity(
                    organisation_id=unit.organisation_id,
                    activity_type=rng.choice(types_by_org[unit.organisation_id][kind]),
                    title=f"{kind.title()} {rng.randrange(10_000):04d}",
                    unit=unit,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    status=ActivityStatus.COMPLETED
                    if ends_on < today
                    else (ActivityStatus.RUNNING if starts_on <= today else ActivityStatus.PLANNED),
                    created_by=creators[unit.organisation_id],
                )
                rows.append((activity, kind))
            Activity.objects.bulk_create([a for a, _k in rows])
            sessions: list[Session] = []
            sessions_of: dict[int, list[Session]] = {}
            for activity, kind in rows:
                _share, _people, (low, high) = KIND_PROFILE[kind]
                n = rng.randint(low, high)
                span = (activity.ends_on - activity.starts_on).days
                dates = sorted(
                    {activity.starts_on + datetime.timedelta(days=rng.randint(0, span)) for _ in range(n)}
                )
                own = [
                    Session(
                        organisation_id=activity.organisation_id,
                        activity=activity,
                        date=d,
                        starts_at=datetime.time(15, 0),
                        ends_at=datetime.time(17, 0),
                        status=SessionStatus.HELD if d <= today else SessionStatus.PLANNED,
                    )
                    for d in dates
                ]
                sessions_of[activity.pk] = own
                sessions += own
            Session.objects.bulk_create(sessions)
            participations: list[Participation] = []
            headcounts: list[Headcount] = []
            for activity, kind in rows:
                _share, (low, high), _sessions = KIND_PROFILE[kind]
                pool = persons_by_unit.get(activity.unit_id, [])
                if high and pool:
                    chosen = rng.sample(pool, min(len(pool), rng.randint(low, high)))
                    finished = activity.ends_on < today
                    for person_id in chosen:
                        status = ParticipationStatus.ENROLLED
                        if finished:
                            status = (
                                ParticipationStatus.DROPPED
                                if rng.random() < 0.12
                                else ParticipationStatus.COMPLETED
                            )
                        participations.append(
                            Participation(
                                organisation_id=activity.organisation_id,
                                activity=activity,
                                person_id=person_id,
                                status=status,
                                enrolled_on=activity.starts_on,
                                completed_on=activity.ends_on
                                if status == ParticipationStatus.COMPLETED
                                else None,
                                enrolled_by=creators[activity.organisation_id],
                            )
                        )
                elif not high:
                    for session in sessions_of[activity.pk]:
                        if session.date <= today:
                            headcounts.append(
                                Headcount(
                                    organisation_id=activity.organisation_id,
                                    activity=activity,
                                    session=session,
                                    date=session.date,
                                    age_groups=list(DEFAULT_AGE_GROUPS),
                                    reach_families=rng.randint(0, 150),
                                    reach_community=rng.choice([0, 0, 200, 500]),
                                    reach_media=rng.choice([0, 0, 0, 5000]),
                                    reach_online=rng.choice([0, 300, 2000]),
                                    reach_method="Synthetic estimate",
                                    recorded_by=creators[activity.organisation_id],
                                )
                            )
            Participation.objects.bulk_create(participations)
            Headcount.objects.bulk_create(headcounts)
            cells = []
            categories = list(HeadcountCategory)
            for headcount in headcounts:
                category = rng.choice(categories)
                for age in rng.sample(DEFAULT_AGE_GROUPS, 3):
                    for sex in ("Feminine", "Masculine"):
                        cells.append(
                            HeadcountCell(
                                organisation_id=headcount.organisation_id,
                                headcount=headcount,
                                sex=sex,
                                age_from=age,
                                category=category,
                                count=rng.randint(1, 30),
                            )
                        )
            HeadcountCell.objects.bulk_create(cells, batch_size=5000)
            attendance: list[Attendance] = []
            outcomes: list[Outcome] = []
            by_activity: dict[int, list[Participation]] = defaultdict(list)
            for participation in participations:
                by_activity[participation.activity_id].append(participation)
            kind_of = {a.pk: k for a, k in rows}
            for activity_id, members in by_activity.items():
                for session in sessions_of[activity_id]:
                    if session.date > today:
                        continue
                    for participation in members:
                        attendance.append(
                            Attendance(
                                organisation_id=participation.organisation_id,
                                session=session,
                                participation=participation,
                                present=rng.random() < 0.85,
                                recorded_by=creators[participation.organisation_id],
                            )
                        )
                if kind_of[activity_id] != ActivityKind.COURSE:
                    continue
                for participation in members:
                    if participation.completed_on is None:
                        continue
                    for months in OUTCOME_MONTHS:
                        due = months_after(participation.completed_on, months)
                        recorded = due <= today and rng.random() < 0.85
                        outcomes.append(
                            Outcome(
                                organisation_id=participation.organisation_id,
                                participation=participation,
                                months=months,
                                due_on=due,
                                result=rng.choices(list(OUTCOME_WEIGHTS), list(OUTCOME_WEIGHTS.values()))[0]
                                if recorded
                                else "",
                                recorded_on=due if recorded else None,
                            )
                        )
            Attendance.objects.bulk_create(attendance, batch_size=5000)
            Outcome.objects.bulk_create(outcomes, batch_size=5000)
            for organisation_id in {a.organisation_id for a, _k in rows}:
                audit_record(
                    actor=None,
                    organisation=organisation_id,
                    action="programme.bulk_created",
                    details={"activities": sum(1 for a, _k in rows if a.organisation_id == organisation_id)},
                )
        done.activities += len(rows)
        done.sessions += len(sessions)
        done.participations += len(participations)
        done.attendance += len(attendance)
        done.headcounts += len(headcounts)
        done.outcomes += len(outcomes)
    return done


def seed_network(*, seed: int, totals: dict[str, int]) -> str:
    """The programme's share of `kujdes seed --scale network`: activities up to the network total."""
    from kujdes.core.models import Membership
    from kujdes.people.models import Person

    missing = totals["activities"] - Activity.objects.count()
    if missing <= 0:
        return "Programme: the activities are there already."
    # Units weighted by the persons registered in them, so that activities sit where the people are.
    persons_by_unit: dict[int, list[int]] = defaultdict(list)
    for unit_id, person_id in (
        Person.objects.filter(erased_at__isnull=True).values_list("unit_id", "pk").iterator()
    ):
        persons_by_unit[unit_id].append(person_id)
    units = [(u, float(len(persons_by_unit.get(u.pk, [])) or 1)) for u in Unit.objects.order_by("pk")]
    creators = {}
    for membership in Membership.objects.select_related("user").order_by("pk"):
        creators.setdefault(membership.organisation_id, membership.user)
    done = programme_bulk_create(
        units=units, persons_by_unit=persons_by_unit, creators=creators, activities=missing, seed=seed
    )
    return (
        f"Programme: {done.activities:,} activities, {done.sessions:,} sessions, {done.participations:,}"
        f" enrolments, {done.attendance:,} attendance marks, {done.headcounts:,} headcounts,"
        f" {done.outcomes:,} outcomes"
    )
