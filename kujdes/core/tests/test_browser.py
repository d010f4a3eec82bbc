"""The UI shell in a real browser: sign-in with a second factor, language, accessibility.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright; no browser is
downloaded. The demo network is seeded in each test (synthetic data only).
axe-core checks every page for violations of impact "serious" or "critical".
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kujdes.core.tests.chromium import CHROMIUM, CHROMIUM_ARGS

playwright_sync = pytest.importorskip("playwright.sync_api")
axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")

BLOCKING_IMPACTS = {"serious", "critical"}
TIMEOUT_MS = 15_000

pytestmark = [
    pytest.mark.browser,
    # The demo network needs the data database and the key store.
    pytest.mark.django_db(transaction=True, databases=["default", "keys"]),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"needs Chromium at {CHROMIUM}"),
]


@pytest.fixture
def async_unsafe_allowed() -> Iterator[None]:
    """Playwright's sync API runs an event loop in this thread; Django's ORM refuses that by default."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def demo_accounts(async_unsafe_allowed: None) -> dict[str, dict[str, Any]]:
    """The synthetic demo network, by username; used one-time codes from earlier tests forgotten."""
    from django.core.cache import cache

    from kujdes.core.demo import demo_seed
    from kujdes.core.scoping import system_scope

    cache.clear()
    with system_scope():
        accounts = demo_seed()
    assert accounts is not None
    return {account["username"]: account for account in accounts}


@pytest.fixture
def browser(async_unsafe_allowed: None) -> Iterator[Any]:
    with playwright_sync.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def totp_now(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def password_submit(page: Any, base_url: str, account: dict[str, Any]) -> None:
    """The first step of signing in; leaves the browser on the second-factor page."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", account["username"])
    page.fill("input[name=password]", account["password"])
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/accounts/2fa/authenticate/")


def code_submit(page: Any, base_url: str, account: dict[str, Any]) -> None:
    page.fill("input[name=code]", totp_now(account["totp_secret"]))
    page.locator("main form:has(input[name=code]) button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")


def html_lang(page: Any) -> str:
    return page.locator("html").get_attribute("lang")


def translation_or_none(message: str, language: str) -> str | None:
    """The translation of a message, if the compiled catalogue has one (None until it does)."""
    from django.utils import translation

    with translation.override(language):
        translated = translation.gettext(message)
    return translated if translated != message else None


def test_sign_in_with_second_factor_in_albanian_then_french(
    live_server: Any, demo_accounts: dict[str, dict[str, Any]], page: Any
) -> None:
    base_url = live_server.url
    account = demo_accounts["caseworker-shkoder"]
    password_submit(page, base_url, account)
    code_submit(page, base_url, account)

    # The Albanian organisation's language, with no choice made by the user.
    assert page.url == f"{base_url}/"
    assert html_lang(page) == "sq"
    heading = translation_or_none("Your roles", "sq")
    if heading is not None:  # the Albanian catalogue is compiled
        playwright_sync.expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    playwright_sync.expect(page.get_by_role("cell", name="Arqidioqeza Shkodër-Pult")).to_be_visible()

    page.select_option("#language-select", "fr")
    page.locator(".language-form button").click()
    page.wait_for_load_state()
    playwright_sync.expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert page.url == f"{base_url}/"
    heading = translation_or_none("Your roles", "fr")
    if heading is not None:  # the French catalogue is compiled
        playwright_sync.expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()


def _violations_report(page_name: str, violations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for violation in violations:
        targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"])
        lines.append(
            f"{page_name}: {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{violation['helpUrl']}] — nodes: {targets}"
        )
    return lines


def test_accessibility_of_sign_in_home_and_user_administration(
    live_server: Any, demo_accounts: dict[str, dict[str, Any]], page: Any
) -> None:
    base_url = live_server.url
    axe = axe_sync.Axe()
    problems: list[str] = []
    checked: list[str] = []

    def check(page_name: str) -> None:
        page.wait_for_load_state()
        results = axe.run(page)
        blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
        problems.extend(_violations_report(f"{page_name} ({page.url})", blocking))
        checked.append(page_name)

    account = demo_accounts["admin-al"]
    page.goto(f"{base_url}/accounts/login/")
    check("sign-in page")
    password_submit(page, base_url, account)
    check("second-factor page")
    code_submit(page, base_url, account)
    check("home page")
    for page_name, path in [
        ("user administration", "/organisation/users/"),
        ("user invitation", "/organisation/users/invite"),
        ("two-factor authentication", "/accounts/2fa/"),
        ("units", "/organisation/units/"),
    ]:
        response = page.goto(f"{base_url}{path}")
        assert response is not None and response.status == 200, (
            f"{path} answered {response and response.status}"
        )
        check(page_name)

    # The data protection officer's pages.
    page.context.clear_cookies()
    officer = demo_accounts["dpo-al"]
    page.goto(f"{base_url}/accounts/login/")
    password_submit(page, base_url, officer)
    code_submit(page, base_url, officer)
    for page_name, path in [("audit log", "/organisation/audit/"), ("retention", "/organisation/retention/")]:
        response = page.goto(f"{base_url}{path}")
        assert response is not None and response.status == 200, (
            f"{path} answered {response and response.status}"
        )
        assert "<" not in page.title(), page.title()
        check(page_name)

    assert len(checked) == 9
    assert not problems, "Serious or critical accessibility violations:\n" + "\n".join(problems)
