"""A person's files: stored encrypted, downloadable only as attachments by those who may, erased with them."""

from __future__ import annotations

import datetime
import tempfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from kujdes.core.files import UploadRefused, _storage_path
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.consent import consent_record
from kujdes.people.services import person_create, person_erase, person_file_store

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\nSigned by the guardian\n%%EOF\n"


@override_settings(
    STORAGES={
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tempfile.mkdtemp()},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
)
class PersonFileTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        with system_scope():
            self.person = person_create(
                actor=self.alice, unit=self.diocese_a, given_name="Drita", family_name="Hasa"
            )
            self.consent = consent_record(
                actor=self.alice,
                person=self.person,
                purpose="photos",
                given_by="guardian",
                method="written",
                given_on=datetime.date(2026, 10, 1),
                guardian_name="Pal Hasa",
                document=SimpleUploadedFile("consent signed.pdf", PDF, content_type="text/html"),
            )
        self.url = reverse("person_file_download", kwargs={"public_id": self.consent.document.public_id})

    def test_the_signed_consent_is_stored_encrypted_with_its_detected_type(self) -> None:
        document = self.consent.document
        self.assertEqual((document.content_type, document.size), ("application/pdf", len(PDF)))
        self.assertNotIn(b"Signed by the guardian", _storage_path(document.public_id).read_bytes())

    def test_the_case_worker_downloads_it_as_an_attachment_and_it_is_audited(self) -> None:
        self.login(self.bob)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Disposition"].startswith("attachment;"))
        self.assertEqual(b"".join(response.streaming_content), PDF)
        with system_scope():
            self.assertTrue(
                AuditEvent.objects.filter(action="person.file.downloaded", actor=self.bob).exists()
            )

    def test_the_protection_officer_may_download_it_too(self) -> None:
        self.login(self.dpo)
        self.assertEqual(self.client.get(self.url).status_code, 200)

    def test_charlie_dave_the_volunteer_and_the_other_officer_get_404(self) -> None:
        for user in (self.charlie, self.dave, self.volunteer, self.other_dpo, self.viewer):
            self.login(user)
            self.assertEqual(self.client.get(self.url).status_code, 404, user.username)

    def test_a_disguised_file_is_refused(self) -> None:
        with system_scope(), self.assertRaises(UploadRefused):
            person_file_store(
                actor=self.alice,
                person=self.person,
                kind="document",
                upload=SimpleUploadedFile(
                    "cv.pdf", b"<html><script>x</script>", content_type="application/pdf"
                ),
            )

    def test_erasure_removes_the_files(self) -> None:
        path = _storage_path(self.consent.document.public_id)
        with system_scope():
            person_erase(actor=self.dpo, person=self.person, reason_code="subject_request")
        self.assertFalse(path.exists())
        self.login(self.dpo)
        self.assertEqual(self.client.get(self.url).status_code, 404)
