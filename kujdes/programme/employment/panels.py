"""The employment section of the person page (registered in EmploymentConfig.ready())."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from kujdes.programme.employment import selectors as sel
from kujdes.programme.employment.models import PlacementFollowUp, ScreeningStatus


def person_panel(request: HttpRequest, person: Any) -> str | None:
    """The person's placements and the screenings their warning signs opened; nothing for other roles."""
    actor = request.user
    if not sel.employment_visible(actor=actor):
        return None
    placements = sel.placements_of_person(actor=actor, person=person)
    warned = [
        fu
        for fu in PlacementFollowUp.objects.filter(
            placement__in=[p.pk for p in placements], has_warning_signs=True
        )
        .select_related("screening")
        .order_by("-recorded_on")
    ]
    if (
        not placements
        and not sel.units_for_recording(actor=actor).filter(organisation_id=person.organisation_id).exists()
    ):
        return None
    return render_to_string(
        "programme_employment/panel_person.html",
        {
            "person": person,
            "placements": placements,
            "awaiting": [fu for fu in warned if fu.screening_status == ScreeningStatus.AWAITING],
            "screened": [fu for fu in warned if fu.screening_id],
        },
        request=request,
    )
