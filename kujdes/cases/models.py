"""Case files aligned with HTCDS 2.0: the case, its decisions, trafficking events, plans, services,
follow-ups, notes, documents and approvals.

Narratives are encrypted with the person's key (erasing the person shreds them);
codes used for statistics stay plain.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kujdes.cases.choices import (
    ApprovalKind,
    ApprovalStatus,
    CaseStatus,
    CaseType,
    ClosureReason,
    ContactMethod,
    DecisionOrganisation,
    EventType,
    LabourIndustry,
    NrmStage,
    PlanStatus,
    SupportType,
    TraffickerRelationship,
    TraffickingStatus,
)
from kujdes.core.crypto import KeyHandle
from kujdes.core.fields import EncryptedTextField
from kujdes.core.models import TenantModel, Unit
from kujdes.people.models import Person


class PersonKeyed(TenantModel):
    """A row whose encrypted fields use the key of the person it is about."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True

    def encryption_handle(self) -> KeyHandle:
        return self.person_for_key().encryption_handle()

    def person_for_key(self) -> Person:
        return self.case.person  # type: ignore[attr-defined]


class Case(PersonKeyed):
    """One case file of a person (she may have several over time)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=40)
    case_type = models.CharField(_("case type"), max_length=24, choices=CaseType.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.ACTIVE
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure_reason = models.CharField(
        _("reason for closure"), max_length=24, choices=ClosureReason.choices, blank=True
    )
    closure_details = EncryptedTextField(_("closure details"))
    summary = EncryptedTextField(_("summary"))

    primary_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("primary case worker"),
    )
    other_workers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("other case workers")
    )

    # Trafficking status (HTCDS vic_*) and the Albanian national referral mechanism.
    trafficking_status = models.CharField(
        _("trafficking status"), max_length=32, choices=TraffickingStatus.choices, blank=True
    )
    status_decided_by = models.CharField(
        _("status decided by"), max_length=40, choices=DecisionOrganisation.choices, blank=True
    )
    nrm_stage = models.CharField(
        _("referral mechanism stage"), max_length=20, choices=NrmStage.choices, default=NrmStage.AT_RISK
    )
    nrm_decided_on = models.DateField(_("decision date"), null=True, blank=True)
    nrm_authority = models.CharField(_("deciding authority"), max_length=200, blank=True)
    joint_interview_on = models.DateField(_("joint interview date"), null=True, blank=True)

    exploitation_types = models.JSONField(_("types of exploitation"), default=list, blank=True)
    labour_industry = models.CharField(
        _("forced labour industry"), max_length=60, choices=LabourIndustry.choices, blank=True
    )
    sex_exploitation_types = models.JSONField(_("types of sexual exploitation"), default=list, blank=True)
    control_methods = models.JSONField(_("methods of control"), default=list, blank=True)
    recruitment_methods = models.JSONField(_("methods of recruitment"), default=list, blank=True)
    recruitment_websites = models.JSONField(_("recruitment websites and apps"), default=list, blank=True)
    exploitation_websites = models.JSONField(_("exploitation websites and apps"), default=list, blank=True)
    vulnerabilities = models.JSONField(_("vulnerabilities"), default=list, blank=True)
    trafficker_relationship = models.CharField(
        _("relationship to trafficker"), max_length=16, choices=TraffickerRelationship.choices, blank=True
    )
    age_when_trafficked = models.PositiveSmallIntegerField(_("age when trafficked"), null=True, blank=True)
    # Derived from the trafficking events: True when any event is outside the person's country.
    cross_border = models.BooleanField(_("cross-border"), null=True, blank=True)
    # Restricted: shown to the case's own workers and programme managers only, and every view is audited.
    perpetrator_notes = EncryptedTextField(_("perpetrator details"))

    # None for cases created by the system (an import).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="cases_case_code_unique")
        ]
        indexes = [
            models.Index(fields=["unit", "status", "-opened_on"], name="cases_case_list_idx"),
            models.Index(fields=["primary_worker", "status"], name="cases_case_worker_idx"),
            # The case list pages through ids newest first from this index alone (PostgreSQL covering
            # index), then reads the 25 rows it shows.
            models.Index(
                fields=["unit", "-opened_on"],
                include=["id", "organisation", "status", "case_type", "nrm_stage"],
                name="cases_case_recent_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def person_for_key(self) -> Person:
        return self.person

    @property
    def is_open(self) -> bool:
        return self.status in (CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP)


class NrmDecision(PersonKeyed):
    """A step of the national referral mechanism, kept as history."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="nrm_decisions")
    from_stage = models.CharField(max_length=20, choices=NrmStage.choices)
    to_stage = models.CharField(_("stage"), max_length=20, choices=NrmStage.choices)
    decided_on = models.DateField(_("decision date"))
    authority = models.CharField(_("deciding authority"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_on", "recorded_at"]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"


class TraffickingEvent(PersonKeyed):
    """HTCDS historic trafficking event: where and when she was recruited, moved or exploited."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    event_type = models.CharField(_("type"), max_length=16, choices=EventType.choices)
    # A plain code: routes are counted by country (the CTDC release's country of exploitation).
    country = models.CharField(_("country"), max_length=2)
    # Municipality, city or the very address ("the bar by the port"): it can point at her, her family
    # or a witness, so it is sealed with the person's key like the description; no report reads it.
    place = EncryptedTextField(_("place"), max_length=120)
    date_from = models.DateField(_("from"), null=True, blank=True)
    date_to = models.DateField(_("to"), null=True, blank=True)
    description = EncryptedTextField(_("description"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date_from", "created_at"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.country}"


class SupportPlan(PersonKeyed):
    """HTCDS support plan: one area of support with its objectives and actions."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    support_type = models.CharField(_("type of support"), max_length=40, choices=SupportType.choices)
    objectives = EncryptedTextField(_("objectives"))
    actions = EncryptedTextField(_("action plan"))
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.PLANNED
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["planned_start", "created_at"]

    def __str__(self) -> str:
        return f"plan {self.public_id}"


class CaseTask(PersonKeyed):
    """Something to do on a case by a date (an action of a plan, a document to obtain)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    plan = models.ForeignKey(
        SupportPlan, on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    title = EncryptedTextField(_("task"))
    due_on = models.DateField(_("due on"))
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on"]
        indexes = [models.Index(fields=["assigned_to", "done_on", "due_on"], name="cases_task_due_idx")]

    def __str__(self) -> str:
        return f"task {self.public_id}"


class ServiceDelivery(PersonKeyed):
    """A service given to the person: by the programme or by a provider of the directory."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="services")
    plan = models.ForeignKey(
        SupportPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="services"
    )
    service_type = models.CharField(_("type of service"), max_length=40, choices=SupportType.choices)
    provider = models.ForeignKey(
        "referrals.ServiceProvider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("provider"),
    )
    delivered_on = models.DateField(_("date"))
    notes = EncryptedTextField(_("notes"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-delivered_on"]
        indexes = [models.Index(fields=["organisation", "delivered_on"], name="cases_service_date_idx")]

    def __str__(self) -> str:
        return f"service {self.public_id}"


class FollowUp(PersonKeyed):
    """A contact with the person, and when the next one is due."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    contacted_on = models.DateField(_("contact date"))
    method = models.CharField(_("how"), max_length=16, choices=ContactMethod.choices)
    notes = EncryptedTextField(_("notes"))
    next_due_on = models.DateField(_("next follow-up due"), null=True, blank=True)
    # Cleared when a later follow-up is recorded: only the latest due date counts as outstanding.
    is_latest = models.BooleanField(default=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-contacted_on", "-created_at"]
        indexes = [models.Index(fields=["is_latest", "next_due_on"], name="cases_followup_due_idx")]

    def __str__(self) -> str:
        return f"follow-up {self.public_id}"


class CaseNote(PersonKeyed):
    """HTCDS case comment: an encrypted note; reading it is audited."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    body = EncryptedTextField(_("note"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"note {self.public_id}"


class CaseDocument(PersonKeyed):
    """An uploaded document of a case, stored encrypted with the person's key (`kujdes.core.files`)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    title = EncryptedTextField(_("title"))
    name = EncryptedTextField(_("file name"))
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"document {self.public_id}"


class Approval(PersonKeyed):
    """A request that a programme manager must approve: closing a case, or moving it to another unit."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="approvals")
    kind = models.CharField(_("request"), max_length=16, choices=ApprovalKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    # Closure: the reason code and status to apply; transfer: the target unit.
    closure_reason = models.CharField(max_length=24, choices=ClosureReason.choices, blank=True)
    closure_status = models.CharField(max_length=16, choices=CaseStatus.choices, blank=True)
    target_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    details = EncryptedTextField(_("details"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = EncryptedTextField(_("comment"))

    class Meta:
        indexes = [models.Index(fields=["status", "kind"], name="cases_approval_pending_idx")]

    def __str__(self) -> str:
        return f"approval {self.public_id}"


class CaseSettings(TenantModel):
    """Per-organisation rules for case files."""

    closure_requires_approval = models.BooleanField(
        _("closing a case needs a programme manager's approval"), default=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="cases_settings_one_per_organisation")
        ]

    def __str__(self) -> str:
        return f"case settings {self.organisation_id}"
