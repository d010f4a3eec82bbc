"""Writes of exchanges, participants, follow-up actions and documents; the daily reminders.

Each service checks the actor's right (PermissionDenied → 403), validates with full_clean()
and records a "network.exchanges.*" audit event (ids and codes only) in its transaction.
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.files import UploadRefused, encrypted_file_delete, encrypted_file_write, upload_check
from kujdes.core.locking import versioned_save
from kujdes.network.exchanges import selectors
from kujdes.network.exchanges.models import (
    Exchange,
    ExchangeAgendaItem,
    ExchangeDocument,
    ExchangeParticipant,
    FollowUpAction,
)
from kujdes.network.models import FocalPoint, Partner
from kujdes.network.services import actor_home_organisation_id, network_audit

if TYPE_CHECKING:
    from kujdes.accounts.models import User

EXCHANGE_FIELDS = (
    "kind",
    "title",
    "host",
    "starts_on",
    "ends_on",
    "place",
    "is_online",
    "online_link",
    "objectives",
    "agenda",
    "status",
)
REMINDER_DAYS = 7
REMINDER_ACTION = "network.exchanges.reminders.sent"


def _visitors_check(host: Partner, visitors: list[Partner]) -> None:
    if any(v.pk == host.pk for v in visitors):
        raise ValidationError({"visitors": _("The host partner cannot also be a visiting partner.")})


@transaction.atomic
def exchange_create(*, actor: User, visitors: list[Partner], **fields: Any) -> Exchange:
    """The coordinator, or a focal point of the host partner, records an exchange."""
    exchange = Exchange(created_by=actor, **fields)
    if not selectors.exchange_can_manage(actor=actor, exchange=exchange):
        raise PermissionDenied
    exchange.full_clean()
    _visitors_check(exchange.host, visitors)
    exchange.save()
    exchange.visitors.set(visitors)
    network_audit(
        actor=actor,
        action="network.exchanges.created",
        obj=exchange,
        details={"host": exchange.host.code, "visitors": sorted(v.code for v in visitors)},
    )
    return exchange


@transaction.atomic
def exchange_update(
    *,
    actor: User,
    exchange: Exchange,
    version: int | None,
    changes: dict[str, Any],
    visitors: list[Partner] | None = None,
) -> Exchange:
    """The exchange's managers change it (stale-checked); handing it to another host needs the coordinator
    or a focal point of both partners."""
    if not selectors.exchange_can_manage(actor=actor, exchange=exchange):
        raise PermissionDenied
    if set(changes) - set(EXCHANGE_FIELDS):
        raise PermissionDenied
    candidate = Exchange.objects.get(pk=exchange.pk)
    for field, value in changes.items():
        setattr(candidate, field, value)
    if not selectors.exchange_can_manage(actor=actor, exchange=candidate):
        raise PermissionDenied  # a focal point cannot give their exchange away
    candidate.full_clean()
    if visitors is not None:
        _visitors_check(candidate.host, visitors)
    updated = versioned_save(instance=exchange, expected_version=version, changes=changes)
    if visitors is not None:
        updated.visitors.set(visitors)
    network_audit(
        actor=actor, action="network.exchanges.updated", obj=updated, details={"fields": sorted(changes)}
    )
    return updated


@transaction.atomic
def exchange_practices_set(*, actor: User, exchange: Exchange, practices: list[Any]) -> Exchange:
    """The practices presented at the exchange (its managers; published practices only)."""
    if not selectors.exchange_can_manage(actor=actor, exchange=exchange):
        raise PermissionDenied
    published = set(selectors.practices_to_present().values_list("pk", flat=True))
    if any(p.pk not in published for p in practices):
        raise ValidationError({"practices": _("Only published practices can be linked.")})
    exchange.practices.set(practices)  # type: ignore[attr-defined]
    network_audit(
        actor=actor,
        action="network.exchanges.practices_set",
        obj=exchange,
        details={"practices": sorted(str(p.public_id) for p in practices)},
    )
    return exchange


@transaction.atomic
def agenda_item_add(
    *,
    actor: User,
    exchange: Exchange,
    day: datetime.date,
    topic: str,
    starts_at: datetime.time | None = None,
    speaker: str = "",
) -> ExchangeAgendaItem:
    """An agenda line (the exchange's managers), on one of the exchange's days."""
    if not selectors.exchange_can_manage(actor=actor, exchange=exchange):
        raise PermissionDenied
    item = ExchangeAgendaItem(exchange=exchange, day=day, starts_at=starts_at, topic=topic, speaker=speaker)
    item.full_clean()
    if not exchange.starts_on <= day <= exchange.ends_on:
        raise ValidationError({"day": _("The day must fall between the exchange's first and last days.")})
    item.save()
    network_audit(actor=actor, action="network.exchanges.agenda_added", obj=exchange)
    return item


@transaction.atomic
def agenda_item_remove(*, actor: User, item: ExchangeAgendaItem) -> None:
    if not selectors.exchange_can_manage(actor=actor, exchange=item.exchange):
        raise PermissionDenied
    network_audit(actor=actor, action="network.exchanges.agenda_removed", obj=item.exchange)
    item.delete()


def _participant_user_check(partner: Partner, user: User | None) -> None:
    if user is not None and (
        partner.organisation_id is None or user.organisation_id != partner.organisation_id
    ):
        raise ValidationError({"user": _("The account must be one of this partner's staff.")})


@transaction.atomic
def participant_add(
    *,
    actor: User,
    exchange: Exchange,
    partner: Partner,
    name: str,
    role: str = "",
    email: str = "",
    user: User | None = None,
    learning_outcomes: str = "",
) -> ExchangeParticipant:
    """A staff participant; a visiting partner's focal point adds their own partner's staff only."""
    if partner.pk not in selectors.exchange_partners_for_actor(actor=actor, exchange=exchange):
        raise PermissionDenied
    participant = ExchangeParticipant(
        exchange=exchange,
        partner=partner,
        name=name,
        role=role,
        email=email,
        user=user,
        learning_outcomes=learning_outcomes,
    )
    participant.full_clean()
    _participant_user_check(partner, user)
    participant.save()
    network_audit(
        actor=actor,
        action="network.exchanges.participant_added",
        obj=exchange,
        details={"participant": str(participant.public_id), "partner": partner.code},
    )
    return participant


PARTICIPANT_FIELDS = ("name", "role", "email", "user", "learning_outcomes")


@transaction.atomic
def participant_update(
    *, actor: User, participant: ExchangeParticipant, changes: dict[str, Any]
) -> ExchangeParticipant:
    """A participant's details and learning outcomes (their partner's focal points, the managers)."""
    if not selectors.participant_can_edit(actor=actor, participant=participant):
        raise PermissionDenied
    if set(changes) - set(PARTICIPANT_FIELDS):
        raise PermissionDenied
    for field, value in changes.items():
        setattr(participant, field, value)
    participant.full_clean()
    _participant_user_check(participant.partner, participant.user)
    participant.save()
    network_audit(
        actor=actor,
        action="network.exchanges.participant_updated",
        obj=participant.exchange,
        details={"participant": str(participant.public_id), "fields": sorted(changes)},
    )
    return participant


@transaction.atomic
def participant_evaluation_record(
    *,
    actor: User,
    participant: ExchangeParticipant,
    rating_overall: int | None,
    rating_usefulness: int | None,
    will_apply: str = "",
    evaluation_comment: str = "",
) -> ExchangeParticipant:
    """The post-visit evaluation form's answers for one participant (after the exchange began)."""
    if not selectors.participant_can_edit(actor=actor, participant=participant):
        raise PermissionDenied
    if participant.exchange.starts_on > timezone.localdate():
        raise ValidationError(_("The evaluation is filled in once the exchange has taken place."))
    if rating_overall is None and rating_usefulness is None and not will_apply and not evaluation_comment:
        raise ValidationError(_("Answer at least one question of the evaluation."))
    participant.rating_overall = rating_overall
    participant.rating_usefulness = rating_usefulness
    participant.will_apply = will_apply
    participant.evaluation_comment = evaluation_comment
    participant.evaluated_at = timezone.now()
    participant.full_clean()
    participant.save()
    network_audit(
        actor=actor,
        action="network.exchanges.evaluation_recorded",
        obj=participant.exchange,
        details={"participant": str(participant.public_id)},
    )
    return participant


@transaction.atomic
def participant_remove(*, actor: User, participant: ExchangeParticipant) -> None:
    if not selectors.participant_can_edit(actor=actor, participant=participant):
        raise PermissionDenied
    network_audit(
        actor=actor,
        action="network.exchanges.participant_removed",
        obj=participant.exchange,
        details={"participant": str(participant.public_id)},
    )
    participant.delete()


# -- follow-up actions -------------------------------------------------------------------------------


def _owner_user_check(action: FollowUpAction) -> None:
    owner = action.owner_user
    partner = action.owner_partner
    if owner is not None and (
        partner.organisation_id is None or owner.organisation_id != partner.organisation_id
    ):
        raise ValidationError(
            {"owner_user": _("The owner's account must be one of the owner partner's staff.")}
        )


@transaction.atomic
def action_create(
    *,
    actor: User,
    exchange: Exchange,
    description: str,
    owner_partner: Partner,
    due_on: datetime.date,
    owner_name: str = "",
    owner_user: User | None = None,
    note: str = "",
) -> FollowUpAction:
    """A follow-up action agreed at the exchange (the exchange's managers)."""
    if not selectors.exchange_can_manage(actor=actor, exchange=exchange):
        raise PermissionDenied
    action = FollowUpAction(
        exchange=exchange,
        description=description,
        owner_partner=owner_partner,
        owner_name=owner_name,
        owner_user=owner_user,
        due_on=due_on,
        note=note,
    )
    action.full_clean()
    _owner_user_check(action)
    action.save()
    network_audit(
        actor=actor,
        action="network.exchanges.action_created",
        obj=exchange,
        details={"action": str(action.public_id), "owner": owner_partner.code},
    )
    return action


ACTION_OWNER_FIELDS = ("status", "done_on", "note")
ACTION_MANAGER_FIELDS = (
    *ACTION_OWNER_FIELDS,
    "description",
    "owner_partner",
    "owner_name",
    "owner_user",
    "due_on",
)


@transaction.atomic
def action_update(
    *, actor: User, action: FollowUpAction, version: int | None, changes: dict[str, Any]
) -> FollowUpAction:
    """The owner updates status, done date and note; the managers change anything (stale-checked)."""
    if not selectors.action_can_update(actor=actor, action=action):
        raise PermissionDenied
    allowed = (
        ACTION_MANAGER_FIELDS
        if selectors.exchange_can_manage(actor=actor, exchange=action.exchange)
        else ACTION_OWNER_FIELDS
    )
    if set(changes) - set(allowed):
        raise PermissionDenied
    candidate = FollowUpAction.objects.select_related("owner_partner").get(pk=action.pk)
    for field, value in changes.items():
        setattr(candidate, field, value)
    candidate.full_clean()
    _owner_user_check(candidate)
    updated = versioned_save(instance=action, expected_version=version, changes=changes)
    network_audit(
        actor=actor,
        action="network.exchanges.action_updated",
        obj=action.exchange,
        details={"action": str(action.public_id), "status": updated.status, "fields": sorted(changes)},
    )
    return updated


# -- documents and photos ----------------------------------------------------------------------------


def document_consent_check(*, people_recognisable: bool, consent_confirmed: bool, consent_note: str) -> None:
    """A photo where people are recognisable needs their consent, confirmed and described."""
    if not people_recognisable:
        return
    errors = {}
    if not consent_confirmed:
        errors["consent_confirmed"] = _(
            "People can be recognised: confirm that everyone shown agreed to the photo being shared "
            "with the network, or do not upload it."
        )
    if not consent_note.strip():
        errors["consent_note"] = _("Say who consented and how (for example: “all four, orally, on 12 May”).")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def document_store(
    *,
    actor: User,
    exchange: Exchange,
    partner: Partner,
    title: str,
    upload: Any,
    kind: str = "other",
    people_recognisable: bool = False,
    consent_confirmed: bool = False,
    consent_note: str = "",
) -> ExchangeDocument:
    """A document or photo shared by a partner of the exchange: type checked by content, size limited,
    EXIF stripped, stored encrypted with a key of its own. Raises UploadRefused or ValidationError."""
    from kujdes.core.crypto import subject_key_create

    if partner.pk not in selectors.exchange_partners_for_actor(actor=actor, exchange=exchange):
        raise PermissionDenied
    document_consent_check(
        people_recognisable=people_recognisable,
        consent_confirmed=consent_confirmed,
        consent_note=consent_note,
    )
    content_type, replacement = upload_check(upload=upload, size=upload.size or 0)
    if kind == "photo" and not content_type.startswith("image/"):
        raise UploadRefused(_("A photo must be a JPEG, PNG or WEBP image."))
    document = ExchangeDocument(
        exchange=exchange,
        partner=partner,
        kind=kind,
        title=title or (upload.name or "document")[:200],
        name=(upload.name or "document")[:200],
        content_type=content_type,
        people_recognisable=people_recognisable,
        consent_confirmed=consent_confirmed,
        consent_note=consent_note,
        uploaded_by=actor,
    )
    document.full_clean()
    document.key_id = subject_key_create(organisation_id=actor_home_organisation_id(actor=actor)).public_id
    source = io.BytesIO(replacement) if replacement is not None else upload
    source.seek(0)
    document.size = encrypted_file_write(
        handle=document.encryption_handle(), file_id=document.public_id, source=source
    )
    # The file is written before the row: if the row fails, the transaction rolls back and the
    # orphan file (unreadable without its key, destroyed below) is removed.
    try:
        document.save()
    except Exception:
        encrypted_file_delete(file_id=document.public_id)
        raise
    network_audit(
        actor=actor,
        action="network.exchanges.document_stored",
        obj=exchange,
        details={
            "document": str(document.public_id),
            "content_type": content_type,
            "size": document.size,
            "people_recognisable": people_recognisable,
        },
    )
    return document


@transaction.atomic
def document_delete(*, actor: User, document: ExchangeDocument) -> None:
    """Remove a document: its row, its file and its key."""
    from kujdes.core.crypto import subject_key_destroy

    if not selectors.document_can_delete(actor=actor, document=document):
        raise PermissionDenied
    network_audit(
        actor=actor,
        action="network.exchanges.document_deleted",
        obj=document.exchange,
        details={"document": str(document.public_id)},
    )
    file_id, key_id = document.public_id, document.key_id
    document.delete()
    transaction.on_commit(lambda: encrypted_file_delete(file_id=file_id))
    if key_id is not None:
        transaction.on_commit(lambda: subject_key_destroy(key_id=key_id))


# -- reminders (called by the programme room's daily job through kujdes.programme.reminders) -------


def _recipients(action: FollowUpAction) -> list[tuple[str, str]]:
    """(e-mail, language) of who is reminded: the owner's account, else the owner partner's focal points."""
    languages = {code for code, _label in settings.LANGUAGES}
    owner = action.owner_user
    if owner is not None and owner.is_active and owner.email:
        return [(owner.email, owner.language or "")]
    partner_language = next((code for code in action.owner_partner.languages if code in languages), "")
    return [
        (email, partner_language)
        for email in FocalPoint.objects.filter(partner=action.owner_partner)
        .exclude(email="")
        .values_list("email", flat=True)
    ]


def follow_up_reminders_send(*, today: datetime.date) -> int | None:
    """E-mail the owners of open follow-up actions due within 7 days or overdue; once a day at most.

    Each action remembers the day of its last reminder; an owner gets one e-mail listing their
    actions. Returns the number of e-mails sent, or None when today's were sent already.
    The e-mails name the exchange, the action and its due date: no data of any person of a case.
    """
    due = selectors.actions_due_for_reminder(today=today, days=REMINDER_DAYS)
    pending = list(due)
    if not pending:
        already = FollowUpAction.objects.filter(reminded_on=today).exists()
        return None if already else 0
    by_recipient: dict[tuple[str, str], list[FollowUpAction]] = defaultdict(list)
    for action in pending:
        for recipient in _recipients(action):
            by_recipient[recipient].append(action)
    sent = 0
    for (email, language), actions in sorted(by_recipient.items(), key=lambda item: item[0]):
        with translation.override(language or settings.LANGUAGE_CODE):
            subject = _("Network: follow-up actions due")
            body = render_to_string(
                "network_exchanges/reminder_email.txt",
                {
                    "actions": [
                        {
                            "action": action,
                            "overdue": action.due_on < today,
                            "link": settings.SITE_URL
                            + reverse(
                                "network_exchange_detail", kwargs={"public_id": action.exchange.public_id}
                            ),
                        }
                        for action in actions
                    ],
                    "list_link": settings.SITE_URL + reverse("network_exchange_action_list") + "?overdue=1",
                },
            )
        send_mail(f"[Kujdes] {subject}", body, None, [email])
        sent += 1
    with transaction.atomic():
        FollowUpAction.objects.filter(pk__in=[a.pk for a in pending]).update(reminded_on=today)
        # The trace, in the chain of each local owner partner's organisation (ids and counts only).
        per_organisation: dict[int, int] = defaultdict(int)
        for action in pending:
            if action.owner_partner.organisation_id is not None:
                per_organisation[action.owner_partner.organisation_id] += 1
        for organisation_id, count in sorted(per_organisation.items()):
            audit_record(
                actor=None, organisation=organisation_id, action=REMINDER_ACTION, details={"actions": count}
            )
    return sent
