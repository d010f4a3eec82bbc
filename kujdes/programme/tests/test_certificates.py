"""The participation certificate: a real PDF in the participant's language (sq, en, fr), with her name
(Albanian letters intact), only after completion, only for the staff who manage the activity; audited."""

from __future__ import annotations

import datetime
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.programme import services
from kujdes.programme.models import Activity, Participation
from kujdes.programme.tests.fixtures import programme_fixtures

PDFTOTEXT = shutil.which("pdftotext")
TODAY = timezone.localdate()


def pdf_text(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "certificate.pdf"
        path.write_bytes(pdf)
        result = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)  # noqa: S603
    return " ".join(result.stdout.decode().split())


class CertificateTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from kujdes.people.services import person_create

        with system_scope():
            programme_fixtures(cls)
            cls.besa = person_create(
                actor=cls.educator,
                unit=cls.centre_a,
                given_name="Besa",
                family_name="Kërçova",
                sex="Feminine",
                birth_year=2004,
            )
            cls.enrolled = services.participant_enrol(
                actor=cls.manager, activity=cls.pg_course, person=cls.besa
            )
            services.participation_complete(actor=cls.manager, participation=cls.enrolled, completed_on=TODAY)
            Activity.objects.filter(pk=cls.pg_course.pk).update(certificate_hours=48)

    def certificate(self, language: str, user=None):  # type: ignore[no-untyped-def]
        with system_scope():
            Participation.objects.filter(pk=self.enrolled.pk).update(certificate_language=language)
        self.login(user or self.manager)
        return self.client.get(reverse("participation_certificate", args=[self.enrolled.public_id]))

    def test_the_certificate_is_a_pdf_attachment_without_her_name_in_the_file_name(self) -> None:
        response = self.certificate("sq")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF-"))
        disposition = response["Content-Disposition"]
        self.assertTrue(disposition.startswith("attachment;"))
        for personal in ("Besa", "Kërçova", "Kercova", self.besa.code):
            self.assertNotIn(personal, disposition)

    @unittest.skipUnless(PDFTOTEXT, "pdftotext (poppler-utils) reads the PDF back")
    def test_the_certificate_speaks_the_participants_language(self) -> None:
        for language in ("sq", "en", "fr"):
            with self.subTest(language=language):
                text = pdf_text(self.certificate(language).content)
                with translation.override(language):
                    wording = [
                        gettext("Certificate"),
                        gettext("This certifies that"),
                        gettext("Signature and stamp"),
                    ]
                    hours = gettext("%(hours)s hours") % {"hours": "48"}
                for expected in (*wording, hours, "Besa Kërçova", "Kurs rrobaqepësie", "Org AL", "Centre A1"):
                    self.assertIn(expected, text)
                with system_scope():
                    number = Participation.objects.get(pk=self.enrolled.pk).certificate_number
                self.assertIn(number, text)
                with system_scope():
                    type_name = self.pg_type.name(language)
                self.assertIn(type_name, text)

    @unittest.skipUnless(PDFTOTEXT, "pdftotext (poppler-utils) reads the PDF back")
    def test_the_fixture_participant_gets_hers_in_french(self) -> None:
        self.login(self.educator)
        response = self.client.get(reverse("participation_certificate", args=[self.pg_completed.public_id]))
        self.assertEqual(response.status_code, 200)
        text = pdf_text(response.content)
        self.assertIn("Besa", text)
        self.assertIn("Formation professionnelle", text)

    def test_without_certificate_hours_the_held_sessions_count(self) -> None:
        from kujdes.programme.certificates import certificate_hours
        from kujdes.programme.models import Session

        with system_scope():
            Activity.objects.filter(pk=self.pg_course.pk).update(certificate_hours=None)
            Session.objects.filter(pk=self.pg_session.pk).update(status="held")  # 10:00–12:00
            participation = Participation.objects.select_related("activity").get(pk=self.enrolled.pk)
            self.assertEqual(str(certificate_hours(participation)), "2")

    def test_making_it_is_audited_without_personal_data(self) -> None:
        self.certificate("en")
        with system_scope():
            (event,) = AuditEvent.objects.filter(action="programme.certificate.issued")
        self.assertEqual(event.object_id, str(self.enrolled.public_id))
        self.assertEqual(event.details["language"], "en")
        self.assertNotIn("Besa", str(event.details))

    def test_there_is_no_certificate_before_completion(self) -> None:
        self.login(self.manager)
        response = self.client.get(
            reverse("participation_certificate", args=[self.pg_participation.public_id])
        )
        self.assertEqual(response.status_code, 404)
        with system_scope():
            self.assertFalse(AuditEvent.objects.filter(action="programme.certificate.issued").exists())

    def test_the_volunteer_and_case_workers_are_refused_other_units_get_404(self) -> None:
        self.assertEqual(self.certificate("sq", self.volunteer).status_code, 403)
        self.assertEqual(self.certificate("sq", self.alice).status_code, 403)
        self.assertEqual(self.certificate("sq", self.charlie).status_code, 404)
        self.assertEqual(self.certificate("sq", self.dave).status_code, 404)
        with system_scope():
            self.assertFalse(AuditEvent.objects.filter(action="programme.certificate.issued").exists())

    def test_the_completion_date_is_on_the_certificate(self) -> None:
        # The date format follows the language: compare with Django's own formatting under override.
        from django.utils.formats import date_format

        if not PDFTOTEXT:
            self.skipTest("pdftotext (poppler-utils) reads the PDF back")
        text = pdf_text(self.certificate("en").content)
        with translation.override("en"):
            self.assertIn(date_format(TODAY, "DATE_FORMAT"), text)
        self.assertIsInstance(TODAY, datetime.date)
