"""Facilitators' staff categories and the reports' figures by category (issue 20).

Two activities in 2025 Q2. Course A (Centre A1, 1 April – 30 June) is run by a missionary sister (her
membership says so), the programme manager (an employee), a volunteer and an external trainer named by
hand; it held sessions of 3 h (10 April) and 1.5 h (10 May), and one planned for 1 June was not held.
Meeting B (Diocese B, 15 May) is run by "Sister Ana", named by hand as a missionary, with a held session
of 2 h. So: 5 facilitations (missionary 2, employee 1, volunteer 1, external trainer 1) and 20 hours
(missionary 4.5 + 2, the three others 4.5 each).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from kujdes.core.roles import Role
from kujdes.core.scoping import system_scope, tenant_scope
from kujdes.core.services import membership_assign
from kujdes.core.tests.base import BaseTestCase, user_create
from kujdes.programme import services
from kujdes.programme.models import ActivityType, Facilitator, Session
from kujdes.reports.catalogue import catalogue
from kujdes.reports.engine import Engine
from kujdes.reports.selectors import figures_compute, indicators_get, period_quarter, report_scope
from kujdes.reports.sources import Context

CODES = ["activities_facilitated", "facilitation_hours"]


def d(month: int, day: int) -> datetime.date:
    return datetime.date(2025, month, day)


class StaffCategoryTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            services.activity_types_install(organisation_id=cls.org.pk)
            course_type = ActivityType.objects.get(organisation=cls.org, code="vocational-course")
            meeting_type = ActivityType.objects.get(organisation=cls.org, code="information-meeting")
            cls.sister = user_create(username="sister", organisation=cls.org, unit=None, role=None, mfa=False)
            membership_assign(
                actor=cls.admin,
                user=cls.sister,
                unit=cls.centre_a,
                role=Role.FIELD_EDUCATOR,
                staff_category="missionary",
            )
            cls.helper = services.volunteer_create(
                actor=cls.manager, unit=cls.centre_a, given_name="Drita", joined_on=d(1, 10)
            )
            cls.course = services.activity_create(
                actor=cls.manager,
                unit=cls.centre_a,
                activity_type=course_type,
                title="Course A",
                starts_on=d(4, 1),
                ends_on=d(6, 30),
            )
            cls.facilitators = [
                services.facilitator_add(
                    actor=cls.manager, activity=cls.course, role="staff", user=cls.sister
                ),
                services.facilitator_add(
                    actor=cls.manager, activity=cls.course, role="staff", user=cls.manager
                ),
                services.facilitator_add(
                    actor=cls.manager, activity=cls.course, role="volunteer", volunteer=cls.helper
                ),
                services.facilitator_add(
                    actor=cls.manager, activity=cls.course, role="expert", name="Trajnere"
                ),
            ]
            for day, start, end in ((d(4, 10), 9, 12), (d(5, 10), 10, 11), (d(6, 1), 9, 10)):
                services.session_add(
                    actor=cls.manager,
                    activity=cls.course,
                    date=day,
                    starts_at=datetime.time(start, 0),
                    ends_at=datetime.time(end, 30 if start == 10 else 0),
                )
            Session.objects.filter(activity=cls.course, date__lt=d(6, 1)).update(status="held")
            manager_b = user_create(
                username="manager_b", organisation=cls.org, unit=cls.diocese_b, role=Role.PROGRAMME_MANAGER
            )
            cls.meeting = services.activity_create(
                actor=manager_b,
                unit=cls.diocese_b,
                activity_type=meeting_type,
                title="Meeting B",
                starts_on=d(5, 15),
                ends_on=d(5, 15),
            )
            services.facilitator_add(
                actor=manager_b,
                activity=cls.meeting,
                role="staff",
                name="Sister Ana",
                staff_category="missionary",
            )
            services.session_add(
                actor=manager_b,
                activity=cls.meeting,
                date=d(5, 15),
                starts_at=datetime.time(18, 0),
                ends_at=datetime.time(20, 0),
            )
            Session.objects.filter(activity=cls.meeting).update(status="held")

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        translation.activate("en")
        self.addCleanup(translation.deactivate)

    def compute(self, user: Any, dims: list[str]) -> tuple[dict[str, Any], int]:
        with tenant_scope(organisation_ids=[user.organisation_id]):
            scope = report_scope(actor=user)
            figures, _engine = figures_compute(
                scope=scope, period=period_quarter(2025, 2), indicators=indicators_get(CODES), dims=dims
            )
        return {figure.indicator.code: figure for figure in figures}, scope.threshold

    @staticmethod
    def rows(figure: Any, dim: str) -> dict[Any, Any]:
        (breakdown,) = [b for b in figure.breakdowns if b.dim == dim]
        return {row.code: row.cell.value for row in breakdown.rows}

    def test_each_facilitator_carries_the_category_they_serve_in(self) -> None:
        with system_scope():
            categories = [Facilitator.objects.get(pk=f.pk).staff_category for f in self.facilitators]
            named = Facilitator.objects.get(activity=self.meeting).staff_category
        self.assertEqual(categories, ["missionary", "employee", "volunteer", "external_trainer"])
        self.assertEqual(named, "missionary")

    def test_activities_and_hours_by_staff_category(self) -> None:
        context = Context(
            organisation_id=self.org.pk,
            unit_ids=(self.root.pk, self.diocese_a.pk, self.diocese_b.pk, self.centre_a.pk),
            start=d(4, 1),
            end=d(6, 30),
        )
        with tenant_scope(organisation_ids=[self.org.pk]):
            engine = Engine(context)
            activities, hours = (
                engine.figure(catalogue()[code], dims=["staff_category", "unit"]) for code in CODES
            )
        self.assertEqual(activities.total.value, 5)
        self.assertEqual(
            self.rows(activities, "staff_category"),
            {"missionary": 2, "employee": 1, "volunteer": 1, "external_trainer": 1},
        )
        self.assertEqual(self.rows(activities, "unit"), {self.centre_a.pk: 4, self.diocese_b.pk: 1})
        self.assertAlmostEqual(float(hours.total.value), 20.0)
        self.assertEqual(
            {k: Decimal(str(v)) for k, v in self.rows(hours, "staff_category").items()},
            {"missionary": Decimal("6.5"), "employee": Decimal("4.5"), "volunteer": Decimal("4.5"),
             "external_trainer": Decimal("4.5")},
        )  # fmt: skip

    def test_the_small_cells_are_hidden_from_readers_who_may_not_see_persons(self) -> None:
        self.assertIn("staff_category", catalogue()["activities_facilitated"].dims)
        self.assertTrue(catalogue()["facilitation_hours"].personal)
        figures, threshold = self.compute(self.viewer, ["staff_category"])
        self.assertEqual(threshold, 5)
        for code in CODES:
            with self.subTest(code=code), translation.override("en"):
                (breakdown,) = figures[code].breakdowns
                shown = {row.label: row.cell.shown(threshold) for row in breakdown.rows}
                # Each category rests on one or two facilitators: every line is hidden, as one line.
                self.assertEqual(set(shown.values()), {"hidden"}, shown)
        manager_figures, manager_threshold = self.compute(self.manager, ["staff_category"])
        self.assertEqual(manager_threshold, 0)
        self.assertEqual(
            self.rows(manager_figures["activities_facilitated"], "staff_category")["missionary"], 1
        )

    def test_the_dashboard_and_the_builder_offer_them(self) -> None:
        self.login(self.manager)
        response = self.client.get(reverse("report_dashboard"))
        self.assertContains(response, "Activities facilitated, by staff category")
        self.assertContains(response, "Staff, missionaries and volunteers")
        builder = self.client.get(reverse("report_builder"))
        self.assertContains(builder, "Facilitation hours, by staff category")
