"""Joint initiatives and advocacy actions with partner organisations."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def py(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def initiative_list(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def initiative_create_view(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def initiative_detail(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def initiative_edit(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def initiative_action_add_view(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404
