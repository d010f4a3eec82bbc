"""The case file core: opening, the referral mechanism, locking, closure and transfer approvals, access."""

from __future__ import annotations

import datetime
import json
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from kujdes.cases.choices import ApprovalStatus, CaseStatus, NrmStage, TraffickingStatus
from kujdes.cases.models import Approval, Case, CaseSettings, NrmDecision
from kujdes.cases.services import (
    approval_decide,
    case_closure_request,
    case_create,
    case_nrm_advance,
    case_transfer_request,
    case_update,
    trafficking_event_add,
)
from kujdes.core.locking import StaleVersion
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.consent import ConsentMissing, consent_record
from kujdes.people.models import Consent, Person
from kujdes.people.services import person_create

TODAY = timezone.localdate()


class CaseTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.person = person_create(
                actor=cls.alice,
                unit=cls.diocese_a,
                given_name="Besa",
                family_name="Kodra",
                birth_year=2009,
                citizenships=["AL"],
            )
            cls.case = case_create(
                actor=cls.alice,
                person=cls.person,
                unit=cls.diocese_a,
                case_type="prevention",
                opened_on=TODAY - datetime.timedelta(days=30),
                summary="Synthetic story",
            )

    def fresh(self) -> Case:
        with system_scope():
            return Case.objects.select_related("person", "unit", "organisation").get(pk=self.case.pk)

    def audited(self, action: str) -> int:
        with system_scope():
            return AuditEvent.objects.filter(action=action, object_id=str(self.case.public_id)).count()


class OpeningTests(CaseTestCase):
    def test_a_case_gets_a_code_of_its_unit_and_year(self) -> None:
        self.assertRegex(
            self.case.code, rf"^AL-\w{{3}}-{(TODAY - datetime.timedelta(days=30)).year}-C\d{{5}}$"
        )

    def test_a_case_worker_cannot_open_a_case_in_another_diocese(self) -> None:
        with system_scope(), self.assertRaises(PermissionDenied):
            case_create(actor=self.alice, person=self.person, unit=self.diocese_b, opened_on=TODAY)

    def test_a_case_cannot_open_in_the_future(self) -> None:
        with system_scope(), self.assertRaises(ValidationError):
            case_create(
                actor=self.alice,
                person=self.person,
                unit=self.diocese_a,
                opened_on=TODAY + datetime.timedelta(days=3),
            )

    def test_the_open_page_keeps_the_summary_when_the_date_is_wrong(self) -> None:
        self.login(self.alice)
        url = reverse("case_create") + f"?person={self.person.public_id}"
        response = self.client.post(
            url,
            {
                "unit": str(self.diocese_a.public_id),
                "case_type": "prevention",
                "opened_on": "31.02.x",
                "summary": "Kept summary",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Kept summary", status_code=400)

    def test_opening_from_the_person_page_creates_the_case(self) -> None:
        self.login(self.alice)
        url = reverse("case_create") + f"?person={self.person.public_id}"
        response = self.client.post(
            url,
            {
                "unit": str(self.diocese_a.public_id),
                "case_type": "victim_assistance",
                "opened_on": str(TODAY),
            },
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            self.assertEqual(Case.objects.filter(person=self.person).count(), 2)


class ReferralMechanismTests(CaseTestCase):
    def test_the_stages_move_forward_and_keep_their_history(self) -> None:
        with system_scope():
            case = case_nrm_advance(
                actor=self.alice, case=self.case, to_stage=NrmStage.POTENTIAL_VICTIM, decided_on=TODAY
            )
            self.assertEqual(case.trafficking_status, TraffickingStatus.POSSIBLE)
            self.assertEqual(case.case_type, "victim_assistance")
            case = case_nrm_advance(
                actor=self.alice,
                case=case,
                to_stage=NrmStage.OFFICIAL_VICTIM,
                decided_on=TODAY,
                authority="Autoriteti Përgjegjës",
                joint_interview_on=TODAY,
            )
            self.assertEqual(
                (case.nrm_stage, case.trafficking_status), ("official_victim", TraffickingStatus.ACTUAL)
            )
            stages = list(NrmDecision.objects.filter(case=case).values_list("from_stage", "to_stage"))
        self.assertEqual(stages, [("at_risk", "potential_victim"), ("potential_victim", "official_victim")])

    def test_a_stage_cannot_go_back_or_stay(self) -> None:
        with system_scope():
            case_nrm_advance(
                actor=self.alice, case=self.case, to_stage=NrmStage.POTENTIAL_VICTIM, decided_on=TODAY
            )
            for stage in (NrmStage.AT_RISK, NrmStage.POTENTIAL_VICTIM):
                with self.subTest(stage=stage), self.assertRaises(ValidationError):
                    case_nrm_advance(actor=self.alice, case=self.fresh(), to_stage=stage, decided_on=TODAY)

    def test_official_status_needs_the_deciding_authority(self) -> None:
        with system_scope(), self.assertRaises(ValidationError) as raised:
            case_nrm_advance(
                actor=self.alice, case=self.case, to_stage=NrmStage.OFFICIAL_VICTIM, decided_on=TODAY
            )
        self.assertIn("authority", raised.exception.message_dict)

    def test_a_decision_cannot_be_dated_in_the_future_or_before_the_case(self) -> None:
        for day in (TODAY + datetime.timedelta(days=1), TODAY - datetime.timedelta(days=400)):
            with self.subTest(day=day), system_scope(), self.assertRaises(ValidationError):
                case_nrm_advance(
                    actor=self.alice, case=self.case, to_stage=NrmStage.POTENTIAL_VICTIM, decided_on=day
                )

    def test_a_skipped_stage_through_the_page_shows_the_form_again_with_its_input(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            reverse("case_nrm_advance", kwargs={"public_id": self.case.public_id}),
            {"to_stage": "official_victim", "decided_on": str(TODAY), "authority": ""},
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'value="official_victim" selected', status_code=400)
        self.assertEqual(self.fresh().nrm_stage, "at_risk")


class LockingTests(CaseTestCase):
    def test_a_stale_save_is_refused(self) -> None:
        with system_scope():
            case_update(actor=self.alice, case=self.case, expected_version=1, changes={"summary": "Alice's"})
            with self.assertRaises(StaleVersion):
                case_update(actor=self.bob, case=self.case, expected_version=1, changes={"summary": "Bob's"})
            self.assertEqual(self.fresh().summary, "Alice's")

    def test_the_edit_page_keeps_the_input_on_a_conflict(self) -> None:
        with system_scope():
            case_update(
                actor=self.bob, case=self.case, expected_version=1, changes={"summary": "Bob saved first"}
            )
        self.login(self.alice)
        response = self.client.post(
            reverse("case_edit", kwargs={"public_id": self.case.public_id}),
            {"case_type": "prevention", "summary": "Alice typed this", "version": "1"},
        )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Alice typed this", status_code=409)
        self.assertContains(response, 'name="version" value="2"', status_code=409)
        self.assertEqual(self.fresh().summary, "Bob saved first")

    def test_the_api_answers_409_with_the_current_case(self) -> None:
        with system_scope():
            case_update(actor=self.bob, case=self.case, expected_version=1, changes={"summary": "Bob"})
        self.login(self.alice)
        response = self.client.patch(
            reverse("api:cases_patch", kwargs={"case_id": self.case.public_id}),
            data=json.dumps({"version": 1, "summary": "Alice"}),
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["current"]["version"], 2)

    def test_an_industry_without_forced_labour_is_refused_with_a_message(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            reverse("case_edit", kwargs={"public_id": self.case.public_id}),
            {
                "case_type": "victim_assistance",
                "labour_industry": "F_Construction",
                "version": "1",
                "exploitation_types": ["SexualExploitation"],
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.fresh().labour_industry, "")


class ClosureTests(CaseTestCase):
    def test_closing_waits_for_a_programme_managers_approval(self) -> None:
        with system_scope():
            approval = case_closure_request(
                actor=self.alice, case=self.case, status="Closed", reason="goals_met"
            )
            self.assertIsInstance(approval, Approval)
            self.assertEqual(self.fresh().status, CaseStatus.ACTIVE)
            approval_decide(actor=self.manager, approval=approval, approve=True)
            case = self.fresh()
        self.assertEqual((case.status, case.closure_reason, case.closed_on), ("Closed", "goals_met", TODAY))

    def test_the_requester_cannot_approve_their_own_request(self) -> None:
        with system_scope():
            approval = case_closure_request(
                actor=self.alice, case=self.case, status="Closed", reason="goals_met"
            )
            with self.assertRaises(ValidationError):
                approval_decide(actor=self.alice, approval=approval, approve=True)

    def test_a_case_worker_cannot_approve_a_colleagues_request(self) -> None:
        with system_scope():
            approval = case_closure_request(
                actor=self.alice, case=self.case, status="Closed", reason="goals_met"
            )
            with self.assertRaises(PermissionDenied):
                approval_decide(actor=self.bob, approval=approval, approve=True)

    def test_a_rejected_closure_leaves_the_case_open(self) -> None:
        with system_scope():
            approval = case_closure_request(
                actor=self.alice, case=self.case, status="Closed", reason="goals_met"
            )
            approval_decide(actor=self.manager, approval=approval, approve=False, comment="Not yet")
            self.assertEqual(self.fresh().status, CaseStatus.ACTIVE)
            self.assertEqual(Approval.objects.get(pk=approval.pk).status, ApprovalStatus.REJECTED)

    def test_without_the_rule_a_case_closes_at_once(self) -> None:
        with system_scope():
            CaseSettings.objects.create(organisation=self.org, closure_requires_approval=False)
            result = case_closure_request(
                actor=self.alice, case=self.case, status="ClosedReferred", reason="referred"
            )
        self.assertIsInstance(result, Case)
        self.assertEqual(self.fresh().status, "ClosedReferred")

    def test_an_administrator_switches_the_rule_on_the_settings_page(self) -> None:
        self.login(self.admin)
        self.client.post(reverse("case_settings"), {})
        with system_scope():
            self.assertFalse(CaseSettings.objects.get(organisation=self.org).closure_requires_approval)

    def test_the_manager_approves_on_the_approvals_page(self) -> None:
        with system_scope():
            approval = case_closure_request(
                actor=self.alice, case=self.case, status="Closed", reason="goals_met"
            )
        self.login(self.manager)
        page = self.client.get(reverse("approval_list"))
        self.assertContains(page, self.case.code)
        self.client.post(
            reverse("approval_decide", kwargs={"public_id": approval.public_id}), {"decision": "approve"}
        )
        self.assertEqual(self.fresh().status, "Closed")


class TransferTests(CaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        with system_scope():
            consent_record(
                actor=self.alice,
                person=self.person,
                purpose="case_management",
                given_by="self",
                method="written",
                given_on=TODAY,
            )

    def test_a_transfer_moves_the_case_and_the_person_after_approval(self) -> None:
        with system_scope():
            approval = case_transfer_request(actor=self.alice, case=self.case, target_unit=self.diocese_b)
            self.assertEqual(self.fresh().unit_id, self.diocese_a.pk)
            approval_decide(actor=self.manager, approval=approval, approve=True)
            self.assertEqual(self.fresh().unit_id, self.diocese_b.pk)
            self.assertEqual(Person.objects.get(pk=self.person.pk).unit_id, self.diocese_b.pk)
        self.login(self.charlie)
        self.assertEqual(
            self.client.get(reverse("case_detail", kwargs={"public_id": self.case.public_id})).status_code,
            200,
        )

    def test_a_transfer_to_another_organisation_is_refused(self) -> None:
        with system_scope(), self.assertRaises(ValidationError):
            case_transfer_request(actor=self.alice, case=self.case, target_unit=self.other_unit)

    def test_a_transfer_without_her_consent_needs_a_reason_which_is_audited(self) -> None:
        with system_scope():
            Consent.objects.filter(person=self.person).update(withdrawn_on=TODAY)
            with self.assertRaises(ConsentMissing):
                case_transfer_request(actor=self.alice, case=self.case, target_unit=self.diocese_b)
            case_transfer_request(
                actor=self.alice,
                case=self.case,
                target_unit=self.diocese_b,
                override_reason="Her father threatens her at the shelter.",
            )
            self.assertTrue(AuditEvent.objects.filter(action="consent.overridden").exists())

    def test_the_transfer_form_asks_for_the_reason_when_consent_is_missing_and_keeps_the_input(self) -> None:
        with system_scope():
            Consent.objects.filter(person=self.person).update(withdrawn_on=TODAY)
        self.login(self.alice)
        url = reverse("case_transfer_request", kwargs={"public_id": self.case.public_id})
        response = self.client.post(
            url, {"target_unit": str(self.diocese_b.public_id), "details": "Kept why"}
        )
        self.assertContains(response, "Kept why", status_code=400)
        self.assertContains(response, 'id="id_override_reason_error"', status_code=400)
        with system_scope():
            self.assertFalse(Approval.objects.exists())


class EventTests(CaseTestCase):
    def test_an_event_abroad_makes_the_case_cross_border(self) -> None:
        with system_scope():
            trafficking_event_add(actor=self.alice, case=self.case, event_type="Recruitment", country="AL")
            self.assertFalse(self.fresh().cross_border)
            trafficking_event_add(actor=self.alice, case=self.case, event_type="Exploitation", country="IT")
            self.assertTrue(self.fresh().cross_border)

    def test_an_event_ending_before_it_starts_is_refused_on_the_page(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            reverse("trafficking_event_add", kwargs={"public_id": self.case.public_id}),
            {
                "event_type": "Transit",
                "country": "GR",
                "date_from": "2026-05-02",
                "date_to": "2026-05-01",
                "place": "Kept place",
            },
        )
        self.assertContains(response, "Kept place", status_code=400)


class AccessTests(CaseTestCase):
    def test_charlie_and_dave_get_404_for_alices_case_like_a_missing_one(self) -> None:
        for user in (self.charlie, self.dave):
            self.login(user)
            for name in ("case_detail", "case_edit", "case_workers", "case_perpetrator"):
                with self.subTest(user=user.username, page=name):
                    foreign = self.client.get(reverse(name, kwargs={"public_id": self.case.public_id}))
                    missing = self.client.get(reverse(name, kwargs={"public_id": uuid.uuid4()}))
                    self.assertEqual((foreign.status_code, missing.status_code), (404, 404))
            api = self.client.get(reverse("api:cases_get", kwargs={"case_id": self.case.public_id}))
            missing = self.client.get(reverse("api:cases_get", kwargs={"case_id": uuid.uuid4()}))
            self.assertEqual((api.status_code, api.content), (missing.status_code, missing.content))

    def test_roles_without_case_files_are_refused_the_list_api(self) -> None:
        for user in (self.educator, self.volunteer, self.admin, self.dpo, self.viewer, self.coordinator):
            self.login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(reverse("api:cases_list")).status_code, 403)
                self.assertIn(self.client.get(reverse("case_list")).status_code, (403, 404))

    def test_the_case_list_shows_only_the_actors_cases(self) -> None:
        self.login(self.charlie)
        self.assertNotContains(self.client.get(reverse("case_list")), self.case.code)
        self.login(self.bob)
        self.assertContains(self.client.get(reverse("case_list")), self.case.code)

    def test_reading_the_case_and_the_perpetrator_details_is_audited(self) -> None:
        with system_scope():
            case_update(
                actor=self.alice, case=self.case, expected_version=1, changes={"perpetrator_notes": "Xhemo"}
            )
        self.login(self.alice)
        page = self.client.get(reverse("case_detail", kwargs={"public_id": self.case.public_id}))
        self.assertNotContains(page, "Xhemo")
        self.assertEqual(self.audited("case.viewed"), 1)
        notes = self.client.get(
            reverse("case_perpetrator", kwargs={"public_id": self.case.public_id}), HTTP_HX_REQUEST="true"
        )
        self.assertContains(notes, "Xhemo")
        self.assertEqual(self.audited("case.perpetrator.viewed"), 1)

    def test_a_case_worker_not_assigned_cannot_read_the_perpetrator_details(self) -> None:
        self.login(self.bob)
        response = self.client.get(reverse("case_perpetrator", kwargs={"public_id": self.case.public_id}))
        self.assertEqual(response.status_code, 403)

    def test_narratives_are_encrypted_at_rest(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("RESET ROLE")
            cursor.execute("SELECT summary FROM cases_case WHERE id = %s", [self.case.pk])
            raw = cursor.fetchone()[0]
            if connection.vendor == "postgresql":
                cursor.execute("SET ROLE kujdes_app")
        self.assertTrue(raw.startswith("k1:"))
        self.assertNotIn("Synthetic", raw)

    def test_malformed_input_never_answers_500(self) -> None:
        self.login(self.alice)
        case_url = {"public_id": self.case.public_id}
        posts = [
            (
                reverse("case_nrm_advance", kwargs=case_url),
                {"to_stage": "x" * 5000, "decided_on": "yesterday"},
            ),
            (reverse("case_close_request", kwargs=case_url), {"status": "Open", "reason": "\x00"}),
            (reverse("case_transfer_request", kwargs=case_url), {"target_unit": "not-a-uuid"}),
            (reverse("case_edit", kwargs=case_url), {"version": "abc", "age_when_trafficked": "-4"}),
            (reverse("case_list") + "?page=zz&opened_from=2026-13-45&unit=nope", None),
            (reverse("case_create") + "?person=not-a-uuid", None),
        ]
        for url, data in posts:
            with self.subTest(url=url):
                response = self.client.get(url) if data is None else self.client.post(url, data)
                self.assertLess(response.status_code, 500)
        api = self.client.post(
            reverse("api:cases_nrm", kwargs={"case_id": self.case.public_id}),
            data=json.dumps({"to_stage": "nonsense", "decided_on": "2026-99-99"}),
            content_type="application/json",
        )
        self.assertEqual(api.status_code, 422)
