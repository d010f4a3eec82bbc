"""Mappings learnt from an organisation's earlier imports: a column header it mapped to a field in a
committed import is suggested first the next time (ahead of the synonyms of kujdes.imports.mapping).

Only header names (folded) and field names are kept, never a cell of a row.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kujdes.imports import mapping
from kujdes.imports.models import LearntColumn

HEADER_MAX = 200


def _key(header: str) -> str:
    return mapping.fold(header)[:HEADER_MAX]


def learnt_columns(*, organisation_id: int, target: str, headers: Sequence[str]) -> list[str]:
    """A field (or "") per header: what the organisation mapped that header to most often before."""
    keys = [_key(header) for header in headers]
    known: dict[str, str] = {}
    rows = LearntColumn.objects.filter(
        organisation_id=organisation_id, target=target, header__in=[k for k in keys if k]
    ).order_by("-uses", "-last_used_at", "pk")
    for header, field in rows.values_list("header", "field"):
        known.setdefault(header, field)
    return [known.get(key, "") if key else "" for key in keys]


def columns_suggest_learnt(*, organisation_id: int, target: str, headers: Sequence[str]) -> list[str]:
    """The suggestion of each column: the learnt field first, then the synonyms' (each field once)."""
    learnt = learnt_columns(organisation_id=organisation_id, target=target, headers=headers)
    suggested = mapping.columns_suggest(target=target, headers=list(headers))
    taken = {name for name in learnt if name}
    return [
        learnt[index] or (name if name and name not in taken else "") for index, name in enumerate(suggested)
    ]


@transaction.atomic
def columns_learn(
    *, organisation_id: int, target: str, headers: Sequence[str], columns: Sequence[str]
) -> int:
    """Remember the fields the columns of a committed import were mapped to; returns how many."""
    learnt = 0
    for header, field in zip(headers, columns, strict=False):
        key = _key(header)
        # A field of several columns (an attendance grid's sessions) has headers of one file only (dates).
        if not key or not field or list(columns).count(field) > 1:
            continue
        updated = LearntColumn.objects.filter(
            organisation_id=organisation_id, target=target, header=key, field=field
        ).update(uses=F("uses") + 1, last_used_at=timezone.now())
        if not updated:
            LearntColumn.objects.create(
                organisation_id=organisation_id, target=target, header=key, field=field
            )
        learnt += 1
    return learnt
