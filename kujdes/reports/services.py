"""Writes of the reports room; each is audited in its own transaction."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.roles import Perm
from kujdes.core.selectors import organisations_for_actor
from kujdes.reports.models import PeriodKind, ReportFile, ReportSettings, SavedReport

if TYPE_CHECKING:
    from kujdes.accounts.models import User
    from kujdes.core.models import Unit


@transaction.atomic
def report_settings_save(*, actor: User, organisation_id: int, small_cell_threshold: int) -> ReportSettings:
    """The organisation's small-cell threshold (organisation administrators)."""
    if (
        not organisations_for_actor(actor=actor, perm=Perm.ORGANISATION_CONFIGURE)
        .filter(pk=organisation_id)
        .exists()
    ):
        raise PermissionDenied
    if not 2 <= small_cell_threshold <= 50:
        raise ValidationError({"small_cell_threshold": _("Between 2 and 50.")})
    row, _created = ReportSettings.objects.select_for_update().get_or_create(organisation_id=organisation_id)
    previous = row.small_cell_threshold
    row.small_cell_threshold = small_cell_threshold
    row.updated_by = actor
    row.version += 1
    row.save()
    audit_record(
        actor=actor,
        organisation=organisation_id,
        action="reports.settings.saved",
        obj=row,
        details={"small_cell_threshold": small_cell_threshold, "previous": previous},
    )
    return row


# --- saved reports, exports and kept files (the report builder) -----------------------------------


def _saved_report_check(
    *,
    actor: User,
    unit: Unit,
    indicators: list[str],
    dims: list[str],
    period: str,
    starts_on: Any,
    ends_on: Any,
) -> None:
    """A saved report names the actor's own units, known indicators, allowed disaggregations, a period."""
    from kujdes.reports.engine import dims_allowed
    from kujdes.reports.selectors import ScopeError, indicators_get, report_scope

    try:
        report_scope(actor=actor, unit_public_id=str(unit.public_id))
    except ScopeError as error:
        raise PermissionDenied from error
    errors: dict[str, list[str]] = {}
    chosen = indicators_get(indicators)
    if not chosen or len(chosen) != len(set(indicators)):
        errors["indicators"] = [_("Choose at least one indicator of the catalogue.")]
    allowed = {dim for indicator in chosen for dim in dims_allowed(indicator)}
    if any(dim not in allowed for dim in dims):
        errors["dims"] = [_("Choose only disaggregations that the chosen indicators allow.")]
    if period not in PeriodKind.values:
        errors["period"] = [_("Choose a period.")]
    elif period == PeriodKind.CUSTOM:
        if not starts_on or not ends_on:
            errors["period"] = [_("A report over dates chosen needs both dates.")]
        elif ends_on < starts_on:
            errors["period"] = [_("The end of the period is before its start.")]
    if errors:
        raise ValidationError(errors)


def _report_details(report: SavedReport) -> dict[str, Any]:
    return {
        "name": report.name,
        "unit": str(report.unit.public_id),
        "indicators": list(report.indicators),
        "dims": list(report.dims),
        "period": report.period,
        "starts_on": report.starts_on.isoformat() if report.starts_on else None,
        "ends_on": report.ends_on.isoformat() if report.ends_on else None,
        "language": report.language,
        "monthly": report.monthly,
    }


@transaction.atomic
def saved_report_create(
    *,
    actor: User,
    name: str,
    unit: Unit,
    indicators: list[str],
    dims: list[str],
    period: str,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    language: str,
    monthly: bool = False,
) -> SavedReport:
    """Save the builder's choices under a name, owned by the actor (who must report on the unit)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the report a name.")]})
    _saved_report_check(
        actor=actor,
        unit=unit,
        indicators=indicators,
        dims=dims,
        period=period,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    custom = period == PeriodKind.CUSTOM
    report = SavedReport.objects.create(
        organisation_id=unit.organisation_id,
        owner=actor,
        name=name[:200],
        unit=unit,
        indicators=list(indicators),
        dims=list(dims),
        period=period,
        starts_on=starts_on if custom else None,
        ends_on=ends_on if custom else None,
        language=language,
        monthly=monthly,
    )
    audit_record(
        actor=actor,
        organisation=unit.organisation_id,
        action="reports.report.saved",
        obj=report,
        unit=unit,
        details=_report_details(report),
    )
    return report


class StaleReport(ValueError):
    """Someone (the owner in another tab) changed the report meanwhile."""


@transaction.atomic
def saved_report_update(
    *,
    actor: User,
    report: SavedReport,
    version: int,
    name: str,
    unit: Unit,
    indicators: list[str],
    dims: list[str],
    period: str,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    language: str,
    monthly: bool = False,
) -> SavedReport:
    """Change a saved report (its owner only); StaleReport when it changed since `version` was read."""
    locked = SavedReport.objects.select_for_update().select_related("unit").get(pk=report.pk)
    if locked.owner_id != actor.pk:
        raise PermissionDenied
    if locked.version != version:
        raise StaleReport
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the report a name.")]})
    _saved_report_check(
        actor=actor,
        unit=unit,
        indicators=indicators,
        dims=dims,
        period=period,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    custom = period == PeriodKind.CUSTOM
    locked.name, locked.unit, locked.indicators, locked.dims = name[:200], unit, list(indicators), list(dims)
    locked.period, locked.language, locked.monthly = period, language, monthly
    locked.starts_on, locked.ends_on = (starts_on, ends_on) if custom else (None, None)
    locked.version += 1
    locked.save()
    audit_record(
        actor=actor,
        organisation=locked.organisation_id,
        action="reports.report.updated",
        obj=locked,
        unit=unit,
        details=_report_details(locked),
    )
    return locked


@transaction.atomic
def saved_report_delete(*, actor: User, report: SavedReport) -> None:
    """Delete a saved report and its kept files (its owner only)."""
    if report.owner_id != actor.pk:
        raise PermissionDenied
    details = {"name": report.name, "files": ReportFile.objects.filter(report=report).count()}
    audit_record(
        actor=actor,
        organisation=report.organisation_id,
        action="reports.report.deleted",
        obj=report,
        unit=report.unit,
        details=details,
    )
    report.delete()


@transaction.atomic
def report_exported(
    *,
    actor: User,
    organisation_id: int,
    export_format: str,
    indicators: list[str],
    dims: list[str],
    start: datetime.date,
    end: datetime.date,
    unit: Unit,
    report: SavedReport | None = None,
) -> None:
    """Record that aggregates were exported: format, indicators, period and unit (no personal data)."""
    audit_record(
        actor=actor,
        organisation=organisation_id,
        action="reports.exported",
        obj=report,
        unit=unit,
        details={
            "format": export_format,
            "indicators": list(indicators),
            "dims": list(dims),
            "period": [start.isoformat(), end.isoformat()],
            "unit": str(unit.public_id),
        },
    )


@transaction.atomic
def report_file_store(
    *,
    report: SavedReport,
    start: datetime.date,
    end: datetime.date,
    files: dict[str, bytes],
    scheduled: bool,
) -> list[ReportFile]:
    """Keep generated files of a report; a scheduled month is stored once (an existing one is kept)."""
    kept = []
    for export_format, content in files.items():
        if scheduled:
            row, created = ReportFile.objects.get_or_create(
                report=report,
                starts_on=start,
                ends_on=end,
                format=export_format,
                scheduled=True,
                defaults={
                    "organisation_id": report.organisation_id,
                    "content": content,
                    "size": len(content),
                },
            )
            if not created:
                continue
        else:
            row = ReportFile.objects.create(
                organisation_id=report.organisation_id,
                report=report,
                starts_on=start,
                ends_on=end,
                format=export_format,
                content=content,
                size=len(content),
            )
        kept.append(row)
    if kept:
        audit_record(
            actor=None,
            organisation=report.organisation_id,
            action="reports.file.generated",
            obj=report,
            unit=report.unit,
            details={
                "formats": [row.format for row in kept],
                "period": [start.isoformat(), end.isoformat()],
                "scheduled": scheduled,
            },
        )
    return kept


@transaction.atomic
def report_file_downloaded(*, actor: User, report_file: ReportFile) -> None:
    audit_record(
        actor=actor,
        organisation=report_file.organisation_id,
        action="reports.file.downloaded",
        obj=report_file.report,
        unit=report_file.report.unit,
        details={
            "file": str(report_file.public_id),
            "format": report_file.format,
            "period": [report_file.starts_on.isoformat(), report_file.ends_on.isoformat()],
        },
    )
