"""The OpenRosa 1.0 server ODK Collect and KoboCollect talk to: formList, form download, manifest,
media and submission.

Two ways in, as in ODK Central: a device token in the path (`/openrosa/key/<token>/…`), or HTTP Basic
with the user's password over HTTPS where the user's organisation allows it (a phone cannot enter a
one-time code per request). Every answer carries `X-OpenRosa-Version: 1.0` and `Date`; refusals are
OpenRosaResponse XML with a message the phone shows. Another unit's form is answered as a missing one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from kujdes.accounts.models import User
from kujdes.core.audit import audit_record
from kujdes.core.scoping import tenant_scope, user_lookup_scope
from kujdes.fieldsync.models import Form, FormMedia, FormState
from kujdes.fieldsync.receiving import (
    Attachment,
    SubmissionRefused,
    instance_header_read,
    submission_receive,
)
from kujdes.fieldsync.selectors import (
    Principal,
    form_for_principal,
    form_version_media,
    forms_for_principal,
    principal_for_device,
    principal_for_user,
)
from kujdes.fieldsync.services import basic_auth_allowed, device_authenticate, device_contact_record
from kujdes.fieldsync.shipped import generated_media_build, generated_media_names

XML = "text/xml; charset=utf-8"
RESPONSE_NS = "http://openrosa.org/http/response"
XFORMS_LIST_NS = "http://openrosa.org/xforms/xformsList"
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"
# Requests per minute for one token, user name or address: far above a phone sending a day's work.
RATE_PER_MINUTE = 300
PASSWORD_FAILURES = 10


def submission_max_bytes() -> int:
    return int(getattr(settings, "FIELDSYNC_SUBMISSION_MAX_BYTES", 10_000_000))


def _headers(response: HttpResponse) -> HttpResponse:
    response["X-OpenRosa-Version"] = "1.0"
    response["Date"] = http_date()
    return response


def openrosa_message(status: int, message: str, *, nature: str = "error") -> HttpResponse:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<OpenRosaResponse xmlns="{RESPONSE_NS}"><message nature="{nature}">{escape(message)}</message>'
        "</OpenRosaResponse>"
    )
    return _headers(HttpResponse(body, status=status, content_type=XML))


def _unauthorised(message: str, *, challenge: bool) -> HttpResponse:
    response = openrosa_message(401, message)
    if challenge:
        response["WWW-Authenticate"] = 'Basic realm="Kujdes", charset="UTF-8"'
    return response


def _rate_limited(key: str) -> bool:
    cache_key = f"fieldsync:rate:{key}"
    cache.add(cache_key, 0, timeout=60)
    try:
        return cache.incr(cache_key) > RATE_PER_MINUTE
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=60)
        return False


def _client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


@contextmanager
def _principal(request: HttpRequest, token: str | None) -> Iterator[Principal | HttpResponse]:
    """Who is asking, inside their organisation's scope; or the refusal to send back."""
    if token is not None:
        if _rate_limited("token:" + token[:16]):
            yield openrosa_message(429, _("Too many requests. Wait a minute and try again."))
            return
        device = device_authenticate(token=token)
        if device is None:
            yield _unauthorised(
                _("This phone's access was revoked or has expired. Ask for a new QR code."), challenge=False
            )
            return
        with tenant_scope(organisation_ids=[device.organisation_id], user_id=device.user_id):
            principal = principal_for_device(device=device)
            if principal is None:
                yield openrosa_message(403, _("This phone's user no longer works at its unit."))
                return
            device_contact_record(device=device)
            yield principal
        return
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.lower().startswith("basic "):
        yield _unauthorised(_("Sign in with your user name and password."), challenge=True)
        return
    if not request.is_secure():
        yield openrosa_message(403, _("Passwords are accepted only over HTTPS."))
        return
    try:
        username, _sep, password = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        yield _unauthorised(_("Sign in with your user name and password."), challenge=True)
        return
    failures_key = f"fieldsync:basic-failures:{username.lower()}"
    if (
        _rate_limited("address:" + _client_address(request))
        or (cache.get(failures_key) or 0) >= PASSWORD_FAILURES
    ):
        yield openrosa_message(429, _("Too many requests. Wait a minute and try again."))
        return
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None or not user.check_password(password):
        cache.add(failures_key, 0, timeout=900)
        cache.incr(failures_key)
        yield _unauthorised(_("The user name or password is wrong."), challenge=True)
        return
    if user.organisation_id is None:
        yield openrosa_message(403, _("This account cannot use field forms."))
        return
    with user_lookup_scope(user_id=user.pk):
        from kujdes.core.selectors import membership_organisation_ids

        organisation_ids = membership_organisation_ids(user=user)
    if user.organisation_id not in organisation_ids:
        yield openrosa_message(403, _("This account cannot use field forms."))
        return
    with tenant_scope(organisation_ids=[user.organisation_id], user_id=user.pk):
        if not basic_auth_allowed(organisation_id=user.organisation_id):
            yield openrosa_message(
                403, _("Your organisation does not allow passwords on phones. Use the QR code of a device.")
            )
            return
        principal = principal_for_user(user=user)
        if principal is None:
            yield openrosa_message(403, _("This account cannot use field forms."))
            return
        yield principal


def _base(request: HttpRequest, token: str | None) -> str:
    """The absolute URL prefix of this way in, for the links formList and the manifest give."""
    path = reverse("openrosa_key_root", kwargs={"token": token}) if token else reverse("openrosa_root")
    return request.build_absolute_uri(path)


def _openrosa_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapper(request: HttpRequest, *args: Any, token: str | None = None, **kwargs: Any) -> HttpResponse:
        with _principal(request, token) as principal:
            if isinstance(principal, HttpResponse):
                return principal
            return _headers(view(request, principal, *args, token=token, **kwargs))

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return csrf_exempt(login_not_required(wrapper))


def _form_missing(xml_form_id: str) -> HttpResponse:
    return openrosa_message(
        404, _("This server has no form “%(form)s” for you.") % {"form": xml_form_id[:100]}
    )


@_openrosa_view
def form_list(request: HttpRequest, principal: Principal, *, token: str | None) -> HttpResponse:
    """The forms this phone may download (open ones only: a closing form takes no new downloads)."""
    if request.method not in ("GET", "HEAD"):
        return openrosa_message(405, _("Use GET."))
    forms = (
        forms_for_principal(principal=principal)
        .filter(state=FormState.OPEN)
        .select_related("current_version")
        # Not the XForms and XLSForms themselves: a list of 100 forms would read megabytes.
        .only(
            "xml_form_id",
            "title",
            "current_version__version",
            "current_version__xform_hash",
            "current_version__media_expected",
        )
    )
    wanted = request.GET.get("formID")
    if wanted:
        forms = forms.filter(xml_form_id=wanted)
    with_media = set(
        FormMedia.objects.filter(form_version__in=[f.current_version_id for f in forms]).values_list(
            "form_version_id", flat=True
        )
    )
    base = _base(request, token)
    generated = generated_media_names()
    items = []
    for form in forms:
        version = form.current_version
        assert version is not None
        form_url = f"{base}forms/{escape(form.xml_form_id)}"
        has_media = version.pk in with_media or bool(generated.intersection(version.media_expected))
        manifest = f"<manifestUrl>{form_url}/manifest</manifestUrl>" if has_media else ""
        items.append(
            "<xform>"
            f"<formID>{escape(form.xml_form_id)}</formID>"
            f"<name>{escape(form.title)}</name>"
            f"<version>{escape(version.version)}</version>"
            f"<hash>{version.xform_hash}</hash>"
            f"<downloadUrl>{form_url}/form.xml</downloadUrl>"
            f"{manifest}"
            "</xform>"
        )
    body = f'<?xml version="1.0" encoding="UTF-8"?><xforms xmlns="{XFORMS_LIST_NS}">{"".join(items)}</xforms>'
    return HttpResponse(body, content_type=XML)


def _downloadable(principal: Principal, xml_form_id: str) -> Form | None:
    try:
        form = form_for_principal(principal=principal, xml_form_id=xml_form_id)
    except Form.DoesNotExist:
        return None
    return form if form.state == FormState.OPEN else None


@_openrosa_view
def form_download(
    request: HttpRequest, principal: Principal, xml_form_id: str, *, token: str | None
) -> HttpResponse:
    form = _downloadable(principal, xml_form_id)
    if form is None or form.current_version is None:
        return _form_missing(xml_form_id)
    with transaction.atomic():
        audit_record(
            actor=principal.user,
            organisation=form.organisation_id,
            action="fieldsync.form.downloaded",
            obj=form,
            unit=principal.home_unit,
            details={"version": form.current_version.version, "device": principal.device is not None},
        )
    return HttpResponse(form.current_version.xform.encode(), content_type=XML)


def _generated_names(form: Form, *, exclude: set[str]) -> list[str]:
    """Generated lists (kujdes.fieldsync.shipped.media) the form's current version names.

    An uploaded media file of the same name wins: an administrator who attached their own
    participants.csv to a form meant that file. The generated bytes are made for the asking phone's
    units and user each time, so the manifest's md5 changes exactly when the list does.
    """
    version = form.current_version
    if version is None:
        return []
    generated = generated_media_names()
    return sorted(name for name in version.media_expected if name in generated and name not in exclude)


@_openrosa_view
def form_manifest(
    request: HttpRequest, principal: Principal, xml_form_id: str, *, token: str | None
) -> HttpResponse:
    form = _downloadable(principal, xml_form_id)
    if form is None or form.current_version is None:
        return _form_missing(xml_form_id)
    base = _base(request, token)
    listed = [
        (media.filename, media.md5)
        for media in form_version_media(version=form.current_version).only("filename", "md5")
    ]
    uploaded = {filename for filename, _md5 in listed}
    for filename in _generated_names(form, exclude=uploaded):
        data = generated_media_build(filename=filename, units=principal.units, user=principal.user)
        if data is not None:
            listed.append((filename, hashlib.md5(data, usedforsecurity=False).hexdigest()))
    files = []
    for filename, md5 in sorted(listed):
        files.append(
            "<mediaFile>"
            f"<filename>{escape(filename)}</filename>"
            f"<hash>md5:{md5}</hash>"
            f"<downloadUrl>{base}forms/{escape(form.xml_form_id)}/media/{escape(filename)}</downloadUrl>"
            "</mediaFile>"
        )
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><manifest xmlns="{MANIFEST_NS}">{"".join(files)}</manifest>'
    )
    return HttpResponse(body, content_type=XML)


@_openrosa_view
def form_media(
    request: HttpRequest, principal: Principal, xml_form_id: str, filename: str, *, token: str | None
) -> HttpResponse:
    form = _downloadable(principal, xml_form_id)
    media = (
        None
        if form is None or form.current_version is None
        else form_version_media(version=form.current_version).filter(filename=filename).first()
    )
    if media is None and form is not None and filename in _generated_names(form, exclude=set()):
        data = generated_media_build(filename=filename, units=principal.units, user=principal.user)
        if data is not None:
            response = HttpResponse(data, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
    if media is None:
        return openrosa_message(404, _("This form has no file “%(name)s”.") % {"name": filename[:100]})
    response = HttpResponse(bytes(media.data), content_type=media.content_type)
    response["Content-Disposition"] = f'attachment; filename="{media.filename}"'
    return response


def _probe(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(status=204)
    response["X-OpenRosa-Accept-Content-Length"] = str(submission_max_bytes())
    response["Location"] = request.build_absolute_uri()
    return response


def _chunked_body(request: HttpRequest, limit: int) -> bytes | None:
    """A body sent with chunked transfer encoding (the server hands it over de-chunked, with no
    Content-Length, which Django reads as empty): read it ourselves, up to the limit. None: too big."""
    stream = request.META["wsgi.input"]
    parts, size = [], 0
    while True:
        chunk = stream.read(64 * 1024)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)


def _multipart(request: HttpRequest) -> tuple[Any, Any] | HttpResponse:
    """(fields, files) of the submission, or the response that refuses it."""
    limit = submission_max_bytes()
    too_big = openrosa_message(
        413,
        _("The submission is larger than this server accepts (%(mb)s MB).")
        % {"mb": round(limit / 1_000_000, 1)},
    )
    length = request.META.get("CONTENT_LENGTH") or ""
    chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower() or request.META.get(
        "wsgi.input_terminated"
    )
    try:
        if not length and chunked:
            body = _chunked_body(request, limit)
            if body is None:
                return too_big
            if not body:
                return _probe(request)
            meta = {**request.META, "CONTENT_LENGTH": str(len(body))}
            parser = MultiPartParser(meta, io.BytesIO(body), request.upload_handlers, request.encoding)
            return parser.parse()
        if not length or int(length) == 0:
            return _probe(request)
        if int(length) > limit:
            return too_big
        return request.POST, request.FILES
    except (MultiPartParserError, ValueError):
        return openrosa_message(400, _("The submission is not a well-formed multipart/form-data request."))
    except RequestDataTooBig:
        return too_big


def _refusal_audit(principal: Principal, response: HttpResponse, *, form_id: str = "") -> HttpResponse:
    """A refused submission (4xx) is audited with its status and form id, never its content: the
    device and form pages count failures from these events."""
    if response.status_code >= 400:
        with transaction.atomic():
            audit_record(
                actor=principal.user,
                organisation=principal.organisation_id,
                action="fieldsync.submission.refused",
                obj=principal.device,
                unit=principal.home_unit,
                details={"status": response.status_code, "form": form_id[:100]},
            )
    return response


@_openrosa_view
def submission(request: HttpRequest, principal: Principal, *, token: str | None) -> HttpResponse:
    """HEAD (or an empty POST): 204 with the size limit. POST: store the instance and its attachments."""
    if request.method == "HEAD" or request.method == "GET":
        # Collect probes with HEAD; some older clients with an empty GET.
        return _probe(request)
    if request.method != "POST":
        return openrosa_message(405, _("Use POST."))
    parsed = _multipart(request)
    if isinstance(parsed, HttpResponse):
        return _refusal_audit(principal, parsed)
    fields, files = parsed
    upload = files.get("xml_submission_file")
    if upload is not None:
        xml = upload.read()
    elif fields.get("xml_submission_file"):
        xml = fields["xml_submission_file"].encode()
    else:
        return _refusal_audit(
            principal, openrosa_message(400, _("The request has no xml_submission_file part."))
        )
    attachments = [
        Attachment(
            filename=f.name or name,
            content_type=f.content_type or "application/octet-stream",
            size=f.size,
            stream=f,
        )
        for name, items in files.lists()
        if name != "xml_submission_file"
        for f in items
    ]
    incomplete = (fields.get("*isIncomplete*") or "").lower() == "yes"
    try:
        _stored, _created = submission_receive(
            principal=principal, xml=xml, attachments=attachments, incomplete=incomplete
        )
    except SubmissionRefused as refused:
        try:
            form_id = instance_header_read(xml).xml_form_id
        except SubmissionRefused:
            form_id = ""
        return _refusal_audit(principal, openrosa_message(refused.status, refused.message), form_id=form_id)
    return openrosa_message(201, _("Thank you: the submission was received."), nature="submit_success")


@login_not_required
def root(request: HttpRequest, token: str | None = None) -> HttpResponse:
    """The server address phones are given: nothing to see here, the protocol's paths are below it."""
    return openrosa_message(404, _("This is an OpenRosa server: point ODK Collect or KoboCollect at it."))
