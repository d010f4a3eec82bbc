"""The certificate of the volunteers' training curriculum: made on demand (never stored) with the
programme's certificate design and renderer (kujdes.programme.certificates.certificate_render), in the
language chosen. It carries the volunteer's name: each issue is audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from kujdes.core.audit import audit_record
from kujdes.programme.models import Volunteer
from kujdes.programme.volunteers.selectors import curriculum_progress
from kujdes.programme.volunteers.services import curriculum_certificate_issue

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def certificate_language(chosen: str | None) -> str:
    """The language asked for if the interface has it, else the current one."""
    languages = {code for code, _name in settings.LANGUAGES}
    if chosen in languages:
        return chosen  # type: ignore[return-value]
    current = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return current if current in languages else settings.LANGUAGE_CODE


def volunteer_certificate_pdf(*, actor: User, volunteer: Volunteer, language: str) -> bytes:
    """The curriculum's certificate (ValidationError while a module is missing); numbered at its first
    issue; audited as `programme.volunteer.certificate_issued`."""
    from kujdes.programme.certificates import certificate_render

    volunteer = curriculum_certificate_issue(actor=actor, volunteer=volunteer)
    progress = curriculum_progress(volunteer=volunteer)
    trainings = [item.training for item in progress.modules if item.training is not None]
    with translation.override(language):
        context = {
            "organisation": volunteer.unit.organisation,
            "unit": volunteer.unit,
            "person": volunteer,
            "activity": {
                "title": gettext("Training curriculum for volunteers"),
                "starts_on": min(training.completed_on for training in trainings),
            },
            "type_name": gettext("%(count)s modules") % {"count": len(progress.modules)},
            "participation": {
                "certificate_number": volunteer.certificate_number,
                "completed_on": progress.completed_on,
            },
            "hours": f"{progress.hours_done.normalize():f}",
            "today": timezone.localdate(),
            "language": language,
        }
    pdf = certificate_render(context)
    with transaction.atomic():
        audit_record(
            actor=actor,
            organisation=volunteer.organisation_id,
            action="programme.volunteer.certificate_issued",
            obj=volunteer,
            unit=volunteer.unit,
            details={"number": volunteer.certificate_number, "language": language},
        )
    return pdf
