"""Common milestones: a framework per period, its milestones, targets per partner per year, progress.

A milestone's indicator is one of three kinds (IndicatorKind): a code of the reports room's
catalogue (progress from the partner's released figures), a network measure registered by a
sub-room (kujdes.network.measures), or a manual indicator with its unit (the partner reports the
value). Rows hold figures and staff texts only, never anything about a person of a case.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kujdes.network.models import Partner

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]
# A framework covers a few years (the network plans in three-year periods).
FRAMEWORK_MAX_YEARS = 10


class FrameworkStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class IndicatorKind(models.TextChoices):
    CATALOGUE = "catalogue", _("Indicator of the reports catalogue (from released figures)")
    MEASURE = "measure", _("Network measure (counted by Kujdes)")
    MANUAL = "manual", _("Manual indicator (reported by the partner)")


class Direction(models.TextChoices):
    INCREASE = "increase", _("Increase (more is better)")
    DECREASE = "decrease", _("Decrease (less is better)")


class Framework(models.Model):
    """The milestones the network agreed for a period, e.g. 2026–2028."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    first_year = models.PositiveSmallIntegerField(_("first year"), validators=YEAR_VALIDATORS)
    last_year = models.PositiveSmallIntegerField(_("last year"), validators=YEAR_VALIDATORS)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=FrameworkStatus.choices, default=FrameworkStatus.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-first_year", "title"]
        verbose_name = _("milestone framework")
        verbose_name_plural = _("milestone frameworks")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_year__gte=models.F("first_year")),
                name="network_milestones_framework_years",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.first_year and self.last_year:
            if self.last_year < self.first_year:
                raise ValidationError({"last_year": _("The last year cannot come before the first year.")})
            if self.last_year - self.first_year + 1 > FRAMEWORK_MAX_YEARS:
                raise ValidationError(
                    {"last_year": _("A framework covers at most %(n)s years.") % {"n": FRAMEWORK_MAX_YEARS}}
                )

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    @property
    def period(self) -> str:
        return f"{self.first_year}–{self.last_year}"


class Milestone(models.Model):
    """One network milestone: what is measured (its indicator), from where, and which way is better."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="milestones")
    code = models.SlugField(_("code"), max_length=32)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    indicator_kind = models.CharField(
        _("kind of indicator"), max_length=16, choices=IndicatorKind.choices, default=IndicatorKind.MANUAL
    )
    # A catalogue code or a measure code; empty for a manual indicator.
    indicator_code = models.CharField(_("indicator"), max_length=64, blank=True)
    unit = models.CharField(_("unit"), max_length=100, blank=True, help_text=_("e.g. trainings held"))
    # A count adds up during the year (its target is shared pro rata over the months); a level (a rate,
    # a median) is compared with the whole target whatever the month.
    cumulative = models.BooleanField(
        _("the value adds up during the year"),
        default=True,
        help_text=_(
            "Untick for a rate, an average or a median: it is compared with the whole target all year."
        ),
    )
    baseline_value = models.DecimalField(
        _("baseline"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    baseline_year = models.PositiveSmallIntegerField(
        _("baseline year"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    direction = models.CharField(
        _("direction"), max_length=16, choices=Direction.choices, default=Direction.INCREASE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="network_milestones_milestone_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.indicator_kind == IndicatorKind.MANUAL:
            if not self.unit.strip():
                errors["unit"] = _("A manual indicator needs its unit, e.g. “trainings held”.")
        elif not self.indicator_code:
            errors["indicator_code"] = _("Choose the indicator.")
        elif self.indicator_kind == IndicatorKind.CATALOGUE:
            from kujdes.reports.catalogue import catalogue

            if self.indicator_code not in catalogue():
                errors["indicator_code"] = _("This indicator is not in the reports catalogue.")
        if (self.baseline_value is None) != (self.baseline_year is None):
            errors["baseline_year" if self.baseline_year is None else "baseline_value"] = _(
                "Give the baseline's value and its year together."
            )
        if errors:
            raise ValidationError(errors)


class Target(models.Model):
    """What a partner aims at for a milestone in one year."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="targets")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="milestone_targets")
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    value = models.DecimalField(
        _("target"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["milestone", "partner__name", "year"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["milestone", "partner", "year"], name="network_milestones_target_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.milestone.code} · {self.partner.code} · {self.year}: {self.value}"


class UpdateStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")


class UpdateRequest(models.Model):
    """The coordinator asks a partner for news of a milestone (or of all its milestones)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="update_requests")
    # Empty: every milestone of the framework.
    milestone = models.ForeignKey(
        Milestone,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="update_requests",
        verbose_name=_("milestone"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="milestone_update_requests", verbose_name=_("partner")
    )
    message = models.TextField(_("message"))
    due_on = models.DateField(_("answer by"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=UpdateStatus.choices, default=UpdateStatus.OPEN
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "due_on", "-created_at"]
        verbose_name = _("update request")
        verbose_name_plural = _("update requests")

    def __str__(self) -> str:
        return f"{self.partner.code} · {self.message[:40]}"

    @property
    def overdue(self) -> bool:
        return (
            self.status == UpdateStatus.OPEN
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )


class ProgressReport(models.Model):
    """A value a partner reports for a milestone and a year, with its evidence."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="progress_reports")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="milestone_progress_reports")
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    value = models.DecimalField(
        _("value"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    evidence = models.TextField(
        _("evidence"), help_text=_("Where the figure comes from: a register, a list, minutes…")
    )
    comment = models.TextField(_("comment"), blank=True)
    attachment = models.CharField(
        _("attachment (link or reference)"),
        max_length=500,
        blank=True,
        help_text=_("A link to a shared document, or where the paper file is kept. No personal data."),
    )
    reported_on = models.DateField(_("reported on"), default=timezone.localdate)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    update_request = models.ForeignKey(
        UpdateRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="answers"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A report made on the partner's own installation and pushed here (a `milestone-report`
    # package): the package, the installation that sent it, and when it was verified and applied.
    package_id = models.UUIDField(_("package"), null=True, blank=True)
    sender_installation_id = models.UUIDField(_("sending installation"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

    class Meta:
        ordering = ["-reported_on", "-created_at", "-pk"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")

    def __str__(self) -> str:
        return f"{self.milestone.code} · {self.partner.code} · {self.year}: {self.value}"

    @property
    def is_remote(self) -> bool:
        return self.package_id is not None
