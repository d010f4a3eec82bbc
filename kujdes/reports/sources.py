"""Where the indicators' figures come from: one *source* per kind of recorded event.

A source names a model, how a row falls in a period, the unit it belongs to, and its *fields*: the
attributes an indicator may filter on, break its figure down by (disaggregations) or add up. The
catalogue (indicators.toml) refers to sources and fields by name; the engine turns them into SQL.

Every source row carries the same three columns — the counted entity (usually the person), the unit and
the event date — so that rows of several sources can be pooled and a person counted once across them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, F, FloatField, IntegerField, Q, Value, When
from django.db.models.functions import Cast, ExtractHour, ExtractMinute, Greatest
from django.utils.translation import gettext_lazy as _

from kujdes.cases.choices import (
    CaseStatus,
    CaseType,
    ExploitationType,
    NrmStage,
    SupportType,
    TraffickingStatus,
)
from kujdes.cases.models import Case as CaseFile
from kujdes.cases.models import FollowUp, NrmDecision, ServiceDelivery
from kujdes.core.models import StaffCategory
from kujdes.people.models import PersonCategory, PersonRelation, Sex
from kujdes.programme.employment.models import (
    ContractType,
    MicroGrant,
    Placement,
    PlacementFollowUp,
    PlacementKind,
    WageBand,
    isic_choices,
)
from kujdes.programme.models import (
    Activity,
    ActivityKind,
    Facilitator,
    Headcount,
    HeadcountCategory,
    HeadcountCell,
    Initiative,
    InitiativeAction,
    Outcome,
    OutcomeResult,
    Participation,
    ParticipationStatus,
    VolunteerHours,
    VolunteerTraining,
)
from kujdes.referrals.models import ProviderType, Referral, ReferralDirection, ReferralStatus, ServiceProvider
from kujdes.screening.models import Level, Screening
from kujdes.screening.models import Outcome as ScreeningOutcome


@dataclass(frozen=True)
class Context:
    """What one computation is about: organisation, units in scope, period (inclusive) and language."""

    organisation_id: int
    unit_ids: tuple[int, ...]
    start: datetime.date
    end: datetime.date
    language: str = "sq"
    age_bounds: tuple[int, ...] = (0, 6, 12, 15, 18, 25, 60)


Labels = Callable[[Context, list[Any]], dict[Any, str]]


def _choices(*choice_classes: Any) -> Labels:
    def labels(ctx: Context, codes: list[Any]) -> dict[Any, str]:
        names: dict[Any, str] = {}
        for choices in choice_classes:
            names.update({code: str(label) for code, label in choices.choices})
        return names

    return labels


def _yes_no(ctx: Context, codes: list[Any]) -> dict[Any, str]:
    return {True: str(_("Cross-border")), False: str(_("Internal")), None: str(_("Not recorded"))}


def _units(ctx: Context, codes: list[Any]) -> dict[Any, str]:
    from kujdes.core.models import Unit

    return dict(Unit.objects.filter(pk__in=[c for c in codes if c is not None]).values_list("pk", "name"))


def _activity_types(ctx: Context, codes: list[Any]) -> dict[Any, str]:
    from kujdes.programme.models import ActivityType

    rows = ActivityType.objects.filter(pk__in=[c for c in codes if c is not None]).values_list(
        "pk", "names", "code"
    )
    return {
        pk: (names or {}).get(ctx.language) or (names or {}).get("en") or code for pk, names, code in rows
    }


def _providers(ctx: Context, codes: list[Any]) -> dict[Any, str]:
    return dict(
        ServiceProvider.objects.filter(pk__in=[c for c in codes if c is not None]).values_list("pk", "name")
    )


def _age_groups(ctx: Context, codes: list[Any]) -> dict[Any, str]:
    bounds = list(ctx.age_bounds)
    names: dict[Any, str] = {None: str(_("Age not recorded"))}
    for index, lower in enumerate(bounds):
        upper = bounds[index + 1] - 1 if index + 1 < len(bounds) else None
        names[lower] = f"{lower}–{upper}" if upper is not None else f"{lower}+"
    return names


def _plain(ctx: Context, codes: list[Any]) -> dict[Any, str]:
    return {code: str(code) for code in codes if code not in (None, "")}


@dataclass(frozen=True)
class Field:
    """One attribute of a source's rows.

    kind "group": one value per row (GROUP BY); "flags": a JSON list per row (a row counts under each
    value it holds); "value": a number to add up; "days": the days between two date fields (a median).
    `expr` is a path (``person__sex``) or a callable building the expression from the context.
    """

    expr: str | Callable[[Context], Any]
    kind: str = "group"
    labels: Labels = _plain
    codes: tuple[str, ...] = ()  # flags: every possible value

    def expression(self, ctx: Context) -> Any:
        return F(self.expr) if isinstance(self.expr, str) else self.expr(ctx)


def _age_group(path: str) -> Callable[[Context], Any]:
    """Age in years at the end of the period (from the year of birth), as the lower bound of its group."""

    def build(ctx: Context) -> Any:
        bounds = sorted(ctx.age_bounds, reverse=True)
        whens = [When(**{f"{path}__lte": ctx.end.year - lower}, then=Value(lower)) for lower in bounds]
        return Case(
            When(**{f"{path}__isnull": True}, then=Value(None)),
            *whens,
            default=Value(None),
            output_field=IntegerField(),
        )

    return build


def _headcount_age_group(ctx: Context) -> Any:
    """A headcount cell keeps its own groups' lower bound: map it into today's groups."""
    bounds = sorted(ctx.age_bounds, reverse=True)
    whens = [When(age_from__gte=lower, then=Value(lower)) for lower in bounds]
    return Case(*whens, default=Value(None), output_field=IntegerField())


def _person_fields(prefix: str) -> dict[str, Field]:
    return {
        "sex": Field(f"{prefix}sex", labels=_choices(Sex)),
        "age_group": Field(_age_group(f"{prefix}birth_year"), labels=_age_groups),
        "category": Field(
            f"{prefix}categories",
            kind="flags",
            labels=_choices(PersonCategory),
            codes=tuple(PersonCategory.values),
        ),
        "municipality": Field(f"{prefix}municipality"),
    }


def _case_fields(prefix: str) -> dict[str, Field]:
    return {
        "exploitation_type": Field(
            f"{prefix}exploitation_types",
            kind="flags",
            labels=_choices(ExploitationType),
            codes=tuple(ExploitationType.values),
        ),
        "cross_border": Field(f"{prefix}cross_border", labels=_yes_no),
        "case_type": Field(f"{prefix}case_type", labels=_choices(CaseType)),
        "trafficking_status": Field(f"{prefix}trafficking_status", labels=_choices(TraffickingStatus)),
    }


def _in_period(path: str) -> Callable[[Context], Q]:
    return lambda ctx: Q(**{f"{path}__gte": ctx.start, f"{path}__lte": ctx.end})


def _activity_overlaps(prefix: str) -> Callable[[Context], Q]:
    return lambda ctx: Q(**{f"{prefix}starts_on__lte": ctx.end, f"{prefix}ends_on__gte": ctx.start})


def _held(ctx: Context, codes: list[Any]) -> dict[Any, str]:
    return {True: str(_("Yes")), False: str(_("No")), None: str(_("Not recorded"))}


def _isic(ctx: Context, codes: list[Any]) -> dict[Any, str]:
    return dict(isic_choices())


def _placement_fields(prefix: str) -> dict[str, Field]:
    return {
        "unit": Field(f"{prefix}unit_id", labels=_units),
        "placement_kind": Field(f"{prefix}kind", labels=_choices(PlacementKind)),
        "contract": Field(f"{prefix}contract", labels=_choices(ContractType)),
        "wage_band": Field(f"{prefix}wage_band", labels=_choices(WageBand)),
        "sector": Field(f"{prefix}employer__sector", labels=_isic),
    }


def _session_hours(prefix: str) -> Callable[[Context], Any]:
    """A session's length in hours from its start and end times (0 when either is missing)."""

    def minutes(name: str) -> Any:
        return ExtractHour(f"{prefix}{name}") * 60 + ExtractMinute(f"{prefix}{name}")

    def build(ctx: Context) -> Any:
        return Case(
            When(
                **{f"{prefix}ends_at__gt": F(f"{prefix}starts_at")},
                then=Cast(minutes("ends_at") - minutes("starts_at"), FloatField()) / Value(60.0),
            ),
            default=Value(0.0),
            output_field=FloatField(),
        )

    return build


@dataclass(frozen=True)
class Source:
    """A kind of recorded event: its rows in a period and their fields."""

    model: Any
    entity: str  # what "distinct" counts: usually the person
    unit: str | None  # None: scoped through `anchor` instead
    date: str | Callable[[Context], Any]
    period: Callable[[Context], Q]
    fields: dict[str, Field] = field(default_factory=dict)
    base: Q = field(default_factory=Q)
    personal: bool = True  # rows about identifiable people: small cells are suppressed for some roles
    organisation: str = "organisation_id"
    anchor: str = ""  # relatives: the related person, who must be a direct beneficiary

    def date_expression(self, ctx: Context) -> Any:
        return F(self.date) if isinstance(self.date, str) else self.date(ctx)


def _participation_date(ctx: Context) -> Any:
    """A participation's month in a trend: its enrolment or the activity's start, not before the period."""
    return Greatest(F("enrolled_on"), F("activity__starts_on"), Value(ctx.start))


# Who facilitated: the person behind a facilitation (what small cells are judged on) is the user, the
# volunteer, or — for someone named by hand, with no record of their own — the activity they ran.
_FACILITATORS = {
    "staff": ("user__public_id", Q(user__isnull=False)),
    "volunteer": ("volunteer__public_id", Q(user__isnull=True, volunteer__isnull=False)),
    "named": ("activity__public_id", Q(user__isnull=True, volunteer__isnull=True)),
}


def _facilitation_source(who: str, *, hours: bool) -> Source:
    """A facilitator of an activity running in the period (`hours`: of each of its sessions held in the
    period, with the session's hours), by the staff category they served in."""
    entity, base = _FACILITATORS[who]
    fields = {
        "staff_category": Field("staff_category", labels=_choices(StaffCategory)),
        "unit": Field("activity__unit_id", labels=_units),
        "activity_type": Field("activity__activity_type_id", labels=_activity_types),
    }
    if hours:
        # The sessions' conditions go in `period` (one filter) so that the hours read the same join.
        return Source(
            model=Facilitator,
            entity=entity,
            unit="activity__unit_id",
            date="activity__sessions__date",
            period=lambda ctx: Q(
                activity__sessions__date__gte=ctx.start,
                activity__sessions__date__lte=ctx.end,
                activity__sessions__status="held",
            ),
            base=base & ~Q(activity__status="cancelled"),
            fields={**fields, "hours": Field(_session_hours("activity__sessions__"), kind="value")},
        )
    return Source(
        model=Facilitator,
        entity=entity,
        unit="activity__unit_id",
        date=lambda ctx: Greatest(F("activity__starts_on"), Value(ctx.start)),
        period=_activity_overlaps("activity__"),
        base=base & ~Q(activity__status="cancelled"),
        fields=fields,
    )


_ACTIVITY_FIELDS = {
    "activity_type": Field("activity__activity_type_id", labels=_activity_types),
    "activity_kind": Field("activity__activity_type__kind", labels=_choices(ActivityKind)),
}

SOURCES: dict[str, Source] = {
    # An enrolment in an activity that runs during the period (enrolled by its end).
    "participation": Source(
        model=Participation,
        entity="person_id",
        unit="activity__unit_id",
        date=_participation_date,
        period=lambda ctx: _activity_overlaps("activity__")(ctx) & Q(enrolled_on__lte=ctx.end),
        fields={
            **_person_fields("person__"),
            **_ACTIVITY_FIELDS,
            "unit": Field("activity__unit_id", labels=_units),
            "status": Field("status", labels=_choices(ParticipationStatus)),
            "activity_municipality": Field("activity__municipality"),
        },
    ),
    # An enrolment made during the period.
    "enrolment": Source(
        model=Participation,
        entity="person_id",
        unit="activity__unit_id",
        date="enrolled_on",
        period=_in_period("enrolled_on"),
        fields={
            **_person_fields("person__"),
            **_ACTIVITY_FIELDS,
            "unit": Field("activity__unit_id", labels=_units),
        },
    ),
    # A participation completed during the period.
    "completion": Source(
        model=Participation,
        entity="person_id",
        unit="activity__unit_id",
        date="completed_on",
        period=_in_period("completed_on"),
        base=Q(status=ParticipationStatus.COMPLETED),
        fields={
            **_person_fields("person__"),
            **_ACTIVITY_FIELDS,
            "unit": Field("activity__unit_id", labels=_units),
        },
    ),
    # A course outcome follow-up that fell due in the period, with its result once recorded.
    "outcome": Source(
        model=Outcome,
        entity="participation__person_id",
        unit="participation__activity__unit_id",
        date="due_on",
        period=_in_period("due_on"),
        fields={
            **_person_fields("participation__person__"),
            "activity_type": Field("participation__activity__activity_type_id", labels=_activity_types),
            "unit": Field("participation__activity__unit_id", labels=_units),
            "months": Field("months"),
            "result": Field("result", labels=_choices(OutcomeResult)),
        },
    ),
    "service": Source(
        model=ServiceDelivery,
        entity="case__person_id",
        unit="case__unit_id",
        date="delivered_on",
        period=_in_period("delivered_on"),
        fields={
            **_person_fields("case__person__"),
            **_case_fields("case__"),
            "unit": Field("case__unit_id", labels=_units),
            "service_type": Field("service_type", labels=_choices(SupportType)),
            "provider": Field("provider_id", labels=_providers),
        },
    ),
    "case_opened": Source(
        model=CaseFile,
        entity="person_id",
        unit="unit_id",
        date="opened_on",
        period=_in_period("opened_on"),
        fields={**_person_fields("person__"), **_case_fields(""), "unit": Field("unit_id", labels=_units)},
    ),
    "case_closed": Source(
        model=CaseFile,
        entity="person_id",
        unit="unit_id",
        date="closed_on",
        period=_in_period("closed_on"),
        base=Q(status__in=[CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED]),
        fields={
            **_person_fields("person__"),
            **_case_fields(""),
            "unit": Field("unit_id", labels=_units),
            "duration_days": Field(("opened_on", "closed_on"), kind="days"),  # type: ignore[arg-type]
        },
    ),
    "follow_up": Source(
        model=FollowUp,
        entity="case__person_id",
        unit="case__unit_id",
        date="contacted_on",
        period=_in_period("contacted_on"),
        fields={
            **_person_fields("case__person__"),
            **_case_fields("case__"),
            "unit": Field("case__unit_id", labels=_units),
        },
    ),
    "referral": Source(
        model=Referral,
        entity="case__person_id",
        unit="from_unit_id",
        date="referred_on",
        period=_in_period("referred_on"),
        base=Q(direction=ReferralDirection.OUTGOING),
        fields={
            **_person_fields("case__person__"),
            **_case_fields("case__"),
            "unit": Field("from_unit_id", labels=_units),
            "service_type": Field("service_type", labels=_choices(SupportType)),
            "receiver": Field("to_provider_id", labels=_providers),
            "receiver_unit": Field("to_unit_id", labels=_units),
            "outcome": Field("status", labels=_choices(ReferralStatus)),
        },
    ),
    "screening": Source(
        model=Screening,
        entity="person_id",
        unit="unit_id",
        date="performed_on",
        period=_in_period("performed_on"),
        fields={
            **_person_fields("person__"),
            "unit": Field("unit_id", labels=_units),
            "level": Field("level", labels=_choices(Level)),
            "result": Field("outcome", labels=_choices(ScreeningOutcome)),
        },
    ),
    "nrm_decision": Source(
        model=NrmDecision,
        entity="case__person_id",
        unit="case__unit_id",
        date="decided_on",
        period=_in_period("decided_on"),
        fields={
            **_person_fields("case__person__"),
            **_case_fields("case__"),
            "unit": Field("case__unit_id", labels=_units),
            "stage": Field("to_stage", labels=_choices(NrmStage)),
        },
    ),
    # Relatives recorded either way round: `anchor` is the other person, a direct beneficiary.
    "relative": Source(
        model=PersonRelation,
        entity="relative_id",
        anchor="person_id",
        unit=None,
        date=lambda ctx: Value(ctx.start),
        period=lambda ctx: Q(),
        fields={**_person_fields("relative__"), "unit": Field("relative__unit_id", labels=_units)},
    ),
    "relative_of": Source(
        model=PersonRelation,
        entity="person_id",
        anchor="relative_id",
        unit=None,
        date=lambda ctx: Value(ctx.start),
        period=lambda ctx: Q(),
        fields={**_person_fields("person__"), "unit": Field("person__unit_id", labels=_units)},
    ),
    "headcount_cell": Source(
        model=HeadcountCell,
        entity="headcount_id",
        unit="headcount__activity__unit_id",
        date="headcount__date",
        period=_in_period("headcount__date"),
        personal=False,
        fields={
            "sex": Field("sex", labels=_choices(Sex)),
            "age_group": Field(_headcount_age_group, labels=_age_groups),
            "category": Field("category", labels=_choices(HeadcountCategory)),
            "unit": Field("headcount__activity__unit_id", labels=_units),
            "municipality": Field("headcount__activity__municipality"),
            "activity_type": Field("headcount__activity__activity_type_id", labels=_activity_types),
            "activity_kind": Field("headcount__activity__activity_type__kind", labels=_choices(ActivityKind)),
            "count": Field("count", kind="value"),
        },
    ),
    "headcount": Source(
        model=Headcount,
        entity="id",
        unit="activity__unit_id",
        date="date",
        period=_in_period("date"),
        personal=False,
        fields={
            "unit": Field("activity__unit_id", labels=_units),
            "municipality": Field("activity__municipality"),
            "activity_type": Field("activity__activity_type_id", labels=_activity_types),
            "activity_kind": Field("activity__activity_type__kind", labels=_choices(ActivityKind)),
            "reach": Field(
                lambda ctx: F("reach_families") + F("reach_community") + F("reach_media") + F("reach_online"),
                kind="value",
            ),
        },
    ),
    # An activity that runs during the period (cancelled ones excluded).
    "activity": Source(
        model=Activity,
        entity="id",
        unit="unit_id",
        date=lambda ctx: Greatest(F("starts_on"), Value(ctx.start)),
        period=_activity_overlaps(""),
        base=~Q(status="cancelled"),
        personal=False,
        fields={
            "unit": Field("unit_id", labels=_units),
            "municipality": Field("municipality"),
            "activity_type": Field("activity_type_id", labels=_activity_types),
            "activity_kind": Field("activity_type__kind", labels=_choices(ActivityKind)),
        },
    ),
    # A volunteer on duty: hours logged, or facilitating an activity that runs in the period.
    "volunteer_hours": Source(
        model=VolunteerHours,
        entity="volunteer_id",
        unit="volunteer__unit_id",
        date="date",
        period=_in_period("date"),
        personal=False,
        fields={"unit": Field("volunteer__unit_id", labels=_units), "hours": Field("hours", kind="value")},
    ),
    "volunteer_duty": Source(
        model=Facilitator,
        entity="volunteer_id",
        unit="volunteer__unit_id",
        date=lambda ctx: Greatest(F("activity__starts_on"), Value(ctx.start)),
        period=lambda ctx: _activity_overlaps("activity__")(ctx) & Q(volunteer__isnull=False),
        personal=False,
        fields={"unit": Field("volunteer__unit_id", labels=_units)},
    ),
    "volunteer_training": Source(
        model=VolunteerTraining,
        entity="volunteer_id",
        unit="volunteer__unit_id",
        date="completed_on",
        period=_in_period("completed_on"),
        personal=False,
        fields={"unit": Field("volunteer__unit_id", labels=_units)},
    ),
    # A joint initiative active during the period.
    "initiative": Source(
        model=Initiative,
        entity="id",
        unit="unit_id",
        date=lambda ctx: Greatest(F("started_on"), Value(ctx.start)),
        period=lambda ctx: (
            Q(started_on__lte=ctx.end) & (Q(ended_on__isnull=True) | Q(ended_on__gte=ctx.start))
        ),
        personal=False,
        fields={"unit": Field("unit_id", labels=_units), "status": Field("status")},
    ),
    # The partners of initiatives active in the period, and of their actions in the period.
    "initiative_partner": Source(
        model=Initiative.partners.through,
        entity="serviceprovider_id",
        organisation="initiative__organisation_id",
        unit="initiative__unit_id",
        date=lambda ctx: Greatest(F("initiative__started_on"), Value(ctx.start)),
        period=lambda ctx: (
            Q(initiative__started_on__lte=ctx.end)
            & (Q(initiative__ended_on__isnull=True) | Q(initiative__ended_on__gte=ctx.start))
        ),
        personal=False,
        fields={
            "unit": Field("initiative__unit_id", labels=_units),
            "provider_type": Field("serviceprovider__provider_type", labels=_choices(ProviderType)),
        },
    ),
    "action_partner": Source(
        model=InitiativeAction.partners.through,
        entity="serviceprovider_id",
        organisation="initiativeaction__initiative__organisation_id",
        unit="initiativeaction__initiative__unit_id",
        date="initiativeaction__date",
        period=_in_period("initiativeaction__date"),
        personal=False,
        fields={
            "unit": Field("initiativeaction__initiative__unit_id", labels=_units),
            "provider_type": Field("serviceprovider__provider_type", labels=_choices(ProviderType)),
        },
    ),
    # Employment (kujdes/programme/employment): a placement that started in the period.
    "placement": Source(
        model=Placement,
        entity="person_id",
        unit="unit_id",
        date="starts_on",
        period=_in_period("starts_on"),
        fields={**_person_fields("person__"), **_placement_fields("")},
    ),
    # A placement's 1/3/6/12-month follow-up that fell due in the period, with its answer once known
    # (a placement left before the mark is recorded "not held" at every later mark).
    "placement_follow_up": Source(
        model=PlacementFollowUp,
        entity="placement__person_id",
        unit="placement__unit_id",
        date="due_on",
        period=_in_period("due_on"),
        fields={
            **_person_fields("placement__person__"),
            **_placement_fields("placement__"),
            "months": Field("months"),
            "held": Field("still_employed", labels=_held),
        },
    ),
    # A placement that started in the period after a course the person completed.
    "placement_after_course": Source(
        model=Placement,
        entity="person_id",
        unit="unit_id",
        date="starts_on",
        period=_in_period("starts_on"),
        base=Q(course__completed_on__isnull=False),
        fields={
            **_person_fields("person__"),
            **_placement_fields(""),
            "days_to_job": Field(("course__completed_on", "starts_on"), kind="days"),  # type: ignore[arg-type]
        },
    ),
    # A micro-grant paid in the period.
    "micro_grant": Source(
        model=MicroGrant,
        entity="person_id",
        unit="unit_id",
        date="disbursed_on",
        period=_in_period("disbursed_on"),
        fields={
            **_person_fields("person__"),
            "unit": Field("unit_id", labels=_units),
            "sector": Field("sector", labels=_isic),
        },
    ),
    # A micro-grant whose 12-month review fell due in the period, with whether the business still runs.
    "micro_grant_review": Source(
        model=MicroGrant,
        entity="person_id",
        unit="unit_id",
        date="review_due_on",
        period=_in_period("review_due_on"),
        fields={
            **_person_fields("person__"),
            "unit": Field("unit_id", labels=_units),
            "sector": Field("sector", labels=_isic),
            "active": Field("active_after_12_months", labels=_held),
        },
    ),
    **{
        f"facilitation{'_hours' if hours else ''}_{who}": _facilitation_source(who, hours=hours)
        for hours in (False, True)
        for who in ("staff", "volunteer", "named")
    },
}

# Disaggregations offered in the builder, in this order, with their names.
DISAGGREGATIONS: dict[str, Any] = {
    "sex": _("Sex"),
    "age_group": _("Age group"),
    "category": _("Category"),
    "unit": _("Unit"),
    "municipality": _("Municipality"),
    "activity_type": _("Activity type"),
    "exploitation_type": _("Type of exploitation"),
    "cross_border": _("Internal or cross-border"),
    "service_type": _("Type of service"),
    "receiver": _("Receiving organisation"),
    "outcome": _("Outcome of the referral"),
    "level": _("Risk level"),
    "stage": _("Stage"),
    "months": _("Months after completion"),
    "result": _("Result of the screening or follow-up"),
    "provider_type": _("Type of organisation"),
    "staff_category": _("Staff category"),
    "placement_kind": _("Kind of placement"),
    "contract": _("Contract"),
    "wage_band": _("Wage"),
    "sector": _("Sector (ISIC section)"),
}
