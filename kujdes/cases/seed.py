"""Many case files at once, for benchmarks and the network-scale dataset; every value is invented.

`cases_bulk_create` writes what `case_create` writes (a case code from the
organisation's sequence, the encrypted summary with the person's key) for
thousands of cases per batch, plus a few trafficking events and follow-ups
per case, with one audit event per organisation and batch.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction

from kujdes.cases.choices import (
    CaseStatus,
    CaseType,
    ClosureReason,
    ContactMethod,
    ControlMethod,
    DecisionOrganisation,
    EventType,
    ExploitationType,
    LabourIndustry,
    NrmStage,
    RecruitmentMethod,
    SexExploitationType,
    TraffickerRelationship,
    TraffickingStatus,
)
from kujdes.cases.models import Case, FollowUp, TraffickingEvent
from kujdes.core.audit import audit_record
from kujdes.people.codes import case_codes
from kujdes.people.models import Person
from kujdes.people.selectors import persons_with_keys

if TYPE_CHECKING:
    from kujdes.accounts.models import User

SUMMARIES = (
    "Referred by the school psychologist after repeated absences; family in extreme poverty.",
    "Contacted through the hotline after an online job offer abroad; mother worried.",
    "Returned from abroad with the help of the police; needs shelter and health care.",
    "Left school at 14; older sister migrated for work and lost contact.",
    "Domestic violence at home; wants vocational training and a job.",
    "Identified during an outreach session at the bus station.",
)
DESTINATIONS = ("IT", "GR", "DE", "GB", "FR", "XK", "MK", "TR")


def case_spec_synthetic(rng: random.Random, *, person: Person, today: datetime.date) -> dict[str, Any]:
    """Plain fields of one invented case of `person`, in any stage."""
    victim = rng.random() < 0.35
    stage = (
        rng.choices([NrmStage.POTENTIAL_VICTIM, NrmStage.OFFICIAL_VICTIM], weights=[60, 40])[0]
        if victim
        else NrmStage.AT_RISK
    )
    opened = today - datetime.timedelta(days=rng.randint(0, 5 * 365))
    status = rng.choices(
        [CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP, CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED],
        weights=[45, 20, 25, 10],
    )[0]
    spec: dict[str, Any] = {
        "case_type": CaseType.VICTIM_ASSISTANCE if victim else CaseType.PREVENTION,
        "status": status,
        "opened_on": opened,
        "nrm_stage": stage,
        "summary": rng.choice(SUMMARIES),
    }
    if status in (CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED):
        spec["closed_on"] = min(today, opened + datetime.timedelta(days=rng.randint(30, 700)))
        spec["closure_reason"] = (
            ClosureReason.REFERRED
            if status == CaseStatus.CLOSED_REFERRED
            else rng.choice([ClosureReason.GOALS_MET, ClosureReason.MOVED, ClosureReason.DECLINED])
        )
    if victim:
        exploitation = rng.sample(
            [
                ExploitationType.SEXUAL,
                ExploitationType.FORCED_LABOUR,
                ExploitationType.FORCED_BEGGING,
                ExploitationType.FORCED_MARRIAGE,
            ],
            k=rng.choice([1, 1, 2]),
        )
        spec.update(
            trafficking_status=(
                TraffickingStatus.ACTUAL if stage == NrmStage.OFFICIAL_VICTIM else TraffickingStatus.POSSIBLE
            ),
            status_decided_by=rng.choice([DecisionOrganisation.POLICE, DecisionOrganisation.GOVERNMENT]),
            exploitation_types=exploitation,
            labour_industry=(
                rng.choice([LabourIndustry.A, LabourIndustry.I, LabourIndustry.T, LabourIndustry.F])
                if ExploitationType.FORCED_LABOUR in exploitation
                else ""
            ),
            sex_exploitation_types=(
                [SexExploitationType.PROSTITUTION] if ExploitationType.SEXUAL in exploitation else []
            ),
            control_methods=rng.sample(
                [
                    ControlMethod.FALSE_PROMISES,
                    ControlMethod.WITHHOLDS_DOCUMENTS,
                    ControlMethod.DEBT_BONDAGE,
                    ControlMethod.PSYCHOLOGICAL_ABUSE,
                    ControlMethod.PHYSICAL_THREATS,
                ],
                k=2,
            ),
            recruitment_methods=[
                rng.choice(
                    [RecruitmentMethod.ONLINE_SOCIAL, RecruitmentMethod.FRIENDS, RecruitmentMethod.FAMILY]
                )
            ],
            trafficker_relationship=rng.choice(list(TraffickerRelationship)),
            age_when_trafficked=(
                max(10, opened.year - person.birth_year - rng.randint(0, 2)) if person.birth_year else None
            ),
        )
        if stage == NrmStage.OFFICIAL_VICTIM:
            spec.update(
                nrm_decided_on=opened + datetime.timedelta(days=rng.randint(10, 90)),
                nrm_authority="Komiteti Shtetëror kundër Trafikimit (demo)",
                joint_interview_on=opened + datetime.timedelta(days=rng.randint(3, 9)),
            )
    return spec


def cases_bulk_create(
    *, actor: User | None, persons: Sequence[Person], seed: int = 0, batch_size: int = 2000
) -> int:
    """One invented case for each person (in the person's unit), with events and a follow-up.

    Returns the number of cases created. For benchmarks and synthetic datasets only.
    """
    rng = random.Random(seed)
    today = datetime.date.today()
    created = 0
    for start in range(0, len(persons), batch_size):
        batch = persons_with_keys(list(persons[start : start + batch_size]))
        with transaction.atomic():
            cases: list[Case] = []
            by_unit: dict[tuple[int, int], list[Case]] = defaultdict(list)
            for person in batch:
                case = Case(
                    organisation_id=person.organisation_id,
                    person=person,
                    unit=person.unit,
                    created_by=actor,
                    primary_worker=actor,
                    **case_spec_synthetic(rng, person=person, today=today),
                )
                cases.append(case)
                by_unit[(person.unit_id, case.opened_on.year)].append(case)
            for (_unit_id, year), members in by_unit.items():
                for case, code in zip(
                    members, case_codes(unit=members[0].unit, year=year, count=len(members)), strict=True
                ):
                    case.code = code
            Case.objects.bulk_create(cases, batch_size=batch_size)
            events, follow_ups = [], []
            for case in cases:
                if case.case_type == CaseType.VICTIM_ASSISTANCE:
                    destination = rng.choice(DESTINATIONS) if rng.random() < 0.7 else "AL"
                    events.append(
                        TraffickingEvent(
                            organisation_id=case.organisation_id,
                            case=case,
                            event_type=EventType.RECRUITMENT,
                            country="AL",
                            place=case.person.municipality,
                            date_from=case.opened_on,
                        )
                    )
                    events.append(
                        TraffickingEvent(
                            organisation_id=case.organisation_id,
                            case=case,
                            event_type=EventType.EXPLOITATION,
                            country=destination,
                            date_from=case.opened_on,
                        )
                    )
                    case.cross_border = destination != "AL"
                if case.is_open:
                    follow_ups.append(
                        FollowUp(
                            organisation_id=case.organisation_id,
                            case=case,
                            contacted_on=today - datetime.timedelta(days=rng.randint(0, 60)),
                            method=rng.choice(list(ContactMethod)),
                            next_due_on=today + datetime.timedelta(days=rng.randint(-20, 40)),
                            recorded_by_id=actor.pk if actor else None,
                        )
                    )
            TraffickingEvent.objects.bulk_create(events, batch_size=batch_size)
            Case.objects.bulk_update([c for c in cases if c.cross_border is not None], ["cross_border"])
            if actor is not None:
                FollowUp.objects.bulk_create(follow_ups, batch_size=batch_size)
            for organisation_id in {c.organisation_id for c in cases}:
                audit_record(
                    actor=actor,
                    organisation=organisation_id,
                    action="case.bulk_created",
                    details={"count": sum(1 for c in cases if c.organisation_id == organisation_id)},
                )
        created += len(cases)
    return created
