"""Volunteers: profiles, trainings, safeguarding, code of conduct, hours, expiry reminders.

Staff who manage the programme in a unit (programme managers, field educators) manage its volunteers.
A volunteer signed in with a linked account sees only their own page (`volunteer_me`): their
activities, hours, trainings and the code of conduct to accept.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kujdes.core.audit import audit_record
from kujdes.core.forms import form_add_validation_error
from kujdes.core.locking import StaleVersion
from kujdes.core.reads import ReadRow, identity_rows_read
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm
from kujdes.programme import selectors, services
from kujdes.programme.forms_volunteers import (
    ConductAcceptForm,
    HoursForm,
    TrainingForm,
    VolunteerEditForm,
    VolunteerFilterForm,
    VolunteerForm,
)
from kujdes.programme.models import BackgroundCheck, Volunteer

PAGE_SIZE = 25
EDITABLE = (
    "unit",
    "given_name",
    "family_name",
    "phone",
    "email",
    "birth_year",
    "skills",
    "languages",
    "availability",
    "joined_on",
    "is_active",
    "background_check",
    "background_checked_on",
    "background_check_expires_on",
    "user",
)


def _require_manage(request: HttpRequest) -> None:
    if not actor_has_perm(actor=request.user, perm=Perm.PROGRAMME_MANAGE):
        raise PermissionDenied


def _volunteer(request: HttpRequest, public_id: uuid.UUID) -> Volunteer:
    """A volunteer the actor manages, or their own profile; 404 for every other."""
    try:
        return selectors.volunteer_get(actor=request.user, public_id=str(public_id))
    except Volunteer.DoesNotExist:
        raise Http404 from None


def _is_own(request: HttpRequest, volunteer: Volunteer) -> bool:
    return volunteer.user_id is not None and volunteer.user_id == request.user.pk


def _flag(volunteer: Volunteer, today: Any, accepted: set[int], conduct: Any) -> None:
    """Badges of the list: an expired or missing check, a missing acceptance of the current code."""
    expires = volunteer.background_check_expires_on
    volunteer.check_expired = expires is not None and expires < today  # type: ignore[attr-defined]
    volunteer.check_missing = volunteer.background_check != BackgroundCheck.CLEARED  # type: ignore[attr-defined]
    volunteer.conduct_missing = conduct is not None and volunteer.pk not in accepted  # type: ignore[attr-defined]


def _organisation_id(request: HttpRequest) -> int | None:
    units = selectors.programme_units(actor=request.user)
    first = units.first()
    return first.organisation_id if first is not None else None


@require_GET
def volunteer_list(request: HttpRequest) -> HttpResponse:
    """The volunteers of the units the actor manages, with what needs renewing soon."""
    _require_manage(request)
    units = selectors.programme_units(actor=request.user)
    filters = VolunteerFilterForm(request.GET or None, units=units)
    chosen: dict[str, Any] = filters.cleaned_data if filters.is_valid() else {}
    volunteers = selectors.volunteers_for_actor(actor=request.user).select_related("unit")
    if chosen.get("unit"):
        volunteers = volunteers.filter(unit=chosen["unit"])
    if chosen.get("active"):
        volunteers = volunteers.filter(is_active=chosen["active"] == "yes")
    if chosen.get("check"):
        volunteers = volunteers.filter(background_check=chosen["check"])
    if chosen.get("name"):
        for word in chosen["name"].split():
            volunteers = volunteers.filter(Q(given_name__icontains=word) | Q(family_name__icontains=word))
    page = Paginator(volunteers.order_by("given_name", "family_name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    organisation_id = _organisation_id(request)
    conduct = selectors.conduct_current(organisation_id=organisation_id) if organisation_id else None
    accepted = selectors.conduct_accepted_ids(code=conduct)
    for volunteer in page.object_list:
        _flag(volunteer, today, accepted, conduct)
    identity_rows_read(
        request=request,
        action="programme.volunteers.viewed",
        rows=[ReadRow.of(volunteer, record="volunteer") for volunteer in page.object_list],
        filters={key: getattr(value, "public_id", value) for key, value in chosen.items() if key != "name"},
        search=chosen.get("name", ""),
        page=page.number,
        organisation_id=organisation_id,
        details={"count": len(page.object_list)},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "programme/volunteer_list.html",
        {
            "page": page,
            "filters": filters,
            "expiries": selectors.expiries_for_actor(actor=request.user, today=today),
            "conduct": conduct,
            "query": query.urlencode(),
        },
    )


def _form_page(request: HttpRequest, context: dict[str, Any], status: int) -> HttpResponse:
    return render(request, "programme/volunteer_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def volunteer_create_view(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    units = selectors.programme_units(actor=request.user)
    form = VolunteerForm(
        request.POST if request.method == "POST" else None,
        units=units,
        users=selectors.volunteer_linkable_users(actor=request.user),
        initial={"unit": units.first() if units.count() == 1 else None},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        unit, given_name, joined_on = data.pop("unit"), data.pop("given_name"), data.pop("joined_on")
        try:
            volunteer = services.volunteer_create(
                actor=request.user, unit=unit, given_name=given_name, joined_on=joined_on, **data
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Volunteer “%(name)s” added.") % {"name": volunteer})
            return redirect("volunteer_detail", public_id=volunteer.public_id)
    return _form_page(request, {"form": form}, 400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def volunteer_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    volunteer = _volunteer(request, public_id)
    if not selectors.volunteer_can_manage(actor=request.user, volunteer=volunteer):
        raise PermissionDenied
    initial = {field: getattr(volunteer, field) for field in EDITABLE}
    initial["languages"] = ", ".join(volunteer.languages or [])
    initial["version"] = volunteer.version
    users = selectors.volunteer_linkable_users(actor=request.user, volunteer=volunteer)
    units = selectors.programme_units(actor=request.user)

    def bound(values: Any) -> VolunteerEditForm:
        return VolunteerEditForm(values, units=units, users=users, initial=initial)

    form = bound(request.POST if request.method == "POST" else None)
    current = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        expected_version = data.pop("version")
        changes = {field: value for field, value in data.items() if value != initial.get(field)}
        if "languages" in changes and changes["languages"] == (volunteer.languages or []):
            del changes["languages"]
        try:
            services.volunteer_update(
                actor=request.user, volunteer=volunteer, expected_version=expected_version, changes=changes
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        except StaleVersion as conflict:
            current = conflict.current
            values = request.POST.copy()
            values["version"] = str(current.version)  # type: ignore[attr-defined]
            form = bound(values)
            form.is_valid()
            form.add_error(
                None,
                _("Someone else saved this volunteer while you were editing. Compare, then save again."),
            )
        else:
            messages.success(request, _("Volunteer “%(name)s” saved.") % {"name": volunteer})
            return redirect("volunteer_detail", public_id=volunteer.public_id)
    status = 409 if current is not None else (400 if form.errors else 200)
    return _form_page(request, {"form": form, "volunteer": volunteer, "current": current}, status)


def _activities_for_staff(request: HttpRequest, volunteer: Volunteer) -> Any:
    """Activities of the volunteer's organisation that the actor sees (the hours and training choices)."""
    return (
        selectors.activities_for_actor(actor=request.user)
        .filter(organisation_id=volunteer.organisation_id)
        .order_by("-starts_on", "title")
    )


def _hours_activities(request: HttpRequest, volunteer: Volunteer) -> Any:
    if selectors.volunteer_can_manage(actor=request.user, volunteer=volunteer):
        return _activities_for_staff(request, volunteer)
    return selectors.activities_facilitated_by(volunteer=volunteer)


def _detail_context(request: HttpRequest, volunteer: Volunteer) -> dict[str, Any]:
    today = timezone.localdate()
    conduct = selectors.conduct_current(organisation_id=volunteer.organisation_id)
    record = selectors.volunteer_record(volunteer=volunteer, today=today)
    accepted_current = conduct is not None and any(a.code_id == conduct.pk for a in record.acceptances)
    expiries = [
        e
        for e in selectors.expiries_for_units(
            unit_ids=[volunteer.unit_id],
            today=today,
            days=selectors.reminder_days_for(organisation_id=volunteer.organisation_id),
        )
        if e.volunteer.pk == volunteer.pk
    ]
    expiring_titles = {e.title.casefold(): e for e in expiries if e.what == "training"}
    for training in record.trainings:
        training.expired = training.expires_on is not None and training.expires_on < today  # type: ignore[attr-defined]
        training.expiring = training.title.casefold() in expiring_titles  # type: ignore[attr-defined]
    check_expires = volunteer.background_check_expires_on
    return {
        "volunteer": volunteer,
        "record": record,
        "conduct": conduct,
        "accepted_current": accepted_current,
        "check_expired": check_expires is not None and check_expires < today,
        "check_expiring": any(e.what == "background_check" for e in expiries),
        "today": today,
    }


@require_GET
def volunteer_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    volunteer = _volunteer(request, public_id)
    can_manage = selectors.volunteer_can_manage(actor=request.user, volunteer=volunteer)
    if not can_manage:
        # Only their own profile is left: it has its own page.
        return redirect("volunteer_me")
    context = _detail_context(request, volunteer)
    # Three forms on one page: ids of their own (the names stay, each posts to its own view).
    context["training_form"] = TrainingForm(
        activities=_activities_for_staff(request, volunteer), auto_id="training_%s"
    )
    context["hours_form"] = HoursForm(
        activities=_activities_for_staff(request, volunteer), activity_required=False, auto_id="hours_%s"
    )
    if context["conduct"] is not None and not context["accepted_current"]:
        context["conduct_form"] = ConductAcceptForm(
            own=False, initial={"version_number": context["conduct"].version_number}, auto_id="conduct_%s"
        )
    with transaction.atomic():
        audit_record(
            actor=request.user,
            organisation=volunteer.organisation_id,
            action="programme.volunteer.viewed",
            obj=volunteer,
        )
    return render(request, "programme/volunteer_detail.html", context)


def _back(request: HttpRequest, volunteer: Volunteer) -> HttpResponse:
    if selectors.volunteer_can_manage(actor=request.user, volunteer=volunteer):
        return redirect("volunteer_detail", public_id=volunteer.public_id)
    return redirect("volunteer_me")


@require_http_methods(["GET", "POST"])
def training_add_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    volunteer = _volunteer(request, public_id)
    if not selectors.volunteer_can_manage(actor=request.user, volunteer=volunteer):
        raise PermissionDenied
    form = TrainingForm(
        request.POST if request.method == "POST" else None,
        activities=_activities_for_staff(request, volunteer),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.training_add(actor=request.user, volunteer=volunteer, **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Training recorded."))
            return _back(request, volunteer)
    return render(
        request,
        "programme/training_form.html",
        {"form": form, "volunteer": volunteer},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def hours_add_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Staff log a volunteer's hours; a volunteer logs their own, for an activity they facilitate."""
    volunteer = _volunteer(request, public_id)
    can_manage = selectors.volunteer_can_manage(actor=request.user, volunteer=volunteer)
    if not (can_manage or _is_own(request, volunteer)):
        raise Http404
    form = HoursForm(
        request.POST if request.method == "POST" else None,
        activities=_hours_activities(request, volunteer),
        activity_required=not can_manage,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.hours_log(actor=request.user, volunteer=volunteer, **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Hours logged."))
            return _back(request, volunteer)
    return render(
        request,
        "programme/hours_form.html",
        {"form": form, "volunteer": volunteer, "own": not can_manage},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def conduct_accept_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Acceptance of the current code of conduct: staff record a signed paper, a volunteer accepts it."""
    volunteer = _volunteer(request, public_id)
    can_manage = selectors.volunteer_can_manage(actor=request.user, volunteer=volunteer)
    own = _is_own(request, volunteer) and not can_manage
    if not (can_manage or own):
        raise Http404
    conduct = selectors.conduct_current(organisation_id=volunteer.organisation_id)
    if conduct is None:
        messages.error(request, _("The organisation has not published a code of conduct yet."))
        return _back(request, volunteer)
    form = ConductAcceptForm(
        request.POST if request.method == "POST" else None,
        own=own,
        initial={"version_number": conduct.version_number},
    )
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["version_number"] != conduct.version_number:
            form.add_error(
                None, _("A new version of the code of conduct was published meanwhile: read it, then accept.")
            )
        else:
            try:
                services.conduct_accept(
                    actor=request.user,
                    volunteer=volunteer,
                    code=conduct,
                    accepted_on=form.cleaned_data.get("accepted_on") or timezone.localdate(),
                )
            except ValidationError as exc:
                form_add_validation_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Acceptance of version %(version)s recorded.") % {"version": conduct.version_number},
                )
                return _back(request, volunteer)
    return render(
        request,
        "programme/conduct_accept.html",
        {"form": form, "volunteer": volunteer, "conduct": conduct, "own": own},
        status=400 if form.errors else 200,
    )


@require_GET
def volunteer_me(request: HttpRequest) -> HttpResponse:
    """A volunteer's own page: their activities, hours, trainings and the code of conduct."""
    try:
        volunteer = selectors.volunteer_of_user(user=request.user)
    except Volunteer.DoesNotExist:
        raise Http404 from None
    context = _detail_context(request, volunteer)
    context["activities"] = selectors.activities_facilitated_by(volunteer=volunteer).select_related(
        "activity_type"
    )
    context["hours_form"] = HoursForm(
        activities=selectors.activities_facilitated_by(volunteer=volunteer), auto_id="hours_%s"
    )
    if context["conduct"] is not None and not context["accepted_current"]:
        context["conduct_form"] = ConductAcceptForm(
            own=True, initial={"version_number": context["conduct"].version_number}, auto_id="conduct_%s"
        )
    return render(request, "programme/volunteer_me.html", context)
