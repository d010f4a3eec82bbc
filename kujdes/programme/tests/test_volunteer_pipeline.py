"""The volunteers' recruitment pipeline, the training curriculum and its certificate (issue 20)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.programme.models import TrainingModule, Volunteer, VolunteerStageChange, VolunteerTraining
from kujdes.programme.tests.fixtures import programme_fixtures
from kujdes.programme.volunteers import services as pipeline
from kujdes.programme.volunteers.selectors import curriculum_progress, stage_history

TODAY = timezone.localdate


def ago(days: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=days)


class PipelineTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            programme_fixtures(cls)
            pipeline.curriculum_install(actor=None, organisation_id=cls.org.pk)
            cls.modules = list(TrainingModule.objects.filter(organisation=cls.org).order_by("order"))
            cls.applicant = pipeline.volunteer_enter(
                actor=cls.manager,
                unit=cls.centre_a,
                given_name="Arta",
                family_name="Kodra",
                joined_on=ago(60),
            )

    def setUp(self) -> None:
        super().setUp()
        scope = system_scope()
        scope.__enter__()
        self.addCleanup(scope.__exit__, None, None, None)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        translation.activate("en")
        self.addCleanup(translation.deactivate)

    def url(self, name: str, volunteer: Volunteer | None = None) -> str:
        return reverse(name, kwargs={"public_id": (volunteer or self.applicant).public_id})

    def move(
        self, to_stage: str, on: datetime.date, notes: str = "", volunteer: Volunteer | None = None
    ) -> Any:
        volunteer = volunteer or Volunteer.objects.get(pk=self.applicant.pk)
        return pipeline.volunteer_stage_change(
            actor=self.manager, volunteer=volunteer, to_stage=to_stage, decided_on=on, notes=notes
        )

    def all_modules(self, volunteer: Volunteer | None = None, on: datetime.date | None = None) -> None:
        for module in self.modules:
            pipeline.training_record(
                actor=self.educator,
                volunteer=volunteer or self.applicant,
                module=module,
                completed_on=on or ago(40),
            )


class PipelineServiceTests(PipelineTestCase):
    def test_a_new_volunteer_enters_as_an_application_with_the_first_line_of_history(self) -> None:
        self.assertEqual(self.applicant.stage, "application")
        self.assertFalse(self.applicant.is_active)
        (entry,) = stage_history(volunteer=self.applicant)
        self.assertEqual(
            (entry.from_stage, entry.to_stage, entry.decided_by), ("", "application", self.manager)
        )

    def test_it_walks_the_pipeline_to_active_with_who_decided_when_and_why(self) -> None:
        self.move("interview", ago(55), "Motivated; has led a scout group.")
        self.move("training", ago(50))
        self.all_modules()
        self.move("safeguarding", ago(30))
        Volunteer.objects.filter(pk=self.applicant.pk).update(
            background_check="cleared", background_checked_on=ago(25), background_check_expires_on=ago(-700)
        )
        volunteer = self.move("active", ago(20))
        self.assertEqual(
            (volunteer.stage, volunteer.stage_since, volunteer.is_active), ("active", ago(20), True)
        )
        history = stage_history(volunteer=volunteer)
        self.assertEqual(
            [c.to_stage for c in history], ["active", "safeguarding", "training", "interview", "application"]
        )
        self.assertEqual(history[3].notes, "Motivated; has led a scout group.")
        event = AuditEvent.objects.filter(action="programme.volunteer.stage_changed").latest("seq")
        self.assertEqual(event.details, {"from": "safeguarding", "to": "active", "on": ago(20).isoformat()})
        self.assertNotIn("scout", str(AuditEvent.objects.filter(object_id=str(volunteer.public_id)).values()))

    def test_the_notes_are_sealed_with_the_volunteers_key(self) -> None:
        self.move("interview", ago(55), "Lives near the centre.")
        stored = (
            VolunteerStageChange.objects.filter(to_stage="interview").values_list("notes", flat=True).get()
        )
        self.assertTrue(stored.token.startswith("k1:"))
        self.assertNotIn("centre", stored.token)

    def test_a_stage_cannot_be_skipped(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            self.move("active", ago(1))
        self.assertIn("to_stage", raised.exception.message_dict)

    def test_the_safeguarding_check_waits_for_the_whole_curriculum(self) -> None:
        self.move("interview", ago(55))
        self.move("training", ago(50))
        pipeline.training_record(
            actor=self.manager, volunteer=self.applicant, module=self.modules[0], completed_on=ago(45)
        )
        with self.assertRaises(ValidationError) as raised:
            self.move("safeguarding", ago(30))
        self.assertIn(f"1 of {len(self.modules)} modules", str(raised.exception))

    def test_only_a_cleared_valid_check_makes_a_volunteer_active(self) -> None:
        self.move("interview", ago(55))
        self.move("training", ago(50))
        self.all_modules()
        self.move("safeguarding", ago(30))
        with self.assertRaises(ValidationError):
            self.move("active", ago(20))  # not started
        Volunteer.objects.filter(pk=self.applicant.pk).update(
            background_check="cleared", background_checked_on=ago(300), background_check_expires_on=ago(21)
        )
        with self.assertRaises(ValidationError):
            self.move("active", ago(20))  # expired the day before

    def test_a_refusal_or_a_withdrawal_needs_its_reason(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            self.move("refused", ago(50), "  ")
        self.assertIn("notes", raised.exception.message_dict)
        volunteer = self.move("withdrawn", ago(50), "Moved abroad.")
        self.assertEqual(volunteer.stage, "withdrawn")
        # …and a new application may follow.
        self.assertEqual(self.move("application", ago(10), volunteer=volunteer).stage, "application")

    def test_dates_in_the_future_or_before_the_current_stage_are_refused(self) -> None:
        for day in (ago(-1), ago(61)):
            with self.subTest(day=day), self.assertRaises(ValidationError) as raised:
                self.move("interview", day)
            self.assertIn("decided_on", raised.exception.message_dict)

    def test_only_staff_who_manage_the_unit_move_a_volunteer(self) -> None:
        for user in (self.charlie, self.volunteer, self.admin, self.dave):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                pipeline.volunteer_stage_change(
                    actor=user, volunteer=self.applicant, to_stage="interview", decided_on=ago(1)
                )


class CurriculumTests(PipelineTestCase):
    def test_the_default_curriculum_is_installed_once_from_the_data_file(self) -> None:
        self.assertEqual([m.code for m in self.modules][:2], ["programme-values", "trafficking-basics"])
        self.assertEqual(len(self.modules), len(pipeline.default_curriculum()))
        self.assertEqual(self.modules[0].name("sq"), "Programi dhe vlerat e tij")
        self.assertEqual(pipeline.curriculum_install(actor=None, organisation_id=self.org.pk), 0)
        self.assertFalse(TrainingModule.objects.filter(organisation=self.other_org).exists())

    def test_progress_counts_modules_and_hours_and_a_retired_module_no_longer_counts(self) -> None:
        pipeline.training_record(
            actor=self.manager, volunteer=self.applicant, module=self.modules[1], completed_on=ago(3)
        )
        progress = curriculum_progress(volunteer=self.applicant)
        self.assertEqual((progress.done, progress.complete), (1, False))
        self.assertEqual(progress.hours_done, self.modules[1].hours)
        for module in self.modules:
            if module != self.modules[1]:
                TrainingModule.objects.filter(pk=module.pk).update(is_active=False)
        progress = curriculum_progress(volunteer=self.applicant)
        self.assertEqual((progress.done, progress.complete, progress.completed_on), (1, True, ago(3)))

    def test_a_module_training_keeps_the_module_and_its_hours(self) -> None:
        training = pipeline.training_record(
            actor=self.manager, volunteer=self.applicant, module=self.modules[2], completed_on=ago(3)
        )
        self.assertEqual(training.title, self.modules[2].name())
        self.assertEqual(training.hours, self.modules[2].hours)
        other = pipeline.training_record(
            actor=self.manager,
            volunteer=self.applicant,
            module=self.modules[2],
            completed_on=ago(2),
            hours=Decimal("1.5"),
            title="Refresher",
        )
        self.assertEqual((other.title, other.hours), ("Refresher", Decimal("1.5")))

    def test_another_organisations_module_is_refused(self) -> None:
        pipeline.curriculum_install(actor=None, organisation_id=self.other_org.pk)
        foreign = TrainingModule.objects.filter(organisation=self.other_org).first()
        with self.assertRaises(PermissionDenied):
            pipeline.training_record(
                actor=self.manager, volunteer=self.applicant, module=foreign, completed_on=ago(1)
            )


class PipelinePageTests(PipelineTestCase):
    def test_the_board_counts_each_stage_and_lists_the_chosen_one(self) -> None:
        self.login(self.manager)
        response = self.client.get(reverse("volunteer_pipeline"))
        self.assertEqual(response.status_code, 200)
        counts = {column["stage"]: column["count"] for column in response.context["columns"]}
        self.assertEqual(counts["application"], 1)
        self.assertEqual(counts["active"], 1)  # the fixtures' volunteer
        self.assertContains(response, "Safeguarding check")
        response = self.client.get(reverse("volunteer_pipeline"), {"stage": "application"})
        self.assertEqual([str(v) for v in response.context["page"]], ["Arta Kodra"])
        # The columns' links keep the other filters.
        response = self.client.get(reverse("volunteer_pipeline"), {"name": "arta", "stage": "active"})
        self.assertEqual(list(response.context["page"]), [])
        links = {column["stage"]: column["query"] for column in response.context["columns"]}
        self.assertEqual(links["interview"], "name=arta&stage=interview")
        self.assertTrue(AuditEvent.objects.filter(action="programme.volunteers.viewed").exists())

    def test_the_board_paginates_with_its_filters(self) -> None:
        for n in range(26):
            pipeline.volunteer_enter(
                actor=self.manager, unit=self.centre_a, given_name=f"V{n:02d}", joined_on=ago(5)
            )
        self.login(self.manager)
        response = self.client.get(reverse("volunteer_pipeline"), {"stage": "application"})
        self.assertEqual(response.context["page"].paginator.count, 27)
        self.assertContains(response, "?stage=application&amp;page=2")
        second = self.client.get(reverse("volunteer_pipeline"), {"stage": "application", "page": "2"})
        self.assertEqual(len(second.context["page"]), 2)

    def test_bad_filters_are_ignored_not_a_500(self) -> None:
        self.login(self.manager)
        response = self.client.get(reverse("volunteer_pipeline"), {"stage": "x", "unit": "y", "page": "z"})
        self.assertEqual(response.status_code, 200)

    def test_the_board_is_for_staff_who_manage_the_programme(self) -> None:
        for user in (self.alice, self.volunteer, self.admin, self.viewer):
            self.login(user)
            self.assertIn(self.client.get(reverse("volunteer_pipeline")).status_code, (403, 404))
        self.login(self.charlie)
        self.assertIn(self.client.get(reverse("volunteer_pipeline")).status_code, (403, 404))

    def test_a_stage_change_through_the_form(self) -> None:
        self.login(self.educator)
        response = self.client.get(self.url("volunteer_stage_change"))
        self.assertEqual(
            [value for value, _label in response.context["form"].fields["to_stage"].choices],
            ["interview", "refused", "withdrawn"],
        )
        response = self.client.post(
            self.url("volunteer_stage_change"),
            {
                "to_stage": "interview",
                "decided_on": ago(2).isoformat(),
                "notes": "Friday at 10.",
                "version": "1",
            },
        )
        self.assertRedirects(response, self.url("volunteer_detail"), fetch_redirect_response=False)
        self.applicant.refresh_from_db()
        self.assertEqual((self.applicant.stage, self.applicant.stage_since), ("interview", ago(2)))
        detail = self.client.get(self.url("volunteer_detail"))
        self.assertContains(detail, "Friday at 10.")
        self.assertContains(detail, "decided by Educator Test")

    def test_a_refusal_without_reason_answers_400_with_the_input_kept(self) -> None:
        self.login(self.manager)
        response = self.client.post(
            self.url("volunteer_stage_change"),
            {"to_stage": "refused", "decided_on": ago(1).isoformat(), "notes": "", "version": "1"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "a refusal or a withdrawal needs its reason", status_code=400)
        self.assertEqual(response.context["form"]["to_stage"].value(), "refused")
        for data in ({}, {"to_stage": "active", "decided_on": "yesterday", "version": "1"}):
            self.assertEqual(self.client.post(self.url("volunteer_stage_change"), data).status_code, 400)

    def test_a_stale_stage_change_answers_409(self) -> None:
        self.move("interview", ago(5))
        self.login(self.manager)
        response = self.client.post(
            self.url("volunteer_stage_change"),
            {"to_stage": "withdrawn", "decided_on": ago(1).isoformat(), "notes": "Busy.", "version": "1"},
        )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "they are now at “Interview”", status_code=409)

    def test_foreign_volunteers_are_missing(self) -> None:
        for user in (self.charlie, self.dave, self.other_admin):
            self.login(user)
            for name in ("volunteer_stage_change", "volunteer_certificate", "volunteer_detail"):
                with self.subTest(user=user.username, name=name):
                    self.assertEqual(self.client.get(self.url(name)).status_code, 404)
            response = self.client.post(
                self.url("volunteer_stage_change"),
                {"to_stage": "interview", "decided_on": ago(1).isoformat(), "version": "1"},
            )
            self.assertEqual(response.status_code, 404)

    def test_the_volunteer_cannot_change_their_own_stage(self) -> None:
        self.login(self.volunteer)
        self.assertEqual(
            self.client.get(self.url("volunteer_stage_change", self.pg_volunteer)).status_code, 403
        )

    def test_a_training_of_the_curriculum_through_the_form(self) -> None:
        self.login(self.manager)
        response = self.client.post(
            self.url("training_add"),
            {"module": str(self.modules[0].pk), "title": "", "completed_on": ago(1).isoformat()},
        )
        self.assertEqual(response.status_code, 302)
        training = VolunteerTraining.objects.get(volunteer=self.applicant)
        self.assertEqual((training.module, training.hours), (self.modules[0], self.modules[0].hours))
        response = self.client.post(
            self.url("training_add"), {"title": "", "completed_on": ago(1).isoformat()}
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("title", response.context["form"].errors)


class CertificateTests(PipelineTestCase):
    def test_the_certificate_needs_the_whole_curriculum(self) -> None:
        self.login(self.manager)
        response = self.client.get(self.url("volunteer_certificate"))
        self.assertRedirects(response, self.url("volunteer_detail"), fetch_redirect_response=False)
        self.assertFalse(AuditEvent.objects.filter(action="programme.volunteer.certificate_issued").exists())

    def test_a_volunteer_who_completed_the_curriculum_gets_a_numbered_certificate(self) -> None:
        self.all_modules(on=ago(10))
        self.login(self.manager)
        detail = self.client.get(self.url("volunteer_detail"))
        self.assertContains(detail, self.url("volunteer_certificate"))
        response = self.client.get(self.url("volunteer_certificate"), {"language": "en"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.applicant.refresh_from_db()
        self.assertEqual(self.applicant.certificate_number, f"VOL-{ago(10).year}-0001")
        # Issued again: the same number; each issue audited.
        self.client.get(self.url("volunteer_certificate"))
        self.applicant.refresh_from_db()
        self.assertEqual(self.applicant.certificate_number, f"VOL-{ago(10).year}-0001")
        events = AuditEvent.objects.filter(
            action="programme.volunteer.certificate_issued", object_id=str(self.applicant.public_id)
        )
        self.assertEqual(events.count(), 2)
        self.assertEqual(events.first().details["number"], self.applicant.certificate_number)


class CurriculumPageTests(PipelineTestCase):
    def test_the_administrator_lists_adds_and_edits_modules(self) -> None:
        self.login(self.admin)
        response = self.client.get(reverse("curriculum_list"))
        self.assertContains(response, "Human trafficking: forms, indicators, myths")
        self.assertEqual(response.context["missing"], 0)
        response = self.client.post(
            reverse("curriculum_module_create"),
            {
                "code": "first-aid",
                "name_en": "First aid",
                "name_sq": "Ndihma e parë",
                "hours": "3",
                "order": "90",
                "is_active": "on",
            },
        )
        self.assertRedirects(response, reverse("curriculum_list"), fetch_redirect_response=False)
        module = TrainingModule.objects.get(organisation=self.org, code="first-aid")
        response = self.client.post(
            reverse("curriculum_module_edit", kwargs={"public_id": module.public_id}),
            {
                "name_en": "First aid at camps",
                "name_sq": "Ndihma e parë në kampe",
                "hours": "4",
                "order": "95",
                "version": "1",
            },
        )
        self.assertEqual(response.status_code, 302)
        module.refresh_from_db()
        self.assertEqual(
            (module.names["en"], module.hours, module.is_active), ("First aid at camps", 4, False)
        )
        self.assertTrue(AuditEvent.objects.filter(action="programme.curriculum.module_changed").exists())

    def test_bad_module_input_answers_400_with_the_input_kept(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            reverse("curriculum_module_create"),
            {"code": "x", "name_en": "", "name_sq": "", "name_fr": "", "hours": "900", "order": "1"},
        )
        self.assertEqual(response.status_code, 400)
        # The organisation's default language (Albanian) is the one name required, asked first.
        self.assertEqual(set(response.context["form"].errors), {"name_sq"})
        response = self.client.post(
            reverse("curriculum_module_create"),
            {"code": "x", "name_sq": "Ndihma e parë", "hours": "900", "order": "1"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(set(response.context["form"].errors), {"hours"})
        response = self.client.post(
            reverse("curriculum_module_create"),
            {"code": "programme-values", "name_en": "Again", "name_sq": "Sërish", "hours": "2", "order": "1"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "A module with this code already exists.", status_code=400)
        self.assertContains(response, 'value="Again"', status_code=400)

    def test_the_default_modules_come_back_when_missing(self) -> None:
        TrainingModule.objects.filter(organisation=self.org, code="self-care").delete()
        self.login(self.admin)
        self.assertEqual(self.client.get(reverse("curriculum_list")).context["missing"], 1)
        self.client.post(reverse("curriculum_install"))
        self.assertTrue(TrainingModule.objects.filter(organisation=self.org, code="self-care").exists())

    def test_another_organisations_module_is_missing_and_staff_may_not_configure(self) -> None:
        module = self.modules[0]
        self.login(self.other_admin)
        url = reverse("curriculum_module_edit", kwargs={"public_id": module.public_id})
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(
            self.client.post(url, {"name_en": "Hacked", "hours": "1", "order": "1"}).status_code, 404
        )
        for user in (self.manager, self.educator, self.volunteer, self.charlie):
            self.login(user)
            self.assertEqual(self.client.get(reverse("curriculum_list")).status_code, 403)
