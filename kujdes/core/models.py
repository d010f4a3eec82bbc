"""Organisations, their unit trees and memberships: what every tenant row hangs from."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from kujdes.core.keystore import OrganisationKey, SubjectKey  # noqa: F401 - models of the key store
from kujdes.core.roles import Role


class Country(models.TextChoices):
    # The network's countries (data/network-countries.csv).
    AL = "AL", _("Albania")
    AM = "AM", _("Armenia")
    BA = "BA", _("Bosnia and Herzegovina")
    BG = "BG", _("Bulgaria")
    FR = "FR", _("France")
    XK = "XK", _("Kosovo")
    LB = "LB", _("Lebanon")
    RO = "RO", _("Romania")
    TR = "TR", _("Turkey")
    MA = "MA", _("Morocco")
    UA = "UA", _("Ukraine")


class Network(models.Model):
    """The one network an installation belongs to (a singleton row)."""

    name = models.CharField(_("name"), max_length=200)
    # Set by `kujdes demo`; `kujdes demo_totp` refuses to run anywhere else.
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A partner organisation: the tenant. Its name and country are network-public."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="organisations")
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    # Working languages (ISO 639-1), e.g. ["ar", "fr"] in Lebanon.
    languages = models.JSONField(_("languages"), default=list)
    default_language = models.CharField(_("default language"), max_length=8, choices=settings.LANGUAGES)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class TenantModel(models.Model):
    """Base of every row that belongs to one organisation.

    The default manager refuses to query unless a scope is active
    (`kujdes.core.scoping.tenant_scope`), and then only sees the scope's
    organisations; on PostgreSQL a row-level security policy repeats the rule.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager(organisation="organisation")

    class Meta:
        abstract = True


class UnitKind(models.TextChoices):
    NATIONAL_OFFICE = "national_office", _("National office")
    DIOCESE = "diocese", _("Diocese")
    CENTRE = "centre", _("Centre")
    OFFICE = "office", _("Office")


class Unit(TenantModel):
    """A node of an organisation's tree (national office → diocese → centre, any depth).

    `path` is a materialised path of primary keys ("/12/40/57/"), so that a unit
    and everything below it is one indexed prefix query.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=UnitKind.choices)
    # Reference to a domain list entry (e.g. a diocese code); optional.
    code = models.CharField(_("code"), max_length=32, blank=True)
    path = models.CharField(max_length=255, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Optimistic locking (kujdes.core.locking).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        indexes = [
            # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%'
            # whatever the collation; other databases ignore the operator class.
            models.Index(fields=["path"], name="core_unit_path_idx", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "parent", "name"], name="core_unit_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class StaffCategory(models.TextChoices):
    """How someone serves the programme, whatever their role grants (reports count by it)."""

    EMPLOYEE = "employee", _("Employee")
    MISSIONARY = "missionary", _("Missionary or religious")
    VOLUNTEER = "volunteer", _("Volunteer")
    EXTERNAL_TRAINER = "external_trainer", _("External trainer")


class Membership(TenantModel):
    """A user holds a role at a unit (and, by the role's reach, below it).

    `staff_category` says how they serve the unit (an employee, a missionary at a centre…); empty for
    those who are not the programme's staff (a board viewer, the network coordinator).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    staff_category = models.CharField(
        _("staff category"), max_length=20, choices=StaffCategory.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["unit__path", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="core_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"


class AuditEvent(TenantModel):
    """One recorded action: append-only, chained to the previous event of its organisation.

    `hash` covers every other column and `prev_hash`, so an edited, removed or
    reordered event breaks the chain (`kujdes audit verify`). On PostgreSQL the
    runtime role may only INSERT and SELECT here.
    """

    seq = models.PositiveBigIntegerField()
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Namespaced, e.g. "case.referral.sent", "person.identity.viewed".
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    request_id = models.CharField(max_length=64, blank=True)
    # Ids and codes only, never personal data.
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["organisation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "seq"], name="core_auditevent_chain_position"),
        ]
        indexes = [models.Index(fields=["organisation", "-occurred_at"], name="core_audit_recent_idx")]

    def __str__(self) -> str:
        return f"{self.seq} {self.action}"


class ReadTally(TenantModel):
    """A record whose identity one reader was shown in a list or search during a clock hour.

    The read budget (kujdes.core.reads) counts a reader's distinct rows here, and the protection officer's
    "who read how many persons" page sums them. `reader` is "u<user id>" for a user and "t<token id>" for
    one of their API tokens (what a token reads counts for the token and for its user). Rows older than two
    days are deleted once an hour by a page of their organisation; the audit log keeps the lasting record.
    """

    reader = models.CharField(max_length=24)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The API token's id, not a foreign key: the core room does not depend on accounts' models.
    token_id = models.BigIntegerField(null=True, blank=True)
    hour = models.DateTimeField()
    record = models.CharField(max_length=16)  # "person", "volunteer"
    record_id = models.BigIntegerField()

    class Meta:
        constraints = [
            # One row per record and hour: a record shown again in the hour is not counted again. The
            # index also serves the budget's count (reader, hour).
            models.UniqueConstraint(
                fields=["reader", "hour", "record", "record_id"], name="core_readtally_once"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "hour"], name="core_readtally_recent_idx")]

    def __str__(self) -> str:
        return f"{self.reader} {self.hour:%Y-%m-%d %H}h {self.record} {self.record_id}"


# Long documents made in the background (kujdes/core/documents).
from kujdes.core.documents.models import DocumentFile, DocumentJob  # noqa: E402, F401
