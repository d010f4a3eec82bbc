"""Pages of the common milestones: the scorecard, frameworks, milestones, targets, progress, requests.

Every staff member (NETWORK_READ) reads; the coordinator (NETWORK_MANAGE) writes frameworks,
milestones, targets and update requests; a focal point (NETWORK_CONTRIBUTE) reports progress for
their own partner only (another partner's form answers 403). Volunteers and viewers get 403.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.core.forms import form_add_validation_error
from kujdes.core.locking import StaleVersion
from kujdes.core.roles import Perm
from kujdes.network import selectors as network_selectors
from kujdes.network.milestones import selectors, services
from kujdes.network.milestones.exports import scorecard_filename, scorecard_xlsx
from kujdes.network.milestones.forms import (
    FrameworkForm,
    MilestoneForm,
    ProgressReportForm,
    TargetGridForm,
    UpdateRequestForm,
)
from kujdes.network.milestones.models import Framework, Milestone, UpdateRequest, UpdateStatus
from kujdes.network.models import Partner

PAGE_SIZE = 25


def _read(request: HttpRequest) -> None:
    network_selectors.network_require(actor=request.user, perm=Perm.NETWORK_READ)


def _manage(request: HttpRequest) -> None:
    network_selectors.network_require(actor=request.user, perm=Perm.NETWORK_MANAGE)


def _framework_or_404(request: HttpRequest, public_id: uuid.UUID | str) -> Framework:
    try:
        return selectors.framework_get(actor=request.user, public_id=str(public_id))
    except (Framework.DoesNotExist, ValidationError):
        raise Http404 from None


def _milestone_or_404(request: HttpRequest, public_id: uuid.UUID) -> Milestone:
    try:
        return selectors.milestone_get(actor=request.user, public_id=str(public_id))
    except Milestone.DoesNotExist:
        raise Http404 from None


def _partner_or_404(request: HttpRequest, public_id: uuid.UUID) -> Partner:
    try:
        return network_selectors.partner_get(actor=request.user, public_id=str(public_id))
    except Partner.DoesNotExist:
        raise Http404 from None


def _chosen_framework(request: HttpRequest) -> Framework | None:
    """The framework named by ?framework= (404 if unknown or not readable), else the current one."""
    wanted = request.GET.get("framework", "")
    if wanted:
        try:
            uuid.UUID(wanted)
        except ValueError:
            raise Http404 from None
        return _framework_or_404(request, wanted)
    return selectors.framework_current(actor=request.user)


def _status_context() -> dict[str, Any]:
    return {
        "statuses": [(s.value, s.label) for s in selectors.Status],
        "on_track_percent": round(selectors.ON_TRACK_SHARE * 100),
        "at_risk_percent": round(selectors.AT_RISK_SHARE * 100),
    }


# --- The scorecard ----------------------------------------------------------------------------------


@require_GET
def scorecard_view(request: HttpRequest) -> HttpResponse:
    """Partners × milestones of a framework for a year (the active framework, this year by default)."""
    _read(request)
    framework = _chosen_framework(request)
    context: dict[str, Any] = {
        "framework": framework,
        "frameworks": selectors.frameworks_for_actor(actor=request.user),
        "is_coordinator": network_selectors.actor_is_coordinator(actor=request.user),
        **_status_context(),
    }
    if framework is not None:
        today = timezone.localdate()
        year = selectors.scorecard_year(framework=framework, requested=request.GET.get("year"), today=today)
        card = selectors.scorecard(actor=request.user, framework=framework, year=year, today=today)
        context.update(
            card=card,
            year=year,
            elapsed_percent=round(card.elapsed * 100),
            labels={m.pk: selectors.indicator_label(milestone=m) for m in card.milestones},
            own_partners=list(network_selectors.actor_partners(actor=request.user)),
        )
    return render(request, "network_milestones/scorecard.html", context)


@require_GET
def scorecard_export(request: HttpRequest) -> HttpResponse:
    """The scorecard as XLSX: the grid with values, status words and colours, and a legend sheet."""
    _read(request)
    framework = _chosen_framework(request)
    if framework is None:
        raise Http404
    today = timezone.localdate()
    year = selectors.scorecard_year(framework=framework, requested=request.GET.get("year"), today=today)
    card = selectors.scorecard(actor=request.user, framework=framework, year=year, today=today)
    content = scorecard_xlsx(card=card, generated_by=request.user)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{scorecard_filename(card)}"'
    return response


# --- Frameworks -------------------------------------------------------------------------------------


@require_GET
def framework_list(request: HttpRequest) -> HttpResponse:
    frameworks = selectors.frameworks_for_actor(actor=request.user)
    return render(
        request,
        "network_milestones/framework_list.html",
        {
            "frameworks": frameworks,
            "is_coordinator": network_selectors.actor_is_coordinator(actor=request.user),
        },
    )


@require_GET
def framework_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    framework = _framework_or_404(request, public_id)
    milestones = list(selectors.milestones_of(framework=framework))
    return render(
        request,
        "network_milestones/framework_detail.html",
        {
            "framework": framework,
            "milestones": [(m, selectors.indicator_label(milestone=m)) for m in milestones],
            "requests": selectors.update_requests_for_actor(actor=request.user).filter(framework=framework)[
                :50
            ],
            "is_coordinator": network_selectors.actor_is_coordinator(actor=request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def framework_create_view(request: HttpRequest) -> HttpResponse:
    _manage(request)
    form = FrameworkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            framework = services.framework_create(actor=request.user, **fields)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The framework was created. Add its milestones now."))
            return redirect("network_milestone_framework_detail", public_id=framework.public_id)
    return render(
        request,
        "network_milestones/framework_form.html",
        {"form": form, "framework": None},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def framework_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    framework = _framework_or_404(request, public_id)
    _manage(request)
    status = 200
    if request.method == "POST":
        form = FrameworkForm(request.POST, instance=Framework.objects.get(pk=framework.pk))
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in FrameworkForm.Meta.fields}
            try:
                services.framework_update(
                    actor=request.user,
                    framework=framework,
                    version=form.cleaned_data["version"] or framework.version,
                    changes=changes,
                )
            except StaleVersion as conflict:
                form.add_error(
                    None,
                    _(
                        "Someone else saved this framework in the meantime. Your changes are "
                        "still below: check them and save again."
                    ),
                )
                form.data = form.data.copy()
                form.data["version"] = str(conflict.current.version)  # type: ignore[attr-defined]
                status = 409
            except ValidationError as exc:
                form_add_validation_error(form, exc)
            else:
                messages.success(request, _("The framework was saved."))
                return redirect("network_milestone_framework_detail", public_id=framework.public_id)
        if status == 200 and form.errors:
            status = 400
    else:
        form = FrameworkForm(instance=framework, initial={"version": framework.version})
    return render(
        request,
        "network_milestones/framework_form.html",
        {"form": form, "framework": framework},
        status=status,
    )


# --- Milestones -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def milestone_create_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    framework = _framework_or_404(request, public_id)
    _manage(request)
    form = MilestoneForm(request.POST or None, initial={"order": framework.milestones.count() + 1})
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            milestone = services.milestone_create(actor=request.user, framework=framework, **fields)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The milestone was added. Set its targets now."))
            return redirect("network_milestone_targets", public_id=milestone.public_id)
    return render(
        request,
        "network_milestones/milestone_form.html",
        {"form": form, "framework": framework, "milestone": None},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def milestone_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    milestone = _milestone_or_404(request, public_id)
    _manage(request)
    status = 200
    if request.method == "POST":
        form = MilestoneForm(request.POST, instance=Milestone.objects.get(pk=milestone.pk))
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in MilestoneForm.Meta.fields}
            try:
                services.milestone_update(
                    actor=request.user,
                    milestone=milestone,
                    version=form.cleaned_data["version"] or milestone.version,
                    changes=changes,
                )
            except StaleVersion as conflict:
                form.add_error(
                    None,
                    _(
                        "Someone else saved this milestone in the meantime. Your changes are "
                        "still below: check them and save again."
                    ),
                )
                form.data = form.data.copy()
                form.data["version"] = str(conflict.current.version)  # type: ignore[attr-defined]
                status = 409
            except ValidationError as exc:
                form_add_validation_error(form, exc)
            else:
                messages.success(request, _("The milestone was saved."))
                return redirect("network_milestone_detail", public_id=milestone.public_id)
        if status == 200 and form.errors:
            status = 400
    else:
        form = MilestoneForm(instance=milestone, initial={"version": milestone.version})
    return render(
        request,
        "network_milestones/milestone_form.html",
        {"form": form, "framework": milestone.framework, "milestone": milestone},
        status=status,
    )


@require_GET
def milestone_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """One milestone: every partner, every year of its framework, and the reports behind the values."""
    milestone = _milestone_or_404(request, public_id)
    return render(
        request,
        "network_milestones/milestone_detail.html",
        {
            "milestone": milestone,
            "framework": milestone.framework,
            "label": selectors.indicator_label(milestone=milestone),
            "unit": selectors.indicator_unit(milestone=milestone),
            "rows": selectors.milestone_history(actor=request.user, milestone=milestone),
            "reports": selectors.progress_reports_of(actor=request.user, milestone=milestone)[:100],
            "is_coordinator": network_selectors.actor_is_coordinator(actor=request.user),
            "reportable": selectors.reportable_partners(actor=request.user),
            **_status_context(),
        },
    )


@require_http_methods(["GET", "POST"])
def milestone_targets(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The coordinator's target grid for one milestone: partners × years, one form, errors per cell."""
    milestone = _milestone_or_404(request, public_id)
    _manage(request)
    partners = list(selectors.network_partners())
    current = {
        (partner_id, year): value
        for (milestone_id, partner_id, year), value in selectors.targets_of(milestones=[milestone]).items()
    }
    form = TargetGridForm(
        request.POST or None, partners=partners, years=milestone.framework.years, initial_values=current
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.milestone_targets_set(
                actor=request.user, milestone=milestone, targets=form.targets()
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Targets saved (%(n)s changed).") % {"n": changed})
            return redirect("network_milestone_detail", public_id=milestone.public_id)
    return render(
        request,
        "network_milestones/milestone_targets.html",
        {"form": form, "milestone": milestone, "framework": milestone.framework},
        status=400 if form.errors else 200,
    )


# --- A partner's milestones -------------------------------------------------------------------------


@require_GET
def partner_milestones(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A partner's milestones with targets, progress and status, year by year, and its reports."""
    partner = _partner_or_404(request, public_id)
    framework = _chosen_framework(request)
    rows = (
        selectors.partner_history(actor=request.user, framework=framework, partner=partner)
        if framework
        else []
    )
    return render(
        request,
        "network_milestones/partner_milestones.html",
        {
            "partner": partner,
            "framework": framework,
            "frameworks": selectors.frameworks_for_actor(actor=request.user),
            "rows": rows,
            "labels": {row.milestone.pk: selectors.indicator_label(milestone=row.milestone) for row in rows},
            "reports": selectors.progress_reports_of(actor=request.user, partner=partner).filter(
                milestone__framework=framework
            )[:100]
            if framework
            else [],
            "requests": selectors.open_requests_for_partner(partner=partner),
            "can_report": selectors.progress_can_report(actor=request.user, partner=partner),
            **_status_context(),
        },
    )


@require_http_methods(["GET", "POST"])
def progress_add(request: HttpRequest, public_id: uuid.UUID, partner_id: uuid.UUID) -> HttpResponse:
    """A focal point reports a value for their own partner (another partner's form: 403)."""
    milestone = _milestone_or_404(request, public_id)
    partner = _partner_or_404(request, partner_id)
    if not selectors.progress_can_report(actor=request.user, partner=partner):
        raise PermissionDenied
    update_request = None
    wanted = request.GET.get("request") or request.POST.get("request") or ""
    if wanted:
        try:
            update_request = selectors.update_request_get(actor=request.user, public_id=wanted)
        except (UpdateRequest.DoesNotExist, ValidationError):
            update_request = None
        if update_request is not None and update_request.partner_id != partner.pk:
            update_request = None
    today = timezone.localdate()
    years = milestone.framework.years
    default_year = min(max(today.year, years[0]), years[-1])
    form = ProgressReportForm(request.POST or None, years=years, initial={"year": default_year})
    if request.method == "POST" and form.is_valid():
        try:
            services.progress_report(
                actor=request.user,
                milestone=milestone,
                partner=partner,
                update_request=update_request,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Thank you: the value was recorded."))
            return redirect("network_milestone_partner", public_id=partner.public_id)
    released_note = ""
    if milestone.indicator_kind == "catalogue":
        released_note = _(
            "This milestone's indicator comes from your statistics releases. A value you report here is "
            "used only while there is no release for the year."
        )
    return render(
        request,
        "network_milestones/progress_form.html",
        {
            "form": form,
            "milestone": milestone,
            "partner": partner,
            "update_request": update_request,
            "label": selectors.indicator_label(milestone=milestone),
            "unit": selectors.indicator_unit(milestone=milestone),
            "released_note": released_note,
        },
        status=400 if form.errors else 200,
    )


# --- Update requests --------------------------------------------------------------------------------


@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", UpdateStatus.OPEN)
    if status not in UpdateStatus.values and status != "all":
        status = UpdateStatus.OPEN
    requests = selectors.update_requests_for_actor(
        actor=request.user, status="" if status == "all" else status
    )
    # Paged (it stopped silently at 200), the status kept in the page links.
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "network_milestones/request_list.html",
        {
            "page": page,
            "requests": page.object_list,
            "status": status,
            "framework": selectors.framework_current(actor=request.user),
            "is_coordinator": network_selectors.actor_is_coordinator(actor=request.user),
            "own_partner_ids": {p.pk for p in network_selectors.actor_partners(actor=request.user)},
        },
    )


@require_http_methods(["GET", "POST"])
def request_create_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    framework = _framework_or_404(request, public_id)
    _manage(request)
    initial: dict[str, Any] = {
        "partner": selectors.partner_by_reference(
            actor=request.user, reference=request.GET.get("partner", "")
        ),
        "milestone": selectors.milestone_in(framework=framework, reference=request.GET.get("milestone", "")),
    }
    form = UpdateRequestForm(
        request.POST or None, framework=framework, partners=selectors.network_partners(), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_request_create(actor=request.user, framework=framework, **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The request was sent to the partner's focal points."))
            return redirect("network_milestone_request_list")
    return render(
        request,
        "network_milestones/request_form.html",
        {"form": form, "framework": framework},
        status=400 if form.errors else 200,
    )


@require_POST
def request_close(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        update_request = selectors.update_request_get(actor=request.user, public_id=str(public_id))
    except UpdateRequest.DoesNotExist:
        raise Http404 from None
    services.update_request_close(actor=request.user, request=update_request)
    messages.success(request, _("The request is marked answered."))
    return redirect("network_milestone_request_list")
