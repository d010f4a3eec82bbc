"""The stakeholder directory of the demo: about 40 civil-society and institutional actors.

Caritas Albania profiles the entries of its demo service directory (the institutions its demo
initiatives already name, so their pages show those initiatives) and adds a few institutions;
Caritas France and Caritas Lebanon add theirs. Some are shared with the network, some stay
private. Partners without data on this installation appear only through shared copies, as if
they had arrived from those partners. Every name is invented or generic, every phone fictitious,
every e-mail ends in example.invalid (or .example).
"""

from __future__ import annotations

import datetime
import unicodedata

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kujdes.accounts.models import User
from kujdes.core.models import Organisation
from kujdes.network.models import Partner
from kujdes.network.stakeholders.models import TYPE_FOR_HTCDS, StakeholderProfile
from kujdes.network.stakeholders.services import (
    agreement_add,
    shared_stakeholder_receive,
    stakeholder_create,
    stakeholder_profile_add,
    stakeholder_share,
)
from kujdes.referrals.models import ServiceProvider

# A one-page PDF (text "Memorandum of understanding - demo"), for the demo's agreement documents.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 64>>stream\nBT /F1 18 Tf 72 760 Td (Memorandum of understanding - demo) Tj ET\n"
    b"endstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

# Profiles of Caritas Albania's demo directory, by the start of the entry's name:
# (name starts with, level, themes, partners, share?, contact (name, role) or None).
AL_PROFILES = (
    (
        "Shërbimi Social Shtetëror",
        "national",
        ["protection", "reintegration"],
        ["al"],
        True,
        ("Drita Leka", "Regional director"),
    ),
    (
        "Njësia e Mbrojtjes së Fëmijëve",
        "local",
        ["child_protection"],
        ["al"],
        False,
        ("Arben Marku", "Child protection worker"),
    ),
    (
        "Drejtoria Vendore e Policisë",
        "local",
        ["identification", "protection"],
        ["al", "xk"],
        True,
        ("Kapiten Gent Doda", "Head of the anti-trafficking section"),
    ),
    ("Qendra Kombëtare e Pritjes", "national", ["protection", "reintegration"], ["al", "fr"], True, None),
    ("Strehëz komunitare", "local", ["protection", "reintegration"], ["al"], False, None),
    ("Qendra e Ndihmës Juridike", "national", ["protection"], ["al"], True, None),
    ("Qendra Shëndetësore", "local", ["protection"], ["al"], False, None),
    ("Zyra Vendore e Punësimit", "local", ["reintegration", "labour_exploitation"], ["al"], False, None),
    ("Shkolla e Mesme Profesionale", "local", ["prevention", "reintegration"], ["al"], False, None),
    ("Shkolla 9-vjeçare", "local", ["prevention", "child_protection"], ["al"], False, None),
)

# New institutions: (organisation, name, type, level, country, city, themes, partners, share?, contact).
NEW = (
    (
        "caritas-al",
        "Ministria e Brendshme – Zyra e Koordinatorit Kombëtar kundër Trafikimit",
        "ministry",
        "national",
        "AL",
        "Tiranë",
        ["advocacy", "identification"],
        ["al"],
        True,
        ("Zyra e koordinatorit", "Secretariat"),
    ),
    (
        "caritas-al",
        "Inspektorati Shtetëror i Punës – Dega Shkodër",
        "labour_inspectorate",
        "local",
        "AL",
        "Shkodër",
        ["labour_exploitation"],
        ["al"],
        True,
        None,
    ),
    (
        "caritas-al",
        "Konsullata e një vendi destinacioni (demo)",
        "embassy",
        "international",
        "AL",
        "Tiranë",
        ["protection", "reintegration"],
        ["al", "fr"],
        False,
        ("Consular officer", "Welfare of nationals"),
    ),
    (
        "caritas-al",
        "Organizatë ndërkombëtare për migracionin – zyra e vendit (demo)",
        "international_organisation",
        "international",
        "AL",
        "Tiranë",
        ["reintegration", "advocacy"],
        ["al", "xk", "ua"],
        True,
        None,
    ),
    (
        "caritas-al",
        "Agjenci e OKB-së për fëmijët – zyra e vendit (demo)",
        "international_organisation",
        "international",
        "AL",
        "Tiranë",
        ["child_protection", "online_recruitment"],
        ["al"],
        True,
        None,
    ),
    (
        "caritas-al",
        "Radio Zëri i Veriut (demo)",
        "media",
        "local",
        "AL",
        "Shkodër",
        ["prevention"],
        ["al"],
        False,
        None,
    ),
    (
        "caritas-al",
        "Famullia e Shën Mërisë – Lezhë (demo)",
        "religious_body",
        "local",
        "AL",
        "Lezhë",
        ["prevention", "volunteer_work"],
        ["al"],
        False,
        None,
    ),
    (
        "caritas-fr",
        "Ministère de l'Intérieur – mission de coordination contre la traite (démo)",
        "ministry",
        "national",
        "FR",
        "Paris",
        ["advocacy", "identification"],
        ["fr"],
        True,
        None,
    ),
    (
        "caritas-fr",
        "Brigade de protection des mineurs – Marseille (démo)",
        "police",
        "local",
        "FR",
        "Marseille",
        ["child_protection", "identification"],
        ["fr"],
        True,
        ("Commandante Laure Vidal", "Cheffe de groupe"),
    ),
    (
        "caritas-fr",
        "Inspection du travail – unité régionale (démo)",
        "labour_inspectorate",
        "national",
        "FR",
        "Marseille",
        ["labour_exploitation"],
        ["fr", "al"],
        True,
        None,
    ),
    (
        "caritas-fr",
        "Accueil de jour Saint-Roch (démo)",
        "ngo",
        "local",
        "FR",
        "Marseille",
        ["protection", "reintegration"],
        ["fr"],
        False,
        ("Julien Mercier", "Coordinateur"),
    ),
    (
        "caritas-fr",
        "Consulat d'un pays d'origine (démo)",
        "embassy",
        "international",
        "FR",
        "Marseille",
        ["reintegration"],
        ["fr", "al"],
        True,
        None,
    ),
    (
        "caritas-fr",
        "Lycée professionnel du Vieux-Port (démo)",
        "school",
        "local",
        "FR",
        "Marseille",
        ["prevention"],
        ["fr"],
        False,
        None,
    ),
    (
        "caritas-fr",
        "Journal La Voix du Sud (démo)",
        "media",
        "local",
        "FR",
        "Marseille",
        ["advocacy"],
        ["fr"],
        False,
        None,
    ),
    (
        "caritas-lb",
        "Ministère du Travail – service des travailleurs migrants (démo)",
        "ministry",
        "national",
        "LB",
        "Beyrouth",
        ["labour_exploitation", "protection"],
        ["lb"],
        True,
        None,
    ),
    (
        "caritas-lb",
        "Sûreté générale – bureau des étrangers (démo)",
        "police",
        "national",
        "LB",
        "Beyrouth",
        ["identification"],
        ["lb"],
        False,
        ("Bureau des étrangers", "Permanence"),
    ),
    (
        "caritas-lb",
        "Association de soutien aux travailleuses domestiques (démo)",
        "ngo",
        "national",
        "LB",
        "Beyrouth",
        ["protection", "labour_exploitation"],
        ["lb"],
        True,
        ("Maya Khoury", "Directrice"),
    ),
    (
        "caritas-lb",
        "Organisation internationale du travail – bureau régional (démo)",
        "international_organisation",
        "international",
        "LB",
        "Beyrouth",
        ["labour_exploitation", "advocacy"],
        ["lb", "tr", "ma"],
        True,
        None,
    ),
    (
        "caritas-lb",
        "Conseil des Églises – commission sociale (démo)",
        "religious_body",
        "national",
        "LB",
        "Beyrouth",
        ["volunteer_work", "prevention"],
        ["lb"],
        False,
        None,
    ),
    (
        "caritas-lb",
        "Radio Sawt al-Mousafir (démo)",
        "media",
        "national",
        "LB",
        "Beyrouth",
        ["advocacy"],
        ["lb"],
        False,
        None,
    ),
)

# Agreements: (organisation, name starts with, kind, title, signed days ago, valid years, document?).
AGREEMENTS = (
    (
        "caritas-al",
        "Drejtoria Vendore e Policisë",
        "mou",
        "Memorandum mirëkuptimi për identifikimin e hershëm",
        700,
        3,
        True,
    ),
    (
        "caritas-al",
        "Shërbimi Social Shtetëror",
        "protocol",
        "Protokoll referimi në kuadër të MKR",
        400,
        2,
        False,
    ),
    (
        "caritas-al",
        "Ministria e Brendshme",
        "cooperation",
        "Marrëveshje bashkëpunimi për fushatat kombëtare",
        200,
        2,
        True,
    ),
    (
        "caritas-fr",
        "Brigade de protection des mineurs",
        "protocol",
        "Protocole de signalement des mineurs isolés",
        500,
        3,
        False,
    ),
    (
        "caritas-lb",
        "Ministère du Travail",
        "mou",
        "Mémorandum sur l'accompagnement des travailleuses migrantes",
        300,
        2,
        True,
    ),
)

# Partners without data here: shared copies only, as received from them.
# (partner, name, type, level, country, city, themes, related partners).
REMOTE = (
    (
        "am",
        "Police anti-trafficking division (demo)",
        "police",
        "national",
        "AM",
        "Yerevan",
        ["identification"],
        ["am"],
    ),
    ("am", "Shelter for women survivors (demo)", "ngo", "national", "AM", "Yerevan", ["protection"], ["am"]),
    (
        "ba",
        "Centre for social work – Mostar (demo)",
        "local_authority",
        "local",
        "BA",
        "Mostar",
        ["child_protection", "reintegration"],
        ["ba"],
    ),
    (
        "bg",
        "National commission against trafficking – local office (demo)",
        "ministry",
        "national",
        "BG",
        "Varna",
        ["prevention", "advocacy"],
        ["bg", "ro"],
    ),
    (
        "xk",
        "Prishtina regional police – trafficking unit (demo)",
        "police",
        "local",
        "XK",
        "Prishtinë",
        ["identification"],
        ["xk", "al"],
    ),
    (
        "ro",
        "County labour inspectorate (demo)",
        "labour_inspectorate",
        "local",
        "RO",
        "Iași",
        ["labour_exploitation"],
        ["ro"],
    ),
    (
        "tr",
        "Provincial migration management office (demo)",
        "ministry",
        "local",
        "TR",
        "Gaziantep",
        ["protection", "identification"],
        ["tr"],
    ),
    (
        "ma",
        "Association d'accueil des migrants (démo)",
        "ngo",
        "local",
        "MA",
        "Oujda",
        ["protection", "reintegration"],
        ["ma"],
    ),
    (
        "ua",
        "Regional centre of social services – Lviv (demo)",
        "local_authority",
        "local",
        "UA",
        "Lviv",
        ["reintegration", "child_protection"],
        ["ua"],
    ),
    (
        "ua",
        "Hotline for safe migration (demo)",
        "ngo",
        "national",
        "UA",
        "Kyiv",
        ["prevention", "online_recruitment"],
        ["ua", "bg"],
    ),
)


def _contact(contact: tuple[str, str] | None, code: str) -> dict[str, str]:
    if contact is None:
        return {}
    name, role = contact
    ascii_name = unicodedata.normalize("NFKD", name.lower()).encode("ascii", "ignore").decode()
    local = "".join(ch for ch in ascii_name if ch.isalpha() or ch == " ").strip().replace(" ", ".")
    return {
        "contact_name": name,
        "contact_role": role,
        "contact_email": f"{local[:40] or 'contact'}@{code}.example",
    }


def demo_populate() -> str:
    partners = {p.code: p for p in Partner.objects.all()}
    if len(partners) < 11:
        return "Stakeholders: skipped (the network's partners are not installed)."
    admins = {
        code: User.objects.get(username=f"admin-{code[-2:]}")
        for code in ("caritas-al", "caritas-fr", "caritas-lb")
    }
    organisations = {o.code: o for o in Organisation.objects.filter(code__in=admins)}
    profiles: dict[tuple[str, str], StakeholderProfile] = {}
    to_share: list[tuple[str, StakeholderProfile, bool]] = []

    albania = organisations["caritas-al"]
    for start, level, themes, related, share, contact in AL_PROFILES:
        provider = ServiceProvider.objects.filter(organisation=albania, name__startswith=start).first()
        if provider is None or StakeholderProfile.objects.filter(provider=provider).exists():
            continue
        profile = stakeholder_profile_add(
            actor=admins["caritas-al"],
            provider=provider,
            provider_version=provider.version,
            provider_fields={},
            profile_fields={
                "stakeholder_type": TYPE_FOR_HTCDS.get(provider.provider_type, "other"),
                "level": level,
                "themes": themes,
                "description": provider.notes,
                **_contact(contact, "al"),
            },
            partners=[partners[c] for c in related],
        )
        profiles[("caritas-al", provider.name)] = profile
        to_share.append(("caritas-al", profile, share))

    for code, name, kind, level, country, city, themes, related, share, contact in NEW:
        profile = stakeholder_create(
            actor=admins[code],
            organisation=organisations[code],
            provider_fields={
                "name": name,
                "country": country,
                "municipality": city,
                "phone": "+000 00 000 000",
            },
            profile_fields={
                "stakeholder_type": kind,
                "level": level,
                "themes": themes,
                "website": "",
                **_contact(contact, code[-2:]),
            },
            partners=[partners[c] for c in related],
        )
        profiles[(code, name)] = profile
        to_share.append((code, profile, share))

    today = timezone.localdate()
    agreements = 0
    for code, start, kind, title, days_ago, years, document in AGREEMENTS:
        profile = next(p for (c, n), p in profiles.items() if c == code and n.startswith(start))
        signed = today - datetime.timedelta(days=days_ago)
        agreement_add(
            actor=admins[code],
            profile=profile,
            kind=kind,
            title=title,
            signed_on=signed,
            valid_from=signed,
            valid_until=signed.replace(year=signed.year + years) - datetime.timedelta(days=1),
            scope="Synthetic demo agreement: cooperation on prevention, identification and referral.",
            upload=SimpleUploadedFile("agreement.pdf", DEMO_PDF, content_type="application/pdf")
            if document
            else None,
        )
        agreements += 1

    shared = 0
    for code, profile, share in to_share:
        if share:
            # Some shared copies carry their contact person or documents; the others do not.
            stakeholder_share(
                actor=admins[code],
                profile=profile,
                include_contact=shared % 2 == 0,
                include_documents=shared % 3 == 0,
            )
            shared += 1

    for code, name, kind, level, country, city, themes, related in REMOTE:
        shared_stakeholder_receive(
            owner=partners[code],
            values={
                "name": name,
                "stakeholder_type": kind,
                "level": level,
                "country": country,
                "city": city,
                "themes": themes,
                "shared_at": timezone.now() - datetime.timedelta(days=30),
            },
            related_partners=[partners[c] for c in related],
        )
    total = len(profiles) + len(REMOTE)
    return (
        f"Stakeholders: {total} ({len(profiles)} of the three demo organisations, {shared} of them shared;"
        f" {len(REMOTE)} shared copies from the other partners), {agreements} agreements."
    )
