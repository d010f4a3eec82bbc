"""Pages of the stakeholder directory: the directory and its exports, a stakeholder's page,
creating and editing, agreements and their documents, sharing with the network.

404 for a stakeholder the actor may not read (another organisation's private record is missing,
not forbidden); 403 for one they read but may not change; 403 for volunteers and viewers.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.core.crypto import KeyHandle
from kujdes.core.exports import ExportTooLarge, export_refused, export_response
from kujdes.core.files import attachment_response
from kujdes.core.forms import form_add_validation_error
from kujdes.core.locking import StaleVersion
from kujdes.core.roles import Perm
from kujdes.network.models import Theme
from kujdes.network.selectors import actor_organisation_ids, network_require
from kujdes.network.stakeholders import selectors, services
from kujdes.network.stakeholders.forms import (
    AgreementForm,
    DirectoryFilterForm,
    ExportForm,
    ShareForm,
    StakeholderForm,
)
from kujdes.network.stakeholders.models import (
    Agreement,
    SharedAgreement,
    SharedStakeholder,
    StakeholderLevel,
    StakeholderProfile,
)
from kujdes.referrals.models import ServiceProvider

PAGE_SIZE = 50


def _filters(form: DirectoryFilterForm) -> selectors.DirectoryFilters:
    # Bad values are left out (the form shows why); the good ones still filter.
    if not form.is_bound:
        return selectors.DirectoryFilters()
    form.is_valid()
    data = form.cleaned_data
    return selectors.DirectoryFilters(
        country=data.get("country", ""),
        stakeholder_type=data.get("type", ""),
        level=data.get("level", ""),
        theme=data.get("theme", ""),
        partner=data.get("partner", ""),
        query=data.get("q", ""),
    )


def _profile_or_404(request: HttpRequest, public_id: uuid.UUID) -> StakeholderProfile:
    try:
        return selectors.profile_get(actor=request.user, public_id=str(public_id))
    except StakeholderProfile.DoesNotExist:
        raise Http404 from None


def _editable_profile(request: HttpRequest, public_id: uuid.UUID) -> StakeholderProfile:
    profile = _profile_or_404(request, public_id)
    if not selectors.stakeholder_can_edit(actor=request.user, profile=profile):
        raise PermissionDenied
    return profile


@require_GET
def stakeholder_list(request: HttpRequest) -> HttpResponse:
    """The network directory: shared stakeholders of every partner and the organisation's own."""
    network_require(actor=request.user, perm=Perm.NETWORK_READ)
    form = DirectoryFilterForm(request.GET or None)
    entries = selectors.stakeholder_directory(actor=request.user, filters=_filters(form))
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "network_stakeholders/stakeholder_list.html",
        {
            "form": form,
            "page": page,
            "count": len(entries),
            "query": query.urlencode(),
            "filter_items": [(k, v) for k, v in query.items() if k in form.fields and v],
            "can_create": selectors.stakeholder_can_create(actor=request.user),
            "levels": dict(StakeholderLevel.choices),
            "theme_labels": dict(Theme.choices),
        },
    )


@require_POST
def stakeholder_export(request: HttpRequest) -> HttpResponse:
    """The filtered directory as CSV or XLSX (see services.stakeholder_directory_export: audited,
    watermarked, no re-authentication because it holds no data of the people in the cases)."""
    network_require(actor=request.user, perm=Perm.NETWORK_READ)
    list_url = reverse("network_stakeholder_list")
    chosen = ExportForm(request.POST)
    if not chosen.is_valid():
        return export_refused(
            request, list_url=list_url, message=_("Choose the format of the file: CSV or XLSX.")
        )
    filters = _filters(DirectoryFilterForm(request.POST))
    try:
        export = services.stakeholder_directory_export(
            actor=request.user, filters=filters, export_format=chosen.cleaned_data["format"]
        )
    except ExportTooLarge as refused:
        return export_refused(request, list_url=list_url, message=str(refused))
    return export_response(export)


@require_GET
def stakeholder_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        record = selectors.stakeholder_entry_get(actor=request.user, public_id=str(public_id))
    except StakeholderProfile.DoesNotExist:
        raise Http404 from None
    theme_labels = dict(Theme.choices)
    if isinstance(record, SharedStakeholder):
        return render(
            request,
            "network_stakeholders/shared_detail.html",
            {
                "shared": record,
                "themes": [theme_labels.get(t, t) for t in record.themes],
                "agreements": list(record.agreements.all()),
            },
        )
    profile = record
    shared = selectors.shared_copy_of(profile=profile)
    return render(
        request,
        "network_stakeholders/stakeholder_detail.html",
        {
            "profile": profile,
            "provider": profile.provider,
            "themes": [theme_labels.get(t, t) for t in profile.themes],
            "agreements": list(selectors.agreements_of(profile=profile)),
            "involved": selectors.initiatives_involving(actor=request.user, profile=profile),
            "shared": shared,
            "shared_is_current": shared is None
            or selectors.shared_copy_is_current(profile=profile, shared=shared),
            "owner": selectors.owner_partner_of(profile=profile),
            "can_edit": selectors.stakeholder_can_edit(actor=request.user, profile=profile),
        },
    )


def _form_page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "network_stakeholders/stakeholder_form.html", context, status=status)


def _initial_from_provider(provider: ServiceProvider) -> dict[str, Any]:
    return {
        "name": provider.name,
        "provider_type": provider.provider_type,
        "stakeholder_type": selectors.stakeholder_type_for_provider(provider=provider),
        "country": provider.country,
        "municipality": provider.municipality,
        "address": provider.address,
        "phone": provider.phone,
        "email": provider.email,
        "provider_version": provider.version,
    }


@require_http_methods(["GET", "POST"])
def stakeholder_create_view(request: HttpRequest) -> HttpResponse:
    """A new stakeholder: a new institution, or (?provider=<id>) an entry of the service directory."""
    network_require(actor=request.user, perm=Perm.NETWORK_CONTRIBUTE)
    organisation_ids = actor_organisation_ids(actor=request.user, perm=Perm.NETWORK_CONTRIBUTE)
    if not organisation_ids:
        raise PermissionDenied
    provider = None
    provider_id = request.GET.get("provider") or request.POST.get("provider") or ""
    if provider_id:
        try:
            provider = selectors.provider_to_profile_get(
                actor=request.user, public_id=str(uuid.UUID(provider_id))
            )
        except (ValueError, ServiceProvider.DoesNotExist):
            raise Http404 from None
    organisation = selectors.organisation_get(
        organisation_id=provider.organisation_id if provider else min(organisation_ids)
    )
    initial = _initial_from_provider(provider) if provider else {"country": organisation.country}
    form = StakeholderForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if provider is not None:
                profile = services.stakeholder_profile_add(
                    actor=request.user,
                    provider=provider,
                    provider_version=form.cleaned_data["provider_version"],
                    provider_fields=form.provider_fields(),
                    profile_fields=form.profile_fields(),
                    partners=form.cleaned_data["partners"],
                )
            else:
                profile = services.stakeholder_create(
                    actor=request.user,
                    organisation=organisation,
                    provider_fields=form.provider_fields(),
                    profile_fields=form.profile_fields(),
                    partners=form.cleaned_data["partners"],
                )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        except StaleVersion:
            form.add_error(
                None, _("Someone else saved this entry of the directory meanwhile. Check it and save again.")
            )
        else:
            messages.success(
                request, _("“%(name)s” is in the stakeholder directory.") % {"name": profile.provider.name}
            )
            return redirect("network_stakeholder_detail", public_id=profile.public_id)
    return _form_page(
        request,
        {
            "form": form,
            "provider": provider,
            "to_profile": [] if provider else list(selectors.providers_to_profile(actor=request.user)[:200]),
        },
        400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def stakeholder_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    profile = _editable_profile(request, public_id)
    provider = profile.provider
    shared = selectors.shared_copy_of(profile=profile)
    initial = {
        **_initial_from_provider(provider),
        **{name: getattr(profile, name) for name in StakeholderForm.PROFILE},
        "partners": list(profile.partners.all()),
        "version": profile.version,
    }
    form = StakeholderForm(
        request.POST if request.method == "POST" else None, initial=initial, update_shared=shared is not None
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.stakeholder_update(
                actor=request.user,
                profile=profile,
                version=form.cleaned_data["version"],
                provider_version=form.cleaned_data["provider_version"],
                provider_fields=form.provider_fields(),
                profile_fields=form.profile_fields(),
                partners=form.cleaned_data["partners"],
            )
            if shared is not None and form.cleaned_data.get("update_shared"):
                services.stakeholder_share(
                    actor=request.user,
                    profile=updated,
                    include_contact=shared.includes_contact,
                    include_documents=shared.includes_documents,
                )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        except StaleVersion:
            # Keep what the user typed; the next save overwrites what was saved meanwhile.
            values = request.POST.copy()
            fresh = selectors.profile_fresh(profile=profile)
            values["version"] = str(fresh.version)
            values["provider_version"] = str(fresh.provider.version)
            form = StakeholderForm(values, initial=initial, update_shared=shared is not None)
            form.is_valid()
            form.add_error(
                None,
                _("Someone else saved this stakeholder while you were editing it. Check, then save again."),
            )
            status = 409
        else:
            messages.success(request, _("“%(name)s” saved.") % {"name": updated.provider.name})
            return redirect("network_stakeholder_detail", public_id=profile.public_id)
    if form.errors and status == 200:
        status = 400
    return _form_page(request, {"form": form, "profile": profile, "provider": provider}, status)


@require_http_methods(["GET", "POST"])
def agreement_add_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    profile = _editable_profile(request, public_id)
    form = AgreementForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.agreement_add(
                actor=request.user,
                profile=profile,
                kind=data["kind"],
                title=data["title"],
                signed_on=data["signed_on"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                scope=data["scope"],
                upload=data["document"],
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The agreement was recorded."))
            return redirect("network_stakeholder_detail", public_id=profile.public_id)
    return render(
        request,
        "network_stakeholders/agreement_form.html",
        {"form": form, "profile": profile},
        status=400 if form.errors else 200,
    )


@require_POST
def agreement_remove_view(
    request: HttpRequest, public_id: uuid.UUID, agreement_id: uuid.UUID
) -> HttpResponse:
    profile = _editable_profile(request, public_id)
    try:
        agreement = selectors.agreement_get(actor=request.user, profile=profile, public_id=str(agreement_id))
    except Agreement.DoesNotExist:
        raise Http404 from None
    services.agreement_remove(actor=request.user, agreement=agreement)
    messages.success(request, _("The agreement was removed."))
    return redirect("network_stakeholder_detail", public_id=profile.public_id)


@require_GET
def document_download(request: HttpRequest, public_id: uuid.UUID) -> HttpResponseBase:
    """An agreement's document: of the organisation's own record, or shared with the network."""
    try:
        document = selectors.document_get(actor=request.user, public_id=str(public_id))
    except SharedAgreement.DoesNotExist:
        raise Http404 from None
    if isinstance(document, Agreement):
        handle = document.encryption_handle()
    else:
        handle = KeyHandle(key_id=document.file_key_id)  # type: ignore[arg-type]
    return attachment_response(
        handle=handle,
        file_id=document.file_id,  # type: ignore[arg-type]
        content_type=document.content_type,
        filename=document.file_name or "document",
    )


@require_http_methods(["GET", "POST"])
def stakeholder_share_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Share (or update the shared copy of) a stakeholder: the page shows what will be published."""
    profile = _editable_profile(request, public_id)
    shared = selectors.shared_copy_of(profile=profile)
    initial = (
        {"include_contact": shared.includes_contact, "include_documents": shared.includes_documents}
        if shared
        else {}
    )
    form = ShareForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.stakeholder_share(
                actor=request.user,
                profile=profile,
                include_contact=form.cleaned_data["include_contact"],
                include_documents=form.cleaned_data["include_documents"],
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("The shared copy was updated.")
                if shared
                else _("The stakeholder is now shared with the network."),
            )
            return redirect("network_stakeholder_detail", public_id=profile.public_id)
    return render(
        request,
        "network_stakeholders/share_form.html",
        {
            "form": form,
            "profile": profile,
            "shared": shared,
            "preview": selectors.share_payload(profile=profile, include_contact=True, include_documents=True),
            "owner": selectors.owner_partner_of(profile=profile),
        },
        status=400 if form.errors else 200,
    )


@require_POST
def stakeholder_unshare_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    profile = _editable_profile(request, public_id)
    try:
        services.stakeholder_unshare(actor=request.user, profile=profile)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The stakeholder is no longer shared with the network."))
    return redirect("network_stakeholder_detail", public_id=profile.public_id)
