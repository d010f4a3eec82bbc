"""Statistics releases: the only way an organisation's figures leave it.

A `Release` is prepared by a focal point (a draft holds only its *spec*: period, indicators,
disaggregations, k, differential privacy; never a number), previewed, and released after
re-authentication. Releasing computes the figures through the reports room, applies small-cell and
complementary suppression (kujdes.network.releases.suppression) or differential privacy, and stores
what leaves as `ReleaseTable` and `ReleaseCell` rows. A withheld cell stores no number, ever
(`value` is NULL, enforced by a check constraint).

Immutability. Once released, a release's tables and cells are never changed and never deleted:
- the services (kujdes.network.releases.services) are the only writers; they write cells once, in
  the transaction that releases, and afterwards only move the release's *status* forward
  (released → superseded or withdrawn, with a reason);
- `ReleaseTable.save()`/`ReleaseCell.save()` refuse to update an existing row and `delete()` refuses
  always (`ReleaseImmutable`); `Release.save()` refuses a change to the content of a released row
  (period, spec, k, privacy, hash) — only the status fields may move;
- on PostgreSQL a trigger (migration 0002) refuses UPDATE and DELETE of tables and cells in the
  database itself, so that not even a queryset `.update()` or raw SQL from the application can
  change what was published. SQLite (development, tests) relies on the model guards.
The content hash (SHA-256 over the released cells in a canonical order) lets anyone check later
that a release is what was published.

Network rows are not tenant rows: a release holds aggregate counts only, no personal data.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kujdes.core.models import Organisation
from kujdes.network.models import Partner

# CTDC's rule: a cell counting 1..K_MIN-1 records never leaves. Configurable upwards only.
K_MIN = 11


class ReleaseImmutable(Exception):
    """A released table or cell cannot be changed or deleted."""


class ReleaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RELEASED = "released", _("Released")
    SUPERSEDED = "superseded", _("Superseded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReleaseOrigin(models.TextChoices):
    LOCAL = "local", _("Made on this installation")
    REMOTE = "remote", _("Received from a remote installation")


class DPMechanism(models.TextChoices):
    DISCRETE_GAUSSIAN = "discrete_gaussian", _("Discrete Gaussian noise")
    DISCRETE_LAPLACE = "discrete_laplace", _("Discrete Laplace (geometric) noise")


class TableKind(models.TextChoices):
    TABLE = "table", _("Table")
    CTDC = "ctdc", _("CTDC-coded table")


class WithheldReason(models.TextChoices):
    NONE = "none", _("Released")
    PRIMARY = "primary", _("Small count (fewer than k)")
    COMPLEMENTARY = "complementary", _("Withheld so that a small count cannot be worked out")


# What a release may never change once it is released (the status fields may move).
FROZEN_FIELDS = (
    "partner_id",
    "organisation_id",
    "origin",
    "period_start",
    "period_end",
    "title",
    "k",
    "spec",
    "version_number",
    "dp_enabled",
    "dp_epsilon",
    "dp_delta",
    "dp_mechanism",
    "released_at",
    "released_by_id",
    "content_hash",
)


class Release(models.Model):
    """A partner's figures for one period, as they leave (or will leave) the organisation."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="releases", verbose_name=_("partner")
    )
    # The local organisation that made it; empty for a release received from a remote installation.
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    origin = models.CharField(
        _("origin"), max_length=8, choices=ReleaseOrigin.choices, default=ReleaseOrigin.LOCAL
    )
    # A remote release: the federation package that last changed it, the installation that sent it,
    # the key that signed that package, and when it was verified and applied here.
    package_id = models.UUIDField(_("package"), null=True, blank=True)
    sender_installation_id = models.UUIDField(_("sending installation"), null=True, blank=True)
    signing_key_id = models.CharField(_("signing key"), max_length=32, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    period_start = models.DateField(_("first day"))
    period_end = models.DateField(_("last day"))
    title = models.CharField(_("title"), max_length=200)
    k = models.PositiveSmallIntegerField(
        _("smallest count released (k)"),
        default=K_MIN,
        validators=[MinValueValidator(K_MIN), MaxValueValidator(1000)],
        help_text=_("Counts from 1 to k−1 are withheld. At least 11; it can only be raised."),
    )
    # {"indicators": [{"code": "direct_beneficiaries", "dims": ["sex", "age_group"]}, ...]}: one table per
    # breakdown, each with the indicator's total; no dims: the total alone.
    spec = models.JSONField(_("indicators and disaggregations"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ReleaseStatus.choices, default=ReleaseStatus.DRAFT
    )
    # 1, 2, 3… within (partner, period), given when released; empty for a draft.
    version_number = models.PositiveIntegerField(_("version"), null=True, blank=True)
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    supersede_reason = models.TextField(_("why it replaces the earlier release"), blank=True)
    withdraw_reason = models.TextField(_("why it was withdrawn"), blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    # Differential privacy (marginal tables only): replaces small-cell suppression for its tables.
    dp_enabled = models.BooleanField(_("differential privacy"), default=False)
    dp_epsilon = models.FloatField(
        _("epsilon (ε)"), null=True, blank=True, validators=[MinValueValidator(0.01)]
    )
    dp_delta = models.FloatField(
        _("delta (δ)"), null=True, blank=True, validators=[MinValueValidator(0.0), MaxValueValidator(0.01)]
    )
    dp_mechanism = models.CharField(_("noise"), max_length=20, choices=DPMechanism.choices, blank=True)
    dp_description = models.TextField(_("privacy in plain words"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    # SHA-256 (hex) of the released cells in a canonical order; empty for a draft.
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking of drafts (two focal points editing one draft).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-period_start", "partner__name", "-version_number", "-created_at"]
        verbose_name = _("statistics release")
        verbose_name_plural = _("statistics releases")
        constraints = [
            models.CheckConstraint(condition=models.Q(k__gte=K_MIN), name="network_release_k_at_least_11"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="network_release_period_order",
            ),
            # One current release per partner and period.
            models.UniqueConstraint(
                fields=["partner", "period_start", "period_end"],
                condition=models.Q(status="released"),
                name="network_release_one_current",
            ),
            models.UniqueConstraint(
                fields=["partner", "period_start", "period_end", "version_number"],
                condition=models.Q(version_number__isnull=False),
                name="network_release_version_unique",
            ),
        ]
        indexes = [models.Index(fields=["partner", "period_start", "period_end", "status"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        if self.pk is not None:
            stored = Release.objects.filter(pk=self.pk).values(*FROZEN_FIELDS, "status").first()
            if stored is not None and stored["status"] != ReleaseStatus.DRAFT:
                changed = [name for name in FROZEN_FIELDS if stored[name] != getattr(self, name)]
                if changed:
                    raise ReleaseImmutable(f"released release: {', '.join(changed)} cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        if (
            self.pk is not None
            and Release.objects.filter(pk=self.pk).exclude(status=ReleaseStatus.DRAFT).exists()
        ):
            raise ReleaseImmutable("a released release is never deleted")
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == ReleaseStatus.DRAFT

    @property
    def is_current(self) -> bool:
        return self.status == ReleaseStatus.RELEASED

    @property
    def indicators_spec(self) -> list[dict]:
        return list((self.spec or {}).get("indicators", []))


class _WriteOnce(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        if self.pk is not None and type(self).objects.filter(pk=self.pk).exists():
            raise ReleaseImmutable(f"{type(self).__name__} rows are written once")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        raise ReleaseImmutable(f"{type(self).__name__} rows are never deleted")


class ReleaseTable(_WriteOnce):
    """One table of a release: an indicator broken down by some disaggregations (none: its total)."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="tables")
    position = models.PositiveSmallIntegerField(default=0)
    indicator_code = models.CharField(_("indicator"), max_length=64)
    indicator_name = models.CharField(_("indicator name"), max_length=200, blank=True)
    dims = models.JSONField(_("disaggregations"), default=list, blank=True)  # ["sex"], ["sex", "age_group"]
    kind = models.CharField(_("kind"), max_length=8, choices=TableKind.choices, default=TableKind.TABLE)
    # The cells of the breakdown add up to the total (a person counts under one value only).
    additive = models.BooleanField(_("cells add up to the total"), default=True)
    # Differential privacy replaced small-cell suppression for this table.
    noisy = models.BooleanField(_("with differential privacy"), default=False)

    class Meta:
        ordering = ["release", "position", "pk"]
        verbose_name = _("release table")
        verbose_name_plural = _("release tables")

    def __str__(self) -> str:
        return f"{self.indicator_code} × {', '.join(self.dims) or '—'}"

    @property
    def dim_label(self) -> str:
        from kujdes.reports.sources import DISAGGREGATIONS

        return ", ".join(str(DISAGGREGATIONS.get(dim, dim)) for dim in self.dims)


class ReleaseCell(_WriteOnce):
    """One number that leaves the organisation, or the mark that it was withheld (then no number)."""

    table = models.ForeignKey(ReleaseTable, on_delete=models.PROTECT, related_name="cells")
    position = models.PositiveIntegerField(default=0)
    key = models.JSONField(_("key"), default=dict, blank=True)  # {"sex": "female"}; {} for the total
    labels = models.JSONField(_("labels"), default=dict, blank=True)  # {"sex": "Female"}
    value = models.BigIntegerField(_("value"), null=True, blank=True)
    withheld = models.BooleanField(_("withheld"), default=False)
    is_total = models.BooleanField(_("total"), default=False)
    reason = models.CharField(
        _("reason"), max_length=16, choices=WithheldReason.choices, default=WithheldReason.NONE
    )
    noisy = models.BooleanField(_("with noise"), default=False)

    class Meta:
        ordering = ["table", "position", "pk"]
        verbose_name = _("release cell")
        verbose_name_plural = _("release cells")
        constraints = [
            # A withheld cell stores no number, ever.
            models.CheckConstraint(
                condition=models.Q(withheld=False) | models.Q(value__isnull=True),
                name="network_release_cell_withheld_no_value",
            ),
            models.CheckConstraint(
                condition=models.Q(withheld=True, reason__in=["primary", "complementary"])
                | models.Q(withheld=False, reason="none"),
                name="network_release_cell_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {'withheld' if self.withheld else self.value}"


# --- persons known to several partners, counted on cryptographic linkage keys (issue 16, 4c) ----


class LinkageSecret(models.Model):
    """The network-wide secret that keys every partner's linkage filters (one row: the current).

    Every partner installation holds the same secret, handed over by the operators out of band
    (`kujdes clk secret-import`), never through federation: the hub that counts must not be able to
    build the filter of a name it guesses. Stored sealed by the installation's master key
    (`installation_secret_seal`, like the second-factor seeds), so a dump of this database does not
    open it; `fingerprint` (a keyed digest) lets two installations check they hold the same one.
    """

    sealed = models.TextField()
    fingerprint = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("network linkage secret")

    def __str__(self) -> str:
        return f"linkage secret {self.fingerprint}"


class ClkSubmission(models.Model):
    """One partner's linkage filters for one period, as the hub holds them.

    `filters` is the concatenation of fixed-size Bloom filters in a shuffled order: no name, no
    record id, nothing but the filters (the position of a filter is its only index, meaningless
    outside this row). A newer submission of the same partner and period replaces the older.
    """

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("first day"))
    period_end = models.DateField(_("last day"))
    fingerprint = models.CharField(_("secret fingerprint"), max_length=16)
    count = models.PositiveIntegerField(_("filters"))
    filters = models.BinaryField()
    origin = models.CharField(
        _("origin"), max_length=8, choices=ReleaseOrigin.choices, default=ReleaseOrigin.LOCAL
    )
    package_id = models.UUIDField(_("package"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now=True)

    class Meta:
        ordering = ["-period_start", "partner__code"]
        verbose_name = _("linkage filters of a partner")
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "period_start", "period_end"], name="network_clk_one_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.period_start}–{self.period_end}"


class SharedPersonsCount(models.Model):
    """The hub's count of persons known to two or more partners, for one period, as shown: every
    figure from 1 to k−1 is already withheld (stored as null), so nothing smaller ever lands here."""

    period_start = models.DateField(_("first day"))
    period_end = models.DateField(_("last day"))
    k = models.PositiveSmallIntegerField(default=K_MIN, validators=[MinValueValidator(K_MIN)])
    threshold = models.FloatField(_("Dice threshold"))
    # {"persons_shared": n | null, "by_partner": {code: n | null}, "by_partner_count": {"2": n | null}}
    figures = models.JSONField(default=dict)
    partners = models.JSONField(default=list)  # codes of the partners whose filters were counted
    filters = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_start", "-period_end"]
        verbose_name = _("persons known to several partners")
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "period_end"], name="network_shared_count_period"
            ),
            models.CheckConstraint(
                condition=models.Q(k__gte=K_MIN), name="network_shared_count_k_at_least_11"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end}"
