"""Summer camps: days, groups, parental consent, the roster, and the restricted incident log.

Everyone who sees a camp (its staff, the volunteers who facilitate it) sees the overview. Groups and
consents are changed by staff who manage the camp (others: 403). The incident log is for those staff
only: to everyone else — volunteers, case workers — it answers 404, as if it did not exist.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kujdes.core.audit import audit_record
from kujdes.core.forms import form_add_validation_error
from kujdes.core.reads import ReadRow, identity_rows_read
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm
from kujdes.people.selectors import persons_with_keys
from kujdes.programme import selectors, services
from kujdes.programme.forms_camp import CampGroupForm, CampParticipantForm, IncidentForm
from kujdes.programme.models import Activity, ActivityKind, Participation, ParticipationStatus


def _camp_or_404(request: HttpRequest, public_id: uuid.UUID) -> Activity:
    """A summer camp the actor sees; 404 for any other activity, kind or organisation."""
    if not actor_has_perm(actor=request.user, perm=Perm.PROGRAMME_VIEW):
        raise PermissionDenied
    try:
        activity = selectors.activity_get(actor=request.user, public_id=str(public_id))
    except Activity.DoesNotExist:
        raise Http404 from None
    if activity.activity_type.kind != ActivityKind.CAMP:
        raise Http404
    return activity


def _managed_camp(request: HttpRequest, public_id: uuid.UUID) -> Activity:
    activity = _camp_or_404(request, public_id)
    if not selectors.activity_can_manage(actor=request.user, activity=activity):
        raise PermissionDenied
    return activity


def _incident_camp(request: HttpRequest, public_id: uuid.UUID) -> Activity:
    """The incident log exists only for staff who manage the camp: 404 for everyone else."""
    activity = _camp_or_404(request, public_id)
    if not selectors.activity_can_manage(actor=request.user, activity=activity):
        raise Http404
    return activity


@require_GET
def camp_overview(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    activity = _camp_or_404(request, public_id)
    manages = selectors.activity_can_manage(actor=request.user, activity=activity)
    campers = [
        p for p in selectors.participations_of(activity=activity) if p.status != ParticipationStatus.DROPPED
    ]
    groups = list(selectors.camp_groups_of(activity=activity))
    members: dict[int, list[Participation]] = {group.pk: [] for group in groups}
    ungrouped = []
    for camper in campers:
        if camper.camp_group_id in members:
            members[camper.camp_group_id].append(camper)
        else:
            ungrouped.append(camper)
    if campers:
        identity_rows_read(
            request=request,
            action="programme.participants.viewed",
            rows=[ReadRow.of(camper.person) for camper in campers],
            obj=activity,
            unit=activity.unit,
            details={"participants": len(campers), "page": "camp"},
        )
    return render(
        request,
        "programme/camp_overview.html",
        {
            "activity": activity,
            "days": selectors.sessions_of(activity=activity),
            "groups": [{"group": group, "members": members[group.pk]} for group in groups],
            "ungrouped": ungrouped,
            "campers": campers,
            "consent_missing": sum(1 for camper in campers if not camper.parental_consent),
            "roster": selectors.facilitators_of(activity=activity),
            "can_manage": manages,
        },
    )


@require_http_methods(["GET", "POST"])
def camp_group_add_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    activity = _managed_camp(request, public_id)
    form = CampGroupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.camp_group_add(
                actor=request.user,
                activity=activity,
                name=form.cleaned_data["name"],
                leader=form.cleaned_data["leader"],
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Group “%(name)s” added.") % {"name": group.name})
            return redirect("camp_overview", public_id=activity.public_id)
    return render(
        request,
        "programme/camp_group_form.html",
        {"activity": activity, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def camp_participant_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    if not actor_has_perm(actor=request.user, perm=Perm.PROGRAMME_VIEW):
        raise PermissionDenied
    try:
        participation = selectors.participation_get(actor=request.user, public_id=str(public_id))
    except Participation.DoesNotExist:
        raise Http404 from None
    activity = participation.activity
    if activity.activity_type.kind != ActivityKind.CAMP:
        raise Http404
    if not selectors.activity_can_manage(actor=request.user, activity=activity):
        raise PermissionDenied
    participation.person = persons_with_keys([participation.person])[0]
    groups = selectors.camp_groups_of(activity=activity)
    form = CampParticipantForm(
        request.POST if request.method == "POST" else None,
        groups=groups,
        initial={
            "camp_group": participation.camp_group_id,
            "parental_consent": participation.parental_consent,
            "parental_consent_by": participation.parental_consent_by,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if (data["camp_group"] and data["camp_group"].pk) != participation.camp_group_id:
                    services.camp_group_assign(
                        actor=request.user, participation=participation, group=data["camp_group"]
                    )
                by = data["parental_consent_by"].strip()
                if data["parental_consent"] and (
                    not participation.parental_consent or by != participation.parental_consent_by
                ):
                    services.parental_consent_record(
                        actor=request.user, participation=participation, given_by=by
                    )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("camp_overview", public_id=activity.public_id)
    return render(
        request,
        "programme/camp_participant_form.html",
        {"activity": activity, "participation": participation, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
def incident_list(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    activity = _incident_camp(request, public_id)
    incidents = list(
        selectors.incidents_of(actor=request.user, activity=activity).select_related("reported_by")
    )
    with transaction.atomic():
        audit_record(
            actor=request.user,
            organisation=activity.organisation_id,
            action="programme.camp.incidents.viewed",
            obj=activity,
            unit=activity.unit,
            details={"incidents": len(incidents)},
        )
    return render(request, "programme/incident_list.html", {"activity": activity, "incidents": incidents})


@require_http_methods(["GET", "POST"])
def incident_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    activity = _incident_camp(request, public_id)
    form = IncidentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_record(actor=request.user, activity=activity, **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Incident recorded."))
            return redirect("incident_list", public_id=activity.public_id)
    return render(
        request,
        "programme/incident_form.html",
        {"activity": activity, "form": form},
        status=400 if form.errors else 200,
    )
