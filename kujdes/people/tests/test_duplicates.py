"""The duplicate check at intake: spellings with and without diacritics meet; other units stay silent."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.duplicates import ELSEWHERE_NOTICE, duplicate_candidates, name_similarity
from kujdes.people.services import person_create


class DuplicateCandidatesTests(BaseTestCase):
    def register(self, actor, unit, **fields):  # type: ignore[no-untyped-def]
        with system_scope():
            return person_create(actor=actor, unit=unit, **fields)

    def check(self, actor, **fields):  # type: ignore[no-untyped-def]
        with system_scope():
            return duplicate_candidates(actor=actor, **fields)

    def test_names_with_and_without_diacritics_are_candidates(self) -> None:
        person = self.register(
            self.alice,
            self.diocese_a,
            given_name="Ëngjëllushe",
            family_name="Çela",
            birth_year=2007,
            municipality="Shkodër",
        )
        found = self.check(
            self.bob, given_name="Engjellushe", family_name="Cela", birth_year=2008, municipality="Shkoder"
        )
        self.assertEqual([c.person.pk for c in found.candidates], [person.pk])
        self.assertEqual(set(found.candidates[0].reasons), {"name", "birth_year", "municipality"})
        self.assertFalse(found.elsewhere)

    def test_name_similarity_folds_diacritics_and_word_order(self) -> None:
        self.assertEqual(name_similarity("Ëngjëllushe Çela", "cela engjellushe"), 1.0)
        self.assertLess(name_similarity("Arta Kola", "Blerta Hoxha"), 0.7)

    def test_a_shared_phone_finds_a_differently_named_record(self) -> None:
        person = self.register(self.alice, self.diocese_a, given_name="Mira", phones=["+355 69 123 4567"])
        found = self.check(self.alice, given_name="Miranda", family_name="Dushi", phones=["069 123 4567"])
        self.assertEqual([c.person.pk for c in found.candidates], [person.pk])
        self.assertIn("phone", found.candidates[0].reasons)

    def test_a_shared_first_name_alone_is_not_a_duplicate(self) -> None:
        self.register(self.alice, self.diocese_a, given_name="Ana", family_name="Gjoka", birth_year=1990)
        found = self.check(self.alice, given_name="Ana", family_name="Prendi", birth_year=2010)
        self.assertEqual(found.candidates, [])

    def test_a_match_in_another_unit_is_announced_without_details(self) -> None:
        self.register(self.charlie, self.diocese_b, given_name="Drita", family_name="Leka", birth_year=2001)
        found = self.check(self.alice, given_name="Drita", family_name="Leka", birth_year=2001)
        self.assertEqual(found.candidates, [])
        self.assertTrue(found.elsewhere)
        self.assertEqual(found.elsewhere_notice, str(ELSEWHERE_NOTICE))

    def test_another_organisation_is_never_announced(self) -> None:
        self.register(self.dave, self.other_unit, given_name="Drita", family_name="Leka", birth_year=2001)
        found = self.check(self.alice, given_name="Drita", family_name="Leka", birth_year=2001)
        self.assertFalse(found.found)

    def test_the_check_is_audited_with_counts_only(self) -> None:
        self.register(self.alice, self.diocese_a, given_name="Teuta", family_name="Marku")
        self.check(self.bob, given_name="Teuta", family_name="Marku")
        with system_scope():
            event = AuditEvent.objects.filter(action="person.duplicate_check", actor=self.bob).get()
        self.assertEqual(event.details, {"candidates": 1, "elsewhere": False})


class DuplicateCheckOnTheRegistrationPageTests(BaseTestCase):
    def post(self, **fields):  # type: ignore[no-untyped-def]
        data = {"unit": str(self.diocese_a.public_id), "sex": "Feminine", **fields}
        return self.client.post(reverse("person_create"), data)

    def test_the_out_of_scope_notice_names_nobody_and_no_unit(self) -> None:
        with system_scope():
            other = person_create(
                actor=self.charlie,
                unit=self.diocese_b,
                given_name="Vjollca",
                family_name="Zefi",
                phones=["0691112223"],
            )
        self.login(self.alice)
        response = self.post(given_name="Vjollca", family_name="Zefi")
        self.assertEqual(response.status_code, 200)
        with translation.override(response["Content-Language"]):
            self.assertContains(response, str(ELSEWHERE_NOTICE))
        for detail in (other.code, "Diocese B", str(other.public_id), "0691112223"):
            self.assertNotContains(response, detail)
        # Nothing was registered yet: the user decides.
        with system_scope():
            from kujdes.people.models import Person

            self.assertEqual(Person.objects.filter(unit=self.diocese_a).count(), 0)
