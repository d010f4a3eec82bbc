"""Sending referrals: consent guards them (an override needs a reason, is audited); statuses move legally."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from kujdes.cases.choices import CaseStatus
from kujdes.cases.models import Case
from kujdes.core.locking import StaleVersion
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.people.consent import ConsentMissing
from kujdes.people.models import ConsentOverride
from kujdes.referrals.models import Referral, ReferralStatus
from kujdes.referrals.services import (
    referral_cancel,
    referral_complete,
    referral_incoming_record,
    referral_respond,
)
from kujdes.referrals.tests.base import TODAY, ReferralTestCase


class ConsentTests(ReferralTestCase):
    def test_a_referral_without_consent_is_blocked(self) -> None:
        with self.assertRaises(ConsentMissing):
            self.send()
        with system_scope():
            self.assertFalse(Referral.objects.exists())

    def test_an_override_with_a_reason_passes_and_is_audited(self) -> None:
        referral = self.send(override_reason="Rrezik i menjëhershëm; nuk mund të japë pëlqimin tani.")
        with system_scope():
            override = ConsentOverride.objects.get(person=self.person)
            self.assertEqual(self.reload(referral).consent_override, override)
            self.assertEqual(override.purpose, "referral")
            overridden = AuditEvent.objects.get(action="consent.overridden")
            sent = AuditEvent.objects.get(action="case.referral.sent")
        self.assertEqual(overridden.details["override"], str(override.public_id))
        self.assertEqual(sent.details["consent_override"], str(override.public_id))
        self.assertNotIn("Rrezik", str(sent.details) + str(overridden.details))

    def test_a_blank_override_reason_does_not_count(self) -> None:
        with self.assertRaises(ConsentMissing):
            self.send(override_reason="   ")

    def test_with_consent_the_referral_is_sent_and_audited(self) -> None:
        self.consent()
        referral = self.send()
        with system_scope():
            event = AuditEvent.objects.get(action="case.referral.sent")
        self.assertEqual(event.object_id, str(referral.public_id))
        self.assertEqual(event.details["to_provider"], str(self.provider.public_id))
        self.assertEqual(referral.status, ReferralStatus.SENT)

    def test_the_form_says_consent_is_missing_and_offers_an_override(self) -> None:
        self.login(self.alice)
        url = f"{reverse('referral_create')}?case={self.case.public_id}"
        with translation.override("en"):
            page = self.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(page, 'name="override_reason"')
        # The page speaks the organisation's language (Albanian), whatever the request asks.
        with translation.override("sq"):
            missing = translation.gettext(
                "Consent missing: she has not given consent to be referred, or has withdrawn it."
            )
        self.assertContains(page, missing.replace("'", "&#x27;").replace("’", "’"))
        data = {
            "service_type": "Shelter",
            "receiver": f"p:{self.provider.public_id}",
            "reason": "AdditionalServicesRequired",
            "details": "Strehim urgjent.",
            "referred_on": TODAY.isoformat(),
        }
        refused = self.client.post(url, data)
        self.assertEqual(refused.status_code, 400)
        self.assertContains(refused, "Strehim urgjent.", status_code=400)  # the input is kept
        sent = self.client.post(url, {**data, "override_reason": "Fëmijë në rrezik."})
        with system_scope():
            referral = Referral.objects.get()
        self.assertRedirects(sent, reverse("referral_detail", kwargs={"public_id": referral.public_id}))
        self.assertIsNotNone(referral.consent_override_id)

    def test_with_consent_the_form_has_no_override_field(self) -> None:
        self.consent()
        self.login(self.alice)
        page = self.client.get(f"{reverse('referral_create')}?case={self.case.public_id}")
        self.assertNotContains(page, 'name="override_reason"')


class SendRulesTests(ReferralTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.consent()

    def test_a_closed_case_cannot_be_referred(self) -> None:
        with system_scope():
            Case.objects.filter(pk=self.case.pk).update(status=CaseStatus.CLOSED)
            self.case.refresh_from_db()
        with self.assertRaises(ValidationError):
            self.send()

    def test_a_case_cannot_be_referred_to_its_own_unit(self) -> None:
        with self.assertRaises(ValidationError) as refused:
            self.send(to_unit=self.diocese_a)
        self.assertIn("to_unit", refused.exception.message_dict)

    def test_a_unit_of_another_organisation_is_refused(self) -> None:
        with self.assertRaises(ValidationError):
            self.send(to_unit=self.other_unit)

    def test_a_provider_and_a_unit_together_are_refused(self) -> None:
        with self.assertRaises(ValidationError):
            self.send(to_provider=self.provider, to_unit=self.diocese_b)

    def test_a_future_date_and_an_unknown_service_are_refused(self) -> None:
        with self.assertRaises(ValidationError) as refused:
            self.send(referred_on=TODAY + datetime.timedelta(days=3), service_type="Spa")
        self.assertEqual(set(refused.exception.message_dict), {"referred_on", "service_type"})

    def test_only_those_who_manage_the_case_may_refer_it(self) -> None:
        for actor in (self.manager, self.charlie, self.educator):
            with self.assertRaises(PermissionDenied):
                self.send(actor=actor)

    def test_charlie_gets_404_for_the_form_of_alices_case(self) -> None:
        for user in (self.charlie, self.dave, self.educator, self.volunteer, self.admin):
            self.login(user)
            url = f"{reverse('referral_create')}?case={self.case.public_id}"
            self.assertEqual(self.client.get(url).status_code, 404)
            url = f"{reverse('referral_incoming_create')}?case={self.case.public_id}"
            self.assertEqual(self.client.get(url).status_code, 404)

    def test_a_malformed_case_id_answers_404(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.client.get(f"{reverse('referral_create')}?case=not-a-uuid").status_code, 404)

    def test_bad_input_keeps_the_form_and_never_500s(self) -> None:
        self.login(self.alice)
        url = f"{reverse('referral_create')}?case={self.case.public_id}"
        page = self.client.post(
            url,
            {
                "service_type": "Spa",
                "receiver": "p:not-a-uuid",
                "reason": "Other",
                "details": "x" * 5000,
                "referred_on": "31/31/2026",
            },
        )
        self.assertEqual(page.status_code, 400)

    def test_the_receiver_list_follows_the_service_needed(self) -> None:
        self.login(self.alice)
        url = f"{reverse('referral_create')}?case={self.case.public_id}"
        self.assertContains(self.client.get(f"{url}&service_type=Shelter"), self.provider.name)
        self.assertNotContains(self.client.get(f"{url}&service_type=Legal"), self.provider.name)


class TransitionTests(ReferralTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.consent()

    def test_a_provider_referral_goes_sent_accepted_completed(self) -> None:
        referral = self.send()
        with system_scope():
            referral = referral_respond(
                actor=self.alice, referral=referral, accept=True, notes="Pranuar me telefon."
            )
            self.assertEqual(referral.status, ReferralStatus.ACCEPTED)
            referral = referral_complete(actor=self.bob, referral=self.reload(referral))
            actions = list(
                AuditEvent.objects.filter(action__startswith="case.referral.").values_list(
                    "action", flat=True
                )
            )
        self.assertEqual(referral.status, ReferralStatus.COMPLETED)
        self.assertEqual(referral.completed_on, TODAY)
        self.assertEqual(actions, ["case.referral.sent", "case.referral.accepted", "case.referral.completed"])

    def test_a_declined_referral_cannot_be_completed(self) -> None:
        referral = self.send()
        with system_scope():
            referral = referral_respond(actor=self.alice, referral=referral, accept=False)
            with self.assertRaises(ValidationError) as refused:
                referral_complete(actor=self.alice, referral=referral)
        self.assertEqual(refused.exception.code, "transition")

    def test_a_sent_referral_cannot_be_completed_and_an_accepted_one_not_cancelled(self) -> None:
        referral = self.send()
        with system_scope():
            with self.assertRaises(ValidationError):
                referral_complete(actor=self.alice, referral=referral)
            referral = referral_respond(actor=self.alice, referral=referral, accept=True)
            with self.assertRaises(ValidationError):
                referral_cancel(actor=self.alice, referral=referral)
            with self.assertRaises(ValidationError):
                referral_respond(actor=self.alice, referral=referral, accept=False)

    def test_the_sender_cancels_a_sent_referral(self) -> None:
        referral = self.send()
        with system_scope():
            with self.assertRaises(PermissionDenied):
                referral_cancel(actor=self.manager, referral=referral)
            self.assertEqual(
                referral_cancel(actor=self.bob, referral=referral).status, ReferralStatus.CANCELLED
            )

    def test_a_stale_answer_is_refused(self) -> None:
        referral = self.send()
        with system_scope():
            referral_cancel(actor=self.alice, referral=referral, expected_version=1)
            with self.assertRaises(StaleVersion):
                referral_respond(actor=self.alice, referral=referral, accept=True, expected_version=1)

    def test_an_illegal_change_on_the_page_is_a_message_not_a_500(self) -> None:
        referral = self.send()
        self.login(self.alice)
        url = reverse("referral_complete", kwargs={"public_id": referral.public_id})
        response = self.client.post(url, {"version": "1"}, follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.reload(referral).status, ReferralStatus.SENT)
        self.assertEqual(len(list(response.context["messages"])), 1)
        garbage = self.client.post(url, {"version": "abc", "completed_on": "yesterday"})
        self.assertEqual(garbage.status_code, 302)

    def test_answering_twice_on_the_page_shows_why(self) -> None:
        referral = self.send()
        self.login(self.alice)
        url = reverse("referral_respond", kwargs={"public_id": referral.public_id})
        data = {"decision": "accept", "responded_on": TODAY.isoformat(), "version": "1"}
        self.assertEqual(self.client.post(url, data).status_code, 302)
        again = self.client.post(url, {**data, "version": "2", "decision": "decline"})
        self.assertEqual(again.status_code, 400)
        self.assertEqual(self.reload(referral).status, ReferralStatus.ACCEPTED)


class IncomingTests(ReferralTestCase):
    def test_an_incoming_referral_from_outside_is_recorded(self) -> None:
        with system_scope():
            referral = referral_incoming_record(
                actor=self.alice,
                case=self.case,
                from_provider=self.provider,
                referred_on=TODAY,
                reason="AdditionalServicesRequired",
                details="Referuar nga policia.",
            )
            self.assertTrue(AuditEvent.objects.filter(action="case.referral.received").exists())
        self.assertEqual((referral.direction, referral.status), ("incoming", ReferralStatus.ACCEPTED))

    def test_the_incoming_form_records_it_and_lists_it_as_incoming(self) -> None:
        self.login(self.alice)
        url = f"{reverse('referral_incoming_create')}?case={self.case.public_id}"
        self.assertEqual(self.client.get(url).status_code, 200)
        data = {
            "from_provider": str(self.provider.public_id),
            "referred_on": TODAY.isoformat(),
            "reason": "Other",
            "service_type": "Shelter",
            "details": "",
        }
        self.assertEqual(self.client.post(url, data).status_code, 302)
        listing = self.client.get(reverse("referral_list"), {"box": "incoming"})
        self.assertContains(listing, self.person.code)
        self.assertNotContains(self.client.get(reverse("referral_list")), self.person.code)


class CasePanelTests(ReferralTestCase):
    def panel(self, user):  # type: ignore[no-untyped-def]
        from django.test import RequestFactory

        from kujdes.core.panels import panels_render

        request = RequestFactory().get("/")
        request.user = user
        with system_scope():
            return "".join(panels_render(page="case", request=request, obj=self.case))

    def test_the_case_page_lists_its_referrals_and_offers_to_refer(self) -> None:
        self.consent()
        referral = self.send()
        html = self.panel(self.alice)
        self.assertIn(reverse("referral_detail", kwargs={"public_id": referral.public_id}), html)
        self.assertIn(f"{reverse('referral_create')}?case={self.case.public_id}", html)
        self.assertIn(self.provider.name, html)

    def test_the_manager_sees_the_referrals_but_no_refer_link(self) -> None:
        self.consent()
        self.send()
        html = self.panel(self.manager)
        self.assertIn(self.provider.name, html)
        self.assertNotIn(reverse("referral_create"), html)
