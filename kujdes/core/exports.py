"""Exports of personal-data lists: one table written as XLSX, CSV or PDF, watermarked and audited.

Every format carries the same watermark ("Confidential — exported by <username> (<full name>) on
<local time> (<UTC time>) — <organisation>"): XLSX in the printed header and footer of every page, as
the sheet's first line and in the document properties; CSV as its first line; PDF as a running
footer on every page and a light diagonal mark behind the text. The file is made in memory (never on
disk: it holds personal data) and the audit event (format, row count, filters — never names) is
written in the same transaction, so that a file that could not be made leaves no event and no event
is missing for a file handed out. Views put `reauthentication_required` in front of `table_export`.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language, get_language_bidi, gettext_lazy
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.files import PDF, XLSX

if TYPE_CHECKING:
    from kujdes.accounts.models import User
    from kujdes.core.models import Organisation, Unit

CSV = "text/csv; charset=utf-8"


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", gettext_lazy("Spreadsheet (XLSX)")
    CSV = "csv", gettext_lazy("Comma-separated values (CSV)")
    PDF = "pdf", gettext_lazy("Printable document (PDF)")


# Above these a list is narrowed before it is exported: a PDF of thousands of pages helps nobody, and
# the whole file is held in memory while it is made (a gunicorn worker has 250 MB).
ROW_LIMITS = {ExportFormat.XLSX: 5000, ExportFormat.CSV: 5000, ExportFormat.PDF: 500}

# A spreadsheet runs text that starts with these as a formula (CSV injection): such cells are written
# as text in XLSX and prefixed with an apostrophe in CSV.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportTooLarge(ValueError):
    """The list has more rows than the format's limit; the message is for the user, translated."""


@dataclass
class ExportTable:
    """What is exported: a title, the column headings and the rows (plain values: str, int, date…).

    `signature_column` makes the PDF a sign-in sheet: its last column is left blank and tall enough
    to sign in, and the rows are numbered.
    """

    title: str
    columns: Sequence[str]
    rows: list[Sequence[Any]]
    subtitle: str = ""
    signature_column: bool = False
    widths: Sequence[int] = field(default_factory=tuple)


@dataclass
class ExportFile:
    content: bytes
    content_type: str
    filename: str
    rows: int


def export_watermark(*, actor: User, organisation: Organisation, at: datetime.datetime) -> str:
    """The line that says who exported the file, when (local time and UTC) and for which organisation."""
    local = timezone.localtime(at)
    utc = at.astimezone(datetime.UTC)
    full_name = actor.get_full_name() or actor.username
    return _(
        "Confidential — exported by %(username)s (%(full_name)s) on %(local)s (%(utc)s UTC)"
        " — %(organisation)s"
    ) % {
        "username": actor.username,
        "full_name": full_name,
        "local": f"{local:%Y-%m-%d %H:%M} {local.tzname()}",
        "utc": f"{utc:%Y-%m-%d %H:%M}",
        "organisation": organisation.name,
    }


def export_check_size(*, count: int, export_format: str) -> None:
    """Refuse (ExportTooLarge) a list longer than the format allows, before any row is decrypted."""
    limit = ROW_LIMITS[ExportFormat(export_format)]
    if count > limit:
        raise ExportTooLarge(
            _(
                "This list has more than %(limit)s rows, the most that can be exported as %(format)s. "
                "Narrow the list with its filters, then export again."
            )
            % {"limit": limit, "format": ExportFormat(export_format).name}
        )


def export_row_limit(export_format: str) -> int:
    return ROW_LIMITS[ExportFormat(export_format)]


def export_format_of(request: HttpRequest) -> ExportFormat | None:
    """The format chosen in the export form, None for anything else."""
    try:
        return ExportFormat(request.POST.get("format", ""))
    except ValueError:
        return None


def export_refused(request: HttpRequest, *, list_url: str, message: str) -> HttpResponse:
    """Back to the list, drawn with the same filters, with the reason the file was not made."""
    messages.error(request, message)
    query = request.POST.copy()
    for name in ("csrfmiddlewaretoken", "format"):
        query.pop(name, None)
    return redirect(f"{list_url}?{query.urlencode()}" if query else list_url)


def table_export(
    *,
    actor: User,
    organisation: Organisation,
    action: str,
    table: ExportTable,
    export_format: str,
    filename_stem: str,
    filters: dict[str, Any],
    obj: models.Model | None = None,
    unit: Unit | None = None,
) -> ExportFile:
    """The table as a watermarked file, audited as `action` with its format, row count and filters.

    Callers check who may export and pass filters without names (a name search is recorded as such,
    not by its words). Raises ExportTooLarge above the format's row limit.
    """
    export_format = ExportFormat(export_format)
    export_check_size(count=len(table.rows), export_format=export_format)
    now = timezone.now()
    watermark = export_watermark(actor=actor, organisation=organisation, at=now)
    writer = {ExportFormat.XLSX: _xlsx, ExportFormat.CSV: _csv, ExportFormat.PDF: _pdf}[export_format]
    with transaction.atomic():
        content = writer(table=table, watermark=watermark, actor=actor, organisation=organisation)
        audit_record(
            actor=actor,
            organisation=organisation,
            action=action,
            obj=obj,
            unit=unit,
            details={"format": export_format.value, "rows": len(table.rows), "filters": filters},
        )
    stamp = timezone.localtime(now)
    return ExportFile(
        content=content,
        content_type={ExportFormat.XLSX: XLSX, ExportFormat.CSV: CSV, ExportFormat.PDF: PDF}[export_format],
        filename=f"{filename_stem}-{stamp:%Y%m%d-%H%M}.{export_format.value}",
        rows=len(table.rows),
    )


def export_response(export: ExportFile) -> HttpResponse:
    """The file as a download that no cache keeps."""
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# -- the formats ----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return (
            f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
            if timezone.is_aware(value)
            else f"{value:%Y-%m-%d %H:%M}"
        )
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def worksheet_add(workbook: Any, name: str) -> Any:
    """A new sheet of an xlsxwriter workbook, named within Excel's 31 characters, laid out right to left
    (column A on the right, as Excel shows it to Arabic readers) when the active language is written so."""
    sheet = workbook.add_worksheet(name[:31])
    if get_language_bidi():
        sheet.right_to_left()
    return sheet


def _xlsx(*, table: ExportTable, watermark: str, actor: User, organisation: Organisation) -> bytes:
    import xlsxwriter

    output = io.BytesIO()
    # In memory: no temporary file with personal data is left on the disk.
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False})
    workbook.set_properties(
        {
            "title": table.title,
            "subject": watermark,
            "author": actor.username,
            "company": organisation.name,
            "comments": watermark,
            "keywords": _("confidential, personal data"),
            "created": timezone.now().replace(tzinfo=None),
        }
    )
    sheet = worksheet_add(workbook, _("List"))
    bold = workbook.add_format({"bold": True})
    mark = workbook.add_format({"bold": True, "font_color": "#9c0006"})
    heading = workbook.add_format({"bold": True, "bg_color": "#e7eef0", "border": 1})
    dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
    # "&" starts a control code in headers and footers; 255 characters is Excel's limit for each.
    printed = watermark.replace("&", "&&")[:240]
    sheet.set_header(f"&C{printed}")
    sheet.set_footer(f"&L{printed}&R&P / &N")
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.write_string(0, 0, watermark, mark)
    sheet.write_string(1, 0, table.title, bold)
    if table.subtitle:
        sheet.write_string(2, 0, table.subtitle)
    first = 3
    for column, title in enumerate(table.columns):
        sheet.write_string(first, column, str(title), heading)
    sheet.repeat_rows(first)
    sheet.freeze_panes(first + 1, 0)
    for number, row in enumerate(table.rows, start=first + 1):
        for column, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                sheet.write_string(number, column, _("yes") if value else _("no"))
            elif isinstance(value, int | float):
                sheet.write_number(number, column, value)
            elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
                sheet.write_datetime(number, column, datetime.datetime.combine(value, datetime.time()), dates)
            else:
                # write_string: text that looks like a formula stays text.
                sheet.write_string(number, column, _text(value))
    for column, _title in enumerate(table.columns):
        width = table.widths[column] if column < len(table.widths) else 18
        sheet.set_column(column, column, width)
    if table.rows:
        sheet.autofilter(first, 0, first + len(table.rows), len(table.columns) - 1)
    workbook.close()
    return output.getvalue()


def _csv_cell(value: Any) -> str:
    text = _text(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _csv(*, table: ExportTable, watermark: str, actor: User, organisation: Organisation) -> bytes:
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow([watermark])
    writer.writerow([str(title) for title in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(value) for value in row])
    # The byte order mark makes Excel read UTF-8 (ë, ç) instead of the local code page.
    return "\ufeff".encode() + output.getvalue().encode("utf-8")


def export_pdf_html(*, table: ExportTable, watermark: str, organisation: Organisation) -> str:
    """The HTML that WeasyPrint prints (tests read its layout when pdftotext is missing)."""
    return render_to_string(
        "core/export_pdf.html",
        {
            "table": table,
            "blocks": _blocks([[_text(value) for value in row] for row in table.rows]),
            "watermark": watermark,
            "organisation": organisation,
            "language": get_language() or "sq",
        },
    )


PDF_BLOCK = 20


def _blocks(rows: list[list[str]]) -> list[list[tuple[int, list[str]]]]:
    """Numbered rows in blocks of PDF_BLOCK, each printed as its own table."""
    numbered = list(enumerate(rows, start=1))
    return [numbered[start : start + PDF_BLOCK] for start in range(0, len(numbered), PDF_BLOCK)]


def _pdf(*, table: ExportTable, watermark: str, actor: User, organisation: Organisation) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = export_pdf_html(table=table, watermark=watermark, organisation=organisation)
    # Nothing is fetched from anywhere: the page carries its own styles and uses system fonts.
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()
