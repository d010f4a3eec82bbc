"""The coded fields of the targets beyond sex, municipality and yes/no: what a value may be mapped to
and the spellings registers use for it, in the network's languages (sq, fr, en, ar, it, tr, ro, uk,
bs). A value is proposed when its folded spelling is listed, when it is the code or the code's label
(in English or the user's language), or, failing both, a close spelling (rapidfuzz, 88 % or more).

The same words name the columns of a case register that has a column per service ("Strehim",
"Hébergement", "Santé"...): see `SERVICE_FIELDS` in kujdes.imports.targets.cases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext as _

from kujdes.imports import mapping as m


@dataclass(frozen=True)
class Vocabulary:
    choices: Callable[[], list[tuple[str, str]]]
    words: dict[str, tuple[str, ...]]
    fuzzy: bool = True


def _choices_of(text_choices: type) -> Callable[[], list[tuple[str, str]]]:
    def choices() -> list[tuple[str, str]]:
        return [(code, str(label)) for code, label in text_choices.choices]  # type: ignore[attr-defined]

    return choices


EXPLOITATION_WORDS: dict[str, tuple[str, ...]] = {
    "SexualExploitation": (
        "shfrytezim seksual",
        "shfrytezimi seksual",
        "seksual",
        "prostitucion",
        "prostitucioni",
        "exploitation sexuelle",
        "sexuelle",
        "prostitution",
        "sexual",
        "sexual exploitation",
        "الاستغلال الجنسي",
        "استغلال جنسي",
        "sfruttamento sessuale",
        "cinsel somuru",
        "exploatare sexuala",
        "seksualno iskoristavanje",
    ),
    "ForcedLabour": (
        "pune e detyruar",
        "pune te detyruar",
        "pune e detyrueshme",
        "shfrytezim ne pune",
        "shfrytezim pune",
        "travail force",
        "exploitation par le travail",
        "exploitation economique",
        "forced labour",
        "forced labor",
        "labour exploitation",
        "labour",
        "العمل القسري",
        "عمل قسري",
        "lavoro forzato",
        "zorla calistirma",
        "munca fortata",
        "prisilni rad",
    ),
    "ChildLabour": (
        "pune e femijeve",
        "pune femijesh",
        "travail des enfants",
        "child labour",
        "child labor",
        "عمالة الأطفال",
        "lavoro minorile",
        "cocuk iscilik",
    ),
    "ForcedMarriage": (
        "martese e detyruar",
        "martese me detyrim",
        "martese e rregulluar",
        "mariage force",
        "forced marriage",
        "الزواج القسري",
        "زواج قسري",
        "matrimonio forzato",
        "zorla evlilik",
        "casatorie fortata",
        "prisilni brak",
    ),
    "Servitude": (
        "skllaveri",
        "robëri",
        "sherbim shtepiak",
        "servitude",
        "servitude domestique",
        "esclavage",
        "domestic servitude",
        "slavery",
        "العبودية",
        "servitu",
    ),
    "ForcedBegging": (
        "lypje",
        "lypje e detyruar",
        "lypsari",
        "mendicite",
        "mendicite forcee",
        "begging",
        "forced begging",
        "التسول",
        "التسول القسري",
        "accattonaggio",
        "dilencilik",
        "cersetorie",
        "prosjacenje",
    ),
    "OrganRemoval": (
        "heqje organesh",
        "trafikim organesh",
        "prelevement d'organes",
        "trafic d'organes",
        "organ removal",
        "organ trafficking",
        "نزع الأعضاء",
        "espianto di organi",
    ),
    "ForcedAdoption": ("biresim i detyruar", "adoption forcee", "forced adoption", "التبني القسري"),
    "Surrogacy": ("nene zevendesuese", "gestation pour autrui", "gpa", "surrogacy", "الأم البديلة"),
    "ForcedMilitaryByNonStateActors": (
        "sherbim ushtarak i detyruar",
        "enrolement force",
        "enfants soldats",
        "forced military service",
        "child soldiers",
        "التجنيد القسري",
    ),
    "Other": ("tjeter", "te tjera", "autre", "autres", "other", "أخرى", "altro", "diger", "altele", "drugo"),
    m.NONE_CODE: ("asnje", "nuk ka", "aucun", "aucune", "none", "-", "لا شيء", "nessuno", "yok"),
}

SERVICE_WORDS: dict[str, tuple[str, ...]] = {
    "Shelter": (
        "strehim",
        "strehimi",
        "strehe",
        "qendra e strehimit",
        "hebergement",
        "logement",
        "foyer",
        "shelter",
        "accommodation",
        "housing",
        "مأوى",
        "إيواء",
        "alloggio",
        "barinak",
        "adapost",
        "smjestaj",
        "притулок",
    ),
    "Health": (
        "shendetesi",
        "shendet",
        "kujdes shendetesor",
        "mjekesor",
        "ndihme mjekesore",
        "sante",
        "soins",
        "soins medicaux",
        "medical",
        "health",
        "healthcare",
        "health care",
        "الصحة",
        "رعاية صحية",
        "salute",
        "saglik",
        "sanatate",
        "zdravlje",
    ),
    "Psychosocial": (
        "psikosocial",
        "mbeshtetje psikologjike",
        "mbeshtetje psikosociale",
        "keshillim",
        "psikolog",
        "soutien psychologique",
        "psychologique",
        "psychosocial",
        "accompagnement psychologique",
        "counselling",
        "counseling",
        "psychosocial support",
        "دعم نفسي",
        "الدعم النفسي",
        "psicosociale",
        "psikososyal",
        "psihosocial",
    ),
    "Legal": (
        "ligjor",
        "ndihme ligjore",
        "asistence ligjore",
        "juridik",
        "aide juridique",
        "assistance juridique",
        "juridique",
        "legal",
        "legal aid",
        "legal assistance",
        "مساعدة قانونية",
        "قانوني",
        "assistenza legale",
        "hukuki",
        "juridic",
        "pravna pomoc",
    ),
    "Education": (
        "arsim",
        "arsimim",
        "edukim",
        "shkollim",
        "shkolle",
        "scolarite",
        "scolarisation",
        "education",
        "school",
        "schooling",
        "التعليم",
        "istruzione",
        "egitim",
        "educatie",
        "obrazovanje",
    ),
    "Livelihood": (
        "punesim",
        "formim profesional",
        "kurs profesional",
        "aftesim profesional",
        "formation professionnelle",
        "insertion professionnelle",
        "emploi",
        "employment",
        "vocational training",
        "livelihood",
        "سبل العيش",
        "التدريب المهني",
        "formazione professionale",
        "mesleki egitim",
        "zaposljavanje",
    ),
    "Financial": (
        "financiar",
        "ndihme financiare",
        "ndihme ekonomike",
        "aide financiere",
        "financier",
        "financial",
        "cash",
        "financial support",
        "مساعدة مالية",
        "aiuto economico",
        "mali yardim",
    ),
    "SocialCare": (
        "kujdes social",
        "sherbime sociale",
        "ndihme sociale",
        "aide sociale",
        "accompagnement social",
        "social care",
        "social services",
        "رعاية اجتماعية",
        "assistenza sociale",
        "sosyal hizmet",
    ),
    "RightsBasedTraining": (
        "trajnim per te drejtat",
        "te drejtat",
        "formation aux droits",
        "rights training",
        "rights based training",
        "التدريب على الحقوق",
    ),
    "LabourExploitationRehabilitation": ("rehabilitim pas punes se detyruar", "rehabilitation travail force"),
    "SexualExploitationRehabilitation": (
        "rehabilitim pas shfrytezimit seksual",
        "rehabilitation exploitation sexuelle",
    ),
    "Other": ("tjeter", "te tjera", "autre", "autres", "other", "أخرى", "altro"),
}

NRM_WORDS: dict[str, tuple[str, ...]] = {
    "at_risk": ("ne rrezik", "rrezik", "at risk", "risk", "a risque", "en danger", "risque", "معرض للخطر"),
    "potential_victim": (
        "viktime e mundshme",
        "viktime potenciale",
        "e mundshme",
        "potential victim",
        "presumed victim",
        "potential",
        "victime potentielle",
        "victime presumee",
        "ضحية محتملة",
        "vittima potenziale",
    ),
    "official_victim": (
        "viktime zyrtare",
        "status zyrtar",
        "viktime e identifikuar",
        "viktime",
        "official victim",
        "identified victim",
        "official",
        "victime officielle",
        "victime identifiee",
        "victime reconnue",
        "ضحية رسمية",
        "vittima riconosciuta",
    ),
}

CASE_TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "prevention": (
        "parandalim",
        "parandalimi",
        "prevention",
        "prévention",
        "الوقاية",
        "prevenzione",
        "onleme",
    ),
    "victim_assistance": (
        "asistence",
        "asistence per viktimat",
        "ndihme per viktimat",
        "victim assistance",
        "assistance",
        "assistance aux victimes",
        "protection",
        "مساعدة الضحايا",
        "assistenza alle vittime",
    ),
}

CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "general": (
        "publiku",
        "publik",
        "te pergjithshem",
        "komuniteti",
        "general",
        "general public",
        "public",
        "grand public",
        "عامة الناس",
        "pubblico",
    ),
    "child_at_risk": (
        "femije ne rrezik",
        "femije",
        "children at risk",
        "children",
        "enfants a risque",
        "enfants",
        "أطفال معرضون للخطر",
        "bambini a rischio",
    ),
    "woman_at_risk": (
        "gra ne rrezik",
        "gra dhe vajza",
        "women at risk",
        "women and girls",
        "femmes a risque",
        "femmes et filles",
        "نساء معرضات للخطر",
        "donne a rischio",
    ),
    "young_person": ("te rinj", "te rinjte", "rinia", "youth", "young people", "jeunes", "الشباب", "giovani"),
    "parents": ("prinder", "prinderit", "familje", "parents", "families", "familles", "الآباء", "genitori"),
    "professionals": (
        "profesioniste",
        "profesionistet",
        "mesues",
        "professionals",
        "professionnels",
        "المهنيون",
        "professionisti",
    ),
}

# Attendance marks of paper registers: present, absent (and "excused" is absent).
PRESENT, ABSENT = "present", "absent"
MARK_WORDS: dict[str, tuple[str, ...]] = {
    PRESENT: (
        "x",
        "p",
        "1",
        "✓",
        "✔",
        "v",
        "+",
        "po",
        "prezent",
        "i pranishem",
        "e pranishme",
        "present",
        "presente",
        "yes",
        "y",
        "oui",
        "o",
        "حاضر",
        "نعم",
        "var",
        "evet",
        "da",
        "prisutan",
        "присутній",
        "так",
        "ok",
    ),
    ABSENT: (
        "a",
        "0",
        "-",
        "jo",
        "mungon",
        "mungoi",
        "munges",
        "m",
        "absent",
        "absente",
        "abs",
        "no",
        "n",
        "non",
        "excuse",
        "e justifikuar",
        "i justifikuar",
        "j",
        "غائب",
        "لا",
        "yok",
        "assente",
        "absent motivat",
        "odsutan",
        "відсутній",
        "ні",
    ),
}

NATIONALITY_WORDS: dict[str, tuple[str, ...]] = {
    "AL": (
        "shqiperi",
        "shqiperia",
        "shqiptar",
        "shqiptare",
        "albania",
        "albanian",
        "albanie",
        "albanais",
        "albanaise",
        "ألبانيا",
        "ألباني",
        "albanese",
        "arnavut",
        "arnavutluk",
        "albanez",
    ),
    "XK": ("kosove", "kosova", "kosovar", "kosovare", "kosovo", "kosovan", "kosovar", "كوسوفو"),
    "MK": (
        "maqedoni",
        "maqedonia e veriut",
        "maqedonas",
        "macedonia",
        "north macedonia",
        "macedonian",
        "macedoine",
        "macedoine du nord",
        "مقدونيا",
    ),
    "ME": (
        "mali i zi",
        "malazez",
        "malazeze",
        "montenegro",
        "montenegrin",
        "monténégro",
        "monténégrin",
        "الجبل الأسود",
        "crna gora",
    ),
    "RS": ("serbi", "serbia", "serb", "serbe", "serbian", "serbie", "صربيا", "srbija"),
    "GR": (
        "greqi",
        "greqia",
        "grek",
        "greke",
        "greece",
        "greek",
        "grece",
        "grec",
        "grecque",
        "اليونان",
        "grecia",
        "yunanistan",
    ),
    "IT": (
        "itali",
        "italia",
        "italian",
        "italiane",
        "italy",
        "italie",
        "italien",
        "italienne",
        "إيطاليا",
        "italya",
    ),
    "BA": (
        "bosnje",
        "bosnja",
        "bosnia",
        "bosnian",
        "bosnie",
        "bosnia and herzegovina",
        "bosnie herzegovine",
        "البوسنة",
        "bosna i hercegovina",
    ),
    "BG": ("bullgari", "bullgaria", "bulgaria", "bulgarian", "bulgarie", "bulgare", "بلغاريا", "bugarska"),
    "RO": (
        "rumani",
        "rumania",
        "romania",
        "romanian",
        "roumanie",
        "roumain",
        "roumaine",
        "رومانيا",
        "romanya",
    ),
    "MD": ("moldavi", "moldova", "moldovan", "moldavie", "moldave", "مولدوفا"),
    "UA": (
        "ukraine",
        "ukrainian",
        "ukraina",
        "ukrainas",
        "ukrainien",
        "ukrainienne",
        "أوكرانيا",
        "україна",
        "ukrayna",
    ),
    "TR": (
        "turqi",
        "turqia",
        "turk",
        "turke",
        "turkey",
        "turkiye",
        "turkish",
        "turquie",
        "turc",
        "turque",
        "تركيا",
        "turchia",
    ),
    "AM": ("armeni", "armenia", "armenian", "armenie", "armenien", "armenienne", "أرمينيا"),
    "LB": ("liban", "libanez", "lebanon", "lebanese", "libanais", "libanaise", "لبنان", "لبناني", "libano"),
    "MA": (
        "maroku",
        "marok",
        "morocco",
        "moroccan",
        "maroc",
        "marocain",
        "marocaine",
        "المغرب",
        "مغربي",
        "marocco",
        "fas",
    ),
    "FR": ("france", "francez", "franceze", "french", "francais", "francaise", "فرنسا", "francia", "fransa"),
    "DE": (
        "gjermani",
        "gjermania",
        "germany",
        "german",
        "allemagne",
        "allemand",
        "allemande",
        "ألمانيا",
        "germania",
        "almanya",
    ),
    "GB": (
        "angli",
        "britani e madhe",
        "united kingdom",
        "uk",
        "british",
        "royaume uni",
        "britannique",
        "المملكة المتحدة",
        "regno unito",
    ),
    "SY": ("siri", "siria", "syria", "syrian", "syrie", "syrien", "syrienne", "سوريا", "سوري", "suriye"),
    "IQ": ("irak", "iraq", "iraqi", "irakien", "irakienne", "العراق", "عراقي"),
    "AF": ("afganistan", "afghanistan", "afghan", "afghane", "أفغانستان", "أفغاني"),
    "PK": ("pakistan", "pakistani", "pakistanais", "pakistanaise", "باكستان"),
    "BD": ("bangladesh", "bangladeshi", "bangladais", "بنغلاديش"),
    "EG": ("egjipt", "egypt", "egyptian", "egypte", "egyptien", "egyptienne", "مصر", "مصري"),
    "TN": ("tunizi", "tunisia", "tunisian", "tunisie", "tunisien", "tunisienne", "تونس", "تونسي"),
    "DZ": ("algjeri", "algeria", "algerian", "algerie", "algerien", "algerienne", "الجزائر", "جزائري"),
    "NG": ("nigeri", "nigeria", "nigerian", "nigerian", "nigériane", "نيجيريا"),
    "ER": ("eritre", "eritrea", "eritrean", "erythree", "erythreen", "إريتريا"),
    "CI": ("bregu i fildishte", "ivory coast", "cote d'ivoire", "ivoirien", "ivoirienne", "ساحل العاج"),
    "CM": ("kamerun", "cameroon", "cameroun", "camerounais", "camerounaise", "الكاميرون"),
    "PH": ("filipine", "philippines", "filipino", "philippin", "philippine", "الفلبين"),
}


def _nationality_choices() -> list[tuple[str, str]]:
    from kujdes.people.services import COUNTRY_CODES

    return [(code, code) for code in sorted(COUNTRY_CODES)]


def _none_and(choices: Callable[[], list[tuple[str, str]]]) -> Callable[[], list[tuple[str, str]]]:
    def with_none() -> list[tuple[str, str]]:
        return [*choices(), (m.NONE_CODE, _("— none —"))]

    return with_none


def _marks() -> list[tuple[str, str]]:
    return [(PRESENT, _("Present")), (ABSENT, _("Absent"))]


@cache
def vocabularies() -> dict[str, Vocabulary]:
    """Field name → its vocabulary (field names are the same in every target that has the field)."""
    from kujdes.cases.choices import CaseType, ExploitationType, NrmStage, SupportType
    from kujdes.programme.models import HeadcountCategory

    return {
        "exploitation_types": Vocabulary(_none_and(_choices_of(ExploitationType)), EXPLOITATION_WORDS),
        "service_type": Vocabulary(_choices_of(SupportType), SERVICE_WORDS),
        "nrm_stage": Vocabulary(_choices_of(NrmStage), NRM_WORDS),
        "case_type": Vocabulary(_choices_of(CaseType), CASE_TYPE_WORDS),
        "mark": Vocabulary(_marks, MARK_WORDS, fuzzy=False),
        "citizenships": Vocabulary(_nationality_choices, NATIONALITY_WORDS),
        "category": Vocabulary(_choices_of(HeadcountCategory), CATEGORY_WORDS),
    }


@cache
def _table(name: str) -> dict[str, str]:
    vocabulary = vocabularies()[name]
    table: dict[str, str] = {}
    for code, spellings in vocabulary.words.items():
        for word in spellings:
            table.setdefault(_key(word), code)
    return table


def _key(value: str) -> str:
    """A spelling folded; a mark of punctuation only ("✓", "+", "-") as it is written."""
    return m.fold(value) or value.strip()


def vocabulary_propose(name: str, value: str) -> str:
    """The code a value names in the field's vocabulary, "" when none is found."""
    from rapidfuzz import fuzz, process

    vocabulary = vocabularies()[name]
    folded = m.fold(value)
    table = _table(name)
    if _key(value) in table:
        return table[_key(value)]
    if not folded:
        return ""
    choices = vocabulary.choices()
    for code, label in choices:
        if folded in (m.fold(code), m.fold(label)):
            return code
    if not vocabulary.fuzzy or len(folded) < 4:
        return ""
    found = process.extractOne(folded, list(table), scorer=fuzz.ratio, score_cutoff=88)
    return table[found[0]] if found else ""
