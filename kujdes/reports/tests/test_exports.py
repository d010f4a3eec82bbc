"""Exports of the builder and of saved reports: XLSX (opened with openpyxl and LibreOffice), CSV, PDF.

The manager of diocese A sees the exact figures of diocese A; the viewer (no personal data) reads
"hidden" in every format, never the number.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path
from typing import Any

import openpyxl
from django.urls import reverse
from django.utils import translation

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.reports.services import saved_report_create
from kujdes.reports.tests.builder_data import EnglishTestCase, cases_dataset, choices

LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
PDFTOTEXT = shutil.which("pdftotext")


def xlsx_pairs(content: bytes, sheet: str = "Figures") -> list[tuple[Any, Any]]:
    """The (label, figure) pairs of the figures sheet."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [(row[0], row[1]) for row in workbook[sheet].iter_rows(min_col=1, max_col=2, values_only=True)]


def pdf_text(content: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        path.write_bytes(content)
        done = subprocess.run(  # noqa: S603 - a fixed tool on a file of our own
            [PDFTOTEXT, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=60
        )
    return done.stdout.decode("utf-8")


class BuilderExportTests(EnglishTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cases_dataset(cls)

    def _export(self, user: Any, export_format: str, **extra: Any) -> Any:
        self.login(user)
        return self.client.get(
            reverse("report_builder_export"), {**choices(self, **extra), "format": export_format}
        )

    def test_the_xlsx_has_the_managers_numbers_with_a_cover_and_charts(self) -> None:
        response = self._export(self.manager, "xlsx")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["Content-Type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        self.assertIn("attachment;", response["Content-Disposition"])
        pairs = xlsx_pairs(response.content)
        self.assertIn(("Total", 3), pairs)
        self.assertIn(("Female", 2), pairs)
        self.assertIn(("Male", 1), pairs)
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        cover = [row for row in workbook["Report"].iter_rows(values_only=True)]
        self.assertIn(("Organisation", "Org AL"), [row[:2] for row in cover])
        self.assertIn("Cases opened", [row[0] for row in cover])
        self.assertTrue(any(row[0] == "Small cells" and "No figure is hidden" in row[1] for row in cover))
        # A native chart for the breakdown (openpyxl keeps charts in the package, not in its model).
        self.assertIn(b"xl/charts/chart1.xml", response.content)

    def test_the_viewers_xlsx_shows_small_cells_as_text(self) -> None:
        pairs = xlsx_pairs(self._export(self.viewer, "xlsx").content)
        self.assertIn(("Total", "hidden"), pairs)
        # Hidden lines of a breakdown are one line: which values are hidden is not said either.
        self.assertIn(("Other values (hidden)", "hidden"), pairs)
        self.assertNotIn(("Total", 3), pairs)
        self.assertNotIn(("Female", 2), pairs)

    @unittest.skipUnless(LIBREOFFICE, "LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    def test_libreoffice_converts_the_xlsx_to_pdf(self) -> None:
        content = self._export(self.manager, "xlsx").content
        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / "report.xlsx"
            source.write_bytes(content)
            done = subprocess.run(  # noqa: S603 - a fixed tool on a file of our own
                [
                    LIBREOFFICE,
                    f"-env:UserInstallation=file://{folder}/profile",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    folder,
                    str(source),
                ],
                capture_output=True,
                timeout=180,
            )
            self.assertEqual(done.returncode, 0, done.stderr)
            converted = Path(folder) / "report.pdf"
            self.assertTrue(converted.exists(), done.stdout)
            self.assertTrue(converted.read_bytes().startswith(b"%PDF"))

    def test_the_csv_is_long_utf8_with_a_bom(self) -> None:
        response = self._export(self.manager, "csv")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertTrue(response.content.startswith(b"\xef\xbb\xbf"))
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(
            rows[0], ["Indicator code", "Indicator", "Disaggregation", "Value code", "Value", "Figure"]
        )
        self.assertIn(["cases_opened", "Cases opened", "", "", "Total", "3"], rows)
        self.assertIn(["cases_opened", "Cases opened", "sex", "Feminine", "Female", "2"], rows)
        self.assertIn(["cases_opened", "Cases opened", "sex", "Masculine", "Male", "1"], rows)
        viewer = self._export(self.viewer, "csv").content.decode("utf-8-sig")
        self.assertIn("cases_opened,Cases opened,,,Total,hidden", viewer)
        self.assertNotIn(",Female,2", viewer)

    @unittest.skipUnless(PDFTOTEXT, "pdftotext is not installed (apt-get install poppler-utils)")
    def test_the_albanian_pdf_renders_albanian_text_with_its_footer(self) -> None:
        response = self._export(self.manager, "pdf", language="sq")
        self.assertEqual(response["Content-Type"], "application/pdf")
        text = pdf_text(response.content)
        self.assertIn("Raste të hapura", text)  # ë, from the catalogue's Albanian name
        self.assertIn("ë", text)
        self.assertIn("çdo", text)  # ç, from the Albanian catalogue's small-cells note ("… e çdo njësie")
        self.assertIn("manager", text)  # "generated by" in the footer
        self.assertIn("Org AL", text)
        self.assertRegex(text, r"\b1\s*/\s*\d+\b")  # page numbers

    @unittest.skipUnless(PDFTOTEXT, "pdftotext is not installed (apt-get install poppler-utils)")
    def test_the_pdf_adds_the_month_by_month_chart_and_table(self) -> None:
        response = self._export(self.manager, "pdf", quarter="1")
        text = pdf_text(response.content)
        with translation.override("en"):
            self.assertIn(translation.gettext("Month by month"), text)
        self.assertRegex(text, r"Mar 2025\s+3")
        self.assertRegex(text, r"Jan 2025\s+0")

    def test_the_export_is_audited_without_personal_data(self) -> None:
        self._export(self.manager, "csv")
        with system_scope():
            event = AuditEvent.objects.get(action="reports.exported")
        self.assertEqual(event.actor, self.manager)
        self.assertEqual(
            event.details,
            {
                "format": "csv",
                "indicators": ["cases_opened"],
                "dims": ["sex"],
                "period": ["2025-01-01", "2025-12-31"],
                "unit": str(self.diocese_a.public_id),
            },
        )

    def test_bad_choices_send_back_to_the_builder_with_the_message(self) -> None:
        response = self._export(self.manager, "docx")
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("report_builder"), response["Location"])
        self.assertIn("indicators=cases_opened", response["Location"])
        response = self._export(self.manager, "xlsx", indicators=[])
        self.assertEqual(response.status_code, 302)
        page = self.client.get(response["Location"]).content.decode()
        self.assertIn("Choose at least one indicator.", page)
        with system_scope():
            self.assertFalse(AuditEvent.objects.filter(action="reports.exported").exists())

    def test_another_units_or_organisations_user_gets_404(self) -> None:
        self.assertEqual(self._export(self.charlie, "csv").status_code, 404)
        self.assertEqual(self._export(self.dave, "csv").status_code, 404)
        self.assertEqual(self._export(self.volunteer, "csv").status_code, 403)


class SavedReportExportTests(EnglishTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cases_dataset(cls)
        import datetime

        with system_scope():
            cls.report = saved_report_create(
                actor=cls.manager,
                name="Përmbledhja e çerekut — Shkodër",
                unit=cls.diocese_a,
                indicators=["cases_opened", "direct_beneficiaries"],
                dims=["sex"],
                period="custom",
                starts_on=datetime.date(2025, 1, 1),
                ends_on=datetime.date(2025, 3, 31),
                language="sq",
            )

    def _export(self, user: Any, export_format: str) -> Any:
        self.login(user)
        return self.client.get(
            reverse("report_export", args=[self.report.public_id]), {"format": export_format}
        )

    @unittest.skipUnless(PDFTOTEXT, "pdftotext is not installed (apt-get install poppler-utils)")
    def test_the_pdf_is_in_the_reports_language_with_e_diaeresis_and_c_cedilla(self) -> None:
        response = self._export(self.manager, "pdf")
        self.assertEqual(response.status_code, 200)
        text = pdf_text(response.content)
        self.assertIn("Përmbledhja e çerekut", text)
        self.assertIn("ç", text)
        self.assertIn("ë", text)
        self.assertIn("Raste të hapura", text)
        self.assertIn("Përfitues të drejtpërdrejtë", text)
        self.assertIn("2025-01-01", text)

    def test_the_csv_is_in_the_reports_language(self) -> None:
        with system_scope():
            type(self.report).objects.filter(pk=self.report.pk).update(language="fr")
        content = self._export(self.manager, "csv").content.decode("utf-8-sig")
        self.assertIn("cases_opened,Dossiers ouverts", content)

    def test_the_export_names_the_report_in_the_audit(self) -> None:
        self._export(self.manager, "xlsx")
        with system_scope():
            event = AuditEvent.objects.get(action="reports.exported")
        self.assertEqual(event.object_id, str(self.report.public_id))
        self.assertEqual(event.details["period"], ["2025-01-01", "2025-03-31"])

    def test_only_the_owner_exports_it(self) -> None:
        for user in (self.alice, self.charlie, self.dave, self.viewer):
            with self.subTest(user=user.username):
                self.assertEqual(self._export(user, "csv").status_code, 404)
