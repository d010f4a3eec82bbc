"""`kujdes reports_monthly`: enqueue last month's files of every saved report marked "every month".

Run it daily from a timer (cron, or a systemd timer such as `OnCalendar=*-*-* 03:00` calling
`kujdes reports_monthly`); a worker (`kujdes db_worker`) makes the files. On any day of a month it
enqueues the previous month for each monthly report that has no file for it yet, so a missed day or
a stopped worker is caught up later; running it again enqueues nothing new once the files exist, and
the task itself keeps one file set per report and month.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q
from django.utils import timezone

from kujdes.core.scoping import system_scope
from kujdes.reports.models import SavedReport
from kujdes.reports.tasks import MONTHLY_FORMATS, report_monthly_generate


class Command(BaseCommand):
    help = (
        "Enqueue the previous month's XLSX and PDF of every saved report marked 'every month' that has "
        "none yet (run it daily from cron or a systemd timer)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--month", help="YYYY-MM: this month instead of the previous one")

    def handle(self, *args: Any, month: str | None = None, **options: Any) -> None:
        if month:
            try:
                first = datetime.date.fromisoformat(f"{month}-01")
            except ValueError as error:
                raise CommandError("--month is YYYY-MM, e.g. 2026-10.") from error
        else:
            first = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        with system_scope():
            due = list(
                SavedReport.objects.filter(monthly=True)
                .annotate(
                    made=Count(
                        "files",
                        filter=Q(files__scheduled=True, files__starts_on=first, files__ends_on=last),
                    )
                )
                .filter(made__lt=len(MONTHLY_FORMATS))
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        for report_id in due:
            report_monthly_generate.enqueue(report_id, first.year, first.month)
        self.stdout.write(f"{first:%Y-%m}: {len(due)} monthly reports enqueued")
