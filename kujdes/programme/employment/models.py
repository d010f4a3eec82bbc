"""The employment pathway of a person (a course graduate, a participant, a person with a case).

Job readiness, job-search support, the employer directory with its safeguarding check, placements
(jobs, apprenticeships, internships, self-employment) with their follow-ups at 1, 3, 6 and 12 months,
and micro-grants. Every row about a person is sealed with the person's key where it says something
personal (skills, constraints' details, the position held, problems at work, warning signs, the
business plan); what the indicators count stays in plain codes (kind, contract type, wage band, hours,
dates, still employed, whether a follow-up raised warning signs). The employer directory is
organisation data, not personal data.
"""

from __future__ import annotations

import csv
import functools
import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kujdes.core.crypto import KeyHandle
from kujdes.core.fields import EncryptedJSONField, EncryptedTextField
from kujdes.core.models import TenantModel, Unit
from kujdes.people.models import Person

ISIC_FILE = Path(__file__).with_name("data") / "isic-rev4-sections.csv"


@functools.cache
def isic_sections() -> dict[str, dict[str, str]]:
    """ISIC Rev.4 sections (A–U) with their names in sq, en and fr, read once."""
    with ISIC_FILE.open(encoding="utf-8") as handle:
        return {
            row["code"]: {"sq": row["sq"], "en": row["en"], "fr": row["fr"]} for row in csv.DictReader(handle)
        }


def isic_choices() -> list[tuple[str, str]]:
    language = (get_language() or "sq")[:2]
    return [
        (code, f"{code} – {names.get(language) or names['en']}") for code, names in isic_sections().items()
    ]


class PersonKeyed(TenantModel):
    """A row about a person: sealed values use the person's key (erasing the person shreds them)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # The unit that supports the person on this pathway: what scopes who sees the row.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))

    class Meta:
        abstract = True

    def encryption_handle(self) -> KeyHandle:
        return self.person.encryption_handle()


# -- readiness and job search ----------------------------------------------------------------------


class Readiness(models.TextChoices):
    READY = "ready", _("Ready to work")
    NEARLY = "nearly", _("Nearly ready (some support needed)")
    NOT_YET = "not_yet", _("Not yet ready")


class DocumentKind(models.TextChoices):
    ID_CARD = "id_card", _("Identity card or passport")
    DIPLOMA = "diploma", _("Diploma or course certificate")
    WORK_BOOKLET = "work_booklet", _("Work booklet")
    HEALTH_CERTIFICATE = "health_certificate", _("Health certificate")
    BANK_ACCOUNT = "bank_account", _("Bank account")
    DRIVING_LICENCE = "driving_licence", _("Driving licence")


class Constraint(models.TextChoices):
    CHILDCARE = "childcare", _("Childcare")
    TRANSPORT = "transport", _("Transport")
    HEALTH = "health", _("Health or disability")
    LITERACY = "literacy", _("Reading, writing or language")
    FAMILY = "family", _("Family opposition or duties")
    DOCUMENTS = "documents", _("Missing documents")
    HOUSING = "housing", _("Housing")


class ReadinessAssessment(PersonKeyed):
    """How ready a person is for work: CV, documents, skills and what stands in the way."""

    assessed_on = models.DateField(_("assessed on"))
    has_cv = models.BooleanField(_("has a CV"), default=False)
    documents = models.JSONField(_("documents held"), default=list, blank=True)
    skills = EncryptedTextField(_("skills and experience"), max_length=2000)
    constraints = models.JSONField(_("constraints"), default=list, blank=True)
    constraints_notes = EncryptedTextField(_("about the constraints"), max_length=2000)
    readiness = models.CharField(_("readiness"), max_length=16, choices=Readiness.choices)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        indexes = [models.Index(fields=["person", "-assessed_on"], name="employment_ready_person_idx")]


class ActionKind(models.TextChoices):
    CV = "cv", _("CV writing")
    INTERVIEW = "interview", _("Interview preparation")
    JOB_SEARCH = "job_search", _("Job search session")
    VACANCY = "vacancy", _("Vacancy proposed")
    ACCOMPANIMENT = "accompaniment", _("Accompanied to an employer")
    DOCUMENTS = "documents", _("Help with documents")
    EMPLOYMENT_OFFICE = "employment_office", _("Registration at the employment office")


class SupportAction(PersonKeyed):
    """One job-search support action for a person."""

    date = models.DateField(_("date"))
    kind = models.CharField(_("action"), max_length=24, choices=ActionKind.choices)
    employer = models.ForeignKey(
        "Employer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("employer"),
    )
    notes = EncryptedTextField(_("notes"), max_length=2000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]


# -- the employer directory ---------------------------------------------------------------------------


class AgreementKind(models.TextChoices):
    NONE = "none", _("No agreement")
    INFORMAL = "informal", _("Informal arrangement")
    MEMORANDUM = "memorandum", _("Memorandum of understanding")
    CONTRACT = "contract", _("Signed cooperation agreement")


class RedFlag(models.TextChoices):
    """What the safeguarding check of a workplace looks for: the usual signs of labour exploitation."""

    NO_CONTRACT = "no_contract", _("Refuses written contracts")
    BELOW_MINIMUM = "below_minimum", _("Pays below the minimum wage")
    CASH_ONLY = "cash_only", _("Pays in cash only, no payslip")
    EXCESSIVE_HOURS = "excessive_hours", _("Excessive hours or no rest days")
    DOCUMENT_RETENTION = "document_retention", _("Keeps workers' identity documents")
    HOUSING_DEDUCTIONS = "housing_deductions", _("Housing or debts deducted from pay")
    RECRUITMENT_FEES = "recruitment_fees", _("Charges recruitment fees")
    NO_ACCESS = "no_access", _("Refuses visits of the programme")


class SafeguardingStatus(models.TextChoices):
    NOT_CHECKED = "not_checked", _("Not checked")
    CLEARED = "cleared", _("Checked, no concern")
    CONCERNS = "concerns", _("Concerns: do not place")


class Employer(TenantModel):
    """An employer the programme works with, and the safeguarding check of its workplace."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    name = models.CharField(_("name"), max_length=200)
    sector = models.CharField(_("sector (ISIC section)"), max_length=1)
    municipality = models.CharField(_("municipality"), max_length=64, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=60, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    agreement = models.CharField(
        _("agreement"), max_length=16, choices=AgreementKind.choices, default=AgreementKind.NONE
    )
    agreement_since = models.DateField(_("agreement since"), null=True, blank=True)
    # The safeguarding check of the workplace.
    checked_on = models.DateField(_("workplace checked on"), null=True, blank=True)
    written_contracts = models.BooleanField(_("gives written contracts"), default=False)
    pays_minimum_wage = models.BooleanField(_("pays at least the minimum wage, with payslips"), default=False)
    legal_hours = models.BooleanField(_("hours and rest days within the law"), default=False)
    no_document_retention = models.BooleanField(_("never keeps workers' documents"), default=False)
    red_flags = models.JSONField(_("red flags"), default=list, blank=True)
    safeguarding = models.CharField(
        _("safeguarding"),
        max_length=16,
        choices=SafeguardingStatus.choices,
        default=SafeguardingStatus.NOT_CHECKED,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name", "municipality"], name="employment_employer_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def sector_name(self) -> str:
        language = (get_language() or "sq")[:2]
        names = isic_sections().get(self.sector, {})
        return names.get(language) or names.get("en") or self.sector


# -- placements and their follow-ups --------------------------------------------------------------------


class PlacementKind(models.TextChoices):
    JOB = "job", _("Job")
    APPRENTICESHIP = "apprenticeship", _("Apprenticeship")
    INTERNSHIP = "internship", _("Internship")
    SELF_EMPLOYMENT = "self_employment", _("Self-employment")


class ContractType(models.TextChoices):
    FORMAL = "formal", _("Formal (written contract, declared)")
    INFORMAL = "informal", _("Informal")


class WageBand(models.TextChoices):
    """Relative to the national minimum wage, so that the bands hold in every country."""

    BELOW_MINIMUM = "below_minimum", _("Below the minimum wage")
    MINIMUM = "minimum", _("Minimum wage to 1.5 times it")
    ABOVE = "above", _("1.5 to 2 times the minimum wage")
    HIGH = "high", _("More than twice the minimum wage")
    UNPAID = "unpaid", _("Unpaid (internship)")
    UNKNOWN = "unknown", _("Not known")


FOLLOW_UP_MONTHS = (1, 3, 6, 12)


class Placement(PersonKeyed):
    """A person placed in a job, an apprenticeship, an internship, or self-employed."""

    kind = models.CharField(
        _("kind"), max_length=16, choices=PlacementKind.choices, default=PlacementKind.JOB
    )
    employer = models.ForeignKey(
        Employer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="placements",
        verbose_name=_("employer"),
    )
    position = EncryptedTextField(_("position"), max_length=200)
    starts_on = models.DateField(_("start date"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    contract = models.CharField(_("contract"), max_length=16, choices=ContractType.choices)
    wage_band = models.CharField(_("wage"), max_length=16, choices=WageBand.choices, default=WageBand.UNKNOWN)
    hours_per_week = models.PositiveSmallIntegerField(_("hours per week"), null=True, blank=True)
    subsidised = models.BooleanField(_("subsidised"), default=False)
    # The course the person completed before (for the time from course to job).
    course = models.ForeignKey(
        "programme.Participation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("after the course"),
    )
    notes = EncryptedTextField(_("notes"), max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "starts_on"], name="employment_place_date_idx"),
            models.Index(fields=["person"], name="employment_place_person_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("starts_on")),
                name="employment_placement_dates",
            )
        ]


class Conditions(models.TextChoices):
    GOOD = "good", _("Good")
    ACCEPTABLE = "acceptable", _("Acceptable")
    POOR = "poor", _("Poor")


class WarningSign(models.TextChoices):
    """Signs of exploitation a follow-up may find; each maps to an ILO indicator of the screening lists."""

    DOCUMENTS_RETAINED = "documents_retained", _("Employer keeps the person's documents")
    WAGES_WITHHELD = "wages_withheld", _("Wages withheld or not paid")
    BELOW_MINIMUM = "below_minimum", _("Paid far below what was agreed")
    EXCESSIVE_HOURS = "excessive_hours", _("Excessive hours, no rest days")
    NO_CONTRACT = "no_contract", _("No contract or social insurance despite promises")
    HAZARDOUS = "hazardous", _("Dangerous work without protection")
    ISOLATION = "isolation", _("Not free to leave the workplace or lodging")
    THREATS = "threats", _("Threats or violence")
    DEBT = "debt", _("Debt to the employer that cannot be paid off")
    DECEIVED = "deceived", _("The work is not what was promised")
    FORCED_TASKS = "forced_tasks", _("Forced to do other tasks or serve clients")


# Signs serious enough that the programme's rule opens a case at once (if none is open).
SERIOUS_SIGNS = frozenset(
    {WarningSign.DOCUMENTS_RETAINED, WarningSign.ISOLATION, WarningSign.THREATS, WarningSign.DEBT}
)


class ScreeningStatus(models.TextChoices):
    NONE = "", _("No warning sign")
    AWAITING = "awaiting", _("Screening opened, awaiting a case worker")
    RECORDED = "recorded", _("Screening recorded")


class PlacementFollowUp(TenantModel):
    """A follow-up of a placement 1, 3, 6 or 12 months after its start."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="follow_ups")
    months = models.PositiveSmallIntegerField(_("months after the start"))
    due_on = models.DateField(_("due on"))
    recorded_on = models.DateField(_("recorded on"), null=True, blank=True)
    still_employed = models.BooleanField(_("still in the placement"), null=True, blank=True)
    conditions = models.CharField(
        _("working conditions"), max_length=16, choices=Conditions.choices, blank=True
    )
    problems = EncryptedTextField(_("problems"), max_length=2000)
    # Which signs were seen: sealed like a screening's answers; the plain flag is what statistics need.
    warning_signs = EncryptedJSONField(_("warning signs"), default=list)
    has_warning_signs = models.BooleanField(default=False)
    screening_status = models.CharField(
        max_length=16, choices=ScreeningStatus.choices, blank=True, default=""
    )
    screening = models.ForeignKey(
        "screening.Screening", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminded_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_on", "months"]
        constraints = [
            models.UniqueConstraint(fields=["placement", "months"], name="employment_follow_up_unique")
        ]
        indexes = [models.Index(fields=["organisation", "due_on"], name="employment_fu_due_idx")]

    def encryption_handle(self) -> KeyHandle:
        return self.placement.person.encryption_handle()


# -- micro-grants --------------------------------------------------------------------------------------


class GrantStatus(models.TextChoices):
    APPLIED = "applied", _("Business plan submitted")
    APPROVED = "approved", _("Approved")
    DISBURSED = "disbursed", _("Disbursed")
    REJECTED = "rejected", _("Not approved")
    CLOSED = "closed", _("Business closed")


class MicroGrant(PersonKeyed):
    """A micro-grant for a person's own business: the plan, the amount, and the business a year later."""

    business = EncryptedTextField(_("business"), max_length=200)
    business_plan = EncryptedTextField(_("business plan"), max_length=10000)
    sector = models.CharField(_("sector (ISIC section)"), max_length=1, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="ALL")
    status = models.CharField(
        _("status"), max_length=16, choices=GrantStatus.choices, default=GrantStatus.APPLIED
    )
    applied_on = models.DateField(_("applied on"))
    disbursed_on = models.DateField(_("disbursed on"), null=True, blank=True)
    # Checked a year after the money was paid: is the business still running?
    review_due_on = models.DateField(_("review due on"), null=True, blank=True)
    active_after_12_months = models.BooleanField(_("still active after 12 months"), null=True, blank=True)
    reviewed_on = models.DateField(_("reviewed on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-applied_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="employment_grant_amount")
        ]
