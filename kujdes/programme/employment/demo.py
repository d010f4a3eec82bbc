"""Demo data of the employment pathway (found by `kujdes demo` after the programme room's demo).

An employer directory of Caritas Shqiptare (one workplace whose check found concerns), twenty
placements of course graduates with their follow-ups recorded up to today, two of them with warning
signs of exploitation whose screenings the Shkodër case worker recorded (one at once, one opened by the
programme manager's follow-up), readiness assessments, job-search support, and two micro-grants.
Invented throughout.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from kujdes.accounts.models import User
from kujdes.core.models import Organisation, Unit
from kujdes.programme.employment import selectors as sel
from kujdes.programme.employment import services as s
from kujdes.programme.employment.models import PlacementFollowUp
from kujdes.programme.models import Participation, ParticipationStatus

# (name, ISIC section, municipality, agreement, check: None (not checked), True (cleared), False (concerns))
EMPLOYERS: tuple[tuple[str, str, str, str, bool | None], ...] = (
    ("Hotel Rozafa", "I", "Shkodër", "contract", True),
    ("Restorant Te Ura", "I", "Shkodër", "memorandum", True),
    ("Fasoneri Adriatik", "C", "Shkodër", "memorandum", True),
    ("Supermarket Drini", "G", "Shkodër", "informal", True),
    ("Sallon Bukurie Elsa", "S", "Lezhë", "informal", True),
    ("Furra e Lezhës", "C", "Lezhë", "none", None),
    ("Call Center Teuta", "N", "Tiranë", "memorandum", True),
    ("Shtëpia e të Moshuarve Shën Jozefi", "Q", "Durrës", "contract", True),
    ("Serra Lushnja Agro", "A", "Lezhë", "none", False),
    ("Dyqani i Rrobave Kalaja", "G", "Shkodër", "informal", True),
)
POSITIONS = ("Kuzhiniere", "Recepsioniste", "Rrobaqepëse", "Arkëtare", "Parukiere", "Operatore", "Ndihmëse")


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _recorder(candidates: list[User], unit_id: int) -> User | None:
    return next((u for u in candidates if sel.can_manage_unit(actor=u, unit_id=unit_id)), None)


def demo_populate() -> str:
    organisation = Organisation.objects.filter(code="caritas-al").first()
    manager, educator = _user("manager-shkoder"), _user("educator-lezhe")
    manager_tirane, caseworker = _user("manager-tirane"), _user("caseworker-shkoder")
    if organisation is None or manager is None or caseworker is None:
        return "Employment: no demo organisation."
    rng = random.Random(20)
    today = timezone.localdate()
    recorders = [u for u in (manager, educator, manager_tirane) if u is not None]
    shkoder = Unit.objects.get(organisation=organisation, name="Arqidioqeza Shkodër-Pult")

    employers = []
    for name, sector, municipality, agreement, check in EMPLOYERS:
        unit = Unit.objects.filter(organisation=organisation, name__endswith=municipality).first() or shkoder
        actor = _recorder(recorders, unit.pk) or manager
        if not sel.can_manage_unit(actor=actor, unit_id=unit.pk):
            unit = shkoder
        checked = {
            "checked_on": today - datetime.timedelta(days=rng.randint(60, 500)),
            "written_contracts": True,
            "pays_minimum_wage": check is not False,
            "legal_hours": True,
            "no_document_retention": check is not False,
            "red_flags": ["document_retention", "excessive_hours"] if check is False else [],
        }
        employers.append(
            s.employer_create(
                actor=actor,
                unit=unit,
                name=name,
                sector=sector,
                municipality=municipality,
                contact_name=rng.choice(["Gjon Prela", "Marta Kola", "Ilir Hasa", "Vjollca Marku"]),
                contact_phone=f"06{rng.choice('789')}{rng.randrange(10**7):07d}",
                agreement=agreement,
                agreement_since=today - datetime.timedelta(days=rng.randint(200, 900))
                if agreement != "none"
                else None,
                **(checked if check is not None else {}),
            )
        )
    usable = [e for e in employers if e.safeguarding != "concerns"]

    graduates = list(
        Participation.objects.filter(
            organisation=organisation,
            activity__activity_type__kind="course",
            status=ParticipationStatus.COMPLETED,
            completed_on__lt=today - datetime.timedelta(days=30),
        )
        .select_related("person", "activity")
        .order_by("completed_on", "pk")
    )
    # The graduates of Shkodër first: the case worker there sees the warning signs' screenings.
    graduates.sort(key=lambda p: (not p.activity.unit.path.startswith(shkoder.path), p.completed_on, p.pk))
    placements = []
    for participation in graduates:
        if len(placements) == 20:
            break
        actor = _recorder(recorders, participation.activity.unit_id)
        if actor is None:
            continue
        starts_on = min(participation.completed_on + datetime.timedelta(days=rng.randint(7, 120)), today)
        kind = rng.choices(["job", "apprenticeship", "internship"], weights=[70, 15, 15])[0]
        placements.append(
            (
                actor,
                s.placement_create(
                    actor=actor,
                    person=participation.person,
                    unit=participation.activity.unit,
                    kind=kind,
                    employer=rng.choice(usable),
                    position=rng.choice(POSITIONS),
                    starts_on=starts_on,
                    contract="formal" if rng.random() < 0.65 else "informal",
                    wage_band="unpaid"
                    if kind == "internship"
                    else rng.choice(["minimum", "minimum", "above"]),
                    hours_per_week=rng.choice([20, 30, 40, 40, 48]),
                    subsidised=rng.random() < 0.25,
                    course=participation,
                ),
            )
        )
    warned = 0
    for actor, placement in placements:
        left = rng.random() < 0.2
        for follow_up in PlacementFollowUp.objects.filter(placement=placement, due_on__lte=today).order_by(
            "months"
        ):
            follow_up.refresh_from_db()
            if follow_up.recorded_on is not None:
                continue  # closed as "not held" when the person left
            signs: list[str] = []
            in_shkoder = placement.person.unit.path.startswith(
                shkoder.path
            ) and placement.unit.path.startswith(shkoder.path)
            if warned < 2 and follow_up.months == 3 and in_shkoder:
                signs = (
                    ["wages_withheld", "excessive_hours"] if warned == 0 else ["no_contract", "below_minimum"]
                )
                warned += 1
            still = not (left and follow_up.months >= 6)
            follow_up = s.follow_up_record(
                actor=caseworker if signs and warned == 1 else actor,
                follow_up=follow_up,
                recorded_on=follow_up.due_on,
                still_employed=still,
                conditions="poor" if signs else rng.choice(["good", "good", "acceptable"]),
                problems="Paga vonohet dhe orari zgjatet pa pagesë." if signs else "",
                warning_signs=signs,
            )
            if signs and follow_up.screening_id is None:
                follow_up = sel.follow_up_get(actor=caseworker, public_id=str(follow_up.public_id))
                s.follow_up_screening_record(
                    actor=caseworker, follow_up=follow_up, notes="Biseduam me të në qendër."
                )
            if not still:
                break

    # Readiness and job search for a few graduates not placed yet.
    placed = {p.person_id for _, p in placements}
    waiting = [g for g in graduates if g.person_id not in placed][:4]
    for participation in waiting:
        actor = _recorder(recorders, participation.activity.unit_id)
        if actor is None:
            continue
        s.readiness_assess(
            actor=actor,
            person=participation.person,
            unit=participation.activity.unit,
            assessed_on=today - datetime.timedelta(days=rng.randint(5, 40)),
            readiness=rng.choice(["ready", "nearly", "not_yet"]),
            has_cv=rng.random() < 0.5,
            documents=["id_card", "diploma"],
            skills="Qepje me makinë, shërbim me klientët.",
            constraints=["childcare"] if rng.random() < 0.5 else ["transport"],
            constraints_notes="Fëmija 3 vjeç; kopshti mbyllet në orën 16.",
        )
        s.support_action_record(
            actor=actor,
            person=participation.person,
            unit=participation.activity.unit,
            date=today - datetime.timedelta(days=rng.randint(1, 20)),
            kind=rng.choice(["cv", "interview", "vacancy"]),
            employer=rng.choice(usable),
        )

    grants = 0
    for (actor, placement), (business, amount, paid_days_ago, active) in zip(
        placements[-2:],
        (
            ("Sallon i vogël flokësh", Decimal("180000"), 420, True),
            ("Punishte qepjeje në shtëpi", Decimal("120000"), 60, None),
        ),
        strict=False,
    ):
        grant = s.grant_create(
            actor=actor,
            person=placement.person,
            unit=placement.unit,
            business=business,
            business_plan="Plan biznesi: pajisje, qira për 6 muaj, klientët e parë nga lagjja.",
            sector="S" if "flok" in business else "C",
            amount=amount,
            applied_on=today - datetime.timedelta(days=paid_days_ago + 30),
        )
        grant = s.grant_status_set(actor=actor, grant=grant, status="approved")
        grant = s.grant_status_set(
            actor=actor,
            grant=grant,
            status="disbursed",
            disbursed_on=today - datetime.timedelta(days=paid_days_ago),
        )
        if active is not None and grant.review_due_on and grant.review_due_on <= today:
            s.grant_review(actor=actor, grant=grant, reviewed_on=grant.review_due_on, active=active)
        grants += 1
    return (
        f"Employment: {len(employers)} employers, {len(placements)} placements with follow-ups "
        f"({warned} with warning signs that opened screenings), {grants} micro-grants."
    )
