"""Good practices across installations: a published practice reaches every peer's library.

When a local partner's practice is published (a new revision, or a contributed translation
published) or withdrawn, `practice_push` queues a `practice` package for every active peer. The
package carries what readers see — the latest published snapshot, its texts in every language —
and its published documents, base64 inside the payload, as long as the package stays under
`FEDERATION_MAX_PACKAGE_BYTES`; a document that does not fit is named in `documents_left_out`
and the receiving library says so. Nothing about a person travels: the snapshot's contact and
the translators' names stay home (`SNAPSHOT_FIELDS`, `TEXT_PAYLOAD_FIELDS` are the whole schema
of the texts; a test holds it so), and the package is signed, not sealed.

On the receiving installation `practice_received` stores it as a practice of the sending partner
(`origin=remote`), read-only: no one edits, translates, reviews or comments it here. A later
revision replaces the snapshot (a package never takes it back to an older version), a withdrawal
takes it out of the library, and no package touches a local practice or another partner's.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import io
import math
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from kujdes.network.federation import envelope as env
from kujdes.network.federation.handlers import PackageRejected, Received, catches_up, handles
from kujdes.network.federation.models import PackageType, Peer, PeerStatus
from kujdes.network.federation.services import (
    federation_audit,
    installation_get,
    package_broadcast,
)
from kujdes.network.models import Partner
from kujdes.network.practices.models import (
    TEXT_FIELDS,
    Practice,
    PracticeAttachment,
    PracticeOrigin,
    PracticeStatus,
    PracticeText,
    PracticeVersion,
    TextState,
)

if TYPE_CHECKING:
    from kujdes.accounts.models import User


SCHEMA = "kujdes-practice/1"
PAYLOAD_FIELDS = (
    "schema",
    "partner",
    "practice",
    "status",
    "version",
    "published_at",
    "snapshot",
    "documents",
    "documents_left_out",
)
# What of a snapshot travels: the practice's codes and texts; not its contact person.
SNAPSHOT_FIELDS = (
    "partner",
    "original_language",
    "original_revision",
    "themes",
    "target_groups",
    "country",
    "period_start",
    "period_end",
    "tags",
    "texts",
)
# What of a text travels: the texts and their revisions; not the translator's name.
TEXT_PAYLOAD_FIELDS = (
    *TEXT_FIELDS,
    "is_original",
    "revision",
    "source_revision",
    "translated_on",
    "contributed_by",
)
DOCUMENT_FIELDS = ("id", "name", "content_type", "size", "sha256", "content")
LEFT_OUT_FIELDS = ("id", "name", "content_type", "size", "reason")
# The envelope around the payload (header, signature) and a document's members, generously.
_ENVELOPE_ROOM = 4096
_DOCUMENT_ROOM = 600


# --- sending --------------------------------------------------------------------------------------


def snapshot_payload(*, data: dict[str, Any]) -> dict[str, Any]:
    """A published snapshot as it travels: its codes and texts, without contact or translator names."""
    shared = {name: data.get(name) for name in SNAPSHOT_FIELDS if name != "texts"}
    shared["partner"] = {"code": data["partner"]["code"], "name": data["partner"]["name"]}
    shared["texts"] = {
        language: {name: text.get(name) for name in TEXT_PAYLOAD_FIELDS}
        for language, text in data.get("texts", {}).items()
    }
    return shared


def _document_bytes(attachment: PracticeAttachment) -> bytes:
    from kujdes.core.crypto import KeyHandle
    from kujdes.core.files import encrypted_file_read

    return b"".join(
        encrypted_file_read(handle=KeyHandle(key_id=attachment.key_id), file_id=attachment.public_id)
    )


def practice_payload(*, practice: Practice, limit: int | None = None) -> dict[str, Any]:
    """The `practice` package's payload: the latest published snapshot and its documents, those that
    fit in the package size limit (`limit`, default the installation's); the others are named."""
    limit = limit or settings.FEDERATION_MAX_PACKAGE_BYTES
    withdrawn = practice.status == PracticeStatus.WITHDRAWN
    snapshot = PracticeVersion.objects.filter(practice=practice).order_by("-number").first()
    payload: dict[str, Any] = {
        "schema": SCHEMA,
        "partner": practice.partner.code,
        "practice": str(practice.public_id),
        "status": PracticeStatus.WITHDRAWN if withdrawn else PracticeStatus.PUBLISHED,
        "version": practice.published_version,
        "published_at": env.timestamp(snapshot.published_at) if snapshot else None,
        "snapshot": snapshot_payload(data=snapshot.data) if snapshot and not withdrawn else None,
        "documents": [],
        "documents_left_out": [],
    }
    if withdrawn or snapshot is None:
        return payload
    used = len(env.canonical(payload)) + _ENVELOPE_ROOM
    for attachment in practice.attachments.filter(is_published=True).order_by("created_at", "pk"):
        described = {
            "id": str(attachment.public_id),
            "name": attachment.name,
            "content_type": attachment.content_type,
            "size": attachment.size,
        }
        cost = 4 * math.ceil(attachment.size / 3) + len(attachment.name) + _DOCUMENT_ROOM
        if used + cost > limit:
            payload["documents_left_out"].append({**described, "reason": "too_large"})
            continue
        content = _document_bytes(attachment)
        payload["documents"].append(
            {**described, "sha256": hashlib.sha256(content).hexdigest(), "content": env.b64(content)}
        )
        used += cost
    return payload


def library_peers() -> list[Peer]:
    """Every active peer: a published practice is for the whole network's library."""
    if installation_get() is None:
        return []
    return list(Peer.objects.filter(status=PeerStatus.ACTIVE).order_by("pk"))


def practice_push(*, practice: Practice, actor: User | None, peers: list[Peer] | None = None) -> int:
    """Queue the practice (its latest publication, or its withdrawal) for every active peer, inside
    the caller's transaction. Only a local partner's practice is sent. Returns how many were queued."""
    if practice.is_remote or practice.partner.organisation_id is None or practice.published_version < 1:
        return 0
    peers = library_peers() if peers is None else peers
    if not peers:
        return 0
    return package_broadcast(
        type=PackageType.PRACTICE,
        payload=practice_payload(practice=practice),
        peers=peers,
        actor=actor,
        organisation=practice.partner.organisation_id,
        subject=str(practice.public_id),
    )


@catches_up(PackageType.PRACTICE)
def practices_catch_up(peer: Peer) -> int:
    """A new peer gets every local practice already published (or withdrawn after publication)."""
    practices = Practice.objects.filter(partner__organisation__isnull=False, published_version__gte=1)
    return sum(
        practice_push(practice=practice, actor=None, peers=[peer])
        for practice in practices.select_related("partner").order_by("pk")
        if not practice.is_remote
    )


# --- receiving ------------------------------------------------------------------------------------


def _reject(detail: str, code: str = "invalid_content") -> PackageRejected:
    return PackageRejected(code, detail)


def _date(value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise _reject("a date is not ISO 8601 text")
    return datetime.date.fromisoformat(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _reject("a text member is not text")
    return value


def _version(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _reject("the version is not a positive whole number")
    return value


def _stamp(practice: Practice, received: Received) -> None:
    practice.package_id = received.package_id
    practice.sender_installation_id = received.sender_installation_id
    practice.received_at = timezone.now()


def _texts_store(*, practice: Practice, texts: Any) -> None:
    """The practice's text rows mirror the snapshot (one per language; the original first)."""
    if not isinstance(texts, dict) or not texts:
        raise _reject("the practice has no text")
    originals = [
        language for language, text in texts.items() if isinstance(text, dict) and text.get("is_original")
    ]
    if originals != [practice.original_language]:
        raise _reject("the practice's original text is not in its original language")
    PracticeText.objects.filter(practice=practice).exclude(language__in=list(texts)).delete()
    partners = {p.code: p for p in Partner.objects.all()}
    for language in sorted(texts, key=lambda code: code != practice.original_language):
        text = texts[language]
        if not isinstance(text, dict):
            raise _reject("a text is not an object")
        row = PracticeText.objects.filter(practice=practice, language=language).first() or PracticeText(
            practice=practice, language=language
        )
        for name in TEXT_FIELDS:
            setattr(row, name, _text(text.get(name)))
        row.is_original = language == practice.original_language
        row.revision = _version(text.get("revision") or 1)
        source = text.get("source_revision")
        row.source_revision = _version(source) if source is not None else None
        row.translated_on = _date(text.get("translated_on"))
        row.translator_name = ""
        row.contributed_by = partners.get(text.get("contributed_by") or "")
        row.state = TextState.WORKING if row.is_original else TextState.PUBLISHED
        row.full_clean(validate_unique=False, validate_constraints=False)
        row.save()


def _operator_organisation_id() -> int:
    from kujdes.core.models import Organisation

    installation = installation_get()
    if installation is not None and installation.operator_id is not None:
        return installation.operator_id
    first = Organisation.objects.order_by("pk").values_list("pk", flat=True).first()
    if first is None:
        raise _reject("this installation has no organisation to keep documents", "not_initialised")
    return first


def _documents_store(*, practice: Practice, documents: Any, left_out: Any) -> None:
    """New documents stored encrypted like every file; those no longer published at the sender go."""
    from kujdes.core.crypto import KeyHandle, subject_key_create, subject_key_destroy
    from kujdes.core.files import UploadRefused, encrypted_file_delete, encrypted_file_write
    from kujdes.network.practices.files import practice_upload_check

    if not isinstance(documents, list) or not isinstance(left_out, list):
        raise _reject("the documents are not lists")
    listed: set[uuid.UUID] = set()
    kept_out = []
    for entry in left_out:
        if not isinstance(entry, dict):
            raise _reject("a document left out is not an object")
        listed.add(uuid.UUID(str(entry.get("id"))))
        kept_out.append({name: entry.get(name) for name in LEFT_OUT_FIELDS})
    have = {a.public_id: a for a in PracticeAttachment.objects.filter(practice=practice)}
    for entry in documents:
        if not isinstance(entry, dict):
            raise _reject("a document is not an object")
        file_id = uuid.UUID(str(entry.get("id")))
        listed.add(file_id)
        if file_id in have:
            continue
        if PracticeAttachment.objects.filter(public_id=file_id).exists():
            raise _reject("a document belongs to another practice", "not_yours")
        try:
            content = base64.b64decode(_text(entry.get("content")), validate=True)
        except (binascii.Error, ValueError):
            raise _reject("a document is not valid base64") from None
        if hashlib.sha256(content).hexdigest() != entry.get("sha256"):
            raise _reject("a document does not match its checksum")
        try:
            # The same checks as an upload here: the type from the content, images without metadata.
            content_type, replacement = practice_upload_check(upload=io.BytesIO(content), size=len(content))
        except UploadRefused as refused:
            raise _reject(f"a document is refused: {refused}", "document_refused") from None
        record = subject_key_create(organisation_id=_operator_organisation_id())
        stored = PracticeAttachment(
            public_id=file_id,
            practice=practice,
            name=_text(entry.get("name"))[:200] or "document",
            content_type=content_type,
            key_id=record.public_id,
            is_published=True,
        )
        stored.size = encrypted_file_write(
            handle=KeyHandle(key_id=record.public_id, record=record),
            file_id=file_id,
            source=io.BytesIO(replacement if replacement is not None else content),
        )
        stored.save()
    for file_id, attachment in have.items():
        if file_id not in listed:
            key_id = attachment.key_id
            attachment.delete()
            encrypted_file_delete(file_id=file_id)
            if key_id:
                subject_key_destroy(key_id=key_id)
    # Named as left out only while this installation does not have it from an earlier package.
    practice.documents_left_out = [e for e in kept_out if uuid.UUID(str(e["id"])) not in have]


@handles(PackageType.PRACTICE)
def practice_received(received: Received) -> None:
    """Store, revise or withdraw a partner's practice published on the installation that hosts it."""
    from kujdes.network.practices.services import search_index_remove, search_index_update

    payload = received.payload
    if payload.get("schema") != SCHEMA:
        raise _reject(f"not a practice package (expected {SCHEMA})")
    partner = received.sender_partner(payload.get("partner"))
    if partner.organisation_id is not None:
        raise _reject("the partner is an organisation of this installation", "local_partner")
    try:
        public_id = uuid.UUID(str(payload.get("practice")))
    except ValueError:
        raise _reject("the practice's id is not valid") from None
    status = payload.get("status")
    if status not in (PracticeStatus.PUBLISHED, PracticeStatus.WITHDRAWN):
        raise _reject("only a published or withdrawn practice travels")
    version = _version(payload.get("version"))
    practice = Practice.objects.select_for_update().filter(public_id=public_id).first()
    if practice is not None and (not practice.is_remote or practice.partner_id != partner.pk):
        raise _reject("the practice belongs to another partner or to this installation", "not_yours")

    if status == PracticeStatus.WITHDRAWN:
        if practice is None:
            return  # never received here: nothing to take out
        if version >= practice.published_version and practice.status != PracticeStatus.WITHDRAWN:
            practice.status = PracticeStatus.WITHDRAWN
            search_index_remove(practice=practice)
        _stamp(practice, received)
        practice.save()
        _audit(practice=practice, received=received, version=version, applied=True)
        return

    if practice is not None and version <= practice.published_version:
        # Already here (or a late package of an older revision): nothing of it changes.
        _stamp(practice, received)
        practice.save(update_fields=["package_id", "sender_installation_id", "received_at"])
        _audit(practice=practice, received=received, version=version, applied=False)
        return
    snapshot = payload.get("snapshot")
    if not isinstance(snapshot, dict):
        raise _reject("a published practice comes with its snapshot")
    data = {name: snapshot.get(name) for name in SNAPSHOT_FIELDS}
    data["partner"] = {"code": partner.code, "name": partner.name}
    data["texts"] = {
        language: {name: text.get(name) for name in TEXT_PAYLOAD_FIELDS}
        for language, text in (snapshot.get("texts") or {}).items()
        if isinstance(text, dict)
    }
    published_at = env.timestamp(timezone.now())
    if isinstance(payload.get("published_at"), str):
        published_at = payload["published_at"]
    published = datetime.datetime.fromisoformat(published_at)
    if published.tzinfo is None:
        raise _reject("the publication time has no time zone")
    if practice is None:
        practice = Practice(
            public_id=public_id,
            partner=partner,
            origin=PracticeOrigin.REMOTE,
            original_language=_text(data["original_language"]),
        )
    elif practice.original_language != data["original_language"]:
        raise _reject("a practice's original language does not change", "conflict")
    practice.themes = data["themes"] if isinstance(data["themes"], list) else []
    practice.target_groups = data["target_groups"] if isinstance(data["target_groups"], list) else []
    practice.country = _text(data["country"])
    practice.period_start = _date(data["period_start"])
    practice.period_end = _date(data["period_end"])
    practice.tags = data["tags"] if isinstance(data["tags"], list) else []
    practice.contact_name, practice.contact_email = "", ""
    practice.status = PracticeStatus.PUBLISHED
    practice.published_version = version
    practice.published_at = published
    _stamp(practice, received)
    try:
        practice.full_clean(validate_constraints=False)
    except ValidationError:
        raise _reject("the practice's details are not valid here") from None
    practice.save()
    _texts_store(practice=practice, texts=data["texts"])
    PracticeVersion.objects.create(practice=practice, number=version, data=data, published_at=published)
    _documents_store(
        practice=practice,
        documents=payload.get("documents", []),
        left_out=payload.get("documents_left_out", []),
    )
    practice.save(update_fields=["documents_left_out"])
    search_index_update(practice=practice, data=data, published_at=published)
    _audit(practice=practice, received=received, version=version, applied=True)


def _audit(*, practice: Practice, received: Received, version: int, applied: bool) -> None:
    federation_audit(
        action="network.practices.received",
        obj=practice,
        details={
            "practice": str(practice.public_id),
            "partner": practice.partner.code,
            "version": version,
            "status": practice.status,
            "applied": applied,
            "package": str(received.package_id),
        },
    )
