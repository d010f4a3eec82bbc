"""Volunteers: profiles, the recruitment pipeline, trainings and the curriculum's certificate,
safeguarding, code of conduct, hours, expiry reminders.

Staff who manage the programme in a unit (programme managers, field educators) manage its volunteers.
A volunteer signed in with a linked account sees only their own page (`volunteer_me`): their
activities, hours, trainings and the code of conduct to accept. The training curriculum is the
organisation administrators' (`curriculum_*`).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.core.audit import audit_record
from kujdes.core.content_languages import offered_languages, organisation_language
from kujdes.core.forms import form_add_validation_error
from kujdes.core.locking import StaleVersion
from kujdes.core.models import Organisation
from kujdes.core.reads import ReadRow, identity_rows_read
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm, organisations_for_actor
from kujdes.programme import selectors, services
from kujdes.programme.forms_volunteers import (
    ConductAcceptForm,
    CurriculumModuleForm,
    HoursForm,
    PipelineFilterForm,
    StageChangeForm,
    TrainingForm,
    VolunteerEditForm,
    VolunteerFilterForm,
    VolunteerForm,
)
from kujdes.programme.models import BackgroundCheck, TrainingModule, Volunteer, VolunteerStage
from kujdes.programme.volunteers import selectors as pipeline
from kujdes.programme.volunteers import services as pipeline_services

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
            volunteer = pipeline_services.volunteer_enter(
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
        "history": pipeline.stage_history(volunteer=volunteer),
        "progress": pipeline.curriculum_progress(volunteer=volunteer),
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
        activities=_activities_for_staff(request, volunteer),
        modules=pipeline.curriculum_modules(organisation_id=volunteer.organisation_id),
        auto_id="training_%s",
    )
    context["next_stages"] = pipeline.NEXT_STAGES.get(volunteer.stage, ())
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
        modules=pipeline.curriculum_modules(organisation_id=volunteer.organisation_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            pipeline_services.training_record(actor=request.user, volunteer=volunteer, **form.cleaned_data)
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


# -- the recruitment pipeline ---------------------------------------------------------------------------


def _stage_order() -> Case:
    return Case(
        *[When(stage=stage, then=Value(index)) for index, stage in enumerate(pipeline.BOARD_STAGES)],
        default=Value(len(pipeline.BOARD_STAGES)),
        output_field=IntegerField(),
    )


@require_GET
def volunteer_pipeline(request: HttpRequest) -> HttpResponse:
    """The pipeline as a board: how many volunteers are at each stage, and the list of a stage (or all),
    oldest in their stage first; the filters live in the URL."""
    _require_manage(request)
    units = selectors.programme_units(actor=request.user)
    filters = PipelineFilterForm(request.GET or None, units=units)
    chosen: dict[str, Any] = filters.cleaned_data if filters.is_valid() else {}
    scoped = selectors.volunteers_for_actor(actor=request.user)
    if chosen.get("unit"):
        scoped = scoped.filter(unit=chosen["unit"])
    if chosen.get("name"):
        for word in chosen["name"].split():
            scoped = scoped.filter(Q(given_name__icontains=word) | Q(family_name__icontains=word))
    counts = pipeline.stage_counts(volunteers=scoped)
    listed = scoped.filter(stage=chosen["stage"]) if chosen.get("stage") else scoped
    listed = listed.select_related("unit").order_by(
        _stage_order(), F("stage_since").asc(nulls_first=True), "given_name", "family_name", "pk"
    )
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for volunteer in page.object_list:
        since = volunteer.stage_since
        volunteer.days_in_stage = (today - since).days if since else None  # type: ignore[attr-defined]
    identity_rows_read(
        request=request,
        action="programme.volunteers.viewed",
        rows=[ReadRow.of(volunteer, record="volunteer") for volunteer in page.object_list],
        filters={key: getattr(value, "public_id", value) for key, value in chosen.items() if key != "name"},
        search=chosen.get("name", ""),
        page=page.number,
        organisation_id=_organisation_id(request),
        details={"count": len(page.object_list), "view": "pipeline"},
    )
    # The board's columns link to their stage and keep the other filters.
    others = request.GET.copy()
    for key in ("stage", "page"):
        others.pop(key, None)
    labels = dict(VolunteerStage.choices)
    columns = []
    for stage in pipeline.BOARD_STAGES:
        link = others.copy()
        link["stage"] = stage
        columns.append(
            {
                "stage": stage,
                "label": labels[stage],
                "count": counts[stage],
                "query": link.urlencode(),
                "current": chosen.get("stage") == stage,
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "programme/volunteer_pipeline.html",
        {
            "page": page,
            "filters": filters,
            "columns": columns,
            "all_query": others.urlencode(),
            "total": sum(counts.values()),
            "query": query.urlencode(),
        },
    )


@require_http_methods(["GET", "POST"])
def volunteer_stage_change_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Move a volunteer to their next stage (or refuse them, or record their withdrawal), with the date,
    the decision's notes and who decided (the signed-in user)."""
    volunteer = _volunteer(request, public_id)
    if not selectors.volunteer_can_manage(actor=request.user, volunteer=volunteer):
        raise PermissionDenied
    stages = pipeline.NEXT_STAGES.get(volunteer.stage, ())

    def bound(values: Any) -> StageChangeForm:
        return StageChangeForm(values, stages=stages, initial={"version": volunteer.version})

    form = bound(request.POST if request.method == "POST" else None)
    conflict = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pipeline_services.volunteer_stage_change(
                actor=request.user,
                volunteer=volunteer,
                to_stage=data["to_stage"],
                decided_on=data["decided_on"],
                notes=data["notes"],
                expected_version=data["version"],
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        except StaleVersion as stale:
            conflict = True
            volunteer = stale.current  # type: ignore[assignment]
            stages = pipeline.NEXT_STAGES.get(volunteer.stage, ())
            values = request.POST.copy()
            values["version"] = str(volunteer.version)
            form = bound(values)
            form.is_valid()
            form.add_error(
                None,
                _(
                    "Someone else changed this volunteer meanwhile: they are now at “%(stage)s”."
                    " Check, then save again."
                )
                % {"stage": volunteer.get_stage_display()},  # type: ignore[attr-defined]
            )
        else:
            messages.success(
                request,
                _("%(name)s is now at “%(stage)s”.")
                % {"name": volunteer, "stage": VolunteerStage(data["to_stage"]).label},
            )
            return redirect("volunteer_detail", public_id=volunteer.public_id)
    status = 409 if conflict else (400 if form.errors else 200)
    return render(
        request,
        "programme/volunteer_stage_form.html",
        {"form": form, "volunteer": volunteer, "history": pipeline.stage_history(volunteer=volunteer)},
        status=status,
    )


@require_GET
def volunteer_certificate(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The certificate of the training curriculum, once every module is recorded (PDF, audited)."""
    from kujdes.programme.volunteers.certificate import certificate_language, volunteer_certificate_pdf

    volunteer = _volunteer(request, public_id)
    if not selectors.volunteer_can_manage(actor=request.user, volunteer=volunteer):
        raise PermissionDenied
    try:
        pdf = volunteer_certificate_pdf(
            actor=request.user,
            volunteer=volunteer,
            language=certificate_language(request.GET.get("language")),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("volunteer_detail", public_id=volunteer.public_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="volunteer-certificate-{volunteer.public_id.hex[:8]}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


# -- the training curriculum (organisation administrators) ------------------------------------------------


def _configured_organisation(request: HttpRequest) -> Organisation:
    """The organisation the administrator configures (the first, for the rare admin of several)."""
    organisation = (
        organisations_for_actor(actor=request.user, perm=Perm.ORGANISATION_CONFIGURE).order_by("pk").first()
    )
    if organisation is None:
        raise PermissionDenied
    return organisation


@require_GET
def curriculum_list(request: HttpRequest) -> HttpResponse:
    organisation = _configured_organisation(request)
    modules = list(pipeline.curriculum_modules(organisation_id=organisation.pk, active_only=False))
    codes = {module.code for module in modules}
    missing = [m for m in pipeline_services.default_curriculum() if m["code"] not in codes]
    active = [m for m in modules if m.is_active]
    return render(
        request,
        "programme/curriculum_list.html",
        {
            "organisation": organisation,
            "modules": modules,
            "missing": len(missing),
            "hours_total": sum((m.hours for m in active), start=Decimal(0)),
        },
    )


@require_POST
def curriculum_install_view(request: HttpRequest) -> HttpResponse:
    organisation = _configured_organisation(request)
    added = pipeline_services.curriculum_install(actor=request.user, organisation_id=organisation.pk)
    messages.success(request, _("%(count)s modules of the default curriculum added.") % {"count": added})
    return redirect("curriculum_list")


def _module_page(request: HttpRequest, context: dict[str, Any], status: int) -> HttpResponse:
    return render(request, "programme/curriculum_module_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def curriculum_module_create(request: HttpRequest) -> HttpResponse:
    organisation = _configured_organisation(request)
    form = CurriculumModuleForm(
        request.POST if request.method == "POST" else None,
        required_language=organisation_language(organisation),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pipeline_services.curriculum_module_save(
                actor=request.user,
                organisation_id=organisation.pk,
                code=data["code"],
                names=form.names(),
                hours=data["hours"],
                order=data["order"],
                is_active=data["is_active"],
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Module added to the curriculum."))
            return redirect("curriculum_list")
    return _module_page(request, {"form": form}, 400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def curriculum_module_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    organisation = _configured_organisation(request)
    try:
        module = pipeline.curriculum_module_get(organisation_id=organisation.pk, public_id=str(public_id))
    except TrainingModule.DoesNotExist:
        raise Http404 from None
    initial = {
        **{f"name_{language}": module.names.get(language, "") for language in offered_languages()},
        "hours": module.hours,
        "order": module.order,
        "is_active": module.is_active,
        "version": module.version,
    }
    form = CurriculumModuleForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        editing=True,
        required_language=organisation_language(organisation),
    )
    conflict = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pipeline_services.curriculum_module_save(
                actor=request.user,
                organisation_id=organisation.pk,
                module=module,
                names=form.names(),
                hours=data["hours"],
                order=data["order"],
                is_active=data["is_active"],
                expected_version=data.get("version"),
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        except StaleVersion:
            conflict = True
            form.add_error(
                None, _("Someone else saved this module meanwhile. Reload the page, then save again.")
            )
        else:
            messages.success(request, _("Module saved."))
            return redirect("curriculum_list")
    status = 409 if conflict else (400 if form.errors else 200)
    return _module_page(request, {"form": form, "module": module}, status)
