"""Summer camps: groups, parental consent, the incident log (restricted)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def py(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def camp_group_add_view(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def camp_participant_edit(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def incident_list(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def incident_create(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404

def camp_overview(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404
