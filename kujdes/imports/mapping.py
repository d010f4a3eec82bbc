"""What a column can be (the targets' fields), which header names suggest it, and how coded values
and dates are read.

Header names are compared folded (case, diacritics and punctuation ignored) with a table of
synonyms in the network's languages, exactly first, then fuzzily (rapidfuzz). Coded values (sex,
municipality, yes/no) are proposed from word lists in the same languages; a value nobody mapped
blocks the import. Dates are read per column with a day/month order that is given or detected.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kujdes.core.crypto import normalise_text
from kujdes.people.models import Sex

TEXT, FULL_NAME, DATE, INTEGER, CODE, YESNO, LIST, CODES, NUMBER = (
    "text",
    "full_name",
    "date",
    "integer",
    "code",
    "yesno",
    "list",
    # Several codes in a cell, separated by ";" or "," (a case's exploitation types).
    "codes",
    # A number with decimals (hours).
    "number",
)
# A date, or a yes mark (given, no date known); blank or a no mark: not given (a service column).
DATE_OR_YES = "date_or_yes"
# The code of a value that stands for nothing in a CODES cell ("-", "none").
NONE_CODE = "-"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: Promise
    kind: str
    synonyms: tuple[str, ...]
    # Several columns may map to it (attendance marks under session dates, a column per service).
    repeat: bool = False


PERSON_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "full_name",
        gettext_lazy("Full name (split into given and family name)"),
        FULL_NAME,
        (
            "emri dhe mbiemri",
            "emri mbiemri",
            "emer mbiemer",
            "emri i plote",
            "emer e mbiemer",
            "full name",
            "name",
            "name and surname",
            "names",
            "participant",
            "nom complet",
            "nom et prenom",
            "nom prenom",
            "prenom et nom",
            "prenom nom",
            "الاسم الكامل",
            "الاسم واللقب",
            "ad soyad",
            "adi soyadi",
            "isim soyisim",
            "піб",
            "прізвище ім'я",
            "повне ім'я",
            "nume si prenume",
            "nume complet",
            "nume prenume",
            "ime i prezime",
            "ime prezime",
            "nome e cognome",
            "emri",
            "emri i pjesemarresit",
        ),
    ),
    FieldSpec(
        "given_name",
        gettext_lazy("Given name"),
        TEXT,
        (
            "emri vetem",
            "emer",
            "first name",
            "given name",
            "forename",
            "prenom",
            "الاسم الأول",
            "الاسم الاول",
            "adi",
            "ім'я",
            "prenume",
            "ime",
            "nome",
            "vorname",
        ),
    ),
    FieldSpec(
        "family_name",
        gettext_lazy("Family name"),
        TEXT,
        (
            "mbiemri",
            "mbiemer",
            "last name",
            "surname",
            "family name",
            "nom de famille",
            "nom",
            "اسم العائلة",
            "الكنية",
            "اللقب",
            "soyad",
            "soyadi",
            "прізвище",
            "nume de familie",
            "prezime",
            "cognome",
            "nachname",
        ),
    ),
    FieldSpec(
        "sex",
        gettext_lazy("Sex"),
        CODE,
        (
            "gjinia",
            "seksi",
            "sex",
            "gender",
            "sexe",
            "genre",
            "الجنس",
            "النوع",
            "cinsiyet",
            "стать",
            "sexul",
            "gen",
            "spol",
            "sesso",
            "m/f",
            "f/m",
            "m f",
            "f m",
        ),
    ),
    FieldSpec(
        "date_of_birth",
        gettext_lazy("Date of birth"),
        DATE,
        (
            "datelindja",
            "data e lindjes",
            "dt lindjes",
            "date of birth",
            "dob",
            "birth date",
            "birthdate",
            "born",
            "date de naissance",
            "ne le",
            "nee le",
            "ne e le",
            "تاريخ الميلاد",
            "تاريخ الولادة",
            "dogum tarihi",
            "дата народження",
            "data nasterii",
            "datum rodenja",
            "data di nascita",
        ),
    ),
    FieldSpec(
        "birth_year",
        gettext_lazy("Year of birth"),
        INTEGER,
        (
            "viti i lindjes",
            "viti lindjes",
            "year of birth",
            "birth year",
            "annee de naissance",
            "سنة الميلاد",
            "سنة الولادة",
            "dogum yili",
            "рік народження",
            "anul nasterii",
            "godina rodenja",
            "anno di nascita",
        ),
    ),
    FieldSpec(
        "age",
        gettext_lazy("Age (the year of birth is estimated from it)"),
        INTEGER,
        ("mosha", "age", "العمر", "السن", "yas", "вік", "varsta", "godine", "eta", "alter"),
    ),
    FieldSpec(
        "municipality",
        gettext_lazy("Municipality"),
        CODE,
        (
            "bashkia",
            "komuna",
            "qyteti",
            "vendi",
            "municipality",
            "city",
            "town",
            "commune",
            "ville",
            "municipalite",
            "البلدية",
            "المدينة",
            "belediye",
            "sehir",
            "ilce",
            "громада",
            "місто",
            "municipiu",
            "oras",
            "localitate",
            "opcina",
            "opstina",
            "grad",
            "comune",
            "citta",
        ),
    ),
    FieldSpec(
        "phones",
        gettext_lazy("Phone numbers"),
        LIST,
        (
            "telefoni",
            "tel",
            "nr telefoni",
            "nr i telefonit",
            "celulari",
            "phone",
            "phone number",
            "mobile",
            "telephone",
            "portable",
            "الهاتف",
            "رقم الهاتف",
            "الجوال",
            "telefon",
            "телефон",
            "telefon mobil",
            "cellulare",
            "kontakti",
        ),
    ),
    FieldSpec(
        "address",
        gettext_lazy("Address"),
        TEXT,
        ("adresa", "vendbanimi", "address", "adresse", "العنوان", "adres", "адреса", "indirizzo", "domicile"),
    ),
    FieldSpec(
        "citizenships",
        gettext_lazy("Citizenships"),
        CODES,
        (
            "shtetesia",
            "nationality",
            "citizenship",
            "nationalite",
            "الجنسية",
            "uyruk",
            "vatandaslik",
            "громадянство",
            "cetatenie",
            "drzavljanstvo",
            "cittadinanza",
        ),
    ),
    FieldSpec(
        "birth_date_estimated",
        gettext_lazy("The date of birth is estimated (yes/no)"),
        YESNO,
        ("datelindja e perafert", "e perafert", "estimated", "date estimated", "date estimee", "estimee"),
    ),
)

PARTICIPANT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "enrolled_on",
        gettext_lazy("Enrolled on"),
        DATE,
        (
            "data e regjistrimit",
            "regjistruar me",
            "data e pranimit",
            "enrolled on",
            "enrolment date",
            "registration date",
            "date d'inscription",
            "inscrit le",
            "تاريخ التسجيل",
            "kayit tarihi",
            "дата реєстрації",
            "data inscrierii",
        ),
    ),
    FieldSpec(
        "parental_consent",
        gettext_lazy("Parental consent given (yes/no)"),
        YESNO,
        (
            "pelqimi i prindit",
            "leje prindi",
            "leja e prindit",
            "pelqimi",
            "parental consent",
            "consent",
            "autorisation parentale",
            "consentement parental",
            "موافقة الوالدين",
            "موافقة ولي الأمر",
            "veli izni",
            "згода батьків",
            "acordul parintilor",
        ),
    ),
    FieldSpec(
        "parental_consent_by",
        gettext_lazy("Consent given by (parent or guardian)"),
        TEXT,
        (
            "dhene nga",
            "pelqimi i prindit dhene nga",
            "emri i prindit",
            "prindi",
            "kujdestari",
            "consent given by",
            "parent name",
            "parent",
            "guardian",
            "donne par",
            "nom du parent",
            "tuteur",
            "ولي الأمر",
            "veli",
            "батьки",
            "dat de",
            "parinte",
        ),
    ),
)

IGNORED_HEADERS = ("nr", "no", "#", "n", "numri", "nr rendor", "numero", "n°", "rb", "sr", "الرقم", "№")


def fields_for(target: str) -> tuple[FieldSpec, ...]:
    from kujdes.imports.targets import target_get

    return target_get(target).fields


def field_spec(target: str, name: str) -> FieldSpec | None:
    return next((spec for spec in fields_for(target) if spec.name == name), None)


def fold(value: Any) -> str:
    """Case, diacritics, punctuation and spacing ignored ("Emri & Mbiemri:" ~ "emri mbiemri")."""
    text = normalise_text(str(value or ""))
    text = re.sub(r"[^\w\s/']+", " ", text)
    return " ".join(text.replace("_", " ").split())


def columns_suggest(*, target: str, headers: list[str]) -> list[str]:
    """A field name (or "" to ignore) for each header, as the target suggests them."""
    from kujdes.imports.targets import target_get

    return target_get(target).columns_suggest(headers=headers)


def columns_suggest_from(*, specs: tuple[FieldSpec, ...], headers: list[str]) -> list[str]:
    """A field name (or "" to ignore) for each header; each field at most once, the best match wins."""
    from rapidfuzz import fuzz

    scored: list[tuple[float, int, str]] = []
    for index, header in enumerate(headers):
        folded = fold(header)
        # "Prindi: Emri" (a group over its labels): the whole, then the label alone.
        candidates = [folded, fold(header.split(":")[-1])] if ":" in header else [folded]
        if not folded or folded in IGNORED_HEADERS:
            continue
        for spec in specs:
            best = 0.0
            for candidate in candidates:
                for synonym in spec.synonyms:
                    synonym = fold(synonym)
                    if candidate == synonym:
                        score = 100.0
                    else:
                        score = fuzz.ratio(candidate, synonym)
                        if score < 80:
                            continue
                    best = max(best, score - (1 if candidate is not folded else 0))
            if best:
                scored.append((best, index, spec.name))
    chosen = [""] * len(headers)
    used: set[str] = set()
    for _score, index, name in sorted(scored, key=lambda item: (-item[0], item[1])):
        if chosen[index] or name in used:
            continue
        chosen[index] = name
        used.add(name)
    # A full name and its parts are alternatives: with both given and family name, no full name; "Emri"
    # beside "Mbiemri" is the given name alone.
    if "full_name" in used and "family_name" in used and "given_name" in {spec.name for spec in specs}:
        chosen[chosen.index("full_name")] = "" if "given_name" in used else "given_name"
    return chosen


# --- coded values ---------------------------------------------------------------------------------

SEX_WORDS: dict[str, tuple[str, ...]] = {
    Sex.FEMALE: (
        "f",
        "fem",
        "femer",
        "femra",
        "femre",
        "female",
        "woman",
        "women",
        "girl",
        "vajze",
        "vajza",
        "grua",
        "femme",
        "fille",
        "feminin",
        "feminine",
        "w",
        "أنثى",
        "انثى",
        "ا",
        "ث",
        "kadin",
        "kiz",
        "жінка",
        "ж",
        "жін",
        "жіноча",
        "femeie",
        "fata",
        "feminin",
        "zenski",
        "z",
        "zensko",
        "donna",
        "ragazza",
        "k",
        "femër",
    ),
    Sex.MALE: (
        "m",
        "mashkull",
        "meshkuj",
        "djale",
        "djali",
        "burre",
        "male",
        "man",
        "men",
        "boy",
        "homme",
        "garcon",
        "masculin",
        "masculine",
        "h",
        "ذكر",
        "ذ",
        "erkek",
        "e",
        "чоловік",
        "ч",
        "чол",
        "чоловіча",
        "barbat",
        "baiat",
        "muski",
        "musko",
        "uomo",
        "ragazzo",
        "mashk",
    ),
    Sex.UNKNOWN: (
        "?",
        "-",
        "nuk dihet",
        "pa pergjigje",
        "unknown",
        "not specified",
        "inconnu",
        "non precise",
        "غير معروف",
        "bilinmiyor",
        "невідомо",
        "necunoscut",
        "nepoznato",
        "n/a",
        "na",
    ),
}
YES_WORDS = (
    "po",
    "yes",
    "y",
    "true",
    "1",
    "x",
    "✓",
    "✔",
    "v",
    "oui",
    "o",
    "نعم",
    "evet",
    "так",
    "da",
    "si",
    "sì",
    "ja",
    "ok",
    "po dha",
    "dha",
)
NO_WORDS = ("jo", "no", "n", "false", "0", "non", "لا", "hayir", "ні", "nu", "ne", "nein", "-", "s'ka", "ska")
YES, NO = "yes", "no"


def _table(words: Mapping[str, Iterable[str]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for code, spellings in words.items():
        for word in spellings:
            table.setdefault(fold(word), code)
    return table


SEX_TABLE = _table(SEX_WORDS) | {fold(code): code for code in Sex.values}
YESNO_TABLE = _table({YES: YES_WORDS, NO: NO_WORDS})

PLACE_PREFIXES = (
    "bashkia e ",
    "bashkia ",
    "komuna e ",
    "komuna ",
    "qyteti i ",
    "qyteti ",
    "fshati ",
    "municipality of ",
    "commune de ",
    "ville de ",
    "bashkia:",
    "bashkia ",
)


def _albanian_forms(name: str) -> set[str]:
    """A municipality's folded name and its definite forms (Shkodër → Shkodra, Tiranë → Tirana,
    Durrës → Durrësi), as registers write them."""
    folded = fold(name)
    forms = {folded, folded.replace(" ", "")}
    raw = normalise_text(name)
    if name.endswith("ër"):
        forms.add(fold(name[:-2] + "ra"))
    elif name.endswith("ë"):
        forms.add(fold(name[:-1] + "a"))
    elif raw and raw[-1] not in "aeiou":
        forms.add(folded + "i")
        forms.add(folded + "a")
    return forms


def municipality_table(municipalities: tuple[str, ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for name in municipalities:
        for form in _albanian_forms(name):
            table.setdefault(form, name)
    return table


def municipality_propose(value: str, *, municipalities: tuple[str, ...], table: dict[str, str]) -> str:
    """The municipality a spelling names, or "" (then the user maps it)."""
    from rapidfuzz import fuzz, process

    folded = fold(value)
    for prefix in PLACE_PREFIXES:
        if folded.startswith(fold(prefix) + " "):
            folded = folded[len(fold(prefix)) + 1 :]
    if folded in table:
        return table[folded]
    found = process.extractOne(folded, list(table), scorer=fuzz.ratio, score_cutoff=88)
    return table[found[0]] if found else ""


def value_propose(
    *, kind: str, field: str, value: str, municipalities: tuple[str, ...] | None, places: dict[str, str]
) -> str:
    """The proposed code of a coded cell, "" when none is found."""
    if field == "sex":
        return SEX_TABLE.get(fold(value), "")
    if kind == YESNO:
        return YESNO_TABLE.get(fold(value), "")
    if field == "municipality":
        if municipalities is None:
            return value.strip()[:64]
        return municipality_propose(value, municipalities=municipalities, table=places)
    from kujdes.imports.targets.vocabularies import vocabularies, vocabulary_propose

    if field in vocabularies():
        return vocabulary_propose(field, value)
    return ""


def value_choices(*, field: str, kind: str, municipalities: tuple[str, ...] | None) -> list[tuple[str, str]]:
    """What a coded value may be mapped to, for the value-mapping table."""
    if field == "sex":
        return [(code, str(label)) for code, label in Sex.choices]
    if kind == YESNO:
        return [(YES, _("Yes")), (NO, _("No"))]
    if field == "municipality" and municipalities is not None:
        return [(name, name) for name in municipalities]
    from kujdes.imports.targets.vocabularies import vocabularies

    if field in vocabularies():
        return vocabularies()[field].choices()
    return []


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return str(value).strip()


def distinct_values(values: Iterable[Any]) -> Counter[str]:
    """Each value as the rows are read (1.0 from a workbook is "1"), with its count; blanks left out."""
    return Counter(text for text in (_cell_text(value) for value in values) if text)


# --- dates ----------------------------------------------------------------------------------------

DMY, MDY, YMD = "dmy", "mdy", "ymd"
_NUMERIC_DATE = re.compile(r"^(\d{1,4})[./\-\s](\d{1,2})[./\-\s](\d{1,4})\.?$")


@dataclass
class DateOrder:
    order: str
    # True when nothing in the column tells day from month (every part ≤ 12): read as `order`.
    ambiguous: bool
    # True when the column holds both (13/02 and 02/13): some rows cannot be right.
    conflicting: bool


def date_order_detect(values: Iterable[Any]) -> DateOrder:
    """Which of day/month comes first in a column's written dates."""
    day_first = month_first = False
    seen = False
    for value in values:
        if not isinstance(value, str):
            continue
        match = _NUMERIC_DATE.match(value.strip())
        if not match or len(match.group(1)) == 4:
            continue
        seen = True
        first, second = int(match.group(1)), int(match.group(2))
        if first > 12 >= second:
            day_first = True
        elif second > 12 >= first:
            month_first = True
    if day_first and month_first:
        return DateOrder(DMY, ambiguous=False, conflicting=True)
    if month_first:
        return DateOrder(MDY, ambiguous=False, conflicting=False)
    return DateOrder(DMY, ambiguous=seen and not day_first, conflicting=False)


def _year(text: str) -> int:
    year = int(text)
    if len(text) <= 2:
        # Two digits: this century unless that would be in the future (a birth in "87" is 1987).
        century = datetime.date.today().year // 100 * 100
        year += century if year + century <= datetime.date.today().year else century - 100
    return year


def date_read(value: Any, *, order: str, epoch: datetime.datetime) -> datetime.date:
    """A cell as a date: a date cell, an Excel serial, ISO, or day/month/year in `order`. ValueError."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float) or (isinstance(value, str) and re.fullmatch(r"\d{5}(\.\d+)?", value)):
        serial = float(value)
        if not 1 <= serial < 2_958_466:
            raise ValueError(value)
        return (epoch + datetime.timedelta(days=int(serial))).date()
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}([ T].*)?", text):
        year, month, day = (int(part) for part in text[:10].split(" ")[0].split("T")[0].split("-"))
        return datetime.date(year, month, day)
    match = _NUMERIC_DATE.match(text)
    if not match:
        raise ValueError(text)
    first, second, third = match.groups()
    if len(first) == 4:
        return datetime.date(int(first), int(second), int(third))
    if order == MDY:
        return datetime.date(_year(third), int(first), int(second))
    return datetime.date(_year(third), int(second), int(first))


def full_name_split(value: str, *, family_first: bool = False) -> tuple[str, str]:
    """(given, family) of a name written in one cell: the first word and the rest, or the reverse."""
    words = value.split()
    if len(words) < 2:
        return value.strip(), ""
    if family_first:
        return " ".join(words[1:]), words[0]
    return words[0], " ".join(words[1:])


def list_parts(text: str) -> list[str]:
    """The values of a cell holding several, separated by ";" or "," ("/" is part of phone numbers)."""
    return [part.strip() for part in str(text).replace(";", ",").split(",") if part.strip()]


# --- split and combined columns --------------------------------------------------------------------

# How a column is split into several fields (Options.splits): a full name into given and family name;
# "Tiranë, 12.03.2001" (a place and a date, either first) into the place and the date.
SPLIT_NAME, SPLIT_PLACE_DATE = "name", "place_date"
SPLITS = (SPLIT_NAME, SPLIT_PLACE_DATE)
# How several columns become one field (Options.combines): day, month and year columns into a date;
# texts joined by a space (given and middle names).
COMBINE_DATE, COMBINE_JOIN = "date", "join"
COMBINES = (COMBINE_DATE, COMBINE_JOIN)


def split_cell(text: str, *, how: str, family_first: bool = False) -> tuple[str, ...]:
    """The parts of a cell as `how` reads it; blanks for parts that are not there."""
    text = text.strip()
    if how == SPLIT_NAME:
        return full_name_split(text, family_first=family_first)
    if how == SPLIT_PLACE_DATE:
        parts = [part.strip() for part in re.split(r"[,;]", text) if part.strip()]
        if len(parts) < 2:
            # No separator: "Tiranë 12.03.2001" (the date is the last word) or a date alone.
            words = text.split()
            if words and (
                _NUMERIC_DATE.match(words[-1]) or re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", words[-1])
            ):
                return " ".join(words[:-1]), words[-1]
            return text, ""
        dated = [part for part in parts if re.search(r"\d", part)]
        places = [part for part in parts if not re.search(r"\d", part)]
        return ", ".join(places), (dated[0] if dated else "")
    return (text,)


MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("janar", "january", "janvier", "jan", "gennaio", "ocak", "ianuarie", "sijecanj", "يناير"),
        (
            "shkurt",
            "february",
            "fevrier",
            "feb",
            "fev",
            "febbraio",
            "subat",
            "februarie",
            "veljaca",
            "فبراير",
        ),
        ("mars", "march", "mar", "marzo", "mart", "martie", "ozujak", "مارس"),
        ("prill", "april", "avril", "apr", "avr", "aprile", "nisan", "aprilie", "travanj", "أبريل"),
        ("maj", "may", "mai", "maggio", "mayis", "svibanj", "مايو"),
        ("qershor", "june", "juin", "jun", "giugno", "haziran", "iunie", "lipanj", "يونيو"),
        ("korrik", "july", "juillet", "jul", "juil", "luglio", "temmuz", "iulie", "srpanj", "يوليو"),
        ("gusht", "august", "aout", "aug", "agosto", "agustos", "kolovoz", "أغسطس"),
        (
            "shtator",
            "september",
            "septembre",
            "sep",
            "sept",
            "settembre",
            "eylul",
            "septembrie",
            "rujan",
            "سبتمبر",
        ),
        ("tetor", "october", "octobre", "oct", "ottobre", "ekim", "octombrie", "listopad", "أكتوبر"),
        ("nentor", "november", "novembre", "nov", "kasim", "noiembrie", "studeni", "نوفمبر"),
        ("dhjetor", "december", "decembre", "dec", "dicembre", "aralik", "decembrie", "prosinac", "ديسمبر"),
    ),
    start=1,
):
    for _name in _names:
        MONTHS[fold(_name)] = _number


def date_from_parts(parts: list[str]) -> datetime.date:
    """A date from day, month and year cells in that order (the month a number or a name). ValueError."""
    if len(parts) != 3:
        raise ValueError(parts)
    day, month, year = (part.strip().rstrip(".") for part in parts)
    month_number = int(month) if month.isdigit() else MONTHS.get(fold(month), 0)
    if not (day.isdigit() and year.isdigit() and month_number):
        raise ValueError(parts)
    return datetime.date(_year(year), month_number, int(day))
