"""A saved report's PDF in the background (a document job, kujdes/core/documents).

A long report (every indicator with its breakdowns, charts and months) is laid out page by page in the
worker while its page shows the progress; the file is the owner's only (saved reports are their
owner's: another user, even of the same unit, could have a different small-cell rule). The figures are
computed in the worker with the owner's scope at that moment; an owner who lost the report's unit gets
a failed job, nothing else. Task arguments: the job's id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django_tasks import task

from kujdes.core.documents.services import (
    DocumentOutput,
    Progress,
    document_job_create,
    document_job_enqueue,
    document_job_run,
)
from kujdes.core.files import PDF
from kujdes.reports import selectors
from kujdes.reports.models import PeriodKind, SavedReport
from kujdes.reports.selectors import Period, Scope

if TYPE_CHECKING:
    from kujdes.accounts.models import User
    from kujdes.core.documents.models import DocumentJob

JOB_KIND = "reports.report_pdf"
# About this many pages per chart block (a breakdown or a month-by-month chart with its table): the
# progress bar's estimate of the pages to come, measured on the demo's reports.
PAGES_PER_BLOCK = 0.45


def saved_report_period(report: SavedReport, scope: Scope) -> Period:
    """The saved report's period; for a reader whose small cells are hidden, the year, quarter or month
    around it (PeriodError when it spans two years)."""
    if report.period == PeriodKind.CUSTOM and report.starts_on and report.ends_on:
        period = selectors.period_custom(report.starts_on, report.ends_on)
    else:
        period = selectors.period_relative(report.period)
    return selectors.period_for_scope(scope=scope, period=period, widen=True)


@transaction.atomic
def report_pdf_request(*, actor: User, report: SavedReport) -> DocumentJob:
    """Queue the PDF of the actor's own saved report (the caller fetched it through the selector)."""
    job = document_job_create(
        actor=actor,
        kind=JOB_KIND,
        task_path="kujdes.reports.documents.report_pdf_generate",
        unit=report.unit,
        subject_id=str(report.public_id),
        title=report.name,
    )
    document_job_enqueue(job)
    return job


def _report_make(job: DocumentJob, actor: User, progress: Progress) -> list[DocumentOutput]:
    from kujdes.reports import services
    from kujdes.reports.exports import report_content, report_filename, report_pdf

    try:
        report = selectors.saved_report_get(actor=actor, public_id=job.subject_id)
        scope = selectors.report_scope(actor=actor, unit_public_id=str(report.unit.public_id))
    except (SavedReport.DoesNotExist, selectors.ScopeError):
        raise PermissionDenied from None
    try:
        period = saved_report_period(report, scope)
    except selectors.PeriodError:
        raise Http404 from None
    progress(0, 1, "prepare")
    content = report_content(
        scope=scope,
        period=period,
        indicators=selectors.indicators_get(report.indicators),
        dims=list(report.dims),
        language=report.language,
        title=report.name,
        generated_by=actor,
        trend=True,
    )
    blocks = sum(len(item.breakdowns) + (1 if item.trend else 0) for item in content.items)
    estimate = max(1, round(blocks * PAGES_PER_BLOCK))

    def on_page(page: int) -> None:
        progress(page, max(estimate, page + 1) + 1, "layout")

    pdf, pages = report_pdf(content, on_page=on_page, with_pages=True)
    with transaction.atomic():
        services.report_exported(
            actor=actor,
            organisation_id=scope.organisation.pk,
            export_format="pdf",
            indicators=list(report.indicators),
            dims=list(report.dims),
            start=period.start,
            end=period.end,
            unit=scope.unit,
            report=report,
        )
    return [DocumentOutput("pdf", report_filename(content, "pdf"), PDF, pdf, pages=pages)]


@task()
def report_pdf_generate(job_id: int) -> str:
    """The worker's side of `report_pdf_request`: "done", "failed" or "skipped"."""
    return document_job_run(job_pk=job_id, make=_report_make)
