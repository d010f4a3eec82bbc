"""Optimistic locking: a save names the version it started from, or it is refused.

Two workers editing one record in the field must not silently overwrite each
other: the second save raises `StaleVersion` carrying the current record, so
the UI can show both versions (and keep what the user typed) and the API can
answer 409 with the current version.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction

M = TypeVar("M", bound=models.Model)


class StaleVersion(Exception):
    def __init__(self, current: models.Model) -> None:
        super().__init__("the record changed since it was read")
        self.current = current


def versioned_save(*, instance: M, expected_version: int | None, changes: dict[str, Any]) -> M:
    """Apply `changes` if the stored version is still `expected_version`; bump the version.

    `expected_version=None` is for callers that read nothing first (system jobs): no check.
    Goes through `save()` (not `update()`), so encrypted fields are encrypted.
    Call inside the service's transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("versioned_save must run inside a transaction")
    model = type(instance)
    current = model._default_manager.select_for_update().get(pk=instance.pk)
    if expected_version is not None and current.version != expected_version:  # type: ignore[attr-defined]
        raise StaleVersion(current)
    for field, value in changes.items():
        setattr(current, field, value)
    current.version += 1  # type: ignore[attr-defined]
    current.save(
        update_fields=[*changes, "version", *(["updated_at"] if hasattr(current, "updated_at") else [])]
    )
    return current
