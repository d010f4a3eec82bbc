"""Route expectations of the federation room (collected by kujdes/core/tests/test_route_matrix.py).

The two doors other installations use answer without a session: the card (404 while this
installation has no federation identity) and the inbox (POST only; the matrix's form-encoded
empty body is refused with 400 before anything else).
"""

from __future__ import annotations

from kujdes.core.tests.routes import Route, everyone

ROUTES: dict[str, Route] = {
    "federation_card": everyone({200, 404}, anonymous={200, 404}),
    "federation_inbox": everyone({400}, anonymous={400}, method="POST"),
}
