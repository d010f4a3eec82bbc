"""Exchange with IOM's Human Trafficking Case Data Standard (HTCDS 2.0) spreadsheet.

Export writes selected cases into a copy of IOM's template (`data/htcds/`, CC BY 4.0, attribution
kept on an "About" sheet), one row per case from row 3, columns found by the HTCDS field names of
row 1. Multi-select values are joined with ";" (the template has no separator of its own). The
referral columns are left empty: referrals live in a later room and are exchanged with its own
letters and packages.

Import reads the same layout: a dry run checks every row and reports problems in the user's
language, writing nothing; the import then takes the valid rows of the very same file (its SHA-256
must match the dry run's), each through `person_create`, `case_create` and `consent_record`.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.cases.choices import (
    CaseStatus,
    ClosureReason,
    ControlMethod,
    DecisionOrganisation,
    ExploitationType,
    LabourIndustry,
    RecruitmentMethod,
    SexExploitationType,
    TraffickingStatus,
)
from kujdes.cases.models import Case
from kujdes.cases.services import case_create
from kujdes.core.audit import audit_record
from kujdes.core.models import Unit
from kujdes.people.consent import consent_active, consent_record
from kujdes.people.models import Sex
from kujdes.people.selectors import persons_with_keys
from kujdes.people.services import person_create

if TYPE_CHECKING:
    from kujdes.accounts.models import User

TEMPLATE = Path(__file__).resolve().parent / "data" / "htcds" / "HTCDS_Excel_Spreadsheet_v2.0.xlsx"
NOTICE = Path(__file__).resolve().parent / "data" / "htcds" / "NOTICE.md"
FIRST_ROW = 3
SEPARATOR = ";"
MAX_ROWS = 5000
# Column 36 of the template has a label but no field name.
UNNAMED_COLUMNS = {36: "cas_ReasonForOutgoingReferral"}

# HTCDS field → (Case attribute, picklist, multi-select).
CASE_CODES: dict[str, tuple[str, Any, bool]] = {
    "vic_TraffickingStatus": ("trafficking_status", TraffickingStatus, False),
    "vic_TraffickinStatusDecisionMakingOrg": ("status_decided_by", DecisionOrganisation, False),
    "vic_MethodOfRecruitment": ("recruitment_methods", RecruitmentMethod, True),
    "vic_MethodsOfControl": ("control_methods", ControlMethod, True),
    "vic_TypeOfExploitation": ("exploitation_types", ExploitationType, True),
    "vic_ForcedLabourIndustry": ("labour_industry", LabourIndustry, False),
    "vic_TypeOfSexExploitation": ("sex_exploitation_types", SexExploitationType, True),
}


def _columns(sheet: Any) -> dict[str, int]:
    names = {name: index for index, name in UNNAMED_COLUMNS.items()}
    for cell in sheet[1]:
        if isinstance(cell.value, str) and cell.value.strip():
            names[cell.value.strip()] = cell.column
    return names


# --- export ------------------------------------------------------------------------------------------


def htcds_export(*, actor: User, cases: list[Case]) -> bytes:
    """The cases (already chosen among those the actor may see) as an HTCDS workbook; audited, watermarked."""
    from openpyxl import load_workbook

    workbook = load_workbook(TEMPLATE)
    sheet = workbook.worksheets[0]
    columns = _columns(sheet)
    persons_with_keys([case.person for case in cases])
    for offset, case in enumerate(cases):
        person = case.person
        phones = person.phones or []
        consent = consent_active(person=person, purpose="case_management") is not None
        values: dict[str, Any] = {
            "cas_CaseOwner": case.primary_worker.display_name if case.primary_worker else "",
            "prs_FirstName": person.given_name or "",
            "prs_SecondName": person.family_name or "",
            "con_Consent": "TRUE" if consent else "FALSE",
            "prs_Birthdate": person.date_of_birth,
            "prs_Gender": person.sex,
            "prs_Citizenship": SEPARATOR.join(person.citizenships or []),
            "prs_MobilePhone": phones[0] if phones else "",
            "prs_HomePhone": phones[1] if len(phones) > 1 else "",
            "prs_MailingCity": person.municipality,
            "prs_MailingStreet": person.address or "",
            "prs_MailingCountry": case.organisation.country,
            "cas_Status": case.status,
            "cas_ReasonForCaseClosure": case.closure_reason,
        }
        for name, (attribute, _choices, multiple) in CASE_CODES.items():
            value = getattr(case, attribute)
            values[name] = SEPARATOR.join(value or []) if multiple else value
        row = FIRST_ROW + offset
        sheet.cell(row=row, column=1, value=offset + 1)
        for name, value in values.items():
            if name in columns and value not in (None, ""):
                sheet.cell(row=row, column=columns[name], value=value)
    about = workbook.create_sheet("About")
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")
    about["A1"] = _("Confidential: personal data. Exported by %(user)s at %(time)s.") % {
        "user": actor.username,
        "time": stamp,
    }
    for number, line in enumerate(NOTICE.read_text(encoding="utf-8").splitlines(), start=3):
        about.cell(row=number, column=1, value=line)
    sheet.oddHeader.center.text = f"Kujdes · {actor.username} · {stamp} · " + _("confidential")
    output = io.BytesIO()
    workbook.save(output)
    with transaction.atomic():
        for organisation_id in {case.organisation_id for case in cases}:
            audit_record(
                actor=actor,
                organisation=organisation_id,
                action="case.htcds.exported",
                details={
                    "count": sum(1 for c in cases if c.organisation_id == organisation_id),
                    "cases": [str(c.public_id) for c in cases if c.organisation_id == organisation_id][:500],
                },
            )
    return output.getvalue()


# --- import ------------------------------------------------------------------------------------------


@dataclass
class ImportRow:
    number: int
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    person: dict[str, Any] = field(default_factory=dict)
    case: dict[str, Any] = field(default_factory=dict)
    consent: bool = False

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass
class ImportCheck:
    digest: str
    rows: list[ImportRow]

    @property
    def valid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.valid]

    @property
    def invalid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if not row.valid]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _codes(row: ImportRow, label: str, raw: str, choices: Any, *, multiple: bool) -> Any:
    values = [part.strip() for part in raw.split(SEPARATOR) if part.strip()] if raw else []
    allowed = set(choices.values)
    wrong = [value for value in values if value not in allowed and value.strip() not in allowed]
    if wrong:
        row.errors.append(
            _("%(column)s: “%(value)s” is not a value of the standard; allowed: %(allowed)s.")
            % {"column": label, "value": ", ".join(wrong), "allowed": ", ".join(sorted(allowed))}
        )
    if not multiple and len(values) > 1:
        row.errors.append(_("%(column)s takes one value only.") % {"column": label})
    if multiple:
        return values
    return values[0] if values else ""


def htcds_check(*, upload: bytes) -> ImportCheck:
    """Parse and validate an HTCDS workbook; nothing is written. ValidationError if it is not one."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(upload), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable file gets the same answer
        raise ValidationError(_("This is not an Excel workbook (.xlsx) in the HTCDS layout.")) from None
    sheet = workbook.worksheets[0]
    header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
    columns = {name: index for index, name in UNNAMED_COLUMNS.items()}
    for index, name in enumerate(header, start=1):
        if isinstance(name, str) and name.strip():
            columns[name.strip()] = index
    if "prs_FirstName" not in columns or "vic_TraffickingStatus" not in columns:
        raise ValidationError(_("The first row must hold the HTCDS field names (prs_FirstName, …)."))
    rows: list[ImportRow] = []
    for number, values in enumerate(sheet.iter_rows(min_row=FIRST_ROW, values_only=True), start=FIRST_ROW):
        cells = {
            name: values[index - 1] if index - 1 < len(values) else None for name, index in columns.items()
        }
        if not any(_text(cells.get(name)) for name in columns if name != "cas_CaseOwner"):
            continue  # the template's numbered empty rows
        if len(rows) >= MAX_ROWS:
            raise ValidationError(_("At most %(count)s rows can be imported at once.") % {"count": MAX_ROWS})
        rows.append(_row_check(number, cells))
    return ImportCheck(digest=hashlib.sha256(upload).hexdigest(), rows=rows)


def _row_check(number: int, cells: dict[str, Any]) -> ImportRow:
    row = ImportRow(number=number)
    given = _text(cells.get("prs_FirstName"))
    if not given:
        row.errors.append(_("prs_FirstName: the first name is required."))
    if len(given) > 100 or len(_text(cells.get("prs_SecondName"))) > 100:
        row.errors.append(_("A name is longer than 100 characters."))
    person: dict[str, Any] = {"given_name": given, "family_name": _text(cells.get("prs_SecondName"))[:100]}
    if cells.get("prs_Birthdate") not in (None, ""):
        try:
            born = _date(cells["prs_Birthdate"])
            if born > timezone.localdate():
                raise ValueError(born)
            person["date_of_birth"] = born
        except ValueError:
            row.errors.append(
                _("prs_Birthdate: “%(value)s” is not a date (YYYY-MM-DD).")
                % {"value": _text(cells["prs_Birthdate"])}
            )
    gender = _text(cells.get("prs_Gender"))
    person["sex"] = _codes(row, "prs_Gender", gender, Sex, multiple=False) or Sex.UNKNOWN
    citizenships = [
        part.strip().upper() for part in _text(cells.get("prs_Citizenship")).split(SEPARATOR) if part.strip()
    ]
    if any(len(code) != 2 or not code.isalpha() for code in citizenships):
        row.errors.append(
            _("prs_Citizenship: use two-letter ISO 3166 country codes separated by “;”, e.g. AL;IT.")
        )
    person["citizenships"] = citizenships
    phones = [
        _text(cells.get(name)) for name in ("prs_MobilePhone", "prs_HomePhone") if _text(cells.get(name))
    ]
    person["phones"] = phones
    person["address"] = _text(cells.get("prs_MailingStreet"))[:300]
    row.person = person
    row.consent = _text(cells.get("con_Consent")).upper() in ("TRUE", "1", "YES", "PO", "OUI")
    case: dict[str, Any] = {}
    for name, (attribute, choices, multiple) in CASE_CODES.items():
        case[attribute] = _codes(row, name, _text(cells.get(name)), choices, multiple=multiple)
    status = _text(cells.get("cas_Status")) or CaseStatus.ACTIVE
    case["status"] = _codes(row, "cas_Status", status, CaseStatus, multiple=False) or CaseStatus.ACTIVE
    reason = _text(cells.get("cas_ReasonForCaseClosure"))
    case["closure_reason"] = reason if reason in ClosureReason.values else ("other" if reason else "")
    case["closure_details"] = "" if reason in ClosureReason.values else reason
    if case["status"] in (CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED) and not case["closure_reason"]:
        case["closure_reason"] = ClosureReason.OTHER
    case["case_type"] = "victim_assistance" if case["trafficking_status"] else "prevention"
    row.case = case
    return row


@transaction.atomic
def htcds_import(*, actor: User, unit: Unit, check: ImportCheck) -> list[Case]:
    """Create a person, a case and (where given) the case-management consent for each valid row."""
    today = timezone.localdate()
    created: list[Case] = []
    for row in check.valid_rows:
        person = person_create(actor=actor, unit=unit, **row.person)
        codes = dict(row.case)
        status = codes.pop("status")
        closure_reason = codes.pop("closure_reason")
        closure_details = codes.pop("closure_details")
        case_type = codes.pop("case_type")
        case = case_create(
            actor=actor, person=person, unit=unit, case_type=case_type, opened_on=today, **codes
        )
        if status != CaseStatus.ACTIVE:
            closed = status in (CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED)
            case.status = status
            case.closure_reason = closure_reason if closed else ""
            case.closure_details = closure_details if closed else ""
            case.closed_on = today if closed else None
            case.save(update_fields=["status", "closure_reason", "closure_details", "closed_on"])
        if row.consent:
            consent_record(
                actor=actor,
                person=person,
                purpose="case_management",
                given_by="self",
                method="written",
                given_on=today,
            )
        created.append(case)
    audit_record(
        actor=actor,
        organisation=unit.organisation_id,
        action="case.htcds.imported",
        unit=unit,
        details={"count": len(created), "rows_refused": len(check.invalid_rows), "digest": check.digest},
    )
    return created
