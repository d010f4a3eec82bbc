"""Cryptographic linkage keys: one person's spellings meet, different persons do not, and the
filters carry nothing readable."""

from __future__ import annotations

import random

from django.test import SimpleTestCase

from kujdes.people.linkage.clk import (
    BYTES,
    DICE_THRESHOLD,
    ClkError,
    Encoder,
    dice,
    pack,
    secret_fingerprint,
    shared_count,
    unpack,
)

SECRET = bytes(range(32))
OTHER_SECRET = bytes(range(1, 33))


def clk(given: str, family: str, dob: str = "", sex: str = "F", secret: bytes = SECRET) -> int:
    return Encoder(secret).encode(given_name=given, family_name=family, dob=dob, sex=sex)


class DiceOfOnePersonTests(SimpleTestCase):
    def test_cyrillic_and_latin_spellings_of_one_person_are_above_the_threshold(self) -> None:
        a = clk("Юлія", "Коваленко", "1994-03-12")
        for given, family in (("Yuliia", "Kovalenko"), ("Julija", "Kowalenko"), ("Ioulia", "Kovalenka")):
            with self.subTest(given=given, family=family):
                self.assertGreaterEqual(dice(a, clk(given, family, "1994-03-12")), DICE_THRESHOLD)

    def test_albanian_folding_and_definite_forms_meet(self) -> None:
        a = clk("Ardita", "Hoxha", "1990-05-07")
        self.assertGreaterEqual(dice(a, clk("ARDITË", "Hoxhaj", "1990-05-07")), DICE_THRESHOLD)
        self.assertGreaterEqual(dice(a, clk("Ardita", "Hodja", "1990-05-07")), DICE_THRESHOLD)

    def test_swapped_names_and_a_day_month_swap_give_the_same_filter(self) -> None:
        self.assertEqual(clk("Ardita", "Hoxha", "1990-05-07"), clk("Hoxha", "Ardita", "1990-07-05"))

    def test_a_typo_in_a_name_stays_above_the_threshold(self) -> None:
        a = clk("Mihaela", "Popescu", "1988-11-23")
        self.assertGreaterEqual(dice(a, clk("Mihaela", "Popesku", "1988-11-23")), DICE_THRESHOLD)


class DiceOfDifferentPersonsTests(SimpleTestCase):
    def test_another_person_is_far_below_the_threshold(self) -> None:
        a = clk("Ardita", "Hoxha", "1990-05-07")
        self.assertLess(dice(a, clk("Oksana", "Moroz", "1972-10-19")), 0.5)

    def test_one_common_name_with_another_date_does_not_link(self) -> None:
        a = clk("Camelia", "Pop", "1979-02-10")
        self.assertLess(dice(a, clk("Camelia", "Pop", "1971-07-02")), DICE_THRESHOLD)

    def test_a_sister_with_the_same_family_name_and_birth_date_does_not_link(self) -> None:
        a = clk("Ardita", "Hoxha", "2004-05-07")
        self.assertLess(dice(a, clk("Elira", "Hoxha", "2004-05-07")), DICE_THRESHOLD)

    def test_another_secret_gives_unrelated_filters(self) -> None:
        a = clk("Ardita", "Hoxha", "1990-05-07")
        self.assertLess(dice(a, clk("Ardita", "Hoxha", "1990-05-07", secret=OTHER_SECRET)), 0.5)
        self.assertNotEqual(secret_fingerprint(SECRET), secret_fingerprint(OTHER_SECRET))


class TransportTests(SimpleTestCase):
    def test_a_packed_list_carries_no_plaintext_and_round_trips(self) -> None:
        canary_given, canary_family = "Zyrafeteqanari", "Kanarinaxhiu"
        clks = [clk(canary_given, canary_family, "1999-09-09"), clk("Ardita", "Hoxha", "1990-05-07")]
        text = pack(clks)
        for needle in (canary_given, canary_family, "zyraf", "kanar", "1999", "hoxha", "Ardita"):
            self.assertNotIn(needle.lower(), text.lower())
        self.assertEqual(unpack(text), clks)
        self.assertEqual(len(text), len(pack([0, 0])))  # fixed size: no length tells a name

    def test_a_malformed_list_is_refused_with_a_clear_error(self) -> None:
        with self.assertRaisesMessage(ClkError, "not base64"):
            unpack("not base64!")
        with self.assertRaisesMessage(ClkError, f"{BYTES}-byte"):
            unpack(pack([1])[:-4])

    def test_a_short_secret_is_refused(self) -> None:
        with self.assertRaises(ClkError):
            Encoder(b"short")

    def test_a_person_without_a_name_has_no_filter(self) -> None:
        self.assertEqual(Encoder(SECRET).encode(given_name="", family_name=None, dob="1990-01-02"), 0)


class SharedCountTests(SimpleTestCase):
    def test_persons_known_to_two_partners_are_counted_once_and_others_not(self) -> None:
        rng = random.Random(3)
        letters = "abcdefghijklmnoprstuvz"

        def name() -> str:
            return "".join(rng.choice(letters) for _ in range(7)).title()

        def date() -> str:
            return f"19{rng.randint(50, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

        people = [(name(), name(), date()) for _ in range(300)]
        a = [clk(g, f, d) for g, f, d in people[:200]]
        # Partner B knows persons 150–249 (50 shared with A, spelt in capitals), and 50 of its own.
        b = [clk(g.upper(), f, d) for g, f, d in people[150:250]]
        # Partner C knows persons 190–209 (190–199 are also at A and B, 200–209 at B only), and one
        # person of its own twice (a duplicate within one partner is not a shared person).
        c = [clk(g, f, d) for g, f, d in people[190:210]] + [clk(*people[260])] * 2
        result = shared_count({"A": a, "B": b, "C": c})
        self.assertEqual(result.persons_shared, 60)
        self.assertEqual(result.by_partner, {"A": 50, "B": 60, "C": 20})
        self.assertEqual(result.by_partner_count, {2: 50, 3: 10})

    def test_blocking_compares_far_fewer_pairs_than_all(self) -> None:
        rng = random.Random(5)
        a = [rng.getrandbits(1024) & rng.getrandbits(1024) & rng.getrandbits(1024) for _ in range(400)]
        b = [rng.getrandbits(1024) & rng.getrandbits(1024) & rng.getrandbits(1024) for _ in range(400)]
        result = shared_count({"A": a, "B": b})
        self.assertEqual(result.persons_shared, 0)
        self.assertLess(result.pairs_compared, 400 * 400 // 100)
