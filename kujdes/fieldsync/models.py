"""Field capture: XLSForm forms served over OpenRosa, the phones that use them, and what they send.

A form (`Form`, one per organisation and XForm id) has versions (`FormVersion`, the converted XForm
and its media files) and is published to units (`FormPublication`, reaching their subtrees) for some
roles, or every role. A phone is a `Device`: a token in the URL (`/openrosa/key/<token>/…`) that acts
as its user at one unit, as ODK Central's app users do. What a phone sends is a `Submission`: the
instance XML sealed with a key of its own, its attachments encrypted files, and the plain metadata
the protocol needs (form, version, instance id, who, when).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kujdes.core.fields import EncryptedTextField
from kujdes.core.models import Organisation, TenantModel, Unit
from kujdes.programme.models import OwnKeyed


class FormState(models.TextChoices):
    OPEN = "open", _("Open")
    # No new downloads; phones that already have it still send.
    CLOSING = "closing", _("Closing (no new downloads, still receiving)")
    CLOSED = "closed", _("Closed")


class Form(TenantModel):
    """One XForm id of an organisation, whatever its versions."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The XForm's id (`form_id` in the XLSForm settings sheet): what phones name it by.
    xml_form_id = models.CharField(_("form id"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(_("state"), max_length=8, choices=FormState.choices, default=FormState.OPEN)
    # The version phones download; older versions keep receiving submissions.
    current_version = models.ForeignKey(
        "FormVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Roles whose holders see the form (empty: every role of the units it is published to).
    roles = models.JSONField(_("roles"), default=list, blank=True)
    # Phones encrypt each submission with the form's public key (ODK's encrypted forms): FormKey.
    encrypted = models.BooleanField(_("encrypted on the phone"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "xml_form_id"]
        verbose_name = _("field form")
        verbose_name_plural = _("field forms")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "xml_form_id"], name="fieldsync_form_unique_id"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.xml_form_id})"


class FormVersion(TenantModel):
    """One upload of a form: the XLSForm as uploaded and the XForm pyxform made of it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(_("version"), max_length=100)
    xform = models.TextField()
    # "md5:" + hex of the XForm's bytes, as formList announces it.
    xform_hash = models.CharField(max_length=40)
    xlsform = models.BinaryField()
    xlsform_name = models.CharField(max_length=200)
    warnings = models.JSONField(default=list, blank=True)
    # Media files the XForm refers to (jr://images/…, jr://file-csv/…), by file name.
    media_expected = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["form", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["form", "version"], name="fieldsync_formversion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.form.xml_form_id} v{self.version}"


class FormMedia(TenantModel):
    """A media file of a form version (an image, a CSV for select_from_file or pulldata)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    form_version = models.ForeignKey(FormVersion, on_delete=models.CASCADE, related_name="media")
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    data = models.BinaryField()
    md5 = models.CharField(max_length=32)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["filename"]
        constraints = [
            models.UniqueConstraint(fields=["form_version", "filename"], name="fieldsync_formmedia_unique"),
        ]


class FormKey(OwnKeyed):
    """The RSA key pair of an encrypted form: the public half goes into the XForm's `submission`
    element (`base64RsaPublicKey`), the private half is sealed with a key of its own, itself wrapped
    by the organisation key (the data-protection core). One per form; a new key makes a new row."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="keys")
    # Base64 of the DER SubjectPublicKeyInfo, exactly as it is written into the XForm.
    public_key = models.TextField()
    private_key = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["form", "-created_at"]


class FormPublication(TenantModel):
    """A form is offered to a unit and everything below it."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="publications")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["form", "unit"], name="fieldsync_publication_unique"),
        ]


class FieldSettings(TenantModel):
    """An organisation's field-capture choices."""

    # HTTP Basic with the user's password skips the second factor: only where the organisation says so.
    allow_basic_auth = models.BooleanField(
        _("phones may sign in with a password (HTTP Basic)"), default=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="fieldsync_settings_one_per_organisation"),
        ]


class Device(models.Model):
    """A phone: a token that acts as its user at one unit. Only a SHA-256 digest of the token is kept.

    Not a tenant row: the token is looked up before any scope can be known (like accounts.ApiToken);
    everything it reaches is read inside the scope of its organisation.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices")
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_contact_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")

    def __str__(self) -> str:
        return self.name

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class SubmissionState(models.TextChoices):
    # Parts still to come (a submission split across several POSTs).
    INCOMPLETE = "incomplete", _("Incomplete")
    RECEIVED = "received", _("Received")
    MAPPED = "mapped", _("Mapped to records")
    REVIEW = "review", _("Waiting for review")
    REJECTED = "rejected", _("Rejected")
    # An edit replaced it.
    SUPERSEDED = "superseded", _("Replaced by an edit")


class Submission(OwnKeyed):
    """One instance a phone sent: one row per instance id; an edit is a new row linked to the one it
    replaces."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="submissions")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="submissions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    instance_id = models.CharField(max_length=200)
    # The instance replaced by this edit (ODK's deprecatedID), if any.
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    xml = EncryptedTextField()
    # SHA-256 of the instance XML: tells a resend (same bytes) from a conflicting one.
    xml_digest = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=SubmissionState.choices, default=SubmissionState.RECEIVED)
    device = models.ForeignKey(Device, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["form", "instance_id"], name="fieldsync_submission_unique_instance"
            ),
        ]
        indexes = [models.Index(fields=["form", "-submitted_at"], name="fieldsync_sub_form_idx")]

    def __str__(self) -> str:
        return f"submission {self.public_id}"


class SubmissionAttachment(TenantModel):
    """A file sent with a submission, encrypted with the submission's key (kujdes.core.files)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    file_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    received_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["filename"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "filename"], name="fieldsync_attachment_unique"),
        ]


class ReviewReason(models.TextChoices):
    POSSIBLE_DUPLICATE = "duplicate", _("Possible duplicate of a registered person")
    UNKNOWN_PERSON = "unknown_person", _("Person not found")
    UNKNOWN_PARTICIPANT = "unknown_participant", _("Unknown participant")
    SESSION_MISSING = "session_missing", _("Session missing")
    UNKNOWN_ACTIVITY = "unknown_activity", _("Unknown activity")
    CONFLICT = "conflict", _("Conflicts with a later edit on the web")
    INVALID = "invalid", _("Data the web forms would refuse")
    NOT_ALLOWED = "not_allowed", _("The sender may not record this")


class ReviewState(models.TextChoices):
    OPEN = "open", _("Waiting")
    ACCEPTED = "accepted", _("Accepted")
    LINKED = "linked", _("Linked to a registered record")
    REJECTED = "rejected", _("Rejected")


class ReviewItem(TenantModel):
    """A submission (or part of one) that could not be mapped with certainty: a case worker or manager
    of the unit decides (accept, edit, link to a candidate, reject)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reviews")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=24, choices=ReviewReason.choices)
    # Which part of the submission (a mapper may raise several items: one per unknown participant).
    part = models.CharField(max_length=100, blank=True)
    # What the mapper found, for the reviewer: candidate records' public ids, field names, messages.
    # Never identifying text (that stays in the sealed submission).
    detail = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=ReviewState.choices, default=ReviewState.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("review item")
        verbose_name_plural = _("review queue")
        constraints = [
            models.UniqueConstraint(fields=["submission", "reason", "part"], name="fieldsync_review_unique"),
        ]
        indexes = [models.Index(fields=["unit", "state"], name="fieldsync_review_unit_idx")]


class MappedRecord(TenantModel):
    """A Kujdes record a submission made or changed: how a resend or an edit finds what the first
    submission made, so that it never makes a second one. `key` names the record within the
    submission ("person", "screening", "attendance:<session>", …)."""

    # The first submission of an edit chain: every version of an instance shares its records.
    origin = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="mapped_records")
    key = models.CharField(max_length=100)
    # "app_label.ModelName" and the record's primary key.
    model = models.CharField(max_length=100)
    object_pk = models.CharField(max_length=64)
    # The submission (version) that last wrote it.
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["origin", "key"], name="fieldsync_mapped_unique"),
        ]
        indexes = [models.Index(fields=["model", "object_pk"], name="fieldsync_mapped_obj_idx")]
