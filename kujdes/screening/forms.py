"""Forms of the screening room.

The instrument editor is not a Django Form: its fields follow the definition (one row per
indicator, in three languages), so `instrument_draft_from_post` reads the posted fields into a
draft definition, which the page shows again as typed when the service refuses it.
Field names: `d<i>-label-<lang>`, `d<i>-i<j>-{code,strength,weight,label-<lang>,confirmed,remove}`,
`d<i>-new-{…}` for the indicator being added, `next-<code>-<lang>`, `notes-<lang>`, `combinations`,
`level-<level>`.
"""

from __future__ import annotations

import copy
import datetime
import re
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from kujdes.screening.engine import (
    LANGUAGES,
    MAX_INDICATORS,
    DefinitionError,
    combinations_format,
    combinations_parse,
)
from kujdes.screening.models import AgeGroup

FIELD_MAX = 4000  # a posted value longer than this is cut (the validation then names the label)


def _value(post: QueryDict, key: str) -> str:
    return post.get(key, "")[:FIELD_MAX].strip()


def _label(post: QueryDict, prefix: str) -> dict[str, str]:
    return {lang: _value(post, f"{prefix}-{lang}") for lang in LANGUAGES}


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
    for i, dimension in enumerate(draft.get("dimensions", [])):
        dimension["label"] = _label(post, f"d{i}-label")
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
            indicator: dict[str, Any] = {"code": code, "label": _label(post, f"{prefix}-label")}
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
    draft["next_steps"] = {code: _label(post, f"next-{code}") for code in base.get("next_steps", {})}
    draft["notes"] = _label(post, "notes")
    verification = post.get("verification", "")
    draft["verification"] = verification if verification in ("to_verify", "verified") else "to_verify"
    rules = draft.setdefault("rules", {})
    if kind == "ilo":
        text = post.get("combinations", "")[:FIELD_MAX]
        draft["_combinations_text"] = text
        try:
            rules["combinations"] = combinations_parse(text)
        except DefinitionError as error:
            problems += error.messages
    else:
        for level in rules.get("levels", []):
            level["min_score"] = _number(_value(post, f"level-{level['level']}"))
    return draft, problems


def draft_clean(draft: dict[str, Any]) -> dict[str, Any]:
    """The definition to save: removed rows dropped, editing marks stripped."""
    clean = copy.deepcopy(draft)
    clean.pop("_combinations_text", None)
    for dimension in clean.get("dimensions", []):
        dimension["indicators"] = [
            {k: v for k, v in indicator.items() if not k.startswith("_")}
            for indicator in dimension["indicators"]
            if not indicator.get("_remove")
        ]
    return clean


def combinations_text(definition: dict[str, Any]) -> str:
    if "_combinations_text" in definition:
        return definition["_combinations_text"]
    return combinations_format(definition.get("rules", {}).get("combinations", []))


class InstrumentNameForm(forms.Form):
    name_sq = forms.CharField(label=_("Name in Albanian"), max_length=200)
    name_en = forms.CharField(label=_("Name in English"), max_length=200)
    name_fr = forms.CharField(label=_("Name in French"), max_length=200)
    is_active = forms.BooleanField(label=_("In use (case workers can choose it)"), required=False)
    based_on = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


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
