"""A case worker's day in a real browser, in Albanian, from a phone; a programme manager approves the closure.

The story of the issue: a case worker searches for a girl, does not find her, registers her,
screens her with the prevention risk screening, opens a case, refers her to a shelter of the
service directory, records a follow-up and asks for the closure; the programme manager of the
diocese approves it. Every page visited is checked with axe-core (impact "serious" or "critical"
fails), no page may answer with a server error, and the case worker works on a phone-sized screen.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright, like kujdes/core/tests/test_browser.py,
whose fixtures and sign-in helpers are reused. The demo network and the rooms' demo data (service
directory, screening instruments) are seeded in the test; the girl is invented (synthetic data only).

Visible texts are asserted through the Albanian catalogue (`gettext` under "sq"), so the test holds
whether or not a message is translated yet; everything else goes by form field names, URLs and ids.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from kujdes.core.tests.chromium import CHROMIUM
from kujdes.core.tests.test_browser import (  # noqa: F401  (fixtures, used by name)
    BLOCKING_IMPACTS,
    TIMEOUT_MS,
    async_unsafe_allowed,
    browser,
    code_submit,
    demo_accounts,
    password_submit,
)

playwright_sync = pytest.importorskip("playwright.sync_api")
axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")
expect = playwright_sync.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "keys"]),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"needs Chromium at {CHROMIUM}"),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ORGANISATION = "caritas-al"
GIVEN_NAME = "Mirjeta"  # invented: no demo person is called so
FAMILY_NAME = "Ndreca"
SHELTER = "Strehëz komunitare për gra dhe vajza"  # the directory's shelter for women and girls
LEGAL_AID = "Qendra e Ndihmës Juridike Falas"  # a provider of the directory that offers no shelter


def sq(message: str, **values: Any) -> str:
    """What the Albanian page shows for a message: its translation, or the English source until then."""
    from django.utils import translation

    with translation.override("sq"):
        text = translation.gettext(message)
    return text % values if values else text


def sq_plural(singular: str, plural: str, count: int, **values: Any) -> str:
    from django.utils import translation

    with translation.override("sq"):
        return translation.ngettext(singular, plural, count) % values


@pytest.fixture
def demo_network(demo_accounts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:  # noqa: F811
    """The demo accounts, with the rooms' demo data: service directory, screening instruments, cases."""
    from kujdes.core.management.commands.demo import demo_rooms_populate
    from kujdes.core.scoping import system_scope

    with system_scope():
        demo_rooms_populate()
    return demo_accounts


@pytest.fixture
def albanian_context(browser: Any) -> Iterator[Any]:  # noqa: F811
    """A browser context in Albanian (sq-AL), on a phone-sized screen; pages are opened from it."""
    context = browser.new_context(locale="sq-AL", viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


class Journey:
    """One page in the browser, with the checks made on every page it visits."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.axe = axe_sync.Axe()
        self.problems: list[str] = []
        self.server_errors: list[str] = []
        self.checked: list[str] = []
        page.on(
            "response",
            lambda response: (
                self.server_errors.append(f"{response.status} {response.request.method} {response.url}")
                if response.status >= 500
                else None
            ),
        )

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def check(self, page_name: str) -> None:
        """The page is in Albanian and has no serious or critical accessibility violation."""
        page = self.page
        page.wait_for_load_state()
        assert not self.server_errors, f"server errors before {page_name}: {self.server_errors}"
        expect(page.locator("html")).to_have_attribute("lang", "sq")
        results = self.axe.run(page)
        for violation in results.response["violations"]:
            if violation["impact"] not in BLOCKING_IMPACTS:
                continue
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"])
            self.problems.append(
                f"{page_name} ({page.url}): {violation['id']} ({violation['impact']}): {violation['help']} "
                f"— nodes: {targets}"
            )
        if page.viewport_size == PHONE:  # usable on a phone: nothing wider than the screen
            overflow = page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]
            if overflow > 1:
                self.problems.append(f"{page_name} ({page.url}): {overflow}px wider than a phone's screen")
        self.checked.append(page_name)

    def posting(self, path_end: str) -> Any:
        """Waits, around a click, for the answer to the form posted to a URL ending so (its status)."""
        return self.page.expect_response(
            lambda r: r.request.method == "POST" and r.url.split("?")[0].endswith(path_end)
        )

    def sign_in(self, account: dict[str, Any]) -> None:
        password_submit(self.page, self.base_url, account)
        code_submit(self.page, self.base_url, account)

    def sign_out(self) -> None:
        self.page.locator("form[action='/accounts/logout/'] button[type=submit]").click()
        self.page.wait_for_url(re.compile(r".*/accounts/login/.*"))


@contextmanager
def orm() -> Iterator[None]:
    """The ORM in the test's own code while Playwright runs, in the system scope.

    Playwright's event loop runs in this thread, so Django keeps these connections apart from the
    fixtures' (in a context of their own) and nothing would close them: an open one keeps
    PostgreSQL from dropping the test database at the end. They are closed here.
    """
    from django.db import connections

    from kujdes.core.scoping import system_scope

    try:
        with system_scope():
            yield
    finally:
        connections.close_all()


def _provider_key(name: str) -> str:
    from kujdes.referrals.models import ServiceProvider

    with orm():
        provider = ServiceProvider.objects.get(organisation__code=ORGANISATION, name=name)
    return f"p:{provider.public_id}"


def _instrument_id(code: str) -> str:
    from kujdes.screening.models import Instrument

    with orm():
        return str(Instrument.objects.get(organisation__code=ORGANISATION, code=code).public_id)


def test_case_worker_registers_screens_refers_and_follows_up_a_girl_then_manager_approves_closure(
    live_server: Any, demo_network: dict[str, dict[str, Any]], albanian_context: Any
) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    page = albanian_context.new_page()
    journey = Journey(page, live_server.url)
    worker = demo_network["caseworker-shkoder"]
    manager = demo_network["manager-shkoder"]

    # 1. The case worker signs in on her phone and looks for the girl: nobody of that name.
    journey.sign_in(worker)
    assert page.viewport_size == PHONE
    page.goto(journey.url("/persons/"))
    journey.check("persons")
    search = page.locator("input[name=q]")
    with page.expect_response(lambda r: "/persons/?" in r.url and "q=" in r.url):
        search.fill(f"{GIVEN_NAME} {FAMILY_NAME}")
    results = page.locator("#person-results")
    expect(results).to_contain_text(
        sq_plural("%(counter)s person found.", "%(counter)s persons found.", 0, counter=0)
    )
    expect(results.locator("tbody a")).to_have_count(0)
    expect(results).to_contain_text(sq("No persons."))
    journey.check("persons: search without result")

    # 2. She registers her: a girl of 15 from Shkodër, a child at risk.
    page.locator("a[href='/persons/new']").click()
    page.wait_for_url(journey.url("/persons/new"))
    journey.check("person registration")
    form = page.locator("main form[method=post]")
    unit = form.locator("select[name=unit]")
    if unit.locator("option").count() > 1:
        unit.select_option(label="Arqidioqeza Shkodër-Pult")
    form.locator("input[name=given_name]").fill(GIVEN_NAME)
    form.locator("input[name=family_name]").fill(FAMILY_NAME)
    form.locator("select[name=sex]").select_option("Feminine")
    form.locator("input[name=birth_year]").fill(str(today.year - 15))
    form.locator("input[name=municipality]").fill("Shkodër")
    form.locator("input[name=categories][value=child_at_risk]").check()
    # Consent at intake (issue 20): a case worker records the consents of DESIGN.md §4 in the same form;
    # a child's are her guardian's, who is named (here registered in the same step).
    form.locator("input[name=consents][value=case_management]").check()
    form.locator("select[name=consent_given_by]").select_option("guardian")
    form.locator("input[name=guardian_name]").fill("Lule Ndreca")
    with journey.posting("/persons/new") as registered:
        form.locator("button[type=submit]").first.click()
    assert registered.value.status in (200, 302), f"the registration answered {registered.value.status}"
    if registered.value.status == 200:  # the duplicate check found someone similar
        expect(page.locator("#duplicates-title")).to_be_visible()
        journey.check("person registration: duplicate check")
        expect(form.locator("input[name=given_name]")).to_have_value(GIVEN_NAME)
        form.locator("button[name=confirm_new]").click()
    page.wait_for_url(re.compile(r".*/persons/[0-9a-f-]{36}/$"))
    person_url = page.url
    person_path = person_url.removeprefix(live_server.url)
    person_id = person_path.split("/")[2]
    expect(page.locator("h1")).to_contain_text(f"{GIVEN_NAME} {FAMILY_NAME}")
    expect(page.locator("main .messages")).to_contain_text(sq("Person registered."))
    journey.check("person page")

    # The same search now finds her, typed without capitals (so the empty result was no accident).
    page.goto(journey.url("/persons/"))
    with page.expect_response(lambda r: "/persons/?" in r.url and "q=" in r.url):
        page.locator("input[name=q]").fill(f"{GIVEN_NAME} {FAMILY_NAME}".lower())
    results = page.locator("#person-results")
    expect(results).to_contain_text(
        sq_plural("%(counter)s person found.", "%(counter)s persons found.", 1, counter=1)
    )
    expect(results.locator("tbody a")).to_have_count(1)
    expect(results.locator(f"tbody a[href='{person_path}']")).to_have_text(f"{GIVEN_NAME} {FAMILY_NAME}")

    # 3. She screens her for the risk of trafficking: drop-out, an online job offer, wanting to leave.
    page.goto(person_url)
    page.locator(f"a[href='/screening/persons/{person_id}/new']").click()
    page.wait_for_url(re.compile(rf".*/screening/persons/{person_id}/new$"))
    journey.check("screening: choice of instrument")
    page.locator(f"a[href='?instrument={_instrument_id('risk-prevention')}']").click()
    page.wait_for_url(re.compile(r".*/new\?instrument=.*"))
    expect(page.locator("h1")).to_have_text("Vlerësimi i riskut për parandalim (gra dhe fëmijë)")
    journey.check("screening: checklist")
    for factor in ("school_dropout", "online_job_offer", "migration_intention"):
        with page.expect_response(lambda r: r.url.endswith("/preview")):
            page.locator(f"input[name=answers][value={factor}]").check()
    expect(page.locator("#preview .screening-result")).to_have_class(re.compile(r"\blevel-high\b"))
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r".*/screening/[0-9a-f-]{36}$"))
    result = page.locator("section.screening-result")
    expect(result).to_have_class(re.compile(r"\blevel-high\b"))
    expect(result).to_contain_text(sq("High risk"))
    expect(result).to_contain_text(sq("score %(score)s", score=7))
    journey.check("screening result")

    # 4. She opens a prevention case from the person page.
    page.goto(person_url)
    expect(page.locator("#screenings-title")).to_be_visible()
    page.locator(f"#person-cases a[href='/cases/new?person={person_id}']").click()
    page.wait_for_url(re.compile(r".*/cases/new\?person=.*"))
    journey.check("opening a case")
    page.locator("select[name=case_type]").select_option("prevention")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/cases/[0-9a-f-]{36}/$"))
    case_url = page.url
    case_path = case_url.removeprefix(live_server.url)
    case_id = case_path.split("/")[2]
    case_code = page.locator("h1 code").inner_text()
    expect(page.locator(".case-header .badge")).to_have_text(sq("Active"))
    journey.check("case page")

    # 5. She refers her to a shelter of the directory. No consent to a referral is recorded and the
    #    application has no page to record one, so the form asks for the reason to refer without it.
    page.locator(f"a[href='/referrals/new?case={case_id}']").click()
    page.wait_for_url(re.compile(r".*/referrals/new\?case=.*"))
    journey.check("referral form")
    shelter, legal_aid = _provider_key(SHELTER), _provider_key(LEGAL_AID)
    receiver = page.locator("select[name=receiver]")
    expect(receiver.locator(f"option[value='{legal_aid}']")).to_have_count(1)
    with page.expect_response(lambda r: "/referrals/new?" in r.url and "service_type=Shelter" in r.url):
        page.locator("select[name=service_type]").select_option("Shelter")
    # Only the providers offering shelter are offered now: the legal aid centre is gone.
    expect(receiver.locator(f"option[value='{legal_aid}']")).to_have_count(0)
    receiver.select_option(shelter)
    page.locator("select[name=reason]").select_option(index=0)
    page.locator("textarea[name=details]").fill("Vajzë 15 vjeç, risk i lartë; ka nevojë për strehim.")
    expect(page.locator("input[name=referred_on]")).to_have_value(today.isoformat())
    expect(page.locator("main .form-errors[role=alert]")).to_contain_text(
        sq("Consent missing: she has not given consent to be referred, or has withdrawn it.")
    )
    page.locator("textarea[name=override_reason]").fill(
        "Prindi nuk mund të kontaktohet dhe pritja e vë vajzën në rrezik."
    )
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/referrals/[0-9a-f-]{36}/$"))
    expect(page.locator("main")).to_contain_text(SHELTER)
    expect(page.locator("main .messages")).to_contain_text(sq("Referral sent."))
    journey.check("referral page")
    page.goto(case_url)
    referrals = page.locator("section[aria-labelledby=referrals-heading]")
    expect(referrals.locator("li")).to_have_count(1)
    expect(referrals).to_contain_text(SHELTER)

    # 6. She records a follow-up: a home visit today, the next one in two weeks.
    follow_ups = page.locator("#work-follow-ups")
    expect(follow_ups).to_contain_text(sq("No follow-up recorded yet."))
    follow_ups.locator("summary").click()
    next_due = today + datetime.timedelta(days=14)
    follow_ups.locator("input[name=contacted_on]").fill(today.isoformat())
    follow_ups.locator("select[name=method]").select_option("visit")
    follow_ups.locator("textarea[name=notes]").fill("Vizitë në shtëpi; familja pranon strehimin.")
    follow_ups.locator("input[name=next_due_on]").fill(next_due.isoformat())
    with page.expect_response(lambda r: r.url.endswith(f"/cases/{case_id}/follow-ups/new")):
        follow_ups.locator("button[type=submit]").click()
    follow_ups = page.locator("#work-follow-ups")
    expect(follow_ups.locator("li")).to_have_count(1)
    expect(follow_ups.locator("li")).to_contain_text(sq("Home visit"))
    expect(follow_ups.locator("li")).to_contain_text("Vizitë në shtëpi")
    journey.check("case page with a follow-up")
    page.reload()
    expect(page.locator("#work-follow-ups li")).to_have_count(1)

    # 7. She asks for the closure: the goals are met; a programme manager must approve.
    actions = page.locator("#case-actions")
    actions.locator("summary").first.click()
    closure = actions.locator(f"form[action='/cases/{case_id}/close']")
    closure.locator("select[name=status]").select_option("Closed")
    closure.locator("select[name=reason]").select_option("goals_met")
    with journey.posting(f"/cases/{case_id}/close") as asked:
        closure.locator("button[type=submit]").click()
    assert asked.value.status == 302, f"the closure request answered {asked.value.status}"
    expect(page.locator("main .messages")).to_contain_text(
        sq("The closure waits for a programme manager's approval.")
    )
    expect(page.locator(".message.info form[action$='/withdraw']")).to_be_visible()
    expect(page.locator(".case-header .badge")).to_have_text(sq("Active"))
    journey.check("case page with a closure request")
    journey.sign_out()

    # 8. The programme manager, at her desk, approves the closure from the approvals page.
    page.set_viewport_size(DESKTOP)
    journey.sign_in(manager)
    page.goto(journey.url("/approvals/"))
    journey.check("approvals")
    row = page.locator(f"tbody tr:has(a[href='{case_path}'])")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(case_code)
    expect(row).to_contain_text(sq("Support plan goals met"))
    row.locator("input[name=comment]").fill("Miratohet.")
    with journey.posting("/decide") as decided:
        row.locator("button[name=decision][value=approve]").click()
    assert decided.value.status == 302, f"the decision answered {decided.value.status}"
    expect(page.locator("main .messages")).to_contain_text(sq("Decision recorded."))
    journey.check("approvals after the decision")
    page.goto(case_url)
    expect(page.locator(".case-header .badge")).to_have_text(sq("Closed"))
    expect(page.locator(".case-header")).to_contain_text(sq("Support plan goals met"))
    expect(page.locator(".message.info")).to_have_count(0)
    journey.check("closed case page")

    # What the pages showed is what was stored.
    from kujdes.cases.models import Case
    from kujdes.people.models import ConsentOverride

    with orm():
        case = Case.objects.select_related("person").get(public_id=case_id)
        assert (case.status, case.closure_reason, case.closed_on) == ("Closed", "goals_met", today)
        assert (case.case_type, case.person.sex, case.person.municipality) == (
            "prevention",
            "Feminine",
            "Shkodër",
        )
        assert case.person.birth_year == today.year - 15
        assert case.person.categories == ["child_at_risk"]
        referral = case.referrals.select_related("to_provider").get()
        assert (referral.to_provider.name, referral.service_type) == (SHELTER, "Shelter")
        # Referring her without her consent was recorded (the reason itself is encrypted).
        assert ConsentOverride.objects.filter(person=case.person, purpose="referral").count() == 1
        follow_up = case.follow_ups.get()
        assert (follow_up.contacted_on, follow_up.method, follow_up.next_due_on) == (today, "visit", next_due)

    assert not journey.server_errors, journey.server_errors
    assert len(journey.checked) >= 15, journey.checked
    assert not journey.problems, "Accessibility or phone layout problems:\n" + "\n".join(journey.problems)
