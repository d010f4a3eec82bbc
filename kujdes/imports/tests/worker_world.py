"""The world of the worker test (test_worker_commit.py), run in processes of its own on a file database:

    python -m kujdes.imports.tests.worker_world setup ROWS   → prints the batch's primary key
    python -m kujdes.imports.tests.worker_world state BATCH  → prints the batch and its rows as JSON

`setup` makes an organisation, a diocese with a camp, a case worker who manages it, uploads a CSV of
ROWS synthetic participants, maps it and queues its commit for the worker (`batch_commit_queue`).
`state` reads what was written: per row of the file, the person and the participation it made.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import sys


def _setup(rows: int) -> int:
    from django.utils import timezone

    from kujdes.accounts.models import User
    from kujdes.core.models import Unit, UnitKind
    from kujdes.core.roles import Role
    from kujdes.core.scoping import system_scope
    from kujdes.core.services import (
        membership_assign,
        network_get_or_create,
        organisation_create,
        unit_create,
    )
    from kujdes.imports.services import (
        batch_configure,
        batch_options,
        batch_table,
        batch_upload,
        import_check,
    )
    from kujdes.imports.tasks import batch_commit_queue
    from kujdes.programme import services as programme
    from kujdes.programme.models import ActivityType

    today = timezone.localdate()
    with system_scope():
        network = network_get_or_create(name="Worker network")
        org = organisation_create(
            network=network,
            code="al",
            name="Org AL",
            country="AL",
            languages=["sq"],
            default_language="sq",
            root_unit_name="National office",
        )
        root = Unit.objects.get(organisation=org, parent__isnull=True)
        diocese = unit_create(actor=None, parent=root, name="Diocese A", kind=UnitKind.DIOCESE)
        ana = User.objects.create_user(username="ana", password="x" * 20, organisation=org)
        membership_assign(actor=None, user=ana, unit=diocese, role=Role.CASE_WORKER)
        membership_assign(actor=None, user=ana, unit=diocese, role=Role.PROGRAMME_MANAGER)
        programme.activity_types_install(organisation_id=org.pk)
        course = ActivityType.objects.get(organisation=org, code="vocational-course")
        activity = programme.activity_create(
            actor=ana,
            unit=diocese,
            activity_type=course,
            title="Kurs",
            starts_on=today - datetime.timedelta(days=10),
            ends_on=today + datetime.timedelta(days=30),
        )
        lines = ["Emri,Mbiemri,Viti i lindjes"]
        # Synthetic names of random letters, each far from every other (no row looks like another or
        # like a person registered by an earlier chunk: none is left out as a duplicate).
        chance = random.Random(17)  # noqa: S311 - synthetic names, not secrets
        letters = "bcdfghjklmnprstvz"
        vowels = "aeiouy"

        def word() -> str:
            return "".join(chance.choice(letters) + chance.choice(vowels) for _ in range(4)).title()

        for number in range(rows):
            lines.append(f"{word()},{word()},{1950 + number % 60}")
        batch = batch_upload(
            actor=ana,
            unit=diocese,
            target="participants",
            data="\n".join(lines).encode(),
            filename="lista.csv",
            activity=activity,
        )
        options = batch_options(batch=batch)
        options.columns = ["given_name", "family_name", "birth_year"]
        batch_configure(actor=ana, batch=batch, options=options)
        result = import_check(
            actor=ana, unit=diocese, table=batch_table(batch=batch), options=options, activity=activity
        )
        valid = [row for row in result.rows if row.valid and row.decision != "skip"]
        assert not result.blocking, result.blocking
        assert len(valid) == rows, (len(valid), [e.as_dict() for e in result.errors[:5]])
        batch_commit_queue(actor=ana, batch=batch, rows_total=len(valid))
        return batch.pk


def _state(batch_pk: int) -> dict[str, object]:
    from kujdes.core.scoping import system_scope
    from kujdes.imports.models import ImportBatch, ImportedRecord
    from kujdes.people.models import Person
    from kujdes.programme.models import Participation

    with system_scope():
        batch = ImportBatch.objects.get(pk=batch_pk)
        records: dict[int, dict[str, int]] = {}
        for record in ImportedRecord.objects.filter(batch=batch):
            kinds = records.setdefault(record.row, {})
            kinds[record.model] = kinds.get(record.model, 0) + 1
        persons = set(
            Person.objects.filter(organisation_id=batch.organisation_id).values_list("pk", flat=True)
        )
        enrolled = list(
            Participation.objects.filter(activity_id=batch.activity_id).values_list("person_id", flat=True)
        )
        recorded_persons = set(
            ImportedRecord.objects.filter(batch=batch, model="people.person").values_list(
                "object_pk", flat=True
            )
        )
        return {
            "state": batch.state,
            "rows_done": batch.rows_done,
            "rows_total": batch.rows_total,
            "attempts": batch.commit_attempts,
            "failure": batch.commit_failure,
            "committing": batch.is_committing,
            "rows": {str(row): kinds for row, kinds in records.items()},
            "persons": len(persons),
            "participations": len(enrolled),
            "distinct_enrolled": len(set(enrolled)),
            # Every person in the registry is one a row of this batch recorded, and enrolled.
            "persons_unrecorded": len(persons - recorded_persons),
            "persons_not_enrolled": len(persons - set(enrolled)),
        }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kujdes.settings")
    import django

    django.setup()
    command, argument = sys.argv[1], int(sys.argv[2])
    if command == "setup":
        print(_setup(argument))
    elif command == "state":
        print(json.dumps(_state(argument)))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
