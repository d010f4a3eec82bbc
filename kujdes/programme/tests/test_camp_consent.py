"""A camp's parental consent names the guardian and can be withdrawn, with effect (issue 20, item 3);
the camp page says "Parental consent" once (item 9); a field educator's registration records the
minimal consent to take part in the activity."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.models import Consent, PersonFileKind, PersonRelation
from kujdes.people.selectors import files_of_person
from kujdes.people.services import person_create, person_file_store
from kujdes.programme import services
from kujdes.programme.models import Participation
from kujdes.programme.tests.fixtures import programme_fixtures


class CampConsentTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            programme_fixtures(cls)
            cls.child = person_create(
                actor=cls.educator,
                unit=cls.centre_a,
                given_name="Dritan",
                family_name="Zefi",
                birth_year=timezone.localdate().year - 11,
            )
            cls.mother = person_create(
                actor=cls.alice, unit=cls.centre_a, given_name="Mrika", family_name="Zefi"
            )
            PersonRelation.objects.create(
                organisation=cls.org, person=cls.child, relative=cls.mother, kind="parent", is_guardian=True
            )
            cls.camper = services.participant_enrol(
                actor=cls.manager, activity=cls.pg_camp, person=cls.child, late_addition=True
            )

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        translation.activate("en")
        self.addCleanup(translation.deactivate)
        for user in (self.manager, self.educator):
            user.__dict__.pop("_programme_units", None)

    def url(self, participation: Participation | None = None) -> str:
        return reverse(
            "camp_participant_edit", kwargs={"public_id": (participation or self.camper).public_id}
        )

    def overview(self) -> str:
        response = self.client.get(reverse("camp_overview", kwargs={"public_id": self.pg_camp.public_id}))
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def give(self, **values: str) -> None:
        response = self.client.post(
            self.url(),
            {"parental_consent": "on", "guardian": str(self.mother.public_id), "photos": "on", **values},
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[-2000:])

    def test_the_consent_names_a_recorded_guardian_and_covers_the_camp_and_photos(self) -> None:
        self.login(self.educator)
        page = self.client.get(self.url())
        self.assertContains(page, f'value="{self.mother.public_id}"')
        self.give()
        with system_scope():
            consents = Consent.objects.filter(person=self.child)
            self.assertEqual(sorted(consents.values_list("purpose", flat=True)), ["activity", "photos"])
            self.assertEqual({c.guardian_id for c in consents}, {self.mother.pk})
            self.assertEqual({c.activity for c in consents}, {self.pg_camp.public_id})
            self.camper.refresh_from_db()
            self.assertTrue(self.camper.parental_consent)
            self.assertEqual(self.camper.parental_consent_by, "Parent")

    def test_withdrawing_taking_part_takes_the_child_out_of_the_camp_lists(self) -> None:
        self.login(self.educator)
        self.give()
        self.assertIn(self.child.code, self.overview())
        response = self.client.post(self.url(), {"action": "withdraw", "purposes": ["activity"]})
        self.assertEqual(response.status_code, 302)
        page = self.overview()
        self.assertNotIn(self.child.code, page)
        self.assertNotIn("Dritan", page)
        self.assertIn("1 child left the camp's lists: the consent to take part was withdrawn.", page)
        with system_scope():
            self.camper.refresh_from_db()
            self.assertFalse(self.camper.parental_consent)
            self.assertTrue(
                Consent.objects.get(person=self.child, purpose="activity").withdrawn_on is not None
            )
            self.assertIsNone(Consent.objects.get(person=self.child, purpose="photos").withdrawn_on)
            for action in ("consent.withdrawn", "programme.camp.consent.withdrawn"):
                self.assertTrue(
                    AuditEvent.objects.filter(action=action, actor=self.educator).exists(), action
                )
        # The camp day's attendance register leaves the child out too.
        with system_scope():
            day = services.session_add(actor=self.manager, activity=self.pg_camp, date=timezone.localdate())
        register = self.client.get(
            reverse(
                "attendance_register",
                kwargs={"public_id": self.pg_camp.public_id, "session_id": day.public_id},
            )
        )
        self.assertEqual(register.status_code, 200)
        self.assertNotContains(register, self.child.code)
        self.assertContains(register, self.pg_person.code)

    def test_withdrawing_photos_hides_the_photos_and_keeps_the_child_on_the_lists(self) -> None:
        self.login(self.educator)
        self.give()
        with system_scope():
            photo = person_file_store(
                actor=self.alice,
                person=self.child,
                upload=SimpleUploadedFile("camp.pdf", b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"),
                kind=PersonFileKind.PHOTO,
            )
        response = self.client.post(self.url(), {"action": "withdraw", "purposes": ["photos"]})
        self.assertEqual(response.status_code, 302)
        self.assertIn(self.child.code, self.overview())
        with system_scope():
            self.assertFalse(files_of_person(person=self.child).filter(pk=photo.pk).exists())
            self.camper.refresh_from_db()
            self.assertTrue(self.camper.parental_consent)

    def test_a_consent_recorded_before_guardians_were_named_can_be_withdrawn(self) -> None:
        # The fixtures' camper: only the participation's flag ("Nëna"), no consent record.
        self.login(self.manager)
        response = self.client.post(
            self.url(self.pg_camper), {"action": "withdraw", "purposes": ["activity"]}
        )
        self.assertEqual(response.status_code, 302)
        self.assertNotIn(self.pg_person.code, self.overview())
        with system_scope():
            consent = Consent.objects.get(person=self.pg_person, purpose="activity")
            self.assertEqual((consent.guardian_name, consent.activity), ("Nëna", self.pg_camp.public_id))
            self.assertIsNotNone(consent.withdrawn_on)

    def test_a_withdrawal_without_purposes_or_consent_is_a_clear_400(self) -> None:
        self.login(self.educator)
        response = self.client.post(self.url(), {"action": "withdraw"})
        self.assertContains(response, "Choose what the consent is withdrawn for.", status_code=400)
        response = self.client.post(self.url(), {"action": "withdraw", "purposes": ["photos"]})
        self.assertEqual(response.status_code, 400)
        response = self.client.post(
            self.url(), {"parental_consent": "on", "guardian_name": "", "photos": "on"}
        )
        self.assertContains(response, "Record who gave the consent.", status_code=400)
        self.assertContains(response, 'name="photos" id="id_photos" checked', status_code=400)
        with system_scope():
            self.assertFalse(Consent.objects.filter(person=self.child).exists())

    def test_a_guardian_of_another_child_cannot_be_chosen(self) -> None:
        with system_scope():
            other = person_create(actor=self.alice, unit=self.centre_a, given_name="Gjergj")
        self.login(self.educator)
        response = self.client.post(self.url(), {"parental_consent": "on", "guardian": str(other.public_id)})
        self.assertEqual(response.status_code, 400)
        with system_scope():
            self.assertFalse(Consent.objects.filter(person=self.child).exists())

    def test_others_cannot_withdraw(self) -> None:
        self.login(self.educator)
        self.give()
        for user, status in ((self.charlie, 404), (self.dave, 404), (self.alice, 403)):
            self.login(user)
            response = self.client.post(self.url(), {"action": "withdraw", "purposes": ["activity"]})
            self.assertEqual(response.status_code, status, user.username)
        with system_scope():
            self.assertIsNone(Consent.objects.get(person=self.child, purpose="activity").withdrawn_on)

    def test_the_camp_page_says_parental_consent_once(self) -> None:
        self.login(self.manager)
        self.assertEqual(self.overview().count("Parental consent"), 1)


class ActivityConsentAtRegistrationTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            programme_fixtures(cls)

    def test_a_field_educator_records_the_consent_to_take_part_in_the_camp_with_the_guardian(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        translation.activate("en")
        self.addCleanup(translation.deactivate)
        self.login(self.educator)
        response = self.client.post(
            reverse("participant_register", args=[self.pg_camp.public_id]),
            {
                "unit": str(self.centre_a.public_id),
                "given_name": "Sokol",
                "sex": "Masculine",
                "age": "9",
                "categories": "child_at_risk",
                "consent_given": "on",
                "consent_given_by": "guardian",
                "consent_method": "oral",
                "guardian_name": "Lindita Hoxha",
                "guardian_kind": "parent",
                "confirm_new": "1",
            },
        )
        self.assertEqual(response.status_code, 200, response.content.decode()[-2000:])
        with system_scope():
            consent = Consent.objects.select_related("person", "guardian").get(purpose="activity")
            self.assertEqual(consent.activity, self.pg_camp.public_id)
            self.assertEqual(consent.given_by, "guardian")
            self.assertTrue(
                PersonRelation.objects.filter(
                    person=consent.person, relative=consent.guardian, is_guardian=True
                ).exists()
            )
            participation = Participation.objects.get(activity=self.pg_camp, person=consent.person)
            self.assertTrue(participation.parental_consent)

    def test_a_child_registered_without_a_guardian_keeps_the_form(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        translation.activate("en")
        self.addCleanup(translation.deactivate)
        self.login(self.educator)
        response = self.client.post(
            reverse("participant_register", args=[self.pg_course.public_id]),
            {
                "unit": str(self.centre_a.public_id),
                "given_name": "Sokol",
                "sex": "Masculine",
                "age": "9",
                "categories": "child_at_risk",
                "consent_given": "on",
                "consent_given_by": "self",
                "consent_method": "oral",
            },
        )
        self.assertContains(
            response, "A child&#x27;s consent is given by a parent or guardian.", status_code=400
        )
        self.assertContains(response, 'value="Sokol"', status_code=400)
