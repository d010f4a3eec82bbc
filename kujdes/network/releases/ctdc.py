"""CTDC-coded records, generalised until every combination counts at least k persons (pure: no database).

The Counter Trafficking Data Collaborative (CTDC, run by IOM) publishes its global k-anonymised
dataset one row per victim record, in columns such as `yearOfRegistration`, `gender`, `ageBroad`,
`citizenship`, `CountryOfExploitation`, `isForcedLabour`…, `meansOfControlDebtBondage`… and
`recruiterRelationFamily`…; flags are 1 or 0, an unknown or suppressed value is empty. This module
turns case-level coded attributes (HTCDS codes, as the cases room stores them; no names, no ids) into
those columns, and generalises them along a fixed hierarchy until every combination of all the
columns has at least k records (k ≥ 11, CTDC's own rule).

The hierarchy, one step at a time, in this order (each step raises one attribute by one level;
"rare" means fewer than k records in the whole input):

  1. means of control: the five commonest kinds kept, the others counted as "other"
  2. means of control: withheld (empty)
  3. age: CTDC's nine bands → four (0–17, 18–29, 30–47, 48+)
  4. citizenship: country → region (UN geoscheme, network-relevant subregions), rare regions → "Other"
  5. country of exploitation: the same
  6. year of registration → two-year span ("2024-2025")
  7. types of exploitation: the rare ones (marriage, military, organ removal, slavery) → "other"
  8. relation to the recruiter: withheld (empty)
  9. age → minor / adult (0–17, 18+)
  10. year → five-year span ("2021-2025")
  11. citizenship: withheld
  12. country of exploitation: withheld
  13. types of exploitation: withheld
  14. gender: rare values (transgender, non-conforming) → empty
  15. gender: withheld
  16. year: withheld

After each step we look at the records in combinations of fewer than k. We stop at the first level
where they are at most `suppression_limit` of the records (5 % by default, ARX's usual setting) and
withhold exactly those records (they are counted, never shown). If no level gets there, the last
level is used and its small combinations withheld. A record is never altered beyond its level: the
same level applies to every record (global recoding), so the output can be read as one table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_K = 11
MIN_K = 11

# --- CTDC's columns -------------------------------------------------------------------------------------

EXPLOITATION_COLUMNS = (
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
    "isSexAndLabour",
    "isForcedMarriage",
    "isForcedMilitary",
    "isOrganRemoval",
    "isSlaveryAndPractices",
)
CONTROL_COLUMNS = (
    "meansOfControlDebtBondage",
    "meansOfControlTakesEarnings",
    "meansOfControlRestrictsFinancialAccess",
    "meansOfControlThreats",
    "meansOfControlPsychologicalAbuse",
    "meansOfControlPhysicalAbuse",
    "meansOfControlSexualAbuse",
    "meansOfControlFalsePromises",
    "meansOfControlPsychoactiveSubstances",
    "meansOfControlRestrictsMedicalCare",
    "meansOfControlExcessiveWorkingHours",
    "meansOfControlThreatOfLawEnforcement",
    "meansOfControlWithholdsNecessities",
    "meansOfControlWithholdsDocuments",
    "meansOfControlOther",
    "meansOfControlNotSpecified",
)
RELATION_COLUMNS = (
    "RecruiterRelationship",
    "recruiterRelationIntimatePartner",
    "recruiterRelationFriend",
    "recruiterRelationFamily",
    "recruiterRelationOther",
    "recruiterRelationUnknown",
)
COLUMNS: tuple[str, ...] = (
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "majorityStatus",
    "citizenship",
    "CountryOfExploitation",
    *EXPLOITATION_COLUMNS,
    *CONTROL_COLUMNS,
    *RELATION_COLUMNS,
)

# --- HTCDS codes → CTDC -----------------------------------------------------------------------------------

GENDER = {
    "Feminine": "Female",
    "Masculine": "Male",
    "TransgenderFeminine": "Transgender/NonConforming",
    "TransgenderMasculine": "Transgender/NonConforming",
    "NonConforming": "Transgender/NonConforming",
}
# CTDC counts begging under forced labour (typeOfLabourBegging); child labour is forced labour of a child.
EXPLOITATION = {
    "ForcedLabour": "isForcedLabour",
    "ChildLabour": "isForcedLabour",
    "ForcedBegging": "isForcedLabour",
    "SexualExploitation": "isSexualExploit",
    "ForcedMarriage": "isForcedMarriage",
    "ForcedMilitaryByNonStateActors": "isForcedMilitary",
    "OrganRemoval": "isOrganRemoval",
    "Servitude": "isSlaveryAndPractices",
    "ForcedAdoption": "isOtherExploit",
    "Surrogacy": "isOtherExploit",
    "Other": "isOtherExploit",
}
RARE_EXPLOITATION = ("isForcedMarriage", "isForcedMilitary", "isOrganRemoval", "isSlaveryAndPractices")
CONTROL = {
    "PhysicalThreats": "meansOfControlThreats",
    "ThreatensChildrenFamily": "meansOfControlThreats",
    "ThreatsLawEnforcement": "meansOfControlThreatOfLawEnforcement",
    "DebtBondage": "meansOfControlDebtBondage",
    "FalsePromises": "meansOfControlFalsePromises",
    "PhysicalAbuse": "meansOfControlPhysicalAbuse",
    "SexualAbuse": "meansOfControlSexualAbuse",
    "TakesEarnings": "meansOfControlTakesEarnings",
    "RestrictsFinancialAccess": "meansOfControlRestrictsFinancialAccess",
    "RestrictsMedicalCare": "meansOfControlRestrictsMedicalCare",
    "WithholdsNecessities": "meansOfControlWithholdsNecessities",
    "PsychologicalAbuse": "meansOfControlPsychologicalAbuse",
    "PsychoactiveSubstance": "meansOfControlPsychoactiveSubstances",
    "ExcessiveWorkingHours": "meansOfControlExcessiveWorkingHours",
    "WithholdsDocuments": "meansOfControlWithholdsDocuments",
    "Other": "meansOfControlOther",
}
COMMON_CONTROL = (
    "meansOfControlDebtBondage",
    "meansOfControlTakesEarnings",
    "meansOfControlThreats",
    "meansOfControlPsychologicalAbuse",
    "meansOfControlPhysicalAbuse",
)
# HTCDS vic_RelationshipToTrafficker; when it is not recorded, a recruitment through family or friends
# (vic_MethodOfRecruitment) says who the recruiter was.
RELATION = {"Familial": "Family", "Acquainted": "Other", "Unaquainted": "Other"}
RECRUITMENT_RELATION = {"ThroughFamilyOrFamilyEvents": "Family", "ThroughFriendsOrSocialEvents": "Friend"}
RELATION_FLAG = {
    "IntimatePartner": "recruiterRelationIntimatePartner",
    "Friend": "recruiterRelationFriend",
    "Family": "recruiterRelationFamily",
    "Other": "recruiterRelationOther",
    "Unknown": "recruiterRelationUnknown",
}

# CTDC's age bands (ageBroad), then the wider ones of the hierarchy.
AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 8, "0--8"),
    (9, 17, "9--17"),
    (18, 20, "18--20"),
    (21, 23, "21--23"),
    (24, 26, "24--26"),
    (27, 29, "27--29"),
    (30, 38, "30--38"),
    (39, 47, "39--47"),
    (48, None, "48+"),
)
WIDE_AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 17, "0--17"),
    (18, 29, "18--29"),
    (30, 47, "30--47"),
    (48, None, "48+"),
)
MAJORITY_BANDS: tuple[tuple[int, int | None, str], ...] = ((0, 17, "0--17"), (18, None, "18+"))

# Country (ISO 3166-1 alpha-2) → region: the UN geoscheme's subregions where the network works,
# coarser elsewhere. A country not listed is "Other".
# fmt: off
REGIONS: dict[str, tuple[str, ...]] = {
    "Southern Europe": ("AL", "BA", "XK", "ME", "MK", "RS", "HR", "SI", "IT", "GR", "ES", "PT", "MT", "CY"),
    "Eastern Europe": ("UA", "BG", "RO", "MD", "BY", "RU", "PL", "CZ", "SK", "HU"),
    "Western Europe": ("FR", "DE", "BE", "NL", "LU", "AT", "CH", "MC", "LI"),
    "Northern Europe": ("GB", "IE", "SE", "NO", "DK", "FI", "IS", "EE", "LV", "LT"),
    "Western Asia": ("AM", "AZ", "GE", "TR", "LB", "SY", "IQ", "JO", "IL", "PS", "SA", "AE", "KW", "QA", "BH",
                     "OM", "YE"),
    "Northern Africa": ("MA", "DZ", "TN", "LY", "EG", "SD", "EH"),
    "Sub-Saharan Africa": ("NG", "GH", "CI", "SN", "CM", "ER", "ET", "SO", "GN", "ML", "NE", "CD", "KE"),
    "Southern and Central Asia": ("AF", "PK", "IN", "BD", "LK", "NP", "IR", "UZ", "TJ", "KG", "KZ", "TM"),
    "Eastern and South-Eastern Asia": ("CN", "VN", "PH", "TH", "ID", "MM", "KH", "LA", "MY", "KR", "JP"),
    "Americas": ("US", "CA", "MX", "BR", "CO", "VE", "PE", "AR", "CL", "EC", "BO", "DO", "HT", "CU"),
}
# fmt: on
COUNTRY_REGION = {country: region for region, countries in REGIONS.items() for country in countries}
OTHER_REGION = "Other"


def region_of(country: str) -> str:
    return COUNTRY_REGION.get(country.upper(), OTHER_REGION) if country else ""


# --- the hierarchy ------------------------------------------------------------------------------------------

Cells = tuple[tuple[str, str], ...]  # (column, value) pairs of one attribute at one level


@dataclass(frozen=True)
class Attribute:
    """One CTDC attribute: how a record shows at each level (0: as recorded)."""

    name: str
    levels: tuple[str, ...]  # what each level means, for the documentation and the output
    show: Callable[[Mapping[str, Any], int, Mapping[str, Any]], Cells]


def _band(age: Any, bands: Sequence[tuple[int, int | None, str]]) -> str:
    if not isinstance(age, int) or age < 0:
        return ""
    for lower, upper, label in bands:
        if age >= lower and (upper is None or age <= upper):
            return label
    return ""


def _span(year: Any, width: int) -> str:
    if not isinstance(year, int) or year <= 0:
        return ""
    if width == 1:
        return str(year)
    # Spans aligned on the calendar (2020-2021, 2022-2023; 2016-2020, 2021-2025) so that all records
    # of a release share them.
    start = year - (year - (2000 if width == 2 else 2001)) % width
    return f"{start}-{start + width - 1}"


def _show_year(record: Mapping[str, Any], level: int, rare: Mapping[str, Any]) -> Cells:
    widths = (1, 2, 5)
    value = _span(record.get("year"), widths[level]) if level < len(widths) else ""
    return (("yearOfRegistration", value),)


def _show_gender(record: Mapping[str, Any], level: int, rare: Mapping[str, Any]) -> Cells:
    value = GENDER.get(str(record.get("gender") or ""), "")
    if level >= 1 and value not in ("Female", "Male"):
        value = ""
    if level >= 2:
        value = ""
    return (("gender", value),)


def _show_age(record: Mapping[str, Any], level: int, rare: Mapping[str, Any]) -> Cells:
    age = record.get("age")
    bands = (AGE_BANDS, WIDE_AGE_BANDS, MAJORITY_BANDS)[min(level, 2)]
    band = _band(age, bands)
    majority = "" if band == "" else ("Minor" if isinstance(age, int) and age < 18 else "Adult")
    return (("ageBroad", band), ("majorityStatus", majority))


def _show_country(column: str, key: str) -> Callable[[Mapping[str, Any], int, Mapping[str, Any]], Cells]:
    def show(record: Mapping[str, Any], level: int, rare: Mapping[str, Any]) -> Cells:
        country = str(record.get(key) or "").upper()
        if level == 0:
            value = country
        elif level == 1:
            value = region_of(country)
            if value and value in rare.get(key, ()):
                value = OTHER_REGION
        else:
            value = ""
        return ((column, value),)

    return show


def _flags(columns: Sequence[str], present: set[str], known: bool) -> Cells:
    return tuple((column, ("1" if column in present else "0") if known else "") for column in columns)


def _show_exploitation(record: Mapping[str, Any], level: int, rare: Mapping[str, Any]) -> Cells:
    codes = list(record.get("exploitation_types") or [])
    if level >= 2 or not codes:
        return _flags(EXPLOITATION_COLUMNS, set(), False)
    present = {EXPLOITATION.get(code, "isOtherExploit") for code in codes}
    if level >= 1 and present & set(RARE_EXPLOITATION):
        present = (present - set(RARE_EXPLOITATION)) | {"isOtherExploit"}
    if {"isForcedLabour", "isSexualExploit"} <= present:
        present.add("isSexAndLabour")
    if level >= 1:
        # The rare columns are then always empty: the data no longer says anything about them.
        cells = dict(_flags(EXPLOITATION_COLUMNS, present, True))
        cells.update(dict.fromkeys(RARE_EXPLOITATION, ""))
        return tuple(cells.items())
    return _flags(EXPLOITATION_COLUMNS, present, True)


def _show_control(record: Mapping[str, Any], level: int, rare: Mapping[str, Any]) -> Cells:
    if level >= 2:
        return _flags(CONTROL_COLUMNS, set(), False)
    codes = list(record.get("control_methods") or [])
    present = {CONTROL.get(code, "meansOfControlOther") for code in codes} or {"meansOfControlNotSpecified"}
    if level == 1:
        kept = set(COMMON_CONTROL) | {"meansOfControlNotSpecified"}
        if present - kept:
            present = (present & kept) | {"meansOfControlOther"}
        cells = dict(_flags(CONTROL_COLUMNS, present, True))
        cells.update({c: "" for c in CONTROL_COLUMNS if c not in kept and c != "meansOfControlOther"})
        return tuple(cells.items())
    return _flags(CONTROL_COLUMNS, present, True)


def _relation(record: Mapping[str, Any]) -> str:
    recorded = RELATION.get(str(record.get("relationship") or ""))
    if recorded:
        return recorded
    for code in record.get("recruitment_methods") or []:
        if code in RECRUITMENT_RELATION:
            return RECRUITMENT_RELATION[code]
    return "Unknown"


def _show_relation(record: Mapping[str, Any], level: int, rare: Mapping[str, Any]) -> Cells:
    if level >= 1:
        return tuple((column, "") for column in RELATION_COLUMNS)
    relation = _relation(record)
    flags = _flags(RELATION_COLUMNS[1:], {RELATION_FLAG[relation]}, True)
    return (("RecruiterRelationship", relation), *flags)


ATTRIBUTES: dict[str, Attribute] = {
    "year": Attribute("year", ("year", "two-year span", "five-year span", "withheld"), _show_year),
    "gender": Attribute("gender", ("as recorded", "rare values → unknown", "withheld"), _show_gender),
    "age": Attribute("age", ("CTDC's nine bands", "four bands", "minor or adult"), _show_age),
    "citizenship": Attribute(
        "citizenship", ("country", "region", "withheld"), _show_country("citizenship", "citizenship")
    ),
    "exploitation_country": Attribute(
        "exploitation_country",
        ("country", "region", "withheld"),
        _show_country("CountryOfExploitation", "exploitation_country"),
    ),
    "exploitation": Attribute(
        "exploitation", ("every type", "rare types → other", "withheld"), _show_exploitation
    ),
    "control": Attribute(
        "control", ("every kind", "five commonest, others → other", "withheld"), _show_control
    ),
    "relation": Attribute("relation", ("as recorded", "withheld"), _show_relation),
}

# The fixed order of the generalisation steps (see the module's docstring).
STEPS: tuple[str, ...] = (
    "control",
    "control",
    "age",
    "citizenship",
    "exploitation_country",
    "year",
    "exploitation",
    "relation",
    "age",
    "year",
    "citizenship",
    "exploitation_country",
    "exploitation",
    "gender",
    "gender",
    "year",
)


def levels_after(steps: int) -> dict[str, int]:
    """The level of each attribute after the first `steps` steps."""
    levels = dict.fromkeys(ATTRIBUTES, 0)
    for name in STEPS[:steps]:
        levels[name] += 1
    return levels


# --- generalisation -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CtdcTable:
    """Generalised records: combinations in CTDC's columns with their counts (each ≥ k); what was withheld."""

    k: int
    columns: tuple[str, ...]
    rows: tuple[tuple[dict[str, str], int], ...]
    levels: dict[str, int]
    level_names: dict[str, str]
    withheld: int
    records: int  # the input's count: sum of the rows' counts + withheld

    @property
    def released(self) -> int:
        return sum(count for _row, count in self.rows)

    def microdata(self) -> list[dict[str, str]]:
        """One row per record, as CTDC publishes its dataset (each combination repeated by its count)."""
        return [dict(row) for row, count in self.rows for _ in range(count)]


def _rare_regions(records: Sequence[Mapping[str, Any]], k: int) -> dict[str, set[str]]:
    rare: dict[str, set[str]] = {}
    for key in ("citizenship", "exploitation_country"):
        counts = Counter(region_of(str(r.get(key) or "")) for r in records)
        rare[key] = {region for region, n in counts.items() if region and n < k}
    return rare


def _key(record: Mapping[str, Any], levels: Mapping[str, int], rare: Mapping[str, Any]) -> Cells:
    cells: list[tuple[str, str]] = []
    for name, attribute in ATTRIBUTES.items():
        cells.extend(attribute.show(record, levels[name], rare))
    return tuple(cells)


def ctdc_generalise(
    records: Iterable[Mapping[str, Any]], *, k: int = DEFAULT_K, suppression_limit: float = 0.05
) -> CtdcTable:
    """Generalise case-level coded records along the fixed hierarchy until every combination has ≥ k.

    k is at least 11 (CTDC's rule); records still in smaller combinations at the chosen level are
    withheld and counted. Invariant: released + withheld == the number of records.
    """
    if not isinstance(k, int) or k < MIN_K:
        raise ValueError(f"k must be an integer of at least {MIN_K}")
    if not 0 <= suppression_limit < 1:
        raise ValueError("the suppression limit is a share between 0 and 1")
    records = list(records)
    rare = _rare_regions(records, k)
    chosen: tuple[dict[str, int], Counter[Cells]] | None = None
    for steps in range(len(STEPS) + 1):
        levels = levels_after(steps)
        counts = Counter(_key(record, levels, rare) for record in records)
        small = sum(n for n in counts.values() if n < k)
        chosen = (levels, counts)
        if small <= suppression_limit * len(records):
            break
    assert chosen is not None
    levels, counts = chosen
    rows = tuple(
        (dict(key), n) for key, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if n >= k
    )
    released = sum(n for _row, n in rows)
    return CtdcTable(
        k=k,
        columns=COLUMNS,
        rows=rows,
        levels=levels,
        level_names={
            name: ATTRIBUTES[name].levels[min(level, len(ATTRIBUTES[name].levels) - 1)]
            for name, level in levels.items()
        },
        withheld=len(records) - released,
        records=len(records),
    )
