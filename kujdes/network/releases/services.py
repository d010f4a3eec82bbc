"""Writes of statistics releases: drafts, release, supersede, withdraw; the audit of views.

Every write here runs in one transaction and records a `network.release.*` audit event (ids, codes
and counts only). Released rows are never changed: the only moves after release are the status
changes released → superseded (by a new release, with a reason) and released → withdrawn (with a
reason); see the models' docstring for how immutability is enforced.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction

from kujdes.core.audit import audit_record
from kujdes.core.scoping import tenant_scope
from kujdes.network.releases.models import Release
from kujdes.network.services import actor_home_organisation_id

if TYPE_CHECKING:
    from kujdes.accounts.models import User


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
        if owner_id is None or owner_id == viewer_org:
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
