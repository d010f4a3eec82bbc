"""The person registry: search, register (with the duplicate check), the person page, edit, relations,
households and reviewed merges.

Case workers manage persons; programme managers read them; field educators register at-risk
participants with minimal fields and then see only a confirmation. Foreign persons are 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.core.forms import form_add_validation_error
from kujdes.core.locking import StaleVersion
from kujdes.core.panels import panels_render
from kujdes.core.reads import ReadRow, identity_rows_read
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm, units_for_actor
from kujdes.people.consent import intake_consents_record
from kujdes.people.duplicates import DuplicateCheck, duplicate_candidates
from kujdes.people.forms import (
    HouseholdForm,
    MergeProposeForm,
    PersonForm,
    PersonSearchForm,
    RelationForm,
    person_initial,
)
from kujdes.people.models import Consent, ConsentPurpose, Person, PersonCategory, PersonMerge
from kujdes.people.selectors import (
    consents_of_person,
    files_of_person,
    household_members,
    municipalities_for_organisation,
    person_can_manage,
    person_get,
    person_merged_target,
    person_merges_for_actor,
    person_merges_pending,
    person_relations,
    persons_for_actor,
    persons_page_capped,
    persons_registry_search,
    persons_with_keys,
    photos_withheld,
)
from kujdes.people.services import (
    household_create,
    person_create,
    person_household_set,
    person_identity_view,
    person_merge_can_review,
    person_merge_propose,
    person_merge_review,
    person_update,
)

PAGE_SIZE = 25


def _require(request: HttpRequest, perm: Perm) -> None:
    if not actor_has_perm(actor=request.user, perm=perm):
        raise PermissionDenied


def _person_or_404(request: HttpRequest, public_id: Any) -> Person:
    try:
        person = person_get(actor=request.user, public_id=str(public_id))
    except (Person.DoesNotExist, ValidationError):
        raise Http404 from None
    return persons_with_keys([person])[0]


def _person_by_code(request: HttpRequest, code: str) -> Person | None:
    found = (
        persons_for_actor(actor=request.user).filter(code__iexact=code.strip()).select_related("unit").first()
    )
    return persons_with_keys([found])[0] if found else None


def _unit_choices(units: Any) -> list[tuple[str, str]]:
    return [(str(unit.public_id), unit.name) for unit in units]


# -- the list ------------------------------------------------------------------------------------


@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    """Search and filters; htmx swaps only the results while the user types; works without JS.

    Matches are counted up to a hundred ("more than 100 persons found"): a common family name matches
    thousands across a network, and counting them all would cost more than showing the first page.
    """
    _require(request, Perm.PERSON_VIEW)
    units = list(units_for_actor(actor=request.user, perm=Perm.PERSON_VIEW).order_by("path"))
    form = PersonSearchForm(request.GET or None, units=_unit_choices(units))
    query, category, unit = "", "", None
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"]
        category = form.cleaned_data["category"]
        unit = next((u for u in units if str(u.public_id) == form.cleaned_data["unit"]), None)
    persons, counted = persons_registry_search(
        actor=request.user, query=query, category=category, unit=unit, units=units
    )
    page = persons_page_capped(persons, number=request.GET.get("page"), size=PAGE_SIZE, counted=counted)
    identity_rows_read(
        request=request,
        action="person.list.viewed",
        rows=[ReadRow.of(person) for person in page.object_list],
        filters={"category": category, "unit": str(unit.public_id) if unit else ""},
        search=query,
        page=page.number,
    )
    filters = {
        k: v
        for k, v in {"q": query, "category": category, "unit": str(unit.public_id) if unit else ""}.items()
        if v
    }
    context = {
        "form": form,
        "page": page,
        "query": urlencode(filters),
        "searching": bool(query),
        "can_register": actor_has_perm(actor=request.user, perm=Perm.PERSON_REGISTER_MINIMAL),
    }
    if request.headers.get("HX-Request"):
        return render(request, "people/_person_results.html", context)
    return render(request, "people/person_list.html", context, status=400 if form.errors else 200)


# -- registration -------------------------------------------------------------------------------


def _candidates_read(request: HttpRequest, check: DuplicateCheck) -> None:
    """Possible duplicates whose names the page shows: a search result, audited and charged like one."""
    identify = [c.person for c in check.candidates if c.identity_visible]
    if identify:
        identity_rows_read(
            request=request,
            action="person.duplicates.viewed",
            rows=[ReadRow.of(p) for p in identify],
            enforce=False,  # a refusal would lose the registration form
        )


def _registration_form(request: HttpRequest, data: Any = None) -> PersonForm:
    full = actor_has_perm(actor=request.user, perm=Perm.PERSON_MANAGE)
    perm = Perm.PERSON_MANAGE if full else Perm.PERSON_REGISTER_MINIMAL
    units = list(
        units_for_actor(actor=request.user, perm=perm).order_by("path").select_related("organisation")
    )
    municipalities = (
        municipalities_for_organisation(organisation_id=units[0].organisation_id) if units else None
    )
    form = PersonForm(data, units=_unit_choices(units), municipalities=municipalities, minimal=not full)
    form.unit_objects = {str(u.public_id): u for u in units}  # type: ignore[attr-defined]
    return form


def _registration_page(
    request: HttpRequest, form: PersonForm, *, check: DuplicateCheck | None = None, status: int = 200
) -> HttpResponse:
    context = {"form": form, "check": check, "municipalities": form.municipalities, "editing": False}
    return render(request, "people/person_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def person_create_view(request: HttpRequest) -> HttpResponse:
    """Register a person: the duplicate check runs first; "register as new" confirms past it."""
    _require(request, Perm.PERSON_REGISTER_MINIMAL)
    if request.method == "GET":
        return _registration_page(request, _registration_form(request))
    form = _registration_form(request, request.POST)
    if not form.is_valid():
        return _registration_page(request, form, status=400)
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
            id_numbers=[d["number"] for d in values.get("id_documents", [])],
            organisation_id=unit.organisation_id,
            date_of_birth=values.get("date_of_birth"),
            birth_date_estimated=bool(values.get("birth_date_estimated")),
            sex=values.get("sex", ""),
            citizenships=values.get("citizenships", []),
            other_names=values.get("other_names", []),
        )
        if check.found:
            _candidates_read(request, check)
            return _registration_page(request, form, check=check)
    try:
        with transaction.atomic():
            person = person_create(actor=request.user, unit=unit, **values)
            intake_consents_save(request, person=person, form=form)
    except ValidationError as exc:
        form_add_validation_error(form, exc)
        return _registration_page(request, form, status=400)
    except PermissionDenied:
        form.add_error("guardian_code", _("You cannot record this person as the guardian."))
        return _registration_page(request, form, status=400)
    if persons_for_actor(actor=request.user).filter(pk=person.pk).exists():
        messages.success(request, _("Person registered."))
        return redirect("person_detail", public_id=person.public_id)
    # A field educator registers but does not see persons: the code is all they take away.
    return render(request, "people/person_registered.html", {"code": person.code})


def intake_consents_save(
    request: HttpRequest, *, person: Person, form: PersonForm, activity: Any = None
) -> list[Consent]:
    """The consents of the registration form, with the person, in the caller's transaction: the
    minimal form's agreement to be registered (for an activity: to take part in it), or the purposes
    a case worker ticked. A guardian is named by code (a registered person) or registered now."""
    values = form.consent_values()
    purposes = values["purposes"]
    if activity is not None and purposes:
        purposes = [ConsentPurpose.ACTIVITY]
    guardian = None
    if values["guardian_code"]:
        guardian = _person_by_code(request, values["guardian_code"])
        if guardian is None:
            raise ValidationError({"guardian_code": _("No person with this code in your units.")})
    return intake_consents_record(
        actor=request.user,
        person=person,
        purposes=purposes,
        given_by=values["given_by"],
        method=values["method"],
        guardian=guardian,
        guardian_name=values["guardian_name"],
        guardian_kind=values["guardian_kind"],
        activity=activity,
    )


# -- the person page ----------------------------------------------------------------------------


def _age(person: Person) -> int | None:
    if person.birth_year is None:
        return None
    return timezone.localdate().year - person.birth_year


@require_GET
def person_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    try:
        person = person_get(actor=request.user, public_id=str(public_id))
    except Person.DoesNotExist:
        kept = person_merged_target(actor=request.user, public_id=str(public_id))
        if kept is None:
            raise Http404 from None
        messages.info(request, _("This record was merged into the one shown here."))
        return redirect("person_detail", public_id=kept.public_id)
    person = persons_with_keys([person])[0]
    identity = person_identity_view(actor=request.user, person=person)
    relations = person_relations(actor=request.user, person=person)
    rows = []
    for relation in relations:
        outgoing = relation.person_id == person.pk
        rows.append(
            {
                "other": relation.relative if outgoing else relation.person,
                "kind": relation.get_kind_display(),
                "outgoing": outgoing,
                "guardian": relation.is_guardian and outgoing,
            }
        )
    has_guardian = any(row["guardian"] for row in rows)
    age = _age(person)
    merges = [
        {"merge": m, "can_review": person_merge_can_review(actor=request.user, merge=m)}
        for m in person_merges_pending(actor=request.user, person=person)
    ]
    context = {
        "person": person,
        "identity": identity,
        "categories": [PersonCategory(c).label for c in person.categories if c in PersonCategory.values],
        "age": age,
        "relations": rows,
        "minor_without_guardian": age is not None and age < 18 and not has_guardian,
        "household_members": [
            m
            for m in (
                household_members(actor=request.user, household=person.household) if person.household else []
            )
            if m.pk != person.pk
        ],
        "consents": consents_of_person(person=person),
        "files": files_of_person(person=person),
        "photos_withheld": photos_withheld(person=person),
        "merges": merges,
        "can_manage": person_can_manage(actor=request.user, person=person),
        "panels": panels_render(page="person", request=request, obj=person),
        "household_form": HouseholdForm(),
    }
    return render(request, "people/person_detail.html", context)


def _managed_person_or_404(request: HttpRequest, public_id: Any) -> Person:
    person = _person_or_404(request, public_id)
    if not person_can_manage(actor=request.user, person=person):
        raise PermissionDenied
    return person


@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Edit with optimistic locking: a stale save keeps what was typed and says someone else saved."""
    person = _managed_person_or_404(request, public_id)
    municipalities = municipalities_for_organisation(organisation_id=person.organisation_id)
    context: dict[str, Any] = {"person": person, "municipalities": municipalities, "editing": True}
    if request.method == "GET":
        identity = person_identity_view(actor=request.user, person=person)
        form = PersonForm(
            initial=person_initial(person, identity), municipalities=municipalities, editing=True
        )
        return render(request, "people/person_form.html", {**context, "form": form})
    form = PersonForm(request.POST, municipalities=municipalities, editing=True)
    if not form.is_valid():
        return render(request, "people/person_form.html", {**context, "form": form}, status=400)
    try:
        with transaction.atomic():
            person_update(
                actor=request.user,
                person=person,
                expected_version=form.cleaned_data["version"],
                changes=form.person_values(),
            )
    except StaleVersion as conflict:
        form.add_error(
            None,
            _(
                "Someone else saved this person after you opened the page. Your changes are below, not "
                "saved: compare with the current record (open it in a new tab) and save again."
            ),
        )
        # The next save is against the version now stored; what the user typed stays in the form.
        data = request.POST.copy()
        data["version"] = str(conflict.current.version)  # type: ignore[attr-defined]
        form.data = data
        return render(
            request, "people/person_form.html", {**context, "form": form, "stale": True}, status=409
        )
    except ValidationError as exc:
        form_add_validation_error(form, exc)
        return render(request, "people/person_form.html", {**context, "form": form}, status=400)
    messages.success(request, _("Saved."))
    return redirect("person_detail", public_id=person.public_id)


# -- relations and households -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def person_relation_add(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Link a registered person as a relative, or register a new family member (minimal fields)."""
    person = _managed_person_or_404(request, public_id)
    form = RelationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if data["relative_code"].strip():
                    relative = _person_by_code(request, data["relative_code"])
                    if relative is None:
                        raise ValidationError({"relative_code": _("No person with this code in your units.")})
                else:
                    relative = person_create(
                        actor=request.user,
                        unit=person.unit,
                        given_name=data["given_name"].strip(),
                        family_name=data["family_name"].strip(),
                        sex=data["sex"],
                        birth_year=data["birth_year"],
                        municipality=person.municipality,
                        categories=[PersonCategory.FAMILY_MEMBER],
                    )
                _relation_add(request, person=person, relative=relative, data=data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Relation recorded."))
            return redirect("person_detail", public_id=person.public_id)
    status = 400 if form.errors else 200
    return render(request, "people/relation_form.html", {"person": person, "form": form}, status=status)


def _relation_add(request: HttpRequest, *, person: Person, relative: Person, data: dict[str, Any]) -> None:
    from kujdes.people.services import person_relation_add as relation_add

    relation_add(
        actor=request.user,
        person=person,
        relative=relative,
        kind=data["kind"],
        is_guardian=data["is_guardian"],
    )


@require_POST
def person_household(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Open a household with this person, or join the household of another person (by code)."""
    person = _managed_person_or_404(request, public_id)
    form = HouseholdForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the code."))
        return redirect("person_detail", public_id=person.public_id)
    code = form.cleaned_data["member_code"].strip()
    if not code:
        household_create(actor=request.user, person=person)
        messages.success(request, _("Household opened."))
        return redirect("person_detail", public_id=person.public_id)
    member = _person_by_code(request, code)
    if member is None or member.household_id is None:
        messages.error(request, _("No person with this code and a household in your units."))
    else:
        person_household_set(actor=request.user, person=person, household=member.household)
        messages.success(request, _("Household recorded."))
    return redirect("person_detail", public_id=person.public_id)


# -- merges -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def person_merge_propose_view(request: HttpRequest, public_id: Any) -> HttpResponse:
    person = _managed_person_or_404(request, public_id)
    form = MergeProposeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        other = _person_by_code(request, form.cleaned_data["other_code"])
        if other is None:
            form.add_error("other_code", _("No person with this code in your units."))
        else:
            kept, duplicate = (person, other) if form.cleaned_data["keep"] == "this" else (other, person)
            try:
                merge = person_merge_propose(actor=request.user, kept=kept, duplicate=duplicate)
            except ValidationError as exc:
                form_add_validation_error(form, exc)
            except PermissionDenied:
                form.add_error("other_code", _("You cannot manage the other record."))
            else:
                messages.success(request, _("Merge proposed: another colleague must review it."))
                return redirect("person_merge_review", public_id=merge.public_id)
    status = 400 if form.errors else 200
    return render(request, "people/merge_propose.html", {"person": person, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
def person_merge_review_view(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Both records side by side; a second person (not the proposer) approves or rejects."""
    from kujdes.people.dedupe.selectors import person_merge_overseen_get
    from kujdes.people.models import MergeStatus
    from kujdes.people.services import person_merge_can_undo

    try:
        merge = person_merges_for_actor(actor=request.user).get(public_id=str(public_id))
    except PersonMerge.DoesNotExist:
        # A merge carried out hides the duplicate from person lists; who oversees both records still
        # reaches its page, to undo it.
        try:
            merge = person_merge_overseen_get(actor=request.user, public_id=str(public_id))
        except PersonMerge.DoesNotExist:
            raise Http404 from None
        if merge.status not in (MergeStatus.MERGED, MergeStatus.UNMERGED):
            raise Http404 from None
    can_review = person_merge_can_review(actor=request.user, merge=merge)
    if request.method == "POST":
        decision = request.POST.get("decision")
        if not can_review or decision not in ("approve", "reject"):
            raise PermissionDenied
        try:
            person_merge_review(actor=request.user, merge=merge, approve=decision == "approve")
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("person_merge_review", public_id=merge.public_id)
        messages.success(request, _("Merged.") if decision == "approve" else _("Merge rejected."))
        return redirect("person_detail", public_id=merge.kept.public_id)
    kept, duplicate = persons_with_keys([merge.kept, merge.duplicate])
    records = [
        (_("Kept"), kept, person_identity_view(actor=request.user, person=kept)),
        (_("Duplicate"), duplicate, person_identity_view(actor=request.user, person=duplicate)),
    ]
    context = {
        "merge": merge,
        "records": records,
        "can_review": can_review,
        "can_undo": person_merge_can_undo(actor=request.user, merge=merge),
    }
    return render(request, "people/merge_review.html", context)


@require_POST
def person_unmerge_view(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Undo a merge (both records back as they were); whoever may review merges of both records may."""
    from kujdes.people.dedupe.selectors import duplicate_pair_of_merge, person_merge_overseen_get
    from kujdes.people.services import person_unmerge

    try:
        merge = person_merge_overseen_get(actor=request.user, public_id=str(public_id))
    except PersonMerge.DoesNotExist:
        raise Http404 from None
    pair = duplicate_pair_of_merge(merge=merge)
    try:
        person_unmerge(actor=request.user, merge=merge)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The merge was undone: both records are back as they were."))
    if pair is not None:
        return redirect("duplicate_pair", public_id=pair.public_id)
    return redirect("person_detail", public_id=merge.kept.public_id)
