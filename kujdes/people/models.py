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


class PersonFileKind(models.TextChoices):
    CONSENT = "consent", _("Signed consent")
    DOCUMENT = "document", _("Document")
    PHOTO = "photo", _("Photo")


class PersonFile(TenantModel):
    """A document or photo of a person, stored encrypted with the person's key (`kujdes.core.files`)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("kind"), max_length=16, choices=PersonFileKind.choices)
    name = EncryptedTextField(_("file name"))
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"file {self.public_id}"

    def encryption_handle(self) -> KeyHandle:
        return self.person.encryption_handle()


class ConsentPurpose(models.TextChoices):
    CASE_MANAGEMENT = "case_management", _("Case management")
    REFERRAL = "referral", _("Referral to services")
    PARTNER_SHARING = "partner_sharing", _("Sharing with a partner organisation")
    STATISTICS = "statistics", _("Anonymised statistics")
    PHOTOS = "photos", _("Photos")


class ConsentGivenBy(models.TextChoices):
    SELF = "self", _("The person")
    GUARDIAN = "guardian", _("A parent or guardian")


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("Written")
    ORAL = "oral", _("Oral")
    DIGITAL = "digital", _("Digital")


class Consent(TenantModel):
    """A person's consent for one purpose (and, for sharing, one partner), until withdrawn."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=32, choices=ConsentPurpose.choices)
    partner = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner organisation"),
    )
    given_by = models.CharField(_("given by"), max_length=16, choices=ConsentGivenBy.choices)
    guardian_name = EncryptedTextField(_("name of the guardian"))
    method = models.CharField(_("how"), max_length=16, choices=ConsentMethod.choices)
    given_on = models.DateField(_("given on"))
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    document = models.ForeignKey(
        PersonFile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed document"),
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [models.Index(fields=["person", "purpose"], name="people_consent_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.purpose} ({self.public_id})"

    def encryption_handle(self) -> KeyHandle:
        return self.person.encryption_handle()


class ConsentOverride(TenantModel):
    """An action taken without the consent it needed, and why (the reason is personal data: encrypted)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consent_overrides")
    purpose = models.CharField(max_length=32, choices=ConsentPurpose.choices)
    partner = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, null=True, related_name="+")
    reason = EncryptedTextField(_("reason"))
    actor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"override {self.public_id}"

    def encryption_handle(self) -> KeyHandle:
        return self.person.encryption_handle()


class RetentionRecordType(models.TextChoices):
    PERSON = "person", _("Person without activity")


class RetentionRule(TenantModel):
    """How long a kind of record is kept after its last activity, set by each organisation."""

    record_type = models.CharField(_("record type"), max_length=32, choices=RetentionRecordType.choices)
    keep_for_days = models.PositiveIntegerField(_("keep for (days)"))
    basis = models.CharField(_("legal basis or policy"), max_length=300, blank=True)
    updated_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "record_type"], name="people_retention_rule_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_type}: {self.keep_for_days} days"


class LegalHold(TenantModel):
    """Keeps a person's records from erasure (court case, investigation) until lifted."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="legal_holds")
    reason = EncryptedTextField(_("reason"))
    placed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(auto_now_add=True)
    lifted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"hold {self.public_id}"

    def encryption_handle(self) -> KeyHandle:
        return self.person.encryption_handle()


class RetentionDueStatus(models.TextChoices):
    DUE = "due", _("Due for erasure")
    HELD = "held", _("Blocked by a legal hold")
    ERASED = "erased", _("Erased")


class RetentionDue(TenantModel):
    """A record past its retention period, waiting for the data protection officer's decision."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, related_name="+")
    due_since = models.DateField()
    status = models.CharField(
        max_length=16, choices=RetentionDueStatus.choices, default=RetentionDueStatus.DUE
    )
    listed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "rule"], name="people_retention_due_unique")]

    def __str__(self) -> str:
        return f"due {self.public_id}"
