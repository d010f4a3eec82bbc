"""Batch deduplication: a run fills the review queue, a reviewer decides, "not the same" is remembered,
"same" becomes a merge that a colleague approves and that can be undone; the pages' doors."""

from __future__ import annotations

import datetime
import uuid

from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.dedupe.services import dedupe_run_execute, dedupe_run_start, duplicate_pair_decide
from kujdes.people.models import (
    DedupeRun,
    DedupeRunStatus,
    DuplicatePair,
    MergeStatus,
    PairStatus,
    Person,
    PersonMerge,
)
from kujdes.people.selectors import persons_with_keys
from kujdes.people.services import person_create

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Invented names, all different from each other and from the planted pairs.
NOISE = [
    ("Alba", "Leka"), ("Besiana", "Gjini"), ("Dafina", "Murati"), ("Elda", "Pepa"), ("Fatjona", "Rama"),
    ("Greta", "Zefi"), ("Hana", "Tafa"), ("Iris", "Vata"), ("Jonida", "Xhani"), ("Kaltrina", "Berisha"),
    ("Lindita", "Osmani"), ("Marsela", "Nika"), ("Nora", "Qosja"), ("Olta", "Sula"), ("Pranvera", "Dushi"),
    ("Rea", "Frroku"), ("Sidorela", "Llapi"), ("Teuta", "Mali"), ("Uarda", "Kryeziu"), ("Valbona", "Hasa"),
    ("Xhensila", "Bici"), ("Ylli", "Cani"), ("Zana", "Dibra"), ("Arbëresha", "Gega"), ("Blerina", "Hysa"),
]  # fmt: skip


def registry_plant(t) -> None:  # type: ignore[no-untyped-def]
    """Two persons registered twice in different units, and noise, in organisation "al"."""
    t.hoxha = person_create(
        actor=None, unit=t.diocese_a, given_name="Ardita", family_name="Hoxha",
        date_of_birth=datetime.date(1999, 4, 17), sex="Feminine", citizenships=["AL"],
    )  # fmt: skip
    t.hoxhaj = person_create(
        actor=None, unit=t.centre_a, given_name="Ardita", family_name="Hoxhaj",
        date_of_birth=datetime.date(1999, 4, 17), sex="Feminine", citizenships=["AL"], phones=["0691112233"],
    )  # fmt: skip
    t.cyrillic = person_create(
        actor=None, unit=t.diocese_a, given_name="Юлія", family_name="Коваленко",
        date_of_birth=datetime.date(1997, 8, 23), sex="Feminine", citizenships=["UA"],
    )  # fmt: skip
    t.latin = person_create(
        actor=None, unit=t.diocese_b, given_name="Yuliia", family_name="Kovalenko",
        date_of_birth=datetime.date(1997, 8, 23), sex="Feminine", citizenships=["UA"],
    )  # fmt: skip
    for number, (given_name, family) in enumerate(NOISE):
        person_create(
            actor=None,
            unit=t.diocese_b if number % 2 else t.diocese_a,
            given_name=given_name,
            family_name=family,
            date_of_birth=datetime.date(1970 + number, 1 + number % 12, 1 + number),
            sex="Feminine",
        )


def run_now(organisation_id: int, actor=None) -> DedupeRun:  # type: ignore[no-untyped-def]
    run = dedupe_run_start(actor=actor, organisation_id=organisation_id, enqueue=False)
    assert dedupe_run_execute(run_pk=run.pk) == "done"
    return DedupeRun.objects.get(pk=run.pk)


def pair_of(a: Person, b: Person) -> DuplicatePair:
    first, second = sorted((a.pk, b.pk))
    return DuplicatePair.objects.get(first_id=first, second_id=second)


class DedupeRunTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            registry_plant(cls)

    def test_a_run_puts_the_planted_duplicates_across_units_in_the_queue_as_numbers(self) -> None:
        with system_scope():
            run = run_now(self.org.pk, actor=self.admin)
            self.assertEqual(run.status, DedupeRunStatus.DONE)
            self.assertEqual(run.persons, 4 + len(NOISE))
            hoxha, cyrillic = pair_of(self.hoxha, self.hoxhaj), pair_of(self.cyrillic, self.latin)
            self.assertEqual(
                {p.pk for p in DuplicatePair.objects.filter(organisation=self.org)}, {hoxha.pk, cyrillic.pk}
            )
            self.assertGreater(hoxha.probability, 0.9)
            self.assertEqual(len(hoxha.levels), 8)
            self.assertTrue(all(isinstance(level, int) for level in hoxha.levels))
            self.assertIsNotNone(hoxha.cluster)
            done = AuditEvent.objects.get(action="person.dedupe.done")
            self.assertEqual(done.details["pairs_in_queue"], 2)
            self.assertNotIn("Hoxha", str(done.details))

    def test_the_command_line_fills_the_same_queue_and_refuses_an_unknown_organisation(self) -> None:
        from io import StringIO

        from django.core.management.base import CommandError

        out = StringIO()
        call_command("linkage", "dedupe", "--organisation", "al", stdout=out)
        self.assertIn("2 pairs in the review queue", out.getvalue())
        self.assertNotIn("Ardita", out.getvalue())
        with self.assertRaises(CommandError):
            call_command("linkage", "dedupe", "--organisation", "nowhere", stdout=StringIO())
        with self.assertRaises(CommandError):
            call_command("linkage", "dedupe", stdout=StringIO())

    def test_a_pair_decided_not_the_same_stays_decided_and_is_counted_as_known(self) -> None:
        with system_scope():
            run_now(self.org.pk)
            pair = pair_of(self.hoxha, self.hoxhaj)
            duplicate_pair_decide(actor=self.admin, pair=pair, decision=PairStatus.DIFFERENT)
            again = run_now(self.org.pk)
            self.assertEqual(again.pairs_known_different, 1)
            pair.refresh_from_db()
            self.assertEqual(pair.status, PairStatus.DIFFERENT)
            self.assertEqual(DuplicatePair.objects.filter(status=PairStatus.OPEN).count(), 1)

    def test_a_second_run_is_refused_while_one_is_under_way(self) -> None:
        from kujdes.people.dedupe.services import RunBusy

        with system_scope():
            dedupe_run_start(actor=self.admin, organisation_id=self.org.pk, enqueue=False)
            with self.assertRaises(RunBusy):
                dedupe_run_start(actor=self.admin, organisation_id=self.org.pk, enqueue=False)

    def test_only_who_deduplicates_the_whole_organisation_may_start_a_run(self) -> None:
        from django.core.exceptions import PermissionDenied

        with system_scope():
            for user in (self.alice, self.manager, self.dpo, self.viewer, self.other_admin):
                with self.assertRaises(PermissionDenied, msg=user.username):
                    dedupe_run_start(actor=user, organisation_id=self.org.pk, enqueue=False)


class NotTheSameIsNeverProposedAgain(HypothesisTestCase, BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            registry_plant(cls)
            # Near-duplicates of the noise too, so that the queue has pairs enough to choose from.
            for given_name, family in NOISE[:6]:
                person_create(actor=None, unit=cls.diocese_b, given_name=given_name, family_name=family + "j")
            cls.first_run = run_now(cls.org.pk)

    @settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def test_pairs_decided_not_the_same_never_come_back_to_the_queue(self, data) -> None:  # type: ignore[no-untyped-def]
        with system_scope():
            pairs = list(DuplicatePair.objects.filter(organisation=self.org).order_by("pk"))
            chosen = data.draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs)))
            for pair in chosen:
                decision = data.draw(st.sampled_from([PairStatus.DIFFERENT, PairStatus.UNSURE]))
                duplicate_pair_decide(actor=self.admin, pair=pair, decision=decision)
            different = set(
                DuplicatePair.objects.filter(status=PairStatus.DIFFERENT).values_list("first", "second")
            )
            for _run in range(data.draw(st.integers(1, 2))):
                again = run_now(self.org.pk)
                self.assertEqual(again.pairs_known_different, len(different))
            proposed = set(
                DuplicatePair.objects.exclude(status=PairStatus.DIFFERENT).values_list("first", "second")
            )
            self.assertFalse(proposed & different)
            self.assertEqual(
                set(DuplicatePair.objects.filter(status=PairStatus.DIFFERENT).values_list("first", "second")),
                different,
            )


@override_settings(TASKS=IMMEDIATE)
class DuplicatesPagesTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            registry_plant(cls)

    def start(self) -> DedupeRun:
        self.login(self.admin)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("duplicates_run_start"))
        with system_scope():
            run = DedupeRun.objects.get()
        self.assertRedirects(response, reverse("duplicates_run", kwargs={"public_id": run.public_id}))
        return run

    def test_the_admin_runs_it_from_the_button_and_sees_the_progress_then_the_queue(self) -> None:
        run = self.start()
        status = self.client.get(
            reverse("duplicates_run", kwargs={"public_id": run.public_id}), HTTP_HX_REQUEST="true"
        )
        self.assertContains(status, 'value="100"')
        self.assertNotContains(status, "hx-trigger")
        queue = self.client.get(reverse("duplicates_queue"))
        self.assertContains(queue, "Hoxhaj")
        self.assertContains(queue, "Коваленко")
        self.assertContains(queue, "Kovalenko")
        # The reasons in words, in the organisation's language.
        from django.utils import translation

        from kujdes.people.dedupe.services import pair_explanation

        with system_scope(), translation.override("sq"):
            words = pair_explanation(pair_of(self.hoxha, self.hoxhaj))
        self.assertEqual(len(words), 8)
        self.assertContains(queue, words[1])
        with system_scope():
            self.assertTrue(AuditEvent.objects.filter(action="person.duplicates.viewed").exists())

    def test_a_queued_run_polls_its_status(self) -> None:
        with system_scope():
            run = dedupe_run_start(actor=self.admin, organisation_id=self.org.pk, enqueue=False)
        self.login(self.admin)
        status = self.client.get(
            reverse("duplicates_run", kwargs={"public_id": run.public_id}), HTTP_HX_REQUEST="true"
        )
        self.assertContains(status, 'hx-trigger="every 1s"')
        # A second start while this one waits: refused with a message, not a second run.
        self.client.post(reverse("duplicates_run_start"))
        with system_scope():
            self.assertEqual(DedupeRun.objects.count(), 1)

    def test_the_same_person_is_merged_after_a_colleague_approves_and_can_be_undone(self) -> None:
        self.start()
        with system_scope():
            pair = pair_of(self.hoxha, self.hoxhaj)
        url = reverse("duplicate_pair", kwargs={"public_id": pair.public_id})
        page = self.client.get(url)
        self.assertContains(page, "Hoxhaj")
        self.assertContains(page, "0691112233")
        keep = "first" if pair.first_id == self.hoxha.pk else "second"
        other = "second" if keep == "first" else "first"
        response = self.client.post(
            url, {"decision": "same", "keep": keep, "choice_family_name": other, "choice_phones": "both"}
        )
        self.assertRedirects(response, url)
        with system_scope():
            pair.refresh_from_db()
            merge = pair.merge
            self.assertEqual((pair.status, merge.status), (PairStatus.SAME, MergeStatus.PROPOSED))
            self.assertEqual((merge.kept_id, merge.duplicate_id), (self.hoxha.pk, self.hoxhaj.pk))
        # The proposer cannot approve it: four eyes.
        self.assertEqual(self.client.post(url, {"review": "approve"}).status_code, 403)
        # The diocese's programme manager sees both records and approves on the merge page.
        self.login(self.manager)
        review = reverse("person_merge_review", kwargs={"public_id": merge.public_id})
        self.assertEqual(self.client.post(review, {"decision": "approve"}).status_code, 302)
        with system_scope():
            kept = persons_with_keys([Person.objects.get(pk=self.hoxha.pk)])[0]
            self.assertEqual(kept.family_name, "Hoxhaj")
            self.assertIn("Ardita Hoxha", kept.other_names)
            self.assertEqual(kept.phones, ["0691112233"])
            self.assertEqual(Person.objects.get(pk=self.hoxhaj.pk).merged_into_id, self.hoxha.pk)
        self.login(self.admin)
        self.assertContains(self.client.get(url), 'id="unmerge"')
        response = self.client.post(reverse("person_unmerge", kwargs={"public_id": merge.public_id}))
        self.assertRedirects(response, url)
        with system_scope():
            kept = persons_with_keys([Person.objects.get(pk=self.hoxha.pk)])[0]
            self.assertEqual((kept.family_name, kept.other_names, kept.phones), ("Hoxha", [], []))
            self.assertIsNone(Person.objects.get(pk=self.hoxhaj.pk).merged_into_id)
            pair.refresh_from_db()
            self.assertEqual(pair.status, PairStatus.OPEN)
            self.assertEqual(PersonMerge.objects.get(pk=merge.pk).status, MergeStatus.UNMERGED)

    def test_not_the_same_and_unsure_are_recorded(self) -> None:
        self.start()
        with system_scope():
            hoxha, cyrillic = pair_of(self.hoxha, self.hoxhaj), pair_of(self.cyrillic, self.latin)
        self.client.post(
            reverse("duplicate_pair", kwargs={"public_id": hoxha.public_id}), {"decision": "different"}
        )
        self.client.post(
            reverse("duplicate_pair", kwargs={"public_id": cyrillic.public_id}), {"decision": "unsure"}
        )
        with system_scope():
            self.assertEqual(DuplicatePair.objects.get(pk=hoxha.pk).status, PairStatus.DIFFERENT)
            self.assertEqual(DuplicatePair.objects.get(pk=cyrillic.pk).status, PairStatus.UNSURE)
        self.assertNotContains(self.client.get(reverse("duplicates_queue")), "Hoxhaj")
        self.assertContains(self.client.get(reverse("duplicates_queue") + "?tab=unsure"), "Kovalenko")
        self.assertContains(self.client.get(reverse("duplicates_queue") + "?tab=decided"), "Hoxhaj")
        # Decided already: a second decision is refused with a message.
        again = self.client.post(
            reverse("duplicate_pair", kwargs={"public_id": hoxha.public_id}), {"decision": "same"}
        )
        self.assertEqual(again.status_code, 400)

    def test_bad_input_gets_a_clear_answer_never_a_server_error(self) -> None:
        self.start()
        with system_scope():
            pair = pair_of(self.hoxha, self.hoxhaj)
        url = reverse("duplicate_pair", kwargs={"public_id": pair.public_id})
        for data in (
            {"decision": "bogus"},
            {"decision": "same", "keep": "third"},
            {"decision": "same", "choice_sex": "both"},
            {"decision": "same", "choice_phones": "all"},
        ):
            self.assertEqual(self.client.post(url, data).status_code, 400, data)
        self.assertEqual(self.client.post(url, {"review": "maybe"}).status_code, 400)
        self.assertEqual(self.client.post(url, {}).status_code, 400)
        for query in ("?tab=zzz", "?page=abc", "?page=99999", "?tab=decided&page=-1"):
            self.assertEqual(self.client.get(reverse("duplicates_queue") + query).status_code, 200, query)
        self.assertEqual(self.client.get(reverse("duplicates_run_start")).status_code, 405)
        with system_scope():
            self.assertEqual(DuplicatePair.objects.get(pk=pair.pk).status, PairStatus.OPEN)

    def test_others_get_403_for_the_queue_and_404_for_a_pair_or_a_run(self) -> None:
        run = self.start()
        with system_scope():
            pair = pair_of(self.hoxha, self.hoxhaj)
        pair_url = reverse("duplicate_pair", kwargs={"public_id": pair.public_id})
        run_url = reverse("duplicates_run", kwargs={"public_id": run.public_id})
        for user in (
            self.alice,
            self.charlie,
            self.manager,
            self.dpo,
            self.viewer,
            self.volunteer,
            self.dave,
        ):
            self.login(user)
            self.assertEqual(self.client.get(reverse("duplicates_queue")).status_code, 403, user.username)
            self.assertEqual(
                self.client.post(reverse("duplicates_run_start")).status_code, 403, user.username
            )
            self.assertEqual(self.client.get(pair_url).status_code, 404, user.username)
            self.assertEqual(
                self.client.post(pair_url, {"decision": "different"}).status_code, 404, user.username
            )
            self.assertEqual(self.client.get(run_url).status_code, 404, user.username)
        # Another organisation's administrator has a queue of her own, without this one's pairs.
        self.login(self.other_admin)
        self.assertNotContains(self.client.get(reverse("duplicates_queue")), "Hoxha")
        self.assertEqual(self.client.get(pair_url).status_code, 404)
        self.assertEqual(self.client.get(run_url).status_code, 404)
        self.assertEqual(
            self.client.get(reverse("duplicate_pair", kwargs={"public_id": uuid.uuid4()})).status_code, 404
        )
        with system_scope():
            self.assertEqual(DuplicatePair.objects.get(pk=pair.pk).status, PairStatus.OPEN)
