"""Monthly reports: `kujdes reports_monthly` enqueues, the task makes one XLSX and one PDF per month."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from kujdes.core.models import AuditEvent, Membership
from kujdes.core.scoping import system_scope
from kujdes.reports.models import ReportFile, SavedReport
from kujdes.reports.services import saved_report_create
from kujdes.reports.tasks import report_monthly_generate
from kujdes.reports.tests.builder_data import EnglishTestCase, cases_dataset
from kujdes.reports.tests.test_exports import xlsx_pairs

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _files(report: SavedReport) -> list[tuple[str, datetime.date, datetime.date, bool]]:
    with system_scope():
        return sorted(
            ReportFile.objects.filter(report=report).values_list(
                "format", "starts_on", "ends_on", "scheduled"
            )
        )


@override_settings(TASKS=IMMEDIATE)
class MonthlyReportTests(EnglishTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cases_dataset(cls)
        with system_scope():
            cls.report = cls._monthly(cls.manager, "Rastet e muajit")
            cls.viewers = cls._monthly(cls.viewer, "Për bordin")
            cls.not_monthly = saved_report_create(
                actor=cls.manager,
                name="Once",
                unit=cls.diocese_a,
                indicators=["cases_opened"],
                dims=[],
                period="last_month",
                language="en",
            )

    @classmethod
    def _monthly(cls, owner: Any, name: str) -> SavedReport:
        return saved_report_create(
            actor=owner,
            name=name,
            unit=cls.diocese_a,
            indicators=["cases_opened"],
            dims=["sex"],
            period="last_month",
            language="en",
            monthly=True,
        )

    def _run(self, *args: str) -> str:
        out = io.StringIO()
        call_command("reports_monthly", *args, stdout=out)
        return out.getvalue()

    def test_the_command_stores_one_xlsx_and_one_pdf_per_report_and_month_once(self) -> None:
        self.assertIn("2025-03: 2 monthly reports enqueued", self._run("--month", "2025-03"))
        march = (datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))
        self.assertEqual(_files(self.report), [("pdf", *march, True), ("xlsx", *march, True)])
        self.assertEqual(_files(self.not_monthly), [])
        # Run again the same day, the next day…: nothing more is made.
        self.assertIn("2025-03: 0 monthly reports enqueued", self._run("--month", "2025-03"))
        self.assertEqual(len(_files(self.report)), 2)
        # …and the task run twice (a second worker, a retry) keeps the first files.
        self.assertEqual(report_monthly_generate.call(self.report.pk, 2025, 3), "kept")
        self.assertEqual(len(_files(self.report)), 2)
        with system_scope():
            events = AuditEvent.objects.filter(
                action="reports.file.generated", object_id=str(self.report.public_id)
            )
            self.assertEqual(events.count(), 1)
            self.assertEqual(events.get().details["formats"], ["xlsx", "pdf"])

    def test_the_files_use_the_owners_current_small_cell_rule(self) -> None:
        self._run("--month", "2025-03")
        with system_scope():
            managers = ReportFile.objects.get(report=self.report, format="xlsx")
            viewers = ReportFile.objects.get(report=self.viewers, format="xlsx")
            self.assertTrue(
                bytes(ReportFile.objects.get(report=self.report, format="pdf").content).startswith(b"%PDF")
            )
        self.assertIn(("Total", 3), xlsx_pairs(bytes(managers.content)))
        self.assertIn(("Total", "hidden"), xlsx_pairs(bytes(viewers.content)))
        self.assertNotIn(("Total", 3), xlsx_pairs(bytes(viewers.content)))

    def test_without_a_month_it_is_the_previous_month(self) -> None:
        today = timezone.localdate()
        last = today.replace(day=1) - datetime.timedelta(days=1)
        self.assertIn(f"{last:%Y-%m}:", self._run())
        self.assertEqual(
            _files(self.report),
            [("pdf", last.replace(day=1), last, True), ("xlsx", last.replace(day=1), last, True)],
        )

    def test_an_owner_who_lost_access_gets_no_file_and_it_is_logged(self) -> None:
        with system_scope():
            Membership.objects.filter(user=self.viewer).delete()
        with self.assertLogs("kujdes.reports", "WARNING") as logs:
            self._run("--month", "2025-03")
        self.assertIn(f"report {self.viewers.pk} skipped", "\n".join(logs.output))
        self.assertEqual(_files(self.viewers), [])
        self.assertEqual(len(_files(self.report)), 2)

    def test_a_bad_month_is_refused(self) -> None:
        from django.core.management import CommandError

        with self.assertRaisesMessage(CommandError, "YYYY-MM"):
            self._run("--month", "March")

    def test_the_files_are_listed_on_the_report_and_downloaded_by_the_owner(self) -> None:
        self._run("--month", "2025-03")
        with system_scope():
            kept = ReportFile.objects.get(report=self.report, format="xlsx")
        url = reverse("report_file_download", args=[kept.public_id])
        self.login(self.manager)
        page = self.client.get(reverse("report_detail", args=[self.report.public_id])).content.decode()
        self.assertIn(url, page)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn(("Total", 3), xlsx_pairs(response.content))
        for user in (self.viewer, self.alice, self.charlie, self.dave):
            self.login(user)
            self.assertEqual(self.client.get(url).status_code, 404)
