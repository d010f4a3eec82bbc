"""Signed checkpoints of the audit chains, kept where the database cannot reach them.

A keyed chain shows any edited or removed event except the newest ones: cut
the tail and what is left is still whole. A checkpoint pins one
organisation's chain head (organisation, seq, hash, time), signed with
Ed25519. `kujdes audit anchor`, run by the periodic job, appends one per
organisation to a JSON-lines file outside the database
(`settings.AUDIT_ANCHOR_FILE`, or `--out`; put it on append-only storage or
another machine) and optionally sends it to syslog; `kujdes audit verify`
checks every chain against every checkpoint, so a truncated chain, a chain
rewritten up to a checkpoint, or a backup of an earlier state restored over
the data is named with its organisation and event.

Each checkpoint also carries the digest of the one before it in the file, so
that a removed or reordered line shows too (removing the *last* lines of the
file does not: that is what append-only storage and syslog are for).
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import json
import logging
import os
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from logging.handlers import SysLogHandler
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.utils import timezone

from kujdes.core.audit import (
    GENESIS,
    ChainKeyMissing,
    ChainReport,
    audit_chain_head,
    key_tag,
    master_key_for_tag,
)
from kujdes.core.crypto import MasterKey, _master_key
from kujdes.core.models import Organisation

FORMAT = 1
_SIGNED_PREFIX = b"kujdes/audit-checkpoint/v1\n"
_FIELDS = {
    "v": int,
    "organisation": str,
    "organisation_id": int,
    "seq": int,
    "hash": str,
    "at": str,
    "key": str,
}
# What the old `kujdes audit anchor` printed, one line per organisation: "al 1234 <hash>".
_PRINTED_HEAD = re.compile(r"^(?P<code>\S+) (?P<seq>\d+) (?P<hash>[0-9a-f]{64}|h2:\S+)$")

# The signing key: Ed25519 from HKDF of the master key, bound to this purpose. Not the installation's
# federation key (`crypto.installation_keys`): that one rotates on federation's schedule and its
# private halves are destroyed after a grace period, while checkpoints must verify for years; and its
# public halves live in the key store database, whose owner could swap in a key of their own and sign
# forged checkpoints. A derived key is stored nowhere and re-derived from any master key of the keyring.
_SIGNING_KEY_INFO = b"kujdes/audit-anchor"
_signing_keys: dict[MasterKey, Ed25519PrivateKey] = {}


class CheckpointError(Exception):
    """The checkpoints cannot be written or read at all (a clear message for the operator)."""


def _signing_key(master: MasterKey) -> Ed25519PrivateKey:
    key = _signing_keys.get(master)
    if key is None:
        seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SIGNING_KEY_INFO).derive(
            master.key
        )
        key = _signing_keys[master] = Ed25519PrivateKey.from_private_bytes(seed)
    return key


def checkpoint_public_key(master: MasterKey) -> Ed25519PublicKey:
    return _signing_key(master).public_key()


def checkpoint_signed_bytes(record: dict[str, Any]) -> bytes:
    """What a checkpoint's signature covers: every field but the signature, canonically."""
    fields = {name: value for name, value in record.items() if name != "sig"}
    return (
        _SIGNED_PREFIX + json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    )


def _digest(record: dict[str, Any]) -> str:
    """What the next checkpoint names as its `prev` (independent of the line's spacing)."""
    return hashlib.sha256(checkpoint_signed_bytes(record) + str(record.get("sig", "")).encode()).hexdigest()


def _parse(text: str) -> dict[str, Any] | None:
    """The checkpoint in a line (a collector's prefix before the JSON is allowed), or None."""
    brace = text.find("{")
    if brace < 0:
        return None
    try:
        record = json.loads(text[brace:].strip().rstrip("\x00"))
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("v") != FORMAT:
        return None
    for name, kind in {**_FIELDS, "prev": str, "sig": str}.items():
        if not isinstance(record.get(name), kind) or isinstance(record.get(name), bool):
            return None
    return record


# --- writing ---------------------------------------------------------------------------------


class _Syslog(SysLogHandler):
    def handleError(self, record: logging.LogRecord) -> None:
        raise  # noqa: PLE0704 - called inside emit's `except`: the operator must hear of a lost line


def _unix_socket_probe(path: str) -> None:
    error: OSError | None = None
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_UNIX, kind) as probe:
            try:
                probe.connect(path)
                return
            except OSError as exc:
                error = exc
    assert error is not None
    raise error


def _syslog_open(address: str) -> _Syslog:
    if address.startswith("/"):
        target: str | tuple[str, int] = address
    else:
        host, sep, port = address.rpartition(":")
        if not sep:
            host, port = address, "514"
        if not port.isdigit():
            raise CheckpointError(f"Cannot reach syslog at {address}: write a socket path or HOST:PORT.")
        target = (host, int(port))
    try:
        if isinstance(target, str):
            _unix_socket_probe(target)  # the handler itself keeps quiet about a missing socket
        handler = _Syslog(address=target, facility=SysLogHandler.LOG_AUTHPRIV)
    except OSError as exc:
        raise CheckpointError(f"Cannot reach syslog at {address}: {exc.strerror or exc}.") from None
    handler.ident = "kujdes-audit: "
    return handler


def _last_digest(handle: Any) -> tuple[str, bool]:
    """(digest of the file's last checkpoint or GENESIS, whether the file ends with a newline)."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    if size == 0:
        return GENESIS, True
    handle.seek(max(0, size - 65536))
    tail = handle.read().decode("utf-8", errors="replace")
    for line in reversed(tail.splitlines()):
        record = _parse(line)
        if record is not None:
            return _digest(record), tail.endswith("\n")
    return GENESIS, tail.endswith("\n")


def checkpoints_write(
    *, path: Path, organisations: Iterable[Organisation], syslog: str | None = None
) -> list[dict[str, Any]]:
    """Append a signed checkpoint of each organisation's chain head to `path` (and syslog).

    Run in system scope. Syslog is reached before anything is written, so an unreachable one writes nothing.
    """
    sender = _syslog_open(syslog) if syslog else None
    master = _master_key()
    signing = _signing_key(master)
    records: list[dict[str, Any]] = []
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError as exc:
        raise CheckpointError(f"Cannot write checkpoints to {path}: {exc.strerror or exc}.") from None
    with os.fdopen(descriptor, "r+b") as handle:
        # Two runs at once must not both link to the same previous line.
        fcntl.flock(handle, fcntl.LOCK_EX)
        prev, ends_with_newline = _last_digest(handle)
        now = timezone.now().isoformat(timespec="seconds")  # UTC (USE_TZ)
        for organisation in organisations:
            seq, head = audit_chain_head(organisation_id=organisation.pk)
            record: dict[str, Any] = {
                "v": FORMAT,
                "organisation": organisation.code,
                "organisation_id": organisation.pk,
                "seq": seq,
                "hash": head,
                "at": now,
                "key": key_tag(master),
                "prev": prev,
            }
            record["sig"] = base64.b64encode(signing.sign(checkpoint_signed_bytes(record))).decode()
            prev = _digest(record)
            records.append(record)
        lines = [json.dumps(record, sort_keys=True, separators=(",", ":")) for record in records]
        text = ("" if ends_with_newline else "\n") + "".join(f"{line}\n" for line in lines)
        handle.write(text.encode())
        handle.flush()
        os.fsync(handle.fileno())
    if sender is not None:
        try:
            for line in lines:
                sender.emit(logging.LogRecord("kujdes.audit", logging.INFO, __file__, 0, line, None, None))
        except OSError as exc:
            raise CheckpointError(
                f"The checkpoints were written to {path}, but syslog refused them: {exc.strerror or exc}."
            ) from None
        finally:
            sender.close()
    return records


# --- reading and checking --------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint whose signature holds (or a printed head of the old command, unsigned)."""

    source: str  # "line 3 of /var/lib/kujdes/audit-anchors.jsonl"
    organisation: str
    seq: int
    hash: str
    at: str  # "" for a printed head
    signed: bool

    @property
    def when(self) -> str:
        return self.at.replace("T", " ").replace("+00:00", " UTC") if self.signed else "printed, unsigned"

    @property
    def label(self) -> str:
        if not self.signed:
            return f"the head printed on {self.source} (unsigned)"
        return f"the checkpoint of {self.when} ({self.source})"


def checkpoints_read(*, path: Path) -> tuple[list[Checkpoint], list[str]]:
    """The checkpoints of a file whose signatures hold, and a sentence for each line that is wrong."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise CheckpointError(f"No checkpoint file at {path}.") from None
    except OSError as exc:
        raise CheckpointError(f"Cannot read the checkpoint file {path}: {exc.strerror or exc}.") from None
    checkpoints: list[Checkpoint] = []
    problems: list[str] = []
    prev = GENESIS
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().rstrip("\x00")
        source = f"line {number} of {path}"
        if not line or line.startswith("#"):
            continue
        record = _parse(line)
        if record is None:
            printed = _PRINTED_HEAD.match(line)
            if printed:
                checkpoints.append(
                    Checkpoint(
                        source, printed["code"], int(printed["seq"]), printed["hash"], "", signed=False
                    )
                )
            else:
                problems.append(f"Checkpoint {source}: not a checkpoint.")
            continue
        where = f"Checkpoint {source} ({record['organisation']}, event {record['seq']})"
        if record["prev"] != prev:
            problems.append(
                f"{where}: it does not follow the line before it:"
                " a checkpoint was removed, inserted or reordered."
            )
        prev = _digest(record)
        problem = _signature_problem(record)
        if problem:
            problems.append(f"{where}: {problem}.")
            continue
        checkpoints.append(
            Checkpoint(
                source, record["organisation"], record["seq"], record["hash"], record["at"], signed=True
            )
        )
    return checkpoints, problems


def _signature_problem(record: dict[str, Any]) -> str:
    try:
        public = checkpoint_public_key(master_key_for_tag(record["key"]))
    except ChainKeyMissing:
        return f"it was signed with master key {record['key']!r}, which is not in the keyring"
    try:
        public.verify(base64.b64decode(record["sig"], validate=True), checkpoint_signed_bytes(record))
    except (InvalidSignature, binascii.Error, ValueError):
        return "the signature does not verify: the line was edited or forged"
    return ""


def checkpoints_compare(*, code: str, report: ChainReport, checkpoints: Iterable[Checkpoint]) -> list[str]:
    """A sentence for each checkpoint of this organisation that its chain no longer matches."""
    problems = []
    for checkpoint in checkpoints:
        where = f"Audit chain of {code} broken at event {checkpoint.seq}"
        if checkpoint.seq == 0:
            continue  # a checkpoint of an empty chain pins nothing
        if checkpoint.seq > report.head_seq:
            first, last = report.head_seq + 1, checkpoint.seq
            removed = f"event {last} was" if first == last else f"events {first}–{last} were"
            problems.append(
                f"{where}: the chain ends at event {report.head_seq}, but {checkpoint.label} recorded event"
                f" {checkpoint.seq}: {removed} removed (deleted, or a backup of an earlier state restored)."
            )
        elif checkpoint.seq not in report.hashes:
            problems.append(f"{where}: it is missing, but {checkpoint.label} recorded it.")
        elif report.hashes[checkpoint.seq] != checkpoint.hash:
            problems.append(
                f"{where}: it differs from {checkpoint.label}: the chain was rewritten up to this event."
            )
    return problems
