from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.network.releases.models import Release, ReleaseCell, ReleaseImmutable, ReleaseStatus
from kujdes.network.releases.selectors import released_value
from kujdes.network.releases.tests.factories import released
from kujdes.network.tests.fixtures import network_fixtures

Y2025 = (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))


class ReleasedValueTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            network_fixtures(cls)

    def value(self, code: str = "direct_beneficiaries", period: tuple = Y2025):
        return released_value(
            partner=self.partner_fr, indicator_code=code, period_start=period[0], period_end=period[1]
        )

    def test_released_value_is_the_total_of_the_current_release_of_exactly_that_period(self) -> None:
        with system_scope():
            old = released(
                partner=self.partner_fr,
                tables={("direct_beneficiaries", ""): {"": 100}},
                status=ReleaseStatus.SUPERSEDED,
            )
            new = released(
                partner=self.partner_fr,
                tables={("direct_beneficiaries", "sex"): {"": 120, "female": 60, "male": None}},
                version_number=2,
                supersedes=old,
            )
            got = self.value()
        self.assertEqual(got.value, 120)
        self.assertFalse(got.withheld)
        self.assertEqual(got.release_public_id, str(new.public_id))
        with system_scope():
            self.assertIsNone(self.value(period=(datetime.date(2025, 1, 1), datetime.date(2025, 6, 30))))
            self.assertIsNone(self.value(code="persons_screened"))

    def test_released_value_of_a_withheld_total_carries_no_number(self) -> None:
        with system_scope():
            released(partner=self.partner_fr, tables={("cases_opened", ""): {"": None}})
            got = self.value("cases_opened")
        self.assertTrue(got.withheld)
        self.assertIsNone(got.value)

    def test_released_value_is_none_without_a_current_release(self) -> None:
        with system_scope():
            released(
                partner=self.partner_fr,
                tables={("direct_beneficiaries", ""): {"": 50}},
                status=ReleaseStatus.WITHDRAWN,
            )
            self.assertIsNone(self.value())

    def test_a_withheld_cell_cannot_store_a_number_in_the_database(self) -> None:
        with system_scope():
            release = released(partner=self.partner_fr, tables={("direct_beneficiaries", ""): {"": 50}})
            table = release.tables.get()
            with self.assertRaises(IntegrityError), transaction.atomic():
                ReleaseCell.objects.create(
                    table=table, key={"sex": "male"}, value=3, withheld=True, reason="primary"
                )

    def test_released_cells_and_releases_refuse_changes(self) -> None:
        with system_scope():
            release = released(partner=self.partner_fr, tables={("direct_beneficiaries", ""): {"": 50}})
            cell = ReleaseCell.objects.get(table__release=release)
            cell.value = 51
            with self.assertRaises(ReleaseImmutable):
                cell.save()
            with self.assertRaises(ReleaseImmutable):
                cell.delete()
            release.k = 20
            with self.assertRaises(ReleaseImmutable):
                release.save()
            fresh = Release.objects.get(pk=release.pk)
            fresh.status = ReleaseStatus.SUPERSEDED
            fresh.save()  # only the status moves

    def test_k_below_11_is_refused_by_the_model_and_the_database(self) -> None:
        with system_scope():
            draft = Release(
                partner=self.partner_fr,
                organisation=self.other_org,
                period_start=Y2025[0],
                period_end=Y2025[1],
                title="x",
                k=10,
            )
            with self.assertRaises(ValidationError):
                draft.full_clean()
            with self.assertRaises(IntegrityError), transaction.atomic():
                draft.save()
            draft.k = 12
            draft.full_clean()
