"""Pages of exchanges and study visits: list, calendar, the exchange and its parts, follow-up actions."""

from __future__ import annotations

import calendar
import datetime
import uuid
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.core.files import UploadRefused, attachment_response
from kujdes.core.forms import form_add_validation_error
from kujdes.core.locking import StaleVersion
from kujdes.core.roles import Perm
from kujdes.network.exchanges import selectors, services
from kujdes.network.exchanges.forms import (
    ActionFilterForm,
    ActionForm,
    ActionOwnerForm,
    AgendaItemForm,
    DocumentForm,
    EvaluationForm,
    ExchangeFilterForm,
    ExchangeForm,
    ParticipantForm,
    PracticesForm,
)
from kujdes.network.exchanges.models import (
    Exchange,
    ExchangeAgendaItem,
    ExchangeDocument,
    ExchangeParticipant,
    FollowUpAction,
)
from kujdes.network.models import Partner
from kujdes.network.selectors import actor_is_coordinator, actor_partners, network_require
from kujdes.programme.forms import month_parse

PAGE_SIZE = 25


def _exchange_or_404(request: HttpRequest, public_id: uuid.UUID) -> Exchange:
    try:
        return selectors.exchange_get(actor=request.user, public_id=str(public_id))
    except Exchange.DoesNotExist:
        raise Http404 from None


def _hosts_for(request: HttpRequest) -> QuerySet[Partner]:
    """The partners the actor may record an exchange for as host."""
    if actor_is_coordinator(actor=request.user):
        return Partner.objects.order_by("name")
    return actor_partners(actor=request.user).order_by("name")


def _involved(exchange: Exchange) -> QuerySet[Partner]:
    return Partner.objects.filter(
        pk__in=[exchange.host_id, *[v.pk for v in exchange.visitors.all()]]
    ).order_by("name")


def _own_partners(request: HttpRequest, exchange: Exchange) -> QuerySet[Partner]:
    """The exchange's partners the actor adds participants and documents for."""
    ids = selectors.exchange_partners_for_actor(actor=request.user, exchange=exchange)
    return Partner.objects.filter(pk__in=ids).order_by("name")


# -- list, calendar, actions -------------------------------------------------------------------------


@require_GET
def exchange_list(request: HttpRequest) -> HttpResponse:
    """Exchanges, filtered by year, partner (host or visitor), kind and status."""
    network_require(actor=request.user, perm=Perm.NETWORK_READ)
    form = ExchangeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    exchanges = selectors.exchanges_for_actor(
        actor=request.user,
        year=filters.get("year"),
        partner=filters.get("partner"),
        kind=filters.get("kind", ""),
        status=filters.get("status", ""),
    )
    page = Paginator(exchanges, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "network_exchanges/exchange_list.html",
        {
            "form": form,
            "page": page,
            "exchanges": page.object_list,
            "query": query.urlencode(),
            "can_create": selectors.exchange_can_manage(actor=request.user),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_GET
def exchange_calendar(request: HttpRequest) -> HttpResponse:
    """A month of exchanges as a grid of weeks (wide screens) and an agenda by day (?month=YYYY-MM)."""
    network_require(actor=request.user, perm=Perm.NETWORK_READ)
    today = timezone.localdate()
    raw_month = request.GET.get("month", "")
    first = month_parse(raw_month) if raw_month else today.replace(day=1)
    context: dict[str, Any] = {"today": today, "errors": []}
    if first is None:
        context["errors"] = [
            _("The month must be written as YYYY-MM, for example %(example)s.")
            % {"example": today.strftime("%Y-%m")}
        ]
        return render(request, "network_exchanges/exchange_calendar.html", context, status=400)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    exchanges = list(selectors.exchanges_for_actor(actor=request.user, first=first, last=last))
    by_day: dict[datetime.date, list[Exchange]] = defaultdict(list)
    for exchange in sorted(exchanges, key=lambda e: (e.starts_on, e.title)):
        day = max(exchange.starts_on, first)
        while day <= min(exchange.ends_on, last):
            by_day[day].append(exchange)
            day += datetime.timedelta(days=1)
    weeks = [
        [(day, by_day.get(day, []), day.month == first.month) for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]
    # The agenda lists each exchange once, on its first day in the month (light on a phone).
    agenda: dict[datetime.date, list[Exchange]] = defaultdict(list)
    for exchange in sorted(exchanges, key=lambda e: (e.starts_on, e.title)):
        agenda[max(exchange.starts_on, first)].append(exchange)
    previous_month = (first - datetime.timedelta(days=1)).replace(day=1)
    next_month = last + datetime.timedelta(days=1)
    context |= {
        "month": first,
        "weeks": weeks,
        "weekdays": [weeks[0][i][0] for i in range(7)],
        "agenda": sorted(agenda.items()),
        "previous_url": f"?month={previous_month:%Y-%m}",
        "next_url": f"?month={next_month:%Y-%m}",
    }
    return render(request, "network_exchanges/exchange_calendar.html", context)


@require_GET
def action_list(request: HttpRequest) -> HttpResponse:
    """Follow-up actions across exchanges (?overdue=1, status, owner partner)."""
    network_require(actor=request.user, perm=Perm.NETWORK_READ)
    form = ActionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    actions = selectors.actions_for_actor(
        actor=request.user,
        today=today,
        overdue=bool(filters.get("overdue")),
        status=filters.get("status", ""),
        partner=filters.get("partner"),
    )
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (action, action.is_overdue(today), selectors.action_can_update(actor=request.user, action=action))
        for action in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "network_exchanges/action_list.html",
        {"form": form, "rows": rows, "page": page, "query": query.urlencode(), "today": today},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


# -- the exchange ------------------------------------------------------------------------------------


@require_GET
def exchange_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    exchange = _exchange_or_404(request, public_id)
    actor = request.user
    today = timezone.localdate()
    own = selectors.exchange_partners_for_actor(actor=actor, exchange=exchange)
    participants = [(p, p.partner_id in own) for p in exchange.participants.all()]
    actions = [
        (a, a.is_overdue(today), selectors.action_can_update(actor=actor, action=a))
        for a in exchange.actions.all()
    ]
    documents = [
        (d, selectors.document_can_delete(actor=actor, document=d)) for d in exchange.documents.all()
    ]
    return render(
        request,
        "network_exchanges/exchange_detail.html",
        {
            "exchange": exchange,
            "can_manage": selectors.exchange_can_manage(actor=actor, exchange=exchange),
            "can_contribute": bool(own),
            "participants": participants,
            "actions": actions,
            "documents": documents,
            "evaluation": selectors.exchange_evaluation_summary(exchange=exchange),
            "practices": selectors.exchange_practices(exchange=exchange),
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
def exchange_create(request: HttpRequest) -> HttpResponse:
    network_require(actor=request.user, perm=Perm.NETWORK_READ)
    if not selectors.exchange_can_manage(actor=request.user):
        raise PermissionDenied
    form = ExchangeForm(request.POST or None, hosts=_hosts_for(request))
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k not in ("version", "visitors")}
        try:
            exchange = services.exchange_create(
                actor=request.user, visitors=list(form.cleaned_data["visitors"]), **fields
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The exchange was recorded."))
            return redirect("network_exchange_detail", public_id=exchange.public_id)
    return render(request, "network_exchanges/exchange_form.html", {"form": form, "exchange": None})


@require_http_methods(["GET", "POST"])
def exchange_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    exchange = _exchange_or_404(request, public_id)
    if not selectors.exchange_can_manage(actor=request.user, exchange=exchange):
        raise PermissionDenied
    hosts = _hosts_for(request) | Partner.objects.filter(pk=exchange.host_id)
    if request.method == "POST":
        form = ExchangeForm(request.POST, instance=exchange, hosts=hosts.distinct())
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k not in ("version", "visitors")}
            try:
                services.exchange_update(
                    actor=request.user,
                    exchange=exchange,
                    version=form.cleaned_data["version"] or exchange.version,
                    changes=changes,
                    visitors=list(form.cleaned_data["visitors"]),
                )
            except StaleVersion:
                form.add_error(
                    None,
                    _(
                        "Someone else saved this exchange in the meantime. Your changes are still below: "
                        "check them against the exchange's page and save again."
                    ),
                )
                form.data = form.data.copy()
                form.data["version"] = str(Exchange.objects.get(pk=exchange.pk).version)
            except ValidationError as exc:
                form_add_validation_error(form, exc)
            else:
                messages.success(request, _("The exchange was saved."))
                return redirect("network_exchange_detail", public_id=exchange.public_id)
    else:
        form = ExchangeForm(instance=exchange, initial={"version": exchange.version}, hosts=hosts.distinct())
    return render(request, "network_exchanges/exchange_form.html", {"form": form, "exchange": exchange})


def _part_form(request: HttpRequest, exchange: Exchange, form: Any, title: str, **extra: Any) -> HttpResponse:
    return render(
        request,
        "network_exchanges/part_form.html",
        {"form": form, "exchange": exchange, "title": title, **extra},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def agenda_add(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    exchange = _exchange_or_404(request, public_id)
    if not selectors.exchange_can_manage(actor=request.user, exchange=exchange):
        raise PermissionDenied
    form = AgendaItemForm(request.POST or None, initial={"day": exchange.starts_on})
    if request.method == "POST" and form.is_valid():
        try:
            services.agenda_item_add(actor=request.user, exchange=exchange, **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The agenda item was added."))
            return redirect("network_exchange_detail", public_id=exchange.public_id)
    return _part_form(request, exchange, form, _("Add an agenda item"))


@require_http_methods(["GET", "POST"])
def practices_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Choose the published practices presented at the exchange (its managers)."""
    exchange = _exchange_or_404(request, public_id)
    if not selectors.exchange_can_manage(actor=request.user, exchange=exchange):
        raise PermissionDenied
    form = PracticesForm(
        request.POST or None,
        choices=selectors.practices_to_present(),
        initial={"practices": selectors.exchange_practices(exchange=exchange)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.exchange_practices_set(
                actor=request.user, exchange=exchange, practices=list(form.cleaned_data["practices"])
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The practices presented were saved."))
            return redirect("network_exchange_detail", public_id=exchange.public_id)
    return _part_form(request, exchange, form, _("Practices presented"))


@require_POST
def agenda_remove(request: HttpRequest, public_id: uuid.UUID, item_id: uuid.UUID) -> HttpResponse:
    exchange = _exchange_or_404(request, public_id)
    try:
        item = ExchangeAgendaItem.objects.get(exchange=exchange, public_id=item_id)
    except ExchangeAgendaItem.DoesNotExist:
        raise Http404 from None
    services.agenda_item_remove(actor=request.user, item=item)
    messages.success(request, _("The agenda item was removed."))
    return redirect("network_exchange_detail", public_id=exchange.public_id)


# -- participants ------------------------------------------------------------------------------------


def _participant_or_404(
    request: HttpRequest, exchange: Exchange, participant_id: uuid.UUID
) -> ExchangeParticipant:
    try:
        return selectors.participant_get(actor=request.user, exchange=exchange, public_id=str(participant_id))
    except ExchangeParticipant.DoesNotExist:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
def participant_add(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    exchange = _exchange_or_404(request, public_id)
    partners = _own_partners(request, exchange)
    if not partners.exists():
        raise PermissionDenied
    form = ParticipantForm(request.POST or None, partners=partners)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_add(actor=request.user, exchange=exchange, **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The participant was added."))
            return redirect("network_exchange_detail", public_id=exchange.public_id)
    return _part_form(request, exchange, form, _("Add a participant"), staff_note=True)


@require_http_methods(["GET", "POST"])
def participant_edit(request: HttpRequest, public_id: uuid.UUID, participant_id: uuid.UUID) -> HttpResponse:
    exchange = _exchange_or_404(request, public_id)
    participant = _participant_or_404(request, exchange, participant_id)
    if not selectors.participant_can_edit(actor=request.user, participant=participant):
        raise PermissionDenied
    partners = Partner.objects.filter(pk=participant.partner_id)
    initial = {f: getattr(participant, f) for f in ("name", "role", "email", "user", "learning_outcomes")}
    form = ParticipantForm(request.POST or None, partners=partners, edit=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_update(
                actor=request.user, participant=participant, changes=form.cleaned_data
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The participant was saved."))
            return redirect("network_exchange_detail", public_id=exchange.public_id)
    return _part_form(
        request, exchange, form, _("Participant and learning outcomes"), subject=participant, staff_note=True
    )


@require_http_methods(["GET", "POST"])
def participant_evaluate(
    request: HttpRequest, public_id: uuid.UUID, participant_id: uuid.UUID
) -> HttpResponse:
    exchange = _exchange_or_404(request, public_id)
    participant = _participant_or_404(request, exchange, participant_id)
    if not selectors.participant_can_edit(actor=request.user, participant=participant):
        raise PermissionDenied
    initial = {
        f: getattr(participant, f)
        for f in ("rating_overall", "rating_usefulness", "will_apply", "evaluation_comment")
    }
    form = EvaluationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_evaluation_record(
                actor=request.user, participant=participant, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The evaluation was recorded."))
            return redirect("network_exchange_detail", public_id=exchange.public_id)
    return _part_form(request, exchange, form, _("Evaluation after the exchange"), subject=participant)


@require_POST
def participant_remove(request: HttpRequest, public_id: uuid.UUID, participant_id: uuid.UUID) -> HttpResponse:
    exchange = _exchange_or_404(request, public_id)
    participant = _participant_or_404(request, exchange, participant_id)
    services.participant_remove(actor=request.user, participant=participant)
    messages.success(request, _("The participant was removed."))
    return redirect("network_exchange_detail", public_id=exchange.public_id)


# -- follow-up actions -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def action_add(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    exchange = _exchange_or_404(request, public_id)
    if not selectors.exchange_can_manage(actor=request.user, exchange=exchange):
        raise PermissionDenied
    form = ActionForm(request.POST or None, partners=_involved(exchange), create=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_create(actor=request.user, exchange=exchange, **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The follow-up action was added."))
            return redirect("network_exchange_detail", public_id=exchange.public_id)
    return _part_form(request, exchange, form, _("Add a follow-up action"))


@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, public_id: uuid.UUID, action_id: uuid.UUID) -> HttpResponse:
    exchange = _exchange_or_404(request, public_id)
    try:
        action = selectors.action_get(actor=request.user, exchange=exchange, public_id=str(action_id))
    except FollowUpAction.DoesNotExist:
        raise Http404 from None
    if not selectors.action_can_update(actor=request.user, action=action):
        raise PermissionDenied
    manager = selectors.exchange_can_manage(actor=request.user, exchange=exchange)
    fields = (
        ("description", "owner_partner", "owner_name", "owner_user", "due_on", "status", "done_on", "note")
        if manager
        else ("status", "done_on", "note")
    )
    initial = {f: getattr(action, f) for f in fields} | {"version": action.version}
    if manager:
        form: Any = ActionForm(request.POST or None, partners=_involved(exchange), initial=initial)
    else:
        form = ActionOwnerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in fields}
        try:
            services.action_update(
                actor=request.user,
                action=action,
                version=form.cleaned_data["version"] or action.version,
                changes=changes,
            )
        except StaleVersion:
            form.add_error(
                None,
                _(
                    "Someone else saved this action in the meantime. Your changes are still below: "
                    "save again."
                ),
            )
            form.data = form.data.copy()
            form.data["version"] = str(FollowUpAction.objects.get(pk=action.pk).version)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("The follow-up action was saved."))
            return redirect("network_exchange_detail", public_id=exchange.public_id)
    return _part_form(request, exchange, form, _("Follow-up action"), subject=action)


# -- documents ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def document_add(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    exchange = _exchange_or_404(request, public_id)
    partners = _own_partners(request, exchange)
    if not partners.exists():
        raise PermissionDenied
    form = DocumentForm(request.POST or None, request.FILES or None, partners=partners)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.document_store(
                actor=request.user,
                exchange=exchange,
                partner=data["partner"],
                title=data["title"],
                upload=data["file"],
                kind=data["kind"],
                people_recognisable=data["people_recognisable"],
                consent_confirmed=data["consent_confirmed"],
                consent_note=data["consent_note"],
            )
        except UploadRefused as exc:
            form.add_error("file", str(exc))
        except ValidationError as exc:
            form_add_validation_error(form, exc)
            form.add_error("file", _("Choose the file again: browsers do not keep it after a refusal."))
        else:
            messages.success(request, _("The document was stored."))
            return redirect("network_exchange_detail", public_id=exchange.public_id)
    return _part_form(request, exchange, form, _("Add a document or photo"), upload=True)


def _document_or_404(request: HttpRequest, exchange: Exchange, document_id: uuid.UUID) -> ExchangeDocument:
    try:
        return selectors.document_get(actor=request.user, exchange=exchange, public_id=str(document_id))
    except ExchangeDocument.DoesNotExist:
        raise Http404 from None


@require_GET
def document_download(request: HttpRequest, public_id: uuid.UUID, document_id: uuid.UUID) -> HttpResponse:
    exchange = _exchange_or_404(request, public_id)
    document = _document_or_404(request, exchange, document_id)
    return attachment_response(
        handle=document.encryption_handle(),
        file_id=document.public_id,
        content_type=document.content_type,
        filename=document.name,
    )


@require_POST
def document_delete(request: HttpRequest, public_id: uuid.UUID, document_id: uuid.UUID) -> HttpResponse:
    exchange = _exchange_or_404(request, public_id)
    document = _document_or_404(request, exchange, document_id)
    services.document_delete(actor=request.user, document=document)
    messages.success(request, _("The document was removed."))
    return redirect("network_exchange_detail", public_id=exchange.public_id)
