"""The same code with a partner on another installation (simulated with real keys and signatures,
kujdes/network/federation/tests/peers.py): the referral is sealed to the peer's key, its answers
must come from the peer that hosts the partner, and acknowledgements go back to that peer."""

from __future__ import annotations

import uuid

from kujdes.core.scoping import system_scope
from kujdes.network.crossborder import services
from kujdes.network.crossborder.models import IncomingReferral, OutgoingState
from kujdes.network.crossborder.tests.base import GIVEN, CrossBorderTestCase
from kujdes.network.federation.tests.peers import remote_installation
from kujdes.network.models import Partner


class RemotePartnerTests(CrossBorderTestCase):
    def setUp(self) -> None:
        super().setUp()
        with system_scope():
            Partner.objects.create(code="ua", name="Caritas Ukraine", country="UA", cross_border_services=[])
            Partner.objects.create(code="bg", name="Caritas Bulgaria", country="BG", cross_border_services=[])
            self.remote = remote_installation(name="Installation UA")
            self.remote.add(partners=["ua"])
            self.other = remote_installation(name="Installation BG")
            self.other.add(partners=["bg"])
            self.ua = Partner.objects.get(code="ua")

    def test_a_referral_to_a_remote_partner_is_sealed_to_its_installation_and_answered_by_it(self) -> None:
        self.consent()
        referral = self.refer(partner=self.ua, deliver=False)
        with system_scope():
            (package,) = self.remote.outbox(type="referral")
            payload = self.remote.open(package)
            self.assertNotIn(GIVEN.encode(), bytes(package.envelope))
        self.assertEqual(payload["fields"]["given_name"], GIVEN)
        self.assertEqual(payload["receiving_partner"], "ua")
        ack = {
            "referral_id": payload["referral_id"],
            "in_reply_to": str(package.package_id),
            "status": "accepted",
            "reason": "",
            "contact": {"name": "Olena K.", "email": "olena@ua.example"},
        }
        # Another peer cannot answer for Caritas Ukraine.
        with system_scope():
            refused = self.other.send(type="referral-ack", payload=ack)
        self.assertEqual((refused.status, refused.error), (422, "unknown_referral"))
        with system_scope():
            accepted = self.remote.send(type="referral-ack", payload=ack)
        self.assertEqual(accepted.status, 202)
        referral = self.fresh(referral)
        self.assertEqual(referral.state, OutgoingState.ACCEPTED)
        self.assertEqual(referral.partner_contact["name"], "Olena K.")

    def test_a_referral_from_a_remote_partner_is_filed_and_acknowledged_to_its_installation(self) -> None:
        referral_id = str(uuid.uuid4())
        with system_scope():
            result = self.remote.send(
                type="referral",
                payload={
                    "referral_id": referral_id,
                    "sending_partner": "ua",
                    "receiving_partner": "fr",
                    "purpose": "protection_assistance",
                    "services": ["shelter", "unknown"],
                    "fields": {"given_name": "Oksana"},
                    "documents": [],
                },
            )
        self.assertEqual(result.status, 202)
        incoming = self.incoming()
        self.assertEqual((incoming.peer, incoming.sending_partner), (self.remote.peer, self.ua))
        self.assertEqual(incoming.services, ["shelter"])
        with system_scope():
            (ack,) = self.remote.outbox(type="referral-ack")
            answer = self.remote.open(ack)
        self.assertEqual((answer["status"], answer["in_reply_to"]), ("received", str(result.package_id)))
        # A step later goes to the same peer.
        incoming = self.assigned()
        self.as_fr(services.incoming_decline, actor=self.fr_manager, incoming=incoming, reason="Pas de place")
        with system_scope():
            declined = self.remote.open(self.remote.outbox(type="referral-ack")[-1])
        self.assertEqual((declined["status"], declined["reason"]), ("declined", "Pas de place"))

    def test_a_peer_cannot_send_in_the_name_of_a_partner_it_does_not_host(self) -> None:
        with system_scope():
            result = self.other.send(
                type="referral",
                payload={
                    "referral_id": str(uuid.uuid4()),
                    "sending_partner": "ua",
                    "receiving_partner": "fr",
                    "purpose": "protection_assistance",
                    "services": [],
                    "fields": {"given_name": "X"},
                    "documents": [],
                },
            )
            self.assertEqual((result.status, result.error), (422, "unknown_partner"))
            self.assertFalse(IncomingReferral.objects.exists())

    def test_a_withdrawal_from_another_peer_is_refused(self) -> None:
        referral_id = str(uuid.uuid4())
        base = {"sending_partner": "ua", "receiving_partner": "fr", "purpose": "protection_assistance"}
        with system_scope():
            self.remote.send(
                type="referral",
                payload={**base, "referral_id": referral_id, "services": [], "fields": {"given_name": "X"}},
            )
            refused = self.other.send(
                type="referral-withdrawal",
                payload={"referral_id": referral_id, "reason": "consent_withdrawn"},
            )
            self.assertEqual((refused.status, refused.error), (422, "unknown_referral"))
            accepted = self.remote.send(
                type="referral-withdrawal",
                payload={"referral_id": referral_id, "reason": "consent_withdrawn"},
            )
            self.assertEqual(accepted.status, 202)
        self.assertTrue(self.incoming().is_withdrawn)
