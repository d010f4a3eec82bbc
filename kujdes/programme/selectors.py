"""Reads of the programme room, scoped by the actor.

Staff (programme managers, field educators, case workers) see the activities organised or
co-organised by units in their reach. A volunteer sees only the activities they facilitate, and of
persons only those activities' participants. Initiatives and volunteers are staff business.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from kujdes.core.models import Unit
from kujdes.core.roles import Perm, Role, roles_with
from kujdes.core.selectors import _reach_filter, memberships_of
from kujdes.people.selectors import persons_with_keys
from kujdes.programme.models import (
    DEFAULT_AGE_GROUPS,
    Activity,
    ActivityType,
    Attendance,
    CampIncident,
    CodeOfConduct,
    Facilitator,
    Headcount,
    Initiative,
    Outcome,
    Participation,
    ParticipationStatus,
    ProgrammeSettings,
    Session,
    Volunteer,
    VolunteerTraining,
)

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def _unit_ids(actor: User, perm: Perm, *, staff_only: bool = True) -> list[int]:
    """Units where the actor holds `perm` through a staff role (volunteers reach activities otherwise)."""
    cache = actor.__dict__.setdefault("_programme_units", {})
    key = (perm, staff_only)
    if key not in cache:
        granting = set(roles_with(perm))
        if staff_only:
            granting.discard(Role.VOLUNTEER)
        filters = [_reach_filter(m) for m in memberships_of(user=actor) if Role(m.role) in granting]
        ids: list[int] = []
        if filters:
            query = Q()
            for condition in filters:
                query |= condition
            ids = list(Unit.objects.filter(query).order_by().values_list("pk", flat=True))
        cache[key] = ids
    return cache[key]


def _volunteer_unit_ids(actor: User) -> list[int]:
    return [m.unit_id for m in memberships_of(user=actor) if m.role == Role.VOLUNTEER]


def is_volunteer_only(actor: User) -> bool:
    """A volunteer with no staff role in the programme: sees facilitated activities only."""
    return bool(_volunteer_unit_ids(actor)) and not _unit_ids(actor, Perm.PROGRAMME_VIEW)


def activities_for_actor(*, actor: User) -> QuerySet[Activity]:
    """Activities organised or co-organised in the actor's units, plus those they facilitate (volunteers)."""
    units = _unit_ids(actor, Perm.PROGRAMME_VIEW)
    condition = Q(pk__in=[])
    if units:
        condition |= Q(unit_id__in=units) | Q(
            pk__in=Activity.co_units.through.objects.filter(unit_id__in=units).values("activity_id")
        )
    volunteer_units = _volunteer_unit_ids(actor)
    if volunteer_units:
        condition |= Q(
            pk__in=Facilitator.objects.filter(
                volunteer__user=actor, volunteer__unit_id__in=volunteer_units
            ).values("activity_id")
        )
    return Activity.objects.filter(condition)


def activity_get(*, actor: User, public_id: str) -> Activity:
    """One activity the actor may see; Activity.DoesNotExist (→ 404) for any other."""
    return activities_for_actor(actor=actor).select_related("activity_type", "unit").get(public_id=public_id)


def _activity_unit_ids(activity: Activity) -> set[int]:
    cached = getattr(activity, "_unit_ids", None)
    if cached is None:
        cached = {activity.unit_id, *activity.co_units.values_list("pk", flat=True)}
        activity._unit_ids = cached  # type: ignore[attr-defined]
    return cached


def activity_can_manage(*, actor: User, activity: Activity) -> bool:
    """Edit the activity, its sessions, enrolments, completions, outcomes, camp and incidents."""
    return bool(_activity_unit_ids(activity) & set(_unit_ids(actor, Perm.PROGRAMME_MANAGE)))


def activity_can_record(*, actor: User, activity: Activity) -> bool:
    """Record attendance and headcounts: staff with the permission, or a facilitating volunteer."""
    if _activity_unit_ids(activity) & set(_unit_ids(actor, Perm.ATTENDANCE_RECORD)):
        return True
    return activity.facilitators.filter(
        volunteer__user=actor, volunteer__unit_id__in=_volunteer_unit_ids(actor)
    ).exists()


def activity_types_for_organisation(
    *, organisation_id: int, active_only: bool = True
) -> QuerySet[ActivityType]:
    types = ActivityType.objects.filter(organisation_id=organisation_id)
    return types.filter(is_active=True) if active_only else types


def participations_of(*, activity: Activity) -> list[Participation]:
    """The activity's participants with their person keys loaded (names decrypt without a query each)."""
    rows = list(
        Participation.objects.filter(activity=activity).select_related("person", "camp_group").order_by("pk")
    )
    persons = persons_with_keys([row.person for row in rows])
    for row, person in zip(rows, persons, strict=True):
        row.person = person
    return sorted(rows, key=lambda r: (r.person.given_name or "").casefold())


def participations_of_person(*, actor: User, person_id: int) -> QuerySet[Participation]:
    return (
        Participation.objects.filter(person_id=person_id, activity__in=activities_for_actor(actor=actor))
        .select_related("activity", "activity__activity_type")
        .order_by("-activity__starts_on")
    )


def session_get(*, activity: Activity, public_id: str) -> Session:
    return Session.objects.select_related("activity").get(activity=activity, public_id=public_id)


def sessions_on(*, actor: User, date: datetime.date) -> QuerySet[Session]:
    """The sessions of the actor's activities on a day (a volunteer's "today")."""
    return (
        Session.objects.filter(date=date, activity__in=activities_for_actor(actor=actor))
        .select_related("activity", "activity__activity_type")
        .order_by("starts_at", "activity__title")
    )


@dataclass
class RegisterRow:
    participation: Participation
    present: bool | None  # None: not recorded yet


def attendance_register(*, session: Session) -> list[RegisterRow]:
    """The register of one session: enrolled (not dropped) participants, with what was recorded."""
    participations = [
        p for p in participations_of(activity=session.activity) if p.status != ParticipationStatus.DROPPED
    ]
    marks = dict(Attendance.objects.filter(session=session).values_list("participation_id", "present"))
    return [RegisterRow(participation=p, present=marks.get(p.pk)) for p in participations]


def sessions_without_attendance(
    *, actor: User, since: datetime.date, until: datetime.date
) -> QuerySet[Session]:
    """Sessions of the actor's activities between two days (inclusive) with no attendance recorded yet."""
    return (
        Session.objects.filter(
            date__gte=since, date__lte=until, activity__in=activities_for_actor(actor=actor)
        )
        .exclude(status="cancelled")
        .exclude(Exists(Attendance.objects.filter(session_id=OuterRef("pk"))))
        .select_related("activity", "activity__activity_type")
        .order_by("-date", "starts_at")
    )


def register_participation_ids(*, session: Session) -> set[int]:
    """The ids of a session's register rows (enrolled, not dropped), without loading the persons."""
    return set(
        Participation.objects.filter(activity_id=session.activity_id)
        .exclude(status=ParticipationStatus.DROPPED)
        .values_list("pk", flat=True)
    )


def attendance_marks(*, session: Session) -> dict[int, bool]:
    """What is recorded for a session: participation id → present."""
    return dict(Attendance.objects.filter(session=session).values_list("participation_id", "present"))


def register_rows_for(
    *, session: Session, participation_ids: set[int], marks: dict[int, bool]
) -> list[RegisterRow]:
    """Some rows of a session's register (those a save changed), names loadable without a query each."""
    if not participation_ids:
        return []
    rows = list(
        Participation.objects.filter(activity_id=session.activity_id, pk__in=participation_ids)
        .select_related("person")
        .order_by("pk")
    )
    persons = persons_with_keys([row.person for row in rows])
    for row, person in zip(rows, persons, strict=True):
        row.person = person
    return [RegisterRow(participation=p, present=marks.get(p.pk)) for p in rows]


def headcount_get(*, actor: User, public_id: str) -> Headcount:
    """A headcount of an activity the actor sees; Headcount.DoesNotExist (→ 404) for any other."""
    return Headcount.objects.select_related("activity", "activity__activity_type").get(
        public_id=public_id, activity__in=activities_for_actor(actor=actor)
    )


def headcounts_of(*, activity: Activity) -> QuerySet[Headcount]:
    return Headcount.objects.filter(activity=activity).prefetch_related("cells")


def incidents_of(*, actor: User, activity: Activity) -> QuerySet[CampIncident]:
    """The camp's incident log: for staff who manage the activity, never for volunteers."""
    if not activity_can_manage(actor=actor, activity=activity):
        return CampIncident.objects.none()
    return CampIncident.objects.filter(activity=activity)


def outcomes_due(*, actor: User, until: datetime.date | None = None) -> QuerySet[Outcome]:
    """Outcome follow-ups not yet recorded, due by `until` (default: in the next 30 days)."""
    until = until or timezone.localdate() + datetime.timedelta(days=30)
    units = _unit_ids(actor, Perm.PROGRAMME_MANAGE)
    return (
        Outcome.objects.filter(result="", due_on__lte=until, participation__activity__unit_id__in=units)
        .select_related("participation__activity", "participation__person")
        .order_by("due_on")
    )


def age_groups_for(*, organisation_id: int) -> tuple[int, ...]:
    """Lower bounds of the organisation's age groups for headcounts (DESIGN default 0–5 … 60+)."""
    stored = (
        ProgrammeSettings.objects.filter(organisation_id=organisation_id)
        .values_list("age_groups", flat=True)
        .first()
    )
    return tuple(stored) if stored else DEFAULT_AGE_GROUPS


def age_group_label(bounds: tuple[int, ...] | list[int], lower: int) -> str:
    index = list(bounds).index(lower)
    if index + 1 < len(bounds):
        return f"{lower}–{bounds[index + 1] - 1}"
    return f"{lower}+"


def reminder_days_for(*, organisation_id: int) -> int:
    stored = (
        ProgrammeSettings.objects.filter(organisation_id=organisation_id)
        .values_list("reminder_days", flat=True)
        .first()
    )
    return stored if stored is not None else 30


# -- volunteers and initiatives (staff) -------------------------------------------------------------


def volunteers_for_actor(*, actor: User) -> QuerySet[Volunteer]:
    """Volunteers of the units where the actor manages the programme."""
    return Volunteer.objects.filter(unit_id__in=_unit_ids(actor, Perm.PROGRAMME_MANAGE))


def volunteer_get(*, actor: User, public_id: str) -> Volunteer:
    """A volunteer the actor manages, or their own profile; Volunteer.DoesNotExist otherwise."""
    condition = Q(unit_id__in=_unit_ids(actor, Perm.PROGRAMME_MANAGE)) | Q(user=actor)
    return Volunteer.objects.select_related("unit").filter(condition).get(public_id=public_id)


def volunteer_can_manage(*, actor: User, volunteer: Volunteer) -> bool:
    return volunteer.unit_id in _unit_ids(actor, Perm.PROGRAMME_MANAGE)


def conduct_current(*, organisation_id: int) -> CodeOfConduct | None:
    return CodeOfConduct.objects.filter(organisation_id=organisation_id).order_by("-version_number").first()


@dataclass
class Expiry:
    volunteer: Volunteer
    what: str  # "background_check" or "training"
    title: str
    expires_on: datetime.date
    today: datetime.date

    @property
    def expired(self) -> bool:
        return self.expires_on < self.today


def expiries_for_units(*, unit_ids: list[int], today: datetime.date, days: int) -> list[Expiry]:
    """Background checks and trainings of active volunteers that expire within `days` (or have expired)."""
    horizon = today + datetime.timedelta(days=days)
    items: list[Expiry] = []
    volunteers = Volunteer.objects.filter(unit_id__in=unit_ids, is_active=True)
    for volunteer in volunteers.filter(background_check_expires_on__lte=horizon):
        items.append(
            Expiry(volunteer, "background_check", "", volunteer.background_check_expires_on, today)  # type: ignore[arg-type]
        )
    # Only a training's latest completion counts: a renewed training no longer expires.
    trainings = VolunteerTraining.objects.filter(
        volunteer__in=volunteers, expires_on__isnull=False
    ).select_related("volunteer")
    latest: dict[tuple[int, str], VolunteerTraining] = {}
    for training in trainings.order_by("completed_on"):
        latest[(training.volunteer_id, training.title.casefold())] = training
    for training in latest.values():
        if training.expires_on and training.expires_on <= horizon:
            items.append(Expiry(training.volunteer, "training", training.title, training.expires_on, today))
    return sorted(items, key=lambda item: (item.expires_on, str(item.volunteer)))


def expiries_for_actor(*, actor: User, today: datetime.date | None = None) -> list[Expiry]:
    units = _unit_ids(actor, Perm.PROGRAMME_MANAGE)
    if not units:
        return []
    organisation_id = Unit.objects.filter(pk=units[0]).values_list("organisation_id", flat=True).get()
    return expiries_for_units(
        unit_ids=units,
        today=today or timezone.localdate(),
        days=reminder_days_for(organisation_id=organisation_id),
    )


def initiatives_for_actor(*, actor: User) -> QuerySet[Initiative]:
    return Initiative.objects.filter(unit_id__in=_unit_ids(actor, Perm.PROGRAMME_VIEW))


def initiative_get(*, actor: User, public_id: str) -> Initiative:
    return initiatives_for_actor(actor=actor).select_related("unit").get(public_id=public_id)


def initiative_can_manage(*, actor: User, initiative: Initiative) -> bool:
    return initiative.unit_id in _unit_ids(actor, Perm.PROGRAMME_MANAGE)


def programme_units(*, actor: User, perm: Perm = Perm.PROGRAMME_MANAGE) -> QuerySet[Unit]:
    """Units where the actor may organise activities (the form's choices)."""
    return Unit.objects.filter(pk__in=_unit_ids(actor, perm)).order_by("path")
