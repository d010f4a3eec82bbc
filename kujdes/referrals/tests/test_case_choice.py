"""`/referrals/new` without a case: a page to choose the case (it was a bare 404)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from kujdes.cases.services import case_create
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.people.services import person_create
from kujdes.referrals.tests.base import TODAY, ReferralTestCase


class ReferralCaseChoiceTests(ReferralTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def test_without_a_case_the_page_lists_her_open_cases_to_choose_from(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("referral_create"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "choose the case")
        self.assertContains(response, f'href="{reverse("referral_create")}?case={self.case.public_id}"')
        self.assertContains(response, "1 open case")
        # The choice leads to the referral form itself.
        form = self.client.get(reverse("referral_create"), {"case": str(self.case.public_id)})
        self.assertEqual(form.status_code, 200)
        with system_scope():
            self.assertTrue(AuditEvent.objects.filter(action="case.list.viewed", actor=self.alice).exists())

    def test_the_code_search_narrows_the_list_and_stays_in_the_url(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("referral_create"), {"q": "NO-SUCH-CODE"})
        self.assertNotContains(response, str(self.case.public_id))
        self.assertContains(response, 'value="NO-SUCH-CODE"')
        found = self.client.get(reverse("referral_create"), {"q": self.case.code.lower()})
        self.assertContains(found, str(self.case.public_id))

    def test_charlie_does_not_see_alices_case_and_gets_404_for_it(self) -> None:
        self.login(self.charlie)
        response = self.client.get(reverse("referral_create"))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, str(self.case.public_id))
        self.assertContains(response, "You work on no open case.")
        self.assertEqual(
            self.client.get(reverse("referral_create"), {"case": str(self.case.public_id)}).status_code, 404
        )
        self.login(self.dave)
        self.assertNotContains(self.client.get(reverse("referral_create")), str(self.case.public_id))

    def test_a_closed_case_is_not_offered(self) -> None:
        with system_scope():
            person = person_create(
                actor=self.alice, unit=self.diocese_a, given_name="Ana", family_name="Kola"
            )
            closed = case_create(actor=self.alice, person=person, unit=self.diocese_a, opened_on=TODAY)
            type(closed).objects.filter(pk=closed.pk).update(status="Closed")
        self.login(self.alice)
        response = self.client.get(reverse("referral_create"))
        self.assertNotContains(response, str(closed.public_id))
        self.assertContains(response, str(self.case.public_id))

    def test_the_list_is_paged_with_the_search_kept(self) -> None:
        with system_scope():
            for index in range(26):
                person = person_create(
                    actor=self.alice, unit=self.diocese_a, given_name=f"Ana{index}", family_name="Kola"
                )
                case_create(actor=self.alice, person=person, unit=self.diocese_a, opened_on=TODAY)
        self.login(self.alice)
        response = self.client.get(reverse("referral_create"))
        self.assertContains(response, "27 open cases")
        self.assertContains(response, "Page 1 of 2")
        self.assertEqual(self.client.get(reverse("referral_create"), {"page": "2"}).status_code, 200)

    def test_a_viewer_who_refers_nothing_is_refused(self) -> None:
        self.login(self.viewer)
        self.assertEqual(self.client.get(reverse("referral_create")).status_code, 403)

    def test_an_incoming_referral_without_a_case_asks_for_it_too(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("referral_incoming_create"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Incoming referral: choose the case")
        self.assertContains(
            response, f'href="{reverse("referral_incoming_create")}?case={self.case.public_id}"'
        )
