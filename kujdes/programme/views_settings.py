"""Organisation configuration of the programme: activity types, age groups, code of conduct."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def py(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def activity_type_list(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def activity_type_create(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def activity_type_edit(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def programme_settings_view(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def conduct_list(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404
