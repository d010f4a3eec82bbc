"""The network's home (the coordinator's dashboard) and the partner directory.

Sub-rooms add their sections to the dashboard and to a partner's page through
`kujdes.core.panels` (pages "network_dashboard" and "partner"), so that this module
imports none of them.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.accounts.models import User
from kujdes.core.forms import form_add_validation_error
from kujdes.core.locking import StaleVersion
from kujdes.core.models import Membership
from kujdes.core.panels import panels_render
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm
from kujdes.network import grants, selectors, services
from kujdes.network.forms import FocalPointForm, NetworkRoleGrantForm, PartnerFilterForm, PartnerForm
from kujdes.network.models import Partner

# The sub-rooms' front pages, in the order of the network's tabs (left out while not installed).
NETWORK_ROOMS = (
    ("network_practice_list", gettext_lazy("Good practices")),
    ("network_exchange_list", gettext_lazy("Exchanges and study visits")),
    ("network_meeting_list", gettext_lazy("Meetings and working groups")),
    ("network_scorecard", gettext_lazy("Common milestones")),
    ("network_release_list", gettext_lazy("Statistics releases")),
    ("network_stakeholder_list", gettext_lazy("Stakeholders")),
)
# Tabs shown only to those whose roles grant a permission.
NETWORK_ROOMS_RESTRICTED = (("federation_home", gettext_lazy("Federation"), Perm.FEDERATION_MANAGE),)


def network_rooms(*, actor: User | None = None) -> list[tuple[str, str, str]]:
    rooms = []
    restricted = [
        (url_name, label)
        for url_name, label, perm in NETWORK_ROOMS_RESTRICTED
        if actor is not None and actor_has_perm(actor=actor, perm=perm)
    ]
    for url_name, label in (*NETWORK_ROOMS, *restricted):
        try:
            rooms.append((url_name, reverse(url_name), str(label)))
        except NoReverseMatch:
            continue
    return rooms


def _partner_or_404(request: HttpRequest, public_id: uuid.UUID) -> Partner:
    try:
        return selectors.partner_get(actor=request.user, public_id=str(public_id))
    except Partner.DoesNotExist:
        raise Http404 from None


@require_GET
def network_home(request: HttpRequest) -> HttpResponse:
    """The coordinator's dashboard; every staff member sees the network's sections they may read."""
    selectors.network_require(actor=request.user, perm=Perm.NETWORK_READ)
    return render(
        request,
        "network/home.html",
        {
            "panels": panels_render(page="network_dashboard", request=request, obj=None),
            "own_partner": selectors.actor_partner(actor=request.user),
            "is_coordinator": selectors.actor_is_coordinator(actor=request.user),
            "network_rooms": network_rooms(actor=request.user),
        },
    )


@require_GET
def partner_list(request: HttpRequest) -> HttpResponse:
    form = PartnerFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    partners = selectors.partners_for_actor(
        actor=request.user,
        country=filters.get("country", ""),
        theme=filters.get("theme", ""),
        service=filters.get("service", ""),
        status=filters.get("status", ""),
        query=filters.get("q", ""),
    ).prefetch_related("focal_points")
    return render(
        request,
        "network/partner_list.html",
        {
            "form": form,
            "partners": partners,
            "can_create": selectors.actor_is_coordinator(actor=request.user),
        },
    )


@require_GET
def partner_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    partner = _partner_or_404(request, public_id)
    return render(
        request,
        "network/partner_detail.html",
        {
            "partner": partner,
            "focal_points": selectors.focal_points_of(partner=partner),
            "can_edit": selectors.partner_can_edit(actor=request.user, partner=partner),
            "panels": panels_render(page="partner", request=request, obj=partner),
        },
    )


@require_http_methods(["GET", "POST"])
def partner_create_view(request: HttpRequest) -> HttpResponse:
    selectors.network_require(actor=request.user, perm=Perm.NETWORK_MANAGE)
    form = PartnerForm(request.POST or None, coordinator=True)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            partner = services.partner_create(actor=request.user, **fields)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The partner was added."))
            return redirect("network_partner_detail", public_id=partner.public_id)
    return render(request, "network/partner_form.html", {"form": form, "partner": None})


@require_http_methods(["GET", "POST"])
def partner_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    partner = _partner_or_404(request, public_id)
    if not selectors.partner_can_edit(actor=request.user, partner=partner):
        raise PermissionDenied
    coordinator = selectors.actor_is_coordinator(actor=request.user)
    if request.method == "POST":
        form = PartnerForm(request.POST, instance=Partner.objects.get(pk=partner.pk), coordinator=coordinator)
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.fields if name != "version"}
            try:
                services.partner_update(
                    actor=request.user,
                    partner=partner,
                    version=form.cleaned_data["version"] or partner.version,
                    changes=changes,
                )
            except StaleVersion:
                form.add_error(
                    None,
                    _(
                        "Someone else saved this partner in the meantime. Your changes are still below: "
                        "check them against the current profile and save again."
                    ),
                )
                form.data = form.data.copy()
                form.data["version"] = str(Partner.objects.get(pk=partner.pk).version)
            except ValidationError as exc:
                form_add_validation_error(form, exc)
            else:
                messages.success(request, _("The partner's profile was saved."))
                return redirect("network_partner_detail", public_id=partner.public_id)
    else:
        form = PartnerForm(instance=partner, initial={"version": partner.version}, coordinator=coordinator)
    return render(request, "network/partner_form.html", {"form": form, "partner": partner})


@require_http_methods(["GET", "POST"])
def focal_point_add_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    partner = _partner_or_404(request, public_id)
    if not selectors.partner_can_edit(actor=request.user, partner=partner):
        raise PermissionDenied
    form = FocalPointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.focal_point_add(actor=request.user, partner=partner, **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The focal point was added."))
            return redirect("network_partner_detail", public_id=partner.public_id)
    return render(request, "network/focal_point_form.html", {"form": form, "partner": partner})


@require_POST
def focal_point_remove_view(
    request: HttpRequest, public_id: uuid.UUID, focal_point_id: uuid.UUID
) -> HttpResponse:
    partner = _partner_or_404(request, public_id)
    try:
        focal_point = selectors.focal_point_get(
            actor=request.user, partner=partner, public_id=str(focal_point_id)
        )
    except partner.focal_points.model.DoesNotExist:
        raise Http404 from None
    services.focal_point_remove(actor=request.user, focal_point=focal_point)
    messages.success(request, _("The focal point was removed."))
    return redirect("network_partner_detail", public_id=partner.public_id)


def _network_admin_or_404(request: HttpRequest) -> None:
    # The page of the installation's network administrators: for anyone else it does not exist.
    if not request.user.is_network_admin:
        raise Http404


@require_http_methods(["GET", "POST"])
def network_roles(request: HttpRequest) -> HttpResponse:
    """Who holds a network role; a network administrator grants one here."""
    _network_admin_or_404(request)
    form = NetworkRoleGrantForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            user = User.objects.filter(username=form.cleaned_data["username"], is_active=True).first()
            unit = grants.user_top_unit(user=user) if user is not None else None
            if user is None or unit is None:
                form.add_error("username", _("No active user of an organisation has this username."))
            else:
                try:
                    grants.network_role_grant(
                        actor=request.user, user=user, unit=unit, role=form.cleaned_data["role"]
                    )
                except ValidationError as exc:
                    form_add_validation_error(form, exc)
                else:
                    messages.success(request, _("The network role was granted."))
                    return redirect("network_roles")
        status = 400
    return render(
        request,
        "network/roles.html",
        {"form": form, "holders": grants.network_role_holders(actor=request.user)},
        status=status,
    )


@require_POST
def network_role_revoke_view(request: HttpRequest, membership_id: uuid.UUID) -> HttpResponse:
    _network_admin_or_404(request)
    try:
        membership = grants.network_role_membership(actor=request.user, public_id=str(membership_id))
    except Membership.DoesNotExist:
        raise Http404 from None
    grants.network_role_revoke(actor=request.user, membership=membership)
    messages.success(request, _("The network role was revoked."))
    return redirect("network_roles")
