"""Merging duplicates: proposed by one person, reviewed by another, everything moves to the kept record."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.consent import consent_record
from kujdes.people.models import Consent, MergeStatus, Person, PersonFile, PersonMerge
from kujdes.people.selectors import person_search, persons_with_keys
from kujdes.people.services import MERGE_HOOKS, person_create, person_file_store


class MergeTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        with system_scope():
            self.kept = person_create(
                actor=self.alice, unit=self.diocese_a, given_name="Mimoza", family_name="Deda"
            )
            self.duplicate = person_create(
                actor=self.alice,
                unit=self.diocese_a,
                given_name="Mimozë",
                family_name="Dedaj",
                phones=["0685556677"],
            )
            consent_record(
                actor=self.alice,
                person=self.duplicate,
                purpose="case_management",
                given_by="guardian",
                method="written",
                given_on=datetime.date(2026, 1, 5),
                guardian_name="Nënë Dedaj",
            )
            person_file_store(
                actor=self.alice,
                person=self.duplicate,
                kind="document",
                upload=SimpleUploadedFile("d.pdf", b"%PDF-1.7 synthetic"),
            )

    def propose(self):  # type: ignore[no-untyped-def]
        self.login(self.alice)
        response = self.client.post(
            reverse("person_merge_propose", kwargs={"public_id": self.kept.public_id}),
            {"other_code": self.duplicate.code.lower(), "keep": "this"},
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            return PersonMerge.objects.get(kept=self.kept)

    def test_the_proposer_cannot_approve_their_own_proposal(self) -> None:
        merge = self.propose()
        url = reverse("person_merge_review", kwargs={"public_id": merge.public_id})
        self.assertEqual(self.client.post(url, {"decision": "approve"}).status_code, 403)
        with system_scope():
            self.assertEqual(PersonMerge.objects.get(pk=merge.pk).status, MergeStatus.PROPOSED)

    def test_a_second_case_worker_approves_and_everything_moves_to_the_kept_person(self) -> None:
        calls = []
        MERGE_HOOKS.append(lambda kept, duplicate: calls.append((kept.pk, duplicate.pk)))
        self.addCleanup(MERGE_HOOKS.pop)
        merge = self.propose()
        self.login(self.bob)
        url = reverse("person_merge_review", kwargs={"public_id": merge.public_id})
        self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(self.client.post(url, {"decision": "approve"}).status_code, 302)
        self.assertEqual(calls, [(self.kept.pk, self.duplicate.pk)])
        with system_scope():
            duplicate = Person.objects.get(pk=self.duplicate.pk)
            self.assertEqual(duplicate.merged_into_id, self.kept.pk)
            consent = Consent.objects.select_related("person").get(guardian_name__isnull=False)
            stored = PersonFile.objects.select_related("person").get()
            self.assertEqual((consent.person_id, stored.person_id), (self.kept.pk, self.kept.pk))
            persons_with_keys([consent.person])
            self.assertEqual(consent.guardian_name, "Nënë Dedaj")
            # The kept record took the duplicate's phone (lists keep both by default) and her name as an
            # alias: searching by either finds the kept person, never the merged-away record.
            kept = [p.pk for p in person_search(actor=self.alice, query="0685556677")]
            self.assertEqual(kept, [self.kept.pk])
            self.assertEqual([p.pk for p in person_search(actor=self.alice, query="dedaj")], [self.kept.pk])
            actions = set(
                AuditEvent.objects.filter(action__startswith="person.merge").values_list("action", flat=True)
            )
        self.assertEqual(actions, {"person.merge.proposed", "person.merge.approved"})
        download = self.client.get(reverse("person_file_download", kwargs={"public_id": stored.public_id}))
        self.assertEqual(b"".join(download.streaming_content), b"%PDF-1.7 synthetic")
        # The duplicate's page sends those who may see it to the kept person; others get 404.
        old = reverse("person_detail", kwargs={"public_id": self.duplicate.public_id})
        self.assertRedirects(
            self.client.get(old), reverse("person_detail", kwargs={"public_id": self.kept.public_id})
        )
        self.assertNotContains(self.client.get(reverse("person_list")), self.duplicate.code)
        self.login(self.charlie)
        self.assertEqual(self.client.get(old).status_code, 404)

    def test_the_programme_manager_may_reject(self) -> None:
        merge = self.propose()
        self.login(self.manager)
        url = reverse("person_merge_review", kwargs={"public_id": merge.public_id})
        self.assertEqual(self.client.post(url, {"decision": "reject"}).status_code, 302)
        with system_scope():
            self.assertEqual(PersonMerge.objects.get(pk=merge.pk).status, MergeStatus.REJECTED)
            self.assertIsNone(Person.objects.get(pk=self.duplicate.pk).merged_into_id)
            self.assertTrue(AuditEvent.objects.filter(action="person.merge.rejected").exists())

    def test_charlie_cannot_see_or_review_the_merge(self) -> None:
        merge = self.propose()
        self.login(self.charlie)
        url = reverse("person_merge_review", kwargs={"public_id": merge.public_id})
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(url, {"decision": "approve"}).status_code, 404)

    def test_a_record_of_another_diocese_cannot_be_proposed(self) -> None:
        with system_scope():
            foreign = person_create(actor=self.charlie, unit=self.diocese_b, given_name="Mimoza")
        self.login(self.alice)
        response = self.client.post(
            reverse("person_merge_propose", kwargs={"public_id": self.kept.public_id}),
            {"other_code": foreign.code, "keep": "this"},
        )
        self.assertEqual(response.status_code, 400)
