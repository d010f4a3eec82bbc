"""The demo's cross-border referrals, between two organisations of the demo installation (the same
path as between installations): one sent from Caritas Shqiptare to Caritas France, received and
assigned there; one sent from Caritas France to Caritas Shqiptare, assigned to the Shkodër-Pult
diocese, where its programme manager (manager-shkoder) can open it and accept or decline it.

Called by `kujdes demo` after the federation's demo made this installation's identity.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from kujdes.accounts.models import User
from kujdes.cases.choices import OPEN_STATUSES
from kujdes.cases.models import Case
from kujdes.cases.services import case_create
from kujdes.core.models import Unit
from kujdes.network.crossborder import dataset
from kujdes.network.crossborder.dataset import Purpose
from kujdes.network.crossborder.models import IncomingReferral
from kujdes.network.crossborder.services import incoming_assign, referral_abroad_request
from kujdes.network.federation.services import installation_get, outbox_deliver_due
from kujdes.network.models import Partner
from kujdes.people.consent import consent_record
from kujdes.people.models import ConsentPurpose
from kujdes.people.services import person_create


def _consent(worker: User, case: Case) -> None:
    consent_record(
        actor=worker,
        person=case.person,
        purpose=ConsentPurpose.PARTNER_ABROAD,
        given_by="self",
        method="written",
        given_on=datetime.date.today(),
    )


def demo_populate() -> str:
    partners = {p.code: p for p in Partner.objects.filter(code__in=("al", "fr"), organisation__isnull=False)}
    users = {u.username: u for u in User.objects.filter(username__in=("caseworker-shkoder", "caseworker-fr"))}
    admins = {u.username: u for u in User.objects.filter(username__in=("admin-al", "admin-fr"))}
    if installation_get() is None or len(partners) < 2 or len(users) < 2 or len(admins) < 2:
        return "Cross-border referrals: skipped (no federation identity, or not both demo partners)."
    albanian = users["caseworker-shkoder"]
    french = users["caseworker-fr"]
    shkoder = Unit.objects.get(organisation=partners["al"].organisation, code="SHKODER-PULT")
    marseille = Unit.objects.filter(organisation=partners["fr"].organisation, parent__isnull=False).first()
    case_al = (
        Case.objects.filter(primary_worker=albanian, status__in=OPEN_STATUSES, person__sex="Feminine")
        .select_related("person", "unit")
        .order_by("pk")
        .first()
    )
    if case_al is None or marseille is None:
        return "Cross-border referrals: skipped (no open case of caseworker-shkoder)."
    with transaction.atomic():
        # Sent from Albania: she will stay in France for a while and needs a shelter and legal aid there.
        _consent(albanian, case_al)
        to_france = referral_abroad_request(
            actor=albanian,
            case=case_al,
            partner=partners["fr"],
            purpose="protection_assistance",
            services=["shelter", "legal_aid"],
            fields=["given_name", "family_name", "sex", "date_of_birth", "languages", "phone"],
            message="Ajo flet shqip dhe pak italisht. / She speaks Albanian and some Italian.",
        )
        # Sent from France: an Albanian woman identified in Marseille goes home.
        person = person_create(
            actor=french,
            unit=marseille,
            given_name="Arjola",
            family_name="Demiraj",
            date_of_birth=datetime.date(1999, 4, 12),
            sex="Feminine",
            citizenships=["AL"],
            languages=["sq", "fr"],
            phones=["+33 6 00 00 12 34"],
            municipality="Shkodër",
        )
        case_fr = case_create(
            actor=french,
            person=person,
            unit=marseille,
            case_type="victim_assistance",
            opened_on=datetime.date.today() - datetime.timedelta(days=21),
            summary="Identifiée lors d'une maraude à Marseille ; veut rentrer chez sa mère à Shkodër.",
            exploitation_types=["SexualExploitation"],
            trafficking_status="PossibleVictimOfTrafficking",
        )
        _consent(french, case_fr)
        to_albania = referral_abroad_request(
            actor=french,
            case=case_fr,
            partner=partners["al"],
            purpose="return_reintegration",
            services=["return", "reintegration"],
            fields=list(dataset.MINIMUM[Purpose.RETURN_REINTEGRATION]),
            message="Elle souhaite être accueillie à Shkodër ; sa mère est prévenue.",
        )
    # The worker would deliver these; the demo delivers them now (this installation to itself).
    for _round in range(5):
        if not outbox_deliver_due():
            break
    with transaction.atomic():
        for referral, admin, unit in (
            (to_france, admins["admin-fr"], marseille),
            (to_albania, admins["admin-al"], shkoder),
        ):
            incoming = IncomingReferral.objects.filter(referral_id=referral.referral_id).first()
            if incoming is not None:
                incoming_assign(actor=admin, incoming=incoming, unit=unit)
    return (
        "Cross-border referrals: one from Caritas Shqiptare to Caritas France, one from France to "
        "Shkodër-Pult (manager-shkoder can accept it under 'Referrals from abroad')."
    )
