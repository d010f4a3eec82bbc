"""The library's own routes, every actor, as the route matrix checks them (a fast subset of it)."""

from __future__ import annotations

import re

from django.urls import get_resolver

from kujdes.core.scoping import system_scope
from kujdes.core.tests import test_route_matrix as matrix
from kujdes.core.tests.base import BaseTestCase
from kujdes.core.tests.routes import SIGNED_IN
from kujdes.network.practices.tests import routes


class PracticeRouteTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            routes.fixtures(cls)

    _response = matrix.RouteMatrixTests._response

    def test_every_library_route_has_an_expectation(self) -> None:
        names = {n for n in matrix.url_names(get_resolver().url_patterns) if "network_practice" in n}
        self.assertEqual(sorted(names - set(routes.ROUTES)), [])

    def test_every_library_route_answers_every_actor_as_expected(self) -> None:
        for name, route in routes.ROUTES.items():
            for actor in (None, *SIGNED_IN):
                expected = route.anonymous if actor is None else route.expect.get(actor, route.others)
                with self.subTest(route=name, actor=actor or "anonymous"):
                    response = self._response(route, name, actor)
                    self.assertIn(
                        response.status_code, expected, f"{name} as {actor}: {response.status_code}"
                    )
                    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                        self.assertRegex(response.content.decode(), re.compile(r"<title>[^<]+</title>"))
