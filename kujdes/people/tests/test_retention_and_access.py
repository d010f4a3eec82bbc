"""Retention lists what is due; the officer erases or holds; subject-access exports everything."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from io import StringIO

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.consent import consent_record
from kujdes.people.models import Person, RetentionDue, RetentionDueStatus
from kujdes.people.retention import (
    legal_hold_lift,
    legal_hold_place,
    retention_erase_confirm,
    retention_rule_set,
)
from kujdes.people.services import person_create


class RetentionTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        with system_scope():
            self.old = person_create(
                actor=self.alice, unit=self.diocese_a, given_name="Vjosa", family_name="Prifti"
            )
            self.recent = person_create(
                actor=self.alice, unit=self.diocese_a, given_name="Lule", family_name="Daci"
            )
            Person.objects.filter(pk=self.old.pk).update(
                updated_at=timezone.now() - datetime.timedelta(days=800)
            )
            retention_rule_set(actor=self.dpo, organisation=self.org, record_type="person", keep_for_days=730)

    def list_due(self) -> list[RetentionDue]:
        call_command("retention", "due", stdout=StringIO())
        with system_scope():
            return list(RetentionDue.objects.select_related("person"))

    def test_the_daily_task_lists_only_what_is_past_its_period(self) -> None:
        due = self.list_due()
        self.assertEqual([item.person_id for item in due], [self.old.pk])
        self.assertEqual(self.list_due(), due)  # running it again adds nothing

    def test_the_officer_confirms_and_the_identity_is_gone(self) -> None:
        (due,) = self.list_due()
        with system_scope():
            retention_erase_confirm(actor=self.dpo, due=due)
            person = Person.objects.get(pk=self.old.pk)
            self.assertIsNone(person.given_name)
            self.assertTrue(
                AuditEvent.objects.filter(action="person.erased", object_id=str(person.public_id)).exists()
            )

    def test_a_legal_hold_blocks_the_erasure_and_says_why(self) -> None:
        (due,) = self.list_due()
        with system_scope():
            hold = legal_hold_place(actor=self.dpo, person=due.person, reason="Court case 12/2026 in Shkodër")
            with self.assertRaises(ValidationError) as caught:
                retention_erase_confirm(actor=self.dpo, due=due)
            self.assertIn("Court case 12/2026", " ".join(caught.exception.messages))
            self.assertEqual(RetentionDue.objects.get(pk=due.pk).status, RetentionDueStatus.HELD)
            legal_hold_lift(actor=self.dpo, hold=hold)
            retention_erase_confirm(actor=self.dpo, due=RetentionDue.objects.get(pk=due.pk))

    def test_a_case_worker_cannot_confirm_an_erasure(self) -> None:
        from django.core.exceptions import PermissionDenied

        (due,) = self.list_due()
        with system_scope(), self.assertRaises(PermissionDenied):
            retention_erase_confirm(actor=self.alice, due=due)

    def test_the_officer_page_erases_after_reauthentication(self) -> None:
        (due,) = self.list_due()
        self.login(self.dpo)
        self.assertContains(self.client.get(reverse("retention_list")), str(due.person.public_id)[:8])
        self.client.post(reverse("retention_confirm", kwargs={"public_id": due.public_id}))
        with system_scope():
            self.assertIsNotNone(Person.objects.get(pk=self.old.pk).erased_at)

    def test_the_officer_sets_a_period_and_a_bad_one_is_explained(self) -> None:
        self.login(self.dpo)
        response = self.client.post(
            reverse("retention_rule_save"), {"record_type": "person", "keep_for_days": "7"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'value="7"', status_code=400)
        self.client.post(reverse("retention_rule_save"), {"record_type": "person", "keep_for_days": "3650"})
        with system_scope():
            from kujdes.people.models import RetentionRule

            self.assertEqual(RetentionRule.objects.get(organisation=self.org).keep_for_days, 3650)

    def test_another_organisations_officer_gets_404(self) -> None:
        (due,) = self.list_due()
        self.login(self.other_dpo)
        response = self.client.post(reverse("retention_confirm", kwargs={"public_id": due.public_id}))
        self.assertEqual(response.status_code, 404)
        with system_scope():
            self.assertIsNone(Person.objects.get(pk=self.old.pk).erased_at)


class SubjectAccessTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        with system_scope():
            self.person = person_create(
                actor=self.alice,
                unit=self.diocese_a,
                given_name="Vjosa",
                family_name="Prifti",
                date_of_birth=datetime.date(2008, 3, 2),
                phones=["0691234567"],
            )
            consent_record(
                actor=self.alice,
                person=self.person,
                purpose="referral",
                given_by="guardian",
                method="written",
                given_on=datetime.date(2026, 5, 1),
                guardian_name="Gjon Prifti",
            )

    def test_the_export_holds_everything_readable_and_as_json(self) -> None:
        self.login(self.dpo)
        response = self.client.get(reverse("subject_access", kwargs={"public_id": self.person.public_id}))
        self.assertEqual(response["Content-Type"], "application/zip")
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        self.assertEqual(sorted(archive.namelist()), ["data.json", "summary.html"])
        data = json.loads(archive.read("data.json"))
        self.assertEqual(data["identity"]["given_name"], "Vjosa")
        self.assertEqual(data["identity"]["date_of_birth"], "2008-03-02")
        self.assertEqual(data["consents"][0]["guardian_name"], "Gjon Prifti")
        self.assertIn("person.created", [event["action"] for event in data["record_history"]])
        summary = archive.read("summary.html").decode()
        self.assertIn("Vjosa", summary)
        self.assertIn('lang="sq"', summary)
        with system_scope():
            self.assertTrue(
                AuditEvent.objects.filter(action="person.subject_access.exported", actor=self.dpo).exists()
            )

    def test_the_export_needs_a_recent_reauthentication(self) -> None:
        self.login(self.dpo, recently_authenticated=False)
        response = self.client.get(reverse("subject_access", kwargs={"public_id": self.person.public_id}))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("account_reauthenticate"), response["Location"])

    def test_a_case_worker_cannot_export(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("subject_access", kwargs={"public_id": self.person.public_id}))
        self.assertEqual(response.status_code, 403)
