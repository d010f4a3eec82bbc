"""`kujdes seed`: synthetic persons and case files added to a demo installation (benchmarks, load tests)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from kujdes.cases.seed import cases_bulk_create
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


class Command(BaseCommand):
    help = "Add synthetic persons and cases to the demo network (never on an installation with real data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=2000, help="persons to add (default 2000)")
        parser.add_argument(
            "--cases", type=int, default=500, help="case files to add, for the newest persons (default 500)"
        )
        parser.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")

    def handle(self, *args: Any, **options: Any) -> None:
        persons, cases = options["persons"], options["cases"]
        if persons < 0 or cases < 0 or cases > persons:
            raise CommandError("--persons and --cases must be positive, with no more cases than persons.")
        with system_scope():
            network = Network.objects.order_by("pk").first()
            if network is None or not network.is_demo:
                raise CommandError("Run `kujdes demo` first: seeding is for demo installations only.")
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
            synthetic = persons_synthetic(units=units, count=persons, seed=options["seed"])
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
            made = cases_bulk_create(actor=None, persons=chosen, seed=options["seed"])
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {done:,} persons and {made:,} cases in {time.perf_counter() - started:.0f} s."
            )
        )
