"""Cross-border referrals (DESIGN.md §1, network line): a person referred, with her consent, to a
partner of the network in another country — on another installation, or an organisation of this one.

Both sides keep tenant rows of ids, codes and states only. What is about the person travels sealed
inside the `referral` package; the receiving side keeps it sealed in its inbox and opens it in
memory for the programme manager who handles it. Texts written about a referral (a reason to
decline, a legal basis) are encrypted: with the person's key on the sending side, with a key of
the incoming referral's own on the receiving side (destroyed when it is erased).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kujdes.core.crypto import KeyHandle
from kujdes.core.fields import EncryptedTextField
from kujdes.core.models import TenantModel, Unit


class Purpose(models.TextChoices):
    RETURN_REINTEGRATION = "return_reintegration", _("Return and reintegration")
    PROTECTION = "protection_assistance", _("Protection and assistance")
    FAMILY_TRACING = "family_tracing", _("Family tracing")


class ConsentBasis(models.TextChoices):
    CONSENT = "consent", _("Her consent")
    OVERRIDE = "override", _("Approved override")


class OutgoingState(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Waiting for a manager's approval")
    OVERRIDE_REFUSED = "override_refused", _("Override refused")
    CANCELLED = "cancelled", _("Cancelled")
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_CONTACT = "first_contact", _("First contact made")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Where an outgoing referral can still be withdrawn (the partner may hold her data).
OUTGOING_OPEN = (OutgoingState.SENT, OutgoingState.RECEIVED, OutgoingState.ACCEPTED, OutgoingState.IN_CONTACT)


class IncomingState(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned to a unit")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_CONTACT = "first_contact", _("First contact made")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn by the sender")


class Resolution(models.TextChoices):
    """What the receiving side did after the sender withdrew (consent withdrawn)."""

    ERASED = "erased", _("Her data was erased")
    LEGAL_BASIS = "legal_basis", _("Kept on a documented legal basis")
    NOTHING_KEPT = "nothing_kept", _("Nothing was kept (the referral had not been accepted)")


class EventKind(models.TextChoices):
    OVERRIDE_REQUESTED = "override_requested", _("Override of consent requested")
    OVERRIDE_APPROVED = "override_approved", _("Override approved")
    OVERRIDE_REFUSED = "override_refused", _("Override refused")
    CANCELLED = "cancelled", _("Request withdrawn")
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned to a unit")
    OPENED = "opened", _("Opened")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    FIRST_CONTACT = "first_contact", _("First contact made")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    WITHDRAWAL_UNSENT = "withdrawal_unsent", _("Withdrawal could not be sent")
    ERASED = "erased", _("Data erased")
    LEGAL_BASIS = "legal_basis", _("Legal basis recorded")


class OutgoingReferral(TenantModel):
    """A referral this organisation sends abroad from one of its cases: choices by name, never values."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The id both sides name the referral by (in every package about it).
    referral_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(
        "network.Partner", on_delete=models.PROTECT, related_name="+", verbose_name=_("partner")
    )
    purpose = models.CharField(_("purpose"), max_length=24, choices=Purpose.choices)
    services = models.JSONField(_("services asked for"), default=list)  # CrossBorderService codes
    fields = models.JSONField(_("data sent"), default=list)  # names from crossborder.dataset.FIELDS
    # Public ids of the case's documents and notes chosen one by one.
    documents = models.JSONField(default=list)
    notes = models.JSONField(default=list)
    # A message for the receiving partner (personal data: encrypted with the person's key).
    message = EncryptedTextField(_("message to the partner"))
    state = models.CharField(_("state"), max_length=20, choices=OutgoingState.choices)
    consent_basis = models.CharField(max_length=12, choices=ConsentBasis.choices, blank=True)
    consent_date = models.DateField(null=True, blank=True)
    approval = models.ForeignKey(
        "cases.Approval", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    package_id = models.UUIDField(null=True, blank=True)
    withdrawal_package_id = models.UUIDField(null=True, blank=True)
    # The receiving partner's staff contact, from its acknowledgement (staff data, not hers).
    partner_contact = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("referral abroad")
        indexes = [models.Index(fields=["case", "-created_at"], name="crossborder_out_case_idx")]

    def __str__(self) -> str:
        return f"referral {self.referral_id}"

    def encryption_handle(self) -> KeyHandle:
        return self.case.person.encryption_handle()

    @property
    def is_open(self) -> bool:
        return self.state in OUTGOING_OPEN


class IncomingReferral(TenantModel):
    """A referral received for this organisation (the receiving partner): metadata only.

    The person's data stays in the sealed package (`package_id`, in the federation inbox).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral_id = models.UUIDField(unique=True)
    package_id = models.UUIDField(unique=True)
    # The installation it came from, where the acknowledgements go (None: this installation).
    peer = models.ForeignKey(
        "network_federation.Peer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sending_partner = models.ForeignKey(
        "network.Partner", on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    receiving_partner = models.ForeignKey("network.Partner", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=24, choices=Purpose.choices)
    services = models.JSONField(_("services asked for"), default=list)
    sent_at = models.DateTimeField(_("sent"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    state = models.CharField(
        _("state"), max_length=20, choices=IncomingState.choices, default=IncomingState.NEW
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # A key of its own for what is written here about her (reasons, legal basis): erased with her.
    key_id = models.UUIDField(unique=True, editable=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_package_id = models.UUIDField(null=True, blank=True)
    resolution = models.CharField(max_length=16, choices=Resolution.choices, blank=True)
    legal_basis = EncryptedTextField(_("legal basis"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("referral from abroad")
        indexes = [models.Index(fields=["organisation", "state"], name="crossborder_in_queue_idx")]

    def __str__(self) -> str:
        return f"incoming referral {self.referral_id}"

    def encryption_handle(self) -> KeyHandle:
        return KeyHandle(key_id=self.key_id)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def needs_resolution(self) -> bool:
        """Withdrawn after she was taken on: erase her data or record why it is kept."""
        return self.is_withdrawn and self.person_id is not None and not self.resolution


class ReferralEvent(TenantModel):
    """One step of a referral's timeline, on either side; a reason is kept only encrypted."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    outgoing = models.ForeignKey(
        OutgoingReferral, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    incoming = models.ForeignKey(
        IncomingReferral, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(_("step"), max_length=20, choices=EventKind.choices)
    # When it happened (for an acknowledgement: on the other side).
    at = models.DateTimeField(_("when"))
    package_id = models.UUIDField(null=True, blank=True)
    reason = EncryptedTextField(_("reason"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outgoing__isnull=True, incoming__isnull=False)
                | models.Q(outgoing__isnull=False, incoming__isnull=True),
                name="crossborder_event_one_side",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"

    def encryption_handle(self) -> KeyHandle:
        if self.outgoing_id is not None:
            return self.outgoing.encryption_handle()  # type: ignore[union-attr]
        return self.incoming.encryption_handle()  # type: ignore[union-attr]
