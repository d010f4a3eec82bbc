"""Pages of the programme room (activities, sessions, participants, outcomes, certificates).

Every object comes through the room's selectors, scoped by the actor: an activity the actor does not
see answers 404 like a missing one; a visible activity the actor may not change answers 403.
"""

from __future__ import annotations

import calendar
import datetime
import uuid
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.core.audit import audit_record
from kujdes.core.content_languages import offered_languages
from kujdes.core.files import UploadRefused, attachment_response
from kujdes.core.forms import form_add_validation_error
from kujdes.core.locking import StaleVersion
from kujdes.core.models import Unit
from kujdes.core.reads import ReadRow, identity_rows_read
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm, units_for_actor
from kujdes.people.models import Person
from kujdes.people.selectors import municipalities_for_organisation, person_search, persons_with_keys
from kujdes.programme import selectors as sel
from kujdes.programme import services
from kujdes.programme.certificates import certificate_filename, certificate_pdf
from kujdes.programme.forms import (
    ActivityEditForm,
    ActivityFilterForm,
    ActivityForm,
    CompleteForm,
    EnrolForm,
    FacilitatorForm,
    FileForm,
    OutcomeForm,
    PersonSearchForm,
    ScheduleForm,
    SessionEditForm,
    SessionForm,
    month_parse,
)
from kujdes.programme.models import (
    Activity,
    ActivityFile,
    ActivityKind,
    ActivityStatus,
    Facilitator,
    Outcome,
    Participation,
    ParticipationStatus,
    Session,
    TargetGroup,
)

PAGE_SIZE = 25


def _require_perm(request: HttpRequest, perm: Perm) -> None:
    if not actor_has_perm(actor=request.user, perm=perm):
        raise PermissionDenied


def _activity_or_404(request: HttpRequest, public_id: uuid.UUID) -> Activity:
    _require_perm(request, Perm.PROGRAMME_VIEW)
    try:
        return sel.activity_get(actor=request.user, public_id=str(public_id))
    except Activity.DoesNotExist:
        raise Http404 from None


def _managed_activity(request: HttpRequest, public_id: uuid.UUID) -> Activity:
    activity = _activity_or_404(request, public_id)
    if not sel.activity_can_manage(actor=request.user, activity=activity):
        raise PermissionDenied
    return activity


def _participation_or_404(request: HttpRequest, public_id: uuid.UUID) -> Participation:
    _require_perm(request, Perm.PROGRAMME_VIEW)
    try:
        return sel.participation_get(actor=request.user, public_id=str(public_id))
    except Participation.DoesNotExist:
        raise Http404 from None


def _participants_viewed(
    request: HttpRequest, activity: Activity, persons: list[Person], *, page: str, enforce: bool = True
) -> None:
    """One audit event per page that shows participants' names, charged to the reader's budget (429 past
    it; not on a form page, where a refusal would lose what was typed)."""
    identity_rows_read(
        request=request,
        action="programme.participants.viewed",
        rows=[ReadRow.of(person) for person in persons],
        obj=activity,
        unit=activity.unit,
        organisation_id=activity.organisation_id,
        details={"participants": len(persons), "page": page},
        enforce=enforce and request.method == "GET",
    )


def _type_choices(organisation_ids: list[int], *, active_only: bool = True) -> list[tuple[str, str]]:
    choices = []
    for organisation_id in organisation_ids:
        types = sel.activity_types_for_organisation(organisation_id=organisation_id, active_only=active_only)
        choices += [(str(t.public_id), t.name()) for t in types]
    return choices


# --- Lists and the calendar ---------------------------------------------------------------------------


@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    """The activities the actor sees (a volunteer: those they facilitate), filtered, a page at a time."""
    _require_perm(request, Perm.PROGRAMME_VIEW)
    actor = request.user
    activities = sel.activities_for_actor(actor=actor)
    visible_units = list(sel.programme_units(actor=actor, perm=Perm.PROGRAMME_VIEW))
    organisation_ids = sorted({u.organisation_id for u in visible_units}) or sorted(
        set(activities.order_by().values_list("organisation_id", flat=True).distinct())
    )
    filters = ActivityFilterForm(
        request.GET or None,
        types=_type_choices(organisation_ids, active_only=False),
        units=[(str(u.public_id), u.name) for u in visible_units],
    )
    status = 200
    chosen: dict[str, Any] = {}
    if request.GET:
        if filters.is_valid():
            chosen = filters.cleaned_data
        else:
            status = 400
    if chosen.get("q"):
        activities = activities.filter(title__icontains=chosen["q"].strip())
    if chosen.get("type"):
        activities = activities.filter(activity_type__public_id=chosen["type"])
    if chosen.get("unit"):
        unit = next(u for u in visible_units if str(u.public_id) == chosen["unit"])
        activities = activities.filter(
            Q(unit=unit) | Q(pk__in=Activity.co_units.through.objects.filter(unit=unit).values("activity_id"))
        )
    if chosen.get("status"):
        activities = activities.filter(status=chosen["status"])
    if chosen.get("date_from"):
        activities = activities.filter(ends_on__gte=chosen["date_from"])
    if chosen.get("date_to"):
        activities = activities.filter(starts_on__lte=chosen["date_to"])
    activities = (
        activities.select_related("activity_type", "unit")
        .annotate(
            participants=Count(
                "participations", filter=~Q(participations__status=ParticipationStatus.DROPPED), distinct=True
            )
        )
        .order_by("-starts_on", "title")
    )
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "programme/activity_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "can_create": sel.programme_units(actor=actor).exists(),
        },
        status=status,
    )


@require_GET
def activity_calendar(request: HttpRequest) -> HttpResponse:
    """A month's sessions and activities as an agenda by day (?month=YYYY-MM&unit=<uuid>)."""
    _require_perm(request, Perm.PROGRAMME_VIEW)
    actor = request.user
    today = timezone.localdate()
    raw_month = request.GET.get("month", "")
    first = month_parse(raw_month) if raw_month else today.replace(day=1)
    errors = []
    if first is None:
        errors.append(
            _("The month must be written as YYYY-MM, for example %(example)s.")
            % {"example": today.strftime("%Y-%m")}
        )
    unit: Unit | None = None
    units = list(sel.programme_units(actor=actor, perm=Perm.PROGRAMME_VIEW))
    raw_unit = request.GET.get("unit", "")
    if raw_unit:
        unit = next((u for u in units if str(u.public_id) == raw_unit.strip()), None)
        if unit is None:
            errors.append(_("Choose one of your units."))
    context: dict[str, Any] = {"units": units, "unit": unit, "errors": errors, "today": today}
    if errors:
        return render(request, "programme/activity_calendar.html", context, status=400)
    assert first is not None
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    days: dict[datetime.date, dict[str, list[Any]]] = defaultdict(lambda: {"sessions": [], "activities": []})
    sessions = sel.sessions_in_period(
        actor=actor, first=first, last=last, unit_id=unit.pk if unit is not None else None
    )
    with_sessions = set()
    for session in sessions:
        days[session.date]["sessions"].append(session)
        with_sessions.add(session.activity_id)
    activities = sel.activities_for_actor(actor=actor).filter(starts_on__lte=last, ends_on__gte=first)
    if unit is not None:
        activities = activities.filter(unit=unit)
    # Activities without sessions (a campaign, a meeting) appear on their first day in the month.
    for activity in activities.select_related("activity_type").exclude(pk__in=with_sessions):
        days[max(activity.starts_on, first)]["activities"].append(activity)
    previous_month = (first - datetime.timedelta(days=1)).replace(day=1)
    next_month = last + datetime.timedelta(days=1)
    unit_query = f"&unit={unit.public_id}" if unit is not None else ""
    context |= {
        "month": first,
        "agenda": sorted(days.items()),
        "previous_url": f"?month={previous_month:%Y-%m}{unit_query}",
        "next_url": f"?month={next_month:%Y-%m}{unit_query}",
    }
    return render(request, "programme/activity_calendar.html", context)


# --- Creating and editing an activity -----------------------------------------------------------------


def _activity_form_choices(request: HttpRequest, organisation_id: int) -> dict[str, Any]:
    return {
        "types": _type_choices([organisation_id]),
        "co_units": [
            (str(u.public_id), u.name) for u in sel.units_of_organisation(organisation_id=organisation_id)
        ],
        "partners": [
            (str(p.public_id), p.name) for p in sel.partners_for_organisation(organisation_id=organisation_id)
        ],
        "municipalities": municipalities_for_organisation(organisation_id=organisation_id),
    }


def _activity_values(form: ActivityForm, organisation_id: int) -> dict[str, Any]:
    """The form's values with chosen ids turned into the organisation's objects."""
    data = dict(form.cleaned_data)
    data.pop("unit", None)
    data.pop("version", None)
    data["activity_type"] = sel.activity_types_for_organisation(
        organisation_id=organisation_id, active_only=False
    ).get(public_id=data["activity_type"])
    data["co_units"] = list(
        sel.units_of_organisation(organisation_id=organisation_id).filter(public_id__in=data["co_units"])
    )
    data["partners"] = list(
        sel.partners_for_organisation(organisation_id=organisation_id).filter(
            public_id__in=data.get("partners") or []
        )
    )
    data["municipality"] = data.get("municipality") or ""
    return data


@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest) -> HttpResponse:
    actor = request.user
    units = list(sel.programme_units(actor=actor))
    if not units:
        raise PermissionDenied
    # The organisation of the first unit gives the choices (a manager works for one organisation).
    organisation_id = units[0].organisation_id
    units = [u for u in units if u.organisation_id == organisation_id]
    data = request.POST if request.method == "POST" else None
    form = ActivityForm(
        data,
        units=[(str(u.public_id), u.name) for u in units],
        initial={"unit": str(units[0].public_id)} if len(units) == 1 else {},
        **_activity_form_choices(request, organisation_id),
    )
    if data is not None and form.is_valid():
        values = _activity_values(form, organisation_id)
        unit = next(u for u in units if str(u.public_id) == form.cleaned_data["unit"])
        try:
            activity = services.activity_create(actor=actor, unit=unit, **values)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Activity “%(title)s” created.") % {"title": activity.title})
            return redirect("activity_detail", public_id=activity.public_id)
    return render(request, "programme/activity_form.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    activity = _managed_activity(request, public_id)
    organisation_id = activity.organisation_id
    initial = {
        "activity_type": str(activity.activity_type.public_id),
        "title": activity.title,
        "co_units": [str(u.public_id) for u in activity.co_units.all()],
        "municipality": activity.municipality,
        "place": activity.place,
        "starts_on": activity.starts_on,
        "ends_on": activity.ends_on,
        "target_groups": activity.target_groups,
        "partners": [str(p.public_id) for p in activity.partners.all()],
        "external_experts": activity.external_experts,
        "description": activity.description,
        "status": activity.status,
        "certificate_hours": activity.certificate_hours,
        "version": activity.version,
    }
    choices = _activity_form_choices(request, organisation_id)
    current_type = (initial["activity_type"], activity.activity_type.name())
    if current_type not in choices["types"]:  # a retired type stays choosable for its activities
        choices["types"].append(current_type)
    data = request.POST if request.method == "POST" else None
    form = ActivityEditForm(data, units=None, initial=initial, **choices)
    current = None
    if data is not None and form.is_valid():
        values = _activity_values(form, organisation_id)
        co_units, partners = values.pop("co_units"), values.pop("partners")
        try:
            services.activity_update(
                actor=request.user,
                activity=activity,
                expected_version=form.cleaned_data["version"],
                changes=values,
                co_units=co_units,
                partners=partners if "partners" in form.fields else None,
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        except StaleVersion as conflict:
            # Keep what the user typed, show what was saved meanwhile; saving again overwrites it.
            current = conflict.current
            values_typed = request.POST.copy()
            values_typed["version"] = str(current.version)  # type: ignore[attr-defined]
            form = ActivityEditForm(values_typed, units=None, initial=initial, **choices)
            form.is_valid()
            form.add_error(
                None,
                _("Someone else saved this activity while you were editing it. Compare, then save again."),
            )
        else:
            messages.success(request, _("Activity saved."))
            return redirect("activity_detail", public_id=activity.public_id)
    status = 409 if current is not None else (400 if form.errors else 200)
    return render(
        request,
        "programme/activity_form.html",
        {"form": form, "activity": activity, "current": current},
        status=status,
    )


# --- The activity page ---------------------------------------------------------------------------------


@require_GET
def activity_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    activity = _activity_or_404(request, public_id)
    actor = request.user
    manages = sel.activity_can_manage(actor=actor, activity=activity)
    records = sel.activity_can_record(actor=actor, activity=activity)
    participations = sel.participations_of(activity=activity)
    if participations:
        _participants_viewed(request, activity, [p.person for p in participations], page="activity")
    person_units = set(units_for_actor(actor=actor, perm=Perm.PERSON_VIEW).values_list("pk", flat=True))
    rows = [
        {
            "participation": p,
            "person": p.person,
            "person_link": p.person.unit_id in person_units,
        }
        for p in participations
    ]
    kind = activity.activity_type.kind
    target_labels = dict(TargetGroup.choices)
    return render(
        request,
        "programme/activity_detail.html",
        {
            "activity": activity,
            "kind": kind,
            "is_camp": kind == ActivityKind.CAMP,
            "figures": sel.activity_figures(activity=activity),
            "sessions": list(activity.sessions.all()),
            "facilitators": list(sel.facilitators_of(activity=activity)),
            "files": list(sel.activity_files_of(activity=activity)),
            "rows": rows,
            "headcounts": list(sel.headcounts_of(activity=activity)[:10]),
            "co_units": list(activity.co_units.all()),
            "partners": list(activity.partners.all()),
            "target_groups": [target_labels.get(g, g) for g in activity.target_groups or []],
            "manages": manages,
            "records": records,
            "uses_participants": activity.activity_type.uses_participants,
            "uses_headcounts": activity.activity_type.uses_headcounts,
            "open": activity.status != ActivityStatus.CANCELLED,
            "complete_form": CompleteForm(),
            "file_form": FileForm(),
            "today": timezone.localdate(),
            "certificate_languages": settings.LANGUAGES,
        },
    )


# --- Sessions ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def session_add_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    activity = _managed_activity(request, public_id)
    data = request.POST if request.method == "POST" else None
    form = SessionForm(data, initial={"place": activity.place, "date": timezone.localdate()})
    if data is not None and form.is_valid():
        try:
            services.session_add(actor=request.user, activity=activity, **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Session added."))
            return redirect("activity_detail", public_id=activity.public_id)
    return render(
        request,
        "programme/session_form.html",
        {"form": form, "activity": activity},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def sessions_schedule_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    activity = _managed_activity(request, public_id)
    data = request.POST if request.method == "POST" else None
    form = ScheduleForm(data, initial={"first": activity.starts_on, "last": activity.ends_on})
    if data is not None and form.is_valid():
        values = dict(form.cleaned_data)
        values["weekdays"] = [int(day) for day in values["weekdays"]]
        try:
            created = services.sessions_schedule(actor=request.user, activity=activity, **values)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("%(n)d sessions scheduled.") % {"n": len(created)})
            return redirect("activity_detail", public_id=activity.public_id)
    return render(
        request,
        "programme/session_schedule.html",
        {"form": form, "activity": activity},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, public_id: uuid.UUID, session_id: uuid.UUID) -> HttpResponse:
    activity = _managed_activity(request, public_id)
    try:
        session = sel.session_get(activity=activity, public_id=str(session_id))
    except Session.DoesNotExist:
        raise Http404 from None
    fields = ("date", "starts_at", "ends_at", "topic", "place", "status")
    data = request.POST if request.method == "POST" else None
    form = SessionEditForm(data, initial={f: getattr(session, f) for f in fields})
    if data is not None and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in fields if form.cleaned_data[f] != getattr(session, f)}
        try:
            if changes:
                services.session_update(actor=request.user, session=session, changes=changes)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Session saved."))
            return redirect("activity_detail", public_id=activity.public_id)
    return render(
        request,
        "programme/session_form.html",
        {"form": form, "activity": activity, "session": session},
        status=400 if form.errors else 200,
    )


# --- Facilitators and materials ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def facilitator_add_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    activity = _managed_activity(request, public_id)
    users = {str(u.public_id): u for u in sel.staff_for_activity(activity=activity)}
    volunteers = {str(v.public_id): v for v in sel.volunteers_for_activity(activity=activity)}
    data = request.POST if request.method == "POST" else None
    form = FacilitatorForm(
        data,
        users=[(key, u.display_name) for key, u in users.items()],
        volunteers=[(key, str(v)) for key, v in volunteers.items()],
        camp=activity.activity_type.kind == ActivityKind.CAMP,
        initial={"role": "staff"},
    )
    if data is not None and form.is_valid():
        values = form.cleaned_data
        role = values["role"]
        try:
            services.facilitator_add(
                actor=request.user,
                activity=activity,
                role=role,
                user=users.get(values["user"]) if role == "staff" else None,
                volunteer=volunteers.get(values["volunteer"]) if role == "volunteer" else None,
                name=values["name"] if role == "expert" else "",
                duty=values.get("duty", ""),
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Facilitator added."))
            return redirect("activity_detail", public_id=activity.public_id)
    return render(
        request,
        "programme/facilitator_form.html",
        {"form": form, "activity": activity},
        status=400 if form.errors else 200,
    )


@require_POST
def facilitator_remove_view(request: HttpRequest, public_id: uuid.UUID, facilitator_id: int) -> HttpResponse:
    activity = _managed_activity(request, public_id)
    try:
        facilitator = sel.facilitators_of(activity=activity).get(pk=facilitator_id)
    except Facilitator.DoesNotExist:
        raise Http404 from None
    facilitator.activity = activity
    services.facilitator_remove(actor=request.user, facilitator=facilitator)
    messages.success(request, _("Facilitator removed."))
    return redirect("activity_detail", public_id=activity.public_id)


@require_http_methods(["GET", "POST"])
def activity_file_add(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    activity = _managed_activity(request, public_id)
    form = FileForm(request.POST, request.FILES) if request.method == "POST" else FileForm()
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_file_store(
                actor=request.user, activity=activity, upload=form.cleaned_data["file"]
            )
        except UploadRefused as refused:
            form.add_error("file", str(refused))
        else:
            messages.success(request, _("File added."))
            return redirect("activity_detail", public_id=activity.public_id)
    return render(
        request,
        "programme/activity_file_form.html",
        {"form": form, "activity": activity},
        status=400 if form.errors else 200,
    )


@require_GET
def activity_file_download(request: HttpRequest, public_id: uuid.UUID) -> HttpResponseBase:
    _require_perm(request, Perm.PROGRAMME_VIEW)
    try:
        stored = sel.activity_file_get(actor=request.user, public_id=str(public_id))
    except ActivityFile.DoesNotExist:
        raise Http404 from None
    with transaction.atomic():
        audit_record(
            actor=request.user,
            organisation=stored.organisation_id,
            action="programme.file.downloaded",
            obj=stored.activity,
            details={"file": str(stored.public_id)},
        )
    return attachment_response(
        handle=stored.encryption_handle(),
        file_id=stored.public_id,
        content_type=stored.content_type,
        filename=stored.name,
    )


# --- Participants -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def participant_enrol_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Enrol a registered person by exact code, or (with the right to see persons) by a name search."""
    activity = _managed_activity(request, public_id)
    actor = request.user
    camp = activity.activity_type.kind == ActivityKind.CAMP
    enrollable = services.persons_enrollable(actor=actor, activity=activity)
    may_search = actor_has_perm(actor=actor, perm=Perm.PERSON_VIEW)
    search = PersonSearchForm(request.GET or None) if may_search else None
    results: list[Person] = []
    if search is not None and search.is_valid() and search.cleaned_data["q"].strip():
        found = person_search(actor=actor, query=search.cleaned_data["q"])
        results = persons_with_keys(list(enrollable.filter(pk__in=found.values("pk"))[:20]))
        if results:
            _participants_viewed(request, activity, results, page="enrol search")
    data = request.POST if request.method == "POST" else None
    form = EnrolForm(data, camp=camp)
    if data is not None and form.is_valid():
        values = form.cleaned_data
        if values.get("person"):
            person = enrollable.filter(public_id=values["person"]).first()
        else:
            person = enrollable.filter(code__iexact=values["code"].strip()).first()
        if person is None:
            form.add_error("code", _("Nobody you may enrol has this code."))
        else:
            try:
                services.participant_enrol(
                    actor=actor,
                    activity=activity,
                    person=person,
                    parental_consent=values.get("parental_consent", False),
                    parental_consent_by=values.get("parental_consent_by", ""),
                )
            except ValidationError as exc:
                form_add_validation_error(form, exc)
            else:
                messages.success(request, _("Participant enrolled: %(code)s.") % {"code": person.code})
                return redirect("activity_detail", public_id=activity.public_id)
    return render(
        request,
        "programme/participant_enrol.html",
        {"form": form, "activity": activity, "camp": camp, "search": search, "results": results},
        status=400 if form.errors else 200,
    )


@require_POST
def participation_complete_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    participation = _participation_or_404(request, public_id)
    activity = participation.activity
    if not sel.activity_can_manage(actor=request.user, activity=activity):
        raise PermissionDenied
    form = CompleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the completion date."))
    else:
        try:
            services.participation_complete(
                actor=request.user,
                participation=participation,
                completed_on=form.cleaned_data["completed_on"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Completion recorded."))
    return redirect("activity_detail", public_id=activity.public_id)


@require_POST
def participation_drop_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    participation = _participation_or_404(request, public_id)
    if not sel.activity_can_manage(actor=request.user, activity=participation.activity):
        raise PermissionDenied
    services.participation_drop(actor=request.user, participation=participation)
    messages.success(request, _("Marked as dropped out."))
    return redirect("activity_detail", public_id=participation.activity.public_id)


@require_GET
def participation_certificate(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The certificate PDF of a completed participation, for the staff who manage the activity."""
    participation = _participation_or_404(request, public_id)
    # ?language= chosen on the activity's page; an unknown code falls back to the participant's language.
    requested = request.GET.get("language", "")
    language = requested if requested in offered_languages() else ""
    pdf = certificate_pdf(actor=request.user, participation=participation, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate_filename(participation)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


# --- Outcomes ---------------------------------------------------------------------------------------


@require_GET
def outcome_list(request: HttpRequest) -> HttpResponse:
    """Follow-ups due in the next 30 days and overdue, of the activities the actor manages."""
    _require_perm(request, Perm.PROGRAMME_MANAGE)
    today = timezone.localdate()
    outcomes = sel.outcomes_due(actor=request.user)
    # Filters kept in the URL like the activity list's; an unknown value is ignored (the whole list).
    months = request.GET.get("months", "")
    if months in ("3", "6", "12"):
        outcomes = outcomes.filter(months=int(months))
    else:
        months = ""
    when = request.GET.get("when", "")
    if when == "overdue":
        outcomes = outcomes.filter(due_on__lt=today)
    elif when == "upcoming":
        outcomes = outcomes.filter(due_on__gte=today)
    else:
        when = ""
    page = Paginator(outcomes, PAGE_SIZE).get_page(request.GET.get("page"))
    persons = persons_with_keys([o.participation.person for o in page.object_list])
    if persons:
        identity_rows_read(
            request=request,
            action="programme.participants.viewed",
            rows=[ReadRow.of(person) for person in persons],
            details={"page": "outcomes", "participants": len(persons)},
        )
    query = urlencode({name: value for name, value in (("months", months), ("when", when)) if value})
    return render(
        request,
        "programme/outcome_list.html",
        {
            "page": page,
            "outcomes": page.object_list,
            "months": months,
            "when": when,
            "query": query,
            "today": today,
            "form": OutcomeForm(),
        },
    )


@require_http_methods(["GET", "POST"])
def outcome_record_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    _require_perm(request, Perm.PROGRAMME_VIEW)
    try:
        outcome = sel.outcome_get(actor=request.user, public_id=str(public_id))
    except Outcome.DoesNotExist:
        raise Http404 from None
    activity = outcome.participation.activity
    if not sel.activity_can_manage(actor=request.user, activity=activity):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    initial: dict[str, Any] = {"result": outcome.result, "notes": outcome.notes}
    if outcome.recorded_on:
        initial["recorded_on"] = outcome.recorded_on
    form = OutcomeForm(data, initial=initial)
    if data is not None and form.is_valid():
        try:
            services.outcome_record(actor=request.user, outcome=outcome, **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Follow-up recorded."))
            return redirect("outcome_list")
    person = persons_with_keys([outcome.participation.person])[0]
    _participants_viewed(request, activity, [person], page="outcome", enforce=False)
    return render(
        request,
        "programme/outcome_form.html",
        {"form": form, "outcome": outcome, "activity": activity, "person": person},
        status=400 if form.errors else 200,
    )


# --- The person page's panel -------------------------------------------------------------------------


def person_programme_panel(request: HttpRequest, person: Any) -> str | None:
    """The person's participations in activities the actor sees (the person page, kujdes.core.panels)."""
    participations = list(sel.participations_of_person(actor=request.user, person_id=person.pk))
    if not participations:
        return None
    return render_to_string(
        "programme/person_panel.html", {"participations": participations}, request=request
    )
