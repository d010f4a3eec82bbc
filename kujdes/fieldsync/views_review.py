"""The review queue pages: the items of the units the reviewer works, and one item to decide."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.fieldsync.models import Form, ReviewItem, ReviewReason, ReviewState
from kujdes.fieldsync.review import (
    ReviewAlreadyDecided,
    review_candidates,
    review_decide,
    review_editable,
    review_item_get,
    review_items_for_actor,
    review_submission_values,
    review_units,
)

PAGE_SIZE = 50


def review_list(request: HttpRequest) -> HttpResponse:
    """The queue of the units the actor reviews, filtered by unit, reason, state and form; paged."""
    units = review_units(actor=request.user)
    if not units.exists():
        raise PermissionDenied
    items = review_items_for_actor(actor=request.user)
    unit_id = request.GET.get("unit", "")
    if unit_id:
        try:
            unit = units.get(public_id=unit_id)
        except (ValidationError, units.model.DoesNotExist):
            raise Http404 from None
        items = items.filter(unit=unit)
    reason = request.GET.get("reason", "")
    if reason in ReviewReason.values:
        items = items.filter(reason=reason)
    state = request.GET.get("state", ReviewState.OPEN)
    if state in ReviewState.values:
        items = items.filter(state=state)
    forms = Form.objects.filter(pk__in=items.values("submission__form_id")).order_by("title")
    form_id = request.GET.get("form", "")
    if form_id:
        try:
            items = items.filter(submission__form__public_id=form_id)
        except ValidationError:
            raise Http404 from None
    page = Paginator(items.order_by("-created_at"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "fieldsync/review_list.html",
        {
            "page": page,
            "units": units.order_by("path"),
            "reasons": ReviewReason.choices,
            "states": ReviewState.choices,
            "forms": forms,
            "selected": {"unit": unit_id, "reason": reason, "state": state, "form": form_id},
            "query": query.urlencode(),
        },
    )


def review_item(request: HttpRequest, public_id: str) -> HttpResponse:
    """One item: the submission's values (an audited read) beside the candidates; POST decides."""
    try:
        item = review_item_get(actor=request.user, public_id=public_id)
    except (ReviewItem.DoesNotExist, ValidationError):
        raise Http404 from None
    status = 200
    if request.method == "POST":
        corrected: dict[str, str] = {
            name[len("value_") :]: str(value)
            for name, value in request.POST.items()
            if name.startswith("value_")
        }
        try:
            review_decide(
                actor=request.user,
                item=item,
                decision=request.POST.get("decision", ""),
                note=request.POST.get("note", ""),
                linked=request.POST.get("linked", ""),
                values=corrected,
            )
        except ReviewAlreadyDecided as exc:
            who = exc.item.decided_by.username if exc.item.decided_by else _("someone else")
            messages.error(
                request,
                _("%(who)s decided this item meanwhile (%(state)s); nothing was changed.")
                % {"who": who, "state": exc.item.get_state_display()},
            )
            status = 409
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            status = 400
        except ReviewItem.DoesNotExist:
            raise Http404 from None
        else:
            item.refresh_from_db()
            if item.state == ReviewState.OPEN:
                messages.warning(request, _("The corrected values still need a review."))
            else:
                messages.success(request, _("Decision recorded."))
            return redirect("fieldsync_review_item", public_id=item.public_id)
        item = review_item_get(actor=request.user, public_id=public_id)
    values = review_submission_values(actor=request.user, item=item)
    candidates = review_candidates(actor=request.user, item=item)
    if candidates:
        with transaction.atomic():
            audit_record(
                actor=request.user,
                organisation=item.organisation_id,
                action="person.duplicate_candidates.viewed",
                obj=item,
                unit=item.unit,
                details={"persons": [str(p.public_id) for p in candidates]},
            )
    editable = [(name, values.get(name, "")) for name in review_editable(item) if name in values]
    detail = item.detail or {}
    return render(
        request,
        "fieldsync/review_item.html",
        {
            "item": item,
            "submission": item.submission,
            "values": sorted(values.items()),
            "candidates": candidates,
            "hidden_candidates": max(0, len(detail.get("candidates", [])) - len(candidates)),
            "elsewhere": detail.get("elsewhere", False),
            "fields": detail.get("fields", []),
            "refusals": detail.get("messages", []),
            "editable": editable,
            "can_link": item.reason in (ReviewReason.POSSIBLE_DUPLICATE, ReviewReason.UNKNOWN_PERSON),
            "can_accept": item.reason not in (ReviewReason.UNKNOWN_PERSON, ReviewReason.NOT_ALLOWED),
            "is_open": item.state == ReviewState.OPEN,
        },
        status=status,
    )
