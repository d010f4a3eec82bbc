"""Shard 2 of the route matrix's answers (see test_route_matrix.py): a file of its own, so that a
parallel run gives it to another worker."""

from __future__ import annotations

from kujdes.core.tests import test_route_matrix as matrix


class RouteAnswersShard2Tests(matrix.RouteWorld):
    def test_every_route_answers_every_actor_as_expected(self) -> None:
        self.answers_check(2)
