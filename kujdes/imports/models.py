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
    # Queued for the background worker, or being written by it (kujdes/imports/tasks.py).
    COMMITTING = "committing", _("Being imported")
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
    # The commit in the background worker (kujdes/imports/tasks.py): who asked for it (the worker acts
    # as them), its progress in rows, when it started, last reported and finished, and why it failed
    # (a code of CommitFailure; the messages, which may quote a cell, go to the sealed report).
    commit_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    commit_started_at = models.DateTimeField(null=True, blank=True)
    commit_heartbeat_at = models.DateTimeField(null=True, blank=True)
    commit_finished_at = models.DateTimeField(null=True, blank=True)
    commit_attempts = models.PositiveSmallIntegerField(default=0)
    commit_failure = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return str(self.public_id)

    @property
    def is_open(self) -> bool:
        return self.state == BatchState.OPEN

    @property
    def is_committing(self) -> bool:
        """Queued or being written by the worker (the mapping can no longer change)."""
        if self.state == BatchState.COMMITTING:
            return True
        # While the worker writes, the batch is open to `batch_commit` (tasks.py says why).
        started = self.commit_started_at is not None
        return self.state == BatchState.OPEN and started and not self.commit_finished_at

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.state == BatchState.COMMITTED else 0
        return min(100, round(100 * self.rows_done / self.rows_total))


class CommitFailure(models.TextChoices):
    """Why a background commit stopped without finishing (shown on the batch page)."""

    REFUSED = "refused", _("Refused (the file no longer passes the checks)")
    DENIED = "denied", _("You may no longer import into this unit or activity")
    UNREADABLE = "unreadable", _("The file can no longer be read")
    INTERRUPTED = "interrupted", _("The worker stopped several times")
    ERROR = "error", _("An unexpected error")


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


class MappingTemplate(TenantModel):
    """How a kind of spreadsheet is mapped, saved by an organisation and reused ("Shkodër camp register
    2015–2019"): a target, column header names → fields, value mappings, date orders, name order and
    the split and combined columns. Codes and header names only, never a cell of a row (the values of
    coded columns, such as "Femër", are what the value mapping translates)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=120)
    # A target of kujdes.imports.targets (not a choice list here: targets are added without a migration).
    target = models.CharField(_("what is imported"), max_length=32)
    # {"headers": {header name: field}, "values": {field: {value: code}}, "date_orders": {field: order},
    #  "dayfirst": bool|None, "family_first": bool, "splits": ..., "combines": ...}
    mapping = models.JSONField(default=dict, blank=True)
    # A template shipped with Kujdes (kujdes/imports/data/templates.json): its key, so that installing
    # again updates it rather than adding a copy.
    shipped = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("import template")
        verbose_name_plural = _("import templates")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="imports_template_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class LearntColumn(TenantModel):
    """A column header an organisation mapped in a committed import, and the field it became: the next
    file with that header gets it suggested first (kujdes/imports/learning.py). Header names only."""

    target = models.CharField(max_length=32)
    # The header folded (case, accents, spaces: kujdes.imports.mapping.fold), at most 200 characters.
    header = models.CharField(max_length=200)
    field = models.CharField(max_length=64)
    uses = models.PositiveIntegerField(default=1)
    last_used_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-uses", "-last_used_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "target", "header", "field"], name="imports_learnt_column_unique"
            )
        ]
