"""Background delivery of the outbox (django-tasks): the argument is a row id, never content."""

from __future__ import annotations

from django_tasks import task


@task()
def outbox_deliver_task(package_pk: int) -> str:
    """One delivery attempt of a queued package; a failed one is retried by the timer with backoff."""
    from kujdes.network.federation.models import OutboxPackage
    from kujdes.network.federation.services import outbox_deliver

    package = OutboxPackage.objects.select_related("peer").filter(pk=package_pk).first()
    if package is None:
        return "gone"
    return outbox_deliver(package=package).state
