"""`kujdes documents cleanup`: the periodic job of the long documents made in the background.

Run it from a timer (every few minutes to hourly): it deletes expired jobs with their encrypted files
and keys, and re-enqueues jobs whose worker stopped in the middle (see kujdes/core/documents).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kujdes.core.documents.services import document_jobs_cleanup


class Command(BaseCommand):
    help = "Delete expired background documents and restart those whose worker stopped (cleanup)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["cleanup"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        result = document_jobs_cleanup()
        self.stdout.write(
            f"documents: {result.expired} expired and deleted, {result.requeued} restarted, "
            f"{result.failed} given up"
        )
