"""Demo data of the cases room: the invented stories of `demo_stories`, plus a crowd of synthetic
persons and case files so that lists, filters and pagination have something to show.

Called by `kujdes demo` (core finds `demo_populate` by convention) inside a system scope.
"""

from __future__ import annotations

import datetime
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from kujdes.accounts.models import User
from kujdes.cases.choices import CaseStatus, NrmStage, PlanStatus
from kujdes.cases.demo_stories import STORIES, DemoStory
from kujdes.cases.models import Case
from kujdes.cases.seed import cases_bulk_create
from kujdes.cases.services import case_closure_request, case_create, case_nrm_advance, trafficking_event_add
from kujdes.cases.work import (
    case_document_store,
    case_note_add,
    case_task_complete,
    case_task_create,
    follow_up_record,
    service_delivery_record,
    support_plan_create,
)
from kujdes.core.models import Organisation, Unit
from kujdes.people.models import Person
from kujdes.people.seed import persons_bulk_create, persons_synthetic
from kujdes.people.services import household_create, person_create, person_household_set, person_relation_add

SYNTHETIC_PERSONS = 240
SYNTHETIC_CASES = 90

# The stories' cases by given name, for the rooms after this one (referrals) in the same `kujdes demo` run.
STORY_CASES: dict[str, Case] = {}


def _story_screen(
    story: DemoStory, *, person: Person, worker: User | None, case: Case, today: datetime.date
) -> None:
    """The screening the case worker did at intake, with the instrument the story calls for."""
    from kujdes.screening.models import Instrument
    from kujdes.screening.selectors import instrument_current_version
    from kujdes.screening.services import screening_record

    if not story.screening or worker is None:
        return
    if story.screening == "risk":
        instrument = Instrument.objects.get(organisation_id=person.organisation_id, code="risk-prevention")
        answers = list(story.risk_factors)
    else:
        age = "child" if story.age < 18 else "adult"
        kind = "sexual" if "SexualExploitation" in story.case.get("exploitation_types", []) else "labour"
        instrument = Instrument.objects.get(organisation_id=person.organisation_id, code=f"ilo-{age}-{kind}")
        version = instrument_current_version(instrument=instrument)
        assert version is not None
        answers = []
        # Two indicators of each dimension that makes the case: what an interview like hers would show.
        for dimension in version.definition["dimensions"]:
            if dimension["role"] in (
                "deceptive_recruitment",
                "exploitation",
                "coercion_at_destination",
                "act",
            ):
                ranked = sorted(dimension["indicators"], key=lambda i: i.get("strength") != "strong")
                answers += [indicator["code"] for indicator in ranked[:2]]
    screening_record(
        actor=worker,
        person=person,
        instrument=instrument,
        answers=answers,
        performed_on=case.opened_on,
        notes="Intervistë e parë në zyrë, me praninë e psikologes.",
    )


def _pdf(text: str) -> bytes:
    """A one-page PDF showing `text` (ASCII), for the stories' documents."""
    safe = text.encode("ascii", "replace").decode().replace("(", "[").replace(")", "]")
    stream = f"BT /F1 14 Tf 72 760 Td ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _story_work(story: DemoStory, *, case: Case, worker: User, today: datetime.date) -> Case:
    """What the case worker did since intake, through the rooms' services (so audited like real work):
    the NRM decisions, trafficking events, plans with their tasks and services, follow-ups, notes,
    documents and, where the story ends so, the closure request waiting for the manager."""
    opened = case.opened_on
    target = story.case.get("nrm_stage", NrmStage.AT_RISK)
    if target != NrmStage.AT_RISK:
        case = case_nrm_advance(
            actor=worker,
            case=case,
            to_stage=NrmStage.POTENTIAL_VICTIM,
            decided_on=opened + datetime.timedelta(days=3),
            authority="Policia e Shtetit" if story.case.get("status_decided_by") == "Police" else "",
        )
    if target == NrmStage.OFFICIAL_VICTIM:
        case = case_nrm_advance(
            actor=worker,
            case=case,
            to_stage=NrmStage.OFFICIAL_VICTIM,
            decided_on=opened + datetime.timedelta(days=45),
            authority=story.case.get("nrm_authority", "Autoriteti Përgjegjës (demo)"),
            joint_interview_on=opened + datetime.timedelta(days=20),
        )
    for event_type, country, place, description in story.events:
        trafficking_event_add(
            actor=worker,
            case=case,
            event_type=event_type,
            country=country,
            place=place,
            description=description,
        )
    for index, (support_type, objectives, actions) in enumerate(story.plans):
        plan = support_plan_create(
            actor=worker,
            case=case,
            support_type=support_type,
            objectives=objectives,
            actions=actions,
            status=PlanStatus.IN_PROGRESS,
            planned_start=opened + datetime.timedelta(days=7),
            planned_end=opened + datetime.timedelta(days=180),
        )
        service_delivery_record(
            actor=worker,
            case=case,
            service_type=support_type,
            delivered_on=min(today, opened + datetime.timedelta(days=14 + index)),
            notes=actions,
            plan=plan,
        )
        done = case_task_create(
            actor=worker,
            case=case,
            title=actions[:200] or objectives[:200],
            due_on=opened + datetime.timedelta(days=10),
            assigned_to=worker,
            plan=plan,
        )
        case_task_complete(actor=worker, task=done, done_on=min(today, opened + datetime.timedelta(days=9)))
        # One open task per plan, some of them overdue, so that "My work" has something to show.
        case_task_create(
            actor=worker,
            case=case,
            title=f"Rishikim i planit: {objectives[:150]}",
            due_on=today + datetime.timedelta(days=-2 if index == 0 and story.age < 18 else 12),
            assigned_to=worker,
            plan=plan,
        )
    for days_ago, method, notes, next_in in story.follow_ups:
        follow_up_record(
            actor=worker,
            case=case,
            contacted_on=today - datetime.timedelta(days=days_ago),
            method=method,
            notes=notes,
            next_due_on=today + datetime.timedelta(days=next_in) if next_in is not None else None,
        )
    if story.note:
        case_note_add(actor=worker, case=case, body=story.note)
    for title, text in story.documents:
        upload = SimpleUploadedFile("dokument.pdf", _pdf(text), content_type="application/pdf")
        case_document_store(actor=worker, case=case, title=title, upload=upload)
    if story.close:
        case_closure_request(actor=worker, case=case, status=CaseStatus.CLOSED, reason=story.close)
    return Case.objects.get(pk=case.pk)


def _case_worker_of(unit: Unit) -> tuple[User | None, bool]:
    """The demo case worker of the unit or of a unit above it (the stories' author), and whether they
    work there (True) or only take the case as its assigned worker (False)."""
    ancestors = [int(pk) for pk in unit.path.strip("/").split("/")]
    nearest = (
        User.objects.filter(memberships__unit_id__in=ancestors, memberships__role="case_worker")
        .order_by("-memberships__unit__depth")
        .first()
    )
    if nearest is not None:
        return nearest, True
    # A diocese without its own case worker on the demo: a case worker of the organisation takes the
    # case as its primary worker (assigned cases are theirs to manage), so every story has its work.
    # Assigned, they manage the case but not the unit's persons: no screening or relations by them.
    assigned = (
        User.objects.filter(
            memberships__organisation_id=unit.organisation_id, memberships__role="case_worker"
        )
        .order_by("username")
        .first()
    )
    return assigned, False


def _story_create(story: DemoStory, *, organisation: Organisation, today: datetime.date) -> Case:
    unit = Unit.objects.get(organisation=organisation, code=story.diocese)
    worker, local = _case_worker_of(unit)
    born = today.replace(year=today.year - story.age) - datetime.timedelta(days=40 + 11 * story.age)
    person = person_create(
        actor=None,
        unit=unit,
        given_name=story.given_name,
        family_name=story.family_name,
        date_of_birth=born,
        sex=story.sex,
        municipality=story.municipality,
        citizenships=["AL"],
        phones=[f"06{7 + story.age % 3}{(story.age * 7919) % 10_000_000:07d}"],
        address=f"Lagjja {story.municipality}, nr. {story.age + 3}",
        categories=story.categories,
    )
    codes = dict(story.case)
    status = codes.pop("status", None)
    closure_reason = codes.pop("closure_reason", "")
    # The stage is reached through the NRM decisions (`_story_work`), as a case worker would record them.
    if worker is not None:
        codes.pop("nrm_stage", None)
        codes.pop("nrm_authority", None)
    case = case_create(
        actor=None,
        person=person,
        unit=unit,
        opened_on=today - datetime.timedelta(days=30 + story.age * 5),
        primary_worker=worker,
        summary=story.summary,
        **codes,
    )
    if story.guardian is not None and worker is not None and local:
        given, family, kind = story.guardian
        guardian = person_create(
            actor=None,
            unit=unit,
            given_name=given,
            family_name=family,
            sex="Feminine",
            birth_year=today.year - story.age - 27,
            municipality=story.municipality,
            citizenships=["AL"],
            categories=["family_member"],
        )
        person_relation_add(actor=worker, person=person, relative=guardian, kind=kind, is_guardian=True)
        household = household_create(actor=worker, person=person)
        person_household_set(actor=worker, person=guardian, household=household)
    _story_screen(story, person=person, worker=worker if local else None, case=case, today=today)
    if worker is not None:
        case = _story_work(story, case=case, worker=worker, today=today)
    STORY_CASES[story.given_name] = case
    if status:
        Case.objects.filter(pk=case.pk).update(
            status=status,
            closure_reason=closure_reason,
            closed_on=today - datetime.timedelta(days=10) if status.startswith("Closed") else None,
        )
    return case


@transaction.atomic
def demo_populate() -> str:
    """Create the demo persons and cases of Caritas Shqiptare (once, on a new demo network)."""
    organisation = Organisation.objects.get(code="caritas-al")
    today = datetime.date.today()
    for story in STORIES:
        _story_create(story, organisation=organisation, today=today)
    units = [
        (u, 1.0 if u.kind != "national_office" else 0.1)
        for u in Unit.objects.filter(organisation=organisation)
    ]
    newest = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    persons_bulk_create(
        actor=None, persons=persons_synthetic(units=units, count=SYNTHETIC_PERSONS, seed=2026)
    )
    chosen = list(
        Person.objects.filter(pk__gt=newest).select_related("unit", "unit__organisation").order_by("pk")
    )
    rng = random.Random(2026)
    made = cases_bulk_create(actor=None, persons=rng.sample(chosen, SYNTHETIC_CASES), seed=2026)
    return (
        f"Demo case work: {len(STORIES)} stories with their cases, plus {SYNTHETIC_PERSONS} "
        f"synthetic persons and {made} synthetic cases across the dioceses."
    )
