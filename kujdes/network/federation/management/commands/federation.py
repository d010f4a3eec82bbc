"""`kujdes federation …`: this installation's identity, its peers, and packages by hand."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from kujdes.core.models import Organisation
from kujdes.core.scoping import system_scope
from kujdes.network.federation import selectors, services
from kujdes.network.federation.models import OutboxState, PackageType, Peer


class Command(BaseCommand):
    help = (
        "Federation between Kujdes installations: init, card, peer add|revoke, peers, catch-up, rotate, "
        "ping, export, import, deliver (the timer's retry of queued packages), health."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        init = sub.add_parser("init", help="create this installation's identity and keys")
        init.add_argument("--name", required=True)
        init.add_argument("--url", required=True, help="the base URL peers reach this installation at")
        init.add_argument("--country", default="", help="ISO 3166 alpha-2 code")
        init.add_argument("--operator", help="code of the organisation that runs the installation")
        init.add_argument(
            "--coordinator", action="store_true", help="the network coordinator works on this installation"
        )
        init.add_argument("--if-missing", action="store_true", help="do nothing if the identity exists")
        sub.add_parser("card", help="print the installation card (JSON)")
        peer = sub.add_parser("peer", help="add or revoke a peer installation")
        peer.add_argument("peer_action", choices=["add", "revoke"])
        peer.add_argument("target", help="add: the peer's card (JSON file, - for stdin); revoke: its id")
        peer.add_argument("--partner", action="append", default=[], help="partner code it hosts (repeat)")
        peer.add_argument("--yes", action="store_true", help="add without asking to confirm the fingerprint")
        sub.add_parser("peers", help="list the peers")
        catch_up = sub.add_parser(
            "catch-up", help="send a (new) peer what is already published: releases, practices, reports"
        )
        catch_up.add_argument("peer")
        sub.add_parser("rotate", help="new keys, announced to every peer")
        ping = sub.add_parser("ping", help="send a ping and wait for the pong")
        ping.add_argument("peer")
        ping.add_argument("--out", help="write the ping to this file instead of sending it")
        ping.add_argument("--timeout", type=float, default=30.0)
        export = sub.add_parser("export", help="write the packages waiting for a peer to a file")
        export.add_argument("--peer", required=True)
        export.add_argument("--out", required=True)
        imp = sub.add_parser("import", help="apply the packages of a file")
        imp.add_argument("file")
        sub.add_parser("deliver", help="deliver queued packages whose time has come (run by a timer)")
        sub.add_parser("health", help="peers unreachable, failed packages (exit 1 if any)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        with system_scope():
            try:
                getattr(self, "_" + action.replace("-", "_"))(**options)
            except services.FederationError as exc:
                raise CommandError(str(exc)) from None

    def _peer_get(self, ref: str) -> Peer:
        peer = selectors.peer_find(ref)
        if peer is None:
            raise CommandError(f"No peer {ref!r} (give its installation id, public id or name).")
        return peer

    def _init(
        self,
        *,
        name: str,
        url: str,
        country: str,
        operator: str | None,
        coordinator: bool,
        if_missing: bool,
        **_: Any,
    ) -> None:
        org = None
        if operator:
            org = Organisation.objects.filter(code=operator).first()
            if org is None:
                raise CommandError(f"No organisation {operator!r}.")
        installation = services.installation_init(
            name=name,
            base_url=url,
            country=country.upper(),
            operator=org,
            hosts_coordinator=coordinator,
            if_missing=if_missing,
        )
        card = services.installation_card()
        self.stdout.write(f"Installation {installation.installation_id} ({installation.name})")
        self.stdout.write(f"Fingerprint: {card['fingerprint']}")

    def _card(self, **_: Any) -> None:
        self.stdout.write(json.dumps(services.installation_card(), indent=2))

    def _peer(self, *, peer_action: str, target: str, partner: list[str], yes: bool, **_: Any) -> None:
        if peer_action == "revoke":
            peer = self._peer_get(target)
            with transaction.atomic():
                services.peer_revoke(actor=None, peer=peer)
            self.stdout.write(f"Revoked {peer.name} ({peer.installation_id}); its packages are refused.")
            return
        text = sys.stdin.read() if target == "-" else Path(target).read_text(encoding="utf-8")
        try:
            raw = json.loads(text)
        except ValueError:
            raise CommandError("The card is not JSON.") from None
        card = services.card_read(raw)
        self.stdout.write(f"{card.name} ({card.installation_id}) at {card.base_url}")
        self.stdout.write(f"Fingerprint: {card.fingerprint}")
        if not yes:
            if not sys.stdin.isatty() or target == "-":
                raise CommandError("Compare the fingerprint with the peer's coordinator, then add --yes.")
            answer = input("Does the peer's coordinator read the same fingerprint? [y/N] ")
            if answer.strip().lower() not in ("y", "yes", "po", "oui"):
                raise CommandError("Not added.")
        peer = services.peer_add(actor=None, card=card, partner_codes=[p.lower() for p in partner])
        self.stdout.write(
            f"Peer {peer.name} added ({peer.public_id}), hosting: {', '.join(partner) or 'no partner'}."
        )

    def _peers(self, **_: Any) -> None:
        rows = selectors.peers_overview()
        if not rows:
            self.stdout.write("No peers.")
        for row in rows:
            peer = row.peer
            contact = (
                timezone.localtime(peer.last_contact_at).strftime("%Y-%m-%d %H:%M")
                if peer.last_contact_at
                else "never"
            )
            flags = []
            if row.unreachable:
                flags.append("UNREACHABLE")
            if peer.status != "active":
                flags.append(peer.status.upper())
            self.stdout.write(
                f"{peer.installation_id}  {peer.name:<30} last contact {contact:<16} "
                f"pending {row.pending:<3} failed {row.failed:<3} {' '.join(flags)}"
            )

    def _catch_up(self, *, peer: str, **_: Any) -> None:
        target = self._peer_get(peer)
        counts = services.peer_catch_up(actor=None, peer=target)
        summary = ", ".join(f"{count} {type_}" for type_, count in counts.items()) or "nothing"
        self.stdout.write(f"Queued for {target.name}: {summary}.")

    def _rotate(self, **_: Any) -> None:
        key = services.keys_rotate(actor=None)
        self.stdout.write(f"New key {key.key_id}; every active peer was sent the new card.")
        self.stdout.write(f"Fingerprint: {services.installation_card()['fingerprint']}")

    def _ping(self, *, peer: str, out: str | None, timeout: float, **_: Any) -> None:
        target = self._peer_get(peer)
        sent_at = timezone.now()
        if out:
            with transaction.atomic():
                package = services.package_send(
                    type=PackageType.PING,
                    payload={"sent_at": sent_at.isoformat()},
                    peer=target,
                    deliver=False,
                )
            data, _count = services.packages_export(actor=None, peer=target, package_ids=[package.package_id])
            Path(out).write_bytes(data)
            self.stdout.write(f"Ping {package.package_id} written to {out}.")
            return
        with transaction.atomic():
            package = services.package_send(
                type=PackageType.PING, payload={"sent_at": sent_at.isoformat()}, peer=target, deliver=False
            )
        package = services.outbox_deliver(package=package)
        if package.state == OutboxState.FAILED or package.state == OutboxState.QUEUED:
            raise CommandError(f"The ping was not delivered: {package.last_error}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            package.refresh_from_db()
            if package.state == OutboxState.ACKNOWLEDGED:
                elapsed = (package.acknowledged_at - sent_at).total_seconds() * 1000
                self.stdout.write(f"pong from {target.name}: round trip {elapsed:.0f} ms")
                return
            time.sleep(0.2)
        raise CommandError(f"The ping was delivered but no pong came back within {timeout:.0f} s.")

    def _export(self, *, peer: str, out: str, **_: Any) -> None:
        target = self._peer_get(peer)
        data, count = services.packages_export(actor=None, peer=target)
        Path(out).write_bytes(data)
        self.stdout.write(f"{count} package(s) for {target.name} written to {out}.")

    def _import(self, *, file: str, **_: Any) -> None:
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        results = services.packages_import(data=data)
        refused = 0
        for result in results:
            label = result.package_id or "-"
            if result.accepted:
                outcome = "accepted" if result.status == 202 else "already received"
                self.stdout.write(f"{result.status} {label} {result.type} {outcome}")
            else:
                refused += 1
                self.stdout.write(f"{result.status} {label} {result.error}: {result.detail}")
        if refused:
            raise CommandError(f"{refused} of {len(results)} package(s) refused.")

    def _deliver(self, **_: Any) -> None:
        count = services.outbox_deliver_due()
        self.stdout.write(f"{count} package(s) tried.")

    def _health(self, **_: Any) -> None:
        problems = selectors.federation_health()
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} federation problem(s).")
        self.stdout.write("Federation: every peer reachable, no failed package.")
