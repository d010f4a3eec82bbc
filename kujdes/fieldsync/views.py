"""The field-capture pages: forms (upload, state, media) for administrators, phones for everyone."""

from __future__ import annotations

import base64
import json
import zlib

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kujdes.accounts.reauth import reauthentication_required
from kujdes.core.audit import audit_record
from kujdes.core.forms import form_add_validation_error
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm, units_for_actor
from kujdes.fieldsync.forms import DeviceForm, FormStateForm, FormUploadForm, MediaUploadForm
from kujdes.fieldsync.models import Device, Form, Submission
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
from kujdes.fieldsync.xlsform import XLSFormError

XLSFORM_MAX_BYTES = 5_000_000


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
    return render(
        request,
        "fieldsync/device_list.html",
        {"devices": devices_for_actor(actor=request.user), "create": create, "created": created},
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


def submission_list_page(request: HttpRequest, public_id: str) -> HttpResponse:
    """A form's submissions, newest first (metadata only: opening one is the audited read)."""
    try:
        form = form_get_for_actor(actor=request.user, public_id=public_id)
    except Form.DoesNotExist:
        raise Http404 from None
    paginator = Paginator(submissions_of_form(actor=request.user, form=form), 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "fieldsync/submission_list.html", {"form": form, "page": page})


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
    return render(
        request,
        "fieldsync/submission_detail.html",
        {"submission": submission, "attachments": submission.attachments.all()},
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
