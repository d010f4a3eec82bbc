"""Invented stories for the demo network: persons, their cases in every stage, and what was done.

Every name, place detail and event here is made up; any resemblance to a real
person is a coincidence. The stories are written in Albanian, as the diocesan
case workers would write them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DemoStory:
    given_name: str
    family_name: str
    sex: str  # HTCDS gender code
    age: int
    municipality: str
    diocese: str  # unit code (albania-dioceses.csv) or a centre's name
    categories: list[str]
    summary: str
    case: dict[str, Any] = field(default_factory=dict)
    # What the case worker did: screening answers, plans, follow-ups, referrals.
    screening: str = ""  # "risk" or "ilo"
    risk_factors: list[str] = field(default_factory=list)
    plans: list[tuple[str, str, str]] = field(default_factory=list)  # (type, objectives, actions)
    follow_ups: list[tuple[int, str, str, int | None]] = field(
        default_factory=list
    )  # (days ago, method, note, next in)
    referral: tuple[str, str] | None = None  # (service type, details)
    note: str = ""
    close: str = ""  # closure reason, requested at the end (waits for the manager's approval)
    guardian: tuple[str, str, str] | None = None  # (given name, family name, relation)
    # Where she was recruited, moved or exploited: (HTCDS event type, country, place, description).
    events: list[tuple[str, str, str, str]] = field(default_factory=list)
    # Papers kept in the file: (title, the text of a one-page synthetic PDF).
    documents: list[tuple[str, str]] = field(default_factory=list)


STORIES: list[DemoStory] = [
    DemoStory(
        "Elira",
        "Gjoni",
        "Feminine",
        15,
        "Shkodër",
        "SHKODER-PULT",
        ["child_at_risk"],
        "Ka braktisur shkollën në klasën e nëntë. Nëna punon në Itali dhe vajza jeton me gjyshen. "
        "Në Instagram i kanë ofruar punë si kameriere në Tiranë me pagë të lartë.",
        case={"case_type": "prevention", "nrm_stage": "at_risk"},
        screening="risk",
        risk_factors=["school_dropout", "absent_parents", "online_job_offer"],
        plans=[("Education", "Rikthim në shkollë deri në shtator.", "Takim me drejtorin; kurs mbështetës.")],
        follow_ups=[(20, "visit", "Vizitë në shtëpi; gjyshja bashkëpunon.", -3)],
        guardian=("Drane", "Gjoni", "grandparent"),
    ),
    DemoStory(
        "Mirela",
        "Doda",
        "Feminine",
        19,
        "Vau i Dejës",
        "SAPE",
        ["woman_at_risk", "young_person"],
        "E papunë pas mbarimit të shkollës së mesme; i ati e detyron të martohet. "
        "Dëshiron të ndjekë kursin e rrobaqepësisë.",
        case={"case_type": "prevention", "nrm_stage": "at_risk"},
        screening="risk",
        risk_factors=["unemployment", "domestic_violence", "extreme_poverty"],
        plans=[("Livelihood", "Kurs profesional dhe punësim.", "Regjistrim në kursin e rrobaqepësisë.")],
        follow_ups=[(10, "phone", "Ka filluar kursin; ndihet më e sigurt.", 20)],
    ),
    DemoStory(
        "Klodiana",
        "Marku",
        "Feminine",
        17,
        "Lezhë",
        "SHKODER-PULT",
        ["child_at_risk", "potential_victim"],
        "U kthye nga Greqia ku kishte shkuar me një 'të fejuar'. I merrnin pasaportën dhe fitimet. "
        "Policia e referoi te ne pas intervistës.",
        case={
            "case_type": "victim_assistance",
            "nrm_stage": "potential_victim",
            "trafficking_status": "PossibleVictimOfTrafficking",
            "status_decided_by": "Police",
            "exploitation_types": ["SexualExploitation"],
            "sex_exploitation_types": ["Prostitution"],
            "control_methods": ["WithholdsDocuments", "TakesEarnings", "FalsePromises"],
            "recruitment_methods": ["ThroughOnlineSocialNetworks"],
            "recruitment_websites": ["Facebook"],
            "trafficker_relationship": "Acquainted",
            "age_when_trafficked": 16,
        },
        screening="ilo",
        plans=[
            ("Health", "Kontroll mjekësor dhe mbështetje psikologjike.", "Takim në qendrën shëndetësore."),
            ("Legal", "Ndihmë ligjore për procesin penal.", "Avokat nga shërbimi i ndihmës ligjore."),
        ],
        follow_ups=[(5, "office", "Takim në zyrë; fle më mirë.", 2)],
        referral=("Shelter", "Ka nevojë urgjente për strehim të sigurt për 3 muaj."),
        note="Nëna nuk e di ende; vajza kërkon që t'i tregohet bashkë me psikologen.",
        guardian=("Lule", "Marku", "parent"),
        events=[
            ("Recruitment", "AL", "Lezhë", "Njohje në Facebook me një 'të fejuar' që i premtoi martesë."),
            ("Exploitation", "GR", "Selanik", "E detyruar të punonte në lokale nate; i merrnin fitimet."),
        ],
        documents=[("Raporti i intervistës me policinë (kopje)", "Raport interviste - demo, sintetik")],
    ),
    DemoStory(
        "Arbëresha",
        "Prendi",
        "Feminine",
        24,
        "Mirditë",
        "TIRANE-DURRES",
        ["victim"],
        "Punoi pa pagë në bujqësi në Itali për tetë muaj; punëdhënësi i mbante dokumentet. "
        "Statusi i viktimës u njoh nga Komiteti; tani kërkon punë në Rrëshen.",
        case={
            "case_type": "victim_assistance",
            "nrm_stage": "official_victim",
            "trafficking_status": "ActualVictimOfTrafficking",
            "status_decided_by": "NonPoliceGovernmentalOrganization",
            "exploitation_types": ["ForcedLabour"],
            "labour_industry": "A_AgricultureForestryAndFishing",
            "control_methods": ["WithholdsDocuments", "DebtBondage", "ExcessiveWorkingHours"],
            "recruitment_methods": ["ThroughFriendsOrSocialEvents"],
            "trafficker_relationship": "Unaquainted",
            "age_when_trafficked": 22,
            "nrm_authority": "Autoriteti Përgjegjës (demo)",
        },
        screening="ilo",
        plans=[("Livelihood", "Punësim i qëndrueshëm brenda vitit.", "Referim në zyrën e punësimit.")],
        follow_ups=[(40, "visit", "Ka gjetur punë sezonale.", -10)],
        referral=("Livelihood", "Kërkon këshillim për punësim dhe kurs kontabiliteti."),
        note="Dokumentet e identitetit u rinovuan me ndihmën tonë.",
        events=[
            ("Recruitment", "AL", "Rrëshen", "Një shoqe i foli për punë në bujqësi me pagë të mirë."),
            ("Exploitation", "IT", "Foggia", "Tetë muaj punë pa pagë; punëdhënësi i mbante dokumentet."),
        ],
        documents=[("Vendimi për statusin e viktimës (kopje)", "Vendim statusi - demo, sintetik")],
    ),
    DemoStory(
        "Gëzim",
        "Hoxha",
        "Masculine",
        13,
        "Tiranë",
        "TIRANE-DURRES",
        ["child_at_risk"],
        "Lyp në rrugë pas shkollës; familja jeton në një barakë në periferi. "
        "Mësuesja e ka vënë re të lodhur dhe me mungesa.",
        case={"case_type": "prevention", "nrm_stage": "at_risk"},
        screening="risk",
        risk_factors=["street_situation", "extreme_poverty", "school_dropout"],
        plans=[("SocialCare", "Pako ushqimore dhe qendër ditore.", "Regjistrim në qendrën ditore.")],
        follow_ups=[(3, "visit", "Vjen rregullisht në qendrën ditore.", 25)],
        guardian=("Mimoza", "Hoxha", "parent"),
    ),
    DemoStory(
        "Valbona",
        "Lleshi",
        "Feminine",
        31,
        "Durrës",
        "TIRANE-DURRES",
        ["woman_at_risk"],
        "Nënë e vetme me dy fëmijë, pa të ardhura. Një 'agjenci' i ofron punë si kujdestare në Gjermani "
        "dhe i kërkon pasaportën.",
        case={"case_type": "prevention", "nrm_stage": "at_risk", "status": "FollowUp"},
        screening="risk",
        risk_factors=["single_parent", "migration_intention", "recruiter_contact"],
        plans=[("Financial", "Mbështetje e përkohshme me qiranë.", "Aplikim për ndihmë ekonomike.")],
        follow_ups=[(60, "phone", "Ka refuzuar ofertën e agjencisë.", 30)],
        close="goals_met",
    ),
    DemoStory(
        "Drita",
        "Kola",
        "Feminine",
        16,
        "Vlorë",
        "TIRANE-DURRES",
        ["child_at_risk", "potential_victim"],
        "Është larguar nga shtëpia dy herë këtë vit; ka kontakte me një grup të rinjsh që e ftojnë në Greqi. "
        "Familja raporton dhunë në shtëpi.",
        case={
            "case_type": "victim_assistance",
            "nrm_stage": "potential_victim",
            "trafficking_status": "PossibleVictimOfTrafficking",
            "status_decided_by": "NGO",
            "exploitation_types": ["SexualExploitation"],
            "recruitment_methods": ["ThroughFriendsOrSocialEvents"],
            "recruitment_websites": ["TikTok"],
        },
        screening="risk",
        risk_factors=["domestic_violence", "prior_abuse", "migration_intention"],
        follow_ups=[(15, "office", "Takim me psikologen e shkollës.", 5)],
        referral=("Psychosocial", "Këshillim psikologjik dhe mbështetje për familjen."),
        guardian=("Mira", "Kola", "parent"),
    ),
    DemoStory(
        "Rita",
        "Shkurti",
        "Feminine",
        20,
        "Kurbin",
        "LEZHE",
        ["young_person", "family_member"],
        "Motra e saj e madhe është viktimë e trafikimit. Rita ka përfunduar kursin e parukerisë "
        "dhe ka hapur një sallon të vogël.",
        case={
            "case_type": "prevention",
            "nrm_stage": "at_risk",
            "status": "Closed",
            "closure_reason": "goals_met",
        },
        screening="risk",
        risk_factors=["trafficking_in_family", "unemployment"],
    ),
]
