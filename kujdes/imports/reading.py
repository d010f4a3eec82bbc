"""Reading a spreadsheet into a table: XLSX (openpyxl, read-only), ODS (its XML, through defusedxml) and
CSV (encoding and delimiter detected, or given).

The header row is found (a title often comes first), merged header cells are unmerged (the value of
the merged range is given to every column under it, and a header of two rows is joined), empty
columns and empty rows are left out. Row numbers are the spreadsheet's (1-based, header included),
so that a message names the row the user sees. Anything that cannot be read is `FileRefused` with a
message for the user; limits keep memory bounded (size, unpacked size, rows, columns).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

MAX_BYTES = 50_000_000
MAX_ROWS = 200_000
MAX_COLUMNS = 200
# A workbook is a ZIP: what it unpacks to is bounded too (a "zip bomb" is small and unpacks to gigabytes).
MAX_UNPACKED = 800_000_000
MAX_RATIO = 200
# The header is looked for among the first rows that hold something.
HEADER_SEARCH = 20
CSV_ENCODINGS = ("utf-8", "cp1252", "cp1250", "cp1251", "cp1256", "cp1254", "iso-8859-1")
CSV_DELIMITERS = ",;\t|"

XLSX, ODS, CSV = "xlsx", "ods", "csv"


class FileRefused(ValueError):
    """The file cannot be read as a table; the message is for the user, translated."""


@dataclass
class Table:
    """One sheet, from its header row on. `rows` holds (spreadsheet row number, values by column)."""

    file_format: str
    sheets: list[str]
    sheet: str
    header_row: int
    headers: list[str]
    # The spreadsheet's own column number (1-based) of each kept column, for letters in messages.
    column_numbers: list[int]
    rows: list[tuple[int, list[Any]]]
    encoding: str = ""
    delimiter: str = ""
    # XLSX: the workbook's date epoch, for date serials (1900 or 1904 system).
    epoch: datetime.datetime = datetime.datetime(1899, 12, 30)
    notes: list[str] = field(default_factory=list)

    def column_label(self, index: int) -> str:
        """How a message names a column: its header and, for workbooks, its letter."""
        if self.file_format == CSV:
            return self.headers[index]
        return f"{self.headers[index]} ({column_letter(self.column_numbers[index])})"


def column_letter(number: int) -> str:
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = " ".join(value.replace("\u00a0", " ").split())
        return value or None
    return value


def file_format_detect(data: bytes, filename: str = "") -> str:
    """xlsx, ods or csv, by content (a name's extension is only a hint for text files)."""
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "mimetype" in names:
                    if (
                        archive.read("mimetype")[:100].strip()
                        == b"application/vnd.oasis.opendocument.spreadsheet"
                    ):
                        return ODS
                elif "[Content_Types].xml" in names and any(name.startswith("xl/") for name in names):
                    return XLSX
        except (zipfile.BadZipFile, OSError, KeyError):
            pass
        raise FileRefused(
            _("This file is neither an Excel workbook (.xlsx) nor an OpenDocument sheet (.ods).")
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            _(
                "This is an old Excel file (.xls). Open it and save it as .xlsx (Excel Workbook), "
                "then try again."
            )
        )
    if data.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff")):
        raise FileRefused(_("This is not a spreadsheet. Use XLSX, ODS or CSV."))
    return CSV


def table_read(
    *,
    data: bytes,
    filename: str = "",
    sheet: str | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Table:
    """The table of one sheet (the first with data, unless named). Raises FileRefused."""
    if not data:
        raise FileRefused(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise FileRefused(
            _("The file is too large (%(size)s MB). The limit is %(limit)s MB.")
            % {"size": round(len(data) / 1_000_000, 1), "limit": MAX_BYTES // 1_000_000}
        )
    file_format = file_format_detect(data, filename)
    if file_format == CSV:
        grid, used_encoding, used_delimiter = _csv_grid(data, encoding=encoding, delimiter=delimiter)
        table = _table_from_grid(grid, merges=[], header_row=header_row, file_format=CSV, sheets=[], sheet="")
        table.encoding, table.delimiter = used_encoding, used_delimiter
        return table
    _zip_check(data)
    if file_format == ODS:
        return _ods_read(data, sheet=sheet, header_row=header_row)
    return _xlsx_read(data, sheet=sheet, header_row=header_row)


# --- workbooks ------------------------------------------------------------------------------------


def _zip_check(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            unpacked = sum(member.file_size for member in members)
            bomb = any(
                member.file_size > 10_000_000 and member.file_size > MAX_RATIO * max(member.compress_size, 1)
                for member in members
            )
    except (zipfile.BadZipFile, OSError):
        raise FileRefused(_("The file is damaged and cannot be read.")) from None
    if unpacked > MAX_UNPACKED or bomb:
        raise FileRefused(
            _("This workbook unpacks to far more than its size: it is refused (it could be a “zip bomb”).")
        )


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.decode():
        number = number * 26 + ord(letter) - 64
    return number


def _xlsx_merges(worksheet: Any) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of the sheet's merged ranges. Read-only worksheets do not
    parse them; they are at the end of the sheet's XML, found by a scan (no XML is built)."""
    merges: list[tuple[int, int, int, int]] = []
    tail = b""
    with worksheet._get_source() as source:
        while True:
            chunk = source.read(1 << 20)
            if not chunk:
                break
            text = tail + chunk
            for match in _MERGE.finditer(text):
                merges.append(
                    (
                        int(match.group(2)),
                        _column_number(match.group(1)),
                        int(match.group(4)),
                        _column_number(match.group(3)),
                    )
                )
            tail = text[-200:]
            # A ref cut by the chunk boundary is found again in the tail: duplicates are harmless.
    return list(dict.fromkeys(merges))


def _xlsx_read(data: bytes, *, sheet: str | None, header_row: int | None) -> Table:
    from openpyxl import load_workbook
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:  # pragma: no cover - defusedxml is installed with the project
        raise FileRefused(_("Workbooks cannot be read safely on this server (defusedxml is missing)."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - a damaged or hostile workbook fails in many ways; one answer
        raise FileRefused(_("The workbook is damaged or not a workbook and cannot be read.")) from None
    try:
        names = list(workbook.sheetnames)
        if sheet is not None and sheet not in names:
            raise FileRefused(_("The workbook has no sheet “%(sheet)s”.") % {"sheet": sheet[:100]})
        chosen = sheet or names[0]
        worksheet = workbook[chosen]
        try:
            grid = _limited_rows(_xlsx_rows(worksheet))
            merges = _xlsx_merges(worksheet)
        except FileRefused:
            raise
        except Exception:  # noqa: BLE001 - e.g. an entity refused by defusedxml, a broken cell
            raise FileRefused(_("The sheet is damaged or unsafe and cannot be read.")) from None
        table = _table_from_grid(
            grid, merges=merges, header_row=header_row, file_format=XLSX, sheets=names, sheet=chosen
        )
        table.epoch = workbook.epoch
        return table
    finally:
        workbook.close()


def _xlsx_rows(worksheet: Any) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) of each row the sheet's XML holds, up to its last cell with a value (at
    most MAX_COLUMNS). openpyxl's own read-only rows are padded to the width asked for, empty rows
    made up in between: 200 values for a register of 7 columns, which was most of the time and the
    memory of reading a big sheet. Its sheet parser (the same defused XML, types, dates and shared
    strings) is used directly instead."""
    from openpyxl.worksheet._reader import WorkSheetParser

    workbook = worksheet.parent
    with worksheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            worksheet._shared_strings,
            data_only=workbook.data_only,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, cells in parser.parse():
            values: list[Any] = []
            for cell in cells:
                column, value = cell["column"], cell["value"]
                if value is None or column > MAX_COLUMNS:
                    continue
                if column > len(values):
                    values.extend([None] * (column - len(values)))
                values[column - 1] = value
            yield number, values


def _limited_rows(rows: Iterable[tuple[int, list[Any]]]) -> list[tuple[int, list[Any]]]:
    """Non-empty rows with their numbers, without trailing empty cells; FileRefused past MAX_ROWS."""
    grid: list[tuple[int, list[Any]]] = []
    for number, values in rows:
        cleaned = [_clean(value) for value in values]
        while cleaned and _blank(cleaned[-1]):
            cleaned.pop()
        if not cleaned:
            continue
        if len(grid) >= MAX_ROWS + HEADER_SEARCH:
            raise FileRefused(
                _("The sheet has more than %(count)s rows. Split it into several files.")
                % {"count": MAX_ROWS}
            )
        grid.append((number, cleaned))
    return grid


# --- OpenDocument ---------------------------------------------------------------------------------

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def _ods_value(cell: Any) -> Any:
    kind = cell.get(f"{{{_OFFICE}}}value-type")
    if kind in ("float", "percentage", "currency"):
        number = float(cell.get(f"{{{_OFFICE}}}value", "0"))
        return int(number) if number.is_integer() else number
    if kind == "date":
        text = cell.get(f"{{{_OFFICE}}}date-value", "")
        try:
            return datetime.datetime.fromisoformat(text) if "T" in text else datetime.date.fromisoformat(text)
        except ValueError:
            return text
    if kind == "boolean":
        return cell.get(f"{{{_OFFICE}}}boolean-value") == "true"
    paragraphs = ["".join(p.itertext()) for p in cell.iter(f"{{{_TEXT}}}p")]
    return "\n".join(paragraphs) if paragraphs else None


def _ods_read(data: bytes, *, sheet: str | None, header_row: int | None) -> Table:
    """The sheet's cells from content.xml, parsed by defusedxml (no entities, no external references).
    Repeated rows and columns are expanded only where they hold something."""
    from defusedxml.ElementTree import iterparse

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        source = archive.open("content.xml")
    except (KeyError, zipfile.BadZipFile, OSError):
        raise FileRefused(_("The file is damaged and cannot be read.")) from None
    names: list[str] = []
    chosen: str | None = None
    grid: list[tuple[int, list[Any]]] = []
    merges: list[tuple[int, int, int, int]] = []
    row_number = 0
    try:
        for event, element in iterparse(source, events=("start", "end")):
            if element.tag == f"{{{_TABLE}}}table" and event == "start":
                name = element.get(f"{{{_TABLE}}}name", "")
                names.append(name)
                if chosen is None and (sheet is None or name == sheet):
                    chosen, row_number = name, 0
            elif element.tag == f"{{{_TABLE}}}table-row" and event == "end":
                if chosen is not None and names[-1] == chosen:
                    repeat = min(int(element.get(f"{{{_TABLE}}}number-rows-repeated", "1")), 1_100_000)
                    values: list[Any] = []
                    column = 0
                    for cell in element:
                        if cell.tag not in (f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell"):
                            continue
                        times = min(int(cell.get(f"{{{_TABLE}}}number-columns-repeated", "1")), MAX_COLUMNS)
                        value = _clean(_ods_value(cell)) if cell.tag.endswith("}table-cell") else None
                        span = int(cell.get(f"{{{_TABLE}}}number-columns-spanned", "1"))
                        rows_span = int(cell.get(f"{{{_TABLE}}}number-rows-spanned", "1"))
                        if span > 1 or rows_span > 1:
                            merges.append((row_number + 1, column + 1, row_number + rows_span, column + span))
                        if value is None and len(values) + times > MAX_COLUMNS:
                            times = max(0, MAX_COLUMNS - len(values))
                        values.extend([value] * times)
                        column += times
                        if len(values) >= MAX_COLUMNS:
                            break
                    values = values[:MAX_COLUMNS]
                    if any(not _blank(value) for value in values):
                        for _copy in range(min(repeat, MAX_ROWS + HEADER_SEARCH)):
                            row_number += 1
                            if len(grid) >= MAX_ROWS + HEADER_SEARCH:
                                raise FileRefused(
                                    _("The sheet has more than %(count)s rows. Split it into several files.")
                                    % {"count": MAX_ROWS}
                                )
                            grid.append((row_number, list(values)))
                    else:
                        row_number += repeat
                element.clear()
            elif element.tag == f"{{{_TABLE}}}table" and event == "end":
                element.clear()
    except FileRefused:
        raise
    except Exception:  # noqa: BLE001 - entities refused by defusedxml, broken XML, bad numbers
        raise FileRefused(_("The sheet is damaged or unsafe and cannot be read.")) from None
    finally:
        archive.close()
    if sheet is not None and chosen is None:
        raise FileRefused(_("The workbook has no sheet “%(sheet)s”.") % {"sheet": sheet[:100]})
    return _table_from_grid(
        grid, merges=merges, header_row=header_row, file_format=ODS, sheets=names, sheet=chosen or ""
    )


# --- CSV ----------------------------------------------------------------------------------------


def _implausible_words(text: str) -> int:
    """Words a wrong code page makes: Latin mixed with Cyrillic, Greek or Arabic letters, or Latin
    words made mostly of accented letters ("Ïðèâ³ò" is Cyrillic read as Windows-1252)."""
    count = 0
    for word in re.findall(r"\w+", text):
        latin = any("a" <= ch.lower() <= "z" for ch in word)
        accented = sum(1 for ch in word if 0xC0 <= ord(ch) <= 0x24F)
        other = any(ch.isalpha() and ord(ch) >= 0x370 for ch in word)
        if (latin and other) or (len(word) >= 3 and accented * 2 > len(word)):
            count += 1
    return count + sum(1 for ch in text if 0xA1 <= ord(ch) <= 0xBF and ch not in "«»°·")


def text_decode(data: bytes, *, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding): a byte-order mark, else UTF-8, else the code page that reads most plausibly."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise FileRefused(_("Unknown encoding “%(encoding)s”.") % {"encoding": encoding[:40]}) from None
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            raise FileRefused(
                _("The file cannot be read as %(encoding)s. Choose another encoding.")
                % {"encoding": encoding}
            ) from None
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError:
                raise FileRefused(
                    _("The file's text is damaged (not valid %(encoding)s).") % {"encoding": name}
                ) from None
    if b"\x00" in data[:4096]:
        raise FileRefused(_("This is not a text file. Use XLSX, ODS or CSV."))
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best: tuple[int, int, str, str] | None = None
    for rank, name in enumerate(CSV_ENCODINGS[1:]):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text if 0x80 <= ord(ch) < 0xA0)
        score = (_implausible_words(text[:200_000]) + 10 * controls, rank)
        if best is None or score < best[:2]:
            best = (*score, text, name)
    if best is None:  # pragma: no cover - iso-8859-1 decodes every byte
        raise FileRefused(_("The file's text cannot be read. Save it as CSV UTF-8 and try again."))
    return best[2], best[3]


def _csv_grid(
    data: bytes, *, encoding: str | None, delimiter: str | None
) -> tuple[list[tuple[int, list[Any]]], str, str]:
    text, used = text_decode(data, encoding=encoding)
    if delimiter:
        if delimiter in ("\\t", "tab", "TAB"):
            delimiter = "\t"
        if len(delimiter) != 1:
            raise FileRefused(_("The delimiter must be one character."))
    else:
        delimiter = _delimiter_detect(text[:64_000])
    grid: list[tuple[int, list[Any]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, values in enumerate(reader, start=1):
            cleaned = [_clean(value) for value in values[:MAX_COLUMNS]]
            if all(_blank(value) for value in cleaned):
                continue
            if len(grid) >= MAX_ROWS + HEADER_SEARCH:
                raise FileRefused(
                    _("The file has more than %(count)s rows. Split it into several files.")
                    % {"count": MAX_ROWS}
                )
            grid.append((number, cleaned))
    except csv.Error:
        raise FileRefused(
            _("The CSV file is malformed (a cell too long, or a quote never closed).")
        ) from None
    return grid, used, delimiter


def _delimiter_detect(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        lines = [line for line in sample.splitlines()[:20] if line.strip()]
        counts = {d: sum(line.count(d) for line in lines) for d in CSV_DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


# --- header detection ---------------------------------------------------------------------------


def _is_label(value: Any) -> bool:
    return isinstance(value, str) and not re.fullmatch(r"[\d\s.,/:+-]*", value)


def _unmerge(grid: list[tuple[int, list[Any]]], merges: list[tuple[int, int, int, int]]) -> None:
    """Give each cell of a merged range the value of its top-left cell (a merged header, a municipality
    written once for several rows). Only rows that hold something are visited, whatever the range."""
    import bisect

    numbers = [number for number, _values in grid]
    for min_row, min_col, max_row, max_col in merges[:10_000]:
        start = bisect.bisect_left(numbers, min_row)
        if start >= len(grid) or numbers[start] != min_row or min_col > MAX_COLUMNS:
            continue
        top = grid[start][1]
        if min_col > len(top):
            continue
        value = top[min_col - 1]
        width = min(max_col, MAX_COLUMNS)
        for index in range(start, bisect.bisect_right(numbers, max_row)):
            values = grid[index][1]
            if len(values) < width:
                values.extend([None] * (width - len(values)))
            for column in range(min_col, width + 1):
                if values[column - 1] is None:
                    values[column - 1] = value


def header_detect(grid: list[tuple[int, list[Any]]]) -> int:
    """The index in `grid` of the header row: the first of the top rows whose labels fill at least
    half as many columns as the widest of the rows below it (a title fills one or two)."""
    top = grid[:HEADER_SEARCH]
    widths = [
        sum(1 for value in values if not _blank(value)) for _number, values in grid[: HEADER_SEARCH * 2]
    ]
    for index, (_number, values) in enumerate(top):
        labels = sum(1 for value in values if _is_label(value))
        filled = widths[index]
        below = max(widths[index + 1 :] or [filled])
        if labels >= 2 and labels >= 0.8 * filled and filled >= 0.5 * below:
            return index
    return 0


def _table_from_grid(
    grid: list[tuple[int, list[Any]]],
    *,
    merges: list[tuple[int, int, int, int]],
    header_row: int | None,
    file_format: str,
    sheets: list[str],
    sheet: str,
) -> Table:
    if not grid:
        raise FileRefused(_("The sheet is empty."))
    header_merges = [m for m in merges if m[0] <= grid[min(len(grid), HEADER_SEARCH) - 1][0]]
    if header_row is not None:
        index = next((i for i, (number, _v) in enumerate(grid) if number >= header_row), None)
        if index is None or grid[index][0] != header_row:
            raise FileRefused(_("Row %(row)s is empty: it cannot be the header.") % {"row": header_row})
    else:
        # Before unmerging: a title merged across the sheet is one cell, not a row of labels.
        index = header_detect(grid)
    _unmerge(grid, merges)
    width = max(len(values) for _number, values in grid)
    header = list(grid[index][1]) + [None] * (width - len(grid[index][1]))
    number = grid[index][0]
    first_data = index + 1
    # A header of two rows: a merged group label above ("Prindi" over "Emri", "Telefoni") and the
    # labels below it. The lower row names the columns; the group is kept in front.
    grouped = any(m[0] == number and m[2] == number and m[3] > m[1] for m in header_merges)
    if grouped and first_data < len(grid) and grid[first_data][0] == number + 1:
        below = list(grid[first_data][1]) + [None] * (width - len(grid[first_data][1]))
        if all(_blank(v) or _is_label(v) for v in below) and sum(1 for v in below if _is_label(v)) >= 2:
            spanned = {
                column
                for m in header_merges
                if m[0] == number and m[2] == number
                for column in range(m[1], m[3] + 1)
            }
            for column, label in enumerate(below):
                if _blank(label):
                    continue
                upper = header[column]
                if column + 1 in spanned and not _blank(upper) and str(upper) != str(label):
                    header[column] = f"{upper}: {label}"
                else:
                    header[column] = label
            number = grid[first_data][0]
            first_data += 1
    rows = grid[first_data:]
    if len(rows) > MAX_ROWS:
        raise FileRefused(
            _("The sheet has more than %(count)s rows. Split it into several files.") % {"count": MAX_ROWS}
        )
    # One pass over the cells (a pass over the rows per column was quadratic in effect).
    filled = {column for column, value in enumerate(header) if not _blank(value)}
    for _n, values in rows:
        if len(filled) == width:
            break
        filled.update(column for column, value in enumerate(values) if not _blank(value))
    used = sorted(filled)
    if not used:
        raise FileRefused(_("The sheet has no columns with data."))
    headers: list[str] = []
    seen: dict[str, int] = {}
    for column in used:
        label = str(header[column]).strip() if not _blank(header[column]) else ""
        if not label:
            label = _("Column %(letter)s") % {"letter": column_letter(column + 1)}
        if label in seen:
            seen[label] += 1
            label = f"{label} ({seen[label]})"
        else:
            seen[label] = 1
        headers.append(label)
    kept_rows = [
        (row_number, [values[column] if column < len(values) else None for column in used])
        for row_number, values in rows
    ]
    return Table(
        file_format=file_format,
        sheets=sheets,
        sheet=sheet,
        header_row=number,
        headers=headers,
        column_numbers=[column + 1 for column in used],
        rows=kept_rows,
    )


def stream_read(source: IO[bytes], *, limit: int = MAX_BYTES) -> bytes:
    """The bytes of an upload or file, refusing beyond the limit without reading much further."""
    data = source.read(limit + 1)
    if len(data) > limit:
        raise FileRefused(
            _("The file is too large. The limit is %(limit)s MB.") % {"limit": limit // 1_000_000}
        )
    return data
