"""The reports room's release path: what the network room may take from an organisation's records.

The network room imports nothing from people/ or cases/; when it prepares a statistics release it
asks here, through a reporting scope (kujdes.reports.selectors.report_scope) and a period. What comes
back is coded attributes only — no names, no ids, no free text, no dates finer than a year.
"""

from __future__ import annotations

from typing import Any

from kujdes.cases.choices import CaseType, EventType, TraffickingStatus
from kujdes.cases.models import Case, TraffickingEvent
from kujdes.reports.selectors import Period, Scope


def ctdc_records(*, scope: Scope, period: Period) -> list[dict[str, Any]]:
    """One coded record per victim-assistance case opened in the period within the scope's units.

    Cases whose person was found not to be a victim are left out (CTDC counts victims and
    survivors). Keys: year (of registration: the case's opening), gender (HTCDS code), age (in whole
    years at registration, from the year of birth; None when unknown), citizenship (first recorded,
    ISO 3166-1 alpha-2), exploitation_country (of the first exploitation event), exploitation_types,
    control_methods, recruitment_methods (HTCDS codes) and relationship (to the trafficker). Runs in
    the caller's tenant scope, like every read of the reports room.
    """
    cases = (
        Case.objects.filter(
            organisation_id=scope.organisation.pk,
            unit_id__in=scope.unit_ids,
            case_type=CaseType.VICTIM_ASSISTANCE,
            opened_on__gte=period.start,
            opened_on__lte=period.end,
        )
        .exclude(trafficking_status=TraffickingStatus.NOT_A_VICTIM)
        .order_by("pk")
        .values(
            "pk",
            "opened_on",
            "person__sex",
            "person__birth_year",
            "person__citizenships",
            "exploitation_types",
            "control_methods",
            "recruitment_methods",
            "trafficker_relationship",
        )
    )
    rows = list(cases)
    countries: dict[int, str] = {}
    events = (
        TraffickingEvent.objects.filter(
            organisation_id=scope.organisation.pk,
            case_id__in=[row["pk"] for row in rows],
            event_type=EventType.EXPLOITATION,
        )
        .order_by("case_id", "date_from", "created_at", "pk")
        .values_list("case_id", "country")
    )
    for case_id, country in events:
        countries.setdefault(case_id, country or "")
    records = []
    for row in rows:
        year = row["opened_on"].year
        birth_year = row["person__birth_year"]
        citizenships = row["person__citizenships"] or []
        records.append(
            {
                "year": year,
                "gender": row["person__sex"] or "",
                "age": year - birth_year if birth_year and birth_year <= year else None,
                "citizenship": str(citizenships[0]).upper() if citizenships else "",
                "exploitation_country": countries.get(row["pk"], "").upper(),
                "exploitation_types": list(row["exploitation_types"] or []),
                "control_methods": list(row["control_methods"] or []),
                "recruitment_methods": list(row["recruitment_methods"] or []),
                "relationship": row["trafficker_relationship"] or "",
            }
        )
    return records
