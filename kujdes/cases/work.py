"""Case work: support plans, tasks, services delivered, follow-ups, notes and documents (HTCDS spl_*).

Services write (one transaction each, the audit event inside it) and require that
the actor may manage the case (`case_can_manage`). Selectors read the rows of a
case the caller already obtained through `case_get` (so the case is visible), and
"my work": what is due for the actor. Narratives (objectives, actions, titles,
notes, documents) are encrypted with the person's key.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.cases.choices import (
    OPEN_STATUSES,
    ApprovalStatus,
    ContactMethod,
    PlanStatus,
    SupportType,
)
from kujdes.cases.models import (
    Approval,
    Case,
    CaseDocument,
    CaseNote,
    CaseTask,
    FollowUp,
    ServiceDelivery,
    SupportPlan,
)
from kujdes.cases.selectors import case_can_manage, cases_for_actor
from kujdes.core.audit import audit_record
from kujdes.core.files import encrypted_file_write, upload_check
from kujdes.core.locking import versioned_save
from kujdes.core.models import Membership
from kujdes.core.roles import ROLE_REACH, Perm, Reach, Role, roles_with
from kujdes.core.selectors import units_for_actor
from kujdes.people.selectors import persons_with_keys

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from kujdes.accounts.models import User
    from kujdes.referrals.models import ServiceProvider

TEXT_MAX = 4000
NOTE_MAX = 10000
TITLE_MAX = 300
# Lists on the case page show the most recent rows; the API pages through all of them.
PANEL_ROWS = 50
DUE_SOON_DAYS = 7
MY_WORK_ROWS = 100
# Plausible dates: typos such as 0202 or 20266 are refused instead of stored.
EARLIEST = datetime.date(2000, 1, 1)


# --- checks shared by the services ----------------------------------------------------------------


def _require_manage(actor: User, case: Case) -> None:
    if not case_can_manage(actor=actor, case=case):
        raise PermissionDenied


def _require_open(case: Case) -> None:
    if not case.is_open:
        raise ValidationError(_("This case is closed: reopen it to add to it."), code="closed")


def _text(value: str | None, name: str, limit: int, errors: dict[str, str], *, required: str = "") -> str:
    text = (value or "").strip()
    if len(text) > limit:
        errors[name] = _("At most %(limit)d characters.") % {"limit": limit}
    elif required and not text:
        errors[name] = required
    return text


def _date(
    value: datetime.date | None,
    name: str,
    errors: dict[str, str],
    *,
    required: bool = False,
    not_future: bool = False,
) -> None:
    if value is None:
        if required:
            errors[name] = _("Give a date.")
        return
    today = timezone.localdate()
    if value < EARLIEST or value > today + datetime.timedelta(days=3653):
        errors[name] = _("Check the date: it is too far in the past or the future.")
    elif not_future and value > today:
        errors[name] = _("This date is in the future.")


def _case_details(case: Case, **extra: Any) -> dict[str, Any]:
    return {"case": str(case.public_id), "case_code": case.code, **extra}


# --- support plans ---------------------------------------------------------------------------------

PLAN_FIELDS = (
    "support_type",
    "objectives",
    "actions",
    "status",
    "planned_start",
    "planned_end",
    "actual_end",
)


def _plan_clean(values: dict[str, Any]) -> dict[str, Any]:
    """Check (and normalise) a complete set of plan values; ValidationError by field."""
    errors: dict[str, str] = {}
    if values.get("support_type") not in SupportType.values:
        errors["support_type"] = _("Choose a type of support from the list.")
    if values.get("status") not in PlanStatus.values:
        errors["status"] = _("Choose a status from the list.")
    values["objectives"] = _text(
        values.get("objectives"), "objectives", TEXT_MAX, errors, required=_("Write the objectives.")
    )
    values["actions"] = _text(values.get("actions"), "actions", TEXT_MAX, errors)
    for name in ("planned_start", "planned_end"):
        _date(values.get(name), name, errors)
    _date(values.get("actual_end"), "actual_end", errors, not_future=True)
    start, end, actual = values.get("planned_start"), values.get("planned_end"), values.get("actual_end")
    if start and end and end < start and "planned_end" not in errors:
        errors["planned_end"] = _("The planned end is before the planned start.")
    if start and actual and actual < start and "actual_end" not in errors:
        errors["actual_end"] = _("The actual end is before the planned start.")
    if actual and values.get("status") in (PlanStatus.PLANNED, PlanStatus.IN_PROGRESS):
        errors.setdefault("status", _("A plan with an actual end is achieved or discontinued."))
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def support_plan_create(
    *,
    actor: User,
    case: Case,
    support_type: str,
    objectives: str,
    actions: str = "",
    status: str = PlanStatus.PLANNED,
    planned_start: datetime.date | None = None,
    planned_end: datetime.date | None = None,
    actual_end: datetime.date | None = None,
) -> SupportPlan:
    """Add a support plan (one area of support) to an open case the actor manages."""
    _require_manage(actor, case)
    _require_open(case)
    values = _plan_clean(
        {
            "support_type": support_type,
            "objectives": objectives,
            "actions": actions,
            "status": status,
            "planned_start": planned_start,
            "planned_end": planned_end,
            "actual_end": actual_end,
        }
    )
    plan = SupportPlan(organisation_id=case.organisation_id, case=case, created_by=actor, **values)
    plan.save()
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="case.plan.created",
        obj=plan,
        unit=case.unit,
        details=_case_details(case, support_type=plan.support_type, status=plan.status),
    )
    return plan


@transaction.atomic
def support_plan_update(
    *, actor: User, plan: SupportPlan, expected_version: int | None, changes: dict[str, Any]
) -> SupportPlan:
    """Change a plan of a case the actor manages; StaleVersion if someone saved it since it was read."""
    case = plan.case
    _require_manage(actor, case)
    _require_open(case)
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"not plan fields: {sorted(unknown)}")
    values = _plan_clean({**{name: getattr(plan, name) for name in PLAN_FIELDS}, **changes})
    changed = {name: values[name] for name in changes}
    updated = versioned_save(instance=plan, expected_version=expected_version, changes=changed)
    updated.case = case
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="case.plan.updated",
        obj=updated,
        unit=case.unit,
        details=_case_details(case, fields=sorted(changed), status=updated.status, version=updated.version),
    )
    return updated


# --- tasks -----------------------------------------------------------------------------------------


@transaction.atomic
def case_task_create(
    *,
    actor: User,
    case: Case,
    title: str,
    due_on: datetime.date,
    assigned_to: User,
    plan: SupportPlan | None = None,
) -> CaseTask:
    """Add a task to an open case; the assignee must be able to manage the case too."""
    _require_manage(actor, case)
    _require_open(case)
    errors: dict[str, str] = {}
    title = _text(title, "title", TITLE_MAX, errors, required=_("Say what is to be done."))
    _date(due_on, "due_on", errors, required=True)
    if not assigned_to.is_active or not case_can_manage(actor=assigned_to, case=case):
        errors["assigned_to"] = _("Choose someone who works on this case.")
    if plan is not None and plan.case_id != case.pk:
        errors["plan"] = _("Choose a plan of this case.")
    if errors:
        raise ValidationError(errors)
    task = CaseTask(
        organisation_id=case.organisation_id,
        case=case,
        plan=plan,
        title=title,
        due_on=due_on,
        assigned_to=assigned_to,
    )
    task.save()
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="case.task.created",
        obj=task,
        unit=case.unit,
        details=_case_details(case, assigned_to=str(assigned_to.public_id), due_on=due_on.isoformat()),
    )
    return task


@transaction.atomic
def case_task_complete(*, actor: User, task: CaseTask, done_on: datetime.date | None = None) -> CaseTask:
    """Mark a task done (any worker of the case may). Completing a done task changes nothing."""
    case = task.case
    _require_manage(actor, case)
    if task.done_on is not None:
        return task
    done_on = done_on or timezone.localdate()
    errors: dict[str, str] = {}
    _date(done_on, "done_on", errors, not_future=True)
    if errors:
        raise ValidationError(errors)
    # Locked and re-read: two clicks (or two workers) complete it once.
    current = CaseTask.objects.select_for_update().get(pk=task.pk)
    if current.done_on is not None:
        task.done_on = current.done_on
        return task
    CaseTask.objects.filter(pk=task.pk).update(done_on=done_on)
    task.done_on = done_on
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="case.task.completed",
        obj=task,
        unit=case.unit,
        details=_case_details(case, done_on=done_on.isoformat()),
    )
    return task


# --- services delivered ----------------------------------------------------------------------------


@transaction.atomic
def service_delivery_record(
    *,
    actor: User,
    case: Case,
    service_type: str,
    delivered_on: datetime.date,
    provider: ServiceProvider | None = None,
    notes: str = "",
    plan: SupportPlan | None = None,
) -> ServiceDelivery:
    """Record a service given to the person, by the programme or by a provider of the directory."""
    _require_manage(actor, case)
    _require_open(case)
    errors: dict[str, str] = {}
    if service_type not in SupportType.values:
        errors["service_type"] = _("Choose a type of service from the list.")
    _date(delivered_on, "delivered_on", errors, required=True, not_future=True)
    notes = _text(notes, "notes", TEXT_MAX, errors)
    if provider is not None and provider.organisation_id != case.organisation_id:
        errors["provider"] = _("Choose a provider of the directory.")
    if plan is not None and plan.case_id != case.pk:
        errors["plan"] = _("Choose a plan of this case.")
    if errors:
        raise ValidationError(errors)
    service = ServiceDelivery(
        organisation_id=case.organisation_id,
        case=case,
        plan=plan,
        service_type=service_type,
        provider=provider,
        delivered_on=delivered_on,
        notes=notes,
        recorded_by=actor,
    )
    service.save()
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="case.service.recorded",
        obj=service,
        unit=case.unit,
        details=_case_details(
            case,
            service_type=service_type,
            provider=str(provider.public_id) if provider else None,
            delivered_on=delivered_on.isoformat(),
        ),
    )
    return service


# --- follow-ups ------------------------------------------------------------------------------------


@transaction.atomic
def follow_up_record(
    *,
    actor: User,
    case: Case,
    contacted_on: datetime.date,
    method: str,
    notes: str = "",
    next_due_on: datetime.date | None = None,
) -> FollowUp:
    """Record a contact with the person and when the next one is due.

    Only the latest follow-up of a case (by contact date) keeps `is_latest`, so only its due
    date counts as outstanding: recording a newer one clears the flag on the previous latest.
    A contact recorded late, dated before the latest one, joins the history without changing it.
    """
    _require_manage(actor, case)
    _require_open(case)
    errors: dict[str, str] = {}
    _date(contacted_on, "contacted_on", errors, required=True, not_future=True)
    if method not in ContactMethod.values:
        errors["method"] = _("Choose how the contact happened.")
    notes = _text(notes, "notes", TEXT_MAX, errors)
    _date(next_due_on, "next_due_on", errors)
    if next_due_on and contacted_on and next_due_on < contacted_on and "next_due_on" not in errors:
        errors["next_due_on"] = _("The next follow-up is due before this contact.")
    if errors:
        raise ValidationError(errors)
    # Lock the case row: two follow-ups recorded at once must leave exactly one latest.
    list(Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True))
    latest = FollowUp.objects.filter(case=case, is_latest=True).order_by("-contacted_on", "-pk").first()
    becomes_latest = latest is None or contacted_on >= latest.contacted_on
    if becomes_latest:
        FollowUp.objects.filter(case=case, is_latest=True).update(is_latest=False)
    follow_up = FollowUp(
        organisation_id=case.organisation_id,
        case=case,
        contacted_on=contacted_on,
        method=method,
        notes=notes,
        next_due_on=next_due_on,
        is_latest=becomes_latest,
        recorded_by=actor,
    )
    follow_up.save()
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="case.follow_up.recorded",
        obj=follow_up,
        unit=case.unit,
        details=_case_details(
            case,
            contacted_on=contacted_on.isoformat(),
            method=method,
            next_due_on=next_due_on.isoformat() if next_due_on else None,
            latest=becomes_latest,
        ),
    )
    return follow_up


# --- notes -----------------------------------------------------------------------------------------


@transaction.atomic
def case_note_add(*, actor: User, case: Case, body: str) -> CaseNote:
    """Add an encrypted note (HTCDS case comment) to a case the actor manages, open or closed."""
    _require_manage(actor, case)
    errors: dict[str, str] = {}
    body = _text(body, "body", NOTE_MAX, errors, required=_("Write the note."))
    if errors:
        raise ValidationError(errors)
    note = CaseNote(organisation_id=case.organisation_id, case=case, body=body, author=actor)
    note.save()
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="case.note.added",
        obj=note,
        unit=case.unit,
        details=_case_details(case, length=len(body)),
    )
    return note


@transaction.atomic
def case_notes_view(
    *, actor: User, case: Case, limit: int | None = PANEL_ROWS, offset: int = 0
) -> list[CaseNote]:
    """The notes of a visible case, newest first, decrypted; audited once (`case.note.viewed`) with
    the number of notes shown. The caller got `case` through `case_get` (the actor may see it)."""
    notes = notes_of_case(case=case)
    rows = list(notes[offset : offset + limit] if limit is not None else notes[offset:])
    for note in rows:
        note.case = case
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="case.note.viewed",
        obj=case,
        unit=case.unit,
        details=_case_details(case, count=len(rows), notes=[str(n.public_id) for n in rows]),
    )
    return rows


# --- documents -------------------------------------------------------------------------------------


@transaction.atomic
def case_document_store(*, actor: User, case: Case, title: str, upload: UploadedFile) -> CaseDocument:
    """Check an upload (size, type by content: PDF, images, DOCX/XLSX/ODT/ODS; images lose their
    metadata) and store it encrypted with the person's key. UploadRefused carries the user's message."""
    _require_manage(actor, case)
    errors: dict[str, str] = {}
    title = _text(title, "title", TITLE_MAX, errors, required=_("Give the document a title."))
    if errors:
        raise ValidationError(errors)
    content_type, replacement = upload_check(upload=upload, size=upload.size or 0)
    document = CaseDocument(
        organisation_id=case.organisation_id,
        case=case,
        title=title,
        name=(upload.name or "document")[:200],
        content_type=content_type,
        size=0,
        uploaded_by=actor,
    )
    source = io.BytesIO(replacement) if replacement is not None else upload
    document.size = encrypted_file_write(
        handle=case.person.encryption_handle(), file_id=document.public_id, source=source
    )
    document.save()
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="case.document.stored",
        obj=document,
        unit=case.unit,
        details=_case_details(case, content_type=content_type, size=document.size),
    )
    return document


@transaction.atomic
def case_document_view(*, actor: User, document: CaseDocument) -> None:
    """Record that the actor opened (downloaded) a document; call before serving it."""
    case = document.case
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="case.document.viewed",
        obj=document,
        unit=case.unit,
        details=_case_details(case, content_type=document.content_type, size=document.size),
    )


# --- selectors: the rows of a visible case ---------------------------------------------------------
#
# `case` comes from `case_get(actor=...)`: it is visible to the caller. The rows are bound to that
# case object, so decrypting them uses its person key (loaded once) instead of a query per row.


def _bound(rows: list[Any], case: Case) -> list[Any]:
    for row in rows:
        row.case = case
    return rows


def plans_of_case(*, case: Case) -> QuerySet[SupportPlan]:
    return SupportPlan.objects.filter(case=case).select_related("created_by")


def tasks_of_case(*, case: Case) -> QuerySet[CaseTask]:
    """Open tasks first (soonest due first), then done ones (most recent first)."""
    return (
        CaseTask.objects.filter(case=case)
        .select_related("assigned_to")
        .order_by(F("done_on").desc(nulls_first=True), "due_on", "pk")
    )


def services_of_case(*, case: Case) -> QuerySet[ServiceDelivery]:
    return ServiceDelivery.objects.filter(case=case).select_related("provider", "recorded_by")


def follow_ups_of_case(*, case: Case) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(case=case).select_related("recorded_by")


def notes_of_case(*, case: Case) -> QuerySet[CaseNote]:
    """Notes of a case; reading their bodies goes through `case_notes_view` (audited)."""
    return CaseNote.objects.filter(case=case).select_related("author").order_by("-created_at", "-pk")


def documents_of_case(*, case: Case) -> QuerySet[CaseDocument]:
    return CaseDocument.objects.filter(case=case).select_related("uploaded_by")


def case_rows(queryset: QuerySet[Any], *, case: Case, limit: int = PANEL_ROWS, offset: int = 0) -> list[Any]:
    """A slice of one of the lists above, bound to the case (one query)."""
    return _bound(list(queryset[offset : offset + limit]), case)


def support_plan_get(*, case: Case, public_id: str) -> SupportPlan:
    plan = SupportPlan.objects.get(case=case, public_id=public_id)
    plan.case = case
    return plan


def support_plan_for_actor(*, actor: User, public_id: str) -> SupportPlan:
    """A plan of a case the actor may see (its case and person loaded); SupportPlan.DoesNotExist else."""
    return (
        SupportPlan.objects.filter(case__in=cases_for_actor(actor=actor).order_by().values("pk"))
        .select_related("case__person", "case__unit")
        .get(public_id=public_id)
    )


def service_providers_of_case(*, case: Case, active_only: bool = True) -> QuerySet[ServiceProvider]:
    """The service directory of the case's organisation (organisation data, not personal data)."""
    from kujdes.referrals.models import ServiceProvider

    providers = ServiceProvider.objects.filter(organisation_id=case.organisation_id)
    return providers.filter(is_active=True) if active_only else providers


def case_task_get(*, case: Case, public_id: str) -> CaseTask:
    task = CaseTask.objects.select_related("assigned_to").get(case=case, public_id=public_id)
    task.case = case
    return task


def case_document_get(*, case: Case, public_id: str) -> CaseDocument:
    document = CaseDocument.objects.get(case=case, public_id=public_id)
    document.case = case
    return document


def case_assignees(*, case: Case) -> list[User]:
    """Active users who may manage the case: case workers whose reach covers its unit, and its
    assigned workers who still work on cases (assigned cases follow them)."""
    from kujdes.accounts.models import User

    roles = roles_with(Perm.CASE_MANAGE)
    by_reach: dict[Reach, list[str]] = {}
    for role in roles:
        by_reach.setdefault(ROLE_REACH[Role(role)], []).append(role)
    parts = case.unit.path.strip("/").split("/")
    ancestors = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    reach = Q(role__in=by_reach.get(Reach.SUBTREE, []), unit__path__in=ancestors)
    reach |= Q(role__in=by_reach.get(Reach.ORGANISATION, []))
    reach |= Q(role__in=by_reach.get(Reach.UNIT, []), unit_id=case.unit_id)
    memberships = Membership.objects.filter(organisation_id=case.organisation_id)
    in_reach = memberships.filter(reach).values("user_id")
    workers = [case.primary_worker_id, *case.other_workers.values_list("pk", flat=True)]
    assigned = memberships.filter(user_id__in=[w for w in workers if w], role__in=roles).values("user_id")
    return list(
        User.objects.filter(Q(pk__in=in_reach) | Q(pk__in=assigned), is_active=True).order_by(
            "first_name", "last_name", "username"
        )
    )


# --- my work ---------------------------------------------------------------------------------------


@dataclass
class MyWork:
    """What is due for one actor: follow-ups (overdue, due within a week), their open tasks, and for
    programme managers the number of requests waiting for their approval."""

    today: datetime.date
    overdue: list[FollowUp] = field(default_factory=list)
    due_soon: list[FollowUp] = field(default_factory=list)
    tasks: list[CaseTask] = field(default_factory=list)
    approvals_pending: int | None = None
    truncated: bool = False


def cases_worked_by_actor(*, actor: User) -> QuerySet[Case]:
    """Open cases the actor works on: as primary or other case worker, or (programme managers) in the
    units where they approve case decisions. Always within what the actor may see."""
    approve_units = units_for_actor(actor=actor, perm=Perm.CASE_APPROVE).order_by().values("pk")
    assigned = Case.other_workers.through.objects.filter(user_id=actor.pk).values("case_id")
    mine = Q(primary_worker=actor) | Q(pk__in=assigned) | Q(unit_id__in=approve_units)
    return cases_for_actor(actor=actor, perm=Perm.CASE_VIEW).filter(mine, status__in=OPEN_STATUSES)


def my_work_for_actor(*, actor: User, today: datetime.date) -> MyWork:
    """Due follow-ups (the latest of each case only, due on or before today + 7 days), the actor's
    open tasks (overdue first) and pending approvals. A fixed number of queries whatever the rows;
    lists show codes (no decryption) except task titles, decrypted with the page's keys loaded at once.
    """
    work = MyWork(today=today)
    worked = cases_worked_by_actor(actor=actor).order_by().values("pk")
    due = list(
        FollowUp.objects.filter(
            case_id__in=worked,
            is_latest=True,
            next_due_on__lte=today + datetime.timedelta(days=DUE_SOON_DAYS),
        )
        .select_related("case__person")
        .order_by("next_due_on", "pk")[: MY_WORK_ROWS + 1]
    )
    visible = cases_for_actor(actor=actor, perm=Perm.CASE_VIEW).filter(status__in=OPEN_STATUSES)
    tasks = list(
        CaseTask.objects.filter(
            assigned_to=actor, done_on__isnull=True, case_id__in=visible.order_by().values("pk")
        )
        .select_related("case__person")
        .order_by("due_on", "pk")[: MY_WORK_ROWS + 1]
    )
    work.truncated = len(due) > MY_WORK_ROWS or len(tasks) > MY_WORK_ROWS
    due, tasks = due[:MY_WORK_ROWS], tasks[:MY_WORK_ROWS]
    # next_due_on is set on every row (the query filtered on it).
    work.overdue = [f for f in due if f.next_due_on and f.next_due_on < today]
    work.due_soon = [f for f in due if f.next_due_on and f.next_due_on >= today]
    # One key-store query for the persons of the tasks (titles are encrypted with their keys).
    persons = {task.case.person_id: task.case.person for task in tasks}
    persons_with_keys(list(persons.values()))
    for task in tasks:
        task.case.person = persons[task.case.person_id]
    work.tasks = tasks
    approve_units = units_for_actor(actor=actor, perm=Perm.CASE_APPROVE)
    if approve_units.exists():
        work.approvals_pending = Approval.objects.filter(
            status=ApprovalStatus.PENDING,
            case__unit_id__in=approve_units.order_by().values("pk"),
            case__person__erased_at__isnull=True,
        ).count()
    return work
