"""Comparison levels with real name pairs of the network's languages, and sibling protection."""

from __future__ import annotations

from django.test import SimpleTestCase
from django.utils import translation

from kujdes.people.linkage import compare as c
from kujdes.people.linkage.compare import Prepared, compare, dob_level, explain, sibling_veto
from kujdes.people.linkage.keys import blind_keys, record_keys
from kujdes.people.linkage.normalise import parse_dob


def person(given: str, surname: str, dob: str = "", **other: str) -> Prepared:
    return Prepared("x", given, surname, dob=dob or None, **other)


class NameLevelTests(SimpleTestCase):
    def levels(self, a: Prepared, b: Prepared) -> tuple[int, int, bool]:
        return c.names_compare(a, b)

    def test_exact_folded_and_definite_forms(self) -> None:
        self.assertEqual(
            self.levels(person("Ardita", "Hoxha"), person("ARDITA", "hoxha")), (c.N_EXACT, c.N_EXACT, False)
        )
        g, s, _ = self.levels(person("Ardita", "Hoxha"), person("Ardita", "Hoxhaj"))
        self.assertEqual((g, s), (c.N_EXACT, c.N_SKELETON))
        g, s, _ = self.levels(person("Ëngjëllushe", "Çela"), person("Engjellushe", "Cela"))
        self.assertEqual((g, s), (c.N_EXACT, c.N_EXACT))

    def test_cyrillic_and_two_transliterations(self) -> None:
        for other in (
            person("Julija", "Kovalenko"),
            person("Yuliia", "Kovalenko"),
            person("Iuliia", "Kowalenko"),
        ):
            g, s, _ = self.levels(person("Юлія", "Коваленко"), other)
            self.assertLessEqual(g, c.N_SKELETON)
            self.assertLessEqual(s, c.N_SKELETON)

    def test_arabic_variants_and_nicknames(self) -> None:
        self.assertEqual(self.levels(person("Mohamed", "Ali"), person("Muhammad", "Ali"))[0], c.N_SKELETON)
        self.assertEqual(self.levels(person("Lindita", "Gashi"), person("Linda", "Gashi"))[0], c.N_SKELETON)
        self.assertEqual(
            self.levels(person("Khadija", "Rahimi"), person("Khadijah", "Rahimi"))[0], c.N_SKELETON
        )

    def test_typos(self) -> None:
        # one keyboard slip (Damerau-Levenshtein 1) and a transposition
        self.assertEqual(
            self.levels(person("Blerina", "Krasniqi"), person("Blerlna", "Krasniqi"))[0], c.N_CLOSE
        )
        self.assertEqual(
            self.levels(person("Blerina", "Krasniqi"), person("Blerina", "Karsniqi"))[1], c.N_CLOSE
        )

    def test_swapped_names_are_compared_crossed(self) -> None:
        g, s, swapped = self.levels(person("Ardita", "Hoxha"), person("Hoxha", "Ardita"))
        self.assertEqual((g, s, swapped), (c.N_EXACT, c.N_EXACT, True))
        g, s, swapped = self.levels(person("Thị Lan", "Nguyễn"), person("Nguyen", "Lan"))
        self.assertTrue(swapped)
        self.assertEqual((g, s), (c.N_EXACT, c.N_EXACT))

    def test_different_names(self) -> None:
        self.assertEqual(self.levels(person("Ardita", "Hoxha"), person("Blerina", "Hoxha"))[0], c.N_DIFFERENT)

    def test_missing(self) -> None:
        self.assertEqual(self.levels(person("", "Hoxha"), person("Ardita", "Hoxha"))[0], c.MISSING)


class DateLevelTests(SimpleTestCase):
    def level(self, a: str, b: str) -> int:
        return dob_level(parse_dob(a), parse_dob(b))

    def test_levels(self) -> None:
        self.assertEqual(self.level("2001-04-09", "2001-04-09"), c.D_EXACT)
        self.assertEqual(self.level("2001-04-09", "2001-09-04"), c.D_SWAP)
        self.assertEqual(self.level("2001-04-09", "2001-04-08"), c.D_TYPO)
        self.assertEqual(self.level("2000-04-09", "1999-04-09"), c.D_YEAR1)
        self.assertEqual(self.level("2001-04-09", "2002-07-15"), c.D_NEAR)
        self.assertEqual(self.level("2001-04-09", "1985-07-15"), c.D_DIFFERENT)
        self.assertEqual(self.level("2001-04-09", ""), c.MISSING)

    def test_estimated_age_tolerates_two_or_three_years(self) -> None:
        self.assertEqual(self.level("1999-01-01", "2001-06-20"), c.D_ESTIMATED)
        self.assertEqual(self.level("2004-05-17", "2001-01-01"), c.D_ESTIMATED)
        self.assertEqual(
            self.level("1999-01-01", "1999-01-01"), c.D_ESTIMATED
        )  # two guesses agree: weaker than exact
        self.assertNotEqual(self.level("1995-01-01", "2001-06-20"), c.D_ESTIMATED)
        # a real date three years off is not an estimate
        self.assertEqual(self.level("1998-06-20", "2001-06-20"), c.D_DIFFERENT)


class OtherLevelTests(SimpleTestCase):
    def test_document_exact_one_edit_different(self) -> None:
        a = person("A", "B", document_id="AB1234567")
        self.assertEqual(compare(a, person("A", "B", document_id="ab 1234567"))[0][7], 0)
        self.assertEqual(compare(a, person("A", "B", document_id="AB1243567"))[0][7], 1)
        self.assertEqual(compare(a, person("A", "B", document_id="ZZ9999999"))[0][7], 2)
        self.assertEqual(
            compare(a, person("A", "B", document_id="AB1234567"), use_document=False)[0][7], c.MISSING
        )

    def test_father_birthplace_nationality(self) -> None:
        a = person("Ardita", "Hoxha", father_name="Gëzim", birth_place="Shkodër", nationality="XK")
        levels = compare(
            a, person("Ardita", "Hoxha", father_name="Gezimi", birth_place="SHKODRA", nationality="AL")
        )[0]
        self.assertEqual(levels[4], 0)
        self.assertIn(levels[5], (0, 1))  # Shkodër/Shkodra: the same or similar
        self.assertEqual(levels[6], 1)
        levels = compare(
            a, person("Ardita", "Hoxha", father_name="Ilir", birth_place="Vlorë", nationality="NG")
        )[0]
        self.assertEqual(levels[4:7], (2, 2, 2))


class SiblingTests(SimpleTestCase):
    def test_sister_with_same_family_father_and_birthplace_is_vetoed(self) -> None:
        a = person("Ardita", "Hoxha", "2001-04-09", father_name="Gëzim", birth_place="Shkodër", sex="F")
        sister = person("Blerina", "Hoxha", "2004-11-02", father_name="Gëzim", birth_place="Shkodër", sex="F")
        self.assertTrue(sibling_veto(compare(a, sister)[0], a, sister))
        twin_brother = person(
            "Ardit", "Hoxha", "2001-04-09", father_name="Gëzim", birth_place="Shkodër", sex="M"
        )
        self.assertTrue(sibling_veto(compare(a, twin_brother)[0], a, twin_brother))

    def test_the_same_woman_is_not_vetoed(self) -> None:
        a = person("Ardita", "Hoxha", "2001-04-09", father_name="Gëzim", birth_place="Shkodër", sex="F")
        b = person("Ardita", "Hoxhaj", "2001-09-04", father_name="Gezim", birth_place="Shkodra", sex="F")
        self.assertFalse(sibling_veto(compare(a, b)[0], a, b))
        nick = person("Linda", "Hoxha", "2001-04-09", father_name="Gëzim", sex="F")
        lindita = person("Lindita", "Hoxha", "2001-04-09", father_name="Gëzim", sex="F")
        self.assertFalse(sibling_veto(compare(nick, lindita)[0], nick, lindita))


class ExplanationTests(SimpleTestCase):
    def test_words_for_each_field(self) -> None:
        a = person("Ardita", "Hoxha", "2001-04-09")
        b = person("Hoxhaj", "Ardita", "2001-09-04")
        levels, swapped = compare(a, b)
        with translation.override("en"):
            lines = [e.text for e in explain(levels, (0.0,) * 8, swapped)]
        self.assertIn("given name: same (given and family name swapped)", lines)
        self.assertIn(
            "family name: same after folding and transliteration, or a known variant or nickname", lines
        )
        self.assertIn("date of birth: day and month swapped", lines)
        self.assertIn("document: missing on one side", lines)


class KeyTests(SimpleTestCase):
    def test_variants_share_a_blocking_key(self) -> None:
        pairs = [
            (person("Ardita", "Hoxha", "2001-04-09"), person("Ardita", "Hoxhaj", "2001-04-09")),
            (person("Юлія", "Коваленко", "1990-03-02"), person("Julija", "Kovalenko", "1991-01-01")),
            (person("Ardita", "Hoxha", "2001-04-09"), person("Hoxha", "Ardita", "2001-09-04")),
            (person("Mohamed", "Saleh", "1990-03-02"), person("Muhammad", "Salih", "1990-03-02")),
            (person("Blerina", "Krasniqi", "1990-03-02"), person("Blerina", "Krasnqii", "1990-03-02")),
        ]
        for a, b in pairs:
            ka = {k for kind in record_keys(a) for k in kind}
            kb = {k for kind in record_keys(b) for k in kind}
            self.assertTrue(ka & kb, f"{a.given} {a.surname} / {b.given} {b.surname}")

    def test_blind_keys_never_return_the_plain_key(self) -> None:
        import hashlib
        import hmac

        a = person("Ardita", "Hoxha", "2001-04-09", document_id="AB1234567")
        plain = [k for kind in record_keys(a) for k in kind]
        digests = blind_keys(
            a,
            digest=lambda kind, key: hmac.new(
                b"k" * 32, f"{kind}\x00{key}".encode(), hashlib.sha256
            ).hexdigest(),
        )
        self.assertEqual(len(digests), len(plain))
        for _kind, d in digests:
            self.assertNotIn("hoxha", d)
            self.assertNotIn(d, plain)
