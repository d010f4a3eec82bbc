"""Split and combined columns: "Tiranë, 12.03.2001" into a place and a date; day, month and year
columns into a date; a given name and a middle name into one given name."""

from __future__ import annotations

import datetime
import json

import pytest

from kujdes.core.scoping import system_scope
from kujdes.imports import mapping as m
from kujdes.imports.reading import table_read
from kujdes.imports.services import Options, import_check
from kujdes.imports.tests.helpers import ImportTestCase, xlsx


@pytest.mark.parametrize(
    ("cell", "parts"),
    [
        ("Tiranë, 12.03.2001", ("Tiranë", "12.03.2001")),
        ("12.03.2001, Tiranë", ("Tiranë", "12.03.2001")),
        ("Shkodër 2001-03-12", ("Shkodër", "2001-03-12")),
        ("Vau i Dejës; 5.6.1999", ("Vau i Dejës", "5.6.1999")),
        ("Tiranë", ("Tiranë", "")),
    ],
)
def test_a_place_and_date_cell_splits_either_way_round(cell: str, parts: tuple[str, str]) -> None:
    assert m.split_cell(cell, how=m.SPLIT_PLACE_DATE) == parts


@pytest.mark.parametrize(
    ("parts", "day"),
    [
        (["12", "3", "2001"], datetime.date(2001, 3, 12)),
        (["12", "mars", "2001"], datetime.date(2001, 3, 12)),
        (["5", "Qershor", "99"], datetime.date(1999, 6, 5)),
        (["5.", "juin", "1999"], datetime.date(1999, 6, 5)),
    ],
)
def test_day_month_and_year_cells_make_a_date(parts: list[str], day: datetime.date) -> None:
    assert m.date_from_parts(parts) == day


def test_an_impossible_day_month_year_is_refused() -> None:
    with pytest.raises(ValueError):
        m.date_from_parts(["31", "2", "2001"])
    with pytest.raises(ValueError):
        m.date_from_parts(["12", "brumaire", "2001"])


def test_options_with_splits_and_combines_survive_json() -> None:
    options = Options(
        target="persons",
        splits=[{"column": 1, "how": "place_date", "into": ["municipality", "date_of_birth"]}],
        combines=[{"field": "date_of_birth", "columns": [2, 3, 4], "how": "date"}],
        constants={"sex": "Feminine"},
    )
    assert Options.from_dict(json.loads(json.dumps(options.as_dict()))) == options


class SplitAndCombineTests(ImportTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.enterContext(system_scope())

    def check(self, rows: list[list[object]], **options: object):  # type: ignore[no-untyped-def]
        return import_check(
            actor=self.ana,
            unit=self.diocese_a,
            table=table_read(data=xlsx(rows), filename="persons.xlsx"),
            options=Options(target="persons", **options),  # type: ignore[arg-type]
            registry=False,
        )

    def test_a_place_and_date_of_birth_column_is_split(self) -> None:
        rows = [["Emri", "Vendi dhe data e lindjes"], ["Drita", "Tirana, 12.03.2001"], ["Mira", "Shkodër"]]
        result = self.check(
            rows,
            columns=["given_name", ""],
            splits=[{"column": 1, "how": "place_date", "into": ["municipality", "date_of_birth"]}],
        )
        assert result.blocking == [] and result.errors == []
        # The places are value-mapped like a municipality column.
        assert {row.value: row.code for row in result.values["municipality"]} == {
            "Tirana": "Tiranë",
            "Shkodër": "Shkodër",
        }
        drita, mira = (row.person for row in result.rows)
        assert drita["municipality"] == "Tiranë" and drita["date_of_birth"] == datetime.date(2001, 3, 12)
        assert mira["municipality"] == "Shkodër" and "date_of_birth" not in {k for k, v in mira.items() if v}

    def test_day_month_year_columns_and_two_given_names_are_combined(self) -> None:
        rows = [
            ["Emri", "Emri i dytë", "Mbiemri", "Dita", "Muaji", "Viti"],
            ["Anna", "Maria", "Gjoka", 12, "mars", 2001],
            ["Lule", None, "Kola", 5, 6, 1999],
            ["Vera", None, "Vata", 31, 2, 2001],
        ]
        result = self.check(
            rows,
            columns=["", "", "family_name", "", "", ""],
            combines=[
                {"field": "given_name", "columns": [0, 1], "how": "join"},
                {"field": "date_of_birth", "columns": [3, 4, 5], "how": "date"},
            ],
        )
        assert result.blocking == []
        anna, lule, vera = result.rows
        assert anna.person["given_name"] == "Anna Maria" and anna.person["date_of_birth"] == datetime.date(
            2001, 3, 12
        )
        assert lule.person["given_name"] == "Lule" and lule.person["date_of_birth"] == datetime.date(
            1999, 6, 5
        )
        # 31 February: the error names the three columns, on the spreadsheet's row.
        assert [(e.row, e.column) for e in vera.errors] == [(4, "Dita + Muaji + Viti")]

    def test_a_split_of_a_column_that_is_not_there_blocks(self) -> None:
        result = self.check(
            [["Emri"], ["Drita"]],
            splits=[{"column": 7, "how": "place_date", "into": ["municipality", "date_of_birth"]}],
        )
        assert any("split" in message for message in result.blocking)

    def test_a_constant_sets_a_field_for_every_row(self) -> None:
        result = self.check([["Emri"], ["Drita"], ["Mira"]], constants={"sex": "Feminine"})
        assert result.blocking == [] and {row.person["sex"] for row in result.rows} == {"Feminine"}
