"""Writes to persons. Identity goes in encrypted, with its blind indexes, in one transaction."""

from __future__ import annotations

import datetime
import io
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from kujdes.core.audit import audit_record
from kujdes.core.crypto import (
    blind_index,
    name_tokens,
    normalise_identifier,
    normalise_phone,
    subject_key_create,
    subject_key_destroy,
)
from kujdes.core.files import encrypted_file_delete, encrypted_file_write, upload_check
from kujdes.core.locking import versioned_save
from kujdes.core.models import Unit
from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.people.codes import person_codes
from kujdes.people.models import BlindIndexEntry, BlindIndexKind, Person, PersonFile

if TYPE_CHECKING:
    from kujdes.accounts.models import User

IDENTITY_FIELDS = (
    "given_name",
    "family_name",
    "other_names",
    "date_of_birth",
    "id_documents",
    "phones",
    "address",
)


def _blind_index_entries(person: Person) -> list[BlindIndexEntry]:
    organisation_id = person.organisation_id
    values: list[tuple[str, str]] = []
    names = [person.given_name or "", person.family_name or "", *(person.other_names or [])]
    for name in names:
        values += [(BlindIndexKind.NAME, token) for token in name_tokens(name)]
    values += [(BlindIndexKind.PHONE, normalise_phone(phone)) for phone in person.phones or []]
    for document in person.id_documents or []:
        values.append((BlindIndexKind.ID_NUMBER, normalise_identifier(str(document.get("number", "")))))
    unique = {(kind, value) for kind, value in values if value}
    return [
        BlindIndexEntry(
            organisation_id=organisation_id,
            person=person,
            kind=kind,
            digest=blind_index(organisation_id=organisation_id, kind=kind, normalised=value),
        )
        for kind, value in sorted(unique)
    ]


@transaction.atomic
def person_create(
    *,
    actor: User | None,
    unit: Unit,
    given_name: str,
    family_name: str = "",
    other_names: list[str] | None = None,
    date_of_birth: datetime.date | None = None,
    id_documents: list[dict[str, str]] | None = None,
    phones: list[str] | None = None,
    address: str = "",
    sex: str = "unknown",
    birth_year: int | None = None,
    municipality: str = "",
    citizenships: list[str] | None = None,
) -> Person:
    """Register a person in `unit` with a fresh person key. The actor must manage persons there."""
    if (
        actor is not None
        and not units_for_actor(actor=actor, perm=Perm.PERSON_REGISTER_MINIMAL).filter(pk=unit.pk).exists()
    ):
        raise PermissionDenied
    subject = subject_key_create(organisation_id=unit.organisation_id)
    if birth_year is None and date_of_birth is not None:
        birth_year = date_of_birth.year
    (code,) = person_codes(unit=unit, year=timezone.localdate().year)
    person = Person(
        organisation_id=unit.organisation_id,
        unit=unit,
        key_id=subject.public_id,
        code=code,
        given_name=given_name,
        family_name=family_name,
        other_names=other_names or [],
        date_of_birth=date_of_birth,
        id_documents=id_documents or [],
        phones=phones or [],
        address=address,
        sex=sex,
        birth_year=birth_year,
        municipality=municipality,
        citizenships=citizenships or [],
    )
    person.encryption_handle().record = subject
    person.save()
    BlindIndexEntry.objects.bulk_create(_blind_index_entries(person))
    audit_record(
        actor=actor, organisation=person.organisation_id, action="person.created", obj=person, unit=unit
    )
    return person


def person_identity_view(*, actor: User, person: Person) -> dict[str, Any]:
    """The decrypted identity, for one person the actor may see; the read is audited."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            organisation=person.organisation_id,
            action="person.identity.viewed",
            obj=person,
            unit=person.unit,
        )
    return {field: getattr(person, field) for field in IDENTITY_FIELDS}


@transaction.atomic
def person_update(*, actor: User, person: Person, expected_version: int, changes: dict[str, Any]) -> Person:
    """Change identity fields or codes of a person, if nobody saved it since `expected_version`.

    Raises StaleVersion (with the current record) on a conflict; blind indexes follow the new identity.
    """
    allowed = set(IDENTITY_FIELDS) | {"sex", "birth_year", "municipality", "citizenships"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    if not units_for_actor(actor=actor, perm=Perm.PERSON_MANAGE).filter(pk=person.unit_id).exists():
        raise PermissionDenied
    updated = versioned_save(instance=person, expected_version=expected_version, changes=changes)
    if set(changes) & {"given_name", "family_name", "other_names", "phones", "id_documents"}:
        BlindIndexEntry.objects.filter(person=updated).delete()
        BlindIndexEntry.objects.bulk_create(_blind_index_entries(updated))
    audit_record(
        actor=actor,
        organisation=updated.organisation_id,
        action="person.updated",
        obj=updated,
        unit=updated.unit,
        details={"fields": sorted(changes), "version": updated.version},
    )
    return updated


@transaction.atomic
def person_file_store(*, actor: User, person: Person, upload: UploadedFile, kind: str) -> PersonFile:
    """Check an upload (size, type by content, no EXIF) and store it encrypted with the person's key.

    Raises UploadRefused with a message for the user.
    """
    content_type, replacement = upload_check(upload=upload, size=upload.size or 0)
    stored = PersonFile(
        organisation_id=person.organisation_id,
        person=person,
        kind=kind,
        name=upload.name or "document",
        content_type=content_type,
        size=0,
        uploaded_by=actor,
    )
    source = io.BytesIO(replacement) if replacement is not None else upload
    stored.size = encrypted_file_write(
        handle=person.encryption_handle(), file_id=stored.public_id, source=source
    )
    stored.save()
    audit_record(
        actor=actor,
        organisation=person.organisation_id,
        action="person.file.stored",
        obj=person,
        unit=person.unit,
        details={
            "file": str(stored.public_id),
            "kind": kind,
            "content_type": content_type,
            "size": stored.size,
        },
    )
    return stored


@transaction.atomic
def person_erase(*, actor: User | None, person: Person, reason_code: str) -> Person:
    """Crypto-shredding: the person key is destroyed, blind indexes deleted, statistical codes kept.

    The ciphertexts stay where they are (and in every backup) but can never be
    opened again; an audit tombstone records that the erasure happened.
    """
    subject_key_destroy(key_id=person.key_id)
    BlindIndexEntry.objects.filter(person=person).delete()
    for file_id in PersonFile.objects.filter(person=person).values_list("public_id", flat=True):
        encrypted_file_delete(file_id=file_id)
    Person.objects.filter(pk=person.pk).update(erased_at=timezone.now(), **dict.fromkeys(IDENTITY_FIELDS))
    person.refresh_from_db()
    audit_record(
        actor=actor,
        organisation=person.organisation_id,
        action="person.erased",
        obj=person,
        unit=person.unit,
        details={"reason": reason_code},
    )
    return person
