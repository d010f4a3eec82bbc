"""Statistics releases of 2025 from the three demo organisations, made through the real service.

The figures are counted from the demo data by the reports room's release path, so the small cells
the demo produces are withheld (and complemented) exactly as a real release would. Caritas
Albania's first release is superseded by a second one that adds age groups, with its reason.
"""

from __future__ import annotations

import datetime

from kujdes.accounts.models import User
from kujdes.network.models import Partner
from kujdes.network.releases import services
from kujdes.network.releases.models import Release

START, END = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
# The milestones' framework starts in 2026: its progress reads the releases of the year so far.
YEAR_2026 = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))

INDICATORS = [
    {"code": "direct_beneficiaries", "dims": ["sex", "age_group"]},
    {"code": "persons_screened", "dims": ["sex"]},
    {"code": "cases_opened", "dims": ["sex", "cross_border"]},
    {"code": "services_delivered", "dims": ["service_type"]},
    {"code": "persons_referred", "dims": []},
    {"code": "course_enrolments", "dims": ["sex"]},
    {"code": "camp_participants", "dims": ["age_group"]},
    {"code": "people_reached", "dims": ["activity_type"]},
]

# (partner code, the organisation's administrator in the demo accounts)
MAKERS = (("al", "admin-al"), ("fr", "admin-fr"), ("lb", "admin-lb"))


def _release(
    actor: User, title: str, indicators: list[dict], reason: str = "", period: tuple = (START, END)
) -> Release:
    draft = services.release_draft_create(
        actor=actor, period_start=period[0], period_end=period[1], title=title, indicators=indicators
    )
    return services.release_publish(
        actor=actor, release=draft, version=None, recently_authenticated=True, reason=reason
    )


def demo_populate() -> str:
    made = withheld = 0
    for code, username in MAKERS:
        partner = Partner.objects.filter(code=code, organisation__isnull=False).first()
        actor = User.objects.filter(username=username).first()
        if partner is None or actor is None:
            continue
        if Release.objects.filter(partner=partner, period_start=START, period_end=END).exists():
            continue
        name = partner.own_name("en")
        if code == "al":
            first = _release(
                actor, f"{name}: figures 2025", [{"code": "direct_beneficiaries", "dims": ["sex"]}]
            )
            made += 1
            services.release_supersede_start(
                actor=actor,
                release=first,
                reason="Age groups and the year's other indicators added at the coordinator's request.",
            )
            draft = Release.objects.filter(supersedes=first, status="draft").get()
            services.release_draft_update(
                actor=actor, release=draft, version=draft.version, changes={"indicators": INDICATORS}
            )
            draft.refresh_from_db()
            release = services.release_publish(
                actor=actor, release=draft, version=None, recently_authenticated=True
            )
        else:
            release = _release(actor, f"{name}: figures 2025", INDICATORS)
        made += 1
        later = _release(actor, f"{name}: figures 2026", INDICATORS, period=YEAR_2026)
        made += 1
        for each in (release, later):
            withheld += each.tables.filter(cells__withheld=True).values("cells").count()
    return f"Releases: {made} made for 2025 and 2026 (one superseded), {withheld} cells withheld."
