"""Writes of the good-practice library. Every write is audited in the actor's organisation's chain."""

from __future__ import annotations

import datetime
import io
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.core.locking import versioned_save
from kujdes.core.roles import Perm
from kujdes.network.models import Partner
from kujdes.network.practices import selectors as sel
from kujdes.network.practices.federation import practice_push
from kujdes.network.practices.models import (
    TEXT_FIELDS,
    Adoption,
    Practice,
    PracticeAttachment,
    PracticeSearchDocument,
    PracticeStatus,
    PracticeText,
    PracticeVersion,
    ReviewComment,
    TextState,
    tags_normalise,
)
from kujdes.network.selectors import network_require
from kujdes.network.services import actor_home_organisation_id, network_audit

if TYPE_CHECKING:
    from kujdes.accounts.models import User

METADATA_FIELDS = (
    "original_language",
    "themes",
    "target_groups",
    "country",
    "period_start",
    "period_end",
    "contact_name",
    "contact_email",
    "tags",
)
# What the owner may change on the practice row itself.
PRACTICE_EDITABLE = tuple(f for f in METADATA_FIELDS if f != "original_language")


def _require_owner(actor: User, practice: Practice) -> None:
    if not sel.practice_can_edit(actor=actor, practice=practice):
        raise PermissionDenied


def _require_coordinator(actor: User) -> None:
    network_require(actor=actor, perm=Perm.NETWORK_MANAGE)


def _reopen(practice: Practice) -> None:
    """A change to a published practice starts its next revision (readers keep the snapshot)."""
    if practice.status == PracticeStatus.PUBLISHED:
        Practice.objects.filter(pk=practice.pk).update(status=PracticeStatus.DRAFT, updated_at=timezone.now())
        practice.status = PracticeStatus.DRAFT


# --- practices and texts -----------------------------------------------------------------------


@transaction.atomic
def practice_create(*, actor: User, partner: Partner, texts: dict[str, Any], **fields: Any) -> Practice:
    """A focal point starts a practice of their partner, in its original language (a draft)."""
    if partner.pk not in sel.actor_focal_partner_ids(actor=actor):
        raise PermissionDenied
    fields["tags"] = tags_normalise(fields.get("tags"))
    practice = Practice(partner=partner, created_by=actor, **fields)
    practice.full_clean()
    practice.save()
    original = PracticeText(practice=practice, language=practice.original_language, is_original=True, **texts)
    original.full_clean()
    original.save()
    network_audit(
        actor=actor, action="network.practices.created", obj=practice, details={"partner": partner.code}
    )
    return practice


@transaction.atomic
def practice_update(
    *, actor: User, practice: Practice, version: int | None, changes: dict[str, Any]
) -> Practice:
    """The owner changes a practice's metadata (stale-checked)."""
    _require_owner(actor, practice)
    if set(changes) - set(PRACTICE_EDITABLE):
        raise PermissionDenied
    if "tags" in changes:
        changes["tags"] = tags_normalise(changes["tags"])
    candidate = Practice.objects.get(pk=practice.pk)
    for name, value in changes.items():
        setattr(candidate, name, value)
    candidate.full_clean()
    updated = versioned_save(instance=practice, expected_version=version, changes=changes)
    _reopen(updated)
    network_audit(
        actor=actor, action="network.practices.updated", obj=updated, details={"fields": sorted(changes)}
    )
    return updated


@transaction.atomic
def practice_text_save(
    *,
    actor: User,
    practice: Practice,
    language: str,
    fields: dict[str, Any],
    version: int | None = None,
    translator_name: str = "",
) -> PracticeText:
    """Write the original or a translation (stale-checked when it exists).

    The owner's texts belong to its working revision. A focal point of another partner may
    translate a published practice: the translation is submitted to the coordinator on its own.
    A translation records the revision of the original it was made from.
    """
    if not sel.practice_can_translate(actor=actor, practice=practice):
        raise PermissionDenied
    owner = sel.practice_is_owner(actor=actor, practice=practice)
    fields = {k: v for k, v in fields.items() if k in TEXT_FIELDS}
    existing = PracticeText.objects.filter(practice=practice, language=language).first()
    original = PracticeText.objects.get(practice=practice, is_original=True)
    if (
        existing is not None
        and not owner
        and existing.contributed_by_id not in sel.actor_focal_partner_ids(actor=actor)
    ):
        raise PermissionDenied
    today = timezone.localdate()
    if existing is None:
        text = PracticeText(practice=practice, language=language, is_original=False, **fields)
        text.source_revision = original.revision
        text.translator_name = translator_name or actor.get_full_name() or actor.get_username()
        text.translated_by = actor
        text.translated_on = today
        if not owner:
            text.contributed_by = Partner.objects.filter(
                pk__in=sel.actor_focal_partner_ids(actor=actor)
            ).first()
            text.state = TextState.SUBMITTED
        text.full_clean()
        text.save()
        action = "network.practices.translation_added"
    else:
        changes: dict[str, Any] = dict(fields)
        changed = any(getattr(existing, k) != v for k, v in fields.items())
        if existing.is_original:
            if changed:
                changes["revision"] = existing.revision + 1
        else:
            changes.update(
                source_revision=original.revision,
                translator_name=translator_name or existing.translator_name,
                translated_by=actor,
                translated_on=today,
            )
            if not owner:
                changes["state"] = TextState.SUBMITTED
        candidate = PracticeText.objects.get(pk=existing.pk)
        for name, value in changes.items():
            setattr(candidate, name, value)
        candidate.full_clean()
        text = versioned_save(instance=existing, expected_version=version, changes=changes)
        action = "network.practices.text_updated"
    if owner and (existing is None or existing.is_original or existing.contributed_by_id is None):
        _reopen(practice)
    Practice.objects.filter(pk=practice.pk).update(updated_at=timezone.now())
    network_audit(actor=actor, action=action, obj=practice, details={"language": language})
    return text


@transaction.atomic
def practice_submit(*, actor: User, practice: Practice, message: str = "") -> Practice:
    """The owner submits the working revision to the coordinator."""
    _require_owner(actor, practice)
    if practice.status not in (PracticeStatus.DRAFT, PracticeStatus.RETURNED):
        raise ValidationError(_("Only a draft or a returned practice can be submitted."))
    practice.status = PracticeStatus.SUBMITTED
    practice.submitted_at = timezone.now()
    practice.save(update_fields=["status", "submitted_at", "updated_at"])
    ReviewComment.objects.create(
        practice=practice, author=actor, kind=ReviewComment.Kind.SUBMITTED, body=message
    )
    network_audit(actor=actor, action="network.practices.submitted", obj=practice)
    return practice


@transaction.atomic
def practice_comment(*, actor: User, practice: Practice, body: str, language: str = "") -> ReviewComment:
    """A message in the review thread (the coordinator, the owner, or a translation's contributor)."""
    allowed = sel.practice_can_review(actor=actor, practice=practice) or sel.practice_is_owner(
        actor=actor, practice=practice
    )
    if not allowed and language:
        allowed = practice.texts.filter(
            language=language, contributed_by_id__in=sel.actor_focal_partner_ids(actor=actor)
        ).exists()
    if not allowed or practice.is_remote:
        raise PermissionDenied
    if not body.strip():
        raise ValidationError({"body": _("Write a comment.")})
    comment = ReviewComment(practice=practice, author=actor, body=body.strip(), language=language)
    comment.full_clean()
    comment.save()
    network_audit(
        actor=actor, action="network.practices.commented", obj=practice, details={"comment": comment.pk}
    )
    return comment


@transaction.atomic
def practice_return(*, actor: User, practice: Practice, body: str) -> Practice:
    """The coordinator returns a submitted practice to its author, saying why."""
    _require_coordinator(actor)
    if practice.status != PracticeStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted practice can be returned."))
    if not body.strip():
        raise ValidationError({"body": _("Say what the author should change.")})
    practice.status = PracticeStatus.RETURNED
    practice.save(update_fields=["status", "updated_at"])
    ReviewComment.objects.create(
        practice=practice, author=actor, kind=ReviewComment.Kind.RETURNED, body=body.strip()
    )
    network_audit(actor=actor, action="network.practices.returned", obj=practice)
    return practice


def _text_data(text: PracticeText) -> dict[str, Any]:
    data = {name: getattr(text, name) for name in TEXT_FIELDS}
    data.update(
        is_original=text.is_original,
        revision=text.revision,
        source_revision=text.source_revision,
        translator_name=text.translator_name,
        translated_on=text.translated_on.isoformat() if text.translated_on else None,
        contributed_by=text.contributed_by.code if text.contributed_by_id else None,
    )
    return data


def snapshot_data(*, practice: Practice, include_pending: bool = False) -> dict[str, Any]:
    """The practice as a snapshot stores it: metadata and every text of every language.

    Translations contributed by other partners come in once the coordinator published them.
    """
    texts = {}
    original_revision = 1
    for text in practice.texts.select_related("contributed_by").all():
        if text.state in (TextState.SUBMITTED, TextState.RETURNED) and not include_pending:
            continue
        texts[text.language] = _text_data(text)
        if text.is_original:
            original_revision = text.revision
    return {
        "partner": {"code": practice.partner.code, "name": practice.partner.name},
        "original_language": practice.original_language,
        "original_revision": original_revision,
        "themes": list(practice.themes),
        "target_groups": list(practice.target_groups),
        "country": practice.country,
        "period_start": practice.period_start.isoformat() if practice.period_start else None,
        "period_end": practice.period_end.isoformat() if practice.period_end else None,
        "contact_name": practice.contact_name,
        "contact_email": practice.contact_email,
        "tags": list(practice.tags),
        "texts": texts,
    }


def _snapshot_store(*, actor: User | None, practice: Practice, data: dict[str, Any]) -> PracticeVersion:
    number = practice.published_version + 1
    now = timezone.now()
    snapshot = PracticeVersion.objects.create(
        practice=practice, number=number, data=data, published_by=actor, published_at=now
    )
    Practice.objects.filter(pk=practice.pk).update(published_version=number, published_at=now)
    practice.published_version, practice.published_at = number, now
    search_index_update(practice=practice, data=data, published_at=now)
    return snapshot


@transaction.atomic
def practice_publish(*, actor: User, practice: Practice, body: str = "") -> PracticeVersion:
    """The coordinator publishes a submitted practice: a new immutable snapshot readers will see."""
    _require_coordinator(actor)
    if practice.status != PracticeStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted practice can be published."))
    practice.status = PracticeStatus.PUBLISHED
    practice.save(update_fields=["status", "updated_at"])
    snapshot = _snapshot_store(actor=actor, practice=practice, data=snapshot_data(practice=practice))
    practice.attachments.filter(is_published=False).update(is_published=True)
    ReviewComment.objects.create(
        practice=practice, author=actor, kind=ReviewComment.Kind.PUBLISHED, body=body.strip()
    )
    network_audit(
        actor=actor, action="network.practices.published", obj=practice, details={"version": snapshot.number}
    )
    practice_push(practice=practice, actor=actor)
    return snapshot


@transaction.atomic
def translation_decide(*, actor: User, text: PracticeText, publish: bool, body: str = "") -> PracticeText:
    """The coordinator publishes a contributed translation (a new snapshot with it) or returns it."""
    _require_coordinator(actor)
    if text.state != TextState.SUBMITTED:
        raise ValidationError(_("This translation is not awaiting review."))
    practice = text.practice
    if publish:
        latest = sel.practice_snapshot(practice=practice)
        if latest is None:
            raise ValidationError(_("The practice is not published yet."))
        text.state = TextState.PUBLISHED
        text.save(update_fields=["state", "updated_at"])
        data = dict(latest.data)
        data["texts"] = {**data["texts"], text.language: _text_data(text)}
        _snapshot_store(actor=actor, practice=practice, data=data)
        practice_push(practice=practice, actor=actor)
        kind = ReviewComment.Kind.PUBLISHED
    else:
        if not body.strip():
            raise ValidationError({"body": _("Say what the translator should change.")})
        text.state = TextState.RETURNED
        text.save(update_fields=["state", "updated_at"])
        kind = ReviewComment.Kind.RETURNED
    ReviewComment.objects.create(
        practice=practice, author=actor, kind=kind, body=body.strip(), language=text.language
    )
    network_audit(
        actor=actor,
        action="network.practices.translation_" + ("published" if publish else "returned"),
        obj=practice,
        details={"language": text.language},
    )
    return text


@transaction.atomic
def practice_withdraw(*, actor: User, practice: Practice) -> Practice:
    """The owner withdraws a practice: readers no longer find it (its versions are kept)."""
    _require_owner(actor, practice)
    practice.status = PracticeStatus.WITHDRAWN
    practice.save(update_fields=["status", "updated_at"])
    search_index_remove(practice=practice)
    network_audit(actor=actor, action="network.practices.withdrawn", obj=practice)
    # Peers' libraries had it once it was published: they take it out too.
    practice_push(practice=practice, actor=actor)
    return practice


# --- search index ------------------------------------------------------------------------------


def search_document_fields(*, data: dict[str, Any]) -> dict[str, Any]:
    texts = data["texts"].values()
    return {
        "titles": "\n".join(t["title"] for t in texts),
        "body": "\n".join(
            " ".join(str(t.get(name) or "") for name in TEXT_FIELDS if name != "title") for t in texts
        )
        + "\n"
        + " ".join(data.get("tags", [])),
        "country": data["country"],
        "themes": sel._bar(data["themes"]),
        "target_groups": sel._bar(data["target_groups"]),
        "languages": sel._bar(sorted(data["texts"])),
        "cards": {
            **{
                code: [t["title"], t["summary"][:400], bool(t.get("is_original"))]
                for code, t in data["texts"].items()
            },
            "": data["original_language"],
        },
    }


def search_vectors_refresh(*, ids: list[int]) -> None:
    """Recompute the vendor's full-text index for these search documents."""
    if not ids:
        return
    table = PracticeSearchDocument._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} SET document ="  # noqa: S608 — fixed table name
                " setweight(to_tsvector('simple', network_practices_unaccent(titles)), 'A')"
                " || setweight(to_tsvector('simple', network_practices_unaccent(body)), 'D')"
                " WHERE id = ANY(%s)",
                [ids],
            )
        elif connection.vendor == "sqlite":
            marks = ",".join("%s" for _ in ids)
            cursor.execute(f"DELETE FROM network_practices_fts WHERE rowid IN ({marks})", ids)  # noqa: S608
            cursor.execute(
                f"INSERT INTO network_practices_fts(rowid, titles, body)"  # noqa: S608
                f" SELECT id, titles, body FROM {table} WHERE id IN ({marks})",
                ids,
            )


def search_index_update(*, practice: Practice, data: dict[str, Any], published_at: datetime.datetime) -> None:
    """Index a practice's latest published snapshot (called inside the publishing transaction)."""
    document, _created = PracticeSearchDocument.objects.update_or_create(
        practice=practice,
        defaults={
            "partner_id": practice.partner_id,
            "published_at": published_at,
            **search_document_fields(data=data),
        },
    )
    search_vectors_refresh(ids=[document.pk])


def search_index_remove(*, practice: Practice) -> None:
    ids = list(PracticeSearchDocument.objects.filter(practice=practice).values_list("pk", flat=True))
    if ids and connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM network_practices_fts WHERE rowid = %s", [ids[0]])
    PracticeSearchDocument.objects.filter(pk__in=ids).delete()


# --- attachments -------------------------------------------------------------------------------


@transaction.atomic
def attachment_store(*, actor: User, practice: Practice, upload: Any) -> PracticeAttachment:
    """A document of the practice: type-checked by content, size-limited, images without metadata,
    stored encrypted with a key of its own. Raises UploadRefused with a message for the user."""
    from kujdes.core.crypto import KeyHandle, subject_key_create
    from kujdes.core.files import encrypted_file_write
    from kujdes.network.practices.files import practice_upload_check

    _require_owner(actor, practice)
    content_type, replacement = practice_upload_check(upload=upload, size=upload.size or 0)
    record = subject_key_create(organisation_id=actor_home_organisation_id(actor=actor))
    stored = PracticeAttachment(
        practice=practice,
        name=(upload.name or "document")[:200],
        content_type=content_type,
        key_id=record.public_id,
        uploaded_by=actor,
        # A practice that readers already see gets it with its next publication.
        is_published=False,
    )
    source = io.BytesIO(replacement) if replacement is not None else upload
    stored.size = encrypted_file_write(
        handle=KeyHandle(key_id=record.public_id, record=record), file_id=stored.public_id, source=source
    )
    stored.save()
    network_audit(
        actor=actor,
        action="network.practices.attachment_stored",
        obj=practice,
        details={"file": str(stored.public_id), "content_type": content_type, "size": stored.size},
    )
    return stored


@transaction.atomic
def attachment_delete(*, actor: User, attachment: PracticeAttachment) -> None:
    from kujdes.core.crypto import subject_key_destroy
    from kujdes.core.files import encrypted_file_delete

    _require_owner(actor, attachment.practice)
    network_audit(
        actor=actor,
        action="network.practices.attachment_deleted",
        obj=attachment.practice,
        details={"file": str(attachment.public_id)},
    )
    file_id, key_id = attachment.public_id, attachment.key_id
    attachment.delete()
    encrypted_file_delete(file_id=file_id)
    if key_id:
        subject_key_destroy(key_id=key_id)


# --- adoptions ---------------------------------------------------------------------------------


@transaction.atomic
def adoption_record(*, actor: User, practice: Practice, partner: Partner, **fields: Any) -> Adoption:
    """A focal point records that their partner adopted or adapted a published practice."""
    if not sel.practice_can_adopt(actor=actor, practice=practice):
        raise PermissionDenied
    if partner.pk not in sel.actor_focal_partner_ids(actor=actor) or partner.pk == practice.partner_id:
        raise PermissionDenied
    adoption = Adoption(practice=practice, partner=partner, recorded_by=actor, **fields)
    adoption.full_clean()
    adoption.save()
    network_audit(
        actor=actor,
        action="network.practices.adopted",
        obj=practice,
        details={"partner": partner.code, "kind": adoption.kind},
    )
    return adoption
