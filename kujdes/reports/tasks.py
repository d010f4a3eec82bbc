"""Background work of the reports room: a saved report's monthly files (django-tasks).

Arguments are ids and a month, never personal data. The figures are computed with the owner's
CURRENT scope and small-cell rule, as if the owner opened the report at that moment: an owner who
lost the report's unit (or every reporting role) gets no file, and the skip is logged.
"""

from __future__ import annotations

import logging

from django_tasks import task

from kujdes.core.scoping import system_scope, tenant_scope
from kujdes.reports.models import ReportFile, ReportFormat, SavedReport

logger = logging.getLogger("kujdes.reports")

LOST_ACCESS = "reports.monthly: report %s skipped, its owner no longer reports on its unit"
MONTHLY_FORMATS = (ReportFormat.XLSX, ReportFormat.PDF)


@task()
def report_monthly_generate(report_id: int, year: int, month: int) -> str:
    """Make and keep the XLSX and PDF of a saved report for one month, once ("made", "kept" or "skipped")."""
    from kujdes.reports import selectors, services
    from kujdes.reports.exports import report_content, report_file

    with system_scope():
        found = SavedReport.objects.filter(pk=report_id).values_list("organisation_id", "owner_id").first()
    if found is None:
        logger.info("reports.monthly: report %s is gone", report_id)
        return "skipped"
    organisation_id, owner_id = found
    period = selectors.period_month(year, month)
    with tenant_scope(organisation_ids=[organisation_id], user_id=owner_id):
        report = SavedReport.objects.select_related("owner", "unit").get(pk=report_id)
        owner = report.owner
        have = set(
            ReportFile.objects.filter(
                report=report, starts_on=period.start, ends_on=period.end, scheduled=True
            ).values_list("format", flat=True)
        )
        wanted = [f for f in MONTHLY_FORMATS if f not in have]
        if not wanted:
            return "kept"
        scope = None
        if owner.is_active and selectors.saved_reports_for(actor=owner).filter(pk=report.pk).exists():
            try:
                scope = selectors.report_scope(actor=owner, unit_public_id=str(report.unit.public_id))
            except selectors.ScopeError:
                scope = None
        if scope is None:
            logger.warning(LOST_ACCESS, report_id)
            return "skipped"
        content = report_content(
            scope=scope,
            period=period,
            indicators=selectors.indicators_get(report.indicators),
            dims=list(report.dims),
            language=report.language,
            title=report.name,
            generated_by=None,
            trend=True,
        )
        files = {str(f): report_file(content, str(f)) for f in wanted}
        services.report_file_store(
            report=report, start=period.start, end=period.end, files=files, scheduled=True
        )
    return "made"
