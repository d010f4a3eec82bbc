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
