"""The case page's "add" forms load when their section is opened (issue 6: case page p95 ≤ 100 ms).

The page draws each section's "add" as a closed <details> that fetches its form with htmx when opened;
without JavaScript the same <details> holds a link to the form's own URL, which shows that form alone.
The forms still post where they did, and a form sent with mistakes comes back open with what was typed.
"""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kujdes.cases.models import Case
from kujdes.cases.services import trafficking_event_add
from kujdes.cases.tests.test_work_base import WorkTestCase, days
from kujdes.cases.work import case_note_add, case_task_create, follow_up_record, support_plan_create
from kujdes.core.scoping import system_scope

# Each lazily loaded form: its URL name, and a field only that form has.
CORE_FORMS = {
    "case_nrm_advance": "to_stage",
    "trafficking_event_add": "event_type",
    "case_close_request": "reason",
    "case_transfer_request": "target_unit",
}
WORK_FORMS = {
    "support_plan_create": "objectives",
    "case_task_create": "assigned_to",
    "service_delivery_create": "provider",
    "follow_up_create": "contacted_on",
    "case_document_upload": "upload",
}
ALL_FORMS = {**CORE_FORMS, **WORK_FORMS}


class CasePageFormsTests(WorkTestCase):
    def url(self, name: str, case: Case | None = None) -> str:
        return reverse(name, kwargs={"public_id": (case or self.case).public_id})

    def page(self) -> str:
        response = self.client.get(self.url("case_detail"))
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_the_page_draws_no_add_form_only_sections_that_load_them_when_opened(self) -> None:
        self.login(self.alice)
        html = self.page()
        for name, field in ALL_FORMS.items():
            with self.subTest(form=name):
                url = self.url(name)
                self.assertNotIn(f'name="{field}"', html)
                # htmx fetches the form into the section when it is opened, once.
                lazy = f'<details hx-get="{url}" hx-trigger="toggle once" hx-target="find .lazy-form"'
                self.assertIn(lazy, html)
                # Without JavaScript, the section holds a link to the form's own page.
                self.assertIn(f'<a href="{url}">Open the form</a>', html)
        # The note form is one text box: it stays on the page.
        self.assertIn('name="body"', html)

    def test_each_form_url_gives_the_form_alone_to_htmx_and_a_page_without_javascript(self) -> None:
        self.login(self.alice)
        for name, field in ALL_FORMS.items():
            with self.subTest(form=name):
                url = self.url(name)
                fragment = self.client.get(url, HTTP_HX_REQUEST="true")
                self.assertEqual(fragment.status_code, 200)
                body = fragment.content.decode()
                self.assertNotIn("<html", body)
                self.assertRegex(body, rf'<form method="post"[^>]* action="{re.escape(url)}"')
                self.assertIn(f'name="{field}"', body)
                self.assertIn("csrfmiddlewaretoken", body)
                self.assertIn("HX-Request", fragment.headers["Vary"])
                page = self.client.get(url)
                self.assertEqual(page.status_code, 200)
                self.assertContains(page, "<title>")
                self.assertContains(page, self.case.code)
                self.assertRegex(
                    page.content.decode(), rf'<form method="post"[^>]* action="{re.escape(url)}"'
                )

    def test_others_get_404_and_the_programme_manager_may_not_add(self) -> None:
        for user in (self.charlie, self.dave):
            self.login(user)
            for name in ALL_FORMS:
                with self.subTest(user=user.username, form=name):
                    self.assertEqual(self.client.get(self.url(name), HTTP_HX_REQUEST="true").status_code, 404)
                    self.assertEqual(self.client.get(self.url(name)).status_code, 404)
        self.login(self.manager)
        html = self.page()
        self.assertNotIn("lazy-form", html)
        for name in CORE_FORMS:  # the case page's own forms need case.manage: the case is not there
            self.assertEqual(self.client.get(self.url(name)).status_code, 404, name)
        for name in WORK_FORMS:  # the case-work sections: readable, not writable
            self.assertEqual(self.client.get(self.url(name)).status_code, 403, name)

    def test_a_closed_case_offers_only_notes_and_documents(self) -> None:
        with system_scope():
            Case.objects.filter(pk=self.case.pk).update(status="Closed", closed_on=days(0))
        self.login(self.alice)
        html = self.page()
        self.assertIn(f'hx-get="{self.url("case_document_upload")}"', html)
        for name in (
            "follow_up_create",
            "support_plan_create",
            "case_close_request",
            "trafficking_event_add",
        ):
            self.assertNotIn(f'hx-get="{self.url(name)}"', html, name)
        fragment = self.client.get(self.url("follow_up_create"), HTTP_HX_REQUEST="true")
        self.assertContains(fragment, "The case is closed: nothing more can be added here.")
        self.assertNotContains(fragment, 'name="contacted_on"')

    def test_a_section_form_sent_with_mistakes_comes_back_open_with_what_was_typed(self) -> None:
        self.login(self.alice)
        # htmx: the panel again, its form open, with the error and the input.
        response = self.client.post(
            self.url("follow_up_create"),
            {"contacted_on": "", "method": "visit", "notes": "Kept visit notes"},
            HTTP_HX_REQUEST="true",
        )
        self.assertEqual(response.status_code, 200)
        body = response.content.decode()
        self.assertIn("Kept visit notes", body)
        self.assertIn('class="error"', body)
        self.assertRegex(body, r"<details open>\s*<summary>Record a follow-up</summary>")
        # Without JavaScript: the section alone, 400, the same.
        response = self.client.post(
            self.url("support_plan_create"), {"support_type": "Health", "actions": "Kept actions"}
        )
        self.assertContains(response, "Kept actions", status_code=400)
        self.assertRegex(response.content.decode(), r"<details open>\s*<summary>Add a support plan</summary>")
        # A form of the case page itself: the case page, 400, that form open with its input.
        response = self.client.post(
            self.url("trafficking_event_add"), {"event_type": "Transit", "country": "", "place": "Kept place"}
        )
        self.assertContains(response, "Kept place", status_code=400)
        self.assertRegex(response.content.decode(), r"<details open>\s*<summary>Add an event</summary>")
        # The forms still post where they did: a valid one is saved.
        response = self.client.post(
            self.url("trafficking_event_add"), {"event_type": "Transit", "country": "GR", "place": "Selanik"}
        )
        self.assertEqual(response.status_code, 302)

    def test_the_query_count_of_the_page_does_not_grow_with_its_rows(self) -> None:
        self.login(self.alice)

        def queries() -> int:
            self.client.get(self.url("case_detail"))  # the session settles on the first request
            with CaptureQueriesContext(connection) as captured:
                self.page()
            return len(captured)

        def populate(count: int) -> None:
            with system_scope():
                for n in range(count):
                    plan = support_plan_create(
                        actor=self.alice, case=self.case, support_type="Health", objectives=f"O{n}"
                    )
                    case_task_create(
                        actor=self.alice,
                        case=self.case,
                        title=f"T{n}",
                        due_on=days(n),
                        assigned_to=self.alice,
                        plan=plan,
                    )
                    follow_up_record(actor=self.alice, case=self.case, contacted_on=days(-n), method="visit")
                    case_note_add(actor=self.alice, case=self.case, body=f"Shënim {n}")
                    trafficking_event_add(
                        actor=self.alice, case=self.case, event_type="Transit", country="GR"
                    )

        populate(1)  # a section with rows asks more than an empty one (the notes' reading is audited)
        few = queries()
        populate(4)
        self.assertEqual(queries(), few)
