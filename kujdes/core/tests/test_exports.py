"""Exports of personal-data lists: the writer (every format watermarked, ë and ç kept, formulas kept as
text, limits) and the person list's export (re-authentication, audit without names, scope, filters)."""

from __future__ import annotations

import csv
import datetime
import io
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from kujdes.core.exports import (
    ROW_LIMITS,
    ExportFormat,
    ExportTable,
    ExportTooLarge,
    export_pdf_html,
    export_watermark,
    table_export,
)
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.services import person_create

PDFTOTEXT = shutil.which("pdftotext")
LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")


def xlsx_sheet(content: bytes):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(content)).worksheets[0]


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def pdf_page_texts(html: str) -> list[str]:
    """The text WeasyPrint lays out on each page (margin boxes and fixed boxes included).

    Used when pdftotext (poppler-utils) is missing: the PDF's text streams are compressed glyph ids.
    """
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    def walk(box, out: list[str]) -> None:  # type: ignore[no-untyped-def]
        if getattr(box, "text", None):
            out.append(box.text)
        for child in box.all_children() if hasattr(box, "all_children") else ():
            walk(child, out)

    pages = []
    for page in HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).render().pages:
        out: list[str] = []
        walk(page._page_box, out)
        pages.append(" ".join(out))
    return pages


def pdftotext(content: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.pdf"
        path.write_bytes(content)
        return subprocess.run(  # noqa: S603 - a fixed program on a file of the test's own
            [PDFTOTEXT, "-layout", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout


class ExportWriterTests(BaseTestCase):
    """table_export itself: the same table in the three formats."""

    def table(self, rows: int = 3) -> ExportTable:
        return ExportTable(
            title="Persona",
            subtitle="Kërkim: Çuni",
            columns=["Emri", "Mbiemri", "Kodi", "Viti", "Data"],
            rows=[
                ["Ëngjëllushe", "Çuni", "AL-SHK-2026-000001", 2004, datetime.date(2026, 1, 10)],
                ['=HYPERLINK("http://x")', "+355", "@cmd", None, None],
                *[[f"Drita {n}", "Hoxha", f"AL-SHK-2026-{n:06d}", 2001, None] for n in range(rows - 2)],
            ],
        )

    def setUp(self) -> None:
        super().setUp()
        # Called as a view would, inside a tenant scope (PostgreSQL's row-level security needs one).
        scope = system_scope()
        scope.__enter__()
        self.addCleanup(scope.__exit__, None, None, None)

    def export(self, export_format: str, rows: int = 3):  # type: ignore[no-untyped-def]
        return table_export(
            actor=self.alice,
            organisation=self.org,
            action="people.list.exported",
            table=self.table(rows),
            export_format=export_format,
            filename_stem="persons",
            filters={"search": True},
        )

    def test_the_watermark_names_the_user_the_time_in_local_and_utc_and_the_organisation(self) -> None:
        at = datetime.datetime(2026, 7, 1, 8, 5, tzinfo=datetime.UTC)
        with translation.override("en"):
            mark = export_watermark(actor=self.alice, organisation=self.org, at=at)
        self.assertEqual(
            mark,
            "Confidential — exported by alice (Alice Test) on 2026-07-01 10:05 CEST (2026-07-01 08:05 UTC)"
            " — Org AL",
        )
        with translation.override("sq"):
            self.assertIn("alice", export_watermark(actor=self.alice, organisation=self.org, at=at))

    def test_the_xlsx_is_watermarked_in_its_first_line_printed_header_footer_and_properties(self) -> None:
        export = self.export(ExportFormat.XLSX)
        workbook = load_workbook(io.BytesIO(export.content))
        sheet = workbook.worksheets[0]
        self.assertIn("alice (Alice Test)", sheet["A1"].value)
        self.assertIn("Org AL", sheet["A1"].value)
        self.assertIn("alice (Alice Test)", sheet.oddHeader.center.text)
        self.assertIn("alice (Alice Test)", sheet.oddFooter.left.text)
        self.assertIn("alice (Alice Test)", workbook.properties.description)
        self.assertEqual(workbook.properties.creator, "alice")
        self.assertEqual(sheet.print_title_rows, "$4:$4")  # the headings repeat on every printed page

    def test_the_xlsx_keeps_albanian_letters_types_and_formulas_as_text(self) -> None:
        sheet = xlsx_sheet(self.export(ExportFormat.XLSX).content)
        self.assertEqual([cell.value for cell in sheet[4]], ["Emri", "Mbiemri", "Kodi", "Viti", "Data"])
        self.assertEqual(sheet["A5"].value, "Ëngjëllushe")
        self.assertEqual(sheet["B5"].value, "Çuni")
        self.assertEqual(sheet["D5"].value, 2004)
        self.assertEqual(sheet["E5"].value, datetime.datetime(2026, 1, 10))
        self.assertEqual(sheet["A6"].value, '=HYPERLINK("http://x")')
        self.assertEqual(sheet["A6"].data_type, "s")

    def test_the_csv_starts_with_the_watermark_and_a_byte_order_mark(self) -> None:
        export = self.export(ExportFormat.CSV)
        self.assertTrue(export.content.startswith(b"\xef\xbb\xbf"))
        rows = csv_rows(export.content)
        self.assertIn("alice (Alice Test)", rows[0][0])
        self.assertEqual(rows[1], ["Emri", "Mbiemri", "Kodi", "Viti", "Data"])
        self.assertEqual(rows[2], ["Ëngjëllushe", "Çuni", "AL-SHK-2026-000001", "2004", "2026-01-10"])
        # A spreadsheet opening the CSV must not run what looks like a formula.
        self.assertEqual(rows[3][:3], ['\'=HYPERLINK("http://x")', "'+355", "'@cmd"])

    def test_the_pdf_carries_the_watermark_on_every_page_and_albanian_letters(self) -> None:
        export = self.export(ExportFormat.PDF, rows=120)
        self.assertTrue(export.content.startswith(b"%PDF-"))
        if PDFTOTEXT:
            text = pdftotext(export.content)
            pages = text.split("\f")[:-1] if "\f" in text else [text]
        else:
            # pdftotext is not installed here: read what WeasyPrint laid out from the same HTML.
            mark = export_watermark(
                actor=self.alice, organisation=self.org, at=datetime.datetime.now(datetime.UTC)
            )
            html = export_pdf_html(table=self.table(120), watermark=mark, organisation=self.org)
            pages = pdf_page_texts(html)
        self.assertGreater(len(pages), 1)
        for number, page in enumerate(pages, start=1):
            with self.subTest(page=number):
                # Once in the running footer, once in the diagonal mark behind the table.
                self.assertGreaterEqual(page.count("alice (Alice Test)"), 2 if not PDFTOTEXT else 1)
                self.assertRegex(page, rf"\b{number}\s*/\s*{len(pages)}\b")
        self.assertIn("Ëngjëllushe", pages[0])
        self.assertIn("Çuni", pages[0])

    def test_a_sign_in_sheet_numbers_its_lines_and_leaves_a_column_to_sign(self) -> None:
        table = ExportTable(
            title="Fletë prezence",
            columns=["Emri", "Kodi", "Nënshkrimi"],
            rows=[["Ëngjëllushe Çuni", "AL-1", ""], ["Besa", "AL-2", ""]],
            signature_column=True,
        )
        html = export_pdf_html(table=table, watermark="W", organisation=self.org)
        self.assertIn('class="sheet"', html)
        self.assertIn('<td class="number">2</td>', html)

    def test_the_file_is_audited_with_format_and_row_count_in_the_same_transaction(self) -> None:
        export = self.export(ExportFormat.CSV)
        self.assertEqual(export.rows, 3)
        with system_scope():
            event = AuditEvent.objects.get(action="people.list.exported")
        self.assertEqual(event.actor, self.alice)
        self.assertEqual(event.details, {"format": "csv", "rows": 3, "filters": {"search": True}})

    def test_the_filename_is_a_kind_and_a_time(self) -> None:
        for export_format in ExportFormat:
            with self.subTest(format=export_format):
                export = self.export(export_format)
                self.assertRegex(export.filename, rf"^persons-\d{{8}}-\d{{4}}\.{export_format.value}$")

    def test_a_list_above_the_formats_limit_is_refused_before_anything_is_audited(self) -> None:
        with self.assertRaises(ExportTooLarge) as refused:
            self.export(ExportFormat.PDF, rows=ROW_LIMITS[ExportFormat.PDF] + 1)
        self.assertIn(str(ROW_LIMITS[ExportFormat.PDF]), str(refused.exception))
        with system_scope():
            self.assertFalse(AuditEvent.objects.filter(action="people.list.exported").exists())

    @unittest.skipUnless(LIBREOFFICE, "LibreOffice is not installed here: the XLSX cannot be converted")
    def test_the_xlsx_opens_in_libreoffice(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "export.xlsx"
            path.write_bytes(self.export(ExportFormat.XLSX).content)
            subprocess.run(  # noqa: S603 - a fixed program on a file of the test's own
                [LIBREOFFICE, "--headless", "--convert-to", "pdf", "--outdir", folder, str(path)],
                check=True,
                capture_output=True,
                timeout=120,
            )
            self.assertTrue((Path(folder) / "export.pdf").exists())


class PersonListExportTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.engjell = person_create(
                actor=cls.alice,
                unit=cls.diocese_a,
                given_name="Ëngjëllushe",
                family_name="Çuni",
                birth_year=2004,
                categories=["woman_at_risk"],
            )
            cls.drita = person_create(
                actor=cls.alice, unit=cls.centre_a, given_name="Drita", family_name="Hoxha", birth_year=2001
            )
            cls.blerta = person_create(
                actor=cls.charlie, unit=cls.diocese_b, given_name="Blerta", family_name="Çela"
            )
            cls.marie = person_create(
                actor=cls.dave, unit=cls.other_unit, given_name="Marie", family_name="Curie"
            )

    def post(self, user=None, **data):  # type: ignore[no-untyped-def]
        self.login(user or self.alice)
        return self.client.post(reverse("person_list_export"), {"format": "csv", **data})

    def given_names(self, response) -> list[str]:  # type: ignore[no-untyped-def]
        self.assertEqual(response.status_code, 200, response.content[:300])
        return [row[0] for row in csv_rows(response.content)[2:]]

    def test_alice_exports_every_person_of_her_units_with_the_headers_of_a_download(self) -> None:
        response = self.post()
        self.assertEqual(sorted(self.given_names(response)), ["Drita", "Ëngjëllushe"])
        self.assertIn("no-store", response["Cache-Control"])
        self.assertRegex(
            response["Content-Disposition"], r'^attachment; filename="persons-\d{8}-\d{4}\.csv"$'
        )
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")

    def test_the_export_follows_the_lists_search_and_filters_beyond_its_first_page(self) -> None:
        self.assertEqual(self.given_names(self.post(q="cuni")), ["Ëngjëllushe"])
        self.assertEqual(self.given_names(self.post(category="woman_at_risk")), ["Ëngjëllushe"])
        self.assertEqual(self.given_names(self.post(unit=str(self.centre_a.public_id))), ["Drita"])
        with system_scope():
            for n in range(30):
                person_create(
                    actor=self.alice, unit=self.diocese_a, given_name=f"Anë {n}", family_name="Çuni"
                )
        # 31 persons named Çuni: the list shows 25 a page, the file has all of them.
        names = self.given_names(self.post(q="Çuni"))
        self.assertEqual(len(names), 31)
        listed = self.client.get(reverse("person_list"), {"q": "Çuni"})
        self.assertEqual(len(listed.context["page"].object_list), 25)

    def test_charlie_exports_only_diocese_b_and_dave_only_his_organisation(self) -> None:
        self.assertEqual(self.given_names(self.post(self.charlie)), ["Blerta"])
        self.assertEqual(self.given_names(self.post(self.dave)), ["Marie"])
        # Naming alice's unit does not reach it: the list's form refuses a unit out of reach.
        response = self.post(self.charlie, unit=str(self.diocese_a.public_id))
        self.assertEqual(response.status_code, 302)
        with system_scope():
            self.assertEqual(AuditEvent.objects.filter(action="people.list.exported").count(), 2)

    def test_the_export_needs_a_recent_reauthentication(self) -> None:
        self.login(self.alice, recently_authenticated=False)
        response = self.client.post(reverse("person_list_export"), {"format": "xlsx", "q": "Çuni"})
        self.assertEqual(response.status_code, 302)
        self.assertIn("reauthenticate", response["Location"])
        with system_scope():
            self.assertFalse(AuditEvent.objects.filter(action="people.list.exported").exists())

    def test_after_reauthenticating_the_suspended_export_is_made_with_its_filters(self) -> None:
        from kujdes.core.tests.base import PASSWORD

        self.login(self.alice, recently_authenticated=False)
        asked = self.client.post(reverse("person_list_export"), {"format": "csv", "q": "Çuni"})
        self.assertEqual(asked.status_code, 302)
        response = self.client.post(asked["Location"], {"password": PASSWORD}, follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response.get("Content-Disposition", ""), response.redirect_chain)
        self.assertEqual([row[0] for row in csv_rows(response.content)[2:]], ["Ëngjëllushe"])
        with system_scope():
            self.assertEqual(AuditEvent.objects.filter(action="people.list.exported").count(), 1)

    def test_the_export_is_audited_with_format_count_and_filters_but_no_name(self) -> None:
        self.post(format="xlsx", q="Çuni", category="woman_at_risk", unit=str(self.diocese_a.public_id))
        with system_scope():
            event = AuditEvent.objects.get(action="people.list.exported")
        self.assertEqual(event.actor, self.alice)
        self.assertEqual(event.details["format"], "xlsx")
        self.assertEqual(event.details["rows"], 1)
        self.assertEqual(
            event.details["filters"],
            {"search": True, "category": "woman_at_risk", "unit": str(self.diocese_a.public_id)},
        )
        text = str(event.details).casefold()
        for word in ("çuni", "cuni", "ëngjëllushe"):
            self.assertNotIn(word, text)

    def test_the_xlsx_is_watermarked_and_keeps_the_names(self) -> None:
        response = self.post(format="xlsx", q="Çuni")
        sheet = xlsx_sheet(response.content)
        self.assertIn("alice (Alice Test)", sheet["A1"].value)
        self.assertIn("alice (Alice Test)", sheet.oddHeader.center.text)
        self.assertEqual([sheet["A5"].value, sheet["B5"].value], ["Ëngjëllushe", "Çuni"])
        self.assertEqual(sheet["C5"].value, self.engjell.code)

    def test_the_pdf_is_a_pdf(self) -> None:
        response = self.post(format="pdf")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF-"))

    def test_roles_without_the_person_list_get_403_and_nothing_is_exported(self) -> None:
        for user in (self.educator, self.volunteer, self.viewer, self.admin, self.dpo, self.coordinator):
            with self.subTest(user=user.username):
                self.assertEqual(self.post(user).status_code, 403)
        with system_scope():
            self.assertFalse(AuditEvent.objects.filter(action="people.list.exported").exists())

    def test_a_bad_format_or_filter_sends_back_to_the_list_with_the_filters_and_a_message(self) -> None:
        response = self.post(format="docx", q="Çuni")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], reverse("person_list") + "?q=%C3%87uni")
        with translation.override("sq"):  # alice's organisation speaks Albanian
            expected = gettext("Choose the format of the file.")
        self.assertEqual([str(m) for m in get_messages(response.wsgi_request)], [expected])
        response = self.post(category="nonsense", q="Çuni")
        self.assertEqual(response.status_code, 302)
        self.assertIn("q=%C3%87uni", response["Location"])

    def test_a_list_longer_than_the_limit_is_refused_with_a_message(self) -> None:
        with mock.patch.dict(ROW_LIMITS, {ExportFormat.CSV: 1}):
            response = self.post()
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], reverse("person_list"))
        with translation.override("sq"):
            expected = gettext(
                "This list has more than %(limit)s rows, the most that can be exported as %(format)s. "
                "Narrow the list with its filters, then export again."
            ) % {"limit": 1, "format": "CSV"}
        self.assertEqual([str(m) for m in get_messages(response.wsgi_request)], [expected])

    def test_a_get_is_not_an_export(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("person_list_export")).status_code, 405)

    def test_the_list_shows_the_export_control_only_to_those_who_may_use_it(self) -> None:
        self.login(self.alice)
        page = self.client.get(reverse("person_list"), {"q": "Çuni"}).content.decode()
        self.assertIn(f'action="{reverse("person_list_export")}"', page)
        # The control carries the list's search, so that the file is the list on screen.
        self.assertIn('<input type="hidden" name="q" value="Çuni">', page)
        results = self.client.get(reverse("person_list"), {"q": "Drita"}, headers={"HX-Request": "true"})
        self.assertIn('<input type="hidden" name="q" value="Drita">', results.content.decode())
