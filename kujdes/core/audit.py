"""The audit log: append-only, hash-chained per organisation.

Every service that writes, and every read of a sensitive record, calls
`audit_record` inside its own transaction, so that the event exists if and
only if the change does. Details must never hold personal data: ids and codes
only (the tests grep for it).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, models
from django.utils import timezone

from kujdes.core.middleware import current_request_id
from kujdes.core.models import AuditEvent, Organisation, Unit

if TYPE_CHECKING:
    from kujdes.accounts.models import User

GENESIS = "0" * 64
# An arbitrary constant that names the audit chain lock among PostgreSQL advisory locks.
_ADVISORY_LOCK_CLASS = 0x4B4A4453  # "KJDS"


def _canonical(event: AuditEvent) -> bytes:
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
        "prev_hash": event.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


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
    event.hash = event_hash(event)
    event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class ChainProblem:
    organisation_id: int
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"organisation {self.organisation_id}, event {self.seq}: {self.problem}"


def audit_chain_verify(*, organisation_id: int) -> ChainProblem | None:
    """The first broken, reordered or missing event of the chain, or None if it is whole."""
    expected_seq, prev_hash = 1, GENESIS
    events = (
        AuditEvent.objects.with_scopes_disabled()  # type: ignore[attr-defined]
        .filter(organisation_id=organisation_id)
        .order_by("seq")
    )
    for event in events.iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return ChainProblem(organisation_id, expected_seq, "missing")
        if event.prev_hash != prev_hash:
            return ChainProblem(organisation_id, event.seq, "does not follow the previous event")
        if event_hash(event) != event.hash:
            return ChainProblem(organisation_id, event.seq, "was altered")
        expected_seq, prev_hash = event.seq + 1, event.hash
    return None


def audit_chain_head(*, organisation_id: int) -> tuple[int, str]:
    head = (
        AuditEvent.objects.with_scopes_disabled()  # type: ignore[attr-defined]
        .filter(organisation_id=organisation_id)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    return head if head else (0, GENESIS)
