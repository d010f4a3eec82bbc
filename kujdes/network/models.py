"""The partners of the network and their focal points.

Network rows are not tenant rows: they hold no personal data of the people in the
cases (focal points are staff contacts), and every partner and the coordinator read
them. What an organisation keeps to itself until it chooses to share (draft practices,
its own stakeholders, unreleased figures) stays private through the selectors, and the
figures themselves never leave an organisation except as a statistics release.

A partner is an organisation of this installation or, once federation links it, a
remote installation: nothing in the network room may assume `partner.organisation`
is set.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kujdes.core.models import Country, Organisation


class Theme(models.TextChoices):
    """What a practice, a partner's strength or a stakeholder's work is about."""

    PREVENTION = "prevention", _("Prevention")
    IDENTIFICATION = "identification", _("Identification")
    PROTECTION = "protection", _("Protection and assistance")
    REINTEGRATION = "reintegration", _("Reintegration")
    ADVOCACY = "advocacy", _("Advocacy")
    VOLUNTEER_WORK = "volunteer_work", _("Volunteer work")
    CHILD_PROTECTION = "child_protection", _("Child protection")
    LABOUR_EXPLOITATION = "labour_exploitation", _("Labour exploitation")
    ONLINE_RECRUITMENT = "online_recruitment", _("Online recruitment")


class CrossBorderService(models.TextChoices):
    """What a partner offers a person referred to it from another country."""

    RETURN = "return", _("Assisted return")
    REINTEGRATION = "reintegration", _("Reintegration")
    SHELTER = "shelter", _("Shelter")
    LEGAL_AID = "legal_aid", _("Legal aid")
    HEALTH = "health", _("Health care")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial support")
    FAMILY_TRACING = "family_tracing", _("Family tracing")
    EMPLOYMENT = "employment", _("Vocational training and employment")


class Language(models.TextChoices):
    """The network's working languages (ISO 639-1), wider than the interface's languages."""

    SQ = "sq", "Shqip"
    EN = "en", "English"
    FR = "fr", "Français"
    AR = "ar", "العربية"
    HY = "hy", "Հայերեն"
    BS = "bs", "Bosanski"
    HR = "hr", "Hrvatski"
    SR = "sr", "Српски"
    BG = "bg", "Български"
    RO = "ro", "Română"
    TR = "tr", "Türkçe"
    UK = "uk", "Українська"
    IT = "it", "Italiano"
    DE = "de", "Deutsch"


class PartnerStatus(models.TextChoices):
    ACTIVE = "active", _("Active member")
    CANDIDATE = "candidate", _("Candidate")
    SUSPENDED = "suspended", _("Suspended")
    FORMER = "former", _("Former member")


class Partner(models.Model):
    """A partner organisation of the network: local (an organisation here) or remote (a peer installation)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Short and stable: the country code for the network's national partners ("al", "fr"...).
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # The name in the partner's own languages: {"sq": "Caritas Shqiptare", "ar": "..."}.
    names = models.JSONField(_("name in its own languages"), default=dict, blank=True)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    languages = models.JSONField(_("working languages"), default=list, blank=True)
    # Exactly one of these says where the partner's data lives; both empty: not yet linked.
    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="network_partner",
        verbose_name=_("organisation on this installation"),
    )
    # The remote installation's id (the federation room links its peer record to it).
    installation_id = models.UUIDField(_("remote installation"), null=True, blank=True)
    description = models.TextField(_("about the partner"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("general e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    themes = models.JSONField(_("thematic strengths"), default=list, blank=True)  # Theme codes
    cross_border_services = models.JSONField(
        _("services for cross-border cases"), default=list, blank=True
    )  # CrossBorderService codes
    status = models.CharField(
        _("status"), max_length=16, choices=PartnerStatus.choices, default=PartnerStatus.ACTIVE
    )
    member_since = models.DateField(_("member since"), null=True, blank=True)
    member_until = models.DateField(_("member until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking (kujdes.core.locking): the coordinator and a focal point editing at once.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organisation__isnull=True) | models.Q(installation_id__isnull=True),
                name="network_partner_local_or_remote",
            ),
            models.CheckConstraint(
                condition=models.Q(member_until__isnull=True)
                | models.Q(member_since__isnull=True)
                | models.Q(member_until__gte=models.F("member_since")),
                name="network_partner_membership_dates",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_local(self) -> bool:
        return self.organisation_id is not None

    @property
    def is_remote(self) -> bool:
        return self.installation_id is not None

    def own_name(self, language: str | None = None) -> str:
        """The name in the reader's language if the partner has one, else in its first own language."""
        language = language or get_language() or ""
        if language in self.names:
            return str(self.names[language])
        for code in self.languages:
            if code in self.names:
                return str(self.names[code])
        return self.name


class FocalPoint(models.Model):
    """A staff contact of a partner for network matters (staff data, never a person of a case)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="focal_points")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    is_primary = models.BooleanField(_("main contact"), default=False)
    # The Kujdes account behind the contact, when the focal point has one here.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("focal point")
        verbose_name_plural = _("focal points")

    def __str__(self) -> str:
        return self.name
