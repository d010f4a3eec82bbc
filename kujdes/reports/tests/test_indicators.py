"""Every indicator of the catalogue on the hand-built dataset of data.py, with the figures worked out here.

The period is 2025 Q2 (1 April – 30 June). "ALL" is the whole organisation (national office, dioceses A
and B, Centre A1), "A" diocese A with Centre A1, "B" diocese B. The persons, events and their dates are
listed in data.py; each expected figure below names the persons or events it counts, so it can be checked
by hand against that list (never against the code under test).

Breakdown rows are written {key: value}: units as "A", "A1", "B"; activity types by code; providers by name;
"—" for "not recorded or not applicable".
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import translation

from kujdes.core.scoping import tenant_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.reports.catalogue import Indicator, catalogue
from kujdes.reports.engine import NOT_RECORDED, Engine, Figure
from kujdes.reports.selectors import (
    figures_compute,
    indicators_get,
    period_custom,
    period_quarter,
    report_scope,
)
from kujdes.reports.sources import Context
from kujdes.reports.tests.data import END, START, indicator_dataset

APR, MAY, JUN = datetime.date(2025, 4, 1), datetime.date(2025, 5, 1), datetime.date(2025, 6, 1)

# code → {"ALL": total, "A": total, "B": total, "dims": {dim: {key: value}} (ALL), "trend": {month: value}}
EXPECTED: dict[str, dict[str, Any]] = {
    # Direct: a participation in an activity running in the period, a service, a case opened, a follow-up or
    # a referral sent, in the period. ALL: ana, besa, dritan, erion, gent, klea1-3 (A side) + hana, jeta (B)
    # = 10. Not: olda (every contact the day before or after), ilir (screened; his camp starts after the
    # period), besa's course enrolment the day after does not matter (she is direct anyway), the relatives,
    # Zoé (other organisation).
    "direct_beneficiaries": {
        "ALL": 10,
        "A": 8,
        "B": 2,
        "dims": {
            # F: ana, besa, klea×3, hana, jeta; M: dritan, erion, gent
            "sex": {"Feminine": 7, "Masculine": 3},
            # age at 2025: gent 11 → 6; ana 15, dritan 17 → 15; klea×3 18, hana 20 → 18; besa 25, erion 35,
            # jeta 30 → 25
            "age_group": {6: 1, 15: 2, 18: 4, 25: 3},
            # a person under each category held: besa both woman_at_risk and victim; erion none
            "category": {
                "child_at_risk": 2,  # ana, gent
                "woman_at_risk": 1,  # besa
                "young_person": 4,  # dritan, klea×3
                "potential_victim": 1,  # hana
                "victim": 2,  # besa, jeta
                "—": 1,  # erion
            },
            # the unit of each event: Course A1 (ana, dritan, erion, klea×3) and ana's and dritan's cases in
            # A1; Camp A (gent, ana), erion's service and follow-up, besa in A; hana and jeta in B
            "unit": {"A1": 6, "A": 4, "B": 2},
            # the person's municipality: ana, dritan, gent, klea×3 Shkodër; erion Lezhë; besa Tiranë
            "municipality": {"Shkodër": 6, "Lezhë": 1, "Tiranë": 1, "Durrës": 2},
            # courses: ana, dritan, erion, klea×3 (A1), jeta, hana (Course B); camp: gent, ana; meeting: hana,
            # jeta; "—": those with a service, case, follow-up or referral (no activity type): ana, dritan,
            # erion, besa, hana, jeta
            "activity_type": {
                "vocational-course": 8,
                "summer-camp": 2,
                "information-meeting": 2,
                "—": 6,
            },
            # cases: besa [sexual, labour], hana [sexual], erion [labour], jeta [labour], ana and dritan [];
            # "—": anyone with a row without a type (participations, empty cases): ana, dritan, erion, gent,
            # klea×3, hana, jeta
            "exploitation_type": {"SexualExploitation": 2, "ForcedLabour": 3, "—": 9},
            # besa, hana cross-border; erion, jeta, dritan internal; "—" the same nine as above
            "cross_border": {True: 2, False: 3, "—": 9},
        },
        # by the month of each event: a person active in several months is in each of them
        # April: ana (course begun in February → April), erion (course, service 15 April), besa (case,
        # service, referral 1 April), hana and jeta (meeting 1 April) = 5
        # May: besa (service, follow-up), hana (case, service, referral), dritan (case), klea×3 = 6
        # June: dritan (enrolled 30 June), gent and ana (camp from 30 June), besa (service, referral), erion
        # (follow-up 30 June) = 5
        "trend": {APR: 5, MAY: 6, JUN: 5},
    },
    # Relatives of direct beneficiaries who are not direct themselves: mira (ana's and gent's mother: once),
    # nora (recorded with besa as her child), lulzim (hana's brother, B). Not dritan (ana's brother, but
    # direct), not pjeter (olda is not direct).
    "family_members": {
        "ALL": 3,
        "A": 2,
        "B": 1,
        "dims": {
            "sex": {"Feminine": 2, "Masculine": 1},
            "age_group": {25: 1, 60: 1, 18: 1},  # mira 50, nora 75, lulzim 22
            "category": {"family_member": 2, "—": 1},
            "municipality": {"Shkodër": 1, "Tiranë": 1, "Durrës": 1},
        },
    },
    # Headcounts in the period: campaign A 10 May 40+10, school B 30 June online 100, meeting B 1 April 5;
    # not the March campaign's 1,000 (the day before).
    "estimated_reach": {
        "ALL": 155,
        "A": 50,
        "B": 105,
        "dims": {
            "unit": {"A": 50, "B": 105},
            "municipality": {"Shkodër": 50, "Durrës": 105},
            "activity_type": {"awareness-campaign": 50, "school-session": 100, "information-meeting": 5},
        },
    },
    # family members + estimated reach: 3 + 155; A 2 + 50; B 1 + 105. dritan is not counted again.
    "indirect_beneficiaries": {
        "ALL": 158,
        "A": 52,
        "B": 106,
        # Shkodër: mira + campaign 50; Tiranë: nora; Durrës: lulzim + 100 + 5
        "dims": {"municipality": {"Shkodër": 51, "Tiranë": 1, "Durrës": 106}},
    },
    # Screenings in the period: ana (low 1 April, high 30 June), dritan (medium), ilir (high), hana (high,
    # ILO "victim"); not olda (31 March, 1 July).
    "persons_screened": {
        "ALL": 4,
        "A": 2,
        "B": 2,
        "dims": {
            "level": {"low": 1, "medium": 1, "high": 3},  # ana under low and high
            "result": {"low": 1, "medium": 1, "high": 2, "victim": 1},
            "sex": {"Feminine": 2, "Masculine": 2},
            "age_group": {15: 2, 18: 1, "—": 1},  # ilir: no year of birth
            "unit": {"A1": 2, "B": 2},
        },
        "trend": {APR: 1, MAY: 3, JUN: 1},  # ana; dritan, ilir, hana; ana
    },
    # medium or high: ana (high in June), dritan, ilir, hana
    "persons_at_risk": {
        "ALL": 4,
        "A": 2,
        "B": 2,
        "dims": {"level": {"medium": 1, "high": 3}},
    },
    # potential-victim decisions: besa (1 April), hana (20 May); not dritan's (1 July)
    "potential_victims": {
        "ALL": 2,
        "A": 1,
        "B": 1,
        "dims": {
            "exploitation_type": {"SexualExploitation": 2, "ForcedLabour": 1},
            "cross_border": {True: 2},
            "sex": {"Feminine": 2},
        },
    },
    # official status: besa (30 June); not jeta (31 March)
    "official_victims": {"ALL": 1, "A": 1, "B": 0, "dims": {"unit": {"A": 1}}},
    # opened: besa 1 April, dritan 5 May, hana 15 May, ana 30 June; not olda (31 March), erion, jeta, ilir
    "cases_opened": {
        "ALL": 4,
        "A": 3,
        "B": 1,
        "dims": {
            "sex": {"Feminine": 3, "Masculine": 1},
            "unit": {"A": 1, "A1": 2, "B": 1},
            "exploitation_type": {"SexualExploitation": 2, "ForcedLabour": 1, "—": 2},
            "cross_border": {True: 2, False: 1, "—": 1},
        },
        "trend": {APR: 1, MAY: 2, JUN: 1},
    },
    # closed: jeta 1 April, erion 30 April, hana 30 June (closed referred); not ilir (31 March), olda and
    # dritan (1 July)
    "cases_closed": {
        "ALL": 3,
        "A": 1,
        "B": 2,
        "dims": {
            "unit": {"A": 1, "B": 2},
            "sex": {"Feminine": 2, "Masculine": 1},
            "cross_border": {False: 2, True: 1},
        },
    },
    # days open: erion 15 Jan → 30 Apr = 16+28+31+30 = 105; hana 15 May → 30 Jun = 16+30 = 46;
    # jeta 1 Dec 2024 → 1 Apr 2025 = 31+31+28+31 = 121. Median of 46, 105, 121 = 105; B: (46+121)/2 = 83.5
    "case_duration_median": {
        "ALL": 105,
        "A": 105,
        "B": 83.5,
        "dims": {"unit": {"A": 105, "B": 83.5}, "cross_border": {True: 46, False: 113}},
    },
    # services: besa shelter 1 April, psychosocial 20, 21, 22, 23 May and 30 June; erion livelihood 15 April;
    # hana health 15 May; not erion's of 31 March nor olda's
    "services_delivered": {
        "ALL": 8,
        "A": 7,
        "B": 1,
        "dims": {
            "service_type": {"Psychosocial": 5, "Shelter": 1, "Livelihood": 1, "Health": 1},
            "sex": {"Feminine": 7, "Masculine": 1},
            # besa's six under both types; erion's under labour; hana's under sexual
            "exploitation_type": {"SexualExploitation": 7, "ForcedLabour": 7},
            "cross_border": {True: 7, False: 1},
            "unit": {"A": 7, "B": 1},
        },
    },
    # outgoing referrals: besa → shelter 1 April (accepted), besa → clinic 30 June (sent), hana → diocese A
    # 15 May (completed); not erion's (31 March, 1 July), not jeta's incoming one
    "referrals_sent": {
        "ALL": 3,
        "A": 2,
        "B": 1,
        "dims": {
            "service_type": {"Shelter": 1, "Health": 1, "Legal": 1},
            "receiver": {"Streha": 1, "Klinika": 1, "—": 1},  # to a unit: no organisation of the directory
            "outcome": {"accepted": 1, "sent": 1, "completed": 1},
            "unit": {"A": 2, "B": 1},
            "sex": {"Feminine": 3},
        },
    },
    "persons_referred": {
        "ALL": 2,  # besa (twice), hana
        "A": 1,
        "B": 1,
        "dims": {"service_type": {"Shelter": 1, "Health": 1, "Legal": 1}, "sex": {"Feminine": 2}},
    },
    # enrolled in a course in the period: dritan (30 June), klea×3 (12 May), jeta (1 April), hana (2 April,
    # dropped later); not ana (February), erion (31 March), besa (1 July), not camps or meetings
    "course_enrolments": {
        "ALL": 6,
        "A": 4,
        "B": 2,
        "dims": {
            "sex": {"Feminine": 5, "Masculine": 1},
            "unit": {"A1": 4, "B": 2},
            "activity_type": {"vocational-course": 6},
        },
    },
    # completed a course: ana (1 April), jeta (30 June); not erion, olda… (31 March)
    "course_completions": {
        "ALL": 2,
        "A": 1,
        "B": 1,
        "dims": {"sex": {"Feminine": 2}, "unit": {"A1": 1, "B": 1}},
    },
    # 3-month follow-ups due in the period and employed: olda (30 June); not erion's (no result yet)
    "employed_3_months": {"ALL": 1, "A": 1, "B": 0, "dims": {"sex": {"Feminine": 1}}},
    # 6 months: pjeter (1 April), ilir (15 June); not mira (none), nora (unreachable), olda (due 30 Sept)
    "employed_6_months": {
        "ALL": 2,
        "A": 1,
        "B": 1,
        "dims": {"sex": {"Masculine": 2}, "unit": {"A": 1, "B": 1}},
    },
    # 12 months: lulzim (1 April); not olda (31 March), ilir (15 Dec)
    "employed_12_months": {"ALL": 1, "A": 0, "B": 1, "dims": {"unit": {"B": 1}}},
    # reached at 6 months: pjeter, ilir (employed), mira (none of these); not nora (could not be reached)
    "followed_up_6_months": {
        "ALL": 3,
        "A": 2,
        "B": 1,
        "dims": {"sex": {"Masculine": 2, "Feminine": 1}},
    },
    # employed / reached at 6 months: 2/3; A 1/2; B 1/1. Men 2/2, women 0/1.
    "employment_rate_6_months": {
        "ALL": Decimal(200) / 3,
        "A": 50,
        "B": 100,
        "dims": {"sex": {"Masculine": 100, "Feminine": 0}},
    },
    # Employment: this dataset has no placement nor micro-grant, so nothing else may leak into these figures
    # (their known answers: kujdes/programme/employment/tests/test_indicators.py).
    "persons_placed": {"ALL": 0, "A": 0, "B": 0, "dims": {"sex": {}}, "trend": {APR: 0, MAY: 0, JUN: 0}},
    "placements_started": {"ALL": 0, "A": 0, "B": 0, "dims": {"sex": {}}},
    "placements_formal": {"ALL": 0, "A": 0, "B": 0, "dims": {"sex": {}}},
    "formal_placement_share": {"ALL": None, "A": None, "B": None, "dims": {"sex": {}}},
    "placements_held_6_months": {"ALL": 0, "A": 0, "B": 0, "dims": {"sex": {}}},
    "placements_followed_6_months": {"ALL": 0, "A": 0, "B": 0, "dims": {"sex": {}}},
    "retention_6_months": {"ALL": None, "A": None, "B": None, "dims": {"sex": {}}},
    "placements_held_12_months": {"ALL": 0, "A": 0, "B": 0, "dims": {"sex": {}}},
    "placements_followed_12_months": {"ALL": 0, "A": 0, "B": 0, "dims": {"sex": {}}},
    "retention_12_months": {"ALL": None, "A": None, "B": None, "dims": {"sex": {}}},
    "days_course_to_job": {"ALL": None, "A": None, "B": None, "dims": {"unit": {}}},
    "micro_grants_disbursed": {"ALL": 0, "A": 0, "B": 0, "dims": {"sex": {}}},
    "micro_businesses_active_12_months": {"ALL": 0, "A": 0, "B": 0, "dims": {"sex": {}}},
    "micro_businesses_reviewed_12_months": {"ALL": 0, "A": 0, "B": 0, "dims": {"sex": {}}},
    "micro_business_survival": {"ALL": None, "A": None, "B": None, "dims": {"sex": {}}},
    # camp participants: gent; not ana (dropped), not ilir (his camp starts 1 July)
    "camp_participants": {"ALL": 1, "A": 1, "B": 0, "dims": {"sex": {"Masculine": 1}, "age_group": {6: 1}}},
    # mass activities running in the period: campaign A (10 May), school session B (30 June); not the
    # cancelled one nor the March campaign (ended 31 March)
    "awareness_activities": {
        "ALL": 2,
        "A": 1,
        "B": 1,
        "dims": {"activity_type": {"awareness-campaign": 1, "school-session": 1}},
    },
    # headcount cells in the period: campaign 30 F + 25 M aged 12 general, 3 F aged 18 women at risk;
    # school 4 F + 2 M aged 6 children at risk; meeting 9 M aged 25 parents = 73; not March's 7
    "people_reached": {
        "ALL": 73,
        "A": 58,
        "B": 15,
        "dims": {
            "sex": {"Feminine": 37, "Masculine": 36},
            "age_group": {6: 6, 12: 55, 18: 3, 25: 9},
            "category": {"general": 55, "woman_at_risk": 3, "child_at_risk": 6, "parents": 9},
            "unit": {"A": 58, "B": 15},
            "activity_type": {"awareness-campaign": 58, "school-session": 6, "information-meeting": 9},
        },
        "trend": {APR: 9, MAY: 58, JUN: 6},
    },
    # activities running in the period (not cancelled): Course A1 (from February), Camp A (from 30 June),
    # meeting B (1 April), Course B, campaign A, school session B; not the old courses, the late camp, the
    # March campaign or the cancelled one
    "activities_held": {
        "ALL": 6,
        "A": 3,
        "B": 3,
        "dims": {
            "activity_type": {
                "vocational-course": 2,
                "summer-camp": 1,
                "information-meeting": 1,
                "awareness-campaign": 1,
                "school-session": 1,
            },
            "unit": {"A1": 1, "A": 2, "B": 3},
        },
    },
    # hours in the period (Klea, Dora) or a volunteer's duty in an activity running in it (Klea, Edi);
    # not Fatos (late camp), not the staff facilitator
    "volunteers_active": {"ALL": 3, "A": 2, "B": 1, "dims": {"unit": {"A1": 1, "A": 1, "B": 1}}},
    # trainings completed: Klea (1 April and 1 May: once), Edi (30 June); not Dora (1 July), Fatos (31 March)
    "volunteers_trained": {"ALL": 2, "A": 1, "B": 1, "dims": {"unit": {"A1": 1, "B": 1}}},
    # Klea 2.5 + 3.0, Dora 4.0; not Klea's 10 (31 March) nor Edi's 1.5 (1 July)
    "volunteer_hours": {
        "ALL": Decimal("9.5"),
        "A": Decimal("9.5"),
        "B": 0,
        "dims": {"unit": {"A1": 5.5, "A": 4}},
    },
    # facilitators of activities running in the period, once per facilitator: Course A1 (Klea, volunteer;
    # the manager, employee), Meeting B (Edi, volunteer; the educator, missionary), Course B (a named
    # trainer, external); not the late camp B (Fatos) nor the cancelled campaign (the manager)
    "activities_facilitated": {
        "ALL": 5,
        "A": 2,
        "B": 3,
        "dims": {
            "staff_category": {"volunteer": 2, "employee": 1, "missionary": 1, "external_trainer": 1},
            "unit": {"A1": 2, "B": 3},
            "activity_type": {"vocational-course": 3, "information-meeting": 2},
        },
    },
    # held sessions in the period × their facilitators: Course A1 3 h (10 April) + 1.5 h (15 May) for Klea
    # and the manager; Meeting B 2 h (1 April) for Edi and the educator; Course B 3 h (20 May) for the
    # trainer. Not the planned session (1 June), those of 31 March and 1 July, nor the cancelled campaign's
    "facilitation_hours": {
        "ALL": 16,
        "A": 9,
        "B": 7,
        "dims": {
            "staff_category": {"volunteer": 6.5, "employee": 4.5, "missionary": 2, "external_trainer": 3},
            "unit": {"A1": 9, "B": 7},
            "activity_type": {"vocational-course": 12, "information-meeting": 4},
        },
    },
    # active in the period: round table A (open-ended), network B (from 30 June); not the one ended 31 March
    # nor the one starting 1 July
    "joint_initiatives": {"ALL": 2, "A": 1, "B": 1, "dims": {"unit": {"A": 1, "B": 1}}},
    # partners: shelter and town (round table), clinic (network), police (network's action on 30 June);
    # not the school (an action on 1 July, and ended or later initiatives)
    "initiative_partners": {
        "ALL": 4,
        "A": 2,
        "B": 2,
        "dims": {
            "provider_type": {
                "NGO": 1,
                "LocalGovernmentOrganisation": 1,
                "HealthServiceOrganisation": 1,
                "LawEnforcement": 1,
            },
            "unit": {"A": 2, "B": 2},
        },
    },
}


class IndicatorTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with tenant_scope(organisation_ids=[cls.org.pk, cls.other_org.pk]):
            cls.ds = indicator_dataset(cls)

    # --- helpers ---------------------------------------------------------------------------------------

    def context(self, scope: str = "ALL", start: datetime.date = START, end: datetime.date = END) -> Context:
        units = {
            "ALL": (self.root.pk, self.diocese_a.pk, self.centre_a.pk, self.diocese_b.pk),
            "A": (self.diocese_a.pk, self.centre_a.pk),
            "A1": (self.centre_a.pk,),
            "B": (self.diocese_b.pk,),
        }[scope]
        return Context(organisation_id=self.org.pk, unit_ids=units, start=start, end=end, language="en")

    def figure(self, code: str, scope: str = "ALL", **kwargs: Any) -> Figure:
        with tenant_scope(organisation_ids=[self.org.pk]):
            return Engine(self.context(scope)).figure(catalogue()[code], **kwargs)

    def key(self, dim: str, code: Any) -> Any:
        if code == NOT_RECORDED:
            return "—"
        if dim in ("unit", "receiver_unit"):
            return {
                self.diocese_a.pk: "A",
                self.centre_a.pk: "A1",
                self.diocese_b.pk: "B",
                self.root.pk: "N",
            }[code]
        if dim == "activity_type":
            return next(code_ for code_, t in self.ds.types.items() if t.pk == code)
        if dim == "receiver":
            return next(p.name for p in (self.ds.shelter, self.ds.clinic, self.ds.town) if p.pk == code)
        return code

    def rows(self, figure: Figure, dim: str) -> dict[Any, Any]:
        (breakdown,) = [b for b in figure.breakdowns if b.dim == dim]
        return {self.key(dim, row.code): row.cell.value for row in breakdown.rows}

    def assertFigure(self, actual: Any, expected: Any, what: str) -> None:  # noqa: N802
        if expected is None or actual is None:
            self.assertEqual(actual, expected, what)
        else:
            self.assertAlmostEqual(float(actual), float(expected), places=6, msg=what)

    def assertRows(self, actual: dict[Any, Any], expected: dict[Any, Any], what: str) -> None:  # noqa: N802
        self.assertEqual(set(actual), set(expected), what)
        for key, value in expected.items():
            self.assertFigure(actual[key], value, f"{what}[{key}]")

    # --- every indicator ---------------------------------------------------------------------------

    def test_every_indicator_has_an_expectation(self) -> None:
        self.assertEqual(list(catalogue()), list(EXPECTED), "add the indicator's expectation to EXPECTED")

    def test_totals_by_scope(self) -> None:
        for code, expected in EXPECTED.items():
            for scope in ("ALL", "A", "B"):
                with self.subTest(code=code, scope=scope):
                    self.assertFigure(
                        self.figure(code, scope).total.value, expected[scope], f"{code} {scope}"
                    )

    def test_breakdowns(self) -> None:
        for code, expected in EXPECTED.items():
            dims = list(expected.get("dims", {}))
            with self.subTest(code=code):
                self.assertTrue(dims, "each indicator checks at least one breakdown")
                indicator = catalogue()[code]
                with tenant_scope(organisation_ids=[self.org.pk]):
                    engine = Engine(self.context())
                    self.assertLessEqual(set(dims), set(engine.dims_of(indicator)), "a dimension not allowed")
                    figure = engine.figure(indicator, dims=dims)
                self.assertEqual([b.dim for b in figure.breakdowns], dims)
                for breakdown in figure.breakdowns:
                    self.assertRows(self.rows(figure, breakdown.dim), expected["dims"][breakdown.dim], code)
                    if breakdown.additive:  # rows that add up must add up to the total
                        self.assertFigure(
                            sum(row.cell.value or 0 for row in breakdown.rows),
                            figure.total.value,
                            f"{code} by {breakdown.dim} adds up",
                        )

    def test_trends(self) -> None:
        for code, expected in EXPECTED.items():
            if "trend" not in expected:
                continue
            with self.subTest(code=code):
                figure = self.figure(code, trend=True)
                self.assertEqual({month: cell.value for month, cell in figure.trend}, expected["trend"])

    def test_catalogue_trend_indicators_are_all_checked(self) -> None:
        self.assertEqual(
            {code for code, indicator in catalogue().items() if indicator.trend},
            {code for code, expected in EXPECTED.items() if "trend" in expected},
        )

    # --- distinct persons, relatives, boundaries --------------------------------------------------------

    def test_a_person_active_in_several_months_is_in_each_month_and_once_in_the_total(self) -> None:
        figure = self.figure("direct_beneficiaries", trend=True)
        # besa has events in April (case, shelter, referral), May (services, follow-up) and June (service,
        # referral): the months add up to 16 for 10 different persons
        self.assertEqual(sum(cell.value for _, cell in figure.trend), 5 + 6 + 5)
        self.assertEqual(figure.total.value, 10)
        besa_only = Engine(self.context("A"))
        with tenant_scope(organisation_ids=[self.org.pk]):
            months = besa_only.raw(catalogue()["persons_referred"], "month")
        # besa's referrals of 1 April and 30 June: one person in April and in June, none in May
        self.assertEqual(months, {APR: 1, JUN: 1})

    def test_a_participation_begun_before_the_period_falls_in_its_first_month(self) -> None:
        # Centre A1's direct beneficiaries: erion's only A1 event is his course enrolment of 31 March (the
        # course began 1 February): April. ana's course (February) is April too, her case 30 June; dritan's
        # case 5 May and enrolment 30 June; klea×3 enrolled 12 May.
        with tenant_scope(organisation_ids=[self.org.pk]):
            figure = Engine(self.context("A1")).figure(catalogue()["direct_beneficiaries"], trend=True)
        self.assertEqual({month: cell.value for month, cell in figure.trend}, {APR: 2, MAY: 4, JUN: 2})

    def test_a_relative_who_is_a_direct_beneficiary_is_not_counted_twice(self) -> None:
        # dritan is ana's brother and a direct beneficiary: he is in direct (10), not in the family (3)
        direct = self.figure("direct_beneficiaries").total.value
        family = self.figure("family_members").total.value
        indirect = self.figure("indirect_beneficiaries").total.value
        self.assertEqual((direct, family, indirect), (10, 3, 3 + 155))

    def test_period_boundaries_are_inclusive(self) -> None:
        # One day only: the first day of the period, then the day before it.
        first = self.context(start=START, end=START)
        before = self.context(start=datetime.date(2025, 3, 31), end=datetime.date(2025, 3, 31))
        with tenant_scope(organisation_ids=[self.org.pk]):
            on_first = {code: Engine(first).figure(catalogue()[code]).total.value for code in EXPECTED}
            on_before = {code: Engine(before).figure(catalogue()[code]).total.value for code in EXPECTED}
        # 1 April: besa's case, service and referral; hana and jeta at the meeting and Course B; ana and erion
        # in Course A1 (running); jeta's follow-up → direct: ana, erion, besa, hana, jeta
        self.assertEqual(on_first["direct_beneficiaries"], 5)
        self.assertEqual(on_first["cases_opened"], 1)  # besa
        self.assertEqual(on_first["cases_closed"], 1)  # jeta
        self.assertEqual(on_first["course_completions"], 1)  # ana
        self.assertEqual(on_first["persons_screened"], 1)  # ana (low)
        self.assertEqual(on_first["potential_victims"], 1)  # besa
        self.assertEqual(on_first["employed_6_months"], 1)  # pjeter
        self.assertEqual(on_first["employed_12_months"], 1)  # lulzim
        self.assertEqual(on_first["volunteer_hours"], Decimal("2.5"))  # Klea
        self.assertEqual(on_first["people_reached"], 9)  # the meeting
        # 31 March: olda's case and screening, erion's service, course completions, jeta's official status,
        # Klea's 10 hours, the March campaign's headcount — all outside the quarter
        self.assertEqual(on_before["cases_opened"], 1)  # olda
        self.assertEqual(on_before["cases_closed"], 1)  # ilir
        self.assertEqual(on_before["official_victims"], 1)  # jeta
        self.assertEqual(on_before["volunteer_hours"], Decimal("10.0"))
        self.assertEqual(on_before["people_reached"], 7)
        self.assertEqual(
            on_before["course_completions"], 6
        )  # erion (Course A1), olda, pjeter, mira, nora, gent
        # …the quarter counts none of them (see EXPECTED): e.g. olda is no direct beneficiary
        self.assertEqual(self.figure("direct_beneficiaries").total.value, 10)

    def test_course_outcomes_by_months_and_result(self) -> None:
        # No catalogue indicator offers these two disaggregations of the outcome source yet: an indicator
        # built here counts the follow-ups due in the period. 3 months: olda (employed, 30 June), erion
        # (no result yet, 30 June); 6 months: pjeter (employed, 1 April), mira (none, 15 May), nora
        # (unreachable, 10 June), ilir (employed, 15 June); 12 months: lulzim (employed, 1 April). Not
        # olda's 6 (30 Sept) and 12 months (31 March), ilir's 12 (15 Dec), lulzim's 6 (2024).
        indicator = Indicator(
            code="test_outcomes_due",
            section="courses",
            formula="events",
            names={"en": "Outcome follow-ups due"},
            definitions={"en": "Outcome follow-ups due in the period."},
            sources=("outcome",),
            dims=("months", "result"),
        )
        with tenant_scope(organisation_ids=[self.org.pk]):
            figure = Engine(self.context()).figure(indicator, dims=["months", "result"])
        self.assertEqual(figure.total.value, 7)
        self.assertEqual(self.rows(figure, "months"), {3: 2, 6: 4, 12: 1})
        self.assertEqual(self.rows(figure, "result"), {"employed": 4, "none": 1, "unreachable": 1, "—": 1})
        self.assertEqual([row.code for row in figure.breakdowns[0].rows], [3, 6, 12])  # in order of months

    def test_ratio_with_a_zero_denominator_shows_a_dash(self) -> None:
        january = self.context(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 1, 31))
        with tenant_scope(organisation_ids=[self.org.pk]):
            figure = Engine(january).figure(catalogue()["employment_rate_6_months"], dims=["sex"])
        self.assertIsNone(figure.total.value)
        self.assertEqual(figure.total.shown(0, percent=figure.percent), "–")
        self.assertEqual(figure.total.shown(5, percent=figure.percent), "–")
        self.assertEqual(self.figure("employment_rate_6_months").total.shown(0, percent=True), "66.7 %")

    def test_other_organisation_is_never_counted(self) -> None:
        # Zoé's participation (organisation fr, in the period) is not in "al"'s figures even if its unit
        # were asked for
        ctx = Context(
            organisation_id=self.org.pk,
            unit_ids=(
                self.root.pk,
                self.diocese_a.pk,
                self.centre_a.pk,
                self.diocese_b.pk,
                self.other_unit.pk,
            ),
            start=START,
            end=END,
        )
        with tenant_scope(organisation_ids=[self.org.pk, self.other_org.pk]):
            self.assertEqual(Engine(ctx).figure(catalogue()["direct_beneficiaries"]).total.value, 10)
            self.assertEqual(Engine(ctx).figure(catalogue()["activities_held"]).total.value, 6)


class ScopeAndSuppressionTests(BaseTestCase):
    """Through figures_compute with real users' scopes (report_scope)."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with tenant_scope(organisation_ids=[cls.org.pk, cls.other_org.pk]):
            cls.ds = indicator_dataset(cls)

    def compute(
        self, user: Any, codes: list[str], dims: list[str] | None = None
    ) -> tuple[dict[str, Any], int]:
        with tenant_scope(organisation_ids=[user.organisation_id]), translation.override("en"):
            scope = report_scope(actor=user)
            figures, _engine = figures_compute(
                scope=scope, period=period_quarter(2025, 2), indicators=indicators_get(codes), dims=dims or []
            )
        return {figure.indicator.code: figure for figure in figures}, scope.threshold

    @staticmethod
    def shown(figure: Figure, threshold: int, dim: str | None = None) -> Any:
        with translation.override("en"):
            if dim is None:
                return figure.total.shown(threshold, percent=figure.percent)
            (breakdown,) = [b for b in figure.breakdowns if b.dim == dim]
            return {row.label: row.cell.shown(threshold, percent=figure.percent) for row in breakdown.rows}

    def test_quarter_is_the_period_of_the_dataset(self) -> None:
        period = period_quarter(2025, 2)
        self.assertEqual((period.start, period.end), (START, END))
        self.assertEqual(period_custom(START, END).days, 91)

    def test_charlie_sees_diocese_b_only(self) -> None:
        codes = [
            "direct_beneficiaries",
            "cases_opened",
            "services_delivered",
            "volunteer_hours",
            "people_reached",
        ]
        figures, threshold = self.compute(self.charlie, codes, dims=["unit"])
        self.assertEqual(threshold, 0)  # charlie may see the persons of diocese B: exact figures
        # B: hana, jeta; hana's case; hana's service; no hours; school 6 + meeting 9
        self.assertEqual(
            {code: figure.total.value for code, figure in figures.items()},
            {
                "direct_beneficiaries": 2,
                "cases_opened": 1,
                "services_delivered": 1,
                "volunteer_hours": 0,
                "people_reached": 15,
            },
        )
        for code, figure in figures.items():
            for breakdown in figure.breakdowns:
                self.assertLessEqual({row.code for row in breakdown.rows}, {self.diocese_b.pk}, code)

    def test_manager_of_diocese_a_sees_exact_small_figures(self) -> None:
        figures, threshold = self.compute(
            self.manager, ["direct_beneficiaries", "camp_participants", "case_duration_median"], dims=["sex"]
        )
        self.assertEqual(threshold, 0)
        # A: ana, besa, klea×3 (F) and dritan, erion, gent (M)
        self.assertEqual(self.shown(figures["direct_beneficiaries"], 0), "8")
        self.assertEqual(self.shown(figures["direct_beneficiaries"], 0, "sex"), {"Female": "5", "Male": "3"})
        self.assertEqual(self.shown(figures["camp_participants"], 0), "1")  # gent
        self.assertEqual(self.shown(figures["case_duration_median"], 0), "105")  # erion's case alone

    def test_viewer_sees_aggregates_with_small_cells_suppressed(self) -> None:
        codes = [
            "direct_beneficiaries",
            "camp_participants",
            "case_duration_median",
            "employment_rate_6_months",
            "indirect_beneficiaries",
            "family_members",
            "people_reached",
            "estimated_reach",
            "volunteer_hours",
            "volunteers_active",
        ]
        figures, threshold = self.compute(self.viewer, codes, dims=["sex", "municipality", "unit"])
        self.assertEqual(threshold, 5)  # the default: the viewer may not see persons
        direct = figures["direct_beneficiaries"]
        self.assertEqual(self.shown(direct, 5), "10")
        hidden = {"Other values (hidden)": "hidden"}
        # By sex: men 3, hidden, and women 7 with them (10 − 7). By municipality, Shkodër (6) is all of
        # centre A1's (6), which centre A1's own total would give away; by unit, centre A1 (6) is
        # diocese A (8) but for diocese A's own 2: with so few persons every line is hidden, and the
        # hidden lines are one line, which says neither which values nor how many.
        self.assertEqual(self.shown(direct, 5, "sex"), hidden)
        self.assertEqual(self.shown(direct, 5, "municipality"), hidden)
        self.assertEqual(self.shown(direct, 5, "unit"), hidden)
        self.assertEqual(self.shown(figures["camp_participants"], 5), "hidden")  # gent alone
        self.assertEqual(self.shown(figures["case_duration_median"], 5), "hidden")  # three cases
        self.assertEqual(self.shown(figures["employment_rate_6_months"], 5), "hidden")  # 2 of 3 persons
        self.assertEqual(self.shown(figures["family_members"], 5), "hidden")  # mira, nora, lulzim
        # A sum of indicators is hidden when a personal part is: 158 − the estimated reach (155, shown)
        # would be the three family members.
        self.assertEqual(self.shown(figures["indirect_beneficiaries"], 5), "hidden")
        self.assertEqual(self.shown(figures["estimated_reach"], 5), "155")
        # non-personal figures are never suppressed
        self.assertEqual(self.shown(figures["people_reached"], 5), "73")
        self.assertEqual(self.shown(figures["people_reached"], 5, "sex"), {"Female": "37", "Male": "36"})
        self.assertEqual(
            self.shown(figures["estimated_reach"], 5, "unit"), {"Diocese B": "105", "Diocese A": "50"}
        )
        self.assertEqual(self.shown(figures["volunteer_hours"], 5), "9.5")
        self.assertEqual(
            self.shown(figures["volunteer_hours"], 5, "unit"), {"Centre A1": "5.5", "Diocese A": "4"}
        )
        self.assertEqual(self.shown(figures["volunteers_active"], 5), "3")

    def test_viewer_small_cells_count_persons_not_events(self) -> None:
        # besa had five psychosocial sessions: the cell "5" rests on one person and is hidden; the eight
        # services rest on three persons (besa, erion, hana) and are hidden too. The manager sees them.
        figures, threshold = self.compute(
            self.viewer, ["services_delivered", "referrals_sent"], dims=["service_type"]
        )
        services = figures["services_delivered"]
        self.assertEqual(services.total.value, 8)
        self.assertEqual(self.shown(services, threshold), "hidden")
        self.assertEqual(self.shown(services, threshold, "service_type"), {"Other values (hidden)": "hidden"})
        self.assertEqual(
            self.shown(figures["referrals_sent"], threshold), "hidden"
        )  # 3 referrals of 2 persons
        figures, threshold = self.compute(self.manager, ["services_delivered"], dims=["service_type"])
        self.assertEqual(self.shown(figures["services_delivered"], threshold), "7")  # A: besa 6, erion 1
        self.assertEqual(
            self.shown(figures["services_delivered"], threshold, "service_type")["Psychosocial support"], "5"
        )

    def test_viewer_trend_months_are_suppressed_when_small(self) -> None:
        with tenant_scope(organisation_ids=[self.org.pk]):
            scope = report_scope(actor=self.viewer)
            (figure,), _engine = figures_compute(
                scope=scope,
                period=period_quarter(2025, 2),
                indicators=indicators_get(["direct_beneficiaries"]),
                dims=[],
                trend=True,
            )
        # April 5, May 6, June 5: none below 5; May's and June's rows begun in the month (6 and 5) are
        # hidden all the same, to protect the diocese-level months below them, and no shown month is small.
        self.assertEqual([cell.value for _, cell in figure.trend], [5, 6, 5])
        with translation.override("en"):
            self.assertEqual([cell.shown(5) for _, cell in figure.trend], ["5", "hidden", "hidden"])
        with tenant_scope(organisation_ids=[self.org.pk]):
            (screened,), _engine = figures_compute(
                scope=scope,
                period=period_quarter(2025, 2),
                indicators=indicators_get(["persons_screened"]),
                dims=[],
                trend=True,
            )
        with translation.override("en"):
            self.assertEqual([cell.shown(5) for _, cell in screened.trend], ["hidden", "hidden", "hidden"])
