"""The programme API: scoped like the pages, 422 with field errors, two devices' attendance merged."""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kujdes.accounts.models import User
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.programme import services
from kujdes.programme.models import Attendance, Headcount, VolunteerHours
from kujdes.programme.tests.fixtures import programme_fixtures

TODAY = timezone.localdate


class ProgrammeApiTestCase(BaseTestCase):
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

    def url(self, name: str, **kwargs: Any) -> str:
        return reverse(f"api:{name}", kwargs=kwargs)

    def send(self, url: str, body: Any, method: str = "POST", client: Client | None = None) -> Any:
        return (client or self.client).generic(
            method, url, data=json.dumps(body), content_type="application/json"
        )

    def client_for(self, user: User) -> Client:
        own = self.client
        self.client = Client()
        self.login(user)
        other, self.client = self.client, own
        return other

    def attendance_url(self) -> str:
        return self.url("programme_attendance_get", session_id=self.pg_session.public_id)


class ActivityApiTests(ProgrammeApiTestCase):
    def titles(self, query: str = "") -> list[str]:
        response = self.client.get(self.url("programme_activities_list") + query)
        self.assertEqual(response.status_code, 200, response.content)
        return sorted(item["title"] for item in response.json()["items"])

    def test_the_volunteer_sees_only_the_course_they_facilitate(self) -> None:
        self.login(self.volunteer)
        self.assertEqual(self.titles(), [self.pg_course.title])
        private = self.url("programme_activities_get", activity_id=self.pg_private.public_id)
        self.assertEqual(self.client.get(private).status_code, 404)
        private_session = self.url("programme_attendance_get", session_id=self.pg_private_session.public_id)
        self.assertEqual(self.client.get(private_session).status_code, 404)

    def test_filters_and_pagination(self) -> None:
        self.login(self.manager)
        all_titles = self.titles()
        self.assertIn(self.pg_camp.title, all_titles)
        self.assertNotIn(self.pg_other_activity.title, all_titles)
        self.assertEqual(self.titles("?status=running"), [self.pg_course.title])
        later = (TODAY() + datetime.timedelta(days=61)).isoformat()
        self.assertEqual(self.titles(f"?from={later}"), [self.pg_private.title])
        early = (TODAY() - datetime.timedelta(days=31)).isoformat()
        self.assertEqual(self.titles(f"?to={early}"), [])
        self.assertEqual(self.titles(f"?unit={self.diocese_b.public_id}"), [])
        page = self.client.get(self.url("programme_activities_list") + "?limit=2&offset=1").json()
        self.assertEqual((page["count"], len(page["items"])), (len(all_titles), 2))

    def test_bad_filters_answer_422(self) -> None:
        self.login(self.manager)
        base = self.url("programme_activities_list")
        for query in (
            "?status=dancing",
            "?from=yesterday",
            "?unit=not-a-uuid",
            "?from=2025-05-01&to=2025-04-01",
            "?limit=x",
        ):
            with self.subTest(query=query):
                self.assertEqual(self.client.get(base + query).status_code, 422)

    def test_detail_and_sessions(self) -> None:
        self.login(self.educator)
        detail = self.client.get(
            self.url("programme_activities_get", activity_id=self.pg_course.public_id)
        ).json()
        self.assertEqual(
            (detail["title"], detail["can_manage"], detail["can_record"]), (self.pg_course.title, True, True)
        )
        sessions = self.client.get(
            self.url("programme_activity_sessions", activity_id=self.pg_course.public_id)
        ).json()
        self.assertEqual(
            {s["id"] for s in sessions}, {str(self.pg_session.public_id), str(self.pg_past_session.public_id)}
        )

    def test_foreign_users_get_404(self) -> None:
        for user in (self.charlie, self.dave):
            self.login(user)
            with self.subTest(user=user.username):
                self.assertFalse({self.pg_course.title, self.pg_camp.title} & set(self.titles()))
                for name, kwargs in (
                    ("programme_activities_get", {"activity_id": self.pg_course.public_id}),
                    ("programme_activity_sessions", {"activity_id": self.pg_course.public_id}),
                    ("programme_attendance_get", {"session_id": self.pg_session.public_id}),
                ):
                    self.assertEqual(self.client.get(self.url(name, **kwargs)).status_code, 404)
                put = self.send(self.attendance_url(), {"marks": []}, "PUT")
                self.assertEqual(put.status_code, 404)
                headcount = self.url("programme_headcounts_create", activity_id=self.pg_campaign.public_id)
                self.assertEqual(self.send(headcount, {"cells": []}).status_code, 404)
                hours = self.url("programme_volunteer_hours", volunteer_id=self.pg_volunteer.public_id)
                self.assertEqual(self.send(hours, {"hours": "1"}).status_code, 404)
                missing = self.url("programme_activities_get", activity_id=uuid.uuid4())
                foreign = self.url("programme_activities_get", activity_id=self.pg_course.public_id)
                self.assertEqual(self.client.get(missing).content, self.client.get(foreign).content)

    def test_administrators_get_403_and_anonymous_401(self) -> None:
        self.assertEqual(self.client.get(self.url("programme_activities_list")).status_code, 401)
        self.login(self.admin)
        self.assertEqual(self.client.get(self.url("programme_activities_list")).status_code, 403)


class AttendanceApiTests(ProgrammeApiTestCase):
    def test_codes_always_names_for_those_who_record(self) -> None:
        self.login(self.volunteer)
        rows = self.client.get(self.attendance_url()).json()["rows"]
        self.assertEqual({r["code"] for r in rows}, {self.pg_person.code, self.pg_person_done.code})
        self.assertIn("Elira", {r["name"] for r in rows})
        self.assertTrue(
            AuditEvent.objects.filter(action="programme.participants.viewed", actor=self.volunteer).exists()
        )

    def test_read_only_case_worker_cannot_record(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.client.get(self.attendance_url()).status_code, 200)
        body = {"marks": [{"participation": str(self.pg_participation.public_id), "present": True}]}
        self.assertEqual(self.send(self.attendance_url(), body, "PUT").status_code, 403)
        self.assertFalse(Attendance.objects.filter(session=self.pg_session).exists())

    def test_two_clients_lose_nothing(self) -> None:
        first = self.client_for(self.volunteer)
        second = self.client_for(self.educator)
        shown = first.get(self.attendance_url()).json()["rows"]
        self.assertEqual(second.get(self.attendance_url()).json()["rows"], shown)
        seen = [{"participation": r["participation"], "present": r["present"]} for r in shown]
        elira, besa = str(self.pg_participation.public_id), str(self.pg_completed.public_id)
        # Each device ticks one participant; each sends the whole register it shows.
        one = self.send(
            self.attendance_url(),
            {
                "marks": [
                    {"participation": elira, "present": True},
                    {"participation": besa, "present": False},
                ],
                "seen": seen,
            },
            "PUT",
            first,
        )
        self.assertEqual((one.status_code, one.json()["changed"]), (200, 1), one.content)
        two = self.send(
            self.attendance_url(),
            {
                "marks": [
                    {"participation": elira, "present": False},
                    {"participation": besa, "present": True},
                ],
                "seen": seen,
            },
            "PUT",
            second,
        )
        self.assertEqual(two.status_code, 200, two.content)
        self.assertEqual((two.json()["changed"], two.json()["present"], two.json()["total"]), (1, 2, 2))
        marks = dict(
            Attendance.objects.filter(session=self.pg_session).values_list("participation_id", "present")
        )
        self.assertEqual(marks, {self.pg_participation.pk: True, self.pg_completed.pk: True})

    def test_without_seen_marks_are_absolute(self) -> None:
        self.login(self.manager)
        elira = str(self.pg_participation.public_id)
        self.send(self.attendance_url(), {"marks": [{"participation": elira, "present": True}]}, "PUT")
        response = self.send(
            self.attendance_url(), {"marks": [{"participation": elira, "present": False}]}, "PUT"
        )
        self.assertEqual((response.json()["changed"], response.json()["present"]), (1, 0))

    def test_bad_marks_answer_422_with_fields(self) -> None:
        self.login(self.manager)
        other = services.participant_enrol(
            actor=self.manager, activity=self.pg_private, person=self.pg_person
        )
        cases = (
            ({"marks": [{"participation": str(other.public_id), "present": True}]}, "marks.0.participation"),
            ({"marks": [{"participation": str(uuid.uuid4()), "present": True}]}, "marks.0.participation"),
            ({"marks": [{"participation": str(self.pg_participation.public_id)}]}, "marks.0.present"),
            ({"marks": []}, "marks"),
        )
        for body, field in cases:
            with self.subTest(body=body):
                response = self.send(self.attendance_url(), body, "PUT")
                self.assertEqual(response.status_code, 422)
                self.assertIn(field, response.json()["errors"])
        for body in ({"marks": "all"}, {"marks": [{"participation": "x", "present": True}]}, {}):
            self.assertEqual(self.send(self.attendance_url(), body, "PUT").status_code, 422)
        response = self.client.generic(
            "PUT", self.attendance_url(), data="{not json", content_type="application/json"
        )
        self.assertIn(response.status_code, {400, 422})
        self.assertFalse(Attendance.objects.filter(session=self.pg_session).exists())

    def test_future_session_answers_422(self) -> None:
        future = services.session_add(
            actor=self.manager, activity=self.pg_course, date=TODAY() + datetime.timedelta(days=2)
        )
        self.login(self.manager)
        url = self.url("programme_attendance_put", session_id=future.public_id)
        body = {"marks": [{"participation": str(self.pg_participation.public_id), "present": True}]}
        self.assertEqual(self.send(url, body, "PUT").status_code, 422)


class HeadcountApiTests(ProgrammeApiTestCase):
    def url_for(self, activity: Any = None) -> str:
        return self.url("programme_headcounts_create", activity_id=(activity or self.pg_course).public_id)

    def test_the_volunteer_records_a_headcount(self) -> None:
        self.login(self.volunteer)
        body = {
            "cells": [
                {"sex": "Feminine", "age_from": 12, "category": "general", "count": 14},
                {"sex": "Masculine", "age_from": 12, "category": "general", "count": "9"},
            ],
            "reach": {"reach_families": 20},
            "method": "Fletëpalosje",
        }
        response = self.send(self.url_for(), body)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual((response.json()["total"], response.json()["indirect"]), (23, 20))
        self.assertTrue(Headcount.objects.filter(activity=self.pg_course, reach_families=20).exists())
        self.assertEqual(self.send(self.url_for(self.pg_campaign), body).status_code, 404)

    def test_bad_numbers_answer_422_with_field_errors(self) -> None:
        self.login(self.manager)
        cases = (
            (
                [{"sex": "Feminine", "age_from": 12, "category": "general", "count": "abc"}],
                {},
                "cell-Feminine-12-general",
            ),
            (
                [{"sex": "Feminine", "age_from": 12, "category": "general", "count": -3}],
                {},
                "cell-Feminine-12-general",
            ),
            (
                [{"sex": "Feminine", "age_from": 12, "category": "general", "count": 10**9}],
                {},
                "cell-Feminine-12-general",
            ),
            (
                [{"sex": "Other", "age_from": 7, "category": "general", "count": 1}],
                {},
                "cell-Other-7-general",
            ),
            (
                [{"sex": "Feminine", "age_from": 12, "category": "general", "count": 1}],
                {"reach_media": 50},
                "reach_method",
            ),
            (
                [{"sex": "Feminine", "age_from": 12, "category": "general", "count": 1}],
                {"reach_moon": 5},
                "reach.reach_moon",
            ),
            ([], {}, "__all__"),
        )
        for cells, reach, field in cases:
            with self.subTest(field=field, cells=cells):
                response = self.send(self.url_for(), {"cells": cells, "reach": reach})
                self.assertEqual(response.status_code, 422, response.content)
                self.assertIn(field, response.json()["errors"])
        self.assertEqual(self.send(self.url_for(), {"cells": [{"sex": "Feminine"}]}).status_code, 422)
        self.assertEqual(self.send(self.url_for(), {"cells": [], "date": "31.02"}).status_code, 422)
        self.assertFalse(Headcount.objects.filter(activity=self.pg_course).exists())

    def test_case_worker_403(self) -> None:
        self.login(self.bob)
        body = {"cells": [{"sex": "Feminine", "age_from": 12, "category": "general", "count": 1}]}
        self.assertEqual(self.send(self.url_for(), body).status_code, 403)


class VolunteerApiTests(ProgrammeApiTestCase):
    def test_staff_list_volunteers_others_403(self) -> None:
        self.login(self.manager)
        names = [v["name"] for v in self.client.get(self.url("programme_volunteers_list")).json()]
        self.assertEqual(names, [str(self.pg_volunteer)])
        self.assertTrue(
            AuditEvent.objects.filter(action="programme.volunteers.viewed", actor=self.manager).exists()
        )
        for user in (self.volunteer, self.alice, self.charlie):
            self.login(user)
            self.assertEqual(self.client.get(self.url("programme_volunteers_list")).status_code, 403)

    def test_the_volunteer_logs_own_hours(self) -> None:
        self.login(self.volunteer)
        url = self.url("programme_volunteer_hours", volunteer_id=self.pg_volunteer.public_id)
        response = self.send(url, {"hours": "3", "activity": str(self.pg_course.public_id)})
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(VolunteerHours.objects.filter(volunteer=self.pg_volunteer).count(), 2)
        for body, field in (
            ({"hours": "abc"}, "hours"),
            ({"hours": "NaN"}, "hours"),
            ({"hours": "30", "activity": str(self.pg_course.public_id)}, "hours"),
            ({"hours": "1"}, "activity"),
            ({"hours": "1", "activity": str(self.pg_private.public_id)}, "activity"),
            (
                {
                    "hours": "1",
                    "activity": str(self.pg_course.public_id),
                    "date": (TODAY() + datetime.timedelta(days=1)).isoformat(),
                },
                "date",
            ),
        ):
            with self.subTest(body=body):
                response = self.send(url, body)
                self.assertEqual(response.status_code, 422, response.content)
                self.assertIn(field, response.json()["errors"])


class InitiativeAndOutcomeApiTests(ProgrammeApiTestCase):
    def test_initiatives_for_staff_only(self) -> None:
        self.login(self.alice)
        titles = [i["title"] for i in self.client.get(self.url("programme_initiatives_list")).json()]
        self.assertEqual(titles, [self.pg_initiative.title])
        self.login(self.charlie)
        self.assertEqual(self.client.get(self.url("programme_initiatives_list")).json(), [])
        self.login(self.volunteer)
        self.assertEqual(self.client.get(self.url("programme_initiatives_list")).status_code, 403)

    def test_outcomes_due_with_codes_only(self) -> None:
        self.login(self.manager)
        until = (TODAY() + datetime.timedelta(days=400)).isoformat()
        rows = self.client.get(self.url("programme_outcomes_due") + f"?until={until}").json()
        self.assertTrue(rows)
        self.assertEqual({r["person_code"] for r in rows}, {self.pg_person_done.code})
        self.assertNotIn("Besa", json.dumps(rows))
        self.assertEqual(self.client.get(self.url("programme_outcomes_due") + "?until=soon").status_code, 422)
        for user in (self.alice, self.volunteer):
            self.login(user)
            self.assertEqual(self.client.get(self.url("programme_outcomes_due")).status_code, 403)
        self.login(self.dave)
        self.assertEqual(self.client.get(self.url("programme_outcomes_due")).status_code, 403)
