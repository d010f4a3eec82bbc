"""A screening's answers and result are sealed with the person's key; only coded aggregates stay plain."""

from __future__ import annotations

import datetime
import json

from django.conf import settings
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kujdes.core.panels import panels_render
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.services import person_create, person_erase
from kujdes.screening.models import Instrument, Screening
from kujdes.screening.services import instruments_install, screening_record

# A girl at risk: the combination that is "high" whatever the score, and violence at home.
AT_RISK = ["migration_intention", "online_job_offer", "domestic_violence", "school_dropout", "absent_parents"]


class EncryptedAnswersTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            instruments_install(organisation=cls.org)
            cls.risk = Instrument.objects.get(organisation=cls.org, code="risk-prevention")
            cls.girl = person_create(actor=cls.alice, unit=cls.centre_a, given_name="Eni", birth_year=2012)
            cls.screening = screening_record(
                actor=cls.alice,
                person=cls.girl,
                instrument=cls.risk,
                answers=AT_RISK,
                performed_on=datetime.date(2026, 2, 1),
            )

    def setUp(self) -> None:
        super().setUp()
        translation.activate("en")
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def raw(self, *columns: str) -> tuple:
        with system_scope(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(columns)} FROM screening_screening WHERE id = %s",  # noqa: S608
                [self.screening.pk],
            )
            return cursor.fetchone()

    def test_the_answers_and_the_result_are_sealed_in_the_row(self) -> None:
        """Failed before with: the raw row held '["school_dropout", "migration_intention",
        "domestic_violence", …]' (and the result each dimension's score)."""
        answers, result = (str(value) for value in self.raw("answers", "result"))
        for stored in (answers, result):
            self.assertTrue(stored.startswith("k1:"), stored[:60])
            for code in AT_RISK:
                self.assertNotIn(code, stored)

    def test_only_the_outcome_level_and_positive_dimensions_stay_plain(self) -> None:
        """Failed before with: no such column positive_dimensions (the codes lived only inside the
        plaintext result, next to every factor answered)."""
        outcome, level, dimensions = self.raw("outcome", "level", "positive_dimensions")
        if isinstance(dimensions, str):  # SQLite hands JSON back as text
            dimensions = json.loads(dimensions)
        self.assertEqual((outcome, level), ("high", "high"))
        self.assertEqual(sorted(dimensions), ["community", "household", "individual"])

    def test_the_worker_still_reads_the_answers_and_the_result(self) -> None:
        with system_scope():
            screening = Screening.objects.select_related("person").get(pk=self.screening.pk)
            self.assertEqual(sorted(screening.answers), sorted(AT_RISK))
            self.assertEqual(screening.result["level"], "high")
            self.assertEqual(screening.result["score"], 12)
            self.assertEqual(screening.positive_dimensions, screening.result["positive_dimensions"])
        self.login(self.alice)
        page = self.client.get(reverse("screening_detail", args=[self.screening.public_id]))
        self.assertContains(page, "Domestic violence in the household")
        self.assertContains(page, "High risk")
        api = self.client.get(reverse("api:screenings_get", args=[self.screening.public_id])).json()
        self.assertEqual(sorted(api["answers"]), sorted(AT_RISK))
        self.assertEqual(sorted(api["positive_dimensions"]), ["community", "household", "individual"])

    def test_erasing_the_person_leaves_the_answers_unreadable_and_the_codes_counted(self) -> None:
        """Failed before with: after person_erase the answers were still readable
        (['school_dropout', 'migration_intention', 'domestic_violence', …] is not None)."""
        with system_scope():
            person_erase(actor=None, person=self.girl, reason_code="request")
            screening = Screening.objects.select_related("person").get(pk=self.screening.pk)
            self.assertIsNone(screening.answers)
            self.assertIsNone(screening.result)
            self.assertEqual((screening.level, screening.outcome), ("high", "high"))
            self.assertEqual(len(screening.positive_dimensions), 3)

    def test_the_history_decrypts_nothing_whatever_its_length(self) -> None:
        """Guards the lists: the panel reads plain columns only, in as many queries for 1 as for 6."""

        def panel_queries() -> int:
            request = RequestFactory().get("/")
            request.user = self.alice
            with system_scope(), CaptureQueriesContext(connection) as queries:
                html = "".join(panels_render(page="person", request=request, obj=self.girl))
            self.assertIn("High risk", html)
            return len(queries)

        panel_queries()  # the first render warms per-request caches (memberships)
        once = panel_queries()
        with system_scope():
            for day in range(2, 7):
                screening_record(
                    actor=self.alice,
                    person=self.girl,
                    instrument=self.risk,
                    answers=AT_RISK,
                    performed_on=datetime.date(2026, 2, day),
                )
        self.assertEqual(panel_queries(), once)
