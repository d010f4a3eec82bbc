"""Route expectations of the screening room (collected by kujdes/core/tests/test_route_matrix.py)."""

from __future__ import annotations

from typing import Any

from kujdes.core.tests.routes import DENIED, MISSING, OK, Route, admins_of_al

CASE_WORKERS_OF_A = ("alice", "bob")


def _person(t: Any) -> dict[str, Any]:
    return {"person_id": t.screened_person.public_id}


ROUTES: dict[str, Route] = {
    # Configuration: organisation administrators only; another organisation's instrument is missing.
    "instrument_list": Route(expect={"admin": OK, "other_admin": OK}, others=DENIED),
    "instrument_edit": admins_of_al(OK, kwargs=lambda t: {"public_id": t.risk_instrument.public_id}),
    "instrument_rules": admins_of_al(OK, kwargs=lambda t: {"public_id": t.risk_instrument.public_id}),
    # The live preview has nothing to show for a post that is not the rules page's form.
    "instrument_rules_preview": admins_of_al(
        {204}, method="POST", kwargs=lambda t: {"public_id": t.risk_instrument.public_id}
    ),
    "instrument_version_detail": admins_of_al(
        OK, kwargs=lambda t: {"public_id": t.risk_instrument.public_id, "number": 1}
    ),
    # Case content: case workers of diocese A record; its programme manager reads; nobody else sees it.
    "screening_create": Route(
        kwargs=_person, expect={**{n: OK for n in CASE_WORKERS_OF_A}, "manager": {403}}, others=MISSING
    ),
    "screening_preview": Route(
        method="POST",
        kwargs=_person,
        expect={**{n: {200, 204} for n in CASE_WORKERS_OF_A}, "manager": {403}},
        others=MISSING,
    ),
    "screening_detail": Route(
        kwargs=lambda t: {"public_id": t.screening.public_id},
        expect={n: OK for n in (*CASE_WORKERS_OF_A, "manager")},
        others=MISSING,
    ),
    # Those who screen (case workers, managers, educators) or configure (admins); the others 403.
    "api:screening_instruments_list": Route(
        expect={
            n: OK for n in ("alice", "bob", "charlie", "dave", "manager", "educator", "admin", "other_admin")
        },
        others={403},
        anonymous={401},
    ),
    "api:person_screenings_create": Route(
        method="POST",
        json=True,
        data={"instrument": "risk-prevention", "answers": ["school_dropout", "extreme_poverty"]},
        kwargs=_person,
        expect={**{n: {201} for n in CASE_WORKERS_OF_A}, "manager": {403}},
        others=MISSING,
        anonymous={401},
    ),
    "api:screenings_get": Route(
        kwargs=lambda t: {"screening_id": t.screening.public_id},
        expect={n: OK for n in (*CASE_WORKERS_OF_A, "manager")},
        others=MISSING,
        anonymous={401},
    ),
}


def fixtures(t: Any) -> None:
    """A person of diocese A screened once by Alice, and the organisation's instruments."""
    import datetime

    from kujdes.people.services import person_create
    from kujdes.screening.models import Instrument
    from kujdes.screening.services import instruments_install, screening_record

    instruments_install(organisation=t.org)
    t.risk_instrument = Instrument.objects.get(organisation=t.org, code="risk-prevention")
    t.screened_person = person_create(
        actor=t.alice, unit=t.diocese_a, given_name="Drita", family_name="Matrix", birth_year=2010
    )
    t.screening = screening_record(
        actor=t.alice,
        person=t.screened_person,
        instrument=t.risk_instrument,
        answers=["school_dropout"],
        performed_on=datetime.date(2026, 1, 15),
        notes="Synthetic note.",
    )
