"""Differential privacy of marginal tables (OpenDP) and the Synthetic Data Showcase aggregates format.

OpenDP's samplers take no seed, so these tests check statistical properties over many draws with
tolerances wide enough never to fail by chance in practice (several standard errors).
"""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kujdes.network.releases.dp import (
    DPError,
    dp_accounting,
    dp_measurement,
    dp_table,
    sds_aggregates,
)

TABLE = {"female": 40, "male": 25, "unknown": 3}


def test_a_gaussian_table_spends_what_opendp_reports() -> None:
    result = dp_table(TABLE, epsilon=1.0, delta=1e-6)
    measurement, scale = dp_measurement(size=3, epsilon=1.0, delta=1e-6)
    epsilon, delta = dp_accounting(measurement=measurement, mechanism="discrete_gaussian")
    assert result.epsilon == pytest.approx(epsilon)
    assert result.delta == pytest.approx(delta)
    assert result.epsilon <= 1.0 + 1e-9
    assert result.delta == pytest.approx(1e-6)
    assert result.scale == pytest.approx(scale)
    # The zCDP ρ of a Gaussian of scale σ at sensitivity 1 is 1 / (2σ²).
    assert result.rho == pytest.approx(1 / (2 * result.scale**2), rel=1e-6)


def test_a_laplace_table_is_pure_epsilon_with_scale_one_over_epsilon() -> None:
    result = dp_table(TABLE, epsilon=0.5, delta=1e-6, mechanism="discrete_laplace")
    assert result.delta == 0.0
    assert result.epsilon == pytest.approx(0.5)
    assert result.scale == pytest.approx(2.0, rel=1e-3)
    assert result.rho is None


def test_a_person_in_several_cells_costs_more_noise() -> None:
    one = dp_table(TABLE, epsilon=1.0, delta=1e-6, mechanism="discrete_laplace")
    three = dp_table(TABLE, epsilon=1.0, delta=1e-6, mechanism="discrete_laplace", max_cells_per_person=3)
    assert three.scale == pytest.approx(3 * one.scale, rel=1e-3)


def test_the_total_is_the_sum_of_non_negative_cells() -> None:
    for mechanism in ("discrete_gaussian", "discrete_laplace"):
        result = dp_table({"a": 0, "b": 1, "c": 2, "d": 50}, epsilon=0.3, delta=1e-6, mechanism=mechanism)
        assert all(isinstance(v, int) and v >= 0 for v in result.noisy.values())
        assert result.total == sum(result.noisy.values())
        assert list(result.noisy) == ["a", "b", "c", "d"]


@pytest.mark.parametrize("mechanism", ["discrete_gaussian", "discrete_laplace"])
def test_noisy_counts_are_unbiased_and_spread_as_the_scale_says(mechanism: str) -> None:
    # True counts far from zero, so that clamping at zero does not bias them.
    measurement, scale = dp_measurement(size=1000, epsilon=1.0, delta=1e-6, mechanism=mechanism)
    true = [1000] * 1000
    draws = [int(v) - 1000 for v in measurement(true)] + [int(v) - 1000 for v in measurement(true)]
    mean = statistics.fmean(draws)
    variance = statistics.pvariance(draws)
    # Discrete Gaussian: variance ≈ σ² (slightly below); discrete Laplace of scale b: 1 / (2 sinh²(1/(2b))).
    expected = scale**2 if mechanism == "discrete_gaussian" else 1 / (2 * math.sinh(1 / (2 * scale)) ** 2)
    standard_error = math.sqrt(expected / len(draws))
    assert abs(mean) < 5 * standard_error
    # 2,000 draws: the variance's standard error is about 5 % (the Laplace's tails are heavy), so
    # ±25 % is five standard errors.
    assert 0.75 * expected < variance < 1.25 * expected


def test_every_cell_is_noised_even_zero_ones() -> None:
    # σ ≈ 4.5 at ε = 1: the chance that 100 zero cells all stay at zero is nil.
    result = dp_table(dict.fromkeys(map(str, range(100)), 0), epsilon=1.0, delta=1e-6)
    assert any(v != 0 for v in result.noisy.values())


def test_an_empty_table_releases_nothing() -> None:
    result = dp_table({}, epsilon=1.0, delta=1e-6)
    assert result.noisy == {}
    assert result.total == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"epsilon": 0.0, "delta": 1e-6},
        {"epsilon": -1.0, "delta": 1e-6},
        {"epsilon": float("nan"), "delta": 1e-6},
        {"epsilon": 1.0, "delta": 0.0},
        {"epsilon": 1.0, "delta": 1.5},
        {"epsilon": 1.0, "delta": 1e-6, "mechanism": "uniform"},
        {"epsilon": 1.0, "delta": 1e-6, "max_cells_per_person": 0},
    ],
)
def test_bad_parameters_are_refused_with_a_message(kwargs: dict) -> None:
    with pytest.raises(DPError) as caught:
        dp_table(TABLE, **kwargs)
    assert str(caught.value)


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(DPError):
        dp_table({"a": -1}, epsilon=1.0, delta=1e-6)


def test_the_description_says_epsilon_and_delta_in_plain_words() -> None:
    from django.utils import translation

    with translation.override("en"):
        result = dp_table(TABLE, epsilon=1.0, delta=1e-6)
        laplace = dp_table(TABLE, epsilon=1.0, delta=1e-6, mechanism="discrete_laplace")
    assert "e^ε" in result.description
    assert "≈ 2.7" in result.description
    assert "1 in 1,000,000" in result.description
    assert "δ = 0" in laplace.description


# --- Synthetic Data Showcase aggregates ---------------------------------------------------------------


def test_sds_aggregates_has_the_tools_header_record_count_and_combinations() -> None:
    text = sds_aggregates(
        [
            ({"sex": "female"}, 40),
            ({"sex": "male"}, 25),
            ({"sex": "female", "age": "18-24"}, 12),
            ({}, 65),
        ]
    )
    assert text == (
        "selections\tprotected_count\n"
        "selections\t65\n"
        "sex:female\t40\n"
        "sex:male\t25\n"
        "age:18-24;sex:female\t12\n"
    )
    assert text.encode("utf-8").decode("utf-8") == text
    assert "\r" not in text


def test_sds_aggregates_counts_records_from_a_partition() -> None:
    text = sds_aggregates([({"sex": "female"}, 40), ({"sex": "male"}, 25)])
    assert text.splitlines()[1] == "selections\t65"


def test_sds_aggregates_takes_an_explicit_record_count() -> None:
    text = sds_aggregates([({"type": "labour"}, 40), ({"type": "sexual"}, 25)], records=50)
    assert text.splitlines()[1] == "selections\t50"


def test_sds_aggregates_needs_the_record_count_when_rows_mix_attributes() -> None:
    with pytest.raises(ValueError):
        sds_aggregates([({"sex": "female"}, 40), ({"age": "18-24"}, 25)])


def test_sds_separators_inside_values_do_not_split_them() -> None:
    text = sds_aggregates([({"place": "Tirana;Durrës"}, 12)], records=12)
    assert text.splitlines()[2] == "place:Tirana Durrës\t12"


@settings(max_examples=50, deadline=None)
@given(
    st.dictionaries(
        st.text(alphabet="abcdëç", min_size=1, max_size=6),
        st.integers(min_value=0, max_value=10_000),
        max_size=8,
    )
)
def test_sds_aggregates_of_a_dp_table_parse_back_to_its_cells(counts: dict[str, int]) -> None:
    result = dp_table(counts, epsilon=1.0, delta=1e-6, mechanism="discrete_laplace")
    text = sds_aggregates([({"value": key}, count) for key, count in result.noisy.items()])
    lines = text.split("\n")
    assert lines[0] == "selections\tprotected_count"
    assert lines[1] == f"selections\t{result.total}"
    assert lines[-1] == ""
    parsed = {}
    for line in lines[2:-1]:
        selection, count = line.split("\t")
        name, value = selection.split(":")
        assert name == "value"
        parsed[value] = int(count)
    assert parsed == result.noisy


def test_several_tables_share_one_budget() -> None:
    from django.utils import translation

    from kujdes.network.releases.dp import dp_tables

    with translation.override("en"):
        results, description = dp_tables(
            {"sex": {"f": 40, "m": 25}, "age": {"0": 10, "18": 55}}, epsilon=1.0, delta=1e-6
        )
    assert sum(r.epsilon for r in results.values()) == pytest.approx(1.0, rel=1e-6)
    assert sum(r.delta for r in results.values()) == pytest.approx(1e-6)
    assert all(r.epsilon == pytest.approx(0.5, rel=1e-6) for r in results.values())
    single = dp_table({"f": 40, "m": 25}, epsilon=1.0, delta=1e-6)
    assert results["sex"].scale > single.scale
    assert "1 in 1,000,000" in description
