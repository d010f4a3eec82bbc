"""The network's partners for the demo: the 11 of the shipped list, with invented focal points.

Caritas Albania, France and Lebanon are the demo organisations; the other eight partners
have no data on this installation, as most partners will not at first.
"""

from __future__ import annotations

from kujdes.accounts.models import User
from kujdes.network.models import FocalPoint
from kujdes.network.services import partners_install

# (partner code, name, role, e-mail local part, languages, demo account or "").
FOCAL_POINTS = (
    ("al", "Ilir Gjoka", "Administrator, national office", "ilir.gjoka", ["sq", "en"], "admin-al"),
    ("al", "Mirela Kola", "Programme manager, Shkodër-Pult", "mirela.kola", ["sq", "it"], "manager-shkoder"),
    ("am", "Anahit Petrosyan", "Anti-trafficking programme officer", "a.petrosyan", ["hy", "en"], ""),
    ("ba", "Amra Hodžić", "Prevention coordinator", "amra.hodzic", ["bs", "en"], ""),
    ("ba", "Goran Marić", "Social worker, Mostar", "goran.maric", ["hr"], ""),
    ("bg", "Desislava Ivanova", "Programme manager", "d.ivanova", ["bg", "en"], ""),
    ("fr", "Claire Morel", "Responsable du pôle traite", "claire.morel", ["fr", "en"], "admin-fr"),
    ("xk", "Arbër Krasniqi", "Project coordinator", "arber.krasniqi", ["sq", "sr", "en"], ""),
    ("lb", "Rania Haddad", "Responsable migrants et traite", "rania.haddad", ["ar", "fr", "en"], "admin-lb"),
    ("ro", "Ioana Popescu", "Coordonator programe", "ioana.popescu", ["ro", "en"], ""),
    ("tr", "Elif Demir", "Migration programme officer", "elif.demir", ["tr", "en"], ""),
    ("ma", "Youssef Benali", "Chargé de protection", "y.benali", ["ar", "fr"], ""),
    ("ua", "Olena Kovalenko", "Counter-trafficking coordinator", "olena.kovalenko", ["uk", "en"], ""),
    ("ua", "Taras Melnyk", "Regional coordinator, Lviv", "taras.melnyk", ["uk"], ""),
)


def demo_populate() -> str:
    partners = {p.code: p for p in partners_install()}
    for code, name, role, mail, languages, username in FOCAL_POINTS:
        partner = partners[code]
        FocalPoint.objects.get_or_create(
            partner=partner,
            name=name,
            defaults={
                "role": role,
                "email": f"{mail}@{code}.caritas.example",
                "phone": "",
                "languages": languages,
                "is_primary": not partner.focal_points.exists(),
                "user": User.objects.filter(username=username).first() if username else None,
            },
        )
    local = sum(1 for p in partners.values() if p.is_local)
    return (
        f"Network: {len(partners)} partners ({local} on this installation)"
        f" with {len(FOCAL_POINTS)} focal points."
    )
