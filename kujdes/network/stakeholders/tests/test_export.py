"""CSV and XLSX exports of the filtered directory."""

from __future__ import annotations

import csv
import io

import openpyxl
from django.urls import reverse

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.network.stakeholders import services
from kujdes.network.stakeholders.tests.base import StakeholderTestCase

EXPORT = "network_stakeholder_export"


class ExportTests(StakeholderTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            services.stakeholder_create(
                actor=cls.admin,
                organisation=cls.org,
                provider_fields={"name": '=HYPERLINK("http://x")', "country": "AL"},
                profile_fields={"stakeholder_type": "media", "level": "national", "themes": ["advocacy"]},
            )

    def test_the_csv_is_utf8_with_a_byte_order_mark_and_defuses_formulas(self) -> None:
        self.login(self.alice)
        response = self.client.post(reverse(EXPORT), {"format": "csv"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith("\ufeff".encode()))
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        names = sorted(row[0] for row in rows[2:])
        self.assertIn('\'=HYPERLINK("http://x")', names)
        self.assertIn("Police Directorate Shkodër", names)
        self.assertIn("Inspection du travail Marseille", names)
        by_name = {row[0]: row for row in rows[2:]}
        visibility = rows[1].index("Visibility")
        self.assertEqual(by_name["Police Directorate Shkodër"][visibility], "Private to your organisation")

    def test_the_xlsx_opens_and_holds_the_filtered_rows(self) -> None:
        self.login(self.dave)
        response = self.client.post(reverse(EXPORT), {"format": "xlsx", "type": "labour_inspectorate"})
        self.assertEqual(response.status_code, 200)
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5)]
        self.assertEqual([row[0] for row in values], ["Inspection du travail Marseille"])
        headings = [cell.value for cell in sheet[4]]
        self.assertEqual(values[0][headings.index("Contact's e-mail")], "inspectrice@example.invalid")
        # A formula-looking name stays text in a spreadsheet too.
        self.login(self.alice)
        response = self.client.post(reverse(EXPORT), {"format": "xlsx", "type": "media"})
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        self.assertEqual(sheet.cell(row=5, column=1).value, '=HYPERLINK("http://x")')
        self.assertEqual(sheet.cell(row=5, column=1).data_type, "s")

    def test_every_export_is_audited_with_its_filters_and_no_search_words(self) -> None:
        self.login(self.alice)
        self.client.post(reverse(EXPORT), {"format": "csv", "country": "AL", "q": "police"})
        with system_scope():
            event = AuditEvent.objects.filter(action="network.stakeholders.exported").get()
        self.assertEqual(event.details["filters"], {"country": "AL", "search": "yes"})
        self.assertEqual(event.details["rows"], 1)
        self.assertNotIn("police", str(event.details))

    def test_an_unknown_format_is_refused_with_a_message(self) -> None:
        self.login(self.alice)
        response = self.client.post(reverse(EXPORT), {"format": "pdf", "country": "AL"})
        self.assertEqual(response.status_code, 302)
        self.assertIn("country=AL", response["Location"])

    def test_volunteers_may_not_export(self) -> None:
        self.login(self.volunteer)
        self.assertEqual(self.client.post(reverse(EXPORT), {"format": "csv"}).status_code, 403)
