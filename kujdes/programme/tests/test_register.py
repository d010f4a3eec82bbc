"""The phone screens: today's sessions, the attendance register (htmx and plain posts, two devices),
late additions, registering a participant on the spot, and headcounts."""

from __future__ import annotations

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from kujdes.core.audit import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.models import Consent, Person
from kujdes.programme import services
from kujdes.programme.models import Attendance, Headcount, HeadcountCell, Participation
from kujdes.programme.tests.fixtures import programme_fixtures

HTMX = {"HTTP_HX_REQUEST": "true"}


def sq(message: str) -> str:
    with translation.override("sq"):
        return translation.gettext(message)


class RegisterTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            programme_fixtures(cls)

    def setUp(self) -> None:
        super().setUp()
        for user in (self.alice, self.charlie, self.dave, self.manager, self.educator, self.volunteer):
            user.__dict__.pop("_programme_units", None)

    def register_url(self, activity=None, session=None) -> str:  # type: ignore[no-untyped-def]
        activity = activity or self.pg_course
        session = session or self.pg_session
        return reverse(
            "attendance_register", kwargs={"public_id": activity.public_id, "session_id": session.public_id}
        )

    def marks(self) -> dict[int, bool]:
        with system_scope():
            return dict(
                Attendance.objects.filter(session=self.pg_session).values_list("participation_id", "present")
            )

    def enrol_many(self, count: int) -> list[Participation]:
        from kujdes.people.services import person_create

        rows = []
        with system_scope():
            for i in range(count):
                person = person_create(
                    actor=self.educator,
                    unit=self.centre_a,
                    given_name=f"Pjesëmarrëse{i:02d}",
                    family_name="Test",
                    sex="Feminine",
                    birth_year=2006,
                )
                rows.append(
                    services.participant_enrol(actor=self.manager, activity=self.pg_course, person=person)
                )
        return rows


class TodayTests(RegisterTestCase):
    def test_volunteer_sees_today_and_last_week_without_attendance(self) -> None:
        self.login(self.volunteer)
        response = self.client.get(reverse("session_today"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.register_url())
        self.assertContains(response, self.register_url(session=self.pg_past_session))
        # The course the volunteer does not facilitate is not listed.
        self.assertNotContains(response, str(self.pg_private_session.public_id))

    def test_other_units_see_no_session_and_admins_are_refused(self) -> None:
        self.login(self.charlie)
        response = self.client.get(reverse("session_today"))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, str(self.pg_session.public_id))
        self.login(self.admin)
        self.assertEqual(self.client.get(reverse("session_today")).status_code, 403)


class RegisterPageTests(RegisterTestCase):
    def test_volunteer_reads_the_register_with_names_and_codes_audited(self) -> None:
        self.login(self.volunteer)
        with system_scope():
            before = AuditEvent.objects.filter(action="programme.participants.viewed").count()
        with translation.override("sq"):
            response = self.client.get(self.register_url(), HTTP_ACCEPT_LANGUAGE="sq")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Elira")
        self.assertContains(response, self.pg_person.code)
        self.assertContains(response, f'name="seen-{self.pg_participation.pk}"')
        self.assertContains(response, f'name="p-{self.pg_participation.pk}"')
        # A volunteer does not register persons: no link to do so.
        self.assertNotContains(response, reverse("participant_register", args=[self.pg_course.public_id]))
        with system_scope():
            after = AuditEvent.objects.filter(action="programme.participants.viewed").count()
        self.assertEqual(after, before + 1)

    def test_names_are_escaped(self) -> None:
        from kujdes.people.services import person_create

        with system_scope():
            person = person_create(
                actor=self.educator, unit=self.centre_a, given_name="<b>Ana</b>", family_name='"&'
            )
            services.participant_enrol(actor=self.manager, activity=self.pg_course, person=person)
        self.login(self.volunteer)
        response = self.client.get(self.register_url())
        self.assertContains(response, "&lt;b&gt;Ana&lt;/b&gt; &quot;&amp;")
        self.assertNotContains(response, "<b>Ana")

    def test_educator_gets_the_register_a_new_participant_link(self) -> None:
        self.login(self.educator)
        response = self.client.get(self.register_url())
        self.assertContains(response, reverse("participant_register", args=[self.pg_course.public_id]))

    def test_scope(self) -> None:
        private = self.register_url(self.pg_private, self.pg_private_session)
        self.login(self.volunteer)
        self.assertEqual(self.client.get(private).status_code, 404)
        for user in (self.charlie, self.dave):
            self.login(user)
            self.assertEqual(self.client.get(self.register_url()).status_code, 404)
            self.assertEqual(self.client.post(self.register_url(), {}).status_code, 404)
        # A case worker of the diocese reads (boxes disabled) but may not save.
        self.login(self.alice)
        response = self.client.get(self.register_url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, " disabled")
        post = {f"seen-{self.pg_participation.pk}": "", f"p-{self.pg_participation.pk}": "1"}
        self.assertEqual(self.client.post(self.register_url(), post).status_code, 403)
        self.assertEqual(self.marks(), {})

    def test_malformed_posts_never_fail(self) -> None:
        self.login(self.volunteer)
        for data in ({}, {"seen-x": "1"}, {"seen-999999": "1", "p-999999": "1"}, {"seen-": ""}):
            response = self.client.post(self.register_url(), data)
            self.assertEqual(response.status_code, 302, data)
        self.assertEqual(self.marks(), {})
        self.assertEqual(self.client.get(self.register_url()[:-12] + "nope").status_code, 404)

    def test_query_count_does_not_grow_with_the_participants(self) -> None:
        self.enrol_many(3)  # 5 rows in all
        self.login(self.volunteer)
        self.client.get(self.register_url())  # warm caches (keys, memberships)
        with CaptureQueriesContext(connection) as five:
            response = self.client.get(self.register_url())
        self.assertEqual(len(re.findall(r'name="seen-', response.content.decode())), 5)
        self.enrol_many(35)
        with CaptureQueriesContext(connection) as forty:
            response = self.client.get(self.register_url())
        self.assertEqual(len(re.findall(r'name="seen-', response.content.decode())), 40)
        self.assertEqual(len(five), len(forty))
        # Saving too.
        rows = re.findall(r'name="seen-(\d+)"', response.content.decode())
        data = {f"seen-{pk}": "" for pk in rows}
        # The first save also marks the session held (one more query): measure after it.
        self.client.post(self.register_url(), {**data, f"p-{rows[1]}": "1"}, **HTMX)
        with CaptureQueriesContext(connection) as save_few:
            self.client.post(self.register_url(), {**data, f"p-{rows[0]}": "1"}, **HTMX)
        with CaptureQueriesContext(connection) as save_all:
            self.client.post(self.register_url(), {**data, "all": "1"}, **HTMX)
        self.assertEqual(len(save_few), len(save_all))


class SavingTests(RegisterTestCase):
    def test_htmx_tick_saves_one_row_and_returns_the_row_and_the_counter(self) -> None:
        a, b = self.pg_participation.pk, self.pg_completed.pk
        self.login(self.volunteer)
        response = self.client.post(
            self.register_url(), {f"seen-{a}": "", f"seen-{b}": "", f"p-{a}": "1"}, **HTMX
        )
        self.assertEqual(response.status_code, 200)
        body = response.content.decode()
        self.assertIn(f'id="r{a}" hx-swap-oob="true"', body)
        self.assertNotIn(f'id="r{b}"', body)  # untouched rows are not sent back
        self.assertIn('id="count"', body)
        self.assertIn(f'name="seen-{a}" value="1"', body)
        self.assertNotIn("<html", body)
        self.assertEqual(self.marks(), {a: True})

    def test_plain_post_saves_and_redirects_back(self) -> None:
        a, b = self.pg_participation.pk, self.pg_completed.pk
        self.login(self.volunteer)
        response = self.client.post(self.register_url(), {f"seen-{a}": "", f"seen-{b}": "", f"p-{b}": "1"})
        self.assertRedirects(response, self.register_url())
        self.assertEqual(self.marks(), {b: True})

    def test_two_devices_saving_the_same_register_lose_nothing(self) -> None:
        a, b = self.pg_participation.pk, self.pg_completed.pk
        phone, tablet = self.client, self.client_class()
        self.login(self.volunteer)
        tablet.force_login(self.educator, backend="django.contrib.auth.backends.ModelBackend")
        self._mfa(tablet, self.educator)
        # Both load the empty register.
        for client in (phone, tablet):
            page = client.get(self.register_url()).content.decode()
            self.assertIn(f'name="seen-{a}" value=""', page)
        # The phone ticks A, the tablet ticks B; each posts its whole register, the other box unticked.
        phone.post(self.register_url(), {f"seen-{a}": "", f"seen-{b}": "", f"p-{a}": "1"})
        response = tablet.post(self.register_url(), {f"seen-{a}": "", f"seen-{b}": "", f"p-{b}": "1"}, **HTMX)
        self.assertEqual(self.marks(), {a: True, b: True})
        # The tablet is told about A (another device ticked it) and shows it ticked.
        self.assertIn(f'id="r{a}" hx-swap-oob="true"', response.content.decode())
        self.assertIn(f'name="seen-{a}" value="1"', response.content.decode())
        # The phone, still showing B unticked, unticks A: B stays present.
        phone.post(self.register_url(), {f"seen-{a}": "1", f"seen-{b}": ""})
        self.assertEqual(self.marks(), {a: False, b: True})

    def _mfa(self, client, user) -> None:  # type: ignore[no-untyped-def]
        import time

        from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

        session = client.session
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": time.time(), "username": user.username},
            {"method": "mfa", "at": time.time(), "type": "totp"},
        ]
        session.save()

    def test_all_present(self) -> None:
        a, b = self.pg_participation.pk, self.pg_completed.pk
        self.login(self.volunteer)
        response = self.client.post(
            self.register_url(), {f"seen-{a}": "", f"seen-{b}": "", "all": "1"}, **HTMX
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.marks(), {a: True, b: True})
        self.assertIn(f'id="r{a}"', response.content.decode())
        self.assertIn(f'id="r{b}"', response.content.decode())

    def test_a_future_session_is_not_saved(self) -> None:
        with system_scope():
            future = services.session_add(
                actor=self.manager,
                activity=self.pg_course,
                date=timezone.localdate() + datetime.timedelta(days=2),
            )
        a = self.pg_participation.pk
        self.login(self.volunteer)
        url = self.register_url(session=future)
        page = self.client.get(url)
        self.assertContains(page, " disabled")
        response = self.client.post(url, {f"seen-{a}": "", f"p-{a}": "1"})
        self.assertEqual(response.status_code, 400)
        response = self.client.post(url, {f"seen-{a}": "", f"p-{a}": "1"}, **HTMX)
        self.assertContains(response, 'id="reg-msg"')
        with system_scope():
            self.assertFalse(Attendance.objects.filter(session=future).exists())


class LateAdditionTests(RegisterTestCase):
    def late_url(self) -> str:
        return reverse(
            "attendance_late_add",
            kwargs={"public_id": self.pg_course.public_id, "session_id": self.pg_session.public_id},
        )

    def test_late_addition_by_code_enrols_and_marks_present(self) -> None:
        from kujdes.people.services import person_create

        with system_scope():
            walk_in = person_create(
                actor=self.educator, unit=self.centre_a, given_name="Arbana", sex="Feminine"
            )
        self.login(self.volunteer)
        response = self.client.post(self.late_url(), {"code": walk_in.code.lower()})
        self.assertEqual(response.status_code, 302)
        with system_scope():
            participation = Participation.objects.get(activity=self.pg_course, person=walk_in)
        self.assertTrue(participation.late_addition)
        self.assertEqual(self.marks(), {participation.pk: True})

    def test_unknown_code_keeps_what_was_typed(self) -> None:
        self.login(self.volunteer)
        with translation.override("sq"):
            response = self.client.post(self.late_url(), {"code": "AL-NOBODY-1"}, HTTP_ACCEPT_LANGUAGE="sq")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'value="AL-NOBODY-1"', status_code=400)
        self.assertContains(
            response, sq("No registered person with this code can be added here."), status_code=400
        )
        self.assertEqual(self.client.post(self.late_url(), {}).status_code, 400)

    def test_foreign_and_readers(self) -> None:
        for user, status in ((self.charlie, 404), (self.dave, 404), (self.alice, 403)):
            self.login(user)
            self.assertEqual(
                self.client.post(self.late_url(), {"code": self.pg_person.code}).status_code, status
            )


class ParticipantRegisterTests(RegisterTestCase):
    def url(self, session: bool = False) -> str:
        url = reverse("participant_register", args=[self.pg_course.public_id])
        return url + (f"?session={self.pg_session.public_id}" if session else "")

    def minimal(self, **values: str) -> dict[str, str]:
        return {
            "unit": str(self.centre_a.public_id),
            "given_name": "Valbona",
            "sex": "Feminine",
            "birth_year": "2009",
            "municipality": "",
            "categories": "child_at_risk",
            "consent_given": "on",
            "consent_given_by": "guardian",
            "consent_method": "oral",
            "guardian_name": "Nëna e saj",
            **values,
        }

    def test_educator_registers_enrols_and_marks_present(self) -> None:
        self.login(self.educator)
        self.assertEqual(self.client.get(self.url(session=True)).status_code, 200)
        response = self.client.post(self.url(session=True), self.minimal())
        self.assertEqual(response.status_code, 200, response.content.decode()[:3000])
        with system_scope():
            participation = (
                Participation.objects.select_related("person").filter(activity=self.pg_course).order_by("-pk")
            ).first()
            self.assertTrue(participation.late_addition)
            person = participation.person
            self.assertTrue(Consent.objects.filter(person=person).exists())
        self.assertContains(response, person.code)
        self.assertEqual(self.marks(), {participation.pk: True})

    def test_invalid_input_is_kept(self) -> None:
        self.login(self.educator)
        response = self.client.post(self.url(), self.minimal(consent_given="", birth_year="abc"))
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'value="Valbona"', status_code=400)
        self.assertEqual(self.client.post(self.url(), {}).status_code, 400)

    def test_duplicate_candidates_then_enrol_the_existing_person(self) -> None:
        self.login(self.educator)
        response = self.client.post(self.url(), self.minimal(given_name="Elira", birth_year="2008"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.pg_person.code)
        self.assertContains(response, 'name="confirm_new"')
        self.assertContains(response, 'value="Elira"')  # everything typed kept
        with system_scope():
            self.pg_participation.refresh_from_db()
            services.participation_drop(actor=self.manager, participation=self.pg_participation)
        response = self.client.post(
            self.url(), {**self.minimal(given_name="Elira", birth_year="2008"), "enrol": self.pg_person.code}
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            self.pg_participation.refresh_from_db()
            self.assertEqual(self.pg_participation.status, "enrolled")
            count = Person.objects.count()
        # "Register as new" confirms past the check.
        response = self.client.post(
            self.url(), {**self.minimal(given_name="Elira", birth_year="2008"), "confirm_new": "1"}
        )
        self.assertEqual(response.status_code, 200)
        with system_scope():
            # The participant, and the parent who agreed, registered with her as her guardian.
            self.assertEqual(Person.objects.count(), count + 2)

    def test_rights(self) -> None:
        self.login(self.volunteer)
        self.assertEqual(self.client.get(self.url(session=True)).status_code, 403)
        self.login(self.alice)
        self.assertEqual(self.client.get(self.url()).status_code, 403)
        for user in (self.charlie, self.dave):
            self.login(user)
            self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.login(self.educator)
        self.assertEqual(self.client.get(self.url() + "?session=not-a-uuid").status_code, 404)


class HeadcountTests(RegisterTestCase):
    def url(self) -> str:
        return reverse("headcount_create", args=[self.pg_campaign.public_id])

    def data(self, **values: str) -> dict[str, str]:
        return {"date": timezone.localdate().isoformat(), "category": "young_person", **values}

    def test_a_valid_headcount_is_stored(self) -> None:
        self.login(self.educator)
        self.assertEqual(self.client.get(self.url()).status_code, 200)
        response = self.client.post(
            self.url(),
            self.data(
                **{"cell-Feminine-15": "12", "cell-Masculine-15": "9", "reach_families": "20"},
                reach_method="Fletëpalosje",
            ),
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            headcount = Headcount.objects.filter(activity=self.pg_campaign).order_by("-pk").first()
            cells = {
                (c.sex, c.age_from, c.category): c.count
                for c in HeadcountCell.objects.filter(headcount=headcount)
            }
        self.assertEqual(cells, {("Feminine", 15, "young_person"): 12, ("Masculine", 15, "young_person"): 9})
        self.assertEqual(headcount.reach_families, 20)

    def test_negative_absurd_and_non_numeric_numbers_are_explained_and_kept(self) -> None:
        from kujdes.programme.services import MAX_CELL

        self.login(self.educator)
        with system_scope():
            before = Headcount.objects.count()
        with translation.override("sq"):
            response = self.client.post(
                self.url(),
                self.data(
                    **{
                        "cell-Feminine-0": "-3",
                        "cell-Masculine-6": "999999",
                        "cell-Feminine-12": "dhjetë",
                        "reach_online": "abc",
                    }
                ),
                HTTP_ACCEPT_LANGUAGE="sq",
            )
            negative = sq("A count cannot be negative.")
            absurd = translation.gettext("%(number)s is more than %(maximum)s: check the number.") % {
                "number": 999999,
                "maximum": MAX_CELL,
            }
            not_number = sq("Enter a whole number.")
        self.assertEqual(response.status_code, 400)
        body = response.content.decode()
        for name, value in (
            ("cell-Feminine-0", "-3"),
            ("cell-Masculine-6", "999999"),
            ("cell-Feminine-12", "dhjetë"),
            ("reach_online", "abc"),
        ):
            self.assertRegex(body, rf'name="{name}"[^>]*value="{value}"|value="{value}"[^>]*name="{name}"')
        self.assertIn(f'id="id_cell-Feminine-0_error">{negative}', body)
        self.assertIn(f'id="id_cell-Masculine-6_error">{absurd}', body)
        self.assertIn(f'id="id_cell-Feminine-12_error">{not_number}', body)
        self.assertIn(f'id="id_reach_online_error">{not_number}', body)
        with system_scope():
            self.assertEqual(Headcount.objects.count(), before)

    def test_bad_date_and_empty_counts(self) -> None:
        self.login(self.educator)
        response = self.client.post(self.url(), self.data(date="2026-02-31"))
        self.assertEqual(response.status_code, 400)
        response = self.client.post(self.url(), self.data())
        self.assertEqual(response.status_code, 400)
        with translation.override("sq"):
            self.assertContains(response, "form-errors", status_code=400)
        response = self.client.post(self.url(), self.data(**{"cell-Feminine-15": "4", "reach_media": "100"}))
        self.assertContains(response, 'id="id_reach_method_error"', status_code=400)

    def test_rights(self) -> None:
        self.login(self.volunteer)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.login(self.alice)
        self.assertEqual(self.client.get(self.url()).status_code, 403)
        delete = reverse("headcount_delete", args=[self.pg_headcount.public_id])
        self.assertEqual(self.client.post(delete).status_code, 403)
        for user in (self.charlie, self.dave):
            self.login(user)
            self.assertEqual(self.client.get(self.url()).status_code, 404)
            self.assertEqual(self.client.post(delete).status_code, 404)
        self.login(self.manager)
        self.assertEqual(self.client.post(delete).status_code, 302)
        with system_scope():
            self.assertFalse(Headcount.objects.filter(pk=self.pg_headcount.pk).exists())
