"""Released releases for the figures' tests and route matrix (made with the releases room's factory).

Years long past, so as not to meet the releases room's fixtures of 2025 on the route matrix's
shared test class. Year 2019: "al" released 240 direct beneficiaries, its breakdown by sex
withheld (men: a small count — truly 7 —, women: withheld to protect it); "fr" released a small
total (truly 3: withheld) with a released breakdown by age; "ua" has no release. Year 2018: "al"
released a table with differential privacy and a CTDC-coded table.
"""

from __future__ import annotations

import datetime
from typing import Any

from kujdes.network.releases.models import ReleaseCell, ReleaseTable
from kujdes.network.releases.tests.factories import released
from kujdes.network.tests.fixtures import network_fixtures

# The true values behind the withheld cells: they must appear nowhere a withheld cell is shown.
TRUE_WITHHELD = {"al_male": 7, "fr_total": 3}


def figures_fixtures(t: Any) -> None:
    """Create the releases once on the test class `t` (inside a system scope)."""
    network_fixtures(t)
    if (
        getattr(t, "figures_release_al", None) is not None
        and type(t.figures_release_al).objects.filter(pk=t.figures_release_al.pk).exists()
    ):
        return
    t.figures_release_al = released(
        partner=t.partner_al,
        start=datetime.date(2019, 1, 1),
        end=datetime.date(2019, 12, 31),
        tables={("direct_beneficiaries", ""): {"": 240}, ("screenings", ""): {"": 52}},
    )
    # By sex: men a small count (primary), women withheld to protect it (complementary).
    by_sex = ReleaseTable.objects.create(
        release=t.figures_release_al, position=5, indicator_code="direct_beneficiaries", dims=["sex"]
    )
    for position, (code, reason) in enumerate((("Feminine", "complementary"), ("Masculine", "primary"))):
        ReleaseCell.objects.create(
            table=by_sex,
            position=position,
            key={"sex": code},
            labels={"sex": code},
            value=None,
            withheld=True,
            reason=reason,
        )
    t.figures_release_fr = released(
        partner=t.partner_fr,
        start=datetime.date(2019, 1, 1),
        end=datetime.date(2019, 12, 31),
        tables={
            ("direct_beneficiaries", ""): {"": None},
            ("direct_beneficiaries", "age_group"): {"18": 0},
        },
    )
    t.figures_release_dp = released(
        partner=t.partner_al,
        start=datetime.date(2018, 1, 1),
        end=datetime.date(2018, 12, 31),
        tables={},
        dp_enabled=True,
        dp_epsilon=1.0,
        dp_delta=1e-6,
        dp_mechanism="discrete_gaussian",
    )
    noisy = ReleaseTable.objects.create(
        release=t.figures_release_dp,
        position=0,
        indicator_code="direct_beneficiaries",
        dims=["sex"],
        noisy=True,
    )
    for position, (code, value) in enumerate((("", 131), ("Feminine", 118), ("Masculine", 13))):
        ReleaseCell.objects.create(
            table=noisy,
            position=position,
            key={"sex": code} if code else {},
            value=value,
            is_total=not code,
            noisy=True,
        )
    ctdc = ReleaseTable.objects.create(
        release=t.figures_release_dp, position=1, indicator_code="ctdc", kind="ctdc", additive=False
    )
    ReleaseCell.objects.create(
        table=ctdc,
        position=0,
        key={"yearOfRegistration": "2018", "gender": "Female", "ageBroad": "18--29", "citizenship": "AL"},
        value=12,
    )
