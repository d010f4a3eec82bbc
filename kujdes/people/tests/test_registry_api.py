"""The registry API: search, registration with the duplicate check (409), duplicates of a person."""

from __future__ import annotations

import json
import uuid

from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.models import Person
from kujdes.people.services import person_create


class RegistryApiTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        with system_scope():
            self.person = person_create(
                actor=self.alice,
                unit=self.diocese_a,
                given_name="Ëngjëllushe",
                family_name="Çela",
                birth_year=2007,
            )

    def create(self, **body):  # type: ignore[no-untyped-def]
        payload = {"unit": str(self.diocese_a.public_id), **body}
        return self.client.post(
            reverse("api:persons_create"), data=json.dumps(payload), content_type="application/json"
        )

    def test_the_list_searches_by_prefix_without_accents(self) -> None:
        self.login(self.bob)
        # Names only when asked for (each identity read is audited then).
        body = self.client.get(reverse("api:persons_list"), {"q": "engj", "fields": "identity"}).json()
        self.assertEqual([r["code"] for r in body["results"]], [self.person.code])
        self.assertEqual(body["results"][0]["given_name"], "Ëngjëllushe")

    def test_registration_answers_409_with_candidates_until_confirmed(self) -> None:
        self.login(self.bob)
        conflict = self.create(given_name="Engjellushe", family_name="Cela", birth_year=2007)
        self.assertEqual(conflict.status_code, 409)
        self.assertEqual([c["code"] for c in conflict.json()["candidates"]], [self.person.code])
        created = self.create(given_name="Engjellushe", family_name="Cela", birth_year=2007, confirm_new=True)
        self.assertEqual(created.status_code, 201)
        self.assertEqual(created.json()["given_name"], "Engjellushe")

    def test_an_educator_registers_and_gets_no_identity_back(self) -> None:
        self.login(self.educator)
        response = self.create(
            unit=str(self.centre_a.public_id), given_name="Besa", categories=["child_at_risk"]
        )
        self.assertEqual(response.status_code, 201)
        self.assertIsNone(response.json()["given_name"])
        conflict = self.create(unit=str(self.centre_a.public_id), given_name="Besa", family_name="Hoxha")
        self.assertEqual(conflict.status_code, 201)  # a first name alone is no duplicate

    def test_bad_values_are_400_or_422_never_500(self) -> None:
        self.login(self.alice)
        self.assertEqual(
            self.create(given_name="X", municipality="Atlantis", confirm_new=True).status_code, 400
        )
        self.assertEqual(self.create(given_name="X", sex="robot", confirm_new=True).status_code, 400)
        self.assertEqual(
            self.create(given_name="X", citizenships=["Albania"], confirm_new=True).status_code, 400
        )
        self.assertEqual(self.create(given_name="").status_code, 422)
        self.assertEqual(self.create(given_name="X", unit="nope").status_code, 422)
        self.assertEqual(self.client.get(reverse("api:persons_list"), {"page": "x"}).status_code, 422)

    def test_charlie_and_dave_get_404_for_alices_person_and_unit(self) -> None:
        for user in (self.charlie, self.dave):
            self.login(user)
            foreign = self.client.get(
                reverse("api:persons_duplicates", kwargs={"person_id": self.person.public_id})
            )
            missing = self.client.get(reverse("api:persons_duplicates", kwargs={"person_id": uuid.uuid4()}))
            self.assertEqual((foreign.status_code, foreign.content), (missing.status_code, missing.content))
            self.assertEqual(self.create(given_name="X", confirm_new=True).status_code, 404)
            listed = self.client.get(reverse("api:persons_list"), {"unit": str(self.diocese_a.public_id)})
            self.assertEqual(listed.status_code, 404)
        with system_scope():
            self.assertEqual(Person.objects.count(), 1)

    def test_duplicates_of_a_registered_person_leave_the_person_out(self) -> None:
        with system_scope():
            twin = person_create(
                actor=self.bob, unit=self.diocese_a, given_name="Engjellushe", family_name="Cela"
            )
        self.login(self.alice)
        body = self.client.get(
            reverse("api:persons_duplicates", kwargs={"person_id": self.person.public_id})
        ).json()
        self.assertEqual([c["id"] for c in body["candidates"]], [str(twin.public_id)])
