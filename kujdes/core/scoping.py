"""Tenant scope: which organisations the running code may touch.

Two locks, both fail-closed:
- django-scopes: tenant managers raise unless a scope is active, then filter
  to the scope's organisations;
- on PostgreSQL, row-level security (see `kujdes.core.rls`) reads the same
  organisations from session settings that this module keeps in step.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import DatabaseError, connection
from django_scopes import scope, scopes_disabled


@dataclass(frozen=True)
class DatabaseScope:
    organisation_ids: tuple[int, ...] = ()
    user_id: int | None = None
    all_organisations: bool = False


_NO_SCOPE = DatabaseScope()
_current: ContextVar[DatabaseScope] = ContextVar("kujdes_database_scope", default=_NO_SCOPE)


def _database_scope_apply(db_scope: DatabaseScope) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('kujdes.organisation_ids', %s, false),"
            " set_config('kujdes.user_id', %s, false),"
            " set_config('kujdes.all_organisations', %s, false)",
            [
                ",".join(str(pk) for pk in db_scope.organisation_ids),
                "" if db_scope.user_id is None else str(db_scope.user_id),
                "on" if db_scope.all_organisations else "off",
            ],
        )


@contextmanager
def _database_scope(db_scope: DatabaseScope) -> Iterator[None]:
    previous = _current.get()
    token = _current.set(db_scope)
    _database_scope_apply(db_scope)
    try:
        yield
    finally:
        _current.reset(token)
        try:
            _database_scope_apply(previous)
        except DatabaseError:
            # An aborted transaction cannot run set_config; drop the connection so
            # that the next use starts with no scope at all (fail-closed).
            connection.close()


@contextmanager
def tenant_scope(*, organisation_ids: Sequence[int], user_id: int | None = None) -> Iterator[None]:
    """Let the enclosed code see the rows of these organisations, and no others."""
    ids = tuple(sorted(set(organisation_ids)))
    with scope(organisation=list(ids)), _database_scope(DatabaseScope(ids, user_id)):
        yield


@contextmanager
def system_scope() -> Iterator[None]:
    """Every organisation: for management commands and migrations, never for requests."""
    with scopes_disabled(), _database_scope(DatabaseScope(all_organisations=True)):
        yield


@contextmanager
def user_lookup_scope(*, user_id: int) -> Iterator[None]:
    """Only the user's own memberships: used to find out which scope to open."""
    with scopes_disabled(), _database_scope(DatabaseScope(user_id=user_id)):
        yield
