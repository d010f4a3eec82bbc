"""Receiving a submission as ODK Central does (OpenRosa 1.0 form submission API).

Outcomes a phone relies on: a new instance or a resend of the same bytes is stored (201, attachments
added or replaced, never a second row); the same instance id with other content is a conflict (409);
an edit names the instance it replaces (`deprecatedID`): unknown → 404, already replaced → 409.
Refusals are `SubmissionRefused(status, message)`, which the view turns into an OpenRosa response.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import IO

from defusedxml import ElementTree as SafeElementTree
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.files import encrypted_file_delete, encrypted_file_read, encrypted_file_write
from kujdes.fieldsync.encryption import (
    EncryptionError,
    Envelope,
    envelope_read,
    form_version_key,
    instance_decrypt,
)
from kujdes.fieldsync.models import (
    Form,
    FormKey,
    FormState,
    FormVersion,
    Submission,
    SubmissionAttachment,
    SubmissionState,
)
from kujdes.fieldsync.selectors import Principal, form_for_principal


class SubmissionRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Attachment:
    filename: str
    content_type: str
    size: int
    stream: IO[bytes]


@dataclass
class InstanceHeader:
    xml_form_id: str
    version: str
    instance_id: str
    deprecated_id: str
    encrypted: bool


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def instance_header_read(xml: bytes) -> InstanceHeader:
    """The form id, version and meta ids of an instance; SubmissionRefused(400) if it is not XML."""
    try:
        root = SafeElementTree.fromstring(xml)
    except Exception:  # defusedxml raises ParseError and its own refusals (entities, DTDs)
        raise SubmissionRefused(400, _("The submission is not well-formed XML.")) from None
    meta: dict[str, str] = {}
    for element in root.iter():
        name = _local(element.tag)
        if name in ("instanceID", "deprecatedID") and name not in meta:
            meta[name] = (element.text or "").strip()
    return InstanceHeader(
        xml_form_id=root.get("id", "").strip(),
        version=root.get("version", "").strip(),
        instance_id=meta.get("instanceID", ""),
        deprecated_id=meta.get("deprecatedID", ""),
        encrypted=root.get("encrypted", "").lower() == "yes",
    )


def _attachments_store(*, submission: Submission, attachments: Sequence[Attachment]) -> int:
    handle = submission.encryption_handle()
    stored = 0
    for attachment in attachments:
        filename = os.path.basename(attachment.filename.replace("\\", "/"))[:200]
        if not filename:
            continue
        previous = SubmissionAttachment.objects.filter(submission=submission, filename=filename).first()
        file_id = uuid.uuid4()
        attachment.stream.seek(0)
        size = encrypted_file_write(handle=handle, file_id=file_id, source=attachment.stream)
        if previous is not None:
            old_file = previous.file_id
            SubmissionAttachment.objects.filter(pk=previous.pk).update(
                file_id=file_id, size=size, content_type=attachment.content_type[:100]
            )
            transaction.on_commit(partial(encrypted_file_delete, file_id=old_file))
        else:
            SubmissionAttachment.objects.create(
                organisation_id=submission.organisation_id,
                submission=submission,
                filename=filename,
                content_type=attachment.content_type[:100],
                size=size,
                file_id=file_id,
            )
        stored += 1
    return stored


def _version_get(*, form: Form, version: str) -> FormVersion:
    found = FormVersion.objects.filter(form=form, version=version).first()
    if found is None:
        raise SubmissionRefused(
            404,
            _(
                "This server does not know version “%(version)s” of the form “%(form)s”. "
                "Download the form again."
            )
            % {"version": version[:100], "form": form.xml_form_id},
        )
    return found


def submission_receive(
    *,
    principal: Principal,
    xml: bytes,
    attachments: Sequence[Attachment] = (),
    incomplete: bool = False,
) -> tuple[Submission, bool]:
    """Store one POST of a submission; returns (submission, created). Refusals raise SubmissionRefused."""
    header = instance_header_read(xml)
    try:
        form = form_for_principal(principal=principal, xml_form_id=header.xml_form_id)
    except Form.DoesNotExist:
        raise SubmissionRefused(
            404, _("This server has no form “%(form)s” for you.") % {"form": header.xml_form_id[:100]}
        ) from None
    if form.state == FormState.CLOSED:
        raise SubmissionRefused(
            409,
            _("The form “%(title)s” is closed and no longer accepts submissions.") % {"title": form.title},
        )
    version = _version_get(form=form, version=header.version)
    if not header.instance_id:
        raise SubmissionRefused(400, _("The submission has no instance ID (meta/instanceID)."))
    sealed = _encrypted_read(version=version, xml=xml) if header.encrypted else None
    # An encrypted submission's digest is the envelope's, as posted: a resend is the same envelope.
    digest = hashlib.sha256(xml).hexdigest()
    try:
        with transaction.atomic():
            return _receive(
                principal=principal,
                form=form,
                version=version,
                header=header,
                xml=xml,
                digest=digest,
                attachments=attachments,
                incomplete=incomplete,
                sealed=sealed,
            )
    except IntegrityError:
        # Two copies of the same instance raced; the second is now a resend of the first.
        with transaction.atomic():
            return _receive(
                principal=principal,
                form=form,
                version=version,
                header=header,
                xml=xml,
                digest=digest,
                attachments=attachments,
                incomplete=incomplete,
                sealed=sealed,
            )


def _receive(
    *,
    principal: Principal,
    form: Form,
    version: FormVersion,
    header: InstanceHeader,
    xml: bytes,
    digest: str,
    attachments: Sequence[Attachment],
    incomplete: bool,
    sealed: EncryptedInstance | None = None,
) -> tuple[Submission, bool]:
    existing = (
        Submission.objects.select_for_update().filter(form=form, instance_id=header.instance_id).first()
    )
    if existing is not None:
        if existing.xml_digest != digest:
            raise SubmissionRefused(
                409,
                _("A submission with this instance ID was already received with different content."),
            )
        if sealed is not None:
            return _encrypted_resend(
                principal=principal, submission=existing, sealed=sealed, attachments=attachments
            )
        count = _attachments_store(submission=existing, attachments=attachments)
        completed = existing.state == SubmissionState.INCOMPLETE and not incomplete
        if completed:
            existing.state = SubmissionState.RECEIVED
            existing.save(update_fields=["state", "updated_at"])
        audit_record(
            actor=principal.user,
            organisation=form.organisation_id,
            action="fieldsync.submission.resent",
            obj=existing,
            unit=existing.unit,
            details={"attachments": count, "completed": completed},
        )
        if completed:
            _map(existing)
        return existing, False
    replaces = None
    if header.deprecated_id:
        replaces = (
            Submission.objects.select_for_update().filter(form=form, instance_id=header.deprecated_id).first()
        )
        if replaces is None:
            raise SubmissionRefused(404, _("The submission this one edits is not on this server."))
        if (
            replaces.state == SubmissionState.SUPERSEDED
            or Submission.objects.filter(replaces=replaces).exists()
        ):
            raise SubmissionRefused(
                409, _("The submission this one edits was already edited. Download it again before editing.")
            )
    submission = Submission(
        organisation_id=form.organisation_id,
        form=form,
        form_version=version,
        unit=principal.home_unit,
        instance_id=header.instance_id[:200],
        replaces=replaces,
        # An encrypted submission keeps its envelope (no personal data) until every file is here.
        xml=xml.decode("utf-8", errors="replace"),
        xml_digest=digest,
        state=SubmissionState.INCOMPLETE if incomplete or sealed else SubmissionState.RECEIVED,
        device=principal.device,
        submitted_by=principal.user,
    )
    with transaction.atomic():
        submission.save(force_insert=True)
    if replaces is not None:
        replaces.state = SubmissionState.SUPERSEDED
        replaces.save(update_fields=["state", "updated_at"])
    decrypted = False
    if sealed is not None:
        count, decrypted = _encrypted_take(
            principal=principal, submission=submission, sealed=sealed, attachments=attachments
        )
    else:
        count = _attachments_store(submission=submission, attachments=attachments)
    audit_record(
        actor=principal.user,
        organisation=form.organisation_id,
        action="fieldsync.submission.received",
        obj=submission,
        unit=submission.unit,
        details={
            "form": form.xml_form_id,
            "version": version.version,
            "attachments": count,
            "edit_of": str(replaces.public_id) if replaces else None,
            "incomplete": incomplete,
            "encrypted": sealed is not None,
        },
    )
    if decrypted or (sealed is None and not incomplete):
        _map(submission)
    return submission, True


# --- encrypted submissions (ODK's encrypted forms; the scheme is in encryption.py) --------------


@dataclass
class EncryptedInstance:
    envelope: Envelope
    key: FormKey


def _encrypted_read(*, version: FormVersion, xml: bytes) -> EncryptedInstance:
    key = form_version_key(version=version)
    if key is None:
        raise SubmissionRefused(
            400,
            _(
                "This submission is encrypted, but version “%(version)s” of the form “%(form)s” is not "
                "an encrypted form on this server. Download the form again."
            )
            % {"version": version.version[:100], "form": version.form.xml_form_id},
        )
    try:
        return EncryptedInstance(envelope=envelope_read(xml), key=key)
    except EncryptionError as exc:
        raise SubmissionRefused(400, exc.message) from None


def _encrypted_resend(
    *,
    principal: Principal,
    submission: Submission,
    sealed: EncryptedInstance,
    attachments: Sequence[Attachment],
) -> tuple[Submission, bool]:
    """The same envelope again: the later part of a split submission, or a phone resending after a
    lost answer. Once decrypted, the ciphertexts a resend carries add nothing."""
    count, decrypted = 0, False
    if submission.state == SubmissionState.INCOMPLETE:
        count, decrypted = _encrypted_take(
            principal=principal, submission=submission, sealed=sealed, attachments=attachments
        )
    audit_record(
        actor=principal.user,
        organisation=submission.organisation_id,
        action="fieldsync.submission.resent",
        obj=submission,
        unit=submission.unit,
        details={"attachments": count, "completed": decrypted, "encrypted": True},
    )
    if decrypted:
        _map(submission)
    return submission, False


def _encrypted_take(
    *,
    principal: Principal,
    submission: Submission,
    sealed: EncryptedInstance,
    attachments: Sequence[Attachment],
) -> tuple[int, bool]:
    """The posted ciphertexts the envelope names (anything else is not part of it). With the ones
    earlier parts left, once every file is here, they are decrypted at once; until then they are
    kept, as encrypted files, and the submission stays incomplete. Returns (files taken, decrypted).

    The usual case, every file in one POST, stores no ciphertext at all."""
    envelope = sealed.envelope
    posted: dict[str, Attachment] = {}
    for attachment in attachments:
        name = os.path.basename(attachment.filename.replace("\\", "/"))
        if name in envelope.files:
            posted[name] = attachment
    stored = {
        a.filename: a
        for a in SubmissionAttachment.objects.filter(submission=submission, filename__in=envelope.files)
    }
    if set(envelope.files) - set(posted) - set(stored):
        _attachments_store(submission=submission, attachments=list(posted.values()))
        return len(posted), False
    handle = submission.encryption_handle()
    ciphertexts: dict[str, bytes] = {}
    for name in envelope.files:
        if name in posted:
            posted[name].stream.seek(0)
            ciphertexts[name] = posted[name].stream.read()
        else:
            ciphertexts[name] = b"".join(encrypted_file_read(handle=handle, file_id=stored[name].file_id))
    _encrypted_open(principal=principal, submission=submission, sealed=sealed, ciphertexts=ciphertexts)
    for attachment in stored.values():
        attachment.delete()
        transaction.on_commit(partial(encrypted_file_delete, file_id=attachment.file_id))
    return len(posted), True


def _encrypted_open(
    *, principal: Principal, submission: Submission, sealed: EncryptedInstance, ciphertexts: dict[str, bytes]
) -> None:
    """Decrypt: the instance XML replaces the envelope in the sealed `xml`, the media become the
    submission's attachments (encrypted files). The plaintext exists only in memory between the two
    encryptions. SubmissionRefused(400) for a wrong key, damaged ciphertext or a signature that does
    not match: nothing of this POST is kept."""
    envelope = sealed.envelope
    private_key = sealed.key.private_key
    try:
        if not private_key:
            raise EncryptionError(_("The form's key cannot be read."))
        decrypted = instance_decrypt(envelope=envelope, private_key_pem=private_key, files=ciphertexts)
        text = decrypted.xml.decode("utf-8")
    except EncryptionError as exc:
        raise SubmissionRefused(400, exc.message) from None
    except UnicodeDecodeError:
        raise SubmissionRefused(400, _("The decrypted submission is not UTF-8 XML.")) from None
    inner = instance_header_read(decrypted.xml)
    if inner.instance_id != envelope.instance_id or inner.xml_form_id != envelope.xml_form_id:
        raise SubmissionRefused(400, _("The decrypted submission does not match its envelope."))
    _attachments_store(
        submission=submission,
        attachments=[
            Attachment(
                filename=name,
                content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
                size=len(data),
                stream=io.BytesIO(data),
            )
            for name, data in decrypted.media
        ],
    )
    submission.xml = text
    submission.state = SubmissionState.RECEIVED
    submission.save(update_fields=["xml", "state", "updated_at"])
    audit_record(
        actor=principal.user,
        organisation=submission.organisation_id,
        action="fieldsync.submission.decrypted",
        obj=submission,
        unit=submission.unit,
        details={"files": len(envelope.files), "key": str(sealed.key.public_id)},
    )


def _map(submission: Submission) -> None:
    """Mapping into records runs in its own step (kujdes.fieldsync.mapping), so that a mapping
    problem never loses the stored submission."""
    from kujdes.fieldsync.mapping import submission_map

    submission_map(submission=submission)
