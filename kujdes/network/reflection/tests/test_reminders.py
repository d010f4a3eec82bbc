"""Daily reminders of action items due within a week or overdue, through the programme room's job."""

from __future__ import annotations

import datetime
import io

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from kujdes.core.scoping import system_scope
from kujdes.network.models import FocalPoint
from kujdes.network.reflection import services
from kujdes.network.reflection.tests.base import ReflectionTestCase
from kujdes.programme.reminders import reminder_sources

TODAY = timezone.localdate()


class ActionReminderTests(ReflectionTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        FocalPoint.objects.create(partner=cls.partner_fr, name="Focal Fr", email="focal.fr@example.invalid")
        with system_scope():
            for description, owner, due in (
                ("Overdue one", cls.partner_fr, TODAY - datetime.timedelta(days=3)),
                ("Due this week", cls.partner_fr, TODAY + datetime.timedelta(days=7)),
                ("Next month", cls.partner_fr, TODAY + datetime.timedelta(days=30)),
            ):
                services.action_item_create(
                    actor=cls.coordinator,
                    meeting=cls.plenary,
                    description=description,
                    owner_partner=owner,
                    due_on=due,
                )
            cls.done = services.action_item_create(
                actor=cls.coordinator,
                meeting=cls.plenary,
                description="Already done",
                owner_partner=cls.partner_fr,
                due_on=TODAY - datetime.timedelta(days=1),
                status="done",
                done_note="Done.",
            )

    def test_the_source_is_registered_with_the_daily_job(self) -> None:
        self.assertIn("network.reflection", [s.code for s in reminder_sources()])

    def test_owners_get_one_email_listing_due_and_overdue_open_actions_once_a_day(self) -> None:
        with system_scope():
            self.assertEqual(services.action_reminders_send(today=TODAY), 1)
            self.assertIsNone(services.action_reminders_send(today=TODAY))
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["focal.fr@example.invalid"])
        self.assertIn("Overdue one", message.body)
        self.assertIn("Due this week", message.body)
        self.assertNotIn("Next month", message.body)
        self.assertNotIn("Already done", message.body)
        self.assertIn("Network meeting", message.body)

    def test_the_owners_account_is_written_to_in_its_language(self) -> None:
        self.dave.language = "fr"
        self.dave.save(update_fields=["language"])
        with system_scope():
            action = services.action_item_create(
                actor=self.coordinator,
                meeting=self.plenary,
                description="Dave's",
                owner_partner=self.partner_fr,
                owner_user=self.dave,
                due_on=TODAY,
            )
            services.action_reminders_send(today=TODAY)
        to_dave = [m for m in mail.outbox if m.to == [self.dave.email]]
        self.assertEqual(len(to_dave), 1)
        self.assertIn(action.description, to_dave[0].body)
        self.assertNotIn("Overdue one", to_dave[0].body)

    def test_the_daily_command_runs_the_source(self) -> None:
        call_command("programme_reminders", stdout=io.StringIO())
        self.assertTrue(any("Overdue one" in m.body for m in mail.outbox))
