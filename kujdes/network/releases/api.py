"""Releases in the network API: the current releases visible to the caller, one release, its cells.

A withheld cell is {"key": {...}, "value": null, "withheld": true}: its number is not stored, so it
cannot be sent. Reads of another organisation's release are audited as on the pages.
"""

from __future__ import annotations

import datetime
import uuid

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from kujdes.network.releases import selectors, services
from kujdes.network.releases.models import Release

router = Router(tags=["network"])


class ReleaseOut(Schema):
    id: uuid.UUID
    partner: str
    title: str
    period_start: datetime.date
    period_end: datetime.date
    status: str
    version: int | None
    k: int
    differential_privacy: bool
    privacy_description: str
    released_at: datetime.datetime | None
    supersedes: uuid.UUID | None
    supersede_reason: str
    withdraw_reason: str
    content_hash: str
    indicators: list[str]


class CellOut(Schema):
    table: int
    indicator: str
    dims: list[str]
    key: dict[str, str]
    labels: dict[str, str]
    value: int | None
    withheld: bool
    total: bool
    noisy: bool


def _out(release: Release) -> ReleaseOut:
    return ReleaseOut(
        id=release.public_id,
        partner=release.partner.code,
        title=release.title,
        period_start=release.period_start,
        period_end=release.period_end,
        status=release.status,
        version=release.version_number,
        k=release.k,
        differential_privacy=release.dp_enabled,
        privacy_description=release.dp_description,
        released_at=release.released_at,
        supersedes=release.supersedes.public_id if release.supersedes_id else None,
        supersede_reason=release.supersede_reason,
        withdraw_reason=release.withdraw_reason,
        content_hash=release.content_hash,
        indicators=[e.get("code", "") for e in (release.spec or {}).get("indicators", [])],
    )


def _get(request: HttpRequest, release_id: uuid.UUID) -> Release:
    try:
        release = selectors.release_get_with_cells(actor=request.auth, public_id=str(release_id))
    except Release.DoesNotExist:
        raise HttpError(404, "Not found.") from None
    if release.is_draft:
        raise HttpError(404, "Not found.")
    return release


def _date(value: str, name: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise HttpError(400, f"{name}: a date as YYYY-MM-DD.") from None


@router.get("/releases", response=list[ReleaseOut], url_name="network_releases_list")
def releases_list(
    request: HttpRequest,
    partner: str = "",
    period_start: str = "",
    period_end: str = "",
    all_versions: bool = False,
) -> list[ReleaseOut]:
    """Current releases (every version with all_versions=true), filtered by partner code and period."""
    releases = selectors.releases_visible(
        actor=request.auth,
        partner_code=partner[:32],
        period_start=_date(period_start, "period_start"),
        period_end=_date(period_end, "period_end"),
        current_only=not all_versions,
        include_drafts=False,
    )
    return [_out(r) for r in releases]


@router.get("/releases/{release_id}", response=ReleaseOut, url_name="network_releases_get")
def releases_get(request: HttpRequest, release_id: uuid.UUID) -> ReleaseOut:
    release = _get(request, release_id)
    services.release_views_record(actor=request.auth, releases=[release], via="api")
    return _out(release)


@router.get("/releases/{release_id}/cells", response=list[CellOut], url_name="network_releases_cells")
def releases_cells(request: HttpRequest, release_id: uuid.UUID) -> list[CellOut]:
    release = _get(request, release_id)
    services.release_views_record(actor=request.auth, releases=[release], via="api")
    return [
        CellOut(
            table=table.position,
            indicator=table.indicator_code,
            dims=list(table.dims),
            key=cell.key,
            labels=cell.labels,
            value=None if cell.withheld else cell.value,
            withheld=cell.withheld,
            total=cell.is_total,
            noisy=cell.noisy,
        )
        for table in release.tables.all()
        for cell in table.cells.all()
    ]
