"""Measures for milestones: methods a partner applies, meetings it attended."""

from __future__ import annotations

import datetime

from django.utils import timezone

from kujdes.core.scoping import system_scope
from kujdes.network.measures import measure_get
from kujdes.network.reflection import services
from kujdes.network.reflection.models import MethodApplication
from kujdes.network.reflection.tests.base import ReflectionTestCase

YEAR = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))


class MeasureTests(ReflectionTestCase):
    def test_both_measures_are_registered(self) -> None:
        self.assertIsNotNone(measure_get("methods_applied"))
        self.assertIsNotNone(measure_get("network_meetings_attended"))

    def test_methods_applied_counts_a_method_once_across_versions_and_not_when_only_planned(self) -> None:
        with system_scope():
            first = services.method_create(
                actor=self.coordinator, title="A", summary="a", version_label="1.0"
            )
            second = services.method_new_version(
                actor=self.coordinator, previous=first, title="A", summary="a", version_label="2.0"
            )
            other = services.method_create(
                actor=self.coordinator, title="B", summary="b", version_label="1.0"
            )
            planned = services.method_create(
                actor=self.coordinator, title="C", summary="c", version_label="1.0"
            )
            for method, extent, since in (
                (first, "full", datetime.date(2026, 2, 1)),
                (second, "partial", datetime.date(2026, 9, 1)),
                (other, "full", datetime.date(2027, 3, 1)),
                (planned, "planned", datetime.date(2026, 1, 1)),
            ):
                services.method_application_record(
                    actor=self.admin, method=method, partner=self.partner_al, extent=extent, since=since
                )
        compute = measure_get("methods_applied").compute  # type: ignore[union-attr]
        self.assertEqual(compute(self.partner_al, *YEAR), 1)
        self.assertEqual(compute(self.partner_al, datetime.date(2027, 1, 1), datetime.date(2027, 12, 31)), 2)
        self.assertEqual(compute(self.partner_al, datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)), 0)
        self.assertEqual(compute(self.partner_fr, *YEAR), 0)
        self.assertEqual(MethodApplication.objects.count(), 4)

    def test_meetings_attended_counts_held_meetings_of_the_period_where_the_partner_was_present(self) -> None:
        this_year = timezone.now().year
        with system_scope():
            services.meeting_attendance_record(
                actor=self.coordinator,
                meeting=self.plenary,
                statuses={self.partner_al.pk: "present", self.partner_fr.pk: "excused"},
            )
            services.meeting_attendance_record(
                actor=self.admin, meeting=self.group_meeting, statuses={self.partner_al.pk: "present"}
            )
            planned = services.meeting_create(
                actor=self.coordinator, working_group=None, title="Later", starts_at=timezone.now()
            )
            services.meeting_attendance_record(
                actor=self.coordinator, meeting=planned, statuses={self.partner_al.pk: "present"}
            )
        compute = measure_get("network_meetings_attended").compute  # type: ignore[union-attr]
        year = (datetime.date(this_year - 1, 1, 1), datetime.date(this_year, 12, 31))
        self.assertEqual(compute(self.partner_al, *year), 2)  # the planned meeting is not "held"
        self.assertEqual(compute(self.partner_fr, *year), 0)
        self.assertEqual(compute(self.partner_al, datetime.date(1999, 1, 1), datetime.date(1999, 12, 31)), 0)
