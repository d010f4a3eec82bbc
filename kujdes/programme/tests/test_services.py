"""The programme's rules, through its services and selectors: scope, attendance from two devices,
headcount validation, outcome scheduling and expiry reminders."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.programme import selectors, services
from kujdes.programme.models import Attendance, Outcome
from kujdes.programme.tests.fixtures import programme_fixtures


class ProgrammeTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            programme_fixtures(cls)

    def setUp(self) -> None:
        super().setUp()
        scope = system_scope()
        scope.__enter__()
        self.addCleanup(scope.__exit__, None, None, None)
        for user in (
            self.alice,
            self.charlie,
            self.dave,
            self.manager,
            self.educator,
            self.volunteer,
            self.admin,
        ):
            user.__dict__.pop("_programme_units", None)


class ScopeTests(ProgrammeTestCase):
    def visible(self, user) -> set[str]:  # type: ignore[no-untyped-def]
        return set(selectors.activities_for_actor(actor=user).values_list("title", flat=True))

    def test_staff_see_their_units_activities(self) -> None:
        centre = {"Kurs rrobaqepësie", "Kurs parukerie", "Fushatë në shkolla", "Kampi veror"}
        self.assertEqual(self.visible(self.manager), centre)
        self.assertEqual(self.visible(self.educator), centre)
        self.assertEqual(self.visible(self.alice), centre)

    def test_volunteer_sees_only_what_they_facilitate(self) -> None:
        self.assertEqual(self.visible(self.volunteer), {"Kurs rrobaqepësie"})

    def test_other_units_and_organisations_see_nothing(self) -> None:
        self.assertEqual(self.visible(self.charlie), set())
        self.assertEqual(self.visible(self.dave), {"Cours de couture"})
        self.assertEqual(self.visible(self.admin), set())

    def test_rights(self) -> None:
        self.assertTrue(selectors.activity_can_manage(actor=self.educator, activity=self.pg_course))
        self.assertFalse(selectors.activity_can_manage(actor=self.volunteer, activity=self.pg_course))
        self.assertTrue(selectors.activity_can_record(actor=self.volunteer, activity=self.pg_course))
        self.assertFalse(selectors.activity_can_record(actor=self.volunteer, activity=self.pg_private))
        self.assertFalse(selectors.activity_can_record(actor=self.alice, activity=self.pg_course))
        self.assertEqual(list(selectors.incidents_of(actor=self.volunteer, activity=self.pg_camp)), [])
        self.assertEqual(len(selectors.incidents_of(actor=self.educator, activity=self.pg_camp)), 1)


class AttendanceTests(ProgrammeTestCase):
    def test_two_devices_saving_the_same_register_lose_nothing(self) -> None:
        a, b = self.pg_participation.pk, self.pg_completed.pk
        # Both devices load the empty register; the first ticks A, the second ticks B; each sends its
        # whole register (the other box unticked).
        seen = {a: None, b: None}
        services.attendance_save(
            actor=self.volunteer, session=self.pg_session, marks={a: True, b: False}, seen=seen
        )
        services.attendance_save(
            actor=self.educator, session=self.pg_session, marks={a: False, b: True}, seen=seen
        )
        stored = dict(
            Attendance.objects.filter(session=self.pg_session).values_list("participation_id", "present")
        )
        self.assertEqual(stored, {a: True, b: True})

    def test_a_device_that_did_not_change_a_row_keeps_the_other_devices_mark(self) -> None:
        a, b = self.pg_participation.pk, self.pg_completed.pk
        services.attendance_save(actor=self.volunteer, session=self.pg_session, marks={a: False, b: False})
        # Both devices load: A absent, B absent. Device 1 marks A present; device 2 marks B present.
        seen = {a: False, b: False}
        first = services.attendance_save(
            actor=self.volunteer, session=self.pg_session, marks={a: True, b: False}, seen=seen
        )
        second = services.attendance_save(
            actor=self.educator, session=self.pg_session, marks={a: False, b: True}, seen=seen
        )
        stored = dict(
            Attendance.objects.filter(session=self.pg_session).values_list("participation_id", "present")
        )
        self.assertEqual(stored, {a: True, b: True})
        self.assertEqual((first.changed, second.changed, second.kept_from_others), (1, 1, 1))

    def test_saving_twice_is_idempotent(self) -> None:
        a = self.pg_participation.pk
        services.attendance_save(actor=self.volunteer, session=self.pg_session, marks={a: True})
        again = services.attendance_save(actor=self.volunteer, session=self.pg_session, marks={a: True})
        self.assertEqual(again.changed, 0)
        self.assertEqual(Attendance.objects.filter(session=self.pg_session).count(), 1)

    def test_a_volunteer_cannot_record_for_an_activity_they_do_not_facilitate(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.attendance_save(actor=self.volunteer, session=self.pg_private_session, marks={})

    def test_a_participant_of_another_activity_is_refused(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.attendance_save(
                actor=self.manager, session=self.pg_session, marks={self.pg_camper.pk: True}
            )

    def test_future_sessions_take_no_attendance(self) -> None:
        future = services.session_add(
            actor=self.manager,
            activity=self.pg_course,
            date=timezone.localdate() + datetime.timedelta(days=2),
        )
        with self.assertRaises(ValidationError):
            services.attendance_save(
                actor=self.manager, session=future, marks={self.pg_participation.pk: True}
            )


class HeadcountTests(ProgrammeTestCase):
    def record(self, **kwargs):  # type: ignore[no-untyped-def]
        values = {
            "actor": self.volunteer,
            "activity": self.pg_course,
            "date": timezone.localdate(),
            "cells": {("Feminine", 15, "general"): 12},
        }
        values.update(kwargs)
        return services.headcount_record(**values)

    def errors(self, **kwargs) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
        with self.assertRaises(ValidationError) as raised:
            self.record(**kwargs)
        return raised.exception.message_dict

    def test_a_valid_headcount_is_stored_by_cell(self) -> None:
        headcount = self.record(
            cells={("Feminine", 15, "general"): "12", ("Masculine", 18, "young_person"): 3}
        )
        self.assertEqual(sorted(headcount.cells.values_list("count", flat=True)), [3, 12])
        self.assertEqual(headcount.age_groups, [0, 6, 12, 15, 18, 25, 60])

    def test_negative_numbers_are_refused(self) -> None:
        errors = self.errors(cells={("Feminine", 15, "general"): -4})
        self.assertIn("cell-Feminine-15-general", errors)

    def test_absurd_numbers_are_refused(self) -> None:
        self.assertIn("cell-Feminine-15-general", self.errors(cells={("Feminine", 15, "general"): 900_000}))
        self.assertIn("reach_media", self.errors(reach={"reach_media": 90_000_000}, reach_method="TV"))

    def test_text_is_refused(self) -> None:
        self.assertIn("cell-Feminine-15-general", self.errors(cells={("Feminine", 15, "general"): "twelve"}))

    def test_reach_needs_its_method(self) -> None:
        self.assertIn("reach_method", self.errors(reach={"reach_families": 10}))

    def test_an_empty_count_is_refused(self) -> None:
        self.assertIn("__all__", self.errors(cells={("Feminine", 15, "general"): 0}))

    def test_an_unknown_age_group_is_refused(self) -> None:
        self.assertIn("cell-Feminine-16-general", self.errors(cells={("Feminine", 16, "general"): 4}))


class OutcomeTests(ProgrammeTestCase):
    def setUp(self) -> None:
        super().setUp()
        # A course that began in the spring, so that the completion dates below fall within it.
        type(self.pg_course).objects.filter(pk=self.pg_course.pk).update(starts_on=datetime.date(2026, 3, 1))
        self.pg_participation.activity.refresh_from_db()

    def test_completion_schedules_three_six_and_twelve_months(self) -> None:
        completed = datetime.date(2026, 8, 31)
        services.participation_complete(
            actor=self.manager, participation=self.pg_participation, completed_on=completed
        )
        due = list(
            Outcome.objects.filter(participation=self.pg_participation)
            .order_by("months")
            .values_list("months", "due_on")
        )
        self.assertEqual(
            due,
            [
                (3, datetime.date(2026, 11, 30)),
                (6, datetime.date(2027, 2, 28)),
                (12, datetime.date(2027, 8, 31)),
            ],
        )

    def test_a_recorded_outcome_is_not_moved_when_completion_changes(self) -> None:
        services.participation_complete(
            actor=self.manager, participation=self.pg_participation, completed_on=datetime.date(2026, 8, 31)
        )
        first = Outcome.objects.get(participation=self.pg_participation, months=3)
        services.outcome_record(
            actor=self.manager, outcome=first, result="employed", recorded_on=datetime.date(2026, 11, 28)
        )
        services.participation_complete(
            actor=self.manager, participation=self.pg_participation, completed_on=datetime.date(2026, 9, 30)
        )
        first.refresh_from_db()
        self.assertEqual(first.due_on, datetime.date(2026, 11, 30))
        self.assertEqual(
            Outcome.objects.get(participation=self.pg_participation, months=6).due_on,
            datetime.date(2027, 3, 30),
        )

    def test_outcomes_due_are_listed_for_managers_only(self) -> None:
        until = timezone.localdate() + datetime.timedelta(days=400)
        self.assertEqual(selectors.outcomes_due(actor=self.manager, until=until).count(), 3)
        self.assertEqual(selectors.outcomes_due(actor=self.volunteer, until=until).count(), 0)
        self.assertEqual(selectors.outcomes_due(actor=self.charlie, until=until).count(), 0)

    def test_months_after_clamps_to_the_month_end(self) -> None:
        self.assertEqual(services.months_after(datetime.date(2027, 11, 30), 3), datetime.date(2028, 2, 29))


class ExpiryTests(ProgrammeTestCase):
    def test_checks_and_trainings_expiring_within_the_reminder_period(self) -> None:
        today = timezone.localdate()
        items = selectors.expiries_for_actor(actor=self.manager, today=today)
        self.assertEqual(
            [(i.what, i.expires_on) for i in items],
            [("background_check", today + datetime.timedelta(days=20))],
        )
        later = selectors.expiries_for_actor(actor=self.manager, today=today + datetime.timedelta(days=40))
        self.assertEqual([i.what for i in later], ["background_check", "training"])
        self.assertTrue(later[0].expired)

    def test_a_renewed_training_no_longer_expires(self) -> None:
        today = timezone.localdate()
        services.training_add(
            actor=self.manager,
            volunteer=self.pg_volunteer,
            title="Mbrojtja e fëmijëve",
            completed_on=today,
            expires_on=today + datetime.timedelta(days=700),
        )
        later = selectors.expiries_for_actor(actor=self.manager, today=today + datetime.timedelta(days=40))
        self.assertEqual([i.what for i in later], ["background_check"])

    def test_other_units_get_no_reminders(self) -> None:
        self.assertEqual(selectors.expiries_for_actor(actor=self.charlie), [])
        self.assertEqual(selectors.expiries_for_actor(actor=self.volunteer), [])


class MergeTests(ProgrammeTestCase):
    def test_a_merged_duplicate_brings_its_participations_and_attendance(self) -> None:
        from kujdes.people.services import person_create
        from kujdes.programme.models import Participation

        duplicate = person_create(
            actor=self.educator, unit=self.centre_a, given_name="Elira", birth_year=2008
        )
        both = services.participant_enrol(actor=self.manager, activity=self.pg_course, person=duplicate)
        only = services.participant_enrol(actor=self.manager, activity=self.pg_private, person=duplicate)
        services.attendance_save(actor=self.manager, session=self.pg_past_session, marks={both.pk: True})

        services.participations_merge(self.pg_person, duplicate)

        self.assertFalse(Participation.objects.filter(person=duplicate).exists())
        only.refresh_from_db()
        self.assertEqual(only.person, self.pg_person)
        kept = Participation.objects.get(person=self.pg_person, activity=self.pg_course)
        self.assertEqual(
            list(Attendance.objects.filter(participation=kept).values_list("session_id", "present")),
            [(self.pg_past_session.pk, True)],
        )


class NewOrganisationTests(BaseTestCase):
    def test_a_new_organisation_starts_with_the_default_activity_types(self) -> None:
        from kujdes.programme.models import ActivityType

        with system_scope():
            codes = set(
                ActivityType.objects.filter(organisation=self.other_org).values_list("code", flat=True)
            )
        self.assertEqual(codes, {code for code, *_names in services.DEFAULT_ACTIVITY_TYPES})
