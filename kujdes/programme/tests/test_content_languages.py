"""Content in every offered language: the fallback a reader sees, the edit forms' ten fields, the page of
which content lacks which language, the shipped translations' install, certificates in a chosen language."""

from __future__ import annotations

import io
import unicodedata
import unittest

from django.core.management import call_command
from django.test import SimpleTestCase
from django.urls import reverse
from django.utils import timezone, translation

from kujdes.core.content_languages import content_missing, content_text
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.programme import services
from kujdes.programme.models import ActivityType
from kujdes.programme.tests.fixtures import programme_fixtures
from kujdes.programme.tests.test_certificates import PDFTOTEXT, pdf_text

TODAY = timezone.localdate()


class ContentTextTests(SimpleTestCase):
    texts = {"sq": "Kurs profesional", "en": "Vocational course", "ar": "دورة تدريب مهني"}

    def test_a_reader_sees_their_own_language(self) -> None:
        self.assertEqual(content_text(self.texts, "ar"), "دورة تدريب مهني")

    def test_a_missing_language_falls_back_to_the_organisations_default_before_english(self) -> None:
        self.assertEqual(content_text(self.texts, "tr", default_language="sq"), "Kurs profesional")
        self.assertEqual(content_text(self.texts, "tr", default_language=lambda: "sq"), "Kurs profesional")

    def test_then_english_then_any_text_then_the_fallback(self) -> None:
        self.assertEqual(content_text(self.texts, "tr", default_language="hy"), "Vocational course")
        self.assertEqual(content_text({"bg": "Курс"}, "tr", default_language="hy"), "Курс")
        self.assertEqual(content_text({}, "tr", fallback="vocational-course"), "vocational-course")

    def test_the_organisations_default_is_not_looked_up_when_the_readers_language_is_there(self) -> None:
        def lookup() -> str:
            raise AssertionError("looked up")

        self.assertEqual(content_text(self.texts, "en", default_language=lookup), "Vocational course")

    def test_missing_languages_are_listed_in_the_offered_order(self) -> None:
        self.assertEqual(content_missing(self.texts), ["fr", "tr", "uk", "ro", "bg", "hy", "bs"])


class ContentLanguagesTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            programme_fixtures(cls)
            cls.own_type = ActivityType.objects.create(
                organisation=cls.org, code="cooking-course", kind="course", names={"sq": "Kurs gatimi"}
            )

    def test_shipped_activity_types_come_in_all_ten_languages(self) -> None:
        with system_scope():
            names = ActivityType.objects.get(organisation=self.org, code="volunteer-training").names
        self.assertEqual(content_missing(names), [])
        self.assertEqual(names["hy"], "Կամավորների վերապատրաստում")

    def test_a_type_without_the_readers_language_shows_the_organisations_default(self) -> None:
        with system_scope():
            own = ActivityType.objects.get(pk=self.own_type.pk)
        self.assertEqual(own.name("uk"), "Kurs gatimi")

    def test_the_edit_form_offers_every_language_with_the_default_required(self) -> None:
        self.login(self.admin)
        response = self.client.get(reverse("activity_type_edit", args=[self.own_type.public_id]))
        form = response.context["form"]
        for code in ("sq", "en", "fr", "ar", "tr", "uk", "ro", "bg", "hy", "bs"):
            self.assertIn(f"name_{code}", form.fields)
        self.assertTrue(form.fields["name_sq"].required)
        self.assertFalse(form.fields["name_ar"].required)
        self.assertContains(response, 'dir="auto"')

    def test_a_name_in_arabic_is_saved_beside_the_albanian(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            reverse("activity_type_edit", args=[self.own_type.public_id]),
            {"kind": "course", "name_sq": "Kurs gatimi", "name_ar": "دورة طبخ", "is_active": "on"},
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            self.assertEqual(
                ActivityType.objects.get(pk=self.own_type.pk).names, {"sq": "Kurs gatimi", "ar": "دورة طبخ"}
            )

    def test_the_admin_sees_which_content_lacks_which_language(self) -> None:
        self.login(self.admin)
        with translation.override("en"):
            response = self.client.get(reverse("content_languages"))
        self.assertEqual(response.status_code, 200)
        statuses = {status.kind.code: status for status in response.context["statuses"]}
        incomplete = {item.name: item.missing for item in statuses["activity_types"].incomplete}
        self.assertEqual(set(incomplete), {"Kurs gatimi"})
        self.assertEqual(incomplete["Kurs gatimi"], ["en", "fr", "ar", "tr", "uk", "ro", "bg", "hy", "bs"])
        self.assertEqual(statuses["activity_types"].missing_counts["ar"], 1)
        self.assertContains(response, reverse("activity_type_edit", args=[self.own_type.public_id]))

    def test_another_organisations_admin_sees_none_of_it_and_cannot_edit_it(self) -> None:
        self.login(self.other_admin)
        response = self.client.get(reverse("content_languages"))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "Kurs gatimi")
        edit = self.client.get(reverse("activity_type_edit", args=[self.own_type.public_id]))
        self.assertEqual(edit.status_code, 404)

    def test_charlie_gets_no_page(self) -> None:
        self.login(self.charlie)
        self.assertIn(self.client.get(reverse("content_languages")).status_code, (403, 404))

    def test_install_fills_the_missing_shipped_languages_and_keeps_the_organisations_words(self) -> None:
        with system_scope():
            row = ActivityType.objects.get(organisation=self.org, code="summer-camp")
            names = dict(row.names)
            del names["ar"], names["uk"]
            names["tr"] = "Bizim yaz kampımız"
            ActivityType.objects.filter(pk=row.pk).update(names=names)
        out = io.StringIO()
        call_command("content", "translations", "install", organisation=self.org.code, stdout=out)
        self.assertIn("activity_types 1", out.getvalue())
        with system_scope():
            names = ActivityType.objects.get(pk=row.pk).names
        self.assertEqual(
            (names["ar"], names["uk"], names["tr"]), ("مخيم صيفي", "Літній табір", "Bizim yaz kampımız")
        )
        again = io.StringIO()
        call_command("content", "translations", "install", organisation=self.org.code, stdout=again)
        self.assertIn("activity_types 0", again.getvalue())


class CertificateLanguageChosenTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from kujdes.people.services import person_create

        with system_scope():
            programme_fixtures(cls)
            person = person_create(
                actor=cls.educator,
                unit=cls.centre_a,
                given_name="Besa",
                family_name="Kërçova",
                sex="Feminine",
            )
            cls.enrolled = services.participant_enrol(
                actor=cls.manager, activity=cls.pg_course, person=person
            )
            services.participation_complete(actor=cls.manager, participation=cls.enrolled, completed_on=TODAY)

    def certificate(self, language: str) -> bytes:
        self.login(self.manager)
        url = reverse("participation_certificate", args=[self.enrolled.public_id])
        response = self.client.get(url, {"language": language})
        self.assertEqual(response.status_code, 200)
        return response.content

    def audited_language(self) -> str:
        with system_scope():
            event = AuditEvent.objects.filter(action="programme.certificate.issued").latest("pk")
        return event.details["language"]

    @unittest.skipUnless(PDFTOTEXT, "pdftotext (poppler-utils) reads the PDF back")
    def test_a_certificate_chosen_in_armenian_names_the_activity_type_in_armenian(self) -> None:
        text = pdf_text(self.certificate("hy"))
        self.assertIn("Մասնագիտական դասընթաց", unicodedata.normalize("NFKC", text))
        self.assertEqual(self.audited_language(), "hy")

    @unittest.skipUnless(PDFTOTEXT, "pdftotext (poppler-utils) reads the PDF back")
    def test_a_certificate_chosen_in_arabic_is_headed_in_arabic(self) -> None:
        text = unicodedata.normalize("NFKC", pdf_text(self.certificate("ar")))
        self.assertIn("دورة تدريب مهني", text)
        self.assertIn("شهادة", text)
        self.assertEqual(self.audited_language(), "ar")

    def test_an_unknown_language_falls_back_to_the_participants(self) -> None:
        self.certificate("xx")
        self.assertEqual(self.audited_language(), self.enrolled.certificate_language)
