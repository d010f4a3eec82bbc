"""Test-wide set-up.

On PostgreSQL the suite runs as the non-owner runtime role, so that every test
also passes under row-level security; tests marked `postgres_only` are skipped
on SQLite and listed at the end of the run.
"""

from __future__ import annotations

import os

import pytest


def _on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _on_postgres():
        # A test whose live server sees the test's data only through SQLite's shared connection runs in
        # the SQLite pass (CI runs both): its skip here is the database's, not a missing browser's.
        sqlite_only = pytest.mark.skip(reason="runs on SQLite only (the SQLite pass runs it)")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(sqlite_only)
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _browser_skips(config: pytest.Config) -> list[str]:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    return sorted(
        r.nodeid
        for r in skipped
        if ("browser" in getattr(r, "keywords", {}) or "test_browser" in r.nodeid)
        and "sqlite_only" not in getattr(r, "keywords", {})
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Where browsers must run (KUJDES_REQUIRE_BROWSER=1, set by .ci/run), a skipped browser test
    fails the run."""
    if os.environ.get("KUJDES_REQUIRE_BROWSER") != "1" or hasattr(session.config, "workerinput"):
        return
    skips = _browser_skips(session.config)
    if skips:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(
                f"FAILED: {len(skips)} browser tests skipped where browsers are required:", red=True
            )


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    """Say which database ran, and list every skipped test with its reason (read from the reports,
    so that it works the same under pytest-xdist, where the workers collect)."""
    if _on_postgres():
        terminalreporter.write_line("Database: PostgreSQL (as the runtime role, under row-level security).")
    else:
        terminalreporter.write_line(
            "Database: SQLite (PostgreSQL-only tests are skipped: set DATABASE_URL to run them)."
        )
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if getattr(r, "nodeid", "")]
    if skipped:
        terminalreporter.write_line(f"Skipped tests ({len(skipped)}):")
        for report in sorted(skipped, key=lambda r: r.nodeid):
            terminalreporter.write_line(f"  skipped: {report.nodeid} — {_skip_reason(report)}")


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
