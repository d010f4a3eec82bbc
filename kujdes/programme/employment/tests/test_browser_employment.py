"""A job placement in a real browser, in Albanian, on a phone-sized screen.

The Lezhë field educator records the job placement of a graduate of her centre's course, then the
3-month follow-up, where she ticks a warning sign of exploitation (wages withheld); the Shkodër case
worker (who also covers the Lezhë centre here) opens the person's page, sees the screening the warning
sign opened, and records it. Every page visited is checked with axe-core and must fit a phone's width
(the setup is that of kujdes/cases/tests/test_browser_case_work.py). Invented data only.
"""

from __future__ import annotations

import datetime
import os
import re
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
GRADUATE = "Mirela"  # invented
EMPLOYER = "Furra e Lezhës (prova)"


def _unit(name: str) -> Any:
    from kujdes.core.models import Unit

    return Unit.objects.get(organisation__code=ORGANISATION, name=name)


@pytest.fixture
def graduate(demo_accounts: dict[str, dict[str, Any]]) -> dict[str, Any]:  # noqa: F811
    """A baking course of the Lezhë centre that ended four months ago, its graduate, a checked employer."""
    from django.utils import timezone

    from kujdes.accounts.models import User
    from kujdes.core.roles import Role
    from kujdes.core.services import membership_assign
    from kujdes.people.services import person_create
    from kujdes.programme import services as programme
    from kujdes.programme.employment import services
    from kujdes.programme.models import ActivityType
    from kujdes.screening.services import instruments_install

    today = timezone.localdate()
    with orm():
        centre = _unit("Qendra Sociale Lezhë")
        instruments_install(organisation=centre.organisation)
        programme.activity_types_install(organisation_id=centre.organisation_id)
        educator = User.objects.get(username="educator-lezhe")
        course = programme.activity_create(
            actor=educator,
            unit=centre,
            activity_type=ActivityType.objects.get(
                organisation_id=centre.organisation_id, code="vocational-course"
            ),
            title="Kurs furrtarie (prova)",
            starts_on=today - datetime.timedelta(days=200),
            ends_on=today - datetime.timedelta(days=110),
            municipality="Lezhë",
        )
        # The demo has no case worker in Lezhë: the Shkodër case worker also covers its centre here.
        membership_assign(
            actor=None,
            user=User.objects.get(username="caseworker-shkoder"),
            unit=centre,
            role=Role.CASE_WORKER,
        )
        person = person_create(
            actor=educator,
            unit=centre,
            given_name=GRADUATE,
            family_name="Prova",
            sex="Feminine",
            birth_year=today.year - 22,
            municipality="Lezhë",
        )
        participation = programme.participant_enrol(actor=educator, activity=course, person=person)
        programme.participation_complete(
            actor=educator, participation=participation, completed_on=course.ends_on
        )
        employer = services.employer_create(
            actor=educator,
            unit=centre,
            name=EMPLOYER,
            sector="C",
            municipality="Lezhë",
            checked_on=today - datetime.timedelta(days=300),
            written_contracts=True,
            pays_minimum_wage=True,
            legal_hours=True,
            no_document_retention=True,
        )
    return {"person": person, "participation": participation, "employer": employer}


def test_educator_records_a_placement_and_a_warning_sign_and_the_case_worker_sees_the_screening(
    live_server: Any,
    demo_accounts: dict[str, dict[str, Any]],  # noqa: F811
    graduate: dict[str, Any],
    albanian_context: Any,  # noqa: F811
) -> None:
    from kujdes.programme.employment.models import Placement, PlacementFollowUp
    from kujdes.screening.models import Screening

    page = albanian_context.new_page()
    journey = Journey(page, live_server.url)
    person = graduate["person"]
    today = datetime.date.today()

    # 1. The educator finds the graduate on the employment page and records her job placement.
    journey.sign_in(demo_accounts["educator-lezhe"])
    assert page.viewport_size == PHONE
    page.goto(journey.url("/programme/employment/"))
    expect(page.locator("#graduates-heading")).to_have_text(sq("Course graduates without a placement"))
    journey.check("employment overview")
    page.locator(f"a[href^='/programme/employment/people/{person.public_id}/placements/new']").click()
    page.wait_for_url(re.compile(r".*/placements/new\?course=.*"))
    journey.check("placement form")
    form = page.locator("main form[method=post]")
    expect(form.locator("select[name=course]")).to_have_value(str(graduate["participation"].pk))
    form.locator("select[name=kind]").select_option("job")
    form.locator("select[name=employer]").select_option(str(graduate["employer"].pk))
    form.locator("input[name=position]").fill("Ndihmëse furrtare")
    form.locator("input[name=starts_on]").fill((today - datetime.timedelta(days=100)).isoformat())
    form.locator("select[name=contract]").select_option("informal")
    form.locator("select[name=wage_band]").select_option("minimum")
    form.locator("input[name=hours_per_week]").fill("48")
    with journey.posting("/placements/new") as posted:
        form.locator("button[type=submit]").click()
    assert posted.value.status == 302, f"the placement answered {posted.value.status}"
    page.wait_for_url(re.compile(r".*/programme/employment/placements/.*"))
    journey.check("placement")
    with orm():
        placement = Placement.objects.get(person_id=person.pk)
        assert placement.course_id == graduate["participation"].pk
        three = PlacementFollowUp.objects.get(placement=placement, months=3)

    # 2. At the 3-month follow-up she learns that wages are withheld: a warning sign.
    page.locator(f"a[href='/programme/employment/follow-ups/{three.public_id}/']").click()
    journey.check("follow-up form")
    form = page.locator("main form[method=post]")
    form.locator("input[name=still_employed][value=yes]").check()
    form.locator("select[name=conditions]").select_option("poor")
    form.locator("textarea[name=problems]").fill("Pagën e muajit të kaluar nuk e ka marrë.")
    form.locator("input[name=warning_signs][value=wages_withheld]").check()
    with journey.posting(f"/follow-ups/{three.public_id}/") as posted:
        form.locator("button[type=submit]").click()
    assert posted.value.status == 302
    expect(page.locator("main")).to_contain_text(sq("Screening opened, awaiting a case worker"))
    journey.check("follow-up with a warning sign")
    journey.sign_out()

    # 3. The Shkodër case worker sees, on the person's page, the screening the warning sign opened.
    journey.sign_in(demo_accounts["caseworker-shkoder"])
    page.goto(journey.url(f"/persons/{person.public_id}/"))
    panel = page.locator("section[aria-labelledby=employment-heading]")
    expect(panel).to_contain_text(sq("A warning sign at work opened a screening"))
    journey.check("person page with the employment panel")
    panel.locator(f"a[href='/programme/employment/follow-ups/{three.public_id}/']").click()
    journey.check("follow-up seen by the case worker")
    screening_form = page.locator(
        f"form[action='/programme/employment/follow-ups/{three.public_id}/screening']"
    )
    with journey.posting("/screening") as posted:
        screening_form.locator("button[type=submit]").click()
    assert posted.value.status == 302
    page.wait_for_url(re.compile(r".*/screening/.*"))
    journey.check("the screening")
    with orm():
        screening = Screening.objects.get(person_id=person.pk)
        assert screening.answers == ["cd_withholding_wages"]
        assert screening.performed_by.username == "caseworker-shkoder"

    assert not journey.server_errors, journey.server_errors
    assert not journey.problems, "Accessibility or phone layout problems:\n" + "\n".join(journey.problems)
