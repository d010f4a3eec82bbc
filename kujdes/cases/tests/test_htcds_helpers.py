"""Shared helpers of the HTCDS exchange tests (no tests here): workbooks written cell by cell, uploads."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from kujdes.cases.htcds import FIRST_ROW, TEMPLATE


def header(sheet: Any) -> dict[str, int]:
    return {cell.value: cell.column for cell in sheet[1] if isinstance(cell.value, str)}


def workbook_bytes(rows: list[dict[str, Any]]) -> bytes:
    """IOM's template with these rows (by field name) from row 3."""
    workbook = load_workbook(TEMPLATE)
    sheet = workbook.worksheets[0]
    columns = header(sheet)
    columns["cas_ReasonForOutgoingReferral"] = 36
    for offset, values in enumerate(rows):
        for name, value in values.items():
            sheet.cell(FIRST_ROW + offset, columns[name], value)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def plain_workbook_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def exported_rows(content: bytes) -> list[dict[str, Any]]:
    """The filled rows of an exported workbook, by field name."""
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    columns = header(sheet)
    columns["cas_ReasonForOutgoingReferral"] = 36
    rows = []
    for number in range(FIRST_ROW, sheet.max_row + 1):
        values = {name: sheet.cell(number, column).value for name, column in columns.items()}
        if values.get("prs_FirstName"):
            rows.append(values)
    return rows


def upload(data: bytes, name: str = "cases.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)
