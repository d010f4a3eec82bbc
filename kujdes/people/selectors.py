"""Reads of persons, scoped by the actor's units."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from kujdes.core.crypto import (
    KeyHandle,
    blind_index,
    name_tokens,
    normalise_identifier,
    normalise_phone,
    subject_keys_load,
)
from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.people.models import BlindIndexEntry, BlindIndexKind, Person, PersonFile, RetentionRule

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def persons_for_actor(*, actor: User) -> QuerySet[Person]:
    """Persons registered in units where the actor may see persons."""
    units = units_for_actor(actor=actor, perm=Perm.PERSON_VIEW)
    return Person.objects.filter(unit__in=units.values("pk"), erased_at__isnull=True)


def person_get(*, actor: User, public_id: str) -> Person:
    """One person the actor may see; Person.DoesNotExist (→ 404) for any other."""
    return persons_for_actor(actor=actor).select_related("unit").get(public_id=public_id)


def person_search(*, actor: User, query: str) -> QuerySet[Person]:
    """Exact-token search through blind indexes: every name token must match (ë/e, ç/c alike).

    A query of digits also matches phone numbers; one with letters and digits, ID numbers.
    """
    candidates = persons_for_actor(actor=actor)
    # From the units in reach, not the persons: a scan of every person in reach would
    # cost more than the search itself.
    units = units_for_actor(actor=actor, perm=Perm.PERSON_VIEW)
    organisation_ids = set(units.order_by().values_list("organisation_id", flat=True).distinct())
    if not organisation_ids or not query.strip():
        return candidates.none()
    result = candidates
    tokens = name_tokens(query)
    digits = normalise_phone(query)
    if digits and len(digits) >= 6 and not any(ch.isalpha() for ch in query):
        digests = [
            blind_index(organisation_id=o, kind=BlindIndexKind.PHONE, normalised=digits)
            for o in organisation_ids
        ]
        return result.filter(
            pk__in=BlindIndexEntry.objects.filter(kind=BlindIndexKind.PHONE, digest__in=digests).values(
                "person_id"
            )
        )
    identifier = normalise_identifier(query)
    if (
        any(ch.isdigit() for ch in identifier)
        and any(ch.isalpha() for ch in identifier)
        and " " not in query.strip()
    ):
        digests = [
            blind_index(organisation_id=o, kind=BlindIndexKind.ID_NUMBER, normalised=identifier)
            for o in organisation_ids
        ]
        return result.filter(
            pk__in=BlindIndexEntry.objects.filter(kind=BlindIndexKind.ID_NUMBER, digest__in=digests).values(
                "person_id"
            )
        )
    for token in tokens:
        digests = [
            blind_index(organisation_id=o, kind=BlindIndexKind.NAME, normalised=token)
            for o in organisation_ids
        ]
        result = result.filter(
            pk__in=BlindIndexEntry.objects.filter(kind=BlindIndexKind.NAME, digest__in=digests).values(
                "person_id"
            )
        )
    return result


def persons_with_keys(persons: list[Person]) -> list[Person]:
    """Attach the person keys of a page of persons in one key-store query (no N+1 on decryption)."""
    keys = subject_keys_load({person.key_id for person in persons})
    for person in persons:
        person._key_handle = KeyHandle(key_id=person.key_id, record=keys.get(person.key_id))
    return persons


def person_file_get(*, actor: User, public_id: str) -> PersonFile:
    """A file of a person the actor may see, or of their organisation for its protection officer."""
    from kujdes.core.selectors import organisations_for_actor

    visible = PersonFile.objects.filter(person__in=persons_for_actor(actor=actor).values("pk"))
    officer = PersonFile.objects.filter(
        organisation__in=organisations_for_actor(actor=actor, perm=Perm.ERASURE_MANAGE).values("pk"),
        person__erased_at__isnull=True,
    )
    return (visible | officer).select_related("person").get(public_id=public_id)


def person_get_for_officer(*, actor: User, public_id: str) -> Person:
    """A person of an organisation where the actor is data protection officer (erased ones included)."""
    from kujdes.core.selectors import organisations_for_actor

    organisations = organisations_for_actor(actor=actor, perm=Perm.ERASURE_MANAGE)
    return Person.objects.select_related("unit").get(public_id=public_id, organisation__in=organisations)


def retention_rules_for_actor(*, actor: User) -> QuerySet[RetentionRule]:
    from kujdes.core.selectors import organisations_for_actor

    organisations = organisations_for_actor(actor=actor, perm=Perm.ERASURE_MANAGE)
    return RetentionRule.objects.filter(organisation__in=organisations).order_by("record_type")
