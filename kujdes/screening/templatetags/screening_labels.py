"""`{{ label|tr }}`: a {"sq", "en", "fr"} label in the active language (else English, else Albanian)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from kujdes.screening.engine import label_in

register = template.Library()


@register.filter
def tr(label: Any) -> str:
    return label_in(label, get_language() or "sq")


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def outcome_label(code: Any) -> str:
    from kujdes.screening.models import Outcome

    try:
        return str(Outcome(code).label)
    except ValueError:
        return str(code or "")


@register.filter
def level_label(code: Any) -> str:
    from kujdes.screening.models import Level

    try:
        return str(Level(code).label)
    except ValueError:
        return str(code or "")


@register.filter
def dimension_label(definition: Any, code: Any) -> str:
    for dimension in (definition or {}).get("dimensions", []):
        if dimension.get("code") == code:
            return tr(dimension.get("label"))
    return str(code)


@register.filter
def next_step_text(definition: Any, code: Any) -> str:
    return tr((definition or {}).get("next_steps", {}).get(code, ""))


@register.filter
def strength_label(code: Any) -> str:
    from django.utils.translation import gettext

    labels = {"strong": gettext("strong"), "medium": gettext("medium"), "weak": gettext("weak")}
    return labels.get(code, str(code or ""))
