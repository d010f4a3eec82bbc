"""The indicator dashboard in a real browser, in Albanian, on a phone-sized screen.

The viewer (board, donor) opens the organisation's dashboard for this year: headline figures, the
month-by-month charts and every indicator's chart with its data table, small cells hidden; then one
indicator's page and the definitions. The programme manager of Shkodër opens hers for the archdiocese:
no cell is hidden from her. Every page is checked with axe-core and must fit a phone's width; printing
leaves the selectors out. Setup as in kujdes/cases/tests/test_browser_case_work.py (the demo network).
"""

from __future__ import annotations

import os
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


@pytest.fixture
def cases_this_year(demo_accounts: dict[str, dict[str, Any]]) -> None:  # noqa: F811
    """Nine invented girls with a case opened this year: seven in Shkodër-Pult, two in Tiranë-Durrës."""
    from django.utils import timezone

    from kujdes.accounts.models import User
    from kujdes.cases.services import case_create
    from kujdes.core.models import Unit
    from kujdes.people.services import person_create

    today = timezone.localdate()
    with orm():
        for unit_name, worker, count in (
            ("Arqidioqeza Shkodër-Pult", "caseworker-shkoder", 7),
            ("Arqidioqeza Tiranë-Durrës", "caseworker-tirane", 2),
        ):
            unit = Unit.objects.get(organisation__code="caritas-al", name=unit_name)
            actor = User.objects.get(username=worker)
            for index in range(count):
                person = person_create(
                    actor=actor,
                    unit=unit,
                    given_name=f"Vajza{index}",
                    family_name="Provë",
                    sex="Feminine",
                    birth_year=today.year - 14 - index,
                )
                case_create(actor=actor, person=person, unit=unit, opened_on=today.replace(day=1))


def test_viewer_and_manager_read_their_dashboards_on_a_phone(
    live_server: Any,
    demo_accounts: dict[str, dict[str, Any]],  # noqa: F811
    cases_this_year: None,
    albanian_context: Any,  # noqa: F811
) -> None:
    from django.utils import timezone

    from kujdes.reports.catalogue import catalogue

    year = timezone.localdate().year
    direct = catalogue()["direct_beneficiaries"].name("sq")
    page = albanian_context.new_page()
    journey = Journey(page, live_server.url)

    journey.sign_in(demo_accounts["viewer-al"])
    page.goto(journey.url(f"/reports/?year={year}"))
    journey.check("dashboard (viewer)")
    headlines = page.locator(".headlines li")
    assert headlines.count() >= 8
    expect(page.locator(".headlines")).to_contain_text(direct)
    # Nine girls reached in the organisation this year.
    expect(page.locator(".headlines li", has_text=direct)).to_contain_text("9")
    # Small cells are hidden from the viewer, and the page says so.
    from django.utils import translation

    from kujdes.reports.engine import hidden_text

    with translation.override("sq"):
        marker = hidden_text()
    expect(page.locator(".scope-note")).to_contain_text("5")
    cells = [text.strip() for text in page.locator("td.number").all_text_contents()]
    assert marker in cells, sorted(set(cells))
    # Each chart is an image with a text equivalent, next to its table.
    first_chart = page.locator(".chart-with-table svg[role=img]").first
    expect(first_chart).to_be_visible()
    # Each chart is described by the data table next to it.
    described = page.evaluate(
        """() => [...document.querySelectorAll('.chart-with-table svg[role=img]')].map(
            (svg) => document.getElementById(svg.getAttribute('aria-describedby'))?.tagName)"""
    )
    assert described and set(described) == {"TABLE"}, described
    page.emulate_media(media="print")
    expect(page.locator(".report-filters")).to_be_hidden()
    page.emulate_media(media="screen")

    page.locator(".headlines a", has_text=direct).click()
    page.wait_for_url("**/reports/indicators/direct_beneficiaries/**")
    journey.check("indicator page (viewer)")
    expect(page.locator("h1")).to_contain_text(direct)

    page.goto(journey.url("/reports/indicators/"))
    journey.check("definitions")
    assert page.locator("tbody tr").count() == len(catalogue())
    journey.sign_out()

    journey.sign_in(demo_accounts["manager-shkoder"])
    page.goto(journey.url(f"/reports/?year={year}"))
    journey.check("dashboard (programme manager)")
    assert not [t for t in page.locator("td.number").all_text_contents() if t.strip().startswith("<")]
    # A bad period: a translated message, the dates kept.
    page.fill("input[name=date_from]", f"{year}-05-01")
    page.fill("input[name=date_to]", f"{year}-01-01")
    page.locator(".report-filters button[type=submit]").click()
    page.wait_for_load_state()
    journey.check("dashboard with a bad period")
    expect(page.locator(".report-filters .form-errors")).to_be_visible()
    expect(page.locator("input[name=date_from]")).to_have_value(f"{year}-05-01")

    assert not journey.server_errors, journey.server_errors
    assert not journey.problems, "Accessibility or phone layout problems:\n" + "\n".join(journey.problems)
