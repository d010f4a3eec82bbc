"""Writes of the volunteers' pipeline and curriculum: each checks the actor's right, runs in one
transaction and writes its audit event there (codes and ids only: a stage change's notes stay sealed)."""

from __future__ import annotations

import datetime
import functools
import tomllib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.locking import versioned_save
from kujdes.core.models import Unit
from kujdes.core.roles import Perm
from kujdes.core.selectors import organisations_for_actor
from kujdes.programme import services as programme_services
from kujdes.programme.models import (
    BackgroundCheck,
    TrainingModule,
    Volunteer,
    VolunteerStage,
    VolunteerStageChange,
)
from kujdes.programme.selectors import volunteer_can_manage
from kujdes.programme.volunteers.selectors import NEXT_STAGES, curriculum_progress

if TYPE_CHECKING:
    from kujdes.accounts.models import User

CURRICULUM_FILE = Path(__file__).with_name("curriculum.toml")


# -- the pipeline -------------------------------------------------------------------------------------------


def _stage_check(*, volunteer: Volunteer, to_stage: str, decided_on: datetime.date, notes: str) -> None:
    if to_stage not in NEXT_STAGES.get(volunteer.stage, ()):
        raise ValidationError(
            {
                "to_stage": _("From “%(stage)s” a volunteer cannot go to “%(to)s”.")
                % {
                    "stage": volunteer.get_stage_display(),  # type: ignore[attr-defined]
                    "to": VolunteerStage(to_stage).label if to_stage in VolunteerStage.values else to_stage,
                }
            }
        )
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": _("The date is in the future.")})
    if volunteer.stage_since is not None and decided_on < volunteer.stage_since:
        raise ValidationError({"decided_on": _("The decision cannot come before the current stage began.")})
    if to_stage in (VolunteerStage.REFUSED, VolunteerStage.WITHDRAWN) and not notes.strip():
        raise ValidationError({"notes": _("Say why: a refusal or a withdrawal needs its reason.")})
    if to_stage == VolunteerStage.SAFEGUARDING:
        progress = curriculum_progress(volunteer=volunteer)
        if progress.modules and not progress.complete:
            raise ValidationError(
                {
                    "to_stage": _(
                        "The training is not finished: %(done)s of %(total)s modules of the curriculum"
                        " are recorded."
                    )
                    % {"done": progress.done, "total": len(progress.modules)}
                }
            )
    if to_stage == VolunteerStage.ACTIVE:
        expires = volunteer.background_check_expires_on
        if volunteer.background_check != BackgroundCheck.CLEARED or (
            expires is not None and expires < decided_on
        ):
            raise ValidationError(
                {
                    "to_stage": _(
                        "Only a volunteer whose safeguarding check is cleared and valid becomes active."
                    )
                }
            )


@transaction.atomic
def volunteer_stage_change(
    *,
    actor: User,
    volunteer: Volunteer,
    to_stage: str,
    decided_on: datetime.date,
    notes: str = "",
    expected_version: int | None = None,
) -> Volunteer:
    """Move a volunteer to the next stage of the pipeline (or out of it), recording who decided, when
    and why. Staff who manage the volunteer's unit only. Entering training needs nothing more; the
    safeguarding check needs the curriculum completed; becoming active needs a cleared, valid check.
    Raises StaleVersion when the volunteer was saved since `expected_version`."""
    if not volunteer_can_manage(actor=actor, volunteer=volunteer):
        raise PermissionDenied
    _stage_check(volunteer=volunteer, to_stage=to_stage, decided_on=decided_on, notes=notes)
    from_stage = volunteer.stage
    updated = versioned_save(
        instance=volunteer,
        expected_version=expected_version,
        changes={
            "stage": to_stage,
            "stage_since": decided_on,
            "is_active": to_stage == VolunteerStage.ACTIVE,
        },
    )
    change = VolunteerStageChange(
        organisation_id=volunteer.organisation_id,
        volunteer=updated,
        from_stage=from_stage,
        to_stage=to_stage,
        decided_on=decided_on,
        decided_by=actor,
        notes=notes.strip(),
    )
    change.save()
    audit_record(
        actor=actor,
        organisation=volunteer.organisation_id,
        action="programme.volunteer.stage_changed",
        obj=updated,
        unit=updated.unit,
        details={"from": from_stage, "to": to_stage, "on": decided_on.isoformat()},
    )
    return updated


@transaction.atomic
def volunteer_enter(
    *,
    actor: User,
    unit: Unit,
    given_name: str,
    joined_on: datetime.date,
    stage: str = VolunteerStage.APPLICATION,
    **values: Any,
) -> Volunteer:
    """A new volunteer at a stage of the pipeline: an application, usually; a volunteer recorded late
    may enter at any stage. The entry is the first line of their stage history."""
    if stage not in VolunteerStage.values:
        raise ValidationError({"stage": _("Unknown stage.")})
    if joined_on > timezone.localdate():
        raise ValidationError({"joined_on": _("The date is in the future.")})
    values["is_active"] = stage == VolunteerStage.ACTIVE
    volunteer = programme_services.volunteer_create(
        actor=actor, unit=unit, given_name=given_name, joined_on=joined_on, **values
    )
    Volunteer.objects.filter(pk=volunteer.pk).update(stage=stage, stage_since=joined_on)
    volunteer.stage, volunteer.stage_since = stage, joined_on
    VolunteerStageChange(
        organisation_id=volunteer.organisation_id,
        volunteer=volunteer,
        from_stage="",
        to_stage=stage,
        decided_on=joined_on,
        decided_by=actor,
        notes="",
    ).save()
    audit_record(
        actor=actor,
        organisation=volunteer.organisation_id,
        action="programme.volunteer.stage_changed",
        obj=volunteer,
        unit=unit,
        details={"from": "", "to": stage, "on": joined_on.isoformat()},
    )
    return volunteer


# -- the curriculum ----------------------------------------------------------------------------------------


@functools.cache
def default_curriculum() -> tuple[dict[str, Any], ...]:
    """The shipped curriculum (curriculum.toml): code, hours and names of each module, in order."""
    raw = tomllib.loads(CURRICULUM_FILE.read_text(encoding="utf-8"))
    modules = []
    for entry in raw.get("module", []):
        modules.append(
            {"code": entry["code"], "hours": Decimal(str(entry["hours"])), "names": dict(entry["name"])}
        )
    return tuple(modules)


def _require_configure(actor: User | None, organisation_id: int) -> None:
    if actor is None:
        return
    if (
        not organisations_for_actor(actor=actor, perm=Perm.ORGANISATION_CONFIGURE)
        .filter(pk=organisation_id)
        .exists()
    ):
        raise PermissionDenied


@transaction.atomic
def curriculum_install(*, actor: User | None, organisation_id: int) -> int:
    """Give an organisation the default curriculum's modules it lacks (by code); how many were added.
    Organisation administrators, or the system (actor None)."""
    _require_configure(actor, organisation_id)
    existing = set(
        TrainingModule.objects.filter(organisation_id=organisation_id).values_list("code", flat=True)
    )
    added = 0
    for order, module in enumerate(default_curriculum(), start=1):
        if module["code"] in existing:
            continue
        TrainingModule.objects.create(
            organisation_id=organisation_id,
            code=module["code"],
            names=module["names"],
            hours=module["hours"],
            order=order * 10,
        )
        added += 1
    if added:
        audit_record(
            actor=actor,
            organisation=organisation_id,
            action="programme.curriculum.installed",
            details={"modules": added},
        )
    return added


def curriculum_translations_install(*, organisation_id: int) -> int:
    """Give an organisation's shipped modules the shipped names of the languages they lack (never
    replacing a name it wrote); how many modules gained a language. Idempotent."""
    from kujdes.programme.services import shipped_names_merge

    shipped = {module["code"]: module["names"] for module in default_curriculum()}
    updated = 0
    for module in TrainingModule.objects.filter(organisation_id=organisation_id, code__in=list(shipped)):
        merged = shipped_names_merge(module.names or {}, shipped[module.code])
        if merged is not None:
            module.names = merged
            module.save(update_fields=["names"])
            updated += 1
    return updated


def _module_clean(names: dict[str, str], hours: Any) -> tuple[dict[str, str], Decimal]:
    errors: dict[str, str] = {}
    names = {language: text.strip() for language, text in names.items() if text and text.strip()}
    if not names:
        errors["name_en"] = _("Give the module's name in at least one language.")
    try:
        value = Decimal(str(hours))
    except (InvalidOperation, ValueError):
        value = Decimal(0)
    if not Decimal("0.5") <= value <= Decimal(200):
        errors["hours"] = _("Between 0.5 and 200 hours.")
    if errors:
        raise ValidationError(errors)
    return names, value


@transaction.atomic
def curriculum_module_save(
    *,
    actor: User,
    organisation_id: int,
    names: dict[str, str],
    hours: Any,
    order: int,
    is_active: bool = True,
    code: str = "",
    module: TrainingModule | None = None,
    expected_version: int | None = None,
) -> TrainingModule:
    """Add a module to an organisation's curriculum, or change one (names, hours, order, retired).
    Trainings already recorded keep the hours they were given with."""
    _require_configure(actor, organisation_id)
    names, value = _module_clean(names, hours)
    if module is None:
        code = code.strip()
        if not code:
            raise ValidationError({"code": _("Give the module a code.")})
        if TrainingModule.objects.filter(organisation_id=organisation_id, code=code).exists():
            raise ValidationError({"code": _("A module with this code already exists.")})
        module = TrainingModule.objects.create(
            organisation_id=organisation_id,
            code=code,
            names=names,
            hours=value,
            order=order,
            is_active=is_active,
        )
        action = "programme.curriculum.module_added"
    else:
        if module.organisation_id != organisation_id:
            raise PermissionDenied
        module = versioned_save(
            instance=module,
            expected_version=expected_version,
            changes={"names": names, "hours": value, "order": order, "is_active": is_active},
        )
        action = "programme.curriculum.module_changed"
    audit_record(actor=actor, organisation=organisation_id, action=action, obj=module)
    return module


@transaction.atomic
def training_record(
    *,
    actor: User,
    volunteer: Volunteer,
    completed_on: datetime.date,
    title: str = "",
    module: TrainingModule | None = None,
    hours: Decimal | None = None,
    **values: Any,
) -> Any:
    """A training the volunteer completed; when it is a module of the curriculum, it names the module and
    keeps its hours (the module's unless given). The rules of `training_add` apply."""
    if module is not None and module.organisation_id != volunteer.organisation_id:
        raise PermissionDenied
    if module is None and not title.strip():
        raise ValidationError({"title": _("Give the training's title or choose a module of the curriculum.")})
    if hours is not None and not Decimal(0) < hours <= Decimal(200):
        raise ValidationError({"hours": _("Between 0.5 and 200 hours.")})
    training = programme_services.training_add(
        actor=actor,
        volunteer=volunteer,
        title=title.strip() or (module.name() if module is not None else ""),
        completed_on=completed_on,
        **values,
    )
    if module is not None or hours is not None:
        training.module = module
        training.hours = hours if hours is not None else (module.hours if module is not None else None)
        training.save(update_fields=["module", "hours"])
    return training


# -- the certificate ---------------------------------------------------------------------------------------


@transaction.atomic
def curriculum_certificate_issue(*, actor: User, volunteer: Volunteer) -> Volunteer:
    """Number the volunteer's curriculum certificate the first time it is issued (the curriculum must be
    complete); later issues keep the number. Staff who manage the volunteer."""
    if not volunteer_can_manage(actor=actor, volunteer=volunteer):
        raise PermissionDenied
    progress = curriculum_progress(volunteer=volunteer)
    if not progress.complete:
        raise ValidationError(_("The curriculum is not completed yet: there is no certificate."))
    if volunteer.certificate_number:
        return volunteer
    year = (progress.completed_on or timezone.localdate()).year
    prefix = f"VOL-{year}-"
    taken = Volunteer.objects.filter(
        organisation_id=volunteer.organisation_id, certificate_number__startswith=prefix
    ).count()
    number = f"{prefix}{taken + 1:04d}"
    Volunteer.objects.filter(pk=volunteer.pk).update(
        certificate_number=number, certificate_issued_on=timezone.localdate()
    )
    volunteer.certificate_number, volunteer.certificate_issued_on = number, timezone.localdate()
    audit_record(
        actor=actor,
        organisation=volunteer.organisation_id,
        action="programme.volunteer.certificate_numbered",
        obj=volunteer,
        details={"number": number},
    )
    return volunteer
