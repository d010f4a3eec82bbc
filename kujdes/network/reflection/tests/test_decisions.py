"""The decision log: search without accents or case on both databases, filters, newest first, superseding."""

from __future__ import annotations

import datetime
import unicodedata
from unittest import TestCase

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from kujdes.core.scoping import system_scope
from kujdes.network.reflection import selectors, services
from kujdes.network.reflection.models import Decision, MeetingStatus
from kujdes.network.reflection.selectors import search_normalise
from kujdes.network.reflection.tests.base import ReflectionTestCase


class SearchNormaliseTests(TestCase):
    @given(st.text(max_size=40))
    def test_the_normal_form_has_no_accents_and_does_not_change_again(self, text: str) -> None:
        once = search_normalise(text)
        self.assertEqual(search_normalise(once), once)
        self.assertFalse(any(unicodedata.combining(c) for c in once))
        self.assertEqual(search_normalise(text.casefold()), once)

    def test_albanian_and_french_letters_lose_their_accents(self) -> None:
        self.assertEqual(search_normalise("Çështja e Shkodrës"), "ceshtja e shkodres")
        self.assertEqual(search_normalise("Procédure ÉLARGIE"), "procedure elargie")


class DecisionLogTests(ReflectionTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.older_meeting = services.meeting_create(
                actor=cls.coordinator,
                working_group=None,
                title="2025 plenary",
                starts_at=timezone.make_aware(datetime.datetime(2025, 5, 20, 10, 0)),
                status=MeetingStatus.HELD,
            )
            cls.old = services.decision_create(
                actor=cls.coordinator,
                meeting=cls.older_meeting,
                number="2025-05/1",
                text="La procédure de référence commune est adoptée à titre d'essai.",
                tags=["référence"],
            )
            cls.new = services.decision_create(
                actor=cls.coordinator,
                meeting=cls.plenary,
                number="2026-01/1",
                text="Çështja e riatdhesimit trajtohet sipas protokollit të përbashkët.",
                rationale="Protocol for return.",
                supersedes=cls.old,
            )
            cls.group_decision = services.decision_create(
                actor=cls.coordinator,
                meeting=cls.group_meeting,
                number="2026-WG1/1",
                text="Schools pilot in three countries.",
                scope="working_group",
            )

    def search(self, **kwargs: object) -> list[str]:
        with system_scope():
            return [d.number for d in selectors.decisions_search(actor=self.alice, **kwargs)]  # type: ignore[arg-type]

    def test_an_accent_free_query_finds_a_french_decision(self) -> None:
        self.assertEqual(self.search(query="PROCEDURE reference"), ["2025-05/1"])

    def test_an_accent_free_query_finds_an_albanian_decision(self) -> None:
        self.assertEqual(self.search(query="ceshtja riatdhesimit"), ["2026-01/1"])

    def test_an_accented_query_finds_accent_free_text(self) -> None:
        self.assertEqual(self.search(query="prôtocol"), ["2026-01/1"])

    def test_every_word_must_match(self) -> None:
        self.assertEqual(self.search(query="procedure schools"), [])

    def test_the_log_is_newest_first_and_filters_by_year_status_and_group(self) -> None:
        self.assertEqual(self.search()[-1], "2025-05/1")
        self.assertEqual(self.search(year=2025), ["2025-05/1"])
        self.assertEqual(self.search(status="superseded"), ["2025-05/1"])
        self.assertEqual(self.search(working_group=self.group), ["2026-WG1/1"])
        self.assertEqual(sorted(self.search(plenary=True)), ["2025-05/1", "2026-01/1"])

    def test_a_superseding_decision_marks_the_earlier_one_superseded(self) -> None:
        self.assertEqual(Decision.objects.get(pk=self.old.pk).status, "superseded")
        self.assertEqual(Decision.objects.get(pk=self.new.pk).status, "in_force")

    def test_the_numbers_are_unique(self) -> None:
        with system_scope(), self.assertRaises(ValidationError):
            services.decision_create(
                actor=self.coordinator, meeting=self.plenary, number="2026-01/1", text="Again"
            )

    def test_a_plenary_takes_no_working_group_decision(self) -> None:
        with system_scope(), self.assertRaises(ValidationError):
            services.decision_create(
                actor=self.coordinator,
                meeting=self.plenary,
                number="2026-01/9",
                text="x",
                scope="working_group",
            )

    def test_an_edit_keeps_the_search_column_up_to_date(self) -> None:
        with system_scope():
            services.decision_update(
                actor=self.coordinator,
                decision=self.group_decision,
                version=self.group_decision.version,
                changes={"text": "Écoles pilotes en Arménie."},
            )
        self.assertEqual(self.search(query="ecoles armenie"), ["2026-WG1/1"])
        self.assertEqual(self.search(query="three countries"), [])

    def test_the_log_page_searches_and_links_each_decision_to_its_meeting(self) -> None:
        self.login(self.dave)
        response = self.client.get(reverse("network_decision_list"), {"q": "reference"})
        self.assertContains(response, "2025-05/1")
        self.assertNotContains(response, "2026-01/1")
        self.assertContains(
            response, reverse("network_meeting_detail", kwargs={"public_id": self.older_meeting.public_id})
        )

    def test_a_malformed_filter_is_a_400_with_the_form_not_a_500(self) -> None:
        self.login(self.dave)
        response = self.client.get(reverse("network_decision_list"), {"year": "abc", "group": "nope"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "2026-01/1", status_code=400)
