"""The content Kujdes ships, in every offered language: screening instruments, indicator names, consent
texts read to a person; and each kind of content on the page of which content lacks which language."""

from __future__ import annotations

from django.test import SimpleTestCase

from kujdes.core.content_languages import content_kinds, content_missing


def _labels(value: object) -> list[dict[str, str]]:
    if isinstance(value, dict):
        if "en" in value and "sq" in value and all(isinstance(v, str) for v in value.values()):
            return [value]
        return [label for item in value.values() for label in _labels(item)]
    if isinstance(value, list):
        return [label for item in value for label in _labels(item)]
    return []


class ShippedContentTests(SimpleTestCase):
    def test_every_shipped_screening_label_and_next_step_is_in_every_language(self) -> None:
        from kujdes.screening.shipped import shipped_instruments

        for instrument in shipped_instruments():
            self.assertEqual(content_missing(instrument["name"]), [], instrument["code"])
            definition = instrument["definition"]
            dimensions = definition.get("dimensions", [])
            labels = [d["label"] for d in dimensions] + [
                i["label"] for d in dimensions for i in d["indicators"]
            ]
            labels += list((definition.get("next_steps") or {}).values())
            for label in labels:
                self.assertEqual(content_missing(label), [], label["en"])

    def test_a_screening_indicator_reads_plainly_in_ukrainian_and_arabic(self) -> None:
        from kujdes.screening.shipped import shipped_instruments

        risk = next(i for i in shipped_instruments() if i["code"] == "risk-prevention")
        labels = {label["en"]: label for label in _labels(risk["definition"])}
        self.assertEqual(labels["Living or working in the street"]["uk"], "Живе чи працює на вулиці")
        self.assertEqual(labels["Living or working in the street"]["ar"], "يعيش أو يعمل في الشارع")

    def test_every_indicator_has_a_name_in_every_language(self) -> None:
        from kujdes.reports.catalogue import catalogue

        for code, indicator in catalogue().items():
            self.assertEqual(content_missing(indicator.names), [], code)
        self.assertEqual(catalogue()["cases_opened"].name("hy"), "Բացված գործեր")
        # A definition not yet translated falls back to English.
        self.assertEqual(
            catalogue()["cases_opened"].definition("bs"), catalogue()["cases_opened"].definition("en")
        )

    def test_every_consent_text_is_in_every_language_and_says_no_is_allowed(self) -> None:
        from kujdes.people.consent_texts import consent_purposes_with_text, consent_text, consent_texts

        for purpose in consent_purposes_with_text():
            self.assertEqual(content_missing(consent_texts(purpose)), [], purpose)
        self.assertIn("змінити своє рішення", consent_text("referral", "uk"))
        self.assertIn("փոխել ձեր որոշումը", consent_text("photos", "hy"))

    def test_each_kind_of_content_is_on_the_page(self) -> None:
        codes = [kind.code for kind in content_kinds()]
        self.assertEqual(
            codes,
            ["activity_types", "curriculum", "conduct", "screening", "indicators", "consent_texts"],
        )
