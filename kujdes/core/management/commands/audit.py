from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kujdes.core.anchors import (
    Checkpoint,
    CheckpointError,
    checkpoints_compare,
    checkpoints_read,
    checkpoints_write,
)
from kujdes.core.audit import ChainReport, audit_chain_walk
from kujdes.core.models import Organisation
from kujdes.core.scoping import system_scope


class Command(BaseCommand):
    help = (
        "verify: check every audit chain, and every checkpoint of --anchors FILE (default: the configured"
        " checkpoint file); exit 1 naming each broken, missing or removed event. anchor: append a signed"
        " checkpoint of each chain's head to --out FILE (default: the configured checkpoint file) and,"
        " with --syslog, to syslog; run it from the periodic job."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["verify", "anchor"])
        parser.add_argument("--organisation", help="one organisation's code (default: all)")
        parser.add_argument(
            "--anchors",
            action="append",
            metavar="FILE",
            help="verify: a checkpoint file (repeatable; a syslog extract works too)",
        )
        parser.add_argument("--out", metavar="FILE", help="anchor: the checkpoint file to append to")
        parser.add_argument(
            "--syslog",
            nargs="?",
            const="/dev/log",
            metavar="ADDRESS",
            help="anchor: also send the checkpoints to syslog (a socket path or HOST:PORT; default /dev/log)",
        )

    def handle(
        self,
        *args: Any,
        action: str,
        organisation: str | None,
        anchors: list[str] | None,
        out: str | None,
        syslog: str | None,
        **options: Any,
    ) -> None:
        with system_scope():
            organisations = Organisation.objects.order_by("code")
            if organisation:
                organisations = organisations.filter(code=organisation)
                if not organisations.exists():
                    raise CommandError(f"No organisation {organisation!r}.")
            if action == "anchor":
                self.anchor(list(organisations), Path(out or settings.AUDIT_ANCHOR_FILE), syslog)
            else:
                self.verify(list(organisations), anchors, only=organisation)

    def anchor(self, organisations: list[Organisation], path: Path, syslog: str | None) -> None:
        try:
            records = checkpoints_write(path=path, organisations=organisations, syslog=syslog)
        except CheckpointError as exc:
            raise CommandError(str(exc)) from None
        also = f" and syslog ({syslog})" if syslog else ""
        for record in records:
            self.stdout.write(
                f"{record['organisation']}: checkpoint at event {record['seq']} written to {path}{also}"
            )

    def verify(
        self, organisations: list[Organisation], anchors: list[str] | None, *, only: str | None
    ) -> None:
        files = [Path(name) for name in anchors or []]
        if not files and Path(settings.AUDIT_ANCHOR_FILE).exists():
            files = [Path(settings.AUDIT_ANCHOR_FILE)]
        problems: list[str] = []
        checkpoints: dict[str, list[Checkpoint]] = defaultdict(list)
        for path in files:
            try:
                found, unreadable = checkpoints_read(path=path)
            except CheckpointError as exc:
                raise CommandError(str(exc)) from None
            problems += unreadable
            for checkpoint in found:
                checkpoints[checkpoint.organisation].append(checkpoint)
        codes = {org.code for org in organisations}
        for code in sorted(set(checkpoints) - codes):
            if only is None:
                newest = max(checkpoints[code], key=lambda checkpoint: checkpoint.seq)
                problems.append(
                    f"Audit chain of {code} broken at event {newest.seq}: the organisation is gone,"
                    f" but {newest.label} recorded its chain."
                )
        for org in organisations:
            pinned = checkpoints.get(org.code, [])
            report = audit_chain_walk(
                organisation_id=org.pk, pinned={checkpoint.seq for checkpoint in pinned}
            )
            broken = [
                f"Audit chain of {org.code} broken at event {p.seq}: {p.problem}." for p in report.problems
            ]
            if report.more_problems:
                broken.append(f"Audit chain of {org.code}: {report.more_problems} more problems after these.")
            broken += checkpoints_compare(code=org.code, report=report, checkpoints=pinned)
            problems += broken
            if not broken:
                self.stdout.write(self.summary(org.code, report, pinned))
        if not files:
            self.stdout.write(
                self.style.WARNING(
                    f"No checkpoints (no file at {settings.AUDIT_ANCHOR_FILE}, no --anchors): deleting the"
                    " newest events would go unseen. Run `kujdes audit anchor` from the periodic job."
                )
            )
        if problems:
            raise CommandError("\n".join(problems))

    @staticmethod
    def summary(code: str, report: ChainReport, pinned: list[Checkpoint]) -> str:
        parts = [f"{code}: {report.events} events, chain intact"]
        if pinned:
            newest = max(pinned, key=lambda checkpoint: (checkpoint.seq, checkpoint.at))
            holds = "1 checkpoint holds" if len(pinned) == 1 else f"{len(pinned)} checkpoints hold"
            parts.append(f"{holds} (newest: event {newest.seq}, {newest.when})")
        if report.unkeyed_until:
            span = "event 1 is" if report.unkeyed_until == 1 else f"events 1–{report.unkeyed_until} are"
            parts.append(
                f"{span} unkeyed (hashed before the chain was keyed): only a checkpoint taken since vouches"
                " for them"
            )
        return "; ".join(parts)
