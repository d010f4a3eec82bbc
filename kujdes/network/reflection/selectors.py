"""Reads of the common reflection, and who may change what.

Every staff member (NETWORK_READ) reads all of it: working groups, meetings, decisions,
actions and the methods register are the network's common record, with nothing private
to one organisation. Changes:
- the coordinator (NETWORK_MANAGE): everything;
- the focal points of a working group's convenor partner: that group's meetings (agenda,
  attendance, minutes) and their action items;
- a partner's focal points: the action items their partner owns, and their partner's
  applications of methods.
"""

from __future__ import annotations

import datetime
import unicodedata
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kujdes.core.roles import Perm
from kujdes.network.models import Partner
from kujdes.network.reflection.models import (
    APPLIED_EXTENTS,
    OPEN_ACTION_STATUSES,
    ActionItem,
    AttendanceStatus,
    Decision,
    Meeting,
    MeetingStatus,
    Method,
    MethodApplication,
    WorkingGroup,
)
from kujdes.network.selectors import (
    actor_is_coordinator,
    actor_organisation_ids,
    actor_partners,
    network_require,
)

if TYPE_CHECKING:
    from kujdes.accounts.models import User

REMINDER_DAYS = 7


def search_normalise(text: str) -> str:
    """Lower-case, accents stripped (NFKD without combining marks): "Çështja" → "ceshtja"."""
    # Case-folding can bring back letters that decompose (and the reverse): twice makes it stable.
    for _round in range(2):
        decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return text


def _reader(actor: User) -> None:
    network_require(actor=actor, perm=Perm.NETWORK_READ)


def _focal_point_of(*, actor: User, partner_id: int | None) -> bool:
    if partner_id is None:
        return False
    return Partner.objects.filter(
        pk=partner_id, organisation_id__in=actor_organisation_ids(actor=actor, perm=Perm.NETWORK_CONTRIBUTE)
    ).exists()


# --- Rights ------------------------------------------------------------------------------------


def working_group_can_manage(*, actor: User, group: WorkingGroup) -> bool:
    """The coordinator alone changes a working group itself (members, terms of reference)."""
    return actor_is_coordinator(actor=actor)


def working_group_can_hold_meetings(*, actor: User, group: WorkingGroup) -> bool:
    """The coordinator, or a focal point of the group's convenor partner."""
    return actor_is_coordinator(actor=actor) or _focal_point_of(actor=actor, partner_id=group.convenor_id)


def meeting_can_manage(*, actor: User, meeting: Meeting) -> bool:
    """The coordinator; at a working group's meeting, also its convenor's focal points."""
    if actor_is_coordinator(actor=actor):
        return True
    if meeting.working_group_id is None:
        return False
    return _focal_point_of(actor=actor, partner_id=meeting.working_group.convenor_id)


def decision_can_manage(*, actor: User) -> bool:
    """The decision log is kept by the coordinator."""
    return actor_is_coordinator(actor=actor)


def action_can_update(*, actor: User, action: ActionItem) -> bool:
    """Who manages the action's meeting, or a focal point of the partner that owns the action."""
    return meeting_can_manage(actor=actor, meeting=action.meeting) or _focal_point_of(
        actor=actor, partner_id=action.owner_partner_id
    )


def method_can_manage(*, actor: User) -> bool:
    """The methods register is kept by the coordinator."""
    return actor_is_coordinator(actor=actor)


def method_application_partners(*, actor: User) -> QuerySet[Partner]:
    """For whom the actor may record applications: their own partner; every partner for the coordinator."""
    if actor_is_coordinator(actor=actor):
        return Partner.objects.order_by("name", "pk")
    return actor_partners(actor=actor).order_by("name", "pk")


def meeting_groups_for_actor(*, actor: User) -> QuerySet[WorkingGroup]:
    """The working groups whose meetings the actor may create (all for the coordinator)."""
    if actor_is_coordinator(actor=actor):
        return WorkingGroup.objects.all()
    partner_ids = actor_partners(actor=actor).values_list("pk", flat=True)
    return WorkingGroup.objects.filter(convenor_id__in=list(partner_ids))


# --- Working groups ------------------------------------------------------------------------------


def working_groups_for_actor(*, actor: User, status: str = "") -> QuerySet[WorkingGroup]:
    """Every working group (staff only), with its convenor and members."""
    _reader(actor)
    groups = WorkingGroup.objects.select_related("convenor").prefetch_related("partners")
    if status:
        groups = groups.filter(status=status)
    return groups.annotate(meeting_count=Count("meetings")).order_by("status", "name")


def working_group_get(*, actor: User, public_id: str) -> WorkingGroup:
    """One working group (WorkingGroup.DoesNotExist → 404)."""
    _reader(actor)
    return WorkingGroup.objects.select_related("convenor").get(public_id=public_id)


# --- Meetings ------------------------------------------------------------------------------------


def meetings_for_actor(
    *, actor: User, when: str = "", working_group: WorkingGroup | None = None, plenary: bool = False
) -> QuerySet[Meeting]:
    """Meetings, upcoming ("upcoming": soonest first) or past ("past": latest first) or all."""
    _reader(actor)
    meetings = Meeting.objects.select_related("working_group")
    if working_group is not None:
        meetings = meetings.filter(working_group=working_group)
    elif plenary:
        meetings = meetings.filter(working_group__isnull=True)
    now = timezone.now()
    if when == "upcoming":
        return (
            meetings.filter(starts_at__gte=now)
            .exclude(status=MeetingStatus.CANCELLED)
            .order_by("starts_at", "pk")
        )
    if when == "past":
        return meetings.filter(Q(starts_at__lt=now) | Q(status=MeetingStatus.CANCELLED)).order_by(
            "-starts_at", "pk"
        )
    return meetings.order_by("-starts_at", "pk")


def meeting_get(*, actor: User, public_id: str) -> Meeting:
    """One meeting (Meeting.DoesNotExist → 404)."""
    _reader(actor)
    return Meeting.objects.select_related("working_group", "working_group__convenor").get(public_id=public_id)


def meeting_attendance_grid(*, meeting: Meeting) -> list[tuple[Partner, str]]:
    """Each partner expected (the group's members; every partner at a plenary) with its recorded status."""
    if meeting.working_group_id is not None:
        group = meeting.working_group
        partners = list(group.partners.all())
        if group.convenor not in partners:
            partners.append(group.convenor)
    else:
        partners = list(Partner.objects.all())
    recorded = {a.partner_id: a.status for a in meeting.attendance.all()}
    # Partners recorded earlier but no longer members still show.
    known = {p.pk for p in partners}
    partners += list(Partner.objects.filter(pk__in=set(recorded) - known))
    partners.sort(key=lambda p: (p.name, p.pk))
    return [(p, recorded.get(p.pk, "")) for p in partners]


def meeting_next(*, actor: User) -> Meeting | None:
    return meetings_for_actor(actor=actor, when="upcoming").first()


# --- Decisions -----------------------------------------------------------------------------------


def decisions_search(
    *,
    actor: User,
    query: str = "",
    year: int | None = None,
    working_group: WorkingGroup | None = None,
    plenary: bool = False,
    status: str = "",
) -> QuerySet[Decision]:
    """The decision log, newest first; every word of `query` must appear (accents and case ignored)."""
    _reader(actor)
    decisions = Decision.objects.select_related("meeting", "meeting__working_group", "supersedes")
    for word in search_normalise(query).split():
        decisions = decisions.filter(search_text__contains=word)
    if year:
        decisions = decisions.filter(meeting__starts_at__year=year)
    if working_group is not None:
        decisions = decisions.filter(meeting__working_group=working_group)
    elif plenary:
        decisions = decisions.filter(meeting__working_group__isnull=True)
    if status:
        decisions = decisions.filter(status=status)
    return decisions.order_by("-meeting__starts_at", "-number", "-pk")


def decision_years() -> list[int]:
    return sorted(
        {d.year for d in Meeting.objects.filter(decisions__isnull=False).dates("starts_at", "year")},
        reverse=True,
    )


def decision_get(*, actor: User, public_id: str) -> Decision:
    """One decision (Decision.DoesNotExist → 404)."""
    _reader(actor)
    return Decision.objects.select_related("meeting", "meeting__working_group", "supersedes").get(
        public_id=public_id
    )


# --- Action items --------------------------------------------------------------------------------


def actions_for_actor(
    *, actor: User, status: str = "", overdue: bool = False, partner: Partner | None = None
) -> QuerySet[ActionItem]:
    """Action items across meetings; `overdue`: open ones whose due date has passed."""
    _reader(actor)
    actions = ActionItem.objects.select_related("meeting", "owner_partner", "decision")
    if status == "open":
        actions = actions.filter(status__in=OPEN_ACTION_STATUSES)
    elif status:
        actions = actions.filter(status=status)
    if overdue:
        actions = actions.filter(status__in=OPEN_ACTION_STATUSES, due_on__lt=timezone.localdate())
    if partner is not None:
        actions = actions.filter(owner_partner=partner)
    return actions.order_by("due_on", "pk")


def action_get(*, actor: User, public_id: str) -> ActionItem:
    """One action item (ActionItem.DoesNotExist → 404)."""
    _reader(actor)
    return ActionItem.objects.select_related(
        "meeting", "meeting__working_group", "owner_partner", "decision"
    ).get(public_id=public_id)


def actions_to_remind(*, today: datetime.date, days: int = REMINDER_DAYS) -> QuerySet[ActionItem]:
    """Open action items overdue or due within `days`, not reminded today (the daily job: no actor)."""
    return (
        ActionItem.objects.filter(status__in=OPEN_ACTION_STATUSES, due_on__isnull=False)
        .filter(due_on__lte=today + datetime.timedelta(days=days))
        .exclude(reminded_on=today)
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .select_related("meeting", "owner_partner", "owner_user")
        .order_by("due_on", "pk")
    )


# --- Methods -------------------------------------------------------------------------------------


def method_lineage(method: Method) -> list[Method]:
    """Every version of the method, oldest first (a short chain: a method has a handful of versions)."""
    first = method
    seen = {first.pk}
    while first.previous_id is not None and first.previous_id not in seen:
        first = Method.objects.get(pk=first.previous_id)
        seen.add(first.pk)
    chain = [first]
    while True:
        following = Method.objects.filter(previous=chain[-1]).first()
        if following is None or following.pk in {m.pk for m in chain}:
            return chain
        chain.append(following)


def methods_for_actor(*, actor: User, query: str = "") -> QuerySet[Method]:
    """The register: the latest version of each method, with how many partners apply that version."""
    _reader(actor)
    methods = Method.objects.filter(next_version__isnull=True).select_related("meeting", "decision")
    if query:
        methods = methods.filter(Q(title__icontains=query) | Q(summary__icontains=query))
    return methods.annotate(
        applied_by=Count("applications", filter=Q(applications__extent__in=APPLIED_EXTENTS), distinct=True),
        planned_by=Count("applications", filter=Q(applications__extent="planned"), distinct=True),
    ).order_by("title", "pk")


def method_get(*, actor: User, public_id: str) -> Method:
    """One version of a method (Method.DoesNotExist → 404)."""
    _reader(actor)
    return Method.objects.select_related("meeting", "decision", "previous").get(public_id=public_id)


def method_application_grid(
    *, versions: list[Method]
) -> list[tuple[Partner, list[MethodApplication | None]]]:
    """Partners × versions: each partner that reported on any version, and its report on each."""
    applications = MethodApplication.objects.filter(method__in=versions).select_related(
        "partner", "reported_by"
    )
    by_partner: dict[int, dict[int, MethodApplication]] = {}
    partners: dict[int, Partner] = {}
    for application in applications:
        partners[application.partner_id] = application.partner
        by_partner.setdefault(application.partner_id, {})[application.method_id] = application
    rows = sorted(partners.values(), key=lambda p: (p.name, p.pk))
    return [(p, [by_partner[p.pk].get(v.pk) for v in versions]) for p in rows]


def methods_applied_by(*, partner: Partner) -> QuerySet[MethodApplication]:
    """What a partner reports applying (latest report per version), latest versions first."""
    return (
        MethodApplication.objects.filter(partner=partner)
        .select_related("method")
        .order_by("method__title", "-method__created_at")
    )


# --- Measures (no actor: the milestones room computes them) ----------------------------------------


def _lineage_root_ids() -> dict[int, int]:
    """Each method version's first version (one small query; the register is short)."""
    previous = dict(Method.objects.values_list("pk", "previous_id"))
    roots = {}
    for pk in previous:
        root, seen = pk, set()
        while previous.get(root) is not None and root not in seen:
            seen.add(root)
            root = previous[root]
        roots[pk] = root
    return roots


def measure_methods_applied(partner: Partner, first: datetime.date, last: datetime.date) -> int:
    """Methods (counted once across their versions) the partner applies, fully or partly, as of `last`."""
    applications = MethodApplication.objects.filter(partner=partner, extent__in=APPLIED_EXTENTS).filter(
        Q(since__lte=last) | Q(since__isnull=True, created_at__date__lte=last)
    )
    roots = _lineage_root_ids()
    return len(
        {roots.get(method_id, method_id) for method_id in applications.values_list("method_id", flat=True)}
    )


def measure_meetings_attended(partner: Partner, first: datetime.date, last: datetime.date) -> int:
    """Meetings held between `first` and `last` (both included) at which the partner was present."""
    return (
        Meeting.objects.filter(
            status=MeetingStatus.HELD,
            starts_at__date__gte=first,
            starts_at__date__lte=last,
            attendance__partner=partner,
            attendance__status=AttendanceStatus.PRESENT,
        )
        .distinct()
        .count()
    )


# --- Panels --------------------------------------------------------------------------------------


def partner_reflection_summary(*, actor: User, partner: Partner) -> dict[str, object]:
    """A partner's page: its working groups, the methods it applies, its open actions."""
    _reader(actor)
    return {
        "groups": list(
            WorkingGroup.objects.filter(Q(partners=partner) | Q(convenor=partner)).distinct().order_by("name")
        ),
        "applications": list(methods_applied_by(partner=partner).filter(method__next_version__isnull=True)),
        "actions": list(actions_for_actor(actor=actor, status="open", partner=partner)),
    }


def dashboard_summary(*, actor: User) -> dict[str, object]:
    """The network dashboard: the next meeting, overdue action items, the latest decisions."""
    _reader(actor)
    return {
        "next_meeting": meeting_next(actor=actor),
        "overdue": list(actions_for_actor(actor=actor, overdue=True)[:10]),
        "overdue_count": actions_for_actor(actor=actor, overdue=True).count(),
        "decisions": list(decisions_search(actor=actor)[:5]),
    }


def meeting_page_parts(*, meeting: Meeting) -> dict[str, object]:
    return {
        "agenda": list(meeting.agenda_items.all()),
        "attendance": meeting_attendance_grid(meeting=meeting),
        "decisions": list(meeting.decisions.select_related("supersedes").order_by("number")),
        "actions": list(
            meeting.action_items.select_related("owner_partner", "decision").order_by("due_on", "pk")
        ),
        "methods": list(Method.objects.filter(meeting=meeting)),
    }
