# Translated prose, kept as whole sentences for translators and reviewers: long lines on purpose.
# ruff: noqa: E501
"""The instruments Kujdes ships: the four ILO/EC operational indicator lists and a prevention risk screening.

Sources and caveats (also written into every instrument's notes, so organisations see them):
- adult_labour and child_labour come from /work/shared/domain/ilo-indicators.csv, itself taken from a
  secondary source (a public GitHub reference, "Unified Weighted Trafficking-Indicator Reference —
  Migrant-Worker Forced Labour", which says it checked its grades against ILO/EC 2009, WCMS_105023).
- adult_sexual and child_sexual: no public copy of these lists could be read (searched: ILO and
  European Commission pages, studylib, vdocuments, the code and pages indexes). Three rows were read
  in the secondary source and are marked confirmed; every other row is the labour list adapted
  (same indicators and grades) and marked unconfirmed; "Deceived about the conditions of
  prostitution" was added by Kujdes. All four ship as "to be verified by the organisation".
- The act dimension of the child lists is Kujdes' reading of Palermo Protocol art. 3(c) (act +
  exploitation suffices for a child); it is not an ILO list.
- The risk screening's factors and weights are Kujdes' proposal, to be adapted by each organisation.
"""

from __future__ import annotations

from typing import Any

from kujdes.screening.shipped_translations import translations_add

# code suffix → (English, Albanian, French). Noun phrases, so that no gender has to be chosen.
LABELS: dict[str, tuple[str, str, str]] = {
    # Deceptive recruitment
    "nature_job": (
        "Deceived about the nature of the job, location or employer",
        "Mashtrim për natyrën e punës, vendin ose punëdhënësin",
        "Tromperie sur la nature du travail, le lieu ou l'employeur",
    ),
    "wages": (
        "Deceived about wages/earnings",
        "Mashtrim për pagën ose të ardhurat",
        "Tromperie sur le salaire ou les gains",
    ),
    "conditions_work": (
        "Deceived about conditions of work",
        "Mashtrim për kushtet e punës",
        "Tromperie sur les conditions de travail",
    ),
    "contract": (
        "Deceived about content or legality of work contract",
        "Mashtrim për përmbajtjen ose ligjshmërinë e kontratës së punës",
        "Tromperie sur le contenu ou la légalité du contrat de travail",
    ),
    "housing": (
        "Deceived about housing and living conditions",
        "Mashtrim për strehimin dhe kushtet e jetesës",
        "Tromperie sur le logement et les conditions de vie",
    ),
    "legal_documents": (
        "Deceived about legal documentation or obtaining legal migration status",
        "Mashtrim për dokumentet ligjore ose për marrjen e statusit të ligjshëm të migrimit",
        "Tromperie sur les documents légaux ou l'obtention d'un statut migratoire régulier",
    ),
    "travel": (
        "Deceived about travel and recruitment conditions",
        "Mashtrim për kushtet e udhëtimit dhe të rekrutimit",
        "Tromperie sur les conditions du voyage et du recrutement",
    ),
    "family_reunification": (
        "Deceived about family reunification",
        "Mashtrim për bashkimin familjar",
        "Tromperie sur le regroupement familial",
    ),
    "marriage_adoption": (
        "Deceived through promises of marriage or adoption",
        "Mashtrim me premtime martese ose birësimi",
        "Tromperie par des promesses de mariage ou d'adoption",
    ),
    "education": (
        "Deceived about access to education opportunities",
        "Mashtrim për mundësitë e arsimimit",
        "Tromperie sur l'accès à des possibilités d'études",
    ),
    "prostitution_conditions": (
        "Deceived about the conditions of prostitution",
        "Mashtrim për kushtet e prostitucionit",
        "Tromperie sur les conditions de la prostitution",
    ),
    # Coercion (recruitment and destination)
    "violence": ("Violence on victims", "Dhunë ndaj viktimës", "Violences sur la victime"),
    "threats_violence": (
        "Threats of violence against victim",
        "Kërcënime me dhunë ndaj viktimës",
        "Menaces de violences contre la victime",
    ),
    "abduction": (
        "Abduction, forced marriage, forced adoption or selling of victim",
        "Rrëmbim, martesë e detyruar, birësim i detyruar ose shitje e viktimës",
        "Enlèvement, mariage forcé, adoption forcée ou vente de la victime",
    ),
    "debt_bondage": ("Debt bondage", "Skllavëri për shkak të borxhit", "Servitude pour dettes"),
    "documents": ("Confiscation of documents", "Konfiskim i dokumenteve", "Confiscation des documents"),
    "isolation": (
        "Isolation, confinement or surveillance",
        "Izolim, mbyllje ose mbikëqyrje",
        "Isolement, séquestration ou surveillance",
    ),
    "threat_denunciation": (
        "Threat of denunciation to authorities",
        "Kërcënim për denoncim te autoritetet",
        "Menace de dénonciation aux autorités",
    ),
    "threat_inform_family": (
        "Threats to inform family, community or public",
        "Kërcënime për të njoftuar familjen, komunitetin ose publikun",
        "Menaces d'informer la famille, la communauté ou le public",
    ),
    "violence_family": (
        "Violence on family (threats or effective)",
        "Dhunë ndaj familjes (kërcënime ose dhunë e ushtruar)",
        "Violences sur la famille (menaces ou actes)",
    ),
    "withholding_money": ("Withholding of money", "Mbajtje e parave", "Retenue d'argent"),
    "criminal_activities": (
        "Forced into illicit/criminal activities",
        "Detyrim për veprimtari të paligjshme ose kriminale",
        "Contrainte à des activités illicites ou criminelles",
    ),
    "forced_tasks": (
        "Forced tasks or clients",
        "Detyra ose klientë të imponuar",
        "Tâches ou clients imposés",
    ),
    "strong_influence": ("Under strong influence", "Nën ndikim të fortë", "Sous forte emprise"),
    "against_peers": (
        "Forced to act against peers",
        "Detyrim për të vepruar kundër të tjerëve në të njëjtën gjendje",
        "Contrainte à agir contre ses pairs",
    ),
    "forced_lie": (
        "Forced to lie to authorities, family, etc.",
        "Detyrim për të gënjyer autoritetet, familjen etj.",
        "Contrainte à mentir aux autorités, à la famille, etc.",
    ),
    "threat_worse_conditions": (
        "Threat to impose even worse working conditions",
        "Kërcënim për kushte pune edhe më të këqija",
        "Menace d'imposer des conditions de travail encore pires",
    ),
    "withholding_wages": ("Withholding of wages", "Mbajtje e pagave", "Retenue des salaires"),
    # Abuse of vulnerability (recruitment and destination)
    "difficult_family": (
        "Abuse of difficult family situation",
        "Abuzim me situatën e vështirë familjare",
        "Abus d'une situation familiale difficile",
    ),
    "illegal_status": (
        "Abuse of illegal status",
        "Abuzim me statusin e parregullt",
        "Abus de la situation irrégulière",
    ),
    "lack_education": (
        "Abuse of lack of education (language)",
        "Abuzim me mungesën e arsimimit (gjuhës)",
        "Abus du manque d'instruction (langue)",
    ),
    "lack_information": (
        "Abuse of lack of information",
        "Abuzim me mungesën e informacionit",
        "Abus du manque d'information",
    ),
    "control_exploiters": (
        "Control of exploiters",
        "Kontroll nga shfrytëzuesit",
        "Contrôle par les exploiteurs",
    ),
    "economic": ("Economic reasons", "Arsye ekonomike", "Raisons économiques"),
    "false_info_migration": (
        "False information about successful migration",
        "Informacion i rremë për migrim të suksesshëm",
        "Fausses informations sur une migration réussie",
    ),
    "false_info_law": (
        "False information about law, attitude of authorities",
        "Informacion i rremë për ligjin dhe qëndrimin e autoriteteve",
        "Fausses informations sur la loi ou l'attitude des autorités",
    ),
    "family_situation": ("Family situation", "Situata familjare", "Situation familiale"),
    "personal_situation": ("Personal situation", "Situata personale", "Situation personnelle"),
    "emotional_dependency": (
        "Psychological and emotional dependency",
        "Varësi psikologjike dhe emocionale",
        "Dépendance psychologique et affective",
    ),
    "authorities_status": (
        "Relationship with authorities/legal status",
        "Marrëdhënia me autoritetet / statusi ligjor",
        "Relation avec les autorités / statut légal",
    ),
    "past_difficulties": ("Difficulties in the past", "Vështirësi në të kaluarën", "Difficultés passées"),
    "travel_organisation": (
        "Difficulty to organise the travel",
        "Vështirësi për të organizuar udhëtimin",
        "Difficulté à organiser le voyage",
    ),
    "cultural_beliefs": (
        "Abuse of cultural/religious beliefs",
        "Abuzim me besimet kulturore ose fetare",
        "Abus de croyances culturelles ou religieuses",
    ),
    "general_context": ("General context", "Konteksti i përgjithshëm", "Contexte général"),
    "dependency": (
        "Dependency on exploiters",
        "Varësi nga shfrytëzuesit",
        "Dépendance envers les exploiteurs",
    ),
    "unknown_area": (
        "Difficulty to live in an unknown area",
        "Vështirësi për të jetuar në një vend të panjohur",
        "Difficulté à vivre dans un lieu inconnu",
    ),
    "personal_characteristics": (
        "Personal characteristics",
        "Karakteristika personale",
        "Caractéristiques personnelles",
    ),
    # Exploitation
    "excessive_hours": (
        "Excessive working days or hours",
        "Ditë ose orë pune të tepërta",
        "Journées ou horaires de travail excessifs",
    ),
    "low_salary": ("Low or no salary", "Pagë e ulët ose aspak pagë", "Salaire faible ou inexistant"),
    "wage_manipulation": ("Wage manipulation", "Manipulim i pagës", "Manipulation du salaire"),
    "bad_living": ("Bad living conditions", "Kushte të këqija jetese", "Mauvaises conditions de vie"),
    "bad_working": (
        "Very bad working conditions",
        "Kushte shumë të këqija pune",
        "Très mauvaises conditions de travail",
    ),
    "hazardous": ("Hazardous work", "Punë e rrezikshme", "Travail dangereux"),
    "labour_law": (
        "No respect of labour laws or contract signed",
        "Mosrespektim i ligjeve të punës ose i kontratës së nënshkruar",
        "Non-respect du droit du travail ou du contrat signé",
    ),
    "social_protection": (
        "No social protection (contract, social insurance, etc.)",
        "Pa mbrojtje sociale (kontratë, sigurime shoqërore etj.)",
        "Aucune protection sociale (contrat, assurance sociale, etc.)",
    ),
    "no_education": ("No access to education", "Pa akses në arsim", "Pas d'accès à l'éducation"),
    # The act (child lists)
    "recruited": (
        "Recruitment by another person (offer of work, travel or a relationship)",
        "Rekrutim nga një person tjetër (ofertë pune, udhëtimi ose lidhjeje)",
        "Recrutement par un tiers (offre de travail, de voyage ou de relation)",
    ),
    "transported": (
        "Transport or transfer (within the country or abroad)",
        "Transportim ose transferim (brenda vendit ose jashtë tij)",
        "Transport ou transfert (dans le pays ou à l'étranger)",
    ),
    "harboured": (
        "Harbouring or receipt by the exploiters",
        "Strehim ose pritje nga shfrytëzuesit",
        "Hébergement ou accueil par les exploiteurs",
    ),
}

# Dimension code → (prefix of its indicator codes, role, labels en/sq/fr).
DIMENSIONS: dict[str, tuple[str, tuple[str, str, str]]] = {
    "act": (
        "act",
        (
            "Act: recruitment, transport, transfer, harbouring or receipt",
            "Veprimi: rekrutim, transportim, transferim, strehim ose pritje",
            "Acte : recrutement, transport, transfert, hébergement ou accueil",
        ),
    ),
    "deceptive_recruitment": (
        "dr",
        (
            "Deceptive recruitment (including transfer and transport)",
            "Rekrutim me mashtrim (përfshirë transferimin dhe transportin)",
            "Recrutement trompeur (y compris transfert et transport)",
        ),
    ),
    "coercive_recruitment": (
        "cr",
        (
            "Coercive recruitment (including transfer and transport)",
            "Rekrutim me shtrëngim (përfshirë transferimin dhe transportin)",
            "Recrutement sous la contrainte (y compris transfert et transport)",
        ),
    ),
    "abuse_of_vulnerability_recruitment": (
        "vr",
        (
            "Recruitment by abuse of vulnerability",
            "Rekrutim duke abuzuar me cenueshmërinë",
            "Recrutement par abus de vulnérabilité",
        ),
    ),
    "exploitation": (
        "ex",
        (
            "Exploitative conditions of work",
            "Kushte pune shfrytëzuese",
            "Conditions de travail relevant de l'exploitation",
        ),
    ),
    "coercion_at_destination": (
        "cd",
        ("Coercion at destination", "Shtrëngim në vendmbërritje", "Contrainte à destination"),
    ),
    "abuse_of_vulnerability_at_destination": (
        "vd",
        (
            "Abuse of vulnerability at destination",
            "Abuzim me cenueshmërinë në vendmbërritje",
            "Abus de vulnérabilité à destination",
        ),
    ),
}
SEXUAL_EXPLOITATION_LABEL = ("Exploitation", "Shfrytëzimi", "Exploitation")

# (dimension, indicator suffix, strength) of each list; "confirmed" is decided below.
_ADULT_LABOUR = [
    ("deceptive_recruitment", "nature_job", "strong"),
    *[
        ("deceptive_recruitment", s, "medium")
        for s in (
            "wages",
            "conditions_work",
            "contract",
            "housing",
            "legal_documents",
            "travel",
            "family_reunification",
            "marriage_adoption",
        )
    ],  # fmt: skip
    ("deceptive_recruitment", "education", "weak"),
    ("coercive_recruitment", "violence", "strong"),
    *[
        ("coercive_recruitment", s, "medium")
        for s in (
            "threats_violence",
            "abduction",
            "debt_bondage",
            "documents",
            "isolation",
            "threat_denunciation",
            "threat_inform_family",
            "violence_family",
            "withholding_money",
        )
    ],  # fmt: skip
    *[
        ("abuse_of_vulnerability_recruitment", s, "medium")
        for s in (
            "difficult_family",
            "illegal_status",
            "lack_education",
            "lack_information",
            "control_exploiters",
            "economic",
            "false_info_migration",
            "false_info_law",
            "family_situation",
            "personal_situation",
            "emotional_dependency",
            "authorities_status",
            "past_difficulties",
            "travel_organisation",
        )
    ],  # fmt: skip
    ("abuse_of_vulnerability_recruitment", "cultural_beliefs", "weak"),
    ("abuse_of_vulnerability_recruitment", "general_context", "weak"),
    ("exploitation", "excessive_hours", "strong"),
    *[
        ("exploitation", s, "medium")
        for s in (
            "low_salary",
            "wage_manipulation",
            "bad_living",
            "bad_working",
            "hazardous",
            "labour_law",
            "social_protection",
        )
    ],  # fmt: skip
    ("exploitation", "no_education", "weak"),
    *[
        ("coercion_at_destination", s, "strong")
        for s in ("documents", "debt_bondage", "isolation", "violence")
    ],
    *[
        ("coercion_at_destination", s, "medium")
        for s in (
            "threats_violence",
            "criminal_activities",
            "forced_tasks",
            "strong_influence",
            "against_peers",
            "forced_lie",
            "threat_denunciation",
            "threat_worse_conditions",
            "violence_family",
            "withholding_wages",
        )
    ],  # fmt: skip
    ("coercion_at_destination", "threat_inform_family", "weak"),
    *[
        ("abuse_of_vulnerability_at_destination", s, "medium")
        for s in ("dependency", "unknown_area", "economic", "family_situation", "authorities_status")
    ],
    ("abuse_of_vulnerability_at_destination", "past_difficulties", "weak"),
    ("abuse_of_vulnerability_at_destination", "personal_characteristics", "weak"),
]

# The child labour list: the adult rows with the child grades (no weak grade), without the two
# indicators absent from the child list.
_CHILD_STRONG = {
    ("deceptive_recruitment", "education"),
    ("coercive_recruitment", "threats_violence"),
    ("coercive_recruitment", "abduction"),
    ("coercive_recruitment", "debt_bondage"),
    *{
        ("coercion_at_destination", s)
        for s in ("threats_violence", "criminal_activities", "forced_tasks", "strong_influence")
    },
}
_CHILD_ABSENT = {
    ("abuse_of_vulnerability_recruitment", "false_info_law"),
    ("exploitation", "social_protection"),
}
_ACT = [("act", s, "medium") for s in ("recruited", "transported", "harboured")]


def _child(rows: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    out = []
    for dimension, suffix, strength in rows:
        if (dimension, suffix) in _CHILD_ABSENT:
            continue
        if (dimension, suffix) in _CHILD_STRONG:
            strength = "strong"
        elif strength == "weak":
            strength = "medium"
        out.append((dimension, suffix, strength))
    return out


def _sexual(rows: list[tuple[str, str, str]], *, child: bool) -> list[tuple[str, str, str]]:
    """The labour list adapted, with the grades the secondary source gives for the sexual lists."""
    out = []
    for dimension, suffix, strength in rows:
        if (dimension, suffix) == ("coercion_at_destination", "forced_tasks"):
            strength = "strong"
        if child and (dimension, suffix) == ("exploitation", "hazardous"):
            strength = "strong"
        out.append((dimension, suffix, strength))
        if (dimension, suffix) == ("deceptive_recruitment", "nature_job"):
            out.append(("deceptive_recruitment", "prostitution_conditions", "medium"))
    return out


_CONFIRMED_SEXUAL = {("coercion_at_destination", "forced_tasks"), ("exploitation", "hazardous")}

COMBINATIONS = [{"strong": 2}, {"strong": 1, "medium|weak": 1}, {"medium": 3}, {"medium": 2, "weak": 1}]
MEANS = [
    "deceptive_recruitment",
    "coercive_recruitment",
    "abuse_of_vulnerability_recruitment",
    "abuse_of_vulnerability_at_destination",
]
ILO_RULES: dict[str, Any] = {
    "combinations": COMBINATIONS,
    "outcomes": {
        # First match wins. Adults: a means (abuse of vulnerability may stand in), exploitation and
        # coercion at destination; weaker outcomes after. Children: the act and exploitation.
        "adult": [
            {
                "code": "victim",
                "all": ["exploitation", "coercion_at_destination"],
                "any": MEANS,
                "level": "high",
                "next_step": "nrm_referral",
            },
            {
                "code": "deceived_exploited",
                "all": ["deceptive_recruitment", "exploitation"],
                "level": "high",
                "next_step": "deception_support",
            },
            {"code": "exploited", "all": ["exploitation"], "level": "medium", "next_step": "rights_support"},
        ],
        "child": [
            {"code": "victim", "all": ["act", "exploitation"], "level": "high", "next_step": "nrm_referral"},
            {"code": "exploited", "all": ["exploitation"], "level": "high", "next_step": "child_protection"},
        ],
    },  # fmt: skip
    "default": {"code": "no_indication", "level": "low", "next_step": "record_and_monitor"},
}
ILO_NEXT_STEPS = {
    "nrm_referral": (
        "Presumed victim of trafficking: make sure the person is safe; then, with their consent (for a child, "
        "at once through the child protection unit), refer to the National Referral Mechanism and open a case.",
        "Viktimë e mundshme e trafikimit: sigurohuni që personi të jetë i sigurt; pastaj, me pëlqimin e tij ose "
        "të saj (për një fëmijë, menjëherë përmes njësisë për mbrojtjen e fëmijëve), referojeni në Mekanizmin "
        "Kombëtar të Referimit dhe hapni një rast.",
        "Victime potentielle de la traite : assurer d'abord la sécurité de la personne puis, avec son "
        "consentement (pour un enfant, immédiatement via l'unité de protection de l'enfance), l'orienter vers "
        "le mécanisme national d'orientation et ouvrir un dossier.",
    ),
    "deception_support": (
        "Deception and exploitation without coercion at destination: open a case, refer to legal aid and the "
        "labour inspectorate, and look again for signs of coercion.",
        "Mashtrim dhe shfrytëzim pa shtrëngim në vendmbërritje: hapni një rast, referojeni për ndihmë juridike "
        "dhe te inspektorati i punës, dhe kërkoni sërish shenja shtrëngimi.",
        "Tromperie et exploitation sans contrainte à destination : ouvrir un dossier, orienter vers l'aide "
        "juridique et l'inspection du travail, et rechercher à nouveau des signes de contrainte.",
    ),
    "rights_support": (
        "Exploitation without the other elements: support the person's rights (labour inspectorate, legal aid) "
        "and stay alert to further indicators.",
        "Shfrytëzim pa elementët e tjerë: mbështetni të drejtat e personit (inspektorati i punës, ndihma "
        "juridike) dhe qëndroni vigjilentë për tregues të tjerë.",
        "Exploitation sans les autres éléments : défendre les droits de la personne (inspection du travail, "
        "aide juridique) et rester attentif à d'autres indicateurs.",
    ),
    "child_protection": (
        "A child in exploitation: inform the child protection unit today, make sure the child is safe and look "
        "for how the child was recruited, moved or harboured.",
        "Fëmijë në shfrytëzim: njoftoni sot njësinë për mbrojtjen e fëmijëve, sigurohuni që fëmija të jetë i "
        "sigurt dhe zbuloni si u rekrutua, u zhvendos ose u strehua.",
        "Enfant en situation d'exploitation : informer aujourd'hui l'unité de protection de l'enfance, assurer "
        "la sécurité de l'enfant et chercher comment il a été recruté, déplacé ou hébergé.",
    ),
    "record_and_monitor": (
        "These indicators do not point to trafficking: record the screening, offer the programme's services "
        "and screen again if the situation changes.",
        "Këta tregues nuk tregojnë trafikim: regjistroni vlerësimin, ofroni shërbimet e programit dhe "
        "rivlerësoni nëse situata ndryshon.",
        "Ces indicateurs ne signalent pas de traite : enregistrer le dépistage, proposer les services du "
        "programme et refaire le dépistage si la situation change.",
    ),
}

SOURCES = [
    {
        "title": "ILO/European Commission, Operational indicators of trafficking in human beings (2009), "
        "WCMS_105023 — not read; to compare with",
        "url": "https://www.ilo.org/sites/default/files/wcmsp5/groups/public/@ed_norm/@declaration/documents/"
        "publication/wcms_105023.pdf",
    },
    {
        "title": "Unified Weighted Trafficking-Indicator Reference — Migrant-Worker Forced Labour (public GitHub "
        "markdown, secondary source of the grades)",
        "url": "",
    },
    {
        "title": "Seafish, ILO Operational Indicators (sizes of the dimensions: 10/10/16/9/15/7)",
        "url": "https://www.seafish.org/responsible-sourcing/tools-for-ethical-seafood-sourcing/records/"
        "ilo-operational-indicators-trafficking-in-human-beings/",
    },
]
SEXUAL_SOURCES = [
    *SOURCES,
    {
        "title": "ILO, Explanations for indicators of trafficking for sexual exploitation, WCMS_105036 — "
        "landing page only; no indicators read",
        "url": "http://www.ilo.org/global/topics/forced-labour/publications/WCMS_105036/lang--en/index.htm",
    },
]

_LABOUR_NOTES = (
    "To be verified by the organisation. The indicators and their grades come from a secondary source (a public "
    "GitHub reference that says it checked them against the ILO/EC brochure WCMS_105023, 2009); they were not "
    "checked against the brochure itself. The combination rule (2 strong; 1 strong + 1 medium or weak; 3 "
    "medium; 2 medium + 1 weak) and the outcome rules come from the same source.",
    "Për t'u verifikuar nga organizata. Treguesit dhe shkallët e tyre vijnë nga një burim dytësor (një "
    "referencë publike në GitHub që thotë se i ka krahasuar me broshurën ILO/KE WCMS_105023, 2009); ata nuk "
    "janë krahasuar me vetë broshurën. Rregulli i kombinimit (2 të fortë; 1 i fortë + 1 mesatar ose i dobët; "
    "3 mesatarë; 2 mesatarë + 1 i dobët) dhe rregullat e përfundimit vijnë nga i njëjti burim.",
    "À vérifier par l'organisation. Les indicateurs et leur degré viennent d'une source secondaire (une "
    "référence publique sur GitHub qui dit les avoir comparés à la brochure OIT/CE WCMS_105023, 2009) ; ils "
    "n'ont pas été comparés à la brochure elle-même. La règle de combinaison (2 forts ; 1 fort + 1 moyen ou "
    "faible ; 3 moyens ; 2 moyens + 1 faible) et les règles de résultat viennent de la même source.",
)
_CHILD_NOTES = (
    " Children need no means: the act (recruitment, transport, transfer, harbouring or receipt) and a positive "
    "exploitation dimension suffice (Palermo Protocol, art. 3(c)); the act dimension is Kujdes' addition.",
    " Për fëmijët nuk nevojitet mjeti: mjafton veprimi (rekrutim, transportim, transferim, strehim ose pritje) "
    "dhe një dimension pozitiv i shfrytëzimit (Protokolli i Palermos, neni 3(c)); dimensioni i veprimit është "
    "shtuar nga Kujdes.",
    " Pour un enfant, aucun moyen n'est requis : l'acte (recrutement, transport, transfert, hébergement ou "
    "accueil) et une dimension d'exploitation positive suffisent (Protocole de Palerme, art. 3 c)) ; la "
    "dimension de l'acte est un ajout de Kujdes.",
)
_SEXUAL_NOTES = (
    "To be verified by the organisation. No public copy of the ILO/EC sexual-exploitation lists could be read. "
    "This list is the labour list adapted: only “Forced tasks or clients” (strong, coercion at destination){child} "
    "was read in a source (the same secondary GitHub reference); every other indicator and grade is copied from "
    "the labour list and marked unconfirmed, and “Deceived about the conditions of prostitution” was added by "
    "Kujdes. Compare with the brochure WCMS_105023 and the ILO's explanations WCMS_105036 before relying on it.",
    "Për t'u verifikuar nga organizata. Nuk u gjet asnjë kopje publike e lexueshme e listave ILO/KE për "
    "shfrytëzimin seksual. Kjo listë është lista e punës e përshtatur: vetëm “Detyra ose klientë të imponuar” "
    "(i fortë, shtrëngim në vendmbërritje){child} u lexua në një burim (e njëjta referencë dytësore në GitHub); "
    "të gjithë treguesit e tjerë dhe shkallët e tyre janë kopjuar nga lista e punës dhe janë shënuar si të "
    "pakonfirmuar, ndërsa “Mashtrim për kushtet e prostitucionit” u shtua nga Kujdes. Krahasojeni me broshurën "
    "WCMS_105023 dhe me shpjegimet e ILO-s WCMS_105036 para se ta përdorni.",
    "À vérifier par l'organisation. Aucune copie publique des listes OIT/CE pour l'exploitation sexuelle n'a pu "
    "être lue. Cette liste est la liste du travail adaptée : seul « Tâches ou clients imposés » (fort, contrainte "
    "à destination){child} a été lu dans une source (la même référence secondaire sur GitHub) ; tous les autres "
    "indicateurs et degrés sont copiés de la liste du travail et marqués non confirmés, et « Tromperie sur les "
    "conditions de la prostitution » a été ajouté par Kujdes. À comparer avec la brochure WCMS_105023 et les "
    "explications de l'OIT WCMS_105036 avant de s'y fier.",
)
_SEXUAL_CHILD_INSERT = (
    " and “Hazardous work” (strong, exploitation)",
    " dhe “Punë e rrezikshme” (i fortë, shfrytëzim)",
    " et « Travail dangereux » (fort, exploitation)",
)


def _label(triple: tuple[str, str, str]) -> dict[str, str]:
    en, sq, fr = triple
    return {"sq": sq, "en": en, "fr": fr}


def _ilo_definition(
    rows: list[tuple[str, str, str]],
    *,
    target: str,
    confirmed: set[tuple[str, str]] | None,
    sexual: bool,
    notes: tuple,
) -> dict[str, Any]:
    dimensions: dict[str, dict[str, Any]] = {}
    for dimension, suffix, strength in rows:
        prefix, labels = DIMENSIONS[dimension]
        if sexual and dimension == "exploitation":
            labels = SEXUAL_EXPLOITATION_LABEL
        entry = dimensions.setdefault(
            dimension,
            {"code": dimension, "role": dimension, "label": _label(labels), "indicators": []},
        )
        if dimension == "act":
            entry["rule"] = "any"
        is_confirmed = dimension != "act" and (confirmed is None or (dimension, suffix) in confirmed)
        entry["indicators"].append(
            {"code": f"{prefix}_{suffix}", "strength": strength, "label": _label(LABELS[suffix]),
             "confirmed": is_confirmed}
        )  # fmt: skip
    return {
        "kind": "ilo",
        "dimensions": list(dimensions.values()),
        "rules": {**ILO_RULES, "outcomes": {target: ILO_RULES["outcomes"][target]}},
        "next_steps": {code: _label(text) for code, text in ILO_NEXT_STEPS.items()},
        "notes": _label(notes),
        "verification": "to_verify",
        "sources": SEXUAL_SOURCES if sexual else SOURCES,
    }


def _notes(base: tuple, extra: tuple = ("", "", "")) -> tuple[str, str, str]:
    return (base[0] + extra[0], base[1] + extra[1], base[2] + extra[2])


def _sexual_notes(*, child: bool) -> tuple[str, str, str]:
    inserts = _SEXUAL_CHILD_INSERT if child else ("", "", "")
    en, sq, fr = (
        text.replace("{child}", insert) for text, insert in zip(_SEXUAL_NOTES, inserts, strict=True)
    )
    return _notes((en, sq, fr), _CHILD_NOTES) if child else (en, sq, fr)


# -- the prevention risk screening -------------------------------------------------------------

RISK_DIMENSIONS = [
    (
        "individual",
        ("Individual factors", "Faktorë individualë", "Facteurs individuels"),
        [
            ("school_dropout", 2, (
                "Dropped out of school or attends irregularly",
                "Ka braktisur shkollën ose e ndjek në mënyrë të parregullt",
                "Décrochage scolaire ou fréquentation irrégulière")),
            ("disability", 2, (
                "Disability (physical, intellectual or psychosocial)",
                "Aftësi të kufizuara (fizike, intelektuale ose psikosociale)",
                "Handicap (physique, intellectuel ou psychosocial)")),
            ("prior_abuse", 3, (
                "Prior abuse or exploitation (physical, sexual or emotional)",
                "Abuzim ose shfrytëzim i mëparshëm (fizik, seksual ose emocional)",
                "Violences ou exploitation antérieures (physiques, sexuelles ou psychologiques)")),
            ("migration_intention", 2, (
                "Intends to migrate or to leave home for work",
                "Ka ndërmend të emigrojë ose të largohet nga shtëpia për punë",
                "Projet de migrer ou de quitter le foyer pour travailler")),
            ("street_situation", 3, (
                "Living or working in the street",
                "Jeton ose punon në rrugë",
                "Vit ou travaille dans la rue")),
        ],
    ),
    (
        "household",
        ("Family and household", "Familja dhe shtëpia", "Famille et foyer"),
        [
            ("domestic_violence", 3, (
                "Domestic violence in the household",
                "Dhunë në familje",
                "Violences conjugales ou familiales au sein du foyer")),
            ("extreme_poverty", 2, (
                "Extreme poverty (no regular income, basic needs unmet)",
                "Varfëri ekstreme (pa të ardhura të rregullta, nevojat bazë të paplotësuara)",
                "Extrême pauvreté (pas de revenu régulier, besoins essentiels non couverts)")),
            ("unemployment", 1, (
                "Unemployment (the person or the household's main earner)",
                "Papunësi (e personit ose e mbajtësit kryesor të familjes)",
                "Chômage (de la personne ou du principal soutien du foyer)")),
            ("single_parent", 1, (
                "Single-parent household",
                "Familje me një prind",
                "Famille monoparentale")),
            ("absent_parents", 2, (
                "Parents absent (emigrated, detained or deceased); the child lives with relatives or alone",
                "Prindër që mungojnë (të emigruar, të burgosur ose të vdekur); fëmija jeton me të afërm ose vetëm",
                "Parents absents (émigrés, détenus ou décédés) ; l'enfant vit chez des proches ou seul")),
            ("trafficking_in_family", 3, (
                "Trafficking or exploitation known in the family",
                "Trafikim ose shfrytëzim i njohur në familje",
                "Traite ou exploitation connue dans la famille")),
        ],
    ),
    (
        "community",
        ("Community factors", "Faktorë të komunitetit", "Facteurs communautaires"),
        [
            ("recruiter_contact", 3, (
                "Contact with recruiters or intermediaries offering work or travel",
                "Kontakt me rekrutues ose ndërmjetës që ofrojnë punë ose udhëtim",
                "Contact avec des recruteurs ou intermédiaires proposant un travail ou un voyage")),
            ("online_job_offer", 3, (
                "Job or travel offers received online or on social media",
                "Oferta pune ose udhëtimi të marra në internet ose në rrjetet sociale",
                "Offres d'emploi ou de voyage reçues en ligne ou sur les réseaux sociaux")),
            ("peers_exploited", 2, (
                "Friends or peers who left with intermediaries or were exploited",
                "Shokë ose moshatarë që janë larguar me ndërmjetës ose janë shfrytëzuar",
                "Amis ou pairs partis avec des intermédiaires ou exploités")),
            ("high_emigration_area", 1, (
                "Lives in an area with high emigration or known recruitment",
                "Jeton në një zonë me emigrim të lartë ose me rekrutim të njohur",
                "Vit dans une zone de forte émigration ou de recrutement connu")),
        ],
    ),
    (
        "structural",
        ("Structural factors", "Faktorë strukturorë", "Facteurs structurels"),
        [
            ("no_documents", 2, (
                "No civil registration or identity documents",
                "Pa regjistrim civil ose pa dokumente identiteti",
                "Pas d'enregistrement à l'état civil ni de papiers d'identité")),
            ("marginalised_group", 1, (
                "Belongs to a marginalised or discriminated community",
                "I përket një komuniteti të margjinalizuar ose të diskriminuar",
                "Appartient à une communauté marginalisée ou discriminée")),
            ("no_services", 1, (
                "No access to social, health or education services nearby",
                "Pa akses në shërbime sociale, shëndetësore ose arsimore në afërsi",
                "Pas d'accès à des services sociaux, de santé ou d'éducation à proximité")),
        ],
    ),
]  # fmt: skip

RISK_NEXT_STEPS = {
    "monitor": (
        "Keep in contact through the programme's activities; screen again in six months or when the situation "
        "changes.",
        "Mbani kontaktin përmes aktiviteteve të programit; rivlerësoni pas gjashtë muajsh ose kur situata "
        "ndryshon.",
        "Garder le contact à travers les activités du programme ; refaire le dépistage dans six mois ou si la "
        "situation change.",
    ),
    "prevention_plan": (
        "Open a prevention case: a home visit within two weeks, a support plan (school, family, income) and a new "
        "screening in three months.",
        "Hapni një rast parandalimi: vizitë në shtëpi brenda dy javësh, një plan mbështetjeje (shkolla, familja, "
        "të ardhurat) dhe rivlerësim pas tre muajsh.",
        "Ouvrir un dossier de prévention : visite à domicile sous deux semaines, plan d'accompagnement (école, "
        "famille, revenus) et nouveau dépistage dans trois mois.",
    ),
    "urgent_protection": (
        "Act now: inform the programme manager within 48 hours, open a case with a safety plan and refer to the "
        "child protection unit or the State Social Service; if exploitation may have begun, use the ILO indicators.",
        "Veproni menjëherë: njoftoni menaxherin e programit brenda 48 orëve, hapni një rast me plan sigurie dhe "
        "referojeni te njësia për mbrojtjen e fëmijëve ose te Shërbimi Social Shtetëror; nëse shfrytëzimi mund "
        "të ketë nisur, përdorni treguesit e ILO-s.",
        "Agir sans attendre : informer le responsable de programme sous 48 heures, ouvrir un dossier avec un plan "
        "de sécurité et orienter vers l'unité de protection de l'enfance ou les services sociaux de l'État ; si "
        "l'exploitation a pu commencer, utiliser les indicateurs de l'OIT.",
    ),
}
RISK_RULES: dict[str, Any] = {
    "dimension_min_score": 1,
    "levels": [
        {"level": "low", "min_score": 0, "next_step": "monitor"},
        {"level": "medium", "min_score": 4, "next_step": "prevention_plan"},
        {"level": "high", "min_score": 8, "next_step": "urgent_protection"},
    ],
    # Combinations that are serious whatever the total.
    "floors": [
        {"all": ["migration_intention", "recruiter_contact"], "level": "high"},
        {"all": ["migration_intention", "online_job_offer"], "level": "high"},
        {"all": ["trafficking_in_family"], "level": "medium"},
        {"all": ["prior_abuse"], "level": "medium"},
        {"all": ["street_situation"], "level": "medium"},
    ],
}
_RISK_NOTES = (
    "Prevention screening for women, girls and children at risk. The factors, weights (0–10) and levels are "
    "Kujdes' proposal from the programme's experience, not a validated scale: adapt them to the organisation. "
    "Score 0–3 low, 4–7 medium, 8 or more high; an intention to migrate together with a recruiter's contact or "
    "an online offer is always high.",
    "Vlerësim parandalues për gra, vajza dhe fëmijë në risk. Faktorët, peshat (0–10) dhe nivelet janë propozim "
    "i Kujdes nga përvoja e programit, jo një shkallë e vlerësuar shkencërisht: përshtatini për organizatën. "
    "Pikët 0–3 risk i ulët, 4–7 mesatar, 8 e lart i lartë; synimi për të emigruar bashkë me kontaktin e një "
    "rekrutuesi ose një ofertë në internet është gjithmonë risk i lartë.",
    "Dépistage de prévention pour les femmes, les filles et les enfants à risque. Les facteurs, les poids (0 à "
    "10) et les niveaux sont une proposition de Kujdes tirée de l'expérience du programme, pas une échelle "
    "validée : à adapter par l'organisation. Score de 0 à 3 faible, de 4 à 7 moyen, 8 ou plus élevé ; un projet "
    "de migration associé au contact d'un recruteur ou à une offre en ligne est toujours élevé.",
)


def _risk_definition() -> dict[str, Any]:
    return {
        "kind": "risk",
        "dimensions": [
            {
                "code": code,
                "role": code,
                "label": _label(labels),
                "indicators": [
                    {"code": icode, "weight": weight, "label": _label(ilabels), "confirmed": False}
                    for icode, weight, ilabels in indicators
                ],
            }
            for code, labels, indicators in RISK_DIMENSIONS
        ],
        "rules": RISK_RULES,
        "next_steps": {code: _label(text) for code, text in RISK_NEXT_STEPS.items()},
        "notes": _label(_RISK_NOTES),
        "verification": "to_verify",
        "sources": [],
    }


def shipped_instruments() -> list[dict[str, Any]]:
    """The instruments to install in every organisation: code, kind, target, name, definition; their
    labels in every offered language (shipped_translations.py adds the network's languages)."""
    child_labour = _ACT + _child(_ADULT_LABOUR)
    return translations_add([
        {
            "code": "ilo-adult-labour",
            "kind": "ilo",
            "target": "adult",
            "name": _label((
                "ILO/EC indicators: adults, labour exploitation",
                "Treguesit ILO/KE: të rritur, shfrytëzim në punë",
                "Indicateurs OIT/CE : adultes, exploitation par le travail")),
            "definition": _ilo_definition(_ADULT_LABOUR, target="adult", confirmed=None, sexual=False, notes=_LABOUR_NOTES),
        },
        {
            "code": "ilo-adult-sexual",
            "kind": "ilo",
            "target": "adult",
            "name": _label((
                "ILO/EC indicators: adults, sexual exploitation",
                "Treguesit ILO/KE: të rritur, shfrytëzim seksual",
                "Indicateurs OIT/CE : adultes, exploitation sexuelle")),
            "definition": _ilo_definition(
                _sexual(_ADULT_LABOUR, child=False),
                target="adult",
                confirmed={("coercion_at_destination", "forced_tasks")},
                sexual=True,
                notes=_sexual_notes(child=False),
            ),
        },
        {
            "code": "ilo-child-labour",
            "kind": "ilo",
            "target": "child",
            "name": _label((
                "ILO/EC indicators: children, labour exploitation",
                "Treguesit ILO/KE: fëmijë, shfrytëzim në punë",
                "Indicateurs OIT/CE : enfants, exploitation par le travail")),
            "definition": _ilo_definition(
                child_labour, target="child", confirmed=None, sexual=False, notes=_notes(_LABOUR_NOTES, _CHILD_NOTES)
            ),
        },
        {
            "code": "ilo-child-sexual",
            "kind": "ilo",
            "target": "child",
            "name": _label((
                "ILO/EC indicators: children, sexual exploitation",
                "Treguesit ILO/KE: fëmijë, shfrytëzim seksual",
                "Indicateurs OIT/CE : enfants, exploitation sexuelle")),
            "definition": _ilo_definition(
                _ACT + _sexual(_child(_ADULT_LABOUR), child=True),
                target="child",
                confirmed=_CONFIRMED_SEXUAL,
                sexual=True,
                notes=_sexual_notes(child=True),
            ),
        },
        {
            "code": "risk-prevention",
            "kind": "risk",
            "target": "any",
            "name": _label((
                "Prevention risk screening (women and children)",
                "Vlerësimi i riskut për parandalim (gra dhe fëmijë)",
                "Dépistage des risques pour la prévention (femmes et enfants)")),
            "definition": _risk_definition(),
        },
    ])  # fmt: skip
