"""Tenant scope fails closed; unit subtrees; row-level security on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import TestCase
from django_scopes import ScopeError

from kujdes.core.models import Membership, Unit
from kujdes.core.rls import tenant_tables
from kujdes.core.roles import Perm
from kujdes.core.scoping import system_scope, tenant_scope
from kujdes.core.selectors import unit_subtree, units_for_actor
from kujdes.core.tests.base import BaseTestCase


class ScopeTests(BaseTestCase):
    def test_a_tenant_query_without_a_scope_raises(self) -> None:
        with self.assertRaises(ScopeError):
            list(Unit.objects.all())
        with self.assertRaises(ScopeError):
            Membership.objects.filter(user=self.alice).count()

    def test_a_scope_shows_its_organisations_only(self) -> None:
        with tenant_scope(organisation_ids=[self.org.pk]):
            organisations = set(Unit.objects.values_list("organisation_id", flat=True))
        self.assertEqual(organisations, {self.org.pk})

    def test_an_empty_scope_shows_nothing(self) -> None:
        with tenant_scope(organisation_ids=[]):
            self.assertEqual(Unit.objects.count(), 0)

    def test_the_subtree_is_the_unit_and_everything_below(self) -> None:
        with system_scope():
            names = set(unit_subtree(unit=self.diocese_a).values_list("name", flat=True))
            everything = set(unit_subtree(unit=self.root).values_list("name", flat=True))
        self.assertEqual(names, {"Diocese A", "Centre A1"})
        self.assertEqual(everything, {"National office", "Diocese A", "Diocese B", "Centre A1"})

    def test_paths_do_not_confuse_prefixes_of_numbers(self) -> None:
        # "/1/" must not match "/10/": the path ends every segment with a slash.
        with system_scope():
            for unit in Unit.objects.all():
                self.assertTrue(unit.path.endswith(f"/{unit.pk}/"))

    def test_a_case_worker_reaches_their_subtree(self) -> None:
        with tenant_scope(organisation_ids=[self.org.pk]):
            alice = set(units_for_actor(actor=self.alice, perm=Perm.CASE_VIEW).values_list("name", flat=True))
            charlie = set(
                units_for_actor(actor=self.charlie, perm=Perm.CASE_VIEW).values_list("name", flat=True)
            )
            volunteer = set(
                units_for_actor(actor=self.volunteer, perm=Perm.ATTENDANCE_RECORD).values_list(
                    "name", flat=True
                )
            )
            educator_cases = units_for_actor(actor=self.educator, perm=Perm.CASE_VIEW).count()
        self.assertEqual(alice, {"Diocese A", "Centre A1"})
        self.assertEqual(charlie, {"Diocese B"})
        self.assertEqual(volunteer, {"Centre A1"})
        self.assertEqual(educator_cases, 0)

    def test_the_subtree_query_uses_the_path_index_on_postgresql(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL only")
        with system_scope():
            queryset = Unit.objects.filter(path__startswith="/1/")
            plan = queryset.explain()
        self.assertIn("path", plan)


@pytest.mark.postgres_only
class RowLevelSecurityTests(BaseTestCase):
    """The second lock: even raw SQL that forgot its filter sees one organisation."""

    def raw_units(self) -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT organisation_id FROM core_unit")
            return {row[0] for row in cursor.fetchall()}

    def test_the_suite_runs_as_the_runtime_role(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            self.assertEqual(cursor.fetchone()[0], "kujdes_app")

    def test_raw_sql_without_a_filter_sees_only_the_scopes_organisation(self) -> None:
        with tenant_scope(organisation_ids=[self.org.pk]):
            self.assertEqual(self.raw_units(), {self.org.pk})
        with tenant_scope(organisation_ids=[self.other_org.pk]):
            self.assertEqual(self.raw_units(), {self.other_org.pk})

    def test_raw_sql_outside_any_scope_sees_nothing(self) -> None:
        self.assertEqual(self.raw_units(), set())

    def test_the_system_scope_sees_everything(self) -> None:
        with system_scope():
            self.assertEqual(self.raw_units(), {self.org.pk, self.other_org.pk})

    def test_writing_a_row_into_another_organisation_is_refused(self) -> None:
        from django.db import DatabaseError, transaction

        with (
            tenant_scope(organisation_ids=[self.org.pk]),
            self.assertRaises(DatabaseError),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "UPDATE core_unit SET organisation_id = %s WHERE organisation_id = %s",
                [self.other_org.pk, self.org.pk],
            )

    def test_memberships_are_visible_to_their_own_user_before_the_scope_is_known(self) -> None:
        from kujdes.core.scoping import user_lookup_scope

        with user_lookup_scope(user_id=self.alice.pk), connection.cursor() as cursor:
            cursor.execute("SELECT user_id FROM core_membership")
            self.assertEqual({row[0] for row in cursor.fetchall()}, {self.alice.pk})

    def test_every_tenant_table_has_row_level_security(self) -> None:
        with connection.cursor() as cursor:
            for table, _has_user in tenant_tables():
                cursor.execute("SELECT relrowsecurity FROM pg_class WHERE relname = %s", [table])
                self.assertTrue(cursor.fetchone()[0], table)
                cursor.execute("SELECT count(*) FROM pg_policies WHERE tablename = %s", [table])
                self.assertEqual(cursor.fetchone()[0], 1, table)

    def test_a_request_cannot_read_another_organisations_rows_by_raw_sql(self) -> None:
        # A view that forgot its filter still only gets the signed-in user's organisation.
        from django.test import RequestFactory

        from kujdes.core.middleware import TenantScopeMiddleware

        seen: set[int] = set()

        def forgetful_view(request):  # type: ignore[no-untyped-def]
            seen.update(self.raw_units())
            from django.http import HttpResponse

            return HttpResponse()

        request = RequestFactory().get("/")
        request.user = self.alice
        TenantScopeMiddleware(forgetful_view)(request)
        self.assertEqual(seen, {self.org.pk})


class TenantTablesTests(TestCase):
    def test_every_model_with_an_organisation_is_a_tenant_table(self) -> None:
        from django.apps import apps

        from kujdes.core.models import TenantModel

        for model in apps.get_models():
            fields = {field.name for field in model._meta.get_fields()}
            if "organisation" in fields and model._meta.app_label in {"core", "accounts"}:
                if model._meta.model_name == "user":
                    continue  # an account's home organisation; users are not tenant rows
                self.assertTrue(issubclass(model, TenantModel), model)
