"""Reads of the employment pathway, always on behalf of an actor.

Who sees what:
- the pathway's records (readiness, actions, placements, follow-ups, grants) are scoped by their unit:
  staff who work with persons there — field educators and programme managers (programme.manage),
  case workers (case.view) — see them; volunteers, viewers and administrators do not;
- the employer directory is the organisation's: every such staff member of the organisation reads it,
  those of the employer's unit (and above) edit it;
- a person can be put on the pathway by an actor who sees the person (person.view) or who runs an
  activity the person took part in (an educator and a course graduate).
Anything else answers DoesNotExist (→ 404), the same as what does not exist.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from kujdes.core.models import Unit
from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.people.models import Person
from kujdes.people.selectors import persons_for_actor, persons_with_keys
from kujdes.programme.employment.models import (
    Employer,
    MicroGrant,
    Placement,
    PlacementFollowUp,
    ReadinessAssessment,
    ScreeningStatus,
    SupportAction,
)
from kujdes.programme.models import Participation, ParticipationStatus

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def _ids(actor: User, perm: Perm) -> set[int]:
    cache = actor.__dict__.setdefault("_employment_units", {})
    if perm not in cache:
        cache[perm] = set(units_for_actor(actor=actor, perm=perm).order_by().values_list("pk", flat=True))
    return cache[perm]


def units_viewing(*, actor: User) -> list[int]:
    """Units whose pathway records the actor reads."""
    return sorted(_ids(actor, Perm.PROGRAMME_MANAGE) | _ids(actor, Perm.CASE_VIEW))


def units_managing(*, actor: User) -> list[int]:
    """Units where the actor records on the pathway (educators, programme managers, case workers)."""
    return sorted(_ids(actor, Perm.PROGRAMME_MANAGE) | _ids(actor, Perm.CASE_MANAGE))


def units_for_recording(*, actor: User) -> QuerySet[Unit]:
    return Unit.objects.filter(pk__in=units_managing(actor=actor), is_active=True).order_by("path")


def can_manage_unit(*, actor: User, unit_id: int) -> bool:
    return unit_id in units_managing(actor=actor)


def employment_visible(*, actor: User) -> bool:
    return bool(units_viewing(actor=actor))


# -- persons -----------------------------------------------------------------------------------------


def _graduate_person_ids(actor: User) -> QuerySet[Participation]:
    units = sorted(_ids(actor, Perm.PROGRAMME_MANAGE))
    return Participation.objects.filter(activity__unit_id__in=units).values("person_id")


def pathway_persons(*, actor: User) -> QuerySet[Person]:
    """Persons the actor may put on the pathway or whose pathway page the actor opens."""
    seen = persons_for_actor(actor=actor).values("pk")
    recorded = Placement.objects.filter(unit_id__in=units_viewing(actor=actor)).values("person_id")
    return Person.objects.filter(
        Q(pk__in=seen) | Q(pk__in=_graduate_person_ids(actor)) | Q(pk__in=recorded),
        erased_at__isnull=True,
        merged_into__isnull=True,
    )


def pathway_person_get(*, actor: User, public_id: str) -> Person:
    """One person of the actor's pathway; Person.DoesNotExist (→ 404) for anyone else."""
    if not employment_visible(actor=actor):
        raise Person.DoesNotExist
    return pathway_persons(actor=actor).select_related("unit").get(public_id=public_id)


def graduates_without_placement(*, actor: User, since: datetime.date, limit: int = 50) -> list[Participation]:
    """Course completions in the actor's activities since `since` with no placement recorded after them."""
    units = sorted(_ids(actor, Perm.PROGRAMME_MANAGE))
    placed = Placement.objects.filter(
        organisation_id__in=Unit.objects.filter(pk__in=units).values("organisation_id")
    )
    rows = list(
        Participation.objects.filter(
            activity__unit_id__in=units,
            activity__activity_type__kind="course",
            status=ParticipationStatus.COMPLETED,
            completed_on__gte=since,
        )
        .exclude(person_id__in=placed.values("person_id"))
        .select_related("person", "activity")
        .order_by("-completed_on")[:limit]
    )
    persons = persons_with_keys([row.person for row in rows])
    for row, person in zip(rows, persons, strict=True):
        row.person = person
    return rows


def courses_completed_by(*, person: Person) -> QuerySet[Participation]:
    return (
        Participation.objects.filter(person=person, status=ParticipationStatus.COMPLETED)
        .select_related("activity")
        .order_by("-completed_on")
    )


# -- the pathway's records -----------------------------------------------------------------------------


def placements_for_actor(*, actor: User) -> QuerySet[Placement]:
    return Placement.objects.filter(unit_id__in=units_viewing(actor=actor))


def placement_get(*, actor: User, public_id: str) -> Placement:
    """One placement the actor sees; Placement.DoesNotExist (→ 404) otherwise."""
    return (
        placements_for_actor(actor=actor)
        .select_related("person", "employer", "unit", "course__activity")
        .get(public_id=public_id)
    )


def placements_of_person(*, actor: User, person: Person) -> list[Placement]:
    rows = list(
        placements_for_actor(actor=actor)
        .filter(person=person)
        .select_related("employer", "unit", "person")
        .prefetch_related("follow_ups")
    )
    return rows


def readiness_of_person(*, actor: User, person: Person) -> QuerySet[ReadinessAssessment]:
    return ReadinessAssessment.objects.filter(
        person=person, unit_id__in=units_viewing(actor=actor)
    ).select_related("person", "assessed_by")


def actions_of_person(*, actor: User, person: Person) -> QuerySet[SupportAction]:
    return SupportAction.objects.filter(person=person, unit_id__in=units_viewing(actor=actor)).select_related(
        "person", "employer"
    )


def grants_for_actor(*, actor: User) -> QuerySet[MicroGrant]:
    return MicroGrant.objects.filter(unit_id__in=units_viewing(actor=actor))


def grants_of_person(*, actor: User, person: Person) -> QuerySet[MicroGrant]:
    return grants_for_actor(actor=actor).filter(person=person).select_related("person")


def grant_get(*, actor: User, public_id: str) -> MicroGrant:
    return grants_for_actor(actor=actor).select_related("person", "unit").get(public_id=public_id)


def follow_ups_for_actor(*, actor: User) -> QuerySet[PlacementFollowUp]:
    return PlacementFollowUp.objects.filter(placement__unit_id__in=units_viewing(actor=actor))


def follow_up_get(*, actor: User, public_id: str) -> PlacementFollowUp:
    return (
        follow_ups_for_actor(actor=actor)
        .select_related(
            "placement", "placement__person", "placement__employer", "placement__unit", "screening", "case"
        )
        .get(public_id=public_id)
    )


def follow_ups_due(*, actor: User, until: datetime.date) -> list[PlacementFollowUp]:
    """Follow-ups not yet recorded, due by `until`, of placements still running (oldest first)."""
    rows = list(
        follow_ups_for_actor(actor=actor)
        .filter(recorded_on__isnull=True, due_on__lte=until, placement__ended_on__isnull=True)
        .select_related("placement", "placement__person", "placement__employer")
        .order_by("due_on")[:100]
    )
    persons = persons_with_keys([row.placement.person for row in rows])
    for row, person in zip(rows, persons, strict=True):
        row.placement.person = person
    return rows


def screenings_awaiting(*, actor: User) -> list[PlacementFollowUp]:
    """Follow-ups whose warning signs opened a screening that the person's case worker has yet to record."""
    case_units = sorted(_ids(actor, Perm.CASE_MANAGE))
    rows = list(
        PlacementFollowUp.objects.filter(
            screening_status=ScreeningStatus.AWAITING, placement__person__unit_id__in=case_units
        )
        .select_related("placement", "placement__person")
        .order_by("recorded_on")
    )
    persons = persons_with_keys([row.placement.person for row in rows])
    for row, person in zip(rows, persons, strict=True):
        row.placement.person = person
    return rows


def screening_can_record(*, actor: User, follow_up: PlacementFollowUp) -> bool:
    """Whether the actor records the screening a follow-up opened (a case worker of the person's unit)."""
    return follow_up.placement.person.unit_id in _ids(actor, Perm.CASE_MANAGE)


# -- employers ---------------------------------------------------------------------------------------------


def employers_for_actor(*, actor: User) -> QuerySet[Employer]:
    """The employer directories of the organisations where the actor works on the pathway."""
    organisations = Unit.objects.filter(pk__in=units_viewing(actor=actor)).values("organisation_id")
    return Employer.objects.filter(organisation_id__in=organisations)


def employer_get(*, actor: User, public_id: str) -> Employer:
    return employers_for_actor(actor=actor).select_related("unit").get(public_id=public_id)


def employer_can_manage(*, actor: User, employer: Employer) -> bool:
    return can_manage_unit(actor=actor, unit_id=employer.unit_id)


def employers_for_placement(*, actor: User, organisation_id: int) -> QuerySet[Employer]:
    return (
        employers_for_actor(actor=actor)
        .filter(organisation_id=organisation_id, is_active=True)
        .order_by("name")
    )


def employer_list(
    *, actor: User, query: str = "", sector: str = "", municipality: str = ""
) -> QuerySet[Employer]:
    rows = employers_for_actor(actor=actor)
    if query:
        rows = rows.filter(name__icontains=query)
    if sector:
        rows = rows.filter(sector=sector)
    if municipality:
        rows = rows.filter(municipality=municipality)
    return rows.order_by("name")
