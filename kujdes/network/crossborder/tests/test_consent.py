"""Her consent to sharing with a partner abroad decides: without it, nothing leaves unless a programme
manager approves an override; when she withdraws it, the partner is told and must act."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from kujdes.cases.choices import ApprovalKind, ApprovalStatus
from kujdes.cases.models import Approval
from kujdes.cases.services import approval_decide, approval_withdraw
from kujdes.core.scoping import system_scope, tenant_scope
from kujdes.network.crossborder import services
from kujdes.network.crossborder.models import (
    IncomingReferral,
    IncomingState,
    OutgoingReferral,
    OutgoingState,
    Resolution,
)
from kujdes.network.crossborder.tests.base import CrossBorderTestCase
from kujdes.network.federation.models import OutboxPackage
from kujdes.people.consent import ConsentMissing, consent_withdraw
from kujdes.people.models import ConsentOverride, Person


class ConsentTests(CrossBorderTestCase):
    def approval(self) -> Approval:
        with system_scope():
            return Approval.objects.select_related("case", "case__unit").get()

    def decide(self, approve: bool, comment: str = "") -> None:
        with tenant_scope(organisation_ids=[self.org.pk]):
            approval_decide(actor=self.manager, approval=self.approval(), approve=approve, comment=comment)
        self.deliver()

    def test_without_her_consent_nothing_is_sent(self) -> None:
        with self.assertRaises(ConsentMissing):
            self.refer()
        with system_scope():
            self.assertFalse(OutgoingReferral.objects.exists())
            self.assertFalse(OutboxPackage.objects.exists())

    def test_an_override_waits_for_a_manager_and_nothing_leaves_before(self) -> None:
        referral = self.refer(override_reason="She is a child in danger")
        self.assertEqual(referral.state, OutgoingState.AWAITING_APPROVAL)
        approval = self.approval()
        self.assertEqual(
            (approval.kind, approval.status), (ApprovalKind.REFERRAL_ABROAD, ApprovalStatus.PENDING)
        )
        with system_scope():
            self.assertFalse(OutboxPackage.objects.exists())
            self.assertFalse(IncomingReferral.objects.exists())
        self.assertEqual(len(self.events("crossborder.referral.override_requested")), 1)

    def test_an_approved_override_is_recorded_audited_and_sends_the_referral(self) -> None:
        self.refer(override_reason="She is a child in danger")
        self.decide(approve=True)
        referral = self.fresh(OutgoingReferral(pk=self.approval_referral_pk()))
        self.assertEqual(referral.state, OutgoingState.RECEIVED)
        self.assertEqual(referral.consent_basis, "override")
        with system_scope():
            override = ConsentOverride.objects.get(person=self.person, purpose="partner_abroad")
            self.assertEqual(override.actor, self.manager)
        self.assertEqual(len(self.events("consent.overridden")), 1)
        self.assertEqual(
            self.timeline(referral), ["override_requested", "override_approved", "sent", "received"]
        )
        self.assertEqual(self.incoming().state, IncomingState.NEW)

    def test_a_refused_override_sends_nothing(self) -> None:
        self.refer(override_reason="She is a child in danger")
        self.decide(approve=False, comment="Ask her again first")
        referral = self.fresh(OutgoingReferral(pk=self.approval_referral_pk()))
        self.assertEqual(referral.state, OutgoingState.OVERRIDE_REFUSED)
        with system_scope():
            self.assertFalse(OutboxPackage.objects.exists())

    def test_the_requester_cannot_approve_her_own_override(self) -> None:
        self.refer(override_reason="Danger")
        with self.assertRaises(ValidationError), tenant_scope(organisation_ids=[self.org.pk]):
            approval_decide(actor=self.alice, approval=self.approval(), approve=True)

    def test_a_withdrawn_override_request_cancels_the_referral(self) -> None:
        self.refer(override_reason="Danger")
        with tenant_scope(organisation_ids=[self.org.pk]):
            approval_withdraw(actor=self.alice, approval=self.approval())
        referral = self.fresh(OutgoingReferral(pk=self.approval_referral_pk()))
        self.assertEqual(referral.state, OutgoingState.CANCELLED)

    def test_a_case_worker_of_another_unit_cannot_refer_the_case(self) -> None:
        self.consent()
        with self.assertRaises(PermissionDenied):
            self.refer(actor=self.charlie)

    def test_withdrawing_her_consent_withdraws_the_open_referral_and_blocks_it_abroad(self) -> None:
        consent = self.consent()
        self.refer()
        with tenant_scope(organisation_ids=[self.org.pk]):
            consent_withdraw(actor=self.alice, consent=consent)
        self.deliver()
        with system_scope():
            referral = OutgoingReferral.objects.get()
        self.assertEqual(referral.state, OutgoingState.WITHDRAWN)
        self.assertIsNotNone(referral.withdrawal_package_id)
        incoming = self.incoming()
        self.assertEqual(incoming.state, IncomingState.WITHDRAWN)
        # Not accepted yet: nothing of hers was kept, and the referral cannot be used any more.
        self.assertEqual(incoming.resolution, Resolution.NOTHING_KEPT)
        with self.assertRaises(ValidationError):
            self.as_fr(
                services.incoming_assign, actor=self.other_admin, incoming=incoming, unit=self.other_unit
            )
        self.assertEqual(len(self.events("crossborder.referral.withdrawn")), 1)
        self.assertEqual(len(self.events("crossborder.referral.withdrawal_received")), 1)

    def test_a_withdrawal_after_acceptance_asks_for_erasure_or_a_legal_basis(self) -> None:
        consent = self.consent()
        self.refer()
        incoming, case = self.accepted()
        with tenant_scope(organisation_ids=[self.org.pk]):
            consent_withdraw(actor=self.alice, consent=consent)
        self.deliver()
        incoming = self.incoming()
        self.assertTrue(incoming.needs_resolution)
        with self.assertRaises(ValidationError):
            self.as_fr(services.incoming_step, actor=self.fr_manager, incoming=incoming, step="first_contact")
        # Only the data protection officer erases; she is then gone, the figures stay.
        with self.assertRaises(PermissionDenied):
            self.as_fr(services.incoming_resolve, actor=self.fr_manager, incoming=incoming, erase=True)
        self.as_fr(services.incoming_resolve, actor=self.other_dpo, incoming=incoming, erase=True)
        with system_scope():
            person = Person.objects.get(pk=case.person_id)
        self.assertIsNotNone(person.erased_at)
        self.assertIsNone(person.given_name)
        incoming = self.incoming()
        self.assertEqual((incoming.resolution, incoming.needs_resolution), (Resolution.ERASED, False))
        self.assertEqual(len(self.events("crossborder.referral.erased")), 1)

    def test_a_manager_may_record_the_legal_basis_on_which_her_data_is_kept(self) -> None:
        consent = self.consent()
        self.refer()
        self.accepted()
        with tenant_scope(organisation_ids=[self.org.pk]):
            consent_withdraw(actor=self.alice, consent=consent)
        self.deliver()
        incoming = self.incoming()
        with self.assertRaises(ValidationError):
            self.as_fr(services.incoming_resolve, actor=self.fr_manager, incoming=incoming, erase=False)
        self.as_fr(
            services.incoming_resolve,
            actor=self.fr_manager,
            incoming=incoming,
            erase=False,
            legal_basis="Criminal proceedings: the prosecutor's order 12/2026",
        )
        incoming = self.incoming()
        self.assertEqual(incoming.resolution, Resolution.LEGAL_BASIS)
        self.assertEqual(incoming.legal_basis, "Criminal proceedings: the prosecutor's order 12/2026")
        (event,) = self.events("crossborder.referral.legal_basis")
        self.assertNotIn("prosecutor", str(event.details))

    def test_another_consent_still_standing_keeps_the_referral(self) -> None:
        first = self.consent()
        self.consent()
        self.refer()
        with tenant_scope(organisation_ids=[self.org.pk]):
            consent_withdraw(actor=self.alice, consent=first)
        with system_scope():
            self.assertEqual(OutgoingReferral.objects.get().state, OutgoingState.RECEIVED)

    def test_a_case_worker_withdraws_a_referral_with_a_reason_the_partner_reads(self) -> None:
        self.consent()
        referral = self.refer()
        with tenant_scope(organisation_ids=[self.org.pk]):
            services.referral_abroad_withdraw(
                actor=self.alice, referral=referral, text="She stays with family"
            )
        self.deliver()
        incoming = self.incoming()
        self.assertEqual(incoming.state, IncomingState.WITHDRAWN)
        with system_scope():
            event = incoming.events.get(kind="withdrawn")
            event.incoming = incoming
            self.assertEqual(event.reason, "She stays with family")

    def approval_referral_pk(self) -> int:
        with system_scope():
            return OutgoingReferral.objects.get().pk
