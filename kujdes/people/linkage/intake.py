"""The linkage engine in the application: a person's blocking keys, the organisation's weights.

* `person_linkage_keys(person)` — the plain blocking keys of a registered person (in memory only):
  `services._blind_index_entries` stores each of them as a keyed blind index of kind ``lk_<kind>``,
  never the key itself.
* `identity_variants(...)` — the Prepared records of an identity (the name as registered, then each
  alias), built the same way for a registered person and for a person about to be registered.
* `intake_model(organisation_id=…)` — the organisation's Fellegi–Sunter weights (`LinkageModel`,
  trained on its own registry by `linkage_model_train`), or the default weights shipped below as
  numbers for an organisation with too few persons. Term-frequency tables are keyed by a keyed
  digest of the name skeleton: no name and no skeleton is ever stored.
* `linkage_index_rebuild(...)` — the backfill of existing persons (`kujdes linkage index`).

Nothing decrypted leaves memory; nothing here logs a name, a key or a comparison.
"""

from __future__ import annotations

import datetime
import math
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from kujdes.core.crypto import blind_index
from kujdes.people.linkage.compare import FIELDS, Prepared, compare, sibling_veto
from kujdes.people.linkage.keys import KINDS, record_keys
from kujdes.people.linkage.model import Model, term_frequencies
from kujdes.people.models import BlindIndexEntry, LinkageModel, Person, Sex

# The blind index kinds of the linkage keys: "lk_" + the engine's kind (BlindIndexKind.LINKAGE_*).
LINKAGE_KINDS = tuple("lk_" + kind for kind in KINDS)
# Aliases give keys of these kinds too (the document is the person's, not the alias's).
_ALIAS_KINDS = frozenset({"np", "ny", "pf", "cn", "dt"})

# Only the engine's two sexes are compared; the other codes say nothing about a match.
_SEX_CODES = {Sex.FEMALE.value: "F", Sex.MALE.value: "M"}

# A model is trained from this many persons on; below, the default weights serve.
MIN_TRAIN_RECORDS = 1_000
# A trained model is stale when the registry has grown by half since, or after this long.
STALE_GROWTH = 1.5
STALE_AFTER = datetime.timedelta(days=30)
# Training compares a random sample of this many persons (term frequencies use every person).
TRAIN_SAMPLE = 50_000
# Term-frequency tables are keyed by a shortened keyed digest: enough to tell names apart in one
# organisation, and a smaller model to load.
TF_DIGEST_CHARS = 20


# --- identities as prepared records ------------------------------------------------------------


def _dob_text(
    *, date_of_birth: datetime.date | None, birth_year: int | None, birth_date_estimated: bool
) -> str | None:
    """The engine's date: an estimated date, or a bare year, is its year's 1 January (the engine's
    placeholder for an age-derived date, compared within three years)."""
    if date_of_birth is not None and not birth_date_estimated:
        return date_of_birth.isoformat()
    year = birth_year if birth_year is not None else (date_of_birth.year if date_of_birth else None)
    return f"{year:04d}-01-01" if year else None


def identity_variants(
    *,
    given_name: str,
    family_name: str = "",
    other_names: Sequence[str] | None = None,
    date_of_birth: datetime.date | None = None,
    birth_year: int | None = None,
    birth_date_estimated: bool = False,
    sex: str = "",
    citizenships: Sequence[str] | None = None,
    document: str = "",
    record_id: str = "",
) -> list[Prepared]:
    """The identity as the engine compares it: the registered name first, then each alias (its first
    word as the given name, the rest as the family name), with the same date, sex and nationality.
    Persons have no father's name or birthplace: those fields stay missing (they weigh nothing)."""
    dob = _dob_text(
        date_of_birth=date_of_birth, birth_year=birth_year, birth_date_estimated=birth_date_estimated
    )
    nationality = (citizenships or [""])[0]
    common = {
        "sex": _SEX_CODES.get(str(sex), ""),
        "dob": dob,
        "nationality": nationality,
        "document_id": document,
    }
    variants = [Prepared(record_id, given_name=given_name, surname=family_name, **common)]
    for alias in other_names or []:
        words = str(alias).split()
        if words:
            variants.append(Prepared(record_id, given_name=words[0], surname=" ".join(words[1:]), **common))
    return variants


def _documents(id_documents: Iterable[Any] | None) -> list[str]:
    numbers = []
    for document in id_documents or []:
        number = document.get("number", "") if isinstance(document, dict) else document
        if number:
            numbers.append(str(number))
    return numbers


def person_variants(person: Person) -> list[Prepared]:
    """The decrypted identity of a registered person as prepared records (in memory only)."""
    documents = _documents(person.id_documents)
    return identity_variants(
        given_name=person.given_name or "",
        family_name=person.family_name or "",
        other_names=person.other_names or [],
        date_of_birth=person.date_of_birth,
        birth_year=person.birth_year,
        birth_date_estimated=person.birth_date_estimated,
        sex=person.sex,
        citizenships=person.citizenships or [],
        document=documents[0] if documents else "",
        record_id=str(person.pk or ""),
    )


def linkage_keys(variants: Sequence[Prepared], documents: Sequence[str] = ()) -> set[tuple[str, str]]:
    """(blind index kind, plain key) of an identity: the engine's keys of the name as registered, the
    name keys of each alias, a document key for every document. Plain keys live in memory only."""
    out: set[tuple[str, str]] = set()
    for number, variant in enumerate(variants):
        for kind, keys in zip(KINDS, record_keys(variant), strict=True):
            if number and kind not in _ALIAS_KINDS:
                continue
            out.update(("lk_" + kind, key) for key in keys)
    for document in documents:
        for key in record_keys(Prepared("", document_id=document))[0]:
            out.add(("lk_doc", key))
    if variants:
        # Besides the engine's keys: each name skeleton with the birth year alone, so that a person
        # whose other name changed (marriage) or is missing, and whose date is wrong but for the
        # year, is still found (at intake one person is looked up: a bigger block costs little).
        out.update(("lk_ny", key) for key in _name_year_keys(variants[0], years=(0,), initial=False))
    return out


def _name_year_keys(r: Prepared, *, years: Iterable[int], initial: bool) -> set[str]:
    if not r.dob:
        return set()
    g, s = r.given_skel.replace(" ", ""), r.surname_skel.replace(" ", "")
    out = set()
    for offset in years:
        year = str(r.dob.year + offset)
        for a, b in ((g, s), (s, g)):
            if a:
                out.add(a + "|" + year + (b[:1] if initial else ""))
    return out


def lookup_keys(variants: Sequence[Prepared], documents: Sequence[str] = ()) -> set[tuple[str, str]]:
    """The keys to look up for a person about to be registered: the stored kinds (`linkage_keys`),
    and the name-with-year keys of the neighbouring years — one year either side, three when the
    date is an estimate (1 January) — as the registered date may be off by as much. Only looked up,
    never stored: the registry holds each person's own year."""
    out = linkage_keys(variants, documents)
    if variants and variants[0].dob:
        main = variants[0]
        spread = 3 if main.dob.estimated else 1
        near = [o for o in range(-spread, spread + 1) if o]
        out.update(("lk_ny", key) for key in _name_year_keys(main, years=near, initial=False))
        out.update(("lk_ny", key) for key in _name_year_keys(main, years=(-1, 1), initial=True))
    return out


def person_linkage_keys(person: Person) -> set[tuple[str, str]]:
    """The blocking keys `_blind_index_entries` stores (as blind indexes) for a person."""
    return linkage_keys(person_variants(person), _documents(person.id_documents))


# --- the organisation's weights ----------------------------------------------------------------


class _DigestKeyed(dict):
    """A term-frequency table keyed by keyed digests, looked up by the plain skeleton (in memory)."""

    def __init__(self, data: dict[str, float], *, organisation_id: int, field: str) -> None:
        super().__init__(data)
        self._organisation_id = organisation_id
        self._field = field

    def get(self, key: Any, default: Any = None) -> Any:  # type: ignore[override]
        return dict.get(
            self, tf_digest(organisation_id=self._organisation_id, field=self._field, key=key), default
        )


def tf_digest(*, organisation_id: int, field: str, key: str) -> str:
    return blind_index(organisation_id=organisation_id, kind="lk_tf", normalised=f"{field}\x00{key}")[
        :TF_DIGEST_CHARS
    ]


@dataclass
class IntakeModel:
    """Weights for the intake check: the engine's model without its prior, and the expected number of
    other records of the same person per record, which gives the prior for a registry of any size."""

    model: Model
    matches_per_record: float
    records: int
    trained: bool

    def prior_weight(self, registry_size: int) -> float:
        # The share of matches among all pairs of a registry of N persons: M·N matching pairs among
        # N(N−1)/2, the prior that one new record is a given registered person.
        prior = 2 * self.matches_per_record / max(registry_size - 1, 1)
        prior = min(max(prior, 1e-12), 0.5)
        return math.log2(prior / (1 - prior))

    def score(self, a: Prepared, b: Prepared) -> tuple[tuple[int, ...], bool, list[float], bool]:
        """(levels, swapped, field weights, vetoed) of a new record against a registered one."""
        levels, swapped = compare(a, b)
        weights = self.model.field_weights(levels, a, b)
        return levels, swapped, weights, sibling_veto(levels, a, b)


# Default weights, learnt by the engine (`linkage_model_train` on gen_synth.py's seed 99, 20,000
# records: the development seed, none of the measured ones) and shipped as numbers: they serve an
# organisation until it has MIN_TRAIN_RECORDS persons of its own. No term frequencies (they are the
# organisation's own).
DEFAULT_PARAMETERS: dict[str, Any] = {
    "version": 1,
    "fields": [
        "given_name",
        "surname",
        "dob",
        "sex",
        "father_name",
        "birth_place",
        "nationality",
        "document",
    ],
    "m": [
        [0.653773, 0.184303, 0.108658, 0.0113299, 0.0127985, 0.0291373],
        [0.634075, 0.18208, 0.12608, 0.0135656, 0.0157709, 0.0284287],
        [0.770397, 0.121049, 0.0168562, 0.0766814, 0.00474927, 0.00615106, 0.00411618],
        [0.985865, 0.0141353],
        [0.333333, 0.333333, 0.333333],
        [0.333333, 0.333333, 0.333333],
        [0.975462, 0.0235391, 0.000999008],
        [0.939473, 0.0595284, 0.000999085],
    ],
    "u": [
        [0.00319741, 0.0028412, 0.00251891, 0.00314652, 0.0332547, 0.955041],
        [0.00249031, 0.00147039, 0.00237132, 0.00252431, 0.019336, 0.971808],
        [6.46896e-05, 0.0141116, 6.46896e-05, 0.00156179, 2.77241e-05, 0.0753819, 0.908788],
        [0.631373, 0.368627],
        [0.333333, 0.333333, 0.333333],
        [0.333333, 0.333333, 0.333333],
        [0.209009, 0.0825238, 0.708467],
        [0.00013914, 0.00013914, 0.999722],
    ],
    "u_population": [
        [0.0101926, 0.00542812, 0.00559828, 0.00461135, 0.0480023, 0.926167],
        [0.00998164, 0.00362196, 0.00559448, 0.00474425, 0.0305231, 0.945535],
        [0.000166184, 0.0137194, 1.84648e-05, 0.00138486, 1.84648e-05, 0.074838, 0.909855],
        [0.625903, 0.374097],
        [0.333333, 0.333333, 0.333333],
        [0.333333, 0.333333, 0.333333],
        [0.999967, 1.66708e-05, 1.66708e-05],
        [0.000845309, 0.00028177, 0.998873],
    ],
    "u_exact": [0.00436424, 0.00369849],
    "matches_per_record": 1.84929,
}


def model_parameters(model: Model, *, organisation_id: int | None, records: int) -> dict[str, Any]:
    """What LinkageModel.parameters stores: numbers, and term frequencies keyed by keyed digests."""
    tf: dict[str, dict[str, float]] = {}
    if organisation_id is not None:
        for field, table in model.tf.items():
            tf[field] = {
                tf_digest(organisation_id=organisation_id, field=field, key=key): round(freq, 9)
                for key, freq in table.items()
            }
    pairs = records * (records - 1) / 2
    return {
        "version": 1,
        "fields": list(FIELDS),
        "m": model.m,
        "u": model.u,
        "u_population": model.u_population,
        "u_exact": model.u_exact,
        "matches_per_record": model.prior * pairs / max(records, 1),
        "tf": tf,
    }


def model_from_parameters(
    parameters: dict[str, Any], *, organisation_id: int | None, records: int, trained: bool
) -> IntakeModel:
    tf: dict[str, dict[str, float]] = {}
    if organisation_id is not None:
        tf = {
            field: _DigestKeyed(table, organisation_id=organisation_id, field=field)
            for field, table in (parameters.get("tf") or {}).items()
        }
    model = Model(
        m=parameters["m"],
        u=parameters["u"],
        prior=0.1,  # unused: the intake check weighs its own prior (IntakeModel.prior_weight)
        tf=tf,
        u_exact=parameters.get("u_exact") or [0.0, 0.0],
        u_population=parameters.get("u_population"),
    )
    return IntakeModel(
        model=model,
        matches_per_record=float(parameters["matches_per_record"]),
        records=records,
        trained=trained,
    )


_models: dict[int, tuple[Any, IntakeModel]] = {}
_sizes: dict[int, tuple[float, int]] = {}
_train_requested: dict[int, float] = {}
SIZE_CACHE_SECONDS = 300.0


def registry_size(*, organisation_id: int) -> int:
    """How many persons the organisation holds (a count cached for a few minutes: it sets a prior)."""
    cached = _sizes.get(organisation_id)
    now = time.monotonic()
    if cached is not None and now - cached[0] < SIZE_CACHE_SECONDS:
        return cached[1]
    count = Person.objects.filter(
        organisation_id=organisation_id, erased_at__isnull=True, merged_into__isnull=True
    ).count()
    _sizes[organisation_id] = (now, count)
    return count


def intake_model(*, organisation_id: int) -> IntakeModel:
    """The organisation's trained weights, or the default ones; a missing or stale model with enough
    persons asks the background worker to train one (once an hour at most per process)."""
    stored = (
        LinkageModel.objects.filter(organisation_id=organisation_id)
        .values("pk", "trained_at", "records")
        .first()
    )
    size = registry_size(organisation_id=organisation_id)
    if stored is None or _stale(stored, size):
        _train_request(organisation_id=organisation_id, size=size)
    if stored is None:
        cached = _models.get(organisation_id)
        if cached is None or cached[0] is not None:
            cached = (
                None,
                model_from_parameters(DEFAULT_PARAMETERS, organisation_id=None, records=0, trained=False),
            )
            _models[organisation_id] = cached
        return cached[1]
    cached = _models.get(organisation_id)
    if cached is None or cached[0] != stored["trained_at"]:
        parameters = LinkageModel.objects.get(pk=stored["pk"]).parameters
        cached = (
            stored["trained_at"],
            model_from_parameters(
                parameters, organisation_id=organisation_id, records=stored["records"], trained=True
            ),
        )
        _models[organisation_id] = cached
    return cached[1]


def _stale(stored: dict[str, Any], size: int) -> bool:
    return size >= stored["records"] * STALE_GROWTH or timezone.now() - stored["trained_at"] > STALE_AFTER


def _train_request(*, organisation_id: int, size: int) -> None:
    if size < MIN_TRAIN_RECORDS:
        return
    now = time.monotonic()
    if now - _train_requested.get(organisation_id, -1e9) < 3600:
        return
    _train_requested[organisation_id] = now
    transaction.on_commit(lambda: linkage_model_train_task.enqueue(organisation_id))


def _persons_decrypted(queryset: Any, *, batch_size: int) -> Iterable[Person]:
    from kujdes.people.selectors import persons_with_keys

    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:batch_size])
        if not batch:
            return
        yield from persons_with_keys(batch)
        last = batch[-1].pk


def linkage_model_train(*, organisation_id: int, sample: int = TRAIN_SAMPLE, seed: int = 1) -> LinkageModel:
    """Learn the organisation's weights from its own registry (the engine on a random sample of
    `sample` persons; term frequencies from all) and store them (numbers and keyed digests only).
    The caller holds a scope that sees the organisation (a command: system_scope)."""
    from kujdes.people.linkage.engine import Engine

    persons = Person.objects.filter(
        organisation_id=organisation_id, erased_at__isnull=True, merged_into__isnull=True
    )
    records = [person_variants(p)[0] for p in _persons_decrypted(persons, batch_size=2000)]
    tf, u_exact = term_frequencies(records)
    if len(records) < MIN_TRAIN_RECORDS:
        # Too few persons to learn m and u from (EM on a few dozen pairs goes astray): the default
        # weights, with the organisation's own name frequencies.
        parameters = {**DEFAULT_PARAMETERS, "tf": {}}
        parameters["u_exact"] = u_exact
        parameters["tf"] = model_parameters(
            Model(m=DEFAULT_PARAMETERS["m"], u=DEFAULT_PARAMETERS["u"], prior=0.1, tf=tf),
            organisation_id=organisation_id,
            records=len(records),
        )["tf"]
    else:
        rng = random.Random(seed)
        training = records if len(records) <= sample else rng.sample(records, sample)
        model = Engine().run(training).model
        model.tf, model.u_exact = tf, u_exact
        parameters = model_parameters(model, organisation_id=organisation_id, records=len(training))
    stored, _created = LinkageModel.objects.update_or_create(
        organisation_id=organisation_id,
        defaults={"parameters": parameters, "records": len(records), "trained_at": timezone.now()},
    )
    _models.pop(organisation_id, None)
    return stored


def train_default_parameters(records: Sequence[Prepared]) -> dict[str, Any]:
    """Default parameters from a synthetic registry (how DEFAULT_PARAMETERS were made)."""
    from kujdes.people.linkage.engine import Engine

    model = Engine().run(records).model
    return model_parameters(model, organisation_id=None, records=len(records))


def linkage_index_rebuild(*, organisation_id: int, batch_size: int = 1000) -> int:
    """Write the linkage blind indexes of every person of the organisation, replacing the ones
    there (idempotent). One transaction per batch; returns the number of persons indexed."""
    done = 0
    persons = Person.objects.filter(organisation_id=organisation_id, erased_at__isnull=True)
    for batch in _batches(_persons_decrypted(persons, batch_size=batch_size), batch_size):
        entries = [
            BlindIndexEntry(
                organisation_id=organisation_id,
                person=person,
                kind=kind,
                digest=blind_index(organisation_id=organisation_id, kind=kind, normalised=key),
            )
            for person in batch
            for kind, key in sorted(person_linkage_keys(person))
        ]
        with transaction.atomic():
            BlindIndexEntry.objects.filter(person__in=batch, kind__in=LINKAGE_KINDS).delete()
            BlindIndexEntry.objects.bulk_create(entries, batch_size=5000)
        done += len(batch)
    return done


def _batches(items: Iterable[Person], size: int) -> Iterable[list[Person]]:
    batch: list[Person] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@task()
def linkage_model_train_task(organisation_id: int) -> int:
    """Background training of an organisation's weights (the argument is an id, nothing else)."""
    from kujdes.core.scoping import system_scope

    with system_scope():
        return linkage_model_train(organisation_id=organisation_id).records
