"""The pages: referring from the case page with a preview of the data set, the incoming queue without
personal data, the manager's decrypted view and decisions; foreign objects answer 404."""

from __future__ import annotations

from django.urls import reverse

from kujdes.cases.models import Approval
from kujdes.core.scoping import system_scope, tenant_scope
from kujdes.network.crossborder.models import IncomingState, OutgoingReferral, OutgoingState
from kujdes.network.crossborder.tests.base import FAMILY, GIVEN, CrossBorderTestCase
from kujdes.people.consent import consent_withdraw

CHOICES = {
    "purpose": "return_reintegration",
    "services": ["return", "reintegration"],
    "dataset": ["given_name", "family_name", "date_of_birth", "sex"],
    "message": "Ajo flet vetëm shqip",
}


class Refer(CrossBorderTestCase):
    def url(self) -> str:
        return reverse("crossborder_refer", args=[self.case.public_id])

    def post(self, action: str, **changes: object) -> object:
        data = {**CHOICES, "partner": str(self.partner_fr.public_id), "action": action, **changes}
        return self.client.post(self.url(), data)

    def send(self, **changes: object) -> object:
        preview = self.post("preview", **changes)
        return self.post("send", previewed=preview.context["digest"], **changes)


class ReferPageTests(Refer):
    def test_the_case_page_offers_the_referral_to_its_case_workers(self) -> None:
        self.login(self.alice)
        page = self.client.get(reverse("case_detail", args=[self.case.public_id]))
        self.assertContains(page, "Referrals abroad")
        self.assertContains(page, self.url())

    def test_the_manager_reads_the_panel_but_does_not_refer(self) -> None:
        self.consent()
        self.refer()
        self.login(self.manager)
        page = self.client.get(reverse("case_detail", args=[self.case.public_id]))
        self.assertContains(page, "Secours France")
        self.assertNotContains(page, self.url())

    def test_the_purpose_comes_first_and_pre_selects_the_minimum_data_set(self) -> None:
        self.login(self.alice)
        self.assertContains(self.client.get(self.url()), "What is the referral for?")
        page = self.client.get(self.url(), {"purpose": "family_tracing"})
        form = page.context["form"]
        self.assertIn("municipality", form["dataset"].value())
        self.assertNotIn("phone", form["dataset"].value())
        self.assertEqual(form["services"].value(), ["family_tracing"])
        self.assertContains(page, "Consent missing")

    def test_an_unknown_purpose_is_asked_again(self) -> None:
        self.login(self.alice)
        response = self.client.get(self.url(), {"purpose": "holiday"})
        self.assertEqual(response.status_code, 400)

    def test_the_preview_shows_what_will_be_sent_and_sends_nothing(self) -> None:
        self.consent()
        self.login(self.alice)
        page = self.post("preview")
        self.assertContains(page, "What will be sent")
        self.assertContains(page, GIVEN)
        self.assertContains(page, "1994-03-17")
        self.assertNotContains(page, "Rruga Vxqplomb")
        with system_scope():
            self.assertFalse(OutgoingReferral.objects.exists())

    def test_sending_after_the_preview_sends_it(self) -> None:
        self.consent()
        self.login(self.alice)
        response = self.send()
        with system_scope():
            referral = OutgoingReferral.objects.get()
        self.assertRedirects(
            response,
            reverse("crossborder_outgoing", args=[referral.public_id]),
            fetch_redirect_response=False,
        )
        self.assertEqual(referral.state, OutgoingState.SENT)
        self.assertEqual(referral.fields, ["given_name", "family_name", "sex", "date_of_birth"])
        page = self.client.get(reverse("crossborder_outgoing", args=[referral.public_id]))
        self.assertContains(page, "Referral sent to Secours France")
        self.assertContains(page, "Date of birth")

    def test_changed_choices_need_a_new_preview(self) -> None:
        self.consent()
        self.login(self.alice)
        preview = self.post("preview")
        response = self.post("send", previewed=preview.context["digest"], dataset=["given_name", "address"])
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "You changed the choices", status_code=400)
        self.assertContains(response, "Rruga Vxqplomb", status_code=400)  # the new preview
        with system_scope():
            self.assertFalse(OutgoingReferral.objects.exists())

    def test_bad_input_keeps_what_was_typed_and_says_what_is_wrong(self) -> None:
        self.consent()
        self.login(self.alice)
        response = self.post("preview", services=["employment"])
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Secours France does not offer", status_code=400)
        self.assertContains(response, "Ajo flet vetëm shqip", status_code=400)

    def test_without_consent_the_reason_is_asked_and_a_manager_must_approve(self) -> None:
        self.login(self.alice)
        response = self.send()
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "She has not consented", status_code=400)
        response = self.send(override_reason="Rrezik i menjëhershëm")
        with system_scope():
            referral = OutgoingReferral.objects.get()
        self.assertEqual(referral.state, OutgoingState.AWAITING_APPROVAL)
        self.login(self.manager)
        page = self.client.get(reverse("case_detail", args=[self.case.public_id]))
        self.assertContains(page, "without her consent")
        self.assertContains(page, "Rrezik i menjëhershëm")
        with system_scope():
            approval = Approval.objects.get()
        self.client.post(reverse("approval_decide", args=[approval.public_id]), {"decision": "approve"})
        self.deliver()
        self.assertEqual(self.fresh(referral).state, OutgoingState.RECEIVED)

    def test_withdrawing_a_referral_from_its_page(self) -> None:
        self.consent()
        referral = self.refer()
        self.login(self.alice)
        url = reverse("crossborder_outgoing_withdraw", args=[referral.public_id])
        response = self.client.post(url, {"text": "x" * 2001})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "x" * 2001, status_code=400)
        response = self.client.post(url, {"text": "Ajo ndryshoi mendje"})
        self.assertRedirects(response, reverse("crossborder_outgoing", args=[referral.public_id]))
        self.assertEqual(self.fresh(referral).state, OutgoingState.WITHDRAWN)

    def test_charlie_gets_404_on_the_referral_and_its_case(self) -> None:
        self.consent()
        referral = self.refer()
        self.login(self.charlie)
        for url in (
            self.url(),
            reverse("crossborder_outgoing", args=[referral.public_id]),
        ):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        response = self.client.post(reverse("crossborder_outgoing_withdraw", args=[referral.public_id]))
        self.assertEqual(response.status_code, 404)


class IncomingPageTests(Refer):
    def setUp(self) -> None:
        super().setUp()
        self.consent()
        self.referral = self.refer(documents=[self.document()])
        self.incoming_row = self.incoming()

    def url(self, name: str = "crossborder_incoming") -> str:  # type: ignore[override]
        return reverse(name, args=[self.incoming_row.public_id])

    def test_the_queue_shows_no_personal_data(self) -> None:
        self.login(self.other_admin)
        page = self.client.get(reverse("crossborder_incoming_list"))
        self.assertContains(page, "Caritas Albania")
        self.assertContains(page, "Return and reintegration")
        self.assertNotContains(page, GIVEN)
        detail = self.client.get(self.url())
        self.assertNotContains(detail, GIVEN)
        self.assertContains(detail, "Assign to a unit")

    def test_the_queue_is_403_to_roles_without_one(self) -> None:
        for user in (self.alice, self.dave, self.viewer, self.coordinator):
            self.login(user)
            self.assertEqual(self.client.get(reverse("crossborder_incoming_list")).status_code, 403)

    def test_assigning_needs_a_unit(self) -> None:
        self.login(self.other_admin)
        response = self.client.post(self.url("crossborder_incoming_assign"), {"unit": ""})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "This field is required", status_code=400)
        response = self.client.post(
            self.url("crossborder_incoming_assign"), {"unit": str(self.other_unit.public_id)}
        )
        self.assertRedirects(response, reverse("crossborder_incoming_list"))
        self.assertEqual(self.incoming().unit, self.other_unit)

    def test_the_manager_of_the_unit_reads_it_and_the_read_is_audited(self) -> None:
        self.assigned()
        self.login(self.fr_manager)
        page = self.client.get(self.url())
        self.assertContains(page, GIVEN)
        self.assertContains(page, FAMILY)
        self.assertContains(page, self.url("crossborder_incoming_accept"))
        self.assertEqual(len(self.events("crossborder.referral.opened")), 1)
        document = self.client.get(
            reverse("crossborder_incoming_document", args=[self.incoming_row.public_id, 0])
        )
        self.assertEqual(document["Content-Type"], "application/pdf")
        self.assertIn("attachment", document["Content-Disposition"])

    def test_another_units_manager_and_other_organisations_get_404(self) -> None:
        self.assigned()
        for user in (self.lyon_manager, self.charlie, self.manager, self.dave, self.alice):
            self.login(user)
            for name in ("crossborder_incoming", "crossborder_incoming_accept"):
                self.assertEqual(self.client.get(self.url(name)).status_code, 404, (user, name))
            response = self.client.post(self.url("crossborder_incoming_decline"), {"reason": "x"})
            self.assertEqual(response.status_code, 404, user)

    def test_the_administrator_does_not_answer_it(self) -> None:
        self.assigned()
        self.login(self.other_admin)
        self.assertEqual(self.client.get(self.url("crossborder_incoming_accept")).status_code, 403)
        response = self.client.post(self.url("crossborder_incoming_decline"), {"reason": "x"})
        self.assertEqual(response.status_code, 403)

    def test_accepting_through_the_duplicate_check(self) -> None:
        from kujdes.people.services import person_create

        with system_scope():
            known = person_create(
                actor=self.fr_manager, unit=self.other_unit, given_name=GIVEN, family_name=FAMILY
            )
        self.assigned()
        self.login(self.fr_manager)
        page = self.client.get(self.url("crossborder_incoming_accept"))
        self.assertContains(page, known.code)
        response = self.client.post(
            self.url("crossborder_incoming_accept"),
            {
                "person": str(known.public_id),
                "unit": str(self.other_unit.public_id),
                "case_type": "victim_assistance",
                "primary_worker": str(self.dave.public_id),
            },
        )
        self.assertRedirects(response, self.url())
        incoming = self.incoming()
        self.assertEqual((incoming.state, incoming.person_id), (IncomingState.ACCEPTED, known.pk))
        self.assertEqual(incoming.case.primary_worker, self.dave)
        self.deliver()
        self.assertEqual(self.fresh(self.referral).state, OutgoingState.ACCEPTED)
        # Dave works on the case now: he records the first contact from the referral's page.
        self.login(self.dave)
        response = self.client.post(self.url("crossborder_incoming_step"), {"step": "first_contact"})
        self.assertRedirects(response, self.url())
        case_page = self.client.get(reverse("case_detail", args=[incoming.case.public_id]))
        self.assertContains(case_page, "Referred from abroad by Caritas Albania")

    def test_a_case_worker_of_another_unit_is_refused_as_primary_worker(self) -> None:
        self.assigned()
        self.login(self.fr_manager)
        response = self.client.post(
            self.url("crossborder_incoming_accept"),
            {"person": "new", "unit": str(self.other_unit.public_id), "case_type": "nonsense"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Select a valid choice", status_code=400)

    def test_declining_without_a_reason_keeps_the_page_and_says_why(self) -> None:
        self.assigned()
        self.login(self.fr_manager)
        response = self.client.post(self.url("crossborder_incoming_decline"), {"reason": ""})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "This field is required", status_code=400)
        response = self.client.post(self.url("crossborder_incoming_decline"), {"reason": "Pa vend"})
        self.assertRedirects(response, self.url())
        self.assertEqual(self.incoming().state, IncomingState.DECLINED)

    def test_a_withdrawal_flags_her_case_for_its_workers_and_the_officer(self) -> None:
        incoming, case = self.accepted()
        with tenant_scope(organisation_ids=[self.org.pk]):
            from kujdes.people.models import Consent

            consent = Consent.objects.get(person=self.person)
            consent_withdraw(actor=self.alice, consent=consent)
        self.deliver()
        self.login(self.fr_manager)
        page = self.client.get(reverse("case_detail", args=[case.public_id]))
        self.assertContains(page, "Consent withdrawn by the sending partner")
        page = self.client.get(reverse("person_detail", args=[case.person.public_id]))
        self.assertContains(page, "Consent withdrawn by the sending partner")
        self.login(self.other_dpo)
        page = self.client.get(reverse("crossborder_incoming_list"))
        self.assertContains(page, "Erase or record a legal basis")
        page = self.client.get(self.url())
        self.assertContains(page, "Erase her data")
        response = self.client.post(self.url("crossborder_incoming_resolve"), {"decision": "legal_basis"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Say on which legal basis", status_code=400)
        response = self.client.post(self.url("crossborder_incoming_resolve"), {"decision": "erase"})
        self.assertRedirects(response, self.url())
        self.assertEqual(self.incoming().resolution, "erased")
