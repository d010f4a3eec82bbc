"""A release made through the real reports path (cases opened in 2025, counted for the whole
organisation), and a release with differential privacy instead of suppression."""

from __future__ import annotations

import datetime

from kujdes.cases.services import case_create
from kujdes.core.scoping import system_scope, tenant_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.network.releases import services
from kujdes.network.releases.models import ReleaseCell
from kujdes.network.releases.tests.test_services import counts
from kujdes.network.tests.fixtures import network_fixtures
from kujdes.people.services import person_create

START, END = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)


class ReleasePathTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            network_fixtures(cls)
        with tenant_scope(organisation_ids=[cls.org.pk]):
            # 14 women and 2 men open a case in 2025, in two dioceses; one more in 2024 (outside).
            for index, (sex, unit) in enumerate(
                [("Feminine", cls.diocese_a)] * 8
                + [("Feminine", cls.diocese_b)] * 6
                + [("Masculine", cls.diocese_b)] * 2
            ):
                person = person_create(
                    actor=None, unit=unit, given_name=f"P{index}", sex=sex, birth_year=1990
                )
                case_create(actor=None, person=person, unit=unit, opened_on=datetime.date(2025, 3, 1 + index))
            person = person_create(actor=None, unit=cls.diocese_a, given_name="Old", sex="Masculine")
            case_create(actor=None, person=person, unit=cls.diocese_a, opened_on=datetime.date(2024, 5, 1))

    def test_a_release_counts_the_whole_organisation_and_withholds_the_small_cells(self) -> None:
        with tenant_scope(organisation_ids=[self.org.pk], user_id=self.admin.pk):
            draft = services.release_draft_create(
                actor=self.admin,
                period_start=START,
                period_end=END,
                title="AL 2025",
                indicators=[{"code": "cases_opened", "dims": ["sex"]}],
            )
            preview = services.release_compute(actor=self.admin, release=draft)
            release = services.release_publish(
                actor=self.admin, release=draft, version=None, recently_authenticated=True
            )
        shown = {c.key.get("sex", ""): (c.value, c.withheld, c.reason) for c in preview.tables[0].cells}
        self.assertEqual(shown[""], (16, False, "none"))
        self.assertEqual(shown["Masculine"], (None, True, "primary"))
        self.assertEqual(shown["Feminine"], (None, True, "complementary"))
        with system_scope():
            stored = {
                c.key.get("sex", ""): c.value for c in ReleaseCell.objects.filter(table__release=release)
            }
        self.assertEqual(stored, {"": 16, "Masculine": None, "Feminine": None})

    def test_a_programme_manager_of_one_diocese_gets_no_figures(self) -> None:
        with tenant_scope(organisation_ids=[self.org.pk], user_id=self.admin.pk):
            draft = services.release_draft_create(
                actor=self.admin,
                period_start=START,
                period_end=END,
                title="AL",
                indicators=[{"code": "cases_opened"}],
            )
        with (
            tenant_scope(organisation_ids=[self.org.pk], user_id=self.manager.pk),
            self.assertRaises(services.ReleaseError),
        ):
            services.release_compute(actor=self.manager, release=draft)

    def test_a_differentially_private_release_publishes_noisy_cells_that_add_up(self) -> None:
        with tenant_scope(organisation_ids=[self.org.pk], user_id=self.admin.pk):
            draft = services.release_draft_create(
                actor=self.admin,
                period_start=START,
                period_end=END,
                title="AL 2025 DP",
                indicators=[{"code": "direct_beneficiaries", "dims": ["sex"]}],
                dp_enabled=True,
                dp_epsilon=1.0,
                dp_delta=1e-6,
                dp_mechanism="discrete_gaussian",
            )
            with counts():
                release = services.release_publish(
                    actor=self.admin, release=draft, version=None, recently_authenticated=True
                )
        with system_scope():
            cells = list(ReleaseCell.objects.filter(table__release=release))
            table = release.tables.get()
        self.assertTrue(table.noisy)
        self.assertTrue(
            all(c.noisy and not c.withheld and c.value is not None and c.value >= 0 for c in cells)
        )
        total = next(c for c in cells if c.is_total)
        self.assertEqual(total.value, sum(c.value for c in cells if not c.is_total))
        self.assertTrue(release.dp_description)
