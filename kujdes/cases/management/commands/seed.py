"""`kujdes seed`: synthetic data added to a demo installation (benchmarks, load tests).

`kujdes seed --persons N --cases M` adds persons and case files. `kujdes seed --scale network` builds the
dataset of DESIGN.md §6 on top of the demo: 11 organisations (~60 units), 500 users, 200,000 persons,
50,000 cases, 10,000 activities and about 1,000,000 participation rows (enrolments and attendance
marks), with headcounts and outcomes. Rooms after this one add their share through a `seed_network`
function of their `seed` module, found by convention (as `kujdes demo` does), so that cases does not
import them.
"""

from __future__ import annotations

import importlib
import time
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from kujdes.accounts.models import User
from kujdes.cases.models import Case
from kujdes.cases.seed import cases_bulk_create
from kujdes.core.demo import network_partners_ensure, network_users_ensure
from kujdes.core.models import Network, Organisation, Unit, UnitKind
from kujdes.core.scoping import system_scope
from kujdes.people.models import Person
from kujdes.people.seed import persons_bulk_create, persons_synthetic

# Dioceses and centres carry the case load; national offices register few persons themselves.
UNIT_KIND_WEIGHTS = {
    UnitKind.NATIONAL_OFFICE: 0.2,
    UnitKind.DIOCESE: 1.0,
    UnitKind.CENTRE: 0.6,
    UnitKind.OFFICE: 1.0,
}


# The totals of DESIGN.md §6 (rooms after cases read theirs from here too).
NETWORK = {"users": 500, "persons": 200_000, "cases": 50_000, "activities": 10_000}


def network_rooms_seed(*, seed: int, stdout: Any) -> list[str]:
    """Each room with a `seed_network(seed=...)` in its `seed` module adds its share (a summary each)."""
    summaries = []
    for config in apps.get_app_configs():
        if not config.name.startswith("kujdes.") or config.name == "kujdes.cases":
            continue
        try:
            module = importlib.import_module(f"{config.name}.seed")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.seed":
                raise
            continue
        if hasattr(module, "seed_network"):
            summaries.append(module.seed_network(seed=seed, totals=NETWORK))
    return summaries


class Command(BaseCommand):
    help = "Add synthetic persons and cases to the demo network (never on an installation with real data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=2000, help="persons to add (default 2000)")
        parser.add_argument(
            "--cases", type=int, default=500, help="case files to add, for the newest persons (default 500)"
        )
        parser.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
        parser.add_argument(
            "--scale",
            choices=["network"],
            help="build the network dataset of DESIGN.md §6 (up to its totals; ignores --persons, --cases)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scale"] == "network":
            self._network(seed=options["seed"])
            return
        persons, cases = options["persons"], options["cases"]
        if persons < 0 or cases < 0 or cases > persons:
            raise CommandError("--persons and --cases must be positive, with no more cases than persons.")
        with system_scope():
            self._demo_network()
            started = time.perf_counter()
            done, made = self._persons_and_cases(persons=persons, cases=cases, seed=options["seed"])
            self._analyse()
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {done:,} persons and {made:,} cases in {time.perf_counter() - started:.0f} s."
            )
        )

    def _demo_network(self) -> Network:
        network = Network.objects.order_by("pk").first()
        if network is None or not network.is_demo:
            raise CommandError("Run `kujdes demo` first: seeding is for demo installations only.")
        return network

    def _analyse(self) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

    def _persons_and_cases(self, *, persons: int, cases: int, seed: int) -> tuple[int, int]:
        units: list[tuple[Any, float]] = []
        organisations = list(Organisation.objects.order_by("pk"))
        for organisation in organisations:
            # Albania carries most of the programme's work in the demo.
            share = 0.8 if organisation.country == "AL" else 0.2 / max(len(organisations) - 1, 1)
            members = list(Unit.objects.filter(organisation=organisation))
            total = sum(UNIT_KIND_WEIGHTS.get(u.kind, 1.0) for u in members)
            units += [(u, share * UNIT_KIND_WEIGHTS.get(u.kind, 1.0) / total) for u in members]
        started = time.perf_counter()
        newest = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        synthetic = persons_synthetic(units=units, count=persons, seed=seed)
        done = 0
        while done < persons:
            batch = [next(synthetic) for _ in range(min(10_000, persons - done))]
            done += persons_bulk_create(actor=None, persons=batch, batch_size=2000)
            self.stdout.write(f"  {done:,} persons ({time.perf_counter() - started:.0f} s)")
        chosen = list(
            Person.objects.filter(pk__gt=newest)
            .select_related("unit", "unit__organisation")
            .order_by("pk")[:cases]
        )
        made = cases_bulk_create(actor=None, persons=chosen, seed=seed)
        return done, made

    def _network(self, *, seed: int) -> None:
        started = time.perf_counter()
        with system_scope():
            network = self._demo_network()
            partners = network_partners_ensure(network)
            users = network_users_ensure(total=NETWORK["users"], seed=seed)
            self.stdout.write(
                f"  {len(partners)} partner organisations and {users} users added"
                f" ({Organisation.objects.count()} organisations, {Unit.objects.count()} units)"
            )
            persons = max(NETWORK["persons"] - Person.objects.count(), 0)
            cases = min(max(NETWORK["cases"] - Case.objects.count(), 0), persons)
            done, made = self._persons_and_cases(persons=persons, cases=cases, seed=seed)
            self.stdout.write(f"  persons and cases done ({time.perf_counter() - started:.0f} s)")
            for summary in network_rooms_seed(seed=seed, stdout=self.stdout):
                self.stdout.write(f"  {summary} ({time.perf_counter() - started:.0f} s)")
            self._analyse()
            totals = (Person.objects.count(), Case.objects.count(), User.objects.count())
        self.stdout.write(
            self.style.SUCCESS(
                f"Network dataset ready in {time.perf_counter() - started:.0f} s:"
                f" {totals[0]:,} persons, {totals[1]:,} cases, {totals[2]:,} users (added {done:,} persons"
                f" and {made:,} cases)."
            )
        )
