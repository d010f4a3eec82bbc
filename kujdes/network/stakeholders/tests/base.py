from __future__ import annotations

from kujdes.core.scoping import system_scope
from kujdes.network.stakeholders.tests.fixtures import stakeholder_fixtures
from kujdes.network.tests.base import NetworkTestCase


class StakeholderTestCase(NetworkTestCase):
    """The shared cast, the partners al/fr/ua, a private stakeholder of "al", a shared one of "fr"."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            stakeholder_fixtures(cls)
