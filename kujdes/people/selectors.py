"""Reads of persons, scoped by the actor's units."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from kujdes.core.crypto import (
    KeyHandle,
    blind_index,
    name_tokens,
    normalise_identifier,
    normalise_phone,
    subject_keys_load,
)
from kujdes.core.models import Organisation, Unit
from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.people.models import (
    BlindIndexEntry,
    BlindIndexKind,
    Consent,
    ConsentPurpose,
    Household,
    MergeStatus,
    Person,
    PersonFile,
    PersonFileKind,
    PersonMerge,
    PersonRelation,
    RetentionRule,
)

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def persons_for_actor(*, actor: User, units: list[Unit] | None = None) -> QuerySet[Person]:
    """Persons registered in units where the actor may see persons (not erased, not merged away).

    `units`: those units, when the caller has read them already (units_for_actor with person.view).
    """
    # A literal list of unit ids lets the planner use the person indexes directly.
    ids = [pk for pk, _organisation in _reach(actor, units)]
    return Person.objects.filter(unit_id__in=ids, erased_at__isnull=True, merged_into__isnull=True)


def _reach(actor: User, units: list[Unit] | None) -> list[tuple[int, int]]:
    """(unit id, organisation id) of the units where the actor may see persons."""
    if units is not None:
        return [(unit.pk, unit.organisation_id) for unit in units]
    return list(
        units_for_actor(actor=actor, perm=Perm.PERSON_VIEW).order_by().values_list("pk", "organisation_id")
    )


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
    return _person_search(actor=actor, query=query)[0]


def _person_search(
    *, actor: User, query: str, units: list[Unit] | None = None, ranked: bool = False
) -> tuple[QuerySet[Person], bool]:
    """The search's persons, and whether they carry `whole_words` (ranked: a name search asked so).

    `whole_words`: how many of the query's words the person holds as a whole name (phone and ID
    number searches are not ranked: every match is exact).
    """
    # Unit ids and organisations come from the units in reach, listed once: filtering
    # persons on a literal list lets the planner use the unit index directly.
    reach = _reach(actor, units)
    organisation_ids = sorted({organisation_id for _pk, organisation_id in reach})
    candidates = Person.objects.filter(
        unit_id__in=[pk for pk, _org in reach], erased_at__isnull=True, merged_into__isnull=True
    )
    if not reach or not query.strip():
        return candidates.none(), False

    def digests(kind: str, value: str) -> list[str]:
        return [blind_index(organisation_id=o, kind=kind, normalised=value) for o in organisation_ids]

    digits = normalise_phone(query)
    if digits and len(digits) >= 6 and not any(ch.isalpha() for ch in query):
        matching = _matching(BlindIndexKind.PHONE, [digests(BlindIndexKind.PHONE, digits)])
        return candidates.filter(pk__in=matching), False
    identifier = normalise_identifier(query)
    stripped = query.strip()
    if (
        any(ch.isdigit() for ch in identifier)
        and any(ch.isalpha() for ch in identifier)
        and " " not in stripped
    ):
        matching = _matching(BlindIndexKind.ID_NUMBER, [digests(BlindIndexKind.ID_NUMBER, identifier)])
        return candidates.filter(pk__in=matching), False
    tokens = name_tokens(query)
    if not tokens:
        return candidates.none(), False
    if not ranked:
        return candidates.filter(pk__in=_name_matching(tokens, digests)), False
    return _name_matching_ranked(candidates, tokens, digests, organisation_ids), True


def _token_digests(tokens: list[str], digests: Callable[[str, str], list[str]]) -> list[list[str]]:
    """For each query token, the digests of its whole-name and (3 letters or more) prefix entries."""
    from kujdes.people.services import NAME_PREFIX_KIND, NAME_PREFIX_MIN

    per_token = []
    for token in tokens:
        token_digests = digests(BlindIndexKind.NAME, token)
        if len(token) >= NAME_PREFIX_MIN:
            token_digests += digests(NAME_PREFIX_KIND, token)
        per_token.append(token_digests)
    return per_token


def _name_matching(tokens: list[str], digests: Callable[[str, str], list[str]]) -> QuerySet[BlindIndexEntry]:
    """Ids of persons with, for every query token, a whole name token equal to it or starting with it.

    Tokens of 3 letters or more also match the prefix index (see services.NAME_PREFIX_KIND). One
    grouped query: each entry is mapped back to the query token it answers, and a person matches
    when all tokens are answered.
    """
    from kujdes.people.services import NAME_PREFIX_KIND

    per_token = _token_digests(tokens, digests)
    # A digest is keyed by its kind and organisation, so "kind in (…) and digest in (…)" finds exactly
    # the entries of each (kind, token): one range of the covering index, read without the table.
    entries = BlindIndexEntry.objects.filter(
        kind__in=[BlindIndexKind.NAME, NAME_PREFIX_KIND],
        digest__in=[digest for token_digests in per_token for digest in token_digests],
    ).values("person_id")
    if len(tokens) == 1:
        return entries
    whens = [When(digest__in=token_digests, then=Value(n)) for n, token_digests in enumerate(per_token)]
    grouped = entries.annotate(
        answered=Count(Case(*whens, output_field=IntegerField()), distinct=True)
    ).filter(answered=len(tokens))
    return grouped.values("person_id")


def _name_matching_ranked(
    candidates: QuerySet[Person],
    tokens: list[str],
    digests: Callable[[str, str], list[str]],
    organisation_ids: list[int],
) -> QuerySet[Person]:
    """The candidates matching every token (as `_name_matching`), each with `whole_words`.

    The persons are joined to their matching entries and grouped (one pass over the entries, read
    from the covering index), rather than probing each person's entries again to rank it: a common
    family name has thousands of matches in a network.
    """
    from kujdes.people.services import NAME_PREFIX_KIND

    per_token = _token_digests(tokens, digests)
    matched = candidates.filter(
        blind_index__organisation_id__in=organisation_ids,
        blind_index__kind__in=[BlindIndexKind.NAME, NAME_PREFIX_KIND],
        blind_index__digest__in=[digest for token_digests in per_token for digest in token_digests],
    )
    whole = Count("blind_index__digest", filter=Q(blind_index__kind=BlindIndexKind.NAME), distinct=True)
    if len(tokens) == 1:
        return matched.annotate(whole_words=whole)
    whens = [
        When(blind_index__digest__in=token_digests, then=Value(n))
        for n, token_digests in enumerate(per_token)
    ]
    answered = Count(Case(*whens, output_field=IntegerField()), distinct=True)
    return matched.annotate(whole_words=whole, answered=answered).filter(answered=len(tokens))


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
    stored = (visible | officer).select_related("person").get(public_id=public_id)
    if stored.kind == PersonFileKind.PHOTO and photos_withheld(person=stored.person):
        # Hidden like a file that does not exist; the protection officer still reaches it through the
        # subject access export and erasure.
        raise PersonFile.DoesNotExist
    return stored


def person_get_for_officer(*, actor: User, public_id: str) -> Person:
    """A person of an organisation where the actor is data protection officer (erased ones included)."""
    from kujdes.core.selectors import organisations_for_actor

    organisations = organisations_for_actor(actor=actor, perm=Perm.ERASURE_MANAGE)
    return Person.objects.select_related("unit").get(public_id=public_id, organisation__in=organisations)


def retention_rules_for_actor(*, actor: User) -> QuerySet[RetentionRule]:
    from kujdes.core.selectors import organisations_for_actor

    organisations = organisations_for_actor(actor=actor, perm=Perm.ERASURE_MANAGE)
    return RetentionRule.objects.filter(organisation__in=organisations).order_by("record_type")


# --- the person registry (issue 4) -------------------------------------------------------------

_DIVISIONS = Path(__file__).resolve().parent.parent / "core" / "data" / "albania-divisions.csv"


@lru_cache(maxsize=1)
def albanian_municipalities() -> tuple[str, ...]:
    """The 61 municipalities of Albania (municipality_sq of core/data/albania-divisions.csv), read once."""
    with _DIVISIONS.open(encoding="utf-8") as handle:
        return tuple(sorted({row["municipality_sq"].strip() for row in csv.DictReader(handle)}))


@lru_cache(maxsize=64)
def _organisation_country(organisation_id: int) -> str:
    # Organisation is not a tenant table (no scope needed); its country never changes.
    return Organisation.objects.filter(pk=organisation_id).values_list("country", flat=True).first() or ""


def municipalities_for_organisation(*, organisation_id: int) -> tuple[str, ...] | None:
    """The municipality list a registration must choose from, or None where municipality is free text."""
    if _organisation_country(organisation_id) == "AL":
        return albanian_municipalities()
    return None


def units_for_registration(*, actor: User) -> QuerySet[Unit]:
    """Units where the actor may register persons (minimal fields at least)."""
    return units_for_actor(actor=actor, perm=Perm.PERSON_REGISTER_MINIMAL).order_by("path")


def person_can_manage(*, actor: User, person: Person) -> bool:
    return units_for_actor(actor=actor, perm=Perm.PERSON_MANAGE).filter(pk=person.unit_id).exists()


def persons_registry_list(
    *,
    actor: User,
    query: str = "",
    category: str = "",
    unit: Unit | None = None,
    units: list[Unit] | None = None,
) -> QuerySet[Person]:
    """The person list: a search (name, code, phone, ID number) or, without one, the most recent.

    A query that looks like a person code (AL-SHK-2026-000123) is matched exactly, ignoring case.
    Filters narrow either; `unit` means the unit and everything below it. A name search ranks the
    persons who hold the query's words as whole names ("Hoxha") before those whose names only start
    with them ("Hoxhaj"), then the most recent first; the order is total (ties broken by id), so
    that pages neither repeat nor skip anyone. `units`: the actor's units for person.view, when the
    caller has read them already.
    """
    return persons_registry_search(actor=actor, query=query, category=category, unit=unit, units=units)[0]


def persons_registry_search(
    *,
    actor: User,
    query: str = "",
    category: str = "",
    unit: Unit | None = None,
    units: list[Unit] | None = None,
) -> tuple[QuerySet[Person], QuerySet[Person]]:
    """`persons_registry_list`, and the same persons unordered and unranked, cheaper to count (a ranked
    name search groups every match before it can stop; the plain one stops at the count it needs)."""
    query = query.strip()
    ranked = False
    by_code = None
    if query and "-" in query and any(c.isdigit() for c in query):
        # Codes are made upper-case (codes.person_codes): equality finds them on the code index, where
        # a case-insensitive match would read every person of the units.
        by_code = persons_for_actor(actor=actor, units=units).filter(code=query.upper())
    if by_code is not None and by_code.exists():
        persons = plain = by_code
    elif query:
        persons, ranked = _person_search(actor=actor, query=query, units=units, ranked=True)
        plain = _person_search(actor=actor, query=query, units=units)[0] if ranked else persons
    else:
        persons = plain = persons_for_actor(actor=actor, units=units)

    def narrowed(found: QuerySet[Person]) -> QuerySet[Person]:
        if category:
            # JSON list membership: a substring test on the quoted code works on SQLite and PostgreSQL.
            found = found.filter(categories__icontains=f'"{category}"')
        if unit is not None:
            found = found.filter(unit__path__startswith=unit.path, unit__organisation_id=unit.organisation_id)
        return found

    persons = narrowed(persons).select_related("unit")
    order = ("-whole_words", "-created_at", "-pk") if ranked else ("-created_at", "-pk")
    return persons.order_by(*order), narrowed(plain).order_by()


def person_merged_target(*, actor: User, public_id: str) -> Person | None:
    """The person a merged record now lives in, if the actor may see that person (for a redirect)."""
    units = units_for_actor(actor=actor, perm=Perm.PERSON_VIEW)
    merged = (
        Person.objects.filter(unit__in=units.values("pk"), public_id=public_id, merged_into__isnull=False)
        .select_related("merged_into")
        .first()
    )
    if merged is None:
        return None
    kept = merged.merged_into
    # A chain of merges ends at a record that is still live.
    for _step in range(5):
        if kept is None or kept.merged_into_id is None:
            break
        kept = kept.merged_into
    if kept is None or not persons_for_actor(actor=actor).filter(pk=kept.pk).exists():
        return None
    return kept


def person_relations(*, actor: User, person: Person) -> list[PersonRelation]:
    """The person's relations (both directions) to persons the actor may see, relatives' keys loaded."""
    visible = persons_for_actor(actor=actor).values("pk")
    relations = list(
        PersonRelation.objects.filter(
            Q(person=person, relative__in=visible) | Q(relative=person, person__in=visible)
        )
        .select_related("person", "relative")
        .order_by("created_at")
    )
    persons_with_keys([r.relative if r.person_id == person.pk else r.person for r in relations])
    return relations


def household_members(*, actor: User, household: Household) -> list[Person]:
    members = list(persons_for_actor(actor=actor).filter(household=household).order_by("created_at"))
    return persons_with_keys(members)


def households_for_actor(*, actor: User) -> QuerySet[Household]:
    units = units_for_actor(actor=actor, perm=Perm.PERSON_VIEW)
    return Household.objects.filter(unit__in=units.values("pk"))


def consents_of_person(*, person: Person) -> QuerySet[Consent]:
    """A person's consents, newest first (the caller has checked the person is visible)."""
    return (
        Consent.objects.filter(person=person)
        .select_related("partner", "guardian")
        .order_by("-given_on", "-pk")
    )


def photos_withheld(*, person: Person) -> bool:
    """Whether the person's photos are hidden: a consent to photos was withdrawn and none stands."""
    photos = Consent.objects.filter(person=person, purpose=ConsentPurpose.PHOTOS)
    return (
        photos.filter(withdrawn_on__isnull=False).exists()
        and not photos.filter(withdrawn_on__isnull=True).exists()
    )


def files_of_person(*, person: Person) -> QuerySet[PersonFile]:
    """The person's files; photos are left out once the consent to photos was withdrawn."""
    files = PersonFile.objects.filter(person=person).order_by("-uploaded_at")
    if photos_withheld(person=person):
        files = files.exclude(kind=PersonFileKind.PHOTO)
    return files


def person_merges_for_actor(*, actor: User) -> QuerySet[PersonMerge]:
    """Merges whose both records lie in units where the actor may see persons."""
    visible = persons_for_actor(actor=actor).values("pk")
    return PersonMerge.objects.filter(kept__in=visible, duplicate__in=visible).select_related(
        "kept", "duplicate", "kept__unit", "duplicate__unit", "proposed_by"
    )


def person_merges_pending(*, actor: User, person: Person) -> QuerySet[PersonMerge]:
    return person_merges_for_actor(actor=actor).filter(
        Q(kept=person) | Q(duplicate=person), status=MergeStatus.PROPOSED
    )


def _persons_shown(ids: list[int]) -> list[Person]:
    """The rows of a page of ids, in that order, their keys attached for decryption."""
    rows = {person.pk: person for person in Person.objects.filter(pk__in=ids).select_related("unit")}
    return persons_with_keys([rows[pk] for pk in ids if pk in rows])


# A search for a common family name matches thousands of persons in a network: nobody reads them all,
# and counting them exactly means finding every one. The list counts up to this many, then says "more".
PERSON_COUNT_LIMIT = 100


@dataclass
class PersonPage:
    """A page of the person list whose total is known only up to `count_limit` (`count` None above).

    Shaped like Django's Page where the templates use it (number, has_next, next_page_number…).
    """

    object_list: list[Person]
    number: int
    size: int
    has_next: bool
    count: int | None
    count_limit: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def num_pages(self) -> int | None:
        """The number of pages, when the total is known."""
        return None if self.count is None else max(1, -(-self.count // self.size))


def persons_page_capped(
    persons: QuerySet[Person],
    *,
    number: Any,
    size: int,
    count_limit: int | None = None,
    counted: QuerySet[Person] | None = None,
) -> PersonPage:
    """One page of an ordered person list without counting every match.

    Two queries of ids: up to `count_limit` + 1 matches in no order (the database stops as soon as it
    has them), then the page's ids plus one (to know whether a next page exists); then the rows shown.
    A page number past the end gives the last page when the total is known, an empty page otherwise.
    `counted`: the same persons in a form cheaper to count, if there is one (persons_registry_search).
    """
    count_limit = count_limit or PERSON_COUNT_LIMIT
    try:
        wanted = max(int(number), 1)
    except (TypeError, ValueError):
        wanted = 1
    ids = persons.values_list("pk", flat=True)
    found = len(
        (counted if counted is not None else persons)
        .values_list("pk", flat=True)
        .order_by()[: count_limit + 1]
    )
    count = found if found <= count_limit else None
    if count is not None:
        wanted = min(wanted, max(1, -(-count // size)))
    start = (wanted - 1) * size
    shown = list(ids[start : start + size + 1])
    return PersonPage(
        object_list=_persons_shown(shown[:size]),
        number=wanted,
        size=size,
        has_next=len(shown) > size,
        count=count,
        count_limit=count_limit,
    )
