"""A small dataset for the builder, export, schedule and API tests.

Cases opened in March 2025: three persons in diocese A (two women, one man), seven in diocese B. The
manager of diocese A may see persons there, so no cell of diocese A is hidden from them; the viewer
(organisation-wide, no personal data) sees each of diocese A's cells, all below five, "hidden".
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings

from kujdes.cases.services import case_create
from kujdes.core.scoping import tenant_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.services import person_create

OPENED = datetime.date(2025, 3, 10)
YEAR = 2025


def cases_dataset(t: Any) -> None:
    with tenant_scope(organisation_ids=[t.org.pk, t.other_org.pk]):
        for index, sex in enumerate(("Feminine", "Feminine", "Masculine")):
            person = person_create(
                actor=t.alice,
                unit=t.diocese_a,
                given_name=f"Ana{index}",
                family_name="Kola",
                sex=sex,
                birth_year=2007,
            )
            case_create(
                actor=t.alice, person=person, unit=t.diocese_a, case_type="prevention", opened_on=OPENED
            )
        for index in range(7):
            person = person_create(
                actor=t.charlie,
                unit=t.diocese_b,
                given_name=f"Bora{index}",
                family_name="Hoxha",
                sex="Feminine",
                birth_year=2008,
            )
            case_create(
                actor=t.charlie, person=person, unit=t.diocese_b, case_type="prevention", opened_on=OPENED
            )


def choices(t: Any, **extra: Any) -> dict[str, Any]:
    """The builder's query for cases opened in 2025 at diocese A, by sex."""
    return {
        "indicators": ["cases_opened"],
        "dims": ["sex"],
        "unit": str(t.diocese_a.public_id),
        "year": str(YEAR),
        "language": "en",
        **extra,
    }


class EnglishTestCase(BaseTestCase):
    """Signed-in pages in English (the cookie; the organisation's own language is Albanian)."""

    def login(self, user: Any, *, recently_authenticated: bool = True) -> None:
        super().login(user, recently_authenticated=recently_authenticated)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
