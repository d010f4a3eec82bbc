from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.core.forms import UnitEditForm, UnitForm, form_add_validation_error
from kujdes.core.locking import StaleVersion
from kujdes.core.models import Unit
from kujdes.core.roles import ROLE_PERMISSIONS, Perm, Role
from kujdes.core.selectors import actor_has_perm, memberships_of, unit_get, units_for_actor
from kujdes.core.services import unit_create, unit_update


@require_GET
@never_cache
@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    memberships = memberships_of(user=request.user)
    roles = sorted({Role(m.role) for m in memberships}, key=lambda role: list(Role).index(role))
    if roles == [Role.NETWORK_COORDINATOR]:
        # The coordinator's work is the network: sign in to its dashboard, not to an empty page.
        try:
            return redirect(reverse("network_home"))
        except NoReverseMatch:
            pass
    return render(
        request,
        "core/home.html",
        {"memberships": memberships, "roles": [(role, sorted(ROLE_PERMISSIONS[role])) for role in roles]},
    )


@require_POST
@login_not_required
def set_language(request: HttpRequest) -> HttpResponse:
    """Remember the chosen language: on the account when signed in, in a cookie always."""
    from django.conf import settings

    from kujdes.accounts.services import user_language_set

    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in {code for code, _name in settings.LANGUAGES}:
        return response
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _require(request: HttpRequest, perm: Perm) -> None:
    if not actor_has_perm(actor=request.user, perm=perm):
        raise PermissionDenied


@require_GET
def unit_list(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.ORGANISATION_UNITS_MANAGE)
    units = units_for_actor(actor=request.user, perm=Perm.ORGANISATION_UNITS_MANAGE).select_related(
        "organisation"
    )
    return render(request, "core/unit_list.html", {"units": units})


def _unit_or_404(request: HttpRequest, public_id: str) -> Unit:
    try:
        return unit_get(actor=request.user, perm=Perm.ORGANISATION_UNITS_MANAGE, public_id=public_id)
    except Unit.DoesNotExist:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
def unit_add(request: HttpRequest, public_id: str) -> HttpResponse:
    parent = _unit_or_404(request, public_id)
    form = UnitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = unit_create(actor=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Unit “%(name)s” created.") % {"name": unit.name})
            return redirect("unit_list")
    return render(
        request, "core/unit_form.html", {"form": form, "parent": parent}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    unit = _unit_or_404(request, public_id)
    initial = {"name": unit.name, "kind": unit.kind, "is_active": unit.is_active, "version": unit.version}
    form = UnitEditForm(request.POST if request.method == "POST" else None, initial=initial)
    current = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        expected_version = data.pop("version")
        try:
            unit_update(actor=request.user, unit=unit, expected_version=expected_version, **data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        except StaleVersion as conflict:
            # Keep what the user typed, show what was saved meanwhile; saving again overwrites it.
            current = conflict.current
            values = request.POST.copy()
            values["version"] = str(current.version)
            form = UnitEditForm(values, initial=initial)
            form.is_valid()
            form.add_error(
                None, _("Someone else saved this unit while you were editing it. Compare, then save again.")
            )
        else:
            messages.success(request, _("Unit “%(name)s” saved.") % {"name": data["name"]})
            return redirect(reverse("unit_list"))
    status = 409 if current is not None else (400 if form.errors else 200)
    return render(
        request, "core/unit_form.html", {"form": form, "unit": unit, "current": current}, status=status
    )
