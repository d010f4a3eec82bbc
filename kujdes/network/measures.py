"""Network measures: figures the network room counts from its own rows (not from people's data).

A milestone's indicator is one of the reports room's catalogue (progress from the partner's
statistics releases), a manual one (the partner reports a value), or one of these measures,
which sub-rooms register in their AppConfig.ready(), e.g. the practices a partner adopted
from others in a year. The milestones room reads them without importing the sub-rooms.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from kujdes.network.models import Partner


@dataclass(frozen=True)
class Measure:
    code: str
    name: Promise | str
    unit: Promise | str
    # (partner, first day, last day) → the count over that period, both days included.
    compute: Callable[[Partner, datetime.date, datetime.date], int]


_MEASURES: dict[str, Measure] = {}


def measure_register(
    *, code: str, name: Promise | str, unit: Promise | str, compute: Callable[..., int]
) -> None:
    """Make a measure available to milestones (idempotent: ready() may run twice in tests)."""
    _MEASURES[code] = Measure(code=code, name=name, unit=unit, compute=compute)


def measures() -> dict[str, Measure]:
    return dict(_MEASURES)


def measure_get(code: str) -> Measure | None:
    return _MEASURES.get(code)
