"""The screening engine: pure functions over an instrument version's definition (no database, no Django).

A definition is plain JSON, so that organisations change instruments as data:

    {
      "dimensions": [
        {"code": "exploitation", "role": "exploitation", "label": {"sq": …, "en": …, "fr": …},
         "indicators": [{"code": "ex_excessive_hours", "strength": "strong",
                         "label": {…}, "confirmed": true}, …]},
        …
      ],
      "rules": {…},            # see below, by instrument kind
      "next_steps": {"nrm_referral": {"sq": …, "en": …, "fr": …}, …},
      "notes": {"sq": …, "en": …, "fr": …},
      "verification": "to_verify" | "verified",
      "sources": [{"title": …, "url": …}]
    }

ILO/EC indicators (kind "ilo"): every indicator has a `strength` (strong, medium, weak). A dimension
is positive when its indicators present satisfy one of `rules.combinations`; a combination maps
strength sets to counts, `{"strong": 1, "medium|weak": 1}` meaning one strong plus one medium or
weak (distinct indicators). A dimension with `"rule": "any"` (the act of a child list) is positive
with any one indicator. `rules.outcomes[adult|child]` is an ordered list; the first entry whose
roles are satisfied wins:

    {"code": "victim", "all": ["exploitation", "coercion_at_destination"],
     "any": ["deceptive_recruitment", …], "level": "high", "next_step": "nrm_referral"}

`all`: for every role listed, some dimension with that role is positive; `any`: at least one of
the roles listed has a positive dimension. `rules.default` applies when nothing matched.

Risk screening (kind "risk"): every indicator has an integer `weight`. The score is the sum of the
weights present; `rules.levels` (ascending `min_score`) give the level and its next step;
`rules.floors` raise the level when all the listed indicators are present (a recruiter's contact
plus an intention to migrate is high whatever the score). A dimension is flagged when its own
score reaches `rules.dimension_min_score`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from typing import Any

# gettext only translates the messages shown to administrators; nothing here touches the database.
from django.utils.translation import gettext as _

STRENGTHS = ("strong", "medium", "weak")
LANGUAGES = ("sq", "en", "fr")
ILO_OUTCOMES = ("victim", "deceived_exploited", "exploited", "no_indication")
LEVELS = ("low", "medium", "high")
KINDS = ("ilo", "risk")
TARGETS = ("adult", "child", "any")
# How a dimension of an ILO list becomes positive: one of `rules.combinations` (the default, no key)
# or any one indicator ("rule": "any", the act of a child list).
DIMENSION_RULES = ("combinations", "any")

_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_DIMENSIONS = 20
MAX_INDICATORS = 60
MAX_LABEL = 300
MAX_NOTES = 4000


class DefinitionError(ValueError):
    """A definition that cannot be used; `messages` lists every problem found."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


# -- dimensions -------------------------------------------------------------------------------


def _slots(combination: Mapping[str, int]) -> list[frozenset[str]]:
    slots = []
    for key, count in combination.items():
        slots += [frozenset(key.split("|"))] * int(count)
    # Narrow slots first: then filling greedily from the scarcest strength is enough to decide.
    return sorted(slots, key=len)


def _satisfies(counts: Mapping[str, int], combination: Mapping[str, int]) -> bool:
    remaining = {strength: max(int(counts.get(strength, 0)), 0) for strength in STRENGTHS}

    def fill(slots: list[frozenset[str]]) -> bool:
        if not slots:
            return True
        head, rest = slots[0], slots[1:]
        for strength in sorted(head, key=lambda s: STRENGTHS.index(s) if s in STRENGTHS else 99):
            if remaining.get(strength, 0) > 0:
                remaining[strength] -= 1
                if fill(rest):
                    return True
                remaining[strength] += 1
        return False

    return fill(_slots(combination))


def dimension_positive(counts: Mapping[str, int], rules: Mapping[str, Any]) -> bool:
    """Whether a dimension with `counts` indicators per strength is positive under `rules.combinations`.

    >>> rules = {"combinations": [{"strong": 2}, {"strong": 1, "medium|weak": 1}]}
    >>> dimension_positive({"strong": 1, "weak": 1}, rules)
    True
    """
    return any(_satisfies(counts, combination) for combination in rules.get("combinations", []))


def combinations_format(combinations: Iterable[Mapping[str, int]]) -> str:
    """One combination a line, as an administrator edits them: "1 strong + 1 medium|weak"."""
    return "\n".join(
        " + ".join(f"{count} {key}" for key, count in combination.items()) for combination in combinations
    )


def combinations_parse(text: str) -> list[dict[str, int]]:
    """The inverse of `combinations_format`; DefinitionError on a line it cannot read."""
    combinations, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        combination: dict[str, int] = {}
        for part in line.split("+"):
            match = re.fullmatch(r"\s*(\d{1,2})\s+([a-z|]+)\s*", part)
            if not match or not all(s in STRENGTHS for s in match.group(2).split("|")):
                problems.append(
                    _("Line %(number)s: write combinations like “2 strong” or “1 strong + 1 medium|weak”.")
                    % {"number": number}
                )
                break
            key = "|".join(s for s in STRENGTHS if s in match.group(2).split("|"))
            combination[key] = combination.get(key, 0) + int(match.group(1))
        else:
            if sum(combination.values()) < 2:
                problems.append(
                    _("Line %(number)s: a combination needs at least two indicators.") % {"number": number}
                )
            else:
                combinations.append(combination)
    if problems:
        raise DefinitionError(problems)
    if not combinations:
        raise DefinitionError([_("Give at least one combination of indicators.")])
    return combinations


# -- evaluation -------------------------------------------------------------------------------


def _indicator_index(definition: Mapping[str, Any]) -> dict[str, tuple[dict, dict]]:
    return {
        indicator["code"]: (dimension, indicator)
        for dimension in definition.get("dimensions", [])
        for indicator in dimension.get("indicators", [])
    }


def answers_clean(definition: Mapping[str, Any], answers: Iterable[Any]) -> list[str]:
    """The answers that name indicators of this definition, once each, in the definition's order."""
    present = {str(answer) for answer in answers}
    return [code for code in _indicator_index(definition) if code in present]


def _roles_met(positive_roles: set[str], entry: Mapping[str, Any]) -> bool:
    if not all(role in positive_roles for role in entry.get("all", [])):
        return False
    any_of = entry.get("any", [])
    return not any_of or any(role in positive_roles for role in any_of)


def screening_evaluate(definition: Mapping[str, Any], answers: Iterable[Any], *, is_child: bool) -> dict:
    """The result of a screening: positive dimensions, outcome, level and next step code.

    `answers` are the codes of the indicators present (unknown codes are ignored). `is_child`
    chooses the outcome rule of ILO instruments (children need no means); risk screenings
    ignore it. The result is JSON, stored with the screening so that it never changes.
    """
    kind = definition.get("kind", "ilo")
    present = set(answers_clean(definition, answers))
    rules = definition.get("rules", {})
    dimensions = []
    for dimension in definition.get("dimensions", []):
        found = [i for i in dimension.get("indicators", []) if i["code"] in present]
        if kind == "risk":
            score = sum(int(i.get("weight", 0)) for i in found)
            positive = bool(found) and score >= int(rules.get("dimension_min_score", 1))
            dimensions.append(
                {"code": dimension["code"], "role": dimension.get("role", ""), "score": score,
                 "present": len(found), "positive": positive}
            )  # fmt: skip
            continue
        counts = {strength: sum(1 for i in found if i.get("strength") == strength) for strength in STRENGTHS}
        positive = bool(found) if dimension.get("rule") == "any" else dimension_positive(counts, rules)
        dimensions.append(
            {"code": dimension["code"], "role": dimension.get("role", ""), "counts": counts,
             "present": len(found), "positive": positive}
        )  # fmt: skip
    positive_dimensions = [d["code"] for d in dimensions if d["positive"]]
    result: dict[str, Any] = {
        "kind": kind,
        "age_group": "child" if is_child else "adult",
        "dimensions": dimensions,
        "positive_dimensions": positive_dimensions,
        "indicators_present": len(present),
    }
    if kind == "risk":
        score = sum(d["score"] for d in dimensions)
        levels = sorted(rules.get("levels", []), key=lambda level: int(level["min_score"]))
        chosen = levels[0] if levels else {"level": "low", "next_step": ""}
        for level in levels:
            if score >= int(level["min_score"]):
                chosen = level
        rank = LEVELS.index(chosen["level"]) if chosen["level"] in LEVELS else 0
        raised_by = []
        for floor in rules.get("floors", []):
            needed = set(floor.get("all", []))
            if needed and needed <= present and LEVELS.index(floor["level"]) > rank:
                rank = LEVELS.index(floor["level"])
                raised_by = sorted(needed)
        level_code = LEVELS[rank]
        next_step = next((lv.get("next_step", "") for lv in levels if lv["level"] == level_code), "")
        result.update(
            score=score, level=level_code, outcome=level_code, next_step=next_step, raised_by=raised_by
        )
        return result
    positive_roles = {d["role"] for d in dimensions if d["positive"]}
    outcomes = rules.get("outcomes", {}).get("child" if is_child else "adult", [])
    chosen = next((entry for entry in outcomes if _roles_met(positive_roles, entry)), None)
    chosen = chosen or rules.get("default", {"code": "no_indication", "level": "low", "next_step": ""})
    result.update(
        outcome=chosen["code"], level=chosen.get("level", "low"), next_step=chosen.get("next_step", "")
    )
    return result


# -- validation -------------------------------------------------------------------------------
# Messages are shown to organisation administrators: translatable, with named placeholders.


def _label_problems(label: Any, where: str) -> list[str]:
    if not isinstance(label, dict):
        return [_("%(where)s: a label in Albanian, English and French is needed.") % {"where": where}]
    missing = [lang for lang in LANGUAGES if not str(label.get(lang, "")).strip()]
    too_long = [lang for lang in LANGUAGES if len(str(label.get(lang, ""))) > MAX_LABEL]
    problems = []
    if missing:
        problems.append(
            _("%(where)s: the label is missing in %(languages)s.")
            % {"where": where, "languages": ", ".join(missing)}
        )
    if too_long:
        problems.append(
            _("%(where)s: the label is longer than %(max)s characters in %(languages)s.")
            % {"where": where, "max": MAX_LABEL, "languages": ", ".join(too_long)}
        )
    return problems


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def definition_validate(definition: Any, *, kind: str, target: str = "any") -> list[str]:
    """Every problem that would make the definition unusable (empty list: fine).

    `target` says which outcome rules an ILO definition needs: adults', children's or both.
    """
    if not isinstance(definition, dict):
        return [_("The definition must be an object.")]
    problems: list[str] = []
    dimensions = definition.get("dimensions")
    if not isinstance(dimensions, list) or not dimensions:
        return [_("An instrument needs at least one dimension.")]
    if len(dimensions) > MAX_DIMENSIONS:
        problems.append(_("An instrument has at most %(max)s dimensions.") % {"max": MAX_DIMENSIONS})
    bad_code = _("%(where)s: the code must be lower-case letters, digits and “_”.")
    dimension_codes: set[str] = set()
    indicator_codes: set[str] = set()
    for position, dimension in enumerate(dimensions, start=1):
        if not isinstance(dimension, dict):
            problems.append(_("Dimension %(number)s must be an object.") % {"number": position})
            continue
        code = str(dimension.get("code", ""))
        where = _("Dimension %(number)s (%(code)s)") % {"number": position, "code": code or "?"}
        if not _CODE.match(code):
            problems.append(bad_code % {"where": where})
        elif code in dimension_codes:
            problems.append(_("%(where)s: the code is used twice.") % {"where": where})
        dimension_codes.add(code)
        if not _CODE.match(str(dimension.get("role", ""))):
            problems.append(
                _("%(where)s: the role must be lower-case letters, digits and “_”.") % {"where": where}
            )
        problems += _label_problems(dimension.get("label"), where)
        if kind == "ilo" and dimension.get("rule", "combinations") not in DIMENSION_RULES:
            problems.append(
                _("%(where)s: a dimension is positive with the combinations or with any one indicator.")
                % {"where": where}
            )
        indicators = dimension.get("indicators")
        if not isinstance(indicators, list) or not indicators:
            problems.append(_("%(where)s: a dimension needs at least one indicator.") % {"where": where})
            continue
        if len(indicators) > MAX_INDICATORS:
            problems.append(
                _("%(where)s: at most %(max)s indicators.") % {"where": where, "max": MAX_INDICATORS}
            )
        for number, indicator in enumerate(indicators, start=1):
            iwhere = _("%(where)s, indicator %(number)s") % {"where": where, "number": number}
            if not isinstance(indicator, dict):
                problems.append(_("%(where)s must be an object.") % {"where": iwhere})
                continue
            icode = str(indicator.get("code", ""))
            iwhere = f"{iwhere} ({icode or '?'})"
            if not _CODE.match(icode):
                problems.append(bad_code % {"where": iwhere})
            elif icode in indicator_codes:
                problems.append(
                    _("%(where)s: the code is used twice in this instrument.") % {"where": iwhere}
                )
            indicator_codes.add(icode)
            problems += _label_problems(indicator.get("label"), iwhere)
            if kind == "ilo" and indicator.get("strength") not in STRENGTHS:
                problems.append(
                    _("%(where)s: the strength must be strong, medium or weak.") % {"where": iwhere}
                )
            if kind == "risk" and not _whole(indicator.get("weight"), 0, 10):
                problems.append(
                    _("%(where)s: the weight must be a whole number from 0 to 10.") % {"where": iwhere}
                )
    roles = {str(d.get("role", "")) for d in dimensions if isinstance(d, dict)}
    problems += _rules_problems(
        definition, kind=kind, target=target, roles=roles, indicator_codes=indicator_codes
    )
    notes = definition.get("notes", {})
    if not isinstance(notes, dict) or any(len(str(notes.get(lang, ""))) > MAX_NOTES for lang in LANGUAGES):
        problems.append(_("Notes are at most %(max)s characters in each language.") % {"max": MAX_NOTES})
    return problems


def combination_format(combination: Mapping[str, Any]) -> str:
    return " + ".join(f"{count} {key}" for key, count in combination.items())


def combinations_unreachable(
    definition: Mapping[str, Any], combinations: list[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The combinations no dimension ruled by combinations can meet, even with every indicator present."""
    dimensions = [
        d for d in definition.get("dimensions", []) if isinstance(d, dict) and d.get("rule") != "any"
    ]
    return [
        combination
        for combination in combinations
        if not any(_satisfies(_strength_counts(d), combination) for d in dimensions)
    ]


def _strength_counts(dimension: Mapping[str, Any]) -> dict[str, int]:
    """How many indicators of each strength the dimension has (all of them present, at best)."""
    indicators = dimension.get("indicators")
    indicators = indicators if isinstance(indicators, list) else []
    return {
        strength: sum(1 for i in indicators if isinstance(i, dict) and i.get("strength") == strength)
        for strength in STRENGTHS
    }


def _role_list(value: Any) -> list[str] | None:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return value


def _outcome_covers(earlier: Mapping[str, Any], later: Mapping[str, Any]) -> bool:
    """Whether `earlier` applies whenever `later` would (so that `later`, listed after it, never does)."""
    earlier_all, earlier_any = set(earlier.get("all", [])), set(earlier.get("any", []))
    later_all, later_any = set(later.get("all", [])), set(later.get("any", []))
    if not earlier_all <= later_all:
        return False
    return not earlier_any or bool(earlier_any & later_all) or bool(later_any and later_any <= earlier_any)


def _ilo_rules_problems(
    definition: dict, rules: dict, *, target: str, roles: set[str], step_known: Any
) -> list[str]:
    problems: list[str] = []
    dimensions = [d for d in definition.get("dimensions", []) if isinstance(d, dict)]
    combinations = rules.get("combinations")
    well_formed = False
    if not isinstance(combinations, list) or not combinations:
        problems.append(_("Give at least one combination of indicators."))
    elif not all(
        isinstance(combination, dict)
        and combination
        and all(
            all(s in STRENGTHS for s in str(key).split("|")) and _whole(count, 1, 99)
            for key, count in combination.items()
        )
        for combination in combinations
    ):
        problems.append(_("A combination counts indicators by strength, e.g. “1 strong + 1 medium|weak”."))
    else:
        well_formed = True
    # Which roles can ever be positive: known only when the combinations can be read.
    possible_roles: set[str] | None = None
    if well_formed:
        # A combination no dimension can meet is only unused (the shipped children's lists have no weak
        # indicator); when none can be met, no dimension but "any one indicator" ones is ever positive.
        assert isinstance(combinations, list)  # well formed
        if combinations_unreachable(definition, combinations) == combinations and any(
            d.get("rule") != "any" for d in dimensions
        ):
            problems.append(
                _(
                    "None of the combinations can ever apply: no dimension has that many indicators of "
                    "those strengths."
                )
            )
        possible_roles = {
            str(d.get("role", ""))
            for d in dimensions
            if (
                any(isinstance(i, dict) for i in d.get("indicators") or [])
                if d.get("rule") == "any"
                else dimension_positive(_strength_counts(d), rules)
            )
        }
    outcomes = rules.get("outcomes", {})
    for group in ("adult", "child") if target == "any" else (target,):
        group_name = _("children") if group == "child" else _("adults")
        entries = outcomes.get(group) if isinstance(outcomes, dict) else None
        if not isinstance(entries, list) or not entries:
            problems.append(_("The outcome rules for %(group)s are missing.") % {"group": group_name})
            continue
        usable: list[tuple[int, dict]] = []
        for number, entry in enumerate(entries, start=1):
            if not isinstance(entry, dict):
                problems.append(_("An outcome rule must be an object."))
                continue
            where = _("Outcome rule %(number)s for %(group)s (%(code)s)") % {
                "number": number,
                "group": group_name,
                "code": entry.get("code", "?"),
            }
            if entry.get("code") not in ILO_OUTCOMES:
                problems.append(
                    _("%(where)s: the outcome must be one of %(codes)s.")
                    % {"where": where, "codes": ", ".join(ILO_OUTCOMES)}
                )
            if entry.get("level") not in LEVELS:
                problems.append(_("%(where)s: the level must be low, medium or high.") % {"where": where})
            step_known(entry, where)
            all_of, any_of = _role_list(entry.get("all")), _role_list(entry.get("any"))
            if all_of is None or any_of is None:
                problems.append(_("%(where)s: the dimensions must be a list of roles.") % {"where": where})
                continue
            if not all_of and not any_of:
                problems.append(
                    _(
                        "%(where)s: the rule is empty. Say which dimensions must be positive; "
                        "an empty rule would apply to everyone."
                    )
                    % {"where": where}
                )
                continue
            unknown = [role for role in [*all_of, *any_of] if role not in roles]
            if unknown:
                problems.append(
                    _("%(where)s: no dimension has the role %(roles)s.")
                    % {"where": where, "roles": ", ".join(unknown)}
                )
                continue
            if possible_roles is not None:
                never = [role for role in all_of if role not in possible_roles]
                if any_of and not any(role in possible_roles for role in any_of):
                    never += any_of
                if never:
                    problems.append(
                        _(
                            "%(where)s: the rule can never apply: %(roles)s can never be positive "
                            "with these combinations and indicators."
                        )
                        % {"where": where, "roles": ", ".join(never)}
                    )
                    continue
            earlier = next(
                (n for n, other in usable if _outcome_covers(other, {"all": all_of, "any": any_of})), None
            )
            if earlier is not None:
                problems.append(
                    _(
                        "%(where)s: the rule can never apply: rule %(earlier)s above it applies "
                        "whenever this one would. Put the stricter rule first."
                    )
                    % {"where": where, "earlier": earlier}
                )
                continue
            usable.append((number, entry))
    default = rules.get("default", {})
    if isinstance(default, dict) and default:
        where = _("Default outcome")
        if default.get("code") not in ILO_OUTCOMES:
            problems.append(
                _("%(where)s: the outcome must be one of %(codes)s.")
                % {"where": where, "codes": ", ".join(ILO_OUTCOMES)}
            )
        if default.get("level") not in LEVELS:
            problems.append(_("%(where)s: the level must be low, medium or high.") % {"where": where})
        step_known(default, where)
    elif default:
        problems.append(_("The default outcome must be an object."))
    return problems


def _risk_rules_problems(
    definition: dict, rules: dict, *, indicator_codes: set[str], step_known: Any
) -> list[str]:
    problems: list[str] = []
    # The highest scores possible, known only when every weight is a whole number.
    dimension_scores: list[int] = []
    weights_known = True
    for dimension in definition.get("dimensions", []):
        indicators = dimension.get("indicators") if isinstance(dimension, dict) else None
        weights = [i.get("weight") for i in indicators or [] if isinstance(i, dict)]
        if not all(_whole(w, 0, 10) for w in weights):
            weights_known = False
        else:
            dimension_scores.append(sum(int(w) for w in weights if w is not None))
    highest = sum(dimension_scores) if weights_known else None
    levels = rules.get("levels")
    if not isinstance(levels, list) or not levels:
        problems.append(_("Give the scores of the risk levels."))
    else:
        seen = []
        for level in levels:
            if not isinstance(level, dict) or level.get("level") not in LEVELS:
                problems.append(_("A risk level must be low, medium or high."))
                continue
            where = _("Level %(level)s") % {"level": level["level"]}
            if not _whole(level.get("min_score"), 0, 1000):
                problems.append(
                    _("%(where)s: the score must be a whole number from 0 to 1000.") % {"where": where}
                )
                continue
            if highest is not None and level["min_score"] > highest:
                problems.append(
                    _(
                        "%(where)s: a score of %(score)s can never be reached; the highest possible "
                        "score is %(max)s."
                    )
                    % {"where": where, "score": level["min_score"], "max": highest}
                )
            seen.append((LEVELS.index(level["level"]), level["min_score"]))
            step_known(level, where)
        ordered = sorted(seen)
        if any(a[1] >= b[1] for a, b in zip(ordered, ordered[1:], strict=False)):
            problems.append(_("Each risk level needs a higher score than the level below it."))
    if "dimension_min_score" in rules:
        flag = rules["dimension_min_score"]
        if not _whole(flag, 0, 1000):
            problems.append(_("The score that flags a dimension must be a whole number from 0 to 1000."))
        elif weights_known and dimension_scores and flag > max(dimension_scores):
            problems.append(
                _(
                    "No dimension can ever be flagged: the score that flags a dimension (%(score)s) is "
                    "above the highest score of any dimension (%(max)s)."
                )
                % {"score": flag, "max": max(dimension_scores)}
            )
    floors = rules.get("floors", [])
    if not isinstance(floors, list):
        return [*problems, _("The level rules must be a list.")]
    for number, floor in enumerate(floors, start=1):
        if not isinstance(floor, dict):
            problems.append(_("A level rule must be an object."))
            continue
        where = _("Level rule %(number)s") % {"number": number}
        codes = _role_list(floor.get("all"))
        if not codes:
            problems.append(
                _("%(where)s: the rule is empty. Name the factors that, all present, raise the level.")
                % {"where": where}
            )
        else:
            unknown = [code for code in codes if code not in indicator_codes]
            if unknown:
                problems.append(
                    _("%(where)s: unknown indicators %(codes)s.")
                    % {"where": where, "codes": ", ".join(unknown)}
                )
        if floor.get("level") not in LEVELS:
            problems.append(_("%(where)s: the level must be low, medium or high.") % {"where": where})
    return problems


def _rules_problems(
    definition: dict, *, kind: str, target: str, roles: set[str], indicator_codes: set[str]
) -> list[str]:
    rules = definition.get("rules")
    if not isinstance(rules, dict):
        return [_("The rules are missing.")]
    next_steps = definition.get("next_steps", {})
    if not isinstance(next_steps, dict):
        return [_("The next steps must be an object.")]
    problems: list[str] = []
    for code, label in next_steps.items():
        problems += _label_problems(label, _("Next step %(code)s") % {"code": code})

    def step_known(entry: dict, where: str) -> None:
        if entry.get("next_step") and entry["next_step"] not in next_steps:
            problems.append(
                _("%(where)s: the next step “%(step)s” is not described.")
                % {"where": where, "step": entry["next_step"]}
            )

    if kind == "ilo":
        problems += _ilo_rules_problems(definition, rules, target=target, roles=roles, step_known=step_known)
    else:
        problems += _risk_rules_problems(
            definition, rules, indicator_codes=indicator_codes, step_known=step_known
        )
    return problems


def age_group_from_birth_year(birth_year: int | None, on: datetime.date) -> str | None:
    """ "child" or "adult" on the date `on`, or None when the birth year cannot tell (unknown, or 17/18).

    Only the year of birth is plain (the date of birth is encrypted identity): someone born 18
    years before `on`'s year may be 17 or 18, so the worker says which rule applies.
    """
    if not birth_year or birth_year > on.year:
        return None
    years = on.year - birth_year
    if years <= 17:
        return "child"
    if years >= 19:
        return "adult"
    return None


def label_in(label: Any, language: str) -> str:
    """A translated label in `language`, else English, else Albanian, else any."""
    if not isinstance(label, dict):
        return str(label or "")
    for lang in (language[:2], "en", "sq", *label):
        if label.get(lang):
            return str(label[lang])
    return ""
