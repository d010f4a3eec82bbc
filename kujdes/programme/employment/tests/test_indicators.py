"""The employment indicators computed from placements with known answers, and their small cells.

Eight graduates of a course that ended on 28 March 2025 (fixtures). In 2025:
- P1 Arta (F) job, formal, 7 Apr (10 days after the course); 6 months: held;
- P2 Blerta (F) job, formal, 28 Apr (31 days); 6 months: held;
- P3 Drita (F) job, informal, 28 May (61 days); left at 3 months, so not held at 6;
- P4 Ermal (M) apprenticeship, formal, 31 Mar (3 days); 6 months: held;
- P5 Fatbardha (F) internship, informal, 27 Jun (91 days); ended 1 Aug, so not held at 6 (due 27 Dec);
- P6 Gentiana (F) job, formal, 3 Feb (not after the course); 6 months: held.
Placements of 2024 whose 12-month follow-up fell due in 2025: P7 Hana held, P8 Ilir not held, P9 (a person
of diocese A, no course) never followed up — not counted.
Micro-grants: paid 1 Feb 2024 (active a year later), 10 May 2024 (closed a year later), 1 Mar 2025.

So for 2025: 6 persons placed (5 women, 1 man); 6 placements, 4 formal (66.7 %); held at 6 months 4 of 6
(66.7 %); held at 12 months 1 of 2 (50 %); mean days from course to job 39.2 (3, 10, 31, 61, 91);
1 grant paid; 1 of 2 micro-businesses active after 12 months (50 %).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from kujdes.core.scoping import tenant_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.services import person_create
from kujdes.programme.employment import services as s
from kujdes.programme.employment.models import PlacementFollowUp
from kujdes.programme.employment.tests.fixtures import employment_fixtures, other_manager
from kujdes.reports.catalogue import catalogue
from kujdes.reports.selectors import figures_compute, period_year, report_scope

d = datetime.date


def _record(placement: Any, months: int, held: bool, actor: Any) -> None:
    follow_up = PlacementFollowUp.objects.select_related("placement__person", "placement__unit").get(
        placement=placement, months=months
    )
    s.follow_up_record(actor=actor, follow_up=follow_up, recorded_on=follow_up.due_on, still_employed=held)


def employment_dataset(t: Any) -> None:
    g = t.em_graduates
    educator = t.educator

    def place(index: int, kind: str, contract: str, starts: datetime.date, *, course: bool = True) -> Any:
        return s.placement_create(
            actor=educator,
            person=g[index].person,
            unit=t.centre_a,
            kind=kind,
            employer=t.em_employer,
            starts_on=starts,
            contract=contract,
            course=g[index] if course else None,
        )

    with tenant_scope(organisation_ids=[t.org.pk]):
        p1 = t.em_placement
        p2 = place(1, "job", "formal", d(2025, 4, 28))
        p3 = place(2, "job", "informal", d(2025, 5, 28))
        p4 = place(3, "apprenticeship", "formal", d(2025, 3, 31))
        p5 = place(4, "internship", "informal", d(2025, 6, 27))
        p6 = place(5, "job", "formal", d(2025, 2, 3), course=False)
        for placement in (p1, p2, p4, p6):
            _record(placement, 6, True, educator)
        _record(p3, 3, False, educator)
        s.placement_end(actor=educator, placement=p5, ended_on=d(2025, 8, 1))
        p7 = place(6, "job", "formal", d(2024, 1, 15), course=False)
        p8 = place(7, "job", "informal", d(2024, 3, 1), course=False)
        _record(p7, 12, True, educator)
        _record(p8, 12, False, educator)
        stranger = person_create(
            actor=t.alice, unit=t.diocese_a, given_name="Jeta", sex="Feminine", birth_year=1990
        )
        s.placement_create(
            actor=t.alice, person=stranger, unit=t.diocese_a, kind="job", employer=t.em_employer,
            starts_on=d(2024, 6, 1), contract="formal",
        )  # fmt: skip
        for person, paid, active in (
            (g[0].person, d(2024, 2, 1), True),
            (g[1].person, d(2024, 5, 10), False),
        ):
            grant = s.grant_create(
                actor=educator, person=person, unit=t.centre_a, business="Biznes", business_plan="Plan",
                amount=Decimal("100000"), applied_on=paid - datetime.timedelta(days=20),
            )  # fmt: skip
            grant = s.grant_status_set(actor=educator, grant=grant, status="disbursed", disbursed_on=paid)
            s.grant_review(actor=educator, grant=grant, reviewed_on=grant.review_due_on, active=active)
        grant = s.grant_create(
            actor=educator, person=g[2].person, unit=t.centre_a, business="Sallon", business_plan="Plan",
            amount=Decimal("80000"), applied_on=d(2025, 2, 1),
        )  # fmt: skip
        s.grant_status_set(actor=educator, grant=grant, status="disbursed", disbursed_on=d(2025, 3, 1))


class EmploymentIndicatorTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.other_manager = other_manager(cls)
        employment_fixtures(cls)
        employment_dataset(cls)

    def _figures(self, actor: Any, codes: list[str], dims: list[str] | None = None, unit: Any = None) -> dict:
        with tenant_scope(organisation_ids=[self.org.pk]):
            scope = report_scope(actor=actor, unit_public_id=str(unit.public_id) if unit else None)
            figures, _ = figures_compute(
                scope=scope,
                period=period_year(2025),
                indicators=[catalogue()[code] for code in codes],
                dims=dims or [],
                language="en",
            )
        return {figure.indicator.code: figure for figure in figures}

    def _totals(self, actor: Any, codes: list[str], unit: Any = None) -> dict[str, Any]:
        figures = self._figures(actor, codes, unit=unit)
        return {
            code: (
                None
                if f.total.suppressed
                else (round(float(f.total.value), 1) if f.total.value is not None else None)
            )
            for code, f in figures.items()
        }

    def test_the_employment_indicators_give_the_known_answers(self) -> None:
        codes = [
            "persons_placed",
            "placements_started",
            "placements_formal",
            "formal_placement_share",
            "placements_held_6_months",
            "placements_followed_6_months",
            "retention_6_months",
            "placements_held_12_months",
            "placements_followed_12_months",
            "retention_12_months",
            "days_course_to_job",
            "micro_grants_disbursed",
            "micro_businesses_active_12_months",
            "micro_businesses_reviewed_12_months",
            "micro_business_survival",
        ]
        # The programme manager of diocese A sees its persons: nothing is hidden from them.
        self.assertEqual(
            self._totals(self.manager, codes, unit=self.diocese_a),
            {
                "persons_placed": 6,
                "placements_started": 6,
                "placements_formal": 4,
                "formal_placement_share": 66.7,
                "placements_held_6_months": 4,
                "placements_followed_6_months": 6,
                "retention_6_months": 66.7,
                "placements_held_12_months": 1,
                "placements_followed_12_months": 2,
                "retention_12_months": 50.0,
                "days_course_to_job": 39.2,
                "micro_grants_disbursed": 1,
                "micro_businesses_active_12_months": 1,
                "micro_businesses_reviewed_12_months": 2,
                "micro_business_survival": 50.0,
            },
        )

    def test_persons_placed_by_sex_and_formal_against_informal(self) -> None:
        figures = self._figures(
            self.manager, ["persons_placed", "placements_started"], ["sex", "contract"], unit=self.diocese_a
        )
        by_sex = {row.code: row.cell.value for row in figures["persons_placed"].breakdowns[0].rows}
        self.assertEqual(by_sex, {"Feminine": 5, "Masculine": 1})
        by_contract = {row.code: row.cell.value for row in figures["placements_started"].breakdowns[1].rows}
        self.assertEqual(by_contract, {"formal": 4, "informal": 2})

    def test_a_viewer_sees_the_small_cells_hidden(self) -> None:
        totals = self._totals(
            self.viewer, ["placements_held_12_months", "micro_grants_disbursed", "retention_12_months"]
        )
        # One placement held at 12 months, one grant paid: small cells about persons, hidden from a viewer
        # (and the ratio resting on them with them).
        self.assertEqual(
            totals,
            {"placements_held_12_months": None, "micro_grants_disbursed": None, "retention_12_months": None},
        )
        figures = self._figures(self.viewer, ["persons_placed"], ["sex"])
        shown = {row.code: row.cell.suppressed for row in figures["persons_placed"].breakdowns[0].rows}
        self.assertNotIn("Masculine", [code for code, hidden in shown.items() if not hidden])

    def test_the_indicators_are_in_the_builders_catalogue_section_employment(self) -> None:
        from kujdes.reports.views import SECTIONS

        self.assertIn("employment", SECTIONS)
        self.assertEqual(catalogue()["persons_placed"].section, "employment")
        self.assertTrue(catalogue()["persons_placed"].headline)

    def test_the_dashboard_and_the_builder_show_the_employment_indicators(self) -> None:
        import re

        from django.conf import settings
        from django.urls import reverse

        self.login(self.manager)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.get(
            reverse("report_dashboard"), {"year": 2025, "unit": str(self.diocese_a.public_id)}
        )
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        match = re.search(
            r'<span class="headline-figure">([^<]*)</span> <span class="headline-name">Persons placed', html
        )
        self.assertIsNotNone(match, "no headline Persons placed")
        self.assertEqual(match.group(1).strip(), "6")  # type: ignore[union-attr]
        self.assertIn("Placements still held at 6 months", html)
        response = self.client.get(reverse("report_builder"))
        self.assertContains(response, "Micro-businesses still active after 12 months")
