"""The audit log: append-only, hash-chained per organisation, the chain keyed.

Every service that writes, and every read of a sensitive record, calls
`audit_record` inside its own transaction, so that the event exists if and
only if the change does. Details must never hold personal data: ids and codes
only (the tests grep for it).

Each event's hash covers its columns and the previous event's hash. Since
hash version 2 the hash is an HMAC-SHA256 with a key that lives outside every
database (derived from the master key file), so whoever owns the database, or
holds the SQLite file, can still edit and delete rows but cannot recompute the
hashes that would hide it. Deleting the *newest* events leaves a shorter chain
that is whole; the signed checkpoints of `kujdes.core.anchors` catch that.
Events hashed before the chain was keyed (version 1, plain SHA-256) keep
verifying: the first keyed event binds them, and the first checkpoint pins
them (docs/data-protection.md, "Audit chain: threat model").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.db import connection, models
from django.utils import timezone

# The keyring stays private to crypto; the chain derives its own purpose-bound key from it, as
# crypto's installation secrets do.
from kujdes.core.crypto import MasterKey, _master_key, _master_keyring
from kujdes.core.middleware import current_request_id
from kujdes.core.models import AuditEvent, Organisation, Unit

if TYPE_CHECKING:
    from kujdes.accounts.models import User

GENESIS = "0" * 64
# An arbitrary constant that names the audit chain lock among PostgreSQL advisory locks.
_ADVISORY_LOCK_CLASS = 0x4B4A4453  # "KJDS"

# A keyed hash reads "h2:<key tag>:<HMAC, base64url>" (at most 59 characters, so the column keeps
# its length and needs no migration); an unkeyed one is 64 hex digits. The form is the version.
KEYED_PREFIX = "h2"
_KEY_TAG_LENGTH = 12
# How many problems of one chain are listed; the rest are counted.
MAX_PROBLEMS = 10

# The chain key: HKDF of the master key, bound to this purpose. Not a per-organisation key in the
# key store: that store is a database, often on the same server and under the same owner as the
# data, and it is deliberately left out of data backups, so a chain restored elsewhere could no
# longer be checked. The master key file is the one secret outside every database. One key serves
# every organisation; each event's organisation id is inside what it signs.
_CHAIN_KEY_INFO = b"kujdes/audit-chain"
_chain_keys: dict[MasterKey, bytes] = {}


class ChainKeyMissing(Exception):
    """A keyed event names a master key that is not in the keyring: it cannot be checked here."""


def _chain_key(master: MasterKey) -> bytes:
    key = _chain_keys.get(master)
    if key is None:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CHAIN_KEY_INFO)
        key = _chain_keys[master] = hkdf.derive(master.key)
    return key


def key_tag(master: MasterKey) -> str:
    """How a keyed hash names its master key (the key's id, at most 12 characters)."""
    return master.key_id[:_KEY_TAG_LENGTH]


def master_key_for_tag(tag: str) -> MasterKey:
    for master in _master_keyring():
        if key_tag(master) == tag:
            return master
    raise ChainKeyMissing(tag)


def _tag_of(stored_hash: str) -> str | None:
    """The key tag of a keyed hash; None for an unkeyed (version 1) hash."""
    version, _sep, rest = stored_hash.partition(":")
    if version != KEYED_PREFIX:
        return None
    return rest.rpartition(":")[0]


def _canonical(event: AuditEvent, tag: str | None) -> bytes:
    payload: dict[str, Any] = {
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
        "prev_hash": event.prev_hash,
    }
    if tag is not None:
        # The version and the key are signed too: neither can be swapped under the event.
        payload["hash_version"] = 2
        payload["key"] = tag
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def event_canonical(event: AuditEvent) -> bytes:
    """The bytes that an event's hash covers, in the form (keyed or not) its stored hash has."""
    return _canonical(event, _tag_of(event.hash))


def _keyed_hash(event: AuditEvent, master: MasterKey) -> str:
    tag = key_tag(master)
    mac = hmac.digest(_chain_key(master), _canonical(event, tag), "sha256")
    return f"{KEYED_PREFIX}:{tag}:{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def event_hash(event: AuditEvent) -> str:
    """What the event's hash must be, in the form its stored hash claims. Raises ChainKeyMissing."""
    tag = _tag_of(event.hash)
    if tag is None:
        return hashlib.sha256(_canonical(event, None)).hexdigest()
    return _keyed_hash(event, master_key_for_tag(tag))


def _chain_lock(organisation_id: int) -> None:
    """Serialise appends to one organisation's chain until the transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_ADVISORY_LOCK_CLASS, organisation_id])
    # SQLite: transactions are IMMEDIATE (settings), so the writer already holds the database lock.


def _object_ref(obj: models.Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    public_id = getattr(obj, "public_id", None)
    return obj._meta.label_lower, str(public_id if public_id is not None else obj.pk)


def audit_record(
    *,
    actor: User | None,
    organisation: Organisation | int,
    action: str,
    obj: models.Model | None = None,
    unit: Unit | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the organisation's chain. Must run inside the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    _chain_lock(organisation_id)
    head_seq, prev_hash = audit_chain_head(organisation_id=organisation_id)
    seq = head_seq + 1
    object_type, object_id = _object_ref(obj)
    event = AuditEvent(
        organisation_id=organisation_id,
        seq=seq,
        occurred_at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        unit=unit,
        action=action,
        object_type=object_type,
        object_id=object_id,
        request_id=current_request_id(),
        details=details or {},
        prev_hash=prev_hash,
    )
    event.hash = _keyed_hash(event, _master_key())
    event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class AuditEntry:
    """One event for `audit_record_many`: what `audit_record` takes besides actor and organisation."""

    action: str
    obj: models.Model | None = None
    unit: Unit | None = None
    details: dict[str, Any] | None = None


def audit_record_many(
    *, actor: User | None, organisation: Organisation | int, entries: Sequence[AuditEntry]
) -> list[AuditEvent]:
    """Append several events to the organisation's chain at once, in order: the events, sequence
    numbers and hashes `audit_record` would have written one by one, with one chain lock, one read
    of the chain's head and one insert (an import registers thousands of persons, each audited).
    Must run inside the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record_many must run inside the transaction of the changes it records")
    if not entries:
        return []
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    _chain_lock(organisation_id)
    head_seq, prev_hash = audit_chain_head(organisation_id=organisation_id)
    master = _master_key()
    actor_or_none = actor if actor is not None and actor.pk else None
    request_id = current_request_id()
    events = []
    for seq, entry in enumerate(entries, start=head_seq + 1):
        object_type, object_id = _object_ref(entry.obj)
        event = AuditEvent(
            organisation_id=organisation_id,
            seq=seq,
            occurred_at=timezone.now(),
            actor=actor_or_none,
            unit=entry.unit,
            action=entry.action,
            object_type=object_type,
            object_id=object_id,
            request_id=request_id,
            details=entry.details or {},
            prev_hash=prev_hash,
        )
        event.hash = prev_hash = _keyed_hash(event, master)
        events.append(event)
    # The base manager: inserting needs no tenant scope (audit_record's save() does not either).
    AuditEvent._base_manager.bulk_create(events, batch_size=1000)
    return events


@dataclass(frozen=True)
class ChainProblem:
    organisation_id: int
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"organisation {self.organisation_id}, event {self.seq}: {self.problem}"


@dataclass
class ChainReport:
    """What one walk along a chain found."""

    organisation_id: int
    events: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    # The chain's unkeyed prefix ends here (0: every event is keyed).
    unkeyed_until: int = 0
    problems: list[ChainProblem] = field(default_factory=list)
    # Problems found beyond MAX_PROBLEMS.
    more_problems: int = 0
    # The stored hash of each asked-for event that exists (checkpoints compare with them).
    hashes: dict[int, str] = field(default_factory=dict)

    def add(self, seq: int, problem: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(ChainProblem(self.organisation_id, seq, problem))
        else:
            self.more_problems += 1


def audit_chain_walk(*, organisation_id: int, pinned: Collection[int] = ()) -> ChainReport:
    """Check every event of one chain, in order; collect the stored hashes at the `pinned` positions."""
    report = ChainReport(organisation_id=organisation_id)
    expected_seq, prev_hash, keyed_seen = 1, GENESIS, False
    events = (
        AuditEvent.objects.with_scopes_disabled()  # type: ignore[attr-defined]
        .filter(organisation_id=organisation_id)
        .order_by("seq")
    )
    for event in events.iterator(chunk_size=2000):
        if event.seq != expected_seq:
            gap = "" if event.seq == expected_seq + 1 else f" (so are the events up to {event.seq - 1})"
            report.add(expected_seq, f"missing{gap}")
        elif event.prev_hash != prev_hash:
            report.add(event.seq, "does not follow the previous event")
        tag = _tag_of(event.hash)
        if tag is not None:
            keyed_seen = True
        elif keyed_seen:
            report.add(
                event.seq,
                "was altered: an unkeyed hash after keyed events (the chain was rehashed without its key)",
            )
        else:
            report.unkeyed_until = event.seq
        try:
            if not hmac.compare_digest(event_hash(event), event.hash):
                report.add(event.seq, "was altered")
        except ChainKeyMissing:
            report.add(
                event.seq,
                f"cannot be checked: it was keyed with master key {tag!r}, which is not in the keyring",
            )
        if event.seq in pinned:
            report.hashes[event.seq] = event.hash
        report.events += 1
        expected_seq, prev_hash = event.seq + 1, event.hash
        report.head_seq, report.head_hash = event.seq, event.hash
    return report


def audit_chain_verify(*, organisation_id: int) -> ChainProblem | None:
    """The first broken, reordered or missing event of the chain, or None if it is whole."""
    problems = audit_chain_walk(organisation_id=organisation_id).problems
    return problems[0] if problems else None


def audit_chain_head(*, organisation_id: int) -> tuple[int, str]:
    head = (
        AuditEvent.objects.with_scopes_disabled()  # type: ignore[attr-defined]
        .filter(organisation_id=organisation_id)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    return head if head else (0, GENESIS)
