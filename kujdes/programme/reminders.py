"""Reminders of later rooms sent by the daily `kujdes programme_reminders` job.

The programme room must not import the rooms built on it, so a later room (the network's
follow-up actions, for instance) registers a source in its AppConfig.ready():

    reminder_source_register(code="network.exchanges", send=follow_up_reminders_send)

The job calls each source once per run, inside a system scope, with the day of the run;
`send(today=...)` returns the number of e-mails it sent, or None when it had already
sent that day's reminders. Each source remembers what it sent and never writes twice a day.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ReminderSource:
    code: str
    send: Callable[..., int | None]


_SOURCES: dict[str, ReminderSource] = {}


def reminder_source_register(*, code: str, send: Callable[..., int | None]) -> None:
    """Add a source to the daily job (idempotent: ready() may run twice in tests)."""
    _SOURCES[code] = ReminderSource(code=code, send=send)


def reminder_sources() -> list[ReminderSource]:
    return [_SOURCES[code] for code in sorted(_SOURCES)]


def reminder_sources_send(*, today: datetime.date) -> list[tuple[str, int | None]]:
    """Run every registered source for `today`: (code, e-mails sent or None if already sent today)."""
    return [(source.code, source.send(today=today)) for source in reminder_sources()]
