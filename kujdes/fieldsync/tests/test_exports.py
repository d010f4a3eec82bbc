"""The submissions table and its exports (issue 15, item 5): filters, paging, opening one, attachments,
and CSV / XLSX laid out as ODK Central lays them out (a table per repeat group, PARENT_KEY / KEY)."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from unittest import mock

import openpyxl
from django.conf import settings
from django.test import SimpleTestCase
from django.urls import reverse

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.fieldsync.exports import _xlsx_row, csv_cell
from kujdes.fieldsync.models import Submission, SubmissionState
from kujdes.fieldsync.services import device_create
from kujdes.fieldsync.tests.helpers import Collect, instance_xml, publish, xlsform_bytes

SURVEY = [
    ["begin group", "household", "Household"],
    ["text", "village", "Village"],
    ["select_multiple needs", "needs", "Needs"],
    ["geopoint", "location", "Location"],
    ["end group", "", ""],
    ["begin repeat", "member", "Member"],
    ["text", "name", "Name"],
    ["integer", "age", "Age"],
    ["end repeat", "", ""],
]
CHOICES = [["list_name", "name", "label"], ["needs", "food", "Food"], ["needs", "school", "School"]]
FORMULA = '=HYPERLINK("http://evil.example","click")'


def household_xml(instance_id: str, village: str, members: list[tuple[str, str]]) -> bytes:
    people = "".join(f"<member><name>{n}</name><age>{a}</age></member>" for n, a in members)
    village = village.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return (
        f'<?xml version="1.0"?><data id="household" version="1"><household><village>{village}</village>'
        f"<needs>food school</needs><location>41.33 19.82 110 4.5</location></household>{people}"
        f"<meta><instanceID>{instance_id}</instanceID></meta></data>"
    ).encode()


class HouseholdFixtures(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.version = publish(
            data=xlsform_bytes(form_id="household", title="Household", survey=SURVEY, choices=CHOICES),
            units=[cls.diocese_a],
        )
        cls.form = cls.version.form
        cls.flat = publish(data=xlsform_bytes(), units=[cls.diocese_a]).form
        with system_scope():
            cls.device, cls.token = device_create(
                actor=None, user=cls.educator, unit=cls.centre_a, name="Educator's phone"
            )

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        collect = Collect(self.client, self.token)
        self.first, self.second = "uuid:" + str(uuid.uuid4()), "uuid:" + str(uuid.uuid4())
        r1 = collect.submit(household_xml(self.first, FORMULA, [("Ana", "7"), ("Ben", "-3")]))
        r2 = collect.submit(
            household_xml(self.second, "Theth", [("Cile", "40")]), files={"photo.jpg": b"\xff\xd8jpeg-bytes"}
        )
        self.assertEqual((r1.status_code, r2.status_code), (201, 201))
        self.assertEqual(collect.submit(instance_xml()).status_code, 201)

    def export(self, fmt: str, **filters: str):  # type: ignore[no-untyped-def]
        return self.client.post(
            reverse("fieldsync_submissions_export", kwargs={"public_id": self.form.public_id}),
            {"format": fmt, **filters},
        )


class ExportsTestCase(HouseholdFixtures):
    def test_csv_is_a_zip_with_one_file_per_repeat_group_as_central_writes_it(self) -> None:
        self.login(self.admin)
        response = self.export("csv")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/zip")
        self.assertIn("no-store", response["Cache-Control"])
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        self.assertEqual(sorted(archive.namelist()), ["household-member.csv", "household.csv"])
        root = list(csv.reader(io.StringIO(archive.read("household.csv").decode("utf-8-sig"))))
        self.assertIn("Confidential", root[0][0])
        self.assertIn("admin", root[0][0])
        header = root[1]
        self.assertEqual(header[0], "SubmissionDate")
        for column in (
            "household-village",
            "household-needs",
            "household-location-Latitude",
            "household-location-Accuracy",
            "meta-instanceID",
            "KEY",
            "SubmitterName",
            "DeviceID",
            "FormVersion",
            "Status",
        ):
            self.assertIn(column, header)
        rows = {r[header.index("KEY")]: dict(zip(header, r, strict=True)) for r in root[2:]}
        first = rows[self.first]
        # A formula is defused; select_multiple stays space-separated; a geopoint is four columns.
        self.assertEqual(first["household-village"], "'" + FORMULA)
        self.assertEqual(first["household-needs"], "food school")
        self.assertEqual(first["household-location-Latitude"], "41.33")
        self.assertEqual(first["household-location-Accuracy"], "4.5")
        self.assertEqual(first["DeviceID"], "Educator's phone")
        self.assertEqual(first["FormVersion"], "1")
        self.assertEqual(first["Status"], SubmissionState.RECEIVED)
        self.assertTrue(first["SubmissionDate"].endswith("Z"))
        self.assertEqual(rows[self.second]["AttachmentsPresent"], "1")
        members = list(csv.reader(io.StringIO(archive.read("household-member.csv").decode("utf-8-sig"))))
        self.assertEqual(members[1], ["name", "age", "PARENT_KEY", "KEY"])
        self.assertIn(["Ben", "-3", self.first, f"{self.first}/member[2]"], members[2:])
        self.assertIn(["Cile", "40", self.second, f"{self.second}/member[1]"], members[2:])
        self.assertEqual(len(members[2:]), 3)

    def test_xlsx_has_a_sheet_per_repeat_group_and_formulas_stay_text(self) -> None:
        self.login(self.admin)
        response = self.export("xlsx")
        self.assertEqual(response.status_code, 200)
        book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        self.assertEqual(book.sheetnames, ["household", "member"])
        self.assertIn("admin", book.properties.description or "")
        root = list(book["household"].iter_rows(values_only=True))
        header = list(root[0])
        village = [r[header.index("household-village")] for r in root[1:]]
        self.assertIn(FORMULA, village)
        cell = next(c for row in book["household"].iter_rows() for c in row if c.value == FORMULA)
        self.assertEqual(cell.data_type, "s")
        members = list(book["member"].iter_rows(values_only=True))
        self.assertEqual(list(members[0]), ["name", "age", "PARENT_KEY", "KEY"])
        self.assertIn(("Ben", -3, self.first, f"{self.first}/member[2]"), members[1:])

    def test_a_form_without_repeats_exports_one_csv_and_filters_apply(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            reverse("fieldsync_submissions_export", kwargs={"public_id": self.flat.public_id}),
            {"format": "csv"},
        )
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        self.assertEqual(lines[1][:3], ["SubmissionDate", "village", "people"])
        self.assertEqual(len(lines), 3)
        # Filtered: received on days when nothing was → nothing but the header.
        response = self.export("csv", submitted_from="2000-01-01", submitted_to="2000-01-02")
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        self.assertEqual(len(archive.read("household.csv").decode("utf-8-sig").splitlines()), 2)

    def test_the_export_streams_in_batches_and_is_audited_without_values(self) -> None:
        self.login(self.admin)
        with mock.patch("kujdes.fieldsync.exports.BATCH", 1):
            response = self.export("csv", state=SubmissionState.RECEIVED)
            archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        root = archive.read("household.csv").decode("utf-8-sig").splitlines()
        self.assertEqual(len(root), 4)
        with system_scope():
            event = AuditEvent.objects.filter(action="fieldsync.submissions.exported").get()
        self.assertEqual(event.details["rows"], 2)
        self.assertEqual(event.details["format"], "csv")
        self.assertEqual(event.details["filters"], {"state": "received"})
        self.assertNotIn("Ana", str(event.details))

    def test_another_organisation_or_a_case_worker_gets_404(self) -> None:
        for user in (self.other_admin, self.alice):
            self.login(user)
            self.assertEqual(self.export("csv").status_code, 404)
            page = self.client.get(
                reverse("fieldsync_submissions", kwargs={"public_id": self.form.public_id})
            )
            self.assertEqual(page.status_code, 404)

    def test_a_wrong_format_or_bad_dates_go_back_with_a_message(self) -> None:
        self.login(self.admin)
        response = self.export("pdf")
        self.assertEqual(response.status_code, 302)
        response = self.export("csv", submitted_from="2026-05-02", submitted_to="2026-05-01")
        self.assertEqual(response.status_code, 302)
        page = self.client.get(
            reverse("fieldsync_submissions", kwargs={"public_id": self.form.public_id}),
            {"submitted_from": "2026-05-02", "submitted_to": "2026-05-01"},
        )
        self.assertContains(page, "The first date is after the last one.")


class SubmissionTableTestCase(HouseholdFixtures):
    """The table, one submission and its attachment (reusing the exports' fixtures)."""

    def test_the_table_filters_and_pages(self) -> None:
        self.login(self.admin)
        url = reverse("fieldsync_submissions", kwargs={"public_id": self.form.public_id})
        page = self.client.get(url)
        self.assertContains(page, "2 submissions")
        self.assertContains(page, "Educator&#x27;s phone")
        page = self.client.get(url, {"state": SubmissionState.MAPPED})
        self.assertContains(page, "No submissions match.")
        page = self.client.get(
            url, {"version": str(self.version.public_id), "device": str(self.device.public_id)}
        )
        self.assertContains(page, "2 submissions")
        page = self.client.get(url, {"submitted_from": "2000-01-01", "submitted_to": "2000-01-02"})
        self.assertContains(page, "No submissions match.")
        with mock.patch("kujdes.fieldsync.views.SUBMISSIONS_PER_PAGE", 1):
            page = self.client.get(url, {"state": SubmissionState.RECEIVED, "page": "2"})
        self.assertContains(page, "2 / 2")
        self.assertContains(page, "state=received&amp;page=1")

    def test_opening_a_submission_shows_its_values_and_downloads_its_attachment(self) -> None:
        self.login(self.admin)
        with system_scope():
            submission = Submission.objects.get(instance_id=self.second)
            attachment = submission.attachments.get()
        page = self.client.get(reverse("fieldsync_submission", kwargs={"public_id": submission.public_id}))
        self.assertContains(page, "<code>village</code>", html=False)
        self.assertContains(page, "Theth")
        url = reverse(
            "fieldsync_submission_attachment",
            kwargs={"public_id": submission.public_id, "attachment_id": attachment.public_id},
        )
        self.assertContains(page, url)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), b"\xff\xd8jpeg-bytes")
        self.assertIn("attachment;", response["Content-Disposition"])
        with system_scope():
            event = AuditEvent.objects.filter(action="fieldsync.attachment.downloaded").get()
        self.assertEqual(event.details["attachment"], str(attachment.public_id))
        # Another organisation's administrator, a case worker: 404, as for a missing attachment.
        for user in (self.other_admin, self.alice):
            self.login(user)
            self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.admin)
        missing = reverse(
            "fieldsync_submission_attachment",
            kwargs={"public_id": submission.public_id, "attachment_id": uuid.uuid4()},
        )
        self.assertEqual(self.client.get(missing).status_code, 404)


class CellsTestCase(SimpleTestCase):
    def test_numbers_formulas_and_phone_numbers(self) -> None:
        self.assertEqual(csv_cell("=1+1"), "'=1+1")
        self.assertEqual(csv_cell("@SUM(A1)"), "'@SUM(A1)")
        self.assertEqual(csv_cell("-3"), "-3")
        self.assertEqual(csv_cell("-3+2"), "'-3+2")
        row = _xlsx_row(2, ["0691234567", "-3", "=cmd", "a<b"])
        self.assertIn('<c r="A2" t="inlineStr"><is><t xml:space="preserve">0691234567</t>', row)
        self.assertIn('<c r="B2"><v>-3</v></c>', row)
        self.assertIn('t="inlineStr"><is><t xml:space="preserve">=cmd</t>', row)
        self.assertIn("a&lt;b", row)
