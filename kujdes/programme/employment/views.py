"""The employment pages: the overview, the employer directory, a person's pathway, placements,
follow-ups and micro-grants. Views are thin: selectors read (scoped by the actor), services write.

Staff who work with persons (educators, programme managers, case workers) use these pages; anyone else
gets 403 on the overview and 404 on any record, like a record that does not exist.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.core.forms import form_add_validation_error
from kujdes.core.locking import StaleVersion
from kujdes.people.models import Person
from kujdes.people.selectors import municipalities_for_organisation
from kujdes.programme.employment import forms as f
from kujdes.programme.employment import selectors as sel
from kujdes.programme.employment import services
from kujdes.programme.employment.models import Employer, RedFlag, SafeguardingStatus, isic_choices

PAGE_SIZE = 25


def _require_staff(request: HttpRequest) -> None:
    if not sel.employment_visible(actor=request.user):
        raise PermissionDenied


def _or_404(read: Any, request: HttpRequest, public_id: uuid.UUID) -> Any:
    try:
        return read(actor=request.user, public_id=str(public_id))
    except ObjectDoesNotExist:
        raise Http404 from None


def _units(request: HttpRequest, person: Person | None = None) -> tuple[Any, Any]:
    units = sel.units_for_recording(actor=request.user)
    if person is not None:
        units = units.filter(organisation_id=person.organisation_id)
    if not units.exists():
        raise PermissionDenied
    initial = units.filter(pk=person.unit_id).first() if person is not None else None
    return units, initial or units.first()


# -- the overview -----------------------------------------------------------------------------------------


@require_GET
def employment_home(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    today = timezone.localdate()
    return render(
        request,
        "programme_employment/home.html",
        {
            "due": sel.follow_ups_due(actor=request.user, until=today + datetime.timedelta(days=14)),
            "awaiting": sel.screenings_awaiting(actor=request.user),
            "graduates": sel.graduates_without_placement(
                actor=request.user, since=today - datetime.timedelta(days=730)
            ),
            "today": today,
        },
    )


# -- employers ---------------------------------------------------------------------------------------------


@require_GET
def employer_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    query = request.GET.get("q", "").strip()[:100]
    sector = request.GET.get("sector", "")
    municipality = request.GET.get("municipality", "").strip()[:64]
    rows = sel.employer_list(actor=request.user, query=query, sector=sector, municipality=municipality)
    page = Paginator(rows.select_related("unit"), PAGE_SIZE).get_page(request.GET.get("page"))
    filters = "&".join(
        f"{k}={v}" for k, v in (("q", query), ("sector", sector), ("municipality", municipality)) if v
    )
    return render(
        request,
        "programme_employment/employer_list.html",
        {
            "page": page,
            "count": page.paginator.count,
            "q": query,
            "sector": sector,
            "municipality": municipality,
            "filters": filters,
            "sectors": isic_choices(),
            "can_create": sel.units_for_recording(actor=request.user).exists(),
        },
    )


def _municipalities(request: HttpRequest, organisation_id: int) -> tuple[str, ...] | None:
    return municipalities_for_organisation(organisation_id=organisation_id)


@require_http_methods(["GET", "POST"])
def employer_create_view(request: HttpRequest) -> HttpResponse:
    units, initial = _units(request)
    organisation_id = initial.organisation_id
    form = f.EmployerForm(request.POST or None, municipalities=_municipalities(request, organisation_id))
    form.set_units(units, initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        unit = data.pop("unit")
        try:
            employer = services.employer_create(actor=request.user, unit=unit, **data)
        except ValidationError as error:
            form_add_validation_error(form, error)
        else:
            messages.success(request, _("The employer was added."))
            return redirect("employment_employer_detail", public_id=employer.public_id)
    return render(
        request,
        "programme_employment/form.html",
        {"form": form, "title": _("Add an employer"), "cancel": reverse("employment_employer_list")},
        status=400 if form.errors else 200,
    )


@require_GET
def employer_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    employer = _or_404(sel.employer_get, request, public_id)
    flags = dict(RedFlag.choices)
    return render(
        request,
        "programme_employment/employer_detail.html",
        {
            "employer": employer,
            "red_flags": [flags.get(code, code) for code in employer.red_flags],
            "can_manage": sel.employer_can_manage(actor=request.user, employer=employer),
            "placements": employer.placements.filter(
                unit_id__in=sel.units_viewing(actor=request.user)
            ).count(),
            "concerns": employer.safeguarding == SafeguardingStatus.CONCERNS,
        },
    )


@require_http_methods(["GET", "POST"])
def employer_edit_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    employer: Employer = _or_404(sel.employer_get, request, public_id)
    if not sel.employer_can_manage(actor=request.user, employer=employer):
        raise Http404
    initial = {name: getattr(employer, name) for name in services.EMPLOYER_FIELDS} | {
        "version": employer.version
    }
    form = f.EmployerForm(
        request.POST or None,
        initial=initial,
        municipalities=_municipalities(request, employer.organisation_id),
        editing=True,
    )
    current = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.employer_update(actor=request.user, employer=employer, expected_version=version, **data)
        except ValidationError as error:
            form_add_validation_error(form, error)
        except StaleVersion as stale:
            current = stale.current
            form.add_error(None, _("Someone else saved this employer meanwhile. Check their version below."))
        else:
            messages.success(request, _("The employer was saved."))
            return redirect("employment_employer_detail", public_id=employer.public_id)
    return render(
        request,
        "programme_employment/form.html",
        {
            "form": form,
            "title": _("Edit “%(name)s”") % {"name": employer.name},
            "cancel": reverse("employment_employer_detail", args=[employer.public_id]),
            "current": current,
        },
        status=400 if form.errors else 200,
    )


# -- a person's pathway ------------------------------------------------------------------------------------


@require_GET
def pathway(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    person = _or_404(sel.pathway_person_get, request, public_id)
    services.pathway_view(actor=request.user, person=person)
    return render(
        request,
        "programme_employment/pathway.html",
        {
            "person": person,
            "assessments": sel.readiness_of_person(actor=request.user, person=person),
            "actions": sel.actions_of_person(actor=request.user, person=person),
            "placements": sel.placements_of_person(actor=request.user, person=person),
            "grants": sel.grants_of_person(actor=request.user, person=person),
            "can_record": sel.units_for_recording(actor=request.user)
            .filter(organisation_id=person.organisation_id)
            .exists(),
        },
    )


def _person_form_page(
    request: HttpRequest, public_id: uuid.UUID, *, build: Any, save: Any, title: str, done: str
) -> HttpResponse:
    person = _or_404(sel.pathway_person_get, request, public_id)
    units, initial = _units(request, person)
    form = build(person)
    form.set_units(units, initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        unit = data.pop("unit")
        try:
            target = save(person, unit, data)
        except ValidationError as error:
            form_add_validation_error(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, done)
            return redirect(target)
    return render(
        request,
        "programme_employment/form.html",
        {
            "form": form,
            "title": title,
            "person": person,
            "cancel": reverse("employment_pathway", args=[person.public_id]),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def readiness_create_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    def save(person: Person, unit: Any, data: dict[str, Any]) -> str:
        services.readiness_assess(actor=request.user, person=person, unit=unit, **data)
        return reverse("employment_pathway", args=[person.public_id])

    return _person_form_page(
        request,
        public_id,
        build=lambda person: f.ReadinessForm(request.POST or None),
        save=save,
        title=_("Job readiness assessment"),
        done=_("The assessment was saved."),
    )


@require_http_methods(["GET", "POST"])
def action_create_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    def save(person: Person, unit: Any, data: dict[str, Any]) -> str:
        services.support_action_record(actor=request.user, person=person, unit=unit, **data)
        return reverse("employment_pathway", args=[person.public_id])

    return _person_form_page(
        request,
        public_id,
        build=lambda person: f.SupportActionForm(
            request.POST or None,
            employers=sel.employers_for_placement(actor=request.user, organisation_id=person.organisation_id),
        ),
        save=save,
        title=_("Job-search support"),
        done=_("The action was saved."),
    )


@require_http_methods(["GET", "POST"])
def placement_create_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    def build(person: Person) -> f.PlacementForm:
        courses = sel.courses_completed_by(person=person)
        initial: dict[str, Any] = {}
        chosen = request.GET.get("course", "")
        if chosen:
            initial["course"] = courses.filter(public_id=chosen).first() if _is_uuid(chosen) else None
        return f.PlacementForm(
            request.POST or None,
            initial=initial,
            employers=sel.employers_for_placement(actor=request.user, organisation_id=person.organisation_id),
            courses=courses,
        )

    def save(person: Person, unit: Any, data: dict[str, Any]) -> str:
        placement = services.placement_create(actor=request.user, person=person, unit=unit, **data)
        return reverse("employment_placement_detail", args=[placement.public_id])

    return _person_form_page(
        request,
        public_id,
        build=build,
        save=save,
        title=_("Record a placement"),
        done=_("The placement was recorded, with its follow-ups at 1, 3, 6 and 12 months."),
    )


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@require_http_methods(["GET", "POST"])
def grant_create_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    def save(person: Person, unit: Any, data: dict[str, Any]) -> str:
        grant = services.grant_create(actor=request.user, person=person, unit=unit, **data)
        return reverse("employment_grant_detail", args=[grant.public_id])

    return _person_form_page(
        request,
        public_id,
        build=lambda person: f.GrantForm(request.POST or None),
        save=save,
        title=_("Micro-grant"),
        done=_("The micro-grant was recorded."),
    )


# -- placements and follow-ups -------------------------------------------------------------------------------


@require_GET
def placement_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    placement = _or_404(sel.placement_get, request, public_id)
    services.pathway_view(actor=request.user, person=placement.person)
    return render(
        request,
        "programme_employment/placement_detail.html",
        {
            "placement": placement,
            "follow_ups": placement.follow_ups.select_related("screening", "case").order_by("months"),
            "can_manage": sel.can_manage_unit(actor=request.user, unit_id=placement.unit_id),
            "end_form": f.PlacementEndForm(),
        },
    )


@require_POST
def placement_end_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    placement = _or_404(sel.placement_get, request, public_id)
    if not sel.can_manage_unit(actor=request.user, unit_id=placement.unit_id):
        raise Http404
    form = f.PlacementEndForm(request.POST)
    if form.is_valid():
        try:
            services.placement_end(
                actor=request.user, placement=placement, ended_on=form.cleaned_data["ended_on"]
            )
        except ValidationError as error:
            form_add_validation_error(form, error)
        else:
            messages.success(request, _("The end of the placement was recorded."))
            return redirect("employment_placement_detail", public_id=placement.public_id)
    return render(
        request,
        "programme_employment/placement_detail.html",
        {
            "placement": placement,
            "follow_ups": placement.follow_ups.select_related("screening", "case").order_by("months"),
            "can_manage": True,
            "end_form": form,
        },
        status=400,
    )


@require_http_methods(["GET", "POST"])
def follow_up_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    follow_up = _or_404(sel.follow_up_get, request, public_id)
    placement = follow_up.placement
    can_manage = sel.can_manage_unit(actor=request.user, unit_id=placement.unit_id)
    form = f.FollowUpForm(request.POST or None) if follow_up.recorded_on is None and can_manage else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                recorded = services.follow_up_record(
                    actor=request.user,
                    follow_up=follow_up,
                    recorded_on=data["recorded_on"],
                    still_employed=data["still_employed"] == "yes",
                    conditions=data["conditions"],
                    problems=data["problems"],
                    warning_signs=data["warning_signs"],
                )
            except ValidationError as error:
                form_add_validation_error(form, error)
            else:
                if recorded.has_warning_signs:
                    messages.warning(
                        request,
                        _("The warning signs opened a screening of the person: a case worker will see it.")
                        if recorded.screening_id is None
                        else _("The warning signs were recorded as a screening of the person."),
                    )
                else:
                    messages.success(request, _("The follow-up was recorded."))
                return redirect("employment_follow_up", public_id=follow_up.public_id)
    else:
        services.pathway_view(actor=request.user, person=placement.person)
    from kujdes.programme.employment.models import WarningSign

    labels = dict(WarningSign.choices)
    return render(
        request,
        "programme_employment/follow_up.html",
        {
            "follow_up": follow_up,
            "placement": placement,
            "form": form,
            "signs": [labels.get(code, code) for code in (follow_up.warning_signs or [])]
            if follow_up.recorded_on
            else [],
            "can_screen": follow_up.screening_status == "awaiting"
            and sel.screening_can_record(actor=request.user, follow_up=follow_up),
            "screening_form": f.ScreeningNotesForm(),
        },
        status=400 if form is not None and form.errors else 200,
    )


@require_POST
def follow_up_screening_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    follow_up = _or_404(sel.follow_up_get, request, public_id)
    if not sel.screening_can_record(actor=request.user, follow_up=follow_up):
        raise Http404
    form = f.ScreeningNotesForm(request.POST)
    notes = form.cleaned_data["notes"] if form.is_valid() else ""
    try:
        screening = services.follow_up_screening_record(actor=request.user, follow_up=follow_up, notes=notes)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("employment_follow_up", public_id=follow_up.public_id)
    messages.success(request, _("The screening was recorded."))
    return redirect("screening_detail", public_id=screening.public_id)


# -- micro-grants ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def grant_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    grant = _or_404(sel.grant_get, request, public_id)
    can_manage = sel.can_manage_unit(actor=request.user, unit_id=grant.unit_id)
    status_form = f.GrantStatusForm(initial={"status": grant.status, "disbursed_on": grant.disbursed_on})
    review_form = f.GrantReviewForm()
    if request.method == "POST":
        if not can_manage:
            raise Http404
        try:
            if request.POST.get("form") == "review":
                review_form = f.GrantReviewForm(request.POST)
                if review_form.is_valid():
                    services.grant_review(
                        actor=request.user,
                        grant=grant,
                        reviewed_on=review_form.cleaned_data["reviewed_on"],
                        active=review_form.cleaned_data["active"] == "yes",
                    )
                    messages.success(request, _("The review was recorded."))
                    return redirect("employment_grant_detail", public_id=grant.public_id)
            else:
                status_form = f.GrantStatusForm(request.POST)
                if status_form.is_valid():
                    services.grant_status_set(actor=request.user, grant=grant, **status_form.cleaned_data)
                    messages.success(request, _("The micro-grant was saved."))
                    return redirect("employment_grant_detail", public_id=grant.public_id)
        except ValidationError as error:
            form_add_validation_error(
                review_form if request.POST.get("form") == "review" else status_form, error
            )
    else:
        services.pathway_view(actor=request.user, person=grant.person)
    failed = request.method == "POST"
    return render(
        request,
        "programme_employment/grant_detail.html",
        {"grant": grant, "can_manage": can_manage, "status_form": status_form, "review_form": review_form},
        status=400 if failed else 200,
    )
