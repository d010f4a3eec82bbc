"""A practice travels across the network, in a real browser, in French.

A focal point of Caritas France writes a good practice in French, adds its Albanian translation and
submits it; the network coordinator, working in French, reviews and publishes it; a focal point of
Caritas Albania reads it in Albanian (the translation is there, so no "original language" note) and
records that Caritas Albania adapted it; the coordinator's scorecard for the milestone "practices
adopted from other partners" changes for Caritas Albania from 0 to 1.

Every page visited is checked with axe-core (impact "serious" or "critical" fails) and no answer may be
a server error. Drives Debian's Chromium (/usr/bin/chromium) through Playwright, as the other browser
tests do (kujdes/cases/tests/test_browser_case_work.py). The practice is invented.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from kujdes.cases.tests.test_browser_case_work import DESKTOP, orm
from kujdes.core.tests.chromium import CHROMIUM
from kujdes.core.tests.test_browser import (  # noqa: F401  (fixtures, used by name)
    BLOCKING_IMPACTS,
    TIMEOUT_MS,
    async_unsafe_allowed,
    browser,
    demo_accounts,
    password_submit,
    totp_now,
)

playwright_sync = pytest.importorskip("playwright.sync_api")
axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")
expect = playwright_sync.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "keys"]),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"needs Chromium at {CHROMIUM}"),
]

TITLE_FR = "Maraudes de soirée auprès des jeunes isolés (essai)"
TITLE_SQ = "Patrullime mbrëmjeje pranë të rinjve të vetmuar (provë)"
MILESTONE = "adoption"


def translated(message: str, language: str, **values: Any) -> str:
    """What a page in `language` shows for a message: its translation, or the English source until then."""
    from django.utils import translation

    with translation.override(language):
        text = translation.gettext(message)
    return text % values if values else text


class Visit:
    """One person's browser context, with the checks made on every page."""

    def __init__(self, chromium: Any, base_url: str, account: dict[str, Any], language: str) -> None:
        self.context = chromium.new_context(locale=language, viewport=DESKTOP)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.base_url = base_url
        self.language = language
        self.axe = axe_sync.Axe()
        self.problems: list[str] = []
        self.server_errors: list[str] = []
        self.page.on(
            "response",
            lambda r: self.server_errors.append(f"{r.status} {r.url}") if r.status >= 500 else None,
        )
        password_submit(self.page, base_url, account)
        self.page.fill("input[name=code]", totp_now(account["totp_secret"]))
        self.page.locator("main form:has(input[name=code]) button[type=submit]").click()
        self.page.wait_for_load_state()
        if self.page.locator("html").get_attribute("lang") != language:
            self.page.select_option("#language-select", language)
            self.page.locator(".language-form button").click()
            self.page.wait_for_load_state()

    def open(self, path: str) -> None:
        self.page.goto(f"{self.base_url}{path}")
        self.check()

    def check(self) -> None:
        page = self.page
        page.wait_for_load_state()
        assert not self.server_errors, self.server_errors
        expect(page.locator("html")).to_have_attribute("lang", self.language)
        for violation in self.axe.run(page).response["violations"]:
            if violation["impact"] in BLOCKING_IMPACTS:
                self.problems.append(
                    f"{page.url}: {violation['id']} ({violation['impact']}): {violation['help']}"
                )

    def submit(
        self, selector: str = "main form:has(textarea, input[type=text], input[type=radio], select)"
    ) -> None:
        self.page.locator(selector).first.locator("button[type=submit]").first.click()
        self.check()

    def scorecard_cell(self, year: int) -> str:
        """The value in Caritas Albania's cell of the milestone's column."""
        self.open(f"/network/milestones/?year={year}")
        headers = self.page.locator("table.scorecard thead th").all_inner_texts()
        column = next(i for i, text in enumerate(headers) if text.strip() == MILESTONE)
        row = self.page.locator(
            "table.scorecard tbody tr", has=self.page.locator("th", has_text="Caritas Albania")
        )
        return row.locator("th, td").nth(column).locator(".score-value").inner_text().strip()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def network(demo_accounts: dict[str, dict[str, Any]]) -> Iterator[dict[str, Any]]:  # noqa: F811
    """The demo's 11 partners and a milestone counting the practices each partner adopts this year."""
    from kujdes.accounts.models import User
    from kujdes.network.demo import demo_populate
    from kujdes.network.milestones.services import framework_create, milestone_create, milestone_targets_set
    from kujdes.network.models import Partner

    year = datetime.date.today().year
    with orm():
        demo_populate()
        coordinator = User.objects.get(username="coordinator")
        framework = framework_create(
            actor=coordinator, title="Trial framework", first_year=year, last_year=year + 2, status="active"
        )
        milestone = milestone_create(
            actor=coordinator,
            framework=framework,
            code=MILESTONE,
            title="Adopt practices from other partners",
            indicator_kind="measure",
            indicator_code="practices_adopted",
        )
        milestone_targets_set(
            actor=coordinator,
            milestone=milestone,
            targets={(partner, year): 2 for partner in Partner.objects.all()},
        )
    yield {"accounts": demo_accounts, "year": year}


def test_a_practice_of_caritas_france_is_published_read_in_albanian_and_adopted(
    live_server: Any,
    browser: Any,  # noqa: F811
    network: dict[str, Any],
) -> None:
    accounts, year, base = network["accounts"], network["year"], live_server.url
    visits: list[Visit] = []
    try:
        # The coordinator works in French; Caritas Albania has adopted nothing yet.
        coordinator = Visit(browser, base, accounts["coordinator"], "fr")
        visits.append(coordinator)
        assert coordinator.page.url.endswith("/network/")
        assert coordinator.scorecard_cell(year) == "0"

        # A focal point of Caritas France writes the practice in French and adds its Albanian translation.
        author = Visit(browser, base, accounts["admin-fr"], "fr")
        visits.append(author)
        author.open("/network/practices/new")
        page = author.page
        page.select_option("select[name=original_language]", "fr")
        page.check("input[name=themes][value=identification]")
        page.select_option("select[name=country]", "FR")
        page.fill("input[name=title]", TITLE_FR)
        page.fill(
            "textarea[name=summary]",
            "Des équipes de bénévoles formés vont à la rencontre des jeunes le soir.",
        )
        page.fill(
            "textarea[name=description]", "Deux soirs par semaine, **en binôme**, avec un guide d'entretien."
        )
        author.submit()
        practice_path = re.sub(r"^https?://[^/]+", "", page.url).split("?")[0]
        assert re.fullmatch(r"/network/practices/[0-9a-f-]{36}/", practice_path), page.url
        author.open(f"{practice_path}texts/sq")
        page.fill("input[name=title]", TITLE_SQ)
        page.fill("textarea[name=summary]", "Ekipe vullnetarësh të trajnuar takojnë të rinjtë në mbrëmje.")
        page.fill("textarea[name=description]", "Dy mbrëmje në javë, **në çift**, me një udhëzues bisede.")
        if page.locator("input[name=translator_name]").count():
            page.fill("input[name=translator_name]", "Claire Morel")
        author.submit()
        author.open(practice_path)
        page.locator(f"form[action='{practice_path}submit'] button[type=submit]").click()
        author.check()
        expect(page.locator("main")).to_contain_text(translated("Submitted", "fr"))

        # The coordinator reviews it from the dashboard and publishes it.
        coordinator.open("/network/")
        coordinator.page.get_by_role("link", name=TITLE_FR).first.click()
        coordinator.check()
        coordinator.open(f"{practice_path}review")
        coordinator.page.check("input[name=action][value=publish]")
        coordinator.page.fill("textarea[name=body]", "Merci, très clair.")
        coordinator.submit("main form:has(input[name=action])")

        # A focal point of Caritas Albania reads it in Albanian and records that they adapted it.
        reader = Visit(browser, base, accounts["admin-al"], "sq")
        visits.append(reader)
        reader.open("/network/practices/?q=patrullime")
        reader.page.get_by_role("link", name=TITLE_SQ).first.click()
        reader.check()
        expect(reader.page.locator("h1")).to_have_text(TITLE_SQ)
        expect(reader.page.locator("main")).to_contain_text("në çift")
        reader.page.locator(f"a[href='{practice_path}adoptions/add']").click()
        reader.check()
        reader.page.select_option("select[name=kind]", "adapted")
        reader.page.fill("input[name=since]", datetime.date.today().isoformat())
        reader.page.fill("textarea[name=changes]", "Patrullime me punonjës socialë në vend të vullnetarëve.")
        reader.submit("main form:has(select[name=kind])")
        expect(reader.page.locator("main")).to_contain_text("Caritas")

        # The scorecard has changed.
        assert coordinator.scorecard_cell(year) == "1"

        problems = [problem for visit in visits for problem in visit.problems]
        assert not problems, "\n".join(problems)
    finally:
        for visit in visits:
            visit.close()
