"""A fresh demo holds every kind of case record the README promises, made through the services."""

from __future__ import annotations

import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import timezone

from kujdes.cases.demo_stories import STORIES
from kujdes.cases.models import (
    Approval,
    Case,
    CaseDocument,
    CaseNote,
    CaseTask,
    FollowUp,
    NrmDecision,
    ServiceDelivery,
    SupportPlan,
    TraffickingEvent,
)
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.people.models import Household, PersonRelation
from kujdes.referrals.models import Referral
from kujdes.screening.models import Screening


class FreshDemoTests(TestCase):
    databases = {"default", "keys"}

    @classmethod
    def setUpTestData(cls) -> None:
        cls.var = Path(tempfile.mkdtemp())
        with override_settings(VAR_DIR=cls.var):
            call_command("demo", stdout=StringIO())

    def count(self, model: type) -> int:
        with system_scope():
            return model.objects.filter(organisation__code="caritas-al").count()

    def test_a_fresh_demo_has_each_kind_of_record_the_readme_names(self) -> None:
        # README: "guardians, households, screenings, cases in every stage of the national referral
        # mechanism, plans, follow-ups and referrals"; the case page's "NRM decisions, events, plans,
        # services, follow-ups, notes, documents and referrals"; "overdue follow-ups and tasks";
        # "Approvals (closures …)".
        kinds = [
            PersonRelation,
            Household,
            Screening,
            NrmDecision,
            TraffickingEvent,
            SupportPlan,
            CaseTask,
            ServiceDelivery,
            FollowUp,
            CaseNote,
            CaseDocument,
            Referral,
            Approval,
        ]
        empty = [model.__name__ for model in kinds if self.count(model) == 0]
        self.assertEqual(empty, [])
        with system_scope():
            self.assertTrue(PersonRelation.objects.filter(is_guardian=True).exists())
            stages = set(
                Case.objects.filter(organisation__code="caritas-al").values_list("nrm_stage", flat=True)
            )
        self.assertEqual(stages, {"at_risk", "potential_victim", "official_victim"})

    def test_every_story_plan_and_follow_up_is_there(self) -> None:
        self.assertEqual(self.count(SupportPlan), sum(len(story.plans) for story in STORIES))
        self.assertEqual(self.count(FollowUp), sum(len(story.follow_ups) for story in STORIES))

    def test_the_official_victim_reached_her_stage_through_two_decisions(self) -> None:
        with system_scope():
            # The story of official status (the synthetic crowd's cases have no decisions of their own).
            case = (
                Case.objects.filter(nrm_stage="official_victim", nrm_decisions__isnull=False).distinct().get()
            )
            path = list(case.nrm_decisions.order_by("decided_on").values_list("from_stage", "to_stage"))
        self.assertEqual(path, [("at_risk", "potential_victim"), ("potential_victim", "official_victim")])

    def test_the_case_work_was_recorded_through_the_services_and_audited(self) -> None:
        with system_scope():
            actions = set(AuditEvent.objects.values_list("action", flat=True))
        for action in (
            "case.nrm.advanced",
            "case.plan.created",
            "case.task.created",
            "case.service.recorded",
            "case.follow_up.recorded",
            "case.note.added",
            "case.document.stored",
            "case.closure.requested",
        ):
            self.assertIn(action, actions)

    def test_my_work_shows_overdue_tasks_and_follow_ups(self) -> None:

        today = timezone.localdate()
        with system_scope():
            overdue_tasks = CaseTask.objects.filter(done_on__isnull=True, due_on__lt=today).count()
            overdue_follow_ups = FollowUp.objects.filter(is_latest=True, next_due_on__lt=today).count()
        self.assertGreater(overdue_tasks, 0)
        self.assertGreater(overdue_follow_ups, 0)

    def test_the_field_educators_phone_sent_a_mapped_headcount_and_a_possible_duplicate(self) -> None:
        from kujdes.fieldsync.models import (
            Device,
            Form,
            ReviewItem,
            ReviewReason,
            Submission,
            SubmissionState,
        )

        self.assertEqual(self.count(Form), 6)
        with system_scope():
            self.assertTrue(Device.objects.filter(user__username="educator-lezhe").exists())
            states = dict(
                Submission.objects.filter(organisation__code="caritas-al").values_list(
                    "form__xml_form_id", "state"
                )
            )
            self.assertEqual(
                states,
                {
                    "kujdes_headcount": SubmissionState.MAPPED,
                    "kujdes_participant_register": SubmissionState.REVIEW,
                },
            )
            (item,) = ReviewItem.objects.filter(organisation__code="caritas-al")
        self.assertEqual(item.reason, ReviewReason.POSSIBLE_DUPLICATE)
        self.assertEqual(len(item.detail["candidates"]), 1)
