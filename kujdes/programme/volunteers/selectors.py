"""Reads of the volunteers' pipeline and curriculum. The caller checked the actor's right on the volunteer
(kujdes.programme.selectors.volunteer_get / volunteers_for_actor scope every page)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from kujdes.core.models import StaffCategory
from kujdes.core.selectors import staff_category_of
from kujdes.programme.models import (
    PIPELINE,
    Activity,
    FacilitatorRole,
    TrainingModule,
    Volunteer,
    VolunteerStage,
    VolunteerStageChange,
    VolunteerTraining,
)

# Where a volunteer may go from each stage. Forward one step at a time; before they are active the
# programme may refuse them or they may withdraw; alumni come back; a refusal or a withdrawal may be
# followed by a new application.
NEXT_STAGES: dict[str, tuple[str, ...]] = {
    VolunteerStage.APPLICATION: (VolunteerStage.INTERVIEW, VolunteerStage.REFUSED, VolunteerStage.WITHDRAWN),
    VolunteerStage.INTERVIEW: (VolunteerStage.TRAINING, VolunteerStage.REFUSED, VolunteerStage.WITHDRAWN),
    VolunteerStage.TRAINING: (VolunteerStage.SAFEGUARDING, VolunteerStage.REFUSED, VolunteerStage.WITHDRAWN),
    VolunteerStage.SAFEGUARDING: (VolunteerStage.ACTIVE, VolunteerStage.REFUSED, VolunteerStage.WITHDRAWN),
    VolunteerStage.ACTIVE: (VolunteerStage.ALUMNI,),
    VolunteerStage.ALUMNI: (VolunteerStage.ACTIVE,),
    VolunteerStage.REFUSED: (VolunteerStage.APPLICATION,),
    VolunteerStage.WITHDRAWN: (VolunteerStage.APPLICATION,),
}
# The stages of the board, in order: the pipeline, then its early ends.
BOARD_STAGES: tuple[str, ...] = (*PIPELINE, VolunteerStage.REFUSED, VolunteerStage.WITHDRAWN)


def stage_counts(*, volunteers: QuerySet[Volunteer]) -> dict[str, int]:
    """How many of these volunteers are at each stage (every stage of the board, zeros included)."""
    found = dict(volunteers.order_by().values_list("stage").annotate(n=Count("pk")))
    return {stage: found.get(stage, 0) for stage in BOARD_STAGES}


def stage_history(*, volunteer: Volunteer) -> list[VolunteerStageChange]:
    """A volunteer's steps through the pipeline, newest first, with who decided."""
    changes = list(
        VolunteerStageChange.objects.filter(volunteer=volunteer)
        .select_related("decided_by")
        .order_by("-decided_on", "-pk")
    )
    for change in changes:
        change.volunteer = volunteer  # the notes open with the volunteer's key, loaded once
    return changes


def curriculum_modules(*, organisation_id: int, active_only: bool = True) -> QuerySet[TrainingModule]:
    modules = TrainingModule.objects.filter(organisation_id=organisation_id)
    if active_only:
        modules = modules.filter(is_active=True)
    return modules.order_by("order", "code")


def curriculum_module_get(*, organisation_id: int, public_id: str) -> TrainingModule:
    """A module of the organisation's curriculum; TrainingModule.DoesNotExist (→ 404) otherwise."""
    return TrainingModule.objects.get(organisation_id=organisation_id, public_id=public_id)


@dataclass
class ModuleProgress:
    module: TrainingModule
    training: VolunteerTraining | None  # the latest training that covered it


@dataclass
class CurriculumProgress:
    modules: list[ModuleProgress] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for item in self.modules if item.training is not None)

    @property
    def complete(self) -> bool:
        return bool(self.modules) and all(item.training is not None for item in self.modules)

    @property
    def hours_done(self) -> Decimal:
        return sum(
            (item.training.hours or item.module.hours for item in self.modules if item.training is not None),
            Decimal(0),
        )

    @property
    def hours_total(self) -> Decimal:
        return sum((item.module.hours for item in self.modules), Decimal(0))

    @property
    def completed_on(self) -> datetime.date | None:
        """The day the last module was completed (the certificate's date), once complete."""
        if not self.complete:
            return None
        return max(item.training.completed_on for item in self.modules if item.training is not None)


def curriculum_progress(*, volunteer: Volunteer) -> CurriculumProgress:
    """Which modules of the organisation's current curriculum the volunteer has completed."""
    modules = list(curriculum_modules(organisation_id=volunteer.organisation_id))
    latest: dict[int, VolunteerTraining] = {}
    for training in VolunteerTraining.objects.filter(volunteer=volunteer, module__isnull=False).order_by(
        "completed_on", "pk"
    ):
        latest[training.module_id] = training  # type: ignore[index]
    return CurriculumProgress(modules=[ModuleProgress(m, latest.get(m.pk)) for m in modules])


# -- staff categories of facilitators ---------------------------------------------------------------------


def facilitator_staff_category(
    *, activity: Activity, role: str, user: Any = None, staff_category: str = ""
) -> str:
    """How a new facilitator serves: a volunteer volunteers, an expert named by hand is an external
    trainer; a staff member serves as their membership nearest to the activity's unit says (an
    employee when it says nothing), unless `staff_category` is given for them."""
    if role == FacilitatorRole.VOLUNTEER:
        return StaffCategory.VOLUNTEER
    if role == FacilitatorRole.EXPERT:
        return staff_category or StaffCategory.EXTERNAL_TRAINER
    if staff_category:
        if staff_category not in StaffCategory.values:
            raise ValidationError({"staff_category": _("Unknown staff category.")})
        return staff_category
    if user is not None:
        return staff_category_of(user=user, unit=activity.unit) or StaffCategory.EMPLOYEE
    return StaffCategory.EMPLOYEE
