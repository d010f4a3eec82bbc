"""A document job and its files (see kujdes/core/documents/__init__.py)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kujdes.core.crypto import KeyHandle
from kujdes.core.models import TenantModel, Unit


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Being made")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class DocumentJob(TenantModel):
    """One long document asked for by a user; `params` and `subject_id` carry ids only."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=60)  # e.g. "programme.certificates", "reports.report_pdf"
    # The dotted path of the room's task: the cleanup command re-enqueues a job whose worker died.
    task_path = models.CharField(max_length=200)
    subject_id = models.CharField(max_length=64, db_index=True)  # the activity's or report's public id
    title = models.CharField(max_length=300)  # what the document is about (never a person's name)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Users holding this permission on the unit's subtree may also open the job; blank: the requester only.
    shared_perm = models.CharField(max_length=40, blank=True)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    stage = models.CharField(max_length=20, blank=True)  # a code the page words: "prepare", "layout", "write"
    error = models.CharField(max_length=60, blank=True)  # a code, never personal data
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The job's own key (wrapped by the organisation key): its files open with it, and expire with it.
    key_id = models.UUIDField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "status"], name="core_docjob_status_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(99, int(100 * self.done / self.total))

    def encryption_handle(self) -> KeyHandle:
        if self.key_id is None:
            raise ValueError("this job has no key")
        return KeyHandle(key_id=self.key_id)


class DocumentFile(TenantModel):
    """One file a job made, encrypted on disk (kujdes/core/files.py) under its job's key."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job = models.ForeignKey(DocumentJob, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=10)  # "pdf", "zip"
    name = models.CharField(max_length=120)  # nothing personal: ids and the document's kind
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)  # PDF pages, or the PDFs in a ZIP

    class Meta:
        ordering = ["format"]

    def __str__(self) -> str:
        return self.name
