"""The data protection officer's pages: retention decisions, legal holds, subject-access exports."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kujdes.accounts.reauth import reauthentication_required
from kujdes.core.roles import Perm
from kujdes.core.selectors import organisations_for_actor
from kujdes.people.models import Person, RetentionDue
from kujdes.people.retention import (
    legal_hold_active,
    legal_hold_place,
    retention_due_for_actor,
    retention_erase_confirm,
)
from kujdes.people.subject_access import subject_access_export


class LegalHoldForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why must the records be kept?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _require_officer(request: HttpRequest) -> None:
    if not organisations_for_actor(actor=request.user, perm=Perm.ERASURE_MANAGE).exists():
        raise PermissionDenied


def _due_or_404(request: HttpRequest, public_id: str) -> RetentionDue:
    try:
        return retention_due_for_actor(actor=request.user).get(public_id=public_id)
    except RetentionDue.DoesNotExist:
        raise Http404 from None


def _officer_person_or_404(request: HttpRequest, public_id: str) -> Person:
    organisations = organisations_for_actor(actor=request.user, perm=Perm.ERASURE_MANAGE)
    try:
        return Person.objects.select_related("unit").get(public_id=public_id, organisation__in=organisations)
    except Person.DoesNotExist:
        raise Http404 from None


@require_GET
def retention_list(request: HttpRequest) -> HttpResponse:
    _require_officer(request)
    return render(
        request, "people/retention_list.html", {"items": retention_due_for_actor(actor=request.user)}
    )


@require_http_methods(["GET", "POST"])
def retention_confirm(request: HttpRequest, public_id: str) -> HttpResponse:
    _require_officer(request)
    due = _due_or_404(request, public_id)
    if request.method == "POST":
        try:
            retention_erase_confirm(actor=request.user, due=due)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The person's identity was erased; the anonymous figures remain."))
        return redirect("retention_list")
    hold = legal_hold_active(person=due.person)
    return render(request, "people/retention_confirm.html", {"due": due, "hold": hold})


retention_confirm = reauthentication_required(retention_confirm)


@require_http_methods(["GET", "POST"])
def legal_hold_add(request: HttpRequest, public_id: str) -> HttpResponse:
    _require_officer(request)
    person = _officer_person_or_404(request, public_id)
    form = LegalHoldForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        legal_hold_place(actor=request.user, person=person, reason=form.cleaned_data["reason"])
        messages.success(
            request, _("Legal hold placed: these records will not be erased until it is lifted.")
        )
        return redirect("retention_list")
    return render(
        request,
        "people/legal_hold_form.html",
        {"form": form, "person": person},
        status=400 if form.errors else 200,
    )


@require_GET
def subject_access(request: HttpRequest, public_id: str) -> HttpResponse:
    _require_officer(request)
    person = _officer_person_or_404(request, public_id)
    archive, filename = subject_access_export(actor=request.user, person=person)
    return FileResponse(archive, as_attachment=True, filename=filename, content_type="application/zip")


subject_access = reauthentication_required(subject_access, allow_get=False)
