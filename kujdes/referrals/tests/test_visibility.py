"""Who sees a referral: the sender's side all of it, the receiving unit what was shared, no one else."""

from __future__ import annotations

import uuid

from django.urls import NoReverseMatch, reverse
from django.utils import translation

from kujdes.cases.models import Case
from kujdes.cases.selectors import case_get
from kujdes.core.scoping import system_scope
from kujdes.referrals.models import ReferralStatus
from kujdes.referrals.selectors import referrals_for_actor
from kujdes.referrals.tests.base import TODAY, ReferralTestCase


class UnitReferralTests(ReferralTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.consent()
        self.referral = self.send(to_unit=self.diocese_b, service_type="Livelihood", details="Kërkon punë.")
        self.detail = reverse("referral_detail", kwargs={"public_id": self.referral.public_id})

    def test_the_receiving_unit_sees_the_incoming_referral(self) -> None:
        self.login(self.charlie)
        listing = self.client.get(reverse("referral_list"), {"box": "incoming"})
        self.assertContains(listing, self.person.code)
        self.assertNotContains(self.client.get(reverse("referral_list")), self.person.code)
        page = self.client.get(self.detail)
        self.assertContains(page, self.person.code)
        self.assertContains(page, "2004")  # birth year
        self.assertContains(page, "Kërkon punë.")
        self.assertNotContains(page, "Drita")
        self.assertNotContains(page, "Çela")
        self.assertNotContains(page, self.case.code)

    def test_the_receiving_unit_gets_404_on_the_case(self) -> None:
        with system_scope(), self.assertRaises(Case.DoesNotExist):
            case_get(actor=self.charlie, public_id=str(self.case.public_id))
        self.login(self.charlie)
        try:
            case_url = reverse("case_detail", kwargs={"public_id": self.case.public_id})
        except NoReverseMatch:  # the case page belongs to the cases room
            case_url = None
        if case_url:
            self.assertEqual(self.client.get(case_url).status_code, 404)

    def test_the_receiving_unit_gets_404_for_the_letter(self) -> None:
        self.login(self.charlie)
        letter = reverse("referral_letter", kwargs={"public_id": self.referral.public_id})
        self.assertEqual(self.client.get(letter).status_code, 404)

    def test_the_receiving_unit_answers_and_the_sender_cannot(self) -> None:
        respond = reverse("referral_respond", kwargs={"public_id": self.referral.public_id})
        self.login(self.alice)
        self.assertEqual(self.client.get(respond).status_code, 403)
        self.login(self.charlie)
        data = {"decision": "accept", "responded_on": TODAY.isoformat(), "version": "1", "notes": "Po."}
        self.assertEqual(self.client.post(respond, data).status_code, 302)
        self.assertEqual(self.reload(self.referral).status, ReferralStatus.ACCEPTED)
        complete = reverse("referral_complete", kwargs={"public_id": self.referral.public_id})
        self.assertEqual(self.client.post(complete, {"version": "2"}).status_code, 302)
        self.assertEqual(self.reload(self.referral).status, ReferralStatus.COMPLETED)

    def test_the_sender_sees_it_as_outgoing_with_the_case(self) -> None:
        self.login(self.alice)
        self.assertContains(self.client.get(reverse("referral_list")), self.person.code)
        self.assertContains(self.client.get(self.detail), self.case.code)

    def test_a_centre_below_nobody_else_and_other_organisations_see_nothing(self) -> None:
        with system_scope():
            for actor in (self.dave, self.educator, self.volunteer, self.admin, self.dpo, self.viewer):
                self.assertFalse(referrals_for_actor(actor=actor).exists(), actor.username)


class CharlieTests(ReferralTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.consent()
        self.referral = self.send()

    def urls(self) -> list[str]:
        kwargs = {"public_id": self.referral.public_id}
        return [
            reverse("referral_detail", kwargs=kwargs),
            reverse("referral_respond", kwargs=kwargs),
            reverse("referral_letter", kwargs=kwargs),
            reverse("api:referrals_get", kwargs={"referral_id": self.referral.public_id}),
        ]

    def test_charlie_and_dave_get_404_for_alices_referral_and_letter(self) -> None:
        for user in (self.charlie, self.dave):
            self.login(user)
            for url in self.urls():
                self.assertEqual(self.client.get(url).status_code, 404, (user.username, url))
            for name in ("referral_complete", "referral_cancel"):
                url = reverse(name, kwargs={"public_id": self.referral.public_id})
                self.assertEqual(self.client.post(url, {"version": "1"}).status_code, 404)
            self.assertNotContains(self.client.get(reverse("referral_list")), self.person.code)
            listing = self.client.get(reverse("api:referrals_list"), {"box": "incoming"}).json()
            self.assertEqual(listing, [])

    def test_a_foreign_referral_answers_exactly_like_a_missing_one(self) -> None:
        self.login(self.dave)
        foreign = self.client.get(
            reverse("api:referrals_get", kwargs={"referral_id": self.referral.public_id})
        )
        missing = self.client.get(reverse("api:referrals_get", kwargs={"referral_id": uuid.uuid4()}))
        self.assertEqual((foreign.status_code, foreign.content), (missing.status_code, missing.content))

    def test_educator_and_volunteer_get_nothing(self) -> None:
        for user in (self.educator, self.volunteer):
            self.login(user)
            for url in self.urls():
                self.assertIn(self.client.get(url).status_code, {403, 404})
            self.assertEqual(self.client.get(reverse("referral_list")).status_code, 403)
            self.assertEqual(self.client.get(reverse("provider_list")).status_code, 403)
            self.assertEqual(self.client.get(reverse("api:referrals_list")).status_code, 403)

    def test_the_organisation_admin_edits_the_directory_but_sees_no_referrals(self) -> None:
        self.login(self.admin)
        with translation.override("en"):
            listing = self.client.get(reverse("provider_list"))
        self.assertContains(listing, reverse("provider_edit", kwargs={"public_id": self.provider.public_id}))
        self.assertEqual(self.client.get(reverse("referral_list")).status_code, 403)
        for url in self.urls():
            self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.get(reverse("api:referrals_list")).status_code, 403)

    def test_the_manager_reads_but_does_not_act(self) -> None:
        self.login(self.manager)
        self.assertEqual(self.client.get(self.urls()[0]).status_code, 200)
        self.assertEqual(self.client.get(self.urls()[1]).status_code, 403)
        cancel = reverse("referral_cancel", kwargs={"public_id": self.referral.public_id})
        self.assertEqual(self.client.post(cancel, {"version": "1"}).status_code, 403)

    def test_reading_a_referral_is_audited(self) -> None:
        from kujdes.core.models import AuditEvent

        self.login(self.bob)
        self.client.get(self.urls()[0])
        with system_scope():
            event = AuditEvent.objects.get(action="case.referral.viewed", actor=self.bob)
        self.assertEqual(event.object_id, str(self.referral.public_id))
