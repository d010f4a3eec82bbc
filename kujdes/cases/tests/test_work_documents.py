"""Case documents: checked by content, stored encrypted, refused with a clear message, downloads audited."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from kujdes.cases.models import CaseDocument
from kujdes.cases.tests.test_work_base import PDF, WorkTestCase
from kujdes.cases.work import case_document_store
from kujdes.core.files import _storage_path
from kujdes.core.scoping import system_scope


class CaseDocumentTests(WorkTestCase):
    def upload_url(self) -> str:
        return reverse("case_document_upload", args=[self.case.public_id])

    def store(self) -> CaseDocument:
        with system_scope():
            return case_document_store(
                actor=self.alice,
                case=self.case,
                title="Raport mjekësor",
                upload=SimpleUploadedFile("r.pdf", PDF),
            )

    def test_a_pdf_is_stored_encrypted_with_its_detected_type(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            self.upload_url(),
            {
                "title": "Raport mjekësor",
                "upload": SimpleUploadedFile("raport.pdf", PDF, content_type="text/html"),
            },
            HTTP_HX_REQUEST="true",
        )
        self.assertContains(response, "Raport mjekësor")
        with system_scope():
            document = CaseDocument.objects.get()
        self.assertEqual((document.content_type, document.size), ("application/pdf", len(PDF)))
        self.assertNotIn(b"konfidencial", _storage_path(document.public_id).read_bytes())
        (event,) = self.events("case.document.stored")
        self.assertNotIn("Raport", str(event.details))

    def test_a_disallowed_type_is_refused_with_a_clear_message_and_the_title_kept(self) -> None:
        self.login(self.alice)
        disguised = SimpleUploadedFile(
            "raport.pdf", b"<html><script>x</script></html>", content_type="application/pdf"
        )
        response = self.client.post(self.upload_url(), {"title": "Titulli im", "upload": disguised})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "This kind of file cannot be stored.", status_code=400)
        self.assertContains(response, "Titulli im", status_code=400)
        with system_scope():
            self.assertFalse(CaseDocument.objects.exists())

    @override_settings(UPLOAD_MAX_BYTES=64)
    def test_a_file_too_big_is_refused_with_the_limit(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            self.upload_url(),
            {"title": "I madh", "upload": SimpleUploadedFile("big.pdf", PDF * 3)},
            HTTP_HX_REQUEST="true",
        )
        self.assertContains(response, "The file is too large")
        with system_scope():
            self.assertFalse(CaseDocument.objects.exists())

    def test_the_download_is_an_audited_attachment(self) -> None:
        document = self.store()
        self.login(self.manager)
        response = self.client.get(
            reverse("case_document_download", args=[self.case.public_id, document.public_id])
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Disposition"].startswith("attachment;"))
        self.assertNotIn("Raport", response["Content-Disposition"])
        self.assertEqual(b"".join(response.streaming_content), PDF)
        (event,) = self.events("case.document.viewed")
        self.assertEqual((event.actor_id, event.object_id), (self.manager.pk, str(document.public_id)))

    def test_a_document_of_another_case_is_404_through_this_case(self) -> None:
        document = self.store()
        other = self.case_make(self.person_make("Ana", "Marku"))
        self.login(self.alice)
        url = reverse("case_document_download", args=[other.public_id, document.public_id])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.events("case.document.viewed"), [])

    def test_the_api_lists_metadata_only(self) -> None:
        self.store()
        self.login(self.bob)
        (row,) = self.client.get(
            reverse("api:case_documents_list", kwargs={"case_id": self.case.public_id})
        ).json()
        self.assertEqual(
            (row["title"], row["content_type"], row["size"]), ("Raport mjekësor", "application/pdf", len(PDF))
        )


class OversizeUploadTests(WorkTestCase):
    @override_settings(UPLOAD_MAX_BYTES=1000, FILE_UPLOAD_MAX_MEMORY_SIZE=2000)
    def test_a_file_over_the_memory_limit_is_refused_as_too_large_not_as_missing(self) -> None:
        """Failed before the change with "This field is required": Django's memory upload handler
        stepped aside for a request over FILE_UPLOAD_MAX_MEMORY_SIZE and the file vanished."""
        self.login(self.alice)
        response = self.client.post(
            reverse("case_document_upload", args=[self.case.public_id]),
            {"title": "Shumë i madh", "upload": SimpleUploadedFile("big.pdf", PDF * 400)},
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "The file is too large", status_code=400)
        self.assertNotContains(response, "This field is required", status_code=400)
        self.assertContains(response, "Shumë i madh", status_code=400)
        with system_scope():
            self.assertFalse(CaseDocument.objects.exists())
