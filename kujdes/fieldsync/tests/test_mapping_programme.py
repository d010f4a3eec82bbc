"""Filled programme forms sent as ODK Collect sends them, mapped into Kujdes records (issue 15, item 4)."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal

from django.core.cache import cache

from kujdes.core.scoping import system_scope
from kujdes.fieldsync.mapping import submission_map
from kujdes.fieldsync.models import MappedRecord, ReviewItem, ReviewReason, Submission, SubmissionState
from kujdes.fieldsync.tests.helpers import Collect
from kujdes.fieldsync.tests.programme_setup import ProgrammeFormsTestCase
from kujdes.programme.models import Attendance, Headcount, Participation, VolunteerHours


class MappingTestCase(ProgrammeFormsTestCase):
    def sent(self, instance_id: str) -> Submission:
        with system_scope():
            return Submission.objects.get(instance_id=instance_id)

    def post(self, form_id: str, fields: dict[str, str], *, collect: Collect | None = None, **kwargs):  # type: ignore[no-untyped-def]
        instance_id = kwargs.pop("instance_id", None) or f"uuid:{uuid.uuid4()}"
        response, xml = self.submit(
            collect or self.collect, form_id, fields, instance_id=instance_id, **kwargs
        )
        self.assertEqual(response.status_code, 201, response.content[:300])
        return instance_id, xml

    def reviews(self, **filters) -> list[ReviewItem]:  # type: ignore[no-untyped-def]
        with system_scope():
            return list(ReviewItem.objects.filter(**filters))

    def marks(self, session) -> dict[int, bool]:  # type: ignore[no-untyped-def]
        with system_scope():
            return dict(Attendance.objects.filter(session=session).values_list("participation_id", "present"))


class ParticipantRegisterTests(MappingTestCase):
    def test_an_existing_person_is_enrolled_once_whatever_the_resends(self) -> None:
        fields = {
            "activity": str(self.campaign.public_id),
            "person_mode": "existing",
            "person": str(self.person_1.public_id),
        }
        instance_id, xml = self.post(
            "kujdes_participant_register",
            {
                **fields,
                "activity": str(self.camp.public_id),
                "parental_consent": "yes",
                "parental_consent_by": "Nëna",
            },
        )
        self.assertEqual(self.sent(instance_id).state, SubmissionState.MAPPED)
        with system_scope():
            participation = Participation.objects.get(activity=self.camp, person=self.person_1)
            self.assertTrue(participation.parental_consent)
            self.assertEqual(participation.parental_consent_by, "Nëna")
        # The phone sends it again: one participation still.
        self.assertEqual(self.collect.submit(xml).status_code, 201)
        with system_scope():
            submission_map(submission=Submission.objects.get(instance_id=instance_id))
            self.assertEqual(
                Participation.objects.filter(activity=self.camp, person=self.person_1).count(), 1
            )

    def test_a_new_person_is_registered_and_enrolled(self) -> None:
        instance_id, _xml = self.post(
            "kujdes_participant_register",
            {
                "activity": str(self.course.public_id),
                "person_mode": "new",
                "given_name": "Arta",
                "family_name": "Zefi",
                "sex": "Feminine",
                "birth_year": "1999",
                "municipality": "Shkodër",
            },
        )
        submission = self.sent(instance_id)
        self.assertEqual(submission.state, SubmissionState.MAPPED)
        with system_scope():
            participation = Participation.objects.get(
                pk=MappedRecord.objects.get(origin=submission, key="participation").object_pk
            )
            self.assertEqual(participation.activity_id, self.course.pk)
            self.assertEqual(participation.person.birth_year, 1999)

    def test_a_child_at_camp_without_a_parents_consent_goes_to_review(self) -> None:
        instance_id, _xml = self.post(
            "kujdes_participant_register",
            {
                "activity": str(self.camp.public_id),
                "person_mode": "new",
                "given_name": "Ema",
                "sex": "Feminine",
                "birth_year": "2016",
            },
        )
        self.assertEqual(self.sent(instance_id).state, SubmissionState.REVIEW)
        (item,) = self.reviews(submission__instance_id=instance_id)
        self.assertEqual(item.reason, ReviewReason.INVALID)
        self.assertIn("parental_consent", item.detail["fields"])
        with system_scope():
            # The new person was not registered either: the mapping is all or nothing.
            self.assertEqual(Participation.objects.filter(activity=self.camp).count(), 0)
            self.assertFalse(MappedRecord.objects.filter(origin__instance_id=instance_id).exists())

    def test_an_unknown_activity_goes_to_review(self) -> None:
        instance_id, _xml = self.post(
            "kujdes_participant_register",
            {
                "activity": str(self.course_b.public_id),
                "person_mode": "existing",
                "person": str(self.person_1.public_id),
            },
        )
        (item,) = self.reviews(submission__instance_id=instance_id)
        self.assertEqual(item.reason, ReviewReason.UNKNOWN_ACTIVITY)


class AttendanceTests(MappingTestCase):
    def fields(self, *present: Participation, session=None) -> dict[str, str]:  # type: ignore[no-untyped-def]
        return {
            "activity": str(self.course.public_id),
            "session": str((session or self.session).public_id),
            "present": " ".join(str(p.public_id) for p in present),
        }

    def test_ticked_participants_are_present_and_the_others_absent(self) -> None:
        instance_id, xml = self.post("kujdes_attendance", self.fields(self.part_1))
        self.assertEqual(self.sent(instance_id).state, SubmissionState.MAPPED)
        self.assertEqual(self.marks(self.session), {self.part_1.pk: True, self.part_2.pk: False})
        # A resend changes nothing and makes no second row.
        self.assertEqual(self.collect.submit(xml).status_code, 201)
        with system_scope():
            submission_map(submission=Submission.objects.get(instance_id=instance_id))
            self.assertEqual(Attendance.objects.filter(session=self.session).count(), 2)
            self.assertEqual(MappedRecord.objects.filter(origin__instance_id=instance_id).count(), 1)

    def test_an_edit_updates_the_same_rows(self) -> None:
        instance_id, _xml = self.post("kujdes_attendance", self.fields(self.part_1))
        edit_id, _xml = self.post(
            "kujdes_attendance", self.fields(self.part_1, self.part_2), deprecated_id=instance_id
        )
        self.assertEqual(self.marks(self.session), {self.part_1.pk: True, self.part_2.pk: True})
        self.assertEqual(self.sent(edit_id).state, SubmissionState.MAPPED)
        self.assertEqual(self.sent(instance_id).state, SubmissionState.SUPERSEDED)
        with system_scope():
            self.assertEqual(Attendance.objects.filter(session=self.session).count(), 2)
            self.assertEqual(MappedRecord.objects.filter(key__startswith="attendance").count(), 1)

    def test_a_later_web_mark_stands_when_the_phone_edits_something_else(self) -> None:
        from kujdes.programme.services import attendance_save

        instance_id, _xml = self.post("kujdes_attendance", self.fields(self.part_1))
        with system_scope():
            # On the web, the manager corrects: participant 1 was absent after all.
            attendance_save(actor=self.manager, session=self.session, marks={self.part_1.pk: False})
        # The phone's edit ticks participant 2 and leaves participant 1 ticked as it was.
        self.post("kujdes_attendance", self.fields(self.part_1, self.part_2), deprecated_id=instance_id)
        self.assertEqual(self.marks(self.session), {self.part_1.pk: False, self.part_2.pk: True})
        # A replay of the original (now replaced) does not undo anything.
        with system_scope():
            submission_map(submission=Submission.objects.get(instance_id=instance_id))
        self.assertEqual(self.marks(self.session), {self.part_1.pk: False, self.part_2.pk: True})

    def test_an_unticked_box_never_undoes_a_mark_already_recorded(self) -> None:
        from kujdes.programme.services import attendance_save

        with system_scope():
            attendance_save(actor=self.manager, session=self.session, marks={self.part_2.pk: True})
        self.post("kujdes_attendance", self.fields(self.part_1))
        self.assertEqual(self.marks(self.session), {self.part_1.pk: True, self.part_2.pk: True})

    def test_an_unknown_participant_goes_to_review_and_the_others_are_recorded(self) -> None:
        stranger = str(uuid.uuid4())
        fields = self.fields(self.part_1)
        fields["present"] += f" {stranger} {self.part_b.public_id}"
        instance_id, _xml = self.post("kujdes_attendance", fields)
        self.assertEqual(self.sent(instance_id).state, SubmissionState.REVIEW)
        items = self.reviews(submission__instance_id=instance_id)
        self.assertEqual({i.reason for i in items}, {ReviewReason.UNKNOWN_PARTICIPANT})
        self.assertEqual({i.part for i in items}, {stranger, str(self.part_b.public_id)})
        self.assertEqual(self.marks(self.session), {self.part_1.pk: True, self.part_2.pk: False})

    def test_an_unknown_session_goes_to_review(self) -> None:
        fields = self.fields(self.part_1)
        fields["session"] = str(uuid.uuid4())
        instance_id, _xml = self.post("kujdes_attendance", fields)
        (item,) = self.reviews(submission__instance_id=instance_id)
        self.assertEqual(item.reason, ReviewReason.SESSION_MISSING)
        self.assertEqual(self.marks(self.session), {})

    def test_another_units_session_is_missing_for_this_phone(self) -> None:
        from kujdes.programme.services import session_add

        with system_scope():
            session_b = session_add(actor=self.manager_b, activity=self.course_b, date=self.today)
        fields = {
            "activity": str(self.course_b.public_id),
            "session": str(session_b.public_id),
            "present": str(self.part_b.public_id),
        }
        instance_id, _xml = self.post("kujdes_attendance", fields)
        (item,) = self.reviews(submission__instance_id=instance_id)
        self.assertEqual(item.reason, ReviewReason.SESSION_MISSING)
        self.assertEqual(self.marks(session_b), {})


class HeadcountTests(MappingTestCase):
    def fields(self, **cells: str) -> dict[str, str]:
        return {
            "activity": str(self.campaign.public_id),
            "date": self.today.isoformat(),
            "category": "young_person",
            **cells,
        }

    def cells(self, headcount: Headcount) -> dict[tuple[str, int, str], int]:
        with system_scope():
            return {(c.sex, c.age_from, c.category): c.count for c in headcount.cells.all()}

    def test_the_grid_becomes_the_headcounts_cells(self) -> None:
        instance_id, xml = self.post("kujdes_headcount", self.fields(n_f_12="14", n_m_12="9", n_u_60="0"))
        self.assertEqual(self.sent(instance_id).state, SubmissionState.MAPPED)
        with system_scope():
            headcount = Headcount.objects.get(activity=self.campaign)
        self.assertEqual(
            self.cells(headcount),
            {("Feminine", 12, "young_person"): 14, ("Masculine", 12, "young_person"): 9},
        )
        self.assertEqual(self.collect.submit(xml).status_code, 201)
        with system_scope():
            submission_map(submission=Submission.objects.get(instance_id=instance_id))
            self.assertEqual(Headcount.objects.filter(activity=self.campaign).count(), 1)

    def test_an_edit_updates_the_same_headcount(self) -> None:
        instance_id, _xml = self.post("kujdes_headcount", self.fields(n_f_12="14"))
        self.post("kujdes_headcount", self.fields(n_f_12="15", n_m_18="3"), deprecated_id=instance_id)
        with system_scope():
            (headcount,) = Headcount.objects.filter(activity=self.campaign)
        self.assertEqual(
            self.cells(headcount),
            {("Feminine", 12, "young_person"): 15, ("Masculine", 18, "young_person"): 3},
        )
        self.assertEqual(headcount.version, 2)

    def test_an_edit_of_a_headcount_deleted_on_the_web_goes_to_review(self) -> None:
        from kujdes.programme.services import headcount_delete

        instance_id, _xml = self.post("kujdes_headcount", self.fields(n_f_12="14"))
        with system_scope():
            headcount_delete(actor=self.manager, headcount=Headcount.objects.get(activity=self.campaign))
        edit_id, _xml = self.post("kujdes_headcount", self.fields(n_f_12="15"), deprecated_id=instance_id)
        (item,) = self.reviews(submission__instance_id=edit_id)
        self.assertEqual(item.reason, ReviewReason.CONFLICT)
        with system_scope():
            self.assertFalse(Headcount.objects.filter(activity=self.campaign).exists())

    def test_a_reviewer_who_accepts_the_phones_edit_over_the_webs_gets_it_applied(self) -> None:
        import datetime

        from kujdes.fieldsync.review import review_decide
        from kujdes.programme.services import headcount_update

        instance_id, _xml = self.post("kujdes_headcount", self.fields(n_f_12="14"))
        with system_scope():
            headcount = Headcount.objects.get(activity=self.campaign)
            headcount_update(
                actor=self.manager,
                headcount=headcount,
                date=headcount.date,
                cells={("Feminine", 12, "young_person"): 20},
            )
        edit_id, _xml = self.post("kujdes_headcount", self.fields(n_f_12="15"), deprecated_id=instance_id)
        (item,) = self.reviews(submission__instance_id=edit_id)
        self.assertEqual(item.reason, ReviewReason.CONFLICT)
        with system_scope():
            # The web's correction stands until a reviewer decides.
            self.assertEqual(
                self.cells(Headcount.objects.get(activity=self.campaign)),
                {("Feminine", 12, "young_person"): 20},
            )
            review_decide(actor=self.manager, item=item, decision="accept")
            (headcount,) = Headcount.objects.filter(activity=self.campaign)
            self.assertEqual(self.cells(headcount), {("Feminine", 12, "young_person"): 15})
        self.assertEqual(self.sent(edit_id).state, SubmissionState.MAPPED)
        self.assertIsInstance(headcount.date, datetime.date)

    def test_an_accepted_edit_of_a_deleted_headcount_records_it_anew(self) -> None:
        from kujdes.fieldsync.review import review_decide
        from kujdes.programme.services import headcount_delete

        instance_id, _xml = self.post("kujdes_headcount", self.fields(n_f_12="14"))
        with system_scope():
            headcount_delete(actor=self.manager, headcount=Headcount.objects.get(activity=self.campaign))
        edit_id, _xml = self.post("kujdes_headcount", self.fields(n_f_12="15"), deprecated_id=instance_id)
        (item,) = self.reviews(submission__instance_id=edit_id)
        with system_scope():
            review_decide(actor=self.manager, item=item, decision="accept")
            (headcount,) = Headcount.objects.filter(activity=self.campaign)
            self.assertEqual(self.cells(headcount), {("Feminine", 12, "young_person"): 15})

    def test_an_empty_count_is_refused_with_the_services_message(self) -> None:
        instance_id, _xml = self.post("kujdes_headcount", self.fields())
        (item,) = self.reviews(submission__instance_id=instance_id)
        self.assertEqual(item.reason, ReviewReason.INVALID)
        self.assertTrue(item.detail["messages"])


class VolunteerHoursTests(MappingTestCase):
    def test_a_volunteer_logs_their_own_hours_and_an_edit_corrects_them(self) -> None:
        mine = Collect(self.client, self.volunteer_token)
        fields = {
            "volunteer": str(self.volunteer_record.public_id),
            "date": self.today.isoformat(),
            "hours": "2.5",
            "activity": str(self.course.public_id),
            "notes": "",
        }
        instance_id, xml = self.post("kujdes_volunteer_hours", fields, collect=mine)
        self.assertEqual(self.sent(instance_id).state, SubmissionState.MAPPED)
        self.assertEqual(mine.submit(xml).status_code, 201)
        self.post("kujdes_volunteer_hours", {**fields, "hours": "3"}, collect=mine, deprecated_id=instance_id)
        with system_scope():
            (entry,) = VolunteerHours.objects.filter(volunteer=self.volunteer_record)
        self.assertEqual(entry.hours, Decimal("3.0"))

    def test_someone_elses_volunteer_record_is_not_allowed(self) -> None:
        mine = Collect(self.client, self.volunteer_token)
        fields = {
            "volunteer": str(self.other_volunteer.public_id),
            "date": self.today.isoformat(),
            "hours": "2",
        }
        instance_id, _xml = self.post("kujdes_volunteer_hours", fields, collect=mine)
        (item,) = self.reviews(submission__instance_id=instance_id)
        self.assertEqual(item.reason, ReviewReason.NOT_ALLOWED)
        with system_scope():
            self.assertFalse(VolunteerHours.objects.exists())

    def test_too_many_hours_are_refused_with_the_services_message(self) -> None:
        fields = {
            "volunteer": str(self.other_volunteer.public_id),
            "date": self.today.isoformat(),
            "hours": "20",
        }
        instance_id, _xml = self.post("kujdes_volunteer_hours", fields)
        (item,) = self.reviews(submission__instance_id=instance_id)
        self.assertEqual(item.reason, ReviewReason.INVALID)
        self.assertEqual(item.detail["fields"], ["hours"])


class ReplayTests(MappingTestCase):
    def test_two_hundred_submissions_replayed_ten_times_in_random_order_map_to_two_hundred_records(
        self,
    ) -> None:
        from kujdes.programme.services import session_add

        rng = random.Random(15)
        with system_scope():
            sessions = [self.session] + [
                session_add(actor=self.manager, activity=self.course, date=self.today) for _ in range(9)
            ]
        sent: list[tuple[str, bytes]] = []
        for i in range(100):
            ticked = [p for p in (self.part_1, self.part_2) if rng.random() < 0.5]
            sent.append(
                self.post(
                    "kujdes_attendance",
                    {
                        "activity": str(self.course.public_id),
                        "session": str(sessions[i % 10].public_id),
                        "present": " ".join(str(p.public_id) for p in ticked),
                    },
                )
            )
            sent.append(
                self.post(
                    "kujdes_headcount",
                    {
                        "activity": str(self.campaign.public_id),
                        "date": self.today.isoformat(),
                        "category": "general",
                        "n_f_0": str(i + 1),
                    },
                )
            )

        def counts() -> tuple[int, int, int]:
            with system_scope():
                return (
                    MappedRecord.objects.count(),
                    Headcount.objects.count(),
                    Attendance.objects.filter(session__in=sessions).count(),
                )

        first = counts()
        self.assertEqual(first, (200, 100, 20))
        with system_scope():
            submissions = list(Submission.objects.filter(instance_id__in=[i for i, _x in sent]))
        for round_number in range(10):
            order = list(range(200))
            rng.shuffle(order)
            if round_number == 0:
                # One round as the phones resend: the same bytes, 201, nothing new. (The rate limit of
                # 300 requests a minute is not what this test is about.)
                cache.clear()
                for index in order:
                    self.assertEqual(self.collect.submit(sent[index][1]).status_code, 201)
            else:
                with system_scope():
                    for index in order:
                        submission_map(submission=submissions[index])
        self.assertEqual(counts(), first)
        with system_scope():
            self.assertEqual(
                Submission.objects.filter(
                    state=SubmissionState.MAPPED,
                    form__xml_form_id__in=["kujdes_attendance", "kujdes_headcount"],
                ).count(),
                200,
            )


class RejectedTests(MappingTestCase):
    def test_a_rejected_submission_is_never_mapped_or_reopened_by_a_later_run(self) -> None:
        from kujdes.fieldsync.models import ReviewState

        fields = {"activity": str(self.course.public_id), "session": str(uuid.uuid4()), "present": ""}
        instance_id, _xml = self.post("kujdes_attendance", fields)
        (item,) = self.reviews(submission__instance_id=instance_id)
        with system_scope():
            ReviewItem.objects.filter(pk=item.pk).update(state=ReviewState.REJECTED)
            submission_map(submission=Submission.objects.get(instance_id=instance_id))
            self.assertEqual(ReviewItem.objects.get(pk=item.pk).state, ReviewState.REJECTED)
            self.assertFalse(MappedRecord.objects.filter(origin__instance_id=instance_id).exists())
