"""The indicator catalogue is data: it loads, it is complete in three languages, and it refuses mistakes."""

from __future__ import annotations

import copy
import tomllib

import pytest

from kujdes.reports.catalogue import CATALOGUE_FILE, CatalogueError, catalogue, catalogue_build
from kujdes.reports.engine import dims_allowed
from kujdes.reports.sources import DISAGGREGATIONS, SOURCES

# What issue 6 asks the catalogue to ship, by code.
REQUIRED = {
    "direct_beneficiaries",
    "indirect_beneficiaries",
    "family_members",
    "estimated_reach",
    "persons_screened",
    "persons_at_risk",
    "potential_victims",
    "official_victims",
    "referrals_sent",
    "services_delivered",
    "cases_opened",
    "cases_closed",
    "case_duration_median",
    "course_enrolments",
    "course_completions",
    "employed_3_months",
    "employed_6_months",
    "employed_12_months",
    "camp_participants",
    "awareness_activities",
    "people_reached",
    "volunteers_active",
    "volunteers_trained",
    "volunteer_hours",
    "joint_initiatives",
    "initiative_partners",
}


def _raw() -> dict:
    return tomllib.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))


def test_the_catalogue_ships_every_indicator_the_programme_reports() -> None:
    assert set(catalogue()) >= REQUIRED


@pytest.mark.parametrize("language", ["sq", "en", "fr"])
def test_every_indicator_has_its_name_and_definition_in_each_language(language: str) -> None:
    names = set()
    for indicator in catalogue().values():
        assert indicator.name(language).strip(), indicator.code
        assert indicator.definition(language).strip(), indicator.code
        names.add(indicator.name(language))
    assert len(names) == len(catalogue()), "two indicators share a name"


def test_the_required_disaggregations_are_offered() -> None:
    offered = {dim for indicator in catalogue().values() for dim in dims_allowed(indicator)}
    needed = {
        "sex", "age_group", "category", "unit", "municipality",
        "activity_type", "exploitation_type", "cross_border",
    }  # fmt: skip
    assert needed <= offered
    assert set(dims_allowed(catalogue()["direct_beneficiaries"])) >= needed


def test_every_source_field_used_exists() -> None:
    for indicator in catalogue().values():
        for source in indicator.sources:
            for name in indicator.filters:
                assert name in SOURCES[source].fields
        for dim in indicator.dims:
            assert dim in DISAGGREGATIONS


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda i: i.update(sources=["no_such_source"]), "unknown source"),
        (lambda i: i.update(formula="average"), "unknown formula"),
        (lambda i: i["name"].pop("fr"), "needed in fr"),
        (lambda i: i.update(dims=["shoe_size"]), "no source has the field"),
        (lambda i: i.update(filter={"colour": ["red"]}), "has no field colour"),
        (lambda i: i.update(chart="level"), "chart level"),
        (lambda i: i.pop("definition"), "definition"),
    ],
)
def test_a_mistake_in_the_catalogue_is_refused(change, message: str) -> None:  # type: ignore[no-untyped-def]
    raw = copy.deepcopy(_raw())
    change(raw["indicator"][0])  # direct beneficiaries
    with pytest.raises(CatalogueError, match=message):
        catalogue_build(raw)


def test_an_unknown_indicator_in_a_ratio_is_refused() -> None:
    raw = copy.deepcopy(_raw())
    ratio = next(i for i in raw["indicator"] if i["formula"] == "ratio")
    ratio["numerator"] = "nothing"
    with pytest.raises(CatalogueError, match="unknown indicator nothing"):
        catalogue_build(raw)
