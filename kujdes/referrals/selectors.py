"""Reads of the service directory and of referrals, scoped by the actor.

A referral is seen from two sides:
- the sender's side: whoever may see the case (`cases_for_actor`) sees all its referrals;
- the receiving unit: case workers and programme managers whose reach covers `to_unit`
  (case.view there) see a referral sent to it, with what the sender chose to share
  (person code, sex, birth year, service, urgency, details), but not the case file.
Everyone else gets DoesNotExist (→ 404), exactly as for a referral that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from kujdes.cases.selectors import cases_for_actor
from kujdes.core.models import Unit
from kujdes.core.roles import Perm
from kujdes.core.selectors import organisations_for_actor, units_for_actor
from kujdes.referrals.models import Referral, ReferralDirection, ServiceProvider

if TYPE_CHECKING:
    from kujdes.accounts.models import User
    from kujdes.cases.models import Case


# --- The service directory -------------------------------------------------------------------------


def providers_for_actor(*, actor: User) -> QuerySet[ServiceProvider]:
    """Directory entries of the organisations where the actor works on cases or configures the directory."""
    organisations = organisations_for_actor(actor=actor, perm=Perm.CASE_VIEW) | organisations_for_actor(
        actor=actor, perm=Perm.ORGANISATION_CONFIGURE
    )
    return ServiceProvider.objects.filter(organisation__in=organisations.values("pk"))


def providers_editable_for_actor(*, actor: User) -> QuerySet[ServiceProvider]:
    """Directory entries the actor may change (organisation administrators: organisation.configure)."""
    organisations = organisations_for_actor(actor=actor, perm=Perm.ORGANISATION_CONFIGURE)
    return ServiceProvider.objects.filter(organisation__in=organisations.values("pk"))


def provider_get(*, actor: User, public_id: str, editable: bool = False) -> ServiceProvider:
    """One directory entry the actor may read (or edit); ServiceProvider.DoesNotExist (→ 404) otherwise."""
    providers = providers_editable_for_actor(actor=actor) if editable else providers_for_actor(actor=actor)
    return providers.get(public_id=public_id)


def providers_for_case(*, actor: User, case: Case) -> QuerySet[ServiceProvider]:
    """Active providers of the case's organisation, to which a referral of the case may go."""
    return providers_for_actor(actor=actor).filter(organisation_id=case.organisation_id, is_active=True)


def providers_filter_service(providers: list[ServiceProvider], service_type: str) -> list[ServiceProvider]:
    """Keep the providers offering `service_type` (all when it is empty).

    In Python: SQLite has no JSON containment lookup, and one organisation's directory is small.
    """
    if not service_type:
        return providers
    return [provider for provider in providers if service_type in (provider.services or [])]


def referral_units_for_case(*, case: Case) -> QuerySet[Unit]:
    """Units a case may be referred to: the other active units of its organisation."""
    return Unit.objects.filter(organisation_id=case.organisation_id, is_active=True).exclude(pk=case.unit_id)


# --- Referrals -------------------------------------------------------------------------------------


def _receiving_units(actor: User) -> QuerySet:
    return units_for_actor(actor=actor, perm=Perm.CASE_VIEW).order_by().values("pk")


def referrals_for_actor(*, actor: User) -> QuerySet[Referral]:
    """Referrals the actor may see: of cases they may see, and those sent to units in their reach."""
    cases = cases_for_actor(actor=actor, perm=Perm.CASE_VIEW).order_by().values("pk")
    sent_here = Q(direction=ReferralDirection.OUTGOING, to_unit__in=_receiving_units(actor))
    return Referral.objects.filter(Q(case__in=cases) | sent_here, case__person__erased_at__isnull=True)


def referrals_outgoing_for_actor(*, actor: User) -> QuerySet[Referral]:
    """Referrals sent from cases the actor may see."""
    cases = cases_for_actor(actor=actor, perm=Perm.CASE_VIEW).order_by().values("pk")
    return Referral.objects.filter(
        case__in=cases, direction=ReferralDirection.OUTGOING, case__person__erased_at__isnull=True
    )


def referrals_incoming_for_actor(*, actor: User) -> QuerySet[Referral]:
    """Referrals received: sent to a unit in the actor's reach, or recorded from outside on their cases."""
    cases = cases_for_actor(actor=actor, perm=Perm.CASE_VIEW).order_by().values("pk")
    return Referral.objects.filter(
        Q(direction=ReferralDirection.OUTGOING, to_unit__in=_receiving_units(actor))
        | Q(direction=ReferralDirection.INCOMING, case__in=cases),
        case__person__erased_at__isnull=True,
    )


def referral_get(*, actor: User, public_id: str) -> Referral:
    """One referral the actor may see; Referral.DoesNotExist (→ 404) for any other."""
    return (
        referrals_for_actor(actor=actor)
        .select_related(
            "case__person", "case__unit", "from_unit", "to_unit", "to_provider", "from_provider", "created_by"
        )
        .get(public_id=public_id)
    )


def referrals_of_case(*, actor: User, case: Case) -> QuerySet[Referral]:
    """The referrals of one case (the caller has checked that the actor may see the case)."""
    # The case is visible, so all of its referrals are: no need for the wider visibility query.
    return Referral.objects.filter(case=case, case__person__erased_at__isnull=True).select_related(
        "to_unit", "to_provider", "from_provider"
    )


@dataclass(frozen=True)
class ReferralSides:
    """Where the actor stands towards one referral."""

    sender: bool  # may see the case: its whole file, the letter
    sender_manages: bool  # may act for the sender: cancel, record a provider's answer, complete
    receiver: bool  # staff of the receiving unit: may answer and complete a unit referral


def referral_sides(*, actor: User, referral: Referral) -> ReferralSides:
    case_id = referral.case_id
    sender = cases_for_actor(actor=actor, perm=Perm.CASE_VIEW).filter(pk=case_id).exists()
    manages = sender and cases_for_actor(actor=actor, perm=Perm.CASE_MANAGE).filter(pk=case_id).exists()
    receiver = (
        referral.direction == ReferralDirection.OUTGOING
        and referral.to_unit_id is not None
        and units_for_actor(actor=actor, perm=Perm.CASE_VIEW).filter(pk=referral.to_unit_id).exists()
    )
    return ReferralSides(sender=sender, sender_manages=manages, receiver=receiver)


def referral_case_choices(*, actor: User, code: str = "") -> QuerySet[Case]:
    """Open cases the actor may refer (works on them), newest first; `code` narrows to a case or
    person code. The page that asks "which case?" when a referral is started without one."""
    from kujdes.cases.choices import OPEN_STATUSES

    cases = cases_for_actor(actor=actor, perm=Perm.CASE_MANAGE).filter(status__in=OPEN_STATUSES)
    code = code.strip().upper()
    if code:
        cases = cases.filter(Q(code=code) | Q(person__code=code))
    return cases.order_by("-opened_on", "-pk")
