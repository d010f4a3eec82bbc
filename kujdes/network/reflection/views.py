"""Pages of the common reflection: meetings, working groups, the decision log, action items, methods.

Every staff member reads every page (403 for volunteers and viewers); a missing object is a
404; a change the actor may not make is a 403 (the rules are in selectors).
"""

from __future__ import annotations

import difflib
import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.accounts.models import User
from kujdes.core.forms import form_add_validation_error
from kujdes.core.locking import StaleVersion
from kujdes.network.reflection import selectors, services
from kujdes.network.reflection.forms import (
    ActionFilterForm,
    ActionForm,
    AgendaItemForm,
    AttendanceForm,
    DecisionFilterForm,
    DecisionForm,
    MeetingForm,
    MethodApplicationForm,
    MethodForm,
    MinutesApproveForm,
    MinutesForm,
    WorkingGroupForm,
    WorkingGroupStaffForm,
)
from kujdes.network.reflection.models import (
    ActionItem,
    AgendaItem,
    Decision,
    Meeting,
    Method,
    WorkingGroup,
    WorkingGroupStaff,
)
from kujdes.network.selectors import actor_is_coordinator


def _get(getter: Any, model: type, request: HttpRequest, public_id: uuid.UUID) -> Any:
    try:
        return getter(actor=request.user, public_id=str(public_id))
    except model.DoesNotExist:  # type: ignore[attr-defined]
        raise Http404 from None


def _meeting(request: HttpRequest, public_id: uuid.UUID) -> Meeting:
    return _get(selectors.meeting_get, Meeting, request, public_id)


def _group(request: HttpRequest, public_id: uuid.UUID) -> WorkingGroup:
    return _get(selectors.working_group_get, WorkingGroup, request, public_id)


def _decision(request: HttpRequest, public_id: uuid.UUID) -> Decision:
    return _get(selectors.decision_get, Decision, request, public_id)


def _action(request: HttpRequest, public_id: uuid.UUID) -> ActionItem:
    return _get(selectors.action_get, ActionItem, request, public_id)


def _method(request: HttpRequest, public_id: uuid.UUID) -> Method:
    return _get(selectors.method_get, Method, request, public_id)


def _status(form: Any, request: HttpRequest, conflict: bool = False) -> int:
    if conflict:
        return 409
    return 400 if request.method == "POST" and form.errors else 200


def _stale_form(form_class: Any, request: HttpRequest, current: Any, **kwargs: Any) -> Any:
    """The form again with what the user typed, set to replace the version saved meanwhile."""
    values = request.POST.copy()
    values["version"] = str(current.version)
    form = form_class(values, **kwargs)
    form.is_valid()
    form.add_error(
        None,
        _(
            "Someone else saved this while you were editing it. "
            "What you typed is still below: compare, then save again."
        ),
    )
    return form


# --- Meetings ------------------------------------------------------------------------------------


@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    """Upcoming meetings (soonest first) and past ones (latest first)."""
    when = "past" if request.GET.get("when") == "past" else "upcoming"
    meetings = selectors.meetings_for_actor(actor=request.user, when=when)
    page = Paginator(meetings, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "network_reflection/meeting_list.html",
        {
            "page": page,
            "when": when,
            "can_create": selectors.meeting_groups_for_actor(actor=request.user).exists()
            or actor_is_coordinator(actor=request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    groups = selectors.meeting_groups_for_actor(actor=request.user).order_by("name")
    coordinator = actor_is_coordinator(actor=request.user)
    if not coordinator and not groups.exists():
        raise PermissionDenied
    initial = {}
    if request.GET.get("group"):
        initial["working_group"] = groups.filter(public_id__in=_uuids(request.GET.get("group"))).first()
    form = MeetingForm(request.POST or None, groups=groups, plenary=coordinator, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            meeting = services.meeting_create(actor=request.user, **data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The meeting was added."))
            return redirect("network_meeting_detail", public_id=meeting.public_id)
    return render(
        request,
        "network_reflection/meeting_form.html",
        {"form": form, "meeting": None},
        status=_status(form, request),
    )


def _uuids(value: str | None) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(str(value))]
    except ValueError:
        return []


@require_GET
def meeting_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    meeting = _meeting(request, public_id)
    context = selectors.meeting_page_parts(meeting=meeting)
    context |= {
        "meeting": meeting,
        "can_manage": selectors.meeting_can_manage(actor=request.user, meeting=meeting),
        "can_decide": selectors.decision_can_manage(actor=request.user),
    }
    context["attendance_counts"] = {
        status: sum(1 for _p, s in context["attendance"] if s == status)  # type: ignore[attr-defined]
        for status in ("present", "excused", "absent")
    }
    return render(request, "network_reflection/meeting_detail.html", context)


@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    meeting = _meeting(request, public_id)
    if not selectors.meeting_can_manage(actor=request.user, meeting=meeting):
        raise PermissionDenied
    initial = {f: getattr(meeting, f) for f in services.MEETING_EDITABLE} | {"version": meeting.version}
    form = MeetingForm(request.POST if request.method == "POST" else None, initial=initial, editing=True)
    conflict = False
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.meeting_update(
                actor=request.user, meeting=meeting, version=form.cleaned_data["version"], changes=changes
            )
        except StaleVersion as stale:
            conflict = True
            form = _stale_form(MeetingForm, request, stale.current, initial=initial, editing=True)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The meeting was saved."))
            return redirect("network_meeting_detail", public_id=meeting.public_id)
    return render(
        request,
        "network_reflection/meeting_form.html",
        {"form": form, "meeting": meeting},
        status=_status(form, request, conflict),
    )


def minutes_diff(*, saved: str, typed: str) -> list[tuple[str, str]]:
    """Line by line, what the saved minutes have ("-") and the typed ones have ("+") that the other lacks."""
    lines = []
    for line in difflib.ndiff(saved.splitlines(), typed.splitlines()):
        mark, text = line[:1], line[2:]
        if mark in {"-", "+", " "}:
            lines.append(({"-": "saved", "+": "typed", " ": "same"}[mark], text))
    return lines


@require_http_methods(["GET", "POST"])
def meeting_minutes(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Write the minutes; if someone saved them meanwhile, keep what was typed and show the difference."""
    meeting = _meeting(request, public_id)
    if not selectors.meeting_can_manage(actor=request.user, meeting=meeting):
        raise PermissionDenied
    initial = {"minutes": meeting.minutes, "version": meeting.version}
    form = MinutesForm(request.POST if request.method == "POST" else None, initial=initial)
    current = None
    diff: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_minutes_save(
                actor=request.user,
                meeting=meeting,
                version=form.cleaned_data["version"],
                minutes=form.cleaned_data["minutes"],
            )
        except StaleVersion as stale:
            current = stale.current
            form = _stale_form(MinutesForm, request, current, initial=initial)
            diff = minutes_diff(saved=current.minutes, typed=form.cleaned_data.get("minutes", ""))  # type: ignore[attr-defined]
        else:
            messages.success(request, _("The minutes were saved."))
            return redirect("network_meeting_detail", public_id=meeting.public_id)
    return render(
        request,
        "network_reflection/meeting_minutes.html",
        {"form": form, "meeting": meeting, "current": current, "diff": diff},
        status=_status(form, request, current is not None),
    )


@require_POST
def meeting_minutes_approve(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    meeting = _meeting(request, public_id)
    if not selectors.meeting_can_manage(actor=request.user, meeting=meeting):
        raise PermissionDenied
    form = MinutesApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date of approval as a date."))
    else:
        try:
            services.meeting_minutes_approve(
                actor=request.user, meeting=meeting, on=form.cleaned_data["approved_on"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The minutes are marked as approved."))
    return redirect("network_meeting_detail", public_id=meeting.public_id)


@require_http_methods(["GET", "POST"])
def meeting_agenda_add(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    meeting = _meeting(request, public_id)
    if not selectors.meeting_can_manage(actor=request.user, meeting=meeting):
        raise PermissionDenied
    form = AgendaItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agenda_item_add(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The item was added to the agenda."))
            return redirect("network_meeting_detail", public_id=meeting.public_id)
    return render(
        request,
        "network_reflection/simple_form.html",
        {"form": form, "meeting": meeting, "title": _("Add an agenda item")},
        status=_status(form, request),
    )


@require_POST
def meeting_agenda_remove(request: HttpRequest, public_id: uuid.UUID, item_id: uuid.UUID) -> HttpResponse:
    meeting = _meeting(request, public_id)
    try:
        item = meeting.agenda_items.get(public_id=item_id)
    except AgendaItem.DoesNotExist:
        raise Http404 from None
    services.agenda_item_remove(actor=request.user, item=item)
    messages.success(request, _("The item was removed from the agenda."))
    return redirect("network_meeting_detail", public_id=meeting.public_id)


@require_http_methods(["GET", "POST"])
def meeting_attendance(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    meeting = _meeting(request, public_id)
    if not selectors.meeting_can_manage(actor=request.user, meeting=meeting):
        raise PermissionDenied
    grid = selectors.meeting_attendance_grid(meeting=meeting)
    form = AttendanceForm(request.POST or None, grid=grid)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_attendance_record(actor=request.user, meeting=meeting, statuses=form.statuses())
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Attendance was saved."))
            return redirect("network_meeting_detail", public_id=meeting.public_id)
    return render(
        request,
        "network_reflection/simple_form.html",
        {"form": form, "meeting": meeting, "title": _("Attendance")},
        status=_status(form, request),
    )


# --- Decisions -----------------------------------------------------------------------------------


@require_GET
def decision_list(request: HttpRequest) -> HttpResponse:
    """The decision log: search by words (accents ignored), year, working group and status."""
    groups = list(selectors.working_groups_for_actor(actor=request.user))
    form = DecisionFilterForm(request.GET or None, years=selectors.decision_years(), groups=groups)
    filters = form.cleaned_data if form.is_valid() else {}
    group_key = filters.get("group") or ""
    decisions = selectors.decisions_search(
        actor=request.user,
        query=filters.get("q", ""),
        year=filters.get("year"),
        working_group=form.groups.get(group_key),
        plenary=group_key == "plenary",
        status=filters.get("status", ""),
    )
    page = Paginator(decisions, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "network_reflection/decision_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "total": page.paginator.count},
        status=200 if form.is_valid() or not request.GET else 400,
    )


@require_GET
def decision_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    decision = _decision(request, public_id)
    return render(
        request,
        "network_reflection/decision_detail.html",
        {
            "decision": decision,
            "superseded_by": list(decision.superseded_by.all()),
            "actions": list(decision.action_items.select_related("owner_partner")),
            "methods": list(decision.methods.all()),
            "can_edit": selectors.decision_can_manage(actor=request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def decision_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    meeting = _meeting(request, public_id)
    if not selectors.decision_can_manage(actor=request.user):
        raise PermissionDenied
    initial = {"scope": "network" if meeting.is_plenary else "working_group", "status": "in_force"}
    form = DecisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            decision = services.decision_create(actor=request.user, meeting=meeting, **data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("network_decision_detail", public_id=decision.public_id)
    return render(
        request,
        "network_reflection/simple_form.html",
        {"form": form, "meeting": meeting, "title": _("Record a decision")},
        status=_status(form, request),
    )


@require_http_methods(["GET", "POST"])
def decision_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    decision = _decision(request, public_id)
    if not selectors.decision_can_manage(actor=request.user):
        raise PermissionDenied
    initial = {f: getattr(decision, f) for f in services.DECISION_EDITABLE} | {"version": decision.version}
    kwargs = {"editing": True, "exclude_pk": decision.pk, "initial": initial}
    form = DecisionForm(request.POST if request.method == "POST" else None, **kwargs)
    conflict = False
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.decision_update(
                actor=request.user, decision=decision, version=form.cleaned_data["version"], changes=changes
            )
        except StaleVersion as stale:
            conflict = True
            form = _stale_form(DecisionForm, request, stale.current, **kwargs)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The decision was saved."))
            return redirect("network_decision_detail", public_id=decision.public_id)
    return render(
        request,
        "network_reflection/simple_form.html",
        {
            "form": form,
            "meeting": decision.meeting,
            "title": _("Edit decision %(number)s") % {"number": decision.number},
        },
        status=_status(form, request, conflict),
    )


# --- Action items --------------------------------------------------------------------------------


@require_GET
def action_list(request: HttpRequest) -> HttpResponse:
    """Action items across meetings, with an "overdue" filter."""
    form = ActionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    actions = selectors.actions_for_actor(
        actor=request.user,
        status=filters.get("status", ""),
        overdue=bool(filters.get("overdue")),
        partner=filters.get("partner"),
    )
    page = Paginator(actions, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "network_reflection/action_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=200 if form.is_valid() or not request.GET else 400,
    )


@require_http_methods(["GET", "POST"])
def action_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    meeting = _meeting(request, public_id)
    if not selectors.meeting_can_manage(actor=request.user, meeting=meeting):
        raise PermissionDenied
    form = ActionForm(request.POST or None, decisions=meeting.decisions.all())
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.action_item_create(actor=request.user, meeting=meeting, **data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The action item was added."))
            return redirect("network_meeting_detail", public_id=meeting.public_id)
    return render(
        request,
        "network_reflection/simple_form.html",
        {"form": form, "meeting": meeting, "title": _("Add an action item")},
        status=_status(form, request),
    )


@require_http_methods(["GET", "POST"])
def action_update(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The meeting's managers change everything; the owner partner's focal points the status and note."""
    action = _action(request, public_id)
    if not selectors.action_can_update(actor=request.user, action=action):
        raise PermissionDenied
    owner_only = not selectors.meeting_can_manage(actor=request.user, meeting=action.meeting)
    fields = services.OWNER_EDITABLE if owner_only else services.ACTION_EDITABLE
    initial = {f: getattr(action, f) for f in fields} | {"version": action.version}
    kwargs = {"decisions": action.meeting.decisions.all(), "owner_only": owner_only, "initial": initial}
    form = ActionForm(request.POST if request.method == "POST" else None, **kwargs)
    conflict = False
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k in fields}
        try:
            services.action_item_update(
                actor=request.user, action=action, version=form.cleaned_data["version"], changes=changes
            )
        except StaleVersion as stale:
            conflict = True
            form = _stale_form(ActionForm, request, stale.current, **kwargs)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The action item was saved."))
            return redirect("network_meeting_detail", public_id=action.meeting.public_id)
    return render(
        request,
        "network_reflection/action_form.html",
        {"form": form, "action": action, "meeting": action.meeting},
        status=_status(form, request, conflict),
    )


# --- Working groups ------------------------------------------------------------------------------


@require_GET
def working_group_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "network_reflection/working_group_list.html",
        {
            "groups": selectors.working_groups_for_actor(actor=request.user),
            "can_create": actor_is_coordinator(actor=request.user),
        },
    )


@require_GET
def working_group_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    group = _group(request, public_id)
    return render(
        request,
        "network_reflection/working_group_detail.html",
        {
            "group": group,
            "partners": list(group.partners.order_by("name")),
            "staff": list(group.staff.select_related("partner")),
            "meetings": list(selectors.meetings_for_actor(actor=request.user, working_group=group)),
            "can_edit": selectors.working_group_can_manage(actor=request.user, group=group),
            "can_hold": selectors.working_group_can_hold_meetings(actor=request.user, group=group),
        },
    )


def _group_form(request: HttpRequest, group: WorkingGroup | None) -> HttpResponse:
    if group is None:
        initial: dict[str, Any] = {}
    else:
        initial = {
            f: getattr(group, f)
            for f in ("name", "purpose", "terms_of_reference", "convenor", "started_on", "ended_on", "status")
        } | {"version": group.version, "partners": list(group.partners.all())}
    form = WorkingGroupForm(request.POST if request.method == "POST" else None, initial=initial)
    conflict = False
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        partners = data.pop("partners")
        try:
            if group is None:
                group = services.working_group_create(actor=request.user, partners=partners, **data)
            else:
                services.working_group_update(
                    actor=request.user, group=group, version=version, changes=data, partners=partners
                )
        except StaleVersion as stale:
            conflict = True
            form = _stale_form(WorkingGroupForm, request, stale.current, initial=initial)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The working group was saved."))
            return redirect("network_working_group_detail", public_id=group.public_id)
    return render(
        request,
        "network_reflection/working_group_form.html",
        {"form": form, "group": group},
        status=_status(form, request, conflict),
    )


@require_http_methods(["GET", "POST"])
def working_group_create(request: HttpRequest) -> HttpResponse:
    if not actor_is_coordinator(actor=request.user):
        raise PermissionDenied
    return _group_form(request, None)


@require_http_methods(["GET", "POST"])
def working_group_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    group = _group(request, public_id)
    if not selectors.working_group_can_manage(actor=request.user, group=group):
        raise PermissionDenied
    return _group_form(request, group)


@require_http_methods(["GET", "POST"])
def working_group_staff_add(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    group = _group(request, public_id)
    if not selectors.working_group_can_hold_meetings(actor=request.user, group=group):
        raise PermissionDenied
    form = WorkingGroupStaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        username = data.pop("username")
        user = User.objects.filter(username=username, is_active=True).first() if username else None
        if username and user is None:
            form.add_error("username", _("No account has this user name."))
        else:
            try:
                services.working_group_staff_add(actor=request.user, group=group, user=user, **data)
            except ValidationError as exc:
                form_add_validation_error(form, exc)
            else:
                messages.success(request, _("The member was added."))
                return redirect("network_working_group_detail", public_id=group.public_id)
    return render(
        request,
        "network_reflection/simple_form.html",
        {"form": form, "group": group, "title": _("Add a member of staff")},
        status=_status(form, request),
    )


@require_POST
def working_group_staff_remove(
    request: HttpRequest, public_id: uuid.UUID, member_id: uuid.UUID
) -> HttpResponse:
    group = _group(request, public_id)
    try:
        member = group.staff.get(public_id=member_id)
    except WorkingGroupStaff.DoesNotExist:
        raise Http404 from None
    services.working_group_staff_remove(actor=request.user, member=member)
    messages.success(request, _("The member was removed."))
    return redirect("network_working_group_detail", public_id=group.public_id)


# --- Methods -------------------------------------------------------------------------------------


@require_GET
def method_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    return render(
        request,
        "network_reflection/method_list.html",
        {
            "methods": selectors.methods_for_actor(actor=request.user, query=query),
            "q": query,
            "can_create": selectors.method_can_manage(actor=request.user),
        },
    )


@require_GET
def method_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    method = _method(request, public_id)
    versions = selectors.method_lineage(method)
    latest = versions[-1]
    return render(
        request,
        "network_reflection/method_detail.html",
        {
            "method": method,
            "versions": versions,
            "latest": latest,
            "grid": selectors.method_application_grid(versions=versions),
            "can_edit": selectors.method_can_manage(actor=request.user),
            "can_apply": selectors.method_application_partners(actor=request.user).exists(),
        },
    )


def _method_form(request: HttpRequest, method: Method | None, previous: Method | None) -> HttpResponse:
    if method is not None:
        initial = {
            f: getattr(method, f)
            for f in ("title", "summary", "description", "version_label", "decision", "links")
        }
        initial["version"] = method.version
    elif previous is not None:
        initial = {f: getattr(previous, f) for f in ("title", "summary", "description", "links")}
    else:
        initial = {}
    form = MethodForm(request.POST if request.method == "POST" else None, initial=initial)
    conflict = False
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        data["meeting"] = data["decision"].meeting if data.get("decision") else None
        try:
            if method is not None:
                saved = services.method_update(
                    actor=request.user, method=method, version=version, changes=data
                )
            elif previous is not None:
                saved = services.method_new_version(actor=request.user, previous=previous, **data)
            else:
                saved = services.method_create(actor=request.user, **data)
        except StaleVersion as stale:
            conflict = True
            form = _stale_form(MethodForm, request, stale.current, initial=initial)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The method was saved."))
            return redirect("network_method_detail", public_id=saved.public_id)
    return render(
        request,
        "network_reflection/method_form.html",
        {"form": form, "method": method, "previous": previous},
        status=_status(form, request, conflict),
    )


@require_http_methods(["GET", "POST"])
def method_create(request: HttpRequest) -> HttpResponse:
    if not selectors.method_can_manage(actor=request.user):
        raise PermissionDenied
    return _method_form(request, None, None)


@require_http_methods(["GET", "POST"])
def method_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    method = _method(request, public_id)
    if not selectors.method_can_manage(actor=request.user):
        raise PermissionDenied
    return _method_form(request, method, None)


@require_http_methods(["GET", "POST"])
def method_new_version(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    method = _method(request, public_id)
    if not selectors.method_can_manage(actor=request.user):
        raise PermissionDenied
    return _method_form(request, None, method)


@require_http_methods(["GET", "POST"])
def method_apply(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A focal point reports how far their partner applies this version of the method."""
    method = _method(request, public_id)
    partners = selectors.method_application_partners(actor=request.user)
    if not partners.exists():
        raise PermissionDenied
    form = MethodApplicationForm(request.POST or None, partners=partners)
    if request.method == "POST" and form.is_valid():
        try:
            services.method_application_record(actor=request.user, method=method, **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Thank you: the application was recorded."))
            return redirect("network_method_detail", public_id=method.public_id)
    return render(
        request,
        "network_reflection/simple_form.html",
        {
            "form": form,
            "method": method,
            "title": _("Report how your partner applies %(method)s") % {"method": method},
        },
        status=_status(form, request),
    )
