"""Consent at every intake (issue 20, item 3): a case worker records the consents with the registration;
a child's consents name a recorded guardian (registered before, or in the same step); withdrawn photos
are hidden."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.consent import consent_record, consent_withdraw
from kujdes.people.models import Consent, Person, PersonFileKind, PersonRelation
from kujdes.people.selectors import files_of_person
from kujdes.people.services import person_create, person_file_store

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\nA photo, for the test\n%%EOF\n"


class IntakeTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        translation.activate("en")
        self.addCleanup(translation.deactivate)
        self.child_year = str(timezone.localdate().year - 10)

    def registration(self, **values: object) -> dict[str, object]:
        return {
            "unit": str(self.diocese_a.public_id),
            "given_name": "Arta",
            "family_name": "Lleshi",
            "sex": "Feminine",
            "birth_year": "1990",
            "confirm_new": "1",
            "consents": ["case_management", "referral", "statistics"],
            "consent_given_by": "self",
            "consent_method": "written",
            **values,
        }

    def registered(self, response: object) -> Person:
        self.assertEqual(response.status_code, 302, response.content.decode()[-3000:])  # type: ignore[attr-defined]
        with system_scope():
            return Person.objects.get(public_id=response["Location"].rstrip("/").split("/")[-1])  # type: ignore[index]


class RegistrationConsentTests(IntakeTestCase):
    def test_a_case_worker_records_the_consents_with_the_registration(self) -> None:
        self.login(self.alice)
        person = self.registered(self.client.post(reverse("person_create"), self.registration()))
        with system_scope():
            consents = Consent.objects.filter(person=person)
            self.assertEqual(
                sorted(consents.values_list("purpose", flat=True)),
                ["case_management", "referral", "statistics"],
            )
            self.assertEqual({c.given_by for c in consents}, {"self"})
            self.assertEqual(
                AuditEvent.objects.filter(action="consent.recorded", object_id=str(person.public_id)).count(),
                3,
            )

    def test_no_consent_ticked_registers_the_person_without_one(self) -> None:
        self.login(self.alice)
        person = self.registered(self.client.post(reverse("person_create"), self.registration(consents=[])))
        with system_scope():
            self.assertFalse(Consent.objects.filter(person=person).exists())

    def test_a_childs_consent_given_by_herself_is_refused_and_the_form_kept(self) -> None:
        self.login(self.alice)
        with system_scope():
            before = Person.objects.count()
        response = self.client.post(reverse("person_create"), self.registration(birth_year=self.child_year))
        self.assertContains(
            response, "A child&#x27;s consent is given by a parent or guardian.", status_code=400
        )
        self.assertContains(response, 'value="Lleshi"', status_code=400)
        with system_scope():
            self.assertEqual(Person.objects.count(), before)

    def test_a_guardian_named_at_registration_is_registered_as_the_childs_guardian(self) -> None:
        self.login(self.alice)
        child = self.registered(
            self.client.post(
                reverse("person_create"),
                self.registration(
                    birth_year=self.child_year,
                    consent_given_by="guardian",
                    guardian_name="Mira Lleshi",
                    guardian_kind="parent",
                ),
            )
        )
        with system_scope():
            consents = list(Consent.objects.filter(person=child).select_related("guardian"))
            self.assertEqual(len(consents), 3)
            guardian = consents[0].guardian
            self.assertIsNotNone(guardian)
            self.assertEqual({c.guardian_id for c in consents}, {guardian.pk})
            relation = PersonRelation.objects.get(person=child, relative=guardian)
            self.assertTrue(relation.is_guardian)
            self.assertEqual(relation.kind, "parent")
            self.assertEqual(guardian.categories, ["family_member"])
        page = self.client.get(reverse("person_detail", kwargs={"public_id": child.public_id}))
        self.assertContains(page, guardian.code)

    def test_a_registered_guardian_is_named_by_code(self) -> None:
        with system_scope():
            mother = person_create(
                actor=self.alice, unit=self.diocese_a, given_name="Drane", family_name="Gjoka"
            )
        self.login(self.alice)
        child = self.registered(
            self.client.post(
                reverse("person_create"),
                self.registration(
                    birth_year=self.child_year,
                    consents=["photos"],
                    consent_given_by="guardian",
                    guardian_code=mother.code.lower(),
                ),
            )
        )
        with system_scope():
            consent = Consent.objects.get(person=child)
            self.assertEqual((consent.purpose, consent.guardian_id), ("photos", mother.pk))
            self.assertTrue(
                PersonRelation.objects.filter(person=child, relative=mother, is_guardian=True).exists()
            )

    def test_a_guardian_of_another_unit_or_organisation_is_not_found_and_nothing_is_written(self) -> None:
        with system_scope():
            foreign = [
                person_create(actor=self.charlie, unit=self.diocese_b, given_name="Besnik"),
                person_create(actor=self.dave, unit=self.other_unit, given_name="Jean"),
            ]
            before = Person.objects.count()
        self.login(self.alice)
        for other in foreign:
            response = self.client.post(
                reverse("person_create"),
                self.registration(
                    birth_year=self.child_year, consent_given_by="guardian", guardian_code=other.code
                ),
            )
            self.assertContains(response, "No person with this code in your units.", status_code=400)
            self.assertContains(response, other.code, status_code=400)
        with system_scope():
            self.assertEqual(Person.objects.count(), before)

    def test_a_guardians_consent_needs_the_guardian(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            reverse("person_create"),
            self.registration(birth_year=self.child_year, consent_given_by="guardian"),
        )
        self.assertContains(response, "Give the name of the parent or guardian.", status_code=400)


class LaterConsentTests(IntakeTestCase):
    def setUp(self) -> None:
        super().setUp()
        with system_scope():
            self.child = person_create(
                actor=self.alice, unit=self.diocese_a, given_name="Vera", birth_year=int(self.child_year)
            )
            self.father = person_create(
                actor=self.alice, unit=self.diocese_a, given_name="Pal", family_name="Kola"
            )
            self.uncle = person_create(actor=self.alice, unit=self.diocese_a, given_name="Zef")
            PersonRelation.objects.create(
                organisation=self.org,
                person=self.child,
                relative=self.father,
                kind="parent",
                is_guardian=True,
            )
            PersonRelation.objects.create(
                organisation=self.org, person=self.child, relative=self.uncle, kind="other_relative"
            )
        self.url = reverse("person_consent_add", kwargs={"public_id": self.child.public_id})

    def data(self, **values: str) -> dict[str, str]:
        return {
            "purpose": "referral",
            "given_by": "guardian",
            "method": "written",
            "given_on": "2026-11-01",
            **values,
        }

    def test_the_recorded_guardians_are_offered_and_the_chosen_one_is_named(self) -> None:
        self.login(self.alice)
        page = self.client.get(self.url)
        self.assertContains(page, f'value="{self.father.public_id}"')
        self.assertNotContains(page, f'value="{self.uncle.public_id}"')  # a relative, not the guardian
        response = self.client.post(self.url, self.data(guardian=str(self.father.public_id)))
        self.assertEqual(response.status_code, 302)
        with system_scope():
            self.assertEqual(Consent.objects.get(person=self.child).guardian_id, self.father.pk)

    def test_a_relative_who_is_not_the_guardian_cannot_be_chosen(self) -> None:
        self.login(self.alice)
        response = self.client.post(self.url, self.data(guardian=str(self.uncle.public_id), method="oral"))
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'value="2026-11-01"', status_code=400)
        with system_scope():
            self.assertFalse(Consent.objects.filter(person=self.child).exists())

    def test_a_child_does_not_consent_alone(self) -> None:
        self.login(self.alice)
        response = self.client.post(self.url, self.data(given_by="self"))
        self.assertContains(
            response, "A child&#x27;s consent is given by a parent or guardian.", status_code=400
        )

    def test_the_service_refuses_a_guardian_who_is_not_recorded(self) -> None:
        with system_scope(), self.assertRaises(ValidationError) as refused:
            consent_record(
                actor=self.alice,
                person=self.child,
                purpose="photos",
                given_by="guardian",
                method="oral",
                given_on=timezone.localdate(),
                guardian=self.uncle,
            )
        self.assertIn("guardian", refused.exception.message_dict)

    def test_charlie_and_dave_get_404(self) -> None:
        for user in (self.charlie, self.dave):
            self.login(user)
            self.assertEqual(self.client.get(self.url).status_code, 404)
            self.assertEqual(
                self.client.post(self.url, self.data(guardian=str(self.father.public_id))).status_code, 404
            )


class PhotosWithdrawnTests(IntakeTestCase):
    def test_withdrawing_the_photos_consent_hides_the_photos(self) -> None:
        with system_scope():
            person = person_create(actor=self.alice, unit=self.diocese_a, given_name="Lule", birth_year=1995)
            consent = consent_record(
                actor=self.alice,
                person=person,
                purpose="photos",
                given_by="self",
                method="written",
                given_on=datetime.date(2026, 10, 1),
            )
            photo = person_file_store(
                actor=self.alice,
                person=person,
                upload=SimpleUploadedFile("photo.pdf", PDF),
                kind=PersonFileKind.PHOTO,
            )
        download = reverse("person_file_download", kwargs={"public_id": photo.public_id})
        self.login(self.alice)
        self.assertEqual(self.client.get(download).status_code, 200)
        with system_scope():
            consent_withdraw(actor=self.alice, consent=consent)
            self.assertFalse(files_of_person(person=person).filter(pk=photo.pk).exists())
        self.assertEqual(self.client.get(download).status_code, 404)
        page = self.client.get(reverse("person_detail", kwargs={"public_id": person.public_id}))
        self.assertContains(page, "Photos are hidden: the consent to photos was withdrawn.")
        self.assertNotContains(page, download)
