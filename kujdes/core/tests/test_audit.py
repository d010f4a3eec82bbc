"""The audit log: one event per service write, a chain that exposes edits and gaps."""

from __future__ import annotations

import random
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.test import TransactionTestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kujdes.core.audit import audit_chain_verify, audit_record
from kujdes.core.models import AuditEvent, UnitKind
from kujdes.core.roles import Role
from kujdes.core.scoping import system_scope
from kujdes.core.services import membership_assign, membership_revoke, unit_create, unit_update
from kujdes.core.tests.base import BaseTestCase


class AuditLogTests(BaseTestCase):
    def events(self) -> int:
        with system_scope():
            return AuditEvent.objects.filter(organisation=self.org).count()

    def test_random_service_calls_and_sensitive_reads_write_exactly_one_event_each(self) -> None:
        from kujdes.people.services import person_create, person_identity_view

        rng = random.Random(20261128)
        with system_scope():
            person = person_create(
                actor=self.alice, unit=self.diocese_a, given_name="Hana", family_name="Lala"
            )
        before = self.events()
        calls = 0
        with system_scope():
            for index in range(40):
                choice = rng.choice(["unit", "rename", "role", "read"])
                if choice == "read":
                    person_identity_view(actor=self.bob, person=person)
                    calls += 1
                    continue
                if choice == "unit":
                    unit_create(
                        actor=self.admin, parent=self.diocese_b, name=f"Centre {index}", kind=UnitKind.CENTRE
                    )
                elif choice == "rename":
                    unit_update(
                        actor=self.admin,
                        unit=self.diocese_b,
                        name=f"Diocese B {index}",
                        kind=UnitKind.DIOCESE,
                        is_active=True,
                    )
                else:
                    membership = membership_assign(
                        actor=self.admin, user=self.bob, unit=self.root, role=Role.VIEWER
                    )
                    membership_revoke(actor=self.admin, membership=membership)
                    calls += 1
                calls += 1
        self.assertEqual(self.events() - before, calls)
        with system_scope():
            self.assertIsNone(audit_chain_verify(organisation_id=self.org.pk))

    def test_events_carry_actor_action_object_and_no_names(self) -> None:
        with system_scope():
            membership_assign(actor=self.admin, user=self.bob, unit=self.root, role=Role.VIEWER)
            event = AuditEvent.objects.filter(organisation=self.org).order_by("-seq").first()
        self.assertEqual(event.action, "membership.assigned")
        self.assertEqual(event.actor, self.admin)
        self.assertEqual(event.object_id, str(self.bob.public_id))
        self.assertNotIn("bob", str(event.details).lower())

    def test_recording_outside_a_transaction_is_refused(self) -> None:
        # TestCase wraps tests in a transaction; leave it for this check.
        with system_scope(), self.assertRaises(RuntimeError):
            atomic = connection.in_atomic_block
            connection.in_atomic_block = False
            try:
                audit_record(actor=None, organisation=self.org, action="x.y")
            finally:
                connection.in_atomic_block = atomic

    def test_many_events_at_once_chain_as_one_at_a_time_would(self) -> None:
        from kujdes.core.audit import AuditEntry, audit_record_many

        with system_scope():
            before = self.events()
            audit_record(actor=self.admin, organisation=self.org, action="x.before")
            with CaptureQueriesContext(connection) as queries:
                events = audit_record_many(
                    actor=self.admin,
                    organisation=self.org.pk,
                    entries=[
                        AuditEntry("person.created", obj=self.bob, unit=self.diocese_a, details={"n": n})
                        for n in range(5)
                    ],
                )
            audit_record(actor=self.admin, organisation=self.org, action="x.after")
            stored = list(AuditEvent.objects.filter(organisation=self.org).order_by("seq"))[before:]
            self.assertIsNone(audit_chain_verify(organisation_id=self.org.pk))
        self.assertEqual([e.action for e in stored], ["x.before", *["person.created"] * 5, "x.after"])
        self.assertEqual([e.seq for e in stored], list(range(stored[0].seq, stored[0].seq + 7)))
        self.assertEqual([e.details for e in stored[1:6]], [{"n": n} for n in range(5)])
        self.assertEqual(
            {(e.actor_id, e.unit_id, e.object_id) for e in stored[1:6]},
            {(self.admin.pk, self.diocese_a.pk, str(self.bob.public_id))},
        )
        self.assertEqual([e.hash for e in events], [e.hash for e in stored[1:6]])
        inserts = [q for q in queries if q["sql"].startswith("INSERT")]
        self.assertEqual(len(inserts), 1)

    def test_an_event_written_many_at_a_time_and_edited_is_found(self) -> None:
        from kujdes.core.audit import AuditEntry, audit_record_many

        with system_scope():
            events = audit_record_many(
                actor=None, organisation=self.org, entries=[AuditEntry("x.one"), AuditEntry("x.two")]
            )
        self.tamper("UPDATE core_auditevent SET action = 'x.three' WHERE id = %s", [events[0].pk])
        with system_scope():
            problem = audit_chain_verify(organisation_id=self.org.pk)
        self.assertEqual((problem.seq, problem.problem), (events[0].seq, "was altered"))

    def test_many_events_outside_a_transaction_are_refused_and_none_is_nothing(self) -> None:
        from kujdes.core.audit import AuditEntry, audit_record_many

        with system_scope():
            self.assertEqual(audit_record_many(actor=None, organisation=self.org, entries=[]), [])
            atomic = connection.in_atomic_block
            connection.in_atomic_block = False
            try:
                with self.assertRaises(RuntimeError):
                    audit_record_many(actor=None, organisation=self.org, entries=[AuditEntry("x.y")])
            finally:
                connection.in_atomic_block = atomic

    def verify(self) -> str:
        out = StringIO()
        call_command("audit", "verify", stdout=out)
        return out.getvalue()

    def test_verify_passes_on_an_intact_chain(self) -> None:
        self.assertIn("chain intact", self.verify())

    def test_verify_names_an_edited_event(self) -> None:
        with system_scope():
            event = AuditEvent.objects.filter(organisation=self.org).order_by("seq")[2]
        self.tamper("UPDATE core_auditevent SET action = 'membership.revoked' WHERE id = %s", [event.pk])
        with pytest.raises(CommandError, match=f"event {event.seq}: was altered"):
            self.verify()

    def test_verify_names_a_removed_event(self) -> None:
        with system_scope():
            event = AuditEvent.objects.filter(organisation=self.org).order_by("seq")[3]
        self.tamper("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
        with pytest.raises(CommandError, match=f"event {event.seq}: missing"):
            self.verify()

    def test_the_protection_officer_filters_and_exports(self) -> None:
        self.login(self.dpo)
        response = self.client.get(reverse("audit_log"), {"action": "membership."})
        actions = {event.action for event in response.context["page"]}
        self.assertEqual(actions, {"membership.assigned"})
        export = self.client.get(reverse("audit_log_export"), {"action": "unit.created"})
        self.assertEqual(export["Content-Type"], "text/csv; charset=utf-8")
        lines = b"".join(export.streaming_content).decode().splitlines()
        self.assertEqual(lines[0].split(",")[:3], ["organisation", "seq", "occurred_at"])
        self.assertEqual(len(lines) - 1, 3)  # Diocese A, Diocese B, Centre A1
        with system_scope():
            self.assertTrue(AuditEvent.objects.filter(action="audit.exported", actor=self.dpo).exists())

    def test_the_export_needs_a_recent_reauthentication(self) -> None:
        self.login(self.dpo, recently_authenticated=False)
        response = self.client.get(reverse("audit_log_export"))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("account_reauthenticate"), response["Location"])

    def test_a_bad_date_range_is_explained_not_a_crash(self) -> None:
        self.login(self.dpo)
        response = self.client.get(reverse("audit_log"), {"date_from": "2026-02-01", "date_to": "2026-01-01"})
        self.assertEqual(response.status_code, 400)
        response = self.client.get(reverse("audit_log"), {"date_from": "yesterday"})
        self.assertEqual(response.status_code, 400)

    def test_another_organisations_officer_sees_none_of_it(self) -> None:
        with system_scope():
            other_dpo = self.other_admin  # gets the role below
            membership_assign(
                actor=None, user=other_dpo, unit=self.other_root, role=Role.DATA_PROTECTION_OFFICER
            )
        self.login(other_dpo)
        response = self.client.get(reverse("audit_log"))
        self.assertEqual({event.organisation_id for event in response.context["page"]}, {self.other_org.pk})


@pytest.mark.postgres_only
class AuditPostgresTests(BaseTestCase):
    def test_the_runtime_role_cannot_update_or_delete_events(self) -> None:
        from django.db import ProgrammingError

        for statement in ("UPDATE core_auditevent SET action = 'x'", "DELETE FROM core_auditevent"):
            with (
                self.subTest(statement=statement),
                system_scope(),
                self.assertRaises(ProgrammingError),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement)


@pytest.mark.postgres_only
class ConcurrentAuditTests(TransactionTestCase):
    """Two writers appending at once still leave one unbroken chain."""

    databases = {"default", "keys"}

    def test_two_concurrent_writers_keep_the_chain_linear(self) -> None:
        with system_scope():
            from kujdes.core.services import network_get_or_create, organisation_create

            organisation = organisation_create(
                network=network_get_or_create(name="n"),
                code="cc",
                name="C",
                country="AL",
                languages=["sq"],
                default_language="sq",
                root_unit_name="Root",
            )
        errors: list[BaseException] = []

        def writer() -> None:
            try:
                with system_scope():
                    for _ in range(40):
                        with transaction.atomic():
                            audit_record(actor=None, organisation=organisation.pk, action="test.appended")
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=writer) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        with system_scope():
            self.assertEqual(AuditEvent.objects.filter(organisation=organisation).count(), 81)
            self.assertIsNone(audit_chain_verify(organisation_id=organisation.pk))
