"""Route expectations of the referrals room (collected by kujdes/core/tests/test_route_matrix.py).

Alice's case (diocese A) has a referral to a provider of the directory (`ref_referral`)
and one to diocese B (`ref_unit_referral`). Charlie and Dave get 404 for her referral,
the organisation administrator too (the directory is theirs, referrals are not).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from kujdes.core.tests.routes import DENIED, MISSING, OK, REDIRECT, Route

CASE_WORKERS = ("alice", "bob", "charlie", "dave")
CASE_WORKERS_AND_MANAGER = (*CASE_WORKERS, "manager")
ALICES_SIDE = ("alice", "bob", "manager")


def _referral(t: Any) -> dict[str, Any]:
    return {"public_id": t.ref_referral.public_id}


def _api_referral(t: Any) -> dict[str, Any]:
    return {"referral_id": t.ref_referral.public_id}


ROUTES: dict[str, Route] = {
    "referral_list": Route(expect={name: OK for name in CASE_WORKERS_AND_MANAGER}, others=DENIED),
    # Without ?case=<uuid> (the matrix sends no query string) both ask which case: case workers (their
    # own open cases only, tests/test_case_choice.py), 403 for roles that refer nothing. With a case:
    # test_referrals.py.
    "referral_create": Route(expect={name: OK for name in CASE_WORKERS}, others={403}),
    "referral_incoming_create": Route(expect={name: OK for name in CASE_WORKERS}, others={403}),
    "provider_list": Route(
        expect={name: OK for name in (*CASE_WORKERS_AND_MANAGER, "admin", "other_admin")}, others=DENIED
    ),
    "provider_create": Route(expect={"admin": OK, "other_admin": OK}, others=DENIED),
    "provider_edit": Route(
        kwargs=lambda t: {"public_id": t.ref_provider.public_id},
        expect={"admin": OK, "other_admin": MISSING},
        others=DENIED,
    ),
    "referral_detail": Route(kwargs=_referral, expect={name: OK for name in ALICES_SIDE}, others=MISSING),
    # A provider's answer is recorded by the sender's side; the manager reads but does not act.
    "referral_respond": Route(
        kwargs=_referral, expect={"alice": OK, "bob": OK, "manager": {403}}, others=MISSING
    ),
    # Completing a referral that is only "sent" is refused with a message (redirect), never a 500.
    "referral_complete": Route(
        method="POST",
        kwargs=_referral,
        data={"version": "1"},
        expect={"alice": REDIRECT, "bob": REDIRECT, "manager": {403}},
        others=MISSING,
    ),
    "referral_cancel": Route(
        method="POST",
        kwargs=_referral,
        data={"version": "1"},
        expect={"alice": REDIRECT, "bob": REDIRECT, "manager": {403}},
        others=MISSING,
    ),
    "referral_letter": Route(kwargs=_referral, expect={name: OK for name in ALICES_SIDE}, others=MISSING),
    "api:providers_list": Route(
        expect={name: OK for name in (*CASE_WORKERS_AND_MANAGER, "admin", "other_admin")},
        others={403},
        anonymous={401},
    ),
    "api:referrals_list": Route(
        expect={name: OK for name in CASE_WORKERS_AND_MANAGER}, others={403}, anonymous={401}
    ),
    # The payload names a case nobody has: 404 for case workers and managers, 403 for other roles.
    "api:referrals_create": Route(
        method="POST",
        json=True,
        data={
            "case": "00000000-0000-4000-8000-000000000000",
            "service_type": "Shelter",
            "details": "Route matrix",
        },
        expect={name: MISSING for name in CASE_WORKERS_AND_MANAGER},
        others={403},
        anonymous={401},
    ),
    "api:referrals_get": Route(
        kwargs=_api_referral, expect={name: OK for name in ALICES_SIDE}, others=MISSING, anonymous={401}
    ),
    "api:referrals_respond": Route(
        method="POST",
        json=True,
        kwargs=_api_referral,
        data={"decision": "accept"},
        expect={"alice": OK, "bob": OK, "manager": {403}},
        others=MISSING,
        anonymous={401},
    ),
}


def fixtures(t: Any) -> None:
    """Objects the routes need, created on the test class `t` (inside a system scope)."""
    from kujdes.cases.services import case_create
    from kujdes.people.consent import consent_record
    from kujdes.people.services import person_create
    from kujdes.referrals.services import provider_create, referral_send

    today = timezone.localdate()
    t.ref_person = person_create(
        actor=t.alice,
        unit=t.diocese_a,
        given_name="Drita",
        family_name="Çela",
        date_of_birth=datetime.date(2004, 3, 9),
        sex="Feminine",
    )
    t.ref_case = case_create(
        actor=t.alice, person=t.ref_person, unit=t.diocese_a, opened_on=today - datetime.timedelta(days=30)
    )
    t.ref_consent = consent_record(
        actor=t.alice,
        person=t.ref_person,
        purpose="referral",
        given_by="self",
        method="written",
        given_on=today,
    )
    t.ref_provider = provider_create(
        actor=None,
        organisation=t.org,
        name="Strehëz për gra",
        provider_type="NGO",
        country="AL",
        municipality="Shkodër",
        services=["Shelter", "Psychosocial"],
        nrm_member=True,
    )
    t.ref_referral = referral_send(
        actor=t.alice,
        case=t.ref_case,
        to_provider=t.ref_provider,
        service_type="Shelter",
        reason="AdditionalServicesRequired",
        details="Ka nevojë për strehim të sigurt.",
        urgent=True,
        referred_on=today,
    )
    t.ref_unit_referral = referral_send(
        actor=t.alice,
        case=t.ref_case,
        to_unit=t.diocese_b,
        service_type="Livelihood",
        reason="MigrationOrChangeOfLocation",
        details="Shpërngulet në dioqezën B.",
        urgent=False,
        referred_on=today,
    )
