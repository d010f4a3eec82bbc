"""Retention: what is past its period, legal holds, and erasure confirmed by a protection officer."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.models import Organisation
from kujdes.core.roles import Perm
from kujdes.core.selectors import organisations_for_actor
from kujdes.people.models import (
    LegalHold,
    Person,
    RetentionDue,
    RetentionDueStatus,
    RetentionRecordType,
    RetentionRule,
)
from kujdes.people.services import person_erase

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def _require_officer(actor: User, organisation_id: int) -> None:
    if not organisations_for_actor(actor=actor, perm=Perm.ERASURE_MANAGE).filter(pk=organisation_id).exists():
        raise PermissionDenied


@transaction.atomic
def retention_rule_set(
    *, actor: User, organisation: Organisation, record_type: str, keep_for_days: int, basis: str = ""
) -> RetentionRule:
    _require_officer(actor, organisation.pk)
    if keep_for_days < 30:
        raise ValidationError({"keep_for_days": _("Keep records for at least 30 days.")})
    rule, _created = RetentionRule.objects.update_or_create(
        organisation=organisation,
        record_type=record_type,
        defaults={"keep_for_days": keep_for_days, "basis": basis, "updated_by": actor},
    )
    audit_record(
        actor=actor,
        organisation=organisation,
        action="retention.rule.set",
        details={"record_type": record_type, "keep_for_days": keep_for_days},
    )
    return rule


def legal_hold_active(*, person: Person) -> LegalHold | None:
    return LegalHold.objects.filter(person=person, lifted_at__isnull=True).order_by("placed_at").first()


@transaction.atomic
def legal_hold_place(*, actor: User, person: Person, reason: str) -> LegalHold:
    _require_officer(actor, person.organisation_id)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the records must be kept.")})
    hold = LegalHold.objects.create(
        organisation_id=person.organisation_id, person=person, reason=reason.strip(), placed_by=actor
    )
    RetentionDue.objects.filter(person=person, status=RetentionDueStatus.DUE).update(
        status=RetentionDueStatus.HELD
    )
    audit_record(
        actor=actor,
        organisation=person.organisation_id,
        action="retention.hold.placed",
        obj=person,
        details={"hold": str(hold.public_id)},
    )
    return hold


@transaction.atomic
def legal_hold_lift(*, actor: User, hold: LegalHold) -> LegalHold:
    _require_officer(actor, hold.organisation_id)
    hold.lifted_at, hold.lifted_by = timezone.now(), actor
    hold.save(update_fields=["lifted_at", "lifted_by"])
    if legal_hold_active(person=hold.person) is None:
        RetentionDue.objects.filter(person=hold.person, status=RetentionDueStatus.HELD).update(
            status=RetentionDueStatus.DUE
        )
    audit_record(
        actor=actor,
        organisation=hold.organisation_id,
        action="retention.hold.lifted",
        obj=hold.person,
        details={"hold": str(hold.public_id)},
    )
    return hold


@transaction.atomic
def retention_due_list(*, today: datetime.date | None = None) -> int:
    """The daily task: list persons past their organisation's retention period. Returns how many are new.

    System use (`kujdes retention due`), inside `system_scope()`. Nothing is erased here.
    """
    today = today or timezone.localdate()
    created = 0
    for rule in RetentionRule.objects.filter(record_type=RetentionRecordType.PERSON):
        cutoff = timezone.make_aware(
            datetime.datetime.combine(today - datetime.timedelta(days=rule.keep_for_days), datetime.time.min)
        )
        overdue = Person.objects.filter(
            organisation_id=rule.organisation_id, erased_at__isnull=True, updated_at__lt=cutoff
        ).exclude(pk__in=RetentionDue.objects.filter(rule=rule).values("person_id"))
        for person in overdue.iterator():
            held = legal_hold_active(person=person) is not None
            RetentionDue.objects.create(
                organisation_id=rule.organisation_id,
                person=person,
                rule=rule,
                due_since=(person.updated_at + datetime.timedelta(days=rule.keep_for_days)).date(),
                status=RetentionDueStatus.HELD if held else RetentionDueStatus.DUE,
            )
            created += 1
        if created:
            audit_record(
                actor=None,
                organisation=rule.organisation_id,
                action="retention.due.listed",
                details={"record_type": rule.record_type, "new": created},
            )
    return created


def retention_due_for_actor(*, actor: User) -> QuerySet[RetentionDue]:
    organisations = organisations_for_actor(actor=actor, perm=Perm.ERASURE_MANAGE)
    return (
        RetentionDue.objects.filter(organisation__in=organisations)
        .exclude(status=RetentionDueStatus.ERASED)
        .select_related("person", "rule")
        .order_by("due_since")
    )


@transaction.atomic
def retention_erase_confirm(*, actor: User, due: RetentionDue) -> RetentionDue:
    """The officer confirms: the person is erased (crypto-shredding). A legal hold blocks it and says why."""
    _require_officer(actor, due.organisation_id)
    hold = legal_hold_active(person=due.person)
    if hold is not None:
        raise ValidationError(
            _("A legal hold placed on %(date)s keeps these records: %(reason)s")
            % {"date": hold.placed_at.date().isoformat(), "reason": hold.reason}
        )
    person_erase(actor=actor, person=due.person, reason_code="retention_expired")
    due.status, due.decided_by, due.decided_at = RetentionDueStatus.ERASED, actor, timezone.now()
    due.save(update_fields=["status", "decided_by", "decided_at"])
    return due
