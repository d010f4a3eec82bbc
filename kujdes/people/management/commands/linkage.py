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
    help = (
        "Record linkage on a file: run --input RECORDS.csv --output CLUSTERS.csv [--no-id] [--threads N]; "
        "batch deduplication of a registry into its review queue: dedupe --organisation CODE; "
        "the blocking keys of existing persons as blind indexes: index --organisation CODE; "
        "the organisation's match weights: train --organisation CODE."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["run", "dedupe", "index", "train"])
        parser.add_argument("--input", help="run: CSV (or Parquet) with record_id, given_name, ...")
        parser.add_argument("--output", help="run: CSV written with record_id,cluster_id")
        parser.add_argument(
            "--organisation",
            help="dedupe, index, train: the code of the organisation whose registry is used",
        )
        parser.add_argument("--no-id", action="store_true", help="ignore the document_id column")
        parser.add_argument("--threads", type=int, default=1, help="worker processes (forked; default 1)")
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
        if action == "dedupe":
            dedupe_command(self, organisation_code=options.get("organisation") or "")
            return
        if action in ("index", "train"):
            intake_command(self, action=action, organisation_code=options.get("organisation") or "")
            return
        if not input or not output:
            raise CommandError("run needs --input and --output.")
        source = Path(input)
        if not source.is_file():
            raise CommandError(f"No input file {source}.")
        started = time.perf_counter()
        try:
            records = list(read_records(source))
        except (InputError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from None
        read_s = time.perf_counter() - started
        engine = Engine(use_document=not no_id, threads=threads)
        result = engine.run(records)
        write_clusters(Path(output), records, result.cluster_of)
        if stats:
            clusters = len(set(result.cluster_of))
            self.stdout.write(
                f"{len(records)} records, {clusters} clusters; {result.pairs_compared} pairs compared, "
                f"{result.pairs_linked} linked, {result.merges_refused} merges refused (chaining guard); "
                f"read {read_s:.1f}s, " + ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
            )


def dedupe_command(command: BaseCommand, *, organisation_code: str) -> None:
    """`kujdes linkage dedupe --organisation CODE`: the batch deduplication, here and now (not in the
    worker), with its progress; the pairs go to the organisation's review queue (/persons/duplicates/).
    Counts only are printed: no name, key or comparison."""
    from kujdes.core.models import Organisation
    from kujdes.core.scoping import system_scope
    from kujdes.people.dedupe.services import RunBusy, dedupe_run_execute, dedupe_run_start
    from kujdes.people.models import DedupeRun

    if not organisation_code:
        raise CommandError("dedupe needs --organisation CODE.")
    with system_scope():
        organisation = Organisation.objects.filter(code=organisation_code).first()
        if organisation is None:
            raise CommandError(f"No organisation with the code {organisation_code!r}.")
        try:
            run = dedupe_run_start(actor=None, organisation_id=organisation.pk, enqueue=False)
        except RunBusy as exc:
            raise CommandError(" ".join(exc.messages)) from None
    shown: set[tuple[str, int]] = set()

    def progress(run: DedupeRun) -> None:
        step = (run.stage, run.percent // 10)
        if step not in shown:
            shown.add(step)
            command.stdout.write(f"{run.stage or 'done'}: {run.percent} %")

    outcome = dedupe_run_execute(run_pk=run.pk, on_progress=progress)
    with system_scope():
        run = DedupeRun.objects.get(pk=run.pk)
    if outcome != "done":
        raise CommandError(f"The deduplication {outcome} ({run.error or 'see the log'}).")
    command.stdout.write(
        f"{run.persons} persons, {run.pairs_compared} pairs compared, {run.pairs_stored} pairs in the "
        f"review queue ({run.clusters} clusters), {run.pairs_known_different} known to be different; "
        f"{run.seconds:.1f}s."
    )


def intake_command(command: BaseCommand, *, action: str, organisation_code: str) -> None:
    """`kujdes linkage index --organisation CODE`: (re)write the linkage blind indexes of every person
    (in batches, one transaction each; idempotent) — the backfill of persons registered before the
    keys were stored. `kujdes linkage train --organisation CODE`: learn the organisation's match
    weights for the intake check from its own registry. Counts only are printed."""
    from kujdes.core.models import Organisation
    from kujdes.core.scoping import system_scope
    from kujdes.people.linkage.intake import linkage_index_rebuild, linkage_model_train

    if not organisation_code:
        raise CommandError(f"{action} needs --organisation CODE.")
    started = time.perf_counter()
    with system_scope():
        organisation = Organisation.objects.filter(code=organisation_code).first()
        if organisation is None:
            raise CommandError(f"No organisation with the code {organisation_code!r}.")
        if action == "index":
            count = linkage_index_rebuild(organisation_id=organisation.pk)
            command.stdout.write(f"{count} persons indexed in {time.perf_counter() - started:.1f}s.")
        else:
            stored = linkage_model_train(organisation_id=organisation.pk)
            command.stdout.write(
                f"Weights learnt from {stored.records} persons in {time.perf_counter() - started:.1f}s."
            )
