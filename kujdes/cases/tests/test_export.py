"""The case list's export: the list's filters on every page, re-authenticated, audited, watermarked."""

from __future__ import annotations

import datetime

from django.urls import reverse

from kujdes.cases.models import Case
from kujdes.cases.services import case_create
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.core.tests.test_exports import csv_rows, xlsx_sheet
from kujdes.people.services import person_create


class CaseListExportTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():

            def open_case(actor, unit, given_name, family_name, opened_on, **extra):  # type: ignore[no-untyped-def]
                person = person_create(actor=actor, unit=unit, given_name=given_name, family_name=family_name)
                return case_create(actor=actor, person=person, unit=unit, opened_on=opened_on, **extra)

            cls.first = open_case(cls.alice, cls.diocese_a, "Ëngjëllushe", "Çuni", datetime.date(2026, 1, 10))
            cls.second = open_case(cls.alice, cls.centre_a, "Drita", "Hoxha", datetime.date(2026, 2, 1))
            cls.closed = open_case(cls.bob, cls.diocese_a, "Besa", "Lleshi", datetime.date(2025, 12, 1))
            Case.objects.filter(pk=cls.closed.pk).update(status="Closed", closure_reason="moved")
            cls.charlies = open_case(cls.charlie, cls.diocese_b, "Blerta", "Çela", datetime.date(2026, 1, 5))
            cls.daves = open_case(cls.dave, cls.other_unit, "Marie", "Curie", datetime.date(2026, 1, 6))

    def post(self, user=None, **data):  # type: ignore[no-untyped-def]
        self.login(user or self.alice)
        return self.client.post(reverse("case_list_export"), {"format": "csv", **data})

    def codes(self, response) -> list[str]:  # type: ignore[no-untyped-def]
        self.assertEqual(response.status_code, 200, response.content[:300])
        return [row[0] for row in csv_rows(response.content)[2:]]

    def test_the_export_holds_the_lists_rows_for_each_filter(self) -> None:
        self.login(self.alice)
        for filters in (
            {},
            {"status": "open"},
            {"status": "Closed"},
            {"unit": str(self.centre_a.public_id)},
            {"opened_from": "2026-01-01", "opened_to": "2026-01-31"},
            {"q": self.first.person.code},
            {"worker": str(self.bob.public_id)},
            {"mine": "on"},
        ):
            with self.subTest(filters=filters):
                listed = self.client.get(reverse("case_list"), filters)
                expected = [case.code for case in listed.context["page"].object_list]
                self.assertEqual(self.codes(self.post(**filters)), expected)
                self.assertTrue(expected or filters)

    def test_every_page_is_exported(self) -> None:
        with system_scope():
            for n in range(30):
                person = person_create(actor=self.alice, unit=self.diocese_a, given_name=f"Anë {n}")
                case_create(
                    actor=self.alice, person=person, unit=self.diocese_a, opened_on=datetime.date(2026, 3, 1)
                )
        self.assertEqual(len(self.codes(self.post())), 33)

    def test_the_file_shows_codes_and_the_worker_but_no_persons_name(self) -> None:
        response = self.post(status="Closed")
        rows = csv_rows(response.content)
        self.assertIn("alice (Alice Test)", rows[0][0])
        self.assertEqual(rows[2][:2], [self.closed.code, self.closed.person.code])
        self.assertEqual(rows[2][5], "Bob Test")
        self.assertNotIn("Besa", response.content.decode("utf-8-sig"))

    def test_charlie_exports_only_diocese_b_and_dave_only_his_organisation(self) -> None:
        self.assertEqual(self.codes(self.post(self.charlie)), [self.charlies.code])
        self.assertEqual(self.codes(self.post(self.dave)), [self.daves.code])
        # Alice's unit is not a choice of Charlie's filter: back to the list, nothing exported.
        self.assertEqual(self.post(self.charlie, unit=str(self.diocese_a.public_id)).status_code, 302)
        self.assertEqual(self.codes(self.post(self.charlie, q=self.first.code)), [])

    def test_the_programme_manager_exports_the_cases_of_her_unit(self) -> None:
        self.assertEqual(len(self.codes(self.post(self.manager))), 3)

    def test_the_export_needs_a_recent_reauthentication(self) -> None:
        self.login(self.alice, recently_authenticated=False)
        response = self.client.post(reverse("case_list_export"), {"format": "xlsx"})
        self.assertEqual(response.status_code, 302)
        self.assertIn("reauthenticate", response["Location"])
        with system_scope():
            self.assertFalse(AuditEvent.objects.filter(action="cases.list.exported").exists())

    def test_the_export_is_audited_with_format_count_and_filters(self) -> None:
        self.post(format="xlsx", status="open", opened_from="2026-01-01")
        with system_scope():
            event = AuditEvent.objects.get(action="cases.list.exported")
        self.assertEqual(event.actor, self.alice)
        self.assertEqual(
            event.details,
            {"format": "xlsx", "rows": 2, "filters": {"status": "open", "opened_from": "2026-01-01"}},
        )
        self.assertNotIn("Çuni", str(event.details))

    def test_the_xlsx_is_watermarked(self) -> None:
        sheet = xlsx_sheet(self.post(format="xlsx").content)
        self.assertIn("alice (Alice Test)", sheet["A1"].value)
        self.assertIn("alice (Alice Test)", sheet.oddHeader.center.text)
        self.assertEqual(sheet["A5"].value, self.second.code)

    def test_roles_without_the_case_list_get_403(self) -> None:
        for user in (self.educator, self.volunteer, self.viewer, self.admin, self.dpo, self.coordinator):
            with self.subTest(user=user.username):
                self.assertEqual(self.post(user).status_code, 403)
        with system_scope():
            self.assertFalse(AuditEvent.objects.filter(action="cases.list.exported").exists())

    def test_a_bad_filter_sends_back_to_the_list_with_what_was_typed(self) -> None:
        response = self.post(opened_from="31.31.2026", status="open")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], reverse("case_list") + "?opened_from=31.31.2026&status=open")
        self.assertIn(self.client.get(response["Location"]).status_code, (200, 400))

    def test_the_list_carries_the_export_control_with_its_filters(self) -> None:
        self.login(self.alice)
        page = self.client.get(reverse("case_list"), {"status": "open"}).content.decode()
        self.assertIn(f'action="{reverse("case_list_export")}"', page)
        self.assertIn('<input type="hidden" name="status" value="open">', page)
