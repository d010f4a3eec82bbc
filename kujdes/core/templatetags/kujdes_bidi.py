"""Mixed-direction text: what keeps an Albanian name, a phone number or a person's code readable inside an
Arabic sentence, and an arrow pointing the way the reader reads.

`{{ person.code|isolate }}` wraps a value in `<bdi>`: the browser sets its direction from its own first
strong letter (left to right for a Latin name or a code, right to left for an Arabic name; left to right
when it has no letter at all, as a phone number) and keeps it from reordering the words around it.
`{{ name|isolate_text }}` does the same with Unicode's isolate marks (FIRST STRONG ISOLATE … POP
DIRECTIONAL ISOLATE) where no markup may go: a page's <title>, an attribute, an e-mail's text.
`{% arrow_forward %}` and `{% arrow_back %}` draw "→" and "←" in a span that the stylesheet mirrors on
right-to-left pages (kujdes.css, `.dir-arrow`): "from → to" must point to the left in Arabic.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"


def _empty(value: Any) -> bool:
    return value is None or value == ""


@register.filter
def isolate(value: Any) -> Any:
    """`value` escaped inside `<bdi>`; an empty value stays empty (so `|default` still applies)."""
    if _empty(value):
        return value
    return format_html("<bdi>{}</bdi>", value)


@register.filter
def isolate_text(value: Any) -> Any:
    """`value` between Unicode's first-strong isolate and its closing mark, for text without markup."""
    if _empty(value):
        return value
    return f"{FIRST_STRONG_ISOLATE}{value}{POP_DIRECTIONAL_ISOLATE}"


@register.simple_tag
def arrow_forward() -> SafeString:
    """ "→" for "from A to B"; mirrored on right-to-left pages."""
    return SafeString('<span class="dir-arrow">→</span>')


@register.simple_tag
def arrow_back() -> SafeString:
    """ "←" for "back to"; mirrored on right-to-left pages."""
    return SafeString('<span class="dir-arrow">←</span>')
