"""The commit of an import in the background worker, with its progress on the batch.

"Import the valid rows" queues the batch (`batch_commit_queue`, state "committing"); the worker
(`kujdes db_worker`) runs `batch_commit_run` with the batch's id only (no personal data in task
arguments): it re-reads the encrypted file, checks it again with the saved mapping, as the user who
asked, and calls `services.batch_commit`, which writes in chunks (each row whole) and reports the
rows done after each chunk; the batch page polls them.

If the worker or the server is killed in the middle, the chunks before stand and the batch stays
"being imported" without news: `batches_resume` (`kujdes import resume`, from a timer, or "Continue"
on the page once it is stale) queues it again and the commit resumes after the rows written; or the
user undoes what was written (`services.batch_undo` accepts an interrupted batch).
"""

from __future__ import annotations

import datetime
import logging
import time
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from kujdes.core.audit import audit_record
from kujdes.core.scoping import system_scope, tenant_scope
from kujdes.imports.models import BatchState, CommitFailure, ImportBatch, ImportedRecord

if TYPE_CHECKING:
    from kujdes.accounts.models import User

logger = logging.getLogger("kujdes.imports")

# A commit whose worker has not reported for this long is taken to have died with its worker.
STALE_AFTER = datetime.timedelta(minutes=10)
# After this many starts the commit is failed ("interrupted"): what was written can be undone.
MAX_ATTEMPTS = 3
# Progress is written at most this often (each write is a short query of its own).
PROGRESS_EVERY_SECONDS = 0.5


class CommitNotQueued(ValueError):
    """The batch cannot be queued now (closed, or being imported and not stale)."""


def _audit(*, actor: User | None, batch: ImportBatch, action: str, details: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        organisation=batch.organisation_id,
        action=action,
        obj=batch,
        unit=batch.unit,
        details={"batch": str(batch.public_id), "target": batch.target, **details},
    )


def batch_is_stale(batch: ImportBatch, *, now: datetime.datetime | None = None) -> bool:
    """Being imported, yet no word from the worker for STALE_AFTER (it died, or none is running)."""
    if not batch.is_committing:
        return False
    now = now or timezone.now()
    last = batch.commit_heartbeat_at or batch.commit_started_at
    return last is None or last <= now - STALE_AFTER


def _enqueue(batch_pk: int) -> None:
    transaction.on_commit(lambda: batch_commit_run.enqueue(batch_pk))


@transaction.atomic
def batch_commit_queue(*, actor: User, batch: ImportBatch, rows_total: int) -> ImportBatch:
    """Hand an open, checked batch to the worker (the caller ran the dry run and found nothing blocking,
    and checked that the actor may see the batch); a stale commit is queued again (it resumes).
    CommitNotQueued when the batch is closed or its commit is under way."""
    from kujdes.imports.services import import_permission_check

    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.state not in (BatchState.OPEN, BatchState.COMMITTING):
        raise CommitNotQueued(_("This import was committed or closed already."))
    if locked.is_committing and not batch_is_stale(locked):
        raise CommitNotQueued(_("This import is being written already."))
    import_permission_check(actor=actor, unit=locked.unit, target=locked.target, activity=locked.activity)
    resumed = locked.commit_started_at is not None
    locked.state = BatchState.COMMITTING
    locked.commit_requested_by = actor
    locked.rows_total = max(rows_total, locked.rows_done)
    locked.commit_heartbeat_at = timezone.now()
    locked.commit_finished_at = None
    if not resumed:
        locked.rows_done = 0
    if not resumed or locked.commit_failure:
        locked.commit_attempts = 0
    locked.commit_failure = ""
    locked.save(
        update_fields=[
            "state",
            "commit_requested_by",
            "rows_total",
            "rows_done",
            "commit_heartbeat_at",
            "commit_finished_at",
            "commit_failure",
            "commit_attempts",
        ]
    )
    _audit(
        actor=actor,
        batch=locked,
        action="import.batch.commit_queued",
        details={"rows": rows_total, "resumed": resumed},
    )
    _enqueue(locked.pk)
    return locked


@transaction.atomic
def batches_resume(
    *, now: datetime.datetime | None = None, stale_after: datetime.timedelta = STALE_AFTER
) -> int:
    """The periodic job (`kujdes import resume`): queue again every commit whose worker died (no news
    for `stale_after`); after MAX_ATTEMPTS starts it is failed as "interrupted" instead. Returns how
    many were queued. A queued commit not yet started waits in the task queue, which survives restarts."""
    now = now or timezone.now()
    queued = 0
    with system_scope():
        candidates = ImportBatch.objects.select_for_update().filter(
            state__in=[BatchState.OPEN, BatchState.COMMITTING],
            commit_started_at__isnull=False,
            commit_finished_at__isnull=True,
        )
        for batch in candidates:
            last = batch.commit_heartbeat_at or batch.commit_started_at
            if last is not None and last > now - stale_after:
                continue
            if batch.commit_attempts >= MAX_ATTEMPTS:
                _fail(batch, CommitFailure.INTERRUPTED, messages=[])
                continue
            batch.state = BatchState.COMMITTING
            batch.commit_heartbeat_at = now
            batch.save(update_fields=["state", "commit_heartbeat_at"])
            _audit(
                actor=None,
                batch=batch,
                action="import.batch.commit_resumed",
                details={"rows_done": batch.rows_done},
            )
            _enqueue(batch.pk)
            queued += 1
    return queued


@transaction.atomic
def _fail(batch: ImportBatch, code: str, *, messages: list[str]) -> None:
    """The commit stopped: the batch is open again (its mapping can be fixed, or what was written
    undone); the messages (which may quote a cell) are added to the sealed report."""
    batch.state = BatchState.OPEN
    batch.commit_failure = code
    batch.commit_finished_at = timezone.now()
    fields = ["state", "commit_failure", "commit_finished_at"]
    if messages:
        batch.report = [  # type: ignore[assignment]
            *[{"row": None, "column": "", "message": message} for message in messages[:50]],
            *list(batch.report or []),
        ][:5000]
        fields.append("report")
    batch.save(update_fields=fields)
    _audit(actor=None, batch=batch, action="import.batch.commit_failed", details={"failure": code})


class _Progress:
    """`progress(done, total)` from `batch_commit` → the batch's row counts and heartbeat, at most twice
    a second, and always the last call. `offset`: rows written by an earlier, interrupted run that the
    new check no longer counts (they now look like registered persons: themselves)."""

    def __init__(self, batch_pk: int, *, offset: int = 0) -> None:
        self.batch_pk, self.offset = batch_pk, offset
        self._written = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._written < PROGRESS_EVERY_SECONDS and done < total:
            return
        self._written = now
        ImportBatch.objects.filter(pk=self.batch_pk).update(
            rows_done=self.offset + min(done, total),
            rows_total=self.offset + total,
            commit_heartbeat_at=timezone.now(),
        )


def _offset(batch: ImportBatch, result: Any) -> int:
    from kujdes.imports.services import EXISTING, NEW

    written = set(ImportedRecord.objects.filter(batch=batch).values_list("row", flat=True))
    counted = {row.number for row in result.rows if row.valid and row.decision in (NEW, EXISTING)}
    return len(written - counted)


def _claim(batch_pk: int) -> ImportBatch | None:
    """Take a queued batch for this run: None when it is no longer queued (done, undone, cancelled)."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_pk).first()
        if batch is None or batch.state != BatchState.COMMITTING:
            return None
        now = timezone.now()
        batch.commit_attempts += 1
        batch.commit_started_at = batch.commit_started_at or now
        batch.commit_heartbeat_at = now
        # `services.batch_commit` takes an open batch (and locks it at once): the worker hands it the
        # batch open, its start noted, so that the page still shows it being imported.
        batch.state = BatchState.OPEN
        batch.save(update_fields=["commit_attempts", "commit_started_at", "commit_heartbeat_at", "state"])
        return batch


def batch_commit_work(*, batch_pk: int) -> str:
    """The worker's side of `batch_commit_queue`: "done", "failed" or "skipped"."""
    from kujdes.imports import services
    from kujdes.imports.learning import columns_learn
    from kujdes.imports.reading import FileRefused

    with system_scope():
        found = (
            ImportBatch.objects.filter(pk=batch_pk)
            .values_list("organisation_id", "commit_requested_by_id")
            .first()
        )
    if found is None or found[1] is None:
        return "skipped"
    organisation_id, user_id = found
    with tenant_scope(organisation_ids=[organisation_id], user_id=user_id):
        batch = _claim(batch_pk)
        if batch is None:
            return "skipped"
        batch = ImportBatch.objects.select_related("unit", "activity", "commit_requested_by").get(pk=batch_pk)
        actor = batch.commit_requested_by
        assert actor is not None
        if batch.commit_attempts > MAX_ATTEMPTS:
            _fail(batch, CommitFailure.INTERRUPTED, messages=[])
            return "failed"
        try:
            table = services.batch_table(batch=batch)
            result = services.import_check(
                actor=actor,
                unit=batch.unit,
                table=table,
                options=services.batch_options(batch=batch),
                activity=batch.activity,
            )
            services.batch_commit(
                actor=actor,
                unit=batch.unit,
                result=result,
                batch=batch,
                activity=batch.activity,
                progress=_Progress(batch.pk, offset=_offset(batch, result)),
            )
        except services.ImportRefused as refused:
            _fail(batch, CommitFailure.REFUSED, messages=refused.messages)
            return "failed"
        except PermissionDenied:
            _fail(batch, CommitFailure.DENIED, messages=[])
            return "failed"
        except (FileRefused, ValidationError):
            _fail(batch, CommitFailure.UNREADABLE, messages=[])
            return "failed"
        except Exception:
            logger.exception("imports: the commit of batch %s failed", batch.pk)
            _fail(batch, CommitFailure.ERROR, messages=[])
            return "failed"
        with transaction.atomic():
            now = timezone.now()
            ImportBatch.objects.filter(pk=batch.pk).update(commit_finished_at=now, commit_heartbeat_at=now)
            # Every row is written (a resumed commit may have had none left to report).
            ImportBatch.objects.filter(pk=batch.pk, rows_done__lt=F("rows_total")).update(
                rows_done=F("rows_total")
            )
            columns_learn(
                organisation_id=batch.organisation_id,
                target=batch.target,
                headers=table.headers,
                columns=result.columns,
            )
    return "done"


@task()
def batch_commit_run(batch_id: int) -> str:
    """The task: the batch's primary key only."""
    return batch_commit_work(batch_pk=batch_id)
