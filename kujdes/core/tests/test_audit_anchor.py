"""The audit chain against the owner of its own database: keyed hashes, and signed checkpoints outside it.

Every attack here is made as the database owner (or whoever holds the SQLite file) would make it:
raw SQL behind the application's back (`BaseTestCase.tamper`, which on PostgreSQL leaves the runtime
role, bound by row-level security and refused UPDATE/DELETE on audit rows, for the owner's). The
attacker knows the code, so they recompute hashes with the published algorithm; they do not hold
the master key file. Run on SQLite by default and on PostgreSQL with DATABASE_URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from kujdes.core.audit import audit_record
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase

GENESIS = "0" * 64


def unkeyed_hash(event: AuditEvent, prev_hash: str) -> str:
    """The chain's original, published formula: plain SHA-256 over the event's columns."""
    payload = {
        "seq": event.seq,
        "organisation": event.organisation_id,
        "occurred_at": event.occurred_at.isoformat(),
        "actor": event.actor_id,
        "unit": event.unit_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "request_id": event.request_id,
        "details": event.details,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    return hashlib.sha256(canonical).hexdigest()


class AuditChainAttackTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.dir = Path(directory.name)
        self.anchors = self.dir / "anchors.jsonl"
        with system_scope(), transaction.atomic():
            for number in range(6):
                audit_record(actor=None, organisation=self.org, action="test.appended", details={"n": number})

    # --- the operator's commands ---------------------------------------------------------------

    def anchor(self, *args: str) -> str:
        out = StringIO()
        call_command("audit", "anchor", "--out", str(self.anchors), *args, stdout=out)
        return out.getvalue()

    def verify(self, *args: str) -> str:
        out = StringIO()
        call_command("audit", "verify", *args, stdout=out, stderr=StringIO())
        return out.getvalue()

    def verify_with_anchors(self) -> str:
        return self.verify("--anchors", str(self.anchors))

    # --- the attacker's tools ------------------------------------------------------------------

    def events(self) -> list[AuditEvent]:
        with system_scope():
            return list(AuditEvent.objects.filter(organisation=self.org).order_by("seq"))

    def head(self) -> int:
        return self.events()[-1].seq

    def rehash(self, *, from_seq: int, key: bytes | None = None) -> None:
        """Link every event from `from_seq` on anew, as an owner who read the code would.

        Plain SHA-256 by default: the chain's old formula, which is also how events written before
        the chain was keyed look. With `key`: the keyed formula, but with a key of the attacker's.
        """
        events = self.events()
        prev = next((event.hash for event in events if event.seq == from_seq - 1), GENESIS)
        for event in events:
            if event.seq < from_seq:
                continue
            event.prev_hash = prev
            if key is None:
                digest = unkeyed_hash(event, prev)
            else:
                from kujdes.core.audit import event_canonical

                prefix = event.hash.rsplit(":", 1)[0]  # "h2:<key tag>", as every keyed event shows it
                mac = hmac.new(key, event_canonical(event), hashlib.sha256).digest()
                digest = f"{prefix}:{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"
            self.tamper(
                "UPDATE core_auditevent SET prev_hash = %s, hash = %s WHERE id = %s", [prev, digest, event.pk]
            )
            prev = digest

    def delete_newest(self, count: int) -> int:
        head = self.head()
        self.tamper(
            "DELETE FROM core_auditevent WHERE organisation_id = %s AND seq > %s", [self.org.pk, head - count]
        )
        return head

    # --- attacks on the chain ------------------------------------------------------------------

    def test_an_intact_keyed_chain_verifies_against_its_checkpoints(self) -> None:
        """Before: CommandError "unrecognized arguments: --out" (anchor only printed heads to stdout)."""
        self.anchor()
        with system_scope(), transaction.atomic():
            audit_record(actor=None, organisation=self.org, action="test.appended")
        self.anchor()
        output = self.verify_with_anchors()
        self.assertIn(f"al: {self.head()} events, chain intact", output)
        self.assertIn("2 checkpoints hold", output)

    def test_an_edited_event_is_named_even_when_every_later_hash_was_recomputed(self) -> None:
        """Before: `audit verify` answered "al: … events, chain intact" (DID NOT RAISE CommandError)."""
        target = self.head() - 3
        self.tamper(
            "UPDATE core_auditevent SET action = 'unit.deleted' WHERE organisation_id = %s AND seq = %s",
            [self.org.pk, target],
        )
        self.rehash(from_seq=target)
        with pytest.raises(CommandError) as raised:
            self.verify()
        self.assertIn(f"Audit chain of al broken at event {target}: was altered", str(raised.value))
        self.assertIn("an unkeyed hash after keyed events", str(raised.value))

    def test_an_event_removed_from_the_middle_and_the_rest_renumbered_is_named(self) -> None:
        """Before: `audit verify` answered "chain intact" (DID NOT RAISE CommandError)."""
        target = self.head() - 3
        self.tamper(
            "DELETE FROM core_auditevent WHERE organisation_id = %s AND seq = %s", [self.org.pk, target]
        )
        for event in self.events():
            if event.seq > target:
                self.tamper("UPDATE core_auditevent SET seq = %s WHERE id = %s", [event.seq - 1, event.pk])
        self.rehash(from_seq=target)
        with pytest.raises(CommandError, match=f"Audit chain of al broken at event {target}: was altered"):
            self.verify()

    def test_the_newest_events_deleted_are_reported_against_the_checkpoint(self) -> None:
        """Before: CommandError "unrecognized arguments: --out" (anchor only printed heads to stdout)."""
        self.anchor()
        head = self.delete_newest(2)
        self.assertIn("chain intact", self.verify("--organisation", "al"))  # the chain alone cannot tell
        with pytest.raises(CommandError) as raised:
            self.verify_with_anchors()
        message = str(raised.value)
        self.assertIn(
            f"Audit chain of al broken at event {head}: the chain ends at event {head - 2}", message
        )
        self.assertIn(f"events {head - 1}–{head} were removed", message)

    def test_a_truncated_chain_that_grew_again_differs_from_its_checkpoint(self) -> None:
        """Before: CommandError "unrecognized arguments: --out"."""
        self.anchor()
        head = self.delete_newest(2)
        with system_scope(), transaction.atomic():
            for _ in range(3):
                audit_record(actor=None, organisation=self.org, action="test.appended")
        with pytest.raises(CommandError, match=f"event {head}: it differs from the checkpoint"):
            self.verify_with_anchors()

    def test_a_chain_downgraded_to_unkeyed_hashes_is_caught_by_its_checkpoint(self) -> None:
        """Before: CommandError "unrecognized arguments: --out"; verify alone said "chain intact"."""
        self.anchor()
        target = self.head() - 3
        self.tamper(
            "UPDATE core_auditevent SET object_id = 'x' WHERE organisation_id = %s AND seq = %s",
            [self.org.pk, target],
        )
        # Every event rewritten as if written before keying: the chain alone cannot tell...
        self.rehash(from_seq=1)
        output = self.verify("--organisation", "al")
        self.assertIn("chain intact", output)
        self.assertIn(f"events 1–{self.head()} are unkeyed", output)
        # ...but the checkpoint pinned the head's keyed hash.
        with pytest.raises(CommandError, match=f"event {self.head()}: it differs from the checkpoint"):
            self.verify_with_anchors()

    def test_a_chain_rewritten_with_a_wrong_key_and_checkpoints_signed_with_it_are_named(self) -> None:
        """Before: ModuleNotFoundError "No module named 'kujdes.core.anchors'": nothing was signed or keyed.

        (Without a key an owner did not even need a wrong one: see the plain SHA-256 rehash above.)
        """
        from kujdes.core.anchors import checkpoint_signed_bytes

        self.anchor()
        target = self.head() - 3
        self.tamper(
            "UPDATE core_auditevent SET action = 'x.y' WHERE organisation_id = %s AND seq = %s",
            [self.org.pk, target],
        )
        self.rehash(from_seq=target, key=os.urandom(32))
        # The attacker also replaces the checkpoint with one of their own, signed with their key.
        lines = self.anchors.read_text().splitlines()
        forged = []
        wrong = Ed25519PrivateKey.generate()
        for line in lines:
            record = json.loads(line)
            if record["organisation"] == "al":
                record["hash"] = self.events()[-1].hash
            record.pop("sig")
            record["sig"] = base64.b64encode(wrong.sign(checkpoint_signed_bytes(record))).decode()
            forged.append(json.dumps(record, sort_keys=True))
        self.anchors.write_text("\n".join(forged) + "\n")
        with pytest.raises(CommandError) as raised:
            self.verify_with_anchors()
        message = str(raised.value)
        self.assertIn(f"Audit chain of al broken at event {target}: was altered", message)
        self.assertIn(f"line 1 of {self.anchors} (al, event {self.head()})", message)
        self.assertIn("the signature does not verify", message)

    def test_a_checkpoint_edited_to_hide_a_truncation_fails_its_signature(self) -> None:
        """Before: CommandError "unrecognized arguments: --out"."""
        self.anchor()
        head = self.delete_newest(2)
        events = self.events()
        lines = self.anchors.read_text().splitlines()
        record = json.loads(lines[0])
        self.assertEqual((record["organisation"], record["seq"]), ("al", head))
        record.update(seq=events[-1].seq, hash=events[-1].hash)
        self.anchors.write_text("\n".join([json.dumps(record), *lines[1:]]) + "\n")
        with pytest.raises(CommandError, match=f"line 1 of .* \\(al, event {head - 2}\\): the signature"):
            self.verify_with_anchors()

    def test_a_removed_checkpoint_line_is_noticed(self) -> None:
        """Before: CommandError "unrecognized arguments: --out"."""
        self.anchor()
        self.anchor()
        lines = self.anchors.read_text().splitlines()
        self.assertEqual(len(lines), 4)  # al and fr, twice
        self.anchors.write_text("\n".join(lines[:2] + lines[3:]) + "\n")
        with pytest.raises(CommandError, match="line 3 of .*: it does not follow the line before it"):
            self.verify_with_anchors()

    # --- old chains, files, syslog -------------------------------------------------------------

    def test_a_chain_hashed_before_keying_keeps_verifying_and_continues_keyed(self) -> None:
        """Compatibility rather than an attack: a chain written by the old code (plain SHA-256) stays valid.

        Before: the old chain verified, but the new event was hashed unkeyed too ("AssertionError: False is
        not true" on its "h2:" prefix).
        """
        self.rehash(from_seq=1)  # exactly what the old code wrote
        legacy = self.head()
        self.assertIn("chain intact", self.verify("--organisation", "al"))
        with system_scope(), transaction.atomic():
            event = audit_record(actor=None, organisation=self.org, action="test.appended")
        self.assertTrue(event.hash.startswith("h2:"))
        self.anchor()
        output = self.verify_with_anchors()
        self.assertIn(f"al: {legacy + 1} events, chain intact", output)
        self.assertIn(f"events 1–{legacy} are unkeyed", output)

    def test_verify_without_checkpoints_says_that_truncation_goes_unseen(self) -> None:
        """Before: no word about truncation; the output was only "chain intact"."""
        with override_settings(AUDIT_ANCHOR_FILE=self.dir / "none.jsonl"):
            output = self.verify()
        self.assertIn("chain intact", output)
        self.assertIn("No checkpoints", output)

    def test_both_commands_use_the_configured_checkpoint_file(self) -> None:
        """Before: AssertionError: the anchor command printed the heads to stdout and wrote no file."""
        configured = self.dir / "configured" / "anchors.jsonl"
        with override_settings(AUDIT_ANCHOR_FILE=configured):
            out = StringIO()
            call_command("audit", "anchor", stdout=out)
            self.assertIn(str(configured), out.getvalue())
            head = self.delete_newest(1)
            with pytest.raises(CommandError, match=f"event {head}: the chain ends at event {head - 1}"):
                self.verify()

    def test_checkpoints_reach_syslog_and_verify_from_there(self) -> None:
        """Before: CommandError "unrecognized arguments: --out --syslog …"."""
        collector = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(collector.close)
        collector.bind(("127.0.0.1", 0))
        collector.settimeout(5)
        port = collector.getsockname()[1]
        self.anchor("--syslog", f"127.0.0.1:{port}")
        received = [collector.recv(65536).decode() for _ in range(2)]
        # What a collector keeps: its own prefix, then the line.
        kept = self.dir / "from-syslog.log"
        kept.write_text("".join(f"Dec  7 10:00:00 host {line.rstrip(chr(0))}\n" for line in received))
        self.assertIn('"organisation":"al"', kept.read_text().replace(" ", ""))
        self.assertIn("chain intact", self.verify("--anchors", str(kept)))
        head = self.delete_newest(1)
        with pytest.raises(CommandError, match=f"event {head}: the chain ends"):
            self.verify("--anchors", str(kept))

    def test_an_unreachable_syslog_is_a_clear_error_before_anything_is_written(self) -> None:
        """Before: CommandError "unrecognized arguments"."""
        with pytest.raises(CommandError, match="Cannot reach syslog at .*missing.sock"):
            self.anchor("--syslog", str(self.dir / "missing.sock"))
        self.assertFalse(self.anchors.exists())

    def test_a_missing_or_damaged_checkpoint_file_is_a_clear_error(self) -> None:
        """Before: CommandError "unrecognized arguments: --anchors …"."""
        with pytest.raises(CommandError, match="No checkpoint file at .*nowhere.jsonl"):
            self.verify("--anchors", str(self.dir / "nowhere.jsonl"))
        self.anchor()
        with self.anchors.open("a") as handle:
            handle.write("this is not a checkpoint\n")
        with pytest.raises(CommandError, match="line 3 of .*: not a checkpoint"):
            self.verify_with_anchors()

    def test_the_heads_printed_by_the_old_anchor_command_still_pin_the_chain(self) -> None:
        """Before: CommandError "unrecognized arguments: --anchors …" (the printed heads were never read)."""
        events = self.events()
        paper = self.dir / "paper.txt"
        paper.write_text(f"al {events[-1].seq} {events[-1].hash}\n")
        self.assertIn("chain intact", self.verify("--anchors", str(paper)))
        head = self.delete_newest(1)
        with pytest.raises(CommandError, match=f"event {head}: the chain ends at event {head - 1}"):
            self.verify("--anchors", str(paper))
