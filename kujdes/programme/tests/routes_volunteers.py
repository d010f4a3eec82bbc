"""Route expectations of the volunteer pages and the programme's organisation settings.

`pg_volunteer` (Centre A1, linked to the volunteer user) is managed by the programme manager
(diocese A) and the field educator (Centre A1); the volunteer reaches only their own profile
(`volunteer_me`, their hours and their acceptance of the code of conduct). Charlie, Dave and
everyone else get 404 for the profile. The settings are the organisation administrators'.
"""

from __future__ import annotations

from typing import Any

from kujdes.core.tests.routes import DENIED, MISSING, OK, REDIRECT, Route, admins_of_al
from kujdes.programme.tests.fixtures import programme_fixtures

STAFF = ("manager", "educator")
ADMINS = ("admin", "other_admin")


def _volunteer(t: Any) -> dict[str, Any]:
    return {"public_id": t.pg_volunteer.public_id}


ROUTES: dict[str, Route] = {
    "volunteer_list": Route(expect={name: OK for name in STAFF}, others=DENIED),
    "volunteer_create": Route(expect={name: OK for name in STAFF}, others=DENIED),
    # The volunteer's own profile sends them to their own page.
    "volunteer_detail": Route(
        kwargs=_volunteer, expect={**{name: OK for name in STAFF}, "volunteer": REDIRECT}, others=MISSING
    ),
    "volunteer_edit": Route(
        kwargs=_volunteer, expect={**{name: OK for name in STAFF}, "volunteer": {403}}, others=MISSING
    ),
    "training_add": Route(
        kwargs=_volunteer, expect={**{name: OK for name in STAFF}, "volunteer": {403}}, others=MISSING
    ),
    "hours_add": Route(
        kwargs=_volunteer, expect={name: OK for name in (*STAFF, "volunteer")}, others=MISSING
    ),
    "conduct_accept": Route(
        kwargs=_volunteer, expect={name: OK for name in (*STAFF, "volunteer")}, others=MISSING
    ),
    "volunteer_me": Route(expect={"volunteer": OK}, others=MISSING),
    # The pipeline (issue 20): the board, a stage change, the curriculum's certificate (the fixtures'
    # volunteer has not completed the curriculum: staff are sent back to the profile with a message).
    "volunteer_pipeline": Route(expect={name: OK for name in STAFF}, others=DENIED),
    "volunteer_stage_change": Route(
        kwargs=_volunteer, expect={**{name: OK for name in STAFF}, "volunteer": {403}}, others=MISSING
    ),
    "volunteer_certificate": Route(
        kwargs=_volunteer, expect={**{name: REDIRECT for name in STAFF}, "volunteer": {403}}, others=MISSING
    ),
    "curriculum_list": Route(expect={name: OK for name in ADMINS}, others=DENIED),
    "curriculum_install": Route(method="POST", expect={name: REDIRECT for name in ADMINS}, others=DENIED),
    "curriculum_module_create": Route(expect={name: OK for name in ADMINS}, others=DENIED),
    "curriculum_module_edit": admins_of_al(OK, kwargs=lambda t: {"public_id": t.pg_module.public_id}),
    "activity_type_list": Route(expect={name: OK for name in ADMINS}, others=DENIED),
    "activity_type_create": Route(expect={name: OK for name in ADMINS}, others=DENIED),
    "activity_type_edit": Route(
        kwargs=lambda t: {"public_id": t.pg_type.public_id},
        expect={"admin": OK, "other_admin": MISSING},
        others=DENIED,
    ),
    "programme_settings": Route(expect={name: OK for name in ADMINS}, others=DENIED),
    "conduct_list": Route(expect={name: OK for name in ADMINS}, others=DENIED),
    # Which content lacks which language: each administrator sees their own organisation's content only.
    "content_languages": Route(expect={name: OK for name in ADMINS}, others=DENIED),
}


def fixtures(t: Any) -> None:
    from kujdes.programme.models import TrainingModule
    from kujdes.programme.volunteers.services import curriculum_install

    programme_fixtures(t)
    curriculum_install(actor=None, organisation_id=t.org.pk)
    t.pg_module = TrainingModule.objects.filter(organisation=t.org).order_by("order").first()
