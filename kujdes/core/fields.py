"""Model fields whose values are encrypted with the row's person key.

The database column holds `k1:<key id>:<nonce+ciphertext>`; the attribute
holds the plaintext, decrypted on first access only (a list of 50 rows
decrypts the columns it shows, nothing else). The model provides
`encryption_handle()` (its person key) and `public_id`/`organisation_id` for
the associated data.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.db import models

from kujdes.core.crypto import KeyDestroyed, open_sealed, seal, value_aad


class Sealed:
    """A ciphertext as loaded from the database, with its plaintext once opened."""

    __slots__ = ("token", "plaintext", "opened")

    def __init__(self, token: str) -> None:
        self.token = token
        self.plaintext: Any = None
        self.opened = False

    def __repr__(self) -> str:  # never the plaintext, even in a debugger or a log
        return "<Sealed>"


class _EncryptedDescriptor:
    def __init__(self, field: EncryptedField) -> None:
        self.field = field

    def __get__(self, instance: models.Model | None, owner: type) -> Any:
        if instance is None:
            return self
        value = instance.__dict__.get(self.field.attname)
        if not isinstance(value, Sealed):
            return value
        if not value.opened:
            try:
                raw = open_sealed(
                    handle=instance.encryption_handle(),  # type: ignore[attr-defined]
                    token=value.token,
                    aad=self.field.aad(instance),
                )
                value.plaintext = self.field.deserialise(raw.decode())
            except KeyDestroyed:
                value.plaintext = None
            value.opened = True
        return value.plaintext

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedField(models.TextField):
    description = "An encrypted value"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs["editable"] = kwargs.get("editable", True)
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only)
        setattr(cls, self.attname, _EncryptedDescriptor(self))

    def serialise(self, value: Any) -> str:
        return str(value)

    def deserialise(self, text: str) -> Any:
        return text

    def aad(self, instance: models.Model) -> bytes:
        return value_aad(
            label=instance._meta.label_lower,
            field=self.name,
            row_id=instance.public_id,  # type: ignore[attr-defined]
            organisation_id=instance.organisation_id,  # type: ignore[attr-defined]
        )

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Sealed | None:
        return None if value is None else Sealed(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> str | None:
        value = model_instance.__dict__.get(self.attname)
        if value is None or value == "":
            return None
        if isinstance(value, Sealed):
            return value.token
        token = seal(
            handle=model_instance.encryption_handle(),  # type: ignore[attr-defined]
            plaintext=self.serialise(value).encode(),
            aad=self.aad(model_instance),
        )
        sealed = Sealed(token)
        sealed.plaintext, sealed.opened = value, True
        model_instance.__dict__[self.attname] = sealed
        return token

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, Sealed):
            return value.token
        return super().get_prep_value(value)

    def value_to_string(self, obj: models.Model) -> str:
        # Serialisation (dumpdata) carries the ciphertext, never the plaintext.
        value = obj.__dict__.get(self.attname)
        return value.token if isinstance(value, Sealed) else ""


class EncryptedTextField(EncryptedField):
    pass


class EncryptedDateField(EncryptedField):
    def serialise(self, value: datetime.date) -> str:
        return value.isoformat()

    def deserialise(self, text: str) -> datetime.date:
        return datetime.date.fromisoformat(text)


class EncryptedJSONField(EncryptedField):
    def serialise(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def deserialise(self, text: str) -> Any:
        return json.loads(text)
