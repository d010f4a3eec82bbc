"""Her name, date of birth, phone, address, notes and documents never appear in clear in a package's
bytes (outbox or inbox), in the referrals' rows, in the audit trail or in the logs — only inside the
sealed envelope and the encrypted fields."""

from __future__ import annotations

import logging

from django.db import connection

from kujdes.core.scoping import system_scope, tenant_scope
from kujdes.network.crossborder import services
from kujdes.network.crossborder.dataset import FIELD_NAMES
from kujdes.network.crossborder.tests.base import CANARIES, CrossBorderTestCase
from kujdes.people.consent import consent_withdraw

TABLES = (
    "network_federation_outboxpackage",
    "network_federation_inboxpackage",
    "network_federation_inboxrefusal",
    "network_crossborder_outgoingreferral",
    "network_crossborder_incomingreferral",
    "network_crossborder_referralevent",
    "core_auditevent",
)


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class CanaryTests(CrossBorderTestCase):
    def test_her_data_is_nowhere_in_clear_outside_the_sealed_package(self) -> None:
        capture = Capture()
        root = logging.getLogger()
        previous = root.level
        root.addHandler(capture)
        root.setLevel(logging.DEBUG)
        self.addCleanup(root.removeHandler, capture)
        self.addCleanup(root.setLevel, previous)

        consent = self.consent()
        self.refer(
            fields=list(FIELD_NAMES),
            documents=[self.document()],
            notes=[self.note()],
            message="Mesazh Kpzwyxtrö për partnerin",
        )
        incoming, _case = self.accepted()
        self.as_fr(services.incoming_step, actor=self.fr_manager, incoming=incoming, step="first_contact")
        self.deliver()
        with tenant_scope(organisation_ids=[self.org.pk]):
            consent_withdraw(actor=self.alice, consent=consent)
        self.deliver()
        self.as_fr(
            services.incoming_resolve,
            actor=self.fr_manager,
            incoming=self.incoming(),
            erase=False,
            legal_basis="Court order for Zyxqwerta",
        )

        with system_scope(), connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 — fixed names
                rows = cursor.fetchall()
                self.assertTrue(rows or table.endswith("inboxrefusal"), table)
                text = "\n".join(
                    bytes(value).decode("utf-8", "replace")
                    if isinstance(value, (bytes, memoryview))
                    else str(value)
                    for row in rows
                    for value in row
                )
                for canary in CANARIES:
                    self.assertNotIn(canary, text, f"{canary!r} in {table}")
        logged = "\n".join(capture.lines)
        for canary in CANARIES:
            self.assertNotIn(canary, logged)
        # Not even sealed: once applied, delivered, accepted or withdrawn, no sealed copy is kept
        # (the installation's own keys could open it after her person key was destroyed).
        from kujdes.network.federation.models import InboxPackage, OutboxPackage
        from kujdes.network.federation.services import SEALED_TYPES

        with system_scope():
            sealed_in = InboxPackage.objects.filter(type__in=SEALED_TYPES)
            sealed_out = OutboxPackage.objects.filter(
                type__in=SEALED_TYPES, state__in=["delivered", "acknowledged"]
            )
            self.assertTrue(sealed_in.exists() and sealed_out.exists())
            self.assertEqual([bytes(p.envelope) for p in sealed_in if bytes(p.envelope)], [])
            self.assertEqual([bytes(p.envelope) for p in sealed_out if bytes(p.envelope)], [])

    def test_the_sealed_package_does_carry_her_data_to_the_partner(self) -> None:
        """The counterpart of the canary: what is hidden at rest is there for the receiving manager."""
        self.consent()
        self.refer(fields=list(FIELD_NAMES), notes=[self.note()])
        incoming = self.assigned()
        payload = self.as_fr(services.incoming_open, actor=self.fr_manager, incoming=incoming)
        text = str(payload)
        for canary in ("Zyxqwerta", "Qqvorlandë", "1994-03-17", "Kpzwyxtr", "Jjwqxlask", "Vxqplomb"):
            self.assertIn(canary, text)
        self.assertEqual(len(self.events("crossborder.referral.opened")), 1)
