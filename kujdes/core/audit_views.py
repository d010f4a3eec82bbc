"""The data protection officer's audit room: the audit log (with CSV export), who read how many persons
(the read budget's tallies), and a summary of probing (denied lookups, failed sign-ins, 429s)."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import datetime, time, timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from kujdes.accounts.reauth import reauthentication_required
from kujdes.core.audit import audit_record
from kujdes.core.models import AuditEvent
from kujdes.core.roles import Perm
from kujdes.core.selectors import organisations_for_actor


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("User (username)"), required=False, max_length=150)
    action = forms.CharField(label=_("Action (or its beginning)"), required=False, max_length=100)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned


def audit_events_for_actor(*, actor, filters: dict) -> QuerySet[AuditEvent]:  # type: ignore[no-untyped-def]
    """Events of the organisations where the actor is data protection officer, newest first."""
    organisations = organisations_for_actor(actor=actor, perm=Perm.AUDIT_VIEW)
    events = AuditEvent.objects.filter(organisation__in=organisations).select_related("actor", "unit")
    if filters.get("actor"):
        events = events.filter(actor__username=filters["actor"])
    if filters.get("action"):
        events = events.filter(action__startswith=filters["action"])
    if filters.get("object_id"):
        events = events.filter(object_id=filters["object_id"])
    tz = timezone.get_current_timezone()
    if filters.get("date_from"):
        events = events.filter(occurred_at__gte=datetime.combine(filters["date_from"], time.min, tz))
    if filters.get("date_to"):
        events = events.filter(occurred_at__lte=datetime.combine(filters["date_to"], time.max, tz))
    return events.order_by("-occurred_at", "-seq")


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, dict]:
    if not organisations_for_actor(actor=request.user, perm=Perm.AUDIT_VIEW).exists():
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return form, filters


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    page = Paginator(audit_events_for_actor(actor=request.user, filters=filters), 50).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )


@require_GET
def audit_log_export(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    events = audit_events_for_actor(actor=request.user, filters=filters)
    with transaction.atomic():
        for organisation in organisations_for_actor(actor=request.user, perm=Perm.AUDIT_VIEW):
            audit_record(
                actor=request.user,
                organisation=organisation,
                action="audit.exported",
                details={key: str(value) for key, value in filters.items() if value},
            )
    # Written here, inside the tenant scope of the request (a streamed body would
    # be read after the scope closed); spooled to disk past a few megabytes.
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024, mode="w+b")  # noqa: SIM115 - FileResponse closes it
    text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(
        [
            "organisation",
            "seq",
            "occurred_at",
            "actor",
            "unit",
            "action",
            "object_type",
            "object_id",
            "request_id",
            "details",
            "hash",
        ]
    )
    for event in events.iterator(chunk_size=2000):
        writer.writerow(
            [
                event.organisation_id,
                event.seq,
                event.occurred_at.isoformat(),
                event.actor.username if event.actor else "",
                event.unit.public_id if event.unit else "",
                event.action,
                event.object_type,
                event.object_id,
                event.request_id,
                event.details,
                event.hash,
            ]
        )
    text.flush()
    text.detach()
    spool.seek(0)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"kujdes-audit-{stamp}.csv",
        content_type="text/csv; charset=utf-8",
    )


audit_log_export = reauthentication_required(audit_log_export, allow_get=False)


# --- who read how many persons; probing --------------------------------------------------------------

ALERT_ACTIONS = ("reads.budget.exceeded", "security.probing.alert")
PROBING_WINDOWS = {"1": 1, "24": 24, "168": 168}


def _officer_organisation_ids(request: HttpRequest) -> list[int]:
    officer = request.user
    ids = list(organisations_for_actor(actor=officer, perm=Perm.AUDIT_VIEW).values_list("pk", flat=True))  # type: ignore[arg-type]
    if not ids:
        raise PermissionDenied
    return ids


def _recent_alerts(organisation_ids: list[int]) -> list[AuditEvent]:
    since = timezone.now() - timedelta(days=7)
    return list(
        AuditEvent.objects.filter(
            organisation_id__in=organisation_ids, action__in=ALERT_ACTIONS, occurred_at__gte=since
        )
        .select_related("actor")
        .order_by("-occurred_at")[:20]
    )


@require_GET
def audit_reads(request: HttpRequest) -> HttpResponse:
    """Per user and per API token: the distinct persons (and volunteers) shown in lists and searches, in
    the current hour, over the last 24 hours and hour by hour, with the read budget."""
    from django.conf import settings

    from kujdes.accounts.models import ApiToken, User
    from kujdes.core.reads import reads_by_reader

    organisation_ids = _officer_organisation_ids(request)
    readers, hours = reads_by_reader(organisation_ids=organisation_ids)
    names = dict(User.objects.filter(pk__in={r.user_id for r in readers}).values_list("pk", "username"))
    tokens = {t.pk: t for t in ApiToken.objects.filter(pk__in={r.token_id for r in readers if r.token_id})}
    for reader in readers:
        reader.username = names.get(reader.user_id, "?")
        token = tokens.get(reader.token_id) if reader.token_id else None
        if token is not None:
            reader.token_label = str(token)
    context = {
        "readers": readers,
        "first_hour": hours[0],
        "budget": settings.READ_BUDGET_ROWS_PER_HOUR,
        "alerts": _recent_alerts(organisation_ids),
    }
    return render(request, "core/audit_reads.html", context)


@require_GET
def audit_probing(request: HttpRequest) -> HttpResponse:
    """Denied lookups, failed sign-ins, lockouts, wrong second factors and 429s, by source, in a window."""
    from django.conf import settings

    from kujdes.core.probing import probing_summary

    organisation_ids = _officer_organisation_ids(request)
    window = request.GET.get("hours", "24")
    hours = PROBING_WINDOWS.get(window, 24)
    lines = probing_summary(organisation_ids=organisation_ids, since=timezone.now() - timedelta(hours=hours))
    context = {
        "lines": lines,
        "hours": hours,
        "windows": [(key, value) for key, value in PROBING_WINDOWS.items()],
        "threshold": settings.PROBE_ALERT_THRESHOLD,
        "threshold_minutes": settings.PROBE_ALERT_MINUTES,
        "alerts": _recent_alerts(organisation_ids),
    }
    return render(request, "core/audit_probing.html", context)
