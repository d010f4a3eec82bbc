"""Route expectations of the HTCDS exchange pages (collected by kujdes/core/tests/test_route_matrix.py)."""

from __future__ import annotations

from kujdes.core.tests.routes import DENIED, OK, Route

ROUTES: dict[str, Route] = {
    # Case workers and programme managers export the cases they see (each their own).
    "htcds_export": Route(
        expect={n: OK for n in ("alice", "bob", "charlie", "dave", "manager")}, others=DENIED
    ),
    # Case workers import into their units; organisation admins and programme managers import into
    # a case worker's hands (issue 20, item 5).
    "htcds_import": Route(
        expect={n: OK for n in ("alice", "bob", "charlie", "dave", "admin", "other_admin", "manager")},
        others=DENIED,
    ),
}
