# ruff: noqa: E501
"""The good-practice library for the demo: 25 invented practices of the 11 partners.

Written by the demo focal points where the partner is on this installation (admin-al,
manager-shkoder, admin-fr, admin-lb); the other partners' practices arrive as if sent by the
partner (no local author). Most are published by the coordinator; a few are submitted or
drafts; some are translated (one translation is outdated) and some were adopted elsewhere.
Invented content only.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from kujdes.accounts.models import User
from kujdes.network.models import Partner
from kujdes.network.practices import services
from kujdes.network.practices.models import (
    Adoption,
    Practice,
    PracticeSearchDocument,
    PracticeStatus,
    PracticeText,
    PracticeVersion,
)

# (partner, author, language, themes, target groups, status, year, title, summary, description, results, lessons,
#  translations {language: (title, summary, description)})
PRACTICES: list[tuple[Any, ...]] = [
    (
        "al",
        "admin-al",
        "sq",
        ["prevention"],
        ["adolescents", "young_people"],
        "published",
        2023,
        "Seanca parandalimi në shkollat e mesme",
        "Tri seanca për klasë mbi rekrutimin e rremë për punë jashtë vendit, të drejtuara nga edukatorë dhe nxënës.",
        "Çdo klasë e vitit të dytë merr **tri seanca** prej 45 minutash:\n\n- si duket një ofertë pune e rreme;\n"
        "- kë të telefonosh para nisjes;\n- një lojë me role me prindërit.\n\nMaterialet janë në shqip dhe italisht.",
        "2 400 nxënës në 38 shkolla; 61 telefonata në linjën e ndihmës pas seancave.",
        "Mësuesit duhet të përfshihen që nga fillimi; një seancë e vetme nuk mjafton.",
        {
            "en": (
                "Prevention sessions in secondary schools",
                "Three sessions per class on fake job offers abroad, led by educators and pupils.",
                "Every second-year class gets **three 45-minute sessions**: what a fake job offer looks like, "
                "whom to call before leaving, and a role play with parents.",
            ),
            "fr": (
                "Séances de prévention dans les lycées",
                "Trois séances par classe sur les fausses offres d'emploi à l'étranger.",
                "Chaque classe de deuxième année reçoit **trois séances** de 45 minutes.",
            ),
        },
    ),
    (
        "al",
        "manager-shkoder",
        "sq",
        ["child_protection", "volunteer_work"],
        ["children"],
        "published",
        2024,
        "Standardet e sigurisë për kampet verore",
        "Një standard i përbashkët për mbrojtjen e fëmijëve në kampet verore të famullive.",
        "Standardi mbulon:\n\n1. kodin e sjelljes për vullnetarët;\n2. raportimin e shqetësimeve;\n"
        "3. fotot e fëmijëve vetëm me pëlqim;\n4. asnjë vullnetar vetëm me një fëmijë.",
        "14 kampe, 620 fëmijë, 85 vullnetarë të trajnuar; 3 shqetësime të raportuara dhe të trajtuara.",
        "Trajnimi i vullnetarëve para kampit është çelësi.",
        {
            "en": (
                "Safeguarding standard for summer camps",
                "A shared child-safeguarding standard for parish summer camps.",
                "The standard covers a volunteers' code of conduct, reporting of concerns, photos only with "
                "consent and never one volunteer alone with a child.",
            )
        },
    ),
    (
        "al",
        "admin-al",
        "sq",
        ["labour_exploitation"],
        ["migrants", "professionals"],
        "published",
        2024,
        "Vizita të përbashkëta me inspektoratin e punës",
        "Punonjësit socialë shoqërojnë inspektorët e punës në fermat sezonale.",
        "Gjatë sezonit të vjeljes, një punonjës social dhe një inspektor vizitojnë fermat së bashku.",
        "42 ferma të vizituara; 9 raste të referuara.",
        "Marrëveshja me inspektoratin duhet të jetë me shkrim.",
        {},
    ),
    (
        "al",
        "manager-shkoder",
        "sq",
        ["online_recruitment", "prevention"],
        ["young_people", "girls"],
        "submitted",
        2025,
        "Ndërgjegjësim për rekrutimin në rrjetet sociale",
        "Fushatë me edukatorë bashkëmoshatarë mbi ofertat e rreme në Instagram dhe TikTok.",
        "Edukatorët bashkëmoshatarë përgatitin video të shkurtra dhe i diskutojnë në klasë.",
        "",
        "",
        {},
    ),
    (
        "al",
        "admin-al",
        "sq",
        ["reintegration"],
        ["victims"],
        "draft",
        2025,
        "Grante të vogla për riintegrim ekonomik",
        "Grante deri në 1 500 euro për biznese të vogla të të mbijetuarve, me mentorim.",
        "Draft në punim.",
        "",
        "",
        {},
    ),
    (
        "fr",
        "admin-fr",
        "fr",
        ["identification", "protection"],
        ["victims", "professionals"],
        "published",
        2023,
        "Permanence d'identification dans les centres d'hébergement d'urgence",
        "Une juriste et une travailleuse sociale tiennent une permanence hebdomadaire pour repérer la traite.",
        "La permanence a lieu chaque mardi. Une **grille d'entretien** courte aide à repérer les signes de "
        "traite ; l'orientation vers un accueil sécurisé se fait le jour même.",
        "74 personnes orientées en deux ans, dont 31 reconnues victimes.",
        "La confiance vient avec la régularité : même jour, même équipe.",
        {
            "en": (
                "Identification desk in emergency shelters",
                "A lawyer and a social worker hold a weekly desk to identify trafficking.",
                "The desk opens every Tuesday; a short interview grid helps spot the signs.",
            ),
            "sq": (
                "Pika identifikimi në strehëzat emergjente",
                "Një juriste dhe një punonjëse sociale mbajnë çdo javë një pikë për identifikimin e trafikimit.",
                "Pika hapet çdo të martë; një listë e shkurtër pyetjesh ndihmon për të dalluar shenjat.",
            ),
        },
    ),
    (
        "fr",
        "admin-fr",
        "fr",
        ["labour_exploitation", "advocacy"],
        ["migrants"],
        "published",
        2024,
        "Sécurité au travail saisonnier : informer avant la récolte",
        "Des ateliers d'information sur les droits des travailleurs saisonniers, avec l'inspection du travail.",
        "Avant chaque récolte, des ateliers présentent le contrat, le logement et les recours.",
        "11 ateliers, 390 participants ; 4 signalements à l'inspection.",
        "Traduire en roumain et en arabe.",
        {
            "ro": (
                "Siguranța în munca sezonieră: informare înainte de recoltă",
                "Ateliere despre drepturile lucrătorilor sezonieri, împreună cu inspecția muncii.",
                "Înainte de fiecare recoltă, atelierele prezintă contractul, cazarea și căile de atac.",
            )
        },
    ),
    (
        "fr",
        "admin-fr",
        "fr",
        ["volunteer_work"],
        ["community"],
        "published",
        2022,
        "Former les bénévoles à l'écoute des personnes exploitées",
        "Un parcours de formation de deux jours pour les bénévoles des accueils de jour.",
        "Deux journées : repérer, écouter sans questionner, orienter.",
        "120 bénévoles formés.",
        "",
        {},
    ),
    (
        "fr",
        "admin-fr",
        "fr",
        ["online_recruitment"],
        ["young_people"],
        "draft",
        2025,
        "Atelier « fausses annonces » pour les missions locales",
        "Un atelier pour reconnaître les annonces de recrutement frauduleuses en ligne.",
        "Brouillon.",
        "",
        "",
        {},
    ),
    (
        "lb",
        "admin-lb",
        "ar",
        ["protection"],
        ["women", "migrants"],
        "published",
        2023,
        "خط ساخن للعاملات في الخدمة المنزلية",
        "خط هاتفي بعدة لغات للعاملات المهاجرات في الخدمة المنزلية، مع إحالة إلى مأوى آمن.",
        "يعمل الخط على مدار الساعة بالعربية والإنجليزية والأمهرية والسواحيلية.",
        "1 800 مكالمة في السنة؛ 140 إحالة إلى المأوى.",
        "التدريب المستمر للمستجيبين ضروري.",
        {
            "fr": (
                "Ligne d'écoute pour les travailleuses domestiques",
                "Une ligne multilingue pour les travailleuses domestiques migrantes, avec orientation vers un abri.",
                "La ligne fonctionne jour et nuit en arabe, anglais, amharique et swahili.",
            ),
            "en": (
                "Hotline for domestic workers",
                "A multilingual hotline for migrant domestic workers, with referral to a safe shelter.",
                "The line runs day and night in Arabic, English, Amharic and Swahili.",
            ),
        },
    ),
    (
        "lb",
        "admin-lb",
        "fr",
        ["child_protection", "prevention"],
        ["children", "families"],
        "published",
        2024,
        "Espaces sûrs pour les enfants dans les camps",
        "Des espaces d'activités encadrés pour les enfants réfugiés, avec une procédure de signalement.",
        "Des animatrices formées accueillent les enfants cinq après-midi par semaine.",
        "600 enfants accueillis ; 22 situations signalées.",
        "",
        {},
    ),
    (
        "lb",
        "admin-lb",
        "en",
        ["advocacy"],
        ["migrants"],
        "submitted",
        2025,
        "Advocacy for the reform of the sponsorship system",
        "Joint advocacy with NGOs and embassies for a standard contract for domestic workers.",
        "Meetings with the ministry, embassies and employers' groups.",
        "",
        "",
        {},
    ),
    (
        "am",
        None,
        "en",
        ["prevention"],
        ["young_people", "families"],
        "published",
        2023,
        "Village information meetings before seasonal migration",
        "Community meetings in border villages before the seasonal migration to Russia.",
        "A priest, a social worker and a returnee speak at the village hall.",
        "35 villages, 1 900 participants.",
        "Returnees are the most credible speakers.",
        {},
    ),
    (
        "ba",
        None,
        "en",
        ["identification"],
        ["professionals"],
        "published",
        2024,
        "Training police and social workers together",
        "Joint two-day trainings for police officers and social workers on identifying victims.",
        "Mixed groups work on the same case studies.",
        "210 professionals trained in 9 municipalities.",
        "",
        {},
    ),
    (
        "bg",
        None,
        "en",
        ["reintegration"],
        ["victims", "women"],
        "published",
        2023,
        "Mentoring for women returning home",
        "Volunteer mentors accompany women survivors during their first year back.",
        "Each mentor meets the woman weekly and helps with documents, work and family.",
        "48 women mentored; 36 in work after a year.",
        "",
        {},
    ),
    (
        "xk",
        None,
        "sq",
        ["prevention", "online_recruitment"],
        ["adolescents"],
        "published",
        2024,
        "Edukatorë bashkëmoshatarë për sigurinë në internet",
        "Të rinjtë trajnojnë të rinjtë për rreziqet e rekrutimit në internet.",
        "Çdo edukator bashkëmoshatar drejton katër takime në shkollën e vet.",
        "60 edukatorë; 3 100 nxënës të arritur.",
        "",
        {},
    ),
    (
        "ro",
        None,
        "ro",
        ["prevention", "labour_exploitation"],
        ["young_people", "migrants"],
        "published",
        2023,
        "Birou de informare pentru migrație sigură",
        "Un birou de informare despre migrația sigură în gara din Iași, cu verificarea ofertelor de muncă.",
        "Consilierii verifică **ofertele de muncă** și agențiile de recrutare înainte de plecare.",
        "2 300 de persoane consiliate; 140 de oferte suspecte semnalate.",
        "",
        {},
    ),
    (
        "ro",
        None,
        "ro",
        ["reintegration"],
        ["victims"],
        "published",
        2024,
        "Locuințe de tranziție pentru supraviețuitori",
        "Apartamente de tranziție pentru șase luni, cu sprijin social.",
        "Apartamente în trei orașe.",
        "",
        "",
        {},
    ),
    (
        "tr",
        None,
        "tr",
        ["protection", "labour_exploitation"],
        ["migrants", "children"],
        "published",
        2024,
        "Mevsimlik tarım işçisi çocuklar için güvenli alanlar",
        "Mevsimlik tarım işçilerinin çocukları için çadır kentlerde eğitim ve koruma alanları.",
        "Eğitmenler hasat süresince çocuklara ders ve oyun etkinlikleri sunar.",
        "1 100 çocuk; 300 çocuk tarladan okula döndü.",
        "",
        {},
    ),
    (
        "tr",
        None,
        "tr",
        ["identification"],
        ["migrants"],
        "submitted",
        2025,
        "Göçmen toplum liderleriyle erken tespit",
        "Toplum liderleri sömürü belirtilerini tanımak için eğitiliyor.",
        "",
        "",
        "",
        {},
    ),
    (
        "ma",
        None,
        "fr",
        ["protection"],
        ["migrants", "women"],
        "published",
        2023,
        "Accueil des femmes migrantes en transit",
        "Un accueil de jour pour les femmes migrantes en transit vers l'Europe, avec une écoute juridique.",
        "L'accueil offre repos, soins de base, écoute et information juridique.",
        "520 femmes accueillies en un an.",
        "",
        {},
    ),
    (
        "ma",
        None,
        "ar",
        ["prevention"],
        ["young_people"],
        "published",
        2024,
        "توعية الشباب بمخاطر الهجرة غير النظامية",
        "ورشات في دور الشباب حول مخاطر الهجرة غير النظامية وبدائلها.",
        "ورشات شهرية في خمس مدن.",
        "",
        "",
        {},
    ),
    (
        "ua",
        None,
        "uk",
        ["prevention"],
        ["women", "migrants"],
        "published",
        2023,
        "Інформаційні пункти для людей, які виїжджають за кордон",
        "Консультації на вокзалах і кордоні для жінок, які виїжджають через війну.",
        "Волонтери роздають листівки й консультують щодо **безпечної роботи** за кордоном.",
        "45 000 листівок; 3 200 консультацій.",
        "",
        {
            "en": (
                "Information points for people leaving the country",
                "Advice at stations and the border for women leaving because of the war.",
                "Volunteers hand out leaflets and advise on safe work abroad.",
            )
        },
    ),
    (
        "ua",
        None,
        "uk",
        ["online_recruitment"],
        ["young_people", "women"],
        "published",
        2024,
        "Перевірка онлайн-вакансій",
        "Чат-бот, що допомагає перевірити онлайн-вакансію перед виїздом.",
        "Чат-бот у месенджері.",
        "8 000 перевірок.",
        "",
        {},
    ),
    (
        "bg",
        None,
        "en",
        ["child_protection"],
        ["children", "professionals"],
        "published",
        2024,
        "School safeguarding focal teachers",
        "One trained teacher per school is the focal point for concerns about exploitation.",
        "Focal teachers follow a one-day training and a referral protocol.",
        "90 schools.",
        "",
        {},
    ),
]

# (adopting partner, index of the practice, kind, what changed, since, result)
ADOPTIONS = [
    (
        "fr",
        1,
        "adapted",
        "Le standard a été traduit et appliqué aux colonies de vacances.",
        "2025-06-01",
        "8 colonies, 210 enfants.",
    ),
    (
        "lb",
        0,
        "adapted",
        "Sessions held in community centres instead of schools.",
        "2025-02-01",
        "400 adolescents reached.",
    ),
    (
        "al",
        5,
        "adopted",
        "Pika identifikimi në strehëzën e Tiranës.",
        "2026-03-01",
        "12 persona të identifikuara.",
    ),
    (
        "ua",
        16,
        "adapted",
        "Information desks at the Lviv railway station.",
        "2024-04-01",
        "1 500 people advised.",
    ),
    ("xk", 0, "adopted", "", "2026-05-01", ""),
]


def _user(username: str | None) -> User | None:
    return User.objects.filter(username=username).first() if username else None


def demo_populate() -> str:
    if Practice.objects.exists():
        return "Good practices: the demo library exists already."
    partners = {p.code: p for p in Partner.objects.all()}
    coordinator = _user("coordinator")
    created: list[Practice] = []
    published = 0
    for number, row in enumerate(PRACTICES):
        (
            code,
            author,
            language,
            themes,
            groups,
            status,
            year,
            title,
            summary,
            description,
            results,
            lessons,
            trans,
        ) = row
        user = _user(author)
        partner = partners[code]
        practice = Practice.objects.create(
            partner=partner,
            created_by=user,
            original_language=language,
            themes=themes,
            target_groups=groups,
            country=partner.country,
            period_start=datetime.date(year, 9, 1),
            period_end=datetime.date(year + 1, 6, 30) if status == "published" else None,
            contact_name=partner.focal_points.first().name if partner.focal_points.exists() else "",
            contact_email=partner.focal_points.first().email if partner.focal_points.exists() else "",
            tags=[themes[0].replace("_", " "), partner.code],
            status=PracticeStatus.SUBMITTED if status in ("published", "submitted") else PracticeStatus.DRAFT,
        )
        PracticeText.objects.create(
            practice=practice,
            language=language,
            is_original=True,
            title=title,
            summary=summary,
            description=description,
            results=results,
            lessons=lessons,
        )
        for code_t, (t_title, t_summary, t_description) in trans.items():
            PracticeText.objects.create(
                practice=practice,
                language=code_t,
                title=t_title,
                summary=t_summary,
                description=t_description,
                source_revision=1,
                translator_name=(user.get_full_name() if user else partner.name),
                translated_by=user,
                translated_on=datetime.date(year + 1, 1, 15),
            )
        if status == "published" and coordinator is not None:
            services.practice_publish(actor=coordinator, practice=practice)
            when = timezone.make_aware(datetime.datetime(min(year + 1, 2026), 1 + number % 11, 10, 9, 0))
            PracticeVersion.objects.filter(practice=practice).update(published_at=when)
            PracticeSearchDocument.objects.filter(practice=practice).update(published_at=when)
            Practice.objects.filter(pk=practice.pk).update(published_at=when)
            published += 1
        created.append(practice)
    # The camp standard's original changed after its English translation: the translation is outdated.
    camp = created[1]
    original = camp.texts.get(is_original=True)
    PracticeText.objects.filter(pk=original.pk).update(
        revision=2,
        lessons="Trajnimi i vullnetarëve para kampit është çelësi; edhe prindërit duhet ta njohin kodin.",
    )
    if coordinator is not None:
        Practice.objects.filter(pk=camp.pk).update(status=PracticeStatus.SUBMITTED)
        camp.refresh_from_db()
        services.practice_publish(actor=coordinator, practice=camp)
    for code, index, kind, changes, since, result in ADOPTIONS:
        practice = created[index]
        if practice.published_version == 0 and not PracticeVersion.objects.filter(practice=practice).exists():
            continue
        Adoption.objects.create(
            practice=practice,
            partner=partners[code],
            kind=kind,
            changes=changes,
            since=datetime.date.fromisoformat(since),
            result=result,
            recorded_by=_user({"al": "admin-al", "fr": "admin-fr", "lb": "admin-lb"}.get(code)),
        )
    languages = sorted({t for p in created for t in p.texts.values_list("language", flat=True)})
    return (
        f"Good practices: {len(created)} practices ({published} published) in {len(languages)} languages,"
        f" {len(ADOPTIONS)} adoptions."
    )
