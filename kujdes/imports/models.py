"""Spreadsheet imports: a batch (one file brought into one unit) and the records it wrote.

The uploaded file is kept while the import is open, encrypted with the batch's own key
(`OwnKeyed`), and deleted when the import ends (committed, cancelled). What the checks found
(row numbers, column names, messages that may quote a cell) is sealed with the same key. Each
record a commit wrote is an `ImportedRecord`, so that the batch can be undone as a whole.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kujdes.core.fields import EncryptedJSONField, EncryptedTextField
from kujdes.core.models import TenantModel, Unit
from kujdes.programme.models import OwnKeyed


class Target(models.TextChoices):
    """What a file brings in; each is a module of kujdes.imports.targets."""

    PERSONS = "persons", _("Persons")
    PARTICIPANTS = "participants", _("Participants of an activity")
    CASES = "cases", _("Cases (with services)")
    ACTIVITIES = "activities", _("Activities and sessions")
    ATTENDANCE = "attendance", _("Attendance of an activity (a register grid)")
    HEADCOUNTS = "headcounts", _("Anonymous headcounts")
    OUTCOMES = "outcomes", _("Outcomes of participants")
    VOLUNTEERS = "volunteers", _("Volunteers (with trainings and hours)")


class BatchState(models.TextChoices):
    OPEN = "open", _("Open (being prepared)")
    COMMITTED = "committed", _("Imported")
    UNDONE = "undone", _("Undone")
    CANCELLED = "cancelled", _("Cancelled")


class RecordAction(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")


class ImportBatch(OwnKeyed):
    """One spreadsheet brought into one unit, from upload to commit (and perhaps undo)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    target = models.CharField(_("what is imported"), max_length=16, choices=Target.choices)
    # Participants: the activity they are enrolled in (a constant for the whole file).
    activity = models.ForeignKey(
        "programme.Activity", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(_("state"), max_length=12, choices=BatchState.choices, default=BatchState.OPEN)
    # The file's name may name a person: sealed.
    filename = EncryptedTextField(_("file name"))
    # The encrypted upload (kujdes.core.files) while the import is open; None once it ended.
    file_id = models.UUIDField(null=True, blank=True)
    file_format = models.CharField(max_length=8, blank=True)
    # How the file is read and mapped: sheet, header row, encoding, delimiter, column and value
    # mappings, date orders, name order, duplicate rule (codes and header names, no cell of a row).
    options = models.JSONField(default=dict, blank=True)
    # The last check's counts (rows, valid, errors, duplicates...): numbers only.
    counts = models.JSONField(default=dict, blank=True)
    # The last check's messages (row, column, message): messages may quote a cell, so sealed.
    report = EncryptedJSONField(_("report"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return str(self.public_id)

    @property
    def is_open(self) -> bool:
        return self.state == BatchState.OPEN


class ImportedRecord(TenantModel):
    """A record a batch created or changed, with its version right after, to see later edits."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="records")
    # "people.person", "programme.participation".
    model = models.CharField(max_length=64)
    object_pk = models.BigIntegerField()
    action = models.CharField(max_length=8, choices=RecordAction.choices)
    row = models.PositiveIntegerField()
    version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["model", "object_pk"], name="imports_record_object_idx")]
