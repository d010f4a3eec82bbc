"""A course's certificates in the background: one PDF with a page per participant who completed, and a
ZIP with one PDF each (read back), made by the worker from the job's id, progress on the job's page,
shared with the staff who manage the unit and nobody else (404), audited, expired and shredded."""

from __future__ import annotations

import datetime
import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any
from unittest import mock

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from kujdes.core.documents.models import DocumentFile, DocumentJob, JobStatus
from kujdes.core.documents.services import Progress, document_jobs_cleanup
from kujdes.core.files import _storage_path
from kujdes.core.keystore import SubjectKey
from kujdes.core.models import AuditEvent
from kujdes.core.roles import Role
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase, user_create
from kujdes.programme import services
from kujdes.programme.certificates import activity_certificates_generate
from kujdes.programme.models import Participation
from kujdes.programme.tests.fixtures import _other_manager, programme_fixtures

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PDFTOTEXT = shutil.which("pdftotext")
NAMES = [("Arta", "Zeka", "sq"), ("Dua", "Lika", "en"), ("Ëndrra", "Çela", "fr")]


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page (pdftotext separates pages with a form feed), or page markers' count."""
    if not PDFTOTEXT:
        return ["?"] * len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        result = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)  # noqa: S603
    pages = result.stdout.decode().split("\f")
    return [" ".join(page.split()) for page in pages if page.strip()]


def download(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@override_settings(TASKS=IMMEDIATE)
class CourseCertificatesTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from kujdes.people.services import person_create

        with system_scope():
            programme_fixtures(cls)
            today = timezone.localdate()
            for given, family, language in NAMES:
                person = person_create(
                    actor=cls.educator,
                    unit=cls.centre_a,
                    given_name=given,
                    family_name=family,
                    sex="Feminine",
                    birth_year=2004,
                )
                enrolled = services.participant_enrol(
                    actor=cls.manager, activity=cls.pg_course, person=person
                )
                services.participation_complete(actor=cls.manager, participation=enrolled, completed_on=today)
                Participation.objects.filter(pk=enrolled.pk).update(certificate_language=language)
            cls.completed = Participation.objects.filter(activity=cls.pg_course, status="completed").count()
            cls.manager_b = user_create(
                username="manager_b", organisation=cls.org, unit=cls.diocese_b, role=Role.PROGRAMME_MANAGER
            )
            cls.other_manager = _other_manager(cls)

    def login(self, user: Any, *, recently_authenticated: bool = True) -> None:
        super().login(user, recently_authenticated=recently_authenticated)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # pages in English; Albanian is the default

    def request_job(self, user: Any = None) -> DocumentJob:
        self.login(user or self.manager)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("activity_certificates", args=[self.pg_course.public_id]))
        self.assertEqual(response.status_code, 302)
        with system_scope():
            job = DocumentJob.objects.latest("pk")
        self.assertEqual(response["Location"], reverse("document_job", args=[job.public_id]))
        return job

    def files(self, job: DocumentJob) -> dict[str, DocumentFile]:
        with system_scope():
            return {f.format: f for f in DocumentFile.objects.filter(job=job)}

    def test_the_course_gets_one_pdf_with_a_page_each_and_a_zip_with_a_pdf_each(self) -> None:
        self.assertEqual(self.completed, 4)  # the fixture's Besa and the three above
        job = self.request_job()
        with system_scope():
            job.refresh_from_db()
        self.assertEqual(job.status, JobStatus.DONE)
        self.assertEqual(job.percent, 100)
        self.assertEqual(job.params, {})  # the task carried the job's id, nothing else
        files = self.files(job)
        self.assertEqual(set(files), {"pdf", "zip"})
        pdf = download(self.client.get(reverse("document_file_download", args=[files["pdf"].public_id])))
        pages = pdf_pages(pdf)
        self.assertEqual(len(pages), 4)
        self.assertEqual(files["pdf"].pages, 4)
        if PDFTOTEXT:
            # Sorted by family name (Besa has none), each in its participant's language.
            self.assertIn("Besa", pages[0])
            self.assertIn("Ëndrra Çela", pages[1])
            self.assertIn("Attestation", pages[1])
            self.assertIn("Dua Lika", pages[2])
            self.assertIn("Certificate", pages[2])
            self.assertIn("Arta Zeka", pages[3])
            self.assertIn("Certifikatë", pages[3])
        archive = download(self.client.get(reverse("document_file_download", args=[files["zip"].public_id])))
        with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
            names = zipped.namelist()
            self.assertEqual(len(names), 4)
            with system_scope():
                expected = {
                    f"certificate-{p.public_id.hex[:8]}.pdf"
                    for p in Participation.objects.filter(activity=self.pg_course, status="completed")
                }
            self.assertEqual(set(names), expected)
            for name in names:
                one = pdf_pages(zipped.read(name))
                self.assertEqual(len(one), 1)
        for file in files.values():
            for given, family, _language in NAMES:
                self.assertNotIn(given, file.name)
                self.assertNotIn(family, file.name)

    def test_the_files_are_encrypted_on_disk(self) -> None:
        job = self.request_job()
        stored = _storage_path(self.files(job)["pdf"].public_id).read_bytes()
        self.assertTrue(stored.startswith(b"KJF1"))
        self.assertNotIn(b"%PDF", stored)

    def test_making_and_downloading_are_audited_without_names(self) -> None:
        job = self.request_job()
        self.client.get(reverse("document_file_download", args=[self.files(job)["zip"].public_id]))
        with system_scope():
            actions = list(
                AuditEvent.objects.filter(action__startswith="documents.").values_list("action", flat=True)
            ) + list(
                AuditEvent.objects.filter(action="programme.certificates.issued").values_list(
                    "action", flat=True
                )
            )
            issued = AuditEvent.objects.get(action="programme.certificates.issued")
        self.assertEqual(
            sorted(actions),
            [
                "documents.file.downloaded",
                "documents.job.made",
                "documents.job.requested",
                "programme.certificates.issued",
            ],
        )
        self.assertEqual(issued.details["count"], 4)
        self.assertEqual(len(issued.details["participations"]), 4)
        for given, family, _language in NAMES:
            self.assertNotIn(given, str(issued.details))
            self.assertNotIn(family, str(issued.details))

    def test_the_job_page_polls_while_queued_and_stops_when_ready(self) -> None:
        self.login(self.manager)
        response = self.client.post(reverse("activity_certificates", args=[self.pg_course.public_id]))
        with system_scope():
            job = DocumentJob.objects.latest("pk")
        self.assertEqual(job.status, JobStatus.QUEUED)  # nothing committed: the worker has not run
        page = self.client.get(response["Location"])
        self.assertContains(page, 'hx-trigger="every 1s"')
        self.assertContains(page, "Waiting for the worker")
        fragment = self.client.get(response["Location"], HTTP_HX_REQUEST="true")
        self.assertNotContains(fragment, "<html")
        self.assertContains(fragment, 'id="job-status"')
        # The worker reports its progress through the row the page reads.
        with system_scope():
            DocumentJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
            Progress(job.pk)(3, 9, "layout")
        fragment = self.client.get(response["Location"], HTTP_HX_REQUEST="true")
        self.assertContains(fragment, 'value="33"')
        self.assertContains(fragment, "laying out page 3 of about 9")
        self.assertEqual(activity_certificates_generate.call(job.pk), "done")
        fragment = self.client.get(response["Location"], HTTP_HX_REQUEST="true")
        self.assertNotContains(fragment, "hx-trigger")
        self.assertContains(fragment, "Download the PDF (4 pages)")
        self.assertContains(fragment, "Download the ZIP (4 PDFs, one per person)")
        # A second run of the same job (a retry, a second worker) keeps the first files.
        self.assertEqual(activity_certificates_generate.call(job.pk), "skipped")

    def test_the_same_units_managers_download_other_units_and_organisations_get_404(self) -> None:
        job = self.request_job()
        pdf = self.files(job)["pdf"]
        self.login(self.educator)  # manages the course's centre: shared with her
        self.assertEqual(self.client.get(reverse("document_job", args=[job.public_id])).status_code, 200)
        self.assertEqual(
            self.client.get(reverse("document_file_download", args=[pdf.public_id])).status_code, 200
        )
        for user in (
            self.manager_b,
            self.other_manager,
            self.volunteer,
            self.charlie,
            self.dave,
            self.viewer,
        ):
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(
                    self.client.get(reverse("document_job", args=[job.public_id])).status_code, 404
                )
                self.assertEqual(
                    self.client.get(reverse("document_file_download", args=[pdf.public_id])).status_code, 404
                )

    def test_other_units_and_roles_cannot_ask_for_them(self) -> None:
        url = reverse("activity_certificates", args=[self.pg_course.public_id])
        for user, status in ((self.manager_b, 404), (self.other_manager, 404), (self.volunteer, 403)):
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.client.post(url).status_code, status)
        with system_scope():
            self.assertFalse(DocumentJob.objects.exists())

    def test_an_activity_nobody_completed_says_so(self) -> None:
        self.login(self.manager)
        response = self.client.post(reverse("activity_certificates", args=[self.pg_private.public_id]))
        self.assertContains(response, "Nobody has completed this activity yet", status_code=400)

    def test_a_requester_who_lost_the_unit_gets_a_failed_job_and_no_file(self) -> None:
        self.login(self.manager)
        self.client.post(reverse("activity_certificates", args=[self.pg_course.public_id]))
        with system_scope():
            job = DocumentJob.objects.latest("pk")
            from kujdes.core.models import Membership

            Membership.objects.filter(user=self.manager).delete()
        self.assertEqual(activity_certificates_generate.call(job.pk), "failed")
        with system_scope():
            job.refresh_from_db()
            self.assertEqual((job.status, job.error), (JobStatus.FAILED, "denied"))
            self.assertFalse(DocumentFile.objects.filter(job=job).exists())

    def test_expired_files_are_refused_then_deleted_with_their_key(self) -> None:
        job = self.request_job()
        files = self.files(job)
        with system_scope():
            job.refresh_from_db()
        key_id = job.key_id
        with system_scope():
            DocumentJob.objects.filter(pk=job.pk).update(
                expires_at=timezone.now() - datetime.timedelta(minutes=1)
            )
        response = self.client.get(reverse("document_file_download", args=[files["pdf"].public_id]))
        self.assertEqual(response.status_code, 404)
        out = io.StringIO()
        call_command("documents", "cleanup", stdout=out)
        self.assertIn("1 expired and deleted", out.getvalue())
        with system_scope():
            self.assertFalse(DocumentJob.objects.filter(pk=job.pk).exists())
            self.assertTrue(AuditEvent.objects.filter(action="documents.job.expired").exists())
        for file in files.values():
            self.assertFalse(_storage_path(file.public_id).exists())
        destroyed = SubjectKey.objects.get(public_id=key_id)
        self.assertIsNone(destroyed.wrapped_key)
        self.assertEqual(self.client.get(reverse("document_job", args=[job.public_id])).status_code, 404)

    def test_a_job_whose_worker_died_is_started_again(self) -> None:
        self.login(self.manager)
        self.client.post(reverse("activity_certificates", args=[self.pg_course.public_id]))
        with system_scope():
            job = DocumentJob.objects.latest("pk")
            long_ago = timezone.now() - datetime.timedelta(hours=1)
            DocumentJob.objects.filter(pk=job.pk).update(
                status=JobStatus.RUNNING, attempts=1, heartbeat_at=long_ago, done=2, total=9
            )
        with mock.patch("kujdes.core.documents.services.import_string") as task_of:
            result = document_jobs_cleanup()
        self.assertEqual(result.requeued, 1)
        task_of.assert_called_once_with("kujdes.programme.certificates.activity_certificates_generate")
        task_of.return_value.enqueue.assert_called_once_with(job.pk)
        self.assertEqual(activity_certificates_generate.call(job.pk), "done")
        with system_scope():
            job.refresh_from_db()
        self.assertEqual((job.status, job.attempts), (JobStatus.DONE, 2))
