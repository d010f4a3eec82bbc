"""Test-wide set-up.

On PostgreSQL the suite runs as the non-owner runtime role, so that every test
also passes under row-level security; tests marked `postgres_only` are skipped
on SQLite and listed at the end of the run.
"""

from __future__ import annotations

import os

import pytest

_skipped_postgres_only: list[str] = []


def _on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _on_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)
            _skipped_postgres_only.append(item.nodeid)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    if _on_postgres():
        terminalreporter.write_line("Database: PostgreSQL (as the runtime role, under row-level security).")
        return
    terminalreporter.write_line(
        "Database: SQLite. PostgreSQL-only tests skipped (set DATABASE_URL to run them):"
    )
    for nodeid in _skipped_postgres_only:
        terminalreporter.write_line(f"  skipped: {nodeid}")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """After the owner migrated the test database, act as the runtime role."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    role = settings.DB_APP_ROLE
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        quoted = connection.ops.quote_name(role)
        # Tests that empty tables between them (live server) need TRUNCATE too.
        cursor.execute(f"GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {quoted}")
        cursor.execute(f"GRANT {quoted} TO CURRENT_USER")
    connection.close()
    connection.settings_dict["OPTIONS"]["assume_role"] = role
    yield
    connection.close()
    connection.settings_dict["OPTIONS"].pop("assume_role", None)
