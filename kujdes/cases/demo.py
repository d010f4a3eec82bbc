"""Demo data of the cases room: the invented stories of `demo_stories`, plus a crowd of synthetic
persons and case files so that lists, filters and pagination have something to show.

Called by `kujdes demo` (core finds `demo_populate` by convention) inside a system scope.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction

from kujdes.accounts.models import User
from kujdes.cases.demo_stories import STORIES, DemoStory
from kujdes.cases.models import Case
from kujdes.cases.seed import cases_bulk_create
from kujdes.cases.services import case_create
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


def _case_worker_of(unit: Unit) -> User | None:
    """The demo case worker of the unit or of a unit above it (the stories' author)."""
    ancestors = [int(pk) for pk in unit.path.strip("/").split("/")]
    return (
        User.objects.filter(memberships__unit_id__in=ancestors, memberships__role="case_worker")
        .order_by("-memberships__unit__depth")
        .first()
    )


def _story_create(story: DemoStory, *, organisation: Organisation, today: datetime.date) -> Case:
    unit = Unit.objects.get(organisation=organisation, code=story.diocese)
    worker = _case_worker_of(unit)
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
    case = case_create(
        actor=None,
        person=person,
        unit=unit,
        opened_on=today - datetime.timedelta(days=30 + story.age * 5),
        primary_worker=worker,
        summary=story.summary,
        **codes,
    )
    if story.guardian is not None and worker is not None:
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
    _story_screen(story, person=person, worker=worker, case=case, today=today)
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
