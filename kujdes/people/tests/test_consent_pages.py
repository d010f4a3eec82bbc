"""Case workers record and withdraw consents on the person page; the referral check then passes."""

from __future__ import annotations

import uuid

from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.consent import consent_active
from kujdes.people.models import Consent
from kujdes.people.services import person_create


class ConsentPageTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.person = person_create(
                actor=cls.alice, unit=cls.diocese_a, given_name="Vera", birth_year=2011
            )

    def url(self, public_id: object = None) -> str:
        return reverse("person_consent_add", kwargs={"public_id": public_id or self.person.public_id})

    def test_a_guardians_consent_is_recorded_and_counts_for_referrals(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            self.url(),
            {
                "purpose": "referral",
                "given_by": "guardian",
                "guardian_name": "Mira Krasniqi",
                "method": "written",
                "given_on": "2026-11-01",
            },
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            self.assertIsNotNone(consent_active(person=self.person, purpose="referral"))

    def test_a_guardians_consent_without_the_name_keeps_the_input_and_says_why(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            self.url(),
            {"purpose": "referral", "given_by": "guardian", "method": "oral", "given_on": "2026-11-01"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'value="2026-11-01"', status_code=400)
        with system_scope():
            self.assertFalse(Consent.objects.filter(person=self.person).exists())

    def test_a_future_date_is_refused(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            self.url(), {"purpose": "photos", "given_by": "self", "method": "oral", "given_on": "2099-01-01"}
        )
        self.assertEqual(response.status_code, 400)

    def test_withdrawing_ends_the_consent(self) -> None:
        self.login(self.alice)
        self.client.post(
            self.url(),
            {
                "purpose": "referral",
                "given_by": "guardian",
                "guardian_name": "Mira Krasniqi",
                "method": "oral",
                "given_on": "2026-11-01",
            },
        )
        with system_scope():
            consent = Consent.objects.get(person=self.person)
        self.client.post(
            reverse(
                "person_consent_withdraw",
                kwargs={"public_id": self.person.public_id, "consent_id": consent.public_id},
            )
        )
        with system_scope():
            self.assertIsNone(consent_active(person=self.person, purpose="referral"))

    def test_charlie_and_dave_get_404_like_for_a_missing_person(self) -> None:
        for user in (self.charlie, self.dave):
            self.login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(self.url()).status_code, 404)
                self.assertEqual(self.client.get(self.url(uuid.uuid4())).status_code, 404)
