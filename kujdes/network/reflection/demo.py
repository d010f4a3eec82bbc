"""The reflection for the demo: two working groups, plenaries with minutes and decisions, actions, methods.

Called by `kujdes demo` after the network's partners exist. Names, minutes and stories are
invented. Everything is written through the services, as the coordinator and the demo
organisations' focal points, so that the audit chains hold it like real work.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from kujdes.accounts.models import User
from kujdes.network.models import Partner
from kujdes.network.reflection import services
from kujdes.network.reflection.models import ActionItem, Decision, Meeting, MeetingStatus, WorkingGroup

PLENARY_2026_MINUTES = "\n".join(
    (
        "1. Welcome. The coordinator opened the meeting; nine partners present, two excused (Bosnia-"
        "Herzegovina, Türkiye).",
        "2. Screening. Caritas Albania presented a year of the common screening approach v1.0 in "
        "four dioceses. Partners asked for the ILO forced-labour indicators to be asked the same "
        "way everywhere; version 1.1 adds them (decision 2026-03/1).",
        "3. Summer camps. The working group on prevention presented the revised camp safeguarding "
        "standard: two adults per group at all times, a named safeguarding lead per camp, a short "
        "incident form. Adopted as v2.0 (decision 2026-03/2).",
        "4. Return and reintegration. Caritas France and Caritas Ukraine proposed a first protocol for "
        "assisted return: consent first, a named contact on each side, a follow-up call at 1, 3 and 6 "
        "months. Adopted as v1.0 for a trial year (decision 2026-03/3).",
        "5. Any other business. The next plenary will be held online in the autumn.",
    )
)

SCHOOLS_MINUTES = "\n".join(
    (
        "The group compared the school sessions of four partners. Sessions work best with a peer educator"
        " and a teacher together. Caritas Kosovo will share its role-play kit; Caritas Romania will "
        "test it in two schools before the summer.",
    )
)


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, 0))


@transaction.atomic
def demo_populate() -> str:
    coordinator = _user("coordinator")
    if coordinator is None or WorkingGroup.objects.exists():
        return "Network reflection: nothing added (no coordinator account, or the demo has it already)."
    partners = {p.code: p for p in Partner.objects.all()}
    if not {"al", "fr", "ua", "xk", "ro"} <= set(partners):
        return "Network reflection: nothing added (the network's partners are missing)."
    admin_al = _user("admin-al") or coordinator
    admin_fr = _user("admin-fr") or coordinator
    today = timezone.localdate()

    def members(*codes: str) -> list[Partner]:
        return [partners[c] for c in codes if c in partners]

    schools = services.working_group_create(
        actor=coordinator,
        name="Prevention in schools",
        purpose="Share and test prevention sessions for pupils aged 12-18: what to say about recruitment, "
        "online and offline, and how a school refers a pupil at risk.",
        terms_of_reference="Members: partners running school sessions. Convened by Caritas Albania.\n"
        "Meets four times a year, online, and once at the plenary.\n"
        "Delivers: a shared session kit, the camp safeguarding standard, a yearly note to the plenary.",
        convenor=partners["al"],
        partners=members("xk", "ba", "ro", "ma", "am"),
        started_on=datetime.date(2025, 2, 1),
    )
    return_group = services.working_group_create(
        actor=coordinator,
        name="Cross-border referral and return",
        purpose="Agree how partners refer a person across a border, with consent, and how return and "
        "reintegration are followed up on both sides.",
        terms_of_reference="Members: partners receiving or sending persons across borders. "
        "Convened by Caritas France.\n"
        "Drafts the return-and-reintegration protocol and reviews each trial year.",
        convenor=partners["fr"],
        partners=members("al", "ua", "lb", "tr", "ma", "ro"),
        started_on=datetime.date(2025, 6, 1),
    )
    for group, name, role, code in (
        (schools, "Besa Hoxha", "Convenor", "al"),
        (schools, "Arbër Krasniqi", "Member", "xk"),
        (schools, "Ioana Popescu", "Member", "ro"),
        (return_group, "Claire Morel", "Convenor", "fr"),
        (return_group, "Olena Kovalenko", "Member", "ua"),
        (return_group, "Rania Haddad", "Member", "lb"),
    ):
        services.working_group_staff_add(
            actor=coordinator, group=group, name=name, role=role, partner=partners[code]
        )

    # 2025: the first versions of two methods.
    plenary_2025 = services.meeting_create(
        actor=coordinator,
        working_group=None,
        title="Network plenary 2025",
        starts_at=_at(datetime.date(2025, 10, 14)),
        place="Shkodër",
        status=MeetingStatus.HELD,
    )
    services.meeting_minutes_save(
        actor=coordinator,
        meeting=plenary_2025,
        version=None,
        minutes="The network agreed a first common screening approach and a first camp safeguarding "
        "standard.",
    )
    services.meeting_minutes_approve(actor=coordinator, meeting=plenary_2025, on=datetime.date(2025, 11, 10))
    services.meeting_attendance_record(
        actor=coordinator, meeting=plenary_2025, statuses={p.pk: "present" for p in partners.values()}
    )
    d_screen_1 = services.decision_create(
        actor=coordinator,
        meeting=plenary_2025,
        number="2025-10/1",
        text="Partners screen persons at risk with a common approach (version 1.0).",
        tags=["screening"],
    )
    d_camp_1 = services.decision_create(
        actor=coordinator,
        meeting=plenary_2025,
        number="2025-10/2",
        text="Summer camps follow a common safeguarding standard (version 1.0).",
        tags=["camps", "safeguarding"],
    )
    screening_1 = services.method_create(
        actor=coordinator,
        title="Common screening approach",
        summary="One way of asking about risk of trafficking, with the same indicators in every country.",
        description="A short interview guide and checklist for staff; "
        "the answers stay in the partner's own records.",
        version_label="1.0",
        decision=d_screen_1,
    )
    camp_1 = services.method_create(
        actor=coordinator,
        title="Summer-camp safeguarding standard",
        summary="What every camp does to keep children and young people safe.",
        version_label="1.0",
        decision=d_camp_1,
    )

    # 2026: the plenary with minutes, three decisions and action items.
    plenary = services.meeting_create(
        actor=coordinator,
        working_group=None,
        title="Network plenary 2026",
        starts_at=_at(datetime.date(2026, 3, 18), 9),
        place="Tirana",
        online_link="https://meet.example.org/kujdes-plenary-2026",
        status=MeetingStatus.HELD,
    )
    for position, (topic, presenter, minutes) in enumerate(
        (
            ("Welcome and agenda", "Network coordinator", 15),
            ("A year of common screening", "Caritas Albania", 45),
            ("Camp safeguarding standard v2.0", "Working group: Prevention in schools", 40),
            ("Return and reintegration protocol", "Caritas France, Caritas Ukraine", 60),
            ("Any other business", "", 15),
        ),
        start=1,
    ):
        services.agenda_item_add(
            actor=coordinator,
            meeting=plenary,
            position=position,
            topic=topic,
            presenter=presenter,
            duration_minutes=minutes,
        )
    statuses = {p.pk: "present" for p in partners.values()}
    for code in ("ba", "tr"):
        if code in partners:
            statuses[partners[code].pk] = "excused"
    services.meeting_attendance_record(actor=coordinator, meeting=plenary, statuses=statuses)
    services.meeting_minutes_save(
        actor=coordinator, meeting=plenary, version=None, minutes=PLENARY_2026_MINUTES
    )
    services.meeting_minutes_approve(actor=coordinator, meeting=plenary, on=datetime.date(2026, 4, 15))
    d_screen = services.decision_create(
        actor=coordinator,
        meeting=plenary,
        number="2026-03/1",
        text="The common screening approach, version 1.1, adds the ILO indicators of forced labour; "
        "partners move to it by the end of 2026.",
        rationale="Partners asked the labour questions differently; figures could not be compared.",
        supersedes=d_screen_1,
        tags=["screening", "labour exploitation"],
    )
    d_camp = services.decision_create(
        actor=coordinator,
        meeting=plenary,
        number="2026-03/2",
        text="Summer camps follow the safeguarding standard, version 2.0, from the 2026 season.",
        rationale="Lessons from the 2025 camps: a named safeguarding lead and an incident form were missing.",
        supersedes=d_camp_1,
        tags=["camps", "safeguarding", "child protection"],
    )
    d_return = services.decision_create(
        actor=coordinator,
        meeting=plenary,
        number="2026-03/3",
        text="The return-and-reintegration protocol, version 1.0, is tried for one year by the partners "
        "of the cross-border working group.",
        tags=["return", "reintegration", "cross-border"],
    )
    screening = services.method_new_version(
        actor=coordinator,
        previous=screening_1,
        title="Common screening approach",
        summary="One way of asking about risk of trafficking, now with the ILO indicators of forced labour.",
        description="The interview guide of 1.0 with a section on work: the eleven ILO indicators of forced "
        "labour (abuse of vulnerability, deception, restriction of movement, isolation, violence, "
        "intimidation, retention of documents, withholding of wages, debt bondage, abusive conditions, "
        "excessive overtime), asked in plain words.",
        version_label="1.1",
        decision=d_screen,
        links=[{"title": "ILO indicators of forced labour", "url": "https://www.ilo.org/"}],
    )
    camp = services.method_new_version(
        actor=coordinator,
        previous=camp_1,
        title="Summer-camp safeguarding standard",
        summary="What every camp does to keep children and young people safe: two adults per group, "
        "a named safeguarding lead, an incident form.",
        version_label="2.0",
        decision=d_camp,
    )
    return_protocol = services.method_create(
        actor=coordinator,
        title="Return-and-reintegration protocol",
        summary="How two partners prepare and follow an assisted return: consent, named contacts, "
        "follow-up at 1, 3 and 6 months.",
        version_label="1.0",
        decision=d_return,
    )
    services.action_item_create(
        actor=coordinator,
        meeting=plenary,
        decision=d_screen,
        description="Translate the screening guide 1.1 into Albanian and Ukrainian.",
        owner_partner=partners["al"],
        owner_name="Besa Hoxha",
        due_on=datetime.date(2026, 6, 30),
    )  # left open: overdue
    done = services.action_item_create(
        actor=coordinator,
        meeting=plenary,
        decision=d_camp,
        description="Send the camp incident form to every partner.",
        owner_partner=partners["xk"],
        owner_name="Arbër Krasniqi",
        due_on=datetime.date(2026, 5, 15),
    )
    services.action_item_update(
        actor=coordinator,
        action=done,
        version=None,
        changes={"status": "done", "done_note": "Sent by e-mail on 12 May, with a short guide."},
    )
    services.action_item_create(
        actor=coordinator,
        meeting=plenary,
        decision=d_return,
        description="Collect the first trial cases' follow-up calls (numbers only) for the review.",
        owner_partner=partners["fr"],
        owner_name="Claire Morel",
        due_on=today + datetime.timedelta(days=4),
    )

    # The working groups' own meetings.
    schools_meeting = services.meeting_create(
        actor=admin_al,
        working_group=schools,
        title="Prevention in schools: spring meeting",
        starts_at=_at(datetime.date(2026, 4, 22), 14),
        online_link="https://meet.example.org/kujdes-schools",
        status=MeetingStatus.HELD,
    )
    services.meeting_attendance_record(
        actor=admin_al,
        meeting=schools_meeting,
        statuses={partners[c].pk: "present" for c in ("al", "xk", "ro", "ma") if c in partners},
    )
    services.meeting_minutes_save(
        actor=admin_al, meeting=schools_meeting, version=None, minutes=SCHOOLS_MINUTES
    )
    services.action_item_create(
        actor=admin_al,
        meeting=schools_meeting,
        description="Test the role-play kit in two schools and report back.",
        owner_partner=partners["ro"],
        owner_name="Ioana Popescu",
        due_on=today + datetime.timedelta(days=40),
        status="in_progress",
    )
    services.meeting_create(
        actor=admin_fr,
        working_group=return_group,
        title="Cross-border referral and return: trial review",
        starts_at=_at(today + datetime.timedelta(days=21), 11),
        online_link="https://meet.example.org/kujdes-return",
    )
    services.meeting_create(
        actor=coordinator,
        working_group=None,
        title="Network plenary, autumn (online)",
        starts_at=_at(today + datetime.timedelta(days=45), 10),
        online_link="https://meet.example.org/kujdes-plenary-autumn",
    )

    # Who applies what. Local partners report themselves; the coordinator records the others' reports.
    reports = (
        (screening_1, "al", "full", datetime.date(2025, 11, 1)),
        (screening_1, "xk", "partial", datetime.date(2026, 1, 15)),
        (screening, "al", "full", datetime.date(2026, 5, 1)),
        (screening, "fr", "partial", datetime.date(2026, 6, 1)),
        (screening, "ro", "full", datetime.date(2026, 7, 1)),
        (screening, "ua", "planned", None),
        (camp, "al", "full", datetime.date(2026, 6, 1)),
        (camp, "xk", "full", datetime.date(2026, 6, 15)),
        (camp, "lb", "partial", datetime.date(2026, 7, 1)),
        (camp, "ma", "planned", None),
        (return_protocol, "fr", "full", datetime.date(2026, 4, 1)),
        (return_protocol, "ua", "partial", datetime.date(2026, 5, 1)),
        (return_protocol, "al", "planned", None),
    )
    for method, code, extent, since in reports:
        if code not in partners:
            continue
        actor = {"al": admin_al, "fr": admin_fr}.get(code, coordinator)
        services.method_application_record(
            actor=actor, method=method, partner=partners[code], extent=extent, since=since
        )
    return (
        f"Network reflection: 2 working groups, {Meeting.objects.count()} meetings, "
        f"{Decision.objects.count()} decisions, {ActionItem.objects.count()} action items (1 overdue), "
        f"3 methods in the register with {len(reports)} reports of their use."
    )
