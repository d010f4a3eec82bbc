"""Writes to case files: one transaction each, the audit event inside it."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from kujdes.cases.choices import CaseType, NrmStage
from kujdes.cases.models import Case
from kujdes.core.audit import audit_record
from kujdes.core.models import Unit
from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.people.codes import case_codes
from kujdes.people.models import Person

if TYPE_CHECKING:
    from kujdes.accounts.models import User


@transaction.atomic
def case_create(
    *,
    actor: User | None,
    person: Person,
    unit: Unit,
    case_type: str = CaseType.PREVENTION,
    opened_on: datetime.date,
    primary_worker: User | None = None,
    summary: str = "",
    nrm_stage: str = NrmStage.AT_RISK,
    **codes: Any,
) -> Case:
    """Open a case for `person` in `unit`; the actor must manage cases there (None: the system, an import).

    `codes` are further plain fields of Case (trafficking status, exploitation types, ...).
    """
    if (
        actor is not None
        and not units_for_actor(actor=actor, perm=Perm.CASE_MANAGE).filter(pk=unit.pk).exists()
    ):
        raise PermissionDenied
    if person.organisation_id != unit.organisation_id:
        raise PermissionDenied
    (code,) = case_codes(unit=unit, year=opened_on.year)
    case = Case(
        organisation_id=unit.organisation_id,
        person=person,
        unit=unit,
        code=code,
        case_type=case_type,
        opened_on=opened_on,
        primary_worker=primary_worker if primary_worker is not None else actor,
        summary=summary,
        nrm_stage=nrm_stage,
        created_by=actor,
        **codes,
    )
    case.save()
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="case.opened",
        obj=case,
        unit=unit,
        details={"case_type": case_type, "person": str(person.public_id)},
    )
    return case
