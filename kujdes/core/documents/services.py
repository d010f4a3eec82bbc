"""Document jobs: asked for, run by a room's task, kept encrypted, expired (see __init__.py)."""

from __future__ import annotations

import datetime
import io
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.module_loading import import_string

from kujdes.core.audit import audit_record
from kujdes.core.crypto import KeyHandle, subject_key_create, subject_key_destroy
from kujdes.core.documents.models import DocumentFile, DocumentJob, JobStatus
from kujdes.core.files import encrypted_file_delete, encrypted_file_write
from kujdes.core.models import Unit
from kujdes.core.scoping import system_scope, tenant_scope

if TYPE_CHECKING:
    from kujdes.accounts.models import User

logger = logging.getLogger("kujdes.documents")

# A running job whose worker has not reported for this long is taken to have died with its worker.
STALE_AFTER = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 3
# Progress is written at most this often (each write is a short transaction of its own).
PROGRESS_EVERY_SECONDS = 0.5


@dataclass
class DocumentOutput:
    """One file a job makes: its format ("pdf", "zip"), a name without personal data, its bytes."""

    format: str
    name: str
    content_type: str
    content: bytes
    pages: int = 0


class Progress:
    """What a job's maker reports as it goes: `progress(done, total, stage)`; written to the job's row
    at most twice a second, so the page that polls it moves while the worker works."""

    def __init__(self, job_pk: int) -> None:
        self.job_pk = job_pk
        self._written = 0.0

    def __call__(self, done: int, total: int, stage: str = "") -> None:
        now = time.monotonic()
        if now - self._written < PROGRESS_EVERY_SECONDS and done < total:
            return
        self._written = now
        DocumentJob.objects.filter(pk=self.job_pk).update(
            done=min(done, total), total=total, stage=stage, heartbeat_at=timezone.now()
        )


def document_job_create(
    *,
    actor: User,
    kind: str,
    task_path: str,
    unit: Unit,
    subject_id: str,
    title: str,
    params: dict[str, object] | None = None,
    shared_perm: str = "",
) -> DocumentJob:
    """A queued job, audited as `documents.job.requested`; the caller enqueues its task on commit
    (`document_job_enqueue`). Must run inside the caller's transaction, after its permission check."""
    job = DocumentJob.objects.create(
        organisation_id=unit.organisation_id,
        kind=kind,
        task_path=task_path,
        unit=unit,
        subject_id=subject_id,
        title=title[:300],
        requested_by=actor,
        shared_perm=shared_perm,
        params=params or {},
    )
    audit_record(
        actor=actor,
        organisation=unit.organisation_id,
        action="documents.job.requested",
        obj=job,
        unit=unit,
        details={"kind": kind, "subject": subject_id},
    )
    return job


def document_job_enqueue(job: DocumentJob) -> None:
    """Hand the job to the worker once the transaction that made it commits (its id, nothing else)."""
    task = import_string(job.task_path)
    job_pk = job.pk
    transaction.on_commit(lambda: task.enqueue(job_pk))


def _job_claim(job_pk: int) -> DocumentJob | None:
    with transaction.atomic():
        job = DocumentJob.objects.select_for_update().filter(pk=job_pk).first()
        if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
            return None
        now = timezone.now()
        job.status, job.attempts = JobStatus.RUNNING, job.attempts + 1
        job.started_at = job.heartbeat_at = now
        job.done, job.error = 0, ""
        job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at", "done", "error"])
        return job


def _outputs_store(job: DocumentJob, outputs: list[DocumentOutput]) -> None:
    record = subject_key_create(organisation_id=job.organisation_id)
    handle = KeyHandle(key_id=record.public_id, record=record)
    files = []
    for output in outputs:
        file = DocumentFile(
            organisation_id=job.organisation_id,
            job=job,
            format=output.format,
            name=output.name[:120],
            content_type=output.content_type,
            pages=output.pages,
        )
        file.size = encrypted_file_write(
            handle=handle, file_id=file.public_id, source=io.BytesIO(output.content)
        )
        files.append(file)
    now = timezone.now()
    with transaction.atomic():
        DocumentFile.objects.bulk_create(files)
        job.key_id = record.public_id
        job.status, job.stage, job.finished_at = JobStatus.DONE, "", now
        job.done = job.total = max(job.total, 1)
        job.expires_at = now + datetime.timedelta(hours=settings.DOCUMENT_JOB_HOURS)
        job.save(update_fields=["key_id", "status", "stage", "finished_at", "done", "total", "expires_at"])
        audit_record(
            actor=None,
            organisation=job.organisation_id,
            action="documents.job.made",
            obj=job,
            unit=job.unit,
            details={
                "kind": job.kind,
                "files": [{"format": f.format, "pages": f.pages, "size": f.size} for f in files],
            },
        )


def document_job_run(
    *, job_pk: int, make: Callable[[DocumentJob, User, Progress], list[DocumentOutput]]
) -> str:
    """Run a queued job in the worker: "done", "failed" or "skipped" (gone, or already finished).

    `make` runs in the requester's tenant scope and re-checks the requester's right to the subject
    (PermissionDenied or Http404 fail the job as "denied"); it reports progress and returns the files.
    """
    with system_scope():
        found = (
            DocumentJob.objects.filter(pk=job_pk).values_list("organisation_id", "requested_by_id").first()
        )
    if found is None:
        return "skipped"
    organisation_id, user_id = found
    with tenant_scope(organisation_ids=[organisation_id], user_id=user_id):
        job = _job_claim(job_pk)
        if job is None:
            return "skipped"
        job = DocumentJob.objects.select_related("requested_by", "unit").get(pk=job_pk)
        try:
            outputs = make(job, job.requested_by, Progress(job.pk))
            _outputs_store(job, outputs)
        except (PermissionDenied, Http404):
            _job_fail(job, "denied")
            return "failed"
        except Exception:
            logger.exception("documents: job %s (%s) failed", job.pk, job.kind)
            _job_fail(job, "error")
            return "failed"
    return "done"


def _job_fail(job: DocumentJob, code: str) -> None:
    DocumentJob.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, error=code, stage="", finished_at=timezone.now(), expires_at=timezone.now()
    )


def document_file_downloaded(*, actor: User, file: DocumentFile) -> None:
    """Audit the download of a job's file (the caller checked the actor's right to the job)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            organisation=file.organisation_id,
            action="documents.file.downloaded",
            obj=file.job,
            unit=file.job.unit,
            details={"kind": file.job.kind, "format": file.format, "file": str(file.public_id)},
        )


def _job_delete(job: DocumentJob) -> None:
    file_ids = [uuid.UUID(str(f)) for f in job.files.values_list("public_id", flat=True)]
    key_id = job.key_id
    with transaction.atomic():
        audit_record(
            actor=None,
            organisation=job.organisation_id,
            action="documents.job.expired",
            obj=job,
            unit=job.unit,
            details={"kind": job.kind, "files": len(file_ids)},
        )
        job.delete()
    for file_id in file_ids:
        encrypted_file_delete(file_id=file_id)
    if key_id is not None:
        subject_key_destroy(key_id=key_id)


@dataclass
class CleanupResult:
    expired: int = 0
    requeued: int = 0
    failed: int = 0


def document_jobs_cleanup(*, now: datetime.datetime | None = None) -> CleanupResult:
    """The periodic job (`kujdes documents cleanup`): deletes expired jobs with their files and keys
    (crypto-shredded), re-enqueues running jobs whose worker died (no progress for 10 minutes), and
    fails them after three attempts. A queued job waits in the task queue, which survives restarts."""
    now = now or timezone.now()
    result = CleanupResult()
    with system_scope():
        for job in DocumentJob.objects.filter(expires_at__lte=now).select_related("unit"):
            _job_delete(job)
            result.expired += 1
        stale = DocumentJob.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lte=now - STALE_AFTER)
        for job in stale:
            if job.attempts >= MAX_ATTEMPTS:
                _job_fail(job, "interrupted")
                result.failed += 1
                continue
            DocumentJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, done=0, heartbeat_at=now)
            import_string(job.task_path).enqueue(job.pk)
            result.requeued += 1
    return result
