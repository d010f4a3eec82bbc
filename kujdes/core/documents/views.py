"""The page of a document job (its progress bar, polled by htmx) and the download of its files."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kujdes.core.documents import selectors
from kujdes.core.documents.models import DocumentFile, DocumentJob, JobStatus
from kujdes.core.documents.services import document_file_downloaded
from kujdes.core.files import attachment_response

# How often the page asks for the job's state while it is queued or running.
POLL_SECONDS = 1


@require_GET
def document_job(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The job's state; htmx asks for the status fragment every second until the files are ready."""
    try:
        job = selectors.document_job_get(actor=request.user, public_id=str(public_id))
    except DocumentJob.DoesNotExist:
        raise Http404 from None
    context = {
        "job": job,
        "files": list(job.files.all()) if job.status == JobStatus.DONE else [],
        "polling": job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
        "poll_seconds": POLL_SECONDS,
    }
    if request.headers.get("HX-Request"):
        return render(request, "core/documents/_job_status.html", context)
    return render(request, "core/documents/job.html", context)


@require_GET
def document_file_download(request: HttpRequest, public_id: uuid.UUID) -> HttpResponseBase:
    try:
        file = selectors.document_file_get(actor=request.user, public_id=str(public_id))
    except DocumentFile.DoesNotExist:
        raise Http404 from None
    document_file_downloaded(actor=request.user, file=file)
    return attachment_response(
        handle=file.job.encryption_handle(),
        file_id=file.public_id,
        content_type=file.content_type,
        filename=file.name,
    )
