"""The importers' world: a camp in diocese A, and Ana, a case worker who also manages the programme
there (registers persons with every field and enrols them); the shared cast for the rest."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.utils import timezone
from openpyxl import Workbook

from kujdes.core.roles import Role
from kujdes.core.scoping import system_scope
from kujdes.core.services import membership_assign
from kujdes.core.tests.base import BaseTestCase, user_create


def xlsx(rows: list[list[Any]], *, title: str = "Sheet1", merges: tuple[str, ...] = ()) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


class ImportTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from kujdes.programme import services as programme
        from kujdes.programme.models import ActivityType

        today = timezone.localdate()
        with system_scope():
            cls.ana = user_create(
                username="ana", organisation=cls.org, unit=cls.diocese_a, role=Role.CASE_WORKER
            )
            membership_assign(actor=None, user=cls.ana, unit=cls.diocese_a, role=Role.PROGRAMME_MANAGER)
            programme.activity_types_install(organisation_id=cls.org.pk)
            camp_type = ActivityType.objects.get(organisation=cls.org, code="summer-camp")
            course_type = ActivityType.objects.get(organisation=cls.org, code="vocational-course")
            cls.camp = programme.activity_create(
                actor=cls.manager,
                unit=cls.diocese_a,
                activity_type=camp_type,
                title="Kampi veror 2017",
                starts_on=today - datetime.timedelta(days=10),
                ends_on=today - datetime.timedelta(days=3),
            )
            cls.course = programme.activity_create(
                actor=cls.manager,
                unit=cls.diocese_a,
                activity_type=course_type,
                title="Kurs",
                starts_on=today - datetime.timedelta(days=10),
                ends_on=today + datetime.timedelta(days=30),
            )
