"""Documents and photos of an exchange: type by content, size limit, EXIF stripped, photo consent."""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from PIL import Image

from kujdes.core.files import encrypted_file_read
from kujdes.network.exchanges.models import ExchangeDocument
from kujdes.network.exchanges.tests.base import ExchangeTestCase


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (8, 8), "red")
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif)
    return output.getvalue()


def fr(message: str) -> str:
    """The message as the French focal point reads it (the core's upload messages are translated)."""
    with translation.override("fr"):
        return translation.gettext(message)


class DocumentUploadTests(ExchangeTestCase):
    def upload(self, content: bytes, name: str = "photo.jpg", **fields: str) -> object:
        self.login(self.other_admin)
        data = {"partner": self.partner_fr.pk, "kind": "photo", "title": "Group photo", **fields}
        data["file"] = SimpleUploadedFile(name, content)
        return self.client.post(
            reverse("network_exchange_document_add", args=[self.exchange.public_id]), data
        )

    def test_a_photo_with_recognisable_people_and_no_consent_is_refused_keeping_what_was_typed(self) -> None:
        response = self.upload(jpeg_with_exif(), people_recognisable="on", consent_note="")
        self.assertEqual(response.status_code, 400)  # type: ignore[attr-defined]
        self.assertContains(response, "confirm that everyone shown agreed", status_code=400)
        self.assertContains(response, "Say who consented and how", status_code=400)
        self.assertContains(response, 'value="Group photo"', status_code=400)
        self.assertRegex(
            response.content.decode(),  # type: ignore[attr-defined]
            r'<input type="checkbox" name="people_recognisable"[^>]* checked',
        )
        self.assertContains(response, "Choose the file again", status_code=400)
        self.assertFalse(ExchangeDocument.objects.filter(title="Group photo").exists())

    def test_a_photo_with_consent_is_stored_without_its_exif(self) -> None:
        response = self.upload(
            jpeg_with_exif(),
            people_recognisable="on",
            consent_confirmed="on",
            consent_note="All four, orally, on the last day",
        )
        self.assertEqual(response.status_code, 302)  # type: ignore[attr-defined]
        document = ExchangeDocument.objects.get(title="Group photo")
        self.assertEqual(document.partner, self.partner_fr)
        self.assertEqual(document.content_type, "image/jpeg")
        stored = b"".join(
            encrypted_file_read(handle=document.encryption_handle(), file_id=document.public_id)
        )
        self.assertNotIn(b"SecretCamera", stored)
        self.assertIn(b"SecretCamera", jpeg_with_exif())
        # Every staff member downloads it, as an attachment.
        self.login(self.dave)
        download = self.client.get(
            reverse("network_exchange_document_download", args=[self.exchange.public_id, document.public_id])
        )
        self.assertEqual(download.status_code, 200)
        self.assertIn("attachment", download["Content-Disposition"])
        self.assertEqual(b"".join(download.streaming_content), stored)

    def test_a_file_of_another_type_is_refused_by_its_content_not_its_name(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"  # the French focal point reads French
        response = self.upload(b"MZ\x90\x00 not a picture", name="photo.jpg", kind="other", title="Tool")
        self.assertContains(
            response,
            escape(
                fr("This kind of file cannot be stored. Use PDF, JPEG, PNG, WEBP, DOCX, XLSX, ODT or ODS.")
            ),
            status_code=400,
        )
        self.assertContains(response, 'value="Tool"', status_code=400)

    def test_a_pdf_is_not_a_photo(self) -> None:
        response = self.upload(b"%PDF-1.7 report", name="report.pdf")
        self.assertContains(response, "A photo must be a JPEG, PNG or WEBP image", status_code=400)

    @override_settings(UPLOAD_MAX_BYTES=1_000_000)
    def test_a_file_over_the_size_limit_is_refused_with_the_limit(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
        response = self.upload(b"%PDF-1.7 " + b"x" * 1_100_000, name="big.pdf", kind="report")
        message = fr("The file is too large (%(size)s MB). The limit is %(limit)s MB.") % {
            "size": 1.1,
            "limit": 1,
        }
        self.assertContains(response, escape(message), status_code=400)

    def test_the_visiting_focal_point_cannot_remove_the_host_s_document(self) -> None:
        self.login(self.other_admin)
        url = reverse(
            "network_exchange_document_delete",
            args=[self.exchange.public_id, self.exchange_document.public_id],
        )
        self.assertEqual(self.client.post(url).status_code, 403)
        self.login(self.admin)
        self.assertEqual(self.client.post(url).status_code, 302)
        self.assertFalse(ExchangeDocument.objects.filter(pk=self.exchange_document.pk).exists())

    def test_the_form_says_photos_of_persons_of_the_cases_never_belong_here(self) -> None:
        self.login(self.other_admin)
        response = self.client.get(reverse("network_exchange_document_add", args=[self.exchange.public_id]))
        self.assertContains(response, "Never upload photos or documents of persons of the cases")
