"""The shipped instruments: translations, the CSV they come from, and honesty about their sources."""

from __future__ import annotations

import csv
from pathlib import Path

from django.test import SimpleTestCase

from kujdes.screening.shipped import shipped_instruments

CSV = Path(__file__).resolve().parents[1] / "data" / "ilo-indicators.csv"
LANGUAGES = ("sq", "en", "fr")


def _labels(item: dict) -> list[tuple[str, dict]]:
    definition = item["definition"]
    found = [("name", item["name"]), ("notes", definition["notes"])]
    found += [(f"next step {code}", text) for code, text in definition["next_steps"].items()]
    for dimension in definition["dimensions"]:
        found.append((dimension["code"], dimension["label"]))
        found += [(indicator["code"], indicator["label"]) for indicator in dimension["indicators"]]
    return found


class ShippedInstrumentTests(SimpleTestCase):
    def test_every_label_exists_in_albanian_english_and_french(self) -> None:
        for item in shipped_instruments():
            for where, label in _labels(item):
                for lang in LANGUAGES:
                    with self.subTest(instrument=item["code"], where=where, lang=lang):
                        self.assertTrue(str(label.get(lang, "")).strip())

    def test_translations_are_not_copies_of_the_english(self) -> None:
        for item in shipped_instruments():
            for where, label in _labels(item):
                if len(label["en"]) > 25:  # short names ("Exploitation") may be the same word
                    with self.subTest(instrument=item["code"], where=where):
                        self.assertNotEqual(label["sq"], label["en"])
                        self.assertNotEqual(label["fr"], label["en"])

    def test_the_labour_lists_are_exactly_the_reference_csv(self) -> None:
        with CSV.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        by_code = {item["code"]: item["definition"] for item in shipped_instruments()}
        for listed, code in (("adult_labour", "ilo-adult-labour"), ("child_labour", "ilo-child-labour")):
            shipped = {
                (dimension["code"], indicator["label"]["en"], indicator["strength"])
                for dimension in by_code[code]["dimensions"]
                if dimension["code"] != "act"
                for indicator in dimension["indicators"]
            }
            reference = {(r["dimension"], r["indicator"], r["strength"]) for r in rows if r["list"] == listed}
            self.assertEqual(shipped, reference, listed)

    def test_the_sexual_lists_say_what_was_confirmed_and_what_was_adapted(self) -> None:
        by_code = {item["code"]: item["definition"] for item in shipped_instruments()}
        for code, confirmed in (
            ("ilo-adult-sexual", {"cd_forced_tasks"}),
            ("ilo-child-sexual", {"cd_forced_tasks", "ex_hazardous"}),
        ):
            definition = by_code[code]
            marked = {i["code"] for d in definition["dimensions"] for i in d["indicators"] if i["confirmed"]}
            self.assertEqual(marked, confirmed, code)
            strengths = {i["code"]: i["strength"] for d in definition["dimensions"] for i in d["indicators"]}
            self.assertTrue(all(strengths[c] == "strong" for c in confirmed))
            self.assertEqual(definition["verification"], "to_verify")
            self.assertIn("To be verified by the organisation", definition["notes"]["en"])
            self.assertIn("WCMS_105036", definition["notes"]["en"])
            self.assertTrue(any("WCMS_105023" in source["title"] for source in definition["sources"]))

    def test_every_ilo_list_ships_to_be_verified(self) -> None:
        for item in shipped_instruments():
            self.assertEqual(item["definition"]["verification"], "to_verify", item["code"])

    def test_the_risk_screening_has_the_four_kinds_of_factors_of_the_brief(self) -> None:
        risk = next(i for i in shipped_instruments() if i["code"] == "risk-prevention")["definition"]
        self.assertEqual(
            [d["code"] for d in risk["dimensions"]], ["individual", "household", "community", "structural"]
        )
        codes = {i["code"] for d in risk["dimensions"] for i in d["indicators"]}
        for factor in (
            "school_dropout", "domestic_violence", "extreme_poverty", "unemployment", "migration_intention",
            "single_parent", "absent_parents", "disability", "prior_abuse", "trafficking_in_family",
            "recruiter_contact", "online_job_offer", "street_situation",
        ):  # fmt: skip
            self.assertIn(factor, codes)
