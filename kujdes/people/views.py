"""The data protection officer's pages: retention decisions, legal holds, subject-access exports."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.accounts.reauth import reauthentication_required
from kujdes.core.audit import audit_record
from kujdes.core.files import EXTENSIONS, attachment_response
from kujdes.core.forms import form_add_validation_error
from kujdes.core.roles import Perm
from kujdes.core.selectors import organisations_for_actor
from kujdes.people.models import Person, PersonFile, RetentionDue, RetentionRecordType
from kujdes.people.retention import (
    legal_hold_active,
    legal_hold_place,
    retention_due_for_actor,
    retention_erase_confirm,
    retention_rule_set,
)
from kujdes.people.selectors import (
    person_file_get,
    person_get_for_officer,
    persons_with_keys,
    retention_rules_for_actor,
)
from kujdes.people.subject_access import subject_access_export

RETENTION_PAGE_SIZE = 50


class RetentionRuleForm(forms.Form):
    record_type = forms.ChoiceField(label=gettext_lazy("Record type"), choices=RetentionRecordType.choices)
    keep_for_days = forms.IntegerField(label=gettext_lazy("Keep for (days)"), min_value=30, max_value=36500)
    basis = forms.CharField(label=gettext_lazy("Legal basis or policy"), max_length=300, required=False)


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
    try:
        return person_get_for_officer(actor=request.user, public_id=str(public_id))
    except Person.DoesNotExist:
        raise Http404 from None


def _retention_page(request: HttpRequest, form: RetentionRuleForm, status: int = 200) -> HttpResponse:
    rules = retention_rules_for_actor(actor=request.user)
    # Paged: after a first retention run an organisation may have thousands of records due.
    page = Paginator(retention_due_for_actor(actor=request.user), RETENTION_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"items": page.object_list, "page": page, "rules": rules, "form": form}
    return render(request, "people/retention_list.html", context, status=status)


@require_GET
def retention_list(request: HttpRequest) -> HttpResponse:
    _require_officer(request)
    return _retention_page(request, RetentionRuleForm(initial={"keep_for_days": 1825}))


@require_POST
def retention_rule_save(request: HttpRequest) -> HttpResponse:
    """Set a retention period for the officer's organisation (the first, if they serve several)."""
    _require_officer(request)
    form = RetentionRuleForm(request.POST)
    if not form.is_valid():
        return _retention_page(request, form, status=400)
    organisation = (
        organisations_for_actor(actor=request.user, perm=Perm.ERASURE_MANAGE).order_by("pk").first()
    )
    try:
        retention_rule_set(actor=request.user, organisation=organisation, **form.cleaned_data)
    except ValidationError as exc:
        form_add_validation_error(form, exc)
        return _retention_page(request, form, status=400)
    messages.success(request, _("Retention period saved."))
    return redirect("retention_list")


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


@require_GET
def person_file_download(request: HttpRequest, public_id: str) -> HttpResponse:
    """A person's document or photo, as an attachment; every download is audited."""
    try:
        stored = person_file_get(actor=request.user, public_id=str(public_id))
    except PersonFile.DoesNotExist:
        raise Http404 from None
    with transaction.atomic():
        audit_record(
            actor=request.user,
            organisation=stored.organisation_id,
            action="person.file.downloaded",
            obj=stored.person,
            details={"file": str(stored.public_id)},
        )
    handle = persons_with_keys([stored.person])[0].encryption_handle()
    return attachment_response(
        handle=handle,
        file_id=stored.public_id,
        content_type=stored.content_type,
        filename=f"{stored.kind}-{stored.public_id.hex[:8]}.{EXTENSIONS.get(stored.content_type, 'bin')}",
    )
