"""The good-practice library: practices, their texts per language, published snapshots, adoptions.

A practice belongs to a partner. Its owner's focal points write a working revision (the
`Practice` row and its `PracticeText` rows); the coordinator publishes it, which stores an
immutable `PracticeVersion` snapshot. Readers only ever read the latest snapshot, while the
owner works on the next revision. Nothing here is personal data of the people in the cases.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kujdes.core.models import Country
from kujdes.network.models import Language, Partner, Theme


class TargetGroup(models.TextChoices):
    CHILDREN = "children", _("Children")
    ADOLESCENTS = "adolescents", _("Adolescents")
    WOMEN = "women", _("Women")
    GIRLS = "girls", _("Girls")
    YOUNG_PEOPLE = "young_people", _("Young people")
    FAMILIES = "families", _("Families")
    MIGRANTS = "migrants", _("Migrants and displaced people")
    VICTIMS = "victims", _("Victims and survivors")
    PROFESSIONALS = "professionals", _("Professionals")
    COMMUNITY = "community", _("Community")


class PracticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    RETURNED = "returned", _("Returned to the author")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class PracticeOrigin(models.TextChoices):
    LOCAL = "local", _("Written on this installation")
    REMOTE = "remote", _("Received from a remote installation")


class TextState(models.TextChoices):
    """A text's own review state; the owner's texts follow the practice (WORKING)."""

    WORKING = "working", _("Part of the owner's revision")
    SUBMITTED = "submitted", _("Translation submitted for review")
    RETURNED = "returned", _("Translation returned")
    PUBLISHED = "published", _("Translation published")


def _codes_check(values: Any, choices: type[models.TextChoices], label: str, required: bool) -> None:
    if not isinstance(values, list) or any(v not in choices.values for v in values):
        raise ValidationError(_("Choose %(label)s from the list.") % {"label": label})
    if required and not values:
        raise ValidationError(_("Choose at least one %(label)s.") % {"label": label})


def themes_validate(value: Any) -> None:
    _codes_check(value, Theme, str(_("theme")), True)


def target_groups_validate(value: Any) -> None:
    _codes_check(value, TargetGroup, str(_("target group")), False)


class Practice(models.Model):
    """A good practice of a partner (its working revision; readers see its latest PracticeVersion)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="practices")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    original_language = models.CharField(_("original language"), max_length=8, choices=Language.choices)
    themes = models.JSONField(_("themes"), default=list, validators=[themes_validate])
    target_groups = models.JSONField(
        _("target groups"), default=list, blank=True, validators=[target_groups_validate]
    )
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("until"), null=True, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PracticeStatus.choices, default=PracticeStatus.DRAFT
    )
    # The number of the latest published snapshot (0: never published).
    published_version = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking
    # A practice of a partner on another installation, received in `practice` packages: read-only
    # here. The package that last changed it, the installation that sent it, when it was applied,
    # and the documents that were too large to travel ([{"id", "name", "content_type", "size"}]).
    origin = models.CharField(
        _("origin"), max_length=8, choices=PracticeOrigin.choices, default=PracticeOrigin.LOCAL
    )
    package_id = models.UUIDField(_("package"), null=True, blank=True)
    sender_installation_id = models.UUIDField(_("sending installation"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    documents_left_out = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-updated_at", "pk"]
        verbose_name = _("good practice")
        verbose_name_plural = _("good practices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__isnull=True)
                | models.Q(period_start__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="network_practice_period",
            )
        ]

    def __str__(self) -> str:
        original = self.original_text
        return original.title if original else str(self.public_id)

    def clean(self) -> None:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The end comes before the start.")})
        self.tags = tags_normalise(self.tags)

    @property
    def is_remote(self) -> bool:
        return self.origin == PracticeOrigin.REMOTE

    @property
    def original_text(self) -> PracticeText | None:
        for text in self.texts.all():
            if text.is_original:
                return text
        return None


def tags_normalise(value: Any) -> list[str]:
    """Free tags, lower-case, trimmed, without duplicates, in their order."""
    if isinstance(value, str):
        value = value.split(",")
    tags: list[str] = []
    for tag in value or []:
        clean = " ".join(str(tag).split()).lower()[:40]
        if clean and clean not in tags:
            tags.append(clean)
    return tags[:20]


TEXT_FIELDS = ("title", "summary", "description", "resources", "results", "lessons")


class PracticeText(models.Model):
    """A practice's text in one language: the original or a translation."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    is_original = models.BooleanField(default=False)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=1000)
    description = models.TextField(_("description (Markdown)"), blank=True)
    resources = models.TextField(_("resources needed"), blank=True)
    results = models.TextField(_("results and evidence"), blank=True)
    lessons = models.TextField(_("lessons learnt"), blank=True)
    # The original counts its content changes; a translation names the one it was made from.
    revision = models.PositiveIntegerField(default=1)
    source_revision = models.PositiveIntegerField(null=True, blank=True)
    translator_name = models.CharField(_("translator"), max_length=200, blank=True)
    translated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    translated_on = models.DateField(_("translated on"), null=True, blank=True)
    # A partner other than the owner who contributed this translation (reviewed on its own).
    contributed_by = models.ForeignKey(
        Partner, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=16, choices=TextState.choices, default=TextState.WORKING)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking

    class Meta:
        ordering = ["-is_original", "language"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "language"], name="network_practice_text_language"),
            models.UniqueConstraint(
                fields=["practice"],
                condition=models.Q(is_original=True),
                name="network_practice_one_original",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    def is_outdated(self, original_revision: int) -> bool:
        return not self.is_original and (self.source_revision or 0) < original_revision


class PracticeVersion(models.Model):
    """An immutable snapshot of a published practice (all texts, all metadata)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    data = models.JSONField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "number"], name="network_practice_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.practice_id} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("a published version is immutable")
        super().save(*args, **kwargs)


class ReviewComment(models.Model):
    """A message of the review thread between the coordinator and the authors."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        PUBLISHED = "published", _("Published")

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.COMMENT)
    language = models.CharField(max_length=8, blank=True)  # a translation's review
    body = models.TextField(_("comment"), max_length=4000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class PracticeAttachment(models.Model):
    """A document of a practice, stored encrypted like every file (with a key of its own)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    key_id = models.UUIDField(unique=True, editable=False, null=True)
    # Readers see an attachment once the revision it came with is published.
    is_published = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name


class AdoptionKind(models.TextChoices):
    ADOPTED = "adopted", _("Adopted as it is")
    ADAPTED = "adapted", _("Adapted")


class Adoption(models.Model):
    """A partner's record that it adopted or adapted a practice: where the practice travelled."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="adoptions")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="practice_adoptions")
    kind = models.CharField(_("kind"), max_length=16, choices=AdoptionKind.choices)
    changes = models.TextField(_("what was changed"), blank=True, max_length=4000)
    since = models.DateField(_("since"))
    result = models.TextField(_("with what result"), blank=True, max_length=4000)
    evidence = models.TextField(_("evidence"), blank=True, max_length=4000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-since", "-pk"]
        verbose_name = _("adoption")

    def __str__(self) -> str:
        return f"{self.partner_id} → {self.practice_id}"


class PracticeSearchDocument(models.Model):
    """What readers search: the latest published snapshot, flattened (one row per published practice).

    On PostgreSQL the migration adds a `document` tsvector column with a GIN index; on SQLite an
    FTS5 table `network_practices_fts` (rowid = this row's id). The services keep both in step.
    The facet columns hold codes between bars ("|prevention|child_protection|").
    """

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="search_document")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    titles = models.TextField(blank=True)
    body = models.TextField(blank=True)
    country = models.CharField(max_length=2, db_index=True)
    themes = models.CharField(max_length=400, blank=True)
    target_groups = models.CharField(max_length=400, blank=True)
    languages = models.CharField(max_length=200, blank=True)
    # What a result shows, per language: {"sq": ["title", "summary"], ...} and "" → the original's code.
    cards = models.JSONField(default=dict)
    published_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.practice_id)
