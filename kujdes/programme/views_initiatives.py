"""Joint initiatives and advocacy actions with partner organisations and institutions.

Staff who see the programme in a unit (PROGRAMME_VIEW) read its initiatives; those who manage it
(PROGRAMME_MANAGE) create and change them. Volunteers are not staff: 403 on the list, 404 on an
initiative. An initiative of another unit or organisation answers 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kujdes.core.forms import form_add_validation_error
from kujdes.core.locking import StaleVersion
from kujdes.core.roles import Perm
from kujdes.programme import selectors, services
from kujdes.programme.forms_initiatives import InitiativeActionForm, InitiativeEditForm, InitiativeForm
from kujdes.programme.models import Initiative

PAGE_SIZE = 25
EDITABLE = ("title", "goal", "started_on", "ended_on", "status", "results")


def _require_staff(request: HttpRequest, perm: Perm = Perm.PROGRAMME_VIEW) -> None:
    if not selectors.programme_units(actor=request.user, perm=perm).exists():
        raise PermissionDenied


def _initiative_or_404(request: HttpRequest, public_id: uuid.UUID) -> Initiative:
    try:
        return selectors.initiative_get(actor=request.user, public_id=str(public_id))
    except Initiative.DoesNotExist:
        raise Http404 from None


def _managed(request: HttpRequest, public_id: uuid.UUID) -> Initiative:
    initiative = _initiative_or_404(request, public_id)
    if not selectors.initiative_can_manage(actor=request.user, initiative=initiative):
        raise PermissionDenied
    return initiative


@require_GET
def initiative_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    initiatives = (
        selectors.initiatives_for_actor(actor=request.user)
        .select_related("unit")
        .prefetch_related("partners")
        .order_by("-started_on", "title", "pk")
    )
    status = request.GET.get("status", "")
    if status in {"active", "completed", "suspended"}:
        initiatives = initiatives.filter(status=status)
    page = Paginator(initiatives, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "programme/initiative_list.html",
        {
            "page": page,
            "status": status,
            "can_create": selectors.programme_units(actor=request.user).exists(),
        },
    )


@require_http_methods(["GET", "POST"])
def initiative_create_view(request: HttpRequest) -> HttpResponse:
    _require_staff(request, Perm.PROGRAMME_MANAGE)
    units = selectors.programme_units(actor=request.user)
    first = units.first()
    partners = selectors.partners_for_organisation(organisation_id=first.organisation_id)  # type: ignore[union-attr]
    form = InitiativeForm(
        request.POST if request.method == "POST" else None,
        units=units,
        partners=partners,
        initial={"unit": first if units.count() == 1 else None},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        unit, title, started_on = data.pop("unit"), data.pop("title"), data.pop("started_on")
        try:
            initiative = services.initiative_create(
                actor=request.user,
                unit=unit,
                title=title,
                started_on=started_on,
                partners=data.pop("partners"),
                **data,
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Initiative “%(title)s” added.") % {"title": initiative.title})
            return redirect("initiative_detail", public_id=initiative.public_id)
    return render(
        request, "programme/initiative_form.html", {"form": form}, status=400 if form.errors else 200
    )


@require_GET
def initiative_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    initiative = _initiative_or_404(request, public_id)
    return render(
        request,
        "programme/initiative_detail.html",
        {
            "initiative": initiative,
            "partners": initiative.partners.order_by("name"),
            "actions": selectors.initiative_actions_of(initiative=initiative),
            "can_manage": selectors.initiative_can_manage(actor=request.user, initiative=initiative),
        },
    )


@require_http_methods(["GET", "POST"])
def initiative_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    initiative = _managed(request, public_id)
    partners = selectors.partners_for_organisation(organisation_id=initiative.organisation_id)
    initial: dict[str, Any] = {field: getattr(initiative, field) for field in EDITABLE}
    initial["partners"] = list(initiative.partners.values_list("pk", flat=True))
    initial["version"] = initiative.version
    form = InitiativeEditForm(
        request.POST if request.method == "POST" else None,
        units=selectors.programme_units(actor=request.user),
        partners=partners,
        initial=initial,
    )
    current = None
    status = 200
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        expected_version = data.pop("version")
        chosen = data.pop("partners")
        changes = {field: value for field, value in data.items() if value != initial.get(field)}
        try:
            services.initiative_update(
                actor=request.user,
                initiative=initiative,
                expected_version=expected_version,
                changes=changes,
                partners=chosen,
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        except StaleVersion as conflict:
            current = conflict.current
            values = request.POST.copy()
            values["version"] = str(current.version)  # type: ignore[attr-defined]
            form = InitiativeEditForm(
                values,
                units=selectors.programme_units(actor=request.user),
                partners=partners,
                initial=initial,
            )
            form.is_valid()
            status = 409
        else:
            messages.success(request, _("Initiative saved."))
            return redirect("initiative_detail", public_id=initiative.public_id)
    if status == 200 and form.errors:
        status = 400
    return render(
        request,
        "programme/initiative_form.html",
        {"form": form, "initiative": initiative, "current": current},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def initiative_action_add_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    initiative = _managed(request, public_id)
    form = InitiativeActionForm(
        request.POST if request.method == "POST" else None,
        partners=selectors.partners_for_organisation(organisation_id=initiative.organisation_id),
        activities=selectors.activities_for_actor(actor=request.user)
        .filter(organisation_id=initiative.organisation_id)
        .order_by("-starts_on", "title"),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.initiative_action_add(actor=request.user, initiative=initiative, **data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Action added."))
            return redirect("initiative_detail", public_id=initiative.public_id)
    return render(
        request,
        "programme/initiative_action_form.html",
        {"form": form, "initiative": initiative},
        status=400 if form.errors else 200,
    )
