"""JSON API of field capture (mounted at /api/v1/ by kujdes/api.py): the forms and their submissions.

`GET /forms` lists the forms the caller administers or may submit to (their versions, state and
counts). `GET /forms/{id}/submissions` is for the form's administrators: each submission's metadata
and its instance as field values (InstanceData.values(): every leaf by its name); `?since=` keeps the
ones received or changed since an ISO 8601 date and time. Reading submissions is audited. Another
organisation's form answers 404 like a missing one; a form the caller may only submit to answers
403 on its submissions.
"""

from __future__ import annotations

import datetime
import re
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from kujdes.core.audit import audit_record
from kujdes.fieldsync.mapping.records import InstanceData
from kujdes.fieldsync.models import Form, Submission
from kujdes.fieldsync.selectors import forms_for_actor, forms_for_principal, principal_for_user

router = Router(tags=["field capture"])


class Problem(Schema):
    detail: str


class FormVersionOut(Schema):
    id: UUID
    version: str
    current: bool
    created_at: datetime.datetime


class FormOut(Schema):
    id: UUID
    form_id: str
    title: str
    state: str
    encrypted: bool
    administered: bool
    versions: list[FormVersionOut]
    # Every submission of the form for its administrators; the caller's own for a submitter.
    submissions: int
    submissions_waiting_for_review: int | None


class SubmissionOut(Schema):
    id: UUID
    instance_id: str
    form_version: str
    state: str
    submitted_at: datetime.datetime
    updated_at: datetime.datetime
    submitted_by: str
    device: str | None
    unit: UUID
    edit_of: str | None
    attachments: list[str]
    data: dict[str, str]


def _visible_forms(request: HttpRequest) -> tuple[list[Form], set[int]]:
    """(forms the caller administers or may submit to, the pks of those administered)."""
    administered = list(forms_for_actor(actor=request.user))
    forms = {f.pk: f for f in administered}
    principal = principal_for_user(user=request.user) if request.user.organisation_id else None
    if principal is not None:
        for form in forms_for_principal(principal=principal).select_related("current_version"):
            forms.setdefault(form.pk, form)
    return sorted(forms.values(), key=lambda f: (f.title, f.xml_form_id)), {f.pk for f in administered}


@router.get("/forms", response=list[FormOut], summary="Field forms the caller administers or may submit to")
def fieldsync_forms_list(request: HttpRequest, limit: int = 50, offset: int = 0) -> Any:
    forms, administered = _visible_forms(request)
    limit, offset = max(1, min(limit, 200)), max(0, offset)
    page = forms[offset : offset + limit]
    ids = [f.pk for f in page]
    counts: dict[int, dict[str, int]] = {
        row["form_id"]: {"n": row["n"], "review": row["review"]}
        for row in Submission.objects.filter(form_id__in=[pk for pk in ids if pk in administered])
        .values("form_id")
        .annotate(n=Count("id"), review=Count("id", filter=Q(state="review")))
        .order_by()
    }
    own = dict(
        Submission.objects.filter(form_id__in=ids, submitted_by=request.user)
        .values("form_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("form_id", "n")
    )
    out = []
    for form in page:
        is_admin = form.pk in administered
        out.append(
            {
                "id": form.public_id,
                "form_id": form.xml_form_id,
                "title": form.title,
                "state": form.state,
                "encrypted": form.encrypted,
                "administered": is_admin,
                "versions": [
                    {
                        "id": v.public_id,
                        "version": v.version,
                        "current": v.pk == form.current_version_id,
                        "created_at": v.created_at,
                    }
                    for v in form.versions.all().only("public_id", "version", "created_at")
                ],
                "submissions": counts.get(form.pk, {}).get("n", 0) if is_admin else own.get(form.pk, 0),
                "submissions_waiting_for_review": counts.get(form.pk, {}).get("review", 0)
                if is_admin
                else None,
            }
        )
    return out


def _since(value: str) -> datetime.datetime | None:
    """An ISO 8601 date and time (a date alone: its midnight, UTC); ValueError when it is not one."""
    # An unencoded "+02:00" arrives as " 02:00" (a "+" in a query string is a space).
    value = re.sub(r"(T[\d:.]+) (\d\d:?\d\d)$", r"\1+\2", value)
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is None:
                raise ValueError(value)
            moment = datetime.datetime.combine(day, datetime.time())
    except ValueError:
        raise ValueError(value) from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


@router.get(
    "/forms/{form_id}/submissions",
    response={200: list[SubmissionOut], 403: Problem, 404: Problem, 422: Problem},
    summary="A form's submissions, newest first, with their data (filter: since)",
)
def fieldsync_form_submissions(
    request: HttpRequest, form_id: UUID, since: str = "", limit: int = 50, offset: int = 0
) -> Any:
    forms, administered = _visible_forms(request)
    form = next((f for f in forms if f.public_id == form_id), None)
    if form is None:
        return Status(404, {"detail": _("Not found.")})
    if form.pk not in administered:
        return Status(403, {"detail": _("Your role cannot do this.")})
    moment = None
    if since:
        try:
            moment = _since(since.strip())
        except ValueError:
            return Status(
                422,
                {
                    "detail": _(
                        "“since” must be an ISO 8601 date and time, for example 2026-05-01T08:00:00Z "
                        "or 2026-05-01."
                    )
                },
            )
    submissions = Submission.objects.filter(form=form).select_related(
        "form_version", "submitted_by", "device", "unit", "replaces"
    )
    if moment is not None:
        submissions = submissions.filter(Q(submitted_at__gte=moment) | Q(updated_at__gte=moment))
    limit, offset = max(1, min(limit, 200)), max(0, offset)
    page = list(
        submissions.order_by("-submitted_at", "-pk").prefetch_related("attachments")[offset : offset + limit]
    )
    with transaction.atomic():
        audit_record(
            actor=request.user,
            organisation=form.organisation_id,
            action="fieldsync.submissions.read",
            obj=form,
            details={
                "count": len(page),
                "since": moment.isoformat() if moment else None,
                "limit": limit,
                "offset": offset,
                "api": True,
            },
        )
    out = []
    for submission in page:
        try:
            data = InstanceData.of(submission).values()
        except Exception:  # no longer XML: its metadata is still listed
            data = {}
        out.append(
            {
                "id": submission.public_id,
                "instance_id": submission.instance_id,
                "form_version": submission.form_version.version,
                "state": submission.state,
                "submitted_at": submission.submitted_at,
                "updated_at": submission.updated_at,
                "submitted_by": submission.submitted_by.username,
                "device": submission.device.name if submission.device else None,
                "unit": submission.unit.public_id,
                "edit_of": submission.replaces.instance_id if submission.replaces else None,
                "attachments": [a.filename for a in submission.attachments.all()],
                "data": data,
            }
        )
    return out
