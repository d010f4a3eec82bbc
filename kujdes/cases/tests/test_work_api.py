"""The case-work API: plans with optimistic locking, services from the directory, follow-ups."""

from __future__ import annotations

from django.urls import reverse

from kujdes.cases.models import FollowUp
from kujdes.cases.tests.test_work_base import TODAY, WorkTestCase, days
from kujdes.core.scoping import system_scope


class CaseWorkApiTests(WorkTestCase):
    def url(self, name: str, **kwargs: object) -> str:
        return reverse(f"api:{name}", kwargs=kwargs or {"case_id": self.case.public_id})

    def post(self, url: str, body: dict, method: str = "POST"):  # type: ignore[no-untyped-def]
        import json

        return self.client.generic(method, url, data=json.dumps(body), content_type="application/json")

    def test_a_plan_is_created_listed_and_changed_with_its_version(self) -> None:
        self.login(self.alice)
        created = self.post(
            self.url("case_plans_create"), {"support_type": "Shelter", "objectives": "Strehim"}
        )
        self.assertEqual(created.status_code, 201)
        plan = created.json()
        self.assertEqual((plan["version"], plan["status"]), (1, "planned"))
        self.assertEqual(
            [p["objectives"] for p in self.client.get(self.url("case_plans_list")).json()], ["Strehim"]
        )
        patch_url = self.url("plans_patch", plan_id=plan["id"])
        changed = self.post(patch_url, {"version": 1, "status": "in_progress"}, "PATCH")
        self.assertEqual((changed.status_code, changed.json()["version"]), (200, 2))
        stale = self.post(
            patch_url, {"version": 1, "status": "achieved", "actual_end": TODAY.isoformat()}, "PATCH"
        )
        self.assertEqual(stale.status_code, 409)
        self.assertEqual(stale.json()["current"]["status"], "in_progress")
        self.assertEqual(stale.json()["current"]["version"], 2)

    def test_invalid_plans_answer_422_with_the_fields(self) -> None:
        self.login(self.alice)
        response = self.post(self.url("case_plans_create"), {"support_type": "Nope", "objectives": ""})
        self.assertEqual(response.status_code, 422)
        self.assertIn("support_type", response.json()["errors"])
        self.assertEqual(self.post(self.url("case_plans_create"), {"objectives": 5}).status_code, 422)

    def test_a_closed_case_answers_409(self) -> None:
        self.case_close(self.case)
        self.login(self.alice)
        response = self.post(self.url("case_follow_ups_create"), {"method": "phone"})
        self.assertEqual((response.status_code, response.json()["code"]), (409, "closed"))

    def test_a_service_by_a_provider_of_the_directory(self) -> None:
        self.login(self.alice)
        body = {"service_type": "Health", "provider": str(self.provider.public_id), "notes": "Vizitë"}
        created = self.post(self.url("case_services_create"), body)
        self.assertEqual(created.status_code, 201)
        self.assertEqual(created.json()["provider"], str(self.provider.public_id))
        foreign = self.post(self.url("case_services_create"), {**body, "provider": str(self.case.public_id)})
        self.assertEqual(foreign.status_code, 422)

    def test_follow_ups_through_the_api_keep_one_latest(self) -> None:
        self.login(self.alice)
        for contacted in (days(-9), days(-1)):
            body = {
                "contacted_on": contacted.isoformat(),
                "method": "visit",
                "next_due_on": days(5).isoformat(),
            }
            self.assertEqual(self.post(self.url("case_follow_ups_create"), body).status_code, 201)
        listed = self.client.get(self.url("case_follow_ups_list")).json()
        self.assertEqual([f["is_latest"] for f in listed], [True, False])
        with system_scope():
            self.assertEqual(FollowUp.objects.filter(is_latest=True).count(), 1)
