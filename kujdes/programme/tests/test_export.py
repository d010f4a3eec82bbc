"""Exports of an activity's participants (XLSX, CSV, a PDF sign-in sheet) and of the volunteer list."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from kujdes.core.exports import ExportFormat, ExportTable, export_pdf_html
from kujdes.core.models import AuditEvent
from kujdes.core.roles import Role
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase, user_create
from kujdes.core.tests.test_exports import csv_rows, pdf_page_texts, xlsx_sheet
from kujdes.people.services import person_create
from kujdes.programme import services
from kujdes.programme.tests.fixtures import programme_fixtures
from kujdes.programme.views_export import _sheet_subtitle


class ProgrammeExportTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            programme_fixtures(cls)
            cls.engjell = person_create(
                actor=cls.educator, unit=cls.centre_a, given_name="Ëngjëllushe", family_name="Çuni"
            )
            services.participant_enrol(actor=cls.manager, activity=cls.pg_course, person=cls.engjell)
            cls.manager_b = user_create(
                username="manager_b", organisation=cls.org, unit=cls.diocese_b, role=Role.PROGRAMME_MANAGER
            )
            cls.volunteer_b = services.volunteer_create(
                actor=cls.manager_b,
                unit=cls.diocese_b,
                given_name="Çlirim",
                family_name="Dervishi",
                joined_on=timezone.localdate() - datetime.timedelta(days=10),
            )
            cls.volunteer_a2 = services.volunteer_create(
                actor=cls.manager,
                unit=cls.diocese_a,
                given_name="Ëra",
                family_name="Gjoka",
                joined_on=timezone.localdate() - datetime.timedelta(days=10),
                is_active=False,
            )


class ParticipantsExportTests(ProgrammeExportTestCase):
    def url(self, activity=None) -> str:  # type: ignore[no-untyped-def]
        return reverse(
            "activity_participants_export", kwargs={"public_id": (activity or self.pg_course).public_id}
        )

    def post(self, user=None, activity=None, **data):  # type: ignore[no-untyped-def]
        self.login(user or self.manager)
        return self.client.post(self.url(activity), {"format": "csv", **data})

    def test_the_managers_export_every_participant_with_albanian_letters(self) -> None:
        for user in (self.manager, self.educator):
            with self.subTest(user=user.username):
                response = self.post(user)
                self.assertEqual(response.status_code, 200)
                rows = csv_rows(response.content)
                self.assertIn(f"{user.username} ({user.get_full_name()})", rows[0][0])
                names = sorted(row[0] for row in rows[2:])
                self.assertEqual(names, ["Besa", "Elira", "Ëngjëllushe"])
                self.assertIn(["Ëngjëllushe", "Çuni", self.engjell.code], [row[:3] for row in rows[2:]])

    def test_the_xlsx_is_watermarked_and_lists_the_participants(self) -> None:
        response = self.post(format="xlsx")
        self.assertRegex(
            response["Content-Disposition"], r'^attachment; filename="participants-\d{8}-\d{4}\.xlsx"$'
        )
        sheet = xlsx_sheet(response.content)
        self.assertIn("manager (Manager Test)", sheet["A1"].value)
        self.assertIn("manager (Manager Test)", sheet.oddHeader.center.text)
        self.assertIn(self.pg_course.title, sheet["A3"].value)
        self.assertEqual(sorted(cell.value for cell in sheet["A"][4:]), ["Besa", "Elira", "Ëngjëllushe"])

    def test_the_pdf_is_a_sign_in_sheet_with_one_line_per_participant(self) -> None:
        response = self.post(format="pdf")
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF-"))
        # The same table the view prints, laid out by WeasyPrint (pdftotext is not needed).
        table = ExportTable(
            title="Sign-in sheet",
            subtitle=_sheet_subtitle(self.pg_course),
            columns=["Name", "Code", "Signature"],
            rows=[["Ëngjëllushe Çuni", self.engjell.code, ""], ["Besa", "AL-2", ""]],
            signature_column=True,
        )
        pages = pdf_page_texts(
            export_pdf_html(table=table, watermark="exported by manager", organisation=self.org)
        )
        self.assertIn("Ëngjëllushe Çuni", pages[0])
        self.assertIn(self.pg_course.title, pages[0])
        self.assertIn("exported by manager", pages[0])

    def test_the_export_is_audited_on_the_activity_without_names(self) -> None:
        self.post(format="pdf")
        with system_scope():
            event = AuditEvent.objects.get(action="programme.participants.exported")
        self.assertEqual(event.object_id, str(self.pg_course.public_id))
        self.assertEqual(event.details, {"format": "pdf", "rows": 3, "filters": {}})

    def test_the_export_needs_a_recent_reauthentication(self) -> None:
        self.login(self.manager, recently_authenticated=False)
        response = self.client.post(self.url(), {"format": "xlsx"})
        self.assertEqual(response.status_code, 302)
        self.assertIn("reauthenticate", response["Location"])
        with system_scope():
            self.assertFalse(AuditEvent.objects.filter(action="programme.participants.exported").exists())

    def test_the_facilitating_volunteer_and_readers_get_403_other_units_404(self) -> None:
        for user, status in (
            (self.volunteer, 403),
            (self.alice, 403),
            (self.viewer, 403),
            (self.charlie, 404),
            (self.dave, 404),
            (self.manager_b, 404),
        ):
            with self.subTest(user=user.username):
                self.assertEqual(self.post(user).status_code, status)
        self.assertEqual(self.post(self.manager, activity=self.pg_other_activity).status_code, 404)
        with system_scope():
            self.assertFalse(AuditEvent.objects.filter(action="programme.participants.exported").exists())

    def test_the_activity_page_shows_the_control_to_its_managers_only(self) -> None:
        page = reverse("activity_detail", kwargs={"public_id": self.pg_course.public_id})
        self.login(self.manager)
        self.assertIn(f'action="{self.url()}"', self.client.get(page).content.decode())
        self.login(self.volunteer)
        self.assertNotIn(self.url(), self.client.get(page).content.decode())


class VolunteerListExportTests(ProgrammeExportTestCase):
    def post(self, user=None, **data):  # type: ignore[no-untyped-def]
        self.login(user or self.manager)
        return self.client.post(reverse("volunteer_list_export"), {"format": "csv", **data})

    def names(self, response) -> list[str]:  # type: ignore[no-untyped-def]
        self.assertEqual(response.status_code, 200, response.content[:300])
        return [row[0] for row in csv_rows(response.content)[2:]]

    def test_the_manager_exports_the_volunteers_of_her_units_with_the_lists_filters(self) -> None:
        self.assertEqual(sorted(self.names(self.post())), ["Klea", "Ëra"])
        self.assertEqual(self.names(self.post(active="no")), ["Ëra"])
        self.assertEqual(self.names(self.post(name="marku")), ["Klea"])
        self.assertEqual(self.names(self.post(unit=str(self.centre_a.pk))), ["Klea"])

    def test_the_export_matches_the_list_page(self) -> None:
        self.login(self.manager)
        for filters in ({}, {"active": "yes"}, {"check": "cleared"}):
            with self.subTest(filters=filters):
                listed = self.client.get(reverse("volunteer_list"), filters)
                expected = [v.given_name for v in listed.context["page"].object_list]
                self.assertEqual(self.names(self.post(**filters)), expected)

    def test_another_dioceses_manager_exports_only_hers(self) -> None:
        self.assertEqual(self.names(self.post(self.manager_b)), ["Çlirim"])

    def test_the_file_is_watermarked_and_audited_without_names(self) -> None:
        response = self.post(format="xlsx", name="Marku")
        sheet = xlsx_sheet(response.content)
        self.assertIn("manager (Manager Test)", sheet["A1"].value)
        self.assertEqual(sheet["A5"].value, "Klea")
        with system_scope():
            event = AuditEvent.objects.get(action="programme.volunteers.exported")
        self.assertEqual(event.details, {"format": "xlsx", "rows": 1, "filters": {"name": True}})

    def test_the_export_needs_a_recent_reauthentication(self) -> None:
        self.login(self.manager, recently_authenticated=False)
        response = self.client.post(reverse("volunteer_list_export"), {"format": ExportFormat.PDF})
        self.assertEqual(response.status_code, 302)
        self.assertIn("reauthenticate", response["Location"])

    def test_field_educators_volunteers_and_others_get_403(self) -> None:
        for user in (
            self.educator,
            self.volunteer,
            self.alice,
            self.charlie,
            self.dave,
            self.viewer,
            self.admin,
        ):
            with self.subTest(user=user.username):
                self.assertEqual(self.post(user).status_code, 403)
        with system_scope():
            self.assertFalse(AuditEvent.objects.filter(action="programme.volunteers.exported").exists())

    def test_the_control_is_shown_to_the_manager_not_to_the_field_educator(self) -> None:
        url = reverse("volunteer_list_export")
        self.login(self.manager)
        self.assertIn(f'action="{url}"', self.client.get(reverse("volunteer_list")).content.decode())
        self.login(self.educator)
        self.assertNotIn(url, self.client.get(reverse("volunteer_list")).content.decode())
