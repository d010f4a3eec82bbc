"""Reads of the programme room, scoped by the actor.

Staff (programme managers, field educators, case workers) see the activities organised or
co-organised by units in their reach. A volunteer sees only the activities they facilitate, and of
persons only those activities' participants. Initiatives and volunteers are staff business.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
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
    ActivityFile,
    ActivityType,
    Attendance,
    CampGroup,
    CampIncident,
    CodeOfConduct,
    Facilitator,
    Headcount,
    HeadcountCell,
    Initiative,
    InitiativeAction,
    Outcome,
    Participation,
    ParticipationStatus,
    ProgrammeSettings,
    Session,
    SessionStatus,
    Volunteer,
    VolunteerHours,
    VolunteerTraining,
)
from kujdes.referrals.models import ServiceProvider

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


# -- volunteer pages (views_volunteers.py, views_settings.py, the reminders command) ---------------------


def conduct_versions(*, organisation_id: int) -> QuerySet[CodeOfConduct]:
    return CodeOfConduct.objects.filter(organisation_id=organisation_id).order_by("-version_number")


def conduct_accepted_ids(*, code: CodeOfConduct | None) -> set[int]:
    """Volunteers (pks) who accepted this version of the code of conduct."""
    if code is None:
        return set()
    from kujdes.programme.models import ConductAcceptance

    return set(ConductAcceptance.objects.filter(code=code).values_list("volunteer_id", flat=True))


@dataclass
class VolunteerRecord:
    trainings: list[VolunteerTraining]
    acceptances: list  # ConductAcceptance rows, newest version first
    facilitations: list[Facilitator]
    hours_by_activity: list[dict]  # {"activity": Activity | None, "year": Decimal, "total": Decimal}
    hours_year: Decimal
    hours_total: Decimal
    recent_hours: list


def volunteer_record(*, volunteer: Volunteer, today: datetime.date | None = None) -> VolunteerRecord:
    """What a volunteer's page shows: trainings, acceptances, facilitated activities and hours."""
    from kujdes.programme.models import ConductAcceptance, VolunteerHours

    today = today or timezone.localdate()
    hours = list(VolunteerHours.objects.filter(volunteer=volunteer).select_related("activity"))
    by_activity: dict[int | None, dict] = {}
    for entry in hours:
        row = by_activity.setdefault(
            entry.activity_id, {"activity": entry.activity, "year": Decimal(0), "total": Decimal(0)}
        )
        row["total"] += entry.hours
        if entry.date.year == today.year:
            row["year"] += entry.hours
    return VolunteerRecord(
        trainings=list(VolunteerTraining.objects.filter(volunteer=volunteer).select_related("activity")),
        acceptances=list(
            ConductAcceptance.objects.filter(volunteer=volunteer)
            .select_related("code")
            .order_by("-code__version_number")
        ),
        facilitations=list(
            Facilitator.objects.filter(volunteer=volunteer)
            .select_related("activity", "activity__activity_type")
            .order_by("-activity__starts_on")
        ),
        hours_by_activity=sorted(by_activity.values(), key=lambda r: -r["total"]),
        hours_year=sum((r["year"] for r in by_activity.values()), Decimal(0)),
        hours_total=sum((r["total"] for r in by_activity.values()), Decimal(0)),
        recent_hours=hours[:10],
    )


def volunteer_of_user(*, user: User) -> Volunteer:
    """The signed-in user's own volunteer profile; Volunteer.DoesNotExist when they have none."""
    return Volunteer.objects.select_related("unit").get(user=user)


def activities_facilitated_by(*, volunteer: Volunteer) -> QuerySet[Activity]:
    return Activity.objects.filter(
        pk__in=Facilitator.objects.filter(volunteer=volunteer).values("activity_id")
    ).order_by("-starts_on")


def volunteer_linkable_users(*, actor: User, volunteer: Volunteer | None = None) -> QuerySet[User]:
    """Accounts a volunteer profile may be linked to: active users holding a volunteer role in a unit the
    actor manages, not yet linked to another profile."""
    from kujdes.accounts.models import User as UserModel
    from kujdes.core.models import Membership

    user_ids = Membership.objects.filter(
        role=Role.VOLUNTEER, unit_id__in=_unit_ids(actor, Perm.PROGRAMME_MANAGE)
    ).values("user_id")
    taken = Volunteer.objects.filter(user__isnull=False)
    condition = Q(pk__in=user_ids, is_active=True)
    if volunteer is not None:
        taken = taken.exclude(pk=volunteer.pk)
        if volunteer.user_id is not None:
            # The linked account stays choosable even when its volunteer membership moved.
            condition |= Q(pk=volunteer.user_id)
    return (
        UserModel.objects.filter(condition)
        .exclude(pk__in=taken.values("user_id"))
        .order_by("first_name", "last_name", "username")
    )


def activity_type_get(*, actor: User, public_id: str) -> ActivityType:
    """A type of an organisation the actor configures; ActivityType.DoesNotExist (→ 404) otherwise."""
    from kujdes.core.selectors import organisations_for_actor

    organisations = organisations_for_actor(actor=actor, perm=Perm.ORGANISATION_CONFIGURE)
    return ActivityType.objects.filter(organisation__in=organisations).get(public_id=public_id)


def programme_settings_of(*, organisation_id: int) -> ProgrammeSettings | None:
    return ProgrammeSettings.objects.filter(organisation_id=organisation_id).first()


def programme_managers_reaching(*, unit: Unit) -> list[User]:
    """Active users holding the programme manager role over this unit (by their membership's reach)."""
    from kujdes.core.models import Membership

    managers = []
    seen: set[int] = set()
    memberships = Membership.objects.filter(
        organisation_id=unit.organisation_id, role=Role.PROGRAMME_MANAGER, user__is_active=True
    ).select_related("unit", "user")
    for membership in memberships.order_by("pk"):
        if membership.user_id in seen:
            continue
        if Unit.objects.filter(pk=unit.pk).filter(_reach_filter(membership)).exists():
            seen.add(membership.user_id)
            managers.append(membership.user)
    return managers


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


# -- activity pages (views.py) ----------------------------------------------------------------------


def partners_for_organisation(*, organisation_id: int) -> QuerySet[ServiceProvider]:
    """Active organisations of the service directory that an activity may name as partners."""
    return ServiceProvider.objects.filter(organisation_id=organisation_id, is_active=True).order_by("name")


def units_of_organisation(*, organisation_id: int) -> QuerySet[Unit]:
    """The organisation's units, which may co-organise an activity (they then see it)."""
    return Unit.objects.filter(organisation_id=organisation_id, is_active=True).order_by("path")


def staff_for_activity(*, activity: Activity) -> QuerySet[User]:
    """Staff users of the activity's organisation who may facilitate it (not volunteers, not admins)."""
    from kujdes.accounts.models import User
    from kujdes.core.models import Membership

    staff_roles = [Role.PROGRAMME_MANAGER, Role.FIELD_EDUCATOR, Role.CASE_WORKER]
    user_ids = Membership.objects.filter(
        organisation_id=activity.organisation_id, role__in=staff_roles
    ).values("user_id")
    return User.objects.filter(pk__in=user_ids, is_active=True).order_by("first_name", "last_name")


def volunteers_for_activity(*, activity: Activity) -> QuerySet[Volunteer]:
    """Active volunteers of the activity's organisation (the facilitator form's choices)."""
    return Volunteer.objects.filter(organisation_id=activity.organisation_id, is_active=True)


def facilitators_of(*, activity: Activity) -> QuerySet[Facilitator]:
    return Facilitator.objects.filter(activity=activity).select_related("user", "volunteer")


def activity_files_of(*, activity: Activity) -> QuerySet[ActivityFile]:
    return ActivityFile.objects.filter(activity=activity).order_by("-uploaded_at")


def activity_file_get(*, actor: User, public_id: str) -> ActivityFile:
    """A material of an activity the actor sees; ActivityFile.DoesNotExist (→ 404) otherwise."""
    return ActivityFile.objects.select_related("activity").get(
        public_id=public_id, activity__in=activities_for_actor(actor=actor)
    )


def participation_get(*, actor: User, public_id: str) -> Participation:
    """A participation in an activity the actor sees; Participation.DoesNotExist (→ 404) otherwise."""
    return Participation.objects.select_related("activity", "activity__activity_type", "person").get(
        public_id=public_id, activity__in=activities_for_actor(actor=actor)
    )


def outcome_get(*, actor: User, public_id: str) -> Outcome:
    """A follow-up of a participation in an activity the actor sees; Outcome.DoesNotExist otherwise."""
    return Outcome.objects.select_related(
        "participation__activity", "participation__activity__activity_type", "participation__person"
    ).get(public_id=public_id, participation__activity__in=activities_for_actor(actor=actor))


@dataclass
class ActivityFigures:
    enrolled: int
    completed: int
    dropped: int
    sessions_held: int
    sessions_planned: int
    sessions_cancelled: int
    attendance_rate: float | None  # mean of the held sessions' present/recorded, 0..1
    hours_held: float
    headcount_people: int
    indirect_reach: int
    volunteer_hours: Decimal


def activity_figures(*, activity: Activity) -> ActivityFigures:
    """The activity's figures in a fixed handful of queries (no per-session or per-person query)."""
    from django.db.models import Count, Sum

    by_status = dict(
        Participation.objects.filter(activity=activity)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    sessions = list(Session.objects.filter(activity=activity).only("status", "starts_at", "ends_at"))
    held = [s for s in sessions if s.status == SessionStatus.HELD]
    # A session's rate is present ÷ participants (not dropped out): the register stores only the boxes a
    # device changed, so an untouched box is an absence, not a missing mark. Sessions without any
    # mark (the register was never taken) are left out.
    active = by_status.get(ParticipationStatus.ENROLLED, 0) + by_status.get(ParticipationStatus.COMPLETED, 0)
    rates = [
        present / max(active, recorded)
        for present, recorded in Attendance.objects.filter(session__in=[s.pk for s in held])
        .order_by()
        .values("session_id")
        .annotate(present=Count("pk", filter=Q(present=True)), recorded=Count("pk"))
        .values_list("present", "recorded")
        if recorded
    ]
    reach = Headcount.objects.filter(activity=activity).aggregate(
        families=Sum("reach_families"),
        community=Sum("reach_community"),
        media=Sum("reach_media"),
        online=Sum("reach_online"),
    )
    people = HeadcountCell.objects.filter(headcount__activity=activity).aggregate(n=Sum("count"))["n"]
    hours = VolunteerHours.objects.filter(activity=activity).aggregate(n=Sum("hours"))["n"]
    return ActivityFigures(
        enrolled=by_status.get(ParticipationStatus.ENROLLED, 0),
        completed=by_status.get(ParticipationStatus.COMPLETED, 0),
        dropped=by_status.get(ParticipationStatus.DROPPED, 0),
        sessions_held=len(held),
        sessions_planned=sum(1 for s in sessions if s.status == SessionStatus.PLANNED),
        sessions_cancelled=sum(1 for s in sessions if s.status == SessionStatus.CANCELLED),
        attendance_rate=sum(rates) / len(rates) if rates else None,
        hours_held=sum(s.hours for s in held),
        headcount_people=people or 0,
        indirect_reach=sum(v or 0 for v in reach.values()),
        volunteer_hours=hours or Decimal(0),
    )


def sessions_in_period(
    *, actor: User, first: datetime.date, last: datetime.date, unit_id: int | None = None
) -> QuerySet[Session]:
    """Sessions of the actor's activities between two days (the calendar), optionally of one unit."""
    activities = activities_for_actor(actor=actor)
    if unit_id is not None:
        activities = activities.filter(unit_id=unit_id)
    return (
        Session.objects.filter(date__range=(first, last), activity__in=activities)
        .select_related("activity", "activity__activity_type")
        .order_by("date", "starts_at", "activity__title")
    )


# -- camps and initiatives (views_camp.py, views_initiatives.py, api.py) -------------------------------


def sessions_of(*, activity: Activity) -> QuerySet[Session]:
    """The activity's sessions (a camp's days), in order."""
    return Session.objects.filter(activity=activity).order_by("date", "starts_at", "pk")


def camp_groups_of(*, activity: Activity) -> QuerySet[CampGroup]:
    return CampGroup.objects.filter(activity=activity).order_by("name")


def initiative_actions_of(*, initiative: Initiative) -> QuerySet[InitiativeAction]:
    return (
        InitiativeAction.objects.filter(initiative=initiative)
        .select_related("activity")
        .prefetch_related("partners")
        .order_by("-date", "-pk")
    )


def session_for_actor(*, actor: User, public_id: str) -> Session:
    """A session of an activity the actor sees; Session.DoesNotExist (→ 404) for any other."""
    return Session.objects.select_related("activity", "activity__activity_type", "activity__unit").get(
        public_id=public_id, activity__in=activities_for_actor(actor=actor)
    )


def participations_ids_of(*, activity: Activity) -> list[tuple[object, int]]:
    """(public id, pk) of the activity's participations that are not dropped (the API's register)."""
    return list(
        Participation.objects.filter(activity=activity)
        .exclude(status=ParticipationStatus.DROPPED)
        .values_list("public_id", "pk")
    )
