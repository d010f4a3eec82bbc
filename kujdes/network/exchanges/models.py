"""Exchanges and study visits between partners: who came, what they learnt, what they will do next.

Participants are staff of the partners (names, roles and work e-mails of colleagues), never
people of the cases. Documents and photos are the exchange's own (agendas, presentations,
group photos with the consent of those shown); photos of persons of the cases never belong
here. Network rows are not tenant rows: every staff member of the network reads them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kujdes.core.crypto import KeyHandle
from kujdes.network.models import Partner


class ExchangeKind(models.TextChoices):
    STUDY_VISIT = "study_visit", _("Study visit")
    PEER_EXCHANGE = "peer_exchange", _("Peer exchange")
    TRAINING_OF_TRAINERS = "training_of_trainers", _("Training of trainers")
    ONLINE = "online", _("Online exchange")


class ExchangeStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Exchange(models.Model):
    """An exchange or study visit hosted by one partner, visited by others."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=24, choices=ExchangeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    host = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="exchanges_hosted", verbose_name=_("host partner")
    )
    visitors = models.ManyToManyField(
        Partner, related_name="exchanges_visited", blank=True, verbose_name=_("visiting partners")
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    is_online = models.BooleanField(_("online"), default=False)
    online_link = models.URLField(_("link to join"), blank=True)
    objectives = models.TextField(_("objectives"), blank=True)
    # The agenda as free text; items (time, topic, speaker) are ExchangeAgendaItem rows.
    agenda = models.TextField(_("agenda"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ExchangeStatus.choices, default=ExchangeStatus.PLANNED
    )
    # Good practices presented at the exchange (links to the library; published practices only).
    practices = models.ManyToManyField(
        "network_practices.Practice",
        related_name="exchanges",
        blank=True,
        verbose_name=_("practices presented"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking: the coordinator and the host's focal point may edit at once.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_on", "title"]
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="network_exchange_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The last day cannot be before the first day.")
        if self.is_online and not self.online_link:
            errors["online_link"] = _("Give the link to join an online exchange.")
        if not self.is_online and not self.place.strip():
            errors["place"] = _("Give the place of the exchange, or tick “online”.")
        if errors:
            raise ValidationError(errors)


class ExchangeAgendaItem(models.Model):
    """One line of an exchange's agenda: when, what, who speaks."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="agenda_items")
    day = models.DateField(_("day"))
    starts_at = models.TimeField(_("time"), null=True, blank=True)
    topic = models.CharField(_("topic"), max_length=300)
    speaker = models.CharField(_("speaker"), max_length=200, blank=True)

    class Meta:
        ordering = ["day", "starts_at", "pk"]
        verbose_name = _("agenda item")

    def __str__(self) -> str:
        return self.topic


class ExchangeParticipant(models.Model):
    """A staff member of a partner taking part, with what they learnt and their evaluation."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="participants")
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="exchange_participants", verbose_name=_("partner")
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    email = models.EmailField(_("work e-mail"), blank=True)
    # The Kujdes account of a colleague who has one here.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Kujdes account"),
    )
    learning_outcomes = models.TextField(_("learning outcomes"), blank=True)
    # The post-visit evaluation form (1 = poor … 5 = excellent); empty until filled in.
    rating_overall = models.PositiveSmallIntegerField(
        _("overall rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_usefulness = models.PositiveSmallIntegerField(
        _("usefulness for my work"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    will_apply = models.TextField(_("what I will apply"), blank=True)
    evaluation_comment = models.TextField(_("comment"), blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner__name", "name"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating_overall__isnull=True)
                | models.Q(rating_overall__gte=1, rating_overall__lte=5),
                name="network_participant_rating_overall",
            ),
            models.CheckConstraint(
                condition=models.Q(rating_usefulness__isnull=True)
                | models.Q(rating_usefulness__gte=1, rating_usefulness__lte=5),
                name="network_participant_rating_usefulness",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_evaluation(self) -> bool:
        return self.evaluated_at is not None


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


OPEN_STATUSES = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)


class FollowUpAction(models.Model):
    """What a partner agreed to do after an exchange, by when; reminded when due."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField(_("what is to be done"))
    owner_partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="exchange_actions", verbose_name=_("owner partner")
    )
    owner_name = models.CharField(_("owner (name)"), max_length=200, blank=True)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner's Kujdes account"),
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # The day of the last reminder e-mail (the daily job writes once a day at most).
    reminded_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")

    def __str__(self) -> str:
        return self.description[:80]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.status == FollowUpStatus.DONE and self.done_on is None:
            raise ValidationError({"done_on": _("Give the day the action was done.")})
        if self.status != FollowUpStatus.DONE and self.done_on is not None:
            raise ValidationError({"done_on": _("Only a done action has a done date.")})

    def is_overdue(self, today: object) -> bool:
        return self.status in OPEN_STATUSES and self.due_on < today  # type: ignore[operator]


class DocumentKind(models.TextChoices):
    AGENDA = "agenda", _("Agenda")
    PRESENTATION = "presentation", _("Presentation")
    REPORT = "report", _("Report")
    PHOTO = "photo", _("Photo")
    OTHER = "other", _("Other")


class ExchangeDocument(models.Model):
    """A document or photo of an exchange, stored encrypted with a key of its own.

    The key belongs to the uploader's organisation's key ring (the keystore is read by
    every organisation's staff), so that deleting the document destroys its key.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="documents")
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="exchange_documents", verbose_name=_("shared by")
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=DocumentKind.choices, default=DocumentKind.OTHER
    )
    title = models.CharField(_("title"), max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    key_id = models.UUIDField(unique=True, editable=False, null=True)
    # Photo consent: people recognisable → who consented and how is recorded.
    people_recognisable = models.BooleanField(_("people can be recognised"), default=False)
    consent_confirmed = models.BooleanField(_("the people shown consented"), default=False)
    consent_note = models.CharField(_("who consented, and how"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(people_recognisable=False) | models.Q(consent_confirmed=True),
                name="network_exchange_document_consent",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    def encryption_handle(self) -> KeyHandle:
        assert self.key_id is not None
        return KeyHandle(key_id=self.key_id)
