"""Writes of the employment pathway. Each runs in one transaction with its audit event.

Callers have read the objects through the selectors (so the actor sees them); the services check that
the actor may *record* there. A follow-up that finds warning signs of exploitation opens a screening of
the person: recorded at once through the screening room when the actor screens (a case worker of the
person's unit), otherwise left awaiting a case worker, who sees it on the person's page and on the
employment page. Serious signs (documents kept, threats, confinement, debt bondage) also open a case
when the person has none open: the programme's rule, applied by the system.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.locking import versioned_save
from kujdes.core.models import Unit
from kujdes.people.models import Person
from kujdes.programme.employment import selectors as sel
from kujdes.programme.employment.models import (
    FOLLOW_UP_MONTHS,
    SERIOUS_SIGNS,
    ActionKind,
    ContractType,
    Employer,
    GrantStatus,
    MicroGrant,
    Placement,
    PlacementFollowUp,
    PlacementKind,
    ReadinessAssessment,
    RedFlag,
    SafeguardingStatus,
    ScreeningStatus,
    SupportAction,
    WarningSign,
    isic_sections,
)
from kujdes.programme.models import Participation
from kujdes.programme.services import months_after

if TYPE_CHECKING:
    from kujdes.accounts.models import User
    from kujdes.screening.models import Screening

# The ILO indicator (of the shipped labour lists, adults and children) each warning sign stands for.
SIGN_INDICATORS: dict[str, str] = {
    WarningSign.DOCUMENTS_RETAINED: "cd_documents",
    WarningSign.WAGES_WITHHELD: "cd_withholding_wages",
    WarningSign.BELOW_MINIMUM: "ex_low_salary",
    WarningSign.EXCESSIVE_HOURS: "ex_excessive_hours",
    WarningSign.NO_CONTRACT: "ex_social_protection",
    WarningSign.HAZARDOUS: "ex_hazardous",
    WarningSign.ISOLATION: "cd_isolation",
    WarningSign.THREATS: "cd_threats_violence",
    WarningSign.DEBT: "cd_debt_bondage",
    WarningSign.DECEIVED: "dr_conditions_work",
    WarningSign.FORCED_TASKS: "cd_forced_tasks",
}
LABOUR_INSTRUMENTS = {"adult": "ilo-adult-labour", "child": "ilo-child-labour"}


def _today() -> datetime.date:
    return timezone.localdate()


def _require_unit(actor: User, unit: Unit) -> None:
    if not sel.can_manage_unit(actor=actor, unit_id=unit.pk):
        raise PermissionDenied


def _require_person(actor: User, person: Person, unit: Unit) -> None:
    _require_unit(actor, unit)
    if (
        person.organisation_id != unit.organisation_id
        or not sel.pathway_persons(actor=actor).filter(pk=person.pk).exists()
    ):
        raise PermissionDenied


def _not_future(errors: dict[str, list[str]], name: str, day: datetime.date | None) -> None:
    if day is not None and day > _today():
        errors.setdefault(name, []).append(_("The date cannot be in the future."))


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _codes(values: list[str], allowed: list[str], name: str, errors: dict[str, list[str]]) -> list[str]:
    if any(value not in allowed for value in values):
        errors.setdefault(name, []).append(_("Choose values from the list."))
    return sorted(set(values))


def pathway_view(*, actor: User, person: Person) -> None:
    """Audit that the actor opened a person's employment pathway (its sealed values are shown)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            organisation=person.organisation_id,
            action="employment.pathway.viewed",
            obj=person,
            unit=person.unit,
        )


# -- readiness and support ----------------------------------------------------------------------------


def readiness_assess(
    *,
    actor: User,
    person: Person,
    unit: Unit,
    assessed_on: datetime.date,
    readiness: str,
    has_cv: bool = False,
    documents: list[str] | None = None,
    skills: str = "",
    constraints: list[str] | None = None,
    constraints_notes: str = "",
) -> ReadinessAssessment:
    """Record a job-readiness assessment of a person supported by `unit`."""
    from kujdes.programme.employment.models import Constraint, DocumentKind

    _require_person(actor, person, unit)
    errors: dict[str, list[str]] = {}
    _not_future(errors, "assessed_on", assessed_on)
    assessment = ReadinessAssessment(
        organisation_id=person.organisation_id,
        person=person,
        unit=unit,
        assessed_on=assessed_on,
        readiness=readiness,
        has_cv=has_cv,
        documents=_codes(documents or [], DocumentKind.values, "documents", errors),
        skills=skills,
        constraints=_codes(constraints or [], Constraint.values, "constraints", errors),
        constraints_notes=constraints_notes,
        assessed_by=actor,
    )
    _raise(errors)
    assessment.full_clean(
        exclude=["person", "unit", "assessed_by", "organisation", "skills", "constraints_notes"]
    )
    with transaction.atomic():
        assessment.save()
        audit_record(
            actor=actor,
            organisation=person.organisation_id,
            action="employment.readiness.assessed",
            obj=assessment,
            unit=unit,
            details={"person": str(person.public_id)},
        )
    return assessment


def support_action_record(
    *,
    actor: User,
    person: Person,
    unit: Unit,
    date: datetime.date,
    kind: str,
    employer: Employer | None = None,
    notes: str = "",
) -> SupportAction:
    """Record one job-search support action."""
    _require_person(actor, person, unit)
    errors: dict[str, list[str]] = {}
    _not_future(errors, "date", date)
    if kind not in ActionKind.values:
        errors["kind"] = [_("Choose a value from the list.")]
    if employer is not None and employer.organisation_id != person.organisation_id:
        errors["employer"] = [_("Choose a value from the list.")]
    _raise(errors)
    with transaction.atomic():
        action = SupportAction.objects.create(
            organisation_id=person.organisation_id,
            person=person,
            unit=unit,
            date=date,
            kind=kind,
            employer=employer,
            notes=notes,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            organisation=person.organisation_id,
            action="employment.action.recorded",
            obj=action,
            unit=unit,
            details={"person": str(person.public_id), "kind": kind},
        )
    return action


# -- employers ------------------------------------------------------------------------------------------


EMPLOYER_FIELDS = (
    "name",
    "sector",
    "municipality",
    "address",
    "contact_name",
    "contact_phone",
    "contact_email",
    "agreement",
    "agreement_since",
    "checked_on",
    "written_contracts",
    "pays_minimum_wage",
    "legal_hours",
    "no_document_retention",
    "red_flags",
    "is_active",
)


def safeguarding_status(values: dict[str, Any]) -> str:
    """Not checked until a date is given; cleared only when every check holds and no red flag is seen."""
    if not values.get("checked_on"):
        return SafeguardingStatus.NOT_CHECKED
    checks = ("written_contracts", "pays_minimum_wage", "legal_hours", "no_document_retention")
    if values.get("red_flags") or not all(values.get(name) for name in checks):
        return SafeguardingStatus.CONCERNS
    return SafeguardingStatus.CLEARED


def _employer_check(organisation_id: int, values: dict[str, Any], *, exclude_pk: int | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if values.get("sector") not in isic_sections():
        errors["sector"] = [_("Choose a value from the list.")]
    from kujdes.people.selectors import municipalities_for_organisation

    allowed = municipalities_for_organisation(organisation_id=organisation_id)
    if allowed is not None and values.get("municipality") and values["municipality"] not in allowed:
        errors["municipality"] = [_("Choose a municipality from the list.")]
    values["red_flags"] = _codes(list(values.get("red_flags") or []), RedFlag.values, "red_flags", errors)
    _not_future(errors, "checked_on", values.get("checked_on"))
    duplicate = Employer.objects.filter(
        organisation_id=organisation_id,
        name=values.get("name", ""),
        municipality=values.get("municipality", ""),
    )
    if exclude_pk is not None:
        duplicate = duplicate.exclude(pk=exclude_pk)
    if duplicate.exists():
        errors.setdefault("name", []).append(_("This employer is already in the directory."))
    _raise(errors)


def employer_create(*, actor: User, unit: Unit, **values: Any) -> Employer:
    """Add an employer to the organisation's directory, maintained by `unit`."""
    _require_unit(actor, unit)
    values = {name: values[name] for name in EMPLOYER_FIELDS if name in values}
    _employer_check(unit.organisation_id, values)
    employer = Employer(organisation_id=unit.organisation_id, unit=unit, created_by=actor, **values)
    employer.safeguarding = safeguarding_status(values)
    employer.full_clean(exclude=["organisation", "unit", "created_by"])
    with transaction.atomic():
        employer.save()
        audit_record(
            actor=actor,
            organisation=unit.organisation_id,
            action="employment.employer.created",
            obj=employer,
            unit=unit,
            details={"safeguarding": employer.safeguarding},
        )
    return employer


def employer_update(
    *, actor: User, employer: Employer, expected_version: int | None, **values: Any
) -> Employer:
    """Change an employer's entry, its safeguarding check included (StaleVersion if changed meanwhile)."""
    if not sel.employer_can_manage(actor=actor, employer=employer):
        raise PermissionDenied
    changes = {name: values[name] for name in EMPLOYER_FIELDS if name in values}
    merged = {name: getattr(employer, name) for name in EMPLOYER_FIELDS} | changes
    _employer_check(employer.organisation_id, merged, exclude_pk=employer.pk)
    changes["red_flags"] = merged["red_flags"]
    changes["safeguarding"] = safeguarding_status(merged)
    probe = Employer(**{**{n: getattr(employer, n) for n in EMPLOYER_FIELDS}, **changes})
    probe.full_clean(
        exclude=["organisation", "unit", "created_by"], validate_unique=False, validate_constraints=False
    )
    with transaction.atomic():
        employer = versioned_save(instance=employer, expected_version=expected_version, changes=changes)
        audit_record(
            actor=actor,
            organisation=employer.organisation_id,
            action="employment.employer.updated",
            obj=employer,
            unit=employer.unit,
            details={"fields": sorted(changes), "safeguarding": employer.safeguarding},
        )
    return employer


# -- placements ----------------------------------------------------------------------------------------


def placement_create(
    *,
    actor: User,
    person: Person,
    unit: Unit,
    kind: str,
    starts_on: datetime.date,
    contract: str,
    employer: Employer | None = None,
    position: str = "",
    wage_band: str = "unknown",
    hours_per_week: int | None = None,
    subsidised: bool = False,
    course: Participation | None = None,
    notes: str = "",
) -> Placement:
    """Record a placement and its follow-ups due 1, 3, 6 and 12 months after the start.

    An employer is needed except for self-employment; an employer whose workplace check found concerns
    is refused (the check is there to keep people out of exploitative workplaces).
    """
    _require_person(actor, person, unit)
    errors: dict[str, list[str]] = {}
    _not_future(errors, "starts_on", starts_on)
    if employer is None and kind != PlacementKind.SELF_EMPLOYMENT:
        errors["employer"] = [_("Choose the employer (only self-employment has none).")]
    if employer is not None:
        if employer.organisation_id != person.organisation_id:
            errors["employer"] = [_("Choose a value from the list.")]
        elif employer.safeguarding == SafeguardingStatus.CONCERNS:
            errors["employer"] = [
                _("The safeguarding check of this workplace found concerns: nobody is placed there.")
            ]
    if course is not None and (course.person_id != person.pk or course.completed_on is None):
        errors["course"] = [_("Choose a course the person completed.")]
    elif course is not None and course.completed_on and course.completed_on > starts_on:
        errors["course"] = [_("The placement starts before the course was completed.")]
    placement = Placement(
        organisation_id=person.organisation_id,
        person=person,
        unit=unit,
        kind=kind,
        employer=employer,
        position=position,
        starts_on=starts_on,
        contract=contract,
        wage_band=wage_band,
        hours_per_week=hours_per_week,
        subsidised=subsidised,
        course=course,
        notes=notes,
        created_by=actor,
    )
    try:
        placement.full_clean(
            exclude=[
                "person",
                "unit",
                "employer",
                "course",
                "created_by",
                "organisation",
                "position",
                "notes",
            ]
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if hours_per_week is not None and hours_per_week > 84:
        errors.setdefault("hours_per_week", []).append(_("At most 84 hours a week."))
    _raise(errors)
    with transaction.atomic():
        placement.save()
        PlacementFollowUp.objects.bulk_create(
            [
                PlacementFollowUp(
                    organisation_id=placement.organisation_id,
                    placement=placement,
                    months=months,
                    due_on=months_after(starts_on, months),
                )
                for months in FOLLOW_UP_MONTHS
            ]
        )
        audit_record(
            actor=actor,
            organisation=person.organisation_id,
            action="employment.placement.created",
            obj=placement,
            unit=unit,
            details={"person": str(person.public_id), "kind": kind, "contract": contract},
        )
    return placement


def _later_marks_not_held(
    *, actor: User, placement: Placement, left_by: datetime.date, after_months: int = 0
) -> None:
    """The retention rule: a person who left is "not held" at every mark still to come (not unknown)."""
    later = models.Q(months__gt=after_months) if after_months else models.Q(due_on__gt=left_by)
    PlacementFollowUp.objects.filter(later, placement=placement, recorded_on__isnull=True).update(
        recorded_on=left_by, still_employed=False, recorded_by=actor, version=models.F("version") + 1
    )


def placement_end(*, actor: User, placement: Placement, ended_on: datetime.date) -> Placement:
    """Record that the person left the placement; follow-ups not yet recorded are no longer due."""
    _require_unit(actor, placement.unit)
    errors: dict[str, list[str]] = {}
    _not_future(errors, "ended_on", ended_on)
    if ended_on < placement.starts_on:
        errors["ended_on"] = [_("The end cannot be before the start.")]
    _raise(errors)
    with transaction.atomic():
        placement = versioned_save(instance=placement, expected_version=None, changes={"ended_on": ended_on})
        _later_marks_not_held(actor=actor, placement=placement, left_by=ended_on)
        audit_record(
            actor=actor,
            organisation=placement.organisation_id,
            action="employment.placement.ended",
            obj=placement,
            unit=placement.unit,
        )
    return placement


def follow_up_record(
    *,
    actor: User,
    follow_up: PlacementFollowUp,
    recorded_on: datetime.date,
    still_employed: bool,
    conditions: str = "",
    problems: str = "",
    warning_signs: list[str] | None = None,
) -> PlacementFollowUp:
    """Record a follow-up; warning signs open a screening (and, when serious, a case).

    Returns the follow-up, with `screening` set when the screening was recorded at once.
    """
    placement = follow_up.placement
    _require_unit(actor, placement.unit)
    errors: dict[str, list[str]] = {}
    _not_future(errors, "recorded_on", recorded_on)
    if recorded_on < placement.starts_on:
        errors.setdefault("recorded_on", []).append(
            _("The follow-up cannot be before the placement started.")
        )
    signs = _codes(list(warning_signs or []), WarningSign.values, "warning_signs", errors)
    if conditions and conditions not in ("good", "acceptable", "poor"):
        errors["conditions"] = [_("Choose a value from the list.")]
    if follow_up.recorded_on is not None:
        errors.setdefault("__all__", []).append(_("This follow-up was already recorded."))
    _raise(errors)
    person = placement.person
    with transaction.atomic():
        changes: dict[str, Any] = {
            "recorded_on": recorded_on,
            "still_employed": still_employed,
            "conditions": conditions,
            "problems": problems,
            "warning_signs": signs,
            "has_warning_signs": bool(signs),
            "recorded_by": actor,
            "screening_status": ScreeningStatus.AWAITING if signs else ScreeningStatus.NONE,
        }
        follow_up = versioned_save(instance=follow_up, expected_version=None, changes=changes)
        follow_up.placement = placement
        if not still_employed:
            _later_marks_not_held(
                actor=actor, placement=placement, left_by=recorded_on, after_months=follow_up.months
            )
        audit_record(
            actor=actor,
            organisation=follow_up.organisation_id,
            action="employment.follow_up.recorded",
            obj=follow_up,
            unit=placement.unit,
            details={
                "person": str(person.public_id),
                "months": follow_up.months,
                "warning_signs": bool(signs),
            },
        )
        if signs:
            if sel.screening_can_record(actor=actor, follow_up=follow_up) and _labour_instrument(person):
                _screening_record(actor=actor, follow_up=follow_up, notes="")
            else:
                audit_record(
                    actor=actor,
                    organisation=follow_up.organisation_id,
                    action="employment.follow_up.screening_opened",
                    obj=follow_up,
                    unit=placement.unit,
                    details={"person": str(person.public_id)},
                )
            if SERIOUS_SIGNS & set(signs):
                _case_open_by_rule(actor=actor, follow_up=follow_up)
    return follow_up


def _labour_answers(definition: dict[str, Any], signs: list[str]) -> list[str]:
    known = {item["code"] for dim in definition.get("dimensions", []) for item in dim.get("indicators", [])}
    return sorted({SIGN_INDICATORS[sign] for sign in signs if SIGN_INDICATORS.get(sign) in known})


def _labour_instrument(person: Person) -> Any:
    """The active ILO labour list for the person's age group today (None if the organisation retired it)."""
    from kujdes.screening.models import Instrument
    from kujdes.screening.services import screening_age_group

    group = screening_age_group(person=person, performed_on=_today()) or "adult"
    return Instrument.objects.filter(
        organisation_id=person.organisation_id, code=LABOUR_INSTRUMENTS[group], is_active=True
    ).first()


def _screening_record(*, actor: User, follow_up: PlacementFollowUp, notes: str) -> Screening:
    from kujdes.screening.selectors import instrument_current_version
    from kujdes.screening.services import screening_age_group, screening_record

    person = follow_up.placement.person
    today = _today()
    group = screening_age_group(person=person, performed_on=today) or "adult"
    instrument = _labour_instrument(person)
    if instrument is None:
        raise ValidationError(_("The labour exploitation indicator list is not installed or not active."))
    version = instrument_current_version(instrument=instrument)
    answers = _labour_answers(version.definition if version else {}, follow_up.warning_signs or [])
    screening = screening_record(
        actor=actor,
        person=person,
        instrument=instrument,
        answers=answers,
        performed_on=today,
        age_group=group,
        notes=notes or _("Opened by warning signs at a job placement follow-up."),
    )
    follow_up.screening = screening
    follow_up.screening_status = ScreeningStatus.RECORDED
    follow_up.save(update_fields=["screening", "screening_status"])
    audit_record(
        actor=actor,
        organisation=follow_up.organisation_id,
        action="employment.follow_up.screened",
        obj=follow_up,
        unit=follow_up.placement.unit,
        details={"screening": str(screening.public_id)},
    )
    return screening


def follow_up_screening_record(*, actor: User, follow_up: PlacementFollowUp, notes: str = "") -> Screening:
    """A case worker records the screening a follow-up's warning signs opened, with those signs as answers."""
    if not sel.screening_can_record(actor=actor, follow_up=follow_up):
        raise PermissionDenied
    if follow_up.screening_status != ScreeningStatus.AWAITING:
        raise ValidationError(_("This screening was already recorded."))
    with transaction.atomic():
        return _screening_record(actor=actor, follow_up=follow_up, notes=notes)


def _case_open_by_rule(*, actor: User, follow_up: PlacementFollowUp) -> None:
    from kujdes.cases.choices import CaseStatus, CaseType
    from kujdes.cases.models import Case
    from kujdes.cases.services import case_create

    person = follow_up.placement.person
    open_case = Case.objects.filter(person=person).exclude(
        status__in=[CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED]
    )
    if open_case.exists():
        follow_up.case = open_case.order_by("-opened_on").first()
    else:
        # The rule acts, not the person who recorded the follow-up (an educator may not open cases).
        follow_up.case = case_create(
            actor=None,
            person=person,
            unit=person.unit,
            case_type=CaseType.PREVENTION,
            opened_on=_today(),
            summary=_("Opened by serious warning signs at a job placement follow-up."),
        )
        audit_record(
            actor=actor,
            organisation=follow_up.organisation_id,
            action="employment.follow_up.case_opened",
            obj=follow_up,
            unit=follow_up.placement.unit,
            details={"case": str(follow_up.case.public_id)},
        )
    follow_up.save(update_fields=["case"])


# -- micro-grants -----------------------------------------------------------------------------------------


def grant_create(
    *,
    actor: User,
    person: Person,
    unit: Unit,
    business: str,
    business_plan: str,
    amount: Decimal,
    applied_on: datetime.date,
    sector: str = "",
    currency: str = "ALL",
) -> MicroGrant:
    """Record a micro-grant application with its business plan."""
    _require_person(actor, person, unit)
    errors: dict[str, list[str]] = {}
    _not_future(errors, "applied_on", applied_on)
    if sector and sector not in isic_sections():
        errors["sector"] = [_("Choose a value from the list.")]
    if not business.strip():
        errors["business"] = [_("Say what the business is.")]
    grant = MicroGrant(
        organisation_id=person.organisation_id,
        person=person,
        unit=unit,
        business=business,
        business_plan=business_plan,
        sector=sector,
        amount=amount,
        currency=currency,
        applied_on=applied_on,
        created_by=actor,
    )
    if amount is None or amount <= 0:
        errors["amount"] = [_("The amount must be more than zero.")]
    _raise(errors)
    with transaction.atomic():
        grant.save()
        audit_record(
            actor=actor,
            organisation=person.organisation_id,
            action="employment.grant.created",
            obj=grant,
            unit=unit,
            details={"person": str(person.public_id)},
        )
    return grant


def grant_status_set(
    *, actor: User, grant: MicroGrant, status: str, disbursed_on: datetime.date | None = None
) -> MicroGrant:
    """Approve, refuse, disburse or close a grant; disbursing sets the review a year later."""
    _require_unit(actor, grant.unit)
    errors: dict[str, list[str]] = {}
    if status not in GrantStatus.values:
        errors["status"] = [_("Choose a value from the list.")]
    changes: dict[str, Any] = {"status": status}
    if status == GrantStatus.DISBURSED:
        if disbursed_on is None:
            errors["disbursed_on"] = [_("Give the date the money was paid.")]
        else:
            _not_future(errors, "disbursed_on", disbursed_on)
            if disbursed_on < grant.applied_on:
                errors.setdefault("disbursed_on", []).append(
                    _("The payment cannot be before the application.")
                )
            changes |= {"disbursed_on": disbursed_on, "review_due_on": months_after(disbursed_on, 12)}
    _raise(errors)
    with transaction.atomic():
        grant = versioned_save(instance=grant, expected_version=None, changes=changes)
        audit_record(
            actor=actor,
            organisation=grant.organisation_id,
            action="employment.grant.status_set",
            obj=grant,
            unit=grant.unit,
            details={"status": status},
        )
    return grant


def grant_review(*, actor: User, grant: MicroGrant, reviewed_on: datetime.date, active: bool) -> MicroGrant:
    """Record whether the business still runs a year after the grant was paid."""
    _require_unit(actor, grant.unit)
    errors: dict[str, list[str]] = {}
    _not_future(errors, "reviewed_on", reviewed_on)
    if grant.disbursed_on is None:
        errors["__all__"] = [_("Only a disbursed grant is reviewed.")]
    _raise(errors)
    changes: dict[str, Any] = {"reviewed_on": reviewed_on, "active_after_12_months": active}
    if not active:
        changes["status"] = GrantStatus.CLOSED
    with transaction.atomic():
        grant = versioned_save(instance=grant, expected_version=None, changes=changes)
        audit_record(
            actor=actor,
            organisation=grant.organisation_id,
            action="employment.grant.reviewed",
            obj=grant,
            unit=grant.unit,
            details={"active": active},
        )
    return grant


CONTRACT_CHOICES = ContractType.choices
