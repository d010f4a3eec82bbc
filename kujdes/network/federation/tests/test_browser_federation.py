"""The network coordinator adds a peer installation in a real browser, in French, comparing its
fingerprint before it is linked.

The coordinator opens the Federation tab of the network, pastes the card of Caritas Romania's own
installation (a synthetic one: its keys are made in the test), sees its fingerprint, forgets the
tick that says the fingerprints match (refused, nothing added), ticks it, and lands on the peer's
page, with Caritas Romania hosted there. Every page is checked with axe-core and no answer may be a
server error, as in kujdes/network/tests/test_browser_network.py, whose `Visit` this reuses.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from kujdes.cases.tests.test_browser_case_work import orm
from kujdes.core.tests.chromium import CHROMIUM
from kujdes.core.tests.test_browser import (  # noqa: F401  (fixtures, used by name)
    async_unsafe_allowed,
    browser,
    demo_accounts,
)
from kujdes.network.tests.test_browser_network import Visit, translated

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "keys"]),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"needs Chromium at {CHROMIUM}"),
]


@pytest.fixture
def federation(demo_accounts: dict[str, dict[str, Any]]) -> Iterator[dict[str, Any]]:  # noqa: F811
    """The demo's partners, this installation's identity, and the card of Caritas Romania's installation."""
    from kujdes.core.models import Organisation
    from kujdes.network.demo import demo_populate
    from kujdes.network.federation.demo import SyntheticInstallation
    from kujdes.network.federation.services import installation_init

    with orm():
        demo_populate()
        installation_init(
            name="Kujdes — Caritas Albania",
            base_url="https://kujdes.caritas-al.example",
            country="AL",
            operator=Organisation.objects.get(code="caritas-al"),
            hosts_coordinator=True,
        )
    remote = SyntheticInstallation(
        name="Kujdes — Caritas România", base_url="https://kujdes.caritas-ro.example", country="RO"
    )
    yield {"accounts": demo_accounts, "remote": remote}


def test_the_coordinator_adds_a_peer_in_french_after_comparing_its_fingerprint(
    live_server: Any,
    browser: Any,  # noqa: F811
    federation: dict[str, Any],
) -> None:
    from kujdes.network.federation.models import Peer
    from kujdes.network.models import Partner

    remote = federation["remote"]
    coordinator = Visit(browser, live_server.url, federation["accounts"]["coordinator"], "fr")
    try:
        page = coordinator.page
        coordinator.open("/network/")
        page.get_by_role("link", name=translated("Federation", "fr"), exact=True).click()
        coordinator.check()
        expect(page.locator("h1")).to_have_text(translated("Federation", "fr"))
        expect(page.locator("main")).to_contain_text("Kujdes — Caritas Albania")

        page.get_by_role("link", name=translated("Add a peer", "fr")).first.click()
        coordinator.check()
        page.fill("textarea[name=card]", json.dumps(remote.card(), indent=2, ensure_ascii=False))
        coordinator.submit()

        # The confirmation: the peer's name, id and address, and its fingerprint in 8 groups of 4.
        main = page.locator("main")
        expect(page.locator("h1")).to_have_text(translated("Compare the fingerprint", "fr"))
        expect(main).to_contain_text("Kujdes — Caritas România")
        expect(main).to_contain_text(str(remote.installation_id))
        expect(main).to_contain_text("https://kujdes.caritas-ro.example")
        expect(page.locator("ol.fingerprint li")).to_have_text(remote.fingerprint.split())
        # Only partners that are not organisations of this installation are offered.
        expect(page.locator("input[name=partners][value=ro]")).to_be_visible()
        expect(page.locator("input[name=partners][value=al]")).to_have_count(0)
        page.check("input[name=partners][value=ro]")
        add = page.get_by_role("button", name=translated("Add the peer", "fr"))

        # Without the tick that says the fingerprints match, nothing is added.
        add.click()
        coordinator.check()
        expect(main).to_contain_text(
            translated(
                "Compare the fingerprint with the other coordinator and tick the box: "
                "without it the peer is not added.",
                "fr",
            )
        )
        with orm():
            assert not Peer.objects.filter(installation_id=remote.installation_id).exists()
        expect(page.locator("input[name=partners][value=ro]")).to_be_checked()

        page.check("input[name=fingerprints_match]")
        add.click()
        coordinator.check()
        expect(page.locator("h1")).to_have_text("Kujdes — Caritas România")
        expect(main).to_contain_text(
            translated("%(peer)s is now a peer of this installation.", "fr", peer="Kujdes — Caritas România")
        )
        with orm():
            peer = Peer.objects.get(installation_id=remote.installation_id)
            assert peer.fingerprint == remote.fingerprint
            assert Partner.objects.get(code="ro").installation_id == remote.installation_id
        assert coordinator.problems == [], coordinator.problems
    finally:
        coordinator.close()
