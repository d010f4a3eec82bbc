"""Pages of case work: "my work", and the case page's sections (plans and tasks, services,
follow-ups, notes, documents) with their inline forms.

Each section is a panel of the case page (`panels_work.register`). Its form posts with htmx and
the panel re-renders in place (errors inline, input kept); without JavaScript the same URL takes
a normal POST and redirects to the case page, or shows the section alone with the errors (400).
A GET of a section's URL shows the section alone. Foreign cases are 404, like missing ones;
programme managers read the sections, only those who manage the case add to them (403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.cases.forms_work import (
    CaseDocumentForm,
    CaseNoteForm,
    CaseTaskForm,
    FollowUpForm,
    ServiceDeliveryForm,
    SupportPlanEditForm,
    SupportPlanForm,
)
from kujdes.cases.models import Case, CaseDocument, CaseTask, SupportPlan
from kujdes.cases.selectors import case_can_manage, case_get
from kujdes.cases.work import (
    PANEL_ROWS,
    PLAN_FIELDS,
    case_assignees,
    case_document_get,
    case_document_store,
    case_document_view,
    case_note_add,
    case_notes_view,
    case_rows,
    case_task_complete,
    case_task_create,
    case_task_get,
    documents_of_case,
    follow_up_record,
    follow_ups_of_case,
    my_work_for_actor,
    notes_of_case,
    plans_of_case,
    service_delivery_record,
    service_providers_of_case,
    services_of_case,
    support_plan_create,
    support_plan_get,
    support_plan_update,
    tasks_of_case,
)
from kujdes.core.files import EXTENSIONS, UploadRefused, attachment_response
from kujdes.core.forms import form_add_validation_error
from kujdes.core.locking import StaleVersion
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm
from kujdes.people.selectors import persons_with_keys

# --- helpers ---------------------------------------------------------------------------------------


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _case_or_404(request: HttpRequest, public_id: Any) -> Case:
    try:
        case = case_get(actor=request.user, public_id=str(public_id))
    except (Case.DoesNotExist, ValidationError):
        raise Http404 from None
    persons_with_keys([case.person])
    return case


def _can_manage(request: HttpRequest, case: Case) -> bool:
    """Whether the actor manages the case, asked once per request (five panels ask)."""
    cache: dict[int, bool] = request.__dict__.setdefault("_case_work_manage", {})
    if case.pk not in cache:
        cache[case.pk] = case_can_manage(actor=request.user, case=case)
    return cache[case.pk]


def _require_manage(request: HttpRequest, case: Case) -> None:
    if not _can_manage(request, case):
        raise PermissionDenied


def case_page_url(case: Case) -> str | None:
    """The case page (cases core); None while it is not installed."""
    try:
        return reverse("case_detail", kwargs={"public_id": case.public_id})
    except NoReverseMatch:
        return None


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _section_page(
    request: HttpRequest, case: Case, *, title: Any, panel: str, status: int = 200
) -> HttpResponse:
    context = {"case": case, "title": title, "panel": panel, "case_url": case_page_url(case)}
    return render(request, "cases/work/section_page.html", context, status=status)


def _render_panel(request: HttpRequest, template: str, case: Case, context: dict[str, Any]) -> str:
    base = {
        "case": case,
        "manage": _can_manage(request, case),
        "open": case.is_open,
        "today": timezone.localdate(),
        "rows_max": PANEL_ROWS,
    }
    return render_to_string(f"cases/work/{template}", {**base, **context}, request=request)


def _after_post(
    request: HttpRequest,
    case: Case,
    *,
    saved: bool,
    panel: Callable[..., str],
    anchor: str,
    title: Any,
    message: str,
    **forms: Any,
) -> HttpResponse:
    """htmx: the panel again (200, with the errors or the fresh form); without JS: back to the case
    page, or the section alone with the errors."""
    if _htmx(request):
        return HttpResponse(panel(request, case, saved=message if saved else "", **forms))
    if saved:
        messages.success(request, message)
        return redirect(f"{case_page_url(case) or request.path}#{anchor}")
    return _section_page(request, case, title=title, panel=panel(request, case, **forms), status=400)


# --- panels of the case page -----------------------------------------------------------------------

# Sections that take additions only while the case is open; notes and documents may still be added
# to a closed case (a last report, a letter that arrives later).
WHILE_OPEN = {"plans", "services", "follow_ups"}


def _may_add(request: HttpRequest, case: Case, section: str) -> bool:
    return _can_manage(request, case) and (case.is_open or section not in WHILE_OPEN)


def _plan_choices(case: Case) -> list[SupportPlan]:
    return list(plans_of_case(case=case))


def _task_form(request: HttpRequest, case: Case, data: Any = None, plans: list | None = None) -> CaseTaskForm:
    plans = plans if plans is not None else _plan_choices(case)
    initial = {"assigned_to": str(request.user.public_id)}
    return CaseTaskForm(data, assignees=case_assignees(case=case), plans=plans, initial=initial)


def plans_panel(
    request: HttpRequest,
    case: Case,
    *,
    plan_form: SupportPlanForm | None = None,
    task_form: CaseTaskForm | None = None,
    saved: str = "",
) -> str:
    """Support plans and tasks of the case (a form given is shown open; the others load when opened)."""
    plans = case_rows(plans_of_case(case=case), case=case)
    tasks = case_rows(tasks_of_case(case=case), case=case)
    context: dict[str, Any] = {"plans": plans, "tasks": tasks, "saved": saved}
    context.update(plan_form=plan_form, task_form=task_form, may_add=_may_add(request, case, "plans"))
    return _render_panel(request, "plans_panel.html", case, context)


def services_panel(
    request: HttpRequest, case: Case, *, form: ServiceDeliveryForm | None = None, saved: str = ""
) -> str:
    context: dict[str, Any] = {
        "services": case_rows(services_of_case(case=case), case=case),
        "saved": saved,
        "form": form,
        "may_add": _may_add(request, case, "services"),
    }
    return _render_panel(request, "services_panel.html", case, context)


def follow_ups_panel(
    request: HttpRequest, case: Case, *, form: FollowUpForm | None = None, saved: str = ""
) -> str:
    context: dict[str, Any] = {
        "follow_ups": case_rows(follow_ups_of_case(case=case), case=case),
        "saved": saved,
        "form": form,
        "may_add": _may_add(request, case, "follow_ups"),
    }
    return _render_panel(request, "follow_ups_panel.html", case, context)


def notes_panel(
    request: HttpRequest, case: Case, *, form: CaseNoteForm | None = None, saved: str = ""
) -> str:
    """The notes; showing them is audited (`case.note.viewed`, once per rendering, with the count)."""
    total = notes_of_case(case=case).count()
    notes = case_notes_view(actor=request.user, case=case) if total else []
    context: dict[str, Any] = {"notes": notes, "total": total, "saved": saved}
    if _can_manage(request, case):
        context["form"] = form or CaseNoteForm()
    return _render_panel(request, "notes_panel.html", case, context)


def documents_panel(
    request: HttpRequest, case: Case, *, form: CaseDocumentForm | None = None, saved: str = ""
) -> str:
    context: dict[str, Any] = {
        "documents": case_rows(documents_of_case(case=case), case=case),
        "saved": saved,
        "form": form,
        "may_add": _may_add(request, case, "documents"),
    }
    return _render_panel(request, "documents_panel.html", case, context)


def _service_form(request: HttpRequest, case: Case, data: Any = None) -> ServiceDeliveryForm:
    providers = list(service_providers_of_case(case=case).order_by("name"))
    return ServiceDeliveryForm(data, providers=providers, initial={"delivered_on": timezone.localdate()})


# --- the sections' URLs ----------------------------------------------------------------------------


def _section_add(
    request: HttpRequest,
    public_id: Any,
    *,
    title: Any,
    panel: Callable[..., str | None],
    anchor: str,
    message: str,
    form_key: str,
    section: str,
    template: str,
    build: Callable[[Case, Any], Any],
    save: Callable[[Case, Any], Any],
) -> HttpResponse:
    """A section's add form, at the URL it posts to.

    GET with htmx: the <form> alone, loaded when the user opens "add" in the section on the case page.
    GET without: the section alone with that form open (every form works without JavaScript). POST:
    saved through `save`, then the panel again (htmx) or a redirect; or the form again with its errors
    and input. `build(case, data)` makes the form, unbound when data is None.
    """
    case = _case_or_404(request, public_id)
    _require_manage(request, case)
    if request.method == "GET":
        fresh = build(case, None) if _may_add(request, case, section) else None
        if _htmx(request) and template:
            response = (
                render(request, f"cases/work/{template}", {"case": case, "form": fresh})
                if fresh is not None
                else HttpResponse(format_html('<p class="muted">{}</p>', CLOSED_MESSAGE))
            )
        else:
            panel_html = panel(request, case, **{form_key: fresh})
            response = _section_page(request, case, title=title, panel=panel_html)
        patch_vary_headers(response, ["HX-Request"])
        return response
    form = build(case, request.POST)
    saved = False
    if form.is_valid():
        try:
            save(case, form)
            saved = True
        except ValidationError as exc:
            form_add_validation_error(form, exc)
    return _after_post(
        request,
        case,
        saved=saved,
        panel=panel,
        anchor=anchor,
        title=title,
        message=message,
        **{form_key: None if saved else form},
    )


CLOSED_MESSAGE = gettext_lazy("The case is closed: nothing more can be added here.")
PLANS_TITLE = gettext_lazy("Support plans and tasks")


@require_http_methods(["GET", "POST"])
def support_plan_create_view(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _section_add(
        request,
        public_id,
        title=PLANS_TITLE,
        panel=plans_panel,
        anchor="work-plans",
        message=_("Support plan added."),
        form_key="plan_form",
        section="plans",
        template="_plan_add_form.html",
        build=lambda case, data: SupportPlanForm(data),
        save=lambda case, form: support_plan_create(actor=request.user, case=case, **form.cleaned_data),
    )


@require_http_methods(["GET", "POST"])
def support_plan_edit(request: HttpRequest, public_id: Any, plan_id: Any) -> HttpResponse:
    case = _case_or_404(request, public_id)
    try:
        plan = support_plan_get(case=case, public_id=str(plan_id))
    except SupportPlan.DoesNotExist:
        raise Http404 from None
    _require_manage(request, case)
    context: dict[str, Any] = {"case": case, "plan": plan, "case_url": case_page_url(case)}
    if request.method == "GET":
        initial = {name: getattr(plan, name) for name in PLAN_FIELDS}
        form = SupportPlanEditForm(initial={**initial, "version": plan.version})
        return render(request, "cases/work/plan_form.html", {**context, "form": form})
    form = SupportPlanEditForm(request.POST)
    if not form.is_valid():
        return render(request, "cases/work/plan_form.html", {**context, "form": form}, status=400)
    changes = {name: form.cleaned_data[name] for name in PLAN_FIELDS}
    try:
        support_plan_update(
            actor=request.user, plan=plan, expected_version=form.cleaned_data["version"], changes=changes
        )
    except StaleVersion as conflict:
        form.add_error(
            None,
            _(
                "Someone else saved this plan after you opened the page. Your changes are below, not "
                "saved: compare with the current plan (open it in a new tab) and save again."
            ),
        )
        data = request.POST.copy()
        data["version"] = str(conflict.current.version)  # type: ignore[attr-defined]
        form.data = data
        return render(request, "cases/work/plan_form.html", {**context, "form": form}, status=409)
    except ValidationError as exc:
        form_add_validation_error(form, exc)
        return render(request, "cases/work/plan_form.html", {**context, "form": form}, status=400)
    messages.success(request, _("Support plan saved."))
    back = case_page_url(case) or reverse("support_plan_create", args=[case.public_id])
    return redirect(f"{back}#work-plans")


@require_http_methods(["GET", "POST"])
def case_task_create_view(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _section_add(
        request,
        public_id,
        title=PLANS_TITLE,
        panel=plans_panel,
        anchor="work-plans",
        message=_("Task added."),
        form_key="task_form",
        section="plans",
        template="_task_form.html",
        build=lambda case, data: _task_form(request, case, data),
        save=lambda case, form: case_task_create(actor=request.user, case=case, **form.values()),
    )


@require_POST
def case_task_complete_view(request: HttpRequest, public_id: Any, task_id: Any) -> HttpResponse:
    """Mark a task done. htmx: the task's row again, done; without JS: back where the user was."""
    case = _case_or_404(request, public_id)
    try:
        task = case_task_get(case=case, public_id=str(task_id))
    except CaseTask.DoesNotExist:
        raise Http404 from None
    _require_manage(request, case)
    case_task_complete(actor=request.user, task=task)
    if _htmx(request):
        show_case = request.POST.get("from") == "work"
        task.case_url = case_page_url(case)  # type: ignore[attr-defined]
        context = {"task": task, "case": case, "today": timezone.localdate(), "show_case": show_case}
        context["manage"] = True
        return render(request, "cases/work/_task_row.html", context)
    messages.success(request, _("Task done."))
    return redirect(_safe_next(request) or f"{case_page_url(case) or reverse('my_work')}#work-plans")


SERVICES_TITLE = gettext_lazy("Services delivered")


@require_http_methods(["GET", "POST"])
def service_delivery_create(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _section_add(
        request,
        public_id,
        title=SERVICES_TITLE,
        panel=services_panel,
        anchor="work-services",
        message=_("Service recorded."),
        form_key="form",
        section="services",
        template="_service_form.html",
        build=lambda case, data: _service_form(request, case, data),
        save=lambda case, form: service_delivery_record(actor=request.user, case=case, **form.values()),
    )


FOLLOW_UPS_TITLE = gettext_lazy("Follow-ups")


@require_http_methods(["GET", "POST"])
def follow_up_create(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _section_add(
        request,
        public_id,
        title=FOLLOW_UPS_TITLE,
        panel=follow_ups_panel,
        anchor="work-follow-ups",
        message=_("Follow-up recorded."),
        form_key="form",
        section="follow_ups",
        template="_follow_up_form.html",
        build=lambda case, data: FollowUpForm(data, initial={"contacted_on": timezone.localdate()}),
        save=lambda case, form: follow_up_record(actor=request.user, case=case, **form.cleaned_data),
    )


NOTES_TITLE = gettext_lazy("Notes")


@require_http_methods(["GET", "POST"])
def case_note_create(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _section_add(
        request,
        public_id,
        title=NOTES_TITLE,
        panel=notes_panel,
        anchor="work-notes",
        message=_("Note added."),
        form_key="form",
        section="notes",
        template="",
        build=lambda case, data: CaseNoteForm(data),
        save=lambda case, form: case_note_add(actor=request.user, case=case, body=form.cleaned_data["body"]),
    )


DOCUMENTS_TITLE = gettext_lazy("Documents")


@require_http_methods(["GET", "POST"])
def case_document_upload(request: HttpRequest, public_id: Any) -> HttpResponse:
    def store(case: Case, form: CaseDocumentForm) -> None:
        try:
            case_document_store(
                actor=request.user,
                case=case,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["upload"],
            )
        except UploadRefused as refused:
            raise ValidationError({"upload": str(refused)}) from None

    return _section_add(
        request,
        public_id,
        title=DOCUMENTS_TITLE,
        panel=documents_panel,
        anchor="work-documents",
        message=_("Document stored."),
        form_key="form",
        section="documents",
        template="_document_form.html",
        build=lambda case, data: CaseDocumentForm(data, request.FILES if data is not None else None),
        save=store,
    )


@require_GET
def case_document_download(request: HttpRequest, public_id: Any, document_id: Any) -> HttpResponseBase:
    """A case document as an attachment; every download is audited (`case.document.viewed`)."""
    case = _case_or_404(request, public_id)
    try:
        document = case_document_get(case=case, public_id=str(document_id))
    except CaseDocument.DoesNotExist:
        raise Http404 from None
    case_document_view(actor=request.user, document=document)
    # attachment_response unwraps the key now: the body streams after the tenant scope has closed.
    return attachment_response(
        handle=case.person.encryption_handle(),
        file_id=document.public_id,
        content_type=document.content_type,
        filename=f"document-{document.public_id.hex[:8]}.{EXTENSIONS.get(document.content_type, 'bin')}",
    )


# --- my work ---------------------------------------------------------------------------------------


@require_GET
def my_work(request: HttpRequest) -> HttpResponse:
    """Overdue and upcoming follow-ups of the actor's cases, their open tasks, pending approvals."""
    if not actor_has_perm(actor=request.user, perm=Perm.CASE_VIEW):
        raise PermissionDenied
    work = my_work_for_actor(actor=request.user, today=timezone.localdate())
    for row in (*work.overdue, *work.due_soon, *work.tasks):
        row.case_url = case_page_url(row.case)  # type: ignore[attr-defined]
    try:
        approvals_url = reverse("approval_list")
    except NoReverseMatch:
        approvals_url = None
    return render(request, "cases/work/my_work.html", {"work": work, "approvals_url": approvals_url})
