"""Forms of the screening room.

The instrument editor is not a Django Form: its fields follow the definition (one row per
indicator, in three languages), so `instrument_draft_from_post` reads the posted fields into a
draft definition, which the page shows again as typed when the service refuses it.
Field names: `d<i>-label-<lang>`, `d<i>-i<j>-{code,strength,weight,label-<lang>,confirmed,remove}`,
`d<i>-new-{…}` for the indicator being added, `next-<code>-<lang>`, `notes-<lang>`.
The rules have their own page, read the same way by `rules_draft_from_post` (its fields are named
there), with a preview on sample answers computed by the engine.
"""

from __future__ import annotations

import copy
import datetime
import re
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kujdes.core.content_languages import language_fields_add, language_fields_values, offered_languages
from kujdes.screening.engine import (
    LANGUAGES,
    MAX_INDICATORS,
    DefinitionError,
    combinations_format,
    combinations_parse,
)
from kujdes.screening.models import AgeGroup

FIELD_MAX = 4000  # a posted value longer than this is cut (the validation then names the label)
MAX_RULES = 30  # outcome rules of an age group, or level rules, read from a post


def _value(post: QueryDict, key: str) -> str:
    return post.get(key, "")[:FIELD_MAX].strip()


def _label(post: QueryDict, prefix: str, keep: dict[str, str] | None = None) -> dict[str, str]:
    """A label in every offered language: Albanian, English and French always (the engine checks they
    are there), the network's languages when written. The page shows the network's languages the
    organisation works in (a field per language and label would pass Django's limit of posted fields
    for the ILO lists): a language it did not show keeps the text it had (`keep`)."""
    label = {lang: _value(post, f"{prefix}-{lang}") for lang in LANGUAGES}
    for lang in offered_languages():
        if lang in label:
            continue
        key = f"{prefix}-{lang}"
        text = _value(post, key) if key in post else str((keep or {}).get(lang) or "").strip()
        if text:
            label[lang] = text
    return label


def _number(raw: str) -> int | str:
    return int(raw) if re.fullmatch(r"-?\d{1,6}", raw) else raw


def _new_code(prefix: str, english: str, taken: set[str]) -> str:
    base = slugify(english).replace("-", "_")[:48].strip("_") or "indicator"
    base = f"{prefix}_{base}"
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def instrument_draft_from_post(
    *, base: dict[str, Any], kind: str, post: QueryDict
) -> tuple[dict[str, Any], list[str]]:
    """The definition as the administrator posted it, and the problems found while reading it.

    Dimensions, roles, outcome rules, level rules and sources come from `base` (the current
    version): the page edits labels, indicators, strengths or weights, combinations, levels,
    next steps and notes.
    """
    draft = copy.deepcopy(base)
    problems: list[str] = []
    taken: set[str] = set()
    # The labels as they were, for the languages the page did not show.
    was = {
        indicator["code"]: indicator.get("label") or {}
        for dimension in base.get("dimensions", [])
        for indicator in dimension.get("indicators", [])
    }
    for i, dimension in enumerate(draft.get("dimensions", [])):
        dimension["label"] = _label(post, f"d{i}-label", dimension.get("label"))
        indicators = []
        try:
            count = min(int(post.get(f"d{i}-count", "0")), MAX_INDICATORS + 1)
        except ValueError:
            count = 0
        for j in range(count):
            prefix = f"d{i}-i{j}"
            code = _value(post, f"{prefix}-code")
            if not code:
                continue
            indicator: dict[str, Any] = {
                "code": code,
                "label": _label(post, f"{prefix}-label", was.get(code)),
            }
            if kind == "ilo":
                indicator["strength"] = _value(post, f"{prefix}-strength")
            else:
                indicator["weight"] = _number(_value(post, f"{prefix}-weight"))
            indicator["confirmed"] = post.get(f"{prefix}-confirmed") == "on"
            if post.get(f"{prefix}-remove") == "on":
                indicator["_remove"] = True
            indicators.append(indicator)
            taken.add(code)
        new_label = _label(post, f"d{i}-new-label")
        if any(new_label.values()):
            new: dict[str, Any] = {"code": "", "label": new_label, "confirmed": False, "_new": True}
            if kind == "ilo":
                new["strength"] = _value(post, f"d{i}-new-strength")
            else:
                new["weight"] = _number(_value(post, f"d{i}-new-weight"))
            indicators.append(new)
        dimension["indicators"] = indicators
    # Codes of added indicators are made from the English label, unique in the instrument.
    for dimension in draft.get("dimensions", []):
        # The prefix of the dimension's other indicators ("dr_…"), else the dimension's own start.
        existing = [i["code"] for i in dimension["indicators"] if not i.get("_new") and "_" in i["code"]]
        prefix = (
            existing[0].split("_")[0] if existing else re.sub(r"[^a-z0-9]", "", dimension["code"])[:3] or "x"
        )
        for indicator in dimension["indicators"]:
            if indicator.get("_new"):
                indicator["code"] = _new_code(prefix, indicator["label"].get("en", ""), taken)
                taken.add(indicator["code"])
    draft["next_steps"] = {
        code: _label(post, f"next-{code}", step if isinstance(step, dict) else None)
        for code, step in base.get("next_steps", {}).items()
    }
    draft["notes"] = _label(post, "notes", base.get("notes") if isinstance(base.get("notes"), dict) else None)
    verification = post.get("verification", "")
    draft["verification"] = verification if verification in ("to_verify", "verified") else "to_verify"
    # The rules are edited on their own page, with a preview (`rules_draft_from_post`).
    return draft, problems


def _count(post: QueryDict, key: str, most: int) -> int:
    try:
        return max(0, min(int(post.get(key, "0")), most))
    except ValueError:
        return 0


def _choice(post: QueryDict, key: str, default: str) -> str:
    """A posted choice as posted (validation names a wrong one); `default` when the field is absent."""
    return post[key][:64].strip() if key in post else default


def _outcome_from_post(
    post: QueryDict, prefix: str, roles: list[str], base: dict[str, Any]
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "code": _choice(post, f"{prefix}-code", base.get("code", "")),
        "all": [],
        "level": _choice(post, f"{prefix}-level", base.get("level", "")),
    }
    any_of: list[str] = []
    for role in roles:
        needed = post.get(f"{prefix}-role-{role}", "")
        if needed == "all":
            entry["all"].append(role)
        elif needed == "any":
            any_of.append(role)
    if any_of:
        entry["any"] = any_of
    next_step = _choice(post, f"{prefix}-next", base.get("next_step", ""))
    if next_step:
        entry["next_step"] = next_step
    return entry


def _ordered(rows: list[tuple[str, int, dict[str, Any]]], problems: list[str]) -> list[dict[str, Any]]:
    """Rows sorted by the order the administrator typed (ties keep the page's order)."""
    keyed = []
    for raw, index, entry in rows:
        entry["_position"] = raw
        if re.fullmatch(r"\d{1,3}", raw):
            keyed.append(((int(raw), index), entry))
        else:
            keyed.append(((index + 1, index), entry))
            problems.append(
                gettext("The order of a rule must be a whole number (it was “%(value)s”).") % {"value": raw}
            )
    return [entry for _key, entry in sorted(keyed, key=lambda item: item[0])]


def rule_roles(definition: dict[str, Any]) -> list[str]:
    """The roles outcome rules can name, in the order of the dimensions."""
    roles: list[str] = []
    for dimension in definition.get("dimensions", []):
        if dimension.get("role") and dimension["role"] not in roles:
            roles.append(dimension["role"])
    return roles


def outcome_groups(target: str) -> tuple[str, ...]:
    return ("adult", "child") if target == "any" else (target,)


def rules_draft_from_post(
    *, base: dict[str, Any], kind: str, target: str, post: QueryDict
) -> tuple[dict[str, Any], list[str]]:
    """The definition with the rules as the administrator posted them, and the problems found reading them.

    Everything but the rules comes from `base` (the current version). ILO lists: the combinations
    (`combinations`), how each dimension becomes positive (`dim-<code>-rule`), the outcome rules of each
    age group (`o-<group>-<k>-{code,level,next,position,remove,role-<role>}`, a new one `o-<group>-new-…`)
    and the default outcome (`default-{code,level,next}`). Risk screenings: the levels' lowest scores and
    next steps (`level-<level>`, `level-<level>-next`), the score that flags a dimension
    (`dimension_min_score`) and the level rules (`f-<k>-{indicators,level,remove}`, `f-new-…`). Rows marked
    removed keep a `_remove` mark, typed orders a `_position` and typed factors a `_text`, so that the page
    shows again what was typed; `draft_clean` drops them.
    """
    draft = copy.deepcopy(base)
    problems: list[str] = []
    rules = draft.setdefault("rules", {})
    if kind == "ilo":
        text = post.get("combinations", "")[:FIELD_MAX]
        draft["_combinations_text"] = text
        try:
            rules["combinations"] = combinations_parse(text)
        except DefinitionError as error:
            problems += error.messages
        for dimension in draft.get("dimensions", []):
            choice = _choice(post, f"dim-{dimension['code']}-rule", dimension.get("rule", "combinations"))
            if choice == "combinations":
                dimension.pop("rule", None)
            else:
                dimension["rule"] = choice
        roles = rule_roles(draft)
        outcomes = rules["outcomes"] = dict(rules.get("outcomes") or {})
        for group in outcome_groups(target):
            old = outcomes.get(group) or []
            count = _count(post, f"o-{group}-count", MAX_RULES)
            rows: list[tuple[str, int, dict[str, Any]]] = []
            for k in range(count):
                prefix = f"o-{group}-{k}"
                entry = _outcome_from_post(post, prefix, roles, old[k] if k < len(old) else {})
                if post.get(f"{prefix}-remove") == "on":
                    entry["_remove"] = True
                rows.append((_value(post, f"{prefix}-position") or str(k + 1), k, entry))
            if _value(post, f"o-{group}-new-code"):
                entry = _outcome_from_post(post, f"o-{group}-new", roles, {})
                rows.append((_value(post, f"o-{group}-new-position") or str(count + 1), count, entry))
            outcomes[group] = _ordered(rows, problems)
        default = rules.get("default") or {}
        rules["default"] = {
            "code": _choice(post, "default-code", default.get("code", "no_indication")),
            "level": _choice(post, "default-level", default.get("level", "low")),
        }
        next_step = _choice(post, "default-next", default.get("next_step", ""))
        if next_step:
            rules["default"]["next_step"] = next_step
        return draft, problems
    for level in rules.get("levels", []):
        level["min_score"] = _number(_value(post, f"level-{level['level']}"))
        next_step = _choice(post, f"level-{level['level']}-next", level.get("next_step", ""))
        if next_step:
            level["next_step"] = next_step
        else:
            level.pop("next_step", None)
    if "dimension_min_score" in post:
        rules["dimension_min_score"] = _number(_value(post, "dimension_min_score"))
    floors = []
    for k in range(_count(post, "f-count", MAX_RULES)):
        floor = _floor_from_post(post, f"f-{k}")
        if post.get(f"f-{k}-remove") == "on":
            floor["_remove"] = True
        floors.append(floor)
    if _value(post, "f-new-indicators"):
        floors.append(_floor_from_post(post, "f-new"))
    rules["floors"] = floors
    return draft, problems


def _floor_from_post(post: QueryDict, prefix: str) -> dict[str, Any]:
    text = _value(post, f"{prefix}-indicators")[:1000]
    codes = [code for code in re.split(r"[\s+,;]+", text) if code]
    return {"all": codes, "level": _choice(post, f"{prefix}-level", "medium"), "_text": text}


def floor_text(floor: dict[str, Any]) -> str:
    if "_text" in floor:
        return str(floor["_text"])
    return " + ".join(str(code) for code in floor.get("all", []))


def draft_clean(draft: dict[str, Any]) -> dict[str, Any]:
    """The definition to save: removed rows dropped, editing marks stripped."""
    clean = copy.deepcopy(draft)
    clean.pop("_combinations_text", None)

    def kept(rows: list[Any]) -> list[Any]:
        return [
            {k: v for k, v in row.items() if not k.startswith("_")} if isinstance(row, dict) else row
            for row in rows
            if not (isinstance(row, dict) and row.get("_remove"))
        ]

    for dimension in clean.get("dimensions", []):
        dimension["indicators"] = kept(dimension["indicators"])
    rules = clean.get("rules")
    if isinstance(rules, dict):
        outcomes = rules.get("outcomes")
        if isinstance(outcomes, dict):
            rules["outcomes"] = {
                group: kept(entries) if isinstance(entries, list) else entries
                for group, entries in outcomes.items()
            }
        if isinstance(rules.get("floors"), list):
            rules["floors"] = kept(rules["floors"])
    return clean


def combinations_text(definition: dict[str, Any]) -> str:
    if "_combinations_text" in definition:
        return definition["_combinations_text"]
    return combinations_format(definition.get("rules", {}).get("combinations", []))


class InstrumentNameForm(forms.Form):
    is_active = forms.BooleanField(label=_("In use (case workers can choose it)"), required=False)
    based_on = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rest = {name: self.fields.pop(name) for name in list(self.fields)}
        # A name per offered language; Albanian, English and French required (the engine's languages).
        language_fields_add(
            self,
            prefix="name",
            label=lambda language: _("Name in %(language)s") % {"language": language},
            required_language=None,
            max_length=200,
        )
        for lang in LANGUAGES:
            self.fields[f"name_{lang}"].required = True
        self.fields.update(rest)

    def names(self) -> dict[str, str]:
        return language_fields_values(self, prefix="name")


class ScreeningForm(forms.Form):
    """What the worker fills besides the checklist (the checked indicators arrive as `answers`)."""

    performed_on = forms.DateField(
        label=_("Date of the screening"), widget=forms.DateInput(attrs={"type": "date"})
    )
    age_group = forms.ChoiceField(
        label=_("On that day the person was"),
        choices=AgeGroup.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("The year of birth cannot tell. When in doubt, treat the person as a child."),
    )
    notes = forms.CharField(
        label=_("Notes (encrypted)"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean_performed_on(self) -> datetime.date:
        value = self.cleaned_data["performed_on"]
        if value.year < 2000:
            raise forms.ValidationError(_("The date of the screening is too far in the past."))
        return value
