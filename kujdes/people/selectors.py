"""Reads of persons, scoped by the actor's units."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet

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


def _matching(kind: str, digests_per_value: list[list[str]]) -> QuerySet[BlindIndexEntry]:
    """Ids of persons holding every one of the values (each given as its digests, one per organisation)."""
    all_digests = [digest for digests in digests_per_value for digest in digests]
    entries = BlindIndexEntry.objects.filter(kind=kind, digest__in=all_digests).values("person_id")
    if len(digests_per_value) == 1:
        return entries
    # A person matches when each value matched one of its entries: one grouped query for all tokens.
    grouped = entries.annotate(matched=Count("digest", distinct=True)).filter(matched=len(digests_per_value))
    return grouped.values("person_id")


def person_search(*, actor: User, query: str) -> QuerySet[Person]:
    """Exact-token search through blind indexes: every name token must match (ë/e, ç/c alike).

    A query of digits also matches phone numbers; one with letters and digits, ID numbers.
    """
    units = units_for_actor(actor=actor, perm=Perm.PERSON_VIEW)
    # Unit ids and organisations come from the units in reach, listed once: filtering
    # persons on a literal list lets the planner use the unit index directly.
    reach = list(units.order_by().values_list("pk", "organisation_id"))
    organisation_ids = sorted({organisation_id for _pk, organisation_id in reach})
    candidates = Person.objects.filter(unit_id__in=[pk for pk, _org in reach], erased_at__isnull=True)
    if not reach or not query.strip():
        return candidates.none()

    def digests(kind: str, value: str) -> list[str]:
        return [blind_index(organisation_id=o, kind=kind, normalised=value) for o in organisation_ids]

    digits = normalise_phone(query)
    if digits and len(digits) >= 6 and not any(ch.isalpha() for ch in query):
        return candidates.filter(
            pk__in=_matching(BlindIndexKind.PHONE, [digests(BlindIndexKind.PHONE, digits)])
        )
    identifier = normalise_identifier(query)
    stripped = query.strip()
    if (
        any(ch.isdigit() for ch in identifier)
        and any(ch.isalpha() for ch in identifier)
        and " " not in stripped
    ):
        matching = _matching(BlindIndexKind.ID_NUMBER, [digests(BlindIndexKind.ID_NUMBER, identifier)])
        return candidates.filter(pk__in=matching)
    tokens = name_tokens(query)
    if not tokens:
        return candidates.none()
    return candidates.filter(
        pk__in=_matching(BlindIndexKind.NAME, [digests(BlindIndexKind.NAME, token) for token in tokens])
    )


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
