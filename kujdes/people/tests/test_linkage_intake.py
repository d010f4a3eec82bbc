"""The intake check on the linkage engine (issue 16): the spellings, dates and swaps of one person
meet, a sister does not; keys are stored only as keyed digests; other units and organisations learn
nothing but the bare notice."""

from __future__ import annotations

import datetime
import io
import json
import logging

from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.duplicates import ELSEWHERE_NOTICE, duplicate_candidates, registry_candidates_bulk
from kujdes.people.linkage.intake import (
    LINKAGE_KINDS,
    linkage_index_rebuild,
    linkage_model_train,
    person_linkage_keys,
    person_variants,
)
from kujdes.people.models import BlindIndexEntry, LinkageModel, Person
from kujdes.people.services import person_create, person_update


class IntakeTestCase(BaseTestCase):
    def register(self, unit=None, actor=None, **fields):  # type: ignore[no-untyped-def]
        with system_scope():
            return person_create(actor=actor or self.alice, unit=unit or self.diocese_a, **fields)

    def check(self, actor=None, **fields):  # type: ignore[no-untyped-def]
        # Explanations are in the active language: English here.
        with system_scope(), translation.override("en"):
            return duplicate_candidates(actor=actor or self.bob, **fields)

    def assert_finds(self, person: Person, **fields) -> None:  # type: ignore[no-untyped-def]
        found = self.check(**fields)
        top = [c.person.pk for c in found.candidates[:5]]
        self.assertIn(person.pk, top, [c.explanation for c in found.candidates])


class TheIntakeCheckFindsSpellingsOfOnePersonTests(IntakeTestCase):
    def setUp(self) -> None:
        super().setUp()
        # A few others in the registry, so that the true person must be told apart.
        for given, family, born in (
            ("Arta", "Kola", datetime.date(1990, 5, 1)),
            ("Blerta", "Hoxha", datetime.date(1988, 2, 3)),
            ("Olena", "Shevchenko", datetime.date(1993, 7, 9)),
            ("Ahmed", "Rahimi", datetime.date(1979, 11, 30)),
        ):
            self.register(given_name=given, family_name=family, date_of_birth=born, sex="Feminine")

    def test_it_finds_the_definite_form_of_a_family_name(self) -> None:
        person = self.register(
            given_name="Ardita", family_name="Hoxhaj", date_of_birth=datetime.date(1995, 4, 12)
        )
        self.assert_finds(
            person, given_name="Ardita", family_name="Hoxha", date_of_birth=datetime.date(1995, 4, 12)
        )

    def test_it_finds_a_latin_spelling_for_a_cyrillic_one(self) -> None:
        person = self.register(
            given_name="Julija",
            family_name="Kovalenko",
            date_of_birth=datetime.date(2001, 3, 14),
            sex="Feminine",
        )
        self.assert_finds(
            person,
            given_name="Юлія",
            family_name="Коваленко",
            date_of_birth=datetime.date(2001, 3, 14),
            sex="Feminine",
        )

    def test_it_finds_mohamed_for_muhammad_with_the_same_birth_date(self) -> None:
        person = self.register(
            given_name="Muhammad", family_name="Al-Hassan", date_of_birth=datetime.date(1987, 9, 2)
        )
        self.assert_finds(
            person, given_name="Mohamed", family_name="Hassan", date_of_birth=datetime.date(1987, 9, 2)
        )

    def test_it_finds_a_birth_date_with_day_and_month_swapped_and_says_so(self) -> None:
        person = self.register(
            given_name="Drita", family_name="Marku", date_of_birth=datetime.date(1998, 3, 7)
        )
        found = self.check(given_name="Drita", family_name="Marku", date_of_birth=datetime.date(1998, 7, 3))
        self.assertEqual(found.candidates[0].person.pk, person.pk)
        self.assertIn("date of birth: day and month swapped", found.candidates[0].explanation)

    def test_it_finds_given_and_family_name_swapped(self) -> None:
        person = self.register(
            given_name="Gashi", family_name="Liridona", date_of_birth=datetime.date(2004, 6, 21)
        )
        found = self.check(
            given_name="Liridona", family_name="Gashi", date_of_birth=datetime.date(2004, 6, 21)
        )
        self.assertEqual(found.candidates[0].person.pk, person.pk)
        self.assertTrue(any("swapped" in line for line in found.candidates[0].explanation))

    def test_it_finds_both_names_transliterated_differently(self) -> None:
        # Тетяна Коваль: the Ukrainian national scheme, then the German one.
        person = self.register(
            given_name="Tetiana", family_name="Koval", date_of_birth=datetime.date(1996, 1, 28)
        )
        self.assert_finds(
            person, given_name="Tetjana", family_name="Kowal", date_of_birth=datetime.date(1996, 1, 28)
        )

    def test_it_finds_an_exact_name_with_an_estimated_birth_year_three_years_off(self) -> None:
        person = self.register(
            given_name="Fatime", family_name="Berisha", birth_year=2001, birth_date_estimated=True
        )
        self.assert_finds(
            person, given_name="Fatime", family_name="Berisha", date_of_birth=datetime.date(2004, 5, 17)
        )

    def test_it_finds_a_registered_date_when_the_new_one_is_estimated_two_years_off(self) -> None:
        person = self.register(
            given_name="Mimoza", family_name="Shala", date_of_birth=datetime.date(1999, 6, 2)
        )
        self.assert_finds(
            person, given_name="Mimoza", family_name="Shala", birth_year=2001, birth_date_estimated=True
        )

    def test_it_does_not_propose_a_sister_or_a_twin(self) -> None:
        self.register(
            given_name="Blerina",
            family_name="Krasniqi",
            date_of_birth=datetime.date(2003, 2, 3),
            sex="Feminine",
            municipality="Shkodër",
            citizenships=["AL"],
        )
        sister = self.check(
            given_name="Arjeta",
            family_name="Krasniqi",
            date_of_birth=datetime.date(2005, 8, 19),
            sex="Feminine",
            municipality="Shkodër",
            citizenships=["AL"],
        )
        self.assertEqual(sister.candidates, [])
        twin = self.check(
            given_name="Arjeta",
            family_name="Krasniqi",
            date_of_birth=datetime.date(2003, 2, 3),
            sex="Feminine",
            citizenships=["AL"],
        )
        self.assertEqual(twin.candidates, [])

    def test_a_brother_born_the_same_day_is_not_proposed_either(self) -> None:
        self.register(
            given_name="Arta", family_name="Dushaj", date_of_birth=datetime.date(2010, 4, 4), sex="Feminine"
        )
        found = self.check(
            given_name="Artan", family_name="Dushaj", date_of_birth=datetime.date(2010, 4, 4), sex="Masculine"
        )
        self.assertEqual(found.candidates, [])

    def test_every_candidate_carries_its_explanation_and_a_probability(self) -> None:
        self.register(given_name="Ardita", family_name="Hoxhaj", date_of_birth=datetime.date(1995, 4, 12))
        candidate = self.check(
            given_name="Ardita", family_name="Hoxha", date_of_birth=datetime.date(1995, 4, 12)
        ).candidates[0]
        self.assertIn("given name: same", candidate.explanation)
        self.assertIn("date of birth: same", candidate.explanation)
        self.assertTrue(any(line.startswith("family name: ") for line in candidate.explanation))
        self.assertGreater(candidate.score, 0.5)
        self.assertLessEqual(candidate.score, 1.0)


class ScopeTests(IntakeTestCase):
    def test_another_unit_gets_the_bare_notice_for_a_variant_spelling(self) -> None:
        self.register(given_name="Ardita", family_name="Hoxhaj", date_of_birth=datetime.date(1995, 4, 12))
        found = self.check(
            actor=self.charlie,
            given_name="Ardita",
            family_name="Hoxha",
            date_of_birth=datetime.date(1995, 4, 12),
        )
        self.assertEqual(found.candidates, [])
        self.assertTrue(found.elsewhere)

    def test_another_organisation_learns_nothing(self) -> None:
        self.register(given_name="Ardita", family_name="Hoxhaj", date_of_birth=datetime.date(1995, 4, 12))
        found = self.check(
            actor=self.dave,
            given_name="Ardita",
            family_name="Hoxha",
            date_of_birth=datetime.date(1995, 4, 12),
        )
        self.assertFalse(found.found)

    def test_a_field_educator_gets_codes_without_the_explanation_on_the_page(self) -> None:
        person = self.register(
            unit=self.centre_a,
            given_name="Ardita",
            family_name="Hoxhaj",
            date_of_birth=datetime.date(1995, 4, 12),
        )
        found = self.check(
            actor=self.educator,
            given_name="Ardita",
            family_name="Hoxha",
            date_of_birth=datetime.date(1995, 4, 12),
        )
        self.assertEqual([c.person.pk for c in found.candidates], [person.pk])
        self.assertFalse(found.candidates[0].identity_visible)

    def test_the_registration_page_shows_the_explanation_to_a_case_worker(self) -> None:
        self.register(given_name="Drita", family_name="Marku", date_of_birth=datetime.date(1998, 3, 7))
        self.login(self.alice)
        response = self.client.post(
            reverse("person_create"),
            {
                "unit": str(self.diocese_a.public_id),
                "sex": "Feminine",
                "given_name": "Drita",
                "family_name": "Marku",
                "date_of_birth": "1998-07-03",
            },
        )
        self.assertEqual(response.status_code, 200)
        with translation.override(response["Content-Language"]):
            self.assertContains(response, gettext("Is this person registered already?"))
            self.assertContains(response, gettext("day and month swapped"))

    def test_the_registration_page_of_another_unit_shows_no_explanation(self) -> None:
        self.register(given_name="Drita", family_name="Marku", date_of_birth=datetime.date(1998, 3, 7))
        self.login(self.charlie)
        response = self.client.post(
            reverse("person_create"),
            {
                "unit": str(self.diocese_b.public_id),
                "sex": "Feminine",
                "given_name": "Drita",
                "family_name": "Marku",
                "date_of_birth": "1998-07-03",
            },
        )
        self.assertEqual(response.status_code, 200)
        with translation.override(response["Content-Language"]):
            self.assertContains(response, str(ELSEWHERE_NOTICE))
            self.assertNotContains(response, gettext("day and month swapped"))
        self.assertNotContains(response, "Marku</a>")


class KeysAsBlindIndexesTests(IntakeTestCase):
    def linkage_entries(self, person: Person) -> set[tuple[str, str]]:
        with system_scope():
            return set(
                BlindIndexEntry.objects.filter(person=person, kind__in=LINKAGE_KINDS).values_list(
                    "kind", "digest"
                )
            )

    def test_a_registered_person_has_a_digest_of_every_linkage_key_kind(self) -> None:
        person = self.register(
            given_name="Ardita",
            family_name="Hoxhaj",
            date_of_birth=datetime.date(1995, 4, 12),
            id_documents=[{"type": "passport", "number": "BA 123 456"}],
        )
        kinds = {kind for kind, _digest in self.linkage_entries(person)}
        self.assertEqual(kinds, set(LINKAGE_KINDS))

    def test_an_edit_of_the_date_of_birth_changes_the_keys(self) -> None:
        person = self.register(
            given_name="Ardita", family_name="Hoxhaj", date_of_birth=datetime.date(1995, 4, 12)
        )
        before = self.linkage_entries(person)
        with system_scope():
            person_update(
                actor=self.alice,
                person=person,
                expected_version=person.version,
                changes={"date_of_birth": datetime.date(1996, 4, 12)},
            )
        self.assertNotEqual(self.linkage_entries(person), before)

    def test_the_index_rebuild_is_idempotent_and_restores_missing_keys(self) -> None:
        person = self.register(
            given_name="Ardita", family_name="Hoxhaj", date_of_birth=datetime.date(1995, 4, 12)
        )
        stored = self.linkage_entries(person)
        with system_scope():
            BlindIndexEntry.objects.filter(person=person, kind__in=LINKAGE_KINDS).delete()
            self.assertEqual(linkage_index_rebuild(organisation_id=self.org.pk), 1)
            self.assertEqual(linkage_index_rebuild(organisation_id=self.org.pk), 1)
        self.assertEqual(self.linkage_entries(person), stored)

    def test_no_linkage_key_or_skeleton_of_a_canary_is_stored_or_logged_in_plaintext(self) -> None:
        logger = logging.getLogger()
        records: list[str] = []

        class Keep(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                records.append(record.getMessage())

        handler = Keep(level=logging.DEBUG)
        logger.addHandler(handler)
        previous = logger.level
        logger.setLevel(logging.DEBUG)
        try:
            person = self.register(
                given_name="Canarygivenqvx",
                family_name="Canaryfamilyzjw",
                other_names=["Canaryaliaskpt Canarysecondwq"],
                date_of_birth=datetime.date(1911, 11, 12),
                id_documents=[{"type": "passport", "number": "CANARYDOC77119"}],
            )
            self.check(given_name="Canarygivenqvx", family_name="Canaryfamilyzj", birth_year=1911)
            with system_scope():
                linkage_model_train(organisation_id=self.org.pk)
        finally:
            logger.removeHandler(handler)
            logger.setLevel(previous)
        plain = {key for _kind, key in person_linkage_keys(person)}
        for variant in person_variants(person):
            plain |= {variant.given_skel, variant.surname_skel, variant.given_cons, variant.surname_cons}
        plain = {value for value in plain if len(value) >= 6}
        self.assertTrue(any("|" in value for value in plain))
        dump = self.database_text()
        logged = "\n".join(records)
        for value in sorted(plain):
            self.assertNotIn(value, dump, "a linkage key in the database")
            self.assertNotIn(value, logged, "a linkage key in the logs")

    def database_text(self) -> str:
        parts = []
        for alias in ("default", "keys"):
            conn = connections[alias]
            with conn.cursor() as cursor:
                for table in conn.introspection.table_names(cursor):
                    cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the schema
                    parts.extend(repr(row) for row in cursor.fetchall())
        return "\n".join(parts).lower()


class ModelTests(IntakeTestCase):
    def test_a_trained_model_holds_numbers_and_digests_only(self) -> None:
        for n, (given, family) in enumerate(
            [
                ("Ardita", "Hoxhaj"),
                ("Ardita", "Hoxha"),
                ("Drita", "Marku"),
                ("Teuta", "Kola"),
                ("Besa", "Leka"),
            ]
            * 4
        ):
            self.register(
                given_name=given, family_name=family, date_of_birth=datetime.date(1990 + n, 1 + n % 12, 3)
            )
        with system_scope():
            stored = linkage_model_train(organisation_id=self.org.pk)
            self.assertEqual(LinkageModel.objects.filter(organisation=self.org).count(), 1)
        self.assertEqual(stored.records, 20)
        text = repr(stored.parameters).lower()
        for name in ("ardit", "hoxh", "hoj", "mark", "teut", "leka"):
            self.assertNotIn(name, text)
        self.assertTrue(stored.parameters["tf"]["surname"])

    def test_the_check_uses_the_trained_model_and_still_finds_the_person(self) -> None:
        person = self.register(
            given_name="Ardita", family_name="Hoxhaj", date_of_birth=datetime.date(1995, 4, 12)
        )
        for n in range(12):
            self.register(given_name=f"Name{'abcdefghijkl'[n]}a", family_name="Kola", birth_year=1980 + n)
        with system_scope():
            linkage_model_train(organisation_id=self.org.pk)
        self.assert_finds(
            person, given_name="Ardita", family_name="Hoxha", date_of_birth=datetime.date(1995, 4, 12)
        )


class BulkTests(IntakeTestCase):
    def test_the_bulk_check_answers_each_record_in_order(self) -> None:
        ardita = self.register(
            given_name="Ardita", family_name="Hoxhaj", date_of_birth=datetime.date(1995, 4, 12)
        )
        drita = self.register(
            given_name="Drita", family_name="Marku", date_of_birth=datetime.date(1998, 3, 7)
        )
        records = [
            {"given_name": "Drita", "family_name": "Marku", "date_of_birth": datetime.date(1998, 7, 3)},
            {"given_name": "Zana", "family_name": "Vata", "birth_year": 1970},
            {"given_name": "Ardita", "family_name": "Hoxha", "date_of_birth": datetime.date(1995, 4, 12)},
        ]
        with system_scope(), translation.override("en"):
            found = registry_candidates_bulk(actor=self.bob, organisation_id=self.org.pk, records=records)
        self.assertEqual([[c.person.pk for c in row] for row in found], [[drita.pk], [], [ardita.pk]])
        self.assertTrue(found[0][0].explanation)

    def test_the_bulk_check_asks_the_database_as_often_for_many_rows_as_for_few(self) -> None:
        self.register(given_name="Ardita", family_name="Hoxhaj", date_of_birth=datetime.date(1995, 4, 12))
        row = {"given_name": "Ardita", "family_name": "Hoxha", "date_of_birth": datetime.date(1995, 4, 12)}

        def queries(n: int) -> int:
            with system_scope(), CaptureQueriesContext(connection) as context:
                registry_candidates_bulk(actor=self.bob, organisation_id=self.org.pk, records=[row] * n)
            return len(context.captured_queries)

        queries(1)  # the model and the registry size are cached after the first call
        self.assertEqual(queries(3), queries(40))

    def test_the_bulk_check_of_another_organisation_returns_nothing(self) -> None:
        self.register(given_name="Ardita", family_name="Hoxhaj", date_of_birth=datetime.date(1995, 4, 12))
        with system_scope():
            found = registry_candidates_bulk(
                actor=self.dave,
                organisation_id=self.org.pk,
                records=[{"given_name": "Ardita", "family_name": "Hoxha", "birth_year": 1995}],
            )
        self.assertEqual(found, [[]])


class ApiTests(IntakeTestCase):
    def create(self, **body):  # type: ignore[no-untyped-def]
        payload = {"unit": str(self.diocese_a.public_id), **body}
        return self.client.post(
            reverse("api:persons_create"),
            data=json.dumps(payload),
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )

    def test_the_409_answer_explains_each_candidate_in_words(self) -> None:
        person = self.register(
            given_name="Drita", family_name="Marku", date_of_birth=datetime.date(1998, 3, 7)
        )
        self.login(self.bob)
        conflict = self.create(given_name="Drita", family_name="Marku", date_of_birth="1998-07-03")
        self.assertEqual(conflict.status_code, 409)
        (candidate,) = conflict.json()["candidates"]
        self.assertEqual(candidate["code"], person.code)
        with translation.override(conflict["Content-Language"]):
            self.assertIn(
                gettext("date of birth") + ": " + gettext("day and month swapped"), candidate["explanation"]
            )

    def test_another_units_user_gets_only_the_notice_and_no_explanation(self) -> None:
        self.register(given_name="Drita", family_name="Marku", date_of_birth=datetime.date(1998, 3, 7))
        self.login(self.charlie)
        response = self.client.post(
            reverse("api:persons_create"),
            data=json.dumps(
                {
                    "unit": str(self.diocese_b.public_id),
                    "given_name": "Drita",
                    "family_name": "Marku",
                    "date_of_birth": "1998-07-03",
                }
            ),
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["candidates"], [])
        self.assertTrue(response.json()["elsewhere"])


class CommandTests(IntakeTestCase):
    def test_index_and_train_print_counts_only_and_refuse_an_unknown_organisation(self) -> None:
        self.register(given_name="Ardita", family_name="Hoxhaj", date_of_birth=datetime.date(1995, 4, 12))
        out = io.StringIO()
        call_command("linkage", "index", "--organisation", "al", stdout=out)
        call_command("linkage", "train", "--organisation", "al", stdout=out)
        self.assertIn("1 persons indexed", out.getvalue())
        self.assertIn("Weights learnt from 1 persons", out.getvalue())
        self.assertNotIn("ardit", out.getvalue().lower())
        with self.assertRaises(CommandError):
            call_command("linkage", "index", "--organisation", "nope", stdout=out)
        with self.assertRaises(CommandError):
            call_command("linkage", "train", stdout=out)
