"""Programme objects shared by the route matrix and the programme tests (created on the test class `t`).

Everything hangs off Centre A1 (below diocese A), where the field educator and the volunteer work:
- `pg_course`: a vocational course with a session today (`pg_session`) and one last week
  (`pg_past_session`), facilitated by the volunteer (`pg_volunteer`, linked to the volunteer user);
  participants `pg_participation` (enrolled) and `pg_completed` (completed, with outcomes; `pg_outcome`);
- `pg_private`: another course at the centre the volunteer does not facilitate (the volunteer gets 404);
- `pg_campaign`: an awareness campaign with a headcount (`pg_headcount`);
- `pg_camp`: a summer camp with a group (`pg_group`), a camper (`pg_camper`) and an incident (`pg_incident`);
- `pg_initiative` with an action; `pg_conduct` (code of conduct v1); `pg_training`; `pg_file`;
- `pg_type`: the organisation's "vocational-course" type; `pg_other_activity`: in the other organisation.
Charlie (diocese B) and Dave (other organisation) see none of it.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

from django.utils import timezone


def programme_fixtures(t: Any) -> None:
    if hasattr(t, "pg_course"):
        return
    from kujdes.core.files import encrypted_file_write
    from kujdes.people.services import person_create
    from kujdes.programme import services as s
    from kujdes.programme.models import ActivityFile, ActivityType

    today = timezone.localdate()
    for organisation in (t.org, t.other_org):
        s.activity_types_install(organisation_id=organisation.pk)
    types = {a.code: a for a in ActivityType.objects.filter(organisation=t.org)}
    t.pg_type = types["vocational-course"]
    t.pg_volunteer = s.volunteer_create(
        actor=t.manager,
        unit=t.centre_a,
        given_name="Klea",
        family_name="Marku",
        joined_on=today - datetime.timedelta(days=400),
        user=t.volunteer,
        background_check="cleared",
        background_checked_on=today - datetime.timedelta(days=340),
        background_check_expires_on=today + datetime.timedelta(days=20),
    )
    t.pg_course = s.activity_create(
        actor=t.manager,
        unit=t.centre_a,
        activity_type=t.pg_type,
        title="Kurs rrobaqepësie",
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=60),
        municipality="Shkodër",
        place="Qendra A1",
        status="running",
    )
    t.pg_session = s.session_add(
        actor=t.manager,
        activity=t.pg_course,
        date=today,
        starts_at=datetime.time(10, 0),
        ends_at=datetime.time(12, 0),
        topic="Qepja me makinë",
    )
    t.pg_past_session = s.session_add(
        actor=t.manager, activity=t.pg_course, date=today - datetime.timedelta(days=7)
    )
    s.facilitator_add(actor=t.manager, activity=t.pg_course, role="volunteer", volunteer=t.pg_volunteer)
    t.pg_person = person_create(
        actor=t.educator, unit=t.centre_a, given_name="Elira", sex="Feminine", birth_year=2008
    )
    t.pg_person_done = person_create(
        actor=t.educator,
        unit=t.centre_a,
        given_name="Besa",
        sex="Feminine",
        birth_year=2005,
        languages=["fr"],
    )
    t.pg_participation = s.participant_enrol(actor=t.manager, activity=t.pg_course, person=t.pg_person)
    t.pg_completed = s.participant_enrol(actor=t.manager, activity=t.pg_course, person=t.pg_person_done)
    s.participation_complete(actor=t.manager, participation=t.pg_completed, completed_on=today)
    t.pg_outcome = t.pg_completed.outcomes.order_by("months").first()
    t.pg_private = s.activity_create(
        actor=t.manager,
        unit=t.centre_a,
        activity_type=t.pg_type,
        title="Kurs parukerie",
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=80),
    )
    t.pg_private_session = s.session_add(actor=t.manager, activity=t.pg_private, date=today)
    t.pg_campaign = s.activity_create(
        actor=t.manager,
        unit=t.centre_a,
        activity_type=types["awareness-campaign"],
        title="Fushatë në shkolla",
        starts_on=today - datetime.timedelta(days=5),
        ends_on=today,
    )
    t.pg_headcount = s.headcount_record(
        actor=t.manager,
        activity=t.pg_campaign,
        date=today,
        cells={("Feminine", 12, "general"): 30, ("Masculine", 12, "general"): 25},
        reach={"reach_families": 40},
        reach_method="Fletëpalosje të marra në shtëpi",
    )
    t.pg_camp = s.activity_create(
        actor=t.manager,
        unit=t.centre_a,
        activity_type=types["summer-camp"],
        title="Kampi veror",
        starts_on=today - datetime.timedelta(days=3),
        ends_on=today + datetime.timedelta(days=4),
    )
    t.pg_group = s.camp_group_add(actor=t.manager, activity=t.pg_camp, name="Dallëndyshet", leader="Ana")
    t.pg_camper = s.participant_enrol(
        actor=t.manager,
        activity=t.pg_camp,
        person=t.pg_person,
        parental_consent=True,
        parental_consent_by="Nëna",
        camp_group=t.pg_group,
    )
    t.pg_incident = s.incident_record(
        actor=t.manager,
        activity=t.pg_camp,
        occurred_at=timezone.now() - datetime.timedelta(hours=5),
        severity="minor",
        description="Një rrëzim i lehtë gjatë lojës.",
        action_taken="Ndihmë e parë.",
    )
    t.pg_initiative = s.initiative_create(
        actor=t.manager,
        unit=t.centre_a,
        title="Tryezë me bashkinë",
        started_on=today - datetime.timedelta(days=60),
    )
    s.initiative_action_add(
        actor=t.manager,
        initiative=t.pg_initiative,
        kind="lobbying_meeting",
        title="Takim me këshillin bashkiak",
        date=today - datetime.timedelta(days=20),
    )
    t.pg_conduct = s.conduct_publish(
        actor=t.admin,
        organisation_id=t.org.pk,
        texts={"sq": "Kodi i sjelljes", "en": "Code of conduct"},
        published_on=today,
    )
    t.pg_training = s.training_add(
        actor=t.manager,
        volunteer=t.pg_volunteer,
        title="Mbrojtja e fëmijëve",
        completed_on=today - datetime.timedelta(days=300),
        expires_on=today + datetime.timedelta(days=65),
        given_by="Stafi",
    )
    s.hours_log(
        actor=t.manager, volunteer=t.pg_volunteer, date=today, hours=Decimal("2.5"), activity=t.pg_course
    )
    t.pg_file = ActivityFile(
        organisation_id=t.org.pk,
        activity=t.pg_course,
        name="programi.pdf",
        content_type="application/pdf",
        size=12,
        uploaded_by=t.manager,
    )
    t.pg_file.save()
    encrypted_file_write(
        handle=t.pg_file.encryption_handle(), file_id=t.pg_file.public_id, source=io.BytesIO(b"%PDF-1.7 x\n")
    )
    other_types = {a.code: a for a in ActivityType.objects.filter(organisation=t.other_org)}
    other_manager = _other_manager(t)
    t.pg_other_activity = s.activity_create(
        actor=other_manager,
        unit=t.other_unit,
        activity_type=other_types["vocational-course"],
        title="Cours de couture",
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=10),
    )


def _other_manager(t: Any) -> Any:
    from kujdes.core.roles import Role
    from kujdes.core.tests.base import user_create

    if not hasattr(t, "pg_other_manager"):
        t.pg_other_manager = user_create(
            username="pg_other_manager",
            organisation=t.other_org,
            unit=t.other_unit,
            role=Role.PROGRAMME_MANAGER,
        )
    return t.pg_other_manager
