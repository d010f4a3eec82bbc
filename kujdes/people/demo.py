"""Demo: persons registered twice, in different units, with the spellings clerks really produce — for
the batch deduplication's review queue (/persons/duplicates/). Synthetic people only.

The records of each pair are in different units, as happens when a girl is met by the Shkodër office and
again at a centre or in another diocese: no unit's staff sees both, the organisation's deduplication does.
"""

from __future__ import annotations

import datetime
from typing import Any

from kujdes.core.models import Organisation, Unit
from kujdes.people.models import Person, Sex
from kujdes.people.services import person_create

# (unit, identity) twice per person: Hoxha/Hoxhaj, Ë/E with Ç/C and day and month swapped, a Ukrainian
# name in Cyrillic and in its Latin (national) transliteration, a Muhammad/Mohamed with one birth date.
PLANTED: list[tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]] = [
    (
        ("Arqidioqeza Shkodër-Pult", {"given_name": "Ardita", "family_name": "Hoxha", "dob": "1999-04-17"}),
        ("Qendra Sociale Shkodër", {"given_name": "Ardita", "family_name": "Hoxhaj", "dob": "1999-04-17"}),
    ),
    (
        ("Dioqeza e Lezhës", {"given_name": "Ëngjëllushe", "family_name": "Çela", "dob": "2004-11-05"}),
        ("Qendra Sociale Durrës", {"given_name": "Engjellushe", "family_name": "Cela", "dob": "2004-05-11"}),
    ),
    (
        (
            "Arqidioqeza Tiranë-Durrës",
            {"given_name": "Юлія", "family_name": "Коваленко", "dob": "1997-08-23", "citizenship": "UA"},
        ),
        (
            "Qendra Sociale Vlorë",
            {"given_name": "Yuliia", "family_name": "Kovalenko", "dob": "1997-08-23", "citizenship": "UA"},
        ),
    ),
    (
        (
            "Arqidioqeza Shkodër-Pult",
            {"given_name": "Muhammad", "family_name": "Haddad", "dob": "2008-02-29", "sex": Sex.MALE},
        ),
        (
            "Qendra Sociale Lezhë",
            {"given_name": "Mohamed", "family_name": "Haddad", "dob": "2008-02-29", "sex": Sex.MALE},
        ),
    ),
]


def planted_duplicates_create(*, organisation: Organisation) -> list[tuple[Person, Person]]:
    """Register the planted pairs in the organisation's units (by name); returns them."""
    units = {unit.name: unit for unit in Unit.objects.filter(organisation=organisation)}
    made = []
    for pair in PLANTED:
        persons = []
        for unit_name, identity in pair:
            born = datetime.date.fromisoformat(identity["dob"])
            persons.append(
                person_create(
                    actor=None,
                    unit=units[unit_name],
                    given_name=identity["given_name"],
                    family_name=identity["family_name"],
                    date_of_birth=born,
                    sex=identity.get("sex", Sex.FEMALE),
                    citizenships=[identity.get("citizenship", "AL")],
                )
            )
        made.append((persons[0], persons[1]))
    return made


def demo_populate() -> str:
    organisation = Organisation.objects.get(code="caritas-al")
    made = planted_duplicates_create(organisation=organisation)
    return (
        f"Demo registry: {len(made)} persons registered twice in different units (spelling variants), "
        "for the batch deduplication (/persons/duplicates/)."
    )
