"""Documents in every script: a referral letter and a certificate made in Arabic and Armenian read back in
the right order, the Arabic one laid out right to left; XLSX exports made in Arabic are right-to-left
sheets.

The PDFs are WeasyPrint's, with the system font (DejaVu Sans has Arabic and Armenian); the text is read
back with pdftotext. A word reversed by a missing bidi step, or letters left unjoined, would not match the
catalogue's words once normalised (NFKC folds Arabic presentation forms back to letters).
"""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import tempfile
import unicodedata
import unittest
from pathlib import Path

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from kujdes.accounts.models import User
from kujdes.core.exports import ExportFormat, ExportTable, export_pdf_html, table_export, worksheet_add
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.referrals.tests.base import ReferralTestCase

PDFTOTEXT = shutil.which("pdftotext")


def translated(message: str, language: str) -> str:
    """The message in `language`; the test is skipped until the compiled catalogue has it."""
    with translation.override(language):
        text = translation.gettext(message)
    if text == message:
        raise unittest.SkipTest(f"the {language} catalogue has no translation of {message!r} yet")
    return text


# pdftotext marks the direction of each run with embedding controls (U+202A…U+202E); they are not text.
_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
LAM_ALEF = "\N{ARABIC LETTER LAM}\N{ARABIC LETTER ALEF}"


def _normal(text: str) -> str:
    """Presentation forms folded to letters, direction controls dropped, spaces collapsed; and the lam-alef
    ligature folded to one mark: poppler gives the ligature glyph's two letters in reverse order (alef,
    lam), a known quirk of its right-to-left reordering, not of the PDF."""
    text = unicodedata.normalize("NFKC", text).translate(_CONTROLS)
    text = text.replace(LAM_ALEF, "\N{ARABIC LIGATURE LAM WITH ALEF ISOLATED FORM}")
    text = text.replace(LAM_ALEF[::-1], "\N{ARABIC LIGATURE LAM WITH ALEF ISOLATED FORM}")
    return " ".join(text.split())


def pdf_text(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        done = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)  # noqa: S603
    return _normal(done.stdout.decode())


def pdf_words(pdf: bytes) -> tuple[float, list[tuple[str, float, float]]]:
    """The first page's width and its words with their left and right edges (pdftotext -bbox)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        done = subprocess.run(  # noqa: S603
            [PDFTOTEXT, "-bbox", "-enc", "UTF-8", "-f", "1", "-l", "1", str(path), "-"],
            capture_output=True,
            check=True,
        )
    page = done.stdout.decode()
    width = float(re.search(r'<page width="([\d.]+)"', page).group(1))  # type: ignore[union-attr]
    words = [
        (_normal(html.unescape(text)), float(x_min), float(x_max))
        for x_min, x_max, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>(.*?)</word>', page
        )
    ]
    return width, words


def centre_of(words: list[tuple[str, float, float]], phrase: str) -> float:
    """Where the words of `phrase` sit on the page (the middle of their span)."""
    wanted = set(_normal(phrase).split())
    # pdftotext -bbox may give a right-to-left word's letters in the order they are drawn.
    found = [(x_min, x_max) for text, x_min, x_max in words if text in wanted or text[::-1] in wanted]
    assert found, f"{phrase!r} is not on the page"
    return (min(x for x, _ in found) + max(x for _, x in found)) / 2


@unittest.skipUnless(PDFTOTEXT, "pdftotext (poppler-utils) reads the PDF back")
class ReferralLetterScriptsTests(ReferralTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.consent()
        self.referral = self.send(details="Ka nevojë për strehim.")

    def letter(self, language: str) -> bytes:
        with system_scope():
            User.objects.filter(pk=self.alice.pk).update(language="sq")
        self.login(self.alice)
        url = reverse("referral_letter", kwargs={"public_id": self.referral.public_id})
        response = self.client.get(url, {"language": language})
        self.assertEqual(response.status_code, 200)
        return response.content

    def test_the_arabic_letter_reads_in_order_and_runs_from_the_right(self) -> None:
        label = translated("Date of birth", "ar")
        pdf = self.letter("ar")
        text = pdf_text(pdf)
        self.assertIn(_normal(label), text)
        self.assertNotIn(_normal(label)[::-1], text)  # not stored backwards
        self.assertIn("Çela", text)  # her Albanian name beside the Arabic, intact
        width, words = pdf_words(pdf)
        self.assertGreater(centre_of(words, label), width / 2, "the table's labels are on the right")

    def test_the_armenian_letter_reads_in_order_and_runs_from_the_left(self) -> None:
        label = translated("Date of birth", "hy")
        pdf = self.letter("hy")
        self.assertIn(_normal(label), pdf_text(pdf))
        width, words = pdf_words(pdf)
        self.assertLess(centre_of(words, label), width / 2)

    def test_the_letters_html_says_its_language_and_direction(self) -> None:
        for language, direction in (("ar", "rtl"), ("hy", "ltr"), ("sq", "ltr")):
            with self.subTest(language=language), translation.override(language):
                page = render_to_string(
                    "referrals/letter.html",
                    {"language": language, "referral": self.referral, "person": self.person},
                )
                self.assertIn(f'<html lang="{language}" dir="{direction}">', page)


@unittest.skipUnless(PDFTOTEXT, "pdftotext (poppler-utils) reads the PDF back")
class CertificateScriptsTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from kujdes.people.services import person_create
        from kujdes.programme import services
        from kujdes.programme.tests.fixtures import programme_fixtures

        with system_scope():
            programme_fixtures(cls)
            besa = person_create(
                actor=cls.educator,
                unit=cls.centre_a,
                given_name="Besa",
                family_name="Kërçova",
                birth_year=2004,
            )
            cls.enrolled = services.participant_enrol(actor=cls.manager, activity=cls.pg_course, person=besa)
            services.participation_complete(
                actor=cls.manager, participation=cls.enrolled, completed_on=timezone.localdate()
            )

    def certificate(self, language: str) -> bytes:
        from kujdes.programme.models import Participation

        with system_scope():
            Participation.objects.filter(pk=self.enrolled.pk).update(certificate_language=language)
        self.login(self.manager)
        response = self.client.get(reverse("participation_certificate", args=[self.enrolled.public_id]))
        self.assertEqual(response.status_code, 200)
        return response.content

    def test_the_certificate_in_arabic_and_armenian_reads_in_order(self) -> None:
        for language in ("ar", "hy"):
            with self.subTest(language=language):
                heading = translated("This certifies that", language)
                text = pdf_text(self.certificate(language))
                self.assertIn(_normal(heading), text)
                self.assertIn(_normal(translated("Certificate", language)), text)
                self.assertIn("Besa Kërçova", text)

    def test_the_certificates_html_says_its_language_and_direction(self) -> None:
        for language, direction in (("ar", "rtl"), ("hy", "ltr")):
            with self.subTest(language=language):
                page = render_to_string(
                    "programme/certificates.html", {"bodies": [], "language": language, "title": "x"}
                )
                self.assertIn(f'<html lang="{language}" dir="{direction}">', page)


class ExportScriptsTests(BaseTestCase):
    def table(self) -> ExportTable:
        return ExportTable(
            title="قائمة",
            columns=["الاسم", "Kodi"],
            rows=[["Drita Çela", "AL-SHK-2026-000001"]],
        )

    def export(self, export_format: str, language: str) -> bytes:
        with system_scope(), translation.override(language):
            return table_export(
                actor=self.alice,
                organisation=self.org,
                action="people.list.exported",
                table=self.table(),
                export_format=export_format,
                filename_stem="persons",
                filters={},
            ).content

    def test_an_xlsx_made_in_arabic_is_a_right_to_left_sheet(self) -> None:
        sheet = load_workbook(io.BytesIO(self.export(ExportFormat.XLSX, "ar"))).worksheets[0]
        self.assertTrue(sheet.sheet_view.rightToLeft)
        self.assertEqual(sheet["A5"].value, "Drita Çela")  # column A is still the first column

    def test_an_xlsx_made_in_a_left_to_right_language_is_not(self) -> None:
        for language in ("sq", "hy", "uk"):
            with self.subTest(language=language):
                sheet = load_workbook(io.BytesIO(self.export(ExportFormat.XLSX, language))).worksheets[0]
                self.assertFalse(sheet.sheet_view.rightToLeft)

    def test_every_sheet_added_in_arabic_runs_right_to_left(self) -> None:
        import xlsxwriter

        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        with translation.override("ar"):
            worksheet_add(workbook, "ورقة أولى بعنوان أطول من واحد وثلاثين حرفاً")
            worksheet_add(workbook, "Legend")
        with translation.override("en"):
            worksheet_add(workbook, "Figures")
        workbook.close()
        sheets = load_workbook(io.BytesIO(output.getvalue())).worksheets
        self.assertEqual([bool(sheet.sheet_view.rightToLeft) for sheet in sheets], [True, True, False])
        self.assertEqual(len(sheets[0].title), 31)

    def test_the_pdf_export_says_its_language_and_direction(self) -> None:
        for language, direction in (("ar", "rtl"), ("bg", "ltr")):
            with self.subTest(language=language), system_scope(), translation.override(language):
                page = export_pdf_html(table=self.table(), watermark="x", organisation=self.org)
                self.assertIn(f'<html lang="{language}" dir="{direction}">', page)

    def test_the_report_pdf_says_its_language_and_direction(self) -> None:
        from types import SimpleNamespace

        for language, direction in (("ar", "rtl"), ("tr", "ltr")):
            with self.subTest(language=language), translation.override(language):
                content = SimpleNamespace(
                    language=language, title="t", items=[], generated="", generated_by=""
                )
                page = render_to_string("reports/pdf/report.html", {"content": content})
                self.assertIn(f'<html lang="{language}" dir="{direction}">', page)
