"""Released releases written directly (for tests that are not about how a release is made)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from kujdes.network.models import Partner
from kujdes.network.releases.models import Release, ReleaseCell, ReleaseStatus, ReleaseTable


def released(
    *,
    partner: Partner,
    tables: dict[tuple[str, str], dict[str, int | None]],
    start: datetime.date = datetime.date(2025, 1, 1),
    end: datetime.date = datetime.date(2025, 12, 31),
    version_number: int = 1,
    status: str = ReleaseStatus.RELEASED,
    **fields: Any,
) -> Release:
    """A release with tables {(indicator, dim or ""): {code or "": value, None if withheld}}; "": total."""
    release = Release.objects.create(
        partner=partner,
        organisation_id=partner.organisation_id,
        period_start=start,
        period_end=end,
        title=fields.pop("title", f"{partner.code} {start.year}"),
        status=status,
        version_number=version_number,
        released_at=timezone.now(),
        spec={
            "indicators": [
                {"code": i, "dims": [d for j, d in tables if j == i and d]}
                for i in dict.fromkeys(i for i, _ in tables)
            ]
        },
        **fields,
    )
    for position, ((indicator, dim), cells) in enumerate(tables.items()):
        table = ReleaseTable.objects.create(
            release=release, position=position, indicator_code=indicator, dims=[dim] if dim else []
        )
        for index, (code, value) in enumerate(cells.items()):
            withheld = value is None
            ReleaseCell.objects.create(
                table=table,
                position=index,
                key={dim: code} if code else {},
                value=value,
                withheld=withheld,
                is_total=not code,
                reason="primary" if withheld else "none",
            )
    return release
