"""Organisation configuration of the programme: activity types, age groups, code of conduct.

For organisation administrators (Perm.ORGANISATION_CONFIGURE); another organisation's types are 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kujdes.core.content_languages import offered_languages, organisation_language
from kujdes.core.forms import form_add_validation_error
from kujdes.core.models import Organisation
from kujdes.core.roles import Perm
from kujdes.core.selectors import organisations_for_actor
from kujdes.programme import selectors, services
from kujdes.programme.forms_settings import ActivityTypeForm, ConductPublishForm, ProgrammeSettingsForm
from kujdes.programme.models import ActivityType


def _organisation(request: HttpRequest) -> Organisation:
    """The organisation the administrator configures (the first, for the rare admin of several)."""
    organisation = (
        organisations_for_actor(actor=request.user, perm=Perm.ORGANISATION_CONFIGURE).order_by("pk").first()
    )
    if organisation is None:
        raise PermissionDenied
    return organisation


@require_GET
def activity_type_list(request: HttpRequest) -> HttpResponse:
    organisation = _organisation(request)
    types = selectors.activity_types_for_organisation(organisation_id=organisation.pk, active_only=False)
    return render(
        request,
        "programme/activity_type_list.html",
        {"types": types, "organisation": organisation},
    )


def _type_page(request: HttpRequest, context: dict[str, Any], status: int) -> HttpResponse:
    return render(request, "programme/activity_type_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def activity_type_create(request: HttpRequest) -> HttpResponse:
    organisation = _organisation(request)
    form = ActivityTypeForm(
        request.POST if request.method == "POST" else None,
        required_language=organisation_language(organisation),
    )
    if request.method == "POST" and form.is_valid():
        try:
            activity_type = services.activity_type_save(
                actor=request.user,
                organisation_id=organisation.pk,
                activity_type=None,
                code=form.cleaned_data["code"],
                kind=form.cleaned_data["kind"],
                names=form.names(),
                is_active=form.cleaned_data["is_active"],
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Activity type “%(name)s” added.") % {"name": activity_type.name()})
            return redirect("activity_type_list")
    return _type_page(request, {"form": form}, 400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def activity_type_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    organisation = _organisation(request)
    try:
        activity_type = selectors.activity_type_get(actor=request.user, public_id=str(public_id))
    except ActivityType.DoesNotExist:
        raise Http404 from None
    names = activity_type.names or {}
    initial = {
        "code": activity_type.code,
        "kind": activity_type.kind,
        "is_active": activity_type.is_active,
        **{f"name_{code}": names.get(code, "") for code in offered_languages()},
    }
    form = ActivityTypeForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        editing=True,
        required_language=organisation_language(organisation),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_type_save(
                actor=request.user,
                organisation_id=activity_type.organisation_id,
                activity_type=activity_type,
                code=activity_type.code,
                kind=form.cleaned_data["kind"],
                names=form.names(),
                is_active=form.cleaned_data["is_active"],
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Activity type “%(name)s” saved.") % {"name": activity_type.name()})
            return redirect("activity_type_list")
    return _type_page(request, {"form": form, "activity_type": activity_type}, 400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def programme_settings_view(request: HttpRequest) -> HttpResponse:
    organisation = _organisation(request)
    initial = {
        "age_groups": ", ".join(str(b) for b in selectors.age_groups_for(organisation_id=organisation.pk)),
        "reminder_days": selectors.reminder_days_for(organisation_id=organisation.pk),
    }
    form = ProgrammeSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_settings_save(
                actor=request.user,
                organisation_id=organisation.pk,
                age_groups=form.cleaned_data["age_groups"],
                reminder_days=form.cleaned_data["reminder_days"],
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Programme settings saved."))
            return redirect("programme_settings")
    return render(
        request,
        "programme/programme_settings.html",
        {"form": form, "organisation": organisation},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def conduct_list(request: HttpRequest) -> HttpResponse:
    """The versions of the volunteer code of conduct; publishing a new one asks every volunteer again."""
    organisation = _organisation(request)
    current = selectors.conduct_current(organisation_id=organisation.pk)
    form = ConductPublishForm(
        request.POST if request.method == "POST" else None,
        required_language=organisation_language(organisation),
        texts=current.texts if current else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            code = services.conduct_publish(
                actor=request.user,
                organisation_id=organisation.pk,
                texts=form.texts(),
                published_on=form.cleaned_data["published_on"],
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("Version %(version)s of the code of conduct published.") % {"version": code.version_number},
            )
            return redirect("conduct_list")
    versions = list(selectors.conduct_versions(organisation_id=organisation.pk))
    return render(
        request,
        "programme/conduct_list.html",
        {"form": form, "versions": versions, "current": versions[0] if versions else None},
        status=400 if form.errors else 200,
    )
