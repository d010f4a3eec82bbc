"""`kujdes linkage run --input RECORDS.csv --output CLUSTERS.csv`: the linkage engine on a file.

The same engine and settings as the application, without a database: every record of the input
gets a cluster (the record_id of one of its members). Nothing but the output file is written and
no name, key or comparison is logged.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kujdes.people.linkage.engine import Engine
from kujdes.people.linkage.io import InputError, read_records, write_clusters


class Command(BaseCommand):
    help = "Record linkage on a file: run --input RECORDS.csv --output CLUSTERS.csv [--no-id] [--threads N]."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["run"])
        parser.add_argument("--input", required=True, help="CSV (or Parquet) with record_id, given_name, ...")
        parser.add_argument("--output", required=True, help="CSV written with record_id,cluster_id")
        parser.add_argument("--no-id", action="store_true", help="ignore the document_id column")
        parser.add_argument(
            "--threads", type=int, default=1, help="worker threads (the engine uses one today)"
        )
        parser.add_argument(
            "--stats", action="store_true", help="print counts and timings (no personal data)"
        )

    def handle(
        self,
        *args: Any,
        action: str,
        input: str,
        output: str,
        no_id: bool,
        threads: int,
        stats: bool,
        **options: Any,
    ) -> None:
        source = Path(input)
        if not source.is_file():
            raise CommandError(f"No input file {source}.")
        started = time.perf_counter()
        try:
            records = list(read_records(source))
        except (InputError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from None
        read_s = time.perf_counter() - started
        engine = Engine(use_document=not no_id)
        result = engine.run(records)
        write_clusters(Path(output), records, result.cluster_of)
        if stats:
            clusters = len(set(result.cluster_of))
            self.stdout.write(
                f"{len(records)} records, {clusters} clusters; {result.pairs_compared} pairs compared, "
                f"{result.pairs_linked} linked, {result.merges_refused} merges refused (chaining guard); "
                f"read {read_s:.1f}s, " + ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
            )
