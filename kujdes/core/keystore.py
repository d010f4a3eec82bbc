"""Where keys live: a database of their own (alias "keys").

The master key (a file) wraps each organisation's data and index keys; the
organisation data key wraps each person's key. Data tables refer to keys by
id only, so a dump of the data database holds nothing that decrypts it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models

KEYSTORE = "keys"


class OrganisationKey(models.Model):
    """One version of an organisation's data key (and its constant blind-index key)."""

    organisation_id = models.BigIntegerField()
    version = models.PositiveIntegerField()
    master_key_id = models.CharField(max_length=32)
    wrapped_data_key = models.BinaryField()
    wrapped_index_key = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "core"
        constraints = [
            models.UniqueConstraint(fields=["organisation_id", "version"], name="core_orgkey_version"),
        ]

    def __str__(self) -> str:
        return f"organisation {self.organisation_id} key v{self.version}"


class SubjectKey(models.Model):
    """A person's key: destroyed on erasure, which makes everything it encrypted unreadable."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation_id = models.BigIntegerField(db_index=True)
    # The organisation key version that wraps it (re-wrapped on rotation).
    organisation_key_version = models.PositiveIntegerField()
    wrapped_key = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "core"

    def __str__(self) -> str:
        return f"subject key {self.public_id}"


class InstallationKey(models.Model):
    """One generation of the installation's own federation keys (DESIGN.md §3, Federation).

    An Ed25519 key signs every package this installation sends; an X25519 key receives
    what peers encrypt to it. The private halves are wrapped by the master key like every
    other key; the public halves are on the installation card. A rotated-out generation
    keeps its private halves until `usable_until`, so that packages encrypted to it on the
    way still open, and peers keep verifying its signatures until then.
    """

    key_id = models.CharField(max_length=32, unique=True)
    master_key_id = models.CharField(max_length=32)
    signing_public = models.BinaryField()
    encryption_public = models.BinaryField()
    wrapped_signing_private = models.BinaryField(null=True)
    wrapped_encryption_private = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when a newer generation replaces it: the end of its grace period.
    usable_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "core"

    def __str__(self) -> str:
        return f"installation key {self.key_id}"


_KEY_MODELS = {"organisationkey", "subjectkey", "installationkey"}


class KeystoreRouter:
    def _is_key_model(self, model: type[models.Model]) -> bool:
        return model._meta.app_label == "core" and model._meta.model_name in _KEY_MODELS

    def db_for_read(self, model: type[models.Model], **hints: Any) -> str | None:
        return KEYSTORE if self._is_key_model(model) else None

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str | None:
        return KEYSTORE if self._is_key_model(model) else None

    def allow_relation(self, obj1: models.Model, obj2: models.Model, **hints: Any) -> bool | None:
        return None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        is_key_model = app_label == "core" and model_name in _KEY_MODELS
        if db == KEYSTORE:
            return is_key_model
        return False if is_key_model else None
