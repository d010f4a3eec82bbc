"""The stakeholder directory: the network's civil-society and institutional actors.

Built on the referrals room's service directory, not beside it: an institution is one
`ServiceProvider` row of its organisation's directory, and a `StakeholderProfile` adds what
the network needs to know of it (type, level, themes, staff contact, related partners,
agreements). Both are the organisation's own rows (tenant rows under row-level security),
private to its staff until an organisation administrator or programme manager shares the
stakeholder with the network: sharing publishes a `SharedStakeholder`, a network-level copy
(not a tenant row) that every staff member of the network reads. A shared copy holds no case
data and carries the contact person only when the sharer chose so.

Joint initiatives and advocacy actions are not copied here: `programme.Initiative.partners`
and `InitiativeAction.partners` already point to the `ServiceProvider`, and the stakeholder
page reads them through the programme room's selectors.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kujdes.core.models import Country, TenantModel
from kujdes.network.models import Partner
from kujdes.programme.models import OwnKeyed
from kujdes.referrals.models import ProviderType, ServiceProvider


class StakeholderType(models.TextChoices):
    NGO = "ngo", _("Non-governmental organisation")
    MINISTRY = "ministry", _("Ministry or government agency")
    POLICE = "police", _("Police")
    LABOUR_INSPECTORATE = "labour_inspectorate", _("Labour inspectorate")
    EMBASSY = "embassy", _("Embassy or consulate")
    INTERNATIONAL = "international_organisation", _("International organisation")
    LOCAL_AUTHORITY = "local_authority", _("Local authority")
    SCHOOL = "school", _("School")
    RELIGIOUS = "religious_body", _("Religious body")
    MEDIA = "media", _("Media")
    OTHER = "other", _("Other")


# The HTCDS provider type (ServiceProvider.provider_type) a new directory entry gets from its
# stakeholder type, when the user does not choose one. HTCDS has no type for embassies,
# international organisations, religious bodies or media: the nearest one is used.
HTCDS_FOR_TYPE: dict[str, str] = {
    StakeholderType.NGO: ProviderType.NGO,
    StakeholderType.MINISTRY: ProviderType.CENTRAL_GOVERNMENT,
    StakeholderType.POLICE: ProviderType.LAW_ENFORCEMENT,
    StakeholderType.LABOUR_INSPECTORATE: ProviderType.CENTRAL_GOVERNMENT,
    StakeholderType.EMBASSY: ProviderType.CENTRAL_GOVERNMENT,
    StakeholderType.INTERNATIONAL: ProviderType.NGO,
    StakeholderType.LOCAL_AUTHORITY: ProviderType.LOCAL_GOVERNMENT,
    StakeholderType.SCHOOL: ProviderType.SCHOOL,
    StakeholderType.RELIGIOUS: ProviderType.NGO,
    StakeholderType.MEDIA: ProviderType.BUSINESS,
    StakeholderType.OTHER: ProviderType.NGO,
}

# The stakeholder type proposed for an existing directory entry (the user may change it).
TYPE_FOR_HTCDS: dict[str, str] = {
    ProviderType.NGO: StakeholderType.NGO,
    ProviderType.LAW_ENFORCEMENT: StakeholderType.POLICE,
    ProviderType.CENTRAL_GOVERNMENT: StakeholderType.MINISTRY,
    ProviderType.LOCAL_GOVERNMENT: StakeholderType.LOCAL_AUTHORITY,
    ProviderType.SCHOOL: StakeholderType.SCHOOL,
}


class StakeholderLevel(models.TextChoices):
    LOCAL = "local", _("Local")
    NATIONAL = "national", _("National")
    INTERNATIONAL = "international", _("International")


class StakeholderProfile(TenantModel):
    """What the network knows of one institution of the organisation's service directory."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.OneToOneField(
        ServiceProvider, on_delete=models.PROTECT, related_name="stakeholder_profile"
    )
    stakeholder_type = models.CharField(_("type of actor"), max_length=32, choices=StakeholderType.choices)
    level = models.CharField(_("level"), max_length=16, choices=StakeholderLevel.choices)
    themes = models.JSONField(_("themes"), default=list, blank=True)  # kujdes.network.models.Theme codes
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("about the stakeholder"), max_length=2000, blank=True)
    # A staff contact of the institution (never a person of a case).
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_role = models.CharField(_("contact's role"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact's e-mail"), blank=True)
    contact_phone = models.CharField(_("contact's phone"), max_length=60, blank=True)
    partners = models.ManyToManyField(
        Partner, blank=True, related_name="+", verbose_name=_("partners of the network that work with it")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking (kujdes.core.locking): two focal points editing one stakeholder.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["provider__name"]
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")

    def __str__(self) -> str:
        return self.provider.name


class AgreementKind(models.TextChoices):
    MOU = "mou", _("Memorandum of understanding")
    COOPERATION = "cooperation", _("Cooperation agreement")
    PROTOCOL = "protocol", _("Protocol")


class Agreement(OwnKeyed):
    """An agreement of the organisation with a stakeholder; its document is stored encrypted
    (kujdes.core.files) with a key of its own wrapped by the organisation's key."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    profile = models.ForeignKey(StakeholderProfile, on_delete=models.CASCADE, related_name="agreements")
    kind = models.CharField(_("kind"), max_length=16, choices=AgreementKind.choices)
    title = models.CharField(_("title"), max_length=200)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    scope = models.TextField(_("scope"), max_length=2000, blank=True)
    # The document, when there is one: stored under files/<file_id>, encrypted.
    file_id = models.UUIDField(null=True, blank=True, editable=False)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-signed_on", "title"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="network_stakeholders_agreement_dates",
            )
        ]

    def __str__(self) -> str:
        return self.title


class SharedStakeholder(models.Model):
    """The network's copy of a stakeholder a partner shared: read by every staff member of the network.

    Not a tenant row. `source_id` is the owner's private record (StakeholderProfile.public_id) when
    the partner is on this installation; a copy received from a remote partner has none here.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="shared_stakeholders")
    source_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    stakeholder_type = models.CharField(_("type of actor"), max_length=32, choices=StakeholderType.choices)
    level = models.CharField(_("level"), max_length=16, choices=StakeholderLevel.choices)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    city = models.CharField(_("city"), max_length=120, blank=True)
    themes = models.JSONField(_("themes"), default=list, blank=True)
    description = models.TextField(_("about the stakeholder"), blank=True)
    # The institution's public contact.
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    # The contact person: only when the sharer ticked it.
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_role = models.CharField(_("contact's role"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact's e-mail"), blank=True)
    contact_phone = models.CharField(_("contact's phone"), max_length=60, blank=True)
    includes_contact = models.BooleanField(default=False)
    includes_documents = models.BooleanField(default=False)
    related_partners = models.ManyToManyField(Partner, blank=True, related_name="+")
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shared_at = models.DateTimeField()
    # 1 when first shared, +1 each time the owner updates the copy.
    version = models.PositiveIntegerField(default=1)
    # What the copy was made from (a digest of the published values), to tell the owner it is out of date.
    fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("shared stakeholder")
        verbose_name_plural = _("shared stakeholders")

    def __str__(self) -> str:
        return self.name


class SharedAgreement(models.Model):
    """An agreement as the shared copy shows it: title and dates; the document only when shared."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    shared = models.ForeignKey(SharedStakeholder, on_delete=models.CASCADE, related_name="agreements")
    kind = models.CharField(_("kind"), max_length=16, choices=AgreementKind.choices)
    title = models.CharField(_("title"), max_length=200)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # A copy of the document made when it was shared (its own file and key), or none.
    file_id = models.UUIDField(null=True, blank=True, editable=False)
    file_key_id = models.UUIDField(null=True, blank=True, editable=False)
    file_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-signed_on", "title"]

    def __str__(self) -> str:
        return self.title
