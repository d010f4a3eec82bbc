"""The volunteer pages: profiles, trainings, hours, the code of conduct, a volunteer's own page."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.programme import services
from kujdes.programme.models import ConductAcceptance, Volunteer, VolunteerHours, VolunteerTraining
from kujdes.programme.tests.fixtures import programme_fixtures

TODAY = timezone.localdate


class VolunteerTestCase(BaseTestCase):
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

    def url(self, name: str, volunteer: Volunteer | None = None) -> str:
        volunteer = volunteer or self.pg_volunteer
        return reverse(name, kwargs={"public_id": volunteer.public_id})

    def volunteer_data(self, **changes: Any) -> dict[str, Any]:
        data = {
            "unit": str(self.centre_a.pk),
            "given_name": "Arben",
            "family_name": "Hoxha",
            "phone": "+355 69 000 0000",
            "email": "arben@example.invalid",
            "birth_year": "2001",
            "skills": "Futboll, muzikë",
            "languages": "sq, en",
            "availability": "Të shtunave",
            "joined_on": (TODAY() - datetime.timedelta(days=30)).isoformat(),
            "is_active": "on",
            "background_check": "cleared",
            "background_checked_on": (TODAY() - datetime.timedelta(days=10)).isoformat(),
            "background_check_expires_on": (TODAY() + datetime.timedelta(days=700)).isoformat(),
            "user": "",
        }
        data.update(changes)
        return data

    def other_volunteer(self) -> Volunteer:
        return services.volunteer_create(
            actor=self.manager, unit=self.centre_a, given_name="Dritan", joined_on=TODAY()
        )


class VolunteerListTests(VolunteerTestCase):
    def test_it_lists_the_managed_volunteers_with_badges_and_expiries(self) -> None:
        self.login(self.manager)
        with translation.override("sq"):
            response = self.client.get(reverse("volunteer_list"))
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, "Klea Marku")
            # v1 of the code of conduct is not accepted yet; the check expires within the reminder days.
            self.assertEqual(response.context["page"][0].conduct_missing, True)
            expiries = response.context["expiries"]
            self.assertIn("background_check", {item.what for item in expiries})
        self.assertTrue(AuditEvent.objects.filter(action="programme.volunteers.viewed").exists())

    def test_it_filters(self) -> None:
        self.other_volunteer()
        self.login(self.manager)
        response = self.client.get(reverse("volunteer_list"), {"name": "dritan"})
        self.assertEqual([str(v) for v in response.context["page"]], ["Dritan"])
        response = self.client.get(reverse("volunteer_list"), {"check": "cleared"})
        self.assertEqual([str(v) for v in response.context["page"]], ["Klea Marku"])
        response = self.client.get(reverse("volunteer_list"), {"active": "no"})
        self.assertEqual(list(response.context["page"]), [])
        response = self.client.get(reverse("volunteer_list"), {"unit": "not-a-number", "check": "x"})
        self.assertEqual(response.status_code, 200)

    def test_it_is_for_staff_who_manage_the_programme(self) -> None:
        for user in (self.alice, self.charlie, self.dave, self.volunteer, self.admin):
            self.login(user)
            self.assertIn(self.client.get(reverse("volunteer_list")).status_code, (403, 404))
        self.login(self.educator)
        self.assertEqual(self.client.get(reverse("volunteer_list")).status_code, 200)


class VolunteerCreateEditTests(VolunteerTestCase):
    def test_it_creates_a_volunteer(self) -> None:
        self.login(self.manager)
        response = self.client.post(reverse("volunteer_create"), self.volunteer_data())
        volunteer = Volunteer.objects.get(given_name="Arben")
        self.assertRedirects(response, self.url("volunteer_detail", volunteer), fetch_redirect_response=False)
        self.assertEqual(volunteer.languages, ["sq", "en"])
        self.assertEqual(volunteer.unit, self.centre_a)
        self.assertEqual(volunteer.birth_year, 2001)

    def test_a_check_expiring_before_it_was_made_is_refused_with_the_input_kept(self) -> None:
        self.login(self.manager)
        data = self.volunteer_data(
            background_check_expires_on=(TODAY() - datetime.timedelta(days=20)).isoformat()
        )
        with translation.override("sq"):
            response = self.client.post(reverse("volunteer_create"), data)
            self.assertEqual(response.status_code, 400)
            self.assertContains(response, "Futboll, muzikë", status_code=400)
            self.assertIn(
                gettext("The check must be valid after the day it was made."),
                response.context["form"].errors["background_check_expires_on"],
            )
        self.assertFalse(Volunteer.objects.filter(given_name="Arben").exists())

    def test_malformed_input_answers_400(self) -> None:
        self.login(self.manager)
        for changes in (
            {"joined_on": "2025-13-45"},
            {"unit": "abc"},
            {"unit": str(self.diocese_b.pk)},  # not a unit the manager reaches
            {"birth_year": "year"},
            {"birth_year": str(TODAY().year + 1)},
            {"user": "99999"},
            {"background_check": "whatever"},
            {"email": "not an address"},
        ):
            with self.subTest(changes=changes):
                response = self.client.post(reverse("volunteer_create"), self.volunteer_data(**changes))
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, "Arben", status_code=400)
        self.assertEqual(self.client.post(reverse("volunteer_create"), {}).status_code, 400)

    def test_a_user_account_can_be_linked_once(self) -> None:
        self.login(self.manager)
        # The volunteer user is already linked to Klea: not a choice any more.
        response = self.client.post(
            reverse("volunteer_create"), self.volunteer_data(user=str(self.volunteer.pk))
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("user", response.context["form"].errors)

    def test_it_edits_a_volunteer(self) -> None:
        self.login(self.manager)
        data = self.volunteer_data(
            given_name="Klea",
            family_name="Marku-Gjoni",
            user=str(self.volunteer.pk),
            version=str(self.pg_volunteer.version),
        )
        response = self.client.post(self.url("volunteer_edit"), data)
        self.assertEqual(response.status_code, 302)
        self.pg_volunteer.refresh_from_db()
        self.assertEqual(self.pg_volunteer.family_name, "Marku-Gjoni")
        self.assertEqual(self.pg_volunteer.user, self.volunteer)
        self.assertEqual(self.pg_volunteer.version, 2)

    def test_a_stale_edit_answers_409_with_the_input_kept(self) -> None:
        self.login(self.manager)
        services.volunteer_update(
            actor=self.manager, volunteer=self.pg_volunteer, expected_version=1, changes={"skills": "Kërcim"}
        )
        data = self.volunteer_data(
            given_name="Klea", skills="Vizatim", user=str(self.volunteer.pk), version="1"
        )
        response = self.client.post(self.url("volunteer_edit"), data)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Vizatim", status_code=409)
        self.assertEqual(response.context["current"].skills, "Kërcim")
        # Saving again (with the version of the conflict) goes through.
        data["version"] = "2"
        self.assertEqual(self.client.post(self.url("volunteer_edit"), data).status_code, 302)

    def test_an_invalid_edit_answers_400(self) -> None:
        self.login(self.manager)
        data = self.volunteer_data(
            background_check="cleared", background_checked_on="", version=str(self.pg_volunteer.version)
        )
        response = self.client.post(self.url("volunteer_edit"), data)
        self.assertEqual(response.status_code, 400)
        self.assertIn("background_checked_on", response.context["form"].errors)
        self.assertEqual(self.client.post(self.url("volunteer_edit"), {}).status_code, 400)

    def test_the_volunteer_cannot_edit_their_own_profile(self) -> None:
        self.login(self.volunteer)
        self.assertEqual(self.client.get(self.url("volunteer_edit")).status_code, 403)


class VolunteerDetailTests(VolunteerTestCase):
    def test_it_shows_the_profile_trainings_safeguarding_and_hours(self) -> None:
        self.login(self.manager)
        response = self.client.get(self.url("volunteer_detail"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Mbrojtja e fëmijëve")
        self.assertContains(response, "Kurs rrobaqepësie")
        record = response.context["record"]
        self.assertEqual(record.hours_total, Decimal("2.5"))
        self.assertFalse(response.context["accepted_current"])
        self.assertIn("conduct_form", response.context)
        self.assertTrue(
            AuditEvent.objects.filter(
                action="programme.volunteer.viewed",
                object_id=str(self.pg_volunteer.public_id),
                actor=self.manager,
            ).exists()
        )

    def test_the_volunteer_is_sent_to_their_own_page(self) -> None:
        self.login(self.volunteer)
        response = self.client.get(self.url("volunteer_detail"))
        self.assertRedirects(response, reverse("volunteer_me"), fetch_redirect_response=False)

    def test_another_volunteer_is_missing_for_the_volunteer(self) -> None:
        other = self.other_volunteer()
        self.login(self.volunteer)
        for name in ("volunteer_detail", "volunteer_edit", "training_add", "hours_add", "conduct_accept"):
            with self.subTest(name=name):
                self.assertEqual(self.client.get(self.url(name, other)).status_code, 404)
        self.assertEqual(
            self.client.post(
                self.url("hours_add", other),
                {"activity": str(self.pg_course.pk), "date": TODAY().isoformat(), "hours": "2"},
            ).status_code,
            404,
        )

    def test_charlie_and_dave_get_404_everywhere(self) -> None:
        names = ("volunteer_detail", "volunteer_edit", "training_add", "hours_add", "conduct_accept")
        for user in (self.charlie, self.dave, self.alice, self.admin):
            self.login(user)
            for name in names:
                with self.subTest(user=user.username, name=name):
                    self.assertEqual(self.client.get(self.url(name)).status_code, 404)
                    if name != "volunteer_detail":
                        self.assertEqual(self.client.post(self.url(name), {}).status_code, 404)

    def test_an_unknown_volunteer_is_missing(self) -> None:
        import uuid

        self.login(self.manager)
        response = self.client.get(reverse("volunteer_detail", kwargs={"public_id": uuid.uuid4()}))
        self.assertEqual(response.status_code, 404)


class TrainingTests(VolunteerTestCase):
    def data(self, **changes: Any) -> dict[str, Any]:
        data = {
            "title": "Ndihma e parë",
            "completed_on": (TODAY() - datetime.timedelta(days=2)).isoformat(),
            "expires_on": (TODAY() + datetime.timedelta(days=365)).isoformat(),
            "given_by": "Kryqi i Kuq",
            "certificate_reference": "KK-2026-14",
            "activity": "",
        }
        data.update(changes)
        return data

    def test_staff_add_a_training(self) -> None:
        self.login(self.educator)
        response = self.client.post(self.url("training_add"), self.data(activity=str(self.pg_course.pk)))
        self.assertRedirects(response, self.url("volunteer_detail"), fetch_redirect_response=False)
        training = VolunteerTraining.objects.get(title="Ndihma e parë")
        self.assertEqual(training.activity, self.pg_course)

    def test_a_training_expiring_before_completion_is_refused(self) -> None:
        self.login(self.manager)
        response = self.client.post(
            self.url("training_add"), self.data(expires_on=(TODAY() - datetime.timedelta(days=5)).isoformat())
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "KK-2026-14", status_code=400)
        self.assertIn("expires_on", response.context["form"].errors)
        response = self.client.post(
            self.url("training_add"),
            self.data(completed_on=(TODAY() + datetime.timedelta(days=1)).isoformat()),
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("completed_on", response.context["form"].errors)
        for changes in (
            {"completed_on": "yesterday"},
            {"activity": "abc"},
            {"activity": str(self.pg_other_activity.pk)},
        ):
            with self.subTest(changes=changes):
                self.assertEqual(
                    self.client.post(self.url("training_add"), self.data(**changes)).status_code, 400
                )
        self.assertFalse(VolunteerTraining.objects.filter(title="Ndihma e parë").exists())


class HoursTests(VolunteerTestCase):
    def data(self, **changes: Any) -> dict[str, Any]:
        data = {
            "activity": str(self.pg_course.pk),
            "date": TODAY().isoformat(),
            "hours": "3",
            "notes": "Mësim",
        }
        data.update(changes)
        return data

    def test_staff_log_hours(self) -> None:
        self.login(self.manager)
        response = self.client.post(self.url("hours_add"), self.data(activity=str(self.pg_private.pk)))
        self.assertRedirects(response, self.url("volunteer_detail"), fetch_redirect_response=False)
        self.assertTrue(VolunteerHours.objects.filter(activity=self.pg_private, hours=Decimal(3)).exists())

    def test_too_many_hours_or_a_future_day_is_refused_with_the_input_kept(self) -> None:
        self.login(self.manager)
        for changes, field in (
            ({"hours": "17"}, "hours"),
            ({"hours": "14"}, "hours"),  # 2.5 already logged today: 16.5 in all
            ({"hours": "0"}, "hours"),
            ({"hours": "lots"}, "hours"),
            ({"date": (TODAY() + datetime.timedelta(days=1)).isoformat()}, "date"),
            ({"date": "31.02.2026"}, "date"),
        ):
            with self.subTest(changes=changes):
                response = self.client.post(self.url("hours_add"), self.data(**changes))
                self.assertEqual(response.status_code, 400)
                self.assertIn(field, response.context["form"].errors)
                self.assertContains(response, "Mësim", status_code=400)
        self.assertEqual(VolunteerHours.objects.filter(volunteer=self.pg_volunteer).count(), 1)

    def test_a_volunteer_logs_their_own_hours_for_an_activity_they_facilitate(self) -> None:
        self.login(self.volunteer)
        response = self.client.post(self.url("hours_add"), self.data(hours="1.5"))
        self.assertRedirects(response, reverse("volunteer_me"), fetch_redirect_response=False)
        entry = VolunteerHours.objects.get(volunteer=self.pg_volunteer, hours=Decimal("1.5"))
        self.assertEqual(entry.recorded_by, self.volunteer)

    def test_a_volunteer_cannot_log_hours_for_other_activities(self) -> None:
        self.login(self.volunteer)
        for activity in (self.pg_private, self.pg_other_activity):
            response = self.client.post(self.url("hours_add"), self.data(activity=str(activity.pk)))
            self.assertEqual(response.status_code, 400)
            self.assertIn("activity", response.context["form"].errors)
        response = self.client.post(self.url("hours_add"), self.data(activity=""))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(VolunteerHours.objects.filter(volunteer=self.pg_volunteer).count(), 1)


class ConductTests(VolunteerTestCase):
    def test_staff_record_a_signed_acceptance_of_the_current_version(self) -> None:
        self.login(self.manager)
        day = TODAY() - datetime.timedelta(days=1)
        response = self.client.post(
            self.url("conduct_accept"),
            {"version_number": "1", "accepted_on": day.isoformat(), "confirm": "on"},
        )
        self.assertRedirects(response, self.url("volunteer_detail"), fetch_redirect_response=False)
        acceptance = ConductAcceptance.objects.get(volunteer=self.pg_volunteer)
        self.assertEqual((acceptance.code, acceptance.accepted_on), (self.pg_conduct, day))
        response = self.client.get(self.url("volunteer_detail"))
        self.assertTrue(response.context["accepted_current"])
        self.assertNotIn("conduct_form", response.context)

    def test_an_outdated_version_or_a_missing_confirmation_is_refused(self) -> None:
        services.conduct_publish(
            actor=self.admin, organisation_id=self.org.pk, texts={"sq": "Versioni 2"}, published_on=TODAY()
        )
        self.login(self.manager)
        for data in (
            {"version_number": "1", "accepted_on": TODAY().isoformat(), "confirm": "on"},
            {"version_number": "2", "accepted_on": TODAY().isoformat()},
            {
                "version_number": "2",
                "accepted_on": (TODAY() + datetime.timedelta(days=3)).isoformat(),
                "confirm": "on",
            },
            {"version_number": "two", "accepted_on": TODAY().isoformat(), "confirm": "on"},
            {},
        ):
            with self.subTest(data=data):
                self.assertEqual(self.client.post(self.url("conduct_accept"), data).status_code, 400)
        self.assertFalse(ConductAcceptance.objects.filter(volunteer=self.pg_volunteer).exists())

    def test_a_volunteer_accepts_the_current_version_themselves(self) -> None:
        self.login(self.volunteer)
        response = self.client.get(reverse("volunteer_me"))
        self.assertContains(response, "Kodi i sjelljes")
        self.assertIn("conduct_form", response.context)
        response = self.client.post(self.url("conduct_accept"), {"version_number": "1", "confirm": "on"})
        self.assertRedirects(response, reverse("volunteer_me"), fetch_redirect_response=False)
        acceptance = ConductAcceptance.objects.get(volunteer=self.pg_volunteer)
        self.assertEqual((acceptance.accepted_on, acceptance.recorded_by), (TODAY(), self.volunteer))
        response = self.client.get(reverse("volunteer_me"))
        self.assertTrue(response.context["accepted_current"])
        self.assertNotIn("conduct_form", response.context)

    def test_without_a_code_of_conduct_there_is_nothing_to_accept(self) -> None:
        self.pg_conduct.acceptances.all().delete()
        self.pg_conduct.delete()
        self.login(self.manager)
        self.assertEqual(self.client.get(self.url("conduct_accept")).status_code, 302)


class VolunteerMeTests(VolunteerTestCase):
    def test_a_volunteer_sees_their_activities_hours_and_trainings(self) -> None:
        self.login(self.volunteer)
        response = self.client.get(reverse("volunteer_me"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual([a.title for a in response.context["activities"]], ["Kurs rrobaqepësie"])
        self.assertNotContains(response, "Kurs parukerie")
        self.assertContains(response, "Mbrojtja e fëmijëve")
        self.assertEqual(response.context["record"].hours_total, Decimal("2.5"))
        choices = [str(c[1]) for c in response.context["hours_form"].fields["activity"].choices]
        self.assertEqual(len(choices), 2)  # "—" and the course they facilitate

    def test_users_without_a_volunteer_profile_get_404(self) -> None:
        for user in (self.manager, self.alice, self.charlie, self.dave, self.admin):
            self.login(user)
            self.assertEqual(self.client.get(reverse("volunteer_me")).status_code, 404)


class PageMarkupTests(VolunteerTestCase):
    def test_the_pages_with_several_forms_have_unique_ids(self) -> None:
        import re

        for user, url in (
            (self.manager, self.url("volunteer_detail")),
            (self.volunteer, reverse("volunteer_me")),
        ):
            self.login(user)
            response = self.client.get(url)
            ids = re.findall(rb'\sid="([^"]+)"', response.content)
            with self.subTest(url=url):
                self.assertEqual(len(ids), len(set(ids)))
                self.assertNotIn(b"<script>", response.content)
