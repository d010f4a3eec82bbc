"""The test case of the network's sub-rooms."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from kujdes.core.tests.base import BaseTestCase


class NetworkTestCase(BaseTestCase):
    """The shared cast, with pages and messages in English whatever the organisations' languages
    (the test organisation "al" speaks Albanian; the tests assert the English source texts)."""

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        translation.activate("en")
        self.addCleanup(translation.deactivate)
