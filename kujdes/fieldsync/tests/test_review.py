"""The review queue pages: who reviews, what they see, and how decisions map the submission."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.fieldsync.mapping import submission_map
from kujdes.fieldsync.models import ReviewItem, ReviewReason, ReviewState, Submission, SubmissionState
from kujdes.fieldsync.services import device_create
from kujdes.fieldsync.shipped.screening import dimension_field, risk_screening_form
from kujdes.fieldsync.tests.helpers import Collect, instance_xml, publish
from kujdes.people.models import Person
from kujdes.people.services import person_create
from kujdes.screening.models import Screening
from kujdes.screening.services import instruments_install


class ReviewQueueTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            instruments_install(organisation=cls.org)
            cls.risk = publish(
                data=risk_screening_form(cls.org),
                units=[cls.diocese_a],
                filename="kujdes_risk_screening.xlsx",
            )
            cls.device, cls.token = device_create(
                actor=None, user=cls.alice, unit=cls.diocese_a, name="Alice"
            )
            cls.ana = person_create(
                actor=None,
                unit=cls.diocese_a,
                given_name="Ana",
                family_name="Hoxha",
                birth_year=1990,
                municipality="Tiranë",
            )

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        xml = instance_xml(
            form_id="kujdes_risk_screening",
            version=self.risk.version,
            fields={
                "person_mode": "new",
                "given_name": "Ana",
                "family_name": "Hoxhaj",
                "birth_year": "1990",
                "municipality": "Tiranë",
                "performed_on": timezone.localdate().isoformat(),
                "instrument": "risk-prevention",
                dimension_field("risk-prevention", "household"): "domestic_violence",
            },
        )
        response = Collect(self.client, self.token).submit(xml)
        self.assertEqual(response.status_code, 201)
        with system_scope():
            self.submission = Submission.objects.get(form=self.risk.form)
            self.item = ReviewItem.objects.get(submission=self.submission)
        self.assertEqual(self.item.reason, ReviewReason.POSSIBLE_DUPLICATE)
        self.list_url = reverse("fieldsync_review")
        self.item_url = reverse("fieldsync_review_item", kwargs={"public_id": self.item.public_id})

    def refreshed(self) -> tuple[ReviewItem, Submission]:
        with system_scope():
            return ReviewItem.objects.get(pk=self.item.pk), Submission.objects.get(pk=self.submission.pk)

    def decided_events(self) -> list[AuditEvent]:
        with system_scope():
            return list(AuditEvent.objects.filter(action="fieldsync.review.decided"))

    def test_the_units_case_workers_and_manager_see_the_item(self) -> None:
        for user in (self.alice, self.bob, self.manager):
            self.login(user)
            response = self.client.get(self.list_url)
            self.assertContains(response, self.item_url)
            self.assertContains(self.client.get(self.item_url), "Hoxhaj")

    def test_another_units_or_organisations_reviewer_gets_404(self) -> None:
        for user in (self.charlie, self.dave):
            self.login(user)
            response = self.client.get(self.list_url)
            self.assertEqual(response.status_code, 200)
            self.assertNotContains(response, self.item_url)
            self.assertEqual(self.client.get(self.item_url).status_code, 404)
            self.assertEqual(self.client.post(self.item_url, {"decision": "accept"}).status_code, 404)
        self.login(self.charlie)
        self.assertEqual(self.client.get(self.list_url, {"unit": self.diocese_a.public_id}).status_code, 404)
        self.assertEqual(self.client.get(self.list_url, {"unit": "nonsense"}).status_code, 404)
        self.assertEqual(self.refreshed()[0].state, ReviewState.OPEN)

    def test_field_educators_volunteers_and_administrators_do_not_review(self) -> None:
        for user in (self.educator, self.volunteer, self.admin, self.dpo):
            self.login(user)
            self.assertEqual(self.client.get(self.list_url).status_code, 403)
            self.assertEqual(self.client.get(self.item_url).status_code, 404)
            self.assertEqual(self.client.post(self.item_url, {"decision": "accept"}).status_code, 404)
        self.assertEqual(self.refreshed()[0].state, ReviewState.OPEN)

    def test_the_item_page_is_an_audited_read_beside_the_candidates(self) -> None:
        self.login(self.alice)
        response = self.client.get(self.item_url)
        self.assertContains(response, "Hoxhaj")
        self.assertContains(response, self.ana.code)
        self.assertContains(response, "Same person")
        with system_scope():
            self.assertTrue(
                AuditEvent.objects.filter(action="fieldsync.submission.viewed", actor=self.alice).exists()
            )

    def test_filters_by_reason_state_and_form(self) -> None:
        self.login(self.alice)
        self.assertNotContains(self.client.get(self.list_url, {"reason": "unknown_person"}), self.item_url)
        self.assertContains(self.client.get(self.list_url, {"reason": "duplicate"}), self.item_url)
        self.assertNotContains(self.client.get(self.list_url, {"state": "rejected"}), self.item_url)
        self.assertContains(self.client.get(self.list_url, {"form": self.risk.form.public_id}), self.item_url)
        self.assertEqual(self.client.get(self.list_url, {"form": "nonsense"}).status_code, 404)

    def test_same_person_links_maps_and_is_audited(self) -> None:
        self.login(self.alice)
        response = self.client.post(self.item_url, {"decision": "link", "linked": str(self.ana.public_id)})
        self.assertRedirects(response, self.item_url)
        item, submission = self.refreshed()
        self.assertEqual(item.state, ReviewState.LINKED)
        self.assertEqual(submission.state, SubmissionState.MAPPED)
        with system_scope():
            self.assertEqual(Screening.objects.filter(person=self.ana).count(), 1)
            self.assertEqual(Person.objects.filter(organisation=self.org).count(), 1)
        (event,) = self.decided_events()
        self.assertEqual(event.details["decision"], "link")
        self.assertEqual(event.details["linked"], str(self.ana.public_id))

    def test_linking_to_a_person_who_is_not_a_candidate_is_refused(self) -> None:
        with system_scope():
            other = person_create(actor=None, unit=self.diocese_a, given_name="Zana", family_name="Gjoni")
        self.login(self.alice)
        response = self.client.post(self.item_url, {"decision": "link", "linked": str(other.public_id)})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Choose one of the persons listed", status_code=400)
        self.assertEqual(self.refreshed()[0].state, ReviewState.OPEN)

    def test_a_new_person_despite_the_candidate_is_accepted(self) -> None:
        self.login(self.manager)
        self.client.post(self.item_url, {"decision": "accept"})
        item, submission = self.refreshed()
        self.assertEqual(item.state, ReviewState.ACCEPTED)
        self.assertEqual(submission.state, SubmissionState.MAPPED)
        with system_scope():
            self.assertEqual(Person.objects.filter(organisation=self.org).count(), 2)
        self.assertEqual(self.decided_events()[0].details["decision"], "accept")

    def test_a_rejection_needs_a_note_and_rejects_the_submission(self) -> None:
        self.login(self.alice)
        response = self.client.post(self.item_url, {"decision": "reject", "note": " "})
        self.assertContains(response, "Say why", status_code=400)
        self.client.post(self.item_url, {"decision": "reject", "note": "Sent twice by mistake"})
        item, submission = self.refreshed()
        self.assertEqual(item.state, ReviewState.REJECTED)
        self.assertEqual(submission.state, SubmissionState.REJECTED)
        self.assertEqual(self.decided_events()[0].details["decision"], "reject")
        with system_scope():
            # A replay maps nothing of a rejected part and never opens its item again.
            submission_map(submission=submission)
            self.assertEqual(Screening.objects.count(), 0)
            self.assertEqual(ReviewItem.objects.get(pk=item.pk).state, ReviewState.REJECTED)

    def test_corrected_values_are_checked_again(self) -> None:
        self.login(self.alice)
        self.client.post(
            self.item_url, {"decision": "edit", "value_given_name": "Teuta", "value_family_name": "Leka"}
        )
        item, submission = self.refreshed()
        self.assertEqual(submission.state, SubmissionState.MAPPED)
        with system_scope():
            self.assertTrue(Person.objects.filter(organisation=self.org, birth_year=1990).count() == 2)
            self.assertIn("<given_name>Teuta</given_name>", submission.xml)
        self.assertEqual(self.decided_events()[0].details["fields"], ["family_name", "given_name"])

    def test_the_second_of_two_reviewers_gets_a_clear_message(self) -> None:
        self.login(self.bob)
        self.assertEqual(self.client.get(self.item_url).status_code, 200)
        self.login(self.alice)
        self.client.post(self.item_url, {"decision": "link", "linked": str(self.ana.public_id)})
        self.login(self.bob)
        response = self.client.post(self.item_url, {"decision": "accept"})
        self.assertContains(response, "alice decided this item meanwhile", status_code=409)
        self.assertEqual(self.refreshed()[0].state, ReviewState.LINKED)
        self.assertEqual(len(self.decided_events()), 1)
