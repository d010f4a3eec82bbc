"""The screening forms Kujdes ships, built from the organisation's own instruments.

`kujdes_risk_screening` asks the indicators of the organisation's active prevention risk
instrument(s); `kujdes_ilo_screening` lets the worker choose one of the active ILO/EC lists, then
asks its indicators. Each dimension of an instrument is one `select_multiple` question; a choice's
name is the indicator's code (codes are `[a-z][a-z0-9_]*`, already valid XLSForm names; any other
code gets a reversible `x_<hex>` name: `indicator_choice_name` / `indicator_code`). A dimension's
question is named `ind__<instrument>__<dimension>` (`dimension_field`), so the mapper finds every
indicator answer of the chosen instrument by that prefix.

The form is built from each instrument's CURRENT version; the form's version names those instrument
versions, so that a change of an instrument makes a new form version. Labels come in Albanian,
English and French (`label::Shqip (sq)` …), Albanian first.
"""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kujdes.fieldsync.shipped.registry import shipped_form
from kujdes.people.models import Sex
from kujdes.screening.engine import label_in
from kujdes.screening.models import Instrument, InstrumentKind
from kujdes.screening.selectors import instruments_with_current_version

LANGUAGES = (("sq", "Shqip (sq)"), ("en", "English (en)"), ("fr", "Français (fr)"))
# Bumped when the layout of the shipped forms changes (part of the form version).
LAYOUT = 1
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _slug(code: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", code.lower())


def indicator_choice_name(code: str) -> str:
    """The XLSForm choice name of an indicator code (reversible: `indicator_code`)."""
    if _NAME.match(code) and not code.startswith("x_"):
        return code
    return "x_" + code.encode().hex()


def indicator_code(name: str) -> str:
    if name.startswith("x_"):
        try:
            return bytes.fromhex(name[2:]).decode()
        except ValueError:
            return name
    return name


def dimension_prefix(instrument_code: str) -> str:
    return f"ind__{_slug(instrument_code)}__"


def dimension_field(instrument_code: str, dimension_code: str) -> str:
    return dimension_prefix(instrument_code) + _slug(dimension_code)


def _labels(value: Any) -> list[str]:
    """A label in each language: a {"sq": …} dict from an instrument, or a lazy translatable string."""
    if isinstance(value, dict):
        return [label_in(value, code) or "" for code, _name in LANGUAGES]
    out = []
    for code, _name in LANGUAGES:
        with translation.override(code):
            out.append(str(value))
    return out


class _Sheet:
    """The rows of a form as we write them; columns by name, labels in every language."""

    COLUMNS = ("type", "name", "label", "required", "relevant", "constraint", "constraint_message",
               "appearance", "calculation", "hint")  # fmt: skip

    def __init__(self) -> None:
        self.survey: list[dict[str, Any]] = []
        self.choices: list[tuple[str, str, list[str]]] = []

    def row(self, type_: str, name: str, label: Any = "", **columns: Any) -> None:
        self.survey.append({"type": type_, "name": name, "label": label, **columns})

    def choice(self, list_name: str, name: str, label: Any) -> None:
        self.choices.append((list_name, name, _labels(label)))

    def xlsx(self, *, form_id: str, version: str, title: Any) -> bytes:
        book = openpyxl.Workbook()
        survey = book.active
        survey.title = "survey"
        header: list[str] = []
        for column in self.COLUMNS:
            if column in ("label", "hint", "constraint_message"):
                header += [f"{column}::{name}" for _code, name in LANGUAGES]
            else:
                header.append(column)
        survey.append(header)
        for row in self.survey:
            cells: list[Any] = []
            for column in self.COLUMNS:
                value = row.get(column, "")
                if column in ("label", "hint", "constraint_message"):
                    cells += _labels(value) if value else ["", "", ""]
                else:
                    cells.append(value)
            survey.append(cells)
        choices = book.create_sheet("choices")
        choices.append(["list_name", "name", *(f"label::{name}" for _code, name in LANGUAGES)])
        for list_name, name, labels in self.choices:
            choices.append([list_name, name, *labels])
        settings = book.create_sheet("settings")
        settings.append(["form_id", "version", "form_title", "default_language"])
        # XLSForm has one title, not one per language: the default language's.
        settings.append([form_id, version, _labels(title)[0], LANGUAGES[0][1]])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def person_questions(sheet: _Sheet) -> None:
    """The person choice of the field contract: one from persons.csv, or a new person's identity."""
    sheet.row(
        "select_one person_mode",
        "person_mode",
        _("Is the person on the list of participants?"),
        required="yes",
    )
    sheet.choice("person_mode", "existing", _("Yes, choose from the list"))
    sheet.choice("person_mode", "new", _("No, a new person"))
    new = "${person_mode} = 'new'"
    sheet.row(
        "select_one_from_file persons.csv",
        "person",
        _("Person"),
        required="yes",
        relevant="${person_mode} = 'existing'",
        appearance="autocomplete",
    )
    sheet.row("text", "given_name", _("Given name"), required="yes", relevant=new)
    sheet.row("text", "family_name", _("Family name"), relevant=new)
    sheet.row("select_one sex", "sex", _("Sex"), relevant=new)
    for code, label in Sex.choices:
        sheet.choice("sex", code, label)
    sheet.row(
        "integer",
        "birth_year",
        _("Year of birth"),
        relevant=new,
        constraint=". >= 1900 and . <= 2100",
        constraint_message=_("A year such as 2008."),
    )
    sheet.row("text", "municipality", _("Municipality"), relevant=new)
    sheet.row("text", "phone", _("Phone"), relevant=new, appearance="numbers")


def _screening_form(organisation: Any, *, kind: str, form_id: str, title: Any) -> bytes:
    instruments = [
        i
        for i in instruments_with_current_version(
            Instrument.objects.filter(organisation=organisation, kind=kind, is_active=True).order_by("code")
        )
        if i.current is not None  # type: ignore[attr-defined]
    ]
    sheet = _Sheet()
    person_questions(sheet)
    sheet.row(
        "date",
        "performed_on",
        _("Date of the screening"),
        required="yes",
        constraint=". <= today()",
        constraint_message=_("The date of the screening cannot be in the future."),
    )
    sheet.row(
        "select_one age_group",
        "age_group",
        _("Age on the day of the screening"),
        hint=_("Needed only when the year of birth is not known."),
    )
    sheet.choice("age_group", "adult", _("Adult (18 and over)"))
    sheet.choice("age_group", "child", _("Child (under 18)"))
    if len(instruments) == 1:
        sheet.row("calculate", "instrument", "", calculation=f"'{instruments[0].code}'")
    else:
        sheet.row("select_one instrument", "instrument", _("List of indicators"), required="yes")
        for instrument in instruments:
            sheet.choice("instrument", instrument.code, instrument.name)
    for instrument in instruments:
        definition = instrument.current.definition  # type: ignore[attr-defined]
        group = f"g_{_slug(instrument.code)}"
        sheet.row("begin group", group, instrument.name, relevant=f"${{instrument}} = '{instrument.code}'")
        for dimension in definition.get("dimensions", []):
            list_name = f"c_{_slug(instrument.code)}__{_slug(dimension['code'])}"
            sheet.row(
                f"select_multiple {list_name}",
                dimension_field(instrument.code, dimension["code"]),
                dimension.get("label") or dimension["code"],
            )
            for indicator in dimension.get("indicators", []):
                sheet.choice(
                    list_name,
                    indicator_choice_name(indicator["code"]),
                    indicator.get("label") or indicator["code"],
                )
        sheet.row("end group", group)
    sheet.row("text", "notes", _("Notes"), appearance="multiline")
    versions = ".".join(f"{i.current.pk}" for i in instruments)  # type: ignore[attr-defined]
    return sheet.xlsx(form_id=form_id, version=f"{LAYOUT}.{versions or 0}", title=title)


@shipped_form("kujdes_risk_screening")
def risk_screening_form(organisation: Any) -> bytes:
    return _screening_form(
        organisation, kind=InstrumentKind.RISK, form_id="kujdes_risk_screening", title=_("Risk screening")
    )


@shipped_form("kujdes_ilo_screening")
def ilo_screening_form(organisation: Any) -> bytes:
    return _screening_form(
        organisation, kind=InstrumentKind.ILO, form_id="kujdes_ilo_screening", title=_("ILO/EC indicators")
    )
