"""Support plans and tasks: added by the case's workers, encrypted, audited, versioned; done with htmx."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from kujdes.cases.models import CaseTask, SupportPlan
from kujdes.cases.tests.test_work_base import TODAY, WorkTestCase, days
from kujdes.cases.work import case_task_complete, case_task_create, support_plan_create, support_plan_update
from kujdes.core.locking import StaleVersion
from kujdes.core.scoping import system_scope


class SupportPlanTests(WorkTestCase):
    def plan(self, **kwargs):  # type: ignore[no-untyped-def]
        values = {"support_type": "Health", "objectives": "Kontroll mjekësor i plotë", "actions": "Vizitë"}
        values.update(kwargs)
        actor = values.pop("actor", self.alice)
        return self.run_as_system(support_plan_create, actor=actor, case=self.case, **values)

    def test_alice_adds_a_plan_and_it_is_audited_without_its_text(self) -> None:
        plan = self.plan(planned_start=TODAY, planned_end=days(60))
        (event,) = self.events("case.plan.created")
        self.assertEqual(event.object_id, str(plan.public_id))
        self.assertEqual(event.details["support_type"], "Health")
        self.assertNotIn("Kontroll", str(event.details))

    def test_objectives_and_actions_are_encrypted_at_rest(self) -> None:
        plan = self.plan()
        with system_scope(), connection.cursor() as cursor:
            cursor.execute("SELECT objectives, actions FROM cases_supportplan WHERE id = %s", [plan.pk])
            row = cursor.fetchone()
        self.assertTrue(all(column.startswith("k1:") for column in row))
        self.assertNotIn("Kontroll", " ".join(row))

    def test_an_end_before_the_start_is_refused_by_field(self) -> None:
        with self.assertRaises(ValidationError) as refused:
            self.plan(planned_start=days(10), planned_end=days(1))
        self.assertIn("planned_end", refused.exception.message_dict)

    def test_an_unknown_support_type_is_refused(self) -> None:
        with self.assertRaises(ValidationError) as refused:
            self.plan(support_type="Magic")
        self.assertIn("support_type", refused.exception.message_dict)

    def test_the_manager_reads_but_cannot_add_a_plan(self) -> None:
        with self.assertRaises(PermissionDenied):
            self.plan(actor=self.manager)

    def test_a_closed_case_takes_no_new_plan(self) -> None:
        self.case_close(self.case)
        with self.assertRaises(ValidationError) as refused:
            self.plan()
        self.assertEqual(refused.exception.code, "closed")

    def test_a_stale_version_is_refused(self) -> None:
        plan = self.plan()
        with system_scope():
            plan.case = self.case
            support_plan_update(
                actor=self.alice, plan=plan, expected_version=1, changes={"status": "in_progress"}
            )
            with self.assertRaises(StaleVersion):
                support_plan_update(
                    actor=self.bob, plan=plan, expected_version=1, changes={"status": "achieved"}
                )

    def test_the_edit_page_saves_and_bumps_the_version(self) -> None:
        plan = self.plan()
        self.login(self.alice)
        url = reverse("support_plan_edit", args=[self.case.public_id, plan.public_id])
        page = self.client.get(url)
        self.assertContains(page, "Kontroll mjekësor i plotë")
        data = {
            "support_type": "Health",
            "objectives": "Objektiv i ri",
            "actions": "",
            "status": "in_progress",
            "version": "1",
        }
        self.assertEqual(self.client.post(url, data).status_code, 302)
        with system_scope():
            stored = SupportPlan.objects.select_related("case__person").get(pk=plan.pk)
            self.assertEqual(
                (stored.version, stored.status, stored.objectives), (2, "in_progress", "Objektiv i ri")
            )

    def test_a_stale_edit_says_why_and_keeps_what_was_typed(self) -> None:
        plan = self.plan()
        with system_scope():
            plan.case = self.case
            support_plan_update(
                actor=self.bob, plan=plan, expected_version=1, changes={"status": "in_progress"}
            )
        self.login(self.alice)
        url = reverse("support_plan_edit", args=[self.case.public_id, plan.public_id])
        data = {"support_type": "Health", "objectives": "Teksti im", "status": "planned", "version": "1"}
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Someone else saved this plan", status_code=409)
        self.assertContains(response, "Teksti im", status_code=409)
        self.assertContains(response, 'name="version" value="2"', status_code=409)

    def test_bad_dates_on_the_page_keep_the_input_and_never_fail(self) -> None:
        self.login(self.alice)
        url = reverse("support_plan_create", args=[self.case.public_id])
        data = {
            "support_type": "Health",
            "objectives": "Objektiva ime",
            "status": "planned",
            "planned_start": "2026-13-45",
        }
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Objektiva ime", status_code=400)
        response = self.client.post(url, {**data, "planned_start": "", "support_type": "x" * 5000})
        self.assertEqual(response.status_code, 400)

    def test_with_htmx_the_panel_comes_back_with_the_errors_and_the_input(self) -> None:
        self.login(self.alice)
        url = reverse("support_plan_create", args=[self.case.public_id])
        data = {
            "support_type": "Health",
            "objectives": "Objektiva ime",
            "status": "planned",
            "planned_start": TODAY.isoformat(),
            "planned_end": days(-5).isoformat(),
        }
        response = self.client.post(url, data, HTTP_HX_REQUEST="true")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="work-plans"')
        self.assertContains(response, "The planned end is before the planned start.")
        self.assertContains(response, "Objektiva ime")
        with system_scope():
            self.assertFalse(SupportPlan.objects.exists())

    def test_with_htmx_a_saved_plan_shows_in_the_panel(self) -> None:
        self.login(self.alice)
        url = reverse("support_plan_create", args=[self.case.public_id])
        data = {"support_type": "Legal", "objectives": "Ndihmë ligjore", "status": "planned"}
        response = self.client.post(url, data, HTTP_HX_REQUEST="true")
        self.assertContains(response, "Ndihmë ligjore")
        self.assertContains(response, "Support plan added.")

    def test_without_javascript_a_saved_plan_redirects(self) -> None:
        self.login(self.alice)
        url = reverse("support_plan_create", args=[self.case.public_id])
        response = self.client.post(
            url, {"support_type": "Legal", "objectives": "Ndihmë", "status": "planned"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertIn("#work-plans", response["Location"])


class CaseTaskTests(WorkTestCase):
    def task(self, **kwargs):  # type: ignore[no-untyped-def]
        values = {"title": "Merr certifikatën e lindjes", "due_on": days(3), "assigned_to": self.bob}
        values.update(kwargs)
        actor = values.pop("actor", self.alice)
        return self.run_as_system(case_task_create, actor=actor, case=self.case, **values)

    def test_a_task_goes_only_to_someone_who_works_on_the_case(self) -> None:
        for outsider in (self.charlie, self.manager, self.dave, self.educator):
            with self.subTest(outsider.username), self.assertRaises(ValidationError) as refused:
                self.task(assigned_to=outsider)
            self.assertIn("assigned_to", refused.exception.message_dict)
        self.assertEqual(self.task().assigned_to, self.bob)

    def test_the_title_is_encrypted_at_rest(self) -> None:
        task = self.task()
        with system_scope(), connection.cursor() as cursor:
            cursor.execute("SELECT title FROM cases_casetask WHERE id = %s", [task.pk])
            (title,) = cursor.fetchone()
        self.assertNotIn("certifikat", title)

    def test_done_with_htmx_returns_the_row_done_without_a_reload(self) -> None:
        task = self.task()
        self.login(self.bob)
        url = reverse("case_task_complete", args=[self.case.public_id, task.public_id])
        response = self.client.post(url, {"from": "work"}, HTTP_HX_REQUEST="true")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f'id="task-{task.public_id}"')
        self.assertContains(response, "Done on")
        self.assertNotContains(response, "<html")
        with system_scope():
            self.assertEqual(CaseTask.objects.get(pk=task.pk).done_on, TODAY)
        self.assertEqual(len(self.events("case.task.completed")), 1)

    def test_completing_twice_records_it_once(self) -> None:
        task = self.task()
        with system_scope():
            task.case = self.case
            case_task_complete(actor=self.alice, task=task)
            case_task_complete(actor=self.bob, task=task)
        self.assertEqual(len(self.events("case.task.completed")), 1)

    def test_without_javascript_done_goes_back_where_the_user_was(self) -> None:
        task = self.task()
        self.login(self.bob)
        url = reverse("case_task_complete", args=[self.case.public_id, task.public_id])
        response = self.client.post(url, {"next": reverse("my_work")})
        self.assertRedirects(response, reverse("my_work"))
        response = self.client.post(url, {"next": "https://evil.example/"})
        self.assertNotIn("evil", response["Location"])

    def test_the_manager_cannot_mark_it_done(self) -> None:
        task = self.task()
        self.login(self.manager)
        url = reverse("case_task_complete", args=[self.case.public_id, task.public_id])
        self.assertEqual(self.client.post(url, HTTP_HX_REQUEST="true").status_code, 403)

    def test_the_task_form_posted_with_htmx_adds_the_task_to_the_panel(self) -> None:
        self.login(self.alice)
        url = reverse("case_task_create", args=[self.case.public_id])
        data = {
            "title": "Telefono shkollën",
            "due_on": days(2).isoformat(),
            "assigned_to": str(self.bob.public_id),
        }
        response = self.client.post(url, data, HTTP_HX_REQUEST="true")
        self.assertContains(response, "Telefono shkollën")
        with system_scope():
            self.assertEqual(CaseTask.objects.get().assigned_to, self.bob)

    def test_a_forged_assignee_is_a_form_error(self) -> None:
        self.login(self.alice)
        url = reverse("case_task_create", args=[self.case.public_id])
        data = {"title": "Detyrë", "due_on": days(2).isoformat(), "assigned_to": str(self.charlie.public_id)}
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Detyrë", status_code=400)
