"""Exchange with IOM's Human Trafficking Case Data Standard (HTCDS 2.0) spreadsheet.

Export writes chosen cases into a copy of IOM's template (`data/htcds/`, CC BY 4.0; the notice is
copied to an "About" sheet), one row per case from row 3; columns are found by the HTCDS field
names of row 1 (the template's labels in row 2 are shifted for the address columns, the names are
right). Codes are the standard's value names (Kujdes stores them so); multi-select values are
joined with ";" (Salesforce's separator for multi-select picklists, which HTCDS is modelled on).

Import reads the same layout, and also the standard's single-select variant with English labels
("Debt bondage", "Follow up"): a dry run checks every row and reports problems in the user's
language, writing nothing; the import then takes the valid rows of the very same file (its SHA-256
must match the dry run's), each through `person_create`, `case_create` and `consent_record`, in
one transaction. See docs/htcds.md for the mapping.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import re
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.cases.choices import (
    CaseStatus,
    CaseType,
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
from kujdes.cases.selectors import cases_for_actor
from kujdes.cases.services import case_create
from kujdes.core.audit import audit_record
from kujdes.core.crypto import name_tokens, normalise_text
from kujdes.core.files import XLSX, content_type_detect
from kujdes.core.models import Unit
from kujdes.people.consent import consent_record
from kujdes.people.models import Consent, ConsentGivenBy, ConsentMethod, ConsentPurpose, Sex
from kujdes.people.selectors import municipalities_for_organisation, person_search, persons_with_keys
from kujdes.people.services import COUNTRY_CODES, person_create

if TYPE_CHECKING:
    from kujdes.accounts.models import User

DATA = Path(__file__).resolve().parent / "data" / "htcds"
TEMPLATE = DATA / "HTCDS_Excel_Spreadsheet_v2.0.xlsx"
NOTICE = DATA / "NOTICE.md"
FIRST_ROW = 3
SEPARATOR = ";"
MAX_ROWS = 2000
EXPORT_LIMIT = 1000
NAME_LIMIT = 100
TEXT_LIMIT = 300
# A workbook is a ZIP: refuse archives that unpack to more than this (a "zip bomb").
UNPACKED_LIMIT = 60_000_000

# Column 36 of IOM's template has a label ("Reason for Outgoing Referral") but no field name.
UNNAMED_COLUMNS = {36: "cas_ReasonForOutgoingReferral"}
# Other spellings of field names: the template's typo and the XLSForm's name.
FIELD_ALIASES = {
    "vic_TraffickinStatusDecisionMakingOrg": "vic_TraffickingStatusDecisionMakingOrg",
    "vic_Methods_of_Control": "vic_MethodsOfControl",
    "prs_First_Name": "prs_FirstName",
    "prs_Second_Name": "prs_SecondName",
}


@dataclass(frozen=True)
class Picklist:
    """An HTCDS picklist column and the Case attribute holding its code(s)."""

    attribute: str
    choices: type[TextChoices]
    multiple: bool


# HTCDS field → Case attribute. The codes are the standard's value names.
CASE_PICKLISTS: dict[str, Picklist] = {
    "vic_TraffickingStatus": Picklist("trafficking_status", TraffickingStatus, False),
    "vic_TraffickingStatusDecisionMakingOrg": Picklist("status_decided_by", DecisionOrganisation, False),
    "vic_MethodOfRecruitment": Picklist("recruitment_methods", RecruitmentMethod, True),
    "vic_MethodsOfControl": Picklist("control_methods", ControlMethod, True),
    "vic_TypeOfExploitation": Picklist("exploitation_types", ExploitationType, True),
    "vic_ForcedLabourIndustry": Picklist("labour_industry", LabourIndustry, False),
    "vic_TypeOfSexExploitation": Picklist("sex_exploitation_types", SexExploitationType, True),
}

# English labels of IOM's single-select variant that do not fold to their value names
# (others do: "Debt bondage " → DebtBondage, "Follow up" → FollowUp).
LABEL_ALIASES: dict[str, str] = {
    "Threats of law enforcement": ControlMethod.THREATS_LAW_ENFORCEMENT,
    "Water supply; sewerage, waste management and remediation": LabourIndustry.E,
    "Wholesale and retail trade; repair of motor vehicles and motorcycles": LabourIndustry.G,
    "Public administration and defence; compulsory social security": LabourIndustry.O,
    "Activities of households as employers; undifferentiated goods- and services- producing activities "
    "of households for own use": LabourIndustry.T,
    "Activities of extraterritorial organizations and bodies": LabourIndustry.U,
    "Not Specified/Unknown": Sex.UNKNOWN,
    "Female": Sex.FEMALE,
    "Male": Sex.MALE,
}

# The referral columns (HTCDS cas_*): who referred her to the organisation, and where it referred her.
REFERRAL_COLUMNS: dict[str, dict[str, str]] = {
    "INCOMING": {
        "organisation": "cas_ReferringOrganisation",
        "date": "cas_IncomingReferralDate",
        "reason": "cas_ReasonForIncomingReferral",
        "details": "cas_IncomingReferralDetails",
    },
    "OUTGOING": {
        "organisation": "cas_ReferredOrganisation",
        "date": "cas_OutgoingReferralDate",
        "reason": "cas_ReasonForOutgoingReferral",
        "details": "cas_OutgoingReferralDetails",
    },
}

# Columns the import reads; any other filled column is reported as not imported.
IMPORTED_COLUMNS = frozenset(
    {
        "prs_FirstName",
        "prs_SecondName",
        "con_Consent",
        "prs_Birthdate",
        "prs_Gender",
        "prs_Citizenship",
        "prs_HomePhone",
        "prs_MobilePhone",
        "prs_MailingStreet",
        "prs_MailingCity",
        "prs_MailingState",
        "prs_MailingPostalCode",
        "prs_MailingCountry",
        "cas_Status",
        "cas_ReasonForCaseClosure",
        *CASE_PICKLISTS,
        *(column for columns in ("INCOMING", "OUTGOING") for column in REFERRAL_COLUMNS[columns].values()),
    }
)

TRUE_WORDS = frozenset({"true", "yes", "1", "po", "oui", "x"})
FALSE_WORDS = frozenset({"false", "no", "0", "jo", "non", ""})


class HtcdsFileRefused(ValueError):
    """The upload is not an HTCDS workbook that can be read; the message is for the user, translated."""


class HtcdsImportFailed(Exception):
    """A row failed at import although the dry run passed it (nothing was written)."""

    def __init__(self, number: int, messages: list[str]) -> None:
        super().__init__(number)
        self.number = number
        self.messages = messages


def _fold(value: str) -> str:
    """Case, diacritics, spaces and punctuation ignored: "Debt bondage " and "DebtBondage" are alike."""
    return re.sub(r"[^0-9a-z]", "", normalise_text(value))


def _lookup(choices: type[TextChoices]) -> dict[str, str]:
    """Folded spelling → code: the value name, IOM's label, an ISIC letter for the industry."""
    table: dict[str, str] = {}
    for code in choices.values:
        table[_fold(code)] = code
        if choices is LabourIndustry:
            letter, _sep, name = code.partition("_")
            table[_fold(letter)] = code
            table[_fold(name)] = code
    for label, code in LABEL_ALIASES.items():
        if code in choices.values:
            table[_fold(label)] = code
    return table


LOOKUPS: dict[type[TextChoices], dict[str, str]] = {
    choices: _lookup(choices) for choices in [Sex, CaseStatus, *(p.choices for p in CASE_PICKLISTS.values())]
}


# --- export ------------------------------------------------------------------------------------------


@dataclass
class HtcdsExport:
    content: bytes
    filename: str
    count: int


def _header(sheet: Any) -> dict[str, int]:
    columns = dict((name, index) for index, name in UNNAMED_COLUMNS.items())
    for cell in sheet[1]:
        if isinstance(cell.value, str) and cell.value.strip():
            name = cell.value.strip()
            columns[FIELD_ALIASES.get(name, name)] = cell.column
    return columns


def _latest_referrals(cases: list[Case]) -> dict[int, dict[str, Any]]:
    """Per case, its latest incoming and outgoing referral (cancelled ones left out), in one query."""
    from kujdes.referrals.models import Referral, ReferralDirection, ReferralStatus

    by_pk = {case.pk: case for case in cases}
    latest: dict[int, dict[str, Any]] = {}
    referrals = (
        Referral.objects.filter(case_id__in=list(by_pk))
        .exclude(status=ReferralStatus.CANCELLED)
        .select_related("to_provider", "to_unit", "from_provider")
        .order_by("-referred_on", "-created_at")
    )
    for referral in referrals:
        referral.case = by_pk[referral.case_id]  # the person's key is loaded already
        key = "incoming" if referral.direction == ReferralDirection.INCOMING else "outgoing"
        latest.setdefault(referral.case_id, {}).setdefault(key, referral)
    return latest


def _referral_values(referrals: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    incoming = referrals.get("incoming")
    if incoming is not None:
        values.update(
            {
                "cas_ReferringOrganisation": incoming.from_provider.name if incoming.from_provider else "",
                "cas_IncomingReferralDate": incoming.responded_on or incoming.referred_on,
                "cas_ReasonForIncomingReferral": incoming.reason,
                "cas_IncomingReferralDetails": incoming.details or "",
            }
        )
    outgoing = referrals.get("outgoing")
    if outgoing is not None:
        receiver = outgoing.to_provider.name if outgoing.to_provider else ""
        if outgoing.to_unit is not None:
            receiver = outgoing.to_unit.name
        values.update(
            {
                "cas_ReferredOrganisation": receiver,
                "cas_ReferredPrimaryCaseWorker": outgoing.contact_person,
                "cas_ReasonForOutgoingReferral": outgoing.reason,
                "cas_OutgoingReferralDate": outgoing.referred_on,
                "cas_OutgoingReferralDetails": outgoing.details or "",
            }
        )
    return values


def _case_values(case: Case, *, consented: bool, referrals: dict[str, Any]) -> dict[str, Any]:
    person = case.person
    phones = [str(phone) for phone in person.phones or []]
    address = person.address or ""
    values: dict[str, Any] = {
        "cas_CaseOwner": case.primary_worker.display_name if case.primary_worker else "",
        "prs_FirstName": person.given_name or "",
        "prs_SecondName": person.family_name or "",
        "con_Consent": consented,
        "prs_Birthdate": person.date_of_birth,
        "prs_Gender": person.sex,
        "prs_Citizenship": SEPARATOR.join(person.citizenships or []),
        "prs_MobilePhone": phones[0] if phones else "",
        "prs_HomePhone": SEPARATOR.join(phones[1:]),
        "prs_MailingStreet": address,
        "prs_MailingCity": person.municipality,
        # Kujdes keeps no country of residence: the municipality and address are of the organisation's.
        "prs_MailingCountry": case.organisation.country if (address or person.municipality) else "",
        "cas_Status": case.status,
        "cas_ReasonForCaseClosure": case.closure_reason if not case.is_open else "",
    }
    for name, picklist in CASE_PICKLISTS.items():
        value = getattr(case, picklist.attribute)
        values[name] = SEPARATOR.join(value or []) if picklist.multiple else value
    values.update(_referral_values(referrals))
    return values


def _cell_write(sheet: Any, row: int, column: int, value: Any) -> None:
    if value is None or value == "":
        return
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, datetime.date):
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, str):
        # Text stays text: openpyxl would make "=…" a formula (a name or a note must never run).
        cell.data_type = "s"


def htcds_export(*, actor: User, case_ids: Iterable[uuid.UUID | str]) -> HtcdsExport:
    """The chosen cases as an HTCDS workbook: audited (ids and count), watermarked.

    Only cases the actor may see are exported; other ids are left out exactly like unknown ones.
    Raises ValidationError when none of the ids is one of the actor's cases.
    """
    from openpyxl import load_workbook
    from openpyxl.comments import Comment

    ids: set[uuid.UUID] = set()
    for value in case_ids:
        try:
            ids.add(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
        except ValueError:
            continue  # not an id at all: left out like a foreign one
    cases = list(
        cases_for_actor(actor=actor)
        .filter(public_id__in=sorted(ids)[: EXPORT_LIMIT * 2])
        .select_related("person", "primary_worker", "organisation")
        .order_by("opened_on", "pk")[:EXPORT_LIMIT]
    )
    if not cases:
        raise ValidationError(_("Choose at least one case."))
    persons_with_keys([case.person for case in cases])
    consented = set(
        Consent.objects.filter(
            person_id__in=[case.person_id for case in cases],
            purpose=ConsentPurpose.CASE_MANAGEMENT,
            withdrawn_on__isnull=True,
        ).values_list("person_id", flat=True)
    )
    referrals = _latest_referrals(cases)

    workbook = load_workbook(TEMPLATE)
    sheet = workbook.worksheets[0]
    columns = _header(sheet)
    for offset, case in enumerate(cases):
        values = _case_values(
            case, consented=case.person_id in consented, referrals=referrals.get(case.pk, {})
        )
        for name, value in values.items():
            if name in columns:
                _cell_write(sheet, FIRST_ROW + offset, columns[name], value)

    now = timezone.localtime()
    stamp = now.strftime("%Y-%m-%d %H:%M %Z")
    watermark = _("Exported by %(user)s at %(time)s — confidential: personal data.") % {
        "user": actor.username,
        "time": stamp,
    }
    sheet["A1"].comment = Comment(watermark, "Kujdes")
    sheet.oddHeader.center.text = watermark
    sheet.oddFooter.center.text = watermark
    workbook.properties.creator = "Kujdes"
    workbook.properties.lastModifiedBy = actor.username
    workbook.properties.title = "HTCDS 2.0"
    workbook.properties.description = watermark
    about = workbook.create_sheet("About")
    about["A1"] = watermark
    for number, line in enumerate(NOTICE.read_text(encoding="utf-8").splitlines(), start=3):
        about.cell(row=number, column=1, value=line)
    output = io.BytesIO()
    workbook.save(output)

    with transaction.atomic():
        for organisation_id in sorted({case.organisation_id for case in cases}):
            exported = [case for case in cases if case.organisation_id == organisation_id]
            audit_record(
                actor=actor,
                organisation=organisation_id,
                action="case.htcds.exported",
                details={"count": len(exported), "cases": [str(case.public_id) for case in exported]},
            )
    return HtcdsExport(content=output.getvalue(), filename=f"htcds-{now:%Y%m%d-%H%M}.xlsx", count=len(cases))


# --- import: reading and checking ---------------------------------------------------------------------


@dataclass
class ImportRow:
    number: int
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    person: dict[str, Any] = field(default_factory=dict)
    case: dict[str, Any] = field(default_factory=dict)
    consent: bool = False
    duplicate: bool = False
    # "incoming"/"outgoing" → {provider or unit, date, reason, details}, from the referral columns.
    referrals: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        return "warning" if self.warnings else "valid"


@dataclass
class ImportCheck:
    digest: str
    rows: list[ImportRow]
    # Filled columns that Kujdes does not import (the case owner, referrals, e-mail…).
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def valid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.valid]

    @property
    def invalid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if not row.valid]

    @property
    def duplicate_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.valid and row.duplicate]

    @property
    def reported_rows(self) -> list[ImportRow]:
        """Rows with something to say (errors or warnings), for the report table."""
        return [row for row in self.rows if row.errors or row.warnings]

    def rows_to_import(self, *, include_duplicates: bool) -> list[ImportRow]:
        return [row for row in self.valid_rows if include_duplicates or not row.duplicate]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return str(value).strip()


def _date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    text = value.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _workbook_open(upload: bytes) -> Any:
    """openpyxl's read-only workbook, or HtcdsFileRefused with a message the user understands."""
    from openpyxl import load_workbook

    not_xlsx = _("This is not an Excel workbook (.xlsx). Save the spreadsheet as .xlsx and try again.")
    limit = settings.UPLOAD_MAX_BYTES
    if len(upload) > limit:
        raise HtcdsFileRefused(
            _("The file is too large (%(size)s MB). The limit is %(limit)s MB.")
            % {"size": round(len(upload) / 1_000_000, 1), "limit": round(limit / 1_000_000)}
        )
    if not upload:
        raise HtcdsFileRefused(_("The file is empty."))
    stream = io.BytesIO(upload)
    if content_type_detect(upload[:16], stream) != XLSX:
        raise HtcdsFileRefused(not_xlsx)
    try:
        with zipfile.ZipFile(stream) as archive:
            if sum(member.file_size for member in archive.infolist()) > UNPACKED_LIMIT:
                raise HtcdsFileRefused(_("This workbook is too large to be read."))
        return load_workbook(io.BytesIO(upload), read_only=True, data_only=True)
    except HtcdsFileRefused:
        raise
    except Exception:  # noqa: BLE001 - a damaged workbook fails in many ways; the user gets one answer
        raise HtcdsFileRefused(not_xlsx) from None


def _sheet_find(workbook: Any) -> tuple[Any, dict[str, int]]:
    """The first sheet whose first row holds HTCDS field names, and its columns."""
    for sheet in workbook.worksheets[:10]:
        header = next(sheet.iter_rows(min_row=1, max_row=1, max_col=200, values_only=True), ())
        columns: dict[str, int] = {}
        for index, name in enumerate(header, start=1):
            if isinstance(name, str) and name.strip():
                columns[FIELD_ALIASES.get(name.strip(), name.strip())] = index
        if "prs_FirstName" in columns:
            for index, name in UNNAMED_COLUMNS.items():
                if len(header) >= index and header[index - 1] is None:
                    columns.setdefault(name, index)
            return sheet, columns
    raise HtcdsFileRefused(
        _("No sheet has the HTCDS field names (prs_FirstName, vic_TraffickingStatus, …) in its first row.")
    )


def _place(unit: Unit) -> _Place:
    from kujdes.referrals.models import ServiceProvider

    providers = ServiceProvider.objects.filter(organisation_id=unit.organisation_id, is_active=True)
    units = Unit.objects.filter(organisation_id=unit.organisation_id, is_active=True).exclude(pk=unit.pk)
    return _Place(
        home=unit.organisation.country,
        municipalities=municipalities_for_organisation(organisation_id=unit.organisation_id),
        providers={_fold(provider.name): provider for provider in providers},
        units={_fold(other.name): other for other in units},
    )


def htcds_row_read(*, unit: Unit, cells: dict[str, Any]) -> ImportRow:
    """One record by HTCDS field name (IOM's XLSForm sent from a phone: kujdes.fieldsync), checked as
    a row of the import is; nothing is written."""
    return _row_check(
        1, {FIELD_ALIASES.get(name, name): value for name, value in cells.items()}, place=_place(unit)
    )


def htcds_check(*, actor: User, unit: Unit, upload: bytes) -> ImportCheck:
    """Read and check an HTCDS workbook for an import into `unit`; nothing is written.

    Raises HtcdsFileRefused when the file cannot be read as one. Row messages are in the active language.
    """
    workbook = _workbook_open(upload)
    place = _place(unit)
    try:
        sheet, columns = _sheet_find(workbook)
        last_column = max(columns.values())
        rows: list[ImportRow] = []
        filled: set[str] = set()
        iterator = sheet.iter_rows(min_row=FIRST_ROW, max_col=last_column, values_only=True)
        for number, values in enumerate(iterator, start=FIRST_ROW):
            cells = {
                name: values[index - 1] if index - 1 < len(values) else None
                for name, index in columns.items()
            }
            present = {name for name, value in cells.items() if _text(value)}
            if not present:
                continue  # an empty row (the template numbers its rows in column A, which has no name)
            if len(rows) >= MAX_ROWS:
                raise HtcdsFileRefused(
                    _("At most %(count)s rows can be imported at once. Split the file.") % {"count": MAX_ROWS}
                )
            filled |= present
            rows.append(_row_check(number, cells, place=place))
    finally:
        workbook.close()
    _duplicates_flag(actor=actor, unit=unit, rows=rows)
    ignored = sorted(filled - IMPORTED_COLUMNS, key=lambda name: columns[name])
    return ImportCheck(digest=hashlib.sha256(upload).hexdigest(), rows=rows, ignored_columns=ignored)


def _codes(row: ImportRow, column: str, raw: Any, choices: type[TextChoices], *, multiple: bool) -> Any:
    """The code(s) of a picklist cell. A cell may hold value names or IOM's labels, several of them
    separated by ";" (or by spaces or commas, as XLSForm exports do)."""
    text = _text(raw)
    table = LOOKUPS[choices]
    found: list[str] = []
    wrong: list[str] = []
    if text:
        whole = table.get(_fold(text))
        parts = [whole] if whole else [part.strip() for part in text.split(SEPARATOR) if part.strip()]
        for part in parts:
            code = table.get(_fold(part))
            if code is None:
                pieces = [table.get(_fold(piece)) for piece in re.split(r"[\s,]+", part) if piece]
                if pieces and all(pieces):
                    found.extend(piece for piece in pieces if piece)
                    continue
                wrong.append(part)
            else:
                found.append(code)
    if wrong:
        row.errors.append(
            _("%(column)s: “%(value)s” is not a value of the standard. Allowed: %(allowed)s.")
            % {"column": column, "value": "; ".join(wrong)[:200], "allowed": ", ".join(choices.values)}
        )
    found = list(dict.fromkeys(found))
    if not multiple:
        if len(found) > 1:
            row.errors.append(_("%(column)s: give one value only.") % {"column": column})
        return found[0] if found else ""
    return found


def _limited(row: ImportRow, column: str, value: str, limit: int) -> str:
    if len(value) > limit:
        row.errors.append(
            _("%(column)s: keep it under %(limit)s characters.") % {"column": column, "limit": limit}
        )
    return value[:limit]


@dataclass(frozen=True)
class _Place:
    home: str  # the organisation's country
    municipalities: tuple[str, ...] | None  # its municipality list, None where free text
    # The organisation's service directory and its other units, by folded name (referral columns).
    providers: dict[str, Any] = field(default_factory=dict)
    units: dict[str, Any] = field(default_factory=dict)


def _row_check(number: int, cells: dict[str, Any], *, place: _Place) -> ImportRow:
    row = ImportRow(number=number)
    person: dict[str, Any] = {}

    given = _limited(row, "prs_FirstName", _text(cells.get("prs_FirstName")), NAME_LIMIT)
    if not given:
        row.errors.append(_("prs_FirstName: the first name is required."))
    person["given_name"] = given
    person["family_name"] = _limited(row, "prs_SecondName", _text(cells.get("prs_SecondName")), NAME_LIMIT)

    born = cells.get("prs_Birthdate")
    if _text(born):
        try:
            date = _date(born)
            if not datetime.date(1900, 1, 1) <= date <= timezone.localdate():
                raise ValueError(date)
            person["date_of_birth"] = date
        except ValueError:
            row.errors.append(
                _("prs_Birthdate: “%(value)s” is not a date of birth (YYYY-MM-DD or DD.MM.YYYY).")
                % {"value": _text(born)[:40]}
            )

    person["sex"] = _codes(row, "prs_Gender", cells.get("prs_Gender"), Sex, multiple=False) or Sex.UNKNOWN

    codes = [part.upper() for part in re.split(r"[;,\s]+", _text(cells.get("prs_Citizenship"))) if part]
    unknown = [code for code in codes if code not in COUNTRY_CODES]
    if unknown:
        row.errors.append(
            _("prs_Citizenship: “%(value)s” is not an ISO 3166 country code (two letters, e.g. AL or IT).")
            % {"value": ", ".join(unknown)[:100]}
        )
    person["citizenships"] = list(dict.fromkeys(code for code in codes if code in COUNTRY_CODES))

    phones: list[str] = []
    for column in ("prs_MobilePhone", "prs_HomePhone"):
        for phone in re.split(r"[;,]+", _text(cells.get(column))):
            phone = phone.strip()
            if not phone:
                continue
            if len(phone) > 40 or not any(ch.isdigit() for ch in phone):
                row.errors.append(
                    _("%(column)s: “%(value)s” is not a phone number.")
                    % {"column": column, "value": phone[:40]}
                )
            else:
                phones.append(phone)
    person["phones"] = list(dict.fromkeys(phones))
    _address_check(row, cells, person, place=place)
    row.person = person

    consent = _text(cells.get("con_Consent")).casefold()
    if consent in TRUE_WORDS:
        row.consent = True
    elif consent not in FALSE_WORDS:
        row.errors.append(
            _("con_Consent: write TRUE or FALSE, not “%(value)s”.")
            % {"value": _text(cells.get("con_Consent"))[:40]}
        )

    _case_check(row, cells)
    _referrals_check(row, cells, place=place)
    return row


def _referrals_check(row: ImportRow, cells: dict[str, Any], *, place: _Place) -> None:
    """The referral columns: the organisations must be in the service directory (or, for an outgoing
    referral, be another unit of the organisation), the dates dates, the reasons the standard's."""
    from kujdes.referrals.models import ReferralReason

    reasons = {_fold(code): code for code in ReferralReason.values}
    reasons.update({_fold(str(label)): code for code, label in ReferralReason.choices})
    reasons.update({_fold("Additional services required"): ReferralReason.ADDITIONAL_SERVICES})
    for direction, columns in REFERRAL_COLUMNS.items():
        if not any(_text(cells.get(column)) for column in columns.values()):
            continue
        key = direction.lower()
        name = _text(cells.get(columns["organisation"]))
        referral: dict[str, Any] = {}
        if not name:
            row.errors.append(
                _("%(column)s: name the organisation of the referral.") % {"column": columns["organisation"]}
            )
        elif _fold(name) in place.providers:
            referral["provider"] = place.providers[_fold(name)]
        elif key == "outgoing" and _fold(name) in place.units:
            referral["unit"] = place.units[_fold(name)]
        else:
            row.errors.append(
                _("%(column)s: “%(value)s” is not in the service directory. Add it, or correct the name.")
                % {"column": columns["organisation"], "value": name[:100]}
            )
        raw = cells.get(columns["date"])
        if not _text(raw):
            row.errors.append(_("%(column)s: give the date of the referral.") % {"column": columns["date"]})
        else:
            try:
                date = _date(raw)
                if not datetime.date(1900, 1, 1) <= date <= timezone.localdate():
                    raise ValueError(date)
                referral["date"] = date
            except ValueError:
                row.errors.append(
                    _("%(column)s: “%(value)s” is not a past date (YYYY-MM-DD or DD.MM.YYYY).")
                    % {"column": columns["date"], "value": _text(raw)[:40]}
                )
        reason = _text(cells.get(columns["reason"]))
        referral["reason"] = reasons.get(_fold(reason), "") if reason else ReferralReason.OTHER
        if not referral["reason"]:
            row.errors.append(
                _("%(column)s: “%(value)s” is not a value of the standard. Allowed: %(allowed)s.")
                % {
                    "column": columns["reason"],
                    "value": reason[:100],
                    "allowed": ", ".join(ReferralReason.values),
                }
            )
        referral["details"] = _limited(row, columns["details"], _text(cells.get(columns["details"])), 4000)
        row.referrals[key] = referral
    if "outgoing" in row.referrals and not row.errors:
        row.warnings.append(
            _(
                "The outgoing referral is recorded without the person's referral consent (the file does not "
                "carry it): as an audited exception."
            )
        )


def _address_check(row: ImportRow, cells: dict[str, Any], person: dict[str, Any], *, place: _Place) -> None:
    """Street, postal code, state and (foreign) country go to the encrypted address; a city that is a
    municipality of the organisation's list becomes the plain municipality code."""
    street = _text(cells.get("prs_MailingStreet"))
    city = _text(cells.get("prs_MailingCity"))
    country = _text(cells.get("prs_MailingCountry")).upper()
    home, known = place.home, place.municipalities
    municipality = ""
    if city:
        match = [name for name in known or () if _fold(name) == _fold(city)] if known is not None else [city]
        if match and len(match[0]) <= 64 and country in ("", home):
            municipality = match[0]
        elif known is not None and country in ("", home):
            row.warnings.append(
                _("prs_MailingCity: “%(value)s” is not a municipality of the list; kept in the address.")
                % {"value": city[:64]}
            )
    parts = [
        street,
        _text(cells.get("prs_MailingPostalCode")),
        "" if municipality else city,
        _text(cells.get("prs_MailingState")),
        "" if country in ("", home) else country,
    ]
    person["municipality"] = municipality
    person["address"] = _limited(
        row, "prs_MailingStreet", ", ".join(part for part in parts if part), TEXT_LIMIT
    )


def _case_check(row: ImportRow, cells: dict[str, Any]) -> None:
    case: dict[str, Any] = {}
    for name, picklist in CASE_PICKLISTS.items():
        case[picklist.attribute] = _codes(
            row, name, cells.get(name), picklist.choices, multiple=picklist.multiple
        )
    exploitation = case["exploitation_types"]
    if case["labour_industry"] and ExploitationType.FORCED_LABOUR not in exploitation:
        row.errors.append(
            _("vic_ForcedLabourIndustry: an industry applies to forced labour only (vic_TypeOfExploitation).")
        )
    if case["sex_exploitation_types"] and ExploitationType.SEXUAL not in exploitation:
        row.errors.append(
            _("vic_TypeOfSexExploitation: applies to sexual exploitation only (vic_TypeOfExploitation).")
        )
    status = _codes(row, "cas_Status", cells.get("cas_Status"), CaseStatus, multiple=False)
    case["status"] = status or CaseStatus.ACTIVE
    reason_text = _text(cells.get("cas_ReasonForCaseClosure"))
    reason = {_fold(code): code for code in ClosureReason.values}.get(_fold(reason_text), "")
    closed = case["status"] in (CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED)
    if closed:
        # HTCDS keeps the reason as free text: a Kujdes code is taken as such, other text is kept (encrypted).
        case["closure_reason"] = reason or ClosureReason.OTHER
        case["closure_details"] = (
            "" if reason else _limited(row, "cas_ReasonForCaseClosure", reason_text, 2000)
        )
    else:
        case["closure_reason"], case["closure_details"] = "", ""
        if reason_text:
            row.warnings.append(_("cas_ReasonForCaseClosure is left out: the case is not closed."))
    case["case_type"] = (
        CaseType.VICTIM_ASSISTANCE if case["trafficking_status"] or exploitation else CaseType.PREVENTION
    )
    row.case = case


def _identity_key(person: dict[str, Any]) -> tuple[tuple[str, ...], datetime.date | None]:
    return (
        tuple(name_tokens(f"{person.get('given_name', '')} {person.get('family_name', '')}")),
        person.get("date_of_birth"),
    )


def _registered(*, actor: User, unit: Unit, key: tuple[tuple[str, ...], datetime.date | None]) -> list[str]:
    """Codes of persons the actor sees in the unit's organisation with this name and date of birth."""
    if not key[0]:
        return []
    candidates = list(
        person_search(actor=actor, query=" ".join(key[0])).filter(organisation_id=unit.organisation_id)[:50]
    )
    persons_with_keys(candidates)
    return [
        candidate.code
        for candidate in candidates
        if _identity_key(
            {
                "given_name": candidate.given_name or "",
                "family_name": candidate.family_name or "",
                "date_of_birth": candidate.date_of_birth,
            }
        )
        == key
    ]


def _duplicates_flag(*, actor: User, unit: Unit, rows: list[ImportRow]) -> None:
    """Warn about rows with the same name and date of birth as a person the actor sees in the unit's
    organisation (found through the blind index), or as an earlier row of the file."""
    seen: dict[tuple[tuple[str, ...], datetime.date | None], int] = {}
    found: dict[tuple[tuple[str, ...], datetime.date | None], list[str]] = {}
    for row in rows:
        if not row.valid:
            continue
        key = _identity_key(row.person)
        if key in seen:
            row.duplicate = True
            row.warnings.append(
                _("Same name and date of birth as row %(row)s: possibly the same person.")
                % {"row": seen[key]}
            )
        else:
            seen[key] = row.number
        if key not in found:
            found[key] = _registered(actor=actor, unit=unit, key=key)
        codes = found[key]
        if codes:
            row.duplicate = True
            row.warnings.append(
                _("Possibly registered already (same name and date of birth): %(codes)s.")
                % {"codes": ", ".join(codes[:5])}
            )


# --- import: writing ----------------------------------------------------------------------------------


@transaction.atomic
def htcds_import(
    *,
    actor: User,
    unit: Unit,
    check: ImportCheck,
    include_duplicates: bool = False,
    imported_by: User | None = None,
) -> list[Case]:
    """Create a person, a case, (where given) the case-management consent and the referrals of each
    valid row; possible duplicates only with `include_duplicates`. All or nothing: HtcdsImportFailed if
    a row is refused after all (nothing is then written).

    `actor` is the case worker who receives the cases (the services check they manage cases in the
    unit); an organisation administrator or programme manager who imports for them is `imported_by`,
    the actor of the import's own audit event.
    """
    created: list[Case] = []
    statuses: dict[str, int] = {}
    consents = 0
    referrals = 0
    for row in check.rows_to_import(include_duplicates=include_duplicates):
        status = row.case["status"]
        try:
            with transaction.atomic():
                person = person_create(actor=actor, unit=unit, **row.person)
                case, row_referrals = htcds_row_write(actor=actor, unit=unit, row=row, person=person)
                referrals += row_referrals
                consents += 1 if row.consent else 0
        except ValidationError as error:
            raise HtcdsImportFailed(row.number, error.messages) from None
        statuses[status] = statuses.get(status, 0) + 1
        created.append(case)
    audit_record(
        actor=imported_by or actor,
        organisation=unit.organisation_id,
        action="case.htcds.imported",
        unit=unit,
        details={
            "case_worker": str(actor.public_id),
            "referrals": referrals,
            "count": len(created),
            "rows": len(check.rows),
            "rows_refused": len(check.invalid_rows),
            "duplicates_skipped": 0 if include_duplicates else len(check.duplicate_rows),
            "consents": consents,
            "statuses": statuses,
            "cases": [str(case.public_id) for case in created][:EXPORT_LIMIT],
            "digest": check.digest,
        },
    )
    return created


def htcds_row_write(*, actor: User, unit: Unit, row: ImportRow, person: Any) -> tuple[Case, int]:
    """The case of a checked row for `person` (registered or found by the caller): its referrals, the
    file's status and, where given, the case-management consent. Returns the case and the number of
    referrals recorded. The services' errors (ValidationError, PermissionDenied) pass through."""
    today = timezone.localdate()
    codes = dict(row.case)
    status = codes.pop("status")
    closure_reason = codes.pop("closure_reason")
    closure_details = codes.pop("closure_details")
    case_type = codes.pop("case_type")
    case = case_create(actor=actor, person=person, unit=unit, case_type=case_type, opened_on=today, **codes)
    # Referrals first: only an open case is referred; the file's status comes after.
    referrals = _referrals_import(actor=actor, case=case, row=row)
    if status != CaseStatus.ACTIVE:
        # The status the sending organisation gave; its closure was decided there.
        case.status = status
        case.closure_reason = closure_reason
        case.closure_details = closure_details or None
        case.closed_on = None if case.is_open else today
        case.save(update_fields=["status", "closure_reason", "closure_details", "closed_on"])
    if row.consent:
        consent_record(
            actor=actor,
            person=person,
            purpose=ConsentPurpose.CASE_MANAGEMENT,
            given_by=ConsentGivenBy.SELF,
            method=ConsentMethod.WRITTEN,
            given_on=today,
        )
    return case, referrals


def _referrals_import(*, actor: User, case: Case, row: ImportRow) -> int:
    """The row's referrals, through the referrals room's services (their checks and audit events)."""
    from kujdes.cases.choices import SupportType
    from kujdes.referrals.services import referral_incoming_record, referral_send

    count = 0
    incoming = row.referrals.get("incoming")
    if incoming is not None:
        referral_incoming_record(
            actor=actor,
            case=case,
            from_provider=incoming["provider"],
            referred_on=incoming["date"],
            reason=incoming["reason"],
            details=incoming["details"],
        )
        count += 1
    outgoing = row.referrals.get("outgoing")
    if outgoing is not None:
        referral_send(
            actor=actor,
            case=case,
            to_provider=outgoing.get("provider"),
            to_unit=outgoing.get("unit"),
            service_type=SupportType.OTHER,
            reason=outgoing["reason"],
            details=outgoing["details"] or _("Referral recorded from an HTCDS import."),
            urgent=False,
            referred_on=outgoing["date"],
            # The referral was made by the sending organisation, before the import; the file carries
            # no referral consent. The override is recorded and audited (consent.overridden).
            override_reason=_("Referral made before the import, recorded from an HTCDS file."),
        )
        count += 1
    return count
