"""Pages of the programme room (activities, sessions, participants, outcomes, certificates)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def person_programme_panel(request: HttpRequest, person: object) -> str | None:
    return None


def py(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def activity_list(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def activity_calendar(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def activity_create(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def activity_detail(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def activity_edit(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def session_add_view(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def sessions_schedule_view(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def session_edit(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def facilitator_add_view(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def facilitator_remove_view(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def activity_file_add(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def activity_file_download(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def participant_enrol_view(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def participation_complete_view(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def participation_drop_view(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def participation_certificate(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def outcome_list(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404


def outcome_record_view(request: HttpRequest, **kwargs: object) -> HttpResponse:  # placeholder
    raise Http404
