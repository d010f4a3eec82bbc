"""The duplicate check at intake on the linkage engine (issue 16, item 4a): recall@5 per variant class,
warnings for genuinely new persons, and the check's time, at registry size on PostgreSQL.

Data: `gen_synth.py` at seeds other than its default and the engine's development seed (7 and 1234
by default). From the generated records:

* *queries for known persons*: for `--queries` entities with two records or more, one record is
  held out (the person coming to the desk again);
* *genuinely new persons*: `--new` entities with a single record are held out entirely;
* *the registry*: every other record, registered through `persons_bulk_create` (the application's
  own encryption and blind indexes, linkage keys included) in one unit of one organisation —
  duplicates inside the registry stay, as in a real one. Father's name and birthplace are dropped
  (a Person has neither); document numbers are dropped too (as in the engine's benchmark "without
  document_id"; with them the check is easier).

Each held-out record is checked with `duplicate_candidates` as a case worker of that unit (the
same call as the registration page, with the date of birth, sex and citizenship). Recall@5 is
per true (query, registered record) pair — is that registered record among the first five
candidates — put in the generator's variant classes as `bench/linkage/classes.py` does; "any
record" is per query (one of the person's records among the first five). The warning rate is the
share of new persons for whom any candidate is shown. Time: wall time of each check (p50, p95).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kujdes_e_bench \
        .venv/bin/python bench/linkage/intake.py --registry 20000 --seed 7 [--reuse]

The installation (keys, var) lives in var/bench-linkage-intake/site-<seed>-<size>; with --reuse an
already built registry is checked again (its database must be the one named).
"""

# ruff: noqa: S603, S607, T201  (a benchmark: its own fixed commands, and it prints)
from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var" / "bench-linkage-intake"
GEN = Path(os.environ.get("KUJDES_GEN_SYNTH", ROOT.parent / "shared" / "linkage" / "gen_synth.py"))
GEN_PYTHON = ROOT / "var" / "bench-linkage-venv" / "bin" / "python"  # pandas, numpy (bench/linkage/run.py)
sys.path.insert(0, str(Path(__file__).resolve().parent))

from classes import classes_of  # noqa: E402

SEX = {"F": "Feminine", "M": "Masculine"}


def data_file(seed: int, registry: int, queries: int, new: int) -> Path:
    # Records per entity average ~1.6: generate enough for the registry plus the held-out ones.
    n = int((registry + queries + new) * 1.02) + 2000
    path = VAR / f"synth_{n}_s{seed}.csv"
    if not path.exists():
        VAR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [str(GEN_PYTHON), str(GEN), "--n", str(n), "--seed", str(seed), "--out", str(path)], check=True
        )
    return path


def split(
    path: Path, *, registry: int, queries: int, new: int, seed: int
) -> tuple[list, list, list, list, list]:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    with Path(str(path).replace(".csv", "_entities.csv")).open(newline="") as handle:
        entities = list(csv.DictReader(handle))
    members: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        members[row["entity_id"]].append(i)
    rng = random.Random(seed)
    multi = [e for e, m in members.items() if len(m) >= 2]
    single = [e for e, m in members.items() if len(m) == 1]
    rng.shuffle(multi)
    rng.shuffle(single)
    query_rows = [rng.choice(members[e]) for e in multi[:queries]]
    new_rows = [members[e][0] for e in single[:new]]
    held = set(query_rows) | set(new_rows)
    registry_rows = [i for i in range(len(rows)) if i not in held][:registry]
    return rows, entities, query_rows, new_rows, registry_rows


def site_env(folder: Path, database_url: str) -> dict[str, str]:
    secret_file = folder / "secret"
    if not secret_file.exists():
        folder.mkdir(parents=True, exist_ok=True)
        secret_file.write_text(secrets.token_urlsafe(64))
    return {
        "KUJDES_SECRET_KEY": secret_file.read_text(),
        "KUJDES_VAR_DIR": str(folder / "var"),
        "KUJDES_KEY_DIR": str(folder / "keys"),
        "KUJDES_HTTPS": "false",
        "KUJDES_EMAIL_BACKEND": "memory",
        "KUJDES_LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
    }


def _date(dob: str) -> tuple[datetime.date | None, int | None]:
    """The generator's date, or only its year when the date does not exist (a swap or typo can make
    a 30 February, which no form accepts: the clerk would have written the year)."""
    if not dob:
        return None, None
    try:
        return datetime.date.fromisoformat(dob), int(dob[:4])
    except ValueError:
        return None, int(dob[:4])


def person_spec(row: dict, unit: object) -> dict:
    dob = row["dob"] or ""
    spec: dict = {"unit": unit, "given_name": row["given_name"] or "", "family_name": row["surname"] or ""}
    date, year = _date(dob)
    if date:
        spec["date_of_birth"] = date
        spec["birth_date_estimated"] = dob.endswith("-01-01")
    elif year:
        spec["birth_year"] = year
    spec["sex"] = SEX.get(row["sex"] or "", "NonSpecifiedUnknown")
    if row["nationality"]:
        spec["citizenships"] = [row["nationality"]]
    return spec


def check_values(row: dict) -> dict:
    dob = row["dob"] or ""
    date, year = _date(dob)
    return {
        "given_name": row["given_name"] or "",
        "family_name": row["surname"] or "",
        "date_of_birth": date,
        "birth_year": year,
        "birth_date_estimated": dob.endswith("-01-01"),
        "sex": SEX.get(row["sex"] or "", ""),
        "citizenships": [row["nationality"]] if row["nationality"] else [],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--registry", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="check an already built registry again")
    parser.add_argument("--train", action="store_true", help="train the organisation's model first")
    parser.add_argument("--reindex", action="store_true", help="rewrite the linkage keys first (timed)")
    parser.add_argument("--max-compared", type=int, help="persons compared per check (default: the module's)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL database of the benchmark's own.")
        return 2
    folder = VAR / f"site-{args.seed}-{args.registry}"
    env = site_env(folder, database_url)
    os.environ.update(env)
    kujdes = [sys.executable, "-m", "kujdes"]
    if not args.reuse:
        subprocess.run(
            [
                "psql",
                "-X",
                "-q",
                database_url.rsplit("/", 1)[0] + "/postgres",
                "-c",
                f"DROP DATABASE IF EXISTS {database_url.rsplit('/', 1)[1]}",
            ],
            check=True,
        )
        subprocess.run(["psql", "-X", "-q", database_url.rsplit("/", 1)[0] + "/postgres", "-c",
                        f"CREATE DATABASE {database_url.rsplit('/', 1)[1]}"], check=True)  # fmt: skip
        for keys in (folder / "keys").glob("*"):
            keys.unlink()
        subprocess.run([*kujdes, "keys", "init"], check=True, cwd=ROOT, capture_output=True)
        subprocess.run([*kujdes, "migrate", "--no-input", "-v", "0"], check=True, cwd=ROOT)

    path = data_file(args.seed, args.registry, args.queries, args.new)
    rows, entities, query_rows, new_rows, registry_rows = split(
        path, registry=args.registry, queries=args.queries, new=args.new, seed=args.seed
    )

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kujdes.settings")
    django.setup()
    from django.db import connection

    from kujdes.accounts.models import User
    from kujdes.core.models import Organisation, Unit, UnitKind
    from kujdes.core.roles import Role
    from kujdes.core.scoping import system_scope
    from kujdes.core.services import (
        membership_assign,
        network_get_or_create,
        organisation_create,
        unit_create,
    )
    from kujdes.people.duplicates import duplicate_candidates
    from kujdes.people.linkage.intake import linkage_index_rebuild, linkage_model_train
    from kujdes.people.models import Person
    from kujdes.people.seed import persons_bulk_create

    with system_scope():
        if not args.reuse:
            network = network_get_or_create(name="Bench network")
            organisation = organisation_create(
                network=network, code="al", name="Bench AL", country="AL", languages=["sq"],
                default_language="sq", root_unit_name="National office",
            )  # fmt: skip
            root = Unit.objects.get(organisation=organisation, parent=None)
            unit = unit_create(actor=None, parent=root, name="Intake", kind=UnitKind.DIOCESE)
            worker = User.objects.create_user(
                username="bench-worker", email="w@example.invalid", password=secrets.token_urlsafe(),
                organisation=organisation,
            )  # fmt: skip
            membership_assign(actor=None, user=worker, unit=unit, role=Role.CASE_WORKER)
            started = time.perf_counter()
            registry_index = {}
            specs = (person_spec(rows[i], unit) for i in registry_rows)
            created = 0
            batch = 2000
            for offset in range(0, len(registry_rows), batch):
                chunk = [next(specs) for _ in range(min(batch, len(registry_rows) - offset))]
                created += persons_bulk_create(actor=None, persons=chunk, batch_size=batch)
                print(f"  registered {created:,} ({time.perf_counter() - started:.0f} s)", flush=True)
            build_s = time.perf_counter() - started
        else:
            organisation = Organisation.objects.get(code="al")
            unit = Unit.objects.get(organisation=organisation, name="Intake")
            worker = User.objects.get(username="bench-worker")
            build_s = None
        # Registry persons in creation order are the registry rows in order (one unit, bulk-created).
        pks = list(Person.objects.filter(unit=unit).order_by("pk").values_list("pk", flat=True))
        registry_index = dict(zip(pks, registry_rows, strict=False))
        if args.reindex:
            started = time.perf_counter()
            linkage_index_rebuild(organisation_id=organisation.pk)
            print(f"  linkage keys rewritten in {time.perf_counter() - started:.0f} s", flush=True)
        if args.train:
            started = time.perf_counter()
            linkage_model_train(organisation_id=organisation.pk)
            print(f"  trained the organisation's model in {time.perf_counter() - started:.0f} s", flush=True)

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    from kujdes.people import duplicates

    show = duplicates.SHOW_PROBABILITY
    if args.max_compared:
        duplicates.MAX_COMPARED = args.max_compared
    # Every compared candidate comes back (threshold 0), with its probability: the figures at the
    # module's threshold, and at others, come from one run (candidates are ordered by weight, so a
    # higher threshold only cuts the tail of each list).
    duplicates.SHOW_PROBABILITY = 0.0

    def check(row: dict) -> tuple[list[tuple[int, float]], float]:
        started = time.perf_counter()
        with system_scope():
            result = duplicate_candidates(actor=worker, organisation_id=organisation.pk, **check_values(row))
        seconds = time.perf_counter() - started
        return [(c.person.pk, c.score) for c in result.candidates], seconds

    # Warm-up (model load, connections), not measured.
    for i in new_rows[:20]:
        check(rows[i])
    members: dict[str, list[int]] = defaultdict(list)
    for pk, i in registry_index.items():
        members[rows[i]["entity_id"]].append(pk)
    thresholds = sorted({show, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7})
    times: list[float] = []
    # per class and threshold: [pairs, found]
    counts: dict[str, dict[float, list[int]]] = defaultdict(lambda: {t: [0, 0] for t in thresholds})
    any_found = dict.fromkeys(thresholds, 0)
    checked = 0
    for n, i in enumerate(query_rows):
        row = rows[i]
        found, seconds = check(row)
        times.append(seconds)
        top = {pk: score for pk, score in found[:5]}
        truth = members.get(row["entity_id"], [])
        if not truth:  # the person's other records fell beyond the registry's size
            continue
        checked += 1
        nat = entities[int(row["entity_id"])]["nat"]
        for t in thresholds:
            any_found[t] += any(top.get(pk, -1) >= t for pk in truth)
        for pk in truth:
            for cls in classes_of(row, rows[registry_index[pk]], nat):
                for t in thresholds:
                    counts[cls][t][0] += 1
                    counts[cls][t][1] += top.get(pk, -1) >= t
        if n % 500 == 499:
            print(f"  {n + 1} queries checked", flush=True)
    warned = dict.fromkeys(thresholds, 0)
    for i in new_rows:
        found, seconds = check(rows[i])
        times.append(seconds)
        best = max((score for _pk, score in found), default=-1)
        for t in thresholds:
            warned[t] += best >= t
    times.sort()
    p50 = statistics.median(times) * 1000
    p95 = times[int(len(times) * 0.95) - 1] * 1000
    print(
        "\n| threshold | recall@5 (any record) | recall@5 all pairs | worst class (≥ 20 pairs) | new warned |"
    )
    print("|---|---|---|---|---|")
    for t in thresholds:
        pairs = counts["all pairs"][t]
        worst_t = min(v[t][1] / v[t][0] for k, v in counts.items() if v[t][0] >= 20)
        print(f"| {t} | {any_found[t] / checked:.3f} | {pairs[1] / pairs[0]:.3f} | {worst_t:.3f} "
              f"| {warned[t] / len(new_rows):.3f} |")  # fmt: skip
    figures = {
        "seed": args.seed,
        "registry": len(registry_index),
        "queries": checked,
        "new": len(new_rows),
        "build_s": build_s,
        "threshold": show,
        "recall_at_5_any_record": any_found[show] / max(checked, 1),
        "warning_rate_new": warned[show] / max(len(new_rows), 1),
        "p50_ms": p50,
        "p95_ms": p95,
        "classes": {
            k: {"pairs": v[show][0], "recall_at_5": v[show][1] / v[show][0] if v[show][0] else 0.0}
            for k, v in sorted(counts.items())
        },
    }
    built = f" (built in {build_s:.0f} s)" if build_s else ""
    print(
        f"\nseed {args.seed}, registry {len(registry_index):,} persons on PostgreSQL{built}; threshold {show}"
    )
    print(f"queries {checked}; recall@5 (any record) {figures['recall_at_5_any_record']:.3f}")
    print(f"new persons {len(new_rows)}; warned for {figures['warning_rate_new']:.3f}")
    print(f"check time p50 {p50:.0f} ms, p95 {p95:.0f} ms\n")
    print("| variant class | true pairs | recall@5 |\n|---|---|---|")
    for name, value in figures["classes"].items():
        print(f"| {name} | {value['pairs']} | {value['recall_at_5']:.3f} |")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
