"""`{% export_control %}`: the "Export" form of a list page, for users allowed to export it.

The form posts the filters the list was drawn with (its query string, without the page number), so
the file holds exactly the list on screen, every page of it. Inside an htmx-swapped results block it
is redrawn with the results, so its filters never fall behind what the user typed.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from kujdes.core.exports import ExportFormat
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm

register = template.Library()


@register.inclusion_tag("core/_export_form.html", takes_context=True)
def export_control(
    context: template.Context,
    url_name: str,
    *,
    perm: str = "",
    allowed: bool | None = None,
    formats: str = "",
    **kwargs: Any,
) -> dict[str, Any]:
    """`perm`: the permission that allows exporting; or `allowed`: the view's own answer."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if allowed is None:
        allowed = bool(perm) and user is not None and actor_has_perm(actor=user, perm=Perm(perm))
    if not allowed or request is None:
        return {"allowed": False}
    chosen = formats.split(",") if formats else [choice.value for choice in ExportFormat]
    filters = [
        (name, value)
        for name, values in request.GET.lists()
        if name not in ("page", "format", "csrfmiddlewaretoken")
        for value in values
    ]
    return {
        "allowed": True,
        "action": reverse(url_name, kwargs=kwargs or None),
        "filters": filters,
        "formats": [(value, label) for value, label in ExportFormat.choices if value in chosen],
        "csrf_token": context.get("csrf_token"),
        "field_id": f"export-format-{url_name}",
    }
