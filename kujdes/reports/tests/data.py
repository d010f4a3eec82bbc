"""A small hand-built dataset for the indicator tests (kujdes/reports/tests/test_indicators.py).

The reporting period is the second quarter of 2025, 1 April – 30 June (inclusive). Events fall ON its
first and last days (counted) and one day outside each (31 March, 1 July: not counted). Ages are taken at
the end of the period: age = 2025 − year of birth, in the groups 0, 6, 12, 15, 18, 25, 60.

Units (kujdes/core/tests/base.py): diocese A with Centre A1 below it, and diocese B.

Persons (sex, year of birth → age group, categories, municipality, unit):
- ana     F 2010 → 15  [child_at_risk]              Shkodër  A1
- besa    F 2000 → 25  [woman_at_risk, victim]      Tiranë   A
- dritan  M 2008 → 15  [young_person]               Shkodër  A1   (ana's brother: a relative AND direct)
- erion   M 1990 → 25  []                           Lezhë    A
- gent    M 2014 → 6   [child_at_risk]              Shkodër  A1
- kl1..3  F 2007 → 18  [young_person]               Shkodër  A1   (three course participants)
- hana    F 2005 → 18  [potential_victim]           Durrës   B
- jeta    F 1995 → 25  [victim]                     Durrës   B
- ilir    M —    → not recorded []                  —        B    (screened only: not a direct beneficiary)
- olda    F 1985 → 25  [woman_at_risk]              Shkodër  A    (contacts only outside the period)
- mira    F 1975 → 25  [family_member]              Shkodër  A    (mother of ana and of gent)
- nora    F 1950 → 60  [family_member]              Tiranë   A    (besa is recorded as nora's child)
- lulzim  M 2003 → 18  []                           Durrës   B    (hana's brother)
- pjeter  M 1980 → 25  []                           Shkodër  A    (olda's partner)

Everything is recorded in organisation "al"; one activity and one person in organisation "fr" must never
be counted.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

START = datetime.date(2025, 4, 1)
END = datetime.date(2025, 6, 30)
BEFORE = datetime.date(2025, 3, 31)  # the day before the period
AFTER = datetime.date(2025, 7, 1)  # the day after the period


def d(month: int, day: int, year: int = 2025) -> datetime.date:
    return datetime.date(year, month, day)


def indicator_dataset(t: Any) -> SimpleNamespace:  # noqa: PLR0915 - a dataset reads best as one list
    """Build the dataset on the test class `t` (inside tenant_scope); returns the named objects."""
    from kujdes.cases.models import Case, FollowUp, NrmDecision, ServiceDelivery
    from kujdes.cases.services import case_create
    from kujdes.people.models import PersonRelation
    from kujdes.people.services import person_create
    from kujdes.programme.models import (
        Activity,
        ActivityType,
        Facilitator,
        Headcount,
        HeadcountCell,
        Initiative,
        InitiativeAction,
        Outcome,
        Participation,
        Session,
        Volunteer,
        VolunteerHours,
        VolunteerTraining,
    )
    from kujdes.programme.services import activity_types_install
    from kujdes.referrals.models import Referral, ServiceProvider
    from kujdes.screening.models import InstrumentVersion, Screening
    from kujdes.screening.services import instruments_install

    ds = SimpleNamespace()
    org = t.org.pk
    A, A1, B = t.diocese_a, t.centre_a, t.diocese_b  # noqa: N806 - the units' names in the docs
    ds.A, ds.A1, ds.B = A, A1, B

    # --- persons ---------------------------------------------------------------------------------
    def person(name: str, unit: Any, sex: str, year: int | None, categories: list[str], place: str) -> Any:
        return person_create(
            actor=None,
            unit=unit,
            given_name=name.title(),
            family_name="Test",
            sex=sex,
            birth_year=year,
            categories=categories,
            municipality=place,
        )

    F, M = "Feminine", "Masculine"  # noqa: N806
    ds.ana = person("ana", A1, F, 2010, ["child_at_risk"], "Shkodër")
    ds.besa = person("besa", A, F, 2000, ["woman_at_risk", "victim"], "Tiranë")
    ds.dritan = person("dritan", A1, M, 2008, ["young_person"], "Shkodër")
    ds.erion = person("erion", A, M, 1990, [], "Lezhë")
    ds.gent = person("gent", A1, M, 2014, ["child_at_risk"], "Shkodër")
    ds.klea = [person(f"klea{i}", A1, F, 2007, ["young_person"], "Shkodër") for i in (1, 2, 3)]
    ds.hana = person("hana", B, F, 2005, ["potential_victim"], "Durrës")
    ds.jeta = person("jeta", B, F, 1995, ["victim"], "Durrës")
    ds.ilir = person("ilir", B, M, None, [], "")
    ds.olda = person("olda", A, F, 1985, ["woman_at_risk"], "Shkodër")
    ds.mira = person("mira", A, F, 1975, ["family_member"], "Shkodër")
    ds.nora = person("nora", A, F, 1950, ["family_member"], "Tiranë")
    ds.lulzim = person("lulzim", B, M, 2003, [], "Durrës")
    ds.pjeter = person("pjeter", A, M, 1980, [], "Shkodër")

    # --- relations (family members) -------------------------------------------------------------
    def relation(person_: Any, relative: Any, kind: str) -> None:
        PersonRelation.objects.create(organisation_id=org, person=person_, relative=relative, kind=kind)

    relation(ds.ana, ds.mira, "parent")  # mira: counted (ana is direct)
    relation(ds.gent, ds.mira, "parent")  # mira again: still one family member
    relation(ds.ana, ds.dritan, "sibling")  # dritan is a direct beneficiary: NOT a family member
    relation(ds.nora, ds.besa, "child")  # recorded the other way round: nora counted (besa is direct)
    relation(ds.hana, ds.lulzim, "sibling")  # lulzim: counted, in diocese B
    relation(ds.olda, ds.pjeter, "partner")  # olda is not a direct beneficiary: pjeter not counted

    # --- service providers (the directory) ------------------------------------------------------
    def provider(name: str, kind: str) -> Any:
        return ServiceProvider.objects.create(
            organisation_id=org, name=name, provider_type=kind, country="AL"
        )

    ds.shelter = provider("Streha", "NGO")
    ds.clinic = provider("Klinika", "HealthServiceOrganisation")
    ds.town = provider("Bashkia", "LocalGovernmentOrganisation")
    ds.police = provider("Policia", "LawEnforcement")
    ds.school = provider("Shkolla", "SchoolOrCollege")

    # --- activities ------------------------------------------------------------------------------
    activity_types_install(organisation_id=org)
    types = {a.code: a for a in ActivityType.objects.filter(organisation_id=org)}
    ds.types = types

    def activity(title: str, unit: Any, code: str, starts: Any, ends: Any, place: str = "", **kw: Any) -> Any:
        return Activity.objects.create(
            organisation_id=org,
            unit=unit,
            activity_type=types[code],
            title=title,
            starts_on=starts,
            ends_on=ends,
            municipality=place,
            created_by=t.manager,
            status=kw.get("status", "running"),
        )

    ds.course = activity("Course A1", A1, "vocational-course", d(2, 1), END, "Shkodër")  # began before
    ds.course_old = activity("Old course", A, "vocational-course", d(1, 10), BEFORE)  # ends the day before
    ds.camp = activity("Camp A", A, "summer-camp", END, d(7, 10))  # starts on the last day
    ds.camp_late = activity("Camp B late", B, "summer-camp", AFTER, d(7, 5))  # starts the day after
    ds.meeting = activity("Meeting B", B, "information-meeting", START, START, "Durrës")  # the first day
    ds.course_b = activity("Course B", B, "vocational-course", START, d(9, 30), "Durrës")
    ds.course_b_old = activity("Old course B", B, "vocational-course", d(9, 1, 2024), d(12, 15, 2024))
    ds.campaign = activity("Campaign A", A, "awareness-campaign", d(5, 10), d(5, 10), "Shkodër")
    ds.school_b = activity("School session B", B, "school-session", END, END, "Durrës")
    ds.cancelled = activity("Cancelled", A, "awareness-campaign", d(5, 1), d(5, 1), status="cancelled")
    ds.campaign_old = activity("Campaign March", A, "awareness-campaign", d(3, 1), BEFORE, "Shkodër")

    def enrol(act: Any, who: Any, on: Any, status: str = "enrolled", completed: Any = None) -> Any:
        return Participation.objects.create(
            organisation_id=org,
            activity=act,
            person=who,
            enrolled_on=on,
            status=status,
            completed_on=completed,
            enrolled_by=t.manager,
        )

    # Course A1 (2025-02-01 – 2025-06-30)
    enrol(ds.course, ds.ana, d(2, 1), "completed", START)  # began before; completed on the first day
    enrol(ds.course, ds.dritan, END)  # enrolled on the last day
    ds.erion_course = enrol(ds.course, ds.erion, BEFORE, "completed", BEFORE)  # completed the day before
    enrol(ds.course, ds.besa, AFTER)  # enrolled the day after: not in the period
    for klea in ds.klea:
        enrol(ds.course, klea, d(5, 12))
    # Old course A (ended the day before): not a participation of the period, but its outcomes fall due in it
    old_olda = enrol(ds.course_old, ds.olda, d(1, 10), "completed", BEFORE)
    old_pjeter = enrol(ds.course_old, ds.pjeter, d(1, 10), "completed", BEFORE)
    old_mira = enrol(ds.course_old, ds.mira, d(1, 10), "completed", BEFORE)
    old_nora = enrol(ds.course_old, ds.nora, d(1, 10), "completed", BEFORE)
    enrol(ds.course_old, ds.gent, d(1, 10), "completed", BEFORE)
    # Camp A (2025-06-30 – 07-10)
    enrol(ds.camp, ds.gent, d(6, 20))
    enrol(ds.camp, ds.ana, d(6, 25), "dropped")
    # Late camp B: ilir enrolled in June, but the camp starts after the period
    enrol(ds.camp_late, ds.ilir, d(6, 15))
    # Meeting B (on the first day)
    enrol(ds.meeting, ds.hana, START)
    enrol(ds.meeting, ds.jeta, START)
    # Course B (from the first day)
    enrol(ds.course_b, ds.jeta, START, "completed", END)  # completed on the last day
    enrol(ds.course_b, ds.hana, d(4, 2), "dropped")
    # Old course B (2024): outcomes only
    old_ilir = enrol(ds.course_b_old, ds.ilir, d(9, 1, 2024), "completed", d(12, 15, 2024))
    old_lulzim = enrol(ds.course_b_old, ds.lulzim, d(9, 1, 2024), "completed", d(12, 15, 2024))

    def outcome(participation: Any, months: int, due: Any, result: str) -> None:
        Outcome.objects.create(
            organisation_id=org, participation=participation, months=months, due_on=due, result=result
        )

    outcome(old_olda, 3, END, "employed")  # employed at 3 months (due on the last day)
    outcome(old_olda, 6, d(9, 30), "employed")  # due after the period
    outcome(old_olda, 12, BEFORE, "employed")  # due the day before
    outcome(old_pjeter, 6, START, "employed")  # employed at 6 months (due on the first day)
    outcome(old_mira, 6, d(5, 15), "none")  # reached, not employed
    outcome(old_nora, 6, d(6, 10), "unreachable")  # not reached: not in the denominator
    outcome(ds.erion_course, 3, END, "")  # not recorded yet
    outcome(old_ilir, 6, d(6, 15), "employed")  # employed at 6 months, diocese B
    outcome(old_ilir, 12, d(12, 15), "employed")  # due after the period
    outcome(old_lulzim, 12, START, "employed")  # employed at 12 months, diocese B
    outcome(old_lulzim, 6, d(6, 15, 2024), "employed")  # due in 2024

    # --- cases, services, follow-ups, referrals, NRM decisions ---------------------------------------
    def case(who: Any, unit: Any, opened: Any, **codes: Any) -> Any:
        return case_create(actor=None, person=who, unit=unit, opened_on=opened, **codes)

    def close(case_: Any, on: Any, status: str = "Closed") -> None:
        Case.objects.filter(pk=case_.pk).update(status=status, closed_on=on, closure_reason="goals_met")

    sexual, labour = "SexualExploitation", "ForcedLabour"
    ds.c_besa = case(
        ds.besa,
        A,
        START,
        case_type="victim_assistance",
        exploitation_types=[sexual, labour],
        cross_border=True,
    )
    ds.c_erion = case(ds.erion, A, d(1, 15), exploitation_types=[labour], cross_border=False)
    close(ds.c_erion, d(4, 30))  # open 105 days
    ds.c_ana = case(ds.ana, A1, END)  # opened on the last day; no exploitation type, cross-border unknown
    ds.c_olda = case(ds.olda, A, BEFORE)  # opened the day before
    close(ds.c_olda, AFTER)  # closed the day after
    ds.c_hana = case(
        ds.hana, B, d(5, 15), case_type="victim_assistance", exploitation_types=[sexual], cross_border=True
    )
    close(ds.c_hana, END, "ClosedReferred")  # open 46 days, closed on the last day
    ds.c_jeta = case(
        ds.jeta,
        B,
        d(12, 1, 2024),
        case_type="victim_assistance",
        exploitation_types=[labour],
        cross_border=False,
    )
    close(ds.c_jeta, START)  # open 121 days, closed on the first day
    ds.c_dritan = case(ds.dritan, A1, d(5, 5), cross_border=False)
    close(ds.c_dritan, AFTER)  # closed the day after
    ds.c_ilir = case(ds.ilir, B, d(2, 1))
    close(ds.c_ilir, BEFORE)  # closed the day before

    def service(case_: Any, kind: str, on: Any, provider_: Any = None) -> None:
        ServiceDelivery(
            organisation_id=org,
            case=case_,
            service_type=kind,
            provider=provider_,
            delivered_on=on,
            notes="",
            recorded_by=t.alice,
        ).save()

    service(ds.c_besa, "Shelter", START, ds.shelter)
    for day in (20, 21, 22, 23):  # four counselling sessions in May…
        service(ds.c_besa, "Psychosocial", d(5, day))
    service(ds.c_besa, "Psychosocial", END)  # …and one on the last day: five services, one person
    service(ds.c_erion, "Livelihood", BEFORE)  # the day before
    service(ds.c_erion, "Livelihood", d(4, 15))
    service(ds.c_hana, "Health", d(5, 15), ds.clinic)
    service(ds.c_olda, "Legal", BEFORE)  # the day before
    service(ds.c_olda, "Legal", AFTER)  # the day after

    def follow_up(case_: Any, on: Any) -> None:
        FollowUp(
            organisation_id=org, case=case_, contacted_on=on, method="phone", notes="", recorded_by=t.alice
        ).save()

    follow_up(ds.c_erion, END)
    follow_up(ds.c_olda, AFTER)
    follow_up(ds.c_jeta, START)
    follow_up(ds.c_besa, d(5, 2))

    def referral(
        case_: Any,
        unit: Any,
        on: Any,
        kind: str,
        status: str,
        to: Any = None,
        to_unit: Any = None,
        direction: str = "outgoing",
    ) -> None:
        Referral(
            organisation_id=org,
            case=case_,
            direction=direction,
            from_unit=unit,
            to_provider=to,
            to_unit=to_unit,
            service_type=kind,
            reason="AdditionalServicesRequired",
            status=status,
            referred_on=on,
            details="",
            response_notes="",
            created_by=t.alice,
        ).save()

    referral(ds.c_besa, A, START, "Shelter", "accepted", to=ds.shelter)
    referral(ds.c_besa, A, END, "Health", "sent", to=ds.clinic)
    referral(ds.c_hana, B, d(5, 15), "Legal", "completed", to_unit=A)  # to another unit: no provider
    referral(ds.c_erion, A, BEFORE, "Health", "declined", to=ds.clinic)  # the day before
    referral(ds.c_erion, A, AFTER, "Livelihood", "cancelled", to=ds.shelter)  # the day after
    referral(ds.c_jeta, B, d(5, 1), "Health", "sent", direction="incoming")  # incoming: not sent

    def nrm(case_: Any, from_stage: str, to_stage: str, on: Any) -> None:
        NrmDecision(
            organisation_id=org,
            case=case_,
            from_stage=from_stage,
            to_stage=to_stage,
            decided_on=on,
            recorded_by=t.alice,
        ).save()

    nrm(ds.c_besa, "at_risk", "potential_victim", START)
    nrm(ds.c_besa, "potential_victim", "official_victim", END)
    nrm(ds.c_hana, "at_risk", "potential_victim", d(5, 20))
    nrm(ds.c_jeta, "potential_victim", "official_victim", BEFORE)  # the day before
    nrm(ds.c_dritan, "at_risk", "potential_victim", AFTER)  # the day after

    # --- screenings ------------------------------------------------------------------------------
    instruments_install(organisation=t.org)
    version = InstrumentVersion.objects.filter(organisation_id=org).order_by("pk").first()

    def screening(who: Any, on: Any, level: str, outcome_: str | None = None) -> None:
        Screening(
            organisation_id=org,
            person=who,
            unit_id=who.unit_id,
            version=version,
            performed_on=on,
            performed_by=t.alice,
            age_group="child",
            outcome=outcome_ or level,
            level=level,
            notes="",
        ).save()

    screening(ds.ana, START, "low")
    screening(ds.ana, END, "high")  # the same person again, at another level
    screening(ds.dritan, d(5, 10), "medium")
    screening(ds.ilir, d(5, 20), "high")
    screening(ds.hana, d(5, 15), "high", "victim")
    screening(ds.olda, BEFORE, "medium")  # the day before
    screening(ds.olda, AFTER, "high")  # the day after

    # --- headcounts --------------------------------------------------------------------------------
    def headcount(act: Any, on: Any, cells: dict[tuple[str, int, str], int], **reach: int) -> None:
        head = Headcount.objects.create(
            organisation_id=org,
            activity=act,
            date=on,
            age_groups=[0, 6, 12, 15, 18, 25, 60],
            recorded_by=t.manager,
            **reach,
        )
        for (sex, age_from, category), count in cells.items():
            HeadcountCell.objects.create(
                organisation_id=org,
                headcount=head,
                sex=sex,
                age_from=age_from,
                category=category,
                count=count,
            )

    headcount(
        ds.campaign,
        d(5, 10),
        {(F, 12, "general"): 30, (M, 12, "general"): 25, (F, 18, "woman_at_risk"): 3},
        reach_families=40,
        reach_community=10,
    )
    headcount(ds.school_b, END, {(F, 6, "child_at_risk"): 4, (M, 6, "child_at_risk"): 2}, reach_online=100)
    headcount(ds.meeting, START, {(M, 25, "parents"): 9}, reach_families=5)
    headcount(ds.campaign_old, BEFORE, {(F, 25, "general"): 7}, reach_media=1000)  # the day before

    # --- volunteers ------------------------------------------------------------------------------
    def volunteer(name: str, unit: Any) -> Any:
        return Volunteer.objects.create(
            organisation_id=org, unit=unit, given_name=name, joined_on=d(1, 1, 2024)
        )

    ds.v_klea, ds.v_dora = volunteer("Klea", A1), volunteer("Dora", A)
    ds.v_edi, ds.v_fatos = volunteer("Edi", B), volunteer("Fatos", B)

    def hours(who: Any, on: Any, amount: str) -> None:
        VolunteerHours.objects.create(
            organisation_id=org, volunteer=who, date=on, hours=Decimal(amount), recorded_by=t.manager
        )

    hours(ds.v_klea, START, "2.5")
    hours(ds.v_klea, END, "3.0")
    hours(ds.v_klea, BEFORE, "10.0")  # the day before
    hours(ds.v_dora, d(5, 5), "4.0")
    hours(ds.v_edi, AFTER, "1.5")  # the day after

    def duty(act: Any, who: Any = None, user: Any = None, category: str = "", name: str = "") -> None:
        role = "volunteer" if who else ("expert" if name else "staff")
        Facilitator.objects.create(
            organisation_id=org,
            activity=act,
            role=role,
            volunteer=who,
            user=user,
            name=name,
            staff_category=category
            or {"volunteer": "volunteer", "expert": "external_trainer"}.get(role, "employee"),
        )

    duty(ds.meeting, ds.v_edi)  # Edi: active through a duty only
    duty(ds.camp_late, ds.v_fatos)  # the camp starts after the period: Fatos not active
    duty(ds.course, ds.v_klea)
    duty(ds.course, user=t.manager)  # staff, not a volunteer: an employee
    duty(ds.meeting, user=t.educator, category="missionary")  # a missionary at the meeting
    duty(ds.course_b, name="Trajnere")  # an external trainer, named by hand
    duty(ds.cancelled, user=t.manager)  # a cancelled activity: no facilitation

    def session(act: Any, on: Any, start: int, end: int, status: str = "held") -> None:
        Session.objects.create(
            organisation_id=org,
            activity=act,
            date=on,
            starts_at=datetime.time(start // 100, start % 100),
            ends_at=datetime.time(end // 100, end % 100),
            status=status,
        )

    session(ds.course, d(4, 10), 900, 1200)  # 3 h
    session(ds.course, d(5, 15), 1000, 1130)  # 1.5 h
    session(ds.course, d(6, 1), 900, 1000, status="planned")  # not held: no hours
    session(ds.course, BEFORE, 900, 1100)  # the day before
    session(ds.meeting, START, 1800, 2000)  # 2 h
    session(ds.course_b, d(5, 20), 1400, 1700)  # 3 h
    session(ds.course_b, AFTER, 1400, 1700)  # the day after
    session(ds.cancelled, d(5, 1), 900, 1100)  # the activity was cancelled

    def training(who: Any, on: Any) -> None:
        VolunteerTraining.objects.create(
            organisation_id=org, volunteer=who, title="Training", completed_on=on
        )

    training(ds.v_klea, START)
    training(ds.v_klea, d(5, 1))  # Klea twice: one volunteer trained
    training(ds.v_dora, AFTER)  # the day after
    training(ds.v_edi, END)
    training(ds.v_fatos, BEFORE)  # the day before

    # --- joint initiatives ---------------------------------------------------------------------------
    def initiative(title: str, unit: Any, started: Any, ended: Any, partners: list[Any]) -> Any:
        item = Initiative.objects.create(
            organisation_id=org,
            unit=unit,
            title=title,
            started_on=started,
            ended_on=ended,
            created_by=t.manager,
        )
        item.partners.set(partners)
        return item

    def action(item: Any, on: Any, partners: list[Any]) -> None:
        act = InitiativeAction.objects.create(
            organisation_id=org,
            initiative=item,
            kind="lobbying_meeting",
            title="Action",
            date=on,
            created_by=t.manager,
        )
        act.partners.set(partners)

    i1 = initiative("Round table A", A, d(1, 1), None, [ds.shelter, ds.town])  # open-ended
    action(i1, d(5, 5), [ds.town])  # the same partner again
    action(i1, AFTER, [ds.school])  # the day after
    i2 = initiative("Ended A1", A1, d(1, 1, 2024), BEFORE, [ds.police])  # ended the day before
    action(i2, BEFORE, [ds.school])
    i3 = initiative("Network B", B, END, d(8, 1), [ds.clinic])  # started on the last day
    action(i3, END, [ds.clinic, ds.police])  # the police take part through an action
    initiative("Later B", B, AFTER, None, [ds.school])  # starts the day after

    # --- another organisation: never counted -------------------------------------------------------
    activity_types_install(organisation_id=t.other_org.pk)
    other_type = ActivityType.objects.get(organisation_id=t.other_org.pk, code="vocational-course")
    other_person = person_create(actor=None, unit=t.other_unit, given_name="Zoé", sex=F, birth_year=2001)
    other_course = Activity.objects.create(
        organisation_id=t.other_org.pk,
        unit=t.other_unit,
        activity_type=other_type,
        title="Cours",
        starts_on=START,
        ends_on=END,
        created_by=t.other_admin,
        status="running",
    )
    Participation.objects.create(
        organisation_id=t.other_org.pk,
        activity=other_course,
        person=other_person,
        enrolled_on=START,
        enrolled_by=t.other_admin,
    )
    return ds
