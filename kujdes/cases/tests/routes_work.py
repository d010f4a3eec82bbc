"""Route expectations of case work: plans, tasks, services, follow-ups, notes, documents, my work."""

from __future__ import annotations

from typing import Any

from kujdes.core.tests.routes import Route  # noqa: F401

ROUTES: dict[str, Route] = {}


def fixtures(t: Any) -> None:
    """Objects the routes need, created on the test class `t` (inside a system scope)."""
