"""Writes of the field-capture room: forms and their publication, phones (devices)."""

from __future__ import annotations

import hashlib
import mimetypes
import secrets
from collections.abc import Sequence
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.accounts.models import User
from kujdes.core.audit import audit_record
from kujdes.core.models import Unit
from kujdes.core.roles import Perm, Role
from kujdes.core.selectors import units_for_actor
from kujdes.fieldsync.encryption import (
    EncryptionError,
    form_current_key,
    key_pair_generate,
    version_suffix_new,
    xform_encryption_check,
    xform_public_key,
    xform_with_public_key,
)
from kujdes.fieldsync.models import (
    Device,
    FieldSettings,
    Form,
    FormKey,
    FormMedia,
    FormPublication,
    FormState,
    FormVersion,
)
from kujdes.fieldsync.selectors import principal_for_device
from kujdes.fieldsync.xlsform import xform_hash, xlsform_convert

DEVICE_DAYS = 180
TOKEN_BYTES = 32
MEDIA_MAX_BYTES = 5_000_000


def _configurable(*, actor: User | None, unit: Unit) -> None:
    if actor is None:  # the command line: the operator
        return
    if not units_for_actor(actor=actor, perm=Perm.ORGANISATION_CONFIGURE).filter(pk=unit.pk).exists():
        raise PermissionDenied


def _roles_clean(roles: Sequence[str]) -> list[str]:
    valid = {r.value for r in Role}
    unknown = [r for r in roles if r not in valid]
    if unknown:
        raise ValidationError(_("Unknown role: %(roles)s.") % {"roles": ", ".join(unknown)})
    return sorted(set(roles))


@transaction.atomic
def form_publish(
    *,
    actor: User | None,
    data: bytes,
    filename: str,
    units: Sequence[Unit],
    roles: Sequence[str] | None = None,
) -> FormVersion:
    """Convert an XLSForm and publish it to `units` (and their subtrees) for `roles` (None: keep; []: all).

    A new upload of a form id the organisation has needs a new version; older versions keep receiving.
    Raises XLSFormError (conversion) or ValidationError (publication rules).
    """
    if not units:
        raise ValidationError(_("Choose at least one unit to publish the form to."))
    organisation_id = units[0].organisation_id
    if any(unit.organisation_id != organisation_id for unit in units):
        raise ValidationError(_("A form is published within one organisation."))
    for unit in units:
        _configurable(actor=actor, unit=unit)
    converted = xlsform_convert(data=data, filename=filename)
    form = (
        Form.objects.select_for_update()
        .filter(organisation_id=organisation_id, xml_form_id=converted.xml_form_id)
        .first()
    )
    if form is None:
        form = Form.objects.create(
            organisation_id=organisation_id,
            xml_form_id=converted.xml_form_id,
            title=converted.title[:200],
            created_by=actor,
            roles=_roles_clean(roles or []),
        )
    else:
        if form.versions.filter(version=converted.version).exists():
            raise ValidationError(
                _(
                    "The form “%(form_id)s” already has version “%(version)s”: "
                    "give the new upload a new version on the settings sheet."
                )
                % {"form_id": converted.xml_form_id, "version": converted.version}
            )
        form.title = converted.title[:200]
        if roles is not None:
            form.roles = _roles_clean(roles)
    converted.xform = _xform_for_encryption(form=form, xform=converted.xform)
    version = FormVersion.objects.create(
        organisation_id=organisation_id,
        form=form,
        version=converted.version,
        xform=converted.xform,
        xform_hash=converted.xform_hash,
        xlsform=data,
        xlsform_name=filename[:200],
        warnings=converted.warnings,
        media_expected=converted.media,
        created_by=actor,
    )
    if form.current_version_id is not None:
        # Media the new version still names carry over, so that re-uploading a form keeps its pictures.
        for media in form.current_version.media.filter(filename__in=converted.media):  # type: ignore[union-attr]
            FormMedia.objects.create(
                organisation_id=organisation_id,
                form_version=version,
                filename=media.filename,
                content_type=media.content_type,
                data=media.data,
                md5=media.md5,
            )
    form.current_version = version
    form.save()
    for unit in units:
        FormPublication.objects.get_or_create(organisation_id=organisation_id, form=form, unit=unit)
    audit_record(
        actor=actor,
        organisation=organisation_id,
        action="fieldsync.form.published",
        obj=form,
        details={"version": converted.version, "units": [str(u.public_id) for u in units]},
    )
    return version


def _xform_for_encryption(*, form: Form, xform: str) -> str:
    """A new version of an encrypted form carries the form's public key; a key of the XLSForm's own
    (`public_key` on the settings sheet) is refused: Kujdes could not decrypt what phones send."""
    if xform_public_key(xform):
        raise ValidationError(
            _(
                "The settings sheet has a public_key: Kujdes keeps the keys of encrypted forms itself. "
                "Remove public_key and mark the form encrypted on its page."
            )
        )
    if not form.encrypted:
        return xform
    key = form_current_key(form_id=form.pk)
    if key is None:
        raise ValidationError(_("The form is encrypted but has no key."))
    try:
        return xform_with_public_key(xform=xform, public_key=key.public_key)
    except EncryptionError as exc:
        raise ValidationError(exc.message) from None


@transaction.atomic
def form_encrypt(*, actor: User | None, form: Form) -> FormVersion:
    """Mark a form encrypted, as ODK Central's managed encryption does for a project: a new RSA-2048
    key pair for the form (FormKey: the private half sealed, its key wrapped by the organisation
    key), and a new current version — the same XForm with `base64RsaPublicKey` on its `<submission>`
    and `[encrypted:…]` appended to its version — so that phones see a new hash and download it.
    Older versions keep receiving (in clear); later uploads get the key too. It cannot be undone:
    phones may still hold the encrypted version. Organisation administrators only.
    """
    form = Form.objects.select_for_update().get(pk=form.pk)
    if actor is not None and not (
        units_for_actor(actor=actor, perm=Perm.ORGANISATION_CONFIGURE)
        .filter(organisation_id=form.organisation_id)
        .exists()
    ):
        raise PermissionDenied
    for publication in form.publications.select_related("unit"):
        _configurable(actor=actor, unit=publication.unit)
    if form.encrypted:
        raise ValidationError(_("The form is already encrypted."))
    current = form.current_version
    if current is None:
        raise ValidationError(_("The form has no version to encrypt."))
    suffix = version_suffix_new()
    version_name = current.version + suffix
    if len(version_name) > FormVersion._meta.get_field("version").max_length:  # type: ignore[operator]
        raise ValidationError(_("The form's version is too long to add the encryption mark to it."))
    public_key, private_key = key_pair_generate()
    try:
        xform = xform_with_public_key(xform=current.xform, public_key=public_key, version_suffix=suffix)
        xform_encryption_check(
            xform=xform, public_key=public_key, xml_form_id=form.xml_form_id, version=version_name
        )
    except EncryptionError as exc:
        raise ValidationError(exc.message) from None
    key = FormKey(
        organisation_id=form.organisation_id, form=form, public_key=public_key, private_key=private_key
    )
    key.save()
    version = FormVersion.objects.create(
        organisation_id=form.organisation_id,
        form=form,
        version=version_name,
        xform=xform,
        xform_hash=xform_hash(xform),
        xlsform=current.xlsform,
        xlsform_name=current.xlsform_name,
        warnings=current.warnings,
        media_expected=current.media_expected,
        created_by=actor,
    )
    for media in current.media.all():
        FormMedia.objects.create(
            organisation_id=form.organisation_id,
            form_version=version,
            filename=media.filename,
            content_type=media.content_type,
            data=media.data,
            md5=media.md5,
        )
    form.encrypted = True
    form.current_version = version
    form.save(update_fields=["encrypted", "current_version"])
    audit_record(
        actor=actor,
        organisation=form.organisation_id,
        action="fieldsync.form.encryption_enabled",
        obj=form,
        details={"version": version_name, "previous_version": current.version, "key": str(key.public_id)},
    )
    return version


@transaction.atomic
def form_state_set(*, actor: User | None, form: Form, state: str) -> Form:
    """Open, closing (no new downloads, still receiving) or closed."""
    if state not in FormState.values:
        raise ValidationError(_("Unknown state."))
    for publication in form.publications.select_related("unit"):
        _configurable(actor=actor, unit=publication.unit)
    previous, form.state = form.state, state
    form.save(update_fields=["state"])
    audit_record(
        actor=actor,
        organisation=form.organisation_id,
        action="fieldsync.form.state_changed",
        obj=form,
        details={"from": previous, "to": state},
    )
    return form


@transaction.atomic
def form_media_attach(*, actor: User | None, form: Form, filename: str, data: bytes) -> FormMedia:
    """Attach (or replace) a media file the current version names (jr://images/…, jr://file-csv/…)."""
    version = form.current_version
    if version is None or filename not in version.media_expected:
        raise ValidationError(_("The form does not use a file named “%(name)s”.") % {"name": filename[:100]})
    if len(data) > MEDIA_MAX_BYTES:
        raise ValidationError(
            _("The file is too large (limit %(mb)s MB).") % {"mb": MEDIA_MAX_BYTES // 1_000_000}
        )
    for publication in form.publications.select_related("unit"):
        _configurable(actor=actor, unit=publication.unit)
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    media, _created = FormMedia.objects.update_or_create(
        form_version=version,
        filename=filename,
        defaults={
            "organisation_id": form.organisation_id,
            "content_type": content_type,
            "data": data,
            "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        },
    )
    audit_record(
        actor=actor,
        organisation=form.organisation_id,
        action="fieldsync.form.media_attached",
        obj=form,
        details={"filename": filename},
    )
    return media


# --- devices --------------------------------------------------------------------------------------


def device_digest(token: str) -> str:
    # Tokens are 256-bit random strings: a plain SHA-256 is enough to store them (as API tokens).
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def device_create(
    *, actor: User | None, user: User, unit: Unit, name: str, days: int = DEVICE_DAYS
) -> tuple[Device, str]:
    """A phone for `user` at `unit`; returns the device and its token (shown once, never stored)."""
    if actor is not None and actor.pk != user.pk:
        managed = units_for_actor(actor=actor, perm=Perm.ORGANISATION_USERS_MANAGE)
        if not managed.filter(pk=unit.pk).exists():
            raise PermissionDenied
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the phone a name."))
    if days < 1:
        raise ValidationError(_("A phone's access must last at least one day."))
    plaintext = secrets.token_urlsafe(TOKEN_BYTES)
    device = Device(
        organisation_id=unit.organisation_id,
        unit=unit,
        user=user,
        name=name[:100],
        digest=device_digest(plaintext),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=days),
    )
    if principal_for_device(device=device) is None:
        raise ValidationError(_("%(user)s holds no role at this unit.") % {"user": user.username})
    device.save()
    audit_record(
        actor=actor,
        organisation=unit.organisation_id,
        action="fieldsync.device.created",
        obj=device,
        unit=unit,
        details={"user": user.username, "days": days},
    )
    return device, plaintext


@transaction.atomic
def device_revoke(*, actor: User | None, device: Device) -> Device:
    """A lost phone: its token stops working at once."""
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor, organisation=device.organisation_id, action="fieldsync.device.revoked", obj=device
        )
    return device


def device_authenticate(*, token: str) -> Device | None:
    """The usable device with this token, or None. Runs before any scope: Device is not a tenant row."""
    device = Device.objects.select_related("user").filter(digest=device_digest(token)).first()
    if device is None or not device.is_usable or not device.user.is_active:
        return None
    return device


def device_contact_record(*, device: Device) -> None:
    now = timezone.now()
    if device.last_contact_at is None or now - device.last_contact_at > timedelta(minutes=1):
        Device.objects.filter(pk=device.pk).update(last_contact_at=now)


def basic_auth_allowed(*, organisation_id: int) -> bool:
    return FieldSettings.objects.filter(organisation_id=organisation_id, allow_basic_auth=True).exists()


@transaction.atomic
def field_settings_save(*, actor: User | None, organisation_id: int, allow_basic_auth: bool) -> FieldSettings:
    settings_row, _created = FieldSettings.objects.update_or_create(
        organisation_id=organisation_id, defaults={"allow_basic_auth": allow_basic_auth}
    )
    audit_record(
        actor=actor,
        organisation=organisation_id,
        action="fieldsync.settings.changed",
        details={"allow_basic_auth": allow_basic_auth},
    )
    return settings_row
