"""Two exchanges for the demo (invented colleagues and stories).

A study visit of Caritas Albania's staff to Caritas France, held in 2026, with participants,
their learning outcomes and evaluations, the French practices presented (when the practices'
demo published some: it runs before this one) and follow-up actions, some of them overdue;
and a planned online peer exchange on online recruitment between Romania, Ukraine and Albania.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from kujdes.accounts.models import User
from kujdes.network.exchanges.models import (
    Exchange,
    ExchangeAgendaItem,
    ExchangeParticipant,
    FollowUpAction,
)
from kujdes.network.exchanges.selectors import practices_to_present
from kujdes.network.models import Partner

STUDY_VISIT = "Study visit: Caritas Albania at Caritas France (identification and shelter)"
ONLINE = "Online peer exchange: recruitment through social media and messaging apps"

# (partner, name, role, outcomes, overall, usefulness, will apply)
PARTICIPANTS = (
    (
        "al",
        "Elona Shehu",
        "Case worker, Tirana",
        "How the Paris team runs joint interviews with labour inspectors; a two-page intake checklist.",
        5,
        5,
        "The intake checklist, translated, in our first meetings with referred persons.",
    ),
    (
        "al",
        "Gentian Hoxha",
        "Field educator, Shkodër",
        "Outreach in seasonal agriculture: timing visits with harvests, working with growers' unions.",
        4,
        5,
        "Plan the summer outreach with the harvest calendar of the Zadrima plain.",
    ),
    (
        "al",
        "Mirela Kola",
        "Programme manager, Shkodër-Pult",
        "Shelter house rules written with residents; weekly residents' meeting.",
        4,
        4,
        "",
    ),
)

AGENDA = (
    (0, "09:30", "Welcome, the French national referral mechanism in practice", "Claire Morel"),
    (0, "14:00", "Joint interviews with labour inspectors", "Paul Garnier"),
    (1, "09:00", "Visit of a shelter; house rules written with residents", "Sophie Laurent"),
    (2, "10:00", "What each team takes home; follow-up actions", "Claire Morel"),
)


def _study_visit(partners: dict[str, Partner], coordinator: User | None) -> Exchange:
    exchange, created = Exchange.objects.get_or_create(
        title=STUDY_VISIT,
        defaults={
            "kind": "study_visit",
            "host": partners["fr"],
            "starts_on": datetime.date(2026, 5, 18),
            "ends_on": datetime.date(2026, 5, 20),
            "place": "Paris",
            "objectives": "See how identification works with labour inspectors; learn from shelter house "
            "rules written with residents; agree two actions each team takes home.",
            "status": "held",
            "created_by": coordinator,
        },
    )
    if not created:
        return exchange
    exchange.visitors.set([partners["al"]])
    for offset, time, topic, speaker in AGENDA:
        ExchangeAgendaItem.objects.create(
            exchange=exchange,
            day=exchange.starts_on + datetime.timedelta(days=offset),
            starts_at=datetime.time.fromisoformat(time),
            topic=topic,
            speaker=speaker,
        )
    now = timezone.now()
    for code, name, role, outcomes, overall, usefulness, will_apply in PARTICIPANTS:
        ExchangeParticipant.objects.create(
            exchange=exchange,
            partner=partners[code],
            name=name,
            role=role,
            email=f"{name.lower().replace(' ', '.')}@{code}.caritas.example",
            learning_outcomes=outcomes,
            rating_overall=overall,
            rating_usefulness=usefulness,
            will_apply=will_apply,
            evaluated_at=now,
        )
    ExchangeParticipant.objects.create(
        exchange=exchange,
        partner=partners["fr"],
        name="Claire Morel",
        role="Responsable du pôle traite",
        email="claire.morel@fr.caritas.example",
        learning_outcomes="How Albanian teams prepare returns with families before the person travels.",
    )
    # The French practices presented, when the practices' demo published some.
    exchange.practices.set(list(practices_to_present().filter(partner=partners["fr"])[:2]))
    manager = User.objects.filter(username="manager-shkoder").first()
    actions = (
        (
            "Translate the intake checklist into Albanian and test it in Tirana",
            "al",
            "Elona Shehu",
            None,
            datetime.date(2026, 7, 31),
            "done",
            datetime.date(2026, 7, 24),
            "Used in 14 first meetings.",
        ),
        (
            "Write the Shkodër shelter's house rules with the residents",
            "al",
            "Mirela Kola",
            manager,
            datetime.date(2026, 10, 31),
            "in_progress",
            None,
            "Two residents' meetings held.",
        ),
        (
            "Share the joint-interview protocol with labour inspectors (French and English)",
            "fr",
            "Claire Morel",
            None,
            datetime.date(2026, 9, 30),
            "open",
            None,
            "",
        ),
        (
            "Plan the return visit of the French team to Shkodër",
            "al",
            "",
            manager,
            datetime.date(2027, 2, 28),
            "open",
            None,
            "",
        ),
    )
    for description, code, owner_name, owner_user, due_on, status, done_on, note in actions:
        FollowUpAction.objects.create(
            exchange=exchange,
            description=description,
            owner_partner=partners[code],
            owner_name=owner_name,
            owner_user=owner_user,
            due_on=due_on,
            status=status,
            done_on=done_on,
            note=note,
        )
    return exchange


def _online(partners: dict[str, Partner], coordinator: User | None) -> Exchange:
    exchange, created = Exchange.objects.get_or_create(
        title=ONLINE,
        defaults={
            "kind": "online",
            "host": partners["ro"],
            "starts_on": datetime.date(2027, 1, 21),
            "ends_on": datetime.date(2027, 1, 21),
            "is_online": True,
            "online_link": "https://meet.example.invalid/network-online-recruitment",
            "objectives": "Compare how fake job offers reach young people on social media and messaging "
            "apps; share warning messages that worked; agree a common set of signs to watch.",
            "agenda": "1. Three short cases, one per country (anonymised)\n2. Warning messages that worked\n"
            "3. A common list of signs",
            "status": "planned",
            "created_by": coordinator,
        },
    )
    if created:
        exchange.visitors.set([partners["ua"], partners["al"]])
        for code, name, role in (
            ("ro", "Ioana Popescu", "Coordonator programe"),
            ("ua", "Olena Kovalenko", "Counter-trafficking coordinator"),
            ("al", "Ilir Gjoka", "Administrator, national office"),
        ):
            ExchangeParticipant.objects.create(
                exchange=exchange, partner=partners[code], name=name, role=role
            )
    return exchange


def demo_populate() -> str:
    partners = {p.code: p for p in Partner.objects.filter(code__in=["al", "fr", "ro", "ua"])}
    if len(partners) < 4:
        return "Exchanges: skipped (the network's partners are not installed)."
    coordinator = User.objects.filter(username="coordinator").first()
    visit = _study_visit(partners, coordinator)
    _online(partners, coordinator)
    overdue = sum(1 for a in visit.actions.all() if a.is_overdue(timezone.localdate()))
    return (
        f"Exchanges: 2 exchanges (a study visit with {visit.practices.count()} practices presented and "
        f"{overdue} overdue follow-up actions, a planned online peer exchange)."
    )
