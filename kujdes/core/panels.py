"""Sections that later rooms add to an earlier room's page, without the earlier room importing them.

The person page (people) shows screenings and cases; the case page (cases)
shows referrals. Dependencies point one way (core ← people ← cases ← …), so a
room registers its panels in its AppConfig.ready() and the page asks for them:

    panel_register(page="person", order=20, render=person_cases_panel)
    ...
    panels = panels_render(page="person", request=request, obj=person)

A render function takes (request, obj) and returns HTML, or None to show nothing
(for instance when the actor lacks the permission). It reads through selectors
scoped by request.user, like any view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Panel:
    page: str
    order: int
    render: Callable[[HttpRequest, Any], str | None]


_PANELS: list[Panel] = []


def panel_register(*, page: str, order: int, render: Callable[[HttpRequest, Any], str | None]) -> None:
    if any(p.page == page and p.render is render for p in _PANELS):
        return  # ready() may run twice in tests
    _PANELS.append(Panel(page=page, order=order, render=render))


def panels_render(*, page: str, request: HttpRequest, obj: Any) -> list[SafeString]:
    html = []
    for panel in sorted((p for p in _PANELS if p.page == page), key=lambda p: p.order):
        rendered = panel.render(request, obj)
        if rendered:
            html.append(SafeString(rendered))
    return html
