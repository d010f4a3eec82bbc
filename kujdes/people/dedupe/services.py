"""Batch deduplication: start a run, run it (in the worker or from the command line), decide a pair.

A run decrypts the organisation's live persons in batches, in memory, builds the engine's records,
runs the linkage engine (its weights estimated on this very registry) and writes the candidate pairs
to the review queue as numbers and person ids. A pair once decided "not the same" is never proposed
again; a pair decided "same" became a merge proposal, which a second person reviews.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.scoping import system_scope, tenant_scope
from kujdes.people.dedupe.access import dedupe_allowed
from kujdes.people.dedupe.records import person_prepared
from kujdes.people.linkage.compare import FIELDS
from kujdes.people.linkage.engine import Engine
from kujdes.people.linkage.model import Model
from kujdes.people.models import (
    DedupeRun,
    DedupeRunStatus,
    DuplicatePair,
    PairStatus,
    Person,
    PersonMerge,
)

if TYPE_CHECKING:
    from kujdes.accounts.models import User

logger = logging.getLogger("kujdes.people.dedupe")

# Persons decrypted at a time (their keys loaded in one key-store query per batch).
READ_BATCH = 500
# Fixed in advance, not fitted to any labels: a pair enters the queue when the engine puts both records
# in one cluster, or its match probability reaches one half (weight ≥ 0) and no sibling or twin
# protection applies. The strongest REVIEW_MAX pairs of a run are kept (a reviewer's year of work).
REVIEW_PROBABILITY = 0.5
REVIEW_MAX = 20_000
# A run that sent no sign of life for this long is taken as dead (its worker stopped): a new one may start.
STALE_SECONDS = 30 * 60


class RunBusy(ValidationError):
    pass


@transaction.atomic
def dedupe_run_start(*, actor: User | None, organisation_id: int, enqueue: bool = True) -> DedupeRun:
    """Queue a batch deduplication of the organisation, for the worker (its id, nothing else).

    The actor must deduplicate the organisation (None: the command line). One run at a time: while one
    is queued or running (and alive), another is refused with RunBusy."""
    if actor is not None and not dedupe_allowed(actor=actor, organisation_id=organisation_id):
        raise PermissionDenied
    busy = (
        DedupeRun.objects.select_for_update()
        .filter(organisation_id=organisation_id, status__in=(DedupeRunStatus.QUEUED, DedupeRunStatus.RUNNING))
        .filter(created_at__gte=timezone.now() - datetime.timedelta(seconds=STALE_SECONDS))
        .exists()
    )
    if busy:
        raise RunBusy(_("A deduplication of this organisation is under way already."))
    run = DedupeRun.objects.create(organisation_id=organisation_id, started_by=actor)
    audit_record(
        actor=actor,
        organisation=organisation_id,
        action="person.dedupe.started",
        obj=run,
        details={"run": str(run.public_id)},
    )
    if enqueue:
        from kujdes.people.dedupe.tasks import dedupe_run_task

        run_pk = run.pk
        transaction.on_commit(lambda: dedupe_run_task.enqueue(run_pk))
    return run


def _progress(run: DedupeRun, **values: Any) -> None:
    for name, value in values.items():
        setattr(run, name, value)
    DedupeRun.objects.filter(pk=run.pk).update(**values)


def dedupe_run_execute(*, run_pk: int, on_progress: Callable[[DedupeRun], None] | None = None) -> str:
    """Carry out a queued run: "done", "failed" or "skipped" (gone, or finished already)."""
    with system_scope():
        found = DedupeRun.objects.filter(pk=run_pk).values_list("organisation_id", "started_by_id").first()
    if found is None:
        return "skipped"
    organisation_id, user_id = found
    with tenant_scope(organisation_ids=[organisation_id], user_id=user_id):
        run = DedupeRun.objects.select_related("started_by").get(pk=run_pk)
        if run.status in (DedupeRunStatus.DONE, DedupeRunStatus.FAILED):
            return "skipped"
        if run.started_by is not None and not dedupe_allowed(
            actor=run.started_by, organisation_id=organisation_id
        ):
            _progress(run, status=DedupeRunStatus.FAILED, error="denied", finished_at=timezone.now())
            return "failed"
        _progress(run, status=DedupeRunStatus.RUNNING, started_at=timezone.now(), stage="read", done=0)
        try:
            _run(run, on_progress=on_progress or (lambda _run: None))
        except Exception as exc:
            # No personal data in the log (an exception's message may quote a value): the run's id and
            # the exception's type only.
            logger.error("dedupe: run %s failed (%s)", run.pk, type(exc).__name__)
            _progress(run, status=DedupeRunStatus.FAILED, error="error", finished_at=timezone.now())
            return "failed"
    return "done"


def _run(run: DedupeRun, *, on_progress: Callable[[DedupeRun], None]) -> None:
    from kujdes.people.selectors import persons_with_keys

    started = time.perf_counter()
    ids = list(
        Person.objects.filter(
            organisation_id=run.organisation_id, erased_at__isnull=True, merged_into__isnull=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    _progress(run, total=len(ids), persons=len(ids))
    records = []
    for start in range(0, len(ids), READ_BATCH):
        batch = list(Person.objects.filter(pk__in=ids[start : start + READ_BATCH]).order_by("pk"))
        records += [person_prepared(person) for person in persons_with_keys(batch)]
        del batch
        _progress(run, done=min(start + READ_BATCH, len(ids)))
        on_progress(run)
    _progress(run, stage="link", done=0, total=1)
    on_progress(run)
    found: list[dict[str, Any]] = []
    compared = clusters = 0
    if len(records) >= 2:
        engine = Engine(use_document=True)
        result = engine.run(records)
        compared = result.pairs_compared
        members: dict[int, int] = {}
        for root in result.cluster_of:
            members[root] = members.get(root, 0) + 1
        numbers: dict[int, int] = {}
        for root in sorted(r for r, n in members.items() if n > 1):
            numbers[root] = len(numbers) + 1
        clusters = len(numbers)
        link_weight = 0.0  # probability one half
        for i, j, weight in zip(result.left, result.right, result.weight, strict=True):
            together = result.cluster_of[i] == result.cluster_of[j] and result.cluster_of[i] in numbers
            if weight < link_weight and not together:
                continue
            explanation = engine.explain(records[i], records[j])
            if explanation.vetoed and not together:
                continue
            if explanation.probability < REVIEW_PROBABILITY and not together:
                continue
            a, b = int(records[i].record_id), int(records[j].record_id)
            found.append(
                {
                    "first_id": min(a, b),
                    "second_id": max(a, b),
                    "weight": round(explanation.weight, 3),
                    "probability": explanation.probability,
                    "levels": [f.level for f in explanation.fields],
                    "field_weights": [round(f.weight, 3) for f in explanation.fields],
                    "swapped": explanation.swapped,
                    "cluster": numbers[result.cluster_of[i]] if together else None,
                }
            )
        found.sort(key=lambda pair: -pair["weight"])
        found = found[:REVIEW_MAX]
    del records
    _progress(run, stage="store", done=0, total=max(len(found), 1))
    on_progress(run)
    with transaction.atomic():
        stored, known_different = _pairs_store(run, found)
        _progress(
            run,
            status=DedupeRunStatus.DONE,
            stage="",
            done=1,
            total=1,
            pairs_compared=compared,
            pairs_stored=stored,
            pairs_known_different=known_different,
            clusters=clusters,
            seconds=round(time.perf_counter() - started, 2),
            finished_at=timezone.now(),
        )
        audit_record(
            actor=run.started_by,
            organisation=run.organisation_id,
            action="person.dedupe.done",
            obj=run,
            details={
                "run": str(run.public_id),
                "persons": run.persons,
                "pairs_compared": compared,
                "pairs_in_queue": stored,
                "pairs_known_different": known_different,
                "clusters": clusters,
            },
        )
    on_progress(run)


def _pairs_store(run: DedupeRun, found: list[dict[str, Any]]) -> tuple[int, int]:
    """Write the run's pairs into the queue. Decided pairs keep their decision (and are not proposed
    again); open and postponed ones take the new numbers; those this run no longer finds leave."""
    existing = {
        (pair.first_id, pair.second_id): pair
        for pair in DuplicatePair.objects.filter(organisation_id=run.organisation_id)
    }
    to_create, to_update, seen = [], [], set()
    known_different = 0
    for values in found:
        key = (values["first_id"], values["second_id"])
        seen.add(key)
        pair = existing.get(key)
        if pair is None:
            to_create.append(DuplicatePair(organisation_id=run.organisation_id, run=run, **values))
            continue
        if pair.status == PairStatus.DIFFERENT:
            known_different += 1
            continue
        if pair.status == PairStatus.SAME:
            continue
        for name, value in values.items():
            setattr(pair, name, value)
        pair.run = run
        to_update.append(pair)
    DuplicatePair.objects.bulk_create(to_create, batch_size=1000)
    DuplicatePair.objects.bulk_update(
        to_update,
        ["run", "weight", "probability", "levels", "field_weights", "swapped", "cluster"],
        batch_size=1000,
    )
    gone = [
        pair.pk
        for key, pair in existing.items()
        if key not in seen and pair.status in (PairStatus.OPEN, PairStatus.UNSURE)
    ]
    DuplicatePair.objects.filter(pk__in=gone).delete()
    return len(to_create) + len(to_update), known_different


# -- decisions --------------------------------------------------------------------------------------


@transaction.atomic
def duplicate_pair_decide(
    *,
    actor: User,
    pair: DuplicatePair,
    decision: str,
    keep: str = "first",
    field_choices: dict[str, str] | None = None,
) -> DuplicatePair:
    """Decide a pair of the queue: "different" (remembered; never proposed again), "unsure" (postponed)
    or "same": a merge proposal keeping the `keep` record ("first" or "second") with the chosen values
    per field, which a second person approves (person_merge_review): nothing merges on one say."""
    from kujdes.people.services import person_merge_propose

    pair = DuplicatePair.objects.select_for_update().select_related("first", "second").get(pk=pair.pk)
    if not dedupe_allowed(actor=actor, organisation_id=pair.organisation_id):
        raise PermissionDenied
    if decision not in (PairStatus.SAME, PairStatus.DIFFERENT, PairStatus.UNSURE):
        raise ValidationError(_("Choose a decision from the list."))
    if pair.status not in (PairStatus.OPEN, PairStatus.UNSURE):
        raise ValidationError(_("This pair was decided already."))
    if keep not in ("first", "second"):
        raise ValidationError(_("Choose which record to keep."))
    merge: PersonMerge | None = None
    if decision == PairStatus.SAME:
        kept, duplicate = (pair.first, pair.second) if keep == "first" else (pair.second, pair.first)
        merge = person_merge_propose(
            actor=actor,
            kept=kept,
            duplicate=duplicate,
            field_choices=field_choices,
            reviewed_as_organisation=True,
        )
    pair.status = decision
    pair.decided_by = actor
    pair.decided_at = timezone.now()
    pair.merge = merge
    pair.save(update_fields=["status", "decided_by", "decided_at", "merge"])
    audit_record(
        actor=actor,
        organisation=pair.organisation_id,
        action="person.duplicate.decided",
        obj=pair,
        details={
            "pair": str(pair.public_id),
            "decision": decision,
            "first": pair.first.code,
            "second": pair.second.code,
            "merge": str(merge.public_id) if merge else "",
        },
    )
    return pair


def pair_explanation(pair: DuplicatePair) -> list[str]:
    """The pair's explanation in words, field by field (from the stored levels and weights)."""
    from kujdes.people.linkage.compare import explain

    if len(pair.levels) != len(FIELDS):
        return []
    weights = tuple(pair.field_weights) if len(pair.field_weights) == len(FIELDS) else (0.0,) * len(FIELDS)
    return [item.text for item in explain(tuple(pair.levels), weights, pair.swapped)]


def probability_of(weight: float) -> float:
    return Model.probability(weight)
