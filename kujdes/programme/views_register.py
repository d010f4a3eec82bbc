"""The phone screens of the day: today's sessions, the attendance register, headcounts."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def py(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def session_today(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def attendance_register_view(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def attendance_late_add(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def headcount_create(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def headcount_delete_view(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404

def participant_register(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404
