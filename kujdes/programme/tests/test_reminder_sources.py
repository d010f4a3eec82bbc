"""Later rooms' reminders run through the daily `programme_reminders` job (kujdes.programme.reminders)."""

from __future__ import annotations

import datetime
import io

from django.core.management import call_command
from django.utils import timezone

from kujdes.core.tests.base import BaseTestCase
from kujdes.programme import reminders


class ReminderSourceTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.calls: list[datetime.date] = []
        self.answer: int | None = 2
        reminders.reminder_source_register(code="test.source", send=self.send)
        self.addCleanup(reminders._SOURCES.pop, "test.source", None)

    def send(self, *, today: datetime.date) -> int | None:
        self.calls.append(today)
        return self.answer

    def run_command(self, *args: str) -> str:
        out = io.StringIO()
        call_command("programme_reminders", *args, stdout=out)
        return out.getvalue()

    def test_the_job_calls_a_registered_source_with_the_day_and_reports_what_it_sent(self) -> None:
        output = self.run_command()
        self.assertEqual(self.calls, [timezone.localdate()])
        self.assertIn("test.source: 2 reminder e-mails sent", output)

    def test_a_source_that_already_sent_today_is_reported_as_such(self) -> None:
        self.answer = None
        self.assertIn("test.source: reminders already sent today", self.run_command())

    def test_a_run_for_one_organisation_leaves_the_other_rooms_reminders_alone(self) -> None:
        self.run_command("--organisation", "al")
        self.assertEqual(self.calls, [])

    def test_registering_twice_keeps_one_source(self) -> None:
        reminders.reminder_source_register(code="test.source", send=self.send)
        self.run_command()
        self.assertEqual(len(self.calls), 1)
