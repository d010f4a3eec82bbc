"""Screening instruments as data, and the screenings done with them.

An Instrument is what an organisation screens with ("ILO/EC indicators: adults, labour
exploitation"); its content lives in numbered, immutable InstrumentVersions (a JSON definition
read by `kujdes.screening.engine`). Editing an instrument adds a version; a Screening points to the
version it used (PROTECT), so its result can always be shown as it was computed. The answers, the
result and the worker's notes are encrypted with the person's key; the outcome, level and
positive dimensions are plain codes (statistics).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kujdes.core.crypto import KeyHandle
from kujdes.core.fields import EncryptedJSONField, EncryptedTextField
from kujdes.core.models import TenantModel, Unit
from kujdes.screening.engine import label_in


class InstrumentKind(models.TextChoices):
    ILO = "ilo", _("ILO/EC trafficking indicators")
    RISK = "risk", _("Prevention risk screening")


class InstrumentTarget(models.TextChoices):
    ADULT = "adult", _("Adults (18 and over)")
    CHILD = "child", _("Children (under 18)")
    ANY = "any", _("Adults and children")


class AgeGroup(models.TextChoices):
    ADULT = "adult", _("Adult")
    CHILD = "child", _("Child")


class Outcome(models.TextChoices):
    # ILO outcomes, then risk levels: one plain column for statistics.
    VICTIM = "victim", _("Presumed victim of trafficking")
    DECEIVED_EXPLOITED = "deceived_exploited", _("Deceived and exploited")
    EXPLOITED = "exploited", _("Exploited")
    NO_INDICATION = "no_indication", _("No indication of trafficking")
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")


class Level(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Instrument(TenantModel):
    """A screening instrument of one organisation; its content is in its versions."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(_("code"), max_length=64)
    kind = models.CharField(_("kind"), max_length=8, choices=InstrumentKind.choices)
    target = models.CharField(_("for"), max_length=8, choices=InstrumentTarget.choices)
    # {"sq": …, "en": …, "fr": …}
    name = models.JSONField(_("name"), default=dict)
    is_active = models.BooleanField(_("in use"), default=True)
    # Shipped by Kujdes (installed for every organisation) rather than created by the organisation.
    is_shipped = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("screening instrument")
        verbose_name_plural = _("screening instruments")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="screening_instrument_code_unique"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def display_name(self) -> str:
        return label_in(self.name, get_language() or "sq") or self.code


class InstrumentVersion(TenantModel):
    """One immutable state of an instrument (numbered 1, 2, …): dimensions, indicators, rules, notes."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["instrument", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="screening_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} v{self.number}"

    def label(self, value: Any) -> str:
        return label_in(value, get_language() or "sq")


class Screening(TenantModel):
    """One screening of one person with one instrument version; the result never changes afterwards."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="screenings")
    # The person's unit when screened: who screened where, for statistics.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="screenings")
    performed_on = models.DateField(_("date of the screening"))
    performed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Whose rule applied (children need no means), from the birth year or the worker's choice.
    age_group = models.CharField(_("age group"), max_length=8, choices=AgeGroup.choices)
    # Codes of the indicators present ("domestic_violence", "school_dropout"): sealed, like the notes.
    answers = EncryptedJSONField(default=list)
    # engine.screening_evaluate(): each dimension's counts or score, the factors that raised the level,
    # positive dimensions, outcome, level, next step code. Sealed: it tells what the answers were.
    result = EncryptedJSONField(default=dict)
    # Plain codes for statistics (docs/data-protection.md): the outcome, the level and which
    # dimensions were positive ("household"), never which indicator made them so.
    outcome = models.CharField(_("outcome"), max_length=24, choices=Outcome.choices, db_index=True)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    positive_dimensions = models.JSONField(_("positive dimensions"), default=list, blank=True)
    notes = EncryptedTextField(_("notes"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-performed_on", "-created_at"]
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")
        indexes = [models.Index(fields=["person", "-performed_on"], name="screening_person_idx")]

    def __str__(self) -> str:
        return f"screening {self.public_id}"

    def encryption_handle(self) -> KeyHandle:
        return self.person.encryption_handle()
