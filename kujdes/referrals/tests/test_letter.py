"""The referral letter: a real PDF with her name (Albanian letters intact), audited, no personal file name."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import unicodedata
import unittest
from pathlib import Path

from django.urls import reverse

from kujdes.accounts.models import User
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.referrals.tests.base import ReferralTestCase

PDFTOTEXT = shutil.which("pdftotext")


def pdf_text(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "letter.pdf"
        path.write_bytes(pdf)
        result = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)  # noqa: S603
    return result.stdout.decode()


class LetterTests(ReferralTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.consent()
        self.referral = self.send(details="Ka nevojë për strehim; çdo ditë është e rëndësishme.")
        self.url = reverse("referral_letter", kwargs={"public_id": self.referral.public_id})

    def letter(self, language: str = "sq") -> bytes:
        with system_scope():
            User.objects.filter(pk=self.alice.pk).update(language=language)
        self.login(self.alice)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        disposition = response["Content-Disposition"]
        self.assertTrue(disposition.startswith("attachment;"))
        self.assertIn(f"referral-{self.referral.public_id.hex[:8]}.pdf", disposition)
        for personal in ("Drita", "Cela", "Çela", self.person.code):
            self.assertNotIn(personal, disposition)
        return response.content

    def test_the_letter_is_a_pdf(self) -> None:
        pdf = self.letter()
        self.assertTrue(pdf.startswith(b"%PDF-"))
        self.assertIn(b"%%EOF", pdf[-32:])

    @unittest.skipUnless(PDFTOTEXT, "pdftotext (poppler-utils) reads the PDF back")
    def test_the_letter_carries_her_name_date_of_birth_code_and_the_albanian_letters(self) -> None:
        text = pdf_text(self.letter())
        for expected in (
            "Drita",
            "Çela",
            "2004",
            self.person.code,
            "Org AL",
            "Diocese A",
            "Strehëz për gra",
            "çdo ditë është e rëndësishme",
            "Alice Test",
        ):
            self.assertIn(expected, text)

    @unittest.skipUnless(PDFTOTEXT, "pdftotext (poppler-utils) reads the PDF back")
    def test_the_letter_speaks_the_users_language(self) -> None:
        self.assertIn("Service needed", pdf_text(self.letter("en")))
        self.assertIn("Date of birth", pdf_text(self.letter("en")))

    def chosen(self, language: str) -> bytes:
        """The letter made in `language` chosen on the referral page, by a sender who reads Albanian."""
        with system_scope():
            User.objects.filter(pk=self.alice.pk).update(language="sq")
        self.login(self.alice)
        response = self.client.get(self.url, {"language": language})
        self.assertEqual(response.status_code, 200)
        return response.content

    @unittest.skipUnless(PDFTOTEXT, "pdftotext (poppler-utils) reads the PDF back")
    def test_a_letter_chosen_in_arabic_is_in_arabic_and_the_audit_says_so(self) -> None:
        text = unicodedata.normalize("NFKC", pdf_text(self.chosen("ar")))
        # "Service needed": pdftotext gives the lam-alef ligature back as alef-lam, so no heading with one.
        self.assertIn("الخدمة المطلوبة", text)
        self.assertNotIn("Datëlindja", text)
        with system_scope():
            event = AuditEvent.objects.get(action="case.referral.letter")
        self.assertEqual(event.details["language"], "ar")

    @unittest.skipUnless(PDFTOTEXT, "pdftotext (poppler-utils) reads the PDF back")
    def test_a_letter_chosen_in_armenian_is_in_armenian(self) -> None:
        text = unicodedata.normalize("NFKC", pdf_text(self.chosen("hy")))
        self.assertIn("Ծննդյան ամսաթիվ", text)

    def test_the_referral_page_offers_the_letter_in_every_language_the_senders_selected(self) -> None:
        with system_scope():
            User.objects.filter(pk=self.alice.pk).update(language="en")
        self.login(self.alice)
        page = self.client.get(reverse("referral_detail", kwargs={"public_id": self.referral.public_id}))
        self.assertContains(page, '<option value="hy" lang="hy">')
        self.assertContains(page, '<option value="en" lang="en" selected>')

    def test_making_the_letter_is_audited_without_personal_data(self) -> None:
        self.letter()
        with system_scope():
            event = AuditEvent.objects.get(action="case.referral.letter")
        self.assertEqual(event.object_id, str(self.referral.public_id))
        self.assertEqual(event.actor, self.alice)
        self.assertNotIn("Drita", str(event.details))

    def test_only_the_senders_side_gets_the_letter(self) -> None:
        for user in (self.charlie, self.dave, self.admin, self.educator, self.volunteer, self.dpo):
            self.login(user)
            self.assertEqual(self.client.get(self.url).status_code, 404, user.username)
        with system_scope():
            self.assertFalse(AuditEvent.objects.filter(action="case.referral.letter").exists())

    def test_a_cancelled_referral_has_no_letter(self) -> None:
        from kujdes.referrals.services import referral_cancel

        with system_scope():
            referral_cancel(actor=self.alice, referral=self.referral)
        self.login(self.alice)
        self.assertRedirects(
            self.client.get(self.url),
            reverse("referral_detail", kwargs={"public_id": self.referral.public_id}),
        )
        with system_scope():
            self.assertFalse(AuditEvent.objects.filter(action="case.referral.letter").exists())
