"""Pages of cross-border referrals: referring a case abroad (and its timeline, on the case page), and
the incoming queue of referrals from partners abroad."""

from __future__ import annotations

import base64
import binascii
import io
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.accounts.models import User
from kujdes.cases.models import Case
from kujdes.cases.selectors import case_can_manage, case_get
from kujdes.cases.work import documents_of_case, notes_of_case
from kujdes.core.audit import audit_record
from kujdes.core.files import DOCUMENT_TYPES, content_type_detect
from kujdes.core.forms import form_add_validation_error
from kujdes.core.models import Unit
from kujdes.core.roles import Perm, roles_with
from kujdes.core.selectors import units_for_actor
from kujdes.network.crossborder import dataset, services
from kujdes.network.crossborder.forms import (
    AcceptForm,
    AssignForm,
    DeclineForm,
    PurposeForm,
    ReferralAbroadForm,
    ResolveForm,
    StepForm,
    WithdrawForm,
)
from kujdes.network.crossborder.models import (
    IncomingReferral,
    IncomingState,
    OutgoingReferral,
    Purpose,
)
from kujdes.network.crossborder.selectors import (
    events_of,
    incoming_can_assign,
    incoming_can_erase,
    incoming_can_follow,
    incoming_can_handle,
    incoming_can_resolve,
    incoming_for_actor,
    incoming_get,
    incoming_of_case,
    incoming_queue_visible,
    outgoing_get,
    outgoing_of_case,
    partners_for_referral,
    units_for_acceptance,
    units_for_assignment,
)
from kujdes.network.federation.services import FederationError
from kujdes.people.consent import ConsentMissing, consent_active
from kujdes.people.duplicates import duplicate_candidates
from kujdes.people.models import ConsentPurpose
from kujdes.people.selectors import persons_for_actor, persons_with_keys
from kujdes.people.services import person_identity_view

PAGE_SIZE = 25


def _uuid(value: Any) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise Http404 from None


# --- referring a case abroad --------------------------------------------------------------------


def _case_or_404(request: HttpRequest, case_id: Any) -> Case:
    try:
        return case_get(actor=request.user, public_id=_uuid(case_id), perm=Perm.CASE_MANAGE)
    except Case.DoesNotExist:
        raise Http404 from None


def _partner_label(partner: Any) -> str:
    offered = dataset.services_display(partner.cross_border_services)
    country = partner.get_country_display()
    return f"{partner.name} ({country}) — {offered}" if offered else f"{partner.name} ({country})"


@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, case_id: Any) -> HttpResponse:
    """Refer her case to a partner abroad: purpose, partner, services, the data set (seen before it
    is sent), documents one by one; checked against her consent."""
    case = _case_or_404(request, case_id)
    if not case.is_open:
        messages.error(request, _("Only an open case can be referred."))
        return redirect("case_detail", public_id=case.public_id)
    source = request.POST if request.method == "POST" else request.GET
    purpose = source.get("purpose", "")
    partners = partners_for_referral(case=case)
    context: dict[str, Any] = {"case": case, "partners": partners}
    if purpose not in Purpose.values:
        context["purpose_form"] = PurposeForm(request.GET if "purpose" in request.GET else None)
        return render(request, "crossborder/refer_purpose.html", context, status=400 if purpose else 200)
    persons_with_keys([case.person])
    consent = consent_active(person=case.person, purpose=ConsentPurpose.PARTNER_ABROAD)
    documents = list(documents_of_case(case=case).order_by("-uploaded_at"))
    notes = list(notes_of_case(case=case)[:50])
    for row in [*documents, *notes]:
        row.case = case
    lookup = {str(p.public_id): p for p in partners}
    form = ReferralAbroadForm(
        request.POST if request.method == "POST" else None,
        initial={
            "purpose": purpose,
            "dataset": dataset.fields_for_purpose(purpose),
            "services": list(dataset.PURPOSE_SERVICES.get(purpose, ())),
            "partner": str(partners[0].public_id) if len(partners) == 1 else "",
        },
        partners=[(key, _partner_label(p)) for key, p in lookup.items()],
        documents=[(str(d.public_id), f"{d.title} ({d.name}, {d.size // 1024 + 1} KB)") for d in documents],
        notes=[(str(n.public_id), f"{n.created_at:%Y-%m-%d} — {(n.body or '')[:80]}") for n in notes],
        offer_override=consent is None,
    )
    context |= {
        "form": form,
        "purpose": purpose,
        "purpose_label": dict(Purpose.choices)[purpose],
        "consent": consent,
        "always": dataset.ALWAYS,
        "extra": dataset.EXTRA,
        "minimum": dataset.fields_for_purpose(purpose),
    }
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        partner = lookup[values["partner"]]
        chosen_documents = [d for d in documents if str(d.public_id) in values.get("documents", [])]
        chosen_notes = [n for n in notes if str(n.public_id) in values.get("notes", [])]
        digest = form.choices_digest()
        try:
            services.referral_choices_check(
                case=case,
                partner=partner,
                purpose=purpose,
                services=values["services"],
                fields=values["dataset"],
                documents=chosen_documents,
                notes=chosen_notes,
                message=values["message"],
            )
        except ValidationError as error:
            form_add_validation_error(form, error)
        checked = not form.errors
        if checked and request.POST.get("action") == "send" and values.get("previewed") == digest:
            try:
                referral = services.referral_abroad_request(
                    actor=request.user,
                    case=case,
                    partner=partner,
                    purpose=purpose,
                    services=values["services"],
                    fields=values["dataset"],
                    documents=chosen_documents,
                    notes=chosen_notes,
                    message=values["message"],
                    override_reason=values.get("override_reason", ""),
                )
            except ConsentMissing:
                form.add_error(
                    "override_reason" if "override_reason" in form.fields else None,
                    _(
                        "She has not consented to sharing with a partner organisation abroad. Record her "
                        "consent first, or give the reason for referring her without it."
                    ),
                )
            except ValidationError as error:
                form_add_validation_error(form, error)
            else:
                if referral.approval_id:
                    messages.info(
                        request, _("The referral waits for a programme manager's approval; nothing was sent.")
                    )
                else:
                    messages.success(
                        request, _("Referral sent to %(partner)s, encrypted.") % {"partner": partner.name}
                    )
                return redirect("crossborder_outgoing", public_id=referral.public_id)
        elif checked and request.POST.get("action") == "send":
            form.add_error(None, _("You changed the choices: check what will be sent, then send."))
        if checked:
            # The preview: the values that will leave, read through people's audited service.
            from kujdes.network.crossborder.dataset import dataset_rows, dataset_values

            identity = person_identity_view(actor=request.user, person=case.person)
            values_sent = dataset_values(
                case=case, identity=identity, fields=values["dataset"], notes=chosen_notes
            )
            context |= {
                "preview": dataset_rows(values_sent),
                "preview_notes": values_sent.get("notes", []),
                "preview_documents": chosen_documents,
                "preview_partner": partner,
                "preview_services": dataset.services_display(values["services"]),
                "digest": digest,
            }
    status = 400 if form.errors else 200
    return render(request, "crossborder/refer.html", context, status=status)


@require_GET
def outgoing_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    try:
        referral = outgoing_get(actor=request.user, public_id=_uuid(public_id))
    except OutgoingReferral.DoesNotExist:
        raise Http404 from None
    return _outgoing_page(request, referral)


def _outgoing_page(
    request: HttpRequest, referral: OutgoingReferral, *, form: WithdrawForm | None = None, status: int = 200
) -> HttpResponse:
    persons_with_keys([referral.case.person])
    manages = case_can_manage(actor=request.user, case=referral.case)
    return render(
        request,
        "crossborder/outgoing_detail.html",
        {
            "referral": referral,
            "case": referral.case,
            "events": events_of(referral=referral),
            "fields": [str(dataset.LABELS[name]) for name in referral.fields],
            "services": dataset.services_display(referral.services),
            "may_withdraw": manages and referral.is_open,
            "withdraw_form": form or WithdrawForm(),
        },
        status=status,
    )


@require_POST
def outgoing_withdraw(request: HttpRequest, public_id: Any) -> HttpResponse:
    try:
        referral = outgoing_get(actor=request.user, public_id=_uuid(public_id))
    except OutgoingReferral.DoesNotExist:
        raise Http404 from None
    if not case_can_manage(actor=request.user, case=referral.case):
        raise PermissionDenied
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.referral_abroad_withdraw(
                actor=request.user, referral=referral, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            form_add_validation_error(form, error)
        else:
            messages.success(request, _("The referral was withdrawn; the partner is told."))
            return redirect("crossborder_outgoing", public_id=referral.public_id)
    return _outgoing_page(request, referral, form=form, status=400)


def case_panel(request: HttpRequest, case: Case) -> str | None:
    """On the case page: its referrals abroad with their timelines, and where it came from if a partner
    abroad referred her (kujdes.core.panels)."""
    referrals = list(outgoing_of_case(case=case))
    for referral in referrals:
        referral.case = case
        referral.timeline = events_of(referral=referral)  # type: ignore[attr-defined]
    origin = incoming_of_case(case=case)
    may_refer = case.is_open and case_can_manage(actor=request.user, case=case)
    if not referrals and origin is None and not may_refer:
        return None
    return render_to_string(
        "crossborder/case_panel.html",
        {"case": case, "referrals": referrals, "origin": origin, "may_refer": may_refer},
        request=request,
    )


def person_panel(request: HttpRequest, person: Any) -> str | None:
    """On the person page: a warning while a partner abroad that referred her has withdrawn the
    referral (her consent) and nobody has yet erased her data or recorded a legal basis."""
    waiting = [
        incoming
        for incoming in IncomingReferral.objects.filter(
            person=person, withdrawn_at__isnull=False, resolution=""
        )
        .select_related("sending_partner")
        .order_by("pk")
    ]
    if not waiting:
        return None
    return render_to_string("crossborder/person_panel.html", {"waiting": waiting}, request=request)


# --- the incoming queue -------------------------------------------------------------------------


@require_GET
def incoming_list(request: HttpRequest) -> HttpResponse:
    """Referrals from partners abroad: no personal data here (partner, purpose, services, date, state)."""
    if not incoming_queue_visible(actor=request.user):
        raise PermissionDenied
    show = request.GET.get("show", "open")
    rows = incoming_for_actor(actor=request.user).select_related("sending_partner", "unit")
    if show == "open":
        rows = rows.filter(
            Q(state__in=(IncomingState.NEW, IncomingState.ASSIGNED))
            | Q(withdrawn_at__isnull=False, resolution="", person__isnull=False)
        )
    page = Paginator(rows.order_by("-received_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    for incoming in page:
        incoming.services_label = dataset.services_display(incoming.services)  # type: ignore[attr-defined]
    return render(request, "crossborder/incoming_list.html", {"page": page, "show": show})


def _incoming_or_404(request: HttpRequest, public_id: Any) -> IncomingReferral:
    try:
        return incoming_get(actor=request.user, public_id=_uuid(public_id))
    except IncomingReferral.DoesNotExist:
        raise Http404 from None


def _incoming_page(
    request: HttpRequest,
    incoming: IncomingReferral,
    *,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The referral: metadata for everyone who sees it; what it holds for the managers of its unit
    (opened in memory, audited); the actions each may take."""
    forms = forms or {}
    handle = incoming_can_handle(actor=request.user, incoming=incoming)
    usable = not incoming.is_withdrawn
    content = None
    if handle and usable and incoming.state in (IncomingState.ASSIGNED, IncomingState.NEW):
        try:
            payload = services.incoming_open(actor=request.user, incoming=incoming)
        except FederationError as error:
            messages.error(request, str(error))
        else:
            fields = payload.get("fields") or {}
            content = {
                "rows": dataset.dataset_rows(fields),
                "notes": fields.get("notes") or [],
                "message": payload.get("message", ""),
                "documents": [
                    {"index": index, "title": d.get("title") or d.get("name"), "name": d.get("name")}
                    for index, d in enumerate(payload.get("documents") or [])
                ],
                "case_worker": payload.get("case_worker") or {},
                "consent": payload.get("consent") or {},
            }
    assign = incoming_can_assign(actor=request.user, incoming=incoming)
    state = incoming.state
    may = {
        "assign": assign and usable and state in (IncomingState.NEW, IncomingState.ASSIGNED),
        "answer": handle and usable and state == IncomingState.ASSIGNED,
        "first_contact": usable
        and state == IncomingState.ACCEPTED
        and incoming_can_follow(actor=request.user, incoming=incoming),
        "close": usable
        and state in (IncomingState.ACCEPTED, IncomingState.IN_CONTACT)
        and incoming_can_follow(actor=request.user, incoming=incoming),
        "erase": incoming.needs_resolution and incoming_can_erase(actor=request.user, incoming=incoming),
        "legal_basis": incoming.needs_resolution
        and incoming_can_resolve(actor=request.user, incoming=incoming),
    }
    units = (
        [(str(u.public_id), u.name) for u in units_for_assignment(incoming=incoming)] if may["assign"] else []
    )
    context = {
        "incoming": incoming,
        "events": events_of(referral=incoming),
        "services": dataset.services_display(incoming.services),
        "content": content,
        "may": may,
        "handle": handle,
        "metadata_only": not handle and usable and state in (IncomingState.NEW, IncomingState.ASSIGNED),
        "assign_form": forms.get("assign")
        or AssignForm(units=units, initial={"unit": _public(incoming.unit)}),
        "decline_form": forms.get("decline") or DeclineForm(),
        "step_form": forms.get("step") or StepForm(),
        "resolve_form": forms.get("resolve") or ResolveForm(),
        "case_visible": incoming.case is not None
        and (handle or incoming_can_follow(actor=request.user, incoming=incoming)),
    }
    return render(request, "crossborder/incoming_detail.html", context, status=status)


def _public(unit: Unit | None) -> str:
    return str(unit.public_id) if unit is not None else ""


@require_GET
def incoming_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _incoming_page(request, _incoming_or_404(request, public_id))


def _incoming_allowed(request: HttpRequest, public_id: Any, allowed: Callable[..., bool]) -> IncomingReferral:
    incoming = _incoming_or_404(request, public_id)
    if not allowed(actor=request.user, incoming=incoming):
        raise PermissionDenied
    return incoming


def _incoming_action(
    request: HttpRequest,
    incoming: IncomingReferral,
    *,
    form_name: str,
    form: Form,
    act: Callable[[IncomingReferral, dict[str, Any]], object],
    done: str,
    next_url: Callable[[IncomingReferral], HttpResponse],
) -> HttpResponse:
    """One decision on an incoming referral: the form, the service, a message; errors keep the input."""
    if form.is_valid():
        try:
            act(incoming, form.cleaned_data)
        except ValidationError as error:
            form_add_validation_error(form, error)
        else:
            messages.success(request, done)
            return next_url(incoming)
    return _incoming_page(request, incoming, forms={form_name: form}, status=400)


def _back_to(incoming: IncomingReferral) -> HttpResponse:
    return redirect("crossborder_incoming", public_id=incoming.public_id)


@require_POST
def incoming_assign(request: HttpRequest, public_id: Any) -> HttpResponse:
    incoming = _incoming_allowed(request, public_id, incoming_can_assign)
    units = {str(u.public_id): u for u in units_for_assignment(incoming=incoming)}
    return _incoming_action(
        request,
        incoming,
        form_name="assign",
        form=AssignForm(request.POST, units=[(key, u.name) for key, u in units.items()]),
        act=lambda incoming, data: services.incoming_assign(
            actor=request.user, incoming=incoming, unit=units[data["unit"]]
        ),
        done=_("Assigned: its programme managers will handle it."),
        next_url=lambda incoming: redirect("crossborder_incoming_list"),
    )


@require_POST
def incoming_decline(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _incoming_action(
        request,
        _incoming_allowed(request, public_id, incoming_can_handle),
        form_name="decline",
        form=DeclineForm(request.POST),
        act=lambda incoming, data: services.incoming_decline(
            actor=request.user, incoming=incoming, reason=data["reason"]
        ),
        done=_("Declined; the sending partner is told why."),
        next_url=_back_to,
    )


@require_POST
def incoming_step(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _incoming_action(
        request,
        _incoming_allowed(request, public_id, incoming_can_follow),
        form_name="step",
        form=StepForm(request.POST),
        act=lambda incoming, data: services.incoming_step(
            actor=request.user, incoming=incoming, step=data["step"], note=data["note"]
        ),
        done=_("Recorded; the sending partner is told."),
        next_url=_back_to,
    )


@require_POST
def incoming_resolve(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _incoming_action(
        request,
        _incoming_allowed(request, public_id, incoming_can_resolve),
        form_name="resolve",
        form=ResolveForm(request.POST),
        act=lambda incoming, data: services.incoming_resolve(
            actor=request.user,
            incoming=incoming,
            erase=data["decision"] == "erase",
            legal_basis=data["legal_basis"],
        ),
        done=_("Decision recorded."),
        next_url=_back_to,
    )


@require_GET
def incoming_document(request: HttpRequest, public_id: Any, index: int) -> HttpResponse:
    """A document that came with the referral, for a manager of its unit before deciding (audited)."""
    incoming = _incoming_or_404(request, public_id)
    if not incoming_can_handle(actor=request.user, incoming=incoming) or incoming.is_withdrawn:
        raise Http404
    payload = services.incoming_open(actor=request.user, incoming=incoming)
    documents = payload.get("documents") or []
    if not 0 <= index < len(documents):
        raise Http404
    item = documents[index]
    try:
        data = base64.b64decode(str(item.get("data", "")), validate=True)
    except (binascii.Error, ValueError):
        raise Http404 from None
    detected = content_type_detect(data[:16], io.BytesIO(data))
    with transaction.atomic():
        audit_record(
            actor=request.user,
            organisation=incoming.organisation_id,
            action="crossborder.referral.document_viewed",
            obj=incoming,
            unit=incoming.unit,
            details={"referral": str(incoming.referral_id), "document": index},
        )
    response = HttpResponse(
        data, content_type=detected if detected in DOCUMENT_TYPES else "application/octet-stream"
    )
    name = str(item.get("name") or "document")
    safe = "".join(ch for ch in name if ch.isalnum() or ch in "._- ")[:100] or "document"
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "no-store"
    return response


def _workers(units: list[Unit], organisation_id: int) -> list[User]:
    """Case workers whose memberships reach one of these units (at it, above it or below it)."""
    if not units:
        return []
    ancestors = {int(pk) for unit in units for pk in unit.path.strip("/").split("/") if pk}
    condition = Q(memberships__unit_id__in=ancestors)
    for unit in units:
        condition |= Q(memberships__unit__path__startswith=unit.path)
    return list(
        User.objects.filter(
            condition,
            memberships__organisation_id=organisation_id,
            memberships__role__in=[role.value for role in roles_with(Perm.CASE_MANAGE)],
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


@require_http_methods(["GET", "POST"])
def incoming_accept(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Take her on: the duplicate check first (the manager says whether she is known), then her case."""
    incoming = _incoming_or_404(request, public_id)
    if not incoming_can_handle(actor=request.user, incoming=incoming):
        raise PermissionDenied
    if incoming.is_withdrawn or incoming.state != IncomingState.ASSIGNED:
        messages.error(request, _("This referral cannot be accepted any more."))
        return redirect("crossborder_incoming", public_id=incoming.public_id)
    payload = services.incoming_open(actor=request.user, incoming=incoming)
    fields = payload.get("fields") or {}
    birth = fields.get("date_of_birth") or {}
    check = duplicate_candidates(
        actor=request.user,
        given_name=str(fields.get("given_name") or ""),
        family_name=str(fields.get("family_name") or ""),
        birth_year=birth.get("year")
        if isinstance(birth, dict) and isinstance(birth.get("year"), int)
        else None,
        municipality=str(fields.get("municipality") or ""),
        phones=[str(fields["phone"])] if fields.get("phone") else [],
        id_numbers=[
            str(d.get("number", "")) for d in fields.get("id_documents") or [] if isinstance(d, dict)
        ],
        organisation_id=incoming.organisation_id,
    )
    candidates = [c for c in check.candidates if c.identity_visible]
    units = list(units_for_acceptance(actor=request.user, incoming=incoming))
    unit_lookup = {str(u.public_id): u for u in units}
    workers = _workers(units, incoming.organisation_id)
    worker_lookup = {str(w.public_id): w for w in workers}
    form = AcceptForm(
        request.POST if request.method == "POST" else None,
        initial={"person": "new", "unit": _public(incoming.unit)},
        candidates=[
            (
                str(c.person.public_id),
                f"{c.person.given_name or ''} {c.person.family_name or ''} · {c.person.code}"
                f"{' · ' + str(c.person.birth_year) if c.person.birth_year else ''} · {c.person.unit.name}",
            )
            for c in candidates
        ],
        units=[(key, u.name) for key, u in unit_lookup.items()],
        workers=[(key, w.display_name) for key, w in worker_lookup.items()],
    )
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        same = None
        if values["person"] != "new":
            same = persons_for_actor(actor=request.user).filter(public_id=values["person"]).first()
        worker = worker_lookup.get(values["primary_worker"] or "")
        unit = unit_lookup[values["unit"]]
        if (
            worker is not None
            and not units_for_actor(actor=worker, perm=Perm.CASE_MANAGE).filter(pk=unit.pk).exists()
        ):
            form.add_error(
                "primary_worker",
                _("%(name)s does not work on cases in this unit.") % {"name": worker.display_name},
            )
        else:
            try:
                case, refused = services.incoming_accept(
                    actor=request.user,
                    incoming=incoming,
                    unit=unit,
                    same_person=same,
                    case_type=values["case_type"],
                    primary_worker=worker,
                )
            except ValidationError as error:
                form_add_validation_error(form, error)
            else:
                messages.success(request, _("Accepted: case %(code)s opened.") % {"code": case.code})
                if refused:
                    messages.warning(
                        request,
                        _("%(count)d document(s) could not be kept: their type is not accepted here.")
                        % {"count": refused},
                    )
                return redirect("crossborder_incoming", public_id=incoming.public_id)
    return render(
        request,
        "crossborder/incoming_accept.html",
        {
            "incoming": incoming,
            "form": form,
            "rows": dataset.dataset_rows(fields),
            "elsewhere": check.elsewhere_notice,
            "candidates": candidates,
        },
        status=400 if form.errors else 200,
    )
