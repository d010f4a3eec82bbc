"""Charlie (diocese B) and Dave (another organisation) get 404 on every page and API route of Alice's
case work, exactly as for a case that does not exist; the educator and the volunteer get nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kujdes.cases.tests.test_work_base import PDF, TODAY, WorkTestCase
from kujdes.cases.work import case_document_store, case_note_add, case_task_create, support_plan_create
from kujdes.core.scoping import system_scope


class CaseWorkAccessTests(WorkTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.plan = support_plan_create(
                actor=cls.alice, case=cls.case, support_type="Health", objectives="O"
            )
            cls.task = case_task_create(
                actor=cls.alice, case=cls.case, title="T", due_on=TODAY, assigned_to=cls.alice
            )
            cls.note = case_note_add(actor=cls.alice, case=cls.case, body="Sekret")
            cls.document = case_document_store(
                actor=cls.alice, case=cls.case, title="D", upload=SimpleUploadedFile("d.pdf", PDF)
            )

    def routes(
        self, case_id: Any, plan_id: Any, task_id: Any, document_id: Any
    ) -> list[tuple[str, str, Any]]:
        """(method, url, data) of every case-work page and API route of a case."""
        case = {"public_id": case_id}
        api = {"case_id": case_id}
        pages = [
            ("GET", reverse(name, kwargs=case), {})
            for name in (
                "support_plan_create",
                "case_task_create",
                "service_delivery_create",
                "follow_up_create",
                "case_note_create",
                "case_document_upload",
            )
        ]
        pages += [
            (
                "POST",
                reverse("support_plan_create", kwargs=case),
                {"support_type": "Health", "objectives": "x"},
            ),
            ("POST", reverse("case_note_create", kwargs=case), {"body": "x"}),
            ("POST", reverse("follow_up_create", kwargs=case), {"contacted_on": TODAY, "method": "phone"}),
            ("GET", reverse("support_plan_edit", kwargs={**case, "plan_id": plan_id}), {}),
            ("POST", reverse("case_task_complete", kwargs={**case, "task_id": task_id}), {}),
            ("GET", reverse("case_document_download", kwargs={**case, "document_id": document_id}), {}),
        ]
        for name in ("plans", "services", "follow_ups", "notes", "documents"):
            pages.append(("GET", reverse(f"api:case_{name}_list", kwargs=api), None))
        for name, body in (
            ("plans", {"support_type": "Health", "objectives": "x"}),
            ("services", {"service_type": "Health"}),
            ("follow_ups", {"method": "phone"}),
            ("notes", {"body": "x"}),
        ):
            pages.append(("POST", reverse(f"api:case_{name}_create", kwargs=api), body))
        pages.append(("PATCH", reverse("api:plans_patch", kwargs={"plan_id": plan_id}), {"version": 1}))
        return pages

    def call(self, method: str, url: str, data: Any) -> Any:
        if "/api/" in url:
            return self.client.generic(
                method,
                url,
                data="{}" if data is None else json.dumps(data),
                content_type="application/json",
            )
        if method == "GET":
            return self.client.get(url)
        return self.client.post(url, data)

    def test_charlie_and_dave_get_404_on_every_route_of_alices_case(self) -> None:
        routes = self.routes(
            self.case.public_id, self.plan.public_id, self.task.public_id, self.document.public_id
        )
        for user in (self.charlie, self.dave):
            self.login(user)
            for method, url, data in routes:
                with self.subTest(user=user.username, method=method, url=url):
                    self.assertEqual(self.call(method, url, data).status_code, 404)

    def test_a_foreign_case_answers_exactly_like_a_missing_one(self) -> None:
        self.login(self.dave)
        foreign = self.routes(
            self.case.public_id, self.plan.public_id, self.task.public_id, self.document.public_id
        )
        missing = self.routes(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
        for (method, url, data), (_m, missing_url, _d) in zip(foreign, missing, strict=True):
            if "/api/" not in url:
                continue
            with self.subTest(url=url):
                a, b = self.call(method, url, data), self.call(method, missing_url, data)
                self.assertEqual((a.status_code, a.content), (b.status_code, b.content))

    def test_the_educator_the_volunteer_and_the_protection_officer_get_nothing(self) -> None:
        routes = self.routes(
            self.case.public_id, self.plan.public_id, self.task.public_id, self.document.public_id
        )
        for user in (self.educator, self.volunteer, self.dpo, self.admin, self.viewer):
            self.login(user)
            for method, url, data in routes:
                with self.subTest(user=user.username, method=method, url=url):
                    self.assertIn(self.call(method, url, data).status_code, {403, 404})
            self.assertIn(self.client.get(reverse("my_work")).status_code, {403, 404})
            self.assertEqual(self.client.get(reverse("api:me_work")).status_code, 403)

    def test_nothing_was_written_or_read_by_the_outsiders(self) -> None:
        self.test_charlie_and_dave_get_404_on_every_route_of_alices_case()
        for action in (
            "case.note.viewed",
            "case.document.viewed",
            "case.task.completed",
            "case.plan.updated",
        ):
            self.assertEqual(self.events(action), [], action)
