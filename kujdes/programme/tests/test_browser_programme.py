"""The programme's phone screens in a real browser, in Albanian, on a phone-sized screen.

A volunteer opens today's session and records the attendance of 25 participants in under a minute
(htmx saves each tick without reloading the page); then a field educator registers a new participant
from her activity's register and is shown the person's code. Every page visited is checked with
axe-core (impact "serious" or "critical" fails) and must fit a phone's width.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright; the setup (demo network, TOTP
sign-in, axe-core, closing the ORM's connections used while the browser runs) is that of
kujdes/cases/tests/test_browser_case_work.py. The participants are invented (synthetic data only).
"""

from __future__ import annotations

import datetime
import os
import re
import time
from typing import Any

import pytest

from kujdes.cases.tests.test_browser_case_work import (  # noqa: F401  (fixtures, used by name)
    PHONE,
    Journey,
    albanian_context,
    orm,
    sq,
)
from kujdes.core.tests.chromium import CHROMIUM
from kujdes.core.tests.test_browser import (  # noqa: F401  (fixtures, used by name)
    async_unsafe_allowed,
    browser,
    demo_accounts,
)

playwright_sync = pytest.importorskip("playwright.sync_api")
pytest.importorskip("axe_playwright_python.sync_playwright")
expect = playwright_sync.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "keys"]),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"needs Chromium at {CHROMIUM}"),
]

ORGANISATION = "caritas-al"
PARTICIPANTS = 25
COURSE = "Kurs kompjuteri për vajza (prova)"
MEETING = "Takim informues në Lezhë (prova)"
NEW_PARTICIPANT = "Rudina"  # invented


def _unit(name: str) -> Any:
    from kujdes.core.models import Unit

    return Unit.objects.get(organisation__code=ORGANISATION, name=name)


@pytest.fixture
def programme_day(demo_accounts: dict[str, dict[str, Any]]) -> dict[str, Any]:  # noqa: F811
    """A course at the Shkodër centre with a session today, facilitated by the demo volunteer, with 25
    enrolled participants; and an information meeting of the Lezhë centre with a session today."""
    from django.utils import timezone

    from kujdes.accounts.models import User
    from kujdes.people.services import person_create
    from kujdes.programme import services
    from kujdes.programme.models import ActivityType, Volunteer

    today = timezone.localdate()
    with orm():
        organisation_id = _unit("Qendra Sociale Shkodër").organisation_id
        services.activity_types_install(organisation_id=organisation_id)
        types = {t.code: t for t in ActivityType.objects.filter(organisation_id=organisation_id)}
        manager = User.objects.get(username="manager-shkoder")
        educator = User.objects.get(username="educator-lezhe")
        volunteer_user = User.objects.get(username="volunteer-shkoder")
        centre = _unit("Qendra Sociale Shkodër")
        course = services.activity_create(
            actor=manager,
            unit=centre,
            activity_type=types["vocational-course"],
            title=COURSE,
            starts_on=today - datetime.timedelta(days=14),
            ends_on=today + datetime.timedelta(days=40),
            municipality="Shkodër",
            status="running",
        )
        session = services.session_add(
            actor=manager,
            activity=course,
            date=today,
            starts_at=datetime.time(9, 0),
            ends_at=datetime.time(11, 0),
            topic="Excel",
        )
        volunteer = Volunteer.objects.filter(user=volunteer_user).first() or services.volunteer_create(
            actor=manager, unit=centre, given_name="Sara", joined_on=today, user=volunteer_user
        )
        services.facilitator_add(actor=manager, activity=course, role="volunteer", volunteer=volunteer)
        participations = []
        for i in range(PARTICIPANTS):
            person = person_create(
                actor=manager,
                unit=centre,
                given_name=f"Pjesëmarrëse {i + 1:02d}",
                family_name="Prova",
                sex="Feminine",
                birth_year=today.year - 16 - i % 5,
                municipality="Shkodër",
            )
            participations.append(services.participant_enrol(actor=manager, activity=course, person=person))
        meeting = services.activity_create(
            actor=educator,
            unit=_unit("Qendra Sociale Lezhë"),
            activity_type=types["information-meeting"],
            title=MEETING,
            starts_on=today,
            ends_on=today,
            municipality="Lezhë",
        )
        meeting_session = services.session_add(actor=educator, activity=meeting, date=today)
        return {
            "course": course,
            "session": session,
            "participations": [p.pk for p in participations],
            "meeting": meeting,
            "meeting_session": meeting_session,
        }


def test_volunteer_records_25_present_in_under_a_minute_then_educator_registers_a_participant(
    live_server: Any,
    demo_accounts: dict[str, dict[str, Any]],  # noqa: F811
    programme_day: dict[str, Any],
    albanian_context: Any,  # noqa: F811
) -> None:
    from kujdes.programme.models import Attendance, Participation

    page = albanian_context.new_page()
    journey = Journey(page, live_server.url)
    course, session = programme_day["course"], programme_day["session"]
    register_path = f"/programme/activities/{course.public_id}/sessions/{session.public_id}/attendance"

    # 1. The volunteer signs in on her phone and opens today's session from her landing page.
    journey.sign_in(demo_accounts["volunteer-shkoder"])
    assert page.viewport_size == PHONE
    page.goto(journey.url("/programme/today/"))
    journey.check("today's sessions")
    page.locator(f"a[href='{register_path}']").click()
    page.wait_for_url(journey.url(register_path))
    counter = page.locator("#count")
    expect(counter).to_have_text(
        sq("%(present)s of %(total)s present") % {"present": 0, "total": PARTICIPANTS}
    )
    journey.check("attendance register")

    # 2. She ticks the 25 participants, one after the other; each tick is saved without a reload.
    boxes = page.locator("ul.register input[type=checkbox]")
    expect(boxes).to_have_count(PARTICIPANTS)
    navigations: list[str] = []
    page.on(
        "framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None
    )
    started = time.monotonic()
    for pk in programme_day["participations"]:
        page.locator(f"#p{pk}").click()
    expect(counter).to_have_text(
        sq("%(present)s of %(total)s present") % {"present": PARTICIPANTS, "total": PARTICIPANTS}
    )
    page.wait_for_load_state("networkidle")
    elapsed = time.monotonic() - started
    print(f"25 ticks saved in {elapsed:.1f} s")
    assert elapsed < 60, f"recording 25 ticks took {elapsed:.1f} s"
    assert navigations == [], f"the page reloaded: {navigations}"
    with orm():
        marks = dict(
            Attendance.objects.filter(session_id=session.pk).values_list("participation_id", "present")
        )
    assert marks == dict.fromkeys(programme_day["participations"], True), marks
    journey.check("attendance register, everyone ticked")
    # What the server stored is what a reload shows.
    page.reload()
    expect(page.locator("ul.register input[type=checkbox]:checked")).to_have_count(PARTICIPANTS)
    # From the keyboard: Space unticks a box; the saved row comes back and the box keeps the focus.
    first = programme_day["participations"][0]
    page.locator(f"#p{first}").focus()
    page.keyboard.press("Space")
    expect(counter).to_have_text(
        sq("%(present)s of %(total)s present") % {"present": PARTICIPANTS - 1, "total": PARTICIPANTS}
    )
    expect(page.locator(f"#p{first}")).to_be_focused()
    expect(page.locator(f"#p{first}")).not_to_be_checked()
    with orm():
        assert not Attendance.objects.get(session_id=session.pk, participation_id=first).present
    journey.sign_out()

    # 3. The field educator registers a new participant from her meeting's register.
    meeting, meeting_session = programme_day["meeting"], programme_day["meeting_session"]
    journey.sign_in(demo_accounts["educator-lezhe"])
    meeting_register = (
        f"/programme/activities/{meeting.public_id}/sessions/{meeting_session.public_id}/attendance"
    )
    page.goto(journey.url(meeting_register))
    journey.check("meeting register (empty)")
    page.locator("details summary").click()
    page.locator(f"a[href^='/programme/activities/{meeting.public_id}/participants/register']").click()
    page.wait_for_url(re.compile(r".*/participants/register\?session=.*"))
    journey.check("participant registration")
    form = page.locator("main form[method=post]")
    form.locator("input[name=given_name]").fill(NEW_PARTICIPANT)
    form.locator("select[name=sex]").select_option("Feminine")
    form.locator("input[name=birth_year]").fill(str(datetime.date.today().year - 17))
    form.locator("input[name=municipality]").fill("Lezhë")
    form.locator("input[name=categories][value=child_at_risk]").check()
    form.locator("select[name=consent_given_by]").select_option("guardian")
    form.locator("input[name=guardian_name]").fill("Drane Gjoka")
    form.locator("input[name=consent_given]").check()
    with journey.posting("/participants/register") as posted:
        form.locator("button[type=submit]").first.click()
    assert posted.value.status == 200, f"the registration answered {posted.value.status}"
    if page.locator("#duplicates-title").count():  # the duplicate check found someone similar
        journey.check("participant registration: duplicate check")
        expect(form.locator("input[name=given_name]")).to_have_value(NEW_PARTICIPANT)
        form.locator("button[name=confirm_new]").click()
    code = page.locator("#person-code")
    expect(code).to_be_visible()
    journey.check("participant registered")
    with orm():
        participation = Participation.objects.select_related("person").get(activity_id=meeting.pk)
        assert participation.person.code == code.inner_text().strip()
        assert participation.late_addition
        assert Attendance.objects.get(session_id=meeting_session.pk).present

    # 4. She counts the people at the meeting: a headcount by sex and age, with its indirect reach.
    page.goto(journey.url(f"/programme/activities/{meeting.public_id}/headcounts/add"))
    journey.check("headcount")
    form = page.locator("main form[method=post]")
    form.locator("input[name='cell-Feminine-15']").fill("-4")
    form.locator("input[name='cell-Masculine-15']").fill("7")
    with journey.posting("/headcounts/add") as posted:
        form.locator("button[type=submit]").click()
    assert posted.value.status == 400
    expect(page.locator("#id_cell-Feminine-15_error")).to_have_text(sq("A count cannot be negative."))
    expect(form.locator("input[name='cell-Feminine-15']")).to_have_value("-4")
    journey.check("headcount with a mistake")
    form.locator("input[name='cell-Feminine-15']").fill("12")
    form.locator("input[name=reach_families]").fill("30")
    form.locator("textarea[name=reach_method]").fill("Fletëpalosje të marra në shtëpi")
    with journey.posting("/headcounts/add") as posted:
        form.locator("button[type=submit]").click()
    assert posted.value.status == 302
    from kujdes.programme.models import Headcount

    with orm():
        headcount = Headcount.objects.get(activity_id=meeting.pk)
        assert sorted(headcount.cells.values_list("sex", "count")) == [("Feminine", 12), ("Masculine", 7)]
        assert headcount.reach_families == 30

    assert not journey.server_errors, journey.server_errors
    assert len(journey.checked) >= 8, journey.checked
    assert not journey.problems, "Accessibility or phone layout problems:\n" + "\n".join(journey.problems)
