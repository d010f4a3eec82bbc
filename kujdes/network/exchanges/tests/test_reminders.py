"""Follow-up actions due within a week or overdue are reminded through the daily `programme_reminders` job."""

from __future__ import annotations

import datetime
import io

from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.network.exchanges import services
from kujdes.network.exchanges.models import FollowUpAction
from kujdes.network.exchanges.tests.base import ExchangeTestCase
from kujdes.network.models import FocalPoint


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
class FollowUpReminderTests(ExchangeTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.today = timezone.localdate()
        FocalPoint.objects.create(partner=self.partner_fr, name="Claire", email="claire@fr.example.invalid")
        # The fixture's action (owner fr, no account) is overdue.
        FollowUpAction.objects.filter(pk=self.exchange_action.pk).update(
            due_on=self.today - datetime.timedelta(days=3)
        )
        with system_scope():
            self.soon = services.action_create(
                actor=self.coordinator,
                exchange=self.exchange,
                description="Send the translated leaflet",
                owner_partner=self.partner_al,
                owner_user=self.manager,
                due_on=self.today + datetime.timedelta(days=6),
            )
            self.later = services.action_create(
                actor=self.coordinator,
                exchange=self.exchange,
                description="Plan the return visit",
                owner_partner=self.partner_al,
                owner_user=self.manager,
                due_on=self.today + datetime.timedelta(days=8),
            )
            self.done = services.action_create(
                actor=self.coordinator,
                exchange=self.exchange,
                description="Thank the hosts",
                owner_partner=self.partner_fr,
                due_on=self.today - datetime.timedelta(days=10),
            )
        FollowUpAction.objects.filter(pk=self.done.pk).update(status="done", done_on=self.today)

    def run_job(self) -> str:
        out = io.StringIO()
        call_command("programme_reminders", stdout=out)
        return out.getvalue()

    def test_owners_are_reminded_of_due_and_overdue_actions_by_the_programme_job(self) -> None:
        output = self.run_job()
        self.assertIn("network.exchanges: 2 reminder e-mails sent", output)
        by_recipient = {tuple(m.to): m for m in mail.outbox}
        # The owner's account when there is one; else the owner partner's focal points.
        self.assertIn((self.manager.email,), by_recipient)
        self.assertIn(("claire@fr.example.invalid",), by_recipient)
        to_manager = by_recipient[(self.manager.email,)].body
        self.assertIn("Send the translated leaflet", to_manager)
        self.assertNotIn("Plan the return visit", to_manager)  # due in 8 days: not yet
        to_fr = by_recipient[("claire@fr.example.invalid",)].body
        self.assertIn("Share the intake checklist", to_fr)
        self.assertIn("overdue", to_fr)
        self.assertNotIn("Thank the hosts", to_fr)  # done
        self.assertIn(f"/network/exchanges/{self.exchange.public_id}/", to_fr)
        # Nothing of the participants goes out.
        self.assertNotIn("Visiting Colleague", to_fr + to_manager)

    def test_a_second_run_on_the_same_day_sends_nothing(self) -> None:
        self.run_job()
        count = len(mail.outbox)
        output = self.run_job()
        self.assertEqual(len(mail.outbox), count)
        self.assertIn("network.exchanges: reminders already sent today", output)
        with system_scope():
            # One in al's chain, one in fr's, from the first run only.
            self.assertEqual(AuditEvent.objects.filter(action="network.exchanges.reminders.sent").count(), 2)

    def test_the_next_day_the_reminders_come_again(self) -> None:
        with system_scope():
            services.follow_up_reminders_send(today=self.today)
            mail.outbox.clear()
            sent = services.follow_up_reminders_send(today=self.today + datetime.timedelta(days=1))
        self.assertEqual(sent, 2)

    def test_a_cancelled_exchange_s_actions_are_not_reminded(self) -> None:
        type(self.exchange).objects.filter(pk=self.exchange.pk).update(status="cancelled")
        with system_scope():
            self.assertEqual(services.follow_up_reminders_send(today=self.today), 0)
        self.assertEqual(mail.outbox, [])
