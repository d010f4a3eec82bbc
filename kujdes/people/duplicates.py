"""The duplicate check at intake: is this person registered already?

Candidates are found through the blind indexes (any whole name token, a phone or an ID number,
keyed per organisation), then ranked by comparing the decrypted names with diacritics folded
(ë/e, ç/c), the birth year (±1) and the municipality. Only persons the actor may see come back
with their identity; a field educator (who registers but does not see persons) learns only the
pseudonymous codes of matches in their units. A match in another unit of the organisation is
announced as a bare fact, with nothing that identifies the person or the unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from kujdes.core.audit import audit_record
from kujdes.core.crypto import blind_index, name_tokens, normalise_identifier, normalise_phone, normalise_text
from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.people.models import BlindIndexEntry, BlindIndexKind, Person
from kujdes.people.selectors import persons_with_keys

if TYPE_CHECKING:
    from kujdes.accounts.models import User

ELSEWHERE_NOTICE = _("A possible match exists in another unit — contact its programme manager.")

# How many index hits are decrypted and compared at most: a common first name must not turn the
# check into a scan of the organisation.
MAX_COMPARED = 50
MAX_HITS = 500
# Below this score a name-only hit is not shown (a shared first name alone is not a duplicate).
MIN_SCORE = 0.55


@dataclass
class Candidate:
    person: Person
    score: float
    reasons: list[str] = field(
        default_factory=list
    )  # "name", "phone", "id_number", "birth_year", "municipality"
    # False for an actor who may register but not see persons: show the code only.
    identity_visible: bool = True


@dataclass
class DuplicateCheck:
    candidates: list[Candidate]
    elsewhere: bool

    @property
    def found(self) -> bool:
        return bool(self.candidates) or self.elsewhere

    @property
    def elsewhere_notice(self) -> str:
        return str(ELSEWHERE_NOTICE) if self.elsewhere else ""


def name_similarity(a: str, b: str) -> float:
    """0..1 likeness of two full names, diacritics folded and word order ignored."""
    left = " ".join(name_tokens(a))
    right = " ".join(name_tokens(b))
    if not left or not right:
        return 0.0
    return SequenceMatcher(None, left, right).ratio()


def _fold(value: str) -> str:
    return normalise_text(value or "")


def duplicate_candidates(
    *,
    actor: User,
    given_name: str,
    family_name: str = "",
    birth_year: int | None = None,
    municipality: str = "",
    phones: list[str] | None = None,
    id_numbers: list[str] | None = None,
    organisation_id: int | None = None,
) -> DuplicateCheck:
    """Possible duplicates of a person about to be registered, best first; the check is audited (counts).

    `organisation_id` limits the check to one organisation (the one of the unit chosen); by default
    every organisation where the actor registers persons.
    """
    visible_units = list(units_for_actor(actor=actor, perm=Perm.PERSON_VIEW).values_list("pk", flat=True))
    register_reach = list(
        units_for_actor(actor=actor, perm=Perm.PERSON_REGISTER_MINIMAL).values_list("pk", "organisation_id")
    )
    register_units = [pk for pk, _org in register_reach]
    organisation_ids = sorted({org for _pk, org in register_reach})
    if organisation_id is not None:
        organisation_ids = [o for o in organisation_ids if o == organisation_id]
    if not organisation_ids:
        return DuplicateCheck(candidates=[], elsewhere=False)

    values: list[tuple[str, str]] = []
    full_name = f"{given_name or ''} {family_name or ''}"
    tokens = name_tokens(full_name)
    values += [(BlindIndexKind.NAME, token) for token in tokens]
    values += [(BlindIndexKind.PHONE, v) for v in (normalise_phone(p) for p in phones or []) if len(v) >= 6]
    values += [
        (BlindIndexKind.ID_NUMBER, v) for v in (normalise_identifier(n) for n in id_numbers or []) if v
    ]
    if not values:
        return DuplicateCheck(candidates=[], elsewhere=False)
    strong_digests: set[str] = set()
    name_digests: set[str] = set()
    condition = Q()
    for kind, value in set(values):
        digests = [blind_index(organisation_id=o, kind=kind, normalised=value) for o in organisation_ids]
        (name_digests if kind == BlindIndexKind.NAME else strong_digests).update(digests)
        condition |= Q(kind=kind, digest__in=digests)

    # One grouped query: per matching person, how many index values it shares and whether a strong one.
    hits = list(
        BlindIndexEntry.objects.filter(condition, organisation_id__in=organisation_ids)
        .filter(person__erased_at__isnull=True, person__merged_into__isnull=True)
        .values("person_id", "person__unit_id", "person__birth_year")
        .annotate(
            shared=Count("digest", distinct=True),
            strong=Count("digest", filter=Q(digest__in=strong_digests), distinct=True),
        )
        .order_by("-strong", "-shared")[:MAX_HITS]
    )
    visible = set(visible_units)
    registrable = set(register_units)
    in_scope = [h for h in hits if h["person__unit_id"] in visible or h["person__unit_id"] in registrable]
    outside = [h for h in hits if h not in in_scope]

    def strong_outside(hit: dict) -> bool:
        # Without decrypting anything out of scope: a phone or ID number, or every name token, with a
        # birth year that does not contradict.
        if hit["strong"]:
            return True
        year = hit["person__birth_year"]
        year_fits = birth_year is None or year is None or abs(year - birth_year) <= 1
        return len(tokens) >= 2 and hit["shared"] >= len(tokens) and year_fits

    elsewhere = any(strong_outside(h) for h in outside)

    compared = in_scope[:MAX_COMPARED]
    persons = {
        p.pk: p
        for p in persons_with_keys(
            list(Person.objects.filter(pk__in=[h["person_id"] for h in compared]).select_related("unit"))
        )
    }
    candidates = []
    folded_municipality = _fold(municipality)
    for hit in compared:
        person = persons.get(hit["person_id"])
        if person is None:
            continue
        reasons = []
        similarity = name_similarity(full_name, f"{person.given_name or ''} {person.family_name or ''}")
        # Aliases count too: the best of the registered names.
        for alias in person.other_names or []:
            similarity = max(similarity, name_similarity(full_name, alias))
        score = similarity * 0.6
        if similarity >= 0.8:
            reasons.append("name")
        if hit["strong"]:
            score += 0.4
            registered_phones = {normalise_phone(p) for p in person.phones or []}
            if registered_phones & {normalise_phone(p) for p in phones or []}:
                reasons.append("phone")
            registered_ids = {
                normalise_identifier(str(d.get("number", ""))) for d in person.id_documents or []
            }
            if registered_ids & {normalise_identifier(n) for n in id_numbers or []}:
                reasons.append("id_number")
        if birth_year is not None and person.birth_year is not None:
            if abs(person.birth_year - birth_year) <= 1:
                score += 0.15
                reasons.append("birth_year")
            else:
                score -= 0.2
        if folded_municipality and _fold(person.municipality) == folded_municipality:
            score += 0.1
            reasons.append("municipality")
        if score < MIN_SCORE and not hit["strong"]:
            continue
        candidates.append(
            Candidate(
                person=person,
                score=round(min(score, 1.0), 3),
                reasons=reasons,
                identity_visible=person.unit_id in visible,
            )
        )
    candidates.sort(key=lambda c: (-c.score, c.person.code))
    check = DuplicateCheck(candidates=candidates[:10], elsewhere=elsewhere)
    with transaction.atomic():
        audit_record(
            actor=actor,
            organisation=organisation_ids[0],
            action="person.duplicate_check",
            details={"candidates": len(check.candidates), "elsewhere": elsewhere},
        )
    return check
