"""/api/v1/docs in a real browser: Swagger UI starts under the site's Content Security Policy, with
its assets from this installation (a CDN request or a CSP refusal fails the test)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from kujdes.core.tests.chromium import CHROMIUM
from kujdes.core.tests.test_browser import (  # noqa: F401 - fixtures
    async_unsafe_allowed,
    browser,
    code_submit,
    demo_accounts,
    page,
    password_submit,
)

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "keys"]),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"needs Chromium at {CHROMIUM}"),
]


def test_swagger_ui_renders_the_api_under_the_csp(
    live_server: Any,
    demo_accounts: dict[str, dict[str, Any]],  # noqa: F811
    page: Any,  # noqa: F811
) -> None:
    base_url = live_server.url
    refusals: list[str] = []
    foreign: list[str] = []
    page.on(
        "console",
        lambda message: refusals.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.on(
        "request",
        lambda request: foreign.append(request.url) if not request.url.startswith(base_url) else None,
    )
    account = demo_accounts["caseworker-shkoder"]
    password_submit(page, base_url, account)
    code_submit(page, base_url, account)
    page.goto(f"{base_url}/api/v1/docs")
    playwright_sync.expect(page.locator(".swagger-ui .info .title")).to_contain_text("Kujdes API")
    # The operations of the main rooms are listed (the OpenAPI document was fetched and read).
    playwright_sync.expect(page.locator(".opblock-tag", has_text="cases").first).to_be_visible()
    assert refusals == []
    assert [url for url in foreign if not url.startswith("data:")] == []
