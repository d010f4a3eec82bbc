"""Reading document jobs: the requester's own, and those shared with the users of the same unit scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import timezone

from kujdes.core.documents.models import DocumentFile, DocumentJob, JobStatus
from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def document_jobs_for(*, actor: User) -> QuerySet[DocumentJob]:
    """Jobs the actor may follow and download: those they asked for (while they still belong to the
    job's unit), and those shared with a permission they hold on the job's unit."""
    allowed = Q(requested_by=actor, unit__in=units_for_actor(actor=actor, perm=None))
    shared_perms = (
        DocumentJob.objects.exclude(shared_perm="").values_list("shared_perm", flat=True).distinct()
    )
    for perm in set(shared_perms):
        try:
            granted = units_for_actor(actor=actor, perm=Perm(perm))
        except ValueError:
            continue
        allowed |= Q(shared_perm=perm, unit__in=granted)
    return DocumentJob.objects.filter(allowed)


def document_job_get(*, actor: User, public_id: str) -> DocumentJob:
    """One job the actor may open; DocumentJob.DoesNotExist otherwise (→ 404, the same as missing)."""
    return document_jobs_for(actor=actor).select_related("unit").get(public_id=public_id)


def document_file_get(*, actor: User, public_id: str) -> DocumentFile:
    """A ready file of a job the actor may open; DocumentFile.DoesNotExist otherwise (→ 404)."""
    return DocumentFile.objects.select_related("job", "job__unit").get(
        public_id=public_id,
        job__in=document_jobs_for(actor=actor),
        job__status=JobStatus.DONE,
        job__expires_at__gt=timezone.now(),
    )


def document_jobs_of_subject(*, actor: User, kind: str, subject_id: str, limit: int = 3) -> list[DocumentJob]:
    """The actor's latest jobs for one subject (an activity's certificates, a report's PDF)."""
    jobs = document_jobs_for(actor=actor).filter(kind=kind, subject_id=subject_id)
    return list(jobs.prefetch_related("files").order_by("-created_at")[:limit])
