"""Where a milestone's progress comes from: releases, measures, reports; and the status it gets."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import translation

from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.network.measures import measure_register
from kujdes.network.milestones import selectors, services
from kujdes.network.milestones.models import Milestone, ProgressReport, Target
from kujdes.network.milestones.selectors import Source, Status
from kujdes.network.milestones.tests.routes import milestone_fixtures

MID_2026 = datetime.date(2026, 7, 2)  # 183 of 365 days gone by


def _count_for_tests(partner, start, end) -> int:  # type: ignore[no-untyped-def]
    return {"al": 5, "fr": 0}.get(partner.code, 0)


class ProgressTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        measure_register(
            code="tests_adopted", name="Adopted (tests)", unit="practices", compute=_count_for_tests
        )
        with system_scope():
            milestone_fixtures(cls)
            cls.catalogue = Milestone.objects.create(
                framework=cls.ms_framework,
                code="m2",
                title="More persons supported",
                indicator_kind="catalogue",
                indicator_code="direct_beneficiaries",
                order=2,
            )
            cls.measured = Milestone.objects.create(
                framework=cls.ms_framework,
                code="m3",
                title="Practices adopted",
                indicator_kind="measure",
                indicator_code="tests_adopted",
                order=3,
            )
            for milestone, value in ((cls.catalogue, 200), (cls.measured, 4)):
                Target.objects.create(milestone=milestone, partner=cls.partner_fr, year=2026, value=value)
                Target.objects.create(milestone=milestone, partner=cls.partner_al, year=2026, value=value)

    def setUp(self) -> None:
        super().setUp()
        # The notes are read in English, whatever language an earlier test left active.
        translation.activate("en")
        self.addCleanup(translation.deactivate)

    def progress(self, milestone: Milestone, partner, year: int = 2026):  # type: ignore[no-untyped-def]
        with system_scope():
            return selectors.progress_value(milestone=milestone, partner=partner, year=year)

    def test_a_manual_milestone_takes_the_latest_report_of_the_year(self) -> None:
        with system_scope():
            ProgressReport.objects.create(
                milestone=self.ms_milestone,
                partner=self.partner_al,
                year=2026,
                value=Decimal(9),
                evidence="Newer sheets",
                reported_on=datetime.date(2026, 9, 1),
            )
        progress = self.progress(self.ms_milestone, self.partner_al)
        self.assertEqual((progress.value, progress.source), (9.0, Source.REPORT))
        self.assertEqual(progress.report.evidence, "Newer sheets")
        self.assertIsNone(self.progress(self.ms_milestone, self.partner_al, 2027).value)
        self.assertIsNone(self.progress(self.ms_milestone, self.partner_fr).value)

    def test_a_measure_milestone_is_counted_by_the_measure(self) -> None:
        progress = self.progress(self.measured, self.partner_al)
        self.assertEqual((progress.value, progress.source), (5.0, Source.MEASURE))
        with system_scope(), self.assertRaises(ValidationError):
            services.progress_report(
                actor=self.admin,
                milestone=self.measured,
                partner=self.partner_al,
                year=2026,
                value=3,
                evidence="x",
            )

    def test_a_measure_unknown_to_the_registry_is_refused(self) -> None:
        with system_scope(), self.assertRaises(ValidationError) as refused:
            services.milestone_create(
                actor=self.coordinator,
                framework=self.ms_framework,
                code="m9",
                title="Unknown",
                indicator_kind="measure",
                indicator_code="no_such_measure",
            )
        self.assertIn("indicator_code", refused.exception.message_dict)

    def test_a_catalogue_milestone_takes_the_released_total_of_the_year(self) -> None:
        from kujdes.network.releases.tests.factories import released

        with system_scope():
            ProgressReport.objects.create(
                milestone=self.catalogue,
                partner=self.partner_fr,
                year=2026,
                value=Decimal(50),
                evidence="Register",
            )
            self.assertEqual(self.progress(self.catalogue, self.partner_fr).source, Source.REPORT)
            released(
                partner=self.partner_fr,
                tables={("direct_beneficiaries", "sex"): {"": 180, "female": 120, "male": 60}},
                start=datetime.date(2026, 1, 1),
                end=datetime.date(2026, 12, 31),
            )
        progress = self.progress(self.catalogue, self.partner_fr)
        self.assertEqual((progress.value, progress.source), (180.0, Source.RELEASE))

    def test_a_withheld_released_total_is_no_data_with_a_note_even_beside_a_report(self) -> None:
        from kujdes.network.releases.tests.factories import released

        with system_scope():
            ProgressReport.objects.create(
                milestone=self.catalogue,
                partner=self.partner_fr,
                year=2026,
                value=Decimal(7),
                evidence="Register",
            )
            released(
                partner=self.partner_fr,
                tables={("direct_beneficiaries", ""): {"": None}},
                start=datetime.date(2026, 1, 1),
                end=datetime.date(2026, 12, 31),
            )
        progress = self.progress(self.catalogue, self.partner_fr)
        self.assertIsNone(progress.value)
        self.assertTrue(progress.withheld)
        self.assertIn("withheld", progress.note)
        with system_scope():
            card = selectors.scorecard(
                actor=self.coordinator,
                framework=self.ms_framework,
                year=2026,
                partners=[self.partner_fr],
                today=MID_2026,
            )
        cell = next(c for c in card.rows[0].cells if c.milestone == self.catalogue)
        self.assertEqual(cell.status, Status.NO_DATA)

    def test_the_scorecard_compares_progress_with_the_pro_rata_target(self) -> None:
        with system_scope():
            card = selectors.scorecard(
                actor=self.coordinator,
                framework=self.ms_framework,
                year=2026,
                partners=[self.partner_al, self.partner_fr],
                today=MID_2026,
            )
        al, fr = card.rows
        # al: 7 reported of 10 (5.01 expected by 2 July) → on track; measure 5 of 4 → on track.
        self.assertEqual([c.status for c in al.cells], [Status.ON_TRACK, Status.NO_DATA, Status.ON_TRACK])
        self.assertAlmostEqual(al.cells[0].expected, 10 * 183 / 365)
        # fr: nothing reported of 4; measure 0 of 4 (about 2 expected) → off track.
        self.assertEqual([c.status for c in fr.cells], [Status.NO_DATA, Status.NO_DATA, Status.OFF_TRACK])

    def test_a_past_year_is_judged_against_the_whole_target(self) -> None:
        with system_scope():
            card = selectors.scorecard(
                actor=self.coordinator,
                framework=self.ms_framework,
                year=2026,
                partners=[self.partner_al],
                today=datetime.date(2027, 3, 1),
            )
        cell = card.rows[0].cells[0]
        self.assertEqual((cell.expected, cell.status), (10.0, Status.AT_RISK))  # 7 of 10: 70 %
