"""Persons: an encrypted identity, plain statistical codes, blind indexes for search."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kujdes.core.crypto import KeyHandle
from kujdes.core.fields import EncryptedDateField, EncryptedJSONField, EncryptedTextField
from kujdes.core.models import TenantModel, Unit


class Sex(models.TextChoices):
    # HTCDS 2.0 prs_Gender picklist: the codes are the standard's own, so exports need no mapping.
    FEMALE = "Feminine", _("Female")
    MALE = "Masculine", _("Male")
    TRANSGENDER_FEMININE = "TransgenderFeminine", _("Transgender (feminine)")
    TRANSGENDER_MASCULINE = "TransgenderMasculine", _("Transgender (masculine)")
    NON_CONFORMING = "NonConforming", _("Gender non-conforming")
    UNKNOWN = "NonSpecifiedUnknown", _("Not specified")


class PersonCategory(models.TextChoices):
    CHILD_AT_RISK = "child_at_risk", _("Child at risk")
    WOMAN_AT_RISK = "woman_at_risk", _("Woman or girl at risk")
    YOUNG_PERSON = "young_person", _("Young person")
    POTENTIAL_VICTIM = "potential_victim", _("Potential victim of trafficking")
    VICTIM = "victim", _("Victim of trafficking")
    FAMILY_MEMBER = "family_member", _("Family member")


class Education(models.TextChoices):
    # HTCDS prs_HighestLevelOfEducation (ISCED 2011 levels 0-8).
    EARLY_CHILDHOOD = "EarlyChildhoodEducation", _("Early childhood education")
    PRIMARY = "PrimaryEducation", _("Primary education")
    LOWER_SECONDARY = "LowerSecondaryEducation", _("Lower secondary education")
    UPPER_SECONDARY = "UpperSecondaryEducation", _("Upper secondary education")
    POST_SECONDARY = "PostSecondaryNonTertiaryEducation", _("Post-secondary non-tertiary education")
    SHORT_TERTIARY = "ShortCycleTertiaryEducation", _("Short-cycle tertiary education")
    BACHELOR = "BachelorsOrEquivalentLevel", _("Bachelor's or equivalent")
    MASTER = "MastersOrEquivalentLevel", _("Master's or equivalent")
    DOCTORAL = "DoctoralOrEquivalentLevel", _("Doctoral or equivalent")


class MaritalStatus(models.TextChoices):
    # HTCDS prs_MaritalStatus.
    SINGLE = "Single", _("Single")
    MARRIED = "Married", _("Married")
    WIDOWED = "Widowed", _("Widowed")
    DIVORCED = "Divorced", _("Divorced")
    SEPARATED = "Separated", _("Separated")
    REGISTERED_PARTNERSHIP = "RegisteredPartnership", _("Registered partnership")


class Household(TenantModel):
    """People living together (its members point here); family members are indirect beneficiaries."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.code


class Person(TenantModel):
    """A person known to the programme.

    Identity fields are encrypted with the person's own key (`key_id`, in the key
    store); destroying that key erases them everywhere. Statistical codes stay
    plain so that figures still add up after an erasure.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    key_id = models.UUIDField(unique=True, editable=False)
    # Pseudonymous code printed on paper and in reports instead of a name, e.g. AL-SHK-2026-000123.
    code = models.CharField(_("code"), max_length=40, blank=True)

    given_name = EncryptedTextField(_("given name"))
    family_name = EncryptedTextField(_("family name"))
    other_names = EncryptedJSONField(_("other names and aliases"))
    date_of_birth = EncryptedDateField(_("date of birth"))
    id_documents = EncryptedJSONField(_("identity documents"))
    phones = EncryptedJSONField(_("phone numbers"))
    address = EncryptedTextField(_("address"))

    sex = models.CharField(_("sex"), max_length=24, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    municipality = models.CharField(_("municipality"), max_length=64, blank=True)
    citizenships = models.JSONField(_("citizenships"), default=list, blank=True)
    # True when the date of birth (or the birth year) was estimated from an age.
    birth_date_estimated = models.BooleanField(_("estimated"), default=False)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    education = models.CharField(
        _("highest level of education"), max_length=40, choices=Education.choices, blank=True
    )
    marital_status = models.CharField(
        _("marital status"), max_length=32, choices=MaritalStatus.choices, blank=True
    )
    children_count = models.PositiveSmallIntegerField(_("number of children"), null=True, blank=True)
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    # Set when this record was merged into another after a reviewed duplicate check.
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking: a save must name the version it started from.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"],
                condition=~models.Q(code=""),
                name="people_person_code_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "erased_at"], name="people_person_unit_idx"),
            # The person list (newest first in the actor's units) and the search's filter read these
            # columns from the index alone on PostgreSQL (a covering index; a plain one elsewhere).
            models.Index(
                fields=["unit", "-created_at"],
                include=["id", "organisation", "erased_at", "merged_into"],
                name="people_person_recent_idx",
            ),
            # Indicators join events to their persons for sex, age, category and municipality: on
            # PostgreSQL these come from this narrow index instead of the wide (encrypted) rows.
            models.Index(
                fields=["id"],
                include=["organisation", "unit", "sex", "birth_year", "municipality", "categories"],
                name="people_person_stats_idx",
            ),
        ]

    def __str__(self) -> str:
        return str(self.public_id)

    def encryption_handle(self) -> KeyHandle:
        handle = getattr(self, "_key_handle", None)
        if handle is None or handle.key_id != self.key_id:
            handle = KeyHandle(key_id=self.key_id)
            self._key_handle = handle
        return handle


class BlindIndexKind(models.TextChoices):
    NAME = "name"
    PHONE = "phone"
    ID_NUMBER = "id_number"
    # The record-linkage engine's blocking keys (kujdes.people.linkage.keys.KINDS), keyed like the
    # others: a document, the sorted name skeletons, a name with the birth year, a name with the other
    # one's prefix, the consonant keys, the date with day and month sorted.
    LINKAGE_DOCUMENT = "lk_doc"
    LINKAGE_NAME_PAIR = "lk_np"
    LINKAGE_NAME_YEAR = "lk_ny"
    LINKAGE_NAME_PREFIX = "lk_pf"
    LINKAGE_CONSONANTS = "lk_cn"
    LINKAGE_DATE = "lk_dt"


class BlindIndexEntry(TenantModel):
    """One keyed hash of a normalised name token, phone or ID number of a person."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="blind_index")
    kind = models.CharField(max_length=16, choices=BlindIndexKind.choices)
    digest = models.CharField(max_length=64)

    class Meta:
        indexes = [
            # A search reads the person ids of a name's entries from the index alone on PostgreSQL
            # (covering): a common family name has thousands of entries, each on its own table page.
            models.Index(
                fields=["organisation", "kind", "digest"], include=["person"], name="people_blind_cover_idx"
            )
        ]


class PersonFileKind(models.TextChoices):
    CONSENT = "consent", _("Signed consent")
    DOCUMENT = "document", _("Document")
    PHOTO = "photo", _("Photo")


class PersonFile(TenantModel):
    """A document or photo of a person, stored encrypted with the person's key (`kujdes.core.files`)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("kind"), max_length=16, choices=PersonFileKind.choices)
    name = EncryptedTextField(_("file name"))
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"file {self.public_id}"

    def encryption_handle(self) -> KeyHandle:
        return self.person.encryption_handle()


class ConsentPurpose(models.TextChoices):
    CASE_MANAGEMENT = "case_management", _("Case management")
    REFERRAL = "referral", _("Referral to services")
    PARTNER_SHARING = "partner_sharing", _("Sharing with a partner organisation")
    # A cross-border referral (kujdes/network/crossborder): to any partner of the network abroad.
    PARTNER_ABROAD = "partner_abroad", _("Sharing with a partner organisation abroad")
    STATISTICS = "statistics", _("Anonymised statistics")
    PHOTOS = "photos", _("Photos")
    # Taking part in one programme activity (a course, a camp): registration, attendance, the activity's
    # lists. The minimal consent of a field educator's registration; a camp's parental consent.
    ACTIVITY = "activity", _("Taking part in the activity")


class ConsentGivenBy(models.TextChoices):
    SELF = "self", _("The person")
    GUARDIAN = "guardian", _("A parent or guardian")


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("Written")
    ORAL = "oral", _("Oral")
    DIGITAL = "digital", _("Digital")


class Consent(TenantModel):
    """A person's consent for one purpose (and, for sharing, one partner), until withdrawn."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=32, choices=ConsentPurpose.choices)
    partner = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner organisation"),
    )
    given_by = models.CharField(_("given by"), max_length=16, choices=ConsentGivenBy.choices)
    guardian_name = EncryptedTextField(_("name of the guardian"))
    # The guardian who gave it, a recorded guardian of the person (PersonRelation.is_guardian): a
    # child's consent names them.
    guardian = models.ForeignKey(
        "Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("guardian"),
    )
    # For purpose "activity" (and photos taken at one): the public id of the programme activity. A plain
    # id, not a foreign key: people does not depend on the programme room (DESIGN.md §3).
    activity = models.UUIDField(_("activity"), null=True, blank=True)
    method = models.CharField(_("how"), max_length=16, choices=ConsentMethod.choices)
    # The language the consent text was read to the person in (blank: recorded before it was asked, or
    # on paper by an import): she consents to what she understood.
    language = models.CharField(
        _("language the consent was read in"), max_length=8, choices=settings.LANGUAGES, blank=True
    )
    given_on = models.DateField(_("given on"))
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    document = models.ForeignKey(
        PersonFile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed document"),
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [
            models.Index(fields=["person", "purpose"], name="people_consent_lookup_idx"),
            models.Index(fields=["activity", "purpose"], name="people_consent_activity_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} ({self.public_id})"

    def encryption_handle(self) -> KeyHandle:
        return self.person.encryption_handle()


class ConsentOverride(TenantModel):
    """An action taken without the consent it needed, and why (the reason is personal data: encrypted)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consent_overrides")
    purpose = models.CharField(max_length=32, choices=ConsentPurpose.choices)
    partner = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, null=True, related_name="+")
    reason = EncryptedTextField(_("reason"))
    actor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"override {self.public_id}"

    def encryption_handle(self) -> KeyHandle:
        return self.person.encryption_handle()


class RetentionRecordType(models.TextChoices):
    PERSON = "person", _("Person without activity")


class RetentionRule(TenantModel):
    """How long a kind of record is kept after its last activity, set by each organisation."""

    record_type = models.CharField(_("record type"), max_length=32, choices=RetentionRecordType.choices)
    keep_for_days = models.PositiveIntegerField(_("keep for (days)"))
    basis = models.CharField(_("legal basis or policy"), max_length=300, blank=True)
    updated_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "record_type"], name="people_retention_rule_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_type}: {self.keep_for_days} days"


class LegalHold(TenantModel):
    """Keeps a person's records from erasure (court case, investigation) until lifted."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="legal_holds")
    reason = EncryptedTextField(_("reason"))
    placed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(auto_now_add=True)
    lifted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"hold {self.public_id}"

    def encryption_handle(self) -> KeyHandle:
        return self.person.encryption_handle()


class RetentionDueStatus(models.TextChoices):
    DUE = "due", _("Due for erasure")
    HELD = "held", _("Blocked by a legal hold")
    ERASED = "erased", _("Erased")


class RetentionDue(TenantModel):
    """A record past its retention period, waiting for the data protection officer's decision."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, related_name="+")
    due_since = models.DateField()
    status = models.CharField(
        max_length=16, choices=RetentionDueStatus.choices, default=RetentionDueStatus.DUE
    )
    listed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "rule"], name="people_retention_due_unique")]

    def __str__(self) -> str:
        return f"due {self.public_id}"


class RelationKind(models.TextChoices):
    PARENT = "parent", _("Parent")
    CHILD = "child", _("Child")
    SIBLING = "sibling", _("Sibling")
    PARTNER = "partner", _("Spouse or partner")
    GRANDPARENT = "grandparent", _("Grandparent")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    LEGAL_GUARDIAN = "legal_guardian", _("Legal guardian (not a relative)")


class PersonRelation(TenantModel):
    """`relative` is the `kind` of `person` (e.g. her parent); `is_guardian` marks a minor's guardian."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relations")
    relative = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("relation"), max_length=20, choices=RelationKind.choices)
    is_guardian = models.BooleanField(_("guardian"), default=False)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "relative"], name="people_relation_unique"),
            models.CheckConstraint(
                condition=~models.Q(person=models.F("relative")), name="people_relation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"relation {self.public_id}"


class MergeStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    MERGED = "merged", _("Merged")
    REJECTED = "rejected", _("Rejected")
    UNMERGED = "unmerged", _("Undone")


class PersonMerge(TenantModel):
    """A proposed merge of a duplicate into the record that is kept; a second person reviews it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kept = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    duplicate = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=MergeStatus.choices, default=MergeStatus.PROPOSED)
    proposed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Which record's value survives, per identity field ("kept", "duplicate", or "both" for lists), as
    # chosen by whoever proposed the merge (kujdes.people.services.MERGE_CHOICE_FIELDS). Codes only.
    field_choices = models.JSONField(default=dict, blank=True)
    # What the merge changed, sealed with the kept person's key: both identities before the merge and
    # the ids of every row moved (by people and by each room's hook), so that an unmerge puts them back.
    # Erasing the kept person shreds it with the rest of her record.
    undo = EncryptedJSONField()
    unmerged_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    unmerged_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"merge {self.public_id}"

    def encryption_handle(self) -> KeyHandle:
        return self.kept.encryption_handle()


class CodeSequence(TenantModel):
    """The last number handed out for a code prefix (persons, cases), taken under a row lock."""

    prefix = models.CharField(max_length=40)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "prefix"], name="people_code_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last_value}"


class LinkageModel(TenantModel):
    """The record-linkage engine's weights for one organisation (kujdes.people.linkage.model), learnt
    from its own registry so that they fit its population.

    `parameters` holds numbers only (m and u per comparison level, the prior, term-frequency tables
    keyed by the organisation's blind index of a name skeleton, never the name itself): nothing in it
    names a person.
    """

    parameters = models.JSONField(default=dict)
    records = models.PositiveIntegerField(default=0)
    trained_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation"], name="people_linkage_model_unique")]

    def __str__(self) -> str:
        return f"linkage model of organisation {self.organisation_id}"


class DedupeRunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class DedupeRun(TenantModel):
    """One batch deduplication of an organisation's registry (kujdes.people.dedupe), in the worker.

    Counts and timings only: the run reads identities in memory and writes candidate pairs as
    numbers and person ids (DuplicatePair), nothing else.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    started_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    status = models.CharField(max_length=16, choices=DedupeRunStatus.choices, default=DedupeRunStatus.QUEUED)
    # "read" (persons decrypted in batches), "link" (the engine), "store" (the queue written).
    stage = models.CharField(max_length=16, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    persons = models.PositiveIntegerField(default=0)
    pairs_compared = models.PositiveBigIntegerField(default=0)
    pairs_stored = models.PositiveIntegerField(default=0)
    pairs_known_different = models.PositiveIntegerField(default=0)
    clusters = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    error = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "-created_at"], name="people_dedupe_run_recent_idx")]

    def __str__(self) -> str:
        return f"dedupe run {self.public_id}"

    @property
    def percent(self) -> int:
        if self.status == DedupeRunStatus.DONE:
            return 100
        # Reading the registry is most of a run's visible progress; linking and storing the rest.
        share = {"read": (0, 60), "link": (60, 35), "store": (95, 5)}.get(self.stage, (0, 0))
        part = self.done / self.total if self.total else 0
        return min(99, int(share[0] + share[1] * part))


class PairStatus(models.TextChoices):
    OPEN = "open", _("To review")
    UNSURE = "unsure", _("Unsure (postponed)")
    DIFFERENT = "different", _("Not the same person")
    SAME = "same", _("Same person")


class DuplicatePair(TenantModel):
    """Two records the linkage engine found alike, and the reviewer's decision on them.

    One row per pair of persons (`first` has the smaller id), kept across runs: a decision "not the
    same" stays, and a later run never proposes the pair again. Numbers and ids only: the engine's
    weight and probability, the per-field comparison levels and weights (compare.FIELDS order) from
    which the explanation in words is made again on display, the swap of given and family name.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    run = models.ForeignKey(DedupeRun, on_delete=models.SET_NULL, null=True, related_name="pairs")
    first = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    weight = models.FloatField()
    probability = models.FloatField()
    levels = models.JSONField(default=list)
    field_weights = models.JSONField(default=list)
    swapped = models.BooleanField(default=False)
    # The run's cluster of both records (1, 2, …), None when the engine did not put them together.
    cluster = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=PairStatus.choices, default=PairStatus.OPEN)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    merge = models.ForeignKey(PersonMerge, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="people_duplicate_pair_unique"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="people_pair_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "-weight"], name="people_pair_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"pair {self.public_id}"
