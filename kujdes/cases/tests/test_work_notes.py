"""Case notes: stored encrypted (no plaintext in the database); every reading is audited with the count."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from kujdes.cases.tests.test_work_base import WorkTestCase
from kujdes.cases.views_work import notes_panel
from kujdes.cases.work import case_note_add
from kujdes.core.panels import panels_render
from kujdes.core.scoping import system_scope

SECRET = "Ajo tregoi për rekrutuesin në Durrës"


class CaseNoteTests(WorkTestCase):
    def note(self, body: str = SECRET, actor=None):  # type: ignore[no-untyped-def]
        return self.run_as_system(case_note_add, actor=actor or self.alice, case=self.case, body=body)

    def test_a_note_is_encrypted_at_rest(self) -> None:
        note = self.note()
        with system_scope(), connection.cursor() as cursor:
            cursor.execute("SELECT body FROM cases_casenote WHERE id = %s", [note.pk])
            (body,) = cursor.fetchone()
            cursor.execute("SELECT details FROM core_auditevent")
            audit = " ".join(str(row[0]) for row in cursor.fetchall())
        self.assertTrue(body.startswith("k1:"))
        self.assertNotIn("rekrutuesin", body)
        self.assertNotIn("rekrutuesin", audit)

    def test_an_empty_or_huge_note_is_refused_and_the_manager_cannot_write(self) -> None:
        for body in ("   ", "x" * 10001):
            with self.subTest(len(body)), self.assertRaises(ValidationError):
                self.note(body)
        with self.assertRaises(PermissionDenied):
            self.note(actor=self.manager)

    def test_reading_the_notes_is_audited_once_per_page_with_the_count(self) -> None:
        self.note()
        self.note("Takim i dytë")
        self.login(self.manager)
        page = self.client.get(reverse("case_note_create", args=[self.case.public_id]))
        self.assertEqual(page.status_code, 403)  # the manager reads them on the case page, not the form
        self.login(self.alice)
        page = self.client.get(reverse("case_note_create", args=[self.case.public_id]))
        self.assertContains(page, SECRET)
        (event,) = self.events("case.note.viewed")
        self.assertEqual((event.actor_id, event.details["count"]), (self.alice.pk, 2))
        self.assertEqual(event.object_id, str(self.case.public_id))

    def test_the_case_page_panel_shows_notes_to_the_manager_and_audits_it(self) -> None:
        self.note()
        request = RequestFactory().get("/")
        request.user = self.manager
        with system_scope():
            html = notes_panel(request, self.case)
        self.assertIn(SECRET, html)
        self.assertNotIn('name="body"', html)  # reading, not writing
        (event,) = self.events("case.note.viewed")
        self.assertEqual(event.actor_id, self.manager.pk)

    def test_no_notes_no_audit(self) -> None:
        request = RequestFactory().get("/")
        request.user = self.alice
        with system_scope():
            notes_panel(request, self.case)
        self.assertEqual(self.events("case.note.viewed"), [])

    def test_all_five_sections_are_panels_of_the_case_page(self) -> None:
        request = RequestFactory().get("/")
        request.user = self.alice
        with system_scope():
            html = "".join(panels_render(page="case", request=request, obj=self.case))
        for anchor in ("work-plans", "work-services", "work-follow-ups", "work-notes", "work-documents"):
            self.assertIn(f'id="{anchor}"', html)
        self.assertIn('hx-post="', html)

    def test_the_api_reads_are_audited_and_writes_are_encrypted(self) -> None:
        self.login(self.bob)
        url = reverse("api:case_notes_list", kwargs={"case_id": self.case.public_id})
        created = self.client.post(url, {"body": SECRET}, content_type="application/json")
        self.assertEqual(created.status_code, 201)
        listed = self.client.get(url).json()
        self.assertEqual([n["body"] for n in listed], [SECRET])
        (event,) = self.events("case.note.viewed")
        self.assertEqual(event.details["count"], 1)
        self.assertEqual(
            self.client.post(url, {"body": ""}, content_type="application/json").status_code, 422
        )
