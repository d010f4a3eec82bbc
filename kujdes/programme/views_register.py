"""The phone screens of the day: today's sessions, the attendance register, headcounts, and registering a
participant on the spot.

The register is one form. Every device posts what it SHOWED for each row (`seen-<participation pk>`:
"1" ticked, "0" unticked, "" not recorded yet) next to the boxes (`p-<participation pk>`), so that
services.attendance_save can tell this device's changes from rows another device changed meanwhile:
two phones saving the same register lose nothing. With htmx, a change anywhere in the form posts it
(hx-trigger="change") and the answer swaps back, out of band, the rows that changed and the counter;
without JavaScript, "Save" posts the whole form and redirects back (POST/redirect/GET).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kujdes.core.forms import form_add_validation_error
from kujdes.core.reads import ReadRow, identity_rows_read
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm, units_for_actor
from kujdes.people.duplicates import DuplicateCheck, duplicate_candidates
from kujdes.people.forms import PersonForm
from kujdes.people.models import Consent, ConsentGivenBy, Person
from kujdes.people.selectors import municipalities_for_organisation
from kujdes.programme import selectors, services
from kujdes.programme.camp_consent import guardian_label, withdrawn_person_ids
from kujdes.programme.forms_register import HeadcountForm, LateAddForm
from kujdes.programme.models import (
    Activity,
    Headcount,
    HeadcountSex,
    Session,
    SessionStatus,
)

RECENT_DAYS = 7


def _require(request: HttpRequest, perm: Perm) -> None:
    if not actor_has_perm(actor=request.user, perm=perm):
        raise PermissionDenied


def _activity_or_404(request: HttpRequest, public_id: Any) -> Activity:
    try:
        return selectors.activity_get(actor=request.user, public_id=str(public_id))
    except (Activity.DoesNotExist, ValidationError):
        raise Http404 from None


def _session_or_404(request: HttpRequest, public_id: Any, session_id: Any) -> tuple[Activity, Session]:
    activity = _activity_or_404(request, public_id)
    try:
        session = selectors.session_get(activity=activity, public_id=str(session_id))
    except (Session.DoesNotExist, ValidationError):
        raise Http404 from None
    session.activity = activity  # the scoped, already loaded activity
    return activity, session


def _is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


# -- today ----------------------------------------------------------------------------------------


@require_http_methods(["GET"])
def session_today(request: HttpRequest) -> HttpResponse:
    """A volunteer's landing page: today's sessions, and the last week's still without attendance."""
    _require(request, Perm.PROGRAMME_VIEW)
    today = timezone.localdate()
    sessions = list(selectors.sessions_on(actor=request.user, date=today))
    pending = list(
        selectors.sessions_without_attendance(
            actor=request.user, since=today - datetime.timedelta(days=RECENT_DAYS), until=today
        ).exclude(date=today)
    )
    return render(
        request, "programme/session_today.html", {"today": today, "sessions": sessions, "pending": pending}
    )


# -- the register ---------------------------------------------------------------------------------


def _seen_value(raw: str) -> bool | None:
    return {"1": True, "0": False}.get(raw.strip())


def _register_post(post: Any, shown: set[int]) -> tuple[dict[int, bool], dict[int, bool | None]]:
    """The marks and what the device showed, for the rows of this register only (others are ignored)."""
    marks: dict[int, bool] = {}
    seen: dict[int, bool | None] = {}
    everyone = bool(post.get("all"))
    for key in post:
        if not key.startswith("seen-"):
            continue
        try:
            pk = int(key[5:])
        except ValueError:
            continue
        if pk not in shown:
            continue
        seen[pk] = _seen_value(str(post.get(key, "")))
        marks[pk] = True if everyone else post.get(f"p-{pk}") in ("1", "on", "true")
    return marks, seen


def rows_html(rows: list[selectors.RegisterRow], *, can_record: bool, oob: bool = False) -> SafeString:
    """The register's rows. The hot path of the page (40 rows in ≤ 50 ms of server time), so built here
    rather than through a template loop; every value from the database is escaped.

    Each row: the tick box `p-<participation pk>` and what this device shows, `seen-<pk>`
    ("1" ticked, "0" unticked, "" not recorded yet).
    """
    swap = ' hx-swap-oob="true"' if oob else ""
    disabled = "" if can_record else " disabled"
    parts = []
    for row in rows:
        pk = row.participation.pk
        person = row.participation.person
        checked = " checked" if row.present else ""
        seen = "1" if row.present else ("0" if row.present is False else "")
        name = escape(f"{person.given_name or ''} {person.family_name or ''}".strip())
        parts.append(
            f'<li id="r{pk}"{swap}><label><input type="checkbox" id="p{pk}" name="p-{pk}" value="1"'
            f"{checked}{disabled}>{name} <code>{escape(person.code)}</code></label>"
            f'<input type="hidden" name="seen-{pk}" value="{seen}"></li>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - built from escaped values above


def _register_context(
    request: HttpRequest,
    activity: Activity,
    session: Session,
    rows: list[selectors.RegisterRow],
    *,
    late_form: LateAddForm | None = None,
) -> dict[str, Any]:
    can_record = selectors.activity_can_record(actor=request.user, activity=activity)
    today = timezone.localdate()
    open_ = can_record and session.status != SessionStatus.CANCELLED and session.date <= today
    can_register = open_ and actor_has_perm(actor=request.user, perm=Perm.PERSON_REGISTER_MINIMAL)
    return {
        "activity": activity,
        "session": session,
        "rows": rows,
        "rows_html": rows_html(rows, can_record=open_),
        "present": sum(1 for row in rows if row.present),
        "total": len(rows),
        "can_record": open_,
        "future": session.date > today,
        "cancelled": session.status == SessionStatus.CANCELLED,
        "can_register": can_register,
        "late_form": late_form or LateAddForm(),
        "url": reverse(
            "attendance_register", kwargs={"public_id": activity.public_id, "session_id": session.public_id}
        ),
    }


def _register_page(
    request: HttpRequest,
    activity: Activity,
    session: Session,
    *,
    status: int = 200,
    late_form: LateAddForm | None = None,
    error: str = "",
) -> HttpResponse:
    rows = selectors.attendance_register(session=session)
    withdrawn = withdrawn_person_ids(activity=activity)
    if withdrawn:
        # Whose consent to take part was withdrawn leaves the activity's lists (camp_consent.py).
        rows = [row for row in rows if row.participation.person_id not in withdrawn]
    identity_rows_read(
        request=request,
        action="programme.participants.viewed",
        rows=[ReadRow.of(row.participation.person) for row in rows],
        obj=activity,
        organisation_id=activity.organisation_id,
        details={"session": str(session.public_id), "participants": len(rows)},
        # A save sent back with an error must keep its marks: only reading the register is refused.
        enforce=request.method == "GET",
    )
    context = _register_context(request, activity, session, rows, late_form=late_form)
    context["error"] = error
    return render(request, "programme/attendance_register.html", context, status=status)


@require_http_methods(["GET", "POST"])
def attendance_register_view(
    request: HttpRequest, public_id: uuid.UUID, session_id: uuid.UUID
) -> HttpResponse:
    activity, session = _session_or_404(request, public_id, session_id)
    if request.method == "GET":
        return _register_page(request, activity, session)
    if not selectors.activity_can_record(actor=request.user, activity=activity):
        raise PermissionDenied
    shown_ids = selectors.register_participation_ids(session=session)
    marks, seen = _register_post(request.POST, shown_ids)
    if marks:
        try:
            saved = services.attendance_save(actor=request.user, session=session, marks=marks, seen=seen)
        except ValidationError as exc:
            if _is_htmx(request):
                return render(
                    request,
                    "programme/_attendance_error.html",
                    {"error": " ".join(exc.messages)},
                    status=200,  # htmx swaps 2xx only: the message must reach the screen
                )
            return _register_page(request, activity, session, status=400, error=" ".join(exc.messages))
    else:
        saved = None
    if not _is_htmx(request):
        if saved is not None:
            messages.success(request, _("Attendance saved."))
            if saved.kept_from_others:
                messages.info(
                    request,
                    _("Someone else changed some rows meanwhile on another device: their marks were kept."),
                )
        return redirect("attendance_register", public_id=activity.public_id, session_id=session.public_id)
    stored = selectors.attendance_marks(session=session)
    # Rows to send back: those this device changed, and those that differ from what it showed.
    changed = {
        pk
        for pk, shown in seen.items()
        if bool(stored.get(pk)) != bool(shown) or marks.get(pk) != bool(shown)
    }
    rows = selectors.register_rows_for(session=session, participation_ids=changed, marks=stored)
    context = {
        "rows_html": rows_html(rows, can_record=True, oob=True),
        "oob": True,
        "present": sum(1 for pk in shown_ids if stored.get(pk)),
        "total": len(shown_ids),
        "kept": saved.kept_from_others if saved else 0,
    }
    return render(request, "programme/_attendance_rows.html", context)


@require_POST
def attendance_late_add(request: HttpRequest, public_id: uuid.UUID, session_id: uuid.UUID) -> HttpResponse:
    """Someone came who was not enrolled: enrol them by their person code, marked present."""
    activity, session = _session_or_404(request, public_id, session_id)
    if not selectors.activity_can_record(actor=request.user, activity=activity):
        raise PermissionDenied
    form = LateAddForm(request.POST)
    if form.is_valid():
        code = form.cleaned_data["code"].strip()
        person = (
            services.persons_enrollable(actor=request.user, activity=activity)
            .filter(code__iexact=code)
            .first()
        )
        if person is None:
            form.add_error("code", _("No registered person with this code can be added here."))
        else:
            try:
                with transaction.atomic():
                    participation = services.participant_enrol(
                        actor=request.user, activity=activity, person=person, late_addition=True
                    )
                    services.attendance_save(
                        actor=request.user, session=session, marks={participation.pk: True}
                    )
            except ValidationError as exc:
                form_add_validation_error(form, exc)
            else:
                messages.success(request, _("%(code)s added and marked present.") % {"code": person.code})
                return redirect(
                    reverse(
                        "attendance_register",
                        kwargs={"public_id": activity.public_id, "session_id": session.public_id},
                    )
                    + f"#r{participation.pk}"
                )
    return _register_page(request, activity, session, status=400, late_form=form)


# -- registering a participant on the spot -----------------------------------------------------------


def _optional_session(request: HttpRequest, activity: Activity) -> Session | None:
    raw = request.GET.get("session", "").strip()
    if not raw:
        return None
    try:
        return selectors.session_get(activity=activity, public_id=str(uuid.UUID(raw)))
    except (ValueError, Session.DoesNotExist, ValidationError):
        raise Http404 from None


def _participant_form(request: HttpRequest, activity: Activity, data: Any = None) -> PersonForm:
    units = list(
        units_for_actor(actor=request.user, perm=Perm.PERSON_REGISTER_MINIMAL)
        .filter(organisation_id=activity.organisation_id)
        .order_by("path")
    )
    municipalities = municipalities_for_organisation(organisation_id=activity.organisation_id)
    choices = [(str(unit.public_id), unit.name) for unit in units]
    form = PersonForm(data, units=choices, municipalities=municipalities, minimal=True)
    if any(unit.pk == activity.unit_id for unit in units):
        form.fields["unit"].initial = str(activity.unit.public_id)
    if data is None and activity.municipality:
        form.fields["municipality"].initial = activity.municipality
    form.unit_objects = {str(unit.public_id): unit for unit in units}  # type: ignore[attr-defined]
    return form


def _participant_page(
    request: HttpRequest,
    activity: Activity,
    session: Session | None,
    form: PersonForm,
    *,
    check: DuplicateCheck | None = None,
    status: int = 200,
) -> HttpResponse:
    shown = [c.person for c in check.candidates if c.identity_visible] if check is not None else []
    if shown:
        # The duplicate check's candidates: read like a search, never refused (the form would be lost).
        identity_rows_read(
            request=request,
            action="person.duplicates.viewed",
            rows=[ReadRow.of(person) for person in shown],
            obj=activity,
            enforce=False,
        )
    context = {
        "activity": activity,
        "session": session,
        "form": form,
        "check": check,
        "municipalities": form.municipalities,
    }
    return render(request, "programme/participant_register.html", context, status=status)


def _enrol(
    request: HttpRequest,
    activity: Activity,
    session: Session | None,
    person: Person,
    *,
    consent: Consent | None = None,
) -> None:
    parental = consent is not None and consent.given_by == ConsentGivenBy.GUARDIAN
    participation = services.participant_enrol(
        actor=request.user,
        activity=activity,
        person=person,
        late_addition=session is not None,
        parental_consent=parental,
        parental_consent_by=guardian_label(consent) if parental and consent else "",
    )
    if session is not None and session.date <= timezone.localdate():
        services.attendance_save(actor=request.user, session=session, marks={participation.pk: True})


def _back(activity: Activity, session: Session | None) -> str:
    if session is not None:
        return reverse(
            "attendance_register", kwargs={"public_id": activity.public_id, "session_id": session.public_id}
        )
    return reverse("activity_detail", kwargs={"public_id": activity.public_id})


@require_http_methods(["GET", "POST"])
def participant_register(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A field educator (or manager) registers a new participant with minimal fields and enrols them;
    from a session's register (?session=<uuid>) the participant is also marked present."""
    activity = _activity_or_404(request, public_id)
    session = _optional_session(request, activity)
    _require(request, Perm.PERSON_REGISTER_MINIMAL)
    allowed = selectors.activity_can_manage(actor=request.user, activity=activity) or (
        session is not None and selectors.activity_can_record(actor=request.user, activity=activity)
    )
    if not allowed:
        raise PermissionDenied
    if request.method == "GET":
        return _participant_page(request, activity, session, _participant_form(request, activity))
    form = _participant_form(request, activity, request.POST)
    enrol_code = request.POST.get("enrol", "").strip()
    if enrol_code:
        # "Enrol this person": one of the duplicate check's candidates, by code.
        person = (
            services.persons_enrollable(actor=request.user, activity=activity)
            .filter(code__iexact=enrol_code)
            .first()
        )
        if person is None:
            form.is_valid()
            form.add_error(None, _("No registered person with this code can be enrolled here."))
            return _participant_page(request, activity, session, form, status=400)
        try:
            with transaction.atomic():
                _enrol(request, activity, session, person)
        except ValidationError as exc:
            form.is_valid()
            form_add_validation_error(form, exc)
            return _participant_page(request, activity, session, form, status=400)
        messages.success(request, _("%(code)s enrolled.") % {"code": person.code})
        return redirect(_back(activity, session))
    if not form.is_valid():
        return _participant_page(request, activity, session, form, status=400)
    unit = form.unit_objects[form.cleaned_data["unit"]]  # type: ignore[attr-defined]
    values = form.person_values()
    if request.POST.get("confirm_new") not in ("1", "true", "on"):
        check = duplicate_candidates(
            actor=request.user,
            given_name=values["given_name"],
            family_name=values.get("family_name", ""),
            birth_year=values.get("birth_year"),
            municipality=values.get("municipality", ""),
            phones=values.get("phones", []),
            id_numbers=[],
            organisation_id=unit.organisation_id,
            date_of_birth=values.get("date_of_birth"),
            birth_date_estimated=bool(values.get("birth_date_estimated")),
            sex=values.get("sex", ""),
            citizenships=values.get("citizenships") or [],
        )
        if check.found:
            return _participant_page(request, activity, session, form, check=check)
    from kujdes.people.services import person_create
    from kujdes.people.views_registry import intake_consents_save

    try:
        with transaction.atomic():
            person = person_create(actor=request.user, unit=unit, **values)
            # The minimal consent: to take part in this activity (a child's, given by the guardian
            # registered with them). A camp's parental consent is that same consent.
            consents = intake_consents_save(request, person=person, form=form, activity=activity.public_id)
            _enrol(request, activity, session, person, consent=consents[0] if consents else None)
    except ValidationError as exc:
        form_add_validation_error(form, exc)
        return _participant_page(request, activity, session, form, status=400)
    return render(
        request,
        "programme/participant_registered.html",
        {"activity": activity, "session": session, "code": person.code, "back": _back(activity, session)},
    )


# -- headcounts -----------------------------------------------------------------------------------


def _headcount_page(
    request: HttpRequest, activity: Activity, form: HeadcountForm, bounds: tuple[int, ...], status: int = 200
) -> HttpResponse:
    groups = [(lower, selectors.age_group_label(bounds, lower)) for lower in bounds]
    grid = [
        {
            "label": label,
            "cells": [
                {
                    "name": form.cell_name(sex, lower),
                    "value": form.cell_value(sex, lower),
                    "errors": form.cell_errors.get(form.cell_name(sex, lower), []),
                    "sex_label": sex_label,
                }
                for sex, sex_label in HeadcountSex.choices
            ],
        }
        for lower, label in groups
    ]
    context = {"activity": activity, "form": form, "grid": grid, "sexes": HeadcountSex.choices}
    return render(request, "programme/headcount_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def headcount_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """An anonymous count: sex × age group for one category, plus indirect reach and how it was estimated."""
    activity = _activity_or_404(request, public_id)
    if not selectors.activity_can_record(actor=request.user, activity=activity):
        raise PermissionDenied
    bounds = selectors.age_groups_for(organisation_id=activity.organisation_id)
    form = HeadcountForm(
        request.POST if request.method == "POST" else None,
        bounds=bounds,
        initial={"date": timezone.localdate(), "place": activity.place},
    )
    if request.method == "GET":
        return _headcount_page(request, activity, form, bounds)
    if form.is_valid():
        try:
            services.headcount_record(
                actor=request.user,
                activity=activity,
                date=form.cleaned_data["date"],
                cells=form.cells(),
                reach=form.reach(),
                reach_method=form.cleaned_data["reach_method"],
                place=form.cleaned_data["place"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as exc:
            _headcount_errors(form, exc)
        else:
            messages.success(request, _("Headcount recorded."))
            return redirect("activity_detail", public_id=activity.public_id)
    return _headcount_page(request, activity, form, bounds, status=400)


def _headcount_errors(form: HeadcountForm, exc: ValidationError) -> None:
    """The service names cells `cell-<sex>-<age_from>-<category>`; the grid's inputs omit the category."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, errors in exc.error_dict.items():
        messages_ = [message for error in errors for message in error.messages]
        if field.startswith("cell-"):
            name = field.rsplit("-", 1)[0]
            form.cell_errors.setdefault(name, []).extend(messages_)
            continue
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


@require_POST
def headcount_delete_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        headcount = selectors.headcount_get(actor=request.user, public_id=str(public_id))
    except (Headcount.DoesNotExist, ValidationError):
        raise Http404 from None
    services.headcount_delete(actor=request.user, headcount=headcount)
    messages.success(request, _("Headcount deleted."))
    return redirect("activity_detail", public_id=headcount.activity.public_id)
