"""The summer-camp pages: overview, groups, parental consent, and the restricted incident log."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.services import person_create
from kujdes.programme import services
from kujdes.programme.models import CampGroup, CampIncident, Participation
from kujdes.programme.tests.fixtures import programme_fixtures


class CampTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            programme_fixtures(cls)
            person = person_create(
                actor=cls.educator, unit=cls.centre_a, given_name="Dritan", sex="Masculine", birth_year=2013
            )
            # A camper whose consent is not on file (enrolled before consent was required: imported data).
            cls.camper_without = services.participant_enrol(
                actor=cls.manager,
                activity=cls.pg_camp,
                person=person,
                parental_consent=True,
                parental_consent_by="Nëna",
            )
            Participation.objects.filter(pk=cls.camper_without.pk).update(
                parental_consent=False, parental_consent_by=""
            )
            cls.camper_without.refresh_from_db()

    def setUp(self) -> None:
        super().setUp()
        scope = system_scope()
        scope.__enter__()
        self.addCleanup(scope.__exit__, None, None, None)

    def camp_url(self, name: str) -> str:
        return reverse(name, kwargs={"public_id": self.pg_camp.public_id})

    def facilitate(self) -> None:
        services.facilitator_add(
            actor=self.manager,
            activity=self.pg_camp,
            role="volunteer",
            volunteer=self.pg_volunteer,
            duty="Kuzhina",
        )


class CampOverviewTests(CampTestCase):
    def test_overview_shows_days_groups_consent_and_roster(self) -> None:
        services.session_add(
            actor=self.manager, activity=self.pg_camp, date=timezone.localdate(), topic="Ekskursion"
        )
        self.facilitate()
        self.login(self.manager)
        with translation.override("sq"):
            response = self.client.get(self.camp_url("camp_overview"))
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, "Ekskursion")
            self.assertContains(response, "Dallëndyshet")
            self.assertContains(response, self.pg_person.code)
            self.assertContains(response, "Dritan")
            self.assertContains(response, 'class="consent-missing"', count=1)
            self.assertContains(response, "Kuzhina")
            self.assertContains(response, self.camp_url("incident_list"))
            self.assertContains(response, gettext("Missing"))
        self.assertTrue(
            AuditEvent.objects.filter(action="programme.participants.viewed", actor=self.manager).exists()
        )

    def test_other_kinds_of_activity_answer_404(self) -> None:
        self.login(self.manager)
        for activity in (self.pg_course, self.pg_campaign):
            url = reverse("camp_overview", kwargs={"public_id": activity.public_id})
            self.assertEqual(self.client.get(url).status_code, 404)
            url = reverse("incident_list", kwargs={"public_id": activity.public_id})
            self.assertEqual(self.client.get(url).status_code, 404)

    def test_case_worker_reads_without_incident_link(self) -> None:
        self.login(self.alice)
        response = self.client.get(self.camp_url("camp_overview"))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, self.camp_url("incident_list"))
        self.assertNotContains(
            response, reverse("camp_participant_edit", kwargs={"public_id": self.pg_camper.public_id})
        )

    def test_facilitating_volunteer_sees_overview_but_never_incidents(self) -> None:
        self.login(self.volunteer)
        self.assertEqual(self.client.get(self.camp_url("camp_overview")).status_code, 404)
        self.facilitate()
        response = self.client.get(self.camp_url("camp_overview"))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, self.camp_url("incident_list"))
        self.assertNotContains(response, "rrëzim")
        self.assertEqual(self.client.get(self.camp_url("incident_list")).status_code, 404)
        self.assertEqual(self.client.get(self.camp_url("incident_create")).status_code, 404)
        response = self.client.post(
            self.camp_url("incident_create"),
            {"occurred_at": "2020-01-01T10:00", "severity": "minor", "description": "x"},
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.client.get(self.camp_url("camp_group_add")).status_code, 403)

    def test_foreign_users_get_404(self) -> None:
        for user in (self.charlie, self.dave):
            self.login(user)
            for name in ("camp_overview", "camp_group_add", "incident_list", "incident_create"):
                with self.subTest(user=user.username, name=name):
                    self.assertEqual(self.client.get(self.camp_url(name)).status_code, 404)
            url = reverse("camp_participant_edit", kwargs={"public_id": self.pg_camper.public_id})
            self.assertEqual(self.client.post(url, {"camp_group": ""}).status_code, 404)


class CampGroupTests(CampTestCase):
    def test_manager_adds_a_group(self) -> None:
        self.login(self.manager)
        response = self.client.post(
            self.camp_url("camp_group_add"), {"name": "Shqiponjat", "leader": "Erion"}
        )
        self.assertRedirects(response, self.camp_url("camp_overview"))
        self.assertTrue(
            CampGroup.objects.filter(activity=self.pg_camp, name="Shqiponjat", leader="Erion").exists()
        )

    def test_duplicate_and_empty_names_answer_400_with_input_kept(self) -> None:
        self.login(self.manager)
        with translation.override("sq"):
            response = self.client.post(
                self.camp_url("camp_group_add"), {"name": "Dallëndyshet", "leader": "Xhoi"}
            )
            self.assertEqual(response.status_code, 400)
            self.assertContains(response, gettext("The camp has a group with this name."), status_code=400)
            self.assertContains(response, "Xhoi", status_code=400)
        self.assertEqual(self.client.post(self.camp_url("camp_group_add"), {}).status_code, 400)
        self.assertEqual(CampGroup.objects.filter(activity=self.pg_camp).count(), 1)

    def test_case_worker_may_not_add(self) -> None:
        self.login(self.bob)
        self.assertEqual(self.client.post(self.camp_url("camp_group_add"), {"name": "X"}).status_code, 403)


class CampParticipantTests(CampTestCase):
    def url(self, participation: Participation) -> str:
        return reverse("camp_participant_edit", kwargs={"public_id": participation.public_id})

    def test_group_and_consent_recorded(self) -> None:
        self.login(self.educator)
        response = self.client.post(
            self.url(self.camper_without),
            {
                "camp_group": str(self.pg_group.pk),
                "parental_consent": "on",
                "guardian_name": "Gjon Babai",
                "guardian_kind": "parent",
            },
        )
        self.assertRedirects(response, self.camp_url("camp_overview"))
        self.camper_without.refresh_from_db()
        self.assertEqual(self.camper_without.camp_group, self.pg_group)
        self.assertTrue(self.camper_without.parental_consent)
        with translation.override("sq"):
            self.assertEqual(self.camper_without.parental_consent_by, gettext("Parent"))
        self.assertTrue(AuditEvent.objects.filter(action="programme.camp.consent.recorded").exists())

    def test_consent_without_who_answers_400(self) -> None:
        self.login(self.manager)
        with translation.override("sq"):
            response = self.client.post(self.url(self.camper_without), {"parental_consent": "on"})
            self.assertContains(response, gettext("Record who gave the consent."), status_code=400)
        response = self.client.post(self.url(self.camper_without), {"camp_group": "not-a-number"})
        self.assertEqual(response.status_code, 400)
        self.camper_without.refresh_from_db()
        self.assertFalse(self.camper_without.parental_consent)

    def test_group_of_another_camp_is_refused(self) -> None:
        other = services.activity_create(
            actor=self.manager,
            unit=self.centre_a,
            activity_type=self.pg_camp.activity_type,
            title="Kampi i dimrit",
            starts_on=self.pg_camp.starts_on,
            ends_on=self.pg_camp.ends_on,
        )
        group = services.camp_group_add(actor=self.manager, activity=other, name="Ujqërit")
        self.login(self.manager)
        response = self.client.post(self.url(self.camper_without), {"camp_group": str(group.pk)})
        self.assertEqual(response.status_code, 400)
        self.camper_without.refresh_from_db()
        self.assertIsNone(self.camper_without.camp_group)

    def test_a_course_participation_is_not_a_camper(self) -> None:
        self.login(self.manager)
        self.assertEqual(self.client.get(self.url(self.pg_participation)).status_code, 404)

    def test_case_worker_403(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.client.get(self.url(self.pg_camper)).status_code, 403)


class IncidentTests(CampTestCase):
    def test_manager_reads_the_log_and_it_is_audited(self) -> None:
        self.login(self.manager)
        response = self.client.get(self.camp_url("incident_list"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Një rrëzim i lehtë gjatë lojës.")
        event = AuditEvent.objects.filter(action="programme.camp.incidents.viewed", actor=self.manager).get()
        self.assertEqual(event.details.get("incidents"), 1)

    def test_educator_records_an_incident(self) -> None:
        self.login(self.educator)
        when = (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
        response = self.client.post(
            self.camp_url("incident_create"),
            {
                "occurred_at": when,
                "severity": "serious",
                "description": "U largua nga grupi.",
                "action_taken": "",
            },
        )
        self.assertRedirects(response, self.camp_url("incident_list"))
        incident = CampIncident.objects.filter(activity=self.pg_camp, severity="serious").get()
        self.assertEqual(incident.description, "U largua nga grupi.")

    def test_bad_input_answers_400_with_messages_and_input_kept(self) -> None:
        self.login(self.manager)
        future = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        with translation.override("sq"):
            response = self.client.post(
                self.camp_url("incident_create"),
                {"occurred_at": future, "severity": "minor", "description": "Diçka ndodhi"},
            )
            self.assertContains(response, gettext("The time is in the future."), status_code=400)
            self.assertContains(response, "Diçka ndodhi", status_code=400)
        for data in ({}, {"occurred_at": "dje", "severity": "zzz", "description": ""}):
            self.assertEqual(self.client.post(self.camp_url("incident_create"), data).status_code, 400)
        self.assertEqual(CampIncident.objects.filter(activity=self.pg_camp).count(), 1)

    def test_case_workers_and_volunteers_get_404(self) -> None:
        self.facilitate()
        for user in (self.alice, self.bob, self.volunteer, self.charlie, self.dave):
            self.login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(self.camp_url("incident_list")).status_code, 404)
        self.assertFalse(AuditEvent.objects.filter(action="programme.camp.incidents.viewed").exists())
