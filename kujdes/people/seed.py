"""Many persons at once: benchmarks, load tests, imports of synthetic data.

`persons_bulk_create` writes what `person_create` writes (a person key in the
key store, the encrypted identity, its blind indexes) for thousands of persons
with a few bulk inserts per batch instead of several queries per person. It
encrypts through the same field code (`EncryptedField.pre_save`, which Django's
`bulk_create` calls for every field of every row) and the same key functions.
One audit event per organisation and batch records how many persons were
created, not one per person.

`persons_synthetic` invents persons with Albanian-looking names from the lists
below: every combination is random, no real person is described.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from kujdes.core.audit import audit_record
from kujdes.core.crypto import subject_keys_create
from kujdes.core.models import Unit
from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.people.codes import person_codes
from kujdes.people.models import BlindIndexEntry, Person, Sex

# Building the blind index entries is person_create's own code, reused so that both agree.
from kujdes.people.services import _blind_index_entries

if TYPE_CHECKING:
    from kujdes.accounts.models import User

_PERSON_ARGUMENTS = {
    "unit",
    "given_name",
    "family_name",
    "other_names",
    "date_of_birth",
    "id_documents",
    "phones",
    "address",
    "sex",
    "birth_year",
    "municipality",
    "citizenships",
    "categories",
    "languages",
    "education",
    "marital_status",
    "children_count",
    "birth_date_estimated",
}


def _person_build(spec: dict[str, Any]) -> Person:
    """A Person as person_create builds it (same defaults), not saved yet."""
    unknown = set(spec) - _PERSON_ARGUMENTS
    if unknown:
        raise ValueError(f"not a person_create argument: {sorted(unknown)}")
    unit: Unit = spec["unit"]
    date_of_birth = spec.get("date_of_birth")
    birth_year = spec.get("birth_year")
    if birth_year is None and date_of_birth is not None:
        birth_year = date_of_birth.year
    return Person(
        organisation_id=unit.organisation_id,
        unit=unit,
        given_name=spec["given_name"],
        family_name=spec.get("family_name", ""),
        other_names=spec.get("other_names") or [],
        date_of_birth=date_of_birth,
        id_documents=spec.get("id_documents") or [],
        phones=spec.get("phones") or [],
        address=spec.get("address", ""),
        sex=spec.get("sex", Sex.UNKNOWN),
        birth_year=birth_year,
        municipality=spec.get("municipality", ""),
        citizenships=spec.get("citizenships") or [],
        categories=spec.get("categories") or [],
        languages=spec.get("languages") or [],
        education=spec.get("education", ""),
        marital_status=spec.get("marital_status", ""),
        children_count=spec.get("children_count"),
        birth_date_estimated=spec.get("birth_date_estimated", False),
    )


def persons_bulk_create(
    *, actor: User | None, persons: Iterable[dict[str, Any]], batch_size: int = 1000
) -> int:
    """Register many persons; each item holds person_create's keyword arguments (with `unit`).

    The actor (None: the system) must be allowed to register persons in every
    unit named. Each batch is one transaction of the data database; its person
    keys are written to the key store just before, as person_create does.
    Returns the number of persons created.
    """
    allowed: set[int] | None = None
    if actor is not None:
        allowed = set(
            units_for_actor(actor=actor, perm=Perm.PERSON_REGISTER_MINIMAL).values_list("pk", flat=True)
        )
    created = 0
    iterator = iter(persons)
    while batch := list(islice(iterator, batch_size)):
        if allowed is not None and any(spec["unit"].pk not in allowed for spec in batch):
            raise PermissionDenied
        created += _batch_create(actor=actor, batch=[_person_build(spec) for spec in batch])
    return created


def _batch_create(*, actor: User | None, batch: list[Person]) -> int:
    by_organisation: dict[int, list[Person]] = defaultdict(list)
    for person in batch:
        by_organisation[person.organisation_id].append(person)
    for organisation_id, members in by_organisation.items():
        subjects = subject_keys_create(organisation_id=organisation_id, count=len(members))
        for person, subject in zip(members, subjects, strict=True):
            person.key_id = subject.public_id
            person.encryption_handle().record = subject
    with transaction.atomic():
        by_unit: dict[int, list[Person]] = defaultdict(list)
        for person in batch:
            by_unit[person.unit_id].append(person)
        year = datetime.date.today().year
        for members in by_unit.values():
            codes = person_codes(unit=members[0].unit, year=year, count=len(members))
            for person, code in zip(members, codes, strict=True):
                person.code = code
        # pre_save seals every encrypted field of every row here, with the row's own key.
        Person.objects.bulk_create(batch, batch_size=len(batch))
        entries = [entry for person in batch for entry in _blind_index_entries(person)]
        BlindIndexEntry.objects.bulk_create(entries, batch_size=5000)
        for organisation_id, members in by_organisation.items():
            audit_record(
                actor=actor,
                organisation=organisation_id,
                action="person.bulk_created",
                details={"count": len(members)},
            )
    return len(batch)


# --- synthetic persons --------------------------------------------------------

FEMALE_NAMES = [
    "Alma",
    "Anila",
    "Arta",
    "Besa",
    "Blerina",
    "Brunilda",
    "Dorina",
    "Drita",
    "Elda",
    "Elira",
    "Enkeleda",
    "Entela",
    "Erisa",
    "Etleva",
    "Fatjona",
    "Flutura",
    "Gentiana",
    "Greta",
    "Hana",
    "Ilda",
    "Irma",
    "Jonida",
    "Klea",
    "Kristina",
    "Lindita",
    "Lira",
    "Luljeta",
    "Manjola",
    "Marsela",
    "Mimoza",
    "Mirela",
    "Nertila",
    "Orjola",
    "Pranvera",
    "Rovena",
    "Sara",
    "Sidorela",
    "Suela",
    "Teuta",
    "Valbona",
    "Vjosa",
    "Xhesika",
    "Zamira",
    "Ëngjëllushe",
    "Bora",
    "Dafina",
    "Eriona",
    "Fjolla",
    "Majlinda",
    "Mjellma",
    "Rezarta",
    "Shpresa",
    "Vera",
    "Aurela",
    "Denada",
    "Egla",
    "Emiljana",
    "Jorgjia",
    "Kejsi",
    "Lorela",
    "Migena",
    "Oriana",
    "Romina",
    "Sindi",
    "Ajola",
    "Ledia",
    "Irena",
    "Dëshira",
    "Lumturi",
    "Mbarësa",
    "Ana-Maria",
]
MALE_NAMES = [
    "Agron",
    "Altin",
    "Arben",
    "Ardit",
    "Artan",
    "Besnik",
    "Blerim",
    "Dritan",
    "Edmond",
    "Elton",
    "Endrit",
    "Erion",
    "Fatos",
    "Genti",
    "Gëzim",
    "Ilir",
    "Klodian",
    "Kujtim",
    "Lulzim",
    "Mark",
    "Nikolin",
    "Olsi",
    "Pjetër",
    "Rigers",
    "Sokol",
    "Taulant",
    "Valon",
    "Xhon",
    "Zef",
    "Ermal",
    "Gjergj",
    "Kastriot",
    "Luan",
    "Mërgim",
    "Andi",
    "Bledar",
    "Dashnor",
    "Edison",
    "Florian",
    "Gazmend",
    "Jetmir",
    "Klajdi",
    "Marin",
    "Renato",
    "Shkëlqim",
]
FAMILY_NAMES = [
    "Hoxha",
    "Shehu",
    "Gjoka",
    "Kola",
    "Marku",
    "Prendi",
    "Leka",
    "Dervishi",
    "Lleshi",
    "Gjoni",
    "Ndoja",
    "Deda",
    "Bardhi",
    "Krasniqi",
    "Dushku",
    "Çela",
    "Muça",
    "Gjergji",
    "Këlliçi",
    "Përmeti",
    "Çoba",
    "Zhupa",
    "Qosja",
    "Prifti",
    "Kuka",
    "Doda",
    "Gjini",
    "Pepa",
    "Marku-Gjini",
    "Vata",
    "Tafaj",
    "Zefi",
    "Nikolla",
    "Palushi",
    "Shkurti",
    "Dema",
    "Malaj",
    "Bushati",
    "Lika",
    "Gega",
    "Daci",
    "Luli",
    "Sokoli",
    "Mema",
    "Hasani",
    "Xhaferri",
    "Murati",
    "Bregu",
    "Kurti",
    "Llakaj",
    "Gjeçi",
    "Frroku",
    "Pjetri",
    "Kacorri",
    "Shllaku",
    "Ndreca",
    "Vuksani",
    "Kapllani",
    "Gjokaj",
    "Kodra",
    "Kukaj",
    "Dakaj",
    "Hysa",
    "Rexha",
    "Toska",
    "Fishta",
    "Mjeda",
    "Paloka",
    "Zadeja",
    "Ulqinaku",
    "Dedaj",
    "Mirdita",
    "Dibra",
    "Koci",
    "Ruci",
    "Boçi",
    "Gurra",
    "Kasa",
    "Kurani",
    "Lumaj",
    "Nika",
    "Qerimi",
    "Rrapaj",
    "Rrushi",
    "Shytaj",
    "Tahiri",
    "Troshani",
    "Vasija",
    "Xhepa",
    "Ymeri",
    "Zeneli",
    "Ahmeti",
    "Balla",
    "Berberi",
    "Bici",
    "Brahimaj",
    "Caka",
    "Cara",
    "Daja",
    "Duka",
    "Elezi",
    "Fejzo",
    "Gashi",
    "Gjyli",
    "Halili",
    "Ismaili",
    "Jaho",
    "Kapaj",
    "Karaj",
    "Kelmendi",
    "Laçi",
    "Mehmeti",
    "Mullahi",
    "Noka",
    "Osmani",
    "Pllumbi",
    "Qehaja",
    "Rama-Gjoni",
    "Sinani",
    "Spahiu",
    "Tanushi",
    "Uka",
    "Veliu",
    "Zyberi",
    "Kastrati",
    "Hila",
    "Delia",
]
MUNICIPALITIES = [
    "Shkodër",
    "Vau i Dejës",
    "Lezhë",
    "Mirditë",
    "Tiranë",
    "Durrës",
    "Vlorë",
    "Pukë",
    "Malësi e Madhe",
    "Kurbin",
    "Kamëz",
    "Fier",
]
STREETS = (
    "Rruga e Dibrës",
    "Rruga Kolë Idromeno",
    "Rruga Ismail Qemali",
    "Bulevardi Skënderbeg",
    "Lagjja Tophanë",
    "Rruga 13 Dhjetori",
    "Rruga e Kavajës",
    "Lagjja Partizani",
    "Rruga Gjergj Fishta",
)


def _weighted(names: Sequence[str]) -> tuple[Sequence[str], list[float]]:
    # Common names are much more common: roughly Zipf, as in any population.
    return names, [1 / (rank + 8) for rank in range(len(names))]


def persons_synthetic(*, units: Sequence[tuple[Unit, float]], count: int, seed: int = 0) -> Iterator[dict]:
    """`count` invented persons (person_create arguments), spread over units by weight."""
    rng = random.Random(seed)
    unit_list, unit_weights = [u for u, _w in units], [w for _u, w in units]
    family, family_weights = _weighted(FAMILY_NAMES)
    female, female_weights = _weighted(FEMALE_NAMES)
    male, male_weights = _weighted(MALE_NAMES)
    today = datetime.date.today()
    for _ in range(count):
        sex = rng.choices([Sex.FEMALE, Sex.MALE, Sex.UNKNOWN, Sex.NON_CONFORMING], weights=[70, 24, 5, 1])[0]
        if sex == Sex.MALE:
            given = rng.choices(male, male_weights)[0]
        else:
            given = rng.choices(female, female_weights)[0]
        if rng.random() < 0.08:  # a second given name
            given += " " + rng.choices(female if sex != Sex.MALE else male)[0]
        born = today - datetime.timedelta(days=rng.randint(4 * 365, 65 * 365))
        phones = []
        for _phone in range(rng.choices([0, 1, 2], weights=[15, 70, 15])[0]):
            number = f"6{rng.choice('789')}{rng.randrange(10**7):07d}"
            phones.append(rng.choice([f"0{number}", f"+355 {number[:2]} {number[2:5]} {number[5:]}"]))
        documents = []
        if rng.random() < 0.6:
            letters = "ABCDEFGHIJKLMNOPRSTU"
            documents.append(
                {
                    "type": "id_card",
                    "number": f"{rng.choice(letters)}{rng.randrange(10**8):08d}{rng.choice(letters)}",
                }
            )
        yield {
            "unit": rng.choices(unit_list, unit_weights)[0],
            "given_name": given,
            "family_name": rng.choices(family, family_weights)[0],
            "other_names": [rng.choices(family, family_weights)[0]] if rng.random() < 0.1 else [],
            "date_of_birth": born if rng.random() < 0.9 else None,
            "id_documents": documents,
            "phones": phones,
            "address": f"{rng.choice(STREETS)}, nr. {rng.randint(1, 120)}" if rng.random() < 0.7 else "",
            "sex": sex,
            "municipality": rng.choice(MUNICIPALITIES),
            "citizenships": ["AL"],
        }
