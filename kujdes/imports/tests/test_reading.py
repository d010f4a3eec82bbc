# ruff: noqa: E501 - the hostile files are written out whole, one XML element a line
"""Reading spreadsheets: formats, header rows, merged headers, encodings, limits, hostile files."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kujdes.imports import reading
from kujdes.imports.reading import FileRefused, table_read
from kujdes.imports.tests.helpers import xlsx

SAMPLES = Path(__file__).resolve().parents[3] / "docs" / "import-samples"


def test_it_finds_the_header_below_a_merged_title_and_joins_a_two_row_header() -> None:
    table = table_read(data=(SAMPLES / "camp-register-shkoder.xlsx").read_bytes())
    assert table.sheet == "Kampi 2017"
    assert table.header_row == 4
    assert table.headers[1] == "Emri dhe mbiemri"
    assert table.headers[6:] == ["Pëlqimi i prindit: Po/Jo", "Pëlqimi i prindit: Dhënë nga"]
    assert table.rows[0][0] == 5  # the spreadsheet's own row number
    assert len(table.rows) == 8  # the empty trailing row is left out


def test_it_reads_the_sheet_asked_for_and_refuses_one_that_does_not_exist() -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Emri", "Mbiemri"])
    second = workbook.create_sheet("Dytë")
    second.append(["Given name", "Family name"])
    second.append(["Ana", "Kola"])
    output = io.BytesIO()
    workbook.save(output)
    table = table_read(data=output.getvalue(), sheet="Dytë")
    assert table.headers == ["Given name", "Family name"]
    assert table.sheets == ["Sheet", "Dytë"]
    with pytest.raises(FileRefused, match="no sheet"):
        table_read(data=output.getvalue(), sheet="Tjetër")


def test_empty_columns_and_rows_are_left_out() -> None:
    data = xlsx([["Emri", None, "Gjinia"], [None, None, None], ["Ana", None, "F"], ["Eva", None, "F"]])
    table = table_read(data=data)
    assert table.headers == ["Emri", "Gjinia"]
    assert [number for number, _values in table.rows] == [3, 4]
    assert table.column_label(1) == "Gjinia (C)"


def test_rows_keep_the_sheets_numbers_without_padding_and_cells_past_the_column_limit_are_dropped() -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["B1"] = "Emri", "Gjinia"
    sheet["A7"], sheet["B7"] = "Ana", "F"
    sheet["A9"] = "Eva"
    sheet.cell(row=9, column=reading.MAX_COLUMNS + 5, value="far away")
    output = io.BytesIO()
    workbook.save(output)
    table = table_read(data=output.getvalue())
    assert table.headers == ["Emri", "Gjinia"]
    assert table.rows == [(7, ["Ana", "F"]), (9, ["Eva", None])]
    assert table.column_numbers == [1, 2]


def test_a_big_sheet_is_read_row_by_row_at_its_own_width() -> None:
    rows = [["Emri", "Mbiemri", "Gjinia"]] + [[f"Ana{n}", "Kola", "F"] for n in range(2000)]
    grid = reading._limited_rows(
        reading._xlsx_rows(_worksheet(xlsx(rows)))  # what _xlsx_read gives _table_from_grid
    )
    assert len(grid) == 2001
    assert {len(values) for _number, values in grid} == {3}  # not padded to MAX_COLUMNS


def _worksheet(data: bytes):  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data), read_only=True, data_only=True).active


def test_csv_in_windows_1250_with_semicolons_is_detected() -> None:
    text = "Emri;Mbiemri;Gjinia\r\nËngjëll;Çela;M\r\nDrita;Hoxha;Femër\r\n"
    table = table_read(data=text.encode("cp1250"))
    assert table.delimiter == ";"
    assert table.encoding in ("cp1252", "cp1250")
    assert table.rows[0][1] == ["Ëngjëll", "Çela", "M"]


def test_csv_in_utf8_with_a_bom_and_an_override() -> None:
    text = "Name\tSex\nÉlodie\tfemme\n"
    table = table_read(data=codecs_bom() + text.encode("utf-8"))
    assert table.delimiter == "\t"
    assert table.rows[0][1] == ["Élodie", "femme"]
    table = table_read(data=text.encode("utf-8"), delimiter=",")
    assert table.headers == ["Name Sex"]  # whitespace collapsed


def codecs_bom() -> bytes:
    import codecs

    return codecs.BOM_UTF8


def test_cyrillic_csv_is_read_in_its_code_page() -> None:
    text = "Прізвище,Ім'я,Стать\nКоваленко,Оксана,ж\nШевченко,Марія,ж\n"
    table = table_read(data=text.encode("cp1251"))
    assert table.encoding == "cp1251"
    assert table.headers[0] == "Прізвище"


def test_a_broken_encoding_given_by_the_user_is_refused_clearly() -> None:
    with pytest.raises(FileRefused, match="cannot be read as utf-8"):
        table_read(data="Emri\nËngjëll\n".encode("cp1252"), encoding="utf-8")
    with pytest.raises(FileRefused, match="Unknown encoding"):
        table_read(data=b"a,b\n1,2\n", encoding="klingon")


def test_ods_with_merged_title_and_repeated_columns_is_read_through_defusedxml() -> None:
    content = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">
<office:body><office:spreadsheet><table:table table:name="Lista">
<table:table-row><table:table-cell table:number-columns-spanned="3" office:value-type="string"><text:p>Lista 2015</text:p></table:table-cell><table:covered-table-cell table:number-columns-repeated="2"/></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>Emri</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Datëlindja</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Mosha</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16000"/></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>Ana</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="2009-03-12"><text:p>12.03.09</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="15"><text:p>15</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"""
    table = table_read(data=_ods(content))
    assert table.file_format == "ods"
    assert table.headers == ["Emri", "Datëlindja", "Mosha"]
    assert table.header_row == 2
    assert table.rows == [(3, ["Ana", datetime.date(2009, 3, 12), 15])]


def _ods(content: str) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    return output.getvalue()


def test_an_xml_bomb_in_an_ods_is_refused() -> None:
    bomb = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">
<office:body><office:spreadsheet><table:table table:name="A"><table:table-row><table:table-cell office:value-type="string"><text:p>&lol2;</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"""
    with pytest.raises(FileRefused, match="unsafe"):
        table_read(data=_ods(bomb))


def test_an_xml_bomb_in_an_xlsx_sheet_is_refused() -> None:
    data = xlsx([["Emri"], ["Ana"]])
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(
                    b"<worksheet",
                    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><worksheet',
                    1,
                )
            target.writestr(item, body)
    with pytest.raises(FileRefused):
        table_read(data=output.getvalue())


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * 30_000_000)
    with pytest.raises(FileRefused, match="zip bomb"):
        table_read(data=output.getvalue())


def test_a_huge_sheet_is_refused_with_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_ROWS", 50)
    text = "Emri\n" + "".join(f"Ana{n}\n" for n in range(200))
    with pytest.raises(FileRefused, match="more than 50 rows"):
        table_read(data=text.encode())


def test_a_file_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_BYTES", 100)
    with pytest.raises(FileRefused, match="too large"):
        table_read(data=b"a,b\n" * 100)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel"),
        (b"%PDF-1.4 ...", "not a spreadsheet"),
        (b"PK\x03\x04broken", "neither an Excel"),
        (b"\x00\x01\x02\x03" * 100, "not a text file"),
        (b'a,"b\n' + b"x" * 200_000, "malformed"),
    ],
)
def test_wrong_files_are_refused_with_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(FileRefused, match=message):
        table_read(data=data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_are_read_or_refused_never_crash(data: bytes) -> None:
    try:
        table = table_read(data=data)
    except FileRefused:
        return
    assert all(len(values) == len(table.headers) for _number, values in table.rows)
