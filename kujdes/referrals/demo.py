"""Demo data of the referrals room: Albania's synthetic service directory and the stories' referrals.

Called by `kujdes demo` (core finds `demo_populate` by convention) after the cases room's demo.
"""

from __future__ import annotations

import datetime

from kujdes.cases.demo import STORY_CASES
from kujdes.cases.demo_stories import STORIES
from kujdes.core.models import Organisation
from kujdes.people.consent import consent_record
from kujdes.referrals.models import ReferralReason, ServiceProvider
from kujdes.referrals.seed import providers_install_albania
from kujdes.referrals.services import referral_send


def demo_populate() -> str:
    organisation = Organisation.objects.get(code="caritas-al")
    providers = providers_install_albania(organisation=organisation)
    sent = 0
    for story in STORIES:
        case = STORY_CASES.get(story.given_name)
        if story.referral is None or case is None or case.primary_worker is None:
            continue
        service_type, details = story.referral
        provider = next(
            (
                p
                for p in ServiceProvider.objects.filter(organisation=organisation)
                if service_type in p.services
            ),
            providers[0],
        )
        consent_record(
            actor=case.primary_worker,
            person=case.person,
            purpose="referral",
            given_by="guardian" if story.age < 18 else "self",
            method="written",
            given_on=case.opened_on,
            guardian_name=f"{story.guardian[0]} {story.guardian[1]}" if story.guardian else "",
        )
        referral_send(
            actor=case.primary_worker,
            case=case,
            to_provider=provider,
            service_type=service_type,
            reason=ReferralReason.ADDITIONAL_SERVICES,
            details=details,
            urgent=service_type == "Shelter",
            referred_on=min(datetime.date.today(), case.opened_on + datetime.timedelta(days=7)),
        )
        sent += 1
    return f"Referrals: {len(providers)} directory entries, {sent} referrals of the stories."
