"""HTCDS export: IOM's columns filled from the case, only the actor's cases, re-authenticated,
audited and watermarked; and the round trip (export, then import elsewhere) keeps every coded field."""

from __future__ import annotations

import datetime
import io
import re

from django.urls import reverse
from openpyxl import load_workbook

from kujdes.cases.htcds import htcds_check, htcds_export
from kujdes.cases.models import Case
from kujdes.cases.services import case_create
from kujdes.cases.tests.test_htcds_helpers import exported_rows, upload
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.consent import consent_active, consent_record
from kujdes.people.models import Person
from kujdes.people.services import person_create
from kujdes.referrals.models import Referral, ReferralDirection, ReferralStatus
from kujdes.referrals.services import provider_create

CODED = (
    "trafficking_status",
    "status_decided_by",
    "recruitment_methods",
    "control_methods",
    "exploitation_types",
    "labour_industry",
    "sex_exploitation_types",
    "status",
    "closure_reason",
)

VARIANTS = [
    {
        "trafficking_status": "ActualVictimOfTrafficking",
        "status_decided_by": "Police",
        "recruitment_methods": ["ThroughOnlineSocialNetworks", "ThroughFriendsOrSocialEvents"],
        "control_methods": ["DebtBondage", "WithholdsDocuments", "ThreatsLawEnforcement"],
        "exploitation_types": ["ForcedLabour"],
        "labour_industry": "A_AgricultureForestryAndFishing",
    },
    {
        "trafficking_status": "PossibleVictimOfTrafficking",
        "status_decided_by": "NonPoliceGovernmentalOrganization",
        "exploitation_types": ["SexualExploitation", "ForcedMarriage"],
        "sex_exploitation_types": ["Prostitution", "RemoteInteractiveServices"],
    },
    {},
]
PERSONS = [
    {
        "given_name": "Ëngjëllushe",
        "family_name": "Çuni",
        "date_of_birth": datetime.date(2004, 3, 9),
        "sex": "Feminine",
        "citizenships": ["AL"],
        "phones": ["0691234567", "+355 4 222 333"],
        "address": "Rruga e Kalasë 12",
        "municipality": "Shkodër",
    },
    {
        "given_name": "Drita",
        "family_name": "Hoxha Lleshi",
        "date_of_birth": datetime.date(2001, 12, 31),
        "sex": "TransgenderFeminine",
        "citizenships": ["AL", "IT"],
        "phones": ["0671112223"],
    },
    {"given_name": '=HYPERLINK("http://x")', "sex": "NonSpecifiedUnknown", "citizenships": ["XK"]},
]


class HtcdsExportTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.cases = []
        with system_scope():
            for identity, codes in zip(PERSONS, VARIANTS, strict=True):
                person = person_create(actor=cls.alice, unit=cls.diocese_a, **identity)
                cls.cases.append(
                    case_create(
                        actor=cls.alice,
                        person=person,
                        unit=cls.diocese_a,
                        case_type="victim_assistance" if codes else "prevention",
                        opened_on=datetime.date(2026, 1, 10),
                        **codes,
                    )
                )
            consent_record(
                actor=cls.alice,
                person=cls.cases[0].person,
                purpose="case_management",
                given_by="self",
                method="written",
                given_on=datetime.date(2026, 1, 10),
            )
            Case.objects.filter(pk=cls.cases[1].pk).update(status="FollowUp")
            Case.objects.filter(pk=cls.cases[2].pk).update(
                status="Closed", closure_reason="moved", closed_on=datetime.date(2026, 2, 1)
            )
            cls.provider = provider_create(
                actor=None,
                organisation=cls.org,
                name="Strehëz Tirana",
                provider_type="NGO",
                country="AL",
                municipality="Tiranë",
            )
            police = provider_create(
                actor=None,
                organisation=cls.org,
                name="Policia Shkodër",
                provider_type="LawEnforcement",
                country="AL",
            )
            common = {
                "organisation_id": cls.org.pk,
                "case": cls.cases[0],
                "from_unit": cls.diocese_a,
                "service_type": "Shelter",
                "created_by": cls.alice,
            }
            Referral.objects.create(
                **common,
                direction=ReferralDirection.INCOMING,
                from_provider=police,
                reason="Other",
                details="Found at the bus station",
                status=ReferralStatus.ACCEPTED,
                referred_on=datetime.date(2026, 1, 9),
                responded_on=datetime.date(2026, 1, 9),
            )
            Referral.objects.create(
                **common,
                direction=ReferralDirection.OUTGOING,
                to_provider=cls.provider,
                reason="AdditionalServicesRequired",
                details="Needs a safe bed",
                contact_person="Mirela",
                referred_on=datetime.date(2026, 1, 12),
            )

    def ids(self) -> list[str]:
        return [str(case.public_id) for case in self.cases]

    def export(self, user=None, **data) -> bytes:  # noqa: ANN001 - test helper
        self.login(user or self.alice)
        response = self.client.post(reverse("htcds_export"), {"cases": self.ids(), **data})
        self.assertEqual(
            response.status_code, 200, getattr(response, "context", None) and response.context.get("errors")
        )
        self.assertEqual(
            response["Content-Type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        return response.content

    def by_name(self, content: bytes) -> dict[str, dict]:
        return {row["prs_FirstName"]: row for row in exported_rows(content)}

    # --- the columns -----------------------------------------------------------------------------

    def test_the_export_fills_the_standards_columns_with_its_value_names(self) -> None:
        rows = self.by_name(self.export())
        first = rows["Ëngjëllushe"]
        self.assertEqual(first["prs_SecondName"], "Çuni")
        self.assertEqual(first["prs_Birthdate"].date(), datetime.date(2004, 3, 9))
        self.assertEqual(first["prs_Gender"], "Feminine")
        self.assertEqual(
            first["vic_MethodsOfControl"], "DebtBondage;WithholdsDocuments;ThreatsLawEnforcement"
        )
        self.assertEqual(first["vic_TraffickinStatusDecisionMakingOrg"], "Police")
        self.assertEqual(first["vic_ForcedLabourIndustry"], "A_AgricultureForestryAndFishing")
        self.assertIs(first["con_Consent"], True)
        self.assertEqual(first["cas_Status"], "Active")
        self.assertEqual(first["cas_CaseOwner"], self.alice.display_name)
        self.assertEqual((first["prs_MobilePhone"], first["prs_HomePhone"]), ("0691234567", "+355 4 222 333"))
        self.assertEqual(
            (first["prs_MailingStreet"], first["prs_MailingCity"], first["prs_MailingCountry"]),
            ("Rruga e Kalasë 12", "Shkodër", "AL"),
        )
        self.assertEqual(rows["Drita"]["prs_Citizenship"], "AL;IT")
        self.assertEqual(rows["Drita"]["cas_Status"], "FollowUp")
        self.assertIs(rows["Drita"]["con_Consent"], False)

    def test_the_referral_columns_come_from_the_latest_referrals(self) -> None:
        first = self.by_name(self.export())["Ëngjëllushe"]
        self.assertEqual(first["cas_ReferringOrganisation"], "Policia Shkodër")
        self.assertEqual(first["cas_IncomingReferralDate"].date(), datetime.date(2026, 1, 9))
        self.assertEqual(first["cas_ReasonForIncomingReferral"], "Other")
        self.assertEqual(first["cas_IncomingReferralDetails"], "Found at the bus station")
        self.assertEqual(first["cas_ReferredOrganisation"], "Strehëz Tirana")
        self.assertEqual(first["cas_ReferredPrimaryCaseWorker"], "Mirela")
        self.assertEqual(first["cas_ReasonForOutgoingReferral"], "AdditionalServicesRequired")
        self.assertEqual(first["cas_OutgoingReferralDate"].date(), datetime.date(2026, 1, 12))

    def test_a_closed_case_carries_its_status_and_closure_reason(self) -> None:
        closed = exported_rows(self.export())[-1]
        self.assertEqual((closed["cas_Status"], closed["cas_ReasonForCaseClosure"]), ("Closed", "moved"))

    def test_text_that_looks_like_a_formula_stays_text(self) -> None:
        sheet = load_workbook(io.BytesIO(self.export())).worksheets[0]
        cells = [cell for row in sheet.iter_rows(min_row=3, max_row=5) for cell in row]
        formula = [cell for cell in cells if cell.value == '=HYPERLINK("http://x")']
        self.assertEqual(len(formula), 1)
        self.assertEqual(formula[0].data_type, "s")

    # --- watermark, audit, re-authentication ---------------------------------------------------------

    def test_the_export_is_watermarked_and_keeps_iom_attribution(self) -> None:
        content = self.export()
        workbook = load_workbook(io.BytesIO(content))
        self.assertIn("alice", workbook["About"]["A1"].value)
        about = " ".join(str(cell.value) for cell in workbook["About"]["A"] if cell.value)
        self.assertIn("International Organization for Migration", about)
        self.assertIn("creativecommons.org/licenses/by/4.0", about)
        self.assertIn("alice", workbook.worksheets[0]["A1"].comment.text)
        self.assertIn("alice", workbook.worksheets[0].oddHeader.center.text)

    def test_the_filename_holds_no_personal_data(self) -> None:
        self.login(self.alice)
        response = self.client.post(reverse("htcds_export"), {"cases": self.ids()})
        self.assertRegex(response["Content-Disposition"], r'^attachment; filename="htcds-\d{8}-\d{4}\.xlsx"$')

    def test_the_export_is_audited_with_ids_and_count_only(self) -> None:
        self.export()
        with system_scope():
            event = AuditEvent.objects.get(action="case.htcds.exported")
        self.assertEqual(event.details["count"], 3)
        self.assertEqual(sorted(event.details["cases"]), sorted(self.ids()))
        text = str(event.details)
        for identity in PERSONS:
            self.assertNotIn(identity["given_name"], text)

    def test_the_export_needs_a_recent_reauthentication(self) -> None:
        self.login(self.alice, recently_authenticated=False)
        response = self.client.post(reverse("htcds_export"), {"cases": self.ids()})
        self.assertEqual(response.status_code, 302)
        self.assertIn("reauthenticate", response["Location"])
        with system_scope():
            self.assertFalse(AuditEvent.objects.filter(action="case.htcds.exported").exists())

    def test_all_cases_matching_the_filter_can_be_exported_at_once(self) -> None:
        self.login(self.alice)
        response = self.client.post(reverse("htcds_export"), {"everything": "1", "status": "Closed"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual([row["cas_Status"] for row in exported_rows(response.content)], ["Closed"])

    def test_the_page_filters_by_status_unit_and_opening_period(self) -> None:
        self.login(self.alice)
        url = reverse("htcds_export")
        self.assertEqual(len(self.client.get(url).context["cases"]), 3)
        self.assertEqual(len(self.client.get(url, {"status": "open"}).context["cases"]), 2)
        self.assertEqual(
            len(self.client.get(url, {"unit": str(self.centre_a.public_id)}).context["cases"]), 0
        )
        self.assertEqual(len(self.client.get(url, {"opened_from": "2026-01-11"}).context["cases"]), 0)
        self.assertEqual(len(self.client.get(url, {"opened_to": "2026-01-10"}).context["cases"]), 3)
        bad = self.client.get(url, {"opened_from": "31.31.2026", "unit": "not-a-unit"})
        self.assertEqual(bad.status_code, 400)
        self.assertTrue(bad.context["filters_form"].errors)

    def test_the_selection_page_shows_codes_not_names(self) -> None:
        self.login(self.alice)
        page = self.client.get(reverse("htcds_export")).content.decode()
        self.assertIn(self.cases[0].code, page)
        self.assertNotIn("Ëngjëllushe", page)

    # --- who may export what -------------------------------------------------------------------------

    def test_charlie_and_dave_cannot_export_alices_cases_by_their_ids(self) -> None:
        for user in (self.charlie, self.dave):
            with self.subTest(user=user.username):
                self.login(user)
                response = self.client.post(reverse("htcds_export"), {"cases": self.ids()})
                self.assertEqual(response.status_code, 400)
                self.assertNotIn("Ëngjëllushe", response.content.decode())
                self.assertNotIn(self.cases[0].code, response.content.decode())
        with system_scope():
            self.assertFalse(AuditEvent.objects.filter(action="case.htcds.exported").exists())

    def test_foreign_ids_are_left_out_silently_next_to_own_cases(self) -> None:
        with system_scope():
            own = case_create(
                actor=self.charlie,
                person=person_create(actor=self.charlie, unit=self.diocese_b, given_name="Blerta"),
                unit=self.diocese_b,
                opened_on=datetime.date(2026, 1, 5),
            )
        self.login(self.charlie)
        response = self.client.post(
            reverse("htcds_export"), {"cases": [*self.ids(), str(own.public_id), "x"]}
        )
        self.assertEqual([row["prs_FirstName"] for row in exported_rows(response.content)], ["Blerta"])
        with system_scope():
            event = AuditEvent.objects.get(action="case.htcds.exported")
        self.assertEqual(event.details["cases"], [str(own.public_id)])

    def test_the_programme_manager_exports_the_cases_of_her_unit(self) -> None:
        rows = exported_rows(self.export(self.manager))
        self.assertEqual(len(rows), 3)

    def test_roles_without_case_files_get_nothing(self) -> None:
        for user in (self.educator, self.volunteer, self.admin, self.viewer, self.dpo, self.coordinator):
            with self.subTest(user=user.username):
                self.login(user)
                self.assertIn(self.client.get(reverse("htcds_export")).status_code, (403, 404))
                response = self.client.post(reverse("htcds_export"), {"cases": self.ids()})
                self.assertIn(response.status_code, (403, 404))
                if user != self.admin:  # administrators import (for a case worker), never export
                    self.assertIn(self.client.get(reverse("htcds_import")).status_code, (403, 404))
        with system_scope():
            self.assertFalse(AuditEvent.objects.filter(action="case.htcds.exported").exists())

    def test_the_service_refuses_an_export_without_any_case_of_the_actor(self) -> None:
        from django.core.exceptions import ValidationError

        with system_scope(), self.assertRaises(ValidationError):
            htcds_export(actor=self.dave, case_ids=self.ids())

    # --- the round trip ------------------------------------------------------------------------------

    def test_the_round_trip_keeps_every_coded_field(self) -> None:
        content = self.export()
        self.login(self.charlie)
        url = reverse("htcds_import")
        target = {"unit": str(self.diocese_b.public_id)}
        dry = self.client.post(url, {**target, "workbook": upload(content)})
        self.assertEqual(dry.status_code, 200)
        check = dry.context["check"]
        self.assertEqual([row.errors for row in check.rows], [[], [], []])
        done = self.client.post(url, {**target, "confirm": check.digest, "workbook": upload(content)})
        self.assertEqual(done.status_code, 200, done.context["form"].errors)
        self.assertEqual(len(done.context["created"]), 3)
        with system_scope():
            imported = Case.objects.filter(unit=self.diocese_b).select_related("person")
            copies = {case.person.given_name: case for case in imported}
            for original in Case.objects.filter(pk__in=[c.pk for c in self.cases]).select_related("person"):
                copy = copies[original.person.given_name]
                for name in CODED:
                    self.assertEqual(getattr(copy, name), getattr(original, name), name)
                for name in (
                    "family_name",
                    "date_of_birth",
                    "sex",
                    "citizenships",
                    "phones",
                    "address",
                    "municipality",
                ):
                    self.assertEqual(getattr(copy.person, name), getattr(original.person, name), name)
                self.assertEqual(
                    consent_active(person=copy.person, purpose="case_management") is not None,
                    consent_active(person=original.person, purpose="case_management") is not None,
                )
                self.assertEqual(copy.primary_worker, self.charlie)
            event = AuditEvent.objects.get(action="case.htcds.imported")
        self.assertEqual(event.details["count"], 3)
        self.assertFalse(re.search("Ëngjëllushe|Drita|Çuni", str(event.details)))

    def test_an_export_checks_clean_when_imported_by_the_same_worker(self) -> None:
        with system_scope():
            check = htcds_check(actor=self.alice, unit=self.diocese_a, upload=self.export())
        # Her own persons are found again: every row is a possible duplicate, none is an error.
        self.assertEqual([row.errors for row in check.rows], [[], [], []])
        self.assertEqual(len(check.duplicate_rows), 3)
        with system_scope():
            self.assertEqual(Person.objects.count(), 3)

    def test_the_export_asks_the_same_number_of_queries_for_one_case_or_three(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def queries(ids: list[str]) -> int:
            with system_scope(), CaptureQueriesContext(connection) as captured:
                htcds_export(actor=self.alice, case_ids=ids)
            return len(captured)

        queries(self.ids())  # warms the caches (the organisation key, the actor's units)
        self.assertEqual(queries(self.ids()[:1]), queries(self.ids()))
