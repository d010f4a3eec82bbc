"""CSV is for machines: plain numbers (never "89,140"), ISO dates, UTF-8; people get the XLSX."""

from __future__ import annotations

import csv
import datetime
import io
from types import SimpleNamespace
from typing import Any

from django.test import SimpleTestCase
from django.utils import timezone, translation

from kujdes.core.exports import ExportTable, _csv
from kujdes.reports.exports import BreakdownOut, ItemOut, LineOut, ReportContent, report_csv


def _content(language: str) -> ReportContent:
    item = ItemOut(
        indicator=SimpleNamespace(code="persons_reached"),  # type: ignore[arg-type]
        name="Persons reached",
        definition="",
        section="",
        total=LineOut(None, "Total", 89140.0, "89,140"),
        percent=False,
        breakdowns=[
            BreakdownOut(
                "sex",
                "Sex",
                True,
                [
                    LineOut("Feminine", "Female", 51234.0, "51,234"),
                    LineOut("Masculine", "Male", 1234.5, "1,234.5"),
                    LineOut("Other", "Other values (hidden)", None, "hidden"),
                    LineOut("None", "Unknown", None, "–"),
                ],
            )
        ],
    )
    return ReportContent(
        title="T",
        organisation="Org",
        unit="Unit",
        period=SimpleNamespace(),  # type: ignore[arg-type]
        period_text="",
        language=language,
        threshold=5,
        generated_at=timezone.now(),
        generated_by="tester",
        items=[item],
    )


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


class ReportCsvTests(SimpleTestCase):
    def test_figures_are_plain_numbers_without_thousands_separators(self) -> None:
        with translation.override("en"):
            rows = _rows(report_csv(_content("en")))
        figures = {row[4]: row[5] for row in rows[1:]}
        self.assertEqual(figures["Total"], "89140")
        self.assertEqual(figures["Female"], "51234")
        self.assertEqual(figures["Male"], "1234.5")
        self.assertEqual(figures["Other values (hidden)"], "hidden")
        self.assertEqual(figures["Unknown"], "")

    def test_the_numbers_do_not_change_with_the_language(self) -> None:
        with translation.override("fr"):
            rows = _rows(report_csv(_content("fr")))
        self.assertIn("89140", [row[5] for row in rows])
        self.assertIn("1234.5", [row[5] for row in rows])

    def test_it_is_utf8_with_the_byte_order_mark_excel_needs(self) -> None:
        content = report_csv(_content("en"))
        self.assertTrue(content.startswith(b"\xef\xbb\xbf"))
        content.decode("utf-8")


class ListCsvTests(SimpleTestCase):
    def export(self, rows: list[list[Any]]) -> list[list[str]]:
        table = ExportTable(title="Lista", columns=["Kodi", "Numri", "Data", "Koha"], rows=rows)
        actor: Any = SimpleNamespace(username="tester")
        organisation: Any = SimpleNamespace(name="Org")
        with translation.override("en"):
            return _rows(_csv(table=table, watermark="W", actor=actor, organisation=organisation))

    def test_numbers_and_dates_are_written_for_machines(self) -> None:
        moment = timezone.make_aware(datetime.datetime(2026, 5, 12, 14, 30))
        rows = self.export([["P-1", 89140, datetime.date(2026, 5, 12), moment]])
        self.assertEqual(rows[2], ["P-1", "89140", "2026-05-12", "2026-05-12 14:30"])

    def test_a_formula_stays_text(self) -> None:
        self.assertEqual(self.export([["=1+1", 1, None, None]])[2][0], "'=1+1")
