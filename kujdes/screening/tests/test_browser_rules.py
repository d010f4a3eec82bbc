"""The rules page's live preview in a real browser: ticking sample answers and changing a rule updates it.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright, like kujdes/core/tests/test_browser.py.
To stay cheap, no demo network is seeded and the sign-in pages are not replayed: one organisation
and its administrator are created, and the browser gets the session of a fully signed-in client.
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest

from kujdes.core.tests.chromium import CHROMIUM
from kujdes.core.tests.test_browser import TIMEOUT_MS, async_unsafe_allowed, browser  # noqa: F401

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "keys"]),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"needs Chromium at {CHROMIUM}"),
]

ADULT_VICTIM = [
    "dr_nature_job",
    "dr_education",
    "ex_excessive_hours",
    "ex_low_salary",
    "cd_documents",
    "cd_violence",
]


def signed_in_session(user: Any) -> str:
    """The session key of a client signed in with a password and a second factor, just now."""
    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from django.test import Client

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "username": user.username, "reauthenticated": True},
        {"method": "mfa", "at": time.time(), "type": "totp", "reauthenticated": True},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
    return session.session_key


def test_the_preview_follows_the_sample_answers_and_the_edited_rules(
    live_server: Any,
    browser: Any,  # noqa: F811
) -> None:
    from django.conf import settings

    from kujdes.core.crypto import caches_clear
    from kujdes.core.models import Unit
    from kujdes.core.roles import Role
    from kujdes.core.scoping import system_scope
    from kujdes.core.services import network_get_or_create, organisation_create
    from kujdes.core.tests.base import user_create
    from kujdes.screening.models import Instrument, InstrumentVersion
    from kujdes.screening.services import instruments_install

    caches_clear()
    with system_scope():
        organisation = organisation_create(
            network=network_get_or_create(name="Browser network"),
            code="al",
            name="Org AL",
            country="AL",
            languages=["sq"],
            default_language="sq",
            root_unit_name="National office",
        )
        root = Unit.objects.get(organisation=organisation, parent__isnull=True)
        admin = user_create(
            username="rules-admin", organisation=organisation, unit=root, role=Role.ORGANISATION_ADMIN
        )
        instruments_install(organisation=organisation)
        ilo = Instrument.objects.get(organisation=organisation, code="ilo-adult-labour")
    context = browser.new_context(locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies(
        [
            {"name": settings.SESSION_COOKIE_NAME, "value": signed_in_session(admin), "url": live_server.url},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url},
        ]
    )
    try:
        page = context.new_page()
        response = page.goto(f"{live_server.url}/screening/instruments/{ilo.public_id}/rules")
        assert response is not None and response.status == 200
        result = page.locator("#rules-result")
        expect(result).to_have_attribute("data-outcome", "no_indication")
        for code in ADULT_VICTIM:
            page.locator(f"#s-{code}").check()
        expect(result).to_have_attribute("data-outcome", "victim")
        # Without the first adult rule, the same answers are "deceived and exploited".
        page.locator("#o-adult-0-remove").check()
        expect(result).to_have_attribute("data-outcome", "deceived_exploited")
        expect(page.locator("#rules-result-saved")).to_contain_text("Different from the saved rules")
        # An impossible rule: the preview names the problem instead of a result.
        page.locator("#combinations").fill("5 strong")
        page.locator("#combinations").blur()
        expect(page.locator("#rules-preview-problems")).to_contain_text("can never apply")
    finally:
        context.close()
    with system_scope():
        assert InstrumentVersion.objects.filter(instrument=ilo).count() == 1  # a preview saves nothing
