"""Statistics releases across installations: a partner's release travels to the coordinator's installation.

A partner working on its own installation releases its figures there; the network coordinator
works on another installation. When a local release is released, superseded or withdrawn (or gets
its CTDC table), `release_push` queues a `release` package for every active peer that hosts the
coordinator — unless this installation hosts the coordinator itself, or has no federation identity
(a standalone installation). The package carries the release *as released*: its spec, k, version,
status and the published tables and cells (a withheld cell carries no number, as it has none),
never who made it. It travels signed, not sealed: nothing in it is about a person
(`RELEASE_FIELDS`, `TABLE_FIELDS`, `CELL_FIELDS` are the whole schema, and a test holds it so).

On the coordinator's installation `release_received` stores it as a remote release of the sending
partner (`origin=remote`, with the package id, the sending installation, the key that signed it and
when it was verified), beside the local partners' releases. Later packages of the same release
only move its status forward (released → superseded or withdrawn) and add tables it gained; they
never change its figures, never touch a local release or another partner's, and a package that
arrives late cannot make an older version current again.
"""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from kujdes.network.federation import envelope as env
from kujdes.network.federation.handlers import PackageRejected, Received, catches_up, handles
from kujdes.network.federation.models import InboxPackage, PackageType, Peer, PeerStatus
from kujdes.network.federation.services import (
    federation_audit,
    installation_get,
    package_broadcast,
)
from kujdes.network.releases.models import (
    Release,
    ReleaseCell,
    ReleaseOrigin,
    ReleaseStatus,
    ReleaseTable,
    TableKind,
    WithheldReason,
)

if TYPE_CHECKING:
    from kujdes.accounts.models import User


SCHEMA = "kujdes-release/1"
# The whole schema of a `release` package: figures, codes and the partner's own texts about the
# release (its title and reasons). No user, no name, no e-mail: nothing about a person.
PAYLOAD_FIELDS = ("schema", "partner", "release", "tables")
RELEASE_FIELDS = (
    "public_id",
    "title",
    "period_start",
    "period_end",
    "k",
    "spec",
    "version_number",
    "status",
    "released_at",
    "supersedes",
    "supersede_reason",
    "superseded_at",
    "withdraw_reason",
    "withdrawn_at",
    "dp_enabled",
    "dp_epsilon",
    "dp_delta",
    "dp_mechanism",
    "dp_description",
    "content_hash",
)
TABLE_FIELDS = ("position", "indicator_code", "indicator_name", "dims", "kind", "additive", "noisy", "cells")
CELL_FIELDS = ("position", "key", "labels", "value", "withheld", "is_total", "reason", "noisy")
PUBLISHED = (ReleaseStatus.RELEASED, ReleaseStatus.SUPERSEDED, ReleaseStatus.WITHDRAWN)
# A status only moves forward: released, then superseded or withdrawn (both final).
_RANK = {ReleaseStatus.RELEASED: 0, ReleaseStatus.SUPERSEDED: 1, ReleaseStatus.WITHDRAWN: 1}


# --- sending --------------------------------------------------------------------------------------


def _moment(value: datetime.datetime | None) -> str | None:
    return env.timestamp(value) if value is not None else None


def release_payload(*, release: Release) -> dict[str, Any]:
    """The `release` package's payload: the release as published, with its tables and cells."""
    tables = ReleaseTable.objects.filter(release=release).order_by("position", "pk").prefetch_related("cells")
    return {
        "schema": SCHEMA,
        "partner": release.partner.code,
        "release": {
            "public_id": str(release.public_id),
            "title": release.title,
            "period_start": release.period_start.isoformat(),
            "period_end": release.period_end.isoformat(),
            "k": release.k,
            "spec": release.spec,
            "version_number": release.version_number,
            "status": release.status,
            "released_at": _moment(release.released_at),
            "supersedes": str(release.supersedes.public_id) if release.supersedes_id else None,
            "supersede_reason": release.supersede_reason,
            "superseded_at": _moment(release.superseded_at),
            "withdraw_reason": release.withdraw_reason,
            "withdrawn_at": _moment(release.withdrawn_at),
            "dp_enabled": release.dp_enabled,
            "dp_epsilon": release.dp_epsilon,
            "dp_delta": release.dp_delta,
            "dp_mechanism": release.dp_mechanism,
            "dp_description": release.dp_description,
            "content_hash": release.content_hash,
        },
        "tables": [
            {
                "position": table.position,
                "indicator_code": table.indicator_code,
                "indicator_name": table.indicator_name,
                "dims": list(table.dims),
                "kind": table.kind,
                "additive": table.additive,
                "noisy": table.noisy,
                "cells": [
                    {
                        "position": cell.position,
                        "key": cell.key,
                        "labels": cell.labels,
                        "value": None if cell.withheld else cell.value,
                        "withheld": cell.withheld,
                        "is_total": cell.is_total,
                        "reason": cell.reason,
                        "noisy": cell.noisy,
                    }
                    for cell in sorted(table.cells.all(), key=lambda c: (c.position, c.pk))
                ],
            }
            for table in tables
        ],
    }


def coordinator_peers() -> list[Peer]:
    """Where a local partner's releases go: the active peers that host the network coordinator,
    none when this installation hosts it or has no federation identity (standalone)."""
    installation = installation_get()
    if installation is None or installation.hosts_coordinator:
        return []
    return list(Peer.objects.filter(status=PeerStatus.ACTIVE, hosts_coordinator=True).order_by("pk"))


def release_push(*, release: Release, actor: User | None, peers: list[Peer] | None = None) -> int:
    """Queue the release for the coordinator's installation (inside the caller's transaction: it
    leaves only if the change commits). Returns how many packages were queued.

    A peer that cannot be sent to (no valid key) does not stop the release: the failure is logged,
    and `kujdes federation peers` shows the peer without its package.
    """
    if release.origin != ReleaseOrigin.LOCAL or release.status not in PUBLISHED:
        return 0
    peers = coordinator_peers() if peers is None else peers
    if not peers:
        return 0
    return package_broadcast(
        type=PackageType.RELEASE,
        payload=release_payload(release=release),
        peers=peers,
        actor=actor,
        organisation=release.organisation_id,
        subject=str(release.public_id),
    )


@catches_up(PackageType.RELEASE)
def releases_catch_up(peer: Peer) -> int:
    """A new peer that hosts the coordinator gets every local release already made, oldest first."""
    if peer not in coordinator_peers():
        return 0
    releases = Release.objects.filter(origin=ReleaseOrigin.LOCAL, status__in=PUBLISHED).order_by(
        "period_start", "version_number", "pk"
    )
    return sum(release_push(release=release, actor=None, peers=[peer]) for release in releases)


# --- receiving ------------------------------------------------------------------------------------


def _reject(detail: str, code: str = "invalid_content") -> PackageRejected:
    return PackageRejected(code, detail)


def _date(value: Any) -> datetime.date:
    if not isinstance(value, str):
        raise _reject("a date is missing")
    return datetime.date.fromisoformat(value)


def _when(value: Any) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise _reject("a time is not ISO 8601 text")
    moment = datetime.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise _reject("a time has no time zone")
    return moment


def _text(value: Any, limit: int | None = None) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _reject("a text member is not text")
    return value[:limit] if limit else value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _reject("a flag is not true or false")
    return value


def _count(value: Any, *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _reject("a number is not a whole number")
    return value


def _codes(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str | int) for k, v in value.items()
    ):
        raise _reject("a cell's key or labels are not codes")
    return {k: str(v) for k, v in value.items()}


def _cells(table: dict[str, Any]) -> list[ReleaseCell]:
    cells = table.get("cells")
    if not isinstance(cells, list):
        raise _reject("a table has no cells")
    rows = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            raise _reject("a cell is not an object")
        withheld = _flag(cell.get("withheld", False))
        reason = cell.get("reason", WithheldReason.NONE)
        value = _count(cell.get("value"), allow_none=True)
        if withheld:
            # What was withheld has no number, here as there: a package that carries one is refused.
            if value is not None or reason not in (WithheldReason.PRIMARY, WithheldReason.COMPLEMENTARY):
                raise _reject("a withheld cell carries a number or no reason", "withheld_number")
        elif value is None or reason != WithheldReason.NONE:
            raise _reject("a released cell has no number")
        rows.append(
            ReleaseCell(
                position=_count(cell.get("position", index)) or 0,
                key=_codes(cell.get("key", {})),
                labels=_codes(cell.get("labels", {})),
                value=value,
                withheld=withheld,
                is_total=_flag(cell.get("is_total", False)),
                reason=reason,
                noisy=_flag(cell.get("noisy", False)),
            )
        )
    return rows


def _tables(payload: dict[str, Any]) -> list[tuple[ReleaseTable, list[ReleaseCell]]]:
    tables = payload.get("tables")
    if not isinstance(tables, list):
        raise _reject("the release has no tables")
    out = []
    positions = set()
    for index, table in enumerate(tables):
        if not isinstance(table, dict):
            raise _reject("a table is not an object")
        kind = table.get("kind", TableKind.TABLE)
        if kind not in TableKind.values:
            raise _reject("a table's kind is unknown")
        dims = table.get("dims", [])
        if not isinstance(dims, list) or not all(isinstance(d, str) for d in dims):
            raise _reject("a table's disaggregations are not codes")
        position = _count(table.get("position", index)) or 0
        if position in positions:
            raise _reject("two tables share a position")
        positions.add(position)
        row = ReleaseTable(
            position=position,
            indicator_code=_text(table.get("indicator_code"), 64),
            indicator_name=_text(table.get("indicator_name"), 200),
            dims=dims,
            kind=kind,
            additive=_flag(table.get("additive", True)),
            noisy=_flag(table.get("noisy", False)),
        )
        if not row.indicator_code:
            raise _reject("a table has no indicator")
        out.append((row, _cells(table)))
    return out


def payload_content_hash(*, payload: dict[str, Any]) -> str:
    """The content hash of the figures a `release` payload carries, computed as the releasing
    installation computes it when it releases them (a CTDC table, made later, is outside it)."""
    data = payload.get("release")
    if not isinstance(data, dict):
        raise _reject("a release package carries its release")
    return _content_hash(partner_code=str(payload.get("partner")), data=data, tables=_tables(payload))


def _hash_check(*, partner_code: str, data: dict[str, Any], tables: list[tuple[ReleaseTable, list]]) -> None:
    """The figures are the ones that were released: the content hash the sender computed when it
    released them is recomputed here."""
    if _content_hash(partner_code=partner_code, data=data, tables=tables) != data.get("content_hash"):
        raise _reject("the figures do not match the release's content hash", "content_hash")


def _content_hash(*, partner_code: str, data: dict[str, Any], tables: list[tuple[ReleaseTable, list]]) -> str:
    from kujdes.network.releases.services import PreviewCell, PreviewTable, content_hash_of

    preview = [
        PreviewTable(
            indicator_code=table.indicator_code,
            indicator_name=table.indicator_name,
            dim=table.dims[0] if table.dims else "",
            dim_label="",
            additive=table.additive,
            noisy=table.noisy,
            cells=[
                PreviewCell(
                    key=cell.key,
                    labels=cell.labels,
                    value=cell.value,
                    withheld=cell.withheld,
                    is_total=cell.is_total,
                    noisy=cell.noisy,
                )
                for cell in cells
            ],
        )
        for table, cells in sorted(tables, key=lambda pair: pair[0].position)
        if table.kind == TableKind.TABLE
    ]

    try:
        k = int(data.get("k"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise _reject("k is not a number") from None
    return content_hash_of(
        partner_code=partner_code,
        period_start=_date(data.get("period_start")),
        period_end=_date(data.get("period_end")),
        k=k,
        tables=preview,
    )


def _signing_key_id(received: Received) -> str:
    row = InboxPackage.objects.filter(package_id=received.package_id).only("envelope").first()
    if row is None:
        return ""
    _envelope, header = env.parse(bytes(row.envelope))
    return header.signing_key


def _stamp(release: Release, received: Received) -> None:
    release.package_id = received.package_id
    release.sender_installation_id = received.sender_installation_id
    release.signing_key_id = _signing_key_id(received)[:32]
    release.received_at = timezone.now()


def _status_apply(release: Release, data: dict[str, Any]) -> bool:
    """Move the stored release's status forward to the package's (never back). True if it moved."""
    status = data["status"]
    if _RANK[status] <= _RANK[ReleaseStatus(release.status)]:
        return False
    release.status = status
    if status == ReleaseStatus.SUPERSEDED:
        release.superseded_at = _when(data.get("superseded_at")) or timezone.now()
    else:
        release.withdraw_reason = _text(data.get("withdraw_reason")) or "—"
        release.withdrawn_at = _when(data.get("withdrawn_at")) or timezone.now()
    return True


def _current_supersede(*, partner_id: int, start: datetime.date, end: datetime.date, below: int) -> None:
    """A newer version arrived: the current release of an older version of the period is superseded."""
    for older in Release.objects.select_for_update().filter(
        partner_id=partner_id,
        period_start=start,
        period_end=end,
        status=ReleaseStatus.RELEASED,
        version_number__lt=below,
    ):
        older.status = ReleaseStatus.SUPERSEDED
        older.superseded_at = older.superseded_at or timezone.now()
        older.save(update_fields=["status", "superseded_at", "updated_at"])


@handles(PackageType.RELEASE)
def release_received(received: Received) -> None:
    """Store (or move forward) a partner's release pushed from the installation that hosts it."""
    installation = installation_get()
    if installation is None or not installation.hosts_coordinator:
        raise _reject("this installation does not host the network coordinator", "not_coordinator")
    payload = received.payload
    if payload.get("schema") != SCHEMA or not isinstance(payload.get("release"), dict):
        raise _reject(f"not a release package (expected {SCHEMA})")
    partner = received.sender_partner(payload.get("partner"))
    if partner.organisation_id is not None:
        raise _reject("the partner is an organisation of this installation", "local_partner")
    data = payload["release"]
    status = data.get("status")
    if status not in PUBLISHED:
        raise _reject("only a released, superseded or withdrawn release travels")
    try:
        public_id = uuid.UUID(str(data.get("public_id")))
    except ValueError:
        raise _reject("the release's id is not valid") from None
    version_number = _count(data.get("version_number"))
    start, end = _date(data.get("period_start")), _date(data.get("period_end"))
    tables = _tables(payload)
    _hash_check(partner_code=partner.code, data=data, tables=tables)

    existing = Release.objects.select_for_update().filter(public_id=public_id).first()
    if existing is not None:
        _update(existing=existing, partner_id=partner.pk, data=data, tables=tables, received=received)
        return
    clash = Release.objects.filter(
        partner=partner, period_start=start, period_end=end, version_number=version_number
    ).exists()
    if clash:
        raise _reject("another release of this partner and period has the same version", "conflict")
    newer = Release.objects.filter(
        partner=partner,
        period_start=start,
        period_end=end,
        version_number__gt=version_number,
        status__in=PUBLISHED,
    ).exists()
    if status == ReleaseStatus.RELEASED:
        if newer:
            # A late package: a newer version is already here, so this one is not current.
            status = ReleaseStatus.SUPERSEDED
        else:
            _current_supersede(partner_id=partner.pk, start=start, end=end, below=version_number or 0)
    supersedes = None
    if data.get("supersedes"):
        supersedes = Release.objects.filter(
            partner=partner, origin=ReleaseOrigin.REMOTE, public_id=str(data["supersedes"])
        ).first()
    release = Release(
        public_id=public_id,
        partner=partner,
        organisation=None,
        origin=ReleaseOrigin.REMOTE,
        period_start=start,
        period_end=end,
        title=_text(data.get("title"), 200) or partner.code,
        k=_count(data.get("k")),
        spec=data.get("spec") if isinstance(data.get("spec"), dict) else {},
        status=status,
        version_number=version_number,
        supersedes=supersedes,
        supersede_reason=_text(data.get("supersede_reason")),
        superseded_at=_when(data.get("superseded_at")),
        withdraw_reason=_text(data.get("withdraw_reason")),
        withdrawn_at=_when(data.get("withdrawn_at")),
        dp_enabled=_flag(data.get("dp_enabled", False)),
        dp_epsilon=data.get("dp_epsilon"),
        dp_delta=data.get("dp_delta"),
        dp_mechanism=_text(data.get("dp_mechanism"), 20),
        dp_description=_text(data.get("dp_description")),
        released_at=_when(data.get("released_at")),
        content_hash=_text(data.get("content_hash"), 64),
    )
    if status == ReleaseStatus.SUPERSEDED and release.superseded_at is None:
        release.superseded_at = timezone.now()
    _stamp(release, received)
    # Constraints are checked above and by the database; the fields' own rules here.
    release.full_clean(validate_constraints=False)
    release.save()
    _tables_store(release=release, tables=tables)
    federation_audit(
        action="network.release.received",
        obj=release,
        details={
            "partner": partner.code,
            "release": str(release.public_id),
            "version": version_number,
            "status": release.status,
            "package": str(received.package_id),
        },
    )


def _tables_store(*, release: Release, tables: list[tuple[ReleaseTable, list[ReleaseCell]]]) -> int:
    """Write the tables the release does not have yet (by position); written once, like every table."""
    have = set(ReleaseTable.objects.filter(release=release).values_list("position", flat=True))
    added = 0
    for table, cells in tables:
        if table.position in have:
            continue
        table.release = release
        table.save()
        for cell in cells:
            cell.table = table
        ReleaseCell.objects.bulk_create(cells)
        added += 1
    return added


def _update(
    *,
    existing: Release,
    partner_id: int,
    data: dict[str, Any],
    tables: list[tuple[ReleaseTable, list[ReleaseCell]]],
    received: Received,
) -> None:
    if existing.origin != ReleaseOrigin.REMOTE or existing.partner_id != partner_id:
        # A local release, or another partner's: no package may touch it.
        raise _reject("the release belongs to another partner or to this installation", "not_yours")
    same = (
        existing.version_number == data.get("version_number")
        and existing.period_start == _date(data.get("period_start"))
        and existing.period_end == _date(data.get("period_end"))
        and existing.k == data.get("k")
        and existing.content_hash == data.get("content_hash")
    )
    if not same:
        raise _reject("the package changes figures that were released", "conflict")
    moved = _status_apply(existing, data)
    added = _tables_store(release=existing, tables=tables)
    if data.get("supersedes") and existing.supersedes_id is None:
        existing.supersedes = Release.objects.filter(
            partner_id=partner_id, origin=ReleaseOrigin.REMOTE, public_id=str(data["supersedes"])
        ).first()
        if existing.supersedes is not None:
            existing.supersede_reason = _text(data.get("supersede_reason"))
    _stamp(existing, received)
    existing.save()
    federation_audit(
        action="network.release.received",
        obj=existing,
        details={
            "release": str(existing.public_id),
            "status": existing.status,
            "moved": moved,
            "tables_added": added,
            "package": str(received.package_id),
        },
    )
