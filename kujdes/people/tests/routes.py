"""Route expectations of the people room (collected by kujdes/core/tests/test_route_matrix.py)."""

from __future__ import annotations

from typing import Any

from kujdes.core.tests.routes import DENIED, MISSING, OK, REDIRECT, Route

# Who sees persons in diocese A: its case workers and its programme manager.
READERS_OF_A = ("alice", "bob", "manager")
# Who may search persons at all (each in their own units).
SEARCHERS = ("alice", "bob", "charlie", "dave", "manager")


def _person(t: Any) -> dict[str, Any]:
    return {"public_id": t.registry_person.public_id}


def _managed(statuses: set[int], **kw: Any) -> Route:
    """A change to a person of diocese A: its case workers; the manager reads but may not change."""
    return Route(
        expect={"alice": statuses, "bob": statuses, "manager": {403}}, others=MISSING, kwargs=_person, **kw
    )


ROUTES: dict[str, Route] = {
    # Recording consents: the case workers of diocese A; the manager reads persons but records none.
    "person_consent_add": Route(
        kwargs=lambda t: {"public_id": t.registry_person.public_id},
        expect={"alice": OK, "bob": OK, "manager": {403}},
        others=MISSING,
    ),
    "person_consent_withdraw": Route(
        method="POST",
        kwargs=lambda t: {
            "public_id": t.registry_person.public_id,
            "consent_id": t.registry_consent.public_id,
        },
        expect={"alice": {302}, "bob": {302}, "manager": {403}},
        others=MISSING,
    ),
    "person_list": Route(expect={name: OK for name in SEARCHERS}, others=DENIED),
    "person_create": Route(expect={name: OK for name in (*SEARCHERS, "educator")}, others=DENIED),
    "person_detail": Route(kwargs=_person, expect={name: OK for name in READERS_OF_A}, others=MISSING),
    "person_edit": _managed(OK),
    "person_relation_add": _managed(OK),
    "person_household": _managed(REDIRECT, method="POST"),
    "person_merge_propose": _managed(OK),
    "person_merge_review": Route(
        kwargs=lambda t: {"public_id": t.registry_merge.public_id},
        expect={name: OK for name in READERS_OF_A},
        others=MISSING,
    ),
    # The batch deduplication: whoever deduplicates the whole organisation (its administrators; in the cast
    # nobody else manages persons in every unit). Another organisation's administrator has a queue of her
    # own (empty) but reaches no pair or run of "al".
    "duplicates_queue": Route(expect={"admin": OK, "other_admin": OK}, others=DENIED),
    "duplicates_run_start": Route(
        method="POST", expect={"admin": REDIRECT, "other_admin": REDIRECT}, others=DENIED
    ),
    "duplicates_run": Route(
        kwargs=lambda t: {"public_id": t.dedupe_run.public_id}, expect={"admin": OK}, others=MISSING
    ),
    "duplicate_pair": Route(
        kwargs=lambda t: {"public_id": t.dedupe_pair.public_id}, expect={"admin": OK}, others=MISSING
    ),
    # Undoing a merge: those who may review merges of both records (case workers and the programme
    # manager of diocese A, the organisation's administrator); a redirect to the kept person after it.
    "person_unmerge": Route(
        method="POST",
        kwargs=lambda t: {"public_id": t.registry_merged.public_id},
        expect={name: REDIRECT for name in (*READERS_OF_A, "admin")},
        others=MISSING,
    ),
    "api:persons_list": Route(expect={name: OK for name in SEARCHERS}, others={403}, anonymous={401}),
    # A unit nobody holds: the registration answers 404 like any foreign unit (behaviour: test_registry_api).
    "api:persons_create": Route(
        method="POST",
        json=True,
        data={"unit": "00000000-0000-4000-8000-000000000000", "given_name": "Matrix"},
        others=MISSING,
        anonymous={401},
    ),
    "api:persons_duplicates": Route(
        kwargs=lambda t: {"person_id": t.registry_person.public_id},
        expect={name: OK for name in READERS_OF_A},
        others=MISSING,
        anonymous={401},
    ),
}


def fixtures(t: Any) -> None:
    """Two records of one person in diocese A, and Alice's proposal to merge them."""
    import datetime

    from kujdes.people.consent import consent_record
    from kujdes.people.services import person_create, person_merge_propose

    t.registry_person = person_create(
        actor=t.alice, unit=t.diocese_a, given_name="Lule", family_name="Matrix", birth_year=2012
    )
    t.registry_duplicate = person_create(
        actor=t.alice, unit=t.diocese_a, given_name="Lulë", family_name="Matrix", birth_year=2012
    )
    t.registry_consent = consent_record(
        actor=t.alice,
        person=t.registry_person,
        purpose="referral",
        given_by="guardian",
        guardian_name="Mira Matrix",
        method="written",
        given_on=datetime.date(2026, 1, 5),
    )
    t.registry_merge = person_merge_propose(
        actor=t.alice, kept=t.registry_person, duplicate=t.registry_duplicate
    )
    # A run of the batch deduplication with one pair in the queue, and a merge carried out (to undo).
    from kujdes.people.models import DedupeRun, DedupeRunStatus, DuplicatePair
    from kujdes.people.services import person_merge_review

    t.dedupe_run = DedupeRun.objects.create(
        organisation=t.org, started_by=t.admin, status=DedupeRunStatus.DONE
    )
    first, second = sorted((t.registry_person, t.registry_duplicate), key=lambda p: p.pk)
    t.dedupe_pair = DuplicatePair.objects.create(
        organisation=t.org,
        run=t.dedupe_run,
        first=first,
        second=second,
        weight=20.0,
        probability=0.99,
        levels=[0, 1, 0, 0, -1, -1, -1, -1],
        field_weights=[4.0, 6.0, 9.0, 0.5, 0, 0, 0, 0],
    )
    kept = person_create(actor=t.alice, unit=t.diocese_a, given_name="Bora", family_name="Matrix")
    merged = person_create(actor=t.alice, unit=t.diocese_a, given_name="Borë", family_name="Matrix")
    t.registry_merged = person_merge_propose(actor=t.alice, kept=kept, duplicate=merged)
    person_merge_review(actor=t.bob, merge=t.registry_merged, approve=True)
