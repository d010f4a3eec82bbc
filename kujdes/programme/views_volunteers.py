"""Volunteers: profiles, trainings, safeguarding, code of conduct, hours, expiry reminders."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def py(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def volunteer_list(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def volunteer_create_view(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def volunteer_detail(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def volunteer_edit(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def training_add_view(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def hours_add_view(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def conduct_accept_view(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def volunteer_me(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404
