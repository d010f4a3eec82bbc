"""Route expectations of the network's figures (collected by kujdes/core/tests/test_route_matrix.py).

Released figures are for the coordinator and the partners' focal points (admin and manager of "al",
the other admin for "fr"); every other role gets 403. A release that does not exist is 404.
"""

from __future__ import annotations

from typing import Any

from kujdes.core.tests.routes import OK, Route
from kujdes.network.figures.tests.data import figures_fixtures

READERS = ("coordinator", "admin", "manager", "other_admin")


def fixtures(t: Any) -> None:
    figures_fixtures(t)


def _readers(**kw: Any) -> Route:
    return Route(expect={name: OK for name in READERS}, others={403}, **kw)


def _dp(t: Any) -> dict[str, Any]:
    return {"public_id": t.figures_release_dp.public_id}


ROUTES: dict[str, Route] = {
    "network_figures": _readers(),
    "network_figures_export": _readers(kwargs=lambda t: {"export_format": "csv"}),
    "network_figures_release_sds": _readers(kwargs=lambda t: {**_dp(t), "position": 0}),
    "network_figures_release_ctdc": _readers(kwargs=_dp),
    "api:network_figures_side_by_side": _readers(anonymous={401}),
    # Adding the CTDC table: the focal points of "al" only (the others may read the release: 403).
    "network_figures_release_ctdc_make": Route(expect={"admin": OK, "manager": OK}, others={403}, kwargs=_dp),
}
