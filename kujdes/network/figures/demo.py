"""The demo's CTDC table: Caritas Albania's current 2025 release gets its CTDC-coded records.

Called by `kujdes demo` after the releases' demo (core finds `demo_populate` by convention), through
the real service, so the demo's few victim cases are generalised and withheld as a real table's
would be.
"""

from __future__ import annotations

import datetime

from kujdes.accounts.models import User
from kujdes.core.scoping import tenant_scope
from kujdes.network.figures.services import CtdcError, ctdc_table_release
from kujdes.network.releases.models import Release, ReleaseStatus, TableKind


def demo_populate() -> str:
    release = (
        Release.objects.filter(
            partner__code="al",
            status=ReleaseStatus.RELEASED,
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 12, 31),
        )
        .order_by("-version_number")
        .first()
    )
    actor = User.objects.filter(username="admin-al").first()
    if release is None or actor is None or release.organisation_id is None:
        return "Network figures: no CTDC table (no current 2025 release of Caritas Albania)."
    if release.tables.filter(kind=TableKind.CTDC).exists():
        return "Network figures: the CTDC table is there already."
    try:
        with tenant_scope(organisation_ids=[release.organisation_id], user_id=actor.pk):
            table = ctdc_table_release(actor=actor, release=release, recently_authenticated=True)
    except CtdcError as error:
        return f"Network figures: no CTDC table ({error})."
    cells = list(table.cells.all())
    total = next((c for c in cells if c.is_total), None)
    released = sum(c.value or 0 for c in cells if not c.is_total)
    records = total.value if total is not None and total.value is not None else "fewer than k"
    return f"Network figures: CTDC table of Caritas Albania 2025 ({released} records released of {records})."
