"""The background worker's side of a batch deduplication (django-tasks): the run's id, nothing else."""

from __future__ import annotations

from django_tasks import task


@task()
def dedupe_run_task(run_id: int) -> str:
    """Carry out a queued run: "done", "failed" or "skipped"."""
    from kujdes.people.dedupe.services import dedupe_run_execute

    return dedupe_run_execute(run_pk=run_id)
