"""The duplicate check at intake: is this person registered already?

The record-linkage engine (`kujdes.people.linkage`) at intake. The new person's blocking keys (name
skeletons, sorted name pairs, a name with the birth year, name prefixes, consonant keys, the date
with day and month sorted, documents) are keyed with the organisation's index key and looked up,
with the phone and ID number digests, in one grouped query over the blind indexes; registered
persons are ranked by how many kinds of key they share, and only the best `MAX_COMPARED` are
decrypted (in memory) and compared field by field. Each is weighed with the organisation's
Fellegi–Sunter weights (`LinkageModel`, or the default weights) and a prior for a registry of its
size; siblings and twins are vetoed. A candidate carries the per-field explanation in words.

Only persons the actor may see come back with their identity; a field educator (who registers but
does not see persons) learns only the pseudonymous codes of matches in their units. A match in
another unit of the organisation is announced as a bare fact, with nothing that identifies the
person or the unit (it is decrypted to be weighed, never shown). The check is audited with counts.
"""

from __future__ import annotations

import copy
import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kujdes.core.audit import audit_record
from kujdes.core.crypto import blind_index, name_tokens, normalise_identifier, normalise_phone, normalise_text
from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.people.linkage.compare import MISSING, N_CLOSE, N_SIMILAR, Prepared, explain
from kujdes.people.linkage.intake import (
    LINKAGE_KINDS,
    IntakeModel,
    identity_variants,
    intake_model,
    lookup_keys,
    person_variants,
    registry_size,
)
from kujdes.people.linkage.model import Model
from kujdes.people.linkage.normalise import normalise_document
from kujdes.people.models import BlindIndexEntry, BlindIndexKind, Person
from kujdes.people.selectors import persons_with_keys

if TYPE_CHECKING:
    from kujdes.accounts.models import User

ELSEWHERE_NOTICE = _("A possible match exists in another unit — contact its programme manager.")

# How many registered persons sharing keys are decrypted and compared at most, after ranking by the
# kinds of key they share (a common name shares one kind; the same person usually three or more):
# high enough that the true person of a common name is never cut before scoring.
MAX_COMPARED = 200
# Out of scope, fewer: only whether one is strong enough for the notice matters.
MAX_COMPARED_ELSEWHERE = 20
MAX_CANDIDATES = 10
# A candidate is shown from this match probability on (the engine's weights with the registry's
# prior); a shared phone or ID number is shown whatever its probability. Chosen on the engine's
# development seed (gen_synth 99, 20,000 persons), measured on others (docs/benchmarks.md): lower
# thresholds find a few more of the persons registered without a date of birth, at the price of
# many more warnings for new persons who merely share a common name.
SHOW_PROBABILITY = 0.5
# A shared phone number is evidence the engine's fields do not hold (bits added to the weight).
PHONE_BITS = 6.0
# A bulk check (imports) compares fewer persons per row: its rows come by the thousand.
MAX_COMPARED_BULK = 60
BULK_CHUNK = 500


@dataclass
class Candidate:
    person: Person
    score: float  # the match probability, 0..1
    reasons: list[str] = field(
        default_factory=list
    )  # "name", "phone", "id_number", "birth_year", "municipality"
    # False for an actor who may register but not see persons: show the code only.
    identity_visible: bool = True
    # The per-field comparison in words ("family name: same after folding …"), for the user.
    explanation: list[str] = field(default_factory=list)
    weight: float = 0.0  # the match weight in bits (log2 of the odds)


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


# --- the person being registered ---------------------------------------------------------------


@dataclass
class _Query:
    """A person about to be registered, ready to look up and compare (in memory only)."""

    variants: list[Prepared]
    keys: set[tuple[str, str]]  # (kind, plain value) to look up
    phones: set[str]
    documents: set[str]
    birth_year: int | None
    municipality: str

    @classmethod
    def of(cls, values: dict[str, Any]) -> _Query:
        id_numbers = [str(n) for n in values.get("id_numbers") or [] if n]
        date_of_birth = values.get("date_of_birth")
        if isinstance(date_of_birth, str):
            try:
                date_of_birth = datetime.date.fromisoformat(date_of_birth)
            except ValueError:
                date_of_birth = None
        birth_year = values.get("birth_year") or (date_of_birth.year if date_of_birth else None)
        variants = identity_variants(
            given_name=values.get("given_name") or "",
            family_name=values.get("family_name") or "",
            other_names=values.get("other_names") or [],
            date_of_birth=date_of_birth,
            birth_year=birth_year,
            birth_date_estimated=bool(values.get("birth_date_estimated")),
            sex=values.get("sex") or "",
            citizenships=values.get("citizenships") or [],
            document=id_numbers[0] if id_numbers else "",
        )
        keys = lookup_keys(variants, id_numbers)
        if not any(kind != "lk_doc" for kind, _value in keys):
            # A single name without a date: the engine has no key for it; its whole name tokens are
            # looked up instead (today's index), ranked below any other evidence.
            full = f"{values.get('given_name') or ''} {values.get('family_name') or ''}"
            keys |= {(BlindIndexKind.NAME.value, token) for token in name_tokens(full)}
        phones = {v for v in (normalise_phone(p) for p in values.get("phones") or []) if len(v) >= 6}
        documents = {v for v in (normalise_identifier(n) for n in id_numbers) if v}
        keys |= {(BlindIndexKind.PHONE.value, v) for v in phones}
        keys |= {(BlindIndexKind.ID_NUMBER.value, v) for v in documents}
        return cls(
            variants=variants,
            keys=keys,
            phones=phones,
            documents=documents,
            birth_year=birth_year,
            municipality=_fold(values.get("municipality") or ""),
        )

    def digests(self, organisation_ids: Sequence[int]) -> dict[str, tuple[str, bool]]:
        """digest → (kind, strong) for every organisation searched."""
        strong_kinds = (BlindIndexKind.PHONE.value, BlindIndexKind.ID_NUMBER.value, "lk_doc")
        return {
            blind_index(organisation_id=o, kind=kind, normalised=value): (kind, kind in strong_kinds)
            for o in organisation_ids
            for kind, value in self.keys
        }


# --- weighing one registered person ------------------------------------------------------------


def _assess(
    query: _Query, person: Person, *, model: IntakeModel, prior_weight: float, strong: bool
) -> Candidate | None:
    """The registered person as a candidate for the query, or None when too unlike (or a sibling)."""
    registered = person_variants(person)
    registered_phones = {normalise_phone(p) for p in person.phones or []}
    registered_documents = {
        normalise_identifier(str(d.get("number", "")))
        for d in person.id_documents or []
        if isinstance(d, dict)
    }
    shared_phone = bool(query.phones & registered_phones)
    shared_document = query.documents & registered_documents
    news = query.variants
    if shared_document:
        # Compare the document both records hold, whichever of their documents it is (on copies:
        # the query's records serve the next person too).
        document = normalise_document(sorted(shared_document)[0])
        news = [copy.copy(variant) for variant in news]
        for variant in (*registered, *news):
            variant.document = document
    best: tuple[float, tuple[int, ...], bool, list[float], bool] | None = None
    for new in news:
        for old in registered:
            levels, swapped, weights, vetoed = model.score(new, old)
            weight = sum(weights)
            if best is None or (not vetoed, weight) > (not best[4], best[0]):
                best = (weight, levels, swapped, weights, vetoed)
    assert best is not None
    weight, levels, swapped, weights, vetoed = best
    if vetoed:  # a sibling or twin (never when a document agrees)
        return None
    weight += prior_weight + (PHONE_BITS if shared_phone else 0.0)
    probability = Model.probability(weight)
    if probability < SHOW_PROBABILITY and not (shared_phone or shared_document):
        return None
    reasons = []
    given, family = levels[0], levels[1]
    names = [level for level in (given, family) if level != MISSING]
    if names and all(level <= N_SIMILAR for level in names) and (family != MISSING or given <= N_CLOSE):
        reasons.append("name")
    if shared_phone:
        reasons.append("phone")
    if shared_document:
        reasons.append("id_number")
    year = person.birth_year
    if query.birth_year is not None and year is not None and abs(year - query.birth_year) <= 1:
        reasons.append("birth_year")
    if query.municipality and _fold(person.municipality) == query.municipality:
        reasons.append("municipality")
    explanation = [line.text for line in explain(levels, tuple(weights), swapped) if line.level != MISSING]
    if shared_phone:
        explanation.append(gettext("phone: same"))
    return Candidate(
        person=person,
        score=round(probability, 3),
        reasons=reasons,
        explanation=explanation,
        weight=round(weight, 2),
    )


# --- the check ---------------------------------------------------------------------------------


@dataclass
class _Reach:
    organisation_ids: list[int]
    visible: set[int]  # units whose persons the actor sees
    registrable: set[int]  # units where the actor registers (codes only)

    @classmethod
    def of(cls, actor: User, organisation_id: int | None) -> _Reach:
        visible = set(units_for_actor(actor=actor, perm=Perm.PERSON_VIEW).values_list("pk", flat=True))
        register_reach = list(
            units_for_actor(actor=actor, perm=Perm.PERSON_REGISTER_MINIMAL).values_list(
                "pk", "organisation_id"
            )
        )
        organisation_ids = sorted({org for _pk, org in register_reach})
        if organisation_id is not None:
            organisation_ids = [o for o in organisation_ids if o == organisation_id]
        return cls(organisation_ids, visible, {pk for pk, _org in register_reach})

    def in_scope(self, unit_id: int) -> bool:
        return unit_id in self.visible or unit_id in self.registrable


def _alive(queryset: Any) -> Any:
    return queryset.filter(person__erased_at__isnull=True, person__merged_into__isnull=True)


def _decrypted(person_ids: Iterable[int]) -> dict[int, Person]:
    ids = list(person_ids)
    if not ids:
        return {}
    return {
        p.pk: p for p in persons_with_keys(list(Person.objects.filter(pk__in=ids).select_related("unit")))
    }


def _models(organisation_ids: Sequence[int]) -> dict[int, tuple[IntakeModel, float]]:
    out = {}
    for o in organisation_ids:
        model = intake_model(organisation_id=o)
        out[o] = (model, model.prior_weight(registry_size(organisation_id=o)))
    return out


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
    date_of_birth: datetime.date | None = None,
    birth_date_estimated: bool = False,
    sex: str = "",
    citizenships: list[str] | None = None,
    other_names: list[str] | None = None,
) -> DuplicateCheck:
    """Possible duplicates of a person about to be registered, best first; the check is audited (counts).

    `organisation_id` limits the check to one organisation (the one of the unit chosen); by default
    every organisation where the actor registers persons. The date of birth (with its estimated
    flag), sex, citizenships and aliases are optional: each one given makes the check sharper.
    """
    reach = _Reach.of(actor, organisation_id)
    if not reach.organisation_ids:
        return DuplicateCheck(candidates=[], elsewhere=False)
    query = _Query.of(
        {
            "given_name": given_name,
            "family_name": family_name,
            "birth_year": birth_year,
            "municipality": municipality,
            "phones": phones,
            "id_numbers": id_numbers,
            "date_of_birth": date_of_birth,
            "birth_date_estimated": birth_date_estimated,
            "sex": sex,
            "citizenships": citizenships,
            "other_names": other_names,
        }
    )
    if not query.keys:
        return DuplicateCheck(candidates=[], elsewhere=False)
    digests = query.digests(reach.organisation_ids)
    strong_digests = [d for d, (_kind, strong) in digests.items() if strong]
    kinds = sorted({kind for kind, _strong in digests.values()})
    # One grouped query: per person sharing a key, whether a phone or document, how many kinds of key
    # and how many keys. Kinds first: the same person shares several kinds; a common name one.
    hits = list(
        _alive(
            BlindIndexEntry.objects.filter(
                organisation_id__in=reach.organisation_ids, kind__in=kinds, digest__in=list(digests)
            )
        )
        .values("person_id", "person__unit_id", "organisation_id")
        .annotate(
            strong=Count("digest", filter=Q(digest__in=strong_digests), distinct=True),
            kinds=Count("kind", distinct=True),
            shared=Count("digest", distinct=True),
        )
        .order_by("-strong", "-kinds", "-shared", "person_id")[: MAX_COMPARED * 2]
    )
    inside = [h for h in hits if reach.in_scope(h["person__unit_id"])][:MAX_COMPARED]
    outside = [h for h in hits if not reach.in_scope(h["person__unit_id"])][:MAX_COMPARED_ELSEWHERE]
    persons = _decrypted(h["person_id"] for h in inside + outside)
    models = _models(reach.organisation_ids)

    def assessed(group: list[dict]) -> list[Candidate]:
        out = []
        for hit in group:
            person = persons.get(hit["person_id"])
            if person is None:
                continue
            model, prior_weight = models[hit["organisation_id"]]
            candidate = _assess(
                query, person, model=model, prior_weight=prior_weight, strong=bool(hit["strong"])
            )
            if candidate is not None:
                candidate.identity_visible = person.unit_id in reach.visible
                out.append(candidate)
        return out

    candidates = assessed(inside)
    elsewhere = bool(assessed(outside))
    candidates.sort(key=lambda c: (-c.weight, c.person.code))
    check = DuplicateCheck(candidates=candidates[:MAX_CANDIDATES], elsewhere=elsewhere)
    with transaction.atomic():
        audit_record(
            actor=actor,
            organisation=reach.organisation_ids[0],
            action="person.duplicate_check",
            details={"candidates": len(check.candidates), "elsewhere": elsewhere},
        )
    return check


def registry_candidates_bulk(
    *, actor: User, organisation_id: int, records: list[dict[str, Any]]
) -> list[list[Candidate]]:
    """Registry candidates for many persons at once (an import's dry run), one list per record.

    Each record is a dict of `duplicate_candidates`' keyword arguments (given_name, family_name,
    birth_year, date_of_birth, birth_date_estimated, sex, citizenships, other_names, municipality,
    phones, id_numbers; missing ones are empty). Only persons of `organisation_id` in the actor's
    scope are returned (identity_visible as in `duplicate_candidates`); matches out of scope are
    left out (no notice per row). Rows are checked in chunks of BULK_CHUNK with one index query and
    one decryption query per chunk, at most MAX_COMPARED_BULK persons compared per row, candidates
    best first, at most MAX_CANDIDATES per row. One audit event for the whole call (counts only).
    """
    reach = _Reach.of(actor, organisation_id)
    results: list[list[Candidate]] = [[] for _record in records]
    if organisation_id not in reach.organisation_ids:
        return results
    model, prior_weight = _models([organisation_id])[organisation_id]
    for start in range(0, len(records), BULK_CHUNK):
        chunk = records[start : start + BULK_CHUNK]
        queries = [_Query.of(record) for record in chunk]
        digest_of: list[dict[str, tuple[str, bool]]] = [q.digests([organisation_id]) for q in queries]
        wanted: dict[str, str] = {}
        for digests in digest_of:
            wanted.update({d: kind for d, (kind, _strong) in digests.items()})
        if not wanted:
            continue
        entries: dict[str, list[tuple[int, int]]] = defaultdict(list)
        rows = _alive(
            BlindIndexEntry.objects.filter(
                organisation_id=organisation_id,
                kind__in=sorted(set(wanted.values())),
                digest__in=list(wanted),
            )
        ).values_list("digest", "person_id", "person__unit_id")
        for digest, person_id, unit_id in rows.iterator(chunk_size=10_000):
            if reach.in_scope(unit_id):
                entries[digest].append(person_id)
        ranked: list[list[int]] = []
        for digests in digest_of:
            score: dict[int, list] = {}
            for digest, (kind, strong) in digests.items():
                for person_id in entries.get(digest, ()):
                    s = score.setdefault(person_id, [0, set(), 0])
                    s[0] += strong
                    s[1].add(kind)
                    s[2] += 1
            order = sorted(score, key=lambda p: (-score[p][0], -len(score[p][1]), -score[p][2], p))
            ranked.append(order[:MAX_COMPARED_BULK])
        persons = _decrypted({p for order in ranked for p in order})
        for offset, (query, order) in enumerate(zip(queries, ranked, strict=True)):
            found = []
            for person_id in order:
                person = persons.get(person_id)
                if person is None:
                    continue
                candidate = _assess(query, person, model=model, prior_weight=prior_weight, strong=False)
                if candidate is not None:
                    candidate.identity_visible = person.unit_id in reach.visible
                    found.append(candidate)
            found.sort(key=lambda c: (-c.weight, c.person.code))
            results[start + offset] = found[:MAX_CANDIDATES]
    with transaction.atomic():
        audit_record(
            actor=actor,
            organisation=organisation_id,
            action="person.duplicate_check",
            details={"rows": len(records), "candidates": sum(len(r) for r in results), "elsewhere": False},
        )
    return results


__all__ = [
    "ELSEWHERE_NOTICE",
    "LINKAGE_KINDS",
    "Candidate",
    "DuplicateCheck",
    "duplicate_candidates",
    "name_similarity",
    "registry_candidates_bulk",
]
