"""Writes of cross-border referrals: one transaction each, the audit event inside it, the packages
sent through the federation's outbox (which delivers after the commit).

Sending: `referral_abroad_request` checks the choices and her consent; with consent it sends at
once, without it the case worker's reason becomes a request for a programme manager's approval
(`cases.Approval`, kind referral_abroad) and `approval_decided` sends on approval, recording the
override (`people.ConsentOverride`). Receiving: the `referral` package's handler files an
`IncomingReferral` and acknowledges it; each later step (accept, decline, first contact, closed)
sends another `referral-ack`. A withdrawn consent withdraws every open referral of the person.

One path for every partner: `partner_peer` gives the peer of a remote partner, or None for an
organisation of this installation, and `package_send` delivers the same sealed package either way.
"""

from __future__ import annotations

import base64
import datetime
import io
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.cases.choices import (
    ApprovalKind,
    ApprovalStatus,
    CaseType,
    ExploitationType,
    NrmStage,
    TraffickingStatus,
)
from kujdes.cases.models import Approval, Case, CaseDocument, CaseNote
from kujdes.cases.selectors import case_can_manage
from kujdes.cases.services import TEXT_LIMIT, case_create
from kujdes.core.audit import audit_record
from kujdes.core.crypto import subject_key_create, subject_key_destroy
from kujdes.core.files import UploadRefused, encrypted_file_read, encrypted_file_write, upload_check
from kujdes.core.models import Unit
from kujdes.network.crossborder import dataset
from kujdes.network.crossborder.models import (
    OUTGOING_OPEN,
    ConsentBasis,
    EventKind,
    IncomingReferral,
    IncomingState,
    OutgoingReferral,
    OutgoingState,
    Purpose,
    ReferralEvent,
    Resolution,
)
from kujdes.network.crossborder.selectors import (
    incoming_can_assign,
    incoming_can_erase,
    incoming_can_follow,
    incoming_can_handle,
    incoming_can_resolve,
    units_for_acceptance,
)
from kujdes.network.federation import envelope as env
from kujdes.network.federation.handlers import PackageRejected, Received
from kujdes.network.federation.models import PackageType, Peer
from kujdes.network.federation.services import (
    FederationError,
    inbox_payload_discard,
    inbox_payload_open,
    installation_require,
    package_send,
    partner_peer,
)
from kujdes.network.models import CrossBorderService, Partner, PartnerStatus
from kujdes.network.selectors import partner_for_organisation
from kujdes.people.consent import ConsentMissing, consent_active, consent_require
from kujdes.people.models import ConsentOverride, ConsentPurpose, Person
from kujdes.people.retention import legal_hold_active
from kujdes.people.services import COUNTRY_CODES, person_create, person_erase, person_identity_view

if TYPE_CHECKING:
    from kujdes.accounts.models import User

MESSAGE_LIMIT = 4000
REASON_LIMIT = 2000
# What a package may carry of documents: base64 adds a third, the rest of the payload is small.
PAYLOAD_MARGIN = 256 * 1024


def _event(
    *,
    kind: str,
    outgoing: OutgoingReferral | None = None,
    incoming: IncomingReferral | None = None,
    actor: User | None = None,
    at: datetime.datetime | None = None,
    package_id: uuid.UUID | None = None,
    reason: str = "",
) -> ReferralEvent:
    referral = outgoing or incoming
    assert referral is not None
    event = ReferralEvent(
        organisation_id=referral.organisation_id,
        outgoing=outgoing,
        incoming=incoming,
        kind=kind,
        at=at or timezone.now(),
        package_id=package_id,
        reason=reason or None,
        actor=actor if actor is not None and actor.pk else None,
    )
    event.save()
    return event


def _peer(partner: Partner) -> Peer | None:
    """Where the partner's packages go; a message for the user when they cannot go."""
    try:
        return partner_peer(partner)
    except FederationError as error:
        raise ValidationError({"partner": str(error)}) from None


def _reference(referral: OutgoingReferral | IncomingReferral) -> dict[str, Any]:
    """Audit details: ids and codes only, never a name."""
    details: dict[str, Any] = {"referral": str(referral.referral_id), "purpose": referral.purpose}
    if isinstance(referral, OutgoingReferral):
        details["partner"] = referral.partner.code
        details["case"] = str(referral.case.public_id)
    else:
        details["from"] = referral.sending_partner.code
        details["package"] = str(referral.package_id)
    return details


def _audit(
    referral: OutgoingReferral | IncomingReferral,
    *,
    actor: User | None,
    action: str,
    unit: Any = ...,
    details: dict[str, Any] | None = None,
) -> None:
    """An audit event `crossborder.referral.<action>` of a referral, with its references; the unit
    is its case's (outgoing) or the one it is assigned to (incoming) unless given."""
    if unit is ...:
        unit = referral.case.unit if isinstance(referral, OutgoingReferral) else referral.unit
    audit_record(
        actor=actor,
        organisation=referral.organisation_id,
        action=f"crossborder.referral.{action}",
        obj=referral,
        unit=unit,
        details={**_reference(referral), **(details or {})},
    )


# --- sending ------------------------------------------------------------------------------------


def referral_choices_check(
    *,
    case: Case,
    partner: Partner,
    purpose: str,
    services: list[str],
    fields: list[str],
    documents: list[CaseDocument],
    notes: list[CaseNote],
    message: str,
) -> None:
    """The rules of a referral's choices (ValidationError by field); the form's preview asks too."""
    errors: dict[str, str] = {}
    if purpose not in Purpose.values:
        errors["purpose"] = _("Choose a purpose from the list.")
    if partner.status != PartnerStatus.ACTIVE or partner.organisation_id == case.organisation_id:
        errors["partner"] = _("Choose an active partner of the network in another country.")
    else:
        try:
            partner_peer(partner)
        except FederationError as error:
            errors["partner"] = str(error)
    if not services:
        errors["services"] = _("Choose the services you ask the partner for.")
    elif any(code not in CrossBorderService.values for code in services):
        errors["services"] = _("Choose services from the list.")
    elif partner.cross_border_services and not set(services) <= set(partner.cross_border_services):
        missing = [code for code in services if code not in partner.cross_border_services]
        errors["services"] = _("%(partner)s does not offer: %(services)s.") % {
            "partner": partner.name,
            "services": dataset.services_display(missing),
        }
    if any(name not in dataset.FIELD_NAMES for name in fields):
        errors["fields"] = _("Choose the data to send from the list.")
    if any(document.case_id != case.pk for document in documents) or any(n.case_id != case.pk for n in notes):
        errors["documents"] = _("Choose documents and notes of this case.")
    elif sum(document.size for document in documents) * 4 // 3 + PAYLOAD_MARGIN > (
        settings.FEDERATION_MAX_PACKAGE_BYTES
    ):
        errors["documents"] = _("These documents are too large to travel together (at most %(mb)s MB).") % {
            "mb": settings.FEDERATION_MAX_PACKAGE_BYTES * 3 // 4 // 1_000_000
        }
    if len(message) > MESSAGE_LIMIT:
        errors["message"] = _("At most %(limit)d characters.") % {"limit": MESSAGE_LIMIT}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def referral_abroad_request(
    *,
    actor: User,
    case: Case,
    partner: Partner,
    purpose: str,
    services: list[str],
    fields: list[str],
    documents: list[CaseDocument] | None = None,
    notes: list[CaseNote] | None = None,
    message: str = "",
    override_reason: str = "",
) -> OutgoingReferral:
    """Refer her case to a partner abroad: a case worker of the case, the case open.

    With her consent to sharing with a partner abroad, the referral is sealed and sent at once.
    Without it: ConsentMissing, unless `override_reason` says why — then a programme manager must
    approve (nothing leaves before). ValidationError (by field) for choices that do not hold.
    """
    if not case_can_manage(actor=actor, case=case):
        raise PermissionDenied
    if not case.is_open:
        raise ValidationError(_("Only an open case can be referred."))
    try:
        installation_require()
    except FederationError as error:
        raise ValidationError(str(error)) from None
    sender = partner_for_organisation(organisation_id=case.organisation_id)
    if sender is None:
        raise ValidationError(_("Your organisation is not a partner of the network: it cannot refer abroad."))
    documents, notes = list(documents or []), list(notes or [])
    message = message.strip()
    referral_choices_check(
        case=case,
        partner=partner,
        purpose=purpose,
        services=services,
        fields=fields,
        documents=documents,
        notes=notes,
        message=message,
    )
    referral = OutgoingReferral(
        organisation_id=case.organisation_id,
        case=case,
        partner=partner,
        purpose=purpose,
        services=[code for code in CrossBorderService.values if code in services],
        fields=dataset.fields_normalise(fields),
        documents=[str(document.public_id) for document in documents],
        notes=[str(note.public_id) for note in notes],
        message=message or None,
        requested_by=actor,
    )
    consent = consent_active(person=case.person, purpose=ConsentPurpose.PARTNER_ABROAD)
    if consent is not None:
        referral.state = OutgoingState.SENT
        referral.consent_basis = ConsentBasis.CONSENT
        referral.consent_date = consent.given_on
        referral.save()
        _send(referral=referral, actor=actor)
        return referral
    override_reason = override_reason.strip()
    if not override_reason:
        raise ConsentMissing(ConsentPurpose.PARTNER_ABROAD)
    if len(override_reason) > REASON_LIMIT:
        raise ValidationError(
            {"override_reason": _("At most %(limit)d characters.") % {"limit": REASON_LIMIT}}
        )
    if Approval.objects.filter(case=case, status=ApprovalStatus.PENDING).exists():
        raise ValidationError(_("A request for this case is already waiting for approval."))
    approval = Approval.objects.create(
        organisation_id=case.organisation_id,
        case=case,
        kind=ApprovalKind.REFERRAL_ABROAD,
        details=override_reason,
        requested_by=actor,
    )
    referral.state = OutgoingState.AWAITING_APPROVAL
    referral.approval = approval
    referral.save()
    _event(kind=EventKind.OVERRIDE_REQUESTED, outgoing=referral, actor=actor)
    audit_record(
        actor=actor,
        organisation=case.organisation_id,
        action="crossborder.referral.override_requested",
        obj=referral,
        unit=case.unit,
        details={**_reference(referral), "approval": str(approval.public_id)},
    )
    return referral


def _payload(*, referral: OutgoingReferral, actor: User) -> dict[str, Any]:
    case = referral.case
    person = case.person
    sender = partner_for_organisation(organisation_id=case.organisation_id)
    assert sender is not None
    # Her identity is read through people's own service: the read is audited.
    identity = person_identity_view(actor=actor, person=person)
    notes = list(CaseNote.objects.filter(case=case, public_id__in=referral.notes).order_by("created_at"))
    for note in notes:
        note.case = case
    documents = []
    for document in CaseDocument.objects.filter(case=case, public_id__in=referral.documents).order_by("pk"):
        document.case = case
        data = b"".join(encrypted_file_read(handle=person.encryption_handle(), file_id=document.public_id))
        documents.append(
            {
                "title": document.title or "",
                "name": document.name or "document",
                "content_type": document.content_type,
                "data": base64.b64encode(data).decode("ascii"),
            }
        )
    worker = referral.requested_by
    return {
        "referral_id": str(referral.referral_id),
        "sending_partner": sender.code,
        "receiving_partner": referral.partner.code,
        "purpose": referral.purpose,
        "services": list(referral.services),
        "fields": dataset.dataset_values(case=case, identity=identity, fields=referral.fields, notes=notes),
        "documents": documents,
        "message": referral.message or "",
        "case_worker": {
            "name": worker.display_name,
            "email": worker.email,
            "organisation": case.organisation.name,
            "office_phone": sender.phone,
            "office_email": sender.email,
        },
        "consent": {
            "basis": referral.consent_basis,
            "date": referral.consent_date.isoformat() if referral.consent_date else None,
        },
        "sent_at": env.timestamp(timezone.now()),
    }


def _send(*, referral: OutgoingReferral, actor: User) -> None:
    """Seal and queue the referral package (inside the caller's transaction)."""
    peer = _peer(referral.partner)
    package = package_send(
        type=PackageType.REFERRAL,
        payload=_payload(referral=referral, actor=actor),
        peer=peer,
        actor=actor,
        organisation=referral.organisation_id,
    )
    referral.state = OutgoingState.SENT
    referral.package_id = package.package_id
    referral.sent_at = timezone.now()
    referral.save(
        update_fields=["state", "package_id", "sent_at", "consent_basis", "consent_date", "updated_at"]
    )
    _event(kind=EventKind.SENT, outgoing=referral, actor=actor, package_id=package.package_id)
    _audit(
        referral,
        actor=actor,
        action="sent",
        details={
            "package": str(package.package_id),
            "services": list(referral.services),
            "fields": list(referral.fields),
            "documents": len(referral.documents),
            "notes": len(referral.notes),
            "basis": referral.consent_basis,
        },
    )


def approval_decided(approval: Approval, actor: User) -> None:
    """The hook of `cases.services.approval_decide`/`approval_withdraw` for referrals abroad: an
    approved override is recorded (ConsentOverride, audited) and the referral sent; a refused or
    withdrawn request leaves nothing sent."""
    referral = (
        OutgoingReferral.objects.select_related(
            "case", "case__person", "case__unit", "partner", "requested_by"
        )
        .filter(approval=approval, state=OutgoingState.AWAITING_APPROVAL)
        .first()
    )
    if referral is None:
        return
    case = referral.case
    if approval.status == ApprovalStatus.APPROVED:
        if not case.is_open:
            raise ValidationError(_("The case is closed; reject the request."))
        consent = consent_require(
            actor=actor,
            person=case.person,
            purpose=ConsentPurpose.PARTNER_ABROAD,
            override_reason=approval.details or "",
        )
        if consent is not None:  # she consented meanwhile
            referral.consent_basis, referral.consent_date = ConsentBasis.CONSENT, consent.given_on
        else:
            override = (
                ConsentOverride.objects.filter(person=case.person, purpose=ConsentPurpose.PARTNER_ABROAD)
                .order_by("-created_at", "-pk")
                .first()
            )
            referral.consent_basis = ConsentBasis.OVERRIDE
            referral.consent_date = override.created_at.date() if override else timezone.localdate()
        _event(kind=EventKind.OVERRIDE_APPROVED, outgoing=referral, actor=actor)
        _send(referral=referral, actor=actor)
        return
    if approval.status == ApprovalStatus.REJECTED:
        referral.state, kind = OutgoingState.OVERRIDE_REFUSED, EventKind.OVERRIDE_REFUSED
    else:
        referral.state, kind = OutgoingState.CANCELLED, EventKind.CANCELLED
    referral.save(update_fields=["state", "updated_at"])
    _event(kind=kind, outgoing=referral, actor=actor, reason=approval.decision_comment or "")
    _audit(
        referral,
        actor=actor,
        action=kind,
        unit=case.unit,
        details={"approval": str(approval.public_id)},
    )


def _withdraw(*, referral: OutgoingReferral, actor: User, reason: str, text: str = "") -> None:
    """Tell the partner the referral is withdrawn. A consent withdrawal must never fail for a link
    that is down or revoked: then the timeline says the partner must be told another way."""
    sender = partner_for_organisation(organisation_id=referral.organisation_id)
    payload = {
        "referral_id": str(referral.referral_id),
        "sending_partner": sender.code if sender else "",
        "receiving_partner": referral.partner.code,
        "reason": reason,
        "text": text,
        "at": env.timestamp(timezone.now()),
    }
    package_id = None
    try:
        with transaction.atomic():
            package = package_send(
                type=PackageType.REFERRAL_WITHDRAWAL,
                payload=payload,
                peer=partner_peer(referral.partner),
                actor=actor,
                organisation=referral.organisation_id,
            )
        package_id = package.package_id
    except FederationError:
        _event(kind=EventKind.WITHDRAWAL_UNSENT, outgoing=referral, actor=actor)
    referral.state = OutgoingState.WITHDRAWN
    referral.withdrawal_package_id = package_id
    referral.save(update_fields=["state", "withdrawal_package_id", "updated_at"])
    _event(kind=EventKind.WITHDRAWN, outgoing=referral, actor=actor, package_id=package_id, reason=text)
    _audit(
        referral,
        actor=actor,
        action="withdrawn",
        details={"reason": reason, "package": str(package_id or "")},
    )


@transaction.atomic
def referral_abroad_withdraw(*, actor: User, referral: OutgoingReferral, text: str = "") -> OutgoingReferral:
    """A case worker of the case takes a referral back (the partner is told, in a sealed package)."""
    if not case_can_manage(actor=actor, case=referral.case):
        raise PermissionDenied
    if not referral.is_open:
        raise ValidationError(_("This referral is not open any more."))
    text = text.strip()
    if len(text) > REASON_LIMIT:
        raise ValidationError({"text": _("At most %(limit)d characters.") % {"limit": REASON_LIMIT}})
    _withdraw(referral=referral, actor=actor, reason="withdrawn_by_sender", text=text)
    return referral


def consent_withdrawn(consent: Any, actor: User) -> None:
    """The hook of `people.consent.consent_withdraw`: when she no longer consents to sharing with a
    partner abroad, every open referral of hers is withdrawn from its partner."""
    if consent.purpose != ConsentPurpose.PARTNER_ABROAD:
        return
    person = consent.person
    if consent_active(person=person, purpose=ConsentPurpose.PARTNER_ABROAD) is not None:
        return  # another consent of hers still stands
    referrals = OutgoingReferral.objects.select_related("case", "case__unit", "partner").filter(
        case__person=person, state__in=OUTGOING_OPEN
    )
    for referral in referrals:
        _withdraw(referral=referral, actor=actor, reason="consent_withdrawn")


# --- acknowledgements, on the sending side ------------------------------------------------------

ACK_STATES = {
    "received": OutgoingState.RECEIVED,
    "accepted": OutgoingState.ACCEPTED,
    "declined": OutgoingState.DECLINED,
    "first_contact": OutgoingState.IN_CONTACT,
    "closed": OutgoingState.CLOSED,
}
_RANK = {
    OutgoingState.SENT: 0,
    OutgoingState.RECEIVED: 1,
    OutgoingState.ACCEPTED: 2,
    OutgoingState.DECLINED: 2,
    OutgoingState.IN_CONTACT: 3,
    OutgoingState.CLOSED: 4,
}


def _moment(value: Any, default: datetime.datetime) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return default
    return moment if timezone.is_aware(moment) else default


def _from_partner_host(*, received: Received, partner: Partner) -> bool:
    """Whether the package came from where the partner lives (this installation, or its peer)."""
    if partner.organisation_id is not None:
        return received.peer is None
    return received.peer is not None and received.peer.installation_id == partner.installation_id


def referral_ack_apply(*, received: Received) -> OutgoingReferral:
    """A step of the receiving partner (runs in the inbox's transaction): the timeline grows; the
    state moves forward only (acknowledgements may arrive out of order)."""
    payload = received.payload
    referral_id = uuid.UUID(str(payload["referral_id"]))
    status = str(payload["status"])
    if status not in ACK_STATES:
        raise PackageRejected("unknown_status", "unknown acknowledgement status")
    referral = (
        OutgoingReferral.objects.select_related("partner", "case", "case__person", "case__unit")
        .filter(referral_id=referral_id, package_id__isnull=False)
        .first()
    )
    if referral is None or not _from_partner_host(received=received, partner=referral.partner):
        raise PackageRejected("unknown_referral", "no referral with this id was sent to the sender")
    reason = str(payload.get("reason") or "")[:REASON_LIMIT]
    _event(
        kind=status,
        outgoing=referral,
        at=_moment(payload.get("at"), received.created_at),
        package_id=received.package_id,
        reason=reason,
    )
    new_state = ACK_STATES[status]
    changed = ["updated_at"]
    if referral.state in _RANK and _RANK[new_state] > _RANK[OutgoingState(referral.state)]:
        referral.state = new_state
        changed.append("state")
    contact = payload.get("contact")
    if isinstance(contact, dict):
        referral.partner_contact = {k: str(contact.get(k, ""))[:200] for k in ("name", "email", "phone")}
        changed.append("partner_contact")
    referral.save(update_fields=changed)
    _audit(
        referral,
        actor=None,
        action="acknowledged",
        details={"status": status, "package": str(received.package_id)},
    )
    return referral


# --- receiving ----------------------------------------------------------------------------------


def referral_receive(*, received: Received) -> IncomingReferral:
    """File a referral for the receiving partner, an organisation of this installation (runs in the
    inbox's transaction), and acknowledge it. Only ids and codes are kept: her data stays sealed."""
    payload = received.payload
    referral_id = uuid.UUID(str(payload["referral_id"]))
    receiving = Partner.objects.filter(code=str(payload["receiving_partner"])).first()
    if receiving is None or receiving.organisation_id is None:
        raise PackageRejected(
            "unknown_recipient_partner", "the receiving partner is not an organisation of this installation"
        )
    sending = received.sender_partner(payload["sending_partner"])
    if sending.pk == receiving.pk:
        raise PackageRejected("same_partner", "a partner cannot refer to itself")
    purpose = str(payload["purpose"])
    if purpose not in Purpose.values:
        raise PackageRejected("unknown_purpose", "unknown referral purpose")
    if not isinstance(payload.get("fields"), dict) or not isinstance(payload.get("documents", []), list):
        raise PackageRejected("invalid_content", "the referral's data set is malformed")
    if IncomingReferral.objects.filter(referral_id=referral_id).exists():
        raise PackageRejected("duplicate_referral", "a referral with this id was received already")
    services = [code for code in payload.get("services") or [] if code in CrossBorderService.values]
    key = subject_key_create(organisation_id=receiving.organisation_id)
    incoming = IncomingReferral.objects.create(
        organisation_id=receiving.organisation_id,
        referral_id=referral_id,
        package_id=received.package_id,
        peer=received.peer,
        sending_partner=sending,
        receiving_partner=receiving,
        purpose=purpose,
        services=services,
        sent_at=received.created_at,
        key_id=key.public_id,
    )
    _event(kind=EventKind.RECEIVED, incoming=incoming, package_id=received.package_id)
    _audit(
        incoming,
        actor=None,
        action="received",
        unit=None,
    )
    _acknowledge(incoming=incoming, status="received", actor=None)
    return incoming


def _acknowledge(
    *, incoming: IncomingReferral, status: str, actor: User | None, reason: str = "", contact: bool = False
) -> uuid.UUID:
    payload: dict[str, Any] = {
        "referral_id": str(incoming.referral_id),
        "in_reply_to": str(incoming.package_id),
        "receiving_partner": incoming.receiving_partner.code,
        "status": status,
        "at": env.timestamp(timezone.now()),
    }
    if reason:
        payload["reason"] = reason
    if contact and actor is not None:
        payload["contact"] = {"name": actor.display_name, "email": actor.email}
    peer = incoming.peer
    if peer is not None and not peer.is_active:
        raise ValidationError(
            _("The sending partner's installation is no longer an active peer: nothing can be sent to it.")
        )
    package = package_send(
        type=PackageType.REFERRAL_ACK,
        payload=payload,
        peer=peer,
        actor=actor,
        organisation=incoming.organisation_id,
    )
    return package.package_id


def _step(
    *, incoming: IncomingReferral, actor: User, kind: str, reason: str = "", contact: bool = False
) -> None:
    """Record a step of the receiving side, acknowledge it to the sender, audit it."""
    package_id = _acknowledge(incoming=incoming, status=kind, actor=actor, reason=reason, contact=contact)
    _event(kind=kind, incoming=incoming, actor=actor, package_id=package_id, reason=reason)
    _audit(
        incoming,
        actor=actor,
        action=kind,
        details={"ack": str(package_id)},
    )


def _require_usable(incoming: IncomingReferral) -> None:
    if incoming.is_withdrawn:
        raise ValidationError(
            _("The sending partner withdrew this referral (her consent was withdrawn): it cannot be used.")
        )


def _locked(incoming: IncomingReferral) -> IncomingReferral:
    """The row again, locked for this transaction: two managers acting at once do not both win."""
    fresh = IncomingReferral.objects.select_for_update().get(pk=incoming.pk)
    incoming.state, incoming.withdrawn_at, incoming.unit_id = fresh.state, fresh.withdrawn_at, fresh.unit_id
    incoming.person_id, incoming.case_id = fresh.person_id, fresh.case_id
    return incoming


@transaction.atomic
def incoming_assign(*, actor: User, incoming: IncomingReferral, unit: Unit) -> IncomingReferral:
    """An organisation administrator gives a new referral to a unit, whose programme managers handle it."""
    if not incoming_can_assign(actor=actor, incoming=incoming):
        raise PermissionDenied
    _locked(incoming)
    _require_usable(incoming)
    if incoming.state not in (IncomingState.NEW, IncomingState.ASSIGNED):
        raise ValidationError(_("This referral was answered already."))
    if unit.organisation_id != incoming.organisation_id or not unit.is_active:
        raise ValidationError({"unit": _("Choose an active unit of the organisation.")})
    incoming.unit = unit
    incoming.state = IncomingState.ASSIGNED
    incoming.save(update_fields=["unit", "state", "updated_at"])
    _event(kind=EventKind.ASSIGNED, incoming=incoming, actor=actor)
    _audit(
        incoming,
        actor=actor,
        action="assigned",
        unit=unit,
        details={"unit": str(unit.public_id)},
    )
    return incoming


def incoming_open(*, actor: User, incoming: IncomingReferral) -> dict[str, Any]:
    """What the referral holds, opened in memory from its sealed package, for a programme manager of
    its unit; every read is audited (the first one is also a step of its timeline)."""
    if not incoming_can_handle(actor=actor, incoming=incoming):
        raise PermissionDenied
    _require_usable(incoming)
    payload = inbox_payload_open(package_id=incoming.package_id)
    with transaction.atomic():
        if not ReferralEvent.objects.filter(incoming=incoming, kind=EventKind.OPENED).exists():
            _event(kind=EventKind.OPENED, incoming=incoming, actor=actor)
        _audit(
            incoming,
            actor=actor,
            action="opened",
        )
    return payload


def _person_values(fields: dict[str, Any], organisation_id: int) -> dict[str, Any]:
    """Her identity and codes as `person_create` takes them; codes this installation does not know
    are left out (they stay readable in the referral)."""
    from kujdes.people.models import Sex
    from kujdes.people.selectors import municipalities_for_organisation

    values: dict[str, Any] = {"given_name": str(fields.get("given_name") or "").strip()[:100]}
    values["family_name"] = str(fields.get("family_name") or "").strip()[:100]
    values["other_names"] = [str(n)[:100] for n in fields.get("other_names") or []][:10]
    if fields.get("sex") in Sex.values:
        values["sex"] = fields["sex"]
    birth = fields.get("date_of_birth") or {}
    if isinstance(birth, dict):
        try:
            values["date_of_birth"] = (
                datetime.date.fromisoformat(birth["date"]) if birth.get("date") else None
            )
        except (TypeError, ValueError):
            values["date_of_birth"] = None
        year = birth.get("year")
        if isinstance(year, int) and 1900 <= year <= timezone.localdate().year:
            values["birth_year"] = year
        values["birth_date_estimated"] = bool(birth.get("estimated"))
    values["citizenships"] = [c for c in fields.get("citizenships") or [] if c in COUNTRY_CODES]
    values["languages"] = [
        str(c).lower() for c in fields.get("languages") or [] if str(c).isascii() and 2 <= len(str(c)) <= 3
    ]
    if fields.get("phone"):
        values["phones"] = [str(fields["phone"])[:40]]
    if fields.get("address"):
        values["address"] = str(fields["address"])[:500]
    values["id_documents"] = [
        {"type": str(d.get("type", ""))[:40], "number": str(d.get("number", ""))[:40]}
        for d in fields.get("id_documents") or []
        if isinstance(d, dict)
    ]
    municipality = str(fields.get("municipality") or "")
    known = municipalities_for_organisation(organisation_id=organisation_id)
    if municipality and (known is None or municipality in known) and len(municipality) <= 64:
        values["municipality"] = municipality
    return values


def _case_codes(fields: dict[str, Any]) -> dict[str, Any]:
    codes: dict[str, Any] = {}
    exploitation = [c for c in fields.get("exploitation_types") or [] if c in ExploitationType.values]
    if exploitation:
        codes["exploitation_types"] = exploitation
    identification = fields.get("identification") or {}
    if isinstance(identification, dict):
        if identification.get("trafficking_status") in TraffickingStatus.values:
            codes["trafficking_status"] = identification["trafficking_status"]
        if identification.get("nrm_stage") in NrmStage.values:
            codes["nrm_stage"] = identification["nrm_stage"]
    return codes


def _summary(payload: dict[str, Any], sending: Partner) -> str:
    """The case summary: where she comes from, and what the sender wrote (summary, notes, message)."""
    fields = payload.get("fields") or {}
    parts = [
        _("Referred from abroad by %(partner)s (%(purpose)s).")
        % {"partner": sending.name, "purpose": dict(Purpose.choices).get(payload.get("purpose"), "")}
    ]
    if fields.get("summary"):
        parts.append(str(fields["summary"]))
    for note in fields.get("notes") or []:
        if isinstance(note, dict):
            parts.append(f"{note.get('date', '')}: {note.get('text', '')}")
    if payload.get("message"):
        parts.append(str(payload["message"]))
    return "\n\n".join(parts)[:TEXT_LIMIT]


def _documents_store(*, actor: User, case: Case, payload: dict[str, Any], sending: Partner) -> int:
    """The documents that came with the referral, checked like an upload and stored encrypted with
    her key; returns how many were refused (a type this installation does not keep, or damaged)."""
    refused = 0
    for item in payload.get("documents") or []:
        try:
            data = base64.b64decode(str(item["data"]), validate=True)
            name = str(item.get("name") or "document")[:200]
            upload = SimpleUploadedFile(name, data)
            content_type, replacement = upload_check(upload=upload, size=len(data))
        except (KeyError, TypeError, ValueError, UploadRefused):
            refused += 1
            continue
        document = CaseDocument(
            organisation_id=case.organisation_id,
            case=case,
            title=(str(item.get("title") or "") or name)[:200],
            name=name,
            content_type=content_type,
            size=0,
            uploaded_by=actor,
        )
        source = replacement if replacement is not None else data
        document.size = encrypted_file_write(
            handle=case.person.encryption_handle(), file_id=document.public_id, source=io.BytesIO(source)
        )
        document.save()
        audit_record(
            actor=actor,
            organisation=case.organisation_id,
            action="case.document.stored",
            obj=document,
            unit=case.unit,
            details={"case": str(case.public_id), "content_type": content_type, "from": sending.code},
        )
    return refused


@transaction.atomic
def incoming_accept(
    *,
    actor: User,
    incoming: IncomingReferral,
    unit: Unit,
    same_person: Person | None = None,
    case_type: str = CaseType.VICTIM_ASSISTANCE,
    primary_worker: User | None = None,
) -> tuple[Case, int]:
    """A programme manager of its unit takes her on: her person record (new, or the one the duplicate
    check found and the manager confirmed) and a case in `unit`, with its documents; the sender is
    told. Returns the case and how many documents could not be kept."""
    if not incoming_can_handle(actor=actor, incoming=incoming):
        raise PermissionDenied
    _locked(incoming)
    _require_usable(incoming)
    if incoming.state != IncomingState.ASSIGNED:
        raise ValidationError(_("This referral was answered already."))
    if not units_for_acceptance(actor=actor, incoming=incoming).filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("Choose a unit where you manage the programme.")})
    if case_type not in CaseType.values:
        raise ValidationError({"case_type": _("Choose a value from the list.")})
    payload = inbox_payload_open(package_id=incoming.package_id)
    fields = payload.get("fields") or {}
    if same_person is not None:
        from kujdes.people.selectors import persons_for_actor

        if not persons_for_actor(actor=actor).filter(pk=same_person.pk).exists():
            raise ValidationError({"person": _("Choose one of the persons found, or a new person.")})
        person = same_person
    else:
        values = _person_values(fields, incoming.organisation_id)
        if not values["given_name"]:
            raise ValidationError(_("The referral holds no name: she cannot be registered from it."))
        person = person_create(actor=actor, unit=unit, **values)
    # Programme managers approve cases but do not work on them: the case is opened by the system,
    # on their decision (audited below with the manager as actor).
    case = case_create(
        actor=None,
        person=person,
        unit=unit,
        case_type=case_type,
        opened_on=timezone.localdate(),
        primary_worker=primary_worker,
        summary=_summary(payload, incoming.sending_partner),
        **_case_codes(fields),
    )
    refused = _documents_store(actor=actor, case=case, payload=payload, sending=incoming.sending_partner)
    incoming.person = person
    incoming.case = case
    incoming.unit = unit
    incoming.state = IncomingState.ACCEPTED
    incoming.save(update_fields=["person", "case", "unit", "state", "updated_at"])
    # Her data now lives in her person and case, where erasure reaches it: the sealed copy goes.
    inbox_payload_discard(package_id=incoming.package_id)
    _step(incoming=incoming, actor=actor, kind=EventKind.ACCEPTED, contact=True)
    audit_record(
        actor=actor,
        organisation=incoming.organisation_id,
        action="crossborder.referral.case_opened",
        obj=case,
        unit=unit,
        details={
            **_reference(incoming),
            "person": str(person.public_id),
            "same_person": same_person is not None,
            "documents_refused": refused,
        },
    )
    return case, refused


@transaction.atomic
def incoming_decline(*, actor: User, incoming: IncomingReferral, reason: str) -> IncomingReferral:
    """A programme manager of its unit declines it, with a reason the sender reads (sealed)."""
    if not incoming_can_handle(actor=actor, incoming=incoming):
        raise PermissionDenied
    _locked(incoming)
    _require_usable(incoming)
    if incoming.state != IncomingState.ASSIGNED:
        raise ValidationError(_("This referral was answered already."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why, for the sending partner.")})
    if len(reason) > REASON_LIMIT:
        raise ValidationError({"reason": _("At most %(limit)d characters.") % {"limit": REASON_LIMIT}})
    incoming.state = IncomingState.DECLINED
    incoming.save(update_fields=["state", "updated_at"])
    inbox_payload_discard(package_id=incoming.package_id)
    _step(incoming=incoming, actor=actor, kind=EventKind.DECLINED, reason=reason)
    return incoming


STEPS = {
    EventKind.FIRST_CONTACT: ((IncomingState.ACCEPTED,), IncomingState.IN_CONTACT),
    EventKind.CLOSED: ((IncomingState.ACCEPTED, IncomingState.IN_CONTACT), IncomingState.CLOSED),
}


@transaction.atomic
def incoming_step(*, actor: User, incoming: IncomingReferral, step: str, note: str = "") -> IncomingReferral:
    """First contact made, or closed: its managers or the case workers of her case; the sender is told."""
    if step not in STEPS:
        raise ValidationError(_("Choose a step from the list."))
    if not incoming_can_follow(actor=actor, incoming=incoming):
        raise PermissionDenied
    _locked(incoming)
    _require_usable(incoming)
    allowed, new_state = STEPS[step]
    if incoming.state not in allowed:
        raise ValidationError(_("This step does not follow from where the referral stands."))
    note = note.strip()
    if len(note) > REASON_LIMIT:
        raise ValidationError({"note": _("At most %(limit)d characters.") % {"limit": REASON_LIMIT}})
    incoming.state = new_state
    incoming.save(update_fields=["state", "updated_at"])
    _step(incoming=incoming, actor=actor, kind=step, reason=note, contact=step == EventKind.FIRST_CONTACT)
    return incoming


def referral_withdrawal_apply(*, received: Received) -> IncomingReferral:
    """The sender withdrew (her consent was withdrawn): the referral is blocked; if she was taken on,
    her data waits for erasure or a documented legal basis (runs in the inbox's transaction)."""
    payload = received.payload
    referral_id = uuid.UUID(str(payload["referral_id"]))
    incoming = (
        IncomingReferral.objects.select_related("sending_partner", "peer", "unit")
        .filter(referral_id=referral_id)
        .first()
    )
    if incoming is None or not _from_partner_host(received=received, partner=incoming.sending_partner):
        raise PackageRejected("unknown_referral", "no referral with this id came from the sender")
    if incoming.is_withdrawn:
        return incoming
    incoming.withdrawn_at = timezone.now()
    incoming.withdrawal_package_id = received.package_id
    # Nothing of her may be opened again from the sealed copy (taken on already: see the resolution).
    inbox_payload_discard(package_id=incoming.package_id)
    incoming.state = IncomingState.WITHDRAWN
    if incoming.person_id is None:
        incoming.resolution = Resolution.NOTHING_KEPT
    incoming.save(
        update_fields=["withdrawn_at", "withdrawal_package_id", "state", "resolution", "updated_at"]
    )
    reason = str(payload.get("reason") or "")
    _event(
        kind=EventKind.WITHDRAWN,
        incoming=incoming,
        at=_moment(payload.get("at"), received.created_at),
        package_id=received.package_id,
        reason=str(payload.get("text") or "")[:REASON_LIMIT],
    )
    _audit(
        incoming,
        actor=None,
        action="withdrawal_received",
        details={
            "reason": reason if reason in ("consent_withdrawn", "withdrawn_by_sender") else "other",
            "withdrawal": str(received.package_id),
            "needs_resolution": incoming.needs_resolution,
        },
    )
    return incoming


@transaction.atomic
def incoming_resolve(
    *, actor: User, incoming: IncomingReferral, erase: bool, legal_basis: str = ""
) -> IncomingReferral:
    """After a withdrawal, for a person taken on from it: erase her (the data protection officer,
    through people's erasure; a legal hold blocks it) or record the legal basis on which her data
    is kept (the officer or a manager of its unit)."""
    if not incoming_can_resolve(actor=actor, incoming=incoming):
        raise PermissionDenied
    _locked(incoming)
    if not incoming.needs_resolution:
        raise ValidationError(_("Nothing waits for a decision on this referral."))
    person = Person.objects.get(pk=incoming.person_id)
    if erase:
        if not incoming_can_erase(actor=actor, incoming=incoming):
            raise PermissionDenied
        hold = legal_hold_active(person=person)
        if hold is not None:
            raise ValidationError(
                _("A legal hold placed on %(date)s keeps her records: record the legal basis instead.")
                % {"date": hold.placed_at.date().isoformat()}
            )
        person_erase(actor=actor, person=person, reason_code="consent_withdrawn_abroad")
        subject_key_destroy(key_id=incoming.key_id)
        incoming.resolution = Resolution.ERASED
        kind = EventKind.ERASED
    else:
        legal_basis = legal_basis.strip()
        if not legal_basis:
            raise ValidationError({"legal_basis": _("Say on which legal basis her data is kept.")})
        if len(legal_basis) > REASON_LIMIT:
            raise ValidationError(
                {"legal_basis": _("At most %(limit)d characters.") % {"limit": REASON_LIMIT}}
            )
        incoming.legal_basis = legal_basis
        incoming.resolution = Resolution.LEGAL_BASIS
        kind = EventKind.LEGAL_BASIS
    incoming.resolved_by = actor
    incoming.resolved_at = timezone.now()
    incoming.save(update_fields=["resolution", "legal_basis", "resolved_by", "resolved_at", "updated_at"])
    _event(kind=kind, incoming=incoming, actor=actor)
    _audit(
        incoming,
        actor=actor,
        action=kind,
        details={"person": str(person.public_id)},
    )
    return incoming
