"""Dashboards, one indicator in depth, the catalogue and the small-cell setting (being built)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


dashboard = indicator_catalogue = indicator_detail = report_settings = _todo
