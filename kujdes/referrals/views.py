"""Pages of the referrals room: the service directory, referrals out and in, the referral letter."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.cases.choices import SupportType
from kujdes.cases.models import Case
from kujdes.cases.selectors import case_can_manage, case_get, cases_page
from kujdes.core.audit import audit_record
from kujdes.core.content_languages import offered_languages
from kujdes.core.forms import form_add_validation_error
from kujdes.core.locking import StaleVersion
from kujdes.core.reads import ReadRow, identity_rows_read
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm, organisations_for_actor
from kujdes.people.consent import ConsentMissing, consent_active
from kujdes.people.models import ConsentPurpose
from kujdes.people.selectors import persons_with_keys
from kujdes.referrals.forms import (
    IncomingReferralForm,
    ProviderEditForm,
    ProviderFilterForm,
    ProviderForm,
    ReferralFilterForm,
    ReferralForm,
    RespondForm,
    VersionForm,
)
from kujdes.referrals.letters import referral_letter_filename, referral_letter_language, referral_letter_pdf
from kujdes.referrals.models import Referral, ReferralDirection, ReferralStatus, ServiceProvider
from kujdes.referrals.selectors import (
    provider_get,
    providers_editable_for_actor,
    providers_filter_service,
    providers_for_actor,
    providers_for_case,
    referral_case_choices,
    referral_get,
    referral_sides,
    referral_units_for_case,
    referrals_incoming_for_actor,
    referrals_of_case,
    referrals_outgoing_for_actor,
)
from kujdes.referrals.services import (
    PROVIDER_FIELDS,
    provider_create,
    provider_update,
    referral_cancel,
    referral_complete,
    referral_incoming_record,
    referral_respond,
    referral_send,
    referral_transition_allowed,
)

PAGE_SIZE = 25


def _require_any(request: HttpRequest, *perms: Perm) -> None:
    if not any(actor_has_perm(actor=request.user, perm=perm) for perm in perms):
        raise PermissionDenied


# --- The service directory -------------------------------------------------------------------------


@require_GET
def provider_list(request: HttpRequest) -> HttpResponse:
    """Case workers and managers browse the directory; organisation administrators also edit it."""
    _require_any(request, Perm.CASE_VIEW, Perm.ORGANISATION_CONFIGURE)
    providers = providers_for_actor(actor=request.user).select_related("organisation")
    municipalities = sorted(
        set(providers.exclude(municipality="").order_by().values_list("municipality", flat=True))
    )
    filters = ProviderFilterForm(request.GET or None, municipalities=municipalities)
    chosen: dict[str, Any] = filters.cleaned_data if filters.is_valid() else {}
    if chosen.get("municipality"):
        providers = providers.filter(municipality=chosen["municipality"])
    if chosen.get("type"):
        providers = providers.filter(provider_type=chosen["type"])
    if chosen.get("nrm"):
        providers = providers.filter(nrm_member=chosen["nrm"] == "yes")
    if not actor_has_perm(actor=request.user, perm=Perm.ORGANISATION_CONFIGURE):
        providers = providers.filter(is_active=True)
    listed = providers_filter_service(list(providers), chosen.get("service", ""))
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = dict(SupportType.choices)
    for provider in page.object_list:
        provider.service_labels = [labels.get(code, code) for code in provider.services or []]  # type: ignore[attr-defined]
    editable = set(providers_editable_for_actor(actor=request.user).values_list("pk", flat=True))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/provider_list.html",
        {
            "page": page,
            "filters": filters,
            "editable": editable,
            "can_add": actor_has_perm(actor=request.user, perm=Perm.ORGANISATION_CONFIGURE),
            "query": query.urlencode(),
        },
    )


def _provider_page(request: HttpRequest, context: dict[str, Any], status: int) -> HttpResponse:
    return render(request, "referrals/provider_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def provider_create_view(request: HttpRequest) -> HttpResponse:
    _require_any(request, Perm.ORGANISATION_CONFIGURE)
    organisation = (
        organisations_for_actor(actor=request.user, perm=Perm.ORGANISATION_CONFIGURE).order_by("pk").first()
    )
    if organisation is None:
        raise PermissionDenied
    form = ProviderForm(request.POST if request.method == "POST" else None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            provider = provider_create(actor=request.user, organisation=organisation, **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("“%(name)s” added to the directory.") % {"name": provider.name})
            return redirect("provider_list")
    return _provider_page(request, {"form": form}, 400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def provider_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        provider = provider_get(actor=request.user, public_id=str(public_id), editable=True)
    except ServiceProvider.DoesNotExist:
        raise Http404 from None
    initial = {field: getattr(provider, field) for field in PROVIDER_FIELDS} | {"version": provider.version}
    form = ProviderEditForm(request.POST if request.method == "POST" else None, initial=initial)
    current = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        expected_version = data.pop("version")
        try:
            provider_update(
                actor=request.user, provider=provider, expected_version=expected_version, changes=data
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        except StaleVersion as conflict:
            # Keep what the user typed, show what was saved meanwhile; saving again overwrites it.
            current = conflict.current
            values = request.POST.copy()
            values["version"] = str(current.version)  # type: ignore[attr-defined]
            form = ProviderEditForm(values, initial=initial)
            form.is_valid()
            form.add_error(
                None, _("Someone else saved this entry while you were editing it. Compare, then save again.")
            )
        else:
            messages.success(request, _("“%(name)s” saved.") % {"name": data["name"]})
            return redirect("provider_list")
    status = 409 if current is not None else (400 if form.errors else 200)
    return _provider_page(request, {"form": form, "provider": provider, "current": current}, status)


# --- Referrals -------------------------------------------------------------------------------------


@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    """Outgoing and incoming referrals the actor may see, by status, a page at a time."""
    _require_any(request, Perm.CASE_VIEW)
    filters = ReferralFilterForm(request.GET or None)
    chosen: dict[str, Any] = filters.cleaned_data if filters.is_valid() else {}
    box = chosen.get("box") or "outgoing"
    if box == "incoming":
        referrals = referrals_incoming_for_actor(actor=request.user)
    else:
        referrals = referrals_outgoing_for_actor(actor=request.user)
    if chosen.get("status"):
        referrals = referrals.filter(status=chosen["status"])
    referrals = referrals.select_related(
        "case__person", "from_unit", "to_unit", "to_provider", "from_provider"
    ).order_by("-referred_on", "-created_at")
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/referral_list.html",
        {
            "page": page,
            "filters": filters,
            "box": box,
            "status": chosen.get("status", ""),
            "query": query.urlencode(),
        },
    )


def _case_from_query(request: HttpRequest) -> Case:
    """The case named by ?case=<uuid>, if the actor may work on it; 404 for anything else."""
    raw = request.GET.get("case", "")
    try:
        public_id = uuid.UUID(raw)
    except ValueError:
        raise Http404 from None
    try:
        return case_get(actor=request.user, public_id=str(public_id), perm=Perm.CASE_MANAGE)
    except Case.DoesNotExist:
        raise Http404 from None


def _receivers(request: HttpRequest, case: Case, service_type: str) -> tuple[list[Any], dict[str, Any]]:
    """Choices for "refer to": providers (offering the service, when one is chosen) and other units."""
    providers = list(providers_for_case(actor=request.user, case=case))
    units = list(referral_units_for_case(case=case))
    lookup: dict[str, Any] = {f"p:{p.public_id}": p for p in providers} | {
        f"u:{u.public_id}": u for u in units
    }
    shown = providers_filter_service(providers, service_type)
    groups = [
        (
            _("Service directory"),
            [
                (f"p:{p.public_id}", f"{p.name} ({p.municipality})" if p.municipality else p.name)
                for p in shown
            ],
        ),
        (_("Units of the organisation"), [(f"u:{u.public_id}", u.name) for u in units]),
    ]
    return groups, lookup


def _referral_form_page(
    request: HttpRequest, case: Case, form: ReferralForm, *, consent_missing: bool, status: int
) -> HttpResponse:
    context = {"case": case, "form": form, "consent_missing": consent_missing}
    return render(request, "referrals/referral_form.html", context, status=status)


def _case_choice(request: HttpRequest, *, next_url: str, title: str) -> HttpResponse:
    """A referral started without a case (from the referrals page, a bookmark): the open cases the
    actor works on, a page at a time, searchable by case or person code; each leads to the form."""
    _require_any(request, Perm.CASE_MANAGE)
    search = request.GET.get("q", "").strip()[:40]
    page = cases_page(
        referral_case_choices(actor=request.user, code=search), number=request.GET.get("page"), size=PAGE_SIZE
    )
    identity_rows_read(
        request=request,
        action="case.list.viewed",
        rows=[ReadRow.of(case, charged_pk=case.person_id) for case in page.object_list],
        filters={"status": "open", "purpose": "referral"},
        search=search,
        page=page.number,
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "q": search, "query": query.urlencode(), "next_url": next_url, "title": title}
    return render(request, "referrals/referral_case_choice.html", context)


@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest) -> HttpResponse:
    """Refer a case (?case=<uuid>) to a provider of the directory or to another unit; without a case,
    choose it first."""
    if request.method == "GET" and "case" not in request.GET:
        return _case_choice(
            request, next_url=reverse("referral_create"), title=_("New referral: choose the case")
        )
    case = _case_from_query(request)
    if not case.is_open:
        messages.error(request, _("Only an open case can be referred."))
        return redirect("referral_list")
    consent_missing = consent_active(person=case.person, purpose=ConsentPurpose.REFERRAL) is None
    data = request.POST if request.method == "POST" else None
    service_type = (data or request.GET).get("service_type", "")
    groups, lookup = _receivers(request, case, "" if data else service_type)
    initial = {"service_type": service_type} if service_type else {}
    form = ReferralForm(data, initial=initial, receivers=groups, offer_override=consent_missing)
    if data is not None and form.is_valid():
        values = dict(form.cleaned_data)
        receiver = lookup[values.pop("receiver")]
        target = {"to_provider": receiver} if isinstance(receiver, ServiceProvider) else {"to_unit": receiver}
        try:
            referral = referral_send(actor=request.user, case=case, **target, **values)
        except ConsentMissing:
            form.add_error(
                None,
                _(
                    "She has not given consent to be referred (or has withdrawn it). Record her consent "
                    "first, or give the reason for referring her without it."
                ),
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Referral sent."))
            return redirect("referral_detail", public_id=referral.public_id)
    return _referral_form_page(
        request, case, form, consent_missing=consent_missing, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def referral_incoming_create(request: HttpRequest) -> HttpResponse:
    """Record that an organisation outside Kujdes referred her (?case=<uuid>); without a case, choose
    it first."""
    if request.method == "GET" and "case" not in request.GET:
        return _case_choice(
            request,
            next_url=reverse("referral_incoming_create"),
            title=_("Incoming referral: choose the case"),
        )
    case = _case_from_query(request)
    providers = list(providers_for_actor(actor=request.user).filter(organisation_id=case.organisation_id))
    lookup = {str(p.public_id): p for p in providers}
    choices = [(key, p.name) for key, p in lookup.items()]
    form = IncomingReferralForm(request.POST if request.method == "POST" else None, providers=choices)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        values["from_provider"] = lookup[values["from_provider"]]
        try:
            referral = referral_incoming_record(actor=request.user, case=case, **values)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Incoming referral recorded."))
            return redirect("referral_detail", public_id=referral.public_id)
    return render(
        request,
        "referrals/referral_incoming_form.html",
        {"case": case, "form": form},
        status=400 if form.errors else 200,
    )


def _referral_or_404(request: HttpRequest, public_id: uuid.UUID) -> Referral:
    try:
        referral = referral_get(actor=request.user, public_id=str(public_id))
    except Referral.DoesNotExist:
        raise Http404 from None
    persons_with_keys([referral.case.person])
    return referral


@require_GET
def referral_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The sender's side sees the whole referral; the receiving unit what the sender shared with it."""
    referral = _referral_or_404(request, public_id)
    sides = referral_sides(actor=request.user, referral=referral)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            organisation=referral.organisation_id,
            action="case.referral.viewed",
            obj=referral,
            unit=referral.case.unit,
            details={"case": str(referral.case.public_id), "as": "sender" if sides.sender else "receiver"},
        )
    may_answer = sides.receiver if referral.to_unit_id else sides.sender_manages
    actions = {
        "respond": may_answer
        and referral_transition_allowed(referral=referral, to_status=ReferralStatus.ACCEPTED),
        "complete": (sides.sender_manages or sides.receiver)
        and referral_transition_allowed(referral=referral, to_status=ReferralStatus.COMPLETED),
        "cancel": sides.sender_manages
        and referral_transition_allowed(referral=referral, to_status=ReferralStatus.CANCELLED),
        "letter": sides.sender
        and referral.direction == ReferralDirection.OUTGOING
        and referral.status != ReferralStatus.CANCELLED,
    }
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "case": referral.case,
            "person": referral.case.person,
            "sides": sides,
            "actions": actions,
            "version_form": VersionForm(initial={"version": referral.version}),
            "letter_languages": settings.LANGUAGES,
            "letter_language": referral_letter_language(actor=request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def referral_respond_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Record the answer: the receiving unit for a unit referral, the sender for a provider's answer."""
    referral = _referral_or_404(request, public_id)
    sides = referral_sides(actor=request.user, referral=referral)
    if not (sides.receiver if referral.to_unit_id else sides.sender_manages):
        raise PermissionDenied
    form = RespondForm(
        request.POST if request.method == "POST" else None, initial={"version": referral.version}
    )
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        try:
            referral_respond(
                actor=request.user,
                referral=referral,
                accept=values["decision"] == "accept",
                notes=values["notes"],
                contact_person=values["contact_person"],
                responded_on=values["responded_on"],
                expected_version=values["version"],
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        except StaleVersion:
            form.add_error(
                None, _("Someone else changed this referral meanwhile. Open it again to see its status.")
            )
        else:
            messages.success(request, _("Answer recorded."))
            return redirect("referral_detail", public_id=referral.public_id)
    return render(
        request,
        "referrals/referral_respond.html",
        {"referral": referral, "form": form},
        status=400 if form.errors else 200,
    )


def _simple_transition(request: HttpRequest, public_id: uuid.UUID, action: str) -> HttpResponse:
    referral = _referral_or_404(request, public_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete. Try again."))
        return redirect("referral_detail", public_id=referral.public_id)
    try:
        if action == "complete":
            referral_complete(
                actor=request.user,
                referral=referral,
                completed_on=form.cleaned_data.get("completed_on"),
                expected_version=form.cleaned_data["version"],
            )
            messages.success(request, _("Referral marked as completed."))
        else:
            referral_cancel(
                actor=request.user, referral=referral, expected_version=form.cleaned_data["version"]
            )
            messages.success(request, _("Referral cancelled."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except StaleVersion:
        messages.error(
            request, _("Someone else changed this referral meanwhile: check its status and try again.")
        )
    return redirect("referral_detail", public_id=referral.public_id)


@require_POST
def referral_complete_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _simple_transition(request, public_id, "complete")


@require_POST
def referral_cancel_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _simple_transition(request, public_id, "cancel")


@require_GET
def referral_letter(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The referral letter as a PDF attachment, for the sender's side; the receiving unit gets 404."""
    referral = _referral_or_404(request, public_id)
    if referral.direction != ReferralDirection.OUTGOING:
        raise Http404
    if not referral_sides(actor=request.user, referral=referral).sender:
        raise Http404
    # ?language= chosen beside the button; an unknown code gives the sender's language.
    requested = request.GET.get("language", "")
    try:
        pdf = referral_letter_pdf(
            actor=request.user,
            referral=referral,
            language=requested if requested in offered_languages() else "",
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("referral_detail", public_id=referral.public_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{referral_letter_filename(referral)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


# --- The case page's panel -------------------------------------------------------------------------


def case_referrals_panel(request: HttpRequest, case: Case) -> str | None:
    """The referrals of a case, on the case page (kujdes.core.panels)."""
    referrals = list(referrals_of_case(actor=request.user, case=case).order_by("-referred_on", "-created_at"))
    manages = case_can_manage(actor=request.user, case=case)
    return render_to_string(
        "referrals/case_panel.html",
        {
            "case": case,
            "referrals": referrals,
            "may_refer": manages and case.is_open,
            "may_record": manages,
            "refer_url": f"{reverse('referral_create')}?case={case.public_id}",
            "incoming_url": f"{reverse('referral_incoming_create')}?case={case.public_id}",
        },
        request=request,
    )
