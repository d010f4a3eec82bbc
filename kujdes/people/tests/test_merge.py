"""Merging duplicates: proposed by one person, reviewed by another, everything moves to the kept record."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.consent import consent_record
from kujdes.people.models import Consent, MergeStatus, Person, PersonFile, PersonMerge
from kujdes.people.selectors import person_search, persons_with_keys
from kujdes.people.services import (
    IDENTITY_FIELDS as IDENTITY,
)
from kujdes.people.services import (
    MERGE_CHOICE_FIELDS,
    MERGE_HOOKS,
    person_create,
    person_file_store,
)


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


# -- undoing a merge ---------------------------------------------------------------------------------

NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyzëçABCDËÇЮліяКоваленк ", min_size=1, max_size=14).map(
    str.strip
)
IDENTITIES = st.fixed_dictionaries(
    {
        "given_name": NAMES.filter(bool),
        "family_name": NAMES,
        "other_names": st.lists(NAMES.filter(bool), max_size=2),
        "date_of_birth": st.none() | st.dates(datetime.date(1950, 1, 1), datetime.date(2020, 12, 31)),
        "phones": st.lists(st.from_regex(r"06[789][0-9]{7}", fullmatch=True), max_size=2, unique=True),
        "id_documents": st.lists(
            st.fixed_dictionaries(
                {"type": st.just("passport"), "number": st.from_regex(r"[A-Z][0-9]{7}", fullmatch=True)}
            ),
            max_size=1,
        ),
        "address": st.sampled_from(["", "Rruga e Kavajës 5", "вул. Шевченка 1"]),
        "sex": st.sampled_from(["Feminine", "Masculine", "NonSpecifiedUnknown"]),
        "citizenships": st.lists(st.sampled_from(["AL", "XK", "UA"]), max_size=2, unique=True),
        "birth_date_estimated": st.booleans(),
    }
)
CHOICES = st.fixed_dictionaries(
    {field: st.sampled_from(options) for field, options in MERGE_CHOICE_FIELDS.items()}
)


class _Rollback(Exception):
    pass


class UnmergeWorld:
    """Two records of one person with something of everything a merge moves, and their state."""

    def _world(self, kept_identity: dict, duplicate_identity: dict) -> dict:
        from kujdes.cases.services import case_create
        from kujdes.people.services import household_create, person_relation_add
        from kujdes.programme import services as programme
        from kujdes.programme.models import ActivityType, Attendance

        kept = person_create(actor=self.alice, unit=self.diocese_a, **kept_identity)
        duplicate = person_create(actor=self.alice, unit=self.centre_a, **duplicate_identity)
        sister = person_create(actor=self.alice, unit=self.diocese_a, given_name="Motra", family_name="Test")
        consent_record(
            actor=self.alice,
            person=duplicate,
            purpose="case_management",
            given_by="guardian",
            method="written",
            given_on=datetime.date(2026, 1, 5),
            guardian_name="Nënë Test",
        )
        person_file_store(
            actor=self.alice,
            person=duplicate,
            kind="document",
            upload=SimpleUploadedFile("d.pdf", b"%PDF-1.7 synthetic " + duplicate.code.encode()),
        )
        person_relation_add(actor=self.alice, person=duplicate, relative=sister, kind="sibling")
        # Both records name the sister: the duplicate's relation clashes and goes on the merge.
        person_relation_add(actor=self.alice, person=kept, relative=sister, kind="sibling")
        person_relation_add(actor=self.alice, person=sister, relative=duplicate, kind="sibling")
        household_create(actor=self.alice, person=duplicate)
        case_create(
            actor=self.alice,
            person=duplicate,
            unit=self.diocese_a,
            opened_on=datetime.date(2026, 2, 1),
            summary="Përmbledhje sintetike",
        )
        programme.activity_types_install(organisation_id=self.org.pk)
        activity = programme.activity_create(
            actor=self.manager,
            unit=self.centre_a,
            activity_type=ActivityType.objects.filter(organisation=self.org).first(),
            title="Kurs",
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 12, 31),
        )
        other = programme.activity_create(
            actor=self.manager,
            unit=self.centre_a,
            activity_type=ActivityType.objects.filter(organisation=self.org).first(),
            title="Kamp",
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 12, 31),
        )
        session = programme.session_add(actor=self.manager, activity=activity, date=datetime.date(2026, 3, 2))
        for person in (kept, duplicate):
            programme.participant_enrol(actor=self.manager, activity=activity, person=person)
        absorbed = programme.participant_enrol(actor=self.manager, activity=other, person=duplicate)
        Attendance.objects.create(
            organisation=self.org,
            session=session,
            participation=duplicate.participations.get(activity=activity),
            present=True,
            recorded_by=self.manager,
        )
        return {"kept": kept, "duplicate": duplicate, "sister": sister, "absorbed": absorbed}

    def _state(self, *persons: Person) -> dict:
        """Everything about the persons that a merge touches, decrypted."""
        from kujdes.cases.models import Case
        from kujdes.core.files import encrypted_file_read
        from kujdes.people.models import BlindIndexEntry, PersonRelation
        from kujdes.programme.models import Attendance, Participation

        ids = [p.pk for p in persons]
        rows = persons_with_keys(list(Person.objects.filter(pk__in=ids).order_by("pk")))
        skip = {"version", "updated_at"}
        state: dict = {
            "persons": [
                {
                    f.attname: getattr(p, f.name if f.name in IDENTITY else f.attname)
                    for f in Person._meta.concrete_fields
                    if f.attname not in skip
                }
                for p in rows
            ]
        }
        consents = Consent.objects.filter(person_id__in=ids).select_related("person").order_by("pk")
        persons_with_keys([c.person for c in consents])
        state["consents"] = [(c.pk, c.person_id, c.guardian_name) for c in consents]
        files = PersonFile.objects.filter(person_id__in=ids).select_related("person").order_by("pk")
        persons_with_keys([f.person for f in files])
        state["files"] = [
            (
                f.pk,
                f.person_id,
                str(f.public_id),
                f.name,
                b"".join(encrypted_file_read(handle=f.person.encryption_handle(), file_id=f.public_id)),
            )
            for f in files
        ]
        state["relations"] = sorted(
            PersonRelation.objects.filter(
                models.Q(person_id__in=ids) | models.Q(relative_id__in=ids)
            ).values_list("pk", "public_id", "person_id", "relative_id", "kind")
        )
        cases = Case.objects.filter(person_id__in=ids).select_related("person").order_by("pk")
        persons_with_keys([c.person for c in cases])
        state["cases"] = [(c.pk, c.person_id, c.version, c.summary) for c in cases]
        state["participations"] = sorted(
            Participation.objects.filter(person_id__in=ids).values_list(
                "pk", "public_id", "person_id", "activity_id", "status"
            )
        )
        state["attendance"] = sorted(
            Attendance.objects.filter(participation__person_id__in=ids).values_list(
                "pk", "participation_id", "session_id", "present"
            )
        )
        state["blind_index"] = sorted(
            BlindIndexEntry.objects.filter(person_id__in=ids).values_list("person_id", "kind", "digest")
        )
        return state


class UnmergeIsTheIdentity(UnmergeWorld, HypothesisTestCase, BaseTestCase):
    """A merge then its undo leaves both persons and everything linked to them as they were."""

    @settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(kept_identity=IDENTITIES, duplicate_identity=IDENTITIES, choices=CHOICES)
    def test_merge_then_unmerge_is_the_identity(self, kept_identity, duplicate_identity, choices) -> None:  # type: ignore[no-untyped-def]
        from kujdes.core.audit import audit_chain_verify
        from kujdes.people.services import person_merge_propose, person_merge_review, person_unmerge

        with system_scope():
            try:
                with transaction.atomic():
                    world = self._world(kept_identity, duplicate_identity)
                    kept, duplicate, sister = world["kept"], world["duplicate"], world["sister"]
                    before = self._state(kept, duplicate, sister)
                    merge = person_merge_propose(
                        actor=self.alice, kept=kept, duplicate=duplicate, field_choices=choices
                    )
                    person_merge_review(actor=self.bob, merge=merge, approve=True)
                    merged = self._state(kept, duplicate, sister)
                    self.assertNotEqual(merged, before)
                    self.assertFalse(Consent.objects.filter(person=duplicate).exists())
                    person_unmerge(actor=self.manager, merge=PersonMerge.objects.get(pk=merge.pk))
                    self.assertEqual(self._state(kept, duplicate, sister), before)
                    self.assertEqual(PersonMerge.objects.get(pk=merge.pk).status, MergeStatus.UNMERGED)
                    self.assertIsNone(audit_chain_verify(organisation_id=self.org.pk))
                    actions = list(
                        AuditEvent.objects.filter(action__startswith="person.merge")
                        .order_by("pk")
                        .values_list("action", flat=True)
                    )
                    self.assertEqual(
                        actions, ["person.merge.proposed", "person.merge.approved", "person.merge.undone"]
                    )
                    raise _Rollback
            except _Rollback:
                pass


class UnmergeTests(BaseTestCase):
    def test_an_edit_of_the_kept_record_after_the_merge_blocks_the_undo(self) -> None:
        from kujdes.people.services import (
            person_merge_propose,
            person_merge_review,
            person_unmerge,
            person_update,
        )

        with system_scope():
            kept = person_create(
                actor=self.alice, unit=self.diocese_a, given_name="Ardita", family_name="Hoxha"
            )
            duplicate = person_create(
                actor=self.alice, unit=self.diocese_a, given_name="Ardita", family_name="Hoxhaj"
            )
            merge = person_merge_propose(actor=self.alice, kept=kept, duplicate=duplicate)
            person_merge_review(actor=self.bob, merge=merge, approve=True)
            kept.refresh_from_db()
            person_update(
                actor=self.alice, person=kept, expected_version=kept.version, changes={"address": "Rruga 1"}
            )
            with self.assertRaises(ValidationError):
                person_unmerge(actor=self.alice, merge=merge)
            self.assertEqual(PersonMerge.objects.get(pk=merge.pk).status, MergeStatus.MERGED)

    def test_charlie_cannot_undo_a_merge_of_diocese_a(self) -> None:
        from kujdes.people.services import person_merge_propose, person_merge_review

        with system_scope():
            kept = person_create(
                actor=self.alice, unit=self.diocese_a, given_name="Ardita", family_name="Hoxha"
            )
            duplicate = person_create(
                actor=self.alice, unit=self.diocese_a, given_name="Ardita", family_name="Hoxhaj"
            )
            merge = person_merge_propose(actor=self.alice, kept=kept, duplicate=duplicate)
            person_merge_review(actor=self.bob, merge=merge, approve=True)
        url = reverse("person_unmerge", kwargs={"public_id": merge.public_id})
        for user in (self.charlie, self.dave, self.other_admin, self.volunteer):
            self.login(user)
            self.assertEqual(self.client.post(url).status_code, 404, user.username)
        self.login(self.alice)
        # The merge's page, though the duplicate is gone from the lists, offers the undo.
        page = self.client.get(reverse("person_merge_review", kwargs={"public_id": merge.public_id}))
        self.assertContains(page, 'id="unmerge"')
        self.assertEqual(self.client.get(url).status_code, 405)
        self.assertEqual(
            self.client.post(reverse("person_unmerge", kwargs={"public_id": uuid.uuid4()})).status_code, 404
        )
        self.assertRedirects(
            self.client.post(url),
            reverse("person_detail", kwargs={"public_id": kept.public_id}),
            fetch_redirect_response=False,
        )
        with system_scope():
            self.assertEqual(PersonMerge.objects.get(pk=merge.pk).status, MergeStatus.UNMERGED)
            self.assertIsNone(Person.objects.get(pk=duplicate.pk).merged_into_id)
