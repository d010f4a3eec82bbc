"""A person as the linkage engine's record. Built from decrypted values in memory, never stored."""

from __future__ import annotations

from kujdes.people.linkage.compare import Prepared
from kujdes.people.models import Person, Sex

_SEX = {Sex.FEMALE: "F", Sex.MALE: "M"}


def person_prepared(person: Person) -> Prepared:
    """The engine's view of a person (its key attached by the caller). An estimated birth date is given
    as 1 January of its year, the engine's mark of a guessed age; a birth year alone likewise."""
    dob = ""
    if person.date_of_birth is not None and not person.birth_date_estimated:
        dob = person.date_of_birth.isoformat()
    elif person.birth_year:
        dob = f"{person.birth_year:04d}-01-01"
    documents = [str(d.get("number", "")) for d in person.id_documents or [] if isinstance(d, dict)]
    return Prepared(
        str(person.pk),
        given_name=person.given_name or "",
        surname=person.family_name or "",
        sex=_SEX.get(person.sex, ""),
        dob=dob,
        nationality=(person.citizenships or [""])[0],
        document_id=next((d for d in documents if d), ""),
        office=str(person.unit_id),
    )
