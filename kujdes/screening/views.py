"""Pages of the screening room.

Organisation administrators: the instrument list, the editor (each save is a new version) and the
versions. Case workers: a phone-friendly checklist per person, with a live result preview (htmx),
the saved result, and a panel on the person page. Administrators never see screenings; programme
managers see them but do not record them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.core.content_languages import offered_languages
from kujdes.core.forms import form_add_validation_error
from kujdes.core.locking import StaleVersion
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm, organisations_for_actor
from kujdes.people.models import Person
from kujdes.screening.engine import (
    ILO_OUTCOMES,
    LEVELS,
    age_group_from_birth_year,
    answers_clean,
    combination_format,
    combinations_unreachable,
    definition_validate,
    screening_evaluate,
)
from kujdes.screening.forms import (
    InstrumentNameForm,
    ScreeningForm,
    combinations_text,
    draft_clean,
    floor_text,
    instrument_draft_from_post,
    outcome_groups,
    rule_roles,
    rules_draft_from_post,
)
from kujdes.screening.models import Instrument, InstrumentVersion, Level, Outcome, Screening
from kujdes.screening.selectors import (
    instrument_current_version,
    instrument_get_for_configuration,
    instrument_version_get,
    instrument_versions,
    instruments_for_configuration,
    instruments_for_screening,
    instruments_with_current_version,
    person_can_be_screened_by,
    person_for_screening,
    person_screenings_visible,
    screening_get,
    screenings_of_person,
)
from kujdes.screening.services import (
    instrument_version_create,
    instruments_install,
    screening_record,
    screening_view,
)

# -- organisation administrators ----------------------------------------------------------------


def _require_configure(request: HttpRequest) -> None:
    if not actor_has_perm(actor=request.user, perm=Perm.ORGANISATION_CONFIGURE):
        raise PermissionDenied


def _configured_instrument_or_404(request: HttpRequest, public_id: Any) -> Instrument:
    _require_configure(request)
    try:
        return instrument_get_for_configuration(actor=request.user, public_id=str(public_id))
    except Instrument.DoesNotExist:
        raise Http404 from None


@require_GET
def instrument_list(request: HttpRequest) -> HttpResponse:
    _require_configure(request)
    # The shipped instruments appear the first time an administrator looks (see docs/screening.md).
    for organisation in organisations_for_actor(actor=request.user, perm=Perm.ORGANISATION_CONFIGURE):
        instruments_install(organisation=organisation, actor=request.user)
    instruments = instruments_with_current_version(instruments_for_configuration(actor=request.user))
    return render(request, "screening/instrument_list.html", {"instruments": instruments})


def _edit_page(
    request: HttpRequest,
    *,
    instrument: Instrument,
    current: InstrumentVersion,
    draft: dict[str, Any],
    name_form: InstrumentNameForm,
    problems: list[str],
    status: int = 200,
    newer: InstrumentVersion | None = None,
) -> HttpResponse:
    context = {
        "instrument": instrument,
        "current": current,
        "draft": draft,
        "name_form": name_form,
        "problems": problems,
        "combinations": combinations_text(draft),
        "newer": newer,
        "strengths": [("strong", _("strong")), ("medium", _("medium")), ("weak", _("weak"))],
        # Albanian, English and French (required), and the network's languages the organisation works
        # in, each named in itself (العربية, Հայերեն); the others keep their texts (forms._label).
        "languages": _editor_languages(instrument),
    }
    return render(request, "screening/instrument_edit.html", context, status=status)


def _editor_languages(instrument: Instrument) -> list[tuple[str, str]]:
    organisation = instrument.organisation
    shown = {"sq", "en", "fr", organisation.default_language, *(organisation.languages or [])}
    return [(code, name) for code, name in settings.LANGUAGES if code in shown]


@require_http_methods(["GET", "POST"])
def instrument_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Edit an instrument; saving adds a version (past screenings keep the one they used)."""
    instrument = _configured_instrument_or_404(request, public_id)
    current = instrument_current_version(instrument=instrument)
    if current is None:
        raise Http404
    initial = {f"name_{lang}": instrument.name.get(lang, "") for lang in offered_languages()}
    initial.update(is_active=instrument.is_active, based_on=current.number)
    if request.method == "GET":
        return _edit_page(
            request,
            instrument=instrument,
            current=current,
            draft=current.definition,
            name_form=InstrumentNameForm(initial=initial),
            problems=[],
        )
    name_form = InstrumentNameForm(request.POST, initial=initial)
    draft, problems = instrument_draft_from_post(
        base=current.definition, kind=instrument.kind, post=request.POST
    )
    if not name_form.is_valid() or problems:
        return _edit_page(
            request,
            instrument=instrument,
            current=current,
            draft=draft,
            name_form=name_form,
            problems=problems,
            status=400,
        )
    data = name_form.cleaned_data
    try:
        version = instrument_version_create(
            actor=request.user,
            instrument=instrument,
            based_on=data["based_on"],
            definition=draft_clean(draft),
            name=name_form.names(),
            is_active=data["is_active"],
        )
    except ValidationError as exc:
        return _edit_page(
            request,
            instrument=instrument,
            current=current,
            draft=draft,
            name_form=name_form,
            problems=exc.messages,
            status=400,
        )
    except StaleVersion as conflict:
        newer: InstrumentVersion = conflict.current  # type: ignore[assignment]
        values = request.POST.copy()
        values["based_on"] = str(newer.number)
        name_form = InstrumentNameForm(values, initial=initial)
        name_form.is_valid()
        problem = _(
            "Someone saved version %(number)s while you were editing. Your changes are kept below: "
            "compare with the new version, then save again."
        ) % {"number": newer.number}
        return _edit_page(
            request,
            instrument=instrument,
            current=current,
            draft=draft,
            name_form=name_form,
            problems=[problem],
            status=409,
            newer=newer,
        )
    if version.number == current.number:
        messages.success(request, _("Saved. The indicators did not change, so no new version was needed."))
    else:
        messages.success(
            request,
            _("Version %(number)s saved. Screenings already recorded keep the version they used.")
            % {"number": version.number},
        )
    return redirect("instrument_version_detail", public_id=instrument.public_id, number=version.number)


@require_GET
def instrument_version_detail(request: HttpRequest, public_id: Any, number: int) -> HttpResponse:
    instrument = _configured_instrument_or_404(request, public_id)
    try:
        version = instrument_version_get(instrument=instrument, number=number)
    except InstrumentVersion.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "screening/instrument_version_detail.html",
        {
            "instrument": instrument,
            "version": version,
            "definition": version.definition,
            "versions": instrument_versions(instrument=instrument),
            "combinations": combinations_text(version.definition),
        },
    )


# -- the rules, with a preview -------------------------------------------------------------------


def _sample_from_post(request: HttpRequest, instrument: Instrument, definition: dict[str, Any]) -> dict:
    """The sample answers the administrator ticked, and whose rule they test (adult or child)."""
    answers = answers_clean(definition, [str(a)[:100] for a in request.POST.getlist("sample")[:500]])
    group = instrument.target
    if group == "any":
        group = "child" if request.POST.get("sample_age_group") == "child" else "adult"
    return {"answers": answers, "age_group": group}


def _rules_preview_context(
    *,
    instrument: Instrument,
    current: InstrumentVersion,
    draft: dict[str, Any],
    problems: list[str],
    sample: dict[str, Any],
) -> dict[str, Any]:
    """The results of the sample answers under the edited rules and under the current version.

    The same engine as real screenings (`screening_evaluate`); nothing is saved or audited: no
    person is involved.
    """
    clean = draft_clean(draft)
    problems = list(dict.fromkeys([*problems, *definition_validate(
        {**clean, "kind": instrument.kind}, kind=instrument.kind, target=instrument.target
    )]))  # fmt: skip
    is_child = sample["age_group"] == "child"
    result = None if problems else screening_evaluate(clean, sample["answers"], is_child=is_child)
    saved = screening_evaluate(current.definition, sample["answers"], is_child=is_child)
    unused = []
    if instrument.kind == "ilo" and not problems:
        unused = [
            combination_format(c) for c in combinations_unreachable(clean, clean["rules"]["combinations"])
        ]
    labels = {d["code"]: d["label"] for d in clean.get("dimensions", [])}
    return {
        "preview_problems": problems,
        "result": result,
        "saved": saved,
        "changed": result is not None
        and (result["outcome"], result["level"]) != (saved["outcome"], saved["level"]),
        "rows": [
            {**row, "label": labels.get(row["code"], row["code"])} for row in (result or saved)["dimensions"]
        ],
        "definition": clean,
        "current": current,
        "sample": sample,
        "unused_combinations": unused,
    }


def _rules_page(
    request: HttpRequest,
    *,
    instrument: Instrument,
    current: InstrumentVersion,
    draft: dict[str, Any],
    based_on: int,
    problems: list[str],
    sample: dict[str, Any],
    status: int = 200,
    newer: InstrumentVersion | None = None,
) -> HttpResponse:
    groups = []
    for group in outcome_groups(instrument.target):
        entries = (draft.get("rules", {}).get("outcomes") or {}).get(group) or []
        groups.append(
            {
                "code": group,
                "entries": [e for e in entries if isinstance(e, dict)],
                "count": len(entries),
            }
        )
    roles = [
        {
            "role": role,
            "labels": [d["label"] for d in draft.get("dimensions", []) if d.get("role") == role],
        }
        for role in rule_roles(draft)
    ]
    floors = [
        {**floor, "text": floor_text(floor)}
        for floor in draft.get("rules", {}).get("floors", [])
        if isinstance(floor, dict)
    ]
    context = {
        "instrument": instrument,
        "current": current,
        "draft": draft,
        "based_on": based_on,
        "problems": problems,
        "newer": newer,
        "combinations": combinations_text(draft),
        "groups": groups,
        "roles": roles,
        "floors": floors,
        "outcome_choices": [(code, label) for code, label in Outcome.choices if code in ILO_OUTCOMES],
        "level_choices": [(code, label) for code, label in Level.choices if code in LEVELS],
        "next_steps": list(draft.get("next_steps", {}).items()),
        "sample_codes": set(sample["answers"]),
        **_rules_preview_context(
            instrument=instrument, current=current, draft=draft, problems=problems, sample=sample
        ),
    }
    return render(request, "screening/instrument_rules.html", context, status=status)


@require_http_methods(["GET", "POST"])
def instrument_rules(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Edit the rules (combinations and outcomes, or levels and level rules); saving adds a version.

    "Preview" (the button, for browsers without htmx) shows the page again with the sample's result;
    nothing is saved. Past screenings keep the version they used.
    """
    instrument = _configured_instrument_or_404(request, public_id)
    current = instrument_current_version(instrument=instrument)
    if current is None:
        raise Http404
    if request.method == "GET":
        return _rules_page(
            request,
            instrument=instrument,
            current=current,
            draft=current.definition,
            based_on=current.number,
            problems=[],
            sample={"answers": [], "age_group": "adult" if instrument.target == "any" else instrument.target},
        )
    draft, problems = rules_draft_from_post(
        base=current.definition, kind=instrument.kind, target=instrument.target, post=request.POST
    )
    sample = _sample_from_post(request, instrument, current.definition)
    raw_based_on = request.POST.get("based_on", "")
    based_on = int(raw_based_on) if raw_based_on.isdigit() and len(raw_based_on) < 9 else current.number
    if not (raw_based_on.isdigit() and len(raw_based_on) < 9):
        problems.append(_("The page was incomplete. Check the rules below, then save again."))
    page: dict[str, Any] = {"instrument": instrument, "current": current, "draft": draft, "sample": sample}
    if "preview" in request.POST:
        return _rules_page(request, **page, based_on=based_on, problems=problems)
    if problems:
        return _rules_page(request, **page, based_on=based_on, problems=problems, status=400)
    try:
        version = instrument_version_create(
            actor=request.user, instrument=instrument, based_on=based_on, definition=draft_clean(draft)
        )
    except ValidationError as exc:
        return _rules_page(request, **page, based_on=based_on, problems=exc.messages, status=400)
    except StaleVersion as conflict:
        newer: InstrumentVersion = conflict.current  # type: ignore[assignment]
        problem = _(
            "Someone saved version %(number)s while you were editing. Your changes are kept below: "
            "compare with the new version, then save again."
        ) % {"number": newer.number}
        return _rules_page(
            request, **page, based_on=newer.number, problems=[problem], status=409, newer=newer
        )
    if version.number == current.number:
        messages.success(request, _("Saved. The rules did not change, so no new version was needed."))
    else:
        messages.success(
            request,
            _("Version %(number)s saved. Screenings already recorded keep the version they used.")
            % {"number": version.number},
        )
    return redirect("instrument_version_detail", public_id=instrument.public_id, number=version.number)


@require_POST
def instrument_rules_preview(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The rules page's live preview (htmx): the sample's result under the edited rules; nothing saved."""
    instrument = _configured_instrument_or_404(request, public_id)
    current = instrument_current_version(instrument=instrument)
    if current is None:
        raise Http404
    if "based_on" not in request.POST:
        return HttpResponse(status=204)  # not the rules page's form: nothing to preview
    draft, problems = rules_draft_from_post(
        base=current.definition, kind=instrument.kind, target=instrument.target, post=request.POST
    )
    context = _rules_preview_context(
        instrument=instrument,
        current=current,
        draft=draft,
        problems=problems,
        sample=_sample_from_post(request, instrument, current.definition),
    )
    return render(request, "screening/_rules_preview.html", {"instrument": instrument, **context})


# -- case workers --------------------------------------------------------------------------------


def _person_or_404(request: HttpRequest, person_id: Any) -> Person:
    try:
        return person_for_screening(actor=request.user, public_id=str(person_id))
    except (Person.DoesNotExist, ValidationError):
        raise Http404 from None


def _person_url(person: Person) -> str | None:
    try:
        return reverse("person_detail", kwargs={"public_id": person.public_id})
    except NoReverseMatch:
        return None


def _usable_instruments(request: HttpRequest, person: Person, age_group: str | None) -> list[Instrument]:
    instruments_install(organisation=person.organisation, actor=request.user)
    usable = instruments_for_screening(actor=request.user).filter(organisation_id=person.organisation_id)
    if age_group is not None:
        usable = usable.filter(target__in=("any", age_group))
    return instruments_with_current_version(usable)


def _checklist(definition: dict[str, Any], answers: set[str]) -> list[dict[str, Any]]:
    return [
        {
            "code": dimension["code"],
            "label": dimension["label"],
            "indicators": [
                {**indicator, "checked": indicator["code"] in answers}
                for indicator in dimension["indicators"]
            ],
        }
        for dimension in definition.get("dimensions", [])
    ]


def _screening_page(
    request: HttpRequest,
    *,
    person: Person,
    instrument: Instrument,
    version: InstrumentVersion,
    form: ScreeningForm,
    answers: set[str],
    age_group: str | None,
    status: int = 200,
) -> HttpResponse:
    preview = None
    is_child = (age_group or form.data.get("age_group") or instrument.target) == "child"
    if answers:
        preview = screening_evaluate(version.definition, sorted(answers), is_child=is_child)
    return render(
        request,
        "screening/screening_form.html",
        {
            "person": person,
            "person_url": _person_url(person),
            "instrument": instrument,
            "version": version,
            "definition": version.definition,
            "checklist": _checklist(version.definition, answers),
            "form": form,
            "ask_age_group": age_group is None,
            "preview": preview,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def screening_create(request: HttpRequest, person_id: Any) -> HttpResponse:
    """Choose an instrument for the person, then fill its checklist; saving shows the result."""
    person = _person_or_404(request, person_id)
    if not person_can_be_screened_by(actor=request.user, person=person):
        raise PermissionDenied
    today = timezone.localdate()
    age_group = age_group_from_birth_year(person.birth_year, today)
    chosen = request.POST.get("instrument") or request.GET.get("instrument", "")
    instruments = _usable_instruments(request, person, age_group)
    instrument = next((i for i in instruments if str(i.public_id) == chosen), None)
    if instrument is None or instrument.current is None:  # type: ignore[attr-defined]
        if request.method == "POST":
            messages.error(request, _("Choose one of the instruments below."))
        context = {
            "person": person,
            "person_url": _person_url(person),
            "instruments": instruments,
            "age_group": age_group,
        }
        return render(
            request,
            "screening/screening_choose.html",
            context,
            status=400 if request.method == "POST" else 200,
        )
    version: InstrumentVersion = instrument.current  # type: ignore[attr-defined]
    if request.method == "GET":
        form = ScreeningForm(initial={"performed_on": today, "version": version.number})
        return _screening_page(
            request,
            person=person,
            instrument=instrument,
            version=version,
            form=form,
            answers=set(),
            age_group=age_group,
        )
    form = ScreeningForm(request.POST)
    posted = [str(a)[:100] for a in request.POST.getlist("answers")[:500]]
    answers = set(answers_clean(version.definition, posted))
    conflict = False
    if form.is_valid():
        data = form.cleaned_data
        try:
            screening = screening_record(
                actor=request.user,
                person=person,
                instrument=instrument,
                answers=sorted(answers),
                performed_on=data["performed_on"],
                age_group=data["age_group"] or None,
                notes=data["notes"],
                expected_version=data["version"],
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        except StaleVersion as stale:
            conflict = True
            version = stale.current  # type: ignore[assignment]
            values = request.POST.copy()
            values["version"] = str(version.number)
            form = ScreeningForm(values)
            form.is_valid()
            form.add_error(
                None,
                _(
                    "The organisation changed this instrument while you were filling it in. Your answers are "
                    "kept where the indicators still exist: check the list, then save again."
                ),
            )
            answers = set(answers_clean(version.definition, posted))
        else:
            messages.success(request, _("Screening saved."))
            return redirect("screening_detail", public_id=screening.public_id)
    return _screening_page(
        request,
        person=person,
        instrument=instrument,
        version=version,
        form=form,
        answers=answers,
        age_group=age_group,
        status=409 if conflict else 400,
    )


@require_POST
def screening_preview(request: HttpRequest, person_id: Any) -> HttpResponse:
    """The live result while the checklist is filled in (htmx); nothing is saved or audited."""
    person = _person_or_404(request, person_id)
    if not person_can_be_screened_by(actor=request.user, person=person):
        raise PermissionDenied
    age_group = age_group_from_birth_year(person.birth_year, timezone.localdate())
    chosen = request.POST.get("instrument", "")
    instrument = next(
        (i for i in _usable_instruments(request, person, age_group) if str(i.public_id) == chosen), None
    )
    if instrument is None or instrument.current is None:  # type: ignore[attr-defined]
        return HttpResponse(status=204)
    definition = instrument.current.definition  # type: ignore[attr-defined]
    answers = answers_clean(definition, [str(a)[:100] for a in request.POST.getlist("answers")[:500]])
    chosen_group = age_group or request.POST.get("age_group") or instrument.target
    result = screening_evaluate(definition, answers, is_child=chosen_group == "child") if answers else None
    return render(
        request, "screening/_result.html", {"result": result, "definition": definition, "preview": True}
    )


@require_GET
def screening_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    try:
        screening = screening_get(actor=request.user, public_id=str(public_id))
    except (Screening.DoesNotExist, ValidationError):
        raise Http404 from None
    notes = screening_view(actor=request.user, screening=screening)
    definition = screening.version.definition
    answered = set(screening.answers or [])  # sealed: None once the person was erased
    present = [
        {
            "label": dimension["label"],
            "indicators": [i for i in dimension["indicators"] if i["code"] in answered],
        }
        for dimension in definition.get("dimensions", [])
    ]
    return render(
        request,
        "screening/screening_detail.html",
        {
            "screening": screening,
            "person": screening.person,
            "person_url": _person_url(screening.person),
            "instrument": screening.version.instrument,
            "definition": definition,
            "result": screening.result,
            "present": [group for group in present if group["indicators"]],
            "notes": notes,
            "history": screenings_of_person(actor=request.user, person=screening.person)[:20],
            # The result stays the one computed with its version, even when the rules changed since.
            "newest_version": instrument_current_version(instrument=screening.version.instrument),
        },
    )


def person_screenings_panel(request: HttpRequest, person: Person) -> str | None:
    """The person page's section: screening history and links to screen (for who may see it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not isinstance(person, Person):
        return None
    try:
        person = person_for_screening(actor=user, public_id=str(person.public_id))
    except Person.DoesNotExist:
        return None
    if not person_screenings_visible(actor=user, person=person):
        return None
    can_screen = person_can_be_screened_by(actor=user, person=person)
    return render_to_string(
        "screening/person_panel.html",
        {
            "person": person,
            "screenings": screenings_of_person(actor=user, person=person)[:50],
            "can_screen": can_screen,
        },
        request=request,
    )
