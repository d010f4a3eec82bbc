"""The exchanges' tests start from the route matrix's fixtures: an exchange of "al", visited by "fr"."""

from __future__ import annotations

from kujdes.core.scoping import system_scope
from kujdes.network.exchanges.tests.routes import fixtures
from kujdes.network.tests.base import NetworkTestCase


class ExchangeTestCase(NetworkTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            fixtures(cls)
