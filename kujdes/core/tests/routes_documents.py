"""Route expectations of the document jobs' pages (kujdes/core/documents/views.py).

`dj_job` is the manager's ready job of pg_course's certificates, shared with the staff who manage
Centre A1 (the manager and the field educator); everyone else gets 404, as for a missing job.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

from kujdes.core.tests.routes import MISSING, OK, Route

SHARED = ("manager", "educator")


def fixtures(t: Any) -> None:
    from django.utils import timezone

    from kujdes.core.crypto import KeyHandle, subject_key_create
    from kujdes.core.documents.models import DocumentFile, DocumentJob, JobStatus
    from kujdes.core.files import encrypted_file_write
    from kujdes.core.roles import Perm
    from kujdes.programme.tests.fixtures import programme_fixtures

    programme_fixtures(t)
    key = subject_key_create(organisation_id=t.org.pk)
    t.dj_job = DocumentJob.objects.create(
        organisation=t.org,
        kind="programme.certificates",
        task_path="kujdes.programme.certificates.activity_certificates_generate",
        unit=t.pg_course.unit,
        subject_id=str(t.pg_course.public_id),
        title="Certificates",
        requested_by=t.manager,
        shared_perm=Perm.PROGRAMME_MANAGE,
        status=JobStatus.DONE,
        expires_at=timezone.now() + datetime.timedelta(days=1),
        key_id=key.public_id,
    )
    t.dj_file = DocumentFile(
        organisation=t.org, job=t.dj_job, format="pdf", name="c.pdf", content_type="application/pdf"
    )
    t.dj_file.size = encrypted_file_write(
        handle=KeyHandle(key_id=key.public_id, record=key),
        file_id=t.dj_file.public_id,
        source=io.BytesIO(b"%PDF-1.7\n"),
    )
    t.dj_file.save()


ROUTES: dict[str, Route] = {
    "document_job": Route(
        kwargs=lambda t: {"public_id": t.dj_job.public_id}, expect={n: OK for n in SHARED}, others=MISSING
    ),
    "document_file_download": Route(
        kwargs=lambda t: {"public_id": t.dj_file.public_id}, expect={n: OK for n in SHARED}, others=MISSING
    ),
}
