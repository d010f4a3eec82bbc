"""Writes to case files: one transaction each, the audit event inside it."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kujdes.cases.choices import (
    NRM_ORDER,
    OPEN_STATUSES,
    ApprovalKind,
    ApprovalStatus,
    CaseStatus,
    CaseType,
    ClosureReason,
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
    Vulnerability,
    WebsiteOrApp,
)
from kujdes.cases.models import Approval, Case, CaseSettings, NrmDecision, TraffickingEvent
from kujdes.core.audit import audit_record
from kujdes.core.locking import versioned_save
from kujdes.core.models import Unit
from kujdes.core.roles import Perm, roles_with
from kujdes.core.selectors import units_for_actor
from kujdes.people.codes import case_codes
from kujdes.people.models import Person
from kujdes.people.services import unmerge_hook_register

if TYPE_CHECKING:
    from collections.abc import Callable

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
    if case_type not in CaseType.values:
        raise ValidationError({"case_type": _("Choose a value from the list.")})
    if opened_on > timezone.localdate():
        raise ValidationError({"opened_on": _("The date cannot be in the future.")})
    _codes_check({"summary": summary, "nrm_stage": nrm_stage, **codes})
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


# --- reading and editing a case ------------------------------------------------------------------

# Plain fields a case worker edits on the case form (HTCDS codes); status, stage and workers have their
# own services because they carry rules.
EDITABLE_FIELDS = (
    "case_type",
    "summary",
    "trafficking_status",
    "status_decided_by",
    "exploitation_types",
    "labour_industry",
    "sex_exploitation_types",
    "control_methods",
    "recruitment_methods",
    "recruitment_websites",
    "exploitation_websites",
    "vulnerabilities",
    "trafficker_relationship",
    "age_when_trafficked",
    "joint_interview_on",
    "perpetrator_notes",
)


# The picklist of each coded field: the API and imports send raw strings, so the service checks them.
SINGLE_CODES: dict[str, Any] = {
    "case_type": CaseType,
    "trafficking_status": TraffickingStatus,
    "status_decided_by": DecisionOrganisation,
    "labour_industry": LabourIndustry,
    "trafficker_relationship": TraffickerRelationship,
}
LIST_CODES: dict[str, Any] = {
    "exploitation_types": ExploitationType,
    "sex_exploitation_types": SexExploitationType,
    "control_methods": ControlMethod,
    "recruitment_methods": RecruitmentMethod,
    "recruitment_websites": WebsiteOrApp,
    "exploitation_websites": WebsiteOrApp,
    "vulnerabilities": Vulnerability,
}
TEXT_FIELDS = ("summary", "perpetrator_notes")
TEXT_LIMIT = 10_000


def _codes_check(values: dict[str, Any]) -> None:
    """Refuse codes outside the HTCDS picklists, out-of-range numbers and over-long texts (one message
    per field), before anything reaches the database."""
    errors: dict[str, Any] = {}
    choose = _("Choose a value from the list.")
    for name, value in values.items():
        if name in SINGLE_CODES:
            allowed = set(SINGLE_CODES[name].values) | ({""} if name != "case_type" else set())
            if value not in allowed:
                errors[name] = choose
        elif name in LIST_CODES:
            if not isinstance(value, list) or not set(value) <= set(LIST_CODES[name].values):
                errors[name] = choose
        elif name in TEXT_FIELDS:
            if value is not None and (not isinstance(value, str) or len(value) > TEXT_LIMIT):
                errors[name] = _("Keep this under %(limit)d characters.") % {"limit": TEXT_LIMIT}
        elif name == "age_when_trafficked":
            if value is not None and (not isinstance(value, int) or not 0 <= value <= 120):
                errors[name] = _("Enter an age between 0 and 120.")
        elif name in ("joint_interview_on", "nrm_decided_on"):
            if value is not None and (not isinstance(value, datetime.date) or value > timezone.localdate()):
                errors[name] = _("The date cannot be in the future.")
        elif name == "nrm_stage" and value not in NrmStage.values:
            errors[name] = choose
    if errors:
        raise ValidationError(errors)


def _codes_consistent(case: Case, changes: dict[str, Any]) -> None:
    """The HTCDS sub-lists apply to their kind of exploitation only (checked when either side changes)."""
    exploitation = changes.get("exploitation_types", case.exploitation_types) or []
    errors: dict[str, Any] = {}
    rules = (
        ("labour_industry", ExploitationType.FORCED_LABOUR, _("An industry applies to forced labour only.")),
        ("sex_exploitation_types", ExploitationType.SEXUAL, _("These apply to sexual exploitation only.")),
    )
    for field, needed, message in rules:
        touched = field in changes or "exploitation_types" in changes
        if touched and changes.get(field, getattr(case, field)) and needed not in exploitation:
            errors[field] = message
    if errors:
        raise ValidationError(errors)


def _require_manage(actor: User, case: Case) -> None:
    from kujdes.cases.selectors import case_can_manage

    if not case_can_manage(actor=actor, case=case):
        raise PermissionDenied


def _require_open(case: Case) -> None:
    if not case.is_open:
        raise ValidationError(_("The case is closed; reopen it first."))


def case_view(*, actor: User, case: Case) -> None:
    """Record that the actor opened the case file (page or API)."""
    with transaction.atomic():
        audit_record(
            actor=actor, organisation=case.organisation_id, action="case.viewed", obj=case, unit=case.unit
        )


@transaction.atomic
def case_update(*, actor: User, case: Case, expected_version: int, changes: dict[str, Any]) -> Case:
    """Change HTCDS fields of a case nobody saved since `expected_version` (StaleVersion otherwise)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    _require_manage(actor, case)
    if "perpetrator_notes" in changes and not perpetrator_notes_visible(actor=actor, case=case):
        raise PermissionDenied
    _codes_check(changes)
    _codes_consistent(case, changes)
    updated = versioned_save(instance=case, expected_version=expected_version, changes=changes)
    audit_record(
        actor=actor,
        organisation=updated.organisation_id,
        action="case.updated",
        obj=updated,
        unit=updated.unit,
        details={"fields": sorted(changes), "version": updated.version},
    )
    return updated


def perpetrator_notes_visible(*, actor: User, case: Case) -> bool:
    """Restricted: the case's own workers, and programme managers over its unit."""
    if case.primary_worker_id == actor.pk or case.other_workers.filter(pk=actor.pk).exists():
        return True
    return units_for_actor(actor=actor, perm=Perm.CASE_APPROVE).filter(pk=case.unit_id).exists()


def perpetrator_notes_view(*, actor: User, case: Case) -> str:
    """The perpetrator details, for those allowed (PermissionDenied otherwise); every read is audited."""
    if not perpetrator_notes_visible(actor=actor, case=case):
        raise PermissionDenied
    with transaction.atomic():
        audit_record(
            actor=actor,
            organisation=case.organisation_id,
            action="case.perpetrator.viewed",
            obj=case,
            unit=case.unit,
        )
    return case.perpetrator_notes or ""


# --- the national referral mechanism -------------------------------------------------------------

NRM_STATUS = {
    NrmStage.POTENTIAL_VICTIM: TraffickingStatus.POSSIBLE,
    NrmStage.OFFICIAL_VICTIM: TraffickingStatus.ACTUAL,
}


@transaction.atomic
def case_nrm_advance(
    *,
    actor: User,
    case: Case,
    to_stage: str,
    decided_on: datetime.date,
    authority: str = "",
    joint_interview_on: datetime.date | None = None,
) -> Case:
    """Move the case one or more stages forward: at risk → potential victim → official victim status.

    Never backwards or sideways. Official status needs the decision date and the deciding authority.
    The trafficking status follows (possible, then actual victim) unless set otherwise already.
    """
    _require_manage(actor, case)
    _require_open(case)
    current = Case.objects.select_for_update().get(pk=case.pk)
    if to_stage not in NRM_ORDER:
        raise ValidationError({"to_stage": _("Choose a stage from the list.")})
    if NRM_ORDER.index(NrmStage(to_stage)) <= NRM_ORDER.index(NrmStage(current.nrm_stage)):
        raise ValidationError({"to_stage": _("A case can only move forward in the referral mechanism.")})
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": _("The decision date cannot be in the future.")})
    if decided_on < current.opened_on:
        raise ValidationError({"decided_on": _("The decision date cannot be before the case was opened.")})
    authority = authority.strip()
    if to_stage == NrmStage.OFFICIAL_VICTIM and not authority:
        raise ValidationError({"authority": _("Name the authority that granted the official victim status.")})
    NrmDecision.objects.create(
        organisation_id=current.organisation_id,
        case=current,
        from_stage=current.nrm_stage,
        to_stage=to_stage,
        decided_on=decided_on,
        authority=authority[:200],
        recorded_by=actor,
    )
    changes: dict[str, Any] = {
        "nrm_stage": to_stage,
        "nrm_decided_on": decided_on,
        "nrm_authority": authority[:200],
    }
    if joint_interview_on is not None:
        changes["joint_interview_on"] = joint_interview_on
    if current.trafficking_status in ("", TraffickingStatus.POSSIBLE):
        changes["trafficking_status"] = NRM_STATUS[NrmStage(to_stage)]
    if current.case_type == CaseType.PREVENTION:
        changes["case_type"] = CaseType.VICTIM_ASSISTANCE
    updated = versioned_save(instance=current, expected_version=None, changes=changes)
    audit_record(
        actor=actor,
        organisation=updated.organisation_id,
        action="case.nrm.advanced",
        obj=updated,
        unit=updated.unit,
        details={"from": current.nrm_stage, "to": to_stage},
    )
    return updated


# --- trafficking events ----------------------------------------------------------------------------


def _cross_border_derive(case: Case) -> bool | None:
    """Cross-border when any event lies outside her country (`case_home_countries`); only events at
    home: internal; no events: unknown (None)."""
    from kujdes.cases.selectors import case_home_countries

    countries = set(TraffickingEvent.objects.filter(case=case).values_list("country", flat=True))
    if not countries:
        return None
    return bool(countries - case_home_countries(case=case))


@transaction.atomic
def trafficking_event_add(
    *,
    actor: User,
    case: Case,
    event_type: str,
    country: str,
    place: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    description: str = "",
) -> TraffickingEvent:
    """Record where and when she was recruited, moved or exploited; the case's cross-border flag follows."""
    _require_manage(actor, case)
    _require_open(case)
    country = country.strip().upper()
    errors: dict[str, Any] = {}
    if event_type not in EventType.values:
        errors["event_type"] = _("Choose a value from the list.")
    if len(country) != 2 or not ("A" <= country[0] <= "Z" and "A" <= country[1] <= "Z"):
        errors["country"] = _("Choose a country from the list.")
    if len(place) > 120:
        errors["place"] = _("Keep this under %(limit)d characters.") % {"limit": 120}
    if len(description) > TEXT_LIMIT:
        errors["description"] = _("Keep this under %(limit)d characters.") % {"limit": TEXT_LIMIT}
    if errors:
        raise ValidationError(errors)
    if date_from and date_to and date_to < date_from:
        raise ValidationError({"date_to": _("The end cannot be before the start.")})
    event = TraffickingEvent.objects.create(
        organisation_id=case.organisation_id,
        case=case,
        event_type=event_type,
        country=country,
        place=place.strip(),
        date_from=date_from,
        date_to=date_to,
        description=description.strip(),
    )
    case.cross_border = _cross_border_derive(case)
    Case.objects.filter(pk=case.pk).update(cross_border=case.cross_border)
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="case.event.added",
        obj=case,
        unit=case.unit,
        details={"event": str(event.public_id), "type": event_type, "country": event.country},
    )
    return event


@transaction.atomic
def trafficking_event_remove(*, actor: User, event: TraffickingEvent) -> None:
    """Remove a wrongly recorded event (open cases only); the cross-border flag follows."""
    case = event.case
    _require_manage(actor, case)
    _require_open(case)
    public_id = str(event.public_id)
    event.delete()
    case.cross_border = _cross_border_derive(case)
    Case.objects.filter(pk=case.pk).update(cross_border=case.cross_border)
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="case.event.removed",
        obj=case,
        unit=case.unit,
        details={"event": public_id},
    )


# --- workers ---------------------------------------------------------------------------------------


def case_worker_candidates(*, case: Case) -> QuerySet[User]:
    """Active users who work on cases over the case's unit or within its subtree: a membership with
    case.manage at the unit, above it (its reach covers the unit) or below it (a centre's worker)."""
    from django.db.models import Q

    from kujdes.accounts.models import User

    ancestors = [int(pk) for pk in case.unit.path.strip("/").split("/") if pk]
    return (
        User.objects.filter(
            Q(memberships__unit_id__in=ancestors) | Q(memberships__unit__path__startswith=case.unit.path),
            memberships__organisation_id=case.organisation_id,
            memberships__role__in=[role.value for role in roles_with(Perm.CASE_MANAGE)],
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


@transaction.atomic
def case_workers_set(*, actor: User, case: Case, primary: User, others: list[User]) -> Case:
    """Assign the primary and other case workers; each must work on cases in the case's unit."""
    _require_manage(actor, case)
    allowed = set(case_worker_candidates(case=case).values_list("pk", flat=True))
    if primary.pk not in allowed or any(user.pk not in allowed for user in others):
        raise ValidationError(_("Case workers must work on cases in the case's unit."))
    Case.objects.filter(pk=case.pk).update(primary_worker=primary)
    case.primary_worker = primary
    case.other_workers.set([user for user in others if user.pk != primary.pk])
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="case.workers.set",
        obj=case,
        unit=case.unit,
        details={"primary": str(primary.public_id), "others": sorted(str(u.public_id) for u in others)},
    )
    return case


# --- closure, reopening, transfer: approvals ------------------------------------------------------


def closure_requires_approval(*, organisation_id: int) -> bool:
    settings_row = CaseSettings.objects.filter(organisation_id=organisation_id).first()
    return True if settings_row is None else settings_row.closure_requires_approval


def _close(case: Case, *, status: str, reason: str, details: str) -> Case:
    return versioned_save(
        instance=case,
        expected_version=None,
        changes={
            "status": status,
            "closure_reason": reason,
            "closure_details": details,
            "closed_on": timezone.localdate(),
        },
    )


@transaction.atomic
def case_closure_request(
    *, actor: User, case: Case, status: str, reason: str, details: str = ""
) -> Approval | Case:
    """Ask to close the case (Closed or ClosedReferred, with a reason).

    Where the organisation requires it (the default), this creates a pending approval for a programme
    manager and returns it; otherwise the case is closed at once and returned.
    """
    _require_manage(actor, case)
    _require_open(case)
    if status not in (CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED):
        raise ValidationError({"status": _("Choose a value from the list.")})
    if reason not in ClosureReason.values:
        raise ValidationError({"reason": _("Choose a value from the list.")})
    if Approval.objects.filter(case=case, status=ApprovalStatus.PENDING).exists():
        raise ValidationError(_("A request for this case is already waiting for approval."))
    if not closure_requires_approval(organisation_id=case.organisation_id):
        closed = _close(case, status=status, reason=reason, details=details.strip())
        audit_record(
            actor=actor,
            organisation=case.organisation_id,
            action="case.closed",
            obj=case,
            unit=case.unit,
            details={"status": status, "reason": reason},
        )
        return closed
    approval = Approval.objects.create(
        organisation_id=case.organisation_id,
        case=case,
        kind=ApprovalKind.CLOSURE,
        closure_status=status,
        closure_reason=reason,
        details=details.strip(),
        requested_by=actor,
    )
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="case.closure.requested",
        obj=case,
        unit=case.unit,
        details={"approval": str(approval.public_id), "status": status, "reason": reason},
    )
    return approval


@transaction.atomic
def case_transfer_request(
    *, actor: User, case: Case, target_unit: Unit, details: str = "", override_reason: str = ""
) -> Approval:
    """Ask to move the case to another unit of the organisation; a programme manager of its unit decides.

    Another team will see her file, so her consent to case management is checked (DESIGN §4): without
    it, ConsentMissing, unless `override_reason` says why (recorded and audited as an override).
    """
    from kujdes.people.consent import consent_require
    from kujdes.people.models import ConsentPurpose

    _require_manage(actor, case)
    _require_open(case)
    if (
        target_unit.organisation_id != case.organisation_id
        or target_unit.pk == case.unit_id
        or not target_unit.is_active
    ):
        raise ValidationError({"target_unit": _("Choose another active unit of the organisation.")})
    if Approval.objects.filter(case=case, status=ApprovalStatus.PENDING).exists():
        raise ValidationError(_("A request for this case is already waiting for approval."))
    if len(details) > TEXT_LIMIT or len(override_reason) > 1000:
        raise ValidationError(_("Keep this under %(limit)d characters.") % {"limit": TEXT_LIMIT})
    consent_require(
        actor=actor,
        person=case.person,
        purpose=ConsentPurpose.CASE_MANAGEMENT,
        override_reason=override_reason,
    )
    approval = Approval.objects.create(
        organisation_id=case.organisation_id,
        case=case,
        kind=ApprovalKind.TRANSFER,
        target_unit=target_unit,
        details=details.strip(),
        requested_by=actor,
    )
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="case.transfer.requested",
        obj=case,
        unit=case.unit,
        details={"approval": str(approval.public_id), "target_unit": str(target_unit.public_id)},
    )
    return approval


# What happens when a request of a later room's kind is decided or withdrawn: that room registers a
# function (approval, actor) for its kind in its AppConfig.ready() (cases imports none of them). It runs
# inside the decision's transaction, after the status is set; a ValidationError it raises undoes the
# decision and is shown to the manager.
APPROVAL_HOOKS: dict[str, Callable[[Approval, User], None]] = {}


def approval_hook_register(*, kind: str, hook: Callable[[Approval, User], None]) -> None:
    APPROVAL_HOOKS[kind] = hook


def approval_can_decide(*, actor: User, approval: Approval) -> bool:
    """A programme manager over the case's unit, who did not ask."""
    if approval.status != ApprovalStatus.PENDING or approval.requested_by_id == actor.pk:
        return False
    return units_for_actor(actor=actor, perm=Perm.CASE_APPROVE).filter(pk=approval.case.unit_id).exists()


@transaction.atomic
def approval_decide(*, actor: User, approval: Approval, approve: bool, comment: str = "") -> Approval:
    """Approve or reject a pending request; approval applies it (closes or moves the case)."""
    approval = Approval.objects.select_for_update().select_related("case", "case__unit").get(pk=approval.pk)
    if approval.status != ApprovalStatus.PENDING:
        raise ValidationError(_("This request was decided already."))
    if approval.requested_by_id == actor.pk:
        raise ValidationError(_("Somebody else must decide on your own request."))
    if not approval_can_decide(actor=actor, approval=approval):
        raise PermissionDenied
    case = approval.case
    if approve and approval.kind == ApprovalKind.CLOSURE:
        _close(
            case,
            status=approval.closure_status,
            reason=approval.closure_reason,
            details=approval.details or "",
        )
    elif approve and approval.kind == ApprovalKind.TRANSFER:
        target = approval.target_unit
        if target is None or not target.is_active or target.organisation_id != case.organisation_id:
            raise ValidationError(_("The receiving unit is no longer active; reject the request."))
        if not case.is_open:
            raise ValidationError(_("The case is closed; reject the request."))
        source = case.unit
        Case.objects.filter(pk=case.pk).update(unit=target, version=F("version") + 1)
        # The person follows her case, unless another open case keeps her where she is.
        others_open = Case.objects.filter(person=case.person, status__in=OPEN_STATUSES).exclude(pk=case.pk)
        person_moved = not others_open.exclude(unit=target).exists()
        if person_moved:
            Person.objects.filter(pk=case.person_id).update(unit=target, version=F("version") + 1)
        audit_record(
            actor=actor,
            organisation=case.organisation_id,
            action="case.transferred",
            obj=case,
            unit=target,
            details={
                "from_unit": str(source.public_id),
                "to_unit": str(target.public_id),
                "person_moved": person_moved,
            },
        )
    approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    approval.decided_by = actor
    approval.decided_at = timezone.now()
    approval.decision_comment = comment.strip()
    approval.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    if approval.kind in APPROVAL_HOOKS:
        APPROVAL_HOOKS[approval.kind](approval, actor)
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action=f"case.{approval.kind}.{'approved' if approve else 'rejected'}",
        obj=case,
        unit=case.unit,
        details={"approval": str(approval.public_id)},
    )
    return approval


@transaction.atomic
def approval_withdraw(*, actor: User, approval: Approval) -> Approval:
    """The requester takes back a pending request."""
    if approval.requested_by_id != actor.pk or approval.status != ApprovalStatus.PENDING:
        raise PermissionDenied
    approval.status = ApprovalStatus.WITHDRAWN
    approval.save(update_fields=["status"])
    if approval.kind in APPROVAL_HOOKS:
        APPROVAL_HOOKS[approval.kind](approval, actor)
    audit_record(
        actor=actor,
        organisation=approval.organisation_id,
        action=f"case.{approval.kind}.withdrawn",
        obj=approval.case,
        unit=approval.case.unit,
        details={"approval": str(approval.public_id)},
    )
    return approval


@transaction.atomic
def case_reopen(*, actor: User, case: Case) -> Case:
    """A programme manager reopens a closed case (Active again)."""
    if not units_for_actor(actor=actor, perm=Perm.CASE_APPROVE).filter(pk=case.unit_id).exists():
        raise PermissionDenied
    if case.is_open:
        raise ValidationError(_("The case is open already."))
    reopened = versioned_save(
        instance=case,
        expected_version=None,
        changes={"status": CaseStatus.ACTIVE, "closed_on": None, "closure_reason": ""},
    )
    audit_record(
        actor=actor, organisation=case.organisation_id, action="case.reopened", obj=case, unit=case.unit
    )
    return reopened


@transaction.atomic
def case_settings_set(*, actor: User, organisation_id: int, closure_requires_approval: bool) -> CaseSettings:
    """An organisation administrator decides whether closing a case needs a manager's approval."""
    from kujdes.core.selectors import organisations_for_actor

    if (
        not organisations_for_actor(actor=actor, perm=Perm.ORGANISATION_CONFIGURE)
        .filter(pk=organisation_id)
        .exists()
    ):
        raise PermissionDenied
    row, _created = CaseSettings.objects.update_or_create(
        organisation_id=organisation_id, defaults={"closure_requires_approval": closure_requires_approval}
    )
    audit_record(
        actor=actor,
        organisation=organisation_id,
        action="case.settings.changed",
        details={"closure_requires_approval": closure_requires_approval},
    )
    return row


def _encrypted_fields(model: type[Any]) -> list[str]:
    from kujdes.core.fields import EncryptedField

    return [field.name for field in model._meta.concrete_fields if isinstance(field, EncryptedField)]


def _case_rows(case: Case) -> list[Any]:
    """Every row keyed through the case (encrypted with its person's key), referrals included."""
    from django.apps import apps

    from kujdes.cases.models import PersonKeyed

    children = [
        model
        for model in apps.get_models()
        if issubclass(model, PersonKeyed) and model is not Case and _encrypted_fields(model)
    ]
    return [row for model in children for row in model.objects.filter(case=case)]


def _case_move(
    case: Case, *, source: Person, target: Person, documents: dict[str, str]
) -> tuple[list[list[Any]], list[list[str]], list[Any]]:
    """Re-key one case and its rows from `source` to `target`. `documents` maps a document's current
    id to the id its new ciphertext takes (a fresh one when absent). Returns the rows moved as
    [label, pk], the documents as [pk, old id, new id], and the ids whose old ciphertext must go once
    the transaction commits."""
    import io
    import uuid

    from kujdes.cases.models import CaseDocument
    from kujdes.core.files import encrypted_file_read, encrypted_file_write

    case.person = source
    case_values = {name: getattr(case, name) for name in _encrypted_fields(Case)}
    rows: list[tuple[Any, dict[str, Any], bytes | None]] = []
    for row in _case_rows(case):
        row.case = case  # opened with the source's key, through this very case object
        values = {name: getattr(row, name) for name in _encrypted_fields(type(row))}
        content = None
        if isinstance(row, CaseDocument):
            content = b"".join(encrypted_file_read(handle=source.encryption_handle(), file_id=row.public_id))
        rows.append((row, values, content))
    case.person = target
    for name, value in case_values.items():
        setattr(case, name, value)
    case.save(update_fields=["person", "version", *case_values])
    moved, moved_documents, old_files = [], [], []
    for row, values, content in rows:
        update = list(values)
        if content is not None:
            old_id = row.public_id
            old_files.append(old_id)
            row.public_id = uuid.UUID(documents.get(str(old_id), str(uuid.uuid4())))
            encrypted_file_write(
                handle=target.encryption_handle(), file_id=row.public_id, source=io.BytesIO(content)
            )
            update.append("public_id")
            moved_documents.append([row.pk, str(old_id), str(row.public_id)])
        for name, value in values.items():
            setattr(row, name, value)
        row.save(update_fields=update)
        moved.append([row._meta.label_lower, row.pk])
    return moved, moved_documents, old_files


def _files_delete_on_commit(file_ids: list[Any]) -> None:
    from kujdes.core.files import encrypted_file_delete

    def old_files_delete() -> None:
        for file_id in file_ids:
            encrypted_file_delete(file_id=file_id)

    transaction.on_commit(old_files_delete)


def case_merge_hook(kept: Person, duplicate: Person) -> dict[str, Any]:
    """People's reviewed merge (runs inside its transaction): the duplicate's cases move to the kept person.

    Everything of a case is encrypted with the person's key and its associated data names the row, so a
    plain re-pointing would leave it unreadable: each value (the case's, and those of every row keyed
    through the case, referrals included) is opened with the duplicate's key and sealed with the kept
    person's. Documents get a new id: the new ciphertext is written beside the old one, which goes only
    once the merge commits (as people's own files do). Returns what moved (ids, and each case's version
    before), for case_unmerge_hook.
    """
    record: dict[str, Any] = {"cases": [], "rows": [], "documents": []}
    old_files: list[Any] = []
    for case in Case.objects.filter(person=duplicate).select_related("person"):
        record["cases"].append([case.pk, case.version])
        case.version += 1
        moved, documents, old = _case_move(case, source=duplicate, target=kept, documents={})
        record["rows"] += moved
        record["documents"] += documents
        old_files += old
    _files_delete_on_commit(old_files)
    record["audit"] = {"cases": [pk for pk, _version in record["cases"]], "rows": record["rows"]}
    return record


def case_unmerge_hook(kept: Person, duplicate: Person, record: dict[str, Any]) -> None:
    """The undo of case_merge_hook: the cases it moved go back to the duplicate, re-keyed under her key
    again, each at its version of before the merge, their documents under their former ids."""
    documents = {new: old for _pk, old, new in record.get("documents", [])}
    new_files: list[Any] = []
    for pk, version in record.get("cases", []):
        case = Case.objects.filter(pk=pk, person=kept).first()
        if case is None:
            continue
        case.version = version
        _moved, _documents, old = _case_move(case, source=kept, target=duplicate, documents=documents)
        new_files += old
    _files_delete_on_commit(new_files)


# The undo twin is named here, beside the hook (cases/apps.py registers the hook itself): importing this
# module, as AppConfig.ready() does, is enough.
unmerge_hook_register(hook=case_merge_hook, undo=case_unmerge_hook)
