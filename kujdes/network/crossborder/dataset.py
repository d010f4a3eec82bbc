"""The minimum data set of a cross-border referral: which fields exist, which a purpose needs, how
each is read from the case and how it reads on the other side.

Values travel as codes (sex, countries, languages, HTCDS picklists) so that each side shows them in
its own language; free texts travel as written.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kujdes.cases.choices import EventType, ExploitationType, NrmStage, TraffickingStatus, Vulnerability
from kujdes.core.models import Country
from kujdes.network.crossborder.models import Purpose
from kujdes.network.models import CrossBorderService, Language
from kujdes.people.models import Sex

if TYPE_CHECKING:
    from kujdes.cases.models import Case, CaseNote


@dataclass(frozen=True)
class Field:
    name: str
    label: str | Promise
    # Extra fields are never pre-selected: each one is the case worker's explicit choice.
    extra: bool = False


FIELDS: tuple[Field, ...] = (
    Field("given_name", _("Given name")),
    Field("family_name", _("Family name")),
    Field("other_names", _("Other names and aliases"), extra=True),
    Field("sex", _("Sex")),
    Field("date_of_birth", _("Date of birth")),
    Field("citizenships", _("Citizenships")),
    Field("languages", _("Languages")),
    Field("phone", _("A contact phone")),
    Field("municipality", _("Municipality")),
    Field("exploitation_types", _("Types of exploitation")),
    Field("identification", _("Identification status")),
    Field("address", _("Address"), extra=True),
    Field("id_documents", _("Identity documents and their numbers"), extra=True),
    Field("summary", _("Case summary"), extra=True),
    Field("route", _("Trafficking route (countries, places, dates)"), extra=True),
    Field("vulnerabilities", _("Vulnerabilities"), extra=True),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
LABELS = {f.name: f.label for f in FIELDS}
EXTRA = frozenset(f.name for f in FIELDS if f.extra)
# Sent with every referral: the receiving partner must be able to find her and check for duplicates.
ALWAYS = ("given_name",)

# What each purpose needs, pre-selected on the form (the case worker may leave any of it out).
MINIMUM: dict[str, tuple[str, ...]] = {
    Purpose.RETURN_REINTEGRATION: (
        "given_name",
        "family_name",
        "sex",
        "date_of_birth",
        "citizenships",
        "languages",
        "phone",
        "municipality",
        "exploitation_types",
        "identification",
    ),
    Purpose.PROTECTION: (
        "given_name",
        "family_name",
        "sex",
        "date_of_birth",
        "citizenships",
        "languages",
        "phone",
        "exploitation_types",
        "identification",
    ),
    Purpose.FAMILY_TRACING: (
        "given_name",
        "family_name",
        "sex",
        "date_of_birth",
        "citizenships",
        "languages",
        "municipality",
    ),
}

# The services a purpose usually asks for (pre-selected on the form).
PURPOSE_SERVICES: dict[str, tuple[str, ...]] = {
    Purpose.RETURN_REINTEGRATION: (CrossBorderService.RETURN, CrossBorderService.REINTEGRATION),
    Purpose.PROTECTION: (CrossBorderService.SHELTER, CrossBorderService.PSYCHOSOCIAL),
    Purpose.FAMILY_TRACING: (CrossBorderService.FAMILY_TRACING,),
}


def fields_for_purpose(purpose: str) -> list[str]:
    return list(MINIMUM.get(purpose, ALWAYS))


def fields_normalise(names: list[str]) -> list[str]:
    """The chosen field names in catalogue order, the ones always sent included."""
    chosen = set(names) | set(ALWAYS)
    return [name for name in FIELD_NAMES if name in chosen]


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _events(case: Case) -> list[Any]:
    # Bound to the case: anything encrypted on an event opens with her key, loaded once.
    events = list(case.events.all())
    for event in events:
        event.case = case
    return events


def dataset_values(
    *, case: Case, identity: dict[str, Any], fields: list[str], notes: list[CaseNote]
) -> dict[str, Any]:
    """The values of the chosen fields, read from the case, its person (plain codes) and `identity`
    (the decrypted identity the caller read through people's audited service)."""
    person = case.person
    readers: dict[str, Any] = {
        "given_name": lambda: identity.get("given_name") or "",
        "family_name": lambda: identity.get("family_name") or "",
        "other_names": lambda: list(identity.get("other_names") or []),
        "sex": lambda: person.sex,
        "date_of_birth": lambda: {
            "date": _date(identity.get("date_of_birth")),
            "year": person.birth_year,
            "estimated": person.birth_date_estimated,
        },
        "citizenships": lambda: list(person.citizenships or []),
        "languages": lambda: list(person.languages or []),
        "phone": lambda: (identity.get("phones") or [""])[0],
        "municipality": lambda: person.municipality,
        "exploitation_types": lambda: list(case.exploitation_types or []),
        "identification": lambda: {
            "trafficking_status": case.trafficking_status,
            "nrm_stage": case.nrm_stage,
        },
        "address": lambda: identity.get("address") or "",
        "id_documents": lambda: [
            {"type": str(d.get("type", "")), "number": str(d.get("number", ""))}
            for d in identity.get("id_documents") or []
        ],
        "summary": lambda: case.summary or "",
        "route": lambda: [
            {
                "event_type": event.event_type,
                "country": event.country,
                "place": event.place or "",
                "from": _date(event.date_from),
                "to": _date(event.date_to),
            }
            for event in _events(case)
        ],
        "vulnerabilities": lambda: list(case.vulnerabilities or []),
    }
    values = {name: readers[name]() for name in fields_normalise(fields)}
    if notes:
        values["notes"] = [
            {"date": note.created_at.date().isoformat(), "text": note.body or ""} for note in notes
        ]
    return values


# --- reading a data set (the preview, and the receiving side) ---------------------------------------


def _labels(choices: Any, codes: Any) -> str:
    names = dict(choices)
    return ", ".join(str(names.get(code, code)) for code in codes or [] if code)


def value_display(name: str, value: Any) -> str:
    """One value as a person reads it, codes in the reader's language."""
    if value in (None, "", [], {}):
        return ""
    if name == "sex":
        return str(dict(Sex.choices).get(value, value))
    if name == "date_of_birth":
        if value.get("date"):
            text = value["date"]
        elif value.get("year"):
            text = str(value["year"])
        else:
            return ""
        return f"{text} ({_('estimated')})" if value.get("estimated") else text
    if name == "citizenships":
        return _labels(Country.choices, value)
    if name == "languages":
        return _labels(Language.choices, value)
    if name in ("exploitation_types",):
        return _labels(ExploitationType.choices, value)
    if name == "vulnerabilities":
        return _labels(Vulnerability.choices, value)
    if name == "identification":
        parts = [
            str(dict(TraffickingStatus.choices).get(value.get("trafficking_status"), "")),
            str(dict(NrmStage.choices).get(value.get("nrm_stage"), "")),
        ]
        return " · ".join(part for part in parts if part)
    if name == "other_names":
        return ", ".join(str(v) for v in value)
    if name == "id_documents":
        return "; ".join(f"{d.get('type', '')}: {d.get('number', '')}" for d in value)
    if name == "route":
        events = dict(EventType.choices)
        countries = dict(Country.choices)
        return "; ".join(
            " ".join(
                str(part)
                for part in (
                    events.get(e.get("event_type"), e.get("event_type")),
                    countries.get(e.get("country"), e.get("country")),
                    e.get("place") or "",
                    "–".join(d for d in (e.get("from"), e.get("to")) if d),
                )
                if part
            )
            for e in value
        )
    return str(value)


def dataset_rows(values: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) for each field of a data set, in catalogue order (notes apart)."""
    return [(str(LABELS[name]), value_display(name, values[name])) for name in FIELD_NAMES if name in values]


def services_display(codes: list[str]) -> str:
    return _labels(CrossBorderService.choices, codes)
