"""The organisation's staff: who serves which unit, and how (employee, missionary or religious,
volunteer, external trainer). For the administrators who manage the units' users
(Perm.ORGANISATION_USERS_MANAGE); a membership of another unit or organisation is 404.

The category lives on the membership (user × unit × role): it is how someone serves that unit, and
the programme copies it onto each activity they facilitate, so the reports count by it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kujdes.core.forms import StaffCategoryForm, StaffFilterForm, form_add_validation_error
from kujdes.core.models import Membership, StaffCategory
from kujdes.core.roles import Perm
from kujdes.core.selectors import (
    actor_has_perm,
    staff_membership_get,
    staff_memberships_for_actor,
    units_for_actor,
)
from kujdes.core.services import membership_staff_category_set

PAGE_SIZE = 25


def _require_admin(request: HttpRequest) -> None:
    if not actor_has_perm(actor=request.user, perm=Perm.ORGANISATION_USERS_MANAGE):
        raise PermissionDenied


@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    """Every membership of the units the actor administers, with its staff category; filters in the URL."""
    _require_admin(request)
    units = units_for_actor(actor=request.user, perm=Perm.ORGANISATION_USERS_MANAGE)
    filters = StaffFilterForm(request.GET or None, units=units)
    chosen: dict[str, Any] = filters.cleaned_data if filters.is_valid() else {}
    memberships = staff_memberships_for_actor(actor=request.user)
    category = chosen.get("staff_category")
    if category == "none":
        memberships = memberships.filter(staff_category="")
    elif category:
        memberships = memberships.filter(staff_category=category)
    if chosen.get("unit"):
        memberships = memberships.filter(unit=chosen["unit"])
    if chosen.get("role"):
        memberships = memberships.filter(role=chosen["role"])
    for word in (chosen.get("name") or "").split():
        memberships = memberships.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__username__icontains=word)
        )
    page = Paginator(
        memberships.order_by("unit__path", "user__last_name", "user__first_name", "role", "pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/staff_list.html",
        {"page": page, "filters": filters, "query": query.urlencode(), "categories": StaffCategory},
    )


@require_http_methods(["GET", "POST"])
def staff_category_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    _require_admin(request)
    try:
        membership = staff_membership_get(actor=request.user, public_id=public_id)
    except (Membership.DoesNotExist, ValidationError):
        raise Http404 from None
    form = StaffCategoryForm(
        request.POST if request.method == "POST" else None,
        initial={"staff_category": membership.staff_category},
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership_staff_category_set(
                actor=request.user, membership=membership, staff_category=form.cleaned_data["staff_category"]
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s: staff category saved for %(unit)s.")
                % {"name": membership.user.display_name, "unit": membership.unit.name},
            )
            return redirect("staff_list")
    return render(
        request,
        "core/staff_category_form.html",
        {"form": form, "membership": membership},
        status=400 if form.errors else 200,
    )
