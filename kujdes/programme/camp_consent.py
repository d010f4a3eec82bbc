"""A camp's parental consent, kept as the child's consents in the people room (DESIGN.md §4).

Recording it names the guardian (a recorded guardian of the child, or one registered in the same step)
and records, for this camp, the consent to take part (purpose "activity") and, if given, to photos.
Withdrawing goes through `people.consent.consent_withdraw`; its hook here (registered in
ProgrammeConfig.ready) makes the withdrawal take effect: a child whose consent to take part was
withdrawn leaves the camp's lists (the participation loses its parental consent, the overview and the
registers no longer show the child), and withdrawn photos are hidden by the people room itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.people.consent import (
    consent_active,
    consent_record,
    consents_withdraw,
    intake_consents_record,
)
from kujdes.people.models import (
    Consent,
    ConsentGivenBy,
    ConsentMethod,
    ConsentPurpose,
    Person,
    PersonRelation,
    RelationKind,
)
from kujdes.programme import services
from kujdes.programme.models import Activity, ActivityKind, Participation
from kujdes.programme.selectors import activity_can_manage

if TYPE_CHECKING:
    from kujdes.accounts.models import User

# What a camp's parental consent covers, and so what can be withdrawn.
CAMP_PURPOSES = (ConsentPurpose.ACTIVITY, ConsentPurpose.PHOTOS)


def guardian_label(consent: Consent) -> str:
    """Who gave a guardian's consent, as the camp lists show it: the relation ("Parent"), not the name
    (the name stays encrypted with the child's record)."""
    if consent.guardian_id is not None:
        kind = (
            PersonRelation.objects.filter(person_id=consent.person_id, relative_id=consent.guardian_id)
            .values_list("kind", flat=True)
            .first()
        )
        if kind in RelationKind.values:
            return str(RelationKind(kind).label)
    return _("A parent or guardian")


def camp_consents(*, participation: Participation) -> list[Consent]:
    """The child's consents for this camp, newest first."""
    return list(
        Consent.objects.filter(
            person_id=participation.person_id,
            activity=participation.activity.public_id,
            purpose__in=CAMP_PURPOSES,
        ).order_by("-given_on", "-pk")
    )


def withdrawn_person_ids(*, activity: Activity) -> set[int]:
    """Persons whose consent to take part in this activity was withdrawn (and not given again): they
    leave the activity's lists."""
    consents = Consent.objects.filter(activity=activity.public_id, purpose=ConsentPurpose.ACTIVITY)
    withdrawn = set(consents.filter(withdrawn_on__isnull=False).values_list("person_id", flat=True))
    active = set(consents.filter(withdrawn_on__isnull=True).values_list("person_id", flat=True))
    return withdrawn - active


@transaction.atomic
def camp_consent_record(
    *,
    actor: User,
    participation: Participation,
    guardian: Person | None,
    guardian_name: str = "",
    guardian_kind: str = RelationKind.PARENT,
    method: str = ConsentMethod.WRITTEN,
    photos: bool = False,
) -> list[Consent]:
    """A parent's or guardian's consent to the camp (and perhaps to photos), naming the guardian.

    Staff who manage the camp record it (services.parental_consent_record checks). The guardian is
    `guardian` (a recorded guardian of the child) or registered now by `guardian_name`.
    """
    activity = participation.activity
    if not activity_can_manage(actor=actor, activity=activity):
        raise PermissionDenied
    if activity.activity_type.kind != ActivityKind.CAMP:
        raise ValidationError(_("Parental consent is recorded for camps."))
    purposes = [ConsentPurpose.ACTIVITY] + ([ConsentPurpose.PHOTOS] if photos else [])
    have = {c.purpose for c in camp_consents(participation=participation) if c.withdrawn_on is None}
    missing = [purpose for purpose in purposes if purpose not in have]
    consents = intake_consents_record(
        actor=actor,
        person=participation.person,
        purposes=missing,
        given_by=ConsentGivenBy.GUARDIAN,
        method=method,
        guardian=guardian,
        guardian_name=guardian_name,
        guardian_kind=guardian_kind,
        activity=activity.public_id,
    )
    taking_part = next(
        (c for c in consents if c.purpose == ConsentPurpose.ACTIVITY),
        consent_active(
            person=participation.person, purpose=ConsentPurpose.ACTIVITY, activity=activity.public_id
        ),
    )
    if taking_part is not None:
        services.parental_consent_record(
            actor=actor, participation=participation, given_by=guardian_label(taking_part)
        )
    return consents


@transaction.atomic
def camp_consent_withdraw(*, actor: User, participation: Participation, purposes: list[str]) -> list[Consent]:
    """A parent withdraws the camp's consent for some purposes; the withdrawal takes effect through the
    consent withdrawal hooks. A consent recorded before consents named the guardian (only the
    participation's flag) is recorded as the child's consent first, then withdrawn, so that its
    withdrawal is kept like any other."""
    activity = participation.activity
    if not purposes or any(purpose not in CAMP_PURPOSES for purpose in purposes):
        raise ValidationError({"purposes": _("Choose what the consent is withdrawn for.")})
    if not activity_can_manage(actor=actor, activity=activity):
        raise PermissionDenied
    active = [c for c in camp_consents(participation=participation) if c.withdrawn_on is None]
    chosen = [c for c in active if c.purpose in purposes]
    has_taking_part = any(c.purpose == ConsentPurpose.ACTIVITY for c in active)
    if ConsentPurpose.ACTIVITY in purposes and not has_taking_part and participation.parental_consent:
        chosen.append(
            consent_record(
                actor=actor,
                person=participation.person,
                purpose=ConsentPurpose.ACTIVITY,
                given_by=ConsentGivenBy.GUARDIAN,
                method=ConsentMethod.WRITTEN,
                given_on=participation.enrolled_on,
                guardian_name=participation.parental_consent_by or _("A parent or guardian"),
                activity=activity.public_id,
            )
        )
    if not chosen:
        raise ValidationError({"purposes": _("There is no consent to withdraw for what you chose.")})
    return consents_withdraw(actor=actor, consents=chosen)


def consent_withdrawn(consent: Consent, actor: User) -> None:
    """The hook of `people.consent.consent_withdraw`: a withdrawn consent to take part in a camp takes
    the child out of the camp's lists (the participation's parental consent is gone)."""
    if consent.purpose != ConsentPurpose.ACTIVITY or consent.activity is None:
        return
    if consent_active(person=consent.person, purpose=ConsentPurpose.ACTIVITY, activity=consent.activity):
        return  # another consent to the same activity still stands
    participation = (
        Participation.objects.select_related("activity", "activity__activity_type", "activity__unit")
        .filter(person_id=consent.person_id, activity__public_id=consent.activity)
        .first()
    )
    if participation is None or participation.activity.activity_type.kind != ActivityKind.CAMP:
        return
    Participation.objects.filter(pk=participation.pk).update(parental_consent=False, parental_consent_by="")
    audit_record(
        actor=actor,
        organisation=participation.organisation_id,
        action="programme.camp.consent.withdrawn",
        obj=participation,
        unit=participation.activity.unit,
        details={"consent": str(consent.public_id), "purpose": consent.purpose},
    )
