"""Persons: an encrypted identity, plain statistical codes, blind indexes for search."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from kujdes.core.crypto import KeyHandle
from kujdes.core.fields import EncryptedDateField, EncryptedJSONField, EncryptedTextField
from kujdes.core.models import TenantModel, Unit


class Sex(models.TextChoices):
    # HTCDS 2.0 gender picklist.
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    TRANSGENDER = "transgender", _("Transgender / other")
    UNKNOWN = "unknown", _("Unknown")


class Person(TenantModel):
    """A person known to the programme.

    Identity fields are encrypted with the person's own key (`key_id`, in the key
    store); destroying that key erases them everywhere. Statistical codes stay
    plain so that figures still add up after an erasure.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    key_id = models.UUIDField(unique=True, editable=False)

    given_name = EncryptedTextField(_("given name"))
    family_name = EncryptedTextField(_("family name"))
    other_names = EncryptedJSONField(_("other names and aliases"))
    date_of_birth = EncryptedDateField(_("date of birth"))
    id_documents = EncryptedJSONField(_("identity documents"))
    phones = EncryptedJSONField(_("phone numbers"))
    address = EncryptedTextField(_("address"))

    sex = models.CharField(_("sex"), max_length=16, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    municipality = models.CharField(_("municipality"), max_length=64, blank=True)
    citizenships = models.JSONField(_("citizenships"), default=list, blank=True)

    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking: a save must name the version it started from.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return str(self.public_id)

    def encryption_handle(self) -> KeyHandle:
        handle = getattr(self, "_key_handle", None)
        if handle is None or handle.key_id != self.key_id:
            handle = KeyHandle(key_id=self.key_id)
            self._key_handle = handle
        return handle


class BlindIndexKind(models.TextChoices):
    NAME = "name"
    PHONE = "phone"
    ID_NUMBER = "id_number"


class BlindIndexEntry(TenantModel):
    """One keyed hash of a normalised name token, phone or ID number of a person."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="blind_index")
    kind = models.CharField(max_length=16, choices=BlindIndexKind.choices)
    digest = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["organisation", "kind", "digest"], name="people_blind_lookup_idx")]
