"""The migrations that seal screening answers and results, event places and volunteers' phones.

Rows are written in the old plaintext form (the schema before the migrations, through the historical
models), the migrations run, and the raw rows hold tokens that open to what was written; a second
run changes nothing; unapplying gives the plaintext back. On PostgreSQL the migrations run as the
owner (as `kujdes migrate` does); the checks afterwards run as the runtime role under RLS.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.apps import apps as live_apps
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test import TransactionTestCase

from kujdes.accounts.models import User
from kujdes.cases.models import TraffickingEvent
from kujdes.cases.services import case_create
from kujdes.core.crypto import caches_clear, subject_key_destroy
from kujdes.core.models import Unit
from kujdes.core.rls import rls_policies_apply, runtime_role_grant
from kujdes.core.scoping import system_scope
from kujdes.core.sealing import plaintext_columns_seal
from kujdes.core.services import network_get_or_create, organisation_create
from kujdes.people.services import person_create
from kujdes.programme.models import Volunteer
from kujdes.screening.engine import screening_evaluate
from kujdes.screening.models import InstrumentVersion, Screening
from kujdes.screening.services import instruments_install

SEALING = [
    ("screening", "0002_answers_result_sealed"),
    ("cases", "0005_event_place_sealed"),
    ("programme", "0002_volunteer_phone_sealed"),
]
AT_RISK = ["migration_intention", "online_job_offer", "domestic_violence", "school_dropout"]
PHONE = "+355 69 482 7716"


class SealingMigrationTests(TransactionTestCase):
    databases = {"default", "keys"}

    def setUp(self) -> None:
        caches_clear()
        self.addCleanup(self.migrate_to_latest)
        with system_scope():
            organisation = organisation_create(
                network=network_get_or_create(name="Test network"),
                code="al",
                name="Org AL",
                country="AL",
                languages=["sq"],
                default_language="sq",
                root_unit_name="National office",
            )
            self.unit = Unit.objects.get(organisation=organisation)
            self.worker = User.objects.create_user(username="worker", organisation=organisation)
            self.girl = person_create(actor=None, unit=self.unit, given_name="Eni", birth_year=2012)
            self.erased = person_create(actor=None, unit=self.unit, given_name="Lule", birth_year=2011)
            self.case = case_create(
                actor=None, person=self.girl, unit=self.unit, opened_on=datetime.date(2026, 1, 5)
            )
            instruments_install(organisation=organisation)
            self.version = InstrumentVersion.objects.get(
                organisation=organisation, instrument__code="risk-prevention"
            )

    # -- running migrations as the owner ---------------------------------------------------------

    def as_owner(self, sql: str) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(sql)

    def migrate_back(self) -> Any:
        """Unapply the sealing migrations and their app's later ones (only them: Django's executor would
        re-render every model state of the project to go backwards, a minute on a busy machine); the
        apps before them."""
        loader = MigrationLoader(connection)
        recorder = MigrationRecorder(connection)
        self.as_owner("RESET ROLE")
        try:
            for sealing in SEALING:
                # The app's later migrations first (newest first): unapplying the sealing one alone
                # would rebuild its table (SQLite) from a state that knows nothing of them.
                # (backwards_plan: the descendants first, the sealing migration last).
                for node in [n for n in loader.graph.backwards_plan(sealing) if n[0] == sealing[0]]:
                    if node not in recorder.applied_migrations():
                        continue
                    migration = loader.graph.nodes[node]
                    with connection.schema_editor(atomic=migration.atomic) as editor:
                        migration.unapply(loader.project_state(node, at_end=True), editor)
                    recorder.record_unapplied(*node)
        finally:
            self.as_owner(f"SET ROLE {settings.DB_APP_ROLE}")
        return loader.project_state(self.before_sealing(loader), at_end=True).apps

    def before_sealing(self, loader: MigrationLoader) -> list[tuple[str, str]]:
        return [
            next(parent for parent in loader.graph.node_map[node].parents if parent.key[0] == node[0]).key
            for node in SEALING
        ]

    def migrate_to_latest(self) -> None:
        self.as_owner("RESET ROLE")
        try:
            executor = MigrationExecutor(connection)
            executor.migrate(executor.loader.graph.leaf_nodes())
            if connection.vendor == "postgresql":
                # What `kujdes migrate` does after migrating (post_migrate): tables made again by
                # the later migrations get their policies and the runtime role's privileges.
                rls_policies_apply(connection)
                runtime_role_grant(connection, settings.DB_APP_ROLE)
                # and, as the test set-up (conftest.py) gives it, TRUNCATE for the flush between tests.
                with connection.cursor() as cursor:
                    role = connection.ops.quote_name(settings.DB_APP_ROLE)
                    cursor.execute(f"GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {role}")
        finally:
            self.as_owner(f"SET ROLE {settings.DB_APP_ROLE}")

    # -- the old plaintext form --------------------------------------------------------------------

    def write_old_rows(self, old: Any) -> None:
        result = screening_evaluate(self.version.definition, AT_RISK, is_child=True)
        common = {
            "organisation_id": self.unit.organisation_id,
            "unit_id": self.unit.pk,
            "version_id": self.version.pk,
            "performed_on": datetime.date(2026, 2, 1),
            "performed_by_id": self.worker.pk,
            "age_group": "child",
            "outcome": result["outcome"],
            "level": result["level"],
        }
        screenings = old.get_model("screening", "Screening")._base_manager
        self.screening = screenings.create(person_id=self.girl.pk, answers=AT_RISK, result=result, **common)
        self.erased_screening = screenings.create(
            person_id=self.erased.pk,
            answers=["prior_abuse"],
            result={"positive_dimensions": ["individual"]},
            **common,
        )
        subject_key_destroy(key_id=self.erased.key_id)  # erased after the screening, before the upgrade
        events = old.get_model("cases", "TraffickingEvent")._base_manager
        common = {
            "organisation_id": self.unit.organisation_id,
            "case_id": self.case.pk,
            "event_type": "Exploitation",
        }
        self.event = events.create(country="GR", place="Selanik, the bar by the port", **common)
        self.placeless = events.create(country="AL", place="", **common)
        volunteers = old.get_model("programme", "Volunteer")._base_manager
        common = {
            "organisation_id": self.unit.organisation_id,
            "unit_id": self.unit.pk,
            "joined_on": "2025-09-01",
        }
        self.volunteer = volunteers.create(given_name="Arben", phone=PHONE, **common)
        self.phoneless = volunteers.create(given_name="Dritan", phone="", **common)

    def raw(self, table: str, column: str, pk: int) -> Any:
        with system_scope(), connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
            return cursor.fetchone()[0]

    # -- the test (one, because each migration back and forth costs seconds) -----------------------

    def test_old_plaintext_rows_are_sealed_in_batches_idempotently_and_reversibly(self) -> None:
        """Failed before with: the raw rows kept '["migration_intention", …]', 'Selanik, …' and
        '+355 69 482 7716', and an erased person's screening its '["prior_abuse"]' (there was no
        migration to seal them, nor a column for the positive dimensions)."""
        old_apps = self.migrate_back()
        with system_scope():
            self.write_old_rows(old_apps)
        self.assertIn("domestic_violence", str(self.raw("screening_screening", "answers", self.screening.pk)))
        self.migrate_to_latest()
        caches_clear()
        self.check_sealed()
        self.check_erased_plaintext_dropped()
        self.check_second_run_and_batches()
        self.check_unapplying()

    def check_sealed(self) -> None:
        for table, column, pk, secret in (
            ("screening_screening", "answers", self.screening.pk, "domestic_violence"),
            ("screening_screening", "result", self.screening.pk, "household"),
            ("cases_traffickingevent", "place", self.event.pk, "Selanik"),
            ("programme_volunteer", "phone", self.volunteer.pk, "7716"),
        ):
            with self.subTest(table=table, column=column):
                stored = self.raw(table, column, pk)
                self.assertTrue(stored.startswith("k1:"), stored[:80])
                self.assertNotIn(secret, stored)
        with system_scope():
            screening = Screening.objects.select_related("person").get(pk=self.screening.pk)
            self.assertEqual(screening.answers, AT_RISK)
            self.assertEqual((screening.result["level"], screening.level), ("high", "high"))
            self.assertEqual(screening.positive_dimensions, screening.result["positive_dimensions"])
            self.assertIn("household", screening.positive_dimensions)
            event = TraffickingEvent.objects.select_related("case__person").get(pk=self.event.pk)
            self.assertEqual((event.place, event.country), ("Selanik, the bar by the port", "GR"))
            self.assertIsNone(self.raw("cases_traffickingevent", "place", self.placeless.pk))
            volunteer = Volunteer.objects.get(pk=self.volunteer.pk)
            self.assertIsNotNone(volunteer.key_id)
            self.assertEqual(volunteer.phone, PHONE)
            phoneless = Volunteer.objects.get(pk=self.phoneless.pk)
            self.assertIsNone(phoneless.phone)
            self.assertNotIn(phoneless.key_id, (None, volunteer.key_id))

    def check_erased_plaintext_dropped(self) -> None:
        self.assertIsNone(self.raw("screening_screening", "answers", self.erased_screening.pk))
        self.assertIsNone(self.raw("screening_screening", "result", self.erased_screening.pk))
        dimensions = self.raw("screening_screening", "positive_dimensions", self.erased_screening.pk)
        self.assertEqual(
            json.loads(dimensions) if isinstance(dimensions, str) else dimensions, ["individual"]
        )

    def check_second_run_and_batches(self) -> None:
        def tokens() -> dict[int, str | None]:
            return {
                pk: phone.token if phone else None
                for pk, phone in Volunteer.objects.values_list("pk", "phone")
            }

        with system_scope():
            before = tokens()
            again = plaintext_columns_seal(
                model=live_apps.get_model("programme", "Volunteer"),
                using="default",
                fields=("phone",),
                key="key_id",
                create_keys=True,
                batch_size=1,
            )
            self.assertEqual((again, tokens()), (0, before))
        # Two rows written in plaintext behind the application's back, sealed one batch at a time.
        self.as_owner("RESET ROLE")
        with connection.cursor() as cursor:
            cursor.execute("UPDATE cases_traffickingevent SET place = 'Vlorë port'")
        self.as_owner(f"SET ROLE {settings.DB_APP_ROLE}")
        with system_scope():
            sealed = plaintext_columns_seal(
                model=live_apps.get_model("cases", "TraffickingEvent"),
                using="default",
                fields=("place",),
                key="case__person__key_id",
                batch_size=1,
            )
            places = [event.place for event in TraffickingEvent.objects.select_related("case__person")]
        self.assertEqual((sealed, places), (2, ["Vlorë port", "Vlorë port"]))

    def check_unapplying(self) -> None:
        self.migrate_back()
        answers = self.raw("screening_screening", "answers", self.screening.pk)
        self.assertEqual(json.loads(answers) if isinstance(answers, str) else answers, AT_RISK)
        self.assertEqual(self.raw("cases_traffickingevent", "place", self.event.pk), "Vlorë port")
        self.assertEqual(self.raw("programme_volunteer", "phone", self.volunteer.pk), PHONE)
        erased = self.raw("screening_screening", "answers", self.erased_screening.pk)
        self.assertEqual(json.loads(erased) if isinstance(erased, str) else erased, [])
