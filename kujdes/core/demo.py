"""The synthetic demo network (`kujdes demo`). Every name here is invented."""

from __future__ import annotations

import csv
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import ValidationError
from django.db import transaction

from kujdes.accounts.models import User
from kujdes.core.content_languages import offered_languages
from kujdes.core.models import Network, Organisation, Unit, UnitKind
from kujdes.core.roles import Role
from kujdes.core.services import (
    membership_assign,
    network_get_or_create,
    organisation_create,
    unit_create,
)

DATA = Path(__file__).resolve().parent / "data"

# Centres (social and health centres) under some of the dioceses, by diocese code.
ALBANIAN_CENTRES = {
    "SHKODER-PULT": ["Qendra Sociale Shkodër", "Qendra Shëndetësore Pult"],
    "LEZHE": ["Qendra Sociale Lezhë"],
    "TIRANE-DURRES": ["Qendra Sociale Durrës"],
    "JUG": ["Qendra Sociale Vlorë"],
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    organisation: str
    unit: str
    role: Role
    language: str = ""
    # One of the installation's network administrators (grants network roles, federation peers).
    network_admin: bool = False


ACCOUNTS = [
    DemoAccount(
        "coordinator", "Drita", "Marku", "caritas-al", "Zyra Kombëtare", Role.NETWORK_COORDINATOR, "en"
    ),
    DemoAccount(
        "admin-al",
        "Ilir",
        "Gjoka",
        "caritas-al",
        "Zyra Kombëtare",
        Role.ORGANISATION_ADMIN,
        network_admin=True,
    ),
    DemoAccount(
        "manager-shkoder", "Mirela", "Kola", "caritas-al", "Arqidioqeza Shkodër-Pult", Role.PROGRAMME_MANAGER
    ),
    DemoAccount(
        "caseworker-shkoder", "Alma", "Prendi", "caritas-al", "Arqidioqeza Shkodër-Pult", Role.CASE_WORKER
    ),
    DemoAccount(
        "manager-tirane", "Elona", "Hoxha", "caritas-al", "Arqidioqeza Tiranë-Durrës", Role.PROGRAMME_MANAGER
    ),
    DemoAccount(
        "caseworker-tirane", "Blerta", "Shehu", "caritas-al", "Arqidioqeza Tiranë-Durrës", Role.CASE_WORKER
    ),
    DemoAccount(
        "educator-lezhe", "Gentian", "Deda", "caritas-al", "Qendra Sociale Lezhë", Role.FIELD_EDUCATOR
    ),
    DemoAccount("volunteer-shkoder", "Sara", "Ndoja", "caritas-al", "Qendra Sociale Shkodër", Role.VOLUNTEER),
    # A volunteer from Chernivtsi who works in Ukrainian (issue 19): the Albanian programme in her language.
    DemoAccount(
        "volunteer-uk", "Olena", "Kovalenko", "caritas-al", "Qendra Sociale Shkodër", Role.VOLUNTEER, "uk"
    ),
    DemoAccount("dpo-al", "Erion", "Lleshi", "caritas-al", "Zyra Kombëtare", Role.DATA_PROTECTION_OFFICER),
    DemoAccount("viewer-al", "Teuta", "Bardhi", "caritas-al", "Zyra Kombëtare", Role.VIEWER),
    DemoAccount("admin-fr", "Claire", "Morel", "caritas-fr", "Bureau national", Role.ORGANISATION_ADMIN),
    DemoAccount(
        "caseworker-fr", "Julien", "Faure", "caritas-fr", "Délégation de Marseille", Role.CASE_WORKER
    ),
    DemoAccount("admin-lb", "Rania", "Haddad", "caritas-lb", "المكتب الوطني", Role.ORGANISATION_ADMIN, "fr"),
    # Caritas Lebanon works in Arabic: its case worker reads the interface in Arabic (right to left).
    DemoAccount("caseworker-lb", "Karim", "Saade", "caritas-lb", "مركز بيروت", Role.CASE_WORKER, "ar"),
]


def _albania(network: Network) -> Organisation:
    organisation = organisation_create(
        network=network,
        code="caritas-al",
        name="Caritas Shqiptare",
        country="AL",
        languages=["sq"],
        default_language="sq",
        root_unit_name="Zyra Kombëtare",
    )
    root = Unit.objects.get(organisation=organisation, parent__isnull=True)
    with (DATA / "albania-dioceses.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            diocese = unit_create(
                actor=None, parent=root, name=row["name_sq"], kind=UnitKind.DIOCESE, code=row["code"]
            )
            for centre in ALBANIAN_CENTRES.get(row["code"], []):
                unit_create(actor=None, parent=diocese, name=centre, kind=UnitKind.CENTRE)
    return organisation


def _france(network: Network) -> Organisation:
    organisation = organisation_create(
        network=network,
        code="caritas-fr",
        name="Caritas France (démo)",
        country="FR",
        languages=["fr"],
        default_language="fr",
        root_unit_name="Bureau national",
    )
    root = Unit.objects.get(organisation=organisation, parent__isnull=True)
    unit_create(actor=None, parent=root, name="Délégation de Marseille", kind=UnitKind.OFFICE)
    return organisation


def _lebanon(network: Network) -> Organisation:
    organisation = organisation_create(
        network=network,
        code="caritas-lb",
        name="كاريتاس لبنان · Caritas Liban (démo)",
        country="LB",
        languages=["ar", "fr"],
        default_language="ar",
        root_unit_name="المكتب الوطني",
    )
    root = Unit.objects.get(organisation=organisation, parent__isnull=True)
    unit_create(actor=None, parent=root, name="مركز بيروت", kind=UnitKind.CENTRE)
    return organisation


def _demo_password(spec: DemoAccount) -> str:
    """A random password the installation's own rules accept: a random token now and then shares
    enough letters with a long user name ("caseworker-shkoder") for the similarity rule to refuse it."""
    from django.contrib.auth.password_validation import validate_password

    person = User(
        username=spec.username,
        email=f"{spec.username}@demo.kujdes.invalid",
        first_name=spec.first_name,
        last_name=spec.last_name,
    )
    while True:
        password = secrets.token_urlsafe(12)
        try:
            validate_password(password, person)
        except ValidationError:
            continue
        return password


def _account_create(spec: DemoAccount) -> dict[str, Any]:
    organisation = Organisation.objects.get(code=spec.organisation)
    unit = Unit.objects.get(organisation=organisation, name=spec.unit)
    password = _demo_password(spec)
    user = User.objects.create_user(
        username=spec.username,
        email=f"{spec.username}@demo.kujdes.invalid",
        password=password,
        first_name=spec.first_name,
        last_name=spec.last_name,
        organisation=organisation,
        language=spec.language,
        is_network_admin=spec.network_admin,
    )
    membership_assign(actor=None, user=user, unit=unit, role=spec.role)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return {
        "username": user.username,
        "password": password,
        "totp_secret": secret,
        "roles": [spec.role.value],
        "organisation": organisation.code,
        "unit": unit.name,
        "language": user.language,
    }


@transaction.atomic
def demo_seed() -> list[dict[str, Any]] | None:
    """Create the demo network, or return None if this installation has data already.

    Call inside `system_scope()`.
    """
    if Organisation.objects.exists():
        return None
    network = network_get_or_create(name="Rrjeti Euro-Mesdhetar kundër trafikimit (demo)", is_demo=True)
    _albania(network)
    _france(network)
    _lebanon(network)
    return [_account_create(spec) for spec in ACCOUNTS]


@transaction.atomic
def demo_passwords_reset() -> list[dict[str, Any]]:
    """New passwords and TOTP secrets for the demo accounts (when the accounts file was lost)."""
    accounts = []
    for spec in ACCOUNTS:
        user = User.objects.get(username=spec.username)
        password = _demo_password(spec)
        user.set_password(password)
        user.save(update_fields=["password"])
        Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        accounts.append(
            {
                "username": user.username,
                "password": password,
                "totp_secret": secret,
                "roles": [spec.role.value],
                "organisation": spec.organisation,
                "unit": spec.unit,
                "language": spec.language,
            }
        )
    return accounts


def demo_accounts_write(*, path: Path, accounts: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(accounts, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# -- the network-scale dataset (`kujdes seed --scale network`, DESIGN §6) ---------------------------

# The eight partners the demo lacks:
# (code, name, country, languages, national office, regional units, centres per region).
NETWORK_PARTNERS = (
    ("caritas-am", "Caritas Armenia (demo)", "AM", ["hy"], "Ազգային գրասենյակ", 2, 2),
    ("caritas-ba", "Caritas BiH (demo)", "BA", ["bs", "hr", "sr"], "Nacionalni ured", 2, 2),
    ("caritas-bg", "Caritas Bulgaria (demo)", "BG", ["bg"], "Национален офис", 2, 1),
    ("caritas-xk", "Caritas Kosova (demo)", "XK", ["sq", "sr"], "Zyra Kombëtare", 2, 2),
    ("caritas-ro", "Caritas România (demo)", "RO", ["ro"], "Biroul național", 2, 1),
    ("caritas-tr", "Caritas Türkiye (demo)", "TR", ["tr"], "Ulusal ofis", 2, 1),
    ("caritas-ma", "Caritas Maroc (demo)", "MA", ["ar", "fr"], "Bureau national", 2, 1),
    ("caritas-ua", "Caritas Ukraine (demo)", "UA", ["uk"], "Національний офіс", 2, 1),
)
# Roles of the synthetic network users, by weight (most are field and case staff).
NETWORK_ROLE_WEIGHTS = {
    Role.CASE_WORKER: 30,
    Role.FIELD_EDUCATOR: 25,
    Role.VOLUNTEER: 30,
    Role.PROGRAMME_MANAGER: 8,
    Role.VIEWER: 4,
    Role.DATA_PROTECTION_OFFICER: 1,
    Role.ORGANISATION_ADMIN: 2,
}


def network_partners_ensure(network: Network) -> list[Organisation]:
    """Create the partner organisations of the network dataset that do not exist yet (idempotent)."""
    created = []
    for code, name, country, languages, office, regions, centres in NETWORK_PARTNERS:
        if Organisation.objects.filter(code=code).exists():
            continue
        organisation = organisation_create(
            network=network,
            code=code,
            name=name,
            country=country,
            languages=languages,
            # The partner's first working language when Kujdes offers it (Arabic in Morocco, Ukrainian
            # in Ukraine...), else English.
            default_language=languages[0] if languages[0] in offered_languages() else "en",
            root_unit_name=office,
        )
        root = Unit.objects.get(organisation=organisation, parent__isnull=True)
        for r in range(1, regions + 1):
            region = unit_create(actor=None, parent=root, name=f"Region {r}", kind=UnitKind.OFFICE)
            for c in range(1, centres + 1):
                unit_create(actor=None, parent=region, name=f"Centre {r}.{c}", kind=UnitKind.CENTRE)
        created.append(organisation)
    return created


def network_users_ensure(*, total: int, seed: int = 0) -> int:
    """Synthetic staff accounts (no password, no second factor: they cannot sign in) until the
    installation has `total` users, each with one membership. Returns how many were created."""
    import random

    from kujdes.core.models import Membership

    missing = total - User.objects.count()
    if missing <= 0:
        return 0
    rng = random.Random(seed)
    units = list(Unit.objects.select_related("organisation").order_by("pk"))
    roles, weights = list(NETWORK_ROLE_WEIGHTS), list(NETWORK_ROLE_WEIGHTS.values())
    start = User.objects.filter(username__startswith="net-").count()
    users, memberships = [], []
    for i in range(start, start + missing):
        unit = rng.choice(units)
        user = User(
            username=f"net-{unit.organisation.code}-{i:04d}",
            email=f"net-{i:04d}@demo.kujdes.invalid",
            organisation=unit.organisation,
            first_name="Synthetic",
            last_name=f"User {i:04d}",
        )
        user.set_unusable_password()
        users.append(user)
        memberships.append((user, unit, rng.choices(roles, weights)[0]))
    with transaction.atomic():
        User.objects.bulk_create(users)
        Membership.objects.bulk_create(
            [
                Membership(organisation_id=u.organisation_id, user=user, unit=u, role=role)
                for user, u, role in memberships
            ]
        )
    return len(users)
