"""A small synthetic service directory for Albanian demo installations.

The kinds of institutions are those of the Albanian national referral mechanism;
every entry is described generically: no real address, phone or e-mail
(phones are fictitious, e-mails end in example.invalid).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kujdes.cases.choices import SupportType as S
from kujdes.referrals.models import ProviderType as T
from kujdes.referrals.models import ServiceProvider
from kujdes.referrals.services import provider_create

if TYPE_CHECKING:
    from kujdes.core.models import Organisation

# (name, type, municipality, services, NRM member, notes)
ALBANIA_DIRECTORY: list[tuple[str, str, str, list[str], bool, str]] = [
    (
        "Shërbimi Social Shtetëror – Zyra Rajonale Shkodër",
        T.CENTRAL_GOVERNMENT,
        "Shkodër",
        [S.SOCIAL_CARE, S.FINANCIAL],
        True,
        "State Social Services: economic aid, social care assessment.",
    ),
    (
        "Njësia e Mbrojtjes së Fëmijëve – Bashkia Shkodër",
        T.LOCAL_GOVERNMENT,
        "Shkodër",
        [S.SOCIAL_CARE, S.PSYCHOSOCIAL],
        True,
        "Municipal child protection unit: child protection assessment and plan.",
    ),
    (
        "Drejtoria Vendore e Policisë – Sektori kundër Trafikimit",
        T.LAW_ENFORCEMENT,
        "Shkodër",
        [S.LEGAL],
        True,
        "Police directorate, anti-trafficking section: identification, protection, statements.",
    ),
    (
        "Qendra Kombëtare e Pritjes për Viktimat e Trafikimit",
        T.CENTRAL_GOVERNMENT,
        "Tiranë",
        [S.SHELTER, S.HEALTH, S.PSYCHOSOCIAL, S.SEXUAL_REHABILITATION, S.LABOUR_REHABILITATION],
        True,
        "National reception centre for (potential) victims of trafficking: "
        "secure shelter, health care, psychosocial support. Referral through the NRM.",
    ),
    (
        "Strehëz komunitare për gra dhe vajza",
        T.NGO,
        "Vlorë",
        [S.SHELTER, S.PSYCHOSOCIAL, S.LIVELIHOOD],
        True,
        "Community-based shelter run by a non-governmental organisation; reintegration support.",
    ),
    (
        "Qendra e Ndihmës Juridike Falas",
        T.LEGAL,
        "Tiranë",
        [S.LEGAL, S.RIGHTS_TRAINING],
        True,
        "Free legal aid: representation in criminal and civil proceedings, documents.",
    ),
    (
        "Qendra Shëndetësore Nr. 1",
        T.HEALTH,
        "Lezhë",
        [S.HEALTH],
        False,
        "Primary health care centre: check-ups, family doctor, referral to specialists.",
    ),
    (
        "Zyra Vendore e Punësimit",
        T.LOCAL_GOVERNMENT,
        "Shkodër",
        [S.LIVELIHOOD, S.EDUCATION],
        True,
        "Employment office: job registration, employment promotion programmes, vocational training.",
    ),
    (
        "Shkolla e Mesme Profesionale",
        T.SCHOOL,
        "Shkodër",
        [S.EDUCATION, S.LIVELIHOOD],
        False,
        "Vocational secondary school: courses for young people, evening classes.",
    ),
    (
        "Shkolla 9-vjeçare e lagjes",
        T.SCHOOL,
        "Lezhë",
        [S.EDUCATION],
        False,
        "Basic school: return to school, catch-up classes, school psychologist.",
    ),
]


def providers_install_albania(*, organisation: Organisation) -> list[ServiceProvider]:
    """Add the synthetic Albanian directory to `organisation` (entries already there are kept as they are).

    Call inside the organisation's scope (a command, a test: `system_scope()`).
    """
    existing = set(
        ServiceProvider.objects.filter(organisation=organisation).values_list("name", "municipality")
    )
    created = []
    for number, (name, provider_type, municipality, services, nrm_member, notes) in enumerate(
        ALBANIA_DIRECTORY, start=1
    ):
        if (name, municipality) in existing:
            continue
        fields: dict[str, Any] = {
            "name": name,
            "provider_type": provider_type,
            "country": "AL",
            "municipality": municipality,
            "address": "",
            # Fictitious numbers in a range no Albanian operator uses.
            "phone": f"+355 00 000 {number:04d}",
            "email": f"referime{number}@example.invalid",
            "services": [str(code) for code in services],
            "nrm_member": nrm_member,
            "notes": notes,
        }
        created.append(provider_create(actor=None, organisation=organisation, **fields))
    return created
