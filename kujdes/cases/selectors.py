"""Reads of case files, scoped by the actor.

A case is visible to holders of case.view in its unit's subtree, and to its
primary and other case workers wherever it moved (DESIGN §2: "plus cases
assigned to them"), within the actor's organisations.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from kujdes.cases.choices import OPEN_STATUSES
from kujdes.cases.models import Approval, Case, NrmDecision, TraffickingEvent
from kujdes.core.models import Unit
from kujdes.core.roles import Perm
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


def cases_for_actor(*, actor: User, perm: Perm = Perm.CASE_VIEW) -> QuerySet[Case]:
    """Cases the actor may see (perm=CASE_VIEW) or work on (perm=CASE_MANAGE)."""
    units = _unit_ids(actor, perm)
    in_units = Q(unit_id__in=units)
    if perm in (Perm.CASE_VIEW, Perm.CASE_MANAGE) and actor_has_perm(actor=actor, perm=Perm.CASE_MANAGE):
        # Assigned cases follow their case workers, but only for users who still work on cases.
        assigned = Q(primary_worker=actor) | Q(other_workers=actor)
        if not units:
            return Case.objects.filter(assigned, person__erased_at__isnull=True).distinct()
        ids = Case.objects.filter(assigned).values("pk")
        return Case.objects.filter(in_units | Q(pk__in=ids), person__erased_at__isnull=True)
    if not units:
        return Case.objects.none()
    return Case.objects.filter(in_units, person__erased_at__isnull=True)


def case_get(*, actor: User, public_id: str, perm: Perm = Perm.CASE_VIEW) -> Case:
    """One case the actor may see (or manage); Case.DoesNotExist (→ 404) for any other."""
    return (
        cases_for_actor(actor=actor, perm=perm)
        .select_related("person", "unit", "primary_worker")
        .get(public_id=public_id)
    )


def case_can_manage(*, actor: User, case: Case) -> bool:
    """Whether the actor works on the case (the page and each panel ask: remembered on the case)."""
    cache: dict[int, bool] = case.__dict__.setdefault("_kujdes_can_manage", {})
    if actor.pk not in cache:
        cache[actor.pk] = cases_for_actor(actor=actor, perm=Perm.CASE_MANAGE).filter(pk=case.pk).exists()
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
    units = units_for_actor(actor=actor, perm=Perm.CASE_APPROVE).order_by().values("pk")
    return Approval.objects.filter(Q(case__unit__in=units) | Q(requested_by=actor)).select_related(
        "case", "case__unit", "case__person", "requested_by", "decided_by", "target_unit"
    )


def approval_get(*, actor: User, public_id: str) -> Approval:
    return approvals_for_actor(actor=actor).get(public_id=public_id)


def nrm_decisions_of_case(*, case: Case) -> QuerySet[NrmDecision]:
    return NrmDecision.objects.filter(case=case).select_related("recorded_by")


def events_of_case(*, case: Case) -> QuerySet[TraffickingEvent]:
    return TraffickingEvent.objects.filter(case=case)


def case_event_get(*, actor: User, case: Case, public_id: str) -> TraffickingEvent:
    return TraffickingEvent.objects.select_related("case", "case__person").get(case=case, public_id=public_id)


def person_cases(*, actor: User, person: Person) -> QuerySet[Case]:
    return cases_for_actor(actor=actor).filter(person=person).select_related("unit").order_by("-opened_on")
