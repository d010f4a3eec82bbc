"""The whole referral between two organisations of one installation, through the real inbox:
sealed, signed, delivered by the outbox, acknowledged at every step."""

from __future__ import annotations

import base64
import uuid

from django.core.exceptions import ValidationError

from kujdes.cases.models import Case, CaseDocument
from kujdes.core.files import encrypted_file_read
from kujdes.core.scoping import system_scope
from kujdes.network.crossborder import services
from kujdes.network.crossborder.models import IncomingState, OutgoingState
from kujdes.network.crossborder.tests.base import BIRTH, FAMILY, GIVEN, PDF, PHONE, CrossBorderTestCase
from kujdes.network.federation.models import InboxPackage, OutboxPackage, OutboxState
from kujdes.network.federation.services import inbox_payload_open


class ReferralFlowTests(CrossBorderTestCase):
    def test_a_consented_referral_is_sent_received_and_acknowledged(self) -> None:
        self.consent()
        referral = self.refer()
        self.assertEqual(referral.state, OutgoingState.RECEIVED)
        self.assertEqual(self.timeline(referral), ["sent", "received"])
        with system_scope():
            package = OutboxPackage.objects.get(package_id=referral.package_id)
            self.assertEqual((package.type, package.peer), ("referral", None))
            # The reply named it: the federation marks it acknowledged.
            self.assertEqual(package.state, OutboxState.ACKNOWLEDGED)
        incoming = self.incoming()
        self.assertEqual(incoming.package_id, referral.package_id)
        self.assertEqual(incoming.organisation_id, self.other_org.pk)
        self.assertEqual(
            (incoming.sending_partner, incoming.receiving_partner), (self.partner_al, self.partner_fr)
        )
        self.assertEqual(
            (incoming.purpose, incoming.services), ("return_reintegration", ["return", "reintegration"])
        )
        self.assertIsNone(incoming.peer)
        self.assertEqual(self.timeline(incoming), ["received"])

    def test_the_payload_holds_only_the_chosen_fields_and_the_chosen_documents(self) -> None:
        self.consent()
        document = self.document()
        referral = self.refer(documents=[document])
        with system_scope():
            payload = inbox_payload_open(package_id=referral.package_id)
        self.assertEqual(payload["referral_id"], str(referral.referral_id))
        self.assertEqual((payload["sending_partner"], payload["receiving_partner"]), ("al", "fr"))
        self.assertEqual(
            sorted(payload["fields"]), ["date_of_birth", "family_name", "given_name", "phone", "sex"]
        )
        self.assertEqual(payload["fields"]["given_name"], GIVEN)
        self.assertEqual(payload["fields"]["date_of_birth"]["date"], BIRTH.isoformat())
        self.assertNotIn("address", payload["fields"])
        self.assertNotIn("summary", payload["fields"])
        (sent,) = payload["documents"]
        self.assertEqual((sent["name"], sent["content_type"]), ("p.pdf", "application/pdf"))
        self.assertEqual(base64.b64decode(sent["data"]), PDF)
        self.assertEqual(payload["case_worker"]["name"], self.alice.display_name)
        self.assertEqual(payload["consent"]["basis"], "consent")
        self.assertEqual(referral.fields, ["given_name", "family_name", "sex", "date_of_birth", "phone"])

    def test_the_route_travels_with_its_places_when_chosen(self) -> None:
        import datetime

        from kujdes.cases.services import trafficking_event_add
        from kujdes.network.crossborder.dataset import value_display

        with system_scope():
            trafficking_event_add(
                actor=self.alice,
                case=self.case,
                event_type="Exploitation",
                country="FR",
                place="Marseille",
                date_from=datetime.date(2025, 6, 1),
            )
        self.consent()
        referral = self.refer(fields=["given_name", "route"])
        with system_scope():
            payload = inbox_payload_open(package_id=referral.package_id)
        (event,) = payload["fields"]["route"]
        self.assertEqual((event["country"], event["place"], event["from"]), ("FR", "Marseille", "2025-06-01"))
        self.assertIn("Marseille", value_display("route", payload["fields"]["route"]))

    def test_accepting_creates_her_person_and_case_with_documents_and_tells_the_sender(self) -> None:
        self.consent()
        self.refer(documents=[self.document()])
        incoming, case = self.accepted()
        self.assertEqual(incoming.state, IncomingState.ACCEPTED)
        with system_scope():
            case = Case.objects.select_related("person").get(pk=case.pk)
            self.assertEqual((case.organisation_id, case.unit_id), (self.other_org.pk, self.other_unit.pk))
            self.assertEqual(
                (case.person.given_name, case.person.family_name, case.person.date_of_birth),
                (GIVEN, FAMILY, BIRTH),
            )
            self.assertEqual(case.person.phones, [PHONE])
            self.assertIn("Caritas Albania", case.summary)
            (document,) = CaseDocument.objects.filter(case=case)
            document.case = case
            data = b"".join(
                encrypted_file_read(handle=case.person.encryption_handle(), file_id=document.public_id)
            )
            self.assertEqual(data, PDF)
        referral = self.fresh(self.outgoing())
        self.assertEqual(referral.state, OutgoingState.ACCEPTED)
        self.assertEqual(referral.partner_contact["name"], self.fr_manager.display_name)
        self.assertEqual(self.timeline(referral), ["sent", "received", "accepted"])
        (event,) = self.events("crossborder.referral.case_opened")
        self.assertEqual(event.details["package"], str(incoming.package_id))

    def test_first_contact_and_closure_reach_the_sender(self) -> None:
        self.consent()
        self.refer()
        incoming, _case = self.accepted()
        self.as_fr(services.incoming_step, actor=self.fr_manager, incoming=incoming, step="first_contact")
        self.deliver()
        self.as_fr(
            services.incoming_step,
            actor=self.dave,
            incoming=self.incoming(),
            step="closed",
            note="Ritorno ok",
        )
        self.deliver()
        self.assertEqual(self.incoming().state, IncomingState.CLOSED)
        referral = self.fresh(self.outgoing())
        self.assertEqual(referral.state, OutgoingState.CLOSED)
        self.assertEqual(self.timeline(referral), ["sent", "received", "accepted", "first_contact", "closed"])
        with system_scope():
            closed = referral.events.get(kind="closed")
            closed.outgoing = referral
            self.assertEqual(closed.reason, "Ritorno ok")
        self.assertEqual(
            self.timeline(self.incoming()),
            ["received", "assigned", "accepted", "first_contact", "closed"],
        )

    def test_a_declined_referral_tells_the_sender_why(self) -> None:
        self.consent()
        self.refer()
        incoming = self.assigned()
        self.as_fr(
            services.incoming_decline, actor=self.fr_manager, incoming=incoming, reason="No shelter room"
        )
        self.deliver()
        self.assertEqual(self.incoming().state, IncomingState.DECLINED)
        referral = self.fresh(self.outgoing())
        self.assertEqual(referral.state, OutgoingState.DECLINED)
        with system_scope():
            declined = referral.events.get(kind="declined")
            declined.outgoing = referral
            self.assertEqual(declined.reason, "No shelter room")
            self.assertFalse(Case.objects.filter(organisation=self.other_org).exists())

    def test_a_decline_needs_a_reason(self) -> None:
        self.consent()
        self.refer()
        incoming = self.assigned()
        with self.assertRaises(ValidationError):
            self.as_fr(services.incoming_decline, actor=self.fr_manager, incoming=incoming, reason="  ")

    def test_accepting_an_answered_referral_twice_is_refused(self) -> None:
        self.consent()
        self.refer()
        incoming, _case = self.accepted()
        with self.assertRaises(ValidationError):
            self.as_fr(
                services.incoming_accept, actor=self.fr_manager, incoming=incoming, unit=self.other_unit
            )

    def test_the_same_person_found_by_the_duplicate_check_gets_the_case(self) -> None:
        from kujdes.people.services import person_create

        with system_scope():
            known = person_create(
                actor=self.fr_manager, unit=self.other_unit, given_name=GIVEN, family_name=FAMILY
            )
        self.consent()
        self.refer()
        incoming = self.assigned()
        case, _refused = self.as_fr(
            services.incoming_accept,
            actor=self.fr_manager,
            incoming=incoming,
            unit=self.other_unit,
            same_person=known,
        )
        self.assertEqual(case.person_id, known.pk)

    def test_an_ack_from_an_installation_that_was_not_sent_the_referral_is_rejected(self) -> None:
        from kujdes.network.federation.handlers import PackageRejected, Received

        self.consent()
        referral = self.refer(deliver=False)
        with system_scope():
            received = Received(
                package_id=uuid.uuid4(),
                type="referral-ack",
                peer=None,
                sender_installation_id=referral.referral_id,
                created_at=referral.created_at,
                payload={"referral_id": str(uuid.uuid4()), "status": "accepted"},
                via="local",
            )
            with self.assertRaises(PackageRejected):
                services.referral_ack_apply(received=received)

    def test_a_referral_for_a_partner_that_is_not_local_is_rejected_by_the_inbox(self) -> None:
        from kujdes.network.federation.models import PackageType
        from kujdes.network.federation.services import inbox_receive, package_build
        from kujdes.network.models import Partner

        with system_scope():
            Partner.objects.create(code="ua", name="Partner UA", country="UA")
            _id, body = package_build(
                type=PackageType.REFERRAL,
                payload={
                    "referral_id": str(uuid.uuid4()),
                    "sending_partner": "al",
                    "receiving_partner": "ua",
                    "purpose": "protection_assistance",
                    "services": [],
                    "fields": {"given_name": "X"},
                    "documents": [],
                },
                peer=None,
            )
            result = inbox_receive(body=body, via="local")
            self.assertEqual((result.status, result.error), (422, "unknown_recipient_partner"))
            self.assertFalse(InboxPackage.objects.filter(package_id=_id).exists())

    def outgoing(self):  # type: ignore[no-untyped-def]
        from kujdes.network.crossborder.models import OutgoingReferral

        with system_scope():
            return OutgoingReferral.objects.get()
