"""Writes the sample spreadsheets of docs/import.md from synthetic names (no real person):

    .venv/bin/python docs/import-samples/make_samples.py

camp-register-shkoder.xlsx: an Albanian summer-camp register as paper registers are typed up, with a
title row, a blank row, a header of two rows (the parent's consent merged over two columns), full
names in one column, "Femër"/"M" for sex, municipalities in their definite forms ("Shkodra"),
dates as 12.03.2009 text, Excel dates and "Po"/"Jo".
"""

from __future__ import annotations

import datetime
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent

ROWS = [
    # name, sex, born, municipality, phone, consent, given by
    ("Elira Gjoka", "Femër", "12.03.2009", "Shkodra", "+355 69 111 2233", "Po", "Drita Gjoka"),
    ("Arben Marku", "M", datetime.date(2008, 7, 1), "Shkodër", "069 222 3344", "Po", "Gjon Marku"),
    ("Blerta Kola", "F", "23.11.2010", "Vau i Dejës", "", "Po", "Mira Kola"),
    ("Dorian Lleshi", "Mashkull", "05.01.2007", "Malësi e Madhe", "0692223399", "po", "Pal Lleshi"),
    ("Klea Prendi", "femer", "30.06.2009", "Puka", "", "PO", "Lule Prendi"),
    ("Gentian Dedaj", "M", "14.02.2006", "Lezha", "+355682224455", "Po", "Zef Dedaj"),
    ("Anisa Vata", "Femër", "08.09.2011", "Shkoder", "", "Po", "Vera Vata"),
    ("Endri Pjetri", "M", "19.04.2008", "Bashkia Shkodër", "0673334455", "Po", "Nik Pjetri"),
]


def camp_register() -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Kampi 2017"
    sheet["A1"] = "Regjistri i pjesëmarrësve — Kampi veror, Shkodër 2017"
    sheet.merge_cells("A1:H1")
    sheet.append([])
    sheet.append(
        ["Nr.", "Emri dhe mbiemri", "Gjinia", "Datëlindja", "Bashkia", "Telefoni", "Pëlqimi i prindit", None]
    )
    sheet.append([None, None, None, None, None, None, "Po/Jo", "Dhënë nga"])
    for column in "ABCDEF":
        sheet.merge_cells(f"{column}3:{column}4")
    sheet.merge_cells("G3:H3")
    for number, row in enumerate(ROWS, start=1):
        sheet.append([number, *row])
    for cell in sheet["D"][4:]:
        if isinstance(cell.value, datetime.date):
            cell.number_format = "dd.mm.yyyy"
    sheet.append([])
    path = HERE / "camp-register-shkoder.xlsx"
    workbook.save(path)
    return path


if __name__ == "__main__":
    print(camp_register())
