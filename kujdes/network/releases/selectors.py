"""Reads of statistics releases.

Who sees what:
- a draft (spec only, no numbers) and its preview: the focal points (NETWORK_RELEASE) of the
  organisation that prepares it; anyone else gets 404 (foreign = missing);
- released figures (current, superseded and withdrawn releases, their tables and cells): the network
  coordinator (NETWORK_MANAGE) and the focal points of every partner (NETWORK_RELEASE in their
  organisation). Case workers, educators, volunteers, viewers and the DPO get 403: figures of other
  organisations are not their work, and their own organisation's figures are in the reports room.
- `released_value` is the milestones room's read: no actor, released totals only.

A view of released figures by a user of another organisation is audited in the releasing
organisation's chain (and the viewer's): see `services.release_views_record`.

A release received from a partner's own installation (`origin=remote`, kujdes.network.releases.
federation) is read like a local one, everywhere; the reads annotate it with the name and status of
the peer it came from (`origin_installation`, `origin_peer_status`) for its origin badge.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm
from kujdes.network.models import Partner
from kujdes.network.releases.models import Release, ReleaseCell, ReleaseStatus, ReleaseTable
from kujdes.network.selectors import actor_is_coordinator, actor_organisation_ids

if TYPE_CHECKING:
    from kujdes.accounts.models import User

PUBLISHED = (ReleaseStatus.RELEASED, ReleaseStatus.SUPERSEDED, ReleaseStatus.WITHDRAWN)


@dataclass(frozen=True)
class ReleasedValue:
    """The released total of an indicator for a partner and period (value None when withheld)."""

    value: int | None
    withheld: bool
    release_public_id: str
    released_at: datetime.datetime | None
    noisy: bool = False


def released_value(
    *, partner: Partner, indicator_code: str, period_start: datetime.date, period_end: datetime.date
) -> ReleasedValue | None:
    """The total of the indicator in the partner's current release of exactly that period, or None."""
    release = (
        Release.objects.filter(
            partner=partner,
            period_start=period_start,
            period_end=period_end,
            status=ReleaseStatus.RELEASED,
        )
        .order_by("-version_number", "-pk")
        .first()
    )
    if release is None:
        return None
    cell = (
        ReleaseCell.objects.filter(
            table__release=release, table__indicator_code=indicator_code, is_total=True
        )
        .order_by("table__position", "table__pk")
        .first()
    )
    if cell is None:
        return None
    return ReleasedValue(
        value=None if cell.withheld else cell.value,
        withheld=cell.withheld,
        release_public_id=str(release.public_id),
        released_at=release.released_at,
        noisy=cell.noisy,
    )


# --- who may do what ------------------------------------------------------------------------------


def actor_may_read_released(*, actor: User) -> bool:
    """Released figures are for the coordinator and the partners' focal points."""
    return (
        actor_is_coordinator(actor=actor)
        or actor_has_perm(actor=actor, perm=Perm.NETWORK_AGGREGATES_VIEW)
        or actor_has_perm(actor=actor, perm=Perm.NETWORK_RELEASE)
    )


def release_require_reader(*, actor: User) -> None:
    if not actor_may_read_released(actor=actor):
        raise PermissionDenied


def actor_release_organisation_ids(*, actor: User) -> set[int]:
    """The organisations whose releases the actor prepares (a focal point's own)."""
    return actor_organisation_ids(actor=actor, perm=Perm.NETWORK_RELEASE)


def release_can_prepare(*, actor: User, release: Release) -> bool:
    return release.organisation_id is not None and release.organisation_id in actor_release_organisation_ids(
        actor=actor
    )


# --- reads ------------------------------------------------------------------------------------------


def _with_cells(releases: QuerySet[Release], indicator_codes: list[str] | None = None) -> QuerySet[Release]:
    tables = ReleaseTable.objects.order_by("position", "pk")
    if indicator_codes is not None:
        tables = tables.filter(indicator_code__in=indicator_codes)
    tables = tables.prefetch_related(
        Prefetch("cells", queryset=ReleaseCell.objects.order_by("position", "pk"))
    )
    return releases.select_related("partner", "organisation").prefetch_related(
        Prefetch("tables", queryset=tables)
    )


def _with_origin(releases: QuerySet[Release]) -> QuerySet[Release]:
    """Each release with the name and status of the peer it came from (`origin_installation`,
    `origin_peer_status`; empty for a local release), read in the same query."""
    from kujdes.network.federation.models import Peer

    peer = Peer.objects.filter(installation_id=OuterRef("sender_installation_id"))
    return releases.annotate(
        origin_installation=Subquery(peer.values("name")[:1]),
        origin_peer_status=Subquery(peer.values("status")[:1]),
    )


def releases_visible(
    *,
    actor: User,
    partner_code: str = "",
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    current_only: bool = False,
    include_drafts: bool = True,
) -> QuerySet[Release]:
    """Released releases (all partners) plus the drafts of the actor's own organisations."""
    release_require_reader(actor=actor)
    statuses = [ReleaseStatus.RELEASED] if current_only else list(PUBLISHED)
    visible = Q(status__in=statuses)
    if include_drafts:
        visible |= Q(
            status=ReleaseStatus.DRAFT, organisation_id__in=actor_release_organisation_ids(actor=actor)
        )
    releases = Release.objects.filter(visible)
    if partner_code:
        releases = releases.filter(partner__code=partner_code)
    if period_start is not None:
        releases = releases.filter(period_start=period_start)
    if period_end is not None:
        releases = releases.filter(period_end=period_end)
    return _with_origin(releases.select_related("partner", "organisation", "supersedes")).order_by(
        "-period_start", "partner__name", "-version_number", "-created_at", "-pk"
    )


def release_get(*, actor: User, public_id: str) -> Release:
    """One release the actor may see (Release.DoesNotExist → 404: another organisation's draft too)."""
    try:
        return releases_visible(actor=actor).get(public_id=public_id)
    except (ValueError, Release.DoesNotExist) as error:  # a malformed id is missing too
        raise Release.DoesNotExist from error


def release_get_with_cells(*, actor: User, public_id: str) -> Release:
    release = release_get(actor=actor, public_id=public_id)
    return _with_origin(_with_cells(Release.objects.filter(pk=release.pk))).get()


def release_draft_get(*, actor: User, public_id: str) -> Release:
    """A draft of the actor's own organisation (else DoesNotExist → 404)."""
    release = release_get(actor=actor, public_id=public_id)
    if not release.is_draft or not release_can_prepare(actor=actor, release=release):
        raise Release.DoesNotExist
    return release


def release_history(*, release: Release) -> list[Release]:
    """Every released version of the same partner and period, newest first (drafts left out)."""
    return list(
        Release.objects.filter(
            partner_id=release.partner_id,
            period_start=release.period_start,
            period_end=release.period_end,
            status__in=PUBLISHED,
        ).order_by("-version_number", "-pk")
    )


def releases_current(
    *,
    actor: User,
    period_start: datetime.date,
    period_end: datetime.date,
    indicator_codes: list[str] | None = None,
    audit: bool = True,
) -> list[Release]:
    """The current release of each partner for exactly that period, with its tables and cells.

    Only the tables of `indicator_codes` are prefetched (all when None): `release.tables.all()`
    and `table.cells.all()`. Reading released figures of another organisation is audited (in the
    releasing organisation's chain and the viewer's) unless `audit=False`, for callers that audit
    the view themselves.
    """
    releases = list(
        _with_cells(
            releases_visible(
                actor=actor,
                period_start=period_start,
                period_end=period_end,
                current_only=True,
                include_drafts=False,
            ),
            indicator_codes=indicator_codes,
        )
    )
    if audit and releases:
        from kujdes.network.releases.services import release_views_record

        release_views_record(actor=actor, releases=releases, via="dashboard")
    return releases


def earlier_releases(
    *, partner: Partner, period_start: datetime.date, period_end: datetime.date
) -> list[Release]:
    """Every release of the partner for exactly that period that has ever been published (with cells)."""
    return list(
        _with_cells(
            Release.objects.filter(
                partner=partner, period_start=period_start, period_end=period_end, status__in=PUBLISHED
            )
        ).order_by("version_number", "pk")
    )
