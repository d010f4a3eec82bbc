"""The field-capture pages: forms (upload, state, media) for administrators, phones for everyone."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any, cast

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from kujdes.accounts.reauth import reauthentication_required
from kujdes.core.audit import audit_record
from kujdes.core.files import attachment_response
from kujdes.core.forms import form_add_validation_error
from kujdes.core.models import Unit
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm, units_for_actor
from kujdes.fieldsync.exports import submissions_export, submissions_filtered
from kujdes.fieldsync.forms import DeviceForm, FormStateForm, FormUploadForm, MediaUploadForm
from kujdes.fieldsync.mapping.records import InstanceData
from kujdes.fieldsync.models import Device, Form, Submission, SubmissionAttachment, SubmissionState
from kujdes.fieldsync.selectors import (
    devices_for_actor,
    form_get_for_actor,
    forms_for_actor,
    submission_get_for_actor,
    submissions_of_form,
)
from kujdes.fieldsync.services import (
    device_create,
    device_revoke,
    form_encrypt,
    form_media_attach,
    form_publish,
    form_state_set,
)
from kujdes.fieldsync.stats import device_stats, form_devices
from kujdes.fieldsync.xlsform import XLSFormError

XLSFORM_MAX_BYTES = 5_000_000
SUBMISSIONS_PER_PAGE = 50


def _unit_choices(request: HttpRequest, perm: Perm | None) -> list[tuple[str, str]]:
    return [(str(u.public_id), str(u)) for u in units_for_actor(actor=request.user, perm=perm)]


def form_list_page(request: HttpRequest) -> HttpResponse:
    if not actor_has_perm(actor=request.user, perm=Perm.ORGANISATION_CONFIGURE):
        raise PermissionDenied
    choices = _unit_choices(request, Perm.ORGANISATION_CONFIGURE)
    upload = FormUploadForm(request.POST or None, request.FILES or None, unit_choices=choices)
    problems: list[str] = []
    if request.method == "POST" and upload.is_valid():
        file = upload.cleaned_data["xlsform"]
        units = list(
            units_for_actor(actor=request.user, perm=Perm.ORGANISATION_CONFIGURE).filter(
                public_id__in=upload.cleaned_data["units"]
            )
        )
        if file.size > XLSFORM_MAX_BYTES:
            upload.add_error("xlsform", _("The file is too large (limit %(mb)s MB).") % {"mb": 5})
        else:
            try:
                version = form_publish(
                    actor=request.user,
                    data=file.read(),
                    filename=file.name,
                    units=units,
                    roles=upload.cleaned_data["roles"],
                )
            except XLSFormError as exc:
                problems = exc.messages
            except ValidationError as exc:
                form_add_validation_error(upload, exc)
            else:
                messages.success(
                    request,
                    _("Version “%(version)s” of “%(title)s” is published.")
                    % {"version": version.version, "title": version.form.title},
                )
                for warning in version.warnings:
                    messages.warning(request, warning)
                return redirect("fieldsync_form", public_id=version.form.public_id)
    return render(
        request,
        "fieldsync/form_list.html",
        {"forms": forms_for_actor(actor=request.user), "upload": upload, "problems": problems},
    )


def form_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        form = form_get_for_actor(actor=request.user, public_id=public_id)
    except Form.DoesNotExist:
        raise Http404 from None
    state_form = FormStateForm(
        request.POST if request.POST.get("action") == "state" else None, initial={"state": form.state}
    )
    media_form = MediaUploadForm(
        request.POST if request.POST.get("action") == "media" else None,
        request.FILES if request.POST.get("action") == "media" else None,
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "state" and state_form.is_valid():
                form_state_set(actor=request.user, form=form, state=state_form.cleaned_data["state"])
                messages.success(
                    request, _("The form is now “%(state)s”.") % {"state": form.get_state_display()}
                )
                return redirect("fieldsync_form", public_id=form.public_id)
            if request.POST.get("action") == "media" and media_form.is_valid():
                file = media_form.cleaned_data["file"]
                form_media_attach(actor=request.user, form=form, filename=file.name, data=file.read())
                messages.success(request, _("The file “%(name)s” is attached.") % {"name": file.name})
                return redirect("fieldsync_form", public_id=form.public_id)
        except ValidationError as exc:
            target = media_form if request.POST.get("action") == "media" else state_form
            form_add_validation_error(target, exc)
    version = form.current_version
    return render(
        request,
        "fieldsync/form_detail.html",
        {
            "form": form,
            "version": version,
            "versions": form.versions.all(),
            "media": version.media.all() if version else [],
            "publications": form.publications.select_related("unit"),
            "state_form": state_form,
            "media_form": media_form,
            "submission_count": form.submissions.count(),
            "device_stats": device_stats(devices=form_devices(form=form), form=form),
        },
    )


def _collect_settings_qr(server_url: str, name: str) -> str:
    """ODK Collect's settings QR code: zlib-compressed JSON in base64, as an inline SVG."""
    settings_json = {
        "general": {
            "server_url": server_url,
            "form_update_mode": "match_exactly",
            "autosend": "wifi_and_cellular",
        },
        "admin": {},
        "project": {"name": f"Kujdes · {name}", "icon": "K"},
    }
    payload = base64.b64encode(zlib.compress(json.dumps(settings_json).encode())).decode()
    image = qrcode.make(payload, image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def device_list_page(request: HttpRequest) -> HttpResponse:
    """Your phones (and, for administrators, their organisation's): add one, see its QR code once."""
    choices = _unit_choices(request, None)
    if not choices:
        raise PermissionDenied
    create = DeviceForm(request.POST or None, unit_choices=choices)
    created = None
    if request.method == "POST" and create.is_valid():
        unit = units_for_actor(actor=request.user, perm=None).get(public_id=create.cleaned_data["unit"])
        try:
            device, token = device_create(
                actor=request.user, user=request.user, unit=unit, name=create.cleaned_data["name"]
            )
        except ValidationError as exc:
            form_add_validation_error(create, exc)
        else:
            url = request.build_absolute_uri(reverse("openrosa_key_root", kwargs={"token": token}))
            created = {"device": device, "url": url, "qr": _collect_settings_qr(url, device.name)}
            create = DeviceForm(unit_choices=choices)
    devices = list(devices_for_actor(actor=request.user))
    return render(
        request,
        "fieldsync/device_list.html",
        {
            "devices": devices,
            "create": create,
            "created": created,
            "stats": device_stats(devices=devices),
        },
    )


@require_POST
def device_revoke_view(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        device = devices_for_actor(actor=request.user).get(public_id=public_id)
    except Device.DoesNotExist:
        raise Http404 from None
    device_revoke(actor=request.user, device=device)
    messages.success(request, _("The phone “%(name)s” can no longer connect.") % {"name": device.name})
    return redirect("fieldsync_devices")


class SubmissionFilterForm(forms.Form):
    """The submissions table's filters (the exports take the same ones)."""

    state = forms.ChoiceField(label=_l("State"), required=False)
    version = forms.ChoiceField(label=_l("Version"), required=False)
    unit = forms.ChoiceField(label=_l("Unit"), required=False)
    device = forms.ChoiceField(label=_l("Phone"), required=False)
    submitted_from = forms.DateField(
        label=_l("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    submitted_to = forms.DateField(
        label=_l("Received until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, form: Form, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        cast(forms.ChoiceField, self.fields["state"]).choices = every + list(SubmissionState.choices)
        cast(forms.ChoiceField, self.fields["version"]).choices = every + [
            (str(v.public_id), v.version) for v in form.versions.all().only("public_id", "version")
        ]
        units = Unit.objects.filter(
            pk__in=Submission.objects.filter(form=form).values("unit_id").distinct()
        ).order_by("path")
        cast(forms.ChoiceField, self.fields["unit"]).choices = every + [
            (str(u.public_id), str(u)) for u in units
        ]
        devices = Device.objects.filter(
            pk__in=Submission.objects.filter(form=form, device__isnull=False).values("device_id").distinct()
        ).order_by("name")
        cast(forms.ChoiceField, self.fields["device"]).choices = every + [
            (str(d.public_id), d.name) for d in devices
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("submitted_from"), cleaned.get("submitted_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The first date is after the last one."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The chosen filters (nothing when the form is not valid: the table shows a message)."""
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


def _form_for_submissions(request: HttpRequest, public_id: str) -> Form:
    try:
        return form_get_for_actor(actor=request.user, public_id=public_id)
    except Form.DoesNotExist:
        raise Http404 from None


def _filtered(
    request: HttpRequest, form: Form, data: Any
) -> tuple[SubmissionFilterForm, Any, dict[str, Any]]:
    filter_form = SubmissionFilterForm(data, form=form)
    filters = filter_form.filters()
    submissions = submissions_filtered(
        submissions=submissions_of_form(actor=request.user, form=form), **filters
    )
    # For the audit: ids and dates only, never a value of a submission.
    audited = {k: (v.isoformat() if hasattr(v, "isoformat") else str(v)) for k, v in filters.items()}
    return filter_form, submissions, audited


def submission_list_page(request: HttpRequest, public_id: str) -> HttpResponse:
    """A form's submissions, newest first, filtered and paged (metadata only: opening one is the
    audited read); the filtered list can be exported as CSV or XLSX."""
    form = _form_for_submissions(request, public_id)
    filter_form, submissions, _audited = _filtered(request, form, request.GET or None)
    paginator = Paginator(submissions, SUBMISSIONS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "fieldsync/submission_list.html",
        {
            "form": form,
            "page": page,
            "filter_form": filter_form,
            "query": query.urlencode(),
            "export_filters": [(k, v) for k in query for v in query.getlist(k)],
            "export_formats": [
                ("csv", _("CSV (a ZIP of CSV files when the form has repeat groups)")),
                ("xlsx", _("Spreadsheet (XLSX), one sheet per repeat group")),
            ],
        },
    )


@require_POST
@reauthentication_required
def submission_export(request: HttpRequest, public_id: str) -> HttpResponseBase:
    """The filtered submissions as CSV (a ZIP of CSVs when the form has repeat groups) or XLSX,
    laid out as ODK Central does; streamed, watermarked, audited."""
    form = _form_for_submissions(request, public_id)
    export_format = request.POST.get("format", "")
    if export_format not in ("csv", "xlsx"):
        messages.error(request, _("Choose CSV or XLSX."))
        return redirect("fieldsync_submissions", public_id=form.public_id)
    filter_form, submissions, audited = _filtered(request, form, request.POST)
    if filter_form.errors:
        messages.error(request, _("Correct the filters, then export again."))
        return redirect("fieldsync_submissions", public_id=form.public_id)
    return submissions_export(
        actor=request.user, form=form, submissions=submissions, export_format=export_format, filters=audited
    )


def submission_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """One submission's data and attachments: a read of what may be personal data, audited."""
    try:
        submission = submission_get_for_actor(actor=request.user, public_id=public_id)
    except Submission.DoesNotExist:
        raise Http404 from None
    with transaction.atomic():
        audit_record(
            actor=request.user,
            organisation=submission.organisation_id,
            action="fieldsync.submission.viewed",
            obj=submission,
            unit=submission.unit,
        )
    try:
        values = list(InstanceData.of(submission).values().items())
    except Exception:  # not XML any more: the raw text below still shows what arrived
        values = []
    return render(
        request,
        "fieldsync/submission_detail.html",
        {"submission": submission, "attachments": submission.attachments.all(), "values": values},
    )


def submission_attachment(request: HttpRequest, public_id: str, attachment_id: str) -> HttpResponseBase:
    """A file sent with a submission, decrypted as it streams; audited. Another unit's or
    organisation's submission answers 404, like a missing one."""
    try:
        submission = submission_get_for_actor(actor=request.user, public_id=public_id)
        attachment = submission.attachments.get(public_id=attachment_id)
    except (Submission.DoesNotExist, SubmissionAttachment.DoesNotExist):
        raise Http404 from None
    with transaction.atomic():
        audit_record(
            actor=request.user,
            organisation=submission.organisation_id,
            action="fieldsync.attachment.downloaded",
            obj=submission,
            unit=submission.unit,
            details={"attachment": str(attachment.public_id), "size": attachment.size},
        )
    return attachment_response(
        handle=submission.encryption_handle(),
        file_id=attachment.file_id,
        content_type=attachment.content_type or "application/octet-stream",
        filename=attachment.filename,
    )


@reauthentication_required
def form_encrypt_view(request: HttpRequest, public_id: str) -> HttpResponse:
    """Mark a form encrypted: a page that says what it means (GET), then, confirmed and after a
    fresh re-authentication (a key operation), the new key and version (POST). Administrators of the
    form's organisation only; anyone else gets 404."""
    try:
        form = form_get_for_actor(actor=request.user, public_id=public_id)
    except Form.DoesNotExist:
        raise Http404 from None
    problem = ""
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            problem = _("Tick the box to confirm that phones will encrypt what they send.")
        else:
            try:
                version = form_encrypt(actor=request.user, form=form)
            except ValidationError as exc:
                problem = " ".join(exc.messages)
            else:
                messages.success(
                    request,
                    _("The form is encrypted. Phones download version “%(version)s” at their next update.")
                    % {"version": version.version},
                )
                return redirect("fieldsync_form", public_id=form.public_id)
    return render(request, "fieldsync/form_encrypt.html", {"form": form, "problem": problem})
