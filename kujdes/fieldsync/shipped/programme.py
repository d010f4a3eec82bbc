"""The programme's ready-made field forms: register a participant, session attendance, anonymous
headcount and volunteer hours (issue 15, "Kujdes ships ready forms").

Each is an XLSForm built here with openpyxl and converted by pyxform like any upload
(kujdes.fieldsync.xlsform), labelled in Albanian, English and French (`label::Shqip (sq)` …), the
organisation's language first on the phone (`default_language`). Field names follow the field
contract the mappers read (kujdes.fieldsync.mapping.programme). The lists the phone chooses from are
CSV files generated for the phone's unit when it asks for the manifest (shipped/media.py).

The version is a digest of the form's own content: building again gives the same version unless
something changed (an organisation's new age groups, a new field), and `install-shipped` publishes
a new version exactly then.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any

import openpyxl

from kujdes.fieldsync.shipped.registry import shipped_form
from kujdes.people.models import Sex
from kujdes.programme.models import HeadcountCategory, HeadcountSex
from kujdes.programme.selectors import age_group_label, age_groups_for

# (Kujdes language code, XLSForm language name): the names ODK Collect shows in its language menu.
LANGUAGES = (("sq", "Shqip (sq)"), ("en", "English (en)"), ("fr", "Français (fr)"))

# A text in the three languages, in the order of LANGUAGES.
Text = tuple[str, str, str]

# The short sex codes of the headcount's field names (n_<sex>_<band>), and back.
HEADCOUNT_SEX_CODES = {
    HeadcountSex.FEMALE.value: "f",
    HeadcountSex.MALE.value: "m",
    HeadcountSex.UNKNOWN.value: "u",
}
HEADCOUNT_SEX_LABELS: dict[str, Text] = {
    HeadcountSex.FEMALE.value: ("Femra", "Female", "Femmes"),
    HeadcountSex.MALE.value: ("Meshkuj", "Male", "Hommes"),
    HeadcountSex.UNKNOWN.value: ("Pa specifikuar", "Not specified", "Non précisé"),
}
HEADCOUNT_CATEGORY_LABELS: dict[str, Text] = {
    HeadcountCategory.GENERAL.value: ("Publiku i gjerë", "General public", "Grand public"),
    HeadcountCategory.CHILDREN.value: ("Fëmijë në rrezik", "Children at risk", "Enfants à risque"),
    HeadcountCategory.WOMEN.value: (
        "Gra dhe vajza në rrezik",
        "Women and girls at risk",
        "Femmes et filles à risque",
    ),
    HeadcountCategory.YOUTH.value: ("Të rinj", "Young people", "Jeunes"),
    HeadcountCategory.PARENTS.value: ("Prindër dhe familje", "Parents and families", "Parents et familles"),
    HeadcountCategory.PROFESSIONALS.value: ("Profesionistë", "Professionals", "Professionnels"),
}
SEX_LABELS: dict[str, Text] = {
    Sex.FEMALE.value: ("Femër", "Female", "Femme"),
    Sex.MALE.value: ("Mashkull", "Male", "Homme"),
    Sex.TRANSGENDER_FEMININE.value: (
        "Transgjinor (femëror)",
        "Transgender (feminine)",
        "Transgenre (féminin)",
    ),
    Sex.TRANSGENDER_MASCULINE.value: (
        "Transgjinor (mashkullor)",
        "Transgender (masculine)",
        "Transgenre (masculin)",
    ),
    Sex.NON_CONFORMING.value: ("Jo-konform gjinor", "Gender non-conforming", "Non conforme au genre"),
    Sex.UNKNOWN.value: ("Pa specifikuar", "Not specified", "Non précisé"),
}
YES_NO: list[tuple[str, Text]] = [("yes", ("Po", "Yes", "Oui")), ("no", ("Jo", "No", "Non"))]
# The most a headcount cell may hold (programme.services.MAX_CELL): the phone says so at once.
MAX_CELL = 20_000


@dataclass
class Row:
    """One row of the survey sheet."""

    type: str
    name: str
    label: Text | None = None
    hint: Text | None = None
    required: bool = False
    relevant: str = ""
    constraint: str = ""
    constraint_message: Text | None = None
    choice_filter: str = ""
    calculation: str = ""
    default: str = ""
    appearance: str = ""


def _columns(prefix: str) -> list[str]:
    return [f"{prefix}::{name}" for _code, name in LANGUAGES]


def _texts(text: Text | None) -> list[str]:
    return list(text) if text is not None else ["", "", ""]


def xlsform_build(
    *,
    form_id: str,
    title: Text,
    organisation: Any,
    survey: list[Row],
    choices: list[tuple[str, str, Text]] = (),  # type: ignore[assignment]
) -> bytes:
    """An XLSForm workbook (.xlsx bytes) in the three languages, with a version derived from its content."""
    language = (getattr(organisation, "default_language", "") or "sq")[:2]
    default_language = dict(LANGUAGES).get(language, LANGUAGES[0][1])
    title_index = [code for code, _name in LANGUAGES].index(language) if language in dict(LANGUAGES) else 0
    header = [
        "type",
        "name",
        *_columns("label"),
        *_columns("hint"),
        "required",
        "relevant",
        "constraint",
        *_columns("constraint_message"),
        "choice_filter",
        "calculation",
        "default",
        "appearance",
    ]
    survey_rows = [
        [
            row.type,
            row.name,
            *_texts(row.label),
            *_texts(row.hint),
            "yes" if row.required else "",
            row.relevant,
            row.constraint,
            *_texts(row.constraint_message),
            row.choice_filter,
            row.calculation,
            row.default,
            row.appearance,
        ]
        for row in survey
    ]
    choice_rows = [[list_name, name, *label] for list_name, name, label in choices]
    content = json.dumps([header, survey_rows, choice_rows, title, default_language], ensure_ascii=False)
    version = hashlib.sha256(content.encode()).hexdigest()[:12]

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    sheet.append(header)
    for values in survey_rows:
        sheet.append(values)
    if choice_rows:
        choice_sheet = book.create_sheet("choices")
        choice_sheet.append(["list_name", "name", *_columns("label")])
        for values in choice_rows:
            choice_sheet.append(values)
    settings_sheet = book.create_sheet("settings")
    settings_sheet.append(["form_id", "version", "form_title", "default_language"])
    settings_sheet.append([form_id, version, title[title_index], default_language])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _activity(*, kind_filter: str = "") -> Row:
    return Row(
        "select_one_from_file activities.csv",
        "activity",
        ("Aktiviteti", "Activity", "Activité"),
        required=True,
        choice_filter=kind_filter,
        appearance="minimal",
    )


def _today_or_before(name: str, label: Text) -> Row:
    return Row(
        "date",
        name,
        label,
        required=True,
        default="today()",
        constraint=". <= today()",
        constraint_message=(
            "Data nuk mund të jetë në të ardhmen.",
            "The date cannot be in the future.",
            "La date ne peut pas être dans le futur.",
        ),
    )


# -- register a participant at an activity -------------------------------------------------------


@shipped_form("kujdes_participant_register")
def participant_register_form(organisation: Any) -> bytes:
    """An activity, then a person chosen from the unit's participants or registered anew; a
    parent's consent for a child at a summer camp, as the web's enrolment asks."""
    new = "${person_mode} = 'new'"
    survey = [
        _activity(),
        Row(
            "select_one person_mode",
            "person_mode",
            ("Personi", "The person", "La personne"),
            required=True,
            appearance="horizontal",
        ),
        Row(
            "select_one_from_file persons.csv",
            "person",
            ("Zgjidhni personin", "Choose the person", "Choisissez la personne"),
            hint=(
                "Pjesëmarrësit e aktiviteteve të njësisë suaj.",
                "Participants of your unit's activities.",
                "Les participants des activités de votre unité.",
            ),
            required=True,
            relevant="${person_mode} = 'existing'",
            appearance="autocomplete",
        ),
        Row("begin_group", "new_person", ("Person i ri", "New person", "Nouvelle personne"), relevant=new),
        Row("text", "given_name", ("Emri", "Given name", "Prénom"), required=True),
        Row("text", "family_name", ("Mbiemri", "Family name", "Nom de famille")),
        Row("select_one sex", "sex", ("Gjinia", "Sex", "Sexe"), required=True),
        Row(
            "integer",
            "birth_year",
            ("Viti i lindjes", "Year of birth", "Année de naissance"),
            constraint=". >= 1900 and . <= format-date(today(), '%Y')",
            constraint_message=(
                "Një vit midis 1900 dhe sot.",
                "A year between 1900 and this year.",
                "Une année entre 1900 et cette année.",
            ),
        ),
        Row("text", "municipality", ("Bashkia", "Municipality", "Commune")),
        Row("text", "phone", ("Telefoni", "Phone", "Téléphone"), appearance="numbers"),
        Row("end_group", ""),
        # What the activities and persons lists say of the choice, for the consent question below.
        Row("calculate", "camp", calculation="instance('activities')/root/item[name=${activity}]/camp"),
        Row(
            "calculate",
            "start_year",
            calculation="instance('activities')/root/item[name=${activity}]/start_year",
        ),
        Row(
            "calculate",
            "person_birth_year",
            calculation=(
                "if(${person_mode} = 'new', ${birth_year}, "
                "instance('persons')/root/item[name=${person}]/birth_year)"
            ),
        ),
        # Age at the activity's start, as the web's enrolment counts it; unknown counts as a child.
        Row(
            "calculate",
            "minor",
            calculation=(
                "if(string-length(${person_birth_year}) = 0 or "
                "number(${start_year}) - number(${person_birth_year}) < 18, 'yes', 'no')"
            ),
        ),
        Row(
            "begin_group",
            "consent",
            ("Pëlqimi i prindit", "Parental consent", "Consentement parental"),
            relevant="${camp} = '1' and ${minor} = 'yes'",
        ),
        Row(
            "select_one yes_no",
            "parental_consent",
            (
                "Një prind ose kujdestar dha pëlqimin?",
                "Did a parent or guardian give consent?",
                "Un parent ou tuteur a-t-il donné son consentement ?",
            ),
            required=True,
            constraint=". = 'yes'",
            constraint_message=(
                "Një fëmijë shkon në kamp vetëm me pëlqimin e prindit ose kujdestarit.",
                "A child goes to camp only with a parent's or guardian's consent.",
                "Un enfant ne va au camp qu'avec le consentement d'un parent ou tuteur.",
            ),
        ),
        Row(
            "text",
            "parental_consent_by",
            ("Kush dha pëlqimin", "Consent given by", "Consentement donné par"),
            required=True,
            relevant="${parental_consent} = 'yes'",
        ),
        Row("end_group", ""),
    ]
    choices = [
        ("person_mode", "existing", ("I regjistruar", "Already registered", "Déjà enregistrée")),
        ("person_mode", "new", ("I ri", "New", "Nouvelle")),
        *[("sex", code, label) for code, label in SEX_LABELS.items()],
        *[("yes_no", code, label) for code, label in YES_NO],
    ]
    return xlsform_build(
        form_id="kujdes_participant_register",
        title=(
            "Regjistro një pjesëmarrës",
            "Register a participant",
            "Inscrire un participant",
        ),
        organisation=organisation,
        survey=survey,
        choices=choices,
    )


# -- session attendance -------------------------------------------------------------------------------


@shipped_form("kujdes_attendance")
def attendance_form(organisation: Any) -> bytes:
    """An activity, one of its sessions, and who was present among its participants."""
    survey = [
        _activity(kind_filter="participants = '1'"),
        Row(
            "select_one_from_file sessions.csv",
            "session",
            ("Seanca", "Session", "Séance"),
            required=True,
            choice_filter="activity = ${activity}",
        ),
        Row(
            "select_multiple_from_file participants.csv",
            "present",
            ("Kush ishte i pranishëm?", "Who was present?", "Qui était présent ?"),
            hint=(
                "Shënoni të pranishmit; të tjerët regjistrohen si mungesë.",
                "Tick those present; the others are recorded as absent.",
                "Cochez les présents ; les autres sont notés absents.",
            ),
            choice_filter="activity = ${activity}",
        ),
    ]
    return xlsform_build(
        form_id="kujdes_attendance",
        title=("Prania në seancë", "Session attendance", "Présence à la séance"),
        organisation=organisation,
        survey=survey,
    )


# -- anonymous headcount ------------------------------------------------------------------------------


def headcount_field(sex: str, age_from: int) -> str:
    """`n_f_0`, `n_m_18`, …: the headcount's cell for a sex code and an age group's lower bound."""
    return f"n_{HEADCOUNT_SEX_CODES[sex]}_{age_from}"


@shipped_form("kujdes_headcount")
def headcount_form(organisation: Any) -> bytes:
    """Anonymous numbers: who was counted (a category), then a sex × age group grid of the
    organisation's age groups (programme settings), one integer per cell."""
    bounds = age_groups_for(organisation_id=organisation.pk)
    survey = [
        _activity(kind_filter="headcounts = '1'"),
        _today_or_before("date", ("Data", "Date", "Date")),
        Row(
            "select_one category",
            "category",
            ("Kush u numërua", "Who was counted", "Qui a été compté"),
            required=True,
            default=HeadcountCategory.GENERAL.value,
        ),
        Row("text", "place", ("Vendi", "Place", "Lieu")),
    ]
    fields = []
    for sex, code in HEADCOUNT_SEX_CODES.items():
        survey.append(Row("begin_group", f"g_{code}", HEADCOUNT_SEX_LABELS[sex], appearance="field-list"))
        for age_from in bounds:
            band = age_group_label(bounds, age_from)
            name = headcount_field(sex, age_from)
            fields.append(name)
            survey.append(
                Row(
                    "integer",
                    name,
                    (f"{band} vjeç", f"{band} years", f"{band} ans"),
                    constraint=f". >= 0 and . <= {MAX_CELL}",
                    constraint_message=(
                        "Një numër midis 0 dhe 20000.",
                        "A number between 0 and 20000.",
                        "Un nombre entre 0 et 20000.",
                    ),
                )
            )
        survey.append(Row("end_group", ""))
    total = " + ".join(f"coalesce(${{{name}}}, 0)" for name in fields)
    survey += [
        Row("calculate", "total", calculation=total),
        Row(
            "note",
            "total_note",
            (
                "Gjithsej: ${total} persona",
                "In all: ${total} people",
                "Au total : ${total} personnes",
            ),
            constraint="",
        ),
        Row(
            "text",
            "notes",
            ("Shënime", "Notes", "Notes"),
            appearance="multiline",
        ),
    ]
    choices = [("category", code, label) for code, label in HEADCOUNT_CATEGORY_LABELS.items()]
    return xlsform_build(
        form_id="kujdes_headcount",
        title=("Numërim anonim", "Anonymous headcount", "Comptage anonyme"),
        organisation=organisation,
        survey=survey,
        choices=choices,
    )


# -- volunteer hours ----------------------------------------------------------------------------------


@shipped_form("kujdes_volunteer_hours")
def volunteer_hours_form(organisation: Any) -> bytes:
    """Hours a volunteer gave: on a volunteer's own phone their own record is chosen already
    (`own` = 1 in the generated volunteers.csv)."""
    survey = [
        Row(
            "select_one_from_file volunteers.csv",
            "volunteer",
            ("Vullnetari", "Volunteer", "Bénévole"),
            required=True,
            default="instance('volunteers')/root/item[own = '1']/name",
            appearance="minimal",
        ),
        _today_or_before("date", ("Data", "Date", "Date")),
        Row(
            "decimal",
            "hours",
            ("Orë", "Hours", "Heures"),
            required=True,
            constraint=". > 0 and . <= 16",
            constraint_message=(
                "Midis 0,5 dhe 16 orë në ditë.",
                "Between 0.5 and 16 hours a day.",
                "Entre 0,5 et 16 heures par jour.",
            ),
        ),
        Row(
            "select_one_from_file activities.csv",
            "activity",
            ("Aktiviteti (nëse ka)", "Activity (if any)", "Activité (le cas échéant)"),
            appearance="minimal",
        ),
        Row("text", "notes", ("Shënime", "Notes", "Notes"), appearance="multiline"),
    ]
    return xlsform_build(
        form_id="kujdes_volunteer_hours",
        title=("Orët e vullnetarit", "Volunteer hours", "Heures de bénévolat"),
        organisation=organisation,
        survey=survey,
    )
