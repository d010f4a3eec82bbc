"""Pages of the case file: list, opening a case, the case page with its HTCDS sections, the national
referral mechanism, trafficking events, workers, closure and transfer requests, and approvals.

Foreign cases answer 404 like missing ones. A form that fails re-renders the case page with the
errors and everything typed (400); nothing is lost.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.cases.choices import (
    ApprovalStatus,
    ControlMethod,
    ExploitationType,
    RecruitmentMethod,
    SexExploitationType,
    Vulnerability,
    WebsiteOrApp,
)
from kujdes.cases.forms import (
    ApprovalDecisionForm,
    CaseCreateForm,
    CaseEditForm,
    CaseSettingsForm,
    CaseWorkersForm,
    ClosureRequestForm,
    NrmAdvanceForm,
    PerpetratorForm,
    TraffickingEventForm,
    TransferRequestForm,
)
from kujdes.cases.models import Approval, Case
from kujdes.cases.selectors import (
    approval_decidable_ids,
    approval_get,
    approval_pending_of_case,
    approvals_for_actor,
    case_can_manage,
    case_event_get,
    case_get,
    case_home_countries,
    cases_filtered,
    cases_page,
    events_of_case,
    nrm_decisions_of_case,
    person_cases,
    transfer_target_units,
)
from kujdes.cases.services import (
    EDITABLE_FIELDS,
    approval_can_decide,
    approval_decide,
    approval_withdraw,
    case_closure_request,
    case_create,
    case_nrm_advance,
    case_reopen,
    case_settings_set,
    case_transfer_request,
    case_update,
    case_view,
    case_worker_candidates,
    case_workers_set,
    closure_requires_approval,
    perpetrator_notes_view,
    perpetrator_notes_visible,
    trafficking_event_add,
    trafficking_event_remove,
)
from kujdes.cases.views_export import case_list_filters
from kujdes.core.forms import form_add_validation_error
from kujdes.core.locking import StaleVersion
from kujdes.core.models import Unit
from kujdes.core.panels import panels_render
from kujdes.core.reads import ReadRow, identity_rows_read
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm, organisations_for_actor, units_for_actor
from kujdes.people.consent import ConsentMissing
from kujdes.people.models import Person
from kujdes.people.selectors import person_get, persons_with_keys

PAGE_SIZE = 25
CONFLICT_MESSAGE = gettext_lazy(
    "Someone else saved this case while you were editing. Check your changes and save again."
)


def _case_or_404(request: HttpRequest, public_id: Any, perm: Perm = Perm.CASE_VIEW) -> Case:
    try:
        case = case_get(actor=request.user, public_id=str(public_id), perm=perm)
    except (Case.DoesNotExist, ValidationError):
        raise Http404 from None
    persons_with_keys([case.person])
    return case


def _unit_choices(request: HttpRequest, perm: Perm) -> list[tuple[str, str]]:
    units = units_for_actor(actor=request.user, perm=perm).filter(is_active=True).order_by("path")
    return [(str(unit.public_id), "— " * unit.depth + unit.name) for unit in units]


def _unit_from_choice(request: HttpRequest, perm: Perm, public_id: str) -> Unit:
    return units_for_actor(actor=request.user, perm=perm).get(public_id=public_id)


def _transfer_units(case: Case) -> list[tuple[str, str]]:
    return [(str(unit.public_id), "— " * unit.depth + unit.name) for unit in transfer_target_units(case=case)]


# --- the list -----------------------------------------------------------------------------------------


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    if not actor_has_perm(actor=request.user, perm=Perm.CASE_VIEW):
        raise PermissionDenied
    form, filters = case_list_filters(request, request.GET or None)
    cases = (
        cases_filtered(actor=request.user, **filters)
        if form.is_valid() or not request.GET
        else Case.objects.none()
    )
    page = cases_page(cases, number=request.GET.get("page"), size=PAGE_SIZE)
    chosen = dict(form.cleaned_data) if form.is_valid() else {}
    identity_rows_read(
        request=request,
        action="case.list.viewed",
        # A case row shows its person's code: the person is what the budget counts.
        rows=[ReadRow.of(case, charged_pk=case.person_id) for case in page.object_list],
        filters={key: value for key, value in chosen.items() if key != "q"},
        search=chosen.get("q", ""),
        page=page.number,
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_open": actor_has_perm(actor=request.user, perm=Perm.CASE_MANAGE),
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "cases/_case_rows.html", context)
    return render(request, "cases/case_list.html", context)


# --- opening a case -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def case_create_view(request: HttpRequest) -> HttpResponse:
    if not actor_has_perm(actor=request.user, perm=Perm.CASE_MANAGE):
        raise PermissionDenied
    if not request.GET.get("person"):
        # A case is always some person's: find her in the register first (her page links here).
        messages.info(request, _("To open a case, find the person first."))
        return redirect("person_list")
    try:
        person = person_get(actor=request.user, public_id=str(request.GET.get("person", "")))
    except (Person.DoesNotExist, ValidationError):
        raise Http404 from None
    persons_with_keys([person])
    units = _unit_choices(request, Perm.CASE_MANAGE)
    if not units:
        raise PermissionDenied
    form = CaseCreateForm(
        request.POST if request.method == "POST" else None,
        units=units,
        initial={"unit": str(person.unit.public_id)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = _unit_from_choice(request, Perm.CASE_MANAGE, data["unit"])
            case = case_create(
                actor=request.user,
                person=person,
                unit=unit,
                case_type=data["case_type"],
                opened_on=data["opened_on"],
                summary=data["summary"],
            )
        except Unit.DoesNotExist:
            form.add_error("unit", _("Choose a unit from the list."))
        except ValidationError as error:
            form_add_validation_error(form, error)
        except PermissionDenied:
            form.add_error("unit", _("You cannot open cases in this unit."))
        else:
            messages.success(request, _("Case %(code)s opened.") % {"code": case.code})
            return redirect("case_detail", public_id=case.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/case_create.html", {"form": form, "person": person}, status=status)


# --- the case page ------------------------------------------------------------------------------------


def _detail(
    request: HttpRequest, case: Case, *, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    """The case page; `bound` holds a section form the user just sent (its errors, their input).

    The sections' "add" forms are not built here: each is loaded when its section is opened (see
    `_section_form`), so the page's time and queries do not pay for forms that are rarely used.
    """
    manage = case_can_manage(actor=request.user, case=case)
    pending = approval_pending_of_case(case=case)
    may = {key: manage and case.is_open for key in SECTION_FORMS}
    may["nrm"] = may["nrm"] and case.nrm_stage != "official_victim"
    may["closure"] = may["closure"] and pending is None
    may["transfer"] = may["transfer"] and pending is None
    # A form the user just sent is shown with its errors even when the case changed meanwhile (closed,
    # a request pending): the message says why, and what they typed is there.
    forms: dict[str, Any] = dict(bound or {})
    context = {
        "case": case,
        "person": case.person,
        "htcds": _htcds_rows(case),
        "manage": manage,
        "decisions": nrm_decisions_of_case(case=case),
        "events": _events_marked(case),
        "other_workers": list(case.other_workers.all()),
        "perpetrator_visible": perpetrator_notes_visible(actor=request.user, case=case),
        "pending": pending,
        "pending_decidable": pending is not None
        and approval_can_decide(actor=request.user, approval=pending),
        # Only a closure form sent back with its errors says so here; otherwise its own URL does.
        "closure_needs_approval": "closure" in forms
        and closure_requires_approval(organisation_id=case.organisation_id),
        "can_reopen": not case.is_open
        and units_for_actor(actor=request.user, perm=Perm.CASE_APPROVE).filter(pk=case.unit_id).exists(),
        "forms": forms,
        "may": may,
        "panels": panels_render(page="case", request=request, obj=case),
    }
    return render(request, "cases/case_detail.html", context, status=status)


def _events_marked(case: Case) -> list[Any]:
    """The case's events, each marked abroad (outside her country) or internal."""
    home = case_home_countries(case=case)
    events = list(events_of_case(case=case))
    for event in events:
        event.abroad = event.country not in home  # type: ignore[attr-defined]
    return events


# Multi-select HTCDS fields, shown as their labels.
LIST_FIELDS = {
    "exploitation_types": ExploitationType,
    "sex_exploitation_types": SexExploitationType,
    "control_methods": ControlMethod,
    "recruitment_methods": RecruitmentMethod,
    "recruitment_websites": WebsiteOrApp,
    "exploitation_websites": WebsiteOrApp,
    "vulnerabilities": Vulnerability,
}


def _htcds_rows(case: Case) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for name in (
        "trafficking_status",
        "status_decided_by",
        "exploitation_types",
        "labour_industry",
        "sex_exploitation_types",
        "control_methods",
        "recruitment_methods",
        "recruitment_websites",
        "exploitation_websites",
        "vulnerabilities",
        "trafficker_relationship",
        "age_when_trafficked",
        "cross_border",
    ):
        field = Case._meta.get_field(name)
        value = getattr(case, name)
        if name in LIST_FIELDS:
            labels = dict(LIST_FIELDS[name].choices)
            shown = ", ".join(str(labels.get(code, code)) for code in value or [])
        elif name == "cross_border":
            shown = "" if value is None else str(_("Cross-border") if value else _("Internal"))
        elif getattr(field, "choices", None):
            shown = str(getattr(case, f"get_{name}_display")()) if value else ""
        else:
            shown = "" if value is None else str(value)
        rows.append((str(field.verbose_name).capitalize(), shown or "—"))
    return rows


@require_GET
def case_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    case = _case_or_404(request, public_id)
    case_view(actor=request.user, case=case)
    return _detail(request, case)


@require_http_methods(["GET", "POST"])
def case_perpetrator(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The restricted perpetrator details, fetched on demand (htmx) so that each read is audited; the
    full page also lets the case's own workers change them (with the case's version, like any save)."""
    case = _case_or_404(request, public_id)
    editable = case_can_manage(actor=request.user, case=case) and case.is_open
    if request.method == "POST" and not editable:
        raise PermissionDenied
    notes = perpetrator_notes_view(actor=request.user, case=case)
    if request.headers.get("HX-Request") == "true":
        context = {"case": case, "notes": notes, "editable": editable}
        return render(request, "cases/_perpetrator.html", context)
    form = None
    status = 200
    if editable:
        form = PerpetratorForm(
            request.POST if request.method == "POST" else None,
            initial={"perpetrator_notes": notes, "version": case.version},
        )
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    case_update(
                        actor=request.user,
                        case=case,
                        expected_version=form.cleaned_data["version"],
                        changes={"perpetrator_notes": form.cleaned_data["perpetrator_notes"]},
                    )
                except StaleVersion as stale:
                    values = request.POST.copy()
                    values["version"] = str(stale.current.version)
                    form = PerpetratorForm(values)
                    form.is_valid()
                    form.add_error(None, CONFLICT_MESSAGE)
                    status = 409
                except ValidationError as error:
                    form_add_validation_error(form, error)
                else:
                    messages.success(request, _("Case saved."))
                    return redirect("case_detail", public_id=case.public_id)
    return render(
        request, "cases/perpetrator.html", {"case": case, "notes": notes, "form": form}, status=status
    )


@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The HTCDS fields of a case. The perpetrator details are not here: they have their own page,
    whose every read is audited, so that editing a summary does not put them on screen."""
    case = _case_or_404(request, public_id, perm=Perm.CASE_MANAGE)
    fields = [field for field in EDITABLE_FIELDS if field != "perpetrator_notes"]
    initial: dict[str, Any] = {field: getattr(case, field) for field in fields}
    initial["version"] = case.version
    if request.method == "GET":
        case_view(actor=request.user, case=case)
    form = CaseEditForm(request.POST if request.method == "POST" else None, initial=initial)
    conflict = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        optional = ("age_when_trafficked", "joint_interview_on")
        changes = {
            field: ("" if data.get(field) is None and field not in optional else data.get(field))
            for field in fields
        }
        try:
            updated = case_update(
                actor=request.user, case=case, expected_version=data["version"], changes=changes
            )
        except StaleVersion as stale:
            conflict = True
            # Keep what was typed; the next save knowingly replaces the other person's version.
            values = request.POST.copy()
            values["version"] = str(stale.current.version)
            form = CaseEditForm(values, initial=initial)
            form.is_valid()
            form.add_error(None, CONFLICT_MESSAGE)
        except ValidationError as error:
            form_add_validation_error(form, error)
        else:
            messages.success(request, _("Case saved."))
            return redirect("case_detail", public_id=updated.public_id)
    status = 409 if conflict else 400 if request.method == "POST" else 200
    return render(request, "cases/case_edit.html", {"form": form, "case": case}, status=status)


# The case page's own section forms: what they are called and where their <form> is drawn.
SECTION_FORMS = {
    "nrm": (gettext_lazy("Record a decision"), "cases/_nrm_form.html"),
    "event": (gettext_lazy("Add an event"), "cases/_event_form.html"),
    "closure": (gettext_lazy("Close the case"), "cases/_closure_form.html"),
    "transfer": (gettext_lazy("Move to another unit"), "cases/_transfer_form.html"),
}


def _section_form(
    request: HttpRequest, public_id: Any, *, key: str, form: Any, action: Any, done: str
) -> HttpResponse:
    """A section form of the case page, at the URL it posts to.

    GET with htmx: the <form> alone, loaded when the user opens its section on the case page. GET
    without: a page with that form alone (so that every form works without JavaScript). POST: saved
    through `action`, then back to the case page; or the case page again with the errors and what
    was typed (400). `form(case, data)` builds the form, unbound when data is None.
    """
    case = _case_or_404(request, public_id, perm=Perm.CASE_MANAGE)
    if request.method == "GET":
        title, template = SECTION_FORMS[key]
        context = {
            "case": case,
            "form": form(case, None),
            "title": title,
            "form_template": template,
            "closure_needs_approval": key == "closure"
            and closure_requires_approval(organisation_id=case.organisation_id),
        }
        if request.headers.get("HX-Request") == "true":
            response = render(request, template, context)
        else:
            response = render(request, "cases/case_form_page.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    bound = form(case, request.POST)
    if bound.is_valid():
        try:
            action(case, bound.cleaned_data)
        except ValidationError as error:
            form_add_validation_error(bound, error)
        else:
            messages.success(request, done)
            return redirect("case_detail", public_id=case.public_id)
    return _detail(request, case, bound={key: bound}, status=400)


@require_http_methods(["GET", "POST"])
def case_nrm_advance_view(request: HttpRequest, public_id: Any) -> HttpResponse:
    def advance(case: Case, data: dict[str, Any]) -> None:
        case_nrm_advance(
            actor=request.user,
            case=case,
            to_stage=data["to_stage"],
            decided_on=data["decided_on"],
            authority=data["authority"],
            joint_interview_on=data["joint_interview_on"],
        )

    return _section_form(
        request,
        public_id,
        key="nrm",
        form=lambda case, data: NrmAdvanceForm(data, current=case.nrm_stage),
        action=advance,
        done=_("Referral mechanism stage recorded."),
    )


@require_http_methods(["GET", "POST"])
def trafficking_event_add_view(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _section_form(
        request,
        public_id,
        key="event",
        form=lambda case, data: TraffickingEventForm(data),
        action=lambda case, data: trafficking_event_add(actor=request.user, case=case, **data),
        done=_("Trafficking event recorded."),
    )


@require_POST
def trafficking_event_remove_view(request: HttpRequest, public_id: Any, event_id: Any) -> HttpResponse:
    case = _case_or_404(request, public_id, perm=Perm.CASE_MANAGE)
    try:
        event = case_event_get(actor=request.user, case=case, public_id=str(event_id))
    except Exception:  # noqa: BLE001 - any unknown or foreign event is simply not there
        raise Http404 from None
    trafficking_event_remove(actor=request.user, event=event)
    messages.success(request, _("Trafficking event removed."))
    return redirect("case_detail", public_id=case.public_id)


@require_http_methods(["GET", "POST"])
def case_close_request(request: HttpRequest, public_id: Any) -> HttpResponse:
    def close(case: Case, data: dict[str, Any]) -> None:
        result = case_closure_request(
            actor=request.user,
            case=case,
            status=data["status"],
            reason=data["reason"],
            details=data["details"],
        )
        if isinstance(result, Approval):
            messages.info(request, _("The closure waits for a programme manager's approval."))

    return _section_form(
        request,
        public_id,
        key="closure",
        form=lambda case, data: ClosureRequestForm(data),
        action=close,
        done=_("Closure recorded."),
    )


@require_http_methods(["GET", "POST"])
def case_transfer_request_view(request: HttpRequest, public_id: Any) -> HttpResponse:
    def transfer(case: Case, data: dict[str, Any]) -> None:
        try:
            unit = transfer_target_units(case=case).get(public_id=data["target_unit"])
        except (Unit.DoesNotExist, ValidationError):
            raise ValidationError({"target_unit": _("Choose a unit from the list.")}) from None
        try:
            case_transfer_request(
                actor=request.user,
                case=case,
                target_unit=unit,
                details=data["details"],
                override_reason=data["override_reason"],
            )
        except ConsentMissing:
            message = _(
                "She has not consented to case management (or withdrew it). Record her consent first, "
                "or give the reason for moving the case without it."
            )
            raise ValidationError({"override_reason": message}) from None

    def form(case: Case, data: Any) -> TransferRequestForm:
        return TransferRequestForm(data, units=_transfer_units(case))

    return _section_form(
        request,
        public_id,
        key="transfer",
        form=form,
        action=transfer,
        done=_("The transfer waits for a programme manager's approval."),
    )


@require_POST
def case_reopen_view(request: HttpRequest, public_id: Any) -> HttpResponse:
    case = _case_or_404(request, public_id)
    try:
        case_reopen(actor=request.user, case=case)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Case reopened."))
    return redirect("case_detail", public_id=case.public_id)


@require_http_methods(["GET", "POST"])
def case_workers(request: HttpRequest, public_id: Any) -> HttpResponse:
    case = _case_or_404(request, public_id, perm=Perm.CASE_MANAGE)
    candidates = list(case_worker_candidates(case=case))
    choices = [(str(user.public_id), user.display_name) for user in candidates]
    initial = {
        "primary": str(case.primary_worker.public_id) if case.primary_worker else "",
        "others": [str(user.public_id) for user in case.other_workers.all()],
    }
    form = CaseWorkersForm(
        request.POST if request.method == "POST" else None, workers=choices, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        by_id = {str(user.public_id): user for user in candidates}
        try:
            case_workers_set(
                actor=request.user,
                case=case,
                primary=by_id[form.cleaned_data["primary"]],
                others=[by_id[key] for key in form.cleaned_data["others"]],
            )
        except ValidationError as error:
            form_add_validation_error(form, error)
        else:
            messages.success(request, _("Case workers saved."))
            return redirect("case_detail", public_id=case.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/case_workers.html", {"form": form, "case": case}, status=status)


# --- approvals ------------------------------------------------------------------------------------------


@require_GET
def approval_list(request: HttpRequest) -> HttpResponse:
    if not actor_has_perm(actor=request.user, perm=Perm.CASE_APPROVE) and not actor_has_perm(
        actor=request.user, perm=Perm.CASE_MANAGE
    ):
        raise PermissionDenied
    show = request.GET.get("show", "pending")
    approvals = approvals_for_actor(actor=request.user).order_by("-requested_at")
    if show == "pending":
        approvals = approvals.filter(status=ApprovalStatus.PENDING)
    page = Paginator(approvals, PAGE_SIZE).get_page(request.GET.get("page"))
    decidable = approval_decidable_ids(actor=request.user, approvals=list(page))
    rows = [(approval, approval.pk in decidable) for approval in page]
    return render(request, "cases/approval_list.html", {"page": page, "rows": rows, "show": show})


@require_POST
def approval_decide_view(request: HttpRequest, public_id: Any) -> HttpResponse:
    try:
        approval = approval_get(actor=request.user, public_id=str(public_id))
    except (Approval.DoesNotExist, ValidationError):
        raise Http404 from None
    form = ApprovalDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("approval_list")
    try:
        approval_decide(
            actor=request.user,
            approval=approval,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("approval_list")


@require_POST
def approval_withdraw_view(request: HttpRequest, public_id: Any) -> HttpResponse:
    try:
        approval = approval_get(actor=request.user, public_id=str(public_id))
    except (Approval.DoesNotExist, ValidationError):
        raise Http404 from None
    approval_withdraw(actor=request.user, approval=approval)
    messages.success(request, _("Request withdrawn."))
    return redirect("case_detail", public_id=approval.case.public_id)


# --- organisation settings ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def case_settings(request: HttpRequest) -> HttpResponse:
    organisation = organisations_for_actor(actor=request.user, perm=Perm.ORGANISATION_CONFIGURE).first()
    if organisation is None:
        raise PermissionDenied
    initial = {"closure_requires_approval": closure_requires_approval(organisation_id=organisation.pk)}
    form = CaseSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        case_settings_set(
            actor=request.user,
            organisation_id=organisation.pk,
            closure_requires_approval=form.cleaned_data["closure_requires_approval"],
        )
        messages.success(request, _("Settings saved."))
        return redirect("case_settings")
    return render(request, "cases/case_settings.html", {"form": form, "organisation": organisation})


# --- the person page's panel ---------------------------------------------------------------------------


def person_cases_panel(request: HttpRequest, person: Person) -> str | None:
    if not actor_has_perm(actor=request.user, perm=Perm.CASE_VIEW):
        return None
    cases = list(person_cases(actor=request.user, person=person))
    can_open = case_can_open(request, person)
    return render_to_string(
        "cases/person_panel.html", {"cases": cases, "person": person, "can_open": can_open}, request=request
    )


def case_can_open(request: HttpRequest, person: Person) -> bool:
    """Whether the actor may open a case for this person: case work in a unit of her organisation."""
    return (
        person.merged_into_id is None
        and units_for_actor(actor=request.user, perm=Perm.CASE_MANAGE)
        .filter(organisation_id=person.organisation_id, is_active=True)
        .exists()
    )
