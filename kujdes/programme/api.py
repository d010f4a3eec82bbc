"""JSON API of the programme room (mounted at /api/v1/ by kujdes/api.py)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["programme"])
