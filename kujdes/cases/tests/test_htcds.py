"""HTCDS exchange: the export fills IOM's columns, the import checks before it writes, and a round trip
keeps every coded field."""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from kujdes.cases.htcds import htcds_check, htcds_export, htcds_import
from kujdes.cases.models import Case
from kujdes.cases.services import case_create
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.models import Person
from kujdes.people.services import person_create

CODED = (
    "trafficking_status",
    "status_decided_by",
    "recruitment_methods",
    "control_methods",
    "exploitation_types",
    "labour_industry",
    "sex_exploitation_types",
    "status",
)

VARIANTS = [
    {
        "trafficking_status": "ActualVictimOfTrafficking",
        "status_decided_by": "Police",
        "recruitment_methods": ["ThroughOnlineSocialNetworks", "ThroughFriendsOrSocialEvents"],
        "control_methods": ["DebtBondage", "WithholdsDocuments"],
        "exploitation_types": ["ForcedLabour"],
        "labour_industry": "A_AgricultureForestryAndFishing",
    },
    {
        "trafficking_status": "PossibleVictimOfTrafficking",
        "status_decided_by": "NGO",
        "exploitation_types": ["SexualExploitation", "ForcedMarriage"],
        "sex_exploitation_types": ["Prostitution", "Pornography"],
    },
    {},
]


class HtcdsTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.cases = []
        with system_scope():
            for index, codes in enumerate(VARIANTS):
                person = person_create(
                    actor=cls.alice,
                    unit=cls.diocese_a,
                    given_name=f"Ëngjëlli{index}",
                    family_name="Çuni",
                    date_of_birth=datetime.date(2004 + index, 3, 9),
                    sex=["Feminine", "Masculine", "NonSpecifiedUnknown"][index],
                    citizenships=[["AL"], ["AL", "IT"], ["XK"]][index],
                    phones=["0691234567"],
                )
                cls.cases.append(
                    case_create(
                        actor=cls.alice,
                        person=person,
                        unit=cls.diocese_a,
                        case_type="victim_assistance" if codes else "prevention",
                        opened_on=datetime.date.today(),
                        **codes,
                    )
                )

    def exported(self) -> bytes:
        with system_scope():
            cases = list(
                Case.objects.filter(pk__in=[c.pk for c in self.cases]).select_related(
                    "person", "organisation"
                )
            )
            return htcds_export(actor=self.alice, cases=cases)

    def test_the_export_fills_the_standards_columns(self) -> None:
        sheet = load_workbook(io.BytesIO(self.exported())).worksheets[0]
        header = {cell.value: cell.column for cell in sheet[1] if cell.value}
        self.assertEqual(sheet.cell(3, header["prs_SecondName"]).value, "Çuni")
        self.assertEqual(
            sheet.cell(3, header["vic_MethodsOfControl"]).value, "DebtBondage;WithholdsDocuments"
        )
        self.assertEqual(sheet.cell(4, header["prs_Citizenship"]).value, "AL;IT")

    def test_the_export_is_watermarked_and_audited(self) -> None:
        workbook = load_workbook(io.BytesIO(self.exported()))
        self.assertIn("alice", workbook["About"]["A1"].value)
        with system_scope():
            self.assertEqual(AuditEvent.objects.filter(action="case.htcds.exported").count(), 1)

    def test_the_round_trip_keeps_every_coded_field(self) -> None:
        check = htcds_check(upload=self.exported())
        self.assertEqual([row.errors for row in check.rows], [[], [], []])
        with system_scope():
            imported = htcds_import(actor=self.charlie, unit=self.diocese_b, check=check)
            originals = list(Case.objects.filter(pk__in=[c.pk for c in self.cases]).order_by("pk"))
            for original, copy in zip(originals, imported, strict=True):
                for name in CODED:
                    self.assertEqual(getattr(copy, name), getattr(original, name), name)
                self.assertEqual(
                    (copy.person.sex, copy.person.citizenships, copy.person.date_of_birth),
                    (original.person.sex, original.person.citizenships, original.person.date_of_birth),
                )

    def test_a_dry_run_writes_nothing_and_reports_rows_in_the_users_language(self) -> None:
        workbook = load_workbook(io.BytesIO(self.exported()))
        sheet = workbook.worksheets[0]
        header = {cell.value: cell.column for cell in sheet[1] if cell.value}
        sheet.cell(4, header["prs_Gender"], "Girl")
        sheet.cell(5, header["prs_Birthdate"], "31.13.2009")
        data = io.BytesIO()
        workbook.save(data)
        with system_scope():
            before = (Person.objects.count(), Case.objects.count())
        self.login(self.charlie)
        for language in ("en", "sq"):
            with self.subTest(language=language), translation.override(language):
                response = self.client.post(
                    reverse("htcds_import"),
                    {
                        "unit": str(self.diocese_b.public_id),
                        "workbook": SimpleUploadedFile("cases.xlsx", data.getvalue()),
                    },
                    HTTP_ACCEPT_LANGUAGE=language,
                )
                self.assertEqual(response.status_code, 200)
                self.assertEqual([row.number for row in response.context["check"].invalid_rows], [4, 5])
                self.assertIn("Girl", response.content.decode())
        with system_scope():
            self.assertEqual((Person.objects.count(), Case.objects.count()), before)

    def test_the_import_takes_the_valid_rows_of_the_checked_file_only(self) -> None:
        data = self.exported()
        self.login(self.charlie)
        check = htcds_check(upload=data)
        response = self.client.post(
            reverse("htcds_import"),
            {
                "unit": str(self.diocese_b.public_id),
                "confirm": check.digest,
                "workbook": SimpleUploadedFile("cases.xlsx", data),
            },
        )
        self.assertEqual(len(response.context["created"]), 3)
        wrong = self.client.post(
            reverse("htcds_import"),
            {
                "unit": str(self.diocese_b.public_id),
                "confirm": "0" * 64,
                "workbook": SimpleUploadedFile("cases.xlsx", data),
            },
        )
        self.assertNotIn("created", wrong.context)

    def test_a_file_that_is_not_a_workbook_is_refused_clearly(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            reverse("htcds_import"),
            {
                "unit": str(self.diocese_a.public_id),
                "workbook": SimpleUploadedFile("cases.xlsx", b"PK\x03\x04 junk"),
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["form"].errors["workbook"])

    def test_charlie_cannot_export_alices_cases_by_their_ids(self) -> None:
        self.login(self.charlie)
        response = self.client.post(
            reverse("htcds_export"), {"cases": [str(case.public_id) for case in self.cases]}
        )
        self.assertEqual(response.status_code, 400)
        with system_scope():
            self.assertFalse(AuditEvent.objects.filter(action="case.htcds.exported").exists())

    def test_an_educator_and_a_viewer_get_nothing(self) -> None:
        for user in (self.educator, self.volunteer, self.viewer, self.admin):
            self.login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(reverse("htcds_export")).status_code, 403)
                self.assertEqual(self.client.get(reverse("htcds_import")).status_code, 403)
