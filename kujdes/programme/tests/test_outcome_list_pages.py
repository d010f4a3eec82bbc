"""The outcome follow-ups list grows with every course: it is paged, counted and filtered in the URL."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.people.services import person_create
from kujdes.programme import services as s
from kujdes.programme.models import Outcome
from kujdes.programme.tests.test_activities import TODAY, ActivityPagesTestCase


class OutcomeListPagesTests(ActivityPagesTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            # 12 more graduates: with Besa, 13 × 3 follow-ups = 39, all made due (overdue or soon).
            for index in range(12):
                person = person_create(
                    actor=cls.educator,
                    unit=cls.centre_a,
                    given_name=f"Ana{index}",
                    sex="Feminine",
                    birth_year=2004,
                )
                participation = s.participant_enrol(actor=cls.manager, activity=cls.pg_course, person=person)
                s.participation_complete(actor=cls.manager, participation=participation, completed_on=TODAY)
            Outcome.objects.filter(months=3).update(due_on=TODAY - datetime.timedelta(days=3))
            Outcome.objects.exclude(months=3).update(due_on=TODAY + datetime.timedelta(days=5))

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.login(self.manager)

    def test_the_list_is_paged_with_its_count(self) -> None:
        response = self.client.get(reverse("outcome_list"))
        self.assertContains(response, "39 follow-ups due")
        self.assertContains(response, "Page 1 of 2")
        self.assertEqual(len(response.context["page"].object_list), 25)
        second = self.client.get(reverse("outcome_list"), {"page": "2"})
        self.assertEqual(len(second.context["page"].object_list), 14)

    def test_the_filters_stay_in_the_page_links(self) -> None:
        response = self.client.get(reverse("outcome_list"), {"months": "6", "when": "upcoming"})
        self.assertContains(response, "13 follow-ups due")
        self.assertNotContains(response, "Page 1 of")
        overdue = self.client.get(reverse("outcome_list"), {"when": "overdue"})
        self.assertContains(overdue, "13 follow-ups due")
        both = self.client.get(reverse("outcome_list"), {"months": "12", "page": "1"})
        self.assertEqual({o.months for o in both.context["page"].object_list}, {12})
        everything = self.client.get(reverse("outcome_list"), {"when": "upcoming"})
        self.assertContains(everything, "26 follow-ups due")
        self.assertContains(everything, "Page 1 of 2")
        self.assertContains(everything, "?when=upcoming&amp;page=2")

    def test_an_unknown_filter_value_shows_the_whole_list(self) -> None:
        response = self.client.get(reverse("outcome_list"), {"months": "7", "when": "<script>", "page": "x"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "39 follow-ups due")

    def test_only_the_page_shown_is_charged_to_the_read_budget(self) -> None:
        self.client.get(reverse("outcome_list"))
        (event,) = self.events("programme.participants.viewed")
        self.assertLessEqual(event.details["participants"], 25)

    def test_charlie_sees_none_of_them(self) -> None:
        self.login(self.charlie)
        self.assertEqual(self.client.get(reverse("outcome_list")).status_code, 403)
        self.login(self.other_admin)
        self.assertEqual(self.client.get(reverse("outcome_list")).status_code, 403)
