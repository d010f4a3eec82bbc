"""Writes the sample spreadsheets of docs/import.md from synthetic names (no real person):

    .venv/bin/python docs/import-samples/make_samples.py

camp-register-shkoder.xlsx: an Albanian summer-camp register as paper registers are typed up, with a
title row, a blank row, a header of two rows (the parent's consent merged over two columns), full
names in one column, "Femër"/"M" for sex, municipalities in their definite forms ("Shkodra"),
dates as 12.03.2009 text, Excel dates and "Po"/"Jo".

case-register-fr.xlsx: a French-speaking partner's case register: a title row, a header of two rows
("Services reçus" merged over a column per service), family and given names apart, "F"/"femme"/"H",
dates as 3/12/19 text and as Excel date cells, nationalities and exploitation types in French, a
service given as a date, "x" or "oui".

attendance-grid.xlsx: a paper attendance register typed up: a title row, participants down, the
session dates across as the register writes them ("7 tetor", "14 tetor", a date cell), marks "x",
"P", "mungon" or blank.
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


CASES = [
    # family, given, sex, born, nationality, commune, opened, status, exploitation, services (5 columns)
    (
        "Hoxha",
        "Drita",
        "F",
        "12/03/2001",
        "albanaise",
        "Tirana",
        "3/12/19",
        "victime potentielle",
        "Exploitation sexuelle",
        ("x", "15/12/19", "x", "", ""),
    ),
    (
        "Leka",
        "Mira",
        "femme",
        datetime.date(1999, 11, 2),
        "Albanaise",
        "Durrës",
        "25/11/19",
        "victime officielle",
        "travail forcé; mendicité",
        ("", "oui", "x", "20/12/19", ""),
    ),
    (
        "Marku",
        "Elira",
        "F",
        "05/06/2003",
        "kosovare",
        "Shkodra",
        datetime.date(2020, 1, 14),
        "à risque",
        "aucune",
        ("", "", "", "", "x"),
    ),
    (
        "Gashi",
        "Arta",
        "Femme",
        "30/08/1998",
        "albanaise",
        "Elbasan",
        "2/3/20",
        "victime potentielle",
        "mariage forcé",
        ("x", "x", "", "", ""),
    ),
    (
        "Berisha",
        "Besnik",
        "H",
        "17/10/2002",
        "albanaise",
        "Lezha",
        "16/4/20",
        "victime potentielle",
        "Travail forcé",
        ("", "16/4/20", "", "", "x"),
    ),
    (
        "Dervishi",
        "Flora",
        "F",
        datetime.date(2000, 1, 21),
        "Albanaise",
        "Fier",
        "3/6/20",
        "victime officielle",
        "exploitation sexuelle; travail forcé",
        ("3/6/20", "x", "x", "x", ""),
    ),
]
SERVICES = ("Hébergement", "Santé", "Soutien psychologique", "Aide juridique", "Formation professionnelle")


def case_register() -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Dossiers 2019-2020"
    sheet["A1"] = "Registre des dossiers — Accueil et protection, 2019–2020"
    sheet.merge_cells("A1:O1")
    sheet.append(
        [
            "N°",
            "Nom",
            "Prénom",
            "Sexe",
            "Né(e) le",
            "Nationalité",
            "Commune",
            "Date d'ouverture",
            "Statut",
            "Type d'exploitation",
            "Services reçus",
            None,
            None,
            None,
            None,
        ]
    )
    sheet.append([None] * 10 + list(SERVICES))
    for column in "ABCDEFGHIJ":
        sheet.merge_cells(f"{column}2:{column}3")
    sheet.merge_cells("K2:O2")
    for number, (
        family,
        given,
        sex,
        born,
        nationality,
        commune,
        opened,
        status,
        kinds,
        services,
    ) in enumerate(CASES, start=1):
        sheet.append(
            [number, family, given, sex, born, nationality, commune, opened, status, kinds, *services]
        )
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "dd/mm/yyyy"
    path = HERE / "case-register-fr.xlsx"
    workbook.save(path)
    return path


# The sessions of "Kursi i rrobaqepësisë, Lezhë 2019" (1 October – 20 December 2019), as typed.
SESSION_HEADERS = ("7 tetor", "14 tetor", datetime.date(2019, 10, 21), "28 tetor", "4 nëntor")
ATTENDANCE = [
    # name, year of birth, marks
    ("Drita Hoxha", 2001, ("x", "x", "P", "mungon", "x")),
    ("Mira Leka", 1999, ("x", None, "x", "x", "x")),
    ("Elira Marku", 2003, ("P", "P", "mungon", "P", None)),
    ("Arta Gashi", 1998, ("x", "x", "x", "x", "x")),
    ("Blerta Kola", 2004, (None, "x", "x", "mungon", "x")),
    ("Anisa Vata", 2002, ("x", "mungon", None, "x", "P")),
]


def attendance_grid() -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Prezenca"
    sheet["A1"] = "Regjistri i prezencës — Kursi i rrobaqepësisë, Lezhë 2019"
    sheet.merge_cells("A1:H1")
    sheet.append([])
    sheet.append(["Nr.", "Emri e mbiemri", "Viti i lindjes", *SESSION_HEADERS])
    sheet.cell(row=3, column=6).number_format = "dd.mm.yyyy"
    for number, (name, year, marks) in enumerate(ATTENDANCE, start=1):
        sheet.append([number, name, year, *marks])
    path = HERE / "attendance-grid.xlsx"
    workbook.save(path)
    return path


if __name__ == "__main__":
    print(camp_register())
    print(case_register())
    print(attendance_grid())
