"""CTDC generalisation: every combination released has at least k records; nothing is lost uncounted."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kujdes.network.releases.ctdc import (
    COLUMNS,
    STEPS,
    ctdc_generalise,
    levels_after,
    region_of,
)

GENDERS = ["Feminine", "Masculine", "TransgenderFeminine", "NonConforming", "NonSpecifiedUnknown", ""]
COUNTRIES = ["AL", "FR", "UA", "MA", "LB", "IT", "XK", "NG", "ZZ", ""]
EXPLOITATION = [
    "ForcedLabour",
    "SexualExploitation",
    "ForcedMarriage",
    "OrganRemoval",
    "ForcedBegging",
    "Other",
]
CONTROL = ["DebtBondage", "PhysicalThreats", "WithholdsDocuments", "PsychoactiveSubstance", "TakesEarnings"]

records_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "year": st.sampled_from([2019, 2020, 2021, 2022, 2023, 2024, 2025, None]),
            "gender": st.sampled_from(GENDERS),
            "age": st.one_of(st.none(), st.integers(min_value=0, max_value=80)),
            "citizenship": st.sampled_from(COUNTRIES),
            "exploitation_country": st.sampled_from(COUNTRIES),
            "exploitation_types": st.lists(st.sampled_from(EXPLOITATION), max_size=2, unique=True),
            "control_methods": st.lists(st.sampled_from(CONTROL), max_size=3, unique=True),
            "recruitment_methods": st.lists(
                st.sampled_from(["ThroughFamilyOrFamilyEvents", "AtWork", "ThroughFriendsOrSocialEvents"]),
                max_size=1,
            ),
            "relationship": st.sampled_from(["Familial", "Acquainted", "Unaquainted", ""]),
        }
    ),
    max_size=400,
)


@settings(max_examples=60, deadline=None)
@given(records=records_strategy, k=st.integers(min_value=11, max_value=30))
def test_every_released_combination_has_at_least_k_records_and_the_rest_is_counted(
    records: list[dict], k: int
) -> None:
    table = ctdc_generalise(records, k=k)
    assert all(count >= k for _row, count in table.rows)
    assert table.released + table.withheld == len(records) == table.records
    assert table.withheld >= 0
    # Distinct combinations: a row is never split in two.
    keys = [tuple(sorted(row.items())) for row, _count in table.rows]
    assert len(keys) == len(set(keys))
    assert all(set(row) == set(COLUMNS) for row, _count in table.rows)


def _person(**overrides: object) -> dict:
    record = {
        "year": 2025,
        "gender": "Feminine",
        "age": 19,
        "citizenship": "AL",
        "exploitation_country": "IT",
        "exploitation_types": ["SexualExploitation"],
        "control_methods": ["DebtBondage"],
        "recruitment_methods": [],
        "relationship": "Acquainted",
    }
    record.update(overrides)
    return record


def test_alike_records_are_released_as_recorded_in_ctdc_codes() -> None:
    table = ctdc_generalise([_person() for _ in range(12)])
    assert table.withheld == 0
    assert table.levels == levels_after(0)
    ((row, count),) = table.rows
    assert count == 12
    assert row["yearOfRegistration"] == "2025"
    assert row["gender"] == "Female"
    assert row["ageBroad"] == "18--20"
    assert row["majorityStatus"] == "Adult"
    assert row["citizenship"] == "AL"
    assert row["CountryOfExploitation"] == "IT"
    assert row["isSexualExploit"] == "1"
    assert row["isForcedLabour"] == "0"
    assert row["meansOfControlDebtBondage"] == "1"
    assert row["meansOfControlThreats"] == "0"
    assert row["RecruiterRelationship"] == "Other"
    assert row["recruiterRelationOther"] == "1"


def test_a_few_different_records_make_the_table_generalise_and_a_lone_one_is_withheld() -> None:
    records = [_person(age=19 + i % 3, citizenship=["AL", "XK"][i % 2]) for i in range(30)]
    records.append(_person(gender="Masculine", age=60, citizenship="UA", exploitation_country="FR"))
    table = ctdc_generalise(records, k=11)
    assert table.withheld >= 1
    assert table.released + table.withheld == 31
    assert table.levels["age"] >= 1 or table.levels["citizenship"] >= 1
    assert all(count >= 11 for _row, count in table.rows)


def test_fewer_than_k_records_are_all_withheld() -> None:
    table = ctdc_generalise([_person() for _ in range(10)], k=11)
    assert table.rows == ()
    assert table.withheld == 10


def test_k_below_eleven_is_refused() -> None:
    with pytest.raises(ValueError):
        ctdc_generalise([], k=10)


def test_the_hierarchy_ends_with_every_attribute_at_its_last_level() -> None:
    last = levels_after(len(STEPS))
    assert last["year"] == 3 and last["gender"] == 2 and last["relation"] == 1
    assert last["citizenship"] == 2 and last["control"] == 2 and last["exploitation"] == 2


def test_countries_are_grouped_in_regions() -> None:
    assert region_of("AL") == region_of("XK") == "Southern Europe"
    assert region_of("MA") == "Northern Africa"
    assert region_of("ZZ") == "Other"
    assert region_of("") == ""


def test_microdata_repeats_each_combination_by_its_count() -> None:
    table = ctdc_generalise([_person() for _ in range(13)])
    rows = table.microdata()
    assert len(rows) == 13
    handle = io.StringIO()
    writer = csv.DictWriter(handle, fieldnames=list(table.columns))
    writer.writeheader()
    writer.writerows(rows)
    assert handle.getvalue().splitlines()[0].startswith("yearOfRegistration,gender,ageBroad")
