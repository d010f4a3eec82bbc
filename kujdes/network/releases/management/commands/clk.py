"""`kujdes clk …`: persons known to two or more partners, counted on cryptographic linkage keys.

    kujdes clk secret-generate                       # once for the whole network; hand the hex over
    kujdes clk secret-import < secret.hex            # on every partner installation (stdin, not argv)
    kujdes clk fingerprint                           # compare between installations
    kujdes clk submit --period 2026-01-01:2026-12-31 [--partner CODE]
    kujdes clk count --period 2026-01-01:2026-12-31 [--k 11]     # on the hub

Nothing personal is printed: counts, fingerprints and partner codes only.
"""

from __future__ import annotations

import datetime
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kujdes.core.scoping import system_scope
from kujdes.network.models import Partner
from kujdes.network.releases import linkage
from kujdes.network.releases.models import K_MIN


def parse_period(text: str) -> tuple[datetime.date, datetime.date]:
    """START:END (ISO dates) or a year (2026 = the calendar year)."""
    text = (text or "").strip()
    try:
        if text.isdigit() and len(text) == 4:
            year = int(text)
            return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        start, end = text.split(":", 1)
        first, last = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
    except ValueError:
        raise CommandError("The period is START:END (e.g. 2026-01-01:2026-12-31) or a year (2026).") from None
    if last < first:
        raise CommandError("The period ends before it starts.")
    return first, last


class Command(BaseCommand):
    help = (
        "Persons known to two or more partners, by cryptographic linkage keys: secret-generate, "
        "secret-import (stdin), fingerprint, submit --period, count --period (the hub)."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("secret-generate", help="create the network-wide secret, store it and print it once")
        sub.add_parser("secret-import", help="store the network-wide secret read from stdin (hex)")
        sub.add_parser("fingerprint", help="print the fingerprint of the stored secret")
        submit = sub.add_parser("submit", help="encode this installation's partners' persons for the hub")
        submit.add_argument("--period", required=True, help="START:END or a year")
        submit.add_argument("--partner", help="a local partner's code (default: every local partner)")
        count = sub.add_parser("count", help="the hub: count persons known to two or more partners")
        count.add_argument("--period", required=True, help="START:END or a year")
        count.add_argument("--k", type=int, default=K_MIN, help=f"smallest count shown (at least {K_MIN})")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        with system_scope():
            try:
                getattr(self, "_" + action.replace("-", "_"))(**options)
            except linkage.LinkageError as exc:
                raise CommandError(str(exc)) from None

    def _secret_generate(self, **options: Any) -> None:
        if linkage.linkage_secret_fingerprint():
            raise CommandError("A linkage secret is already stored; import the network's secret instead.")
        secret_hex = linkage.linkage_secret_generate()
        fingerprint = linkage.linkage_secret_import(secret_hex=secret_hex)
        self.stdout.write(secret_hex)
        self.stderr.write(
            f"fingerprint {fingerprint}. Hand the secret above to every partner's operator by a safe "
            "channel (never by e-mail or federation); each runs `kujdes clk secret-import`."
        )

    def _secret_import(self, **options: Any) -> None:
        fingerprint = linkage.linkage_secret_import(secret_hex=sys.stdin.read())
        self.stdout.write(f"fingerprint {fingerprint}")

    def _fingerprint(self, **options: Any) -> None:
        fingerprint = linkage.linkage_secret_fingerprint()
        if fingerprint is None:
            raise CommandError("No linkage secret is stored.")
        self.stdout.write(f"fingerprint {fingerprint}")

    def _submit(self, *, period: str, partner: str | None = None, **options: Any) -> None:
        start, end = parse_period(period)
        partners = Partner.objects.filter(organisation__isnull=False).order_by("code")
        if partner:
            partners = partners.filter(code=partner)
            if not partners.exists():
                raise CommandError(f"No partner {partner} on this installation.")
        for p in partners:
            done = linkage.clk_submit(partner=p, period_start=start, period_end=end)
            where = "stored here (hub)" if done.stored_here else f"{done.packages} package(s) queued"
            self.stdout.write(f"{p.code}: {done.filters} filters, {where}")

    def _count(self, *, period: str, k: int, **options: Any) -> None:
        start, end = parse_period(period)
        result = linkage.shared_persons_count(period_start=start, period_end=end, k=k)
        shown = result.figures.get("persons_shared")
        self.stdout.write(
            f"{start}–{end}: persons known to two or more partners: "
            f"{'fewer than ' + str(result.k) if shown is None else shown} "
            f"({len(result.partners)} partners, {result.filters} filters, Dice ≥ {result.threshold})"
        )
