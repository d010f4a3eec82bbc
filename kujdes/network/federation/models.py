"""Federation between Kujdes installations: this installation's identity, its peers, and the
packages that cross between them (DESIGN.md §3, Federation).

None of these rows is a tenant row: they belong to the installation. Nothing personal is
stored here in clear: a package about a person carries its payload encrypted to the
recipient installation's key, and the rows keep the sealed envelope only.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kujdes.core.models import Country, Organisation


class Installation(models.Model):
    """This installation (one row): the identity on its card. Its keys live in the key store."""

    installation_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    base_url = models.URLField(_("address"), max_length=300)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, blank=True)
    # The organisation that runs the installation: installation-level federation events (pings,
    # refusals, peers) are recorded in its audit chain.
    operator = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The network coordinator works on this installation: partners' releases and milestone
    # reports are pushed here.
    hosts_coordinator = models.BooleanField(_("hosts the network coordinator"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class PeerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")


class Peer(models.Model):
    """A remote installation this one exchanges packages with, added from its card.

    The partners it hosts point to it by `Partner.installation_id`.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    installation_id = models.UUIDField(_("installation"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    base_url = models.URLField(_("address"), max_length=300)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, blank=True)
    hosts_coordinator = models.BooleanField(_("hosts the network coordinator"), default=False)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    card = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=8, choices=PeerStatus.choices, default=PeerStatus.ACTIVE
    )
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Last package received from it, or delivered to it.
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_failure = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == PeerStatus.ACTIVE


class PeerKey(models.Model):
    """One generation of a peer's public keys; a rotated-out one verifies until `valid_until`."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="keys")
    key_id = models.CharField(max_length=32)
    signing_public = models.BinaryField()
    encryption_public = models.BinaryField()
    added_at = models.DateTimeField(auto_now_add=True)
    valid_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-added_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["peer", "key_id"], name="federation_peerkey_unique")]

    def __str__(self) -> str:
        return f"{self.peer} key {self.key_id}"


class PackageType(models.TextChoices):
    PING = "ping", _("Ping")
    PONG = "pong", _("Pong")
    RELEASE = "release", _("Statistics release")
    PRACTICE = "practice", _("Good practice")
    MILESTONE_REPORT = "milestone-report", _("Milestone report")
    REFERRAL = "referral", _("Referral")
    REFERRAL_ACK = "referral-ack", _("Referral acknowledgement")
    REFERRAL_WITHDRAWAL = "referral-withdrawal", _("Consent withdrawn")
    KEY_ROTATION = "key-rotation", _("Key rotation")


class OutboxState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CANCELLED = "cancelled", _("Cancelled")


class OutboxPackage(models.Model):
    """A package on its way to a peer (or to this installation itself): the sealed envelope, and
    where its delivery stands."""

    package_id = models.UUIDField(unique=True)
    type = models.CharField(_("type"), max_length=24, choices=PackageType.choices)
    # Empty when the recipient is this installation (two partners of one installation).
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, null=True, blank=True, related_name="outbox")
    recipient_installation_id = models.UUIDField()
    envelope = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    state = models.CharField(
        _("state"), max_length=12, choices=OutboxState.choices, default=OutboxState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # Delivered by hand: written to a file for the peer (`kujdes federation export`).
    exported_at = models.DateTimeField(null=True, blank=True)
    # A sealed package's envelope is emptied once delivered: nothing about a person waits here.
    discarded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="federation_outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.package_id}"


class InboxVia(models.TextChoices):
    HTTPS = "https", _("HTTPS")
    FILE = "file", _("File")
    LOCAL = "local", _("This installation")


class InboxPackage(models.Model):
    """A package accepted from a peer (processed once): its digest answers replays."""

    package_id = models.UUIDField(unique=True)
    type = models.CharField(_("type"), max_length=24, choices=PackageType.choices)
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, null=True, blank=True, related_name="inbox")
    sender_installation_id = models.UUIDField()
    digest = models.CharField(max_length=64)
    envelope = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    via = models.CharField(max_length=8, choices=InboxVia.choices)
    created_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    # The sealed envelope is emptied once its content lives where erasure reaches it (or is no
    # longer needed); the digest stays, so a replay is still answered "already received".
    discarded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.type} {self.package_id}"


class InboxRefusal(models.Model):
    """A package refused at the door, kept for the admin's traffic view (no content kept)."""

    peer = models.ForeignKey(Peer, on_delete=models.SET_NULL, null=True, blank=True, related_name="refusals")
    sender_installation_id = models.UUIDField(null=True, blank=True)
    package_id = models.UUIDField(null=True, blank=True)
    via = models.CharField(max_length=8, choices=InboxVia.choices)
    status = models.PositiveSmallIntegerField()
    error = models.CharField(max_length=40)
    detail = models.CharField(max_length=300, blank=True)
    refused_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-refused_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.status} {self.error}"
