"""Writes of statistics releases: drafts, the computation of what leaves, release, supersede, withdraw;
the audit of views by other organisations.

Every write runs in one transaction and records a `network.release.*` audit event (ids, codes and
counts only). A draft holds its spec only; the figures are computed again for the preview and at
release, through the reports room's release path (kujdes.reports.release_counts), and only what
leaves is stored. Released rows never change (see the models' docstring): after release a row
only moves from released to superseded (a new release replaces it, with a reason) or to withdrawn
(with a reason).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kujdes.core.audit import audit_record
from kujdes.core.locking import versioned_save
from kujdes.core.roles import Perm
from kujdes.core.scoping import tenant_scope
from kujdes.network.releases import suppression
from kujdes.network.releases.dp import dp_tables
from kujdes.network.releases.federation import release_push
from kujdes.network.releases.models import (
    K_MIN,
    Release,
    ReleaseCell,
    ReleaseOrigin,
    ReleaseStatus,
    ReleaseTable,
    TableKind,
    WithheldReason,
)
from kujdes.network.releases.selectors import earlier_releases, release_can_prepare
from kujdes.network.selectors import actor_partner
from kujdes.network.services import actor_home_organisation_id, network_audit
from kujdes.reports.release_counts import (
    ReleaseScopeError,
    release_dims,
    release_figures,
    release_indicators,
    release_scope,
)
from kujdes.reports.selectors import Period

if TYPE_CHECKING:
    from kujdes.accounts.models import User


class ReleaseError(Exception):
    """A release cannot be prepared or made as asked; the message is for the user."""


class ReauthenticationNeeded(PermissionDenied):
    """Releasing needs a recent password or second-factor check."""


# --- spec ---------------------------------------------------------------------------------------


def spec_clean(indicators: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A draft's spec from [{"code": ..., "dims": [...]}], checked against the catalogue."""
    allowed = release_indicators()
    cleaned = []
    seen = set()
    for entry in indicators:
        code = str(entry.get("code", ""))
        if code not in allowed:
            raise ReleaseError(_("“%(code)s” is not an indicator a release can carry.") % {"code": code})
        if code in seen:
            continue
        seen.add(code)
        possible = release_dims(allowed[code])
        dims = []
        for dim in entry.get("dims", []) or []:
            if dim not in possible:
                raise ReleaseError(
                    _("“%(indicator)s” cannot be broken down by “%(dim)s” in a release.")
                    % {"indicator": allowed[code].name(), "dim": dim}
                )
            if dim not in dims:
                dims.append(str(dim))
        cleaned.append({"code": code, "dims": dims})
    if not cleaned:
        raise ReleaseError(_("Choose at least one indicator."))
    return {"indicators": cleaned}


def spec_tables(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(indicator, dim or "") for each table of a spec: one per breakdown, the total alone without."""
    tables: list[tuple[str, str]] = []
    for entry in (spec or {}).get("indicators", []):
        dims = entry.get("dims") or []
        tables.extend((entry["code"], dim) for dim in dims) if dims else tables.append((entry["code"], ""))
    return tables


# --- drafts ---------------------------------------------------------------------------------------


WHOLE_ORGANISATION = gettext_lazy(
    "A release covers the whole organisation: only someone who reports on the whole "
    "organisation (an organisation administrator, or a programme manager at the national "
    "office) can prepare one."
)


def _require_whole_organisation(*, actor: User, organisation_id: int) -> None:
    try:
        release_scope(actor=actor, organisation_id=organisation_id)
    except ReleaseScopeError:
        raise ReleaseError(str(WHOLE_ORGANISATION)) from None


def _require_preparer(*, actor: User, release: Release) -> None:
    if not release_can_prepare(actor=actor, release=release):
        raise PermissionDenied


@transaction.atomic
def release_draft_create(
    *,
    actor: User,
    period_start: datetime.date,
    period_end: datetime.date,
    title: str,
    indicators: Iterable[dict[str, Any]],
    k: int = K_MIN,
    dp_enabled: bool = False,
    dp_epsilon: float | None = None,
    dp_delta: float | None = None,
    dp_mechanism: str = "",
) -> Release:
    """A focal point starts a release of their partner for a period (spec only, no numbers)."""
    partner = actor_partner(actor=actor, perm=Perm.NETWORK_RELEASE)
    if partner is None or partner.organisation_id is None:
        raise PermissionDenied
    _k_check(k)
    _require_whole_organisation(actor=actor, organisation_id=partner.organisation_id)
    release = Release(
        partner=partner,
        organisation_id=partner.organisation_id,
        origin=ReleaseOrigin.LOCAL,
        period_start=period_start,
        period_end=period_end,
        title=title,
        k=k,
        spec=spec_clean(indicators),
        created_by=actor,
        **_dp_fields(dp_enabled, dp_epsilon, dp_delta, dp_mechanism),
    )
    release.full_clean()
    release.save()
    network_audit(
        actor=actor,
        action="network.release.drafted",
        obj=release,
        details={"partner": partner.code, "k": release.k, "tables": len(spec_tables(release.spec))},
    )
    return release


def _k_check(k: Any) -> None:
    try:
        suppression.k_check(k)
    except suppression.KTooSmall:
        raise ReleaseError(
            _("k must be a whole number of at least 11: it can be raised, never lowered.")
        ) from None


def _dp_fields(enabled: bool, epsilon: float | None, delta: float | None, mechanism: str) -> dict[str, Any]:
    if not enabled:
        return {"dp_enabled": False, "dp_epsilon": None, "dp_delta": None, "dp_mechanism": ""}
    if epsilon is None or epsilon <= 0:
        raise ReleaseError(_("Give epsilon (ε), the privacy budget: a positive number such as 1."))
    mechanism = mechanism or "discrete_gaussian"
    if mechanism == "discrete_gaussian" and not delta:
        raise ReleaseError(_("Gaussian noise needs delta (δ), a very small number such as 0.000001."))
    return {
        "dp_enabled": True,
        "dp_epsilon": float(epsilon),
        "dp_delta": float(delta or 0.0) if mechanism == "discrete_gaussian" else 0.0,
        "dp_mechanism": mechanism,
    }


DRAFT_FIELDS = (
    "period_start",
    "period_end",
    "title",
    "k",
    "spec",
    "dp_enabled",
    "dp_epsilon",
    "dp_delta",
    "dp_mechanism",
)


@transaction.atomic
def release_draft_update(*, actor: User, release: Release, version: int, changes: dict[str, Any]) -> Release:
    """Change a draft's spec (stale-checked: two focal points may edit one draft)."""
    _require_preparer(actor=actor, release=release)
    if not release.is_draft:
        raise ReleaseError(_("A released release cannot be changed; supersede it instead."))
    changes = dict(changes)
    if "k" in changes:
        _k_check(changes["k"])
    if "indicators" in changes:
        changes["spec"] = spec_clean(changes.pop("indicators"))
    if {"dp_enabled", "dp_epsilon", "dp_delta", "dp_mechanism"} & set(changes):
        changes.update(
            _dp_fields(
                bool(changes.get("dp_enabled", release.dp_enabled)),
                changes.get("dp_epsilon", release.dp_epsilon),
                changes.get("dp_delta", release.dp_delta),
                changes.get("dp_mechanism", release.dp_mechanism),
            )
        )
    refused = set(changes) - set(DRAFT_FIELDS)
    if refused:
        raise PermissionDenied
    candidate = Release.objects.get(pk=release.pk)
    for name, value in changes.items():
        setattr(candidate, name, value)
    candidate.full_clean()
    updated = versioned_save(instance=release, expected_version=version, changes=changes)
    network_audit(
        actor=actor, action="network.release.draft_updated", obj=updated, details={"fields": sorted(changes)}
    )
    return updated


@transaction.atomic
def release_draft_delete(*, actor: User, release: Release) -> None:
    """Throw a draft away (a released release is never deleted)."""
    _require_preparer(actor=actor, release=release)
    if not release.is_draft:
        raise ReleaseError(_("A released release is never deleted; withdraw it instead."))
    network_audit(actor=actor, action="network.release.draft_deleted", obj=release, details={})
    release.delete()


# --- what leaves ------------------------------------------------------------------------------------


@dataclass
class PreviewCell:
    key: dict[str, str]
    labels: dict[str, str]
    value: int | None  # None when withheld: the preview never carries a withheld number either
    withheld: bool = False
    is_total: bool = False
    reason: str = WithheldReason.NONE
    noisy: bool = False


@dataclass
class PreviewTable:
    indicator_code: str
    indicator_name: str
    dim: str
    dim_label: str
    additive: bool
    noisy: bool
    cells: list[PreviewCell] = field(default_factory=list)

    @property
    def total(self) -> PreviewCell:
        return self.cells[0]

    @property
    def rows(self) -> list[PreviewCell]:
        return self.cells[1:]


@dataclass
class Preview:
    tables: list[PreviewTable]
    k: int
    dp_description: str = ""
    exposed: int = 0  # withheld cells earlier releases already give away: release refused

    @property
    def primary(self) -> int:
        return sum(1 for t in self.tables for c in t.cells if c.reason == WithheldReason.PRIMARY)

    @property
    def complementary(self) -> int:
        return sum(1 for t in self.tables for c in t.cells if c.reason == WithheldReason.COMPLEMENTARY)

    @property
    def withheld(self) -> int:
        return self.primary + self.complementary

    @property
    def cell_count(self) -> int:
        return sum(len(t.cells) for t in self.tables)


def _published(release: Release) -> tuple[dict, list[suppression.Equation]]:
    shown: dict = {}
    equations = []
    for table in release.tables.all():
        if table.noisy or table.kind != TableKind.TABLE:
            continue  # noisy numbers give no exact equation
        codes = []
        for cell in table.cells.all():
            q = suppression.quantity(table.indicator_code, cell.key)
            shown[q] = suppression.Published(
                None if cell.withheld else cell.value, cell.reason if cell.withheld else "", release.k
            )
            if not cell.is_total and table.dims:
                codes.append(cell.key.get(table.dims[0], ""))
        if table.dims and table.additive:
            equations.append(suppression.table_equation(table.indicator_code, table.dims[0], codes))
    return shown, equations


def release_compute(*, actor: User, release: Release) -> Preview:
    """Exactly what would leave if the draft were released now (withheld cells carry no number)."""
    _require_preparer(actor=actor, release=release)
    if not release.is_draft:
        raise ReleaseError(_("This release is already made."))
    _require_whole_organisation(actor=actor, organisation_id=release.organisation_id)
    _k_check(release.k)
    tables = spec_tables(release.spec)
    if not tables:
        raise ReleaseError(_("Choose at least one indicator."))
    period = Period(release.period_start, release.period_end, "")
    exact = release_figures(
        actor=actor, organisation_id=release.organisation_id, period=period, tables=tables
    )
    if release.dp_enabled:
        return _compute_dp(release, exact)
    k = release.k
    values: dict = {}
    equations = []
    few_persons = set()
    for table in exact:
        code = table.indicator.code
        total = suppression.quantity(code)
        values[total] = table.total
        if table.total_persons is not None and 1 <= table.total_persons < k:
            few_persons.add(total)
        for cell in table.cells:
            q = suppression.quantity(code, {table.dim: cell.code})
            values[q] = cell.value
            if cell.persons is not None and 1 <= cell.persons < k:
                few_persons.add(q)
        if table.dim and table.additive:
            equations.append(suppression.table_equation(code, table.dim, [c.code for c in table.cells]))
    earlier = [
        _published(r)
        for r in earlier_releases(
            partner=release.partner, period_start=release.period_start, period_end=release.period_end
        )
    ]
    result = suppression.suppress(
        values=values,
        equations=list(dict.fromkeys(equations)),
        k=k,
        earlier=[shown for shown, _ in earlier],
        earlier_equations=[e for _, eqs in earlier for e in eqs],
        small=few_persons,
    )
    # Withheld cells are shown as "<k" (primary) or "withheld" (complementary) to every reader, so a cell
    # the reasons would pin counts as given away too.
    preview = Preview(tables=[], k=k, exposed=len(result.exposed) + len(result.pinned_if_reasons_known))
    for table in exact:
        code = table.indicator.code

        def cell_for(q: tuple, key: dict[str, str], labels: dict[str, str], is_total: bool) -> PreviewCell:
            reason = result.reason(q)
            return PreviewCell(
                key=key,
                labels=labels,
                value=None if reason else values[q],
                withheld=bool(reason),
                is_total=is_total,
                reason=reason or WithheldReason.NONE,
            )

        out = PreviewTable(
            indicator_code=code,
            indicator_name=table.indicator.name(),
            dim=table.dim,
            dim_label=table.dim_label,
            additive=table.additive,
            noisy=False,
        )
        out.cells.append(cell_for(suppression.quantity(code), {}, {}, True))
        for cell in table.cells:
            key = {table.dim: cell.code}
            out.cells.append(cell_for(suppression.quantity(code, key), key, {table.dim: cell.label}, False))
        preview.tables.append(out)
    return preview


def _compute_dp(release: Release, exact: Sequence[Any]) -> Preview:
    """Noisy tables under one (ε, δ) for the whole release: the same persons are in every table, so the
    budget is shared between the tables (basic composition, `dp_tables`), and the description states
    what the release as a whole spends."""
    preview = Preview(tables=[], k=release.k)
    for table in exact:
        if table.dim and not table.additive:
            raise ReleaseError(
                _(
                    "With differential privacy, a release carries only breakdowns that add up to their "
                    "total (“%(dim)s” of “%(indicator)s” does not): leave it out or release without noise."
                )
                % {"dim": table.dim_label, "indicator": table.indicator.name()}
            )
    counts = {
        str(number): ({c.code: c.value for c in table.cells} if table.dim else {"total": table.total})
        for number, table in enumerate(exact)
    }
    results, description = dp_tables(
        counts, epsilon=release.dp_epsilon, delta=release.dp_delta or 0.0, mechanism=release.dp_mechanism
    )
    for number, table in enumerate(exact):
        noisy = results[str(number)]
        out = PreviewTable(
            indicator_code=table.indicator.code,
            indicator_name=table.indicator.name(),
            dim=table.dim,
            dim_label=table.dim_label,
            additive=True,
            noisy=True,
        )
        out.cells.append(PreviewCell(key={}, labels={}, value=int(noisy.total), is_total=True, noisy=True))
        for cell in table.cells:
            out.cells.append(
                PreviewCell(
                    key={table.dim: cell.code},
                    labels={table.dim: cell.label},
                    value=int(noisy.noisy[cell.code]),
                    noisy=True,
                )
            )
        preview.tables.append(out)
    preview.dp_description = description if exact else ""
    return preview


def content_hash(*, release: Release, tables: Sequence[PreviewTable]) -> str:
    """SHA-256 over the period, k and every released cell, in order (withheld cells: no number)."""
    return content_hash_of(
        partner_code=release.partner.code,
        period_start=release.period_start,
        period_end=release.period_end,
        k=release.k,
        tables=tables,
    )


def content_hash_of(
    *,
    partner_code: str,
    period_start: datetime.date,
    period_end: datetime.date,
    k: int,
    tables: Sequence[PreviewTable],
) -> str:
    """The content hash from its parts (a release received from another installation is checked so)."""
    payload = {
        "partner": partner_code,
        "period": [period_start.isoformat(), period_end.isoformat()],
        "k": k,
        "tables": [
            {
                "indicator": t.indicator_code,
                "dims": [t.dim] if t.dim else [],
                "cells": [[c.key, c.value, c.withheld, c.is_total, c.noisy] for c in t.cells],
            }
            for t in tables
        ],
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- release, supersede, withdraw -------------------------------------------------------------------


@transaction.atomic
def release_publish(
    *, actor: User, release: Release, version: int | None, recently_authenticated: bool, reason: str = ""
) -> Release:
    """Make the draft public: compute, suppress (or add noise), store what leaves, for good.

    Needs a recent re-authentication. If the partner already has a current release of the same
    period, the new one supersedes it and a reason is required (here or given when superseding).
    """
    _require_preparer(actor=actor, release=release)
    if not recently_authenticated:
        raise ReauthenticationNeeded
    draft = Release.objects.select_for_update().get(pk=release.pk)
    if not draft.is_draft:
        raise ReleaseError(_("This release is already made."))
    if version is not None and draft.version != version:
        raise ReleaseError(_("Someone changed this draft since you opened it: look at the preview again."))
    preview = release_compute(actor=actor, release=draft)
    if preview.exposed:
        raise ReleaseError(
            _(
                "Together with the earlier releases of this period, this release would let someone work "
                "out %(count)s of the small counts (the data changed since, or k was raised, or a new "
                "breakdown splits a known total into a small and a barely large part). Leave out the "
                "new breakdowns, or ask the network coordinator."
            )
            % {"count": preview.exposed}
        )
    current = (
        Release.objects.select_for_update()
        .filter(
            partner_id=draft.partner_id,
            period_start=draft.period_start,
            period_end=draft.period_end,
            status=ReleaseStatus.RELEASED,
        )
        .first()
    )
    reason = (reason or draft.supersede_reason).strip()
    now = timezone.now()
    if current is not None:
        if not reason:
            raise ReleaseError(_("This period already has a release: say why the new one replaces it."))
        current.status = ReleaseStatus.SUPERSEDED
        current.superseded_at = now
        current.save(update_fields=["status", "superseded_at", "updated_at"])
        draft.supersedes = current
        draft.supersede_reason = reason
    elif draft.supersedes_id is not None and draft.supersedes.status != ReleaseStatus.RELEASED:
        # The release it meant to replace was withdrawn meanwhile: it stands on its own.
        draft.supersede_reason = reason
    last = (
        Release.objects.filter(
            partner_id=draft.partner_id, period_start=draft.period_start, period_end=draft.period_end
        ).aggregate(n=Max("version_number"))["n"]
        or 0
    )
    for position, table in enumerate(preview.tables):
        row = ReleaseTable.objects.create(
            release=draft,
            position=position,
            indicator_code=table.indicator_code,
            indicator_name=table.indicator_name[:200],
            dims=[table.dim] if table.dim else [],
            kind=TableKind.TABLE,
            additive=table.additive,
            noisy=table.noisy,
        )
        ReleaseCell.objects.bulk_create(
            [
                ReleaseCell(
                    table=row,
                    position=index,
                    key=cell.key,
                    labels=cell.labels,
                    value=None if cell.withheld else cell.value,
                    withheld=cell.withheld,
                    is_total=cell.is_total,
                    reason=cell.reason,
                    noisy=cell.noisy,
                )
                for index, cell in enumerate(table.cells)
            ]
        )
    draft.status = ReleaseStatus.RELEASED
    draft.version_number = last + 1
    draft.released_by = actor
    draft.released_at = now
    draft.dp_description = preview.dp_description
    draft.content_hash = content_hash(release=draft, tables=preview.tables)
    draft.version += 1
    draft.save()
    network_audit(
        actor=actor,
        action="network.release.released",
        obj=draft,
        details={
            "partner": draft.partner.code,
            "version": draft.version_number,
            "tables": len(preview.tables),
            "cells": preview.cell_count,
            "withheld_primary": preview.primary,
            "withheld_complementary": preview.complementary,
            "differential_privacy": draft.dp_enabled,
            "supersedes": str(current.public_id) if current is not None else None,
        },
    )
    if current is not None:
        network_audit(
            actor=actor,
            action="network.release.superseded",
            obj=current,
            details={"partner": draft.partner.code, "by": str(draft.public_id)},
        )
        release_push(release=current, actor=actor)
    release_push(release=draft, actor=actor)
    return draft


@transaction.atomic
def release_supersede_start(*, actor: User, release: Release, reason: str) -> Release:
    """Start the replacement of a current release: a draft with the same spec and the reason given."""
    _require_preparer(actor=actor, release=release)
    if release.status != ReleaseStatus.RELEASED:
        raise ReleaseError(_("Only the current release of a period can be superseded."))
    reason = (reason or "").strip()
    if not reason:
        raise ReleaseError(_("Say why the release is replaced."))
    _require_whole_organisation(actor=actor, organisation_id=release.organisation_id)
    draft = Release(
        partner=release.partner,
        organisation_id=release.organisation_id,
        origin=ReleaseOrigin.LOCAL,
        period_start=release.period_start,
        period_end=release.period_end,
        title=release.title,
        k=release.k,
        spec=release.spec,
        dp_enabled=release.dp_enabled,
        dp_epsilon=release.dp_epsilon,
        dp_delta=release.dp_delta,
        dp_mechanism=release.dp_mechanism,
        supersedes=release,
        supersede_reason=reason,
        created_by=actor,
    )
    draft.full_clean()
    draft.save()
    network_audit(
        actor=actor,
        action="network.release.supersede_started",
        obj=draft,
        details={"partner": release.partner.code, "supersedes": str(release.public_id)},
    )
    return draft


@transaction.atomic
def release_withdraw(*, actor: User, release: Release, reason: str) -> Release:
    """Withdraw the current release of a period (it stays readable, marked withdrawn, with the reason)."""
    _require_preparer(actor=actor, release=release)
    reason = (reason or "").strip()
    if not reason:
        raise ReleaseError(_("Say why the release is withdrawn."))
    current = Release.objects.select_for_update().get(pk=release.pk)
    if current.status != ReleaseStatus.RELEASED:
        raise ReleaseError(_("Only the current release of a period can be withdrawn."))
    current.status = ReleaseStatus.WITHDRAWN
    current.withdraw_reason = reason
    current.withdrawn_at = timezone.now()
    current.withdrawn_by = actor
    current.save(update_fields=["status", "withdraw_reason", "withdrawn_at", "withdrawn_by", "updated_at"])
    network_audit(
        actor=actor,
        action="network.release.withdrawn",
        obj=current,
        details={"partner": current.partner.code},
    )
    release_push(release=current, actor=actor)
    return current


# --- the audit of views -------------------------------------------------------------------------------


@transaction.atomic
def release_views_record(*, actor: User, releases: Iterable[Release], via: str) -> int:
    """Audit a view of released figures by a user of another organisation (owner's and viewer's chains).

    A view of one's own organisation's release is not recorded (it is the organisation's own
    data). Returns how many events were written in owners' chains.
    """
    viewer_org = actor_home_organisation_id(actor=actor)
    written = 0
    for release in releases:
        owner_id = release.organisation_id
        if owner_id is None or owner_id == viewer_org or release.is_draft:
            continue
        details = {"release": str(release.public_id), "partner": release.partner.code, "via": via}
        # The request's tenant scope (PostgreSQL row-level security) lets it insert audit rows only
        # for the viewer's own organisations; the owner's chain is outside it. Open a scope of the
        # owner's organisation just around this one insert (and the chain head it reads), so the
        # owner learns who read its figures. Nothing else runs in this scope.
        with tenant_scope(organisation_ids=[owner_id], user_id=actor.pk):
            audit_record(
                actor=actor,
                organisation=owner_id,
                action="network.release.viewed",
                obj=release,
                details=details,
            )
        audit_record(
            actor=actor,
            organisation=viewer_org,
            action="network.release.viewed",
            obj=release,
            details=details,
        )
        written += 1
    return written
