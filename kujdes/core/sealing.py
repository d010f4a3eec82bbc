"""Sealing, in a data migration, values stored in plaintext before their field was encrypted.

A migration first turns the column into an `EncryptedField` (a text column, so the old plaintext
is still there), then calls `plaintext_columns_seal`: every value that is not yet a `k1:` token is
sealed with its row's key and the row's associated data, exactly as `EncryptedField.pre_save`
would have sealed it. Rows go in batches of 500 by primary key (a fresh query per batch, so the
same loop is safe on SQLite, which must not write a table while a cursor still reads it), with the
batch's keys loaded in one key-store query and one `bulk_update` per batch. Running it twice
changes nothing the second time.

Historical models have no `encryption_handle()`, so the key is named by a lookup path instead
(`person__key_id`, `case__person__key_id`, or the row's own `key_id`, which may be created here).
A row whose key was destroyed (the person was erased) cannot be sealed: its plaintext is dropped,
which is what the erasure promised. Plain codes derived from the plaintext (`derive`) are still
written, like every statistical code an erasure keeps.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import connections, models

from kujdes.core.crypto import (
    FORMAT,
    DecryptionError,
    KeyDestroyed,
    KeyHandle,
    open_sealed,
    seal,
    subject_keys_create,
    subject_keys_load,
    value_aad,
)
from kujdes.core.fields import EncryptedField, Sealed

BATCH_SIZE = 500


@contextmanager
def _all_organisations(using: str) -> Iterator[None]:
    """Every tenant's rows, whoever runs the migration.

    Migrations run as the table owner, whom row-level security does not bind; should an operator
    run them as the runtime role, the session setting that `system_scope` uses admits every row
    (transaction-local: it ends with the migration's transaction).
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('kujdes.all_organisations', 'on', true)")
    yield


def _stored(value: Any) -> str | None:
    text = value.token if isinstance(value, Sealed) else value
    return None if text is None or text == "" else str(text)


def _is_token(text: str) -> bool:
    return text.startswith(f"{FORMAT}:")


def _unsealed(row: Mapping[str, Any], fields: tuple[str, ...]) -> bool:
    """Whether a column of the row holds plaintext, or an empty string (stored as NULL once sealed)."""
    for name in fields:
        value = row[name]
        text = value.token if isinstance(value, Sealed) else value
        if text is not None and not _is_token(str(text)):
            return True
    return False


def _batches(
    model: type[models.Model], using: str, columns: list[str], batch_size: int
) -> Iterator[list[dict[str, Any]]]:
    rows = model._base_manager.using(using).order_by("pk")
    last = None
    while True:
        page = rows.filter(pk__gt=last) if last is not None else rows
        batch = list(page.values("pk", *columns)[:batch_size])
        if not batch:
            return
        yield batch
        last = batch[-1]["pk"]


def _handles(key_ids: set[uuid.UUID]) -> dict[uuid.UUID, KeyHandle]:
    records = subject_keys_load(key_ids)
    return {key_id: KeyHandle(key_id=key_id, record=records.get(key_id)) for key_id in key_ids}


def plaintext_columns_seal(
    *,
    model: type[models.Model],
    using: str,
    fields: tuple[str, ...],
    key: str,
    create_keys: bool = False,
    derive: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Seal every plaintext value of `fields` of `model`'s rows; returns how many rows changed.

    `key` is the lookup path to the row's key id. With `create_keys` (then `key` must be the
    row's own `key_id` field), rows without a key get a new one. `derive(plaintexts)` returns
    plain columns to set from a row's opened values (a dict of field name → value, None when
    the row had none); it runs only for rows that still held plaintext.
    """
    label = model._meta.label_lower
    encrypted = {name: model._meta.get_field(name) for name in fields}
    for field in encrypted.values():
        assert isinstance(field, EncryptedField), field
    changed = 0
    with _all_organisations(using):
        for batch in _batches(model, using, ["public_id", "organisation_id", key, *fields], batch_size):
            pending = [row for row in batch if _unsealed(row, fields) or (create_keys and row[key] is None)]
            if not pending:
                continue
            if create_keys:
                _keys_create(pending, key)
            handles = _handles({row[key] for row in pending if row[key] is not None})
            # Rows grouped by the fields they set (derive may have nothing to say about a row).
            groups: dict[tuple[str, ...], list[models.Model]] = defaultdict(list)
            for row in pending:
                values = _row_seal(row, encrypted, label, handles.get(row[key]))
                if derive is not None:
                    values.update(derive({name: _opened(encrypted[name], row[name]) for name in fields}))
                if create_keys:
                    values[key] = row[key]
                groups[tuple(sorted(values))].append(model(pk=row["pk"], **values))
            for names, objects in groups.items():
                model._base_manager.using(using).bulk_update(objects, list(names))
            changed += len(pending)
    return changed


def _opened(field: EncryptedField, stored: Any) -> Any:
    """The plaintext value of a column not yet sealed (None if empty or sealed already)."""
    text = _stored(stored)
    return None if text is None or _is_token(text) else field.deserialise(text)


def _keys_create(rows: list[dict[str, Any]], key: str) -> None:
    missing: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row[key] is None:
            missing[row["organisation_id"]].append(row)
    for organisation_id, keyless in missing.items():
        created = subject_keys_create(organisation_id=organisation_id, count=len(keyless))
        for row, record in zip(keyless, created, strict=True):
            row[key] = record.public_id


def _row_seal(
    row: Mapping[str, Any], fields: Mapping[str, EncryptedField], label: str, handle: KeyHandle | None
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, field in fields.items():
        text = _stored(row[name])
        if text is None or _is_token(text):
            values[name] = text
            continue
        if handle is None:
            values[name] = None  # no key (a destroyed person): the plaintext must not stay
            continue
        aad = value_aad(
            label=label, field=name, row_id=row["public_id"], organisation_id=row["organisation_id"]
        )
        try:
            values[name] = seal(
                handle=handle, plaintext=field.serialise(field.deserialise(text)).encode(), aad=aad
            )
        except KeyDestroyed:
            values[name] = None
    return values


def sealed_columns_open(
    *,
    model: type[models.Model],
    using: str,
    fields: Mapping[str, str],
    key: str,
    batch_size: int = BATCH_SIZE,
) -> int:
    """The reverse of `plaintext_columns_seal` (unapplying the migration): tokens back to plaintext.

    `fields` maps each field to the plaintext written when a value cannot be opened (its key was
    destroyed) or is missing, e.g. "[]" for a column that was a non-null JSON list.
    """
    label = model._meta.label_lower
    changed = 0
    with _all_organisations(using):
        for batch in _batches(model, using, ["public_id", "organisation_id", key, *fields], batch_size):
            handles = _handles({row[key] for row in batch if row[key] is not None})
            objects = []
            for row in batch:
                values = {}
                for name, empty in fields.items():
                    text = _stored(row[name])
                    handle = handles.get(row[key])
                    if text is None or handle is None:
                        values[name] = empty
                        continue
                    if not _is_token(text):
                        values[name] = text
                        continue
                    aad = value_aad(
                        label=label,
                        field=name,
                        row_id=row["public_id"],
                        organisation_id=row["organisation_id"],
                    )
                    try:
                        values[name] = open_sealed(handle=handle, token=text, aad=aad).decode()
                    except DecryptionError:
                        values[name] = empty
                objects.append(model(pk=row["pk"], **values))
            model._base_manager.using(using).bulk_update(objects, list(fields))
            changed += len(objects)
    return changed
