"""HTCDS import: the dry run reads every row, reports problems row by row in the user's language and
writes nothing; the confirmation imports the valid rows of the same file, all or nothing."""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from kujdes.accounts.models import User
from kujdes.cases.htcds import ImportCheck, htcds_check
from kujdes.cases.models import Case
from kujdes.cases.tests.test_htcds_helpers import plain_workbook_bytes, upload, workbook_bytes
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.models import Consent, Person
from kujdes.people.services import person_create

GOOD = {"prs_FirstName": "Arta", "prs_SecondName": "Kola", "prs_Birthdate": datetime.date(2005, 5, 1)}


def counts() -> tuple[int, int, int]:
    with system_scope():
        return Person.objects.count(), Case.objects.count(), Consent.objects.count()


class HtcdsImportTests(BaseTestCase):
    def check(self, rows: list[dict[str, Any]], *, user: User | None = None) -> ImportCheck:
        with system_scope(), translation.override("en"):
            return htcds_check(actor=user or self.charlie, unit=self.diocese_b, upload=workbook_bytes(rows))

    def one(self, **values: Any) -> Any:
        (row,) = self.check([{**GOOD, **values}]).rows
        return row

    def post(self, data: bytes, **extra: Any) -> Any:
        self.login(self.charlie)
        return self.client.post(
            reverse("htcds_import"),
            {"unit": str(self.diocese_b.public_id), "workbook": upload(data), **extra},
        )

    # --- the dry run ---------------------------------------------------------------------------------

    def test_a_dry_run_writes_nothing_and_reports_each_row_in_the_users_language(self) -> None:
        data = workbook_bytes(
            [
                GOOD,
                {**GOOD, "prs_FirstName": None, "prs_Gender": "Girl"},
                {**GOOD, "prs_FirstName": "Besa", "prs_Birthdate": "31.13.2009"},
            ]
        )
        before = counts()
        with system_scope():
            events = AuditEvent.objects.count()
        for language in ("sq", "en"):
            with self.subTest(language=language):
                User.objects.filter(pk=self.charlie.pk).update(language=language)
                response = self.post(data)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Language"], language)
                check = response.context["check"]
                self.assertEqual(
                    [(row.number, row.status) for row in check.rows],
                    [(3, "valid"), (4, "error"), (5, "error")],
                )
                with translation.override(language):
                    required = gettext("prs_FirstName: the first name is required.")
                    wrong = gettext(
                        "%(column)s: “%(value)s” is not a value of the standard. Allowed: %(allowed)s."
                    )
                    not_a_date = gettext(
                        "prs_Birthdate: “%(value)s” is not a date of birth (YYYY-MM-DD or DD.MM.YYYY)."
                    )
                self.assertIn(required, check.rows[1].errors)
                self.assertIn(
                    wrong
                    % {
                        "column": "prs_Gender",
                        "value": "Girl",
                        "allowed": ", ".join(
                            [
                                "Feminine",
                                "Masculine",
                                "TransgenderFeminine",
                                "TransgenderMasculine",
                                "NonConforming",
                                "NonSpecifiedUnknown",
                            ]
                        ),
                    },
                    check.rows[1].errors,
                )
                self.assertEqual(check.rows[2].errors, [not_a_date % {"value": "31.13.2009"}])
                page = response.content.decode()
                self.assertIn("Girl", page)
                self.assertIn(check.digest, page)
        self.assertEqual(counts(), before)
        with system_scope():
            self.assertEqual(AuditEvent.objects.count(), events)

    def test_a_wrong_picklist_value_is_named_with_the_allowed_ones(self) -> None:
        row = self.one(vic_TraffickingStatus="Victim")
        self.assertEqual(
            row.errors,
            [
                "vic_TraffickingStatus: “Victim” is not a value of the standard. Allowed: "
                "PossibleVictimOfTrafficking, ActualVictimOfTrafficking, NotAVictimOfTrafficking."
            ],
        )

    def test_multi_select_cells_take_semicolons_spaces_commas_and_ioms_labels(self) -> None:
        for cell in (
            "PhysicalThreats;DebtBondage ",
            "PhysicalThreats DebtBondage",
            "PhysicalThreats, DebtBondage",
            "Physical threats;Debt bondage ",
        ):
            with self.subTest(cell=cell):
                row = self.one(vic_MethodsOfControl=cell)
                self.assertEqual(row.errors, [])
                self.assertEqual(row.case["control_methods"], ["PhysicalThreats", "DebtBondage"])
        row = self.one(vic_MethodsOfControl="PhysicalThreats;Blackmail;Threats of law enforcement")
        self.assertEqual(len(row.errors), 1)
        self.assertIn("“Blackmail”", row.errors[0])

    def test_single_selects_take_the_labels_of_ioms_validated_spreadsheet(self) -> None:
        row = self.one(
            prs_Gender="Not Specified/Unknown",
            vic_TraffickingStatus="Possible victim of trafficking",
            vic_TraffickinStatusDecisionMakingOrg="Non-police governmental organization",
            vic_TypeOfExploitation="Forced labour",
            vic_ForcedLabourIndustry="Water supply; sewerage, waste management and remediation",
            cas_Status="Follow up",
        )
        self.assertEqual(row.errors, [])
        self.assertEqual(row.person["sex"], "NonSpecifiedUnknown")
        self.assertEqual(
            (row.case["trafficking_status"], row.case["status_decided_by"], row.case["labour_industry"]),
            (
                "PossibleVictimOfTrafficking",
                "NonPoliceGovernmentalOrganization",
                "E_WaterSupplySewerageWasteManagement",
            ),
        )
        self.assertEqual(row.case["status"], "FollowUp")
        self.assertEqual(
            self.one(vic_TypeOfExploitation="ForcedLabour", vic_ForcedLabourIndustry="C").case[
                "labour_industry"
            ],
            "C_Manufacturing",
        )

    def test_a_single_select_takes_one_value_only(self) -> None:
        row = self.one(cas_Status="Active;Closed")
        self.assertEqual(row.errors, ["cas_Status: give one value only."])

    def test_the_sub_lists_need_their_kind_of_exploitation(self) -> None:
        row = self.one(vic_ForcedLabourIndustry="F_Construction", vic_TypeOfSexExploitation="Prostitution")
        self.assertEqual(len(row.errors), 2)
        self.assertTrue(row.errors[0].startswith("vic_ForcedLabourIndustry:"))

    def test_citizenships_are_iso_3166_codes(self) -> None:
        self.assertEqual(self.one(prs_Citizenship="al; it").person["citizenships"], ["AL", "IT"])
        self.assertEqual(self.one(prs_Citizenship="XK").person["citizenships"], ["XK"])
        for wrong in ("XX", "Albania", "ALB"):
            with self.subTest(wrong=wrong):
                row = self.one(prs_Citizenship=wrong)
                self.assertEqual(len(row.errors), 1)
                self.assertIn(f"“{wrong.upper()}”", row.errors[0])

    def test_dates_are_date_cells_or_iso_or_albanian_dates(self) -> None:
        for cell in (datetime.datetime(2004, 3, 9), "2004-03-09", "09.03.2004", "09/03/2004"):
            with self.subTest(cell=cell):
                self.assertEqual(
                    self.one(prs_Birthdate=cell).person["date_of_birth"], datetime.date(2004, 3, 9)
                )
        for cell in ("2004-02-30", "yesterday", 38000, "2999-01-01", "1850-01-01"):
            with self.subTest(cell=cell):
                self.assertTrue(self.one(prs_Birthdate=cell).errors[0].startswith("prs_Birthdate:"))

    def test_consent_is_true_or_false(self) -> None:
        self.assertTrue(self.one(con_Consent=True).consent)
        self.assertTrue(self.one(con_Consent="Yes").consent)
        self.assertFalse(self.one(con_Consent="FALSE").consent)
        self.assertFalse(self.one().consent)
        self.assertTrue(self.one(con_Consent="maybe").errors[0].startswith("con_Consent:"))

    def test_a_known_municipality_is_coded_and_anything_else_stays_in_the_address(self) -> None:
        known = self.one(prs_MailingCity="shkoder", prs_MailingStreet="Rruga 1", prs_MailingCountry="AL")
        self.assertEqual((known.person["municipality"], known.person["address"]), ("Shkodër", "Rruga 1"))
        unknown = self.one(prs_MailingCity="Atlantis", prs_MailingStreet="Rruga 1")
        self.assertEqual(
            (unknown.person["municipality"], unknown.person["address"]), ("", "Rruga 1, Atlantis")
        )
        self.assertEqual(unknown.status, "warning")
        abroad = self.one(prs_MailingCity="Bari", prs_MailingCountry="IT", prs_MailingPostalCode="70121")
        self.assertEqual((abroad.person["municipality"], abroad.person["address"]), ("", "70121, Bari, IT"))

    def test_a_closure_reason_that_is_not_a_kujdes_code_is_kept_as_details(self) -> None:
        row = self.one(cas_Status="Closed", cas_ReasonForCaseClosure="She returned home to her family")
        self.assertEqual(
            (row.case["closure_reason"], row.case["closure_details"]),
            ("other", "She returned home to her family"),
        )
        self.assertEqual(
            self.one(cas_Status="ClosedReferred", cas_ReasonForCaseClosure="referred").case["closure_reason"],
            "referred",
        )
        open_case = self.one(cas_ReasonForCaseClosure="moved")
        self.assertEqual((open_case.case["closure_reason"], open_case.status), ("", "warning"))

    def test_huge_names_are_refused_not_cut(self) -> None:
        self.assertTrue(self.one(prs_FirstName="A" * 500).errors[0].startswith("prs_FirstName:"))

    def test_filled_columns_that_are_not_imported_are_listed(self) -> None:
        check = self.check(
            [
                {
                    **GOOD,
                    "cas_CaseOwner": "Someone",
                    "prs_Email": "a@example.org",
                    "cas_ReferredPrimaryCaseWorker": "Someone else",
                }
            ]
        )
        # The referral columns are imported (test_htcds_referrals.py), but not the receiver's worker.
        self.assertEqual(
            check.ignored_columns, ["cas_CaseOwner", "prs_Email", "cas_ReferredPrimaryCaseWorker"]
        )

    def test_the_template_numbering_and_empty_rows_are_skipped(self) -> None:
        check = self.check([GOOD, {}, {**GOOD, "prs_FirstName": "Besa"}])
        self.assertEqual([row.number for row in check.rows], [3, 5])

    # --- duplicates ----------------------------------------------------------------------------------

    def test_a_person_registered_already_is_a_warning_and_skipped_unless_chosen(self) -> None:
        with system_scope():
            existing = person_create(
                actor=self.charlie,
                unit=self.diocese_b,
                given_name="Arta",
                family_name="Kola",
                date_of_birth=datetime.date(2005, 5, 1),
            )
        data = workbook_bytes([GOOD, {**GOOD, "prs_FirstName": "Besa"}, GOOD])
        response = self.post(data)
        check = response.context["check"]
        self.assertEqual([row.duplicate for row in check.rows], [True, False, True])
        self.assertIn(existing.code, " ".join(check.rows[0].warnings))
        self.assertIn("3", " ".join(check.rows[2].warnings))  # the same as row 3 of the file
        before = counts()
        done = self.post(data, confirm=check.digest)
        self.assertEqual(len(done.context["created"]), 1)
        self.assertEqual(counts()[0], before[0] + 1)
        again = self.post(data, confirm=check.digest, include_duplicates="1")
        self.assertEqual(len(again.context["created"]), 3)

    def test_persons_of_other_units_are_not_searched_for_duplicates(self) -> None:
        with system_scope():
            person_create(
                actor=self.alice,
                unit=self.diocese_a,
                given_name="Arta",
                family_name="Kola",
                date_of_birth=datetime.date(2005, 5, 1),
            )
        self.assertFalse(self.check([GOOD]).rows[0].duplicate)

    # --- the confirmation ----------------------------------------------------------------------------

    def test_the_import_takes_the_valid_rows_of_the_checked_file_only(self) -> None:
        data = workbook_bytes(
            [
                {**GOOD, "con_Consent": True, "vic_TraffickingStatus": "ActualVictimOfTrafficking"},
                {"prs_SecondName": "Nameless"},
            ]
        )
        check = self.post(data).context["check"]
        before = counts()
        wrong = self.post(workbook_bytes([GOOD, GOOD]), confirm=check.digest)
        self.assertEqual(wrong.status_code, 400)
        self.assertNotIn("created", wrong.context)
        self.assertEqual(counts(), before)
        done = self.post(data, confirm=check.digest)
        self.assertEqual(done.status_code, 200)
        (case,) = done.context["created"]
        self.assertEqual(counts(), (before[0] + 1, before[1] + 1, before[2] + 1))
        with system_scope():
            case = Case.objects.select_related("person").get(pk=case.pk)
            self.assertEqual(
                (case.unit, case.primary_worker, case.case_type),
                (self.diocese_b, self.charlie, "victim_assistance"),
            )
            self.assertEqual(case.person.given_name, "Arta")
            event = AuditEvent.objects.get(action="case.htcds.imported")
        self.assertEqual(
            (event.details["count"], event.details["rows_refused"], event.details["consents"]), (1, 1, 1)
        )

    def test_a_row_refused_during_the_import_leaves_nothing_written(self) -> None:
        from kujdes.cases import htcds

        data = workbook_bytes([GOOD, {**GOOD, "prs_FirstName": "Besa"}])
        check = self.post(data).context["check"]
        real = htcds.person_create

        def failing(**kwargs: Any) -> Person:
            if kwargs["given_name"] == "Besa":
                raise ValidationError({"given_name": "refused"})
            return real(**kwargs)

        before = counts()
        with mock.patch.object(htcds, "person_create", side_effect=failing):
            response = self.post(data, confirm=check.digest)
        self.assertEqual(response.status_code, 400)
        self.assertIn("4", " ".join(response.context["form"].non_field_errors()))
        self.assertEqual(counts(), before)

    def test_a_file_without_valid_rows_imports_nothing(self) -> None:
        data = workbook_bytes([{"prs_SecondName": "Nameless"}])
        check = self.post(data).context["check"]
        response = self.post(data, confirm=check.digest)
        self.assertEqual(response.status_code, 400)
        self.assertNotIn("created", response.context)

    # --- files that are not HTCDS workbooks ----------------------------------------------------------

    def test_files_that_are_not_xlsx_workbooks_are_refused_clearly(self) -> None:
        before = counts()
        for name, data in (
            ("cases.pdf", b"%PDF-1.4 junk"),
            ("cases.csv", b"prs_FirstName,prs_SecondName\nArta,Kola\n"),
            ("cases.xlsx", b"PK\x03\x04 junk"),
            ("cases.xlsx", b""),
            ("cases.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100),
            ("cases.xlsx", plain_workbook_bytes([["name", "surname"], ["Arta", "Kola"]])),
        ):
            with self.subTest(name=name, head=data[:8]):
                self.login(self.charlie)
                response = self.client.post(
                    reverse("htcds_import"),
                    {"unit": str(self.diocese_b.public_id), "workbook": upload(data, name)},
                )
                self.assertEqual(response.status_code, 400)
                self.assertTrue(response.context["form"].errors["workbook"])
        self.assertEqual(counts(), before)

    @override_settings(UPLOAD_MAX_BYTES=2000)
    def test_a_file_over_the_size_limit_is_refused(self) -> None:
        response = self.post(workbook_bytes([GOOD]))
        self.assertEqual(response.status_code, 400)
        self.assertIn("MB", response.context["form"].errors["workbook"][0])

    def test_too_many_rows_are_refused(self) -> None:
        with mock.patch("kujdes.cases.htcds.MAX_ROWS", 2):
            response = self.post(workbook_bytes([GOOD, GOOD, GOOD]))
        self.assertEqual(response.status_code, 400)

    # --- who may import where ------------------------------------------------------------------------

    def test_charlie_cannot_import_into_alices_unit(self) -> None:
        self.login(self.charlie)
        response = self.client.post(
            reverse("htcds_import"),
            {"unit": str(self.diocese_a.public_id), "workbook": upload(workbook_bytes([GOOD]))},
        )
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["form"].errors["unit"])

    def test_malformed_form_values_get_a_clear_answer(self) -> None:
        self.login(self.charlie)
        response = self.client.post(reverse("htcds_import"), {"unit": "not-a-uuid", "confirm": "x" * 500})
        self.assertEqual(response.status_code, 400)

    def test_the_programme_manager_imports_for_a_case_worker(self) -> None:
        # Issue 20: managers and administrators import too, choosing who receives the cases.
        self.login(self.manager)
        response = self.client.get(reverse("htcds_import"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("case_worker", response.context["form"].fields)
