"""Case workers record and withdraw consents on the person page; the referral check then passes."""

from __future__ import annotations

import uuid

from django.urls import reverse
from django.utils import translation

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.consent import consent_active
from kujdes.people.models import Consent
from kujdes.people.services import person_create
from kujdes.people.subject_access import subject_access_data


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


class ConsentLanguageTests(BaseTestCase):
    """The text read to the person is shown in the language chosen, and the consent records that language."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.person = person_create(
                actor=cls.alice, unit=cls.diocese_a, given_name="Olena", birth_year=1990
            )

    def url(self) -> str:
        return reverse("person_consent_add", kwargs={"public_id": self.person.public_id})

    def test_the_text_to_read_is_shown_in_the_language_asked_for(self) -> None:
        self.login(self.alice)
        response = self.client.get(self.url(), {"purpose": "referral", "language": "uk"})
        self.assertContains(response, "Ми хотіли б перенаправити вас до іншої служби")
        self.assertEqual(response.context["form"]["language"].value(), "uk")
        arabic = self.client.get(self.url(), {"purpose": "statistics", "language": "ar"})
        self.assertContains(arabic, 'lang="ar" dir="rtl"')

    def test_the_language_defaults_to_the_interface_language(self) -> None:
        self.login(self.alice)
        with translation.override("fr"):
            response = self.client.get(self.url(), HTTP_ACCEPT_LANGUAGE="fr")
        self.assertIn(response.context["form"]["language"].value(), {response.context["read_in"]})

    def test_the_consent_records_the_language_it_was_read_in_and_shows_it(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            self.url(),
            {
                "purpose": "referral",
                "given_by": "self",
                "method": "oral",
                "given_on": "2026-11-01",
                "language": "uk",
            },
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            consent = Consent.objects.get(person=self.person)
            event = AuditEvent.objects.filter(action="consent.recorded").latest("pk")
            data = subject_access_data(person=self.person)
        self.assertEqual(consent.language, "uk")
        self.assertEqual(event.details["language"], "uk")
        self.assertEqual(data["consents"][0]["read_in_language"], "uk")
        page = self.client.get(reverse("person_detail", kwargs={"public_id": self.person.public_id}))
        self.assertContains(page, "Українська")

    def test_an_unknown_language_is_refused(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            self.url(),
            {
                "purpose": "referral",
                "given_by": "self",
                "method": "oral",
                "given_on": "2026-11-01",
                "language": "xx",
            },
        )
        self.assertEqual(response.status_code, 400)
        with system_scope():
            self.assertFalse(Consent.objects.filter(person=self.person).exists())

    def test_charlie_gets_no_consent_page_for_alices_person(self) -> None:
        self.login(self.charlie)
        self.assertIn(self.client.get(self.url(), {"language": "ar"}).status_code, (403, 404))
