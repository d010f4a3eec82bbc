"""The prevention programme: activities and their sessions, participation and attendance,
anonymous headcounts, outcomes, summer camps, volunteers, and joint initiatives.

Personal data here is limited to who took part (a link to the person registry, whose identity
stays encrypted there), the camp incident log and the volunteers' profiles (the incidents' text and
a volunteer's phone number sealed with a key of the row's own, `OwnKeyed`). Headcounts are
anonymous by construction: numbers only.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kujdes.core.content_languages import content_text
from kujdes.core.crypto import KeyHandle
from kujdes.core.fields import EncryptedTextField
from kujdes.core.models import StaffCategory, TenantModel, Unit
from kujdes.people.models import Person
from kujdes.referrals.models import ServiceProvider


class ActivityKind(models.TextChoices):
    """What an activity type records: the built-in behaviour behind a configurable type."""

    COURSE = "course", _("Course (enrolled participants, sessions, completion)")
    CAMP = "camp", _("Summer camp (parental consent, groups, roster, incidents)")
    MEETING = "meeting", _("Meeting (participants or a headcount)")
    MASS = "mass", _("Mass activity (anonymous headcounts)")
    TRAINING = "training", _("Training (participants, certificates)")
    ADVOCACY = "advocacy", _("Joint initiative or advocacy action")
    VISIT = "visit", _("Exchange or study visit")


class OwnKeyed(TenantModel):
    """A row whose encrypted values (or file) use a key of its own, created with the row."""

    key_id = models.UUIDField(unique=True, editable=False, null=True)

    class Meta:
        abstract = True

    def encryption_handle(self) -> KeyHandle:
        handle = getattr(self, "_key_handle", None)
        if handle is None:
            if self.key_id is None:
                from kujdes.core.crypto import subject_key_create

                record = subject_key_create(organisation_id=self.organisation_id)
                self.key_id = record.public_id
                handle = KeyHandle(key_id=record.public_id, record=record)
            else:
                handle = KeyHandle(key_id=self.key_id)
            self._key_handle = handle
        return handle

    def save(self, *args: Any, **kwargs: Any) -> None:
        had_key = self.key_id is not None
        self.encryption_handle()  # the key exists before the values are sealed
        if not had_key and kwargs.get("update_fields") is not None:
            # A row saved before it had a key (a partial save of an old row) keeps the key it now uses.
            kwargs["update_fields"] = {*kwargs["update_fields"], "key_id"}
        super().save(*args, **kwargs)


class ActivityType(TenantModel):
    """A type of activity, configured per organisation, with its name in each interface language."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    # {"sq": "...", "en": "...", "ar": "...", ...}: a name per offered language (content_text's fallback).
    names = models.JSONField(_("names"), default=dict)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="programme_type_code_unique")
        ]

    def __str__(self) -> str:
        return self.name()

    def name(self, language: str | None = None) -> str:
        """In the reader's language, else the organisation's, else English (core/content_languages.py)."""
        return content_text(
            self.names, language, default_language=self._organisation_language, fallback=self.code
        )

    def _organisation_language(self) -> str:
        # Asked only when the reader's language is missing: most reads cost no query.
        return self.organisation.default_language

    @property
    def uses_participants(self) -> bool:
        return self.kind in (
            ActivityKind.COURSE,
            ActivityKind.CAMP,
            ActivityKind.TRAINING,
            ActivityKind.MEETING,
        )

    @property
    def uses_headcounts(self) -> bool:
        return self.kind in (
            ActivityKind.MASS,
            ActivityKind.MEETING,
            ActivityKind.ADVOCACY,
            ActivityKind.VISIT,
        )


class TargetGroup(models.TextChoices):
    CHILDREN = "children", _("Children")
    YOUTH = "youth", _("Young people")
    WOMEN_GIRLS = "women_girls", _("Women and girls")
    PARENTS = "parents", _("Parents and families")
    PROFESSIONALS = "professionals", _("Professionals")
    COMMUNITY = "community", _("Community")
    VOLUNTEERS = "volunteers", _("Volunteers")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Activity(TenantModel):
    """One course, camp, campaign, meeting or training, organised by a unit (others may co-organise)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    activity_type = models.ForeignKey(ActivityType, on_delete=models.PROTECT, related_name="activities")
    title = models.CharField(_("title"), max_length=200)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("organising unit")
    )
    co_units = models.ManyToManyField(
        Unit, blank=True, related_name="+", verbose_name=_("co-organising units")
    )
    municipality = models.CharField(_("municipality"), max_length=64, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    target_groups = models.JSONField(_("target groups"), default=list, blank=True)
    partners = models.ManyToManyField(
        ServiceProvider, blank=True, related_name="+", verbose_name=_("partner organisations")
    )
    external_experts = models.CharField(_("external experts"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED
    )
    # Courses and trainings: hours on the certificate (total of the sessions when left empty).
    certificate_hours = models.PositiveSmallIntegerField(_("hours on the certificate"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_on", "title"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["unit", "-starts_on"], name="programme_act_unit_idx"),
            models.Index(fields=["organisation", "starts_on"], name="programme_act_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="programme_activity_dates"
            )
        ]

    def __str__(self) -> str:
        return self.title


class FacilitatorRole(models.TextChoices):
    STAFF = "staff", _("Staff")
    VOLUNTEER = "volunteer", _("Volunteer")
    EXPERT = "expert", _("External expert")


class Facilitator(TenantModel):
    """Who runs an activity: a staff user, a volunteer (who then sees the activity), or an expert by name.

    `staff_category` is how they served when added (a missionary, an employee…), kept with the row so
    that last year's reports do not change when someone's membership does.
    """

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="facilitators")
    role = models.CharField(_("role"), max_length=16, choices=FacilitatorRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    volunteer = models.ForeignKey(
        "Volunteer", on_delete=models.PROTECT, null=True, blank=True, related_name="facilitations"
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    # Summer camps: the roster's task (cook, group leader, night watch...).
    duty = models.CharField(_("duty"), max_length=120, blank=True)
    staff_category = models.CharField(
        _("staff category"), max_length=20, choices=StaffCategory.choices, default=StaffCategory.EMPLOYEE
    )

    class Meta:
        ordering = ["role", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False)
                | models.Q(volunteer__isnull=False)
                | ~models.Q(name=""),
                name="programme_facilitator_someone",
            )
        ]


class ActivityFile(OwnKeyed):
    """Materials of an activity (programme data, not personal data): stored encrypted like every upload."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Session(TenantModel):
    """One meeting of an activity: a course lesson, a camp day, a campaign event."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    ends_at = models.TimeField(_("ends at"), null=True, blank=True)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )

    class Meta:
        ordering = ["date", "starts_at", "pk"]
        indexes = [models.Index(fields=["activity", "date"], name="programme_sess_date_idx")]

    def __str__(self) -> str:
        return f"{self.activity} · {self.date}"

    @property
    def hours(self) -> float:
        if self.starts_at is None or self.ends_at is None:
            return 0.0
        minutes = (self.ends_at.hour * 60 + self.ends_at.minute) - (
            self.starts_at.hour * 60 + self.starts_at.minute
        )
        return max(minutes, 0) / 60


class CampGroup(TenantModel):
    """A group of a summer camp (age group, team), with its leader."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="camp_groups")
    name = models.CharField(_("name"), max_length=80)
    leader = models.CharField(_("leader"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "name"], name="programme_campgroup_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ParticipationStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    COMPLETED = "completed", _("Completed")
    DROPPED = "dropped", _("Dropped out")


class CertificateLanguage(models.TextChoices):
    """Every interface language: a certificate is made in its reader's language (each named in itself)."""

    SQ = "sq", "Shqip"
    EN = "en", "English"
    FR = "fr", "Français"
    AR = "ar", "العربية"
    TR = "tr", "Türkçe"
    UK = "uk", "Українська"
    RO = "ro", "Română"
    BG = "bg", "Български"
    HY = "hy", "Հայերեն"
    BS = "bs", "Bosanski"


class Participation(TenantModel):
    """A registered person taking part in an activity."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="participations")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="participations")
    status = models.CharField(
        _("status"), max_length=16, choices=ParticipationStatus.choices, default=ParticipationStatus.ENROLLED
    )
    enrolled_on = models.DateField(_("enrolled on"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    # Added on the day from the attendance register, not enrolled beforehand.
    late_addition = models.BooleanField(_("added on the day"), default=False)
    certificate_language = models.CharField(
        _("language of the certificate"), max_length=2, choices=CertificateLanguage.choices, default="sq"
    )
    certificate_number = models.CharField(_("certificate number"), max_length=40, blank=True)
    # Summer camps: a parent's or guardian's consent to the camp, and the group.
    parental_consent = models.BooleanField(_("parental consent given"), default=False)
    parental_consent_by = models.CharField(_("consent given by"), max_length=200, blank=True)
    camp_group = models.ForeignKey(
        CampGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["activity", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "person"], name="programme_participation_unique")
        ]
        indexes = [models.Index(fields=["person"], name="programme_part_person_idx")]

    def __str__(self) -> str:
        return f"participation {self.public_id}"


class Attendance(TenantModel):
    """Whether one participant was at one session. One row per (session, participant): saves merge by row."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    participation = models.ForeignKey(Participation, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "participation"], name="programme_attendance_unique")
        ]


class OutcomeResult(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    RETURNED_TO_SCHOOL = "returned_to_school", _("Returned to school")
    STARTED_BUSINESS = "started_business", _("Started a business")
    CONTINUED_EDUCATION = "continued_education", _("Continued education or training")
    NONE = "none", _("None of these")
    UNREACHABLE = "unreachable", _("Could not be reached")


OUTCOME_MONTHS = (3, 6, 12)


class Outcome(TenantModel):
    """A follow-up of a participant at 3, 6 or 12 months after completing a course."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    participation = models.ForeignKey(Participation, on_delete=models.CASCADE, related_name="outcomes")
    months = models.PositiveSmallIntegerField(_("months after completion"))
    due_on = models.DateField(_("due on"))
    result = models.CharField(_("result"), max_length=24, choices=OutcomeResult.choices, blank=True)
    recorded_on = models.DateField(_("recorded on"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on"]
        constraints = [
            models.UniqueConstraint(fields=["participation", "months"], name="programme_outcome_unique")
        ]
        indexes = [models.Index(fields=["organisation", "due_on"], name="programme_outcome_due_idx")]


# -- anonymous headcounts ---------------------------------------------------------------------

DEFAULT_AGE_GROUPS = (0, 6, 12, 15, 18, 25, 60)


class HeadcountSex(models.TextChoices):
    FEMALE = "Feminine", _("Female")
    MALE = "Masculine", _("Male")
    UNKNOWN = "NonSpecifiedUnknown", _("Not specified")


class HeadcountCategory(models.TextChoices):
    GENERAL = "general", _("General public")
    CHILDREN = "child_at_risk", _("Children at risk")
    WOMEN = "woman_at_risk", _("Women and girls at risk")
    YOUTH = "young_person", _("Young people")
    PARENTS = "parents", _("Parents and families")
    PROFESSIONALS = "professionals", _("Professionals")


class Headcount(TenantModel):
    """An anonymous count of the people reached by a mass activity on one day, plus its indirect reach."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="headcounts")
    session = models.ForeignKey(Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    # The age groups in force when counted, as lower bounds: the cells' labels derive from them.
    age_groups = models.JSONField(default=list)
    reach_families = models.PositiveIntegerField(_("families"), default=0)
    reach_community = models.PositiveIntegerField(_("community members"), default=0)
    reach_media = models.PositiveIntegerField(_("media audience"), default=0)
    reach_online = models.PositiveIntegerField(_("online audience"), default=0)
    reach_method = models.CharField(_("how the indirect reach was estimated"), max_length=500, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["organisation", "date"], name="programme_hc_date_idx")]

    @property
    def indirect_total(self) -> int:
        return self.reach_families + self.reach_community + self.reach_media + self.reach_online


class HeadcountCell(TenantModel):
    """People counted in one sex × age group × category cell (zero cells are not stored)."""

    headcount = models.ForeignKey(Headcount, on_delete=models.CASCADE, related_name="cells")
    sex = models.CharField(max_length=24, choices=HeadcountSex.choices)
    # The lower bound of the age group (see Headcount.age_groups).
    age_from = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=24, choices=HeadcountCategory.choices)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["headcount", "sex", "age_from", "category"], name="programme_cell_unique"
            )
        ]


class ProgrammeSettings(TenantModel):
    """Per-organisation settings of the programme room."""

    age_groups = models.JSONField(_("age groups (lower bounds)"), default=list)
    # Days before a safeguarding check or a training expires when reminders start.
    reminder_days = models.PositiveSmallIntegerField(_("reminder days before expiry"), default=30)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation"], name="programme_settings_unique")]


# -- summer camps ---------------------------------------------------------------------------------


class IncidentSeverity(models.TextChoices):
    MINOR = "minor", _("Minor")
    SERIOUS = "serious", _("Serious")
    SAFEGUARDING = "safeguarding", _("Safeguarding concern")


class CampIncident(OwnKeyed):
    """An incident at a camp. Restricted: staff of the organising units; never volunteers. Encrypted."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="incidents")
    occurred_at = models.DateTimeField(_("when"))
    severity = models.CharField(_("severity"), max_length=16, choices=IncidentSeverity.choices)
    description = EncryptedTextField(_("what happened"))
    action_taken = EncryptedTextField(_("action taken"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]


# -- volunteers -----------------------------------------------------------------------------------


class BackgroundCheck(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    PENDING = "pending", _("Pending")
    CLEARED = "cleared", _("Cleared")
    REFUSED = "refused", _("Not cleared")


class VolunteerStage(models.TextChoices):
    """The recruitment pipeline, in order; refused and withdrawn end it early."""

    APPLICATION = "application", _("Application")
    INTERVIEW = "interview", _("Interview")
    TRAINING = "training", _("Training")
    SAFEGUARDING = "safeguarding", _("Safeguarding check")
    ACTIVE = "active", _("Active")
    ALUMNI = "alumni", _("Alumni")
    REFUSED = "refused", _("Not accepted")
    WITHDRAWN = "withdrawn", _("Withdrew")


PIPELINE = (
    VolunteerStage.APPLICATION,
    VolunteerStage.INTERVIEW,
    VolunteerStage.TRAINING,
    VolunteerStage.SAFEGUARDING,
    VolunteerStage.ACTIVE,
    VolunteerStage.ALUMNI,
)


class Volunteer(OwnKeyed):
    """A volunteer of a unit, optionally linked to a user account (then they sign in as a volunteer).

    `stage` is where they are in the recruitment pipeline (its history: `VolunteerStageChange`);
    `is_active` follows it (active stage only).

    A volunteer is not a person of the registry: the phone number is sealed with a key of the
    volunteer's own (`key_id`), so that destroying it erases the number, backups included.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="volunteer"
    )
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    phone = EncryptedTextField(_("phone"), max_length=60)
    email = models.EmailField(_("e-mail"), blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    skills = models.CharField(_("skills"), max_length=300, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    availability = models.CharField(_("availability"), max_length=300, blank=True)
    joined_on = models.DateField(_("volunteer since"))
    is_active = models.BooleanField(_("active"), default=True)
    background_check = models.CharField(
        _("background check"),
        max_length=16,
        choices=BackgroundCheck.choices,
        default=BackgroundCheck.NOT_STARTED,
    )
    background_checked_on = models.DateField(_("checked on"), null=True, blank=True)
    background_check_expires_on = models.DateField(_("check valid until"), null=True, blank=True)
    stage = models.CharField(
        _("stage"), max_length=16, choices=VolunteerStage.choices, default=VolunteerStage.ACTIVE
    )
    stage_since = models.DateField(_("in this stage since"), null=True, blank=True)
    # The curriculum's certificate, numbered when first issued.
    certificate_number = models.CharField(_("certificate number"), max_length=40, blank=True)
    certificate_issued_on = models.DateField(_("certificate issued on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["given_name", "family_name"]
        indexes = [models.Index(fields=["unit", "stage"], name="programme_vol_stage_idx")]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class VolunteerStageChange(TenantModel):
    """One step of a volunteer's pipeline: from which stage to which, when, who decided, and why.

    The notes (an interview's impression, the reason of a refusal) are sealed with the volunteer's own
    key: destroying it erases them with the phone number.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("from"), max_length=16, choices=VolunteerStage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=16, choices=VolunteerStage.choices)
    decided_on = models.DateField(_("decided on"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    notes = EncryptedTextField(_("notes"))
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-pk"]
        indexes = [models.Index(fields=["volunteer", "decided_on"], name="programme_stage_vol_idx")]

    def encryption_handle(self) -> KeyHandle:
        return self.volunteer.encryption_handle()


class TrainingModule(TenantModel):
    """A module of the volunteers' training curriculum (shipped default: volunteers/curriculum.toml)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(_("code"), max_length=40)
    # {"sq": "...", "en": "...", "ar": "...", ...}: a name per offered language (content_text's fallback).
    names = models.JSONField(_("names"), default=dict)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("part of the curriculum"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="programme_module_code_unique")
        ]

    def __str__(self) -> str:
        return self.name()

    def name(self, language: str | None = None) -> str:
        """In the reader's language, else the organisation's, else English (core/content_languages.py)."""
        return content_text(
            self.names, language, default_language=self._organisation_language, fallback=self.code
        )

    def _organisation_language(self) -> str:
        # Asked only when the reader's language is missing: most reads cost no query.
        return self.organisation.default_language


class VolunteerTraining(TenantModel):
    """A training a volunteer received (by staff or an external expert), with its certificate and expiry.

    A training that is a module of the curriculum names it (`module`) and keeps its hours as given.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="trainings")
    title = models.CharField(_("training"), max_length=200)
    module = models.ForeignKey(
        TrainingModule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trainings",
        verbose_name=_("curriculum module"),
    )
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1, null=True, blank=True)
    activity = models.ForeignKey(Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    given_by = models.CharField(_("given by"), max_length=200, blank=True)
    completed_on = models.DateField(_("completed on"))
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    certificate_reference = models.CharField(_("certificate number"), max_length=80, blank=True)

    class Meta:
        ordering = ["-completed_on"]


class CodeOfConduct(TenantModel):
    """A version of the organisation's volunteer code of conduct; volunteers accept each version."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version_number = models.PositiveSmallIntegerField(_("version"))
    # {"sq": "...", "en": "...", "ar": "...", ...}: the text per offered language.
    texts = models.JSONField(_("text"), default=dict)
    published_on = models.DateField(_("published on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-version_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "version_number"], name="programme_conduct_unique"
            )
        ]

    def text(self, language: str | None = None) -> str:
        return content_text(self.texts, language, default_language=lambda: self.organisation.default_language)


class ConductAcceptance(TenantModel):
    """A volunteer accepted one version of the code of conduct (signed on paper or on their own account)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="acceptances")
    code = models.ForeignKey(CodeOfConduct, on_delete=models.PROTECT, related_name="acceptances")
    accepted_on = models.DateField(_("accepted on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "code"], name="programme_acceptance_unique")
        ]


class VolunteerHours(TenantModel):
    """Hours a volunteer gave to an activity on one day."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="hours")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]


# -- joint initiatives and advocacy --------------------------------------------------------------


class InitiativeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    SUSPENDED = "suspended", _("Suspended")


class Initiative(TenantModel):
    """A joint initiative with partner organisations and institutions (of the service directory)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    title = models.CharField(_("title"), max_length=200)
    goal = models.TextField(_("goal"), blank=True)
    partners = models.ManyToManyField(
        ServiceProvider, blank=True, related_name="+", verbose_name=_("partners")
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=InitiativeStatus.choices, default=InitiativeStatus.ACTIVE
    )
    results = models.TextField(_("results"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-started_on", "title"]

    def __str__(self) -> str:
        return self.title


class ActionKind(models.TextChoices):
    CAMPAIGN = "campaign", _("Campaign")
    LOBBYING = "lobbying_meeting", _("Lobbying meeting")
    POLICY = "policy_submission", _("Policy submission")
    PUBLIC_EVENT = "public_event", _("Public event")
    MEDIA = "media_work", _("Media work")


class InitiativeAction(TenantModel):
    """One action of an initiative, with the partners involved and what came of it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("kind"), max_length=24, choices=ActionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    partners = models.ManyToManyField(
        ServiceProvider, blank=True, related_name="+", verbose_name=_("partners involved")
    )
    activity = models.ForeignKey(Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    results = models.TextField(_("results"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-date", "-pk"]
