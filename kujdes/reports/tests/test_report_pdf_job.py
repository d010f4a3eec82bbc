"""A saved report's PDF made in the background: the worker lays it out page by page, the owner downloads
it from the job's page; nobody else does (404), not even a reader of the same unit; audited."""

from __future__ import annotations

import datetime

from django.test import override_settings
from django.urls import reverse

from kujdes.core.documents.models import DocumentFile, DocumentJob, JobStatus
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.programme.tests.test_certificate_batch import download, pdf_pages
from kujdes.reports.services import saved_report_create
from kujdes.reports.tests.builder_data import EnglishTestCase, cases_dataset

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@override_settings(TASKS=IMMEDIATE)
class ReportPdfJobTests(EnglishTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cases_dataset(cls)
        with system_scope():
            cls.report = saved_report_create(
                actor=cls.manager,
                name="Raporti i gjatë",
                unit=cls.diocese_a,
                indicators=["cases_opened", "direct_beneficiaries"],
                dims=["sex", "age_group"],
                period="custom",
                starts_on=datetime.date(2025, 1, 1),
                ends_on=datetime.date(2025, 12, 31),
                language="en",
            )

    def test_the_owner_gets_the_pdf_from_the_worker_with_its_pages_counted(self) -> None:
        self.login(self.manager)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("report_pdf_background", args=[self.report.public_id]))
        with system_scope():
            job = DocumentJob.objects.get()
            file = DocumentFile.objects.get(job=job)
        self.assertRedirects(
            response, reverse("document_job", args=[job.public_id]), fetch_redirect_response=False
        )
        self.assertEqual((job.status, job.kind, job.shared_perm), (JobStatus.DONE, "reports.report_pdf", ""))
        page = self.client.get(response["Location"])
        self.assertContains(page, reverse("document_file_download", args=[file.public_id]))
        pdf = download(self.client.get(reverse("document_file_download", args=[file.public_id])))
        self.assertTrue(pdf.startswith(b"%PDF-"))
        pages = pdf_pages(pdf)
        self.assertEqual(len(pages), file.pages)
        self.assertGreaterEqual(file.pages, 2)
        self.assertIn("Raporti i gjatë", pages[0])
        self.assertIn(f"1/{file.pages}", pages[0].replace(" ", ""))  # the page counter knows the total
        with system_scope():
            exported = AuditEvent.objects.get(action="reports.exported")
        self.assertEqual(exported.details["format"], "pdf")
        # The saved report's page lists it.
        detail = self.client.get(reverse("report_detail", args=[self.report.public_id]))
        self.assertContains(detail, reverse("document_job", args=[job.public_id]))

    def test_nobody_but_the_owner_reaches_the_job_or_its_file(self) -> None:
        self.login(self.manager)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("report_pdf_background", args=[self.report.public_id]))
        with system_scope():
            job = DocumentJob.objects.get()
            file = DocumentFile.objects.get(job=job)
        for user in (self.viewer, self.admin, self.alice, self.charlie, self.dave, self.other_admin):
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(
                    self.client.get(reverse("document_job", args=[job.public_id])).status_code, 404
                )
                self.assertEqual(
                    self.client.get(reverse("document_file_download", args=[file.public_id])).status_code, 404
                )
                self.assertEqual(
                    self.client.post(
                        reverse("report_pdf_background", args=[self.report.public_id])
                    ).status_code,
                    404,
                )
