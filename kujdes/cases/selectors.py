"""Reads of case files, scoped by the actor.

A case is visible to holders of case.view in its unit's subtree, and to its
primary and other case workers wherever it moved (DESIGN §2: "plus cases
assigned to them"), within the actor's organisations.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from kujdes.cases.choices import OPEN_STATUSES, ApprovalStatus
from kujdes.cases.models import Approval, Case, NrmDecision, TraffickingEvent
from kujdes.core.models import Unit
from kujdes.core.roles import Perm, roles_with
from kujdes.core.selectors import actor_has_perm, units_for_actor
from kujdes.people.models import Person

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def _unit_ids(actor: User, perm: Perm) -> list[int]:
    """The ids of the actor's units for `perm`, cached on the user object like its memberships
    (a request asks several times: the page, its panels, their permission checks)."""
    cache: dict[Perm, list[int]] = actor.__dict__.setdefault("_kujdes_case_unit_ids", {})
    if perm not in cache:
        cache[perm] = list(units_for_actor(actor=actor, perm=perm).order_by().values_list("pk", flat=True))
    return cache[perm]


def _assigned_elsewhere(actor: User, perm: Perm) -> list[int]:
    """Cases assigned to the actor outside their units for `perm`, cached on the user object like the
    units (the case page, its panels and the referrals panel each ask)."""
    cache: dict[Perm, list[int]] = actor.__dict__.setdefault("_kujdes_case_elsewhere", {})
    if perm not in cache:
        elsewhere: list[int] = []
        if perm in (Perm.CASE_VIEW, Perm.CASE_MANAGE) and actor_has_perm(actor=actor, perm=Perm.CASE_MANAGE):
            # Assigned cases follow their case workers, but only for users who still work on cases. They
            # are few: listed first (two indexed lookups), so that the common query stays "unit in (…)".
            units = _unit_ids(actor, perm)
            primary = Case.objects.filter(primary_worker=actor).exclude(unit_id__in=units)
            other = Case.other_workers.through.objects.filter(user_id=actor.pk).values("case_id")
            elsewhere = sorted(
                set(primary.order_by().values_list("pk", flat=True))
                | set(
                    Case.objects.filter(pk__in=other).exclude(unit_id__in=units).values_list("pk", flat=True)
                )
            )
        cache[perm] = elsewhere
    return cache[perm]


def cases_for_actor(*, actor: User, perm: Perm = Perm.CASE_VIEW) -> QuerySet[Case]:
    """Cases the actor may see (perm=CASE_VIEW) or work on (perm=CASE_MANAGE)."""
    units = _unit_ids(actor, perm)
    in_units = Q(unit_id__in=units)
    elsewhere = _assigned_elsewhere(actor, perm)
    if elsewhere:
        in_units |= Q(pk__in=elsewhere)
    if not units and not elsewhere:
        return Case.objects.none()
    # An erased person's cases stay as statistical records (codes only: the narratives were shredded with
    # the person key); not joining persons keeps the list on the case indexes.
    return Case.objects.filter(in_units)


def case_get(*, actor: User, public_id: str, perm: Perm = Perm.CASE_VIEW) -> Case:
    """One case the actor may see (or manage); Case.DoesNotExist (→ 404) for any other."""
    return (
        cases_for_actor(actor=actor, perm=perm)
        .select_related("person", "unit", "primary_worker", "organisation")
        .get(public_id=public_id)
    )


def case_can_manage(*, actor: User, case: Case) -> bool:
    """Whether the actor works on the case (the page and each panel ask: remembered on the case)."""
    cache: dict[int, bool] = case.__dict__.setdefault("_kujdes_can_manage", {})
    if actor.pk not in cache:
        # The case was read in the actor's scope: whether they work on it follows from its unit and
        # their assignments, without asking the database again.
        cache[actor.pk] = case.unit_id in _unit_ids(
            actor, Perm.CASE_MANAGE
        ) or case.pk in _assigned_elsewhere(actor, Perm.CASE_MANAGE)
    return cache[actor.pk]


def cases_filtered(
    *,
    actor: User,
    status: str = "",
    case_type: str = "",
    nrm_stage: str = "",
    trafficking_status: str = "",
    unit_id: int | None = None,
    worker_id: int | None = None,
    opened_from: datetime.date | None = None,
    opened_to: datetime.date | None = None,
    code: str = "",
    person: Person | None = None,
) -> QuerySet[Case]:
    """The case list: the actor's cases with the filters given, newest first; rows carry what a list shows."""
    cases = cases_for_actor(actor=actor)
    if status == "open":
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif status:
        cases = cases.filter(status=status)
    if case_type:
        cases = cases.filter(case_type=case_type)
    if nrm_stage:
        cases = cases.filter(nrm_stage=nrm_stage)
    if trafficking_status:
        cases = cases.filter(trafficking_status=trafficking_status)
    if unit_id is not None:
        cases = cases.filter(unit__path__startswith=Unit.objects.filter(pk=unit_id).values("path")[:1])
    if worker_id is not None:
        assigned = Case.other_workers.through.objects.filter(user_id=worker_id).values("case_id")
        cases = cases.filter(Q(primary_worker_id=worker_id) | Q(pk__in=assigned))
    if opened_from is not None:
        cases = cases.filter(opened_on__gte=opened_from)
    if opened_to is not None:
        cases = cases.filter(opened_on__lte=opened_to)
    if code:
        code = code.strip().upper()
        cases = cases.filter(Q(code=code) | Q(person__code=code))
    if person is not None:
        cases = cases.filter(person=person)
    return cases.select_related("person", "unit", "primary_worker").order_by("-opened_on", "-pk")


def approvals_for_actor(*, actor: User) -> QuerySet[Approval]:
    """Requests the actor may decide on (programme managers over the case's unit) or made themselves."""
    units = _unit_ids(actor, Perm.CASE_APPROVE)
    return Approval.objects.filter(Q(case__unit_id__in=units) | Q(requested_by=actor)).select_related(
        "case", "case__unit", "case__person", "requested_by", "decided_by", "target_unit"
    )


def approvals_pending_for_actor(*, actor: User) -> QuerySet[Approval]:
    """Pending requests the actor may decide: on cases of their programme-manager subtree, not their own."""
    units = _unit_ids(actor, Perm.CASE_APPROVE)
    return (
        Approval.objects.filter(case__unit_id__in=units, status=ApprovalStatus.PENDING)
        .exclude(requested_by=actor)
        .select_related("case", "case__unit", "requested_by", "target_unit")
        .order_by("requested_at")
    )


def approval_decidable_ids(*, actor: User, approvals: list[Approval]) -> set[int]:
    """Which of a page of approvals the actor may decide (one check for the page, no query per row)."""
    units = set(_unit_ids(actor, Perm.CASE_APPROVE))
    return {
        approval.pk
        for approval in approvals
        if approval.status == ApprovalStatus.PENDING
        and approval.requested_by_id != actor.pk
        and approval.case.unit_id in units
    }


def approval_get(*, actor: User, public_id: str) -> Approval:
    return approvals_for_actor(actor=actor).get(public_id=public_id)


def approval_pending_of_case(*, case: Case) -> Approval | None:
    """The request waiting on a case (at most one at a time), for the case page of someone who sees it."""
    return (
        Approval.objects.filter(case=case, status=ApprovalStatus.PENDING)
        .select_related("requested_by", "target_unit")
        .first()
    )


def transfer_target_units(*, case: Case) -> QuerySet[Unit]:
    """Where a case may move: every other active unit of its organisation (the receiving unit need not
    be the requester's; a programme manager of the case's current unit decides)."""
    return (
        Unit.objects.filter(organisation_id=case.organisation_id, is_active=True)
        .exclude(pk=case.unit_id)
        .order_by("path")
    )


def case_workers_for_filter(*, actor: User) -> QuerySet[User]:
    """Users working on cases in the actor's units: the choices of the list's worker filter."""
    from kujdes.accounts.models import User

    units = _unit_ids(actor, Perm.CASE_VIEW)
    return (
        User.objects.filter(
            memberships__unit_id__in=units,
            memberships__role__in=[role.value for role in roles_with(Perm.CASE_MANAGE)],
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


def nrm_decisions_of_case(*, case: Case) -> QuerySet[NrmDecision]:
    return NrmDecision.objects.filter(case=case).select_related("recorded_by")


def events_of_case(*, case: Case) -> QuerySet[TraffickingEvent]:
    """The case's events. Through the related manager, each event holds `case` already: its place
    opens with the key of `case.person` without a query per event."""
    return case.events.all()  # type: ignore[attr-defined]


def case_home_countries(*, case: Case) -> set[str]:
    """Her country for the cross-border rule: her citizenship(s), or the organisation's country when
    none is recorded (a Kosovar exploited in Albania crossed a border)."""
    return set(case.person.citizenships or []) or {case.organisation.country}


def case_event_get(*, actor: User, case: Case, public_id: str) -> TraffickingEvent:
    return TraffickingEvent.objects.select_related("case", "case__person").get(case=case, public_id=public_id)


def person_cases(*, actor: User, person: Person) -> QuerySet[Case]:
    return cases_for_actor(actor=actor).filter(person=person).select_related("unit").order_by("-opened_on")


def cases_page(cases: QuerySet[Case], *, number: Any, size: int) -> Page:
    """One page of an ordered case list: ids paged first (an index-only scan on PostgreSQL), then only
    the rows shown are read with what the list displays."""
    page = Paginator(cases.values_list("pk", flat=True), size).get_page(number)
    ids = list(page.object_list)
    rows = {
        case.pk: case
        for case in Case.objects.filter(pk__in=ids).select_related("person", "unit", "primary_worker")
    }
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page
