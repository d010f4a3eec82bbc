"""The service directory and referrals along the national referral mechanism."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kujdes.cases.choices import SupportType
from kujdes.cases.models import Case, PersonKeyed
from kujdes.core.fields import EncryptedTextField
from kujdes.core.models import TenantModel, Unit


class ProviderType(models.TextChoices):
    # HTCDS org_Type.
    NGO = "NGO", _("Non-governmental organisation")
    LAW_ENFORCEMENT = "LawEnforcement", _("Law enforcement")
    HEALTH = "HealthServiceOrganisation", _("Health service")
    CENTRAL_GOVERNMENT = "CentralGovernmentOrganisation", _("Central government")
    LOCAL_GOVERNMENT = "LocalGovernmentOrganisation", _("Local government")
    IMMIGRATION = "ImmigrationService", _("Immigration service")
    LEGAL = "LegalService", _("Legal service")
    BUSINESS = "CorporateBusiness", _("Business")
    SCHOOL = "SchoolOrCollege", _("School or college")


class ServiceProvider(TenantModel):
    """An organisation or institution of the service directory (organisation data, not personal data)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    provider_type = models.CharField(_("type"), max_length=40, choices=ProviderType.choices)
    country = models.CharField(_("country"), max_length=2)
    municipality = models.CharField(_("municipality or city"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # Codes of SupportType.
    services = models.JSONField(_("services offered"), default=list, blank=True)
    nrm_member = models.BooleanField(_("member of the national referral mechanism"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking (kujdes.core.locking): two administrators editing one entry.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service provider")
        verbose_name_plural = _("service directory")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name", "municipality"], name="referrals_provider_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ReferralReason(models.TextChoices):
    # HTCDS cas_ReasonForOutgoingReferral / cas_ReasonForIncomingReferral.
    ADDITIONAL_SERVICES = "AdditionalServicesRequired", _("Additional services required")
    MIGRATION = "MigrationOrChangeOfLocation", _("Migration or change of location")
    OTHER = "Other", _("Other")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class ReferralDirection(models.TextChoices):
    OUTGOING = "outgoing", _("Outgoing")
    # Received from outside Kujdes (a police station, a hotline): recorded by the receiving case worker.
    INCOMING = "incoming", _("Incoming")


class Referral(PersonKeyed):
    """A referral of a case: to a provider of the directory or another unit, or received from outside.

    Outgoing referrals need the person's referral consent (or an audited override).
    A referral to another unit shows up there as incoming, with the details the sender chose to share.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    direction = models.CharField(max_length=16, choices=ReferralDirection.choices)
    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    to_provider = models.ForeignKey(
        ServiceProvider, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Incoming from outside Kujdes: who referred her.
    from_provider = models.ForeignKey(
        ServiceProvider, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    service_type = models.CharField(_("service needed"), max_length=40, choices=SupportType.choices)
    reason = models.CharField(_("reason"), max_length=40, choices=ReferralReason.choices)
    details = EncryptedTextField(_("details shared with the receiver"))
    urgent = models.BooleanField(_("urgent"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    referred_on = models.DateField(_("date"))
    responded_on = models.DateField(_("answered on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    response_notes = EncryptedTextField(_("answer"))
    contact_person = models.CharField(_("contact at the receiver"), max_length=200, blank=True)
    consent_override = models.ForeignKey(
        "people.ConsentOverride", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-referred_on", "-created_at"]
        indexes = [
            models.Index(fields=["to_unit", "status"], name="referrals_incoming_idx"),
            models.Index(fields=["organisation", "referred_on"], name="referrals_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(direction="outgoing", to_provider__isnull=False, to_unit__isnull=True)
                    | models.Q(direction="outgoing", to_provider__isnull=True, to_unit__isnull=False)
                    | models.Q(direction="incoming")
                ),
                name="referrals_one_receiver",
            ),
        ]

    def __str__(self) -> str:
        return f"referral {self.public_id}"
