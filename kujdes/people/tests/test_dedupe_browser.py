"""The batch deduplication in a real browser, on the demo data: the organisation's administrator runs it,
reviews a planted pair (Ardita Hoxha / Ardita Hoxhaj, in two units of the Shkodër archdiocese) and decides
that they are the same person; the archdiocese's programme manager approves the merge (four eyes); the
administrator undoes it, and both records are back as they were.

Drives Debian's Chromium through Playwright with the shell's fixtures (kujdes/core/tests/test_browser.py);
every page of the queue is checked with axe-core. Buttons and fields are found by ids and values, so the
test holds in any language.
"""

from __future__ import annotations

import os
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
    page,
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

SLOW_MS = 60_000
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def demo_network(demo_accounts: dict[str, dict[str, Any]], settings: Any) -> dict[str, dict[str, Any]]:  # noqa: F811
    """The demo accounts with the rooms' demo data (persons, cases, the planted duplicates); the worker
    runs tasks at once, as in `make demo`."""
    from kujdes.core.management.commands.demo import demo_rooms_populate
    from kujdes.core.scoping import system_scope

    settings.TASKS = IMMEDIATE
    with system_scope():
        demo_rooms_populate()
    return demo_accounts


def _sign_in(page: Any, base_url: str, account: dict[str, Any]) -> None:  # noqa: F811
    page.context.clear_cookies()
    password_submit(page, base_url, account)
    code_submit(page, base_url, account)


def _identities(*codes: str) -> list[tuple[Any, ...]]:
    from kujdes.core.scoping import system_scope
    from kujdes.people.models import Person
    from kujdes.people.selectors import persons_with_keys

    with system_scope():
        persons = persons_with_keys(list(Person.objects.filter(code__in=codes).order_by("code")))
        return [
            (p.code, p.given_name, p.family_name, p.other_names, p.merged_into_id, p.unit_id) for p in persons
        ]


def test_an_admin_deduplicates_the_demo_registry_merges_a_pair_and_undoes_it(
    live_server: Any,
    demo_network: dict[str, dict[str, Any]],
    browser: Any,  # noqa: F811
    page: Any,  # noqa: F811
) -> None:
    from kujdes.core.scoping import system_scope
    from kujdes.people.models import DuplicatePair, MergeStatus, PersonMerge

    base = live_server.url
    # The demo's pages on a shared, busy machine: more patience than the shell's 15 s.
    page.set_default_timeout(SLOW_MS)
    axe = axe_sync.Axe()
    problems: list[str] = []
    errors: list[str] = []
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)

    def check(name: str) -> None:
        page.wait_for_load_state()
        blocking = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS]
        problems.extend(f"{name}: {v['id']} ({v['impact']})" for v in blocking)

    _sign_in(page, base, demo_network["admin-al"])
    page.goto(f"{base}/persons/duplicates/")
    check("queue before the run")
    page.locator("#dedupe-start").click()
    # The run page polls its progress until the run is done, then links to the queue.
    expect(page.locator("#dedupe-run progress")).to_have_attribute("value", "100", timeout=120_000)
    check("run")
    page.locator("#dedupe-run a[href='/persons/duplicates/']").click()
    check("queue")

    with system_scope():
        pairs = DuplicatePair.objects.select_related("first", "second").order_by("-weight")
        planted = {
            (p.first.given_name, p.first.family_name, p.second.given_name, p.second.family_name): p
            for p in pairs
        }
    pair = next(p for names, p in planted.items() if {names[1], names[3]} == {"Hoxha", "Hoxhaj"})
    assert any({names[1], names[3]} == {"Коваленко", "Kovalenko"} for names in planted), sorted(planted)
    # The queue lists pairs strongest first, 25 a page: the planted pair may be on a later page.
    expect(page.locator("tbody a[href^='/persons/duplicates/']").first).to_be_visible()
    link = page.locator(f"a[href='/persons/duplicates/{pair.public_id}/']")
    for _page in range(20):
        if link.count():
            break
        page.locator("nav a[href*='page=']").last.click()
        page.wait_for_load_state()
    link.click()
    check("pair")
    expect(page.locator("#pair-explanation li")).to_have_count(8)
    codes = (pair.first.code, pair.second.code)
    before = _identities(*codes)

    kept_side = "first" if pair.first.family_name == "Hoxha" else "second"
    other_side = "second" if kept_side == "first" else "first"
    page.locator("input[name=decision][value=same]").check()
    page.locator("details summary").click()
    page.locator(f"input[name=keep][value={kept_side}]").check()
    page.locator(f"input[name=choice_family_name][value={other_side}]").check()
    page.locator("#decide").click()
    expect(page.locator("#merge-status")).to_be_visible()
    with system_scope():
        pair.refresh_from_db()
        merge = pair.merge
        assert merge is not None and merge.status == MergeStatus.PROPOSED
    # Four eyes: the proposer sees no approve button.
    expect(page.locator("button[name=review]")).to_have_count(0)

    # The manager works in a browser of her own; the administrator stays signed in in hers (a one-time
    # code is accepted once: signing in again in the same half-minute would be refused).
    manager_context = browser.new_context(locale="en-GB")
    manager_context.set_default_timeout(SLOW_MS)
    manager = manager_context.new_page()
    manager.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    _sign_in(manager, base, demo_network["manager-shkoder"])
    manager.goto(f"{base}/persons/merges/{merge.public_id}/")
    manager.locator("button[name=decision][value=approve]").click()
    manager.wait_for_load_state()
    manager_context.close()
    with system_scope():
        assert PersonMerge.objects.get(pk=merge.pk).status == MergeStatus.MERGED
    merged = _identities(*codes)
    assert merged != before
    assert [row[2] for row in merged] == ["Hoxhaj", "Hoxhaj"]  # the chosen family name survived

    page.goto(f"{base}/persons/duplicates/{pair.public_id}/")
    check("pair after the merge")
    page.locator("#unmerge").click()
    page.wait_for_url(f"{base}/persons/duplicates/{pair.public_id}/")
    with system_scope():
        assert PersonMerge.objects.get(pk=merge.pk).status == MergeStatus.UNMERGED
    assert _identities(*codes) == before
    # The pair is back in the queue, to be decided again.
    expect(page.locator("input[name=decision][value=different]")).to_be_visible()
    assert not errors, errors
    assert not problems, "\n".join(problems)
