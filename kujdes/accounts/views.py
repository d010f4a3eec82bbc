"""Organisation administrators' pages for accounts, and each user's API tokens."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.accounts.forms import InviteForm, MembershipForm
from kujdes.accounts.models import ApiToken, User
from kujdes.accounts.reauth import reauthentication_required
from kujdes.accounts.selectors import (
    api_token_get_for_actor,
    api_tokens_of,
    user_get_for_admin,
    user_has_second_factor,
    users_for_actor,
)
from kujdes.accounts.services import (
    api_token_revoke,
    user_deactivate,
    user_invite,
    user_reactivate,
)
from kujdes.core.forms import form_add_validation_error
from kujdes.core.models import Membership
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm, memberships_held, units_for_actor
from kujdes.core.services import membership_assign, membership_revoke

PAGE_SIZE = 50


def _require_user_admin(request: HttpRequest) -> None:
    if not actor_has_perm(actor=request.user, perm=Perm.ORGANISATION_USERS_MANAGE):
        raise PermissionDenied


def _user_or_404(request: HttpRequest, public_id: str) -> User:
    _require_user_admin(request)
    try:
        return user_get_for_admin(actor=request.user, public_id=public_id)
    except User.DoesNotExist:
        raise Http404 from None


def _admin_units(request: HttpRequest):  # type: ignore[no-untyped-def]
    return units_for_actor(actor=request.user, perm=Perm.ORGANISATION_USERS_MANAGE).filter(is_active=True)


@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    _require_user_admin(request)
    query = request.GET.get("q", "").strip()[:100]
    users = users_for_actor(actor=request.user)
    if query:
        users = users.filter(username__icontains=query) | users.filter(last_name__icontains=query)
    page = Paginator(users.order_by("username", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    # Page links keep the search (the paginated lists' habit: filters live in the URL).
    context = {
        "page": page,
        "users": page.object_list,
        "query": query,
        "qs": urlencode({"q": query} if query else {}),
    }
    return render(request, "accounts/user_list.html", context)


@require_http_methods(["GET", "POST"])
def user_invite_view(request: HttpRequest) -> HttpResponse:
    _require_user_admin(request)
    form = InviteForm(
        request.POST if request.method == "POST" else None,
        units=_admin_units(request),
        network_admin=request.user.is_network_admin,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_invite(
                actor=request.user,
                unit=data["unit"],
                role=data["role"],
                username=data["username"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                language=data["language"],
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s was invited; the link to choose a password went to their e-mail.")
                % {"name": user.display_name},
            )
            return redirect("user_detail", public_id=user.public_id)
    return render(request, "accounts/user_invite.html", {"form": form}, status=400 if form.errors else 200)


def _user_detail_page(
    request: HttpRequest, user: User, form: MembershipForm, status: int = 200
) -> HttpResponse:
    context = {
        "subject": user,
        "subject_memberships": memberships_held(user=user),
        "subject_has_second_factor": user_has_second_factor(user=user),
        "tokens": api_tokens_of(user=user),
        "form": form,
    }
    return render(request, "accounts/user_detail.html", context, status=status)


@require_GET
def user_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user_or_404(request, public_id)
    return _user_detail_page(
        request,
        user,
        MembershipForm(units=_admin_units(request), network_admin=request.user.is_network_admin),
    )


@require_POST
def membership_add(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user_or_404(request, public_id)
    form = MembershipForm(
        request.POST, units=_admin_units(request), network_admin=request.user.is_network_admin
    )
    if form.is_valid():
        try:
            membership_assign(
                actor=request.user, user=user, unit=form.cleaned_data["unit"], role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Role added."))
            return redirect("user_detail", public_id=user.public_id)
    return _user_detail_page(request, user, form, status=400)


@require_POST
def membership_remove(request: HttpRequest, public_id: str, membership_id: str) -> HttpResponse:
    user = _user_or_404(request, public_id)
    try:
        membership = memberships_held(user=user).get(public_id=membership_id)
        membership_revoke(actor=request.user, membership=membership)
    except (Membership.DoesNotExist, PermissionDenied):
        raise Http404 from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Role removed."))
    return redirect("user_detail", public_id=user.public_id)


@require_http_methods(["GET", "POST"])
@reauthentication_required
def user_deactivate_view(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user_or_404(request, public_id)
    if request.method == "POST":
        try:
            user_deactivate(actor=request.user, user=user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(name)s can no longer sign in; their sessions were ended.") % {"name": user.display_name},
            )
        return redirect("user_detail", public_id=user.public_id)
    return render(request, "accounts/user_deactivate.html", {"subject": user})


@require_POST
def user_reactivate_view(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user_or_404(request, public_id)
    user_reactivate(actor=request.user, user=user)
    messages.success(request, _("%(name)s can sign in again.") % {"name": user.display_name})
    return redirect("user_detail", public_id=user.public_id)


@require_GET
def token_list(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/token_list.html", {"tokens": api_tokens_of(user=request.user)})


@require_POST
def token_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        token = api_token_get_for_actor(actor=request.user, public_id=public_id)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    if token.user_id == request.user.pk:
        return redirect("token_list")
    return redirect("user_detail", public_id=token.user.public_id)
