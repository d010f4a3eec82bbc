"""JSON API of case work: plans, tasks, services, follow-ups, notes, documents."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["case work"])
