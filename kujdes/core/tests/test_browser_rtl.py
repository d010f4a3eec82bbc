"""Every page in Arabic on a 360-pixel phone: right to left, nothing wider than the screen, nothing laid out
with a physical left or right that the mirrored page would contradict.

The pages are the route matrix's (kujdes/core/tests/test_route_matrix.py): every GET page some role sees
(not the JSON API), opened once as the first role the matrix expects to see it, and the home page as every
role. The browser (Debian's Chromium through Playwright, one browser and one page per role) gets the
session of a client signed in with both factors, and the language cookie "ar". Each page is checked for:

- `<html dir="rtl" lang="ar">`;
- no horizontal overflow: the document is no wider than the screen (`scrollWidth <= clientWidth + 1`);
- no element with a computed `float: left/right` or `text-align: left/right`, and no inline `style` with a
  physical left or right (margin-left, padding-right, left:, float:, text-align: left…): the stylesheet
  uses logical properties (start/end), so that one stylesheet serves both directions.

A screenshot of each page is saved under var/test-artifacts/rtl/ (git-ignored); the test prints the folder.
The test world lives in the test's transaction: the live server shares SQLite's in-memory connection, so
the test runs on SQLite only (on PostgreSQL the server's connection would not see the world's rows).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.urls import reverse

from kujdes.core.tests import test_route_matrix as matrix
from kujdes.core.tests.chromium import CHROMIUM, CHROMIUM_ARGS
from kujdes.core.tests.routes import SIGNED_IN

playwright_sync = pytest.importorskip("playwright.sync_api")

PHONE = {"width": 360, "height": 740}
TIMEOUT_MS = 20_000
ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "rtl"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"needs Chromium at {CHROMIUM}"),
]

# Run in the page: what the mirrored layout must not have.
PAGE_CHECK = r"""
() => {
  const html = document.documentElement;
  const physical = new RegExp(
    "(^|[;\\s])((margin|padding|border)-(left|right)|left|right)\\s*:" +
    "|float\\s*:\\s*(left|right)|text-align\\s*:\\s*(left|right)", "i");
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.classList.length ? "." + [...el.classList].join(".") : "");
  const problems = [];
  const wide = [];
  const width = html.clientWidth;
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    if (style.float === "left" || style.float === "right") problems.push(`${name(el)}: float ${style.float}`);
    if (style.textAlign === "left" || style.textAlign === "right") {
      problems.push(`${name(el)}: text-align ${style.textAlign}`);
    }
    const inline = el.getAttribute("style");
    if (inline && physical.test(inline)) problems.push(`${name(el)}: style="${inline}"`);
    const box = el.getBoundingClientRect();
    const outside = box.right > width + 1 || box.left < -1;
    if (box.width && outside && !el.closest(".table-wrap, .visually-hidden, .skip-link")) {
      wide.push(`${name(el)} [${Math.round(box.left)}, ${Math.round(box.right)}]`);
    }
  }
  return {
    dir: html.dir, lang: html.lang, scrollWidth: html.scrollWidth, clientWidth: width,
    problems, wide: wide.slice(0, 5),
  };
}
"""


def browser_pages() -> list[tuple[str, Any, str | None]]:
    """(url name, route, actor): every page once, as the first actor expected to see it; home as everyone."""
    chosen = []
    for name, route in matrix.ROUTES.items():
        if route.method != "GET" or name.startswith("api:"):
            continue
        actors = [
            actor
            for actor in (*SIGNED_IN, None)
            if 200 in (route.anonymous if actor is None else route.expect.get(actor, route.others))
        ]
        if name == "home":
            chosen += [(name, route, actor) for actor in actors]
        elif actors:
            chosen.append((name, route, actors[0]))
    return chosen


# The live server sees the test's world through SQLite's shared connection.
@pytest.mark.sqlite_only
class ArabicPhoneTests(StaticLiveServerTestCase, matrix.RouteWorld):
    @classmethod
    def setUpClass(cls) -> None:
        # Playwright's sync API runs an event loop in this thread; the ORM refuses that by default.
        cls.enterClassContext(mock.patch.dict(os.environ, {"DJANGO_ALLOW_ASYNC_UNSAFE": "true"}))
        super().setUpClass()

    def session_of(self, actor: str) -> str:
        """A session of its own for the actor (signing in on a shared client would end the previous one)."""
        from django.test import Client

        self.client = Client()
        self.login(getattr(self, actor))
        return self.client.cookies[settings.SESSION_COOKIE_NAME].value

    def test_every_page_reads_right_to_left_on_a_phone(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for old in ARTIFACTS.glob("*.png"):
            old.unlink()
        findings: list[str] = []
        seen = 0
        by_actor: dict[str | None, list[tuple[str, Any]]] = {}
        for name, route, actor in browser_pages():
            by_actor.setdefault(actor, []).append((name, route))
        # Every session made before the server is asked anything: the server thread shares this thread's
        # SQLite connection, and the two must not use it at the same time.
        sessions = {actor: self.session_of(actor) for actor in by_actor if actor is not None}
        with playwright_sync.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for actor, routes in by_actor.items():
                    context = chromium.new_context(locale="ar", viewport=PHONE, is_mobile=True)
                    context.set_default_timeout(TIMEOUT_MS)
                    cookies = [
                        {"name": settings.LANGUAGE_COOKIE_NAME, "value": "ar", "url": self.live_server_url}
                    ]
                    if actor is not None:
                        cookies.append(
                            {
                                "name": settings.SESSION_COOKIE_NAME,
                                "value": sessions[actor],
                                "url": self.live_server_url,
                            }
                        )
                    context.add_cookies(cookies)
                    page = context.new_page()
                    for name, route in routes:
                        url = reverse(name, kwargs=route.kwargs(self))
                        try:
                            response = page.goto(f"{self.live_server_url}{url}")
                        except playwright_sync.Error:
                            continue  # a file to download (a PDF, a workbook), not a page
                        if response is None or response.status != 200:
                            continue  # a redirect for this actor (OK_OR_REDIRECT): not a page of its own
                        if not (response.headers.get("content-type", "")).startswith("text/html"):
                            continue
                        seen += 1
                        where = f"{name} (as {actor or 'anonymous'})"
                        result = page.evaluate(PAGE_CHECK)
                        if (result["dir"], result["lang"]) != ("rtl", "ar"):
                            findings.append(f"{where}: <html dir={result['dir']!r} lang={result['lang']!r}>")
                        if result["scrollWidth"] > result["clientWidth"] + 1:
                            findings.append(
                                f"{where}: {result['scrollWidth']} px wide on a {result['clientWidth']} px"
                                f" screen ({'; '.join(result['wide'])})"
                            )
                        findings += [f"{where}: {problem}" for problem in result["problems"]]
                        shot = (
                            ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}-{actor or 'anonymous'}.png"
                        )
                        page.screenshot(path=str(shot), full_page=True)
                    context.close()
            finally:
                chromium.close()
        print(f"\nScreenshots of {seen} pages in Arabic at 360 px: {ARTIFACTS}")
        self.assertGreater(seen, 100, "too few pages opened to mean anything")
        report = "\n".join(sorted(set(findings)))
        (ARTIFACTS / "findings.txt").write_text(report + "\n", encoding="utf-8")
        self.assertEqual(findings, [], f"right-to-left problems (screenshots in {ARTIFACTS}):\n{report}")
