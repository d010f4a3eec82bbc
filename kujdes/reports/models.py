"""Reports: an organisation's small-cell rule, saved reports and the files generated from them.

Figures themselves are not stored: they are computed from the records when asked (engine.py).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kujdes.core.models import TenantModel, Unit

DEFAULT_SMALL_CELL_THRESHOLD = 5


class ReportSettings(TenantModel):
    """Per organisation: below how many persons a cell is hidden from roles without personal-data access."""

    small_cell_threshold = models.PositiveSmallIntegerField(
        _("hide cells below"),
        default=DEFAULT_SMALL_CELL_THRESHOLD,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
        help_text=_(
            "Figures about fewer persons than this are shown as “<N” to viewers and other roles"
            " that may not see personal data."
        ),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation"], name="reports_settings_one_per_org")]


class PeriodKind(models.TextChoices):
    LAST_MONTH = "last_month", _("Last month")
    LAST_QUARTER = "last_quarter", _("Last quarter")
    YEAR_TO_DATE = "year_to_date", _("This year to date")
    LAST_YEAR = "last_year", _("Last year")
    CUSTOM = "custom", _("Dates chosen")


class ReportFormat(models.TextChoices):
    XLSX = "xlsx", "XLSX"
    PDF = "pdf", "PDF"
    CSV = "csv", "CSV"


class SavedReport(TenantModel):
    """A named choice of indicators, period, unit and disaggregations, owned by the user who saved it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    indicators = models.JSONField(_("indicators"), default=list)
    dims = models.JSONField(_("disaggregations"), default=list, blank=True)
    period = models.CharField(
        _("period"), max_length=16, choices=PeriodKind.choices, default=PeriodKind.LAST_MONTH
    )
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("to"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    monthly = models.BooleanField(
        _("generate every month"),
        default=False,
        help_text=_(
            "At the start of each month the report is made for the month before, as XLSX and PDF,"
            " and kept here."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReportFile(TenantModel):
    """A generated report file (aggregates only), kept for download."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    report = models.ForeignKey(SavedReport, on_delete=models.CASCADE, related_name="files")
    starts_on = models.DateField()
    ends_on = models.DateField()
    format = models.CharField(max_length=8, choices=ReportFormat.choices)
    content = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    scheduled = models.BooleanField(default=False)
    generated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-generated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "starts_on", "ends_on", "format", "scheduled"],
                condition=models.Q(scheduled=True),
                name="reports_file_scheduled_once",
            )
        ]
