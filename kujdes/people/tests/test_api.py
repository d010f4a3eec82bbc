"""The persons API: audited reads, scoped like the rest, 409 with the current version on a stale save."""

from __future__ import annotations

import json
import uuid

from django.urls import reverse

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.services import person_create


class PersonApiTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        with system_scope():
            self.person = person_create(
                actor=self.alice, unit=self.diocese_a, given_name="Besa", family_name="Dushi"
            )
        self.url = reverse("api:persons_get", kwargs={"person_id": self.person.public_id})

    def patch(self, body: dict):  # type: ignore[no-untyped-def]
        return self.client.patch(self.url, data=json.dumps(body), content_type="application/json")

    def test_reading_an_identity_is_audited(self) -> None:
        self.login(self.bob)
        body = self.client.get(self.url).json()
        self.assertEqual((body["given_name"], body["version"]), ("Besa", 1))
        with system_scope():
            self.assertTrue(
                AuditEvent.objects.filter(
                    action="person.identity.viewed", actor=self.bob, object_id=str(self.person.public_id)
                ).exists()
            )

    def test_charlie_and_dave_get_the_same_404_as_for_nobody(self) -> None:
        missing = reverse("api:persons_get", kwargs={"person_id": uuid.uuid4()})
        for user in (self.charlie, self.dave, self.volunteer, self.educator):
            self.login(user)
            foreign, nothing = self.client.get(self.url), self.client.get(missing)
            self.assertEqual((foreign.status_code, foreign.content), (nothing.status_code, nothing.content))
            self.assertEqual(foreign.status_code, 404)
            self.assertEqual(self.patch({"version": 1, "family_name": "X"}).status_code, 404)

    def test_a_stale_save_answers_409_with_the_current_version(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.patch({"version": 1, "family_name": "Gjoka"}).status_code, 200)
        stale = self.patch({"version": 1, "family_name": "Leka"})
        self.assertEqual(stale.status_code, 409)
        current = stale.json()["current"]
        self.assertEqual((current["family_name"], current["version"]), ("Gjoka", 2))
        self.assertEqual(self.patch({"version": 2, "family_name": "Leka"}).json()["version"], 3)

    def test_a_manager_may_read_but_not_change(self) -> None:
        self.login(self.manager)
        self.assertEqual(self.client.get(self.url).status_code, 200)
        self.assertEqual(self.patch({"version": 1, "family_name": "X"}).status_code, 403)

    def test_malformed_input_is_a_clear_422_not_a_crash(self) -> None:
        self.login(self.alice)
        for body in ({"family_name": "X"}, {"version": "one"}, {"version": 1, "date_of_birth": "31/02/2001"}):
            self.assertEqual(self.patch(body).status_code, 422, body)
