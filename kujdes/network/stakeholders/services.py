"""Writes of the stakeholder directory: stakeholders, agreements, sharing with the network, exports.

A stakeholder is one entry of the organisation's service directory (created and changed through
the referrals room's `provider_create` / `provider_update`, so that the directory keeps its own
rules and audit events) plus its `StakeholderProfile`. The writers are the owner organisation's
administrators and programme managers (NETWORK_CONTRIBUTE). The referrals room lets only
administrators (organisation.configure) change the directory; when a programme manager creates or
edits a stakeholder, the directory entry is written as the system on their behalf, and this room's
own audit event names them and the entry.

Every service runs in one transaction with its audit event (`network.stakeholders.*`, ids and
codes only). Files are removed after the commit, so that a rolled-back change keeps its files.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.core.crypto import KeyHandle, subject_key_create, subject_key_destroy
from kujdes.core.exports import ExportFile, ExportTable, table_export
from kujdes.core.files import (
    UploadRefused,
    encrypted_file_delete,
    encrypted_file_read,
    encrypted_file_write,
    upload_check,
)
from kujdes.core.locking import versioned_save
from kujdes.core.models import Organisation
from kujdes.core.roles import Perm
from kujdes.network.models import Partner, Theme
from kujdes.network.selectors import actor_organisation_ids
from kujdes.network.services import actor_home_organisation_id, network_audit
from kujdes.network.stakeholders.models import (
    HTCDS_FOR_TYPE,
    Agreement,
    SharedAgreement,
    SharedStakeholder,
    StakeholderLevel,
    StakeholderProfile,
    StakeholderType,
)
from kujdes.network.stakeholders.selectors import (
    DirectoryFilters,
    agreements_of,
    owner_partner_of,
    payload_fingerprint,
    share_payload,
    shared_copy_of,
    stakeholder_directory,
)
from kujdes.referrals.models import ServiceProvider
from kujdes.referrals.services import provider_create, provider_update

if TYPE_CHECKING:
    from kujdes.accounts.models import User

# The fields of the directory entry that a stakeholder form changes (the others stay the
# referrals room's: services offered, NRM membership, notes, active).
PROVIDER_FIELDS = ("name", "provider_type", "country", "municipality", "address", "phone", "email")
PROFILE_FIELDS = (
    "stakeholder_type",
    "level",
    "themes",
    "website",
    "description",
    "contact_name",
    "contact_role",
    "contact_email",
    "contact_phone",
)


def _require_contribute(*, actor: User, organisation_id: int) -> None:
    if organisation_id not in actor_organisation_ids(actor=actor, perm=Perm.NETWORK_CONTRIBUTE):
        raise PermissionDenied


def _directory_actor(*, actor: User, organisation_id: int) -> User | None:
    """Who the referrals room records as changing the directory: the actor if they administer it,
    else the system acting for them (this room's audit event names them)."""
    if organisation_id in actor_organisation_ids(actor=actor, perm=Perm.ORGANISATION_CONFIGURE):
        return actor
    return None


def _profile_errors(*, profile: StakeholderProfile) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        profile.full_clean(exclude=["provider", "organisation"], validate_unique=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    themes = list(dict.fromkeys(profile.themes or []))
    if any(code not in Theme.values for code in themes):
        errors["themes"] = [_("Choose themes from the list.")]
    profile.themes = themes
    return errors


def _provider_values(provider_fields: dict[str, Any], stakeholder_type: str) -> dict[str, Any]:
    values = {name: provider_fields.get(name, "") for name in PROVIDER_FIELDS}
    if not values["provider_type"]:
        values["provider_type"] = HTCDS_FOR_TYPE.get(stakeholder_type, HTCDS_FOR_TYPE[StakeholderType.OTHER])
    return values


def _partners_check(partners: Iterable[Partner]) -> list[Partner]:
    return list(dict.fromkeys(partners))


# --- stakeholders ----------------------------------------------------------------------------------


@transaction.atomic
def stakeholder_create(
    *,
    actor: User,
    organisation: Organisation,
    provider_fields: dict[str, Any],
    profile_fields: dict[str, Any],
    partners: Iterable[Partner] = (),
) -> StakeholderProfile:
    """A new institution: an entry of the organisation's service directory (through the referrals
    room's service) and its stakeholder profile. Writers of the organisation only; ValidationError
    by field (both records' fields in one error)."""
    _require_contribute(actor=actor, organisation_id=organisation.pk)
    profile = StakeholderProfile(organisation=organisation, created_by=actor, **profile_fields)
    errors = _profile_errors(profile=profile)
    try:
        provider = provider_create(
            actor=_directory_actor(actor=actor, organisation_id=organisation.pk),
            organisation=organisation,
            **_provider_values(provider_fields, profile.stakeholder_type),
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    profile.provider = provider
    profile.save()
    profile.partners.set(_partners_check(partners))
    network_audit(
        actor=actor,
        action="network.stakeholders.created",
        obj=profile,
        details={
            "provider": str(provider.public_id),
            "type": profile.stakeholder_type,
            "level": profile.level,
        },
    )
    return profile


def _provider_changes(provider: ServiceProvider, provider_fields: dict[str, Any]) -> dict[str, Any]:
    # An empty HTCDS type keeps the entry's own.
    return {
        name: value
        for name, value in provider_fields.items()
        if name in PROVIDER_FIELDS
        and value is not None
        and not (name == "provider_type" and not value)
        and getattr(provider, name) != value
    }


@transaction.atomic
def stakeholder_profile_add(
    *,
    actor: User,
    provider: ServiceProvider,
    provider_version: int | None,
    provider_fields: dict[str, Any],
    profile_fields: dict[str, Any],
    partners: Iterable[Partner] = (),
) -> StakeholderProfile:
    """Turn an existing entry of the service directory into a stakeholder (and apply changes to the
    entry, stale-checked against `provider_version`)."""
    _require_contribute(actor=actor, organisation_id=provider.organisation_id)
    if StakeholderProfile.objects.filter(provider=provider).exists():
        raise ValidationError(_("This institution is already in the stakeholder directory."), code="exists")
    profile = StakeholderProfile(
        organisation_id=provider.organisation_id, provider=provider, created_by=actor, **profile_fields
    )
    errors = _profile_errors(profile=profile)
    if errors:
        raise ValidationError(errors)
    changes = _provider_changes(provider, provider_fields)
    if changes:
        profile.provider = provider_update(
            actor=_directory_actor(actor=actor, organisation_id=provider.organisation_id),  # type: ignore[arg-type]
            provider=provider,
            expected_version=provider_version,
            changes=changes,
        )
    profile.save()
    profile.partners.set(_partners_check(partners))
    network_audit(
        actor=actor,
        action="network.stakeholders.created",
        obj=profile,
        details={
            "provider": str(provider.public_id),
            "type": profile.stakeholder_type,
            "level": profile.level,
            "from_directory": True,
        },
    )
    return profile


@transaction.atomic
def stakeholder_update(
    *,
    actor: User,
    profile: StakeholderProfile,
    version: int | None,
    provider_version: int | None,
    provider_fields: dict[str, Any],
    profile_fields: dict[str, Any],
    partners: Iterable[Partner] | None = None,
) -> StakeholderProfile:
    """Change a stakeholder and its directory entry if nobody saved either since `version` /
    `provider_version` (StaleVersion otherwise). Writers of the owner organisation only.
    The shared copy, if any, is not touched: `stakeholder_share` updates it."""
    _require_contribute(actor=actor, organisation_id=profile.organisation_id)
    candidate = StakeholderProfile.objects.get(pk=profile.pk)
    for name, value in profile_fields.items():
        if name not in PROFILE_FIELDS:
            raise ValueError(f"not editable: {name}")
        setattr(candidate, name, value)
    errors = _profile_errors(profile=candidate)
    if errors:
        raise ValidationError(errors)
    profile_changes = {name: getattr(candidate, name) for name in profile_fields}
    provider = profile.provider
    changes = _provider_changes(provider, provider_fields)
    if changes:
        provider = provider_update(
            actor=_directory_actor(actor=actor, organisation_id=profile.organisation_id),  # type: ignore[arg-type]
            provider=provider,
            expected_version=provider_version,
            changes=changes,
        )
    updated = versioned_save(instance=profile, expected_version=version, changes=profile_changes)
    if partners is not None:
        updated.partners.set(_partners_check(partners))
    updated.provider = provider
    network_audit(
        actor=actor,
        action="network.stakeholders.updated",
        obj=updated,
        details={
            "fields": sorted([*profile_changes, *changes] + (["partners"] if partners is not None else []))
        },
    )
    return updated


# --- agreements ------------------------------------------------------------------------------------


@transaction.atomic
def agreement_add(
    *,
    actor: User,
    profile: StakeholderProfile,
    kind: str,
    title: str,
    signed_on: Any = None,
    valid_from: Any = None,
    valid_until: Any = None,
    scope: str = "",
    upload: Any = None,
) -> Agreement:
    """Record an agreement (MoU, cooperation agreement, protocol) with its document, if any: type
    checked by content, size-limited, images stripped of metadata, stored encrypted. ValidationError
    by field (the document's under "document")."""
    _require_contribute(actor=actor, organisation_id=profile.organisation_id)
    agreement = Agreement(
        organisation_id=profile.organisation_id,
        profile=profile,
        kind=kind,
        title=(title or "").strip(),
        signed_on=signed_on,
        valid_from=valid_from,
        valid_until=valid_until,
        scope=(scope or "").strip(),
        created_by=actor,
    )
    errors: dict[str, list[str]] = {}
    try:
        agreement.full_clean(exclude=["profile", "organisation", "key_id"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if agreement.valid_from and agreement.valid_until and agreement.valid_until < agreement.valid_from:
        errors["valid_until"] = [_("The end of validity cannot be before its start.")]
    content_type, replacement = "", None
    if upload is not None:
        try:
            content_type, replacement = upload_check(upload=upload, size=upload.size or 0)
        except UploadRefused as refused:
            errors["document"] = [str(refused)]
    if errors:
        raise ValidationError(errors)
    if upload is not None:
        file_id = uuid.uuid4()
        source = io.BytesIO(replacement) if replacement is not None else upload
        agreement.size = encrypted_file_write(
            handle=agreement.encryption_handle(), file_id=file_id, source=source
        )
        agreement.file_id = file_id
        agreement.file_name = (upload.name or "document")[:200]
        agreement.content_type = content_type
    agreement.save()
    network_audit(
        actor=actor,
        action="network.stakeholders.agreement_added",
        obj=agreement,
        details={
            "stakeholder": str(profile.public_id),
            "kind": agreement.kind,
            "content_type": content_type,
            "size": agreement.size,
        },
    )
    return agreement


@transaction.atomic
def agreement_remove(*, actor: User, agreement: Agreement) -> None:
    """Remove an agreement and its document (a shared copy keeps its own until it is updated)."""
    _require_contribute(actor=actor, organisation_id=agreement.organisation_id)
    network_audit(
        actor=actor,
        action="network.stakeholders.agreement_removed",
        obj=agreement,
        details={"stakeholder": str(agreement.profile.public_id), "kind": agreement.kind},
    )
    file_id, key_id = agreement.file_id, agreement.key_id
    agreement.delete()
    if file_id is not None:
        transaction.on_commit(lambda: _file_discard(file_id=file_id, key_id=key_id))


def _file_discard(*, file_id: uuid.UUID, key_id: uuid.UUID | None) -> None:
    encrypted_file_delete(file_id=file_id)
    if key_id is not None:
        subject_key_destroy(key_id=key_id)


# --- sharing with the network ----------------------------------------------------------------------

SHARED_VALUE_FIELDS = (
    "name",
    "stakeholder_type",
    "level",
    "country",
    "city",
    "themes",
    "description",
    "website",
    "email",
    "phone",
    "contact_name",
    "contact_role",
    "contact_email",
    "contact_phone",
    "includes_contact",
    "includes_documents",
)


def _document_copy(*, agreement: Agreement) -> tuple[uuid.UUID, uuid.UUID]:
    """A copy of the agreement's document for the network: its own file and its own key (wrapped
    by the owner organisation's key), so that unsharing destroys the copy and not the original."""
    plain = b"".join(encrypted_file_read(handle=agreement.encryption_handle(), file_id=agreement.file_id))  # type: ignore[arg-type]
    record = subject_key_create(organisation_id=agreement.organisation_id)
    file_id = uuid.uuid4()
    encrypted_file_write(
        handle=KeyHandle(key_id=record.public_id, record=record), file_id=file_id, source=io.BytesIO(plain)
    )
    return file_id, record.public_id


def _shared_files(shared: SharedStakeholder) -> list[tuple[uuid.UUID, uuid.UUID | None]]:
    return [(a.file_id, a.file_key_id) for a in shared.agreements.all() if a.file_id is not None]


def _discard_after_commit(files: list[tuple[uuid.UUID, uuid.UUID | None]]) -> None:
    def discard() -> None:
        for file_id, key_id in files:
            _file_discard(file_id=file_id, key_id=key_id)

    if files:
        transaction.on_commit(discard)


@transaction.atomic
def stakeholder_share(
    *,
    actor: User,
    profile: StakeholderProfile,
    include_contact: bool = False,
    include_documents: bool = False,
) -> SharedStakeholder:
    """Publish (or update) the network's copy of a stakeholder: what `share_payload` lists, the
    contact person only with `include_contact`, copies of the agreements' documents only with
    `include_documents`. Writers of the owner organisation, whose organisation is a partner."""
    _require_contribute(actor=actor, organisation_id=profile.organisation_id)
    owner = owner_partner_of(profile=profile)
    if owner is None:
        raise ValidationError(
            _(
                "Your organisation is not a partner of the network yet: "
                "ask the network coordinator to link it."
            ),
            code="no_partner",
        )
    payload = share_payload(
        profile=profile, include_contact=include_contact, include_documents=include_documents
    )
    values = {name: payload[name] for name in SHARED_VALUE_FIELDS}
    shared = shared_copy_of(profile=profile)
    now = timezone.now()
    if shared is None:
        shared = SharedStakeholder.objects.create(
            owner=owner,
            source_id=profile.public_id,
            shared_by=actor,
            shared_at=now,
            fingerprint=payload_fingerprint(payload),
            **values,
        )
        action = "network.stakeholders.shared"
    else:
        _discard_after_commit(_shared_files(shared))
        shared.agreements.all().delete()
        for name, value in values.items():
            setattr(shared, name, value)
        shared.owner = owner
        shared.shared_by = actor
        shared.shared_at = now
        shared.version += 1
        shared.fingerprint = payload_fingerprint(payload)
        shared.save()
        action = "network.stakeholders.share_updated"
    shared.related_partners.set(profile.partners.all())
    for agreement in agreements_of(profile=profile):
        file_id = key_id = None
        if include_documents and agreement.file_id is not None:
            file_id, key_id = _document_copy(agreement=agreement)
        SharedAgreement.objects.create(
            shared=shared,
            kind=agreement.kind,
            title=agreement.title,
            signed_on=agreement.signed_on,
            valid_from=agreement.valid_from,
            valid_until=agreement.valid_until,
            file_id=file_id,
            file_key_id=key_id,
            file_name=agreement.file_name if file_id else "",
            content_type=agreement.content_type if file_id else "",
        )
    network_audit(
        actor=actor,
        action=action,
        obj=shared,
        details={
            "stakeholder": str(profile.public_id),
            "version": shared.version,
            "contact": include_contact,
            "documents": include_documents,
        },
    )
    return shared


@transaction.atomic
def stakeholder_unshare(*, actor: User, profile: StakeholderProfile) -> None:
    """Withdraw the network's copy of a stakeholder (and its document copies); the private record stays."""
    _require_contribute(actor=actor, organisation_id=profile.organisation_id)
    shared = shared_copy_of(profile=profile)
    if shared is None:
        raise ValidationError(_("This stakeholder is not shared with the network."), code="not_shared")
    network_audit(
        actor=actor,
        action="network.stakeholders.unshared",
        obj=shared,
        details={"stakeholder": str(profile.public_id), "version": shared.version},
    )
    _discard_after_commit(_shared_files(shared))
    shared.delete()


@transaction.atomic
def shared_stakeholder_receive(
    *,
    owner: Partner,
    values: dict[str, Any],
    related_partners: Iterable[Partner] = (),
    agreements: Iterable[dict[str, Any]] = (),
) -> SharedStakeholder:
    """A shared copy that arrives from a partner without data on this installation (the demo now,
    federation later): no private record here. The system's act, not a user's."""
    shared = SharedStakeholder(
        owner=owner, shared_at=values.pop("shared_at", None) or timezone.now(), **values
    )
    shared.full_clean(exclude=["source_id"])
    shared.save()
    shared.related_partners.set(list(related_partners))
    for agreement in agreements:
        SharedAgreement.objects.create(shared=shared, **agreement)
    return shared


# --- export ----------------------------------------------------------------------------------------


def stakeholder_directory_export(*, actor: User, filters: DirectoryFilters, export_format: str) -> ExportFile:
    """The filtered directory as XLSX or CSV (kujdes.core.exports: watermarked, formulas defused,
    CSV in UTF-8 with a byte order mark), audited as `network.stakeholders.exported`.

    No re-authentication: the file holds no data of the people in the cases; its only personal
    data are institutions' staff contacts, which every reader of the directory already sees on the
    page (private ones to their own organisation, shared ones only where the sharer published them).
    The export is still audited (format, rows, filters without search words) and watermarked.
    """
    entries = stakeholder_directory(actor=actor, filters=filters)
    table = ExportTable(
        title=_("Stakeholder directory"),
        columns=[
            _("Name"),
            _("Type"),
            _("Level"),
            _("Country"),
            _("City"),
            _("Themes"),
            _("Website"),
            _("E-mail"),
            _("Phone"),
            _("Contact person"),
            _("Contact's role"),
            _("Contact's e-mail"),
            _("Contact's phone"),
            _("Partner"),
            _("Partners that work with it"),
            _("Agreements"),
            _("Visibility"),
        ],
        rows=[
            [
                e.name,
                e.type_label(),
                str(dict(StakeholderLevel.choices).get(e.level, e.level)),
                e.country,
                e.city,
                ", ".join(str(dict(Theme.choices).get(t, t)) for t in e.themes),
                e.website,
                e.email,
                e.phone,
                e.contact_name,
                e.contact_role,
                e.contact_email,
                e.contact_phone,
                e.owner.name if e.owner else "",
                ", ".join(p.name for p in e.related_partners),
                "; ".join(e.agreements),
                _("Shared with the network") if e.shared else _("Private to your organisation"),
            ]
            for e in entries
        ],
        widths=(34, 22, 12, 8, 16, 28, 24, 24, 16, 20, 20, 24, 16, 20, 24, 36, 22),
    )
    organisation = Organisation.objects.get(pk=actor_home_organisation_id(actor=actor))
    return table_export(
        actor=actor,
        organisation=organisation,
        action="network.stakeholders.exported",
        table=table,
        export_format=export_format,
        filename_stem="stakeholders",
        filters=filters.as_audit(),
    )
