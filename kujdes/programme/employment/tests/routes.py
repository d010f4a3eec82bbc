"""Route expectations of the employment pathway (collected by kujdes/core/tests/test_route_matrix.py).

Everything is in diocese A (Alice's unit): an employer (`emr_employer`), a person on the pathway
(`emr_person`, registered by Alice) with a placement (`emr_placement`), its follow-ups
(`emr_follow_up`: the 1-month one) and a micro-grant (`emr_grant`).

Staff who work with persons (case workers, the programme manager, the field educator) open the
overview and the organisation's employer directory; Dave (another organisation) gets an empty one.
Only those of the organisation read an employer; those of its unit (and above) edit it: Alice, Bob and
the manager, not Charlie (diocese B) nor the educator (Centre A1, below A). The pathway's records are
read and recorded by those who see diocese A's persons (Alice, Bob, the manager); the screening a
follow-up opened is the case workers' (Alice, Bob). Everyone else gets 404, as for what does not
exist; roles without the pathway (administrators, protection officer, viewer, volunteer, coordinator)
get 403 on the overview and the directory.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from kujdes.core.tests.routes import DENIED, MISSING, OK, REDIRECT, Route

PATHWAY_STAFF = ("alice", "bob", "charlie", "dave", "manager", "educator")
ORGANISATION_STAFF = ("alice", "bob", "charlie", "manager", "educator")
READERS = ("alice", "bob", "manager")
CASE_WORKERS = ("alice", "bob")
API_ANON = {401}

# Filled by `fixtures` (the objects' ids are only known once they exist).
PLACEMENT_IN: dict[str, Any] = {}


def _employer(t: Any) -> dict[str, Any]:
    return {"public_id": t.emr_employer.public_id}


def _person(t: Any) -> dict[str, Any]:
    return {"public_id": t.emr_person.public_id}


def _of(*names: str, statuses: set[int] = OK) -> dict[str, set[int]]:
    return {name: statuses for name in names}


def _person_form() -> Route:
    return Route(kwargs=_person, expect=_of(*READERS), others=MISSING)


ROUTES: dict[str, Route] = {
    "employment_home": Route(expect=_of(*PATHWAY_STAFF), others=DENIED),
    "employment_employer_list": Route(expect=_of(*PATHWAY_STAFF), others=DENIED),
    "employment_employer_create": Route(expect=_of(*PATHWAY_STAFF), others=DENIED),
    # The directory is the organisation's: Charlie reads the entry, only its unit (and above) edits it.
    "employment_employer_detail": Route(kwargs=_employer, expect=_of(*ORGANISATION_STAFF), others=MISSING),
    "employment_employer_edit": Route(kwargs=_employer, expect=_of(*READERS), others=MISSING),
    "employment_pathway": Route(kwargs=_person, expect=_of(*READERS), others=MISSING),
    "employment_readiness_create": _person_form(),
    "employment_action_create": _person_form(),
    "employment_placement_create": _person_form(),
    "employment_grant_create": _person_form(),
    "employment_placement_detail": Route(
        kwargs=lambda t: {"public_id": t.emr_placement.public_id}, expect=_of(*READERS), others=MISSING
    ),
    "employment_placement_end": Route(
        method="POST",
        kwargs=lambda t: {"public_id": t.emr_placement.public_id},
        data={"ended_on": "2025-06-30"},
        expect=_of(*READERS, statuses=REDIRECT),
        others=MISSING,
    ),
    "employment_follow_up": Route(
        kwargs=lambda t: {"public_id": t.emr_follow_up.public_id}, expect=_of(*READERS), others=MISSING
    ),
    # No warning signs, so no screening awaits: the case workers are sent back with a message; the
    # manager (who reads cases but does not record screenings) gets 404 like everyone else.
    "employment_follow_up_screening": Route(
        method="POST",
        kwargs=lambda t: {"public_id": t.emr_follow_up.public_id},
        expect=_of(*CASE_WORKERS, statuses=REDIRECT),
        others=MISSING,
    ),
    "employment_grant_detail": Route(
        kwargs=lambda t: {"public_id": t.emr_grant.public_id}, expect=_of(*READERS), others=MISSING
    ),
    # The API: 403 for roles without the pathway, 404 for what is not the caller's.
    "api:employment_employers_list": Route(expect=_of(*PATHWAY_STAFF), others={403}, anonymous=API_ANON),
    "api:employment_employers_get": Route(
        kwargs=lambda t: {"employer_id": t.emr_employer.public_id},
        expect=_of(*ORGANISATION_STAFF),
        others=MISSING,
        anonymous=API_ANON,
    ),
    "api:employment_person_placements": Route(
        kwargs=lambda t: {"person_id": t.emr_person.public_id},
        expect=_of(*READERS),
        others=MISSING,
        anonymous=API_ANON,
    ),
    "api:employment_placements_create": Route(
        method="POST",
        json=True,
        data=PLACEMENT_IN,
        expect=_of(*READERS, statuses={201}),
        others=MISSING,
        anonymous=API_ANON,
    ),
}


def fixtures(t: Any) -> None:
    """An employer, a person on the pathway with a placement (and its follow-ups) and a micro-grant,
    all in diocese A, recorded by Alice."""
    from kujdes.people.services import person_create
    from kujdes.programme.employment import services
    from kujdes.programme.employment.models import PlacementFollowUp

    t.emr_employer = services.employer_create(
        actor=t.alice,
        unit=t.diocese_a,
        name="Furra Matrica",
        sector="I",
        municipality="Shkodër",
        agreement="memorandum",
        checked_on=datetime.date(2025, 1, 10),
        written_contracts=True,
        pays_minimum_wage=True,
        legal_hours=True,
        no_document_retention=True,
    )
    t.emr_person = person_create(
        actor=t.alice, unit=t.diocese_a, given_name="Mira", family_name="Puna", birth_year=2001
    )
    t.emr_placement = services.placement_create(
        actor=t.alice,
        person=t.emr_person,
        unit=t.diocese_a,
        kind="job",
        employer=t.emr_employer,
        position="Shitëse",
        starts_on=datetime.date(2025, 4, 7),
        contract="formal",
        wage_band="minimum",
        hours_per_week=40,
    )
    t.emr_follow_up = PlacementFollowUp.objects.get(placement=t.emr_placement, months=1)
    t.emr_grant = services.grant_create(
        actor=t.alice,
        person=t.emr_person,
        unit=t.diocese_a,
        business="Rrobaqepësi",
        business_plan="Një makinë qepëse dhe një dyqan i vogël.",
        amount=Decimal("50000"),
        applied_on=datetime.date(2026, 1, 15),
        sector="C",
    )
    PLACEMENT_IN.clear()
    PLACEMENT_IN.update(
        {
            "person": str(t.emr_person.public_id),
            "unit": str(t.diocese_a.public_id),
            "kind": "job",
            "employer": str(t.emr_employer.public_id),
            "starts_on": "2026-02-02",
            "contract": "formal",
        }
    )
