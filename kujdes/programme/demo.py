"""Demo data of the programme room: a year of prevention work of Caritas Shqiptare.

Called by `kujdes demo` after the cases room's demo (core finds `demo_populate` by convention).
Vocational courses with weekly sessions, attendance, completions and outcomes; a summer camp with
groups, parental consent and an incident; awareness campaigns and school sessions with anonymous
headcounts; volunteers with trainings, safeguarding checks and hours; joint initiatives. One course
at the Shkodër social centre has a session today, facilitated by the demo volunteer. Invented throughout.

Staff and volunteers (issue 20): missionaries at two centres (the Lezhë educator, a religious brother,
and a sister at the Pult health centre) who facilitate courses there; the training curriculum; every
volunteer came through the recruitment pipeline, and there are people at each of its stages (new
applications, an interview, two in training, one waiting for the safeguarding check, the active ones,
an alumna, one not accepted and one who withdrew), with the history of who decided what and when.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from kujdes.accounts.models import User
from kujdes.core.models import Membership, Organisation, StaffCategory, Unit
from kujdes.core.roles import Role
from kujdes.core.services import membership_assign, membership_staff_category_set
from kujdes.people.models import Person
from kujdes.people.seed import persons_bulk_create, persons_synthetic
from kujdes.programme import services as s
from kujdes.programme.models import (
    DEFAULT_AGE_GROUPS,
    Activity,
    ActivityType,
    HeadcountCategory,
    OutcomeResult,
    Participation,
    Session,
    TrainingModule,
    Volunteer,
)
from kujdes.programme.volunteers import services as pipeline
from kujdes.programme.volunteers.selectors import curriculum_modules
from kujdes.referrals.models import ServiceProvider

# (title, weekdays, weeks, seats) of the vocational courses.
COURSES = (
    ("Kurs rrobaqepësie", (0, 2), 12, 14),
    ("Kurs parukerie dhe estetike", (1, 3), 10, 12),
    ("Kurs kuzhine dhe pastiçerie", (0, 3), 10, 12),
    ("Kurs bazë kompjuteri", (1, 4), 8, 16),
    ("Kurs anglishteje për punë", (2, 4), 12, 15),
)
CAMPAIGN_PLACES = (
    "Shkolla 9-vjeçare \u201cAt Gjergj Fishta\u201d",
    "Gjimnazi \u201cPjetër Bogdani\u201d",
    "Sheshi \u201cDemokracia\u201d",
    "Shkolla e mesme profesionale",
    "Qendra kulturore e lagjes",
    "Shkolla 9-vjeçare e fshatit",
)
VOLUNTEER_NAMES = (
    ("Sara", "Ndoja"),
    ("Ardit", "Gjini"),
    ("Erjona", "Pali"),
    ("Kristi", "Lufi"),
    ("Megi", "Doda"),
    ("Endri", "Vata"),
    ("Anxhela", "Zefi"),
    ("Renato", "Bushati"),
    ("Xhesika", "Lleshaj"),
    ("Dorian", "Kaçi"),
)
CONDUCT = {
    "sq": "Vullnetari mbron fëmijët dhe të rriturit nga çdo dëm, ruan fshehtësinë e të dhënave dhe"
    " raporton menjëherë çdo shqetësim te përgjegjësi i qendrës.",
    "en": "Volunteers protect children and adults from any harm, keep personal data confidential and"
    " report every concern at once to the centre's lead.",
    "fr": "Les bénévoles protègent enfants et adultes de tout tort, préservent la confidentialité des"
    " données et signalent sans délai toute inquiétude au responsable du centre.",
    # The network's languages: machine-assisted, not yet reviewed by native speakers.
    "ar": "يحمي المتطوعون الأطفال والبالغين من أي أذى، ويحافظون على سرية البيانات الشخصية، ويبلّغون"
    " مسؤول المركز فوراً عن أي مصدر قلق.",
    "tr": "Gönüllüler çocukları ve yetişkinleri her türlü zarardan korur, kişisel verilerin gizliliğini"
    " korur ve her endişeyi derhal merkez sorumlusuna bildirir.",
    "uk": "Волонтери захищають дітей і дорослих від будь-якої шкоди, зберігають конфіденційність"
    " персональних даних і негайно повідомляють керівника центру про будь-яке занепокоєння.",
    "ro": "Voluntarii protejează copiii și adulții de orice rău, păstrează confidențialitatea datelor"
    " personale și raportează imediat orice îngrijorare responsabilului centrului.",
    "bg": "Доброволците пазят децата и възрастните от всякаква вреда, опазват поверителността на личните"
    " данни и незабавно съобщават за всяко притеснение на ръководителя на центъра.",
    "hy": "Կամավորները պաշտպանում են երեխաներին և մեծահասակներին ցանկացած վնասից, պահպանում են անձնական"
    " տվյալների գաղտնիությունը և անհապաղ հայտնում կենտրոնի ղեկավարին ցանկացած մտահոգության մասին։",
    "bs": "Volonteri štite djecu i odrasle od svake štete, čuvaju povjerljivost ličnih podataka i"
    " odmah prijavljuju svaku zabrinutost voditelju centra.",
}


def _unit(organisation: Organisation, name: str) -> Unit:
    return Unit.objects.get(organisation=organisation, name=name)


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _participants(unit: Unit, count: int, rng: random.Random, *, max_age: int, min_age: int) -> list[Person]:
    """Persons of the unit (the cases demo made some); more synthetic ones when too few fit."""
    year = timezone.localdate().year

    def fitting() -> list[Person]:
        return [
            p
            for p in Person.objects.filter(unit=unit, erased_at__isnull=True, merged_into__isnull=True)
            if p.birth_year and min_age <= year - p.birth_year <= max_age
        ]

    persons = fitting()
    for attempt in range(5):
        if len(persons) >= count:
            break
        persons_bulk_create(
            actor=None,
            persons=persons_synthetic(
                units=[(unit, 1.0)], count=(count - len(persons)) * 4, seed=unit.pk * 7 + count + attempt
            ),
        )
        persons = fitting()
    return rng.sample(persons, min(count, len(persons)))


def _course(
    *,
    actor: User,
    unit: Unit,
    kind: ActivityType,
    spec: tuple[str, tuple[int, ...], int, int],
    starts_on: datetime.date,
    rng: random.Random,
    volunteer: object | None = None,
) -> int:
    title, weekdays, weeks, seats = spec
    today = timezone.localdate()
    ends_on = starts_on + datetime.timedelta(weeks=weeks)
    activity = s.activity_create(
        actor=actor,
        unit=unit,
        activity_type=kind,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        municipality=unit.name.split()[-1] if unit.kind == "centre" else "",
        place=unit.name,
        target_groups=["youth", "women_girls"],
        description="Kurs 3-mujor me praktikë pune te partnerët vendorë.",
        status="completed" if ends_on < today else ("running" if starts_on <= today else "planned"),
        certificate_hours=weeks * len(weekdays) * 2,
    )
    s.sessions_schedule(
        actor=actor,
        activity=activity,
        weekdays=weekdays,
        starts_at=datetime.time(15, 0),
        ends_at=datetime.time(17, 0),
    )
    if volunteer is not None:
        s.facilitator_add(actor=actor, activity=activity, role="volunteer", volunteer=volunteer)
    s.facilitator_add(actor=actor, activity=activity, role="staff", user=actor)
    persons = _participants(unit, seats, rng, min_age=15, max_age=30)
    participations = [
        s.participant_enrol(actor=actor, activity=activity, person=p, enrolled_on=starts_on) for p in persons
    ]
    dropped = {p.pk for p in participations if rng.random() < 0.12}
    for session in Session.objects.filter(activity=activity, date__lte=today):
        marks = {p.pk: (p.pk not in dropped and rng.random() < 0.85) for p in participations}
        if session.date == today:
            continue  # today's register is left for the volunteer
        s.attendance_save(actor=actor, session=session, marks=marks)
    if ends_on < today:
        for participation in participations:
            if participation.pk in dropped:
                s.participation_drop(actor=actor, participation=participation)
                continue
            s.participation_complete(actor=actor, participation=participation, completed_on=ends_on)
            for outcome in participation.outcomes.filter(due_on__lte=today):
                result = rng.choices(
                    [
                        OutcomeResult.EMPLOYED,
                        OutcomeResult.CONTINUED_EDUCATION,
                        OutcomeResult.STARTED_BUSINESS,
                        OutcomeResult.RETURNED_TO_SCHOOL,
                        OutcomeResult.NONE,
                        OutcomeResult.UNREACHABLE,
                    ],
                    weights=[35, 15, 5, 8, 27, 10],
                )[0]
                if rng.random() < 0.9:  # a few follow-ups are still to be made
                    s.outcome_record(actor=actor, outcome=outcome, result=result, recorded_on=outcome.due_on)
    return len(participations)


def _headcount_cells(
    rng: random.Random, category: str, ages: tuple[int, ...]
) -> dict[tuple[str, int, str], int]:
    cells = {}
    for age in ages:
        for sex in ("Feminine", "Masculine"):
            n = rng.randint(0, 25)
            if n:
                cells[(sex, age, category)] = n
    return cells


def _missionaries(
    organisation: Organisation, *, admin: User, educator: User, centre_pult: Unit
) -> list[User]:
    """Missionaries at two centres: the Lezhë educator is a religious brother; a sister serves the Pult
    health centre (no sign-in of her own in the demo)."""
    for membership in Membership.objects.filter(user=educator, organisation=organisation):
        membership_staff_category_set(
            actor=admin, membership=membership, staff_category=StaffCategory.MISSIONARY
        )
    sister = User.objects.create_user(
        username="missionary-pult",
        email="missionary-pult@example.invalid",
        password=None,
        organisation=organisation,
        first_name="Motra Lucia",
        last_name="Gjergji",
    )
    membership_assign(
        actor=admin,
        user=sister,
        unit=centre_pult,
        role=Role.FIELD_EDUCATOR,
        staff_category=StaffCategory.MISSIONARY,
    )
    return [educator, sister]


def _days(day: datetime.date, n: int) -> datetime.date:
    return day + datetime.timedelta(days=n)


def _through_pipeline(
    volunteer: Volunteer,
    *,
    actor: User,
    modules: list[TrainingModule],
    applied: datetime.date,
    until: str,
    modules_done: int | None = None,
    ended: tuple[str, int, str] | None = None,
) -> None:
    """Walk a volunteer from their application to `until`: an interview 5 days later, training 10 days
    later with the curriculum's modules (`modules_done` of them: all by default), the safeguarding check
    at 35 days, active at 60 days; `ended`: (refused/withdrawn/alumni, days after the application, why)."""

    def step(stage: str, offset: int, note: str = "") -> None:
        pipeline.volunteer_stage_change(
            actor=actor, volunteer=volunteer, to_stage=stage, decided_on=_days(applied, offset), notes=note
        )
        volunteer.refresh_from_db()

    order = ["interview", "training", "safeguarding", "active"]
    reached = order[: order.index(until) + 1]
    step("interview", 5, "Motivim i mirë; përvojë me fëmijët në famulli.")
    if "training" in reached:
        step("training", 10)
        count = len(modules) if modules_done is None else modules_done
        for index, module in enumerate(modules[:count]):
            pipeline.training_record(
                actor=actor,
                volunteer=volunteer,
                module=module,
                completed_on=_days(applied, 12 + 3 * index),
                given_by="Stafi i Caritas",
            )
    if "safeguarding" in reached:
        step("safeguarding", 35, "Kurrikula e përfunduar; kërkohet vërtetimi i gjendjes gjyqësore.")
    if "active" in reached:
        step("active", 60, "Vërtetimi u mor; fillon me grupin e së shtunës.")
    if ended is not None:
        stage, offset, note = ended
        step(stage, offset, note)


# (given, family, unit index, days since the application, stage reached, modules done, how it ended)
PIPELINE_PEOPLE = (
    ("Erisa", "Gjoka", 0, 5, "application", None, None),
    ("Kevin", "Marku", 2, 12, "application", None, None),
    ("Albana", "Prenga", 0, 30, "interview", None, None),
    ("Dorian", "Kola", 1, 60, "training", 3, None),
    ("Mirela", "Hoxhaj", 2, 45, "training", 1, None),
    ("Sokol", "Vata", 0, 800, "active", None, ("alumni", 700, "U transferua në Tiranë për studime.")),
    (
        "Greta",
        "Lleshi",
        2,
        90,
        "interview",
        None,
        (
            "refused",
            12,
            "Nuk është e disponueshme në ditët e aktiviteteve; t'i propozohet të aplikojë sërish.",
        ),
    ),
    ("Ermal", "Dushku", 1, 40, "interview", None, ("withdrawn", 15, "Gjeti punë me orar të plotë.")),
)


def _pipeline_people(
    *, units: list[Unit], manager: User, educator: User, modules: list[TrainingModule], rng: random.Random
) -> int:
    today = timezone.localdate()
    for given, family, unit_index, days, until, done, ended in PIPELINE_PEOPLE:
        unit = units[unit_index]
        actor = educator if unit.name.endswith("Lezhë") else manager
        applied = today - datetime.timedelta(days=days)
        cleared = until == "active"
        volunteer = pipeline.volunteer_enter(
            actor=actor,
            unit=unit,
            given_name=given,
            family_name=family,
            joined_on=applied,
            stage="application",
            phone=f"06{rng.choice('789')}{rng.randrange(10**7):07d}",
            birth_year=today.year - rng.randint(17, 24),
            skills=rng.choice(["Lojëra me fëmijë", "Muzikë", "Sport", "Teatër"]),
            languages=["sq"],
            background_check="cleared" if cleared else "not_started",
            background_checked_on=_days(applied, 50) if cleared else None,
            background_check_expires_on=_days(applied, 50 + 730) if cleared else None,
        )
        if until != "application":
            _through_pipeline(
                volunteer,
                actor=actor,
                modules=modules,
                applied=applied,
                until=until,
                modules_done=done,
                ended=ended,
            )
        elif ended is not None:  # pragma: no cover - no such row
            raise AssertionError(given)
    return len(PIPELINE_PEOPLE)


def demo_populate() -> str:
    organisation = Organisation.objects.get(code="caritas-al")
    for other in Organisation.objects.all():
        s.activity_types_install(organisation_id=other.pk)
    rng = random.Random(2026)
    today = timezone.localdate()
    types = {t.code: t for t in ActivityType.objects.filter(organisation=organisation)}
    manager, educator, volunteer_user = (
        _user("manager-shkoder"),
        _user("educator-lezhe"),
        _user("volunteer-shkoder"),
    )
    manager_tirane = _user("manager-tirane")
    admin = _user("admin-al")
    shkoder = _unit(organisation, "Arqidioqeza Shkodër-Pult")
    centre_shkoder = _unit(organisation, "Qendra Sociale Shkodër")
    centre_pult = _unit(organisation, "Qendra Shëndetësore Pult")
    centre_lezhe = _unit(organisation, "Qendra Sociale Lezhë")
    tirane = _unit(organisation, "Arqidioqeza Tiranë-Durrës")
    centre_durres = _unit(organisation, "Qendra Sociale Durrës")

    # Missionaries at two centres, and the volunteers' training curriculum.
    missionaries = _missionaries(organisation, admin=admin, educator=educator, centre_pult=centre_pult)
    pipeline.curriculum_install(actor=None, organisation_id=organisation.pk)
    modules = list(curriculum_modules(organisation_id=organisation.pk))

    # Volunteers, the code of conduct, trainings and safeguarding checks.
    code = s.conduct_publish(
        actor=admin,
        organisation_id=organisation.pk,
        texts=CONDUCT,
        published_on=today - datetime.timedelta(days=400),
    )
    volunteers = []
    for i, (given, family) in enumerate(VOLUNTEER_NAMES):
        unit = [centre_shkoder, centre_shkoder, centre_pult, centre_lezhe, centre_lezhe][i % 5]
        actor = educator if unit == centre_lezhe else manager
        checked = today - datetime.timedelta(days=rng.randint(30, 700))
        # Each came through the pipeline: applied two months before their check, active the day after it
        # (one still waits for the check).
        volunteer = pipeline.volunteer_enter(
            actor=actor,
            unit=unit,
            given_name=given,
            family_name=family,
            joined_on=checked - datetime.timedelta(days=59),
            stage="application",
            user=volunteer_user if i == 0 else None,
            phone=f"06{rng.choice('789')}{rng.randrange(10**7):07d}",
            birth_year=today.year - rng.randint(18, 26),
            skills=rng.choice(["Lojëra me fëmijë", "Muzikë", "Sport", "Kompjuter", "Vizatim"]),
            languages=["sq", "en"] if rng.random() < 0.6 else ["sq"],
            availability=rng.choice(["E shtunë", "Pasditeve", "Gjatë verës"]),
            background_check="cleared" if i != 7 else "pending",
            background_checked_on=checked if i != 7 else None,
            # Two checks run out within the reminder period, one has expired.
            background_check_expires_on=(
                today + datetime.timedelta(days=12)
                if i in (1, 4)
                else (
                    today - datetime.timedelta(days=3) if i == 6 else checked + datetime.timedelta(days=730)
                )
            )
            if i != 7
            else None,
        )
        _through_pipeline(
            volunteer,
            actor=actor,
            modules=modules,
            applied=checked - datetime.timedelta(days=59),
            until="safeguarding" if i == 7 else "active",
        )
        volunteer.refresh_from_db()
        s.training_add(
            actor=actor,
            volunteer=volunteer,
            title="Mbrojtja e fëmijëve dhe identifikimi i rrezikut",
            completed_on=checked,
            expires_on=checked + datetime.timedelta(days=365 * 2),
            given_by="Stafi i Caritas",
        )
        if i % 3 == 0:
            s.training_add(
                actor=actor,
                volunteer=volunteer,
                title="Ndihma e parë",
                completed_on=checked + datetime.timedelta(days=10),
                expires_on=today + datetime.timedelta(days=rng.randint(-5, 25)),
                given_by="Kryqi i Kuq Shqiptar",
            )
        if i != 7:
            s.conduct_accept(actor=actor, volunteer=volunteer, code=code, accepted_on=checked)
        volunteers.append(volunteer)

    # Vocational courses: finished ones with outcomes, running ones, and one with a session today.
    taught = 0
    plan = [
        (manager, centre_shkoder, COURSES[0], today - datetime.timedelta(days=330), volunteers[0]),
        (manager, centre_pult, COURSES[2], today - datetime.timedelta(days=260), volunteers[2]),
        (educator, centre_lezhe, COURSES[1], today - datetime.timedelta(days=300), volunteers[3]),
        (manager_tirane, centre_durres, COURSES[3], today - datetime.timedelta(days=200), None),
        (manager_tirane, tirane, COURSES[4], today - datetime.timedelta(days=150), None),
        (educator, centre_lezhe, COURSES[3], today - datetime.timedelta(days=40), volunteers[4]),
    ]
    for actor, unit, spec, start, volunteer in plan:
        taught += _course(
            actor=actor,
            unit=unit,
            kind=types["vocational-course"],
            spec=spec,
            starts_on=start,
            rng=rng,
            volunteer=volunteer,
        )
    # The sister co-facilitates the Pult course (the Lezhë courses are the brother's own).
    pult_course = Activity.objects.filter(unit=centre_pult, title=COURSES[2][0]).first()
    if pult_course is not None:
        s.facilitator_add(actor=manager, activity=pult_course, role="staff", user=missionaries[1])
    # People at each stage of the pipeline.
    pipeline_people = _pipeline_people(
        units=[centre_shkoder, centre_pult, centre_lezhe],
        manager=manager,
        educator=educator,
        modules=modules,
        rng=rng,
    )
    # The running course at the Shkodër centre meets every weekday, so the demo volunteer has a session today.
    taught += _course(
        actor=manager,
        unit=centre_shkoder,
        kind=types["vocational-course"],
        spec=("Kurs rrobaqepësie \u2013 grupi i dytë", (0, 1, 2, 3, 4, 5, 6), 10, 25),
        starts_on=today - datetime.timedelta(days=21),
        rng=rng,
        volunteer=volunteers[0],
    )

    # A summer camp in July with three groups, parental consent, a roster and an incident.
    year = today.year if today.month > 7 else today.year - 1
    camp = s.activity_create(
        actor=manager,
        unit=shkoder,
        activity_type=types["summer-camp"],
        title=f"Kampi veror {year} \u2013 Velipojë",
        starts_on=datetime.date(year, 7, 14),
        ends_on=datetime.date(year, 7, 23),
        municipality="Shkodër",
        place="Velipojë",
        target_groups=["children"],
        status="completed",
    )
    s.sessions_schedule(
        actor=manager,
        activity=camp,
        weekdays=range(7),
        starts_at=datetime.time(9, 0),
        ends_at=datetime.time(18, 0),
    )
    groups = [
        s.camp_group_add(actor=manager, activity=camp, name=name, leader=leader)
        for name, leader in (
            ("Dallëndyshet", "Ardit Gjini"),
            ("Delfinët", "Erjona Pali"),
            ("Yjet", "Megi Doda"),
        )
    ]
    for i, volunteer in enumerate(volunteers[:5]):
        s.facilitator_add(
            actor=manager,
            activity=camp,
            role="volunteer",
            volunteer=volunteer,
            duty=["Drejtues grupi", "Lojëra", "Kuzhina", "Roje nate", "Ndihma e parë"][i],
        )
    campers = _participants(shkoder, 30, rng, min_age=7, max_age=14)
    camp_rows = []
    for i, person in enumerate(campers):
        camp_rows.append(
            s.participant_enrol(
                actor=manager,
                activity=camp,
                person=person,
                enrolled_on=camp.starts_on - datetime.timedelta(days=20),
                parental_consent=True,
                parental_consent_by=rng.choice(["Nëna", "Babai", "Gjyshja", "Kujdestari ligjor"]),
                camp_group=groups[i % 3],
            )
        )
    for session in Session.objects.filter(activity=camp):
        s.attendance_save(
            actor=manager, session=session, marks={p.pk: rng.random() < 0.93 for p in camp_rows}
        )
    s.incident_record(
        actor=manager,
        activity=camp,
        occurred_at=timezone.make_aware(datetime.datetime(year, 7, 17, 16, 30)),
        severity="minor",
        description="Një fëmijë u rrëzua gjatë lojës në plazh dhe u gërvisht në gju.",
        action_taken="Ndihmë e parë nga vullnetarja; prindi u njoftua në telefon.",
    )
    for participation in camp_rows:
        s.participation_complete(actor=manager, participation=participation, completed_on=camp.ends_on)

    # Awareness campaigns and school sessions, with anonymous headcounts and indirect reach.
    ages = DEFAULT_AGE_GROUPS
    campaigns = 0
    for month_back in range(12, 0, -1):
        start = today - datetime.timedelta(days=month_back * 30)
        actor, unit = [(manager, shkoder), (educator, centre_lezhe), (manager_tirane, tirane)][month_back % 3]
        kind = types["school-session"] if month_back % 2 else types["awareness-campaign"]
        activity = s.activity_create(
            actor=actor,
            unit=unit,
            activity_type=kind,
            title=(
                "Seancë informuese: rreziqet e emigrimit të parregullt"
                if month_back % 2
                else "Fushatë: \u201cPuna e sigurt nuk kërkon pasaportën tënde\u201d"
            ),
            starts_on=start,
            ends_on=start + datetime.timedelta(days=rng.choice([0, 2, 6])),
            place=rng.choice(CAMPAIGN_PLACES),
            target_groups=["children", "youth"] if month_back % 2 else ["community", "youth", "parents"],
            status="completed",
        )
        for day in range((activity.ends_on - activity.starts_on).days + 1):
            if day % 2:
                continue
            category = HeadcountCategory.YOUTH if month_back % 2 else HeadcountCategory.GENERAL
            s.headcount_record(
                actor=actor,
                activity=activity,
                date=activity.starts_on + datetime.timedelta(days=day),
                cells=_headcount_cells(rng, category, ages[1:5] if month_back % 2 else ages),
                reach={
                    "reach_families": rng.randint(20, 120),
                    "reach_media": rng.choice([0, 0, 1500, 12000]),
                    "reach_online": rng.choice([0, 800, 4300]),
                },
                reach_method=(
                    "Fletëpalosje të marra në shtëpi (1 familje për nxënës); shikueshmëria e televizionit"
                    " lokal dhe shikimet në Facebook."
                ),
            )
        campaigns += 1

    # Information and consultation meetings with a headcount of parents.
    for i in range(4):
        day = today - datetime.timedelta(days=20 + i * 70)
        meeting = s.activity_create(
            actor=manager,
            unit=centre_shkoder,
            activity_type=types["information-meeting" if i % 2 else "consultation-meeting"],
            title="Takim me prindërit: si t'i mbrojmë fëmijët në internet",
            starts_on=day,
            ends_on=day,
            place="Qendra Sociale Shkodër",
            target_groups=["parents"],
            status="completed",
        )
        s.headcount_record(
            actor=manager,
            activity=meeting,
            date=day,
            cells={
                ("Feminine", 25, "parents"): rng.randint(8, 22),
                ("Masculine", 25, "parents"): rng.randint(2, 9),
            },
        )

    # Volunteer hours at the courses and the camp.
    for volunteer in volunteers:
        for facilitation in volunteer.facilitations.select_related("activity"):
            activity = facilitation.activity
            for session in Session.objects.filter(activity=activity, date__lt=today).order_by("date")[:12]:
                s.hours_log(
                    actor=manager if volunteer.unit != centre_lezhe else educator,
                    volunteer=volunteer,
                    date=session.date,
                    hours=Decimal(rng.choice(["2", "2.5", "3", "8"] if activity == camp else ["2", "2.5"])),
                    activity=activity,
                )

    # Joint initiatives with partners of the service directory.
    partners = list(ServiceProvider.objects.filter(organisation=organisation, is_active=True)[:6])
    initiative = s.initiative_create(
        actor=manager,
        unit=shkoder,
        title="Tryezë vendore kundër trafikimit – Shkodër",
        started_on=today - datetime.timedelta(days=300),
        goal="Një protokoll i përbashkët referimi mes shkollave, policisë dhe shërbimeve sociale.",
        partners=partners[:4],
    )
    for days_ago, kind, title in (
        (280, "lobbying_meeting", "Takim me këshillin bashkiak për buxhetin e shërbimeve sociale"),
        (190, "public_event", "Dita Evropiane kundër Trafikimit: marshim në qendër"),
        (120, "policy_submission", "Komente për planin vendor të veprimit kundër trafikimit"),
        (45, "media_work", "Intervistë në televizionin lokal"),
    ):
        s.initiative_action_add(
            actor=manager,
            initiative=initiative,
            kind=kind,
            title=title,
            date=today - datetime.timedelta(days=days_ago),
            partners=partners[: rng.randint(1, 4)],
            results="Rezultati u regjistrua në procesverbalin e takimit.",
        )
    s.initiative_create(
        actor=manager_tirane,
        unit=tirane,
        title="Rrjeti i shkollave të sigurta – Durrës",
        started_on=today - datetime.timedelta(days=120),
        goal="Trajnime për mësuesit dhe një pikë kontakti në çdo shkollë.",
        partners=partners[2:5],
    )
    participations = Participation.objects.filter(organisation=organisation).count()
    return (
        f"Programme: {len(volunteers)} volunteers and {pipeline_people} more along the pipeline,"
        f" {len(missionaries)} missionaries, {len(modules)} curriculum modules,"
        f" {len(plan) + 1} courses ({taught} participants),"
        f" a summer camp of {len(camp_rows)}, {campaigns} campaigns and school sessions with headcounts,"
        f" 4 meetings, 2 initiatives ({participations} participations in all)."
    )
