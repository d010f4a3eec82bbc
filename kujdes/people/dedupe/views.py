"""The duplicates queue: the batch run (button, progress), the pairs strongest first, a pair side by side
with the engine's explanation in words and the decision on it.

Only whoever deduplicates the organisation reaches these pages (kujdes.people.dedupe.access); anyone
else signed in gets 403 for the queue and 404 for a pair or run, as for one that does not exist.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.core.reads import ReadRow, identity_rows_read
from kujdes.people.dedupe.access import dedupe_organisation_id
from kujdes.people.dedupe.forms import PairDecisionForm
from kujdes.people.dedupe.selectors import (
    QUEUE_TABS,
    dedupe_run_get,
    dedupe_runs_for_actor,
    duplicate_pair_get,
    duplicate_pairs_for_actor,
)
from kujdes.people.dedupe.services import RunBusy, dedupe_run_start, duplicate_pair_decide, pair_explanation
from kujdes.people.models import DedupeRun, DedupeRunStatus, DuplicatePair, MergeStatus, PairStatus, Person
from kujdes.people.selectors import persons_with_keys
from kujdes.people.services import (
    IDENTITY_FIELDS,
    person_merge_can_review,
    person_merge_can_undo,
    person_merge_review,
)

PAGE_SIZE = 25
POLL_SECONDS = 1


def _organisation_or_403(request: HttpRequest) -> int:
    organisation_id = dedupe_organisation_id(actor=request.user)
    if organisation_id is None:
        raise PermissionDenied
    return organisation_id


def _run_context(run: DedupeRun | None) -> dict[str, Any]:
    return {
        "run": run,
        "polling": run is not None and run.status in (DedupeRunStatus.QUEUED, DedupeRunStatus.RUNNING),
        "poll_seconds": POLL_SECONDS,
    }


@require_GET
def duplicates_queue(request: HttpRequest) -> HttpResponse:
    """The queue's pairs, strongest first, in tabs (to review, postponed, decided); the latest run."""
    _organisation_or_403(request)
    tab = request.GET.get("tab", "open")
    if tab not in QUEUE_TABS:
        tab = "open"
    pairs = duplicate_pairs_for_actor(actor=request.user, tab=tab)
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    shown: list[DuplicatePair] = list(page.object_list)
    persons_with_keys([p for pair in shown for p in (pair.first, pair.second)])
    identity_rows_read(
        request=request,
        action="person.duplicates.viewed",
        rows=[ReadRow.of(p) for pair in shown for p in (pair.first, pair.second)],
        filters={"tab": tab},
        page=page.number,
    )
    rows = [{"pair": pair, "explanation": pair_explanation(pair)} for pair in shown]
    context = {
        "tab": tab,
        "tabs": [("open", _("To review")), ("unsure", _("Postponed")), ("decided", _("Decided"))],
        "page": page,
        "rows": rows,
        **_run_context(dedupe_runs_for_actor(actor=request.user).first()),
    }
    return render(request, "people/duplicates/queue.html", context)


@require_POST
def duplicates_run_start(request: HttpRequest) -> HttpResponse:
    """Start a batch deduplication in the worker; the queue page then shows its progress."""
    organisation_id = _organisation_or_403(request)
    try:
        run = dedupe_run_start(actor=request.user, organisation_id=organisation_id)
    except RunBusy as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("duplicates_queue")
    if request.headers.get("HX-Request"):
        run.refresh_from_db()
        return render(request, "people/duplicates/_run_status.html", _run_context(run))
    return redirect("duplicates_run", public_id=run.public_id)


@require_GET
def duplicates_run(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A run's progress: htmx asks for the fragment every second until it is done."""
    try:
        run = dedupe_run_get(actor=request.user, public_id=str(public_id))
    except DedupeRun.DoesNotExist:
        raise Http404 from None
    context = _run_context(run)
    if request.headers.get("HX-Request"):
        return render(request, "people/duplicates/_run_status.html", context)
    return render(request, "people/duplicates/run.html", context)


def _identity(person: Person) -> dict[str, Any]:
    values = {field: getattr(person, field) for field in IDENTITY_FIELDS}
    values["id_documents"] = [
        " ".join(str(d.get(k, "")) for k in ("type", "number") if d.get(k))
        for d in values["id_documents"] or []
        if isinstance(d, dict)
    ]
    return values


@require_http_methods(["GET", "POST"])
def duplicate_pair(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Both records side by side, the explanation in words, and the decision (or the merge it led to)."""
    try:
        pair = duplicate_pair_get(actor=request.user, public_id=str(public_id))
    except DuplicatePair.DoesNotExist:
        raise Http404 from None
    merge = pair.merge
    form = PairDecisionForm(request.POST if request.method == "POST" and "decision" in request.POST else None)
    status = 200
    if request.method == "POST":
        review = request.POST.get("review")
        if review is not None:
            if review not in ("approve", "reject") or merge is None:
                return HttpResponse(status=400)
            if not person_merge_can_review(actor=request.user, merge=merge):
                raise PermissionDenied
            try:
                person_merge_review(actor=request.user, merge=merge, approve=review == "approve")
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Merged.") if review == "approve" else _("Merge rejected."))
            return redirect("duplicate_pair", public_id=pair.public_id)
        if form.is_valid():
            keep, choices = form.merge_choices()
            try:
                duplicate_pair_decide(
                    actor=request.user,
                    pair=pair,
                    decision=form.cleaned_data["decision"],
                    keep=keep,
                    field_choices=choices,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Decision recorded."))
                return redirect("duplicate_pair", public_id=pair.public_id)
        status = 400
    first, second = persons_with_keys([pair.first, pair.second])
    identity_rows_read(
        request=request,
        action="person.duplicate.viewed",
        rows=[ReadRow.of(first), ReadRow.of(second)],
        obj=pair,
    )
    context = {
        "pair": pair,
        "records": [(_("Record 1"), first, _identity(first)), (_("Record 2"), second, _identity(second))],
        "explanation": pair_explanation(pair),
        "form": form,
        "decidable": pair.status in (PairStatus.OPEN, PairStatus.UNSURE)
        and first.merged_into_id is None
        and second.merged_into_id is None,
        "merge": merge,
        "can_review": merge is not None
        and merge.status == MergeStatus.PROPOSED
        and person_merge_can_review(actor=request.user, merge=merge),
        "can_undo": merge is not None and person_merge_can_undo(actor=request.user, merge=merge),
    }
    return render(request, "people/duplicates/pair.html", context, status=status)
