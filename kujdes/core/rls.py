"""PostgreSQL row-level security: the second lock behind the scoped managers.

After every `migrate`, each table of a `TenantModel` gets RLS enabled and one
policy that admits a row only when its organisation is in the session's
`kujdes.organisation_ids` (set by `kujdes.core.scoping`). The application
connects as a non-owner role (KUJDES_DB_ROLE), so the policies bind it;
migrations run as the owner. Memberships are also visible to their own user,
so that the scope can be worked out from them.
"""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

POLICY_NAME = "kujdes_tenant"
# The settings are read in scalar subqueries: PostgreSQL evaluates each once per query (an InitPlan)
# instead of once per row, which made lists of thousands of rows several times slower.
_ORGANISATION_ALLOWED = (
    "((SELECT current_setting('kujdes.all_organisations', true)) = 'on'"
    " OR organisation_id = ANY ((SELECT string_to_array("
    "NULLIF(current_setting('kujdes.organisation_ids', true), ''), ',')::bigint[])::bigint[]))"
)
_OWN_ROWS = "user_id = (SELECT NULLIF(current_setting('kujdes.user_id', true), '')::bigint)"


def tenant_tables() -> list[tuple[str, bool]]:
    """(table, has user_id column) for every concrete tenant model."""
    from kujdes.core.models import TenantModel

    tables = []
    for model in apps.get_models():
        if issubclass(model, TenantModel) and not model._meta.proxy:
            has_user = any(field.attname == "user_id" for field in model._meta.concrete_fields)
            tables.append((model._meta.db_table, has_user))
    return sorted(tables)


def rls_policies_apply(connection: BaseDatabaseWrapper) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, has_user in tenant_tables():
            visible = f"{_ORGANISATION_ALLOWED} OR {_OWN_ROWS}" if has_user else _ORGANISATION_ALLOWED
            cursor.execute(f"ALTER TABLE {quote(table)} ENABLE ROW LEVEL SECURITY")
            cursor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {quote(table)}")
            cursor.execute(
                f"CREATE POLICY {POLICY_NAME} ON {quote(table)} USING ({visible})"
                f" WITH CHECK ({_ORGANISATION_ALLOWED})"
            )


def runtime_role_grant(connection: BaseDatabaseWrapper, role: str) -> None:
    """Give the runtime role the data privileges it needs, and no ownership."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            try:
                cursor.execute(f"CREATE ROLE {quote(role)} NOLOGIN")
            except Exception:  # noqa: BLE001 - lacking CREATEROLE is an operator's matter
                logger.warning("Role %s does not exist and could not be created; grants skipped.", role)
                return
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quote(role)}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quote(role)}"
        )
        cursor.execute(f"REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {quote(role)}")
        # The audit log is append-only for the application.
        cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON core_auditevent FROM {quote(role)}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quote(role)}")


def database_after_migrate(*, using: str = "default", **kwargs: Any) -> None:
    if using != "default":
        return  # the key store has its own database; the tenant tables live in "default"
    connection = connections[using]
    call_command("createcachetable", database=using, verbosity=0)
    if connection.vendor != "postgresql" or connection.settings_dict.get("OPTIONS", {}).get("assume_role"):
        # Only the owner may change tables (e.g. a test flush re-sends post_migrate as the runtime role).
        return
    rls_policies_apply(connection)
    if settings.DB_APP_ROLE:
        runtime_role_grant(connection, settings.DB_APP_ROLE)
