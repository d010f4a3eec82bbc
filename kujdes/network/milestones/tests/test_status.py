"""The status of a milestone for a partner: pure functions, checked by properties."""

from __future__ import annotations

import datetime

from django.test import SimpleTestCase
from hypothesis import given
from hypothesis import strategies as st

from kujdes.network.milestones.models import Direction
from kujdes.network.milestones.selectors import (
    STATUS_RANK,
    Status,
    milestone_status,
    pro_rata_target,
    year_elapsed,
)

values = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)
directions = st.sampled_from([Direction.INCREASE, Direction.DECREASE])


class StatusTests(SimpleTestCase):
    @given(low=values, high=values, expected=values)
    def test_more_progress_never_worsens_an_increasing_milestone(
        self, low: float, high: float, expected: float
    ) -> None:
        low, high = sorted((low, high))
        worse = milestone_status(value=low, expected=expected, direction=Direction.INCREASE)
        better = milestone_status(value=high, expected=expected, direction=Direction.INCREASE)
        self.assertLessEqual(STATUS_RANK[better], STATUS_RANK[worse])

    @given(low=values, high=values, expected=values)
    def test_a_smaller_value_never_worsens_a_decreasing_milestone(
        self, low: float, high: float, expected: float
    ) -> None:
        low, high = sorted((low, high))
        better = milestone_status(value=low, expected=expected, direction=Direction.DECREASE)
        worse = milestone_status(value=high, expected=expected, direction=Direction.DECREASE)
        self.assertLessEqual(STATUS_RANK[better], STATUS_RANK[worse])

    @given(value=values, low=values, high=values, direction=directions)
    def test_asking_for_more_never_improves_an_increasing_status(
        self, value: float, low: float, high: float, direction: str
    ) -> None:
        low, high = sorted((low, high))
        easy = milestone_status(value=value, expected=low, direction=direction)
        hard = milestone_status(value=value, expected=high, direction=direction)
        if direction == Direction.INCREASE:
            self.assertLessEqual(STATUS_RANK[easy], STATUS_RANK[hard])
        else:  # a higher ceiling is easier to stay under
            self.assertLessEqual(STATUS_RANK[hard], STATUS_RANK[easy])

    @given(expected=st.none() | values, direction=directions)
    def test_no_value_is_no_data_whatever_the_target(self, expected: float | None, direction: str) -> None:
        self.assertEqual(milestone_status(value=None, expected=expected, direction=direction), Status.NO_DATA)

    @given(value=values, direction=directions)
    def test_a_value_without_a_target_says_so(self, value: float, direction: str) -> None:
        self.assertEqual(milestone_status(value=value, expected=None, direction=direction), Status.NO_TARGET)

    def test_the_thresholds_are_ninety_and_sixty_percent_of_the_pro_rata_target(self) -> None:
        cases = [
            (90, Status.ON_TRACK),
            (89.9, Status.AT_RISK),
            (60, Status.AT_RISK),
            (59.9, Status.OFF_TRACK),
        ]
        for value, status in cases:
            with self.subTest(value=value):
                self.assertEqual(milestone_status(value=value, expected=100), status)

    def test_a_decreasing_milestone_is_judged_against_its_ceiling(self) -> None:
        self.assertEqual(
            milestone_status(value=10, expected=10, direction=Direction.DECREASE), Status.ON_TRACK
        )
        self.assertEqual(
            milestone_status(value=11, expected=10, direction=Direction.DECREASE), Status.ON_TRACK
        )
        self.assertEqual(
            milestone_status(value=12, expected=10, direction=Direction.DECREASE), Status.AT_RISK
        )
        self.assertEqual(
            milestone_status(value=20, expected=10, direction=Direction.DECREASE), Status.OFF_TRACK
        )

    def test_a_target_of_zero(self) -> None:
        self.assertEqual(milestone_status(value=0, expected=0), Status.ON_TRACK)
        self.assertEqual(milestone_status(value=5, expected=0), Status.ON_TRACK)
        self.assertEqual(milestone_status(value=0, expected=0, direction=Direction.DECREASE), Status.ON_TRACK)
        self.assertEqual(
            milestone_status(value=1, expected=0, direction=Direction.DECREASE), Status.OFF_TRACK
        )

    def test_the_year_elapsed_runs_from_a_day_to_the_whole_year(self) -> None:
        self.assertEqual(year_elapsed(year=2026, today=datetime.date(2027, 1, 5)), 1.0)
        self.assertEqual(year_elapsed(year=2027, today=datetime.date(2026, 12, 31)), 0.0)
        self.assertAlmostEqual(year_elapsed(year=2026, today=datetime.date(2026, 1, 1)), 1 / 365)
        self.assertEqual(year_elapsed(year=2026, today=datetime.date(2026, 12, 31)), 1.0)
        self.assertAlmostEqual(year_elapsed(year=2028, today=datetime.date(2028, 7, 1)), 183 / 366)

    def test_a_count_target_is_shared_over_the_year_and_a_level_is_not(self) -> None:
        self.assertEqual(pro_rata_target(target=120, elapsed=0.5), 60)
        self.assertEqual(pro_rata_target(target=70, elapsed=0.5, cumulative=False), 70)

    @given(
        target=values,
        day=st.dates(min_value=datetime.date(2026, 1, 1), max_value=datetime.date(2026, 12, 31)),
    )
    def test_the_pro_rata_target_never_exceeds_the_target(self, target: float, day: datetime.date) -> None:
        elapsed = year_elapsed(year=2026, today=day)
        self.assertLessEqual(pro_rata_target(target=target, elapsed=elapsed), target)
