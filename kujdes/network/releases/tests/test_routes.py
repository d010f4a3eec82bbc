"""The releases' own routes, by every actor (the whole matrix runs them too, slower)."""

from __future__ import annotations

from kujdes.core.scoping import system_scope
from kujdes.core.tests import test_route_matrix
from kujdes.core.tests.base import BaseTestCase
from kujdes.core.tests.routes import SIGNED_IN
from kujdes.network.releases.tests import routes


class ReleaseRouteTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            routes.fixtures(cls)

    # Borrowed, not inherited: inheriting would run the whole matrix here again.
    _response = test_route_matrix.RouteMatrixTests._response

    def test_each_release_route_answers_each_actor_as_expected(self) -> None:
        for name, route in routes.ROUTES.items():
            for actor in (None, *SIGNED_IN):
                expected = route.anonymous if actor is None else route.expect.get(actor, route.others)
                with self.subTest(route=name, actor=actor or "anonymous"):
                    status = self._response(route, name, actor).status_code
                    self.assertIn(status, expected, f"{name} as {actor or 'anonymous'} answered {status}")
