"""The pathway's writes: placements, follow-ups, the retention rule, warning signs, employers, grants."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError

from kujdes.cases.models import Case
from kujdes.core.audit import AuditEvent
from kujdes.core.scoping import tenant_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.programme.employment import selectors as sel
from kujdes.programme.employment import services as s
from kujdes.programme.employment.models import PlacementFollowUp, ScreeningStatus
from kujdes.programme.employment.tests.fixtures import employment_fixtures, other_manager
from kujdes.screening.models import Screening


class EmploymentServiceTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.other_manager = other_manager(cls)
        employment_fixtures(cls)

    def setUp(self) -> None:
        super().setUp()
        scope = tenant_scope(organisation_ids=[self.org.pk, self.other_org.pk])
        scope.__enter__()
        self.addCleanup(scope.__exit__, None, None, None)

    def _follow_up(self, months: int) -> PlacementFollowUp:
        return PlacementFollowUp.objects.select_related("placement__person", "placement__unit").get(
            placement=self.em_placement, months=months
        )

    def test_a_placement_gets_follow_ups_at_1_3_6_and_12_months(self) -> None:
        due = dict(self.em_placement.follow_ups.values_list("months", "due_on"))
        self.assertEqual(
            due,
            {
                1: datetime.date(2025, 5, 7),
                3: datetime.date(2025, 7, 7),
                6: datetime.date(2025, 10, 7),
                12: datetime.date(2026, 4, 7),
            },
        )

    def test_the_position_is_sealed_with_the_persons_key(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT position FROM programme_employment_placement WHERE id = %s", [self.em_placement.pk]
            )
            stored = cursor.fetchone()[0]
        self.assertTrue(stored.startswith("k1:"))
        self.assertNotIn("kuzhin", stored)

    def test_leaving_at_3_months_counts_as_not_held_at_6_and_12(self) -> None:
        s.follow_up_record(
            actor=self.educator,
            follow_up=self._follow_up(3),
            recorded_on=datetime.date(2025, 7, 8),
            still_employed=False,
        )
        later = dict(
            self.em_placement.follow_ups.filter(months__gt=3).values_list("months", "still_employed")
        )
        self.assertEqual(later, {6: False, 12: False})

    def test_ending_a_placement_closes_the_marks_after_the_end_only(self) -> None:
        s.follow_up_record(
            actor=self.educator,
            follow_up=self._follow_up(1),
            recorded_on=datetime.date(2025, 5, 7),
            still_employed=True,
        )
        s.placement_end(actor=self.educator, placement=self.em_placement, ended_on=datetime.date(2025, 8, 1))
        marks = dict(self.em_placement.follow_ups.values_list("months", "still_employed"))
        self.assertEqual(marks, {1: True, 3: None, 6: False, 12: False})

    def test_an_educators_warning_sign_opens_a_screening_awaiting_a_case_worker(self) -> None:
        follow_up = s.follow_up_record(
            actor=self.educator,
            follow_up=self._follow_up(3),
            recorded_on=datetime.date(2025, 7, 7),
            still_employed=True,
            conditions="poor",
            warning_signs=["wages_withheld", "excessive_hours"],
        )
        self.assertEqual(follow_up.screening_status, ScreeningStatus.AWAITING)
        self.assertIsNone(follow_up.case)  # no serious sign: no case by rule
        self.assertEqual([f.pk for f in sel.screenings_awaiting(actor=self.alice)], [follow_up.pk])
        self.assertEqual(sel.screenings_awaiting(actor=self.charlie), [])
        screening = s.follow_up_screening_record(
            actor=self.alice, follow_up=sel.follow_up_get(actor=self.alice, public_id=follow_up.public_id)
        )
        self.assertEqual(screening.person, self.em_placement.person)
        self.assertEqual(sorted(screening.answers), ["cd_withholding_wages", "ex_excessive_hours"])
        self.assertEqual(screening.performed_by, self.alice)
        self.assertEqual(screening.version.instrument.code, "ilo-adult-labour")
        follow_up.refresh_from_db()
        self.assertEqual(follow_up.screening_status, ScreeningStatus.RECORDED)

    def test_an_educator_cannot_record_the_screening_itself(self) -> None:
        follow_up = s.follow_up_record(
            actor=self.educator,
            follow_up=self._follow_up(1),
            recorded_on=datetime.date(2025, 5, 7),
            still_employed=True,
            warning_signs=["no_contract"],
        )
        with self.assertRaises(PermissionDenied):
            s.follow_up_screening_record(actor=self.educator, follow_up=follow_up)

    def test_a_case_workers_warning_sign_records_the_screening_at_once(self) -> None:
        follow_up = s.follow_up_record(
            actor=self.alice,
            follow_up=self._follow_up(1),
            recorded_on=datetime.date(2025, 5, 7),
            still_employed=True,
            warning_signs=["deceived"],
        )
        self.assertEqual(follow_up.screening_status, ScreeningStatus.RECORDED)
        self.assertEqual(Screening.objects.get(pk=follow_up.screening_id).answers, ["dr_conditions_work"])

    def test_a_serious_sign_opens_a_case_by_the_rule(self) -> None:
        person = self.em_placement.person
        self.assertFalse(Case.objects.filter(person=person).exists())
        follow_up = s.follow_up_record(
            actor=self.educator,
            follow_up=self._follow_up(1),
            recorded_on=datetime.date(2025, 5, 7),
            still_employed=True,
            warning_signs=["documents_retained"],
        )
        case = Case.objects.get(person=person)
        self.assertEqual(follow_up.case, case)
        self.assertIsNone(case.created_by)  # the rule, not the educator, opened it
        self.assertTrue(
            AuditEvent.objects.filter(action="employment.follow_up.case_opened", actor=self.educator).exists()
        )

    def test_warning_signs_are_sealed_and_only_a_flag_stays_plain(self) -> None:
        from django.db import connection

        follow_up = s.follow_up_record(
            actor=self.educator,
            follow_up=self._follow_up(1),
            recorded_on=datetime.date(2025, 5, 7),
            still_employed=True,
            warning_signs=["hazardous"],
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT warning_signs, has_warning_signs FROM programme_employment_placementfollowup"
                " WHERE id = %s",
                [follow_up.pk],
            )
            signs, flag = cursor.fetchone()
        self.assertNotIn("hazardous", signs)
        self.assertTrue(flag)

    def test_a_follow_up_is_recorded_once(self) -> None:
        s.follow_up_record(
            actor=self.educator,
            follow_up=self._follow_up(1),
            recorded_on=datetime.date(2025, 5, 7),
            still_employed=True,
        )
        with self.assertRaises(ValidationError):
            s.follow_up_record(
                actor=self.educator,
                follow_up=self._follow_up(1),
                recorded_on=datetime.date(2025, 5, 8),
                still_employed=True,
            )

    def test_nobody_is_placed_where_the_workplace_check_found_concerns(self) -> None:
        self.assertEqual(self.em_bad_employer.safeguarding, "concerns")
        with self.assertRaises(ValidationError) as raised:
            s.placement_create(
                actor=self.educator,
                person=self.em_graduates[1].person,
                unit=self.centre_a,
                kind="job",
                employer=self.em_bad_employer,
                starts_on=datetime.date(2025, 4, 1),
                contract="informal",
            )
        self.assertIn("employer", raised.exception.message_dict)

    def test_a_placement_needs_an_employer_unless_self_employed(self) -> None:
        person = self.em_graduates[1].person
        with self.assertRaises(ValidationError):
            s.placement_create(
                actor=self.educator, person=person, unit=self.centre_a, kind="job",
                starts_on=datetime.date(2025, 4, 1), contract="informal",
            )  # fmt: skip
        placement = s.placement_create(
            actor=self.educator, person=person, unit=self.centre_a, kind="self_employment",
            starts_on=datetime.date(2025, 4, 1), contract="formal",
        )  # fmt: skip
        self.assertIsNone(placement.employer)

    def test_charlie_cannot_place_someone_in_diocese_a(self) -> None:
        with self.assertRaises(PermissionDenied):
            s.placement_create(
                actor=self.charlie, person=self.em_graduates[1].person, unit=self.centre_a, kind="job",
                employer=self.em_employer, starts_on=datetime.date(2025, 4, 1), contract="formal",
            )  # fmt: skip

    def test_another_organisations_employer_is_refused(self) -> None:
        with self.assertRaises(ValidationError):
            s.placement_create(
                actor=self.educator, person=self.em_graduates[1].person, unit=self.centre_a, kind="job",
                employer=self.em_other_employer, starts_on=datetime.date(2025, 4, 1), contract="formal",
            )  # fmt: skip

    def test_the_safeguarding_status_follows_the_check(self) -> None:
        employer = s.employer_update(
            actor=self.manager,
            employer=self.em_bad_employer,
            expected_version=self.em_bad_employer.version,
            pays_minimum_wage=True,
            red_flags=[],
        )
        self.assertEqual(employer.safeguarding, "cleared")
        unchecked = s.employer_create(actor=self.manager, unit=self.centre_a, name="Dyqani", sector="G")
        self.assertEqual(unchecked.safeguarding, "not_checked")

    def test_an_unknown_sector_is_refused_with_a_message(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            s.employer_create(actor=self.manager, unit=self.centre_a, name="X", sector="Z")
        self.assertIn("sector", raised.exception.message_dict)

    def test_a_grant_is_reviewed_a_year_after_it_was_paid(self) -> None:
        grant = s.grant_create(
            actor=self.educator,
            person=self.em_graduates[2].person,
            unit=self.centre_a,
            business="Furrë buke",
            business_plan="Plan",
            amount=Decimal("150000"),
            applied_on=datetime.date(2025, 2, 1),
        )
        grant = s.grant_status_set(
            actor=self.educator, grant=grant, status="disbursed", disbursed_on=datetime.date(2025, 3, 15)
        )
        self.assertEqual(grant.review_due_on, datetime.date(2026, 3, 15))
        grant = s.grant_review(
            actor=self.educator, grant=grant, reviewed_on=datetime.date(2026, 3, 20), active=False
        )
        self.assertEqual((grant.active_after_12_months, grant.status), (False, "closed"))

    def test_the_recorder_is_reminded_of_follow_ups_due_once_a_day_without_names(self) -> None:
        from django.core import mail

        from kujdes.programme.employment.reminders import follow_up_reminders_send

        day = datetime.date(2025, 5, 2)  # the 1-month follow-up is due on 7 May
        self.assertEqual(follow_up_reminders_send(today=day), 1)
        self.assertEqual(mail.outbox[-1].to, [self.educator.email])
        self.assertIn(str(self._follow_up(1).public_id), mail.outbox[-1].body)
        self.assertNotIn(self.em_placement.person.given_name, mail.outbox[-1].body)
        self.assertIsNone(follow_up_reminders_send(today=day))
