"""The person registry pages: register, search, the person page, edit, relatives and households."""

from __future__ import annotations

import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.models import Consent, Person, PersonRelation
from kujdes.people.services import person_create, person_update


class RegistrationTests(BaseTestCase):
    def post(self, **fields):  # type: ignore[no-untyped-def]
        data = {"unit": str(self.diocese_a.public_id), "sex": "Feminine", **fields}
        return self.client.post(reverse("person_create"), data)

    def test_candidates_are_shown_and_the_form_keeps_every_value(self) -> None:
        with system_scope():
            existing = person_create(
                actor=self.alice,
                unit=self.diocese_a,
                given_name="Ëngjëllushe",
                family_name="Çela",
                birth_year=2007,
            )
        self.login(self.bob)
        response = self.post(
            given_name="Engjellushe",
            family_name="Cela",
            birth_year="2007",
            phones="0671234567",
            municipality="Lezhë",
            citizenships="al, xk",
            categories=["woman_at_risk"],
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, existing.code)
        self.assertContains(response, reverse("person_detail", kwargs={"public_id": existing.public_id}))
        for typed in ('value="Engjellushe"', 'value="Cela"', "0671234567", 'value="Lezhë"', 'value="al, xk"'):
            self.assertContains(response, typed)
        self.assertContains(response, 'name="confirm_new" value="1"')
        with system_scope():
            self.assertEqual(Person.objects.filter(unit=self.diocese_a).count(), 1)

    def test_register_as_new_after_the_check_creates_the_person(self) -> None:
        with system_scope():
            person_create(actor=self.alice, unit=self.diocese_a, given_name="Ëngjëllushe", family_name="Çela")
        self.login(self.bob)
        response = self.post(
            given_name="Engjellushe",
            family_name="Cela",
            age="17",
            municipality="tirane",
            citizenships="AL",
            languages="sq, en",
            categories=["child_at_risk"],
            confirm_new="1",
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            person = Person.objects.get(public_id=response.url.split("/")[-2])
        self.assertEqual(person.municipality, "Tiranë")
        self.assertTrue(person.birth_date_estimated)
        self.assertEqual(
            (person.citizenships, person.languages, person.categories),
            (["AL"], ["sq", "en"], ["child_at_risk"]),
        )

    def test_a_municipality_outside_the_list_is_refused_for_albania(self) -> None:
        self.login(self.alice)
        response = self.post(given_name="Arta", municipality="Atlantis", confirm_new="1")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'value="Atlantis"', status_code=400)

    def test_a_field_educator_registers_minimal_fields_and_sees_only_a_confirmation(self) -> None:
        self.login(self.educator)
        form = self.client.get(reverse("person_create"))
        self.assertNotContains(form, 'name="phones"')
        response = self.client.post(
            reverse("person_create"),
            {
                "unit": str(self.centre_a.public_id),
                "given_name": "Blerina",
                "sex": "Feminine",
                "birth_year": "2011",
                "municipality": "Shkodër",
                "categories": ["child_at_risk"],
                "consent_given": "on",
                "consent_given_by": "guardian",
                "consent_method": "oral",
                "guardian_name": "Prind Test",
            },
        )
        self.assertEqual(response.status_code, 200)
        with system_scope():
            consent = Consent.objects.select_related("person", "guardian").get(person__unit=self.centre_a)
            person = consent.person
            # The guardian who agreed is registered with the child, as the child's guardian.
            self.assertTrue(
                PersonRelation.objects.filter(
                    person=person, relative=consent.guardian, is_guardian=True
                ).exists()
            )
        self.assertContains(response, person.code)
        self.assertNotContains(response, reverse("person_detail", kwargs={"public_id": person.public_id}))
        self.assertEqual((consent.purpose, consent.given_by), ("case_management", "guardian"))
        self.assertEqual(
            self.client.get(reverse("person_detail", kwargs={"public_id": person.public_id})).status_code, 404
        )

    def test_the_educator_must_record_the_consent(self) -> None:
        self.login(self.educator)
        response = self.client.post(
            reverse("person_create"),
            {
                "unit": str(self.centre_a.public_id),
                "given_name": "Blerina",
                "sex": "Feminine",
                "categories": ["child_at_risk"],
                "consent_given_by": "self",
                "consent_method": "oral",
            },
        )
        self.assertEqual(response.status_code, 400)

    def test_field_educators_and_volunteers_never_see_the_person_list(self) -> None:
        for user in (self.educator, self.volunteer):
            self.login(user)
            self.assertEqual(self.client.get(reverse("person_list")).status_code, 403)
        self.login(self.volunteer)
        self.assertEqual(self.client.get(reverse("person_create")).status_code, 403)

    def test_malformed_input_is_a_clear_400_never_a_500(self) -> None:
        self.login(self.alice)
        for fields in (
            {"given_name": ""},
            {"given_name": "A", "birth_year": "two thousand"},
            {"given_name": "A", "birth_year": "1200"},
            {"given_name": "A", "date_of_birth": "31/02/2001"},
            {"given_name": "A", "age": "17", "birth_year": "2008"},
            {"given_name": "A" * 5000},
            {"given_name": "A", "sex": "robot"},
            {"given_name": "A", "categories": ["wizard"]},
            {"given_name": "A", "citizenships": "Albania"},
            {"given_name": "A", "id_documents": "library card: 12"},
            {"given_name": "A", "unit": str(self.diocese_b.public_id)},
            {"given_name": "A", "unit": "not-a-uuid"},
            {"given_name": "A", "children_count": "-1"},
        ):
            with self.subTest(fields=fields):
                self.assertEqual(self.post(**fields).status_code, 400)


class PersonPageTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        with system_scope():
            self.person = person_create(
                actor=self.alice,
                unit=self.diocese_a,
                given_name="Arta",
                family_name="Kola",
                birth_year=2012,
                phones=["0691234567"],
                categories=["child_at_risk"],
            )
        self.url = reverse("person_detail", kwargs={"public_id": self.person.public_id})

    def test_the_page_shows_the_identity_and_the_view_is_audited(self) -> None:
        self.login(self.bob)
        response = self.client.get(self.url)
        self.assertContains(response, "Arta")
        self.assertContains(response, self.person.code)
        with system_scope():
            self.assertTrue(
                AuditEvent.objects.filter(action="person.identity.viewed", actor=self.bob).exists()
            )

    def test_charlie_and_dave_get_the_same_404_as_for_nobody(self) -> None:
        names = ("person_detail", "person_edit", "person_relation_add", "person_merge_propose")
        for user in (self.charlie, self.dave, self.educator, self.volunteer):
            self.login(user)
            for name in names:
                with self.subTest(user=user.username, page=name):
                    foreign = self.client.get(reverse(name, kwargs={"public_id": self.person.public_id}))
                    missing = self.client.get(reverse(name, kwargs={"public_id": uuid.uuid4()}))
                    self.assertEqual((foreign.status_code, missing.status_code), (404, 404))

    def test_a_minor_without_a_guardian_shows_a_warning_until_one_is_recorded(self) -> None:
        self.login(self.alice)
        self.assertContains(self.client.get(self.url), 'role="alert"')
        response = self.client.post(
            reverse("person_relation_add", kwargs={"public_id": self.person.public_id}),
            {
                "kind": "parent",
                "is_guardian": "on",
                "given_name": "Gjyste",
                "family_name": "Kola",
                "sex": "Feminine",
                "birth_year": "1985",
            },
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            relation = PersonRelation.objects.get(person=self.person)
            self.assertEqual(relation.relative.categories, ["family_member"])
        page = self.client.get(self.url)
        self.assertNotContains(page, 'role="alert"')
        self.assertContains(page, relation.relative.code)

    def test_a_relative_from_another_diocese_cannot_be_linked(self) -> None:
        with system_scope():
            other = person_create(actor=self.charlie, unit=self.diocese_b, given_name="Zana")
        self.login(self.alice)
        response = self.client.post(
            reverse("person_relation_add", kwargs={"public_id": self.person.public_id}),
            {"kind": "sibling", "relative_code": other.code, "sex": "Feminine"},
        )
        self.assertEqual(response.status_code, 400)

    def test_a_household_is_opened_and_joined(self) -> None:
        with system_scope():
            sister = person_create(
                actor=self.alice, unit=self.diocese_a, given_name="Lira", family_name="Kola"
            )
        self.login(self.alice)
        url = reverse("person_household", kwargs={"public_id": self.person.public_id})
        self.assertEqual(self.client.post(url, {"member_code": ""}).status_code, 302)
        sister_url = reverse("person_household", kwargs={"public_id": sister.public_id})
        self.assertEqual(self.client.post(sister_url, {"member_code": self.person.code}).status_code, 302)
        with system_scope():
            self.person.refresh_from_db()
            sister.refresh_from_db()
        self.assertIsNotNone(self.person.household_id)
        self.assertEqual(sister.household_id, self.person.household_id)
        self.assertContains(self.client.get(self.url), sister.code)

    def test_a_stale_edit_keeps_the_input_and_says_someone_else_saved(self) -> None:
        self.login(self.alice)
        edit = reverse("person_edit", kwargs={"public_id": self.person.public_id})
        self.assertContains(self.client.get(edit), 'name="version" value="1"')
        with system_scope():
            person_update(
                actor=self.bob,
                person=Person.objects.get(pk=self.person.pk),
                expected_version=1,
                changes={"family_name": "Gjoni"},
            )
        response = self.client.post(
            edit,
            {
                "version": "1",
                "given_name": "Arta",
                "family_name": "Leka",
                "sex": "Feminine",
                "birth_year": "2012",
                "address": "Rruga e Re 5",
            },
        )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, 'value="Leka"', status_code=409)
        self.assertContains(response, "Rruga e Re 5", status_code=409)
        self.assertContains(response, 'name="version" value="2"', status_code=409)
        with system_scope():
            self.assertEqual(Person.objects.get(pk=self.person.pk).family_name, "Gjoni")

    def test_an_edit_saves_and_search_follows_the_new_name(self) -> None:
        self.login(self.alice)
        edit = reverse("person_edit", kwargs={"public_id": self.person.public_id})
        response = self.client.post(
            edit,
            {
                "version": "1",
                "given_name": "Arta",
                "family_name": "Leka",
                "sex": "Feminine",
                "birth_year": "2012",
                "marital_status": "Single",
                "education": "PrimaryEducation",
            },
        )
        self.assertEqual(response.status_code, 302)
        listing = self.client.get(reverse("person_list"), {"q": "lek"})
        self.assertContains(listing, self.person.code)

    def test_the_programme_manager_reads_but_does_not_edit(self) -> None:
        self.login(self.manager)
        self.assertEqual(self.client.get(self.url).status_code, 200)
        edit = reverse("person_edit", kwargs={"public_id": self.person.public_id})
        self.assertEqual(self.client.get(edit).status_code, 403)


class PersonListTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        with system_scope():
            self.arta = person_create(
                actor=self.alice,
                unit=self.diocese_a,
                given_name="Ëngjëllushe",
                family_name="Çela",
                phones=["0691234567"],
                id_documents=[{"type": "passport", "number": "BA1234567"}],
                categories=["victim"],
            )
            self.other = person_create(actor=self.charlie, unit=self.diocese_b, given_name="Engjell")

    def search(self, **params):  # type: ignore[no-untyped-def]
        return self.client.get(reverse("person_list"), params)

    def test_search_by_prefix_accents_code_phone_and_id(self) -> None:
        self.login(self.alice)
        for query in (
            "eng",
            "ENGJË",
            "cel",
            "engj cela",
            self.arta.code.lower(),
            "069 123 4567",
            "ba1234567",
        ):
            with self.subTest(query=query):
                self.assertContains(self.search(q=query), self.arta.code)
        self.assertNotContains(self.search(q="en"), self.arta.code)  # two letters: whole tokens only
        self.assertNotContains(self.search(q="gjell"), self.arta.code)  # prefixes, not infixes

    def test_charlie_does_not_find_alices_person(self) -> None:
        self.login(self.charlie)
        response = self.search(q="eng")
        self.assertNotContains(response, self.arta.code)
        self.assertContains(response, self.other.code)

    def test_filters_by_category_and_unit(self) -> None:
        self.login(self.alice)
        self.assertContains(self.search(category="victim"), self.arta.code)
        self.assertNotContains(self.search(category="child_at_risk"), self.arta.code)
        self.assertNotContains(self.search(unit=str(self.centre_a.public_id)), self.arta.code)
        self.assertEqual(self.search(unit="nonsense", category="wizard").status_code, 400)

    def test_htmx_gets_only_the_results(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("person_list"), {"q": "cela"}, HTTP_HX_REQUEST="true")
        self.assertContains(response, self.arta.code)
        self.assertNotContains(response, "<html")

    def test_the_query_count_does_not_grow_with_the_page(self) -> None:
        self.login(self.alice)
        self.search()

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.search().status_code, 200)
            return len(queries)

        few = count()
        with system_scope():
            for index in range(30):
                person_create(actor=self.alice, unit=self.diocese_a, given_name=f"Test{index}")
        self.assertEqual(count(), few)


class SeedTests(BaseTestCase):
    def test_seeded_persons_are_found_by_a_name_prefix(self) -> None:
        from kujdes.people.seed import persons_bulk_create, persons_synthetic
        from kujdes.people.selectors import person_search, persons_with_keys

        with system_scope():
            created = persons_bulk_create(
                actor=None, persons=persons_synthetic(units=[(self.diocese_a, 1.0)], count=20, seed=3)
            )
            self.assertEqual(created, 20)
            person = persons_with_keys([Person.objects.filter(unit=self.diocese_a).first()])[0]
            prefix = person.given_name[:3]
            self.assertIn(person, list(person_search(actor=self.alice, query=prefix)))
