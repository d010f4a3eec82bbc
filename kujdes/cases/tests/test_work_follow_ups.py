"""Follow-ups: only the latest of a case counts; "my work" lists what is overdue and due within a week."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kujdes.cases.models import Approval, Case, FollowUp
from kujdes.cases.tests.test_work_base import TODAY, WorkTestCase, days
from kujdes.cases.work import case_task_complete, case_task_create, follow_up_record, my_work_for_actor
from kujdes.core.scoping import system_scope


class FollowUpTests(WorkTestCase):
    def follow_up(self, case: Case | None = None, **kwargs) -> FollowUp:  # type: ignore[no-untyped-def]
        values = {
            "contacted_on": days(-10),
            "method": "visit",
            "notes": "Vizitë në shtëpi",
            "next_due_on": None,
        }
        values.update(kwargs)
        actor = values.pop("actor", self.alice)
        return self.run_as_system(follow_up_record, actor=actor, case=case or self.case, **values)

    def latest(self, case: Case | None = None) -> list[FollowUp]:
        with system_scope():
            return list(FollowUp.objects.filter(case=case or self.case, is_latest=True))

    def test_a_new_contact_becomes_the_latest_and_clears_the_previous(self) -> None:
        first = self.follow_up(contacted_on=days(-10), next_due_on=days(-3))
        second = self.follow_up(contacted_on=days(-2), next_due_on=days(12))
        self.assertEqual([f.pk for f in self.latest()], [second.pk])
        with system_scope():
            self.assertFalse(FollowUp.objects.get(pk=first.pk).is_latest)

    def test_a_contact_recorded_late_joins_the_history_without_replacing_the_latest(self) -> None:
        recent = self.follow_up(contacted_on=days(-2), next_due_on=days(5))
        older = self.follow_up(contacted_on=days(-20), next_due_on=days(-15))
        self.assertEqual([f.pk for f in self.latest()], [recent.pk])
        self.assertFalse(older.is_latest)

    def test_the_next_date_cannot_come_before_the_contact_and_the_contact_not_in_the_future(self) -> None:
        with self.assertRaises(ValidationError) as refused:
            self.follow_up(contacted_on=days(-2), next_due_on=days(-5))
        self.assertIn("next_due_on", refused.exception.message_dict)
        with self.assertRaises(ValidationError) as refused:
            self.follow_up(contacted_on=days(3))
        self.assertIn("contacted_on", refused.exception.message_dict)

    def test_recording_is_audited_without_the_notes(self) -> None:
        self.follow_up(next_due_on=days(4))
        (event,) = self.events("case.follow_up.recorded")
        self.assertEqual(event.details["next_due_on"], days(4).isoformat())
        self.assertNotIn("Vizitë", str(event.details))

    def test_the_form_with_htmx_keeps_the_input_on_error(self) -> None:
        self.login(self.alice)
        url = reverse("follow_up_create", args=[self.case.public_id])
        data = {"contacted_on": "not a date", "method": "phone", "notes": "Telefonatë e gjatë"}
        response = self.client.post(url, data, HTTP_HX_REQUEST="true")
        self.assertContains(response, 'id="work-follow-ups"')
        self.assertContains(response, "Telefonatë e gjatë")
        data["contacted_on"] = TODAY.isoformat()
        data["next_due_on"] = days(7).isoformat()
        response = self.client.post(url, data, HTTP_HX_REQUEST="true")
        self.assertContains(response, "Follow-up recorded.")
        self.assertEqual(len(self.latest()), 1)


class MyWorkTests(WorkTestCase):
    def follow_up(self, case: Case, contacted: int, due: int | None, actor=None) -> FollowUp:  # type: ignore[no-untyped-def]
        return self.run_as_system(
            follow_up_record,
            actor=actor or self.alice,
            case=case,
            contacted_on=days(contacted),
            method="phone",
            next_due_on=days(due) if due is not None else None,
        )

    def work(self, actor=None):  # type: ignore[no-untyped-def]
        with system_scope():
            return my_work_for_actor(actor=actor or self.alice, today=TODAY)

    def test_only_the_latest_follow_up_of_a_case_counts(self) -> None:
        self.follow_up(self.case, contacted=-20, due=-5)  # would be overdue...
        self.follow_up(self.case, contacted=-1, due=30)  # ...but a later contact set the next date
        work = self.work()
        self.assertEqual((work.overdue, work.due_soon), ([], []))

    def test_overdue_and_due_this_week_are_told_apart_and_later_ones_wait(self) -> None:
        other = self.case_make(self.person_make("Ana", "Marku"))
        later = self.case_make(self.person_make("Besa", "Gjoka"))
        self.follow_up(self.case, contacted=-10, due=-1)
        self.follow_up(other, contacted=-3, due=0)
        self.follow_up(later, contacted=-3, due=8)
        work = self.work()
        self.assertEqual([f.case_id for f in work.overdue], [self.case.pk])
        self.assertEqual([f.case_id for f in work.due_soon], [other.pk])

    def test_only_cases_alice_works_on_but_all_cases_of_the_managers_units(self) -> None:
        bobs = self.case_make(self.person_make("Ema", "Dushi"), actor=self.bob)
        self.follow_up(self.case, contacted=-10, due=-1)
        self.follow_up(bobs, contacted=-10, due=-2, actor=self.bob)
        self.assertEqual([f.case_id for f in self.work().overdue], [self.case.pk])
        self.assertEqual([f.case_id for f in self.work(self.bob).overdue], [bobs.pk])
        self.assertEqual({f.case_id for f in self.work(self.manager).overdue}, {self.case.pk, bobs.pk})
        self.assertEqual(self.work(self.charlie).overdue, [])

    def test_closed_cases_leave_my_work(self) -> None:
        self.follow_up(self.case, contacted=-10, due=-1)
        self.case_close(self.case)
        self.assertEqual(self.work().overdue, [])

    def test_open_tasks_of_the_actor_overdue_first(self) -> None:
        with system_scope():
            soon = case_task_create(
                actor=self.alice, case=self.case, title="B", due_on=days(2), assigned_to=self.alice
            )
            late = case_task_create(
                actor=self.alice, case=self.case, title="A", due_on=days(-4), assigned_to=self.alice
            )
            done = case_task_create(
                actor=self.alice, case=self.case, title="C", due_on=days(-9), assigned_to=self.alice
            )
            case_task_complete(actor=self.alice, task=done)
            case_task_create(
                actor=self.alice, case=self.case, title="D", due_on=days(-9), assigned_to=self.bob
            )
        self.assertEqual([t.pk for t in self.work().tasks], [late.pk, soon.pk])
        self.assertEqual([t.title for t in self.work().tasks], ["A", "B"])

    def test_the_manager_sees_how_many_approvals_wait(self) -> None:
        with system_scope():
            for status in ("pending", "pending", "approved"):
                Approval.objects.create(
                    organisation=self.org,
                    case=self.case,
                    kind="closure",
                    status=status,
                    requested_by=self.alice,
                )
        self.assertEqual(self.work(self.manager).approvals_pending, 2)
        self.assertIsNone(self.work().approvals_pending)
        self.login(self.manager)
        self.assertContains(self.client.get(reverse("my_work")), "2 requests wait for your approval.")

    def test_the_page_shows_overdue_follow_ups_in_red_with_codes_not_names(self) -> None:
        self.follow_up(self.case, contacted=-10, due=-1)
        self.login(self.alice)
        page = self.client.get(reverse("my_work"))
        self.assertContains(page, 'id="overdue-follow-ups"')
        self.assertContains(page, '<li class="error">')
        self.assertContains(page, self.case.code)
        self.assertContains(page, self.person.code)
        self.assertNotContains(page, "Drita")

    def test_the_page_lists_tasks_with_a_done_button_posting_with_htmx(self) -> None:
        with system_scope():
            task = case_task_create(
                actor=self.alice,
                case=self.case,
                title="Shko te bashkia",
                due_on=days(1),
                assigned_to=self.alice,
            )
        self.login(self.alice)
        page = self.client.get(reverse("my_work"))
        self.assertContains(page, "Shko te bashkia")
        self.assertContains(
            page, f'hx-post="{reverse("case_task_complete", args=[self.case.public_id, task.public_id])}"'
        )

    def test_educator_and_volunteer_get_no_work_page(self) -> None:
        for user in (self.educator, self.volunteer, self.admin, self.dpo):
            self.login(user)
            self.assertEqual(self.client.get(reverse("my_work")).status_code, 403, user.username)

    def test_the_number_of_queries_does_not_grow_with_the_rows(self) -> None:
        def populate(count: int) -> None:
            for n in range(count):
                person = self.run_as_system(self.person_make, given="Vajzë", family=f"Test{n}")
                case = self.run_as_system(self.case_make, person=person)
                self.follow_up(case, contacted=-10, due=-1 if n % 2 else 3)
                with system_scope():
                    case_task_create(
                        actor=self.alice,
                        case=case,
                        title=f"Detyrë {n}",
                        due_on=days(n - 2),
                        assigned_to=self.alice,
                    )

        def queries() -> int:
            self.client.get(reverse("my_work"))  # the session settles on the first request
            with CaptureQueriesContext(connection) as captured:
                response = self.client.get(reverse("my_work"))
            self.assertEqual(response.status_code, 200)
            return len(captured)

        self.login(self.alice)
        populate(1)
        few = queries()
        populate(6)
        self.assertEqual(queries(), few)

    def test_the_api_gives_the_same_work(self) -> None:
        self.follow_up(self.case, contacted=-10, due=-1)
        self.login(self.alice)
        body = self.client.get(reverse("api:me_work")).json()
        self.assertEqual([row["case_code"] for row in body["overdue"]], [self.case.code])
        self.assertTrue(body["overdue"][0]["overdue"])
        self.assertIsNone(body["approvals_pending"])
        self.login(self.volunteer)
        self.assertEqual(self.client.get(reverse("api:me_work")).status_code, 403)
        _ = datetime  # dates above are relative to TODAY
