"""Reads of the duplicates queue, scoped by the actor: the organisation they deduplicate, or nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from kujdes.people.dedupe.access import dedupe_organisation_id
from kujdes.people.models import DedupeRun, DuplicatePair, PairStatus, PersonMerge

if TYPE_CHECKING:
    from kujdes.accounts.models import User

# What each tab of the queue lists.
QUEUE_TABS = {
    "open": (PairStatus.OPEN,),
    "unsure": (PairStatus.UNSURE,),
    "decided": (PairStatus.SAME, PairStatus.DIFFERENT),
}


def duplicate_pairs_for_actor(*, actor: User, tab: str = "open") -> QuerySet[DuplicatePair]:
    """The queue of the actor's organisation (strongest first), or an empty one for anyone else.

    Pairs whose records were merged or erased since the run are left out of the open tabs."""
    organisation_id = dedupe_organisation_id(actor=actor)
    if organisation_id is None:
        return DuplicatePair.objects.none()
    pairs = DuplicatePair.objects.filter(organisation_id=organisation_id, status__in=QUEUE_TABS[tab])
    if tab != "decided":
        pairs = pairs.filter(
            first__merged_into__isnull=True,
            second__merged_into__isnull=True,
            first__erased_at__isnull=True,
            second__erased_at__isnull=True,
        )
    return pairs.select_related("first", "second", "first__unit", "second__unit", "merge").order_by(
        "-weight", "pk"
    )


def duplicate_pair_get(*, actor: User, public_id: str) -> DuplicatePair:
    """One pair of the actor's queue, whatever its status; DuplicatePair.DoesNotExist (→ 404) otherwise."""
    organisation_id = dedupe_organisation_id(actor=actor)
    if organisation_id is None:
        raise DuplicatePair.DoesNotExist
    return DuplicatePair.objects.select_related(
        "first", "second", "first__unit", "second__unit", "merge", "merge__proposed_by"
    ).get(organisation_id=organisation_id, public_id=public_id)


def dedupe_runs_for_actor(*, actor: User) -> QuerySet[DedupeRun]:
    organisation_id = dedupe_organisation_id(actor=actor)
    if organisation_id is None:
        return DedupeRun.objects.none()
    return DedupeRun.objects.filter(organisation_id=organisation_id).order_by("-created_at", "-pk")


def dedupe_run_get(*, actor: User, public_id: str) -> DedupeRun:
    return dedupe_runs_for_actor(actor=actor).get(public_id=public_id)


def person_merge_overseen_get(*, actor: User, public_id: str) -> PersonMerge:
    """A merge whose both records the actor oversees (kujdes.people.services.person_merge_can_undo's
    rule, whatever its status); PersonMerge.DoesNotExist (→ 404) for any other."""
    from kujdes.core.selectors import membership_organisation_ids
    from kujdes.people.services import merge_overseen

    merge = (
        PersonMerge.objects.filter(
            organisation_id__in=membership_organisation_ids(user=actor), public_id=public_id
        )
        .select_related("kept", "duplicate", "kept__unit", "duplicate__unit")
        .first()
    )
    if merge is None or not merge_overseen(actor=actor, merge=merge):
        raise PersonMerge.DoesNotExist
    return merge


def duplicate_pair_of_merge(*, merge: PersonMerge) -> DuplicatePair | None:
    """The queue's pair that led to a merge, if it came from the queue (the caller reached the merge)."""
    return DuplicatePair.objects.filter(merge=merge).first()
