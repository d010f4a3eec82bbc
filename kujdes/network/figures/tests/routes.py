"""Route expectations of the network's figures (collected by kujdes/core/tests/test_route_matrix.py)."""

from __future__ import annotations

from kujdes.core.tests.routes import Route

ROUTES: dict[str, Route] = {}
