"""`kujdes programme_reminders`: the right managers, in the organisation's language, once a day."""

from __future__ import annotations

import datetime
import io

from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from kujdes.core.models import AuditEvent
from kujdes.core.roles import Role
from kujdes.core.tests.base import user_create
from kujdes.programme import services
from kujdes.programme.tests.test_volunteers import VolunteerTestCase


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
class ReminderTests(VolunteerTestCase):
    def run_command(self) -> str:
        out = io.StringIO()
        call_command("programme_reminders", stdout=out)
        return out.getvalue()

    def test_the_managers_of_the_unit_get_the_expiring_checks_and_trainings(self) -> None:
        # A manager of diocese B and one of the other organisation must hear nothing of Centre A1.
        user_create(
            username="b_manager", organisation=self.org, unit=self.diocese_b, role=Role.PROGRAMME_MANAGER
        )
        services.volunteer_update(
            actor=self.manager,
            volunteer=self.pg_volunteer,
            expected_version=None,
            changes={"phone": "+355 69 111 2222", "email": "klea@example.invalid"},
        )
        self.run_command()
        self.assertEqual([m.to for m in mail.outbox], [[self.manager.email]])
        message = mail.outbox[0]
        self.assertIn("Klea Marku", message.body)
        # The check expires in 20 days (within the default 30); the training in 65 days is not yet due.
        self.assertNotIn("Mbrojtja e fëmijëve", message.body)
        for private in ("+355 69 111 2222", "klea@example.invalid", "Elira", "Besa"):
            self.assertNotIn(private, message.body)
        with translation.override("sq"):
            self.assertIn(gettext("background check"), message.body)
            self.assertIn(gettext("Volunteers: checks and trainings to renew"), message.subject)

    def test_expired_trainings_are_listed_and_the_reminder_days_count(self) -> None:
        services.programme_settings_save(
            actor=self.admin, organisation_id=self.org.pk, age_groups=[0, 18], reminder_days=90
        )
        today = timezone.localdate()
        services.training_add(
            actor=self.manager,
            volunteer=self.pg_volunteer,
            title="Ndihma e parë",
            completed_on=today - datetime.timedelta(days=400),
            expires_on=today - datetime.timedelta(days=35),
        )
        self.run_command()
        body = mail.outbox[0].body
        self.assertIn("Mbrojtja e fëmijëve", body)  # within 90 days now
        self.assertIn("Ndihma e parë", body)
        # Dates as the organisation writes them (Albanian: 2026-01-05).
        with translation.override("sq"):
            self.assertIn(date_format(today - datetime.timedelta(days=35), "SHORT_DATE_FORMAT"), body)

    def test_a_french_organisation_gets_french_e_mails(self) -> None:
        today = timezone.localdate()
        other = services.volunteer_create(
            actor=self.pg_other_manager,
            unit=self.other_unit,
            given_name="Camille",
            joined_on=today - datetime.timedelta(days=300),
            background_check="cleared",
            background_checked_on=today - datetime.timedelta(days=400),
            background_check_expires_on=today - datetime.timedelta(days=1),
        )
        self.run_command()
        sent = {tuple(m.to): m for m in mail.outbox}
        self.assertEqual(set(sent), {(self.manager.email,), (self.pg_other_manager.email,)})
        body = sent[(self.pg_other_manager.email,)].body
        self.assertIn(str(other), body)
        self.assertNotIn("Klea", body)
        self.assertNotIn("Camille", sent[(self.manager.email,)].body)
        with translation.override("fr"):
            self.assertIn(date_format(today - datetime.timedelta(days=1), "SHORT_DATE_FORMAT"), body)

    def test_it_sends_once_a_day(self) -> None:
        first = self.run_command()
        self.assertEqual(len(mail.outbox), 1)
        second = self.run_command()
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("al: 1 reminder e-mails sent", first)
        self.assertIn("al: reminders already sent today", second)
        self.assertEqual(
            AuditEvent.objects.filter(organisation=self.org, action="programme.reminders.sent").count(), 1
        )

    def test_nothing_is_sent_when_nothing_expires(self) -> None:
        services.volunteer_update(
            actor=self.manager,
            volunteer=self.pg_volunteer,
            expected_version=None,
            changes={"background_check_expires_on": timezone.localdate() + datetime.timedelta(days=300)},
        )
        self.run_command()
        self.assertEqual(mail.outbox, [])
        self.assertFalse(AuditEvent.objects.filter(action="programme.reminders.sent").exists())

    def test_inactive_volunteers_are_left_out(self) -> None:
        services.volunteer_update(
            actor=self.manager,
            volunteer=self.pg_volunteer,
            expected_version=None,
            changes={"is_active": False},
        )
        self.run_command()
        self.assertEqual(mail.outbox, [])

    def test_an_unknown_organisation_is_an_error(self) -> None:
        from django.core.management.base import CommandError

        with self.assertRaises(CommandError):
            call_command("programme_reminders", "--organisation", "nowhere", stdout=io.StringIO())
