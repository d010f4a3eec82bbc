"""Reads of instruments and screenings, always on behalf of an actor.

Instruments are configuration: organisation administrators see all of their organisation's;
case workers and programme managers see the active ones of the organisations where they work.
Screenings are case content: visible to actors who may see the person *and* case files in the
person's unit (case workers, programme managers), never to administrators, educators or volunteers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet

from kujdes.core.roles import Perm
from kujdes.core.selectors import organisations_for_actor, units_for_actor
from kujdes.people.models import Person
from kujdes.people.selectors import person_get, persons_for_actor
from kujdes.screening.models import Instrument, InstrumentVersion, Screening

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def instruments_for_configuration(*, actor: User) -> QuerySet[Instrument]:
    """Instruments of the organisations the actor configures (organisation administrators)."""
    organisations = organisations_for_actor(actor=actor, perm=Perm.ORGANISATION_CONFIGURE)
    return Instrument.objects.filter(organisation__in=organisations.values("pk")).select_related(
        "organisation"
    )


def instrument_get_for_configuration(*, actor: User, public_id: str) -> Instrument:
    """One instrument the actor configures; Instrument.DoesNotExist (→ 404) for any other."""
    return instruments_for_configuration(actor=actor).get(public_id=public_id)


def instruments_for_screening(*, actor: User) -> QuerySet[Instrument]:
    """Active instruments of the organisations where the actor may see case files."""
    organisation_ids = units_for_actor(actor=actor, perm=Perm.CASE_VIEW).values("organisation_id")
    return Instrument.objects.filter(organisation_id__in=organisation_ids, is_active=True)


def instruments_visible(*, actor: User) -> QuerySet[Instrument]:
    """What the API lists: instruments the actor configures, and active ones the actor screens with."""
    configured = organisations_for_actor(actor=actor, perm=Perm.ORGANISATION_CONFIGURE).values("pk")
    working = units_for_actor(actor=actor, perm=Perm.CASE_VIEW).values("organisation_id")
    return Instrument.objects.filter(
        Q(organisation__in=configured) | Q(organisation_id__in=working, is_active=True)
    ).order_by("organisation_id", "code")


def instruments_with_current_version(instruments: QuerySet[Instrument]) -> list[Instrument]:
    """The instruments with `current` set to their newest version (two queries whatever the count)."""
    newest_first = InstrumentVersion.objects.order_by("-number")
    listed: list[Instrument] = list(
        instruments.prefetch_related(Prefetch("versions", queryset=newest_first, to_attr="_newest"))
    )
    for instrument in listed:
        instrument.current = instrument._newest[0] if instrument._newest else None  # type: ignore[attr-defined]
    return listed


def instrument_current_version(*, instrument: Instrument) -> InstrumentVersion | None:
    return InstrumentVersion.objects.filter(instrument=instrument).order_by("-number").first()


def instrument_versions(*, instrument: Instrument) -> QuerySet[InstrumentVersion]:
    return (
        InstrumentVersion.objects.filter(instrument=instrument)
        .select_related("created_by")
        .order_by("-number")
        .defer("definition")
    )


def instrument_version_get(*, instrument: Instrument, number: int) -> InstrumentVersion:
    return InstrumentVersion.objects.select_related("created_by").get(instrument=instrument, number=number)


def person_can_be_screened_by(*, actor: User, person: Person) -> bool:
    """Whether the actor may record screenings of this person (case workers of the person's unit)."""
    return units_for_actor(actor=actor, perm=Perm.CASE_MANAGE).filter(pk=person.unit_id).exists()


def person_screenings_visible(*, actor: User, person: Person) -> bool:
    """Whether the actor may see this person's screenings (case files of the person's unit)."""
    return units_for_actor(actor=actor, perm=Perm.CASE_VIEW).filter(pk=person.unit_id).exists()


def person_for_screening(*, actor: User, public_id: str) -> Person:
    """A person whose screenings the actor may see; Person.DoesNotExist (→ 404) otherwise."""
    person = person_get(actor=actor, public_id=public_id)
    if not person_screenings_visible(actor=actor, person=person):
        raise Person.DoesNotExist
    return person


def screenings_for_actor(*, actor: User) -> QuerySet[Screening]:
    """Screenings of persons the actor sees, in units where the actor may see case files."""
    persons = persons_for_actor(actor=actor).filter(
        unit__in=units_for_actor(actor=actor, perm=Perm.CASE_VIEW).values("pk")
    )
    return Screening.objects.filter(person__in=persons.values("pk"))


def screening_get(*, actor: User, public_id: str) -> Screening:
    """One screening the actor may see; Screening.DoesNotExist (→ 404) for any other."""
    return (
        screenings_for_actor(actor=actor)
        .select_related("person", "version", "version__instrument", "performed_by", "unit")
        .get(public_id=public_id)
    )


def screenings_of_person(*, actor: User, person: Person) -> QuerySet[Screening]:
    """The person's screening history, newest first (empty for actors who may not see it)."""
    return (
        screenings_for_actor(actor=actor)
        .filter(person=person)
        .select_related("version", "version__instrument", "performed_by")
        # A history shows plain codes only: nothing here is decrypted, whatever its length.
        .defer("version__definition", "answers", "result", "notes")
        .order_by("-performed_on", "-created_at")
    )
