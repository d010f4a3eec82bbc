"""Summer camps: days, groups, parental consent, the roster, and the restricted incident log.

Everyone who sees a camp (its staff, the volunteers who facilitate it) sees the overview. Groups and
consents are changed by staff who manage the camp (others: 403). The incident log is for those staff
only: to everyone else — volunteers, case workers — it answers 404, as if it did not exist.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
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
from kujdes.people.consent import guardians_of
from kujdes.people.models import Person
from kujdes.people.selectors import persons_with_keys
from kujdes.programme import selectors, services
from kujdes.programme.camp_consent import (
    camp_consent_record,
    camp_consent_withdraw,
    camp_consents,
    withdrawn_person_ids,
)
from kujdes.programme.forms_camp import (
    CampConsentWithdrawForm,
    CampGroupForm,
    CampParticipantForm,
    IncidentForm,
)
from kujdes.programme.models import Activity, ActivityKind, Participation, ParticipationStatus

PAGE_SIZE = 25


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
    # A child whose parent withdrew the consent to take part leaves the camp's lists: counted, not shown.
    withdrawn = withdrawn_person_ids(activity=activity)
    enrolled = [
        p for p in selectors.participations_of(activity=activity) if p.status != ParticipationStatus.DROPPED
    ]
    campers = [p for p in enrolled if p.person_id not in withdrawn]
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
            "withdrawn": len(enrolled) - len(campers),
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


def _camp_participation(request: HttpRequest, public_id: uuid.UUID) -> Participation:
    """A camper of a camp the actor manages: 404 for other participations, kinds or organisations."""
    if not actor_has_perm(actor=request.user, perm=Perm.PROGRAMME_VIEW):
        raise PermissionDenied
    try:
        participation = selectors.participation_get(actor=request.user, public_id=str(public_id))
    except (Participation.DoesNotExist, ValidationError):
        raise Http404 from None
    activity = participation.activity
    if activity.activity_type.kind != ActivityKind.CAMP:
        raise Http404
    if not selectors.activity_can_manage(actor=request.user, activity=activity):
        raise PermissionDenied
    participation.person = persons_with_keys([participation.person])[0]
    return participation


@require_http_methods(["GET", "POST"])
def camp_participant_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The camper's group and parental consent; `action=withdraw` withdraws the consent (for taking
    part, photos or both) and the withdrawal takes effect (kujdes/programme/camp_consent.py)."""
    participation = _camp_participation(request, public_id)
    activity = participation.activity
    guardians = guardians_of(person=participation.person)
    groups = selectors.camp_groups_of(activity=activity)
    posted = request.POST if request.method == "POST" else None
    withdrawing = posted is not None and posted.get("action") == "withdraw"
    form = CampParticipantForm(
        None if withdrawing else posted,
        groups=groups,
        guardians=[
            (str(g.public_id), f"{g.given_name or ''} {g.family_name or ''} ({g.code})") for g in guardians
        ],
        initial={
            "camp_group": participation.camp_group_id,
            "parental_consent": participation.parental_consent,
        },
    )
    withdraw_form = CampConsentWithdrawForm(posted if withdrawing else None)
    if withdrawing and withdraw_form.is_valid():
        try:
            camp_consent_withdraw(
                actor=request.user,
                participation=participation,
                purposes=withdraw_form.cleaned_data["purposes"],
            )
        except ValidationError as exc:
            form_add_validation_error(withdraw_form, exc)
        else:
            messages.success(request, _("Consent withdrawn."))
            return redirect("camp_overview", public_id=activity.public_id)
    elif not withdrawing and request.method == "POST" and form.is_valid():
        try:
            _camp_participant_save(request, participation, form.cleaned_data, guardians)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("camp_overview", public_id=activity.public_id)
    if guardians:
        identity_rows_read(
            request=request,
            action="person.guardians.viewed",
            rows=[ReadRow.of(guardian) for guardian in guardians],
            obj=participation,
            unit=activity.unit,
            details={"page": "camp"},
            enforce=request.method == "GET",
        )
    consents = camp_consents(participation=participation)
    return render(
        request,
        "programme/camp_participant_form.html",
        {
            "activity": activity,
            "participation": participation,
            "form": form,
            "withdraw_form": withdraw_form,
            "consents": consents,
            "can_withdraw": participation.parental_consent or any(c.withdrawn_on is None for c in consents),
        },
        status=400 if form.errors or withdraw_form.errors else 200,
    )


def _camp_participant_save(
    request: HttpRequest, participation: Participation, data: dict[str, Any], guardians: list[Person]
) -> None:
    with transaction.atomic():
        if (data["camp_group"] and data["camp_group"].pk) != participation.camp_group_id:
            services.camp_group_assign(
                actor=request.user, participation=participation, group=data["camp_group"]
            )
        if not data["parental_consent"]:
            return
        guardian = next((g for g in guardians if str(g.public_id) == data["guardian"]), None)
        if data["guardian"] and guardian is None:
            raise ValidationError({"guardian": _("Choose a recorded parent or guardian of the child.")})
        try:
            camp_consent_record(
                actor=request.user,
                participation=participation,
                guardian=guardian,
                guardian_name=data["guardian_name"],
                guardian_kind=data["guardian_kind"],
                method=data["consent_method"],
                photos=data["photos"],
            )
        except PermissionDenied:
            raise ValidationError(
                {"guardian_name": _("You cannot register persons in the child's unit: ask a case worker.")}
            ) from None


@require_GET
def incident_list(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    activity = _incident_camp(request, public_id)
    incidents = (
        selectors.incidents_of(actor=request.user, activity=activity)
        .select_related("reported_by")
        .order_by("-occurred_at", "-pk")
    )
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    with transaction.atomic():
        # Only the page shown is read (and recorded as read).
        audit_record(
            actor=request.user,
            organisation=activity.organisation_id,
            action="programme.camp.incidents.viewed",
            obj=activity,
            unit=activity.unit,
            details={"incidents": len(page.object_list)},
        )
    return render(
        request,
        "programme/incident_list.html",
        {"activity": activity, "page": page, "incidents": page.object_list},
    )


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
