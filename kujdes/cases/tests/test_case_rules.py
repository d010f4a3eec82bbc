"""The case file's rules beyond the basics: codes checked for the API, cross-border by citizenship,
workers, the restricted perpetrator page, filters and their cost, transfers, and merged persons."""

from __future__ import annotations

import datetime
import json
import uuid

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kujdes.cases.models import Approval, Case, CaseDocument, TraffickingEvent
from kujdes.cases.selectors import approvals_pending_for_actor
from kujdes.cases.services import (
    approval_decide,
    case_closure_request,
    case_create,
    case_transfer_request,
    case_update,
    case_worker_candidates,
    case_workers_set,
    trafficking_event_add,
    trafficking_event_remove,
)
from kujdes.cases.tests.test_cases import TODAY, CaseTestCase
from kujdes.cases.tests.test_work_base import PDF, WorkTestCase
from kujdes.cases.work import case_document_store
from kujdes.core.files import encrypted_file_read
from kujdes.core.models import AuditEvent
from kujdes.core.roles import Role
from kujdes.core.scoping import system_scope
from kujdes.core.services import membership_assign
from kujdes.core.tests.base import user_create
from kujdes.people.consent import consent_record
from kujdes.people.models import Person, PersonMerge
from kujdes.people.services import person_create, person_merge_propose, person_merge_review


class CodesTests(CaseTestCase):
    def patch(self, **data: object) -> object:
        self.login(self.alice)
        return self.client.patch(
            reverse("api:cases_patch", kwargs={"case_id": self.case.public_id}),
            data=json.dumps({"version": self.fresh().version, **data}),
            content_type="application/json",
        )

    def test_the_api_refuses_codes_outside_the_htcds_lists(self) -> None:
        for field, value in (
            ("trafficking_status", "Maybe"),
            ("exploitation_types", ["ForcedLabour", "Nonsense"]),
            ("case_type", ""),
            ("age_when_trafficked", -4),
            ("age_when_trafficked", 400),
            ("summary", "x" * 20_000),
            ("joint_interview_on", str(TODAY + datetime.timedelta(days=5))),
        ):
            with self.subTest(field=field, value=str(value)[:20]):
                response = self.patch(**{field: value})
                self.assertEqual(response.status_code, 400)
                self.assertIn(field, response.json()["errors"])
        self.assertEqual(self.fresh().version, 1)

    def test_the_api_clears_a_list_with_null_and_saves_good_codes(self) -> None:
        response = self.patch(exploitation_types=["SexualExploitation"], control_methods=["DebtBondage"])
        self.assertEqual(response.status_code, 200, response.content)
        response = self.patch(control_methods=None, sex_exploitation_types=["Prostitution"])
        self.assertEqual(response.status_code, 200, response.content)
        case = self.fresh()
        self.assertEqual((case.control_methods, case.sex_exploitation_types), ([], ["Prostitution"]))

    def test_an_industry_needs_forced_labour_through_the_api_too(self) -> None:
        response = self.patch(labour_industry="F_Construction")
        self.assertEqual(response.status_code, 400)
        self.assertIn("labour_industry", response.json()["errors"])


class CrossBorderTests(CaseTestCase):
    def foreign_case(self, citizenships: list[str]) -> Case:
        with system_scope():
            person = person_create(
                actor=self.alice,
                unit=self.diocese_a,
                given_name="Arta",
                family_name="Gashi",
                citizenships=citizenships,
            )
            return case_create(actor=self.alice, person=person, unit=self.diocese_a, opened_on=TODAY)

    def test_a_kosovar_exploited_in_albania_is_a_cross_border_case(self) -> None:
        case = self.foreign_case(["XK"])
        with system_scope():
            trafficking_event_add(actor=self.alice, case=case, event_type="Exploitation", country="AL")
            self.assertTrue(Case.objects.get(pk=case.pk).cross_border)

    def test_without_a_recorded_citizenship_the_organisations_country_is_home(self) -> None:
        case = self.foreign_case([])
        with system_scope():
            trafficking_event_add(actor=self.alice, case=case, event_type="Recruitment", country="al")
            self.assertIs(Case.objects.get(pk=case.pk).cross_border, False)

    def test_removing_the_event_abroad_makes_the_case_internal_again(self) -> None:
        with system_scope():
            trafficking_event_add(actor=self.alice, case=self.case, event_type="Recruitment", country="AL")
            abroad = trafficking_event_add(
                actor=self.alice, case=self.case, event_type="Exploitation", country="IT"
            )
            self.assertTrue(self.fresh().cross_border)
            trafficking_event_remove(actor=self.alice, event=abroad)
            self.assertIs(self.fresh().cross_border, False)

    def test_the_case_page_marks_each_event_internal_or_cross_border(self) -> None:
        with system_scope():
            trafficking_event_add(actor=self.alice, case=self.case, event_type="Transit", country="GR")
        self.login(self.alice)
        page = self.client.get(reverse("case_detail", kwargs={"public_id": self.case.public_id}))
        self.assertContains(page, "<td>GR</td>", html=False)

    def test_a_country_that_is_not_a_code_is_refused(self) -> None:
        with system_scope(), self.assertRaises(ValidationError) as raised:
            trafficking_event_add(actor=self.alice, case=self.case, event_type="Transit", country="1?")
        self.assertIn("country", raised.exception.message_dict)

    def test_a_closed_case_takes_no_new_events_and_the_page_says_why(self) -> None:
        with system_scope():
            Case.objects.filter(pk=self.case.pk).update(status="Closed", closed_on=TODAY)
        self.login(self.alice)
        response = self.client.post(
            reverse("trafficking_event_add", kwargs={"public_id": self.case.public_id}),
            {"event_type": "Transit", "country": "GR", "place": "Kept place"},
        )
        self.assertContains(response, "Kept place", status_code=400)
        with system_scope():
            self.assertFalse(TraffickingEvent.objects.filter(case=self.case).exists())


class WorkerTests(CaseTestCase):
    def test_workers_of_the_unit_above_and_below_may_be_assigned_but_not_charlie(self) -> None:
        with system_scope():
            centre_worker = user_create(
                username="edona", organisation=self.org, unit=self.centre_a, role=Role.CASE_WORKER
            )
            candidates = set(case_worker_candidates(case=self.case))
            self.assertTrue({self.alice, self.bob, centre_worker} <= candidates)
            self.assertFalse({self.charlie, self.dave, self.manager, self.educator} & candidates)
            case_workers_set(actor=self.alice, case=self.case, primary=self.bob, others=[centre_worker])
            with self.assertRaises(ValidationError):
                case_workers_set(actor=self.alice, case=self.case, primary=self.charlie, others=[])
        self.login(centre_worker)
        page = self.client.get(reverse("case_detail", kwargs={"public_id": self.case.public_id}))
        self.assertEqual(page.status_code, 200)

    def test_the_workers_page_saves_the_primary_and_the_others(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            reverse("case_workers", kwargs={"public_id": self.case.public_id}),
            {"primary": str(self.bob.public_id), "others": [str(self.alice.public_id)]},
        )
        self.assertEqual(response.status_code, 302)
        case = self.fresh()
        with system_scope():
            self.assertEqual(case.primary_worker_id, self.bob.pk)
            self.assertEqual(list(case.other_workers.all()), [self.alice])

    def test_a_worker_outside_the_unit_is_not_offered_and_refused(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            reverse("case_workers", kwargs={"public_id": self.case.public_id}),
            {"primary": str(self.charlie.public_id)},
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.fresh().primary_worker_id, self.alice.pk)


class PerpetratorTests(CaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        with system_scope():
            case_update(
                actor=self.alice, case=self.case, expected_version=1, changes={"perpetrator_notes": "Xhemo"}
            )
        self.url = reverse("case_perpetrator", kwargs={"public_id": self.case.public_id})

    def test_the_edit_page_does_not_show_the_perpetrator_details(self) -> None:
        self.login(self.alice)
        page = self.client.get(reverse("case_edit", kwargs={"public_id": self.case.public_id}))
        self.assertNotContains(page, "Xhemo")
        self.assertEqual(self.audited("case.perpetrator.viewed"), 0)
        self.assertEqual(self.audited("case.viewed"), 1)

    def test_the_assigned_worker_changes_them_on_their_own_audited_page(self) -> None:
        self.login(self.alice)
        self.assertContains(self.client.get(self.url), "Xhemo")
        response = self.client.post(self.url, {"perpetrator_notes": "Xhemo, Durrës", "version": "2"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.fresh().perpetrator_notes, "Xhemo, Durrës")
        self.assertEqual(self.audited("case.perpetrator.viewed"), 2)

    def test_a_stale_change_keeps_what_was_typed(self) -> None:
        with system_scope():
            case_update(actor=self.bob, case=self.case, expected_version=2, changes={"summary": "Bob"})
        self.login(self.alice)
        response = self.client.post(self.url, {"perpetrator_notes": "Typed by Alice", "version": "2"})
        self.assertContains(response, "Typed by Alice", status_code=409)
        self.assertEqual(self.fresh().perpetrator_notes, "Xhemo")

    def test_the_manager_reads_them_but_does_not_change_them(self) -> None:
        self.login(self.manager)
        self.assertContains(self.client.get(self.url, HTTP_HX_REQUEST="true"), "Xhemo")
        self.assertEqual(
            self.client.post(self.url, {"perpetrator_notes": "", "version": "2"}).status_code, 403
        )
        self.assertEqual(self.fresh().perpetrator_notes, "Xhemo")

    def test_bob_works_in_the_unit_but_is_not_assigned_so_he_is_refused_and_nothing_is_logged(self) -> None:
        self.login(self.bob)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.assertEqual(
            self.client.post(self.url, {"perpetrator_notes": "", "version": "2"}).status_code, 403
        )
        self.assertEqual(self.audited("case.perpetrator.viewed"), 0)

    def test_bob_reads_them_once_he_is_assigned(self) -> None:
        with system_scope():
            case_workers_set(actor=self.alice, case=self.case, primary=self.alice, others=[self.bob])
        self.login(self.bob)
        self.assertContains(self.client.get(self.url), "Xhemo")


class ListTests(CaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            person = person_create(
                actor=cls.alice, unit=cls.centre_a, given_name="Sara", family_name="Lika", birth_year=2008
            )
            cls.centre_case = case_create(
                actor=cls.bob,
                person=person,
                unit=cls.centre_a,
                case_type="victim_assistance",
                opened_on=TODAY - datetime.timedelta(days=3),
                trafficking_status="PossibleVictimOfTrafficking",
            )

    def codes(self, response: object) -> set[str]:
        return {row["code"] for row in response.json()["results"]}  # type: ignore[attr-defined]

    def test_the_api_filters_by_unit_worker_status_and_period(self) -> None:
        self.login(self.manager)
        url = reverse("api:cases_list")
        both = {self.case.code, self.centre_case.code}
        self.assertEqual(self.codes(self.client.get(url)), both)
        for query, expected in (
            ({"unit": str(self.centre_a.public_id)}, {self.centre_case.code}),
            ({"worker": str(self.alice.public_id)}, {self.case.code}),
            ({"trafficking_status": "PossibleVictimOfTrafficking"}, {self.centre_case.code}),
            ({"opened_from": str(TODAY - datetime.timedelta(days=7))}, {self.centre_case.code}),
            ({"opened_to": str(TODAY - datetime.timedelta(days=7))}, {self.case.code}),
            ({"code": self.person.code.lower()}, {self.case.code}),
            ({"unit": str(self.diocese_b.public_id)}, set()),
            ({"worker": str(self.charlie.public_id)}, set()),
            ({"unit": str(uuid.uuid4())}, set()),
        ):
            with self.subTest(query=query):
                self.assertEqual(self.codes(self.client.get(url, query)), expected)

    def test_malformed_api_filters_answer_422_not_500(self) -> None:
        self.login(self.manager)
        for query in ({"unit": "nope"}, {"opened_from": "2026-13-40"}, {"page": "x"}):
            with self.subTest(query=query):
                self.assertEqual(self.client.get(reverse("api:cases_list"), query).status_code, 422)

    def test_the_page_filters_by_worker_and_trafficking_status(self) -> None:
        self.login(self.manager)
        page = self.client.get(reverse("case_list"), {"worker": str(self.bob.public_id)})
        self.assertContains(page, self.centre_case.code)
        self.assertNotContains(page, self.case.code)
        page = self.client.get(reverse("case_list"), {"trafficking_status": "PossibleVictimOfTrafficking"})
        self.assertContains(page, self.centre_case.code)
        self.assertNotContains(page, self.case.code)

    def test_the_list_costs_the_same_queries_for_2_or_30_cases(self) -> None:
        self.login(self.alice)
        self.client.get(reverse("case_list"))  # the session's first request does more (not the list)
        counts = []
        for total in (2, 30):
            with system_scope():
                while Case.objects.filter(unit__in=[self.diocese_a, self.centre_a]).count() < total:
                    person = person_create(
                        actor=self.alice, unit=self.diocese_a, given_name="Nora", family_name="Hoxha"
                    )
                    case_create(actor=self.alice, person=person, unit=self.diocese_a, opened_on=TODAY)
            for url in (reverse("case_list"), reverse("api:cases_list")):
                with CaptureQueriesContext(connection) as queries:
                    self.assertEqual(self.client.get(url).status_code, 200)
                counts.append(len(queries))
        self.assertEqual(counts[:2], counts[2:])

    def test_the_approvals_page_costs_the_same_queries_for_1_or_6_requests(self) -> None:
        self.login(self.manager)
        self.client.get(reverse("approval_list"))  # the session's first request does more
        counts = []
        with system_scope():
            case_closure_request(actor=self.alice, case=self.case, status="Closed", reason="goals_met")
        with CaptureQueriesContext(connection) as queries:
            self.client.get(reverse("approval_list"))
        counts.append(len(queries))
        with system_scope():
            for _ in range(5):
                person = person_create(
                    actor=self.alice, unit=self.diocese_a, given_name="Nora", family_name="Hoxha"
                )
                case = case_create(actor=self.alice, person=person, unit=self.diocese_a, opened_on=TODAY)
                case_closure_request(actor=self.bob, case=case, status="Closed", reason="moved")
        with CaptureQueriesContext(connection) as queries:
            page = self.client.get(reverse("approval_list"))
        counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])
        self.assertContains(page, 'value="approve"', count=6)


class ApprovalTests(CaseTestCase):
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

    def test_the_manager_approves_through_the_api_and_the_requester_cannot(self) -> None:
        with system_scope():
            approval = case_closure_request(
                actor=self.alice, case=self.case, status="Closed", reason="goals_met"
            )
        url = reverse("api:approvals_decide", kwargs={"approval_id": approval.public_id})
        self.login(self.alice)
        listed = self.client.get(reverse("api:approvals_list")).json()
        self.assertEqual([(a["case_code"], a["can_decide"]) for a in listed], [(self.case.code, False)])
        own = self.client.post(url, data=json.dumps({"approve": True}), content_type="application/json")
        self.assertEqual(own.status_code, 400)
        self.login(self.manager)
        decided = self.client.post(url, data=json.dumps({"approve": True}), content_type="application/json")
        self.assertEqual(decided.json()["status"], "approved")
        self.assertEqual(self.fresh().status, "Closed")

    def test_pending_requests_are_the_managers_to_decide_and_never_the_requesters(self) -> None:
        with system_scope():
            approval = case_closure_request(
                actor=self.alice, case=self.case, status="Closed", reason="goals_met"
            )
            self.assertEqual(list(approvals_pending_for_actor(actor=self.manager)), [approval])
            for user in (self.alice, self.bob, self.charlie, self.admin):
                self.assertEqual(list(approvals_pending_for_actor(actor=user)), [])

    def test_charlie_cannot_see_or_decide_alices_request(self) -> None:
        with system_scope():
            approval = case_closure_request(
                actor=self.alice, case=self.case, status="Closed", reason="goals_met"
            )
        self.login(self.charlie)
        self.assertEqual(self.client.get(reverse("api:approvals_list")).json(), [])
        response = self.client.post(
            reverse("api:approvals_decide", kwargs={"approval_id": approval.public_id}),
            data=json.dumps({"approve": True}),
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 404)

    def test_closing_through_the_page_is_immediate_when_the_rule_is_off(self) -> None:
        self.login(self.admin)
        self.client.post(reverse("case_settings"), {})
        self.login(self.alice)
        response = self.client.post(
            reverse("case_close_request", kwargs={"public_id": self.case.public_id}),
            {"status": "Closed", "reason": "declined"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.fresh().status, "Closed")
        with system_scope():
            self.assertFalse(Approval.objects.exists())

    def test_the_manager_reopens_a_closed_case_and_a_case_worker_cannot(self) -> None:
        with system_scope():
            approval = case_closure_request(
                actor=self.alice, case=self.case, status="Closed", reason="goals_met"
            )
            approval_decide(actor=self.manager, approval=approval, approve=True)
        url = reverse("case_reopen", kwargs={"public_id": self.case.public_id})
        self.login(self.alice)
        self.assertEqual(self.client.post(url).status_code, 403)
        self.login(self.manager)
        self.assertEqual(self.client.post(url).status_code, 302)
        case = self.fresh()
        self.assertEqual((case.status, case.closed_on, case.closure_reason), ("Active", None, ""))

    def test_a_person_with_another_open_case_here_stays_when_one_case_moves(self) -> None:
        with system_scope():
            case_create(actor=self.alice, person=self.person, unit=self.diocese_a, opened_on=TODAY)
            approval = case_transfer_request(actor=self.alice, case=self.case, target_unit=self.diocese_b)
            approval_decide(actor=self.manager, approval=approval, approve=True)
            self.assertEqual(self.fresh().unit_id, self.diocese_b.pk)
            self.assertEqual(Person.objects.get(pk=self.person.pk).unit_id, self.diocese_a.pk)
            event = AuditEvent.objects.get(action="case.transferred")
        self.assertIs(event.details["person_moved"], False)

    def test_the_transfer_page_asks_and_the_manager_of_the_current_unit_decides(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            reverse("case_transfer_request", kwargs={"public_id": self.case.public_id}),
            {"target_unit": str(self.diocese_b.public_id), "details": "She moved to her aunt."},
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            approval = Approval.objects.get(case=self.case, kind="transfer")
            self.assertEqual(approval.details, "She moved to her aunt.")
        self.login(self.manager)
        self.client.post(
            reverse("approval_decide", kwargs={"public_id": approval.public_id}), {"decision": "approve"}
        )
        self.assertEqual(self.fresh().unit_id, self.diocese_b.pk)

    def test_a_transfer_to_a_unit_of_another_organisation_is_refused_on_the_page(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            reverse("case_transfer_request", kwargs={"public_id": self.case.public_id}),
            {"target_unit": str(self.other_unit.public_id)},
        )
        self.assertEqual(response.status_code, 400)
        with system_scope():
            self.assertFalse(Approval.objects.exists())


class AccessTests(CaseTestCase):
    def test_roles_without_case_files_get_nothing_of_alices_case(self) -> None:
        for user in (self.educator, self.volunteer, self.admin, self.dpo, self.viewer, self.coordinator):
            self.login(user)
            for name in ("case_detail", "case_edit", "case_perpetrator", "case_workers"):
                with self.subTest(user=user.username, page=name):
                    url = reverse(name, kwargs={"public_id": self.case.public_id})
                    self.assertEqual(self.client.get(url).status_code, 404)
            api = self.client.get(reverse("api:cases_get", kwargs={"case_id": self.case.public_id}))
            self.assertEqual(api.status_code, 404)
        self.assertEqual(self.audited("case.viewed"), 0)

    def test_reading_a_case_through_the_api_is_audited(self) -> None:
        self.login(self.manager)
        response = self.client.get(reverse("api:cases_get", kwargs={"case_id": self.case.public_id}))
        self.assertEqual(response.json()["summary"], "Synthetic story")
        self.assertEqual(self.audited("case.viewed"), 1)

    def test_opening_a_case_without_a_person_sends_the_worker_to_find_her(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("case_create"))
        self.assertRedirects(response, reverse("person_list"), fetch_redirect_response=False)

    def test_the_person_page_lists_her_cases_and_offers_to_open_one(self) -> None:
        self.login(self.alice)
        page = self.client.get(reverse("person_detail", kwargs={"public_id": self.person.public_id}))
        self.assertContains(page, self.case.code)
        self.assertContains(page, f"{reverse('case_create')}?person={self.person.public_id}")
        self.login(self.manager)
        page = self.client.get(reverse("person_detail", kwargs={"public_id": self.person.public_id}))
        self.assertContains(page, self.case.code)
        self.assertNotContains(page, f"{reverse('case_create')}?person=")


class MergeTests(WorkTestCase):
    def test_a_merged_duplicates_case_stays_readable_under_the_kept_persons_key(self) -> None:
        with system_scope():
            kept = self.person_make("Mira", "Deda")
            duplicate = self.person
            case_update(
                actor=self.alice,
                case=self.case,
                expected_version=1,
                changes={"summary": "Shënim sintetik", "perpetrator_notes": "Xhemo"},
            )
            trafficking_event_add(
                actor=self.alice,
                case=self.case,
                event_type="Exploitation",
                country="IT",
                description="Bar në Bari",
            )
            case_closure_request(
                actor=self.alice, case=self.case, status="Closed", reason="moved", details="Iku"
            )
            document = case_document_store(
                actor=self.alice, case=self.case, title="Raport", upload=SimpleUploadedFile("r.pdf", PDF)
            )
            merge = person_merge_propose(actor=self.alice, kept=kept, duplicate=duplicate)
            person_merge_review(actor=self.bob, merge=PersonMerge.objects.get(pk=merge.pk), approve=True)

            case = Case.objects.select_related("person").get(pk=self.case.pk)
            self.assertEqual(case.person_id, kept.pk)
            self.assertEqual((case.summary, case.perpetrator_notes), ("Shënim sintetik", "Xhemo"))
            event = TraffickingEvent.objects.select_related("case__person").get(case=case)
            self.assertEqual(event.description, "Bar në Bari")
            approval = Approval.objects.select_related("case__person").get(case=case)
            self.assertEqual(approval.details, "Iku")
            stored = CaseDocument.objects.select_related("case__person").get(case=case)
            self.assertEqual(stored.title, "Raport")
            self.assertNotEqual(stored.public_id, document.public_id)
            content = b"".join(encrypted_file_read(handle=kept.encryption_handle(), file_id=stored.public_id))
        self.assertEqual(content, PDF)
        self.login(self.alice)
        page = self.client.get(reverse("case_detail", kwargs={"public_id": self.case.public_id}))
        self.assertContains(page, "Shënim sintetik")
        self.assertContains(page, kept.code)


class MembershipChangeTests(CaseTestCase):
    def test_a_case_worker_who_joins_diocese_b_sees_its_cases(self) -> None:
        # Guards the per-request caches: a fresh request sees a new membership.
        with system_scope():
            membership_assign(actor=None, user=self.charlie, unit=self.diocese_a, role=Role.CASE_WORKER)
        self.login(self.charlie)
        page = self.client.get(reverse("case_detail", kwargs={"public_id": self.case.public_id}))
        self.assertEqual(page.status_code, 200)
