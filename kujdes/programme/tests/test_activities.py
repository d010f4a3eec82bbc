"""The activity pages: lists and the calendar, creating and editing, sessions, facilitators, materials,
enrolment, completion and outcomes, and who may see or change what."""

from __future__ import annotations

import datetime
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.programme.models import (
    Activity,
    ActivityFile,
    Facilitator,
    Outcome,
    Participation,
    ParticipationStatus,
    Session,
)
from kujdes.programme.tests.fixtures import programme_fixtures

TODAY = timezone.localdate()


class ActivityPagesTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            programme_fixtures(cls)

    def get(self, user, name: str, **kwargs):  # type: ignore[no-untyped-def]
        self.login(user)
        return self.client.get(reverse(name, kwargs=kwargs or None))

    def post(self, user, name: str, data: dict, **kwargs):  # type: ignore[no-untyped-def]
        self.login(user)
        return self.client.post(reverse(name, kwargs=kwargs or None), data)

    def course(self) -> dict:
        return {"public_id": self.pg_course.public_id}

    def activity_data(self, **changes: object) -> dict:
        data = {
            "activity_type": str(self.pg_type.public_id),
            "title": "Kurs kuzhine",
            "unit": str(self.centre_a.public_id),
            "municipality": "Shkodër",
            "place": "Qendra A1",
            "starts_on": (TODAY + datetime.timedelta(days=7)).isoformat(),
            "ends_on": (TODAY + datetime.timedelta(days=90)).isoformat(),
            "target_groups": ["youth", "women_girls"],
            "status": "planned",
            "description": "Gatim për fillestarë",
        }
        data.update(changes)
        return data

    def events(self, action: str) -> list[AuditEvent]:
        with system_scope():
            return list(AuditEvent.objects.filter(action=action))


class ListTests(ActivityPagesTestCase):
    def test_the_list_shows_the_units_activities_with_participant_counts(self) -> None:
        response = self.get(self.manager, "activity_list")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Kurs rrobaqepësie")
        self.assertContains(response, "Kampi veror")
        self.assertNotContains(response, "Cours de couture")
        course = next(a for a in response.context["page"] if a.pk == self.pg_course.pk)
        self.assertEqual(course.participants, 2)
        self.assertTrue(response.context["can_create"])

    def test_the_list_filters_by_title_type_status_and_period(self) -> None:
        self.login(self.manager)
        url = reverse("activity_list")
        titles = lambda r: {a.title for a in r.context["page"]}  # noqa: E731
        self.assertEqual(titles(self.client.get(url, {"q": "parukerie"})), {"Kurs parukerie"})
        self.assertEqual(
            titles(self.client.get(url, {"type": str(self.pg_type.public_id)})),
            {"Kurs rrobaqepësie", "Kurs parukerie"},
        )
        self.assertEqual(titles(self.client.get(url, {"status": "running"})), {"Kurs rrobaqepësie"})
        later = (TODAY + datetime.timedelta(days=70)).isoformat()
        self.assertEqual(titles(self.client.get(url, {"date_from": later})), {"Kurs parukerie"})

    def test_a_malformed_filter_answers_400_not_500(self) -> None:
        self.login(self.manager)
        response = self.client.get(reverse("activity_list"), {"date_from": "32/13/2026", "unit": "x"})
        self.assertEqual(response.status_code, 400)

    def test_the_list_does_not_query_per_activity(self) -> None:
        from kujdes.programme import services

        self.login(self.manager)
        self.client.get(reverse("activity_list"))  # warm the session and caches
        before = self._list_queries()
        with system_scope():
            for i in range(3):
                services.activity_create(
                    actor=self.manager,
                    unit=self.centre_a,
                    activity_type=self.pg_type,
                    title=f"Kurs {i}",
                    starts_on=TODAY,
                    ends_on=TODAY,
                )
        self.assertEqual(self._list_queries(), before)

    def _list_queries(self) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            self.client.get(reverse("activity_list"))
        return len(captured)

    def test_a_volunteer_sees_only_what_they_facilitate_and_no_new_link(self) -> None:
        response = self.get(self.volunteer, "activity_list")
        self.assertEqual({a.title for a in response.context["page"]}, {"Kurs rrobaqepësie"})
        self.assertFalse(response.context["can_create"])
        self.assertNotContains(response, reverse("activity_create"))

    def test_charlie_and_dave_see_nothing_of_centre_a1(self) -> None:
        for user in (self.charlie, self.dave):
            response = self.get(user, "activity_list")
            self.assertNotContains(response, "Kurs rrobaqepësie")

    def test_the_administrator_is_refused(self) -> None:
        self.assertEqual(self.get(self.admin, "activity_list").status_code, 403)


class CalendarTests(ActivityPagesTestCase):
    def test_the_month_lists_todays_session_by_day(self) -> None:
        response = self.get(self.volunteer, "activity_calendar")
        self.assertEqual(response.status_code, 200)
        days = dict(response.context["agenda"])
        self.assertIn(self.pg_session, days[TODAY]["sessions"])
        # The volunteer's calendar holds only the course they facilitate.
        titles = {s.activity.title for items in days.values() for s in items["sessions"]}
        self.assertEqual(titles, {"Kurs rrobaqepësie"})

    def test_another_month_and_its_neighbours(self) -> None:
        self.login(self.manager)
        response = self.client.get(reverse("activity_calendar"), {"month": "2025-01"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["previous_url"], "?month=2024-12")
        self.assertEqual(response.context["next_url"], "?month=2025-02")

    def test_a_malformed_month_or_unit_answers_400(self) -> None:
        self.login(self.manager)
        malformed = (
            {"month": "2025-13"},
            {"month": "january"},
            {"month": "9999-12"},
            {"month": "0001-01"},
            {"unit": "not-a-uuid"},
        )
        for query in malformed:
            with self.subTest(query=query):
                self.assertEqual(self.client.get(reverse("activity_calendar"), query).status_code, 400)

    def test_the_calendar_filters_by_unit(self) -> None:
        self.login(self.manager)
        response = self.client.get(reverse("activity_calendar"), {"unit": str(self.diocese_b.public_id)})
        self.assertEqual(response.status_code, 400)  # not one of the manager's units
        response = self.client.get(reverse("activity_calendar"), {"unit": str(self.centre_a.public_id)})
        self.assertEqual(response.status_code, 200)


class CreateEditTests(ActivityPagesTestCase):
    def test_a_manager_creates_an_activity(self) -> None:
        response = self.post(self.manager, "activity_create", self.activity_data())
        self.assertEqual(response.status_code, 302)
        with system_scope():
            activity = Activity.objects.get(title="Kurs kuzhine")
        self.assertEqual(activity.unit_id, self.centre_a.pk)
        self.assertEqual(activity.target_groups, ["youth", "women_girls"])
        self.assertEqual(activity.municipality, "Shkodër")
        created = {e.object_id for e in self.events("programme.activity.created")}
        self.assertIn(str(activity.public_id), created)

    def test_the_form_offers_the_types_in_the_users_language(self) -> None:
        response = self.get(self.manager, "activity_create")
        with translation.override("sq"):
            self.assertContains(response, "Kurs profesional")

    def test_bad_dates_answer_400_with_the_input_kept(self) -> None:
        data = self.activity_data(ends_on=(TODAY - datetime.timedelta(days=1)).isoformat())
        response = self.post(self.manager, "activity_create", data)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'value="Kurs kuzhine"', status_code=400)
        self.assertContains(response, "Gatim për fillestarë", status_code=400)
        malformed = self.post(self.manager, "activity_create", self.activity_data(starts_on="nesër"))
        self.assertEqual(malformed.status_code, 400)
        edge = self.post(
            self.manager, "activity_create", self.activity_data(starts_on="9999-12-30", ends_on="9999-12-31")
        )
        self.assertEqual(edge.status_code, 400)
        empty = self.post(self.manager, "activity_create", {})
        self.assertEqual(empty.status_code, 400)

    def test_edit_saves_and_a_stale_version_answers_409_keeping_input(self) -> None:
        url = reverse("activity_edit", kwargs=self.course())
        self.login(self.manager)
        form = self.client.get(url)
        self.assertEqual(form.status_code, 200)
        version = self.pg_course.version
        data = self.activity_data(title="Kurs rrobaqepësie (i ri)", version=str(version))
        data["starts_on"] = self.pg_course.starts_on.isoformat()
        data["ends_on"] = self.pg_course.ends_on.isoformat()
        self.assertEqual(self.client.post(url, data).status_code, 302)
        data["title"] = "Titull i vjetër"
        stale = self.client.post(url, data)  # still the version read before the first save
        self.assertEqual(stale.status_code, 409)
        self.assertContains(stale, 'value="Titull i vjetër"', status_code=409)
        self.assertContains(stale, "Kurs rrobaqepësie (i ri)", status_code=409)
        with system_scope():
            self.assertEqual(Activity.objects.get(pk=self.pg_course.pk).title, "Kurs rrobaqepësie (i ri)")

    def test_case_workers_read_but_may_not_write(self) -> None:
        self.assertEqual(self.get(self.alice, "activity_detail", **self.course()).status_code, 200)
        self.assertEqual(self.get(self.alice, "activity_create").status_code, 403)
        self.assertEqual(self.get(self.alice, "activity_edit", **self.course()).status_code, 403)
        response = self.post(self.alice, "activity_create", self.activity_data())
        self.assertEqual(response.status_code, 403)
        response = self.post(self.alice, "session_add", {"date": TODAY.isoformat()}, **self.course())
        self.assertEqual(response.status_code, 403)


class ScopeTests(ActivityPagesTestCase):
    PAGES = (
        "activity_detail",
        "activity_edit",
        "session_add",
        "sessions_schedule",
        "facilitator_add",
        "activity_file_add",
        "participant_enrol",
    )

    def test_charlie_and_dave_get_404_on_every_page_of_the_course(self) -> None:
        for user in (self.charlie, self.dave):
            for name in self.PAGES:
                with self.subTest(user=user.username, page=name):
                    self.assertEqual(self.get(user, name, **self.course()).status_code, 404)
            for name, obj in (
                ("participation_certificate", self.pg_completed),
                ("outcome_record", self.pg_outcome),
                ("activity_file_download", self.pg_file),
            ):
                with self.subTest(user=user.username, page=name):
                    self.assertEqual(self.get(user, name, public_id=obj.public_id).status_code, 404)

    def test_the_volunteer_gets_404_on_an_activity_they_do_not_facilitate(self) -> None:
        private = {"public_id": self.pg_private.public_id}
        self.assertEqual(self.get(self.volunteer, "activity_detail", **private).status_code, 404)
        self.assertEqual(self.get(self.volunteer, "activity_detail", **self.course()).status_code, 200)

    def test_a_foreign_activity_answers_exactly_like_a_missing_one(self) -> None:
        import uuid

        foreign = self.get(self.dave, "activity_detail", **self.course())
        missing = self.get(self.dave, "activity_detail", public_id=uuid.uuid4())
        self.assertEqual(foreign.status_code, 404)
        strip = lambda body: re.sub(rb'(nonce|value)="[^"]+"', b"", body)  # noqa: E731
        self.assertEqual(strip(foreign.content), strip(missing.content))

    def test_a_malformed_or_unknown_id_is_404(self) -> None:
        self.login(self.manager)
        self.assertEqual(self.client.get("/programme/activities/not-a-uuid/").status_code, 404)
        import uuid

        self.assertEqual(self.get(self.manager, "activity_detail", public_id=uuid.uuid4()).status_code, 404)


class DetailTests(ActivityPagesTestCase):
    def test_the_page_shows_figures_sessions_participants_and_is_audited(self) -> None:
        response = self.get(self.manager, "activity_detail", **self.course())
        self.assertEqual(response.status_code, 200)
        figures = response.context["figures"]
        self.assertEqual((figures.enrolled, figures.completed, figures.dropped), (1, 1, 0))
        self.assertEqual(str(figures.volunteer_hours), "2.5")
        self.assertContains(response, "Elira")
        self.assertContains(
            response,
            reverse(
                "attendance_register",
                kwargs={"public_id": self.pg_course.public_id, "session_id": self.pg_session.public_id},
            ),
        )
        self.assertContains(
            response, reverse("participation_certificate", args=[self.pg_completed.public_id])
        )
        self.assertContains(response, reverse("person_detail", args=[self.pg_person.public_id]))
        events = self.events("programme.participants.viewed")
        self.assertEqual(len(events), 1)
        self.assertNotIn("Elira", str(events[0].details))

    def test_the_volunteer_sees_names_but_no_person_links_and_no_manager_buttons(self) -> None:
        response = self.get(self.volunteer, "activity_detail", **self.course())
        self.assertContains(response, "Elira")
        self.assertNotContains(response, reverse("person_detail", args=[self.pg_person.public_id]))
        self.assertNotContains(
            response, reverse("participation_certificate", args=[self.pg_completed.public_id])
        )
        self.assertNotContains(response, reverse("activity_edit", kwargs=self.course()))

    def test_the_field_educator_has_no_person_links(self) -> None:
        response = self.get(self.educator, "activity_detail", **self.course())
        self.assertContains(response, "Elira")
        self.assertNotContains(response, reverse("person_detail", args=[self.pg_person.public_id]))
        self.assertContains(response, reverse("participant_enrol", kwargs=self.course()))

    def test_a_camp_links_to_its_overview_and_a_campaign_shows_people_counted(self) -> None:
        camp = self.get(self.manager, "activity_detail", public_id=self.pg_camp.public_id)
        self.assertContains(camp, reverse("camp_overview", kwargs={"public_id": self.pg_camp.public_id}))
        campaign = self.get(self.manager, "activity_detail", public_id=self.pg_campaign.public_id)
        self.assertEqual(campaign.context["figures"].headcount_people, 55)
        self.assertEqual(campaign.context["figures"].indirect_reach, 40)
        self.assertContains(
            campaign, reverse("headcount_create", kwargs={"public_id": self.pg_campaign.public_id})
        )

    def test_the_attendance_rate_averages_held_sessions(self) -> None:
        from kujdes.programme.models import Attendance

        with system_scope():
            for participation, present in ((self.pg_participation, True), (self.pg_completed, False)):
                Attendance.objects.create(
                    organisation=self.org,
                    session=self.pg_past_session,
                    participation=participation,
                    present=present,
                    recorded_by=self.manager,
                )
            Session.objects.filter(pk=self.pg_past_session.pk).update(status="held")
        figures = self.get(self.manager, "activity_detail", **self.course()).context["figures"]
        self.assertEqual(figures.sessions_held, 1)
        self.assertAlmostEqual(figures.attendance_rate, 0.5)
        # An untouched box is an absence: without the "absent" row the rate is the same.
        with system_scope():
            Attendance.objects.filter(session=self.pg_past_session, present=False).delete()
        figures = self.get(self.manager, "activity_detail", **self.course()).context["figures"]
        self.assertAlmostEqual(figures.attendance_rate, 0.5)


class SessionTests(ActivityPagesTestCase):
    def test_schedule_creates_the_weekday_sessions_once(self) -> None:
        url = reverse("sessions_schedule", kwargs=self.course())
        self.login(self.educator)
        first = TODAY + datetime.timedelta(days=1)
        last = first + datetime.timedelta(days=13)
        data = {
            "weekdays": ["0", "2"],
            "starts_at": "15:00",
            "ends_at": "17:00",
            "first": first.isoformat(),
            "last": last.isoformat(),
        }
        self.assertEqual(self.client.post(url, data).status_code, 302)
        with system_scope():
            created = list(Session.objects.filter(activity=self.pg_course, date__range=(first, last)))
        self.assertEqual(len(created), 4)
        self.assertTrue(all(s.date.weekday() in (0, 2) for s in created))
        self.assertEqual(self.client.post(url, data).status_code, 302)
        with system_scope():
            self.assertEqual(
                Session.objects.filter(activity=self.pg_course, date__range=(first, last)).count(), 4
            )

    def test_schedule_without_days_or_with_reversed_times_answers_400(self) -> None:
        url = reverse("sessions_schedule", kwargs=self.course())
        self.login(self.manager)
        self.assertEqual(self.client.post(url, {"starts_at": "15:00"}).status_code, 400)
        response = self.client.post(url, {"weekdays": ["1"], "starts_at": "17:00", "ends_at": "15:00"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.client.post(url, {"weekdays": ["9"]}).status_code, 400)

    def test_add_and_cancel_a_session(self) -> None:
        self.login(self.manager)
        day = TODAY + datetime.timedelta(days=3)
        response = self.client.post(
            reverse("session_add", kwargs=self.course()), {"date": day.isoformat(), "topic": "Prerja"}
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            session = Session.objects.get(activity=self.pg_course, date=day)
        url = reverse(
            "session_edit", kwargs={"public_id": self.pg_course.public_id, "session_id": session.public_id}
        )
        data = {"date": day.isoformat(), "topic": "Prerja", "status": "cancelled"}
        self.assertEqual(self.client.post(url, data).status_code, 302)
        with system_scope():
            session.refresh_from_db()
        self.assertEqual(session.status, "cancelled")

    def test_a_session_outside_the_activity_answers_400(self) -> None:
        self.login(self.manager)
        outside = (self.pg_course.ends_on + datetime.timedelta(days=1)).isoformat()
        response = self.client.post(
            reverse("session_add", kwargs=self.course()), {"date": outside, "topic": "X"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'value="X"', status_code=400)

    def test_a_session_of_another_activity_is_404(self) -> None:
        url = reverse(
            "session_edit",
            kwargs={"public_id": self.pg_course.public_id, "session_id": self.pg_private_session.public_id},
        )
        self.login(self.manager)
        self.assertEqual(self.client.get(url).status_code, 404)


class FacilitatorTests(ActivityPagesTestCase):
    def test_add_an_expert_and_remove_them(self) -> None:
        self.login(self.manager)
        url = reverse("facilitator_add", kwargs=self.course())
        self.assertEqual(
            self.client.post(url, {"role": "expert", "name": "Dr. Arbën Hoxha"}).status_code, 302
        )
        with system_scope():
            expert = Facilitator.objects.get(activity=self.pg_course, name="Dr. Arbën Hoxha")
        remove = reverse(
            "facilitator_remove", kwargs={"public_id": self.pg_course.public_id, "facilitator_id": expert.pk}
        )
        self.assertEqual(self.client.post(remove).status_code, 302)
        with system_scope():
            self.assertFalse(Facilitator.objects.filter(pk=expert.pk).exists())

    def test_an_expert_without_a_name_answers_400(self) -> None:
        self.login(self.manager)
        response = self.client.post(reverse("facilitator_add", kwargs=self.course()), {"role": "expert"})
        self.assertEqual(response.status_code, 400)

    def test_a_staff_member_is_added_from_the_organisation(self) -> None:
        self.login(self.manager)
        url = reverse("facilitator_add", kwargs=self.course())
        self.assertEqual(
            self.client.post(url, {"role": "staff", "user": str(self.educator.public_id)}).status_code, 302
        )
        # Dave (another organisation) is not a choice.
        self.assertEqual(
            self.client.post(url, {"role": "staff", "user": str(self.dave.public_id)}).status_code, 400
        )

    def test_a_facilitator_of_another_activity_is_404(self) -> None:
        with system_scope():
            other = Facilitator.objects.create(
                organisation=self.org, activity=self.pg_private, role="expert", name="Tjetër"
            )
        self.login(self.manager)
        url = reverse(
            "facilitator_remove", kwargs={"public_id": self.pg_course.public_id, "facilitator_id": other.pk}
        )
        self.assertEqual(self.client.post(url).status_code, 404)


class FileTests(ActivityPagesTestCase):
    def test_upload_and_download_are_audited(self) -> None:
        self.login(self.manager)
        upload = SimpleUploadedFile(
            "programi-i-ri.pdf", b"%PDF-1.7 materiale\n", content_type="application/pdf"
        )
        response = self.client.post(reverse("activity_file_add", kwargs=self.course()), {"file": upload})
        self.assertEqual(response.status_code, 302)
        with system_scope():
            stored = ActivityFile.objects.get(activity=self.pg_course, name="programi-i-ri.pdf")
        stored_events = [e.details["file"] for e in self.events("programme.file.stored")]
        self.assertIn(str(stored.public_id), stored_events)
        self.login(self.volunteer)
        download = self.client.get(reverse("activity_file_download", args=[stored.public_id]))
        self.assertEqual(download.status_code, 200)
        self.assertTrue(download["Content-Disposition"].startswith("attachment;"))
        self.assertEqual(b"".join(download.streaming_content), b"%PDF-1.7 materiale\n")
        (event,) = self.events("programme.file.downloaded")
        self.assertEqual(event.details["file"], str(stored.public_id))
        self.assertEqual(event.actor_id, self.volunteer.pk)

    def test_a_refused_file_answers_400(self) -> None:
        self.login(self.manager)
        upload = SimpleUploadedFile(
            "skript.exe", b"MZ\x90\x00binary", content_type="application/octet-stream"
        )
        response = self.client.post(reverse("activity_file_add", kwargs=self.course()), {"file": upload})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            self.client.post(reverse("activity_file_add", kwargs=self.course()), {}).status_code, 400
        )

    def test_the_volunteer_may_not_upload(self) -> None:
        self.assertEqual(self.get(self.volunteer, "activity_file_add", **self.course()).status_code, 403)

    def test_a_file_of_an_activity_the_volunteer_does_not_facilitate_is_404(self) -> None:
        with system_scope():
            hidden = ActivityFile(
                organisation_id=self.org.pk,
                activity=self.pg_private,
                name="x.pdf",
                content_type="application/pdf",
                size=1,
                uploaded_by=self.manager,
            )
            hidden.save()
        self.assertEqual(
            self.get(self.volunteer, "activity_file_download", public_id=hidden.public_id).status_code, 404
        )


class EnrolTests(ActivityPagesTestCase):
    def new_person(self, **values: object):  # type: ignore[no-untyped-def]
        from kujdes.people.services import person_create

        with system_scope():
            return person_create(
                actor=self.educator, unit=self.centre_a, given_name="Dorina", sex="Feminine", **values
            )

    def test_enrol_by_exact_code(self) -> None:
        person = self.new_person(birth_year=2007)
        response = self.post(
            self.educator, "participant_enrol", {"code": person.code.lower()}, **self.course()
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            self.assertTrue(Participation.objects.filter(activity=self.pg_course, person=person).exists())

    def test_an_unknown_or_foreign_code_answers_400_keeping_it(self) -> None:
        from kujdes.people.services import person_create

        with system_scope():
            foreign = person_create(
                actor=self.charlie, unit=self.diocese_b, given_name="Jola", sex="Feminine"
            )
        for code in ("AL-XXX-2026-999999", foreign.code):
            with self.subTest(code=code):
                response = self.post(self.manager, "participant_enrol", {"code": code}, **self.course())
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, code, status_code=400)
        self.assertEqual(self.post(self.manager, "participant_enrol", {}, **self.course()).status_code, 400)

    def test_a_manager_finds_a_person_by_name(self) -> None:
        person = self.new_person(family_name="Kërçova")
        self.login(self.manager)
        response = self.client.get(
            reverse("participant_enrol", kwargs=self.course()), {"q": "Dorina Kercova"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual([p.pk for p in response.context["results"]], [person.pk])
        response = self.client.post(
            reverse("participant_enrol", kwargs=self.course()), {"person": str(person.public_id)}
        )
        self.assertEqual(response.status_code, 302)

    def test_the_field_educator_has_no_name_search(self) -> None:
        response = self.get(self.educator, "participant_enrol", **self.course())
        self.assertIsNone(response.context["search"])

    def test_a_camp_asks_for_parental_consent(self) -> None:
        person = self.new_person(birth_year=TODAY.year - 12)
        url = reverse("participant_enrol", kwargs={"public_id": self.pg_camp.public_id})
        self.login(self.manager)
        refused = self.client.post(url, {"code": person.code})
        self.assertEqual(refused.status_code, 400)
        accepted = self.client.post(
            url, {"code": person.code, "parental_consent": "on", "parental_consent_by": "Babai"}
        )
        self.assertEqual(accepted.status_code, 302)
        with system_scope():
            participation = Participation.objects.get(activity=self.pg_camp, person=person)
        self.assertEqual(participation.parental_consent_by, "Babai")


class CompletionTests(ActivityPagesTestCase):
    def test_completion_schedules_outcomes_at_3_6_and_12_months(self) -> None:
        url = reverse("participation_complete", args=[self.pg_participation.public_id])
        response = self.post(
            self.manager,
            "participation_complete",
            {"completed_on": TODAY.isoformat()},
            public_id=self.pg_participation.public_id,
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            participation = Participation.objects.get(pk=self.pg_participation.pk)
            months = sorted(
                Outcome.objects.filter(participation=participation).values_list("months", flat=True)
            )
        self.assertEqual(participation.status, ParticipationStatus.COMPLETED)
        self.assertEqual(months, [3, 6, 12])
        self.assertTrue(url)

    def test_a_malformed_or_future_date_is_refused_with_a_message(self) -> None:
        for value in ("", "nesër", (TODAY + datetime.timedelta(days=5)).isoformat()):
            with self.subTest(value=value):
                response = self.post(
                    self.manager,
                    "participation_complete",
                    {"completed_on": value},
                    public_id=self.pg_participation.public_id,
                )
                self.assertEqual(response.status_code, 302)
                with system_scope():
                    self.assertEqual(
                        Participation.objects.get(pk=self.pg_participation.pk).status, "enrolled"
                    )

    def test_drop(self) -> None:
        response = self.post(
            self.educator, "participation_drop", {}, public_id=self.pg_participation.public_id
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            self.assertEqual(Participation.objects.get(pk=self.pg_participation.pk).status, "dropped")

    def test_readers_may_not_complete_or_drop(self) -> None:
        for user in (self.alice, self.volunteer):
            for name in ("participation_complete", "participation_drop"):
                with self.subTest(user=user.username, name=name):
                    response = self.post(
                        user,
                        name,
                        {"completed_on": TODAY.isoformat()},
                        public_id=self.pg_participation.public_id,
                    )
                    self.assertEqual(response.status_code, 403)


class OutcomeTests(ActivityPagesTestCase):
    def setUp(self) -> None:
        super().setUp()
        with system_scope():
            Outcome.objects.filter(pk=self.pg_outcome.pk).update(due_on=TODAY - datetime.timedelta(days=2))

    def test_the_list_shows_overdue_follow_ups_and_is_audited(self) -> None:
        response = self.get(self.manager, "outcome_list")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.pg_outcome.pk, [o.pk for o in response.context["outcomes"]])
        self.assertContains(response, "Besa")
        self.assertEqual(len(self.events("programme.participants.viewed")), 1)

    def test_record_an_outcome(self) -> None:
        data = {"result": "employed", "recorded_on": TODAY.isoformat(), "notes": "Punon në një rrobaqepësi"}
        response = self.post(self.manager, "outcome_record", data, public_id=self.pg_outcome.public_id)
        self.assertEqual(response.status_code, 302)
        with system_scope():
            outcome = Outcome.objects.get(pk=self.pg_outcome.pk)
        self.assertEqual((outcome.result, outcome.recorded_by_id), ("employed", self.manager.pk))
        self.assertNotIn(
            self.pg_outcome.pk, [o.pk for o in self.get(self.manager, "outcome_list").context["outcomes"]]
        )

    def test_a_bad_outcome_answers_400_keeping_the_notes(self) -> None:
        data = {"result": "rich", "recorded_on": "2026-02-31", "notes": "Shënim i mbajtur"}
        response = self.post(self.manager, "outcome_record", data, public_id=self.pg_outcome.public_id)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Shënim i mbajtur", status_code=400)

    def test_others_may_not_record(self) -> None:
        data = {"result": "employed", "recorded_on": TODAY.isoformat()}
        self.assertEqual(
            self.post(self.alice, "outcome_record", data, public_id=self.pg_outcome.public_id).status_code,
            403,
        )
        self.assertEqual(
            self.post(self.charlie, "outcome_record", data, public_id=self.pg_outcome.public_id).status_code,
            404,
        )
        self.assertEqual(self.get(self.volunteer, "outcome_list").status_code, 403)


class PersonPanelTests(ActivityPagesTestCase):
    def test_the_person_page_lists_her_activities(self) -> None:
        response = self.get(self.manager, "person_detail", public_id=self.pg_person.public_id)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, reverse("activity_detail", kwargs=self.course()))
        self.assertContains(response, "Kampi veror")

    def test_no_panel_without_participations(self) -> None:
        from django.test import RequestFactory

        from kujdes.programme.views import person_programme_panel

        request = RequestFactory().get("/")
        request.user = self.manager
        with system_scope():
            self.assertIsNone(person_programme_panel(request, self.pg_person_done.__class__(pk=0)))
            self.assertIsNotNone(person_programme_panel(request, self.pg_person))
