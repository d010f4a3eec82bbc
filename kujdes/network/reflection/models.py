"""Common reflection on methods: working groups, meetings, decisions, action items, the methods register.

Network rows, not tenant rows: nothing here names a person of a case. Staff named here
(a working group's members, an action's owner) are the partners' staff. Every staff member
of the network reads all of it; who may change what is decided in the selectors.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kujdes.network.models import Partner


class WorkingGroupStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class WorkingGroup(models.Model):
    """A working group of the network: partners around one subject, convened by one of them."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    purpose = models.TextField(_("purpose"))
    terms_of_reference = models.TextField(_("terms of reference"), blank=True)
    convenor = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="convened_working_groups", verbose_name=_("convenor")
    )
    partners = models.ManyToManyField(
        Partner, related_name="working_groups", blank=True, verbose_name=_("member partners")
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=WorkingGroupStatus.choices, default=WorkingGroupStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="network_working_group_dates",
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkingGroupStaff(models.Model):
    """A partner's staff member in a working group (staff data, never a person of a case)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    working_group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="staff")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role in the group"), max_length=200, blank=True)
    partner = models.ForeignKey(
        Partner, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("partner")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account here"),
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("working group member")
        verbose_name_plural = _("working group members")

    def __str__(self) -> str:
        return self.name


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(models.Model):
    """A network meeting (plenary: no working group) or a working group's meeting."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    working_group = models.ForeignKey(
        WorkingGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("working group"),
        help_text=_("Leave empty for a network meeting (plenary)."),
    )
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_approved = models.BooleanField(_("minutes approved"), default=False)
    minutes_approved_on = models.DateField(_("minutes approved on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking (kujdes.core.locking): two people writing the minutes at once.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_at", "pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes_approved=False) | models.Q(minutes_approved_on__isnull=False),
                name="network_meeting_minutes_approved_dated",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_plenary(self) -> bool:
        return self.working_group_id is None

    @property
    def is_upcoming(self) -> bool:
        return self.starts_at >= timezone.now() and self.status == MeetingStatus.PLANNED


class AgendaItem(models.Model):
    """One item of a meeting's agenda, in order."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    topic = models.CharField(_("topic"), max_length=300)
    presenter = models.CharField(_("presenter"), max_length=200, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("time (minutes)"), null=True, blank=True)
    notes = models.TextField(_("minutes of this item"), blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.topic


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    EXCUSED = "excused", _("Excused")
    ABSENT = "absent", _("Absent")


class MeetingAttendance(models.Model):
    """Whether a partner took part in a meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="meeting_attendance")
    status = models.CharField(_("attendance"), max_length=16, choices=AttendanceStatus.choices)

    class Meta:
        ordering = ["partner__name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "partner"], name="network_meeting_attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.status}"


class DecisionScope(models.TextChoices):
    NETWORK = "network", _("The whole network")
    WORKING_GROUP = "working_group", _("The working group")


class DecisionStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Superseded")
    REVOKED = "revoked", _("Revoked")


class Decision(models.Model):
    """A decision taken at a meeting, in the network's decision log."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    number = models.CharField(
        _("number"),
        max_length=40,
        unique=True,
        help_text=_("For instance 2026-03/2: the meeting, then the decision."),
    )
    text = models.TextField(_("decision"))
    rationale = models.TextField(_("rationale"), blank=True)
    scope = models.CharField(
        _("scope"), max_length=16, choices=DecisionScope.choices, default=DecisionScope.NETWORK
    )
    status = models.CharField(
        _("status"), max_length=16, choices=DecisionStatus.choices, default=DecisionStatus.IN_FORCE
    )
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # Number, text, rationale, tags and working group, NFKD-decomposed without accents, lower-case
    # (kept by the services): the same accent-insensitive `contains` on SQLite and PostgreSQL.
    search_text = models.TextField(editable=False, default="", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-meeting__starts_at", "-pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return self.number


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ActionItem(models.Model):
    """Something a meeting asked a partner (and one of its staff) to do by a date."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    decision = models.ForeignKey(
        Decision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("decision"),
    )
    description = models.TextField(_("what is to be done"))
    owner_partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reflection_actions",
        verbose_name=_("owner (partner)"),
    )
    owner_name = models.CharField(_("owner (person)"), max_length=200, blank=True)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner's account here"),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_note = models.TextField(_("what was done"), blank=True)
    # The day of the last reminder e-mail (the daily job writes once a day at most).
    reminded_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on is not None and self.due_on < timezone.localdate()


class Method(models.Model):
    """One version of a method the network agreed (the methods register).

    A new version is a new row pointing to the one it replaces (`previous`); the register
    shows the latest version of each method, the method's page the whole history.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    version_label = models.CharField(_("version"), max_length=20, help_text=_("For instance 1.2."))
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="methods",
        verbose_name=_("agreed at the meeting"),
    )
    decision = models.ForeignKey(
        Decision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="methods",
        verbose_name=_("agreed by the decision"),
    )
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_version",
        verbose_name=_("previous version"),
    )
    # [{"title": "...", "url": "https://..."}]: documents are kept where the network keeps them.
    links = models.JSONField(_("documents and links"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking; not the method's own version, which is `version_label`.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("method")
        verbose_name_plural = _("methods")

    def __str__(self) -> str:
        return f"{self.title} {self.version_label}"


class ApplicationExtent(models.TextChoices):
    FULL = "full", _("Applied in full")
    PARTIAL = "partial", _("Applied in part")
    PLANNED = "planned", _("Planned")


APPLIED_EXTENTS = (ApplicationExtent.FULL, ApplicationExtent.PARTIAL)


class MethodApplication(models.Model):
    """That a partner applies (or plans to apply) a version of a method, as its focal point reports."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    method = models.ForeignKey(Method, on_delete=models.CASCADE, related_name="applications")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="method_applications")
    since = models.DateField(_("since"), null=True, blank=True)
    extent = models.CharField(_("extent"), max_length=16, choices=ApplicationExtent.choices)
    note = models.TextField(_("note"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partner__name"]
        verbose_name = _("method application")
        verbose_name_plural = _("method applications")
        constraints = [
            models.UniqueConstraint(fields=["method", "partner"], name="network_method_application_once")
        ]

    def __str__(self) -> str:
        return f"{self.method_id} × {self.partner_id}: {self.extent}"
