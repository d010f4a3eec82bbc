"""The report builder, saved reports, their exports and kept files (placeholders until built)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


report_builder = report_builder_export = report_list = report_detail = _todo
report_edit = report_delete = report_export = report_file_download = _todo
