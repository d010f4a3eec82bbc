"""The engine: the ILO/EC dimension rule, outcomes for adults and children, risk levels, validation."""

from __future__ import annotations

import copy
import datetime

from django.test import SimpleTestCase
from hypothesis import given
from hypothesis import strategies as st

from kujdes.screening.engine import (
    age_group_from_birth_year,
    combinations_format,
    combinations_parse,
    definition_validate,
    dimension_positive,
    screening_evaluate,
)
from kujdes.screening.shipped import COMBINATIONS, shipped_instruments

RULES = {"combinations": COMBINATIONS}


def positive(strong: int = 0, medium: int = 0, weak: int = 0) -> bool:
    return dimension_positive({"strong": strong, "medium": medium, "weak": weak}, RULES)


def shipped(code: str) -> dict:
    return copy.deepcopy(next(i for i in shipped_instruments() if i["code"] == code)["definition"])


class DimensionRuleTests(SimpleTestCase):
    def test_two_strong_indicators_make_a_dimension_positive(self) -> None:
        self.assertTrue(positive(strong=2))

    def test_one_strong_and_one_medium_make_a_dimension_positive(self) -> None:
        self.assertTrue(positive(strong=1, medium=1))

    def test_one_strong_and_one_weak_make_a_dimension_positive(self) -> None:
        self.assertTrue(positive(strong=1, weak=1))

    def test_three_medium_indicators_make_a_dimension_positive(self) -> None:
        self.assertTrue(positive(medium=3))

    def test_two_medium_and_one_weak_make_a_dimension_positive(self) -> None:
        self.assertTrue(positive(medium=2, weak=1))

    def test_one_strong_indicator_alone_is_not_enough(self) -> None:
        self.assertFalse(positive(strong=1))

    def test_two_medium_indicators_alone_are_not_enough(self) -> None:
        self.assertFalse(positive(medium=2))

    def test_weak_indicators_alone_never_make_a_dimension_positive(self) -> None:
        self.assertFalse(positive(weak=3))
        self.assertFalse(positive(weak=40))

    def test_one_medium_and_two_weak_are_not_enough(self) -> None:
        self.assertFalse(positive(medium=1, weak=2))

    def test_nothing_present_is_negative(self) -> None:
        self.assertFalse(positive())

    @given(
        strong=st.integers(min_value=0, max_value=6),
        medium=st.integers(min_value=0, max_value=6),
        weak=st.integers(min_value=0, max_value=6),
    )
    def test_the_rule_matches_its_plain_statement(self, strong: int, medium: int, weak: int) -> None:
        # The rule as the brochure states it, written independently of the engine.
        expected = (
            strong >= 2 or (strong >= 1 and medium + weak >= 1) or medium >= 3 or (medium >= 2 and weak >= 1)
        )
        self.assertEqual(positive(strong, medium, weak), expected)

    @given(
        strong=st.integers(min_value=0, max_value=5),
        medium=st.integers(min_value=0, max_value=5),
        weak=st.integers(min_value=0, max_value=5),
    )
    def test_more_indicators_never_turn_a_positive_dimension_negative(
        self, strong: int, medium: int, weak: int
    ) -> None:
        if positive(strong, medium, weak):
            self.assertTrue(positive(strong + 1, medium, weak))
            self.assertTrue(positive(strong, medium + 1, weak))
            self.assertTrue(positive(strong, medium, weak + 1))

    def test_combinations_read_back_what_they_print(self) -> None:
        self.assertEqual(combinations_parse(combinations_format(COMBINATIONS)), COMBINATIONS)

    def test_unreadable_combinations_are_refused_with_the_line_number(self) -> None:
        with self.assertRaises(ValueError) as caught:
            combinations_parse("2 strong\n1 strongish + 1 medium")
        self.assertIn("2", str(caught.exception))
        with self.assertRaises(ValueError):
            combinations_parse("1 strong")  # a single indicator is never enough
        with self.assertRaises(ValueError):
            combinations_parse("   ")


class OutcomeTests(SimpleTestCase):
    adult = shipped("ilo-adult-labour")
    child = shipped("ilo-child-labour")
    # Two strong indicators in each dimension named.
    DECEPTION = ["dr_nature_job", "dr_education"]  # strong + weak
    COERCION = ["cd_documents", "cd_debt_bondage"]
    EXPLOITATION = ["ex_excessive_hours", "ex_low_salary"]
    VULNERABILITY_AT_DESTINATION = ["vd_dependency", "vd_unknown_area", "vd_economic"]

    def test_an_adult_is_a_presumed_victim_with_means_exploitation_and_coercion_at_destination(self) -> None:
        result = screening_evaluate(
            self.adult, self.DECEPTION + self.EXPLOITATION + self.COERCION, is_child=False
        )
        self.assertEqual(result["outcome"], "victim")
        self.assertEqual(result["level"], "high")
        self.assertEqual(result["next_step"], "nrm_referral")
        self.assertEqual(
            result["positive_dimensions"],
            ["deceptive_recruitment", "exploitation", "coercion_at_destination"],
        )

    def test_an_adult_without_a_means_is_not_a_presumed_victim(self) -> None:
        result = screening_evaluate(self.adult, self.EXPLOITATION + self.COERCION, is_child=False)
        self.assertEqual(result["outcome"], "exploited")

    def test_an_adult_without_coercion_at_destination_is_deceived_and_exploited(self) -> None:
        result = screening_evaluate(self.adult, self.DECEPTION + self.EXPLOITATION, is_child=False)
        self.assertEqual(result["outcome"], "deceived_exploited")

    def test_abuse_of_vulnerability_can_stand_in_for_the_means(self) -> None:
        answers = self.VULNERABILITY_AT_DESTINATION + self.EXPLOITATION + self.COERCION
        self.assertEqual(screening_evaluate(self.adult, answers, is_child=False)["outcome"], "victim")

    def test_exploitation_alone_is_exploitation_not_trafficking(self) -> None:
        result = screening_evaluate(self.adult, self.EXPLOITATION, is_child=False)
        self.assertEqual((result["outcome"], result["level"]), ("exploited", "medium"))

    def test_a_single_indicator_per_dimension_is_no_indication(self) -> None:
        answers = ["dr_nature_job", "ex_excessive_hours", "cd_documents"]
        self.assertEqual(screening_evaluate(self.adult, answers, is_child=False)["outcome"], "no_indication")

    def test_a_child_needs_no_means_only_the_act_and_exploitation(self) -> None:
        result = screening_evaluate(self.child, ["act_recruited", *self.EXPLOITATION], is_child=True)
        self.assertEqual(result["outcome"], "victim")
        self.assertNotIn("deceptive_recruitment", result["positive_dimensions"])

    def test_the_same_answers_for_an_adult_list_are_not_enough(self) -> None:
        result = screening_evaluate(self.adult, self.EXPLOITATION, is_child=False)
        self.assertNotEqual(result["outcome"], "victim")

    def test_a_child_exploited_without_a_known_act_calls_for_child_protection(self) -> None:
        result = screening_evaluate(self.child, self.EXPLOITATION, is_child=True)
        self.assertEqual((result["outcome"], result["next_step"]), ("exploited", "child_protection"))

    def test_unknown_answers_are_ignored(self) -> None:
        result = screening_evaluate(self.adult, ["nonsense", "", "dr_nature_job"], is_child=False)
        self.assertEqual(result["indicators_present"], 1)


class RiskTests(SimpleTestCase):
    risk = shipped("risk-prevention")

    def level(self, *answers: str) -> str:
        return screening_evaluate(self.risk, list(answers), is_child=True)["level"]

    def test_no_factor_is_low_risk(self) -> None:
        result = screening_evaluate(self.risk, [], is_child=True)
        self.assertEqual((result["level"], result["outcome"], result["next_step"]), ("low", "low", "monitor"))

    def test_a_few_light_factors_stay_low(self) -> None:
        self.assertEqual(self.level("unemployment", "single_parent"), "low")

    def test_the_score_decides_the_level(self) -> None:
        self.assertEqual(self.level("school_dropout", "extreme_poverty"), "medium")  # 2 + 2
        result = screening_evaluate(
            self.risk, ["school_dropout", "extreme_poverty", "domestic_violence", "disability"], is_child=True
        )
        self.assertEqual(
            (result["score"], result["level"], result["next_step"]), (9, "high", "urgent_protection")
        )

    def test_an_intention_to_migrate_with_a_recruiters_contact_is_always_high(self) -> None:
        result = screening_evaluate(self.risk, ["migration_intention", "recruiter_contact"], is_child=False)
        self.assertEqual(result["score"], 5)
        self.assertEqual(result["level"], "high")
        self.assertEqual(result["raised_by"], ["migration_intention", "recruiter_contact"])

    def test_trafficking_in_the_family_is_at_least_medium(self) -> None:
        self.assertEqual(self.level("trafficking_in_family"), "medium")

    def test_dimensions_with_a_factor_are_flagged(self) -> None:
        result = screening_evaluate(self.risk, ["school_dropout", "no_documents"], is_child=True)
        self.assertEqual(result["positive_dimensions"], ["individual", "structural"])


class AgeGroupTests(SimpleTestCase):
    on = datetime.date(2026, 5, 1)

    def test_the_birth_year_decides_when_it_can(self) -> None:
        self.assertEqual(age_group_from_birth_year(2010, self.on), "child")
        self.assertEqual(age_group_from_birth_year(2009, self.on), "child")  # 16 or 17
        self.assertEqual(age_group_from_birth_year(2007, self.on), "adult")  # 18 or 19

    def test_the_worker_chooses_when_the_birth_year_cannot_tell(self) -> None:
        self.assertIsNone(age_group_from_birth_year(2008, self.on))  # 17 or 18
        self.assertIsNone(age_group_from_birth_year(None, self.on))
        self.assertIsNone(age_group_from_birth_year(2030, self.on))


class ValidationTests(SimpleTestCase):
    def test_every_shipped_definition_is_valid(self) -> None:
        for item in shipped_instruments():
            with self.subTest(item["code"]):
                self.assertEqual(
                    definition_validate(item["definition"], kind=item["kind"], target=item["target"]), []
                )

    def test_problems_are_named(self) -> None:
        definition = shipped("ilo-adult-labour")
        definition["dimensions"][0]["indicators"][0]["strength"] = "huge"
        definition["dimensions"][0]["indicators"][1]["label"]["fr"] = ""
        definition["dimensions"][1]["indicators"][0]["code"] = definition["dimensions"][0]["indicators"][2][
            "code"
        ]
        definition["rules"]["combinations"] = [{"strong": 0}]
        problems = definition_validate(definition, kind="ilo", target="adult")
        self.assertEqual(len(problems), 4, problems)

    def test_garbage_never_raises(self) -> None:
        garbage: object
        for garbage in (None, [], "x", {"dimensions": "x"}, {"dimensions": [1, {"indicators": [2]}]}):
            with self.subTest(repr(garbage)):
                self.assertTrue(definition_validate(garbage, kind="ilo"))

    def test_risk_levels_must_rise(self) -> None:
        definition = shipped("risk-prevention")
        definition["rules"]["levels"][2]["min_score"] = 3
        self.assertTrue(definition_validate(definition, kind="risk"))
