"""A fresh demo has missionaries at two centres and volunteers at every stage of the pipeline (issue 20)."""

from __future__ import annotations

import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.test import TestCase, override_settings

from kujdes.core.models import Membership
from kujdes.core.scoping import system_scope
from kujdes.programme.models import Facilitator, Volunteer, VolunteerStage, VolunteerStageChange
from kujdes.programme.volunteers.selectors import curriculum_progress


class StaffDemoTests(TestCase):
    databases = {"default", "keys"}

    @classmethod
    def setUpTestData(cls) -> None:
        cls.var = Path(tempfile.mkdtemp())
        with override_settings(VAR_DIR=cls.var):
            call_command("demo", stdout=StringIO())

    def setUp(self) -> None:
        scope = system_scope()
        scope.__enter__()
        self.addCleanup(scope.__exit__, None, None, None)

    def test_missionaries_serve_two_centres_and_facilitate_there(self) -> None:
        centres = set(
            Membership.objects.filter(
                organisation__code="caritas-al", staff_category="missionary", unit__kind="centre"
            ).values_list("unit__name", flat=True)
        )
        self.assertGreaterEqual(len(centres), 2, centres)
        facilitated = set(
            Facilitator.objects.filter(
                organisation__code="caritas-al", staff_category="missionary"
            ).values_list("activity__unit__name", flat=True)
        )
        self.assertGreaterEqual(len(facilitated & centres), 2, facilitated)

    def test_the_pipeline_has_people_at_each_stage_with_their_history(self) -> None:
        volunteers = Volunteer.objects.filter(organisation__code="caritas-al")
        self.assertEqual(set(volunteers.values_list("stage", flat=True)), set(VolunteerStage.values))
        for volunteer in volunteers:
            changes = VolunteerStageChange.objects.filter(volunteer=volunteer).order_by("decided_on", "pk")
            self.assertEqual(changes.first().to_stage, "application", volunteer)
            self.assertEqual(changes.last().to_stage, volunteer.stage, volunteer)
        in_training = [v for v in volunteers if v.stage == "training"]
        self.assertTrue(any(curriculum_progress(volunteer=v).done > 0 for v in in_training))
        active = volunteers.filter(stage="active")
        self.assertTrue(all(curriculum_progress(volunteer=v).complete for v in active))
        self.assertEqual(set(active.values_list("is_active", flat=True)), {True})
