"""Spreadsheet import (issue 17): 100,000 person rows read, checked (the dry run) and committed.

Budgets (issue 17): a dry run of 100,000 person rows in ≤ 60 s and their commit in ≤ 5 min on
PostgreSQL with one worker, in ≤ 500 MB of memory.

For each size (10,000 rows, then 100,000, to show how the cost grows) an installation is built in a
temporary folder through the `kujdes` command (keys init, migrate, demo) — on PostgreSQL when
DATABASE_URL is set (a database of its own beside it, measured as the runtime role `kujdes_app`,
row-level security on), else on SQLite; the key store is the installation's default (a SQLite file
in KUJDES_KEY_DIR). Then:

1. a worker registers 20,000 synthetic persons in Caritas Albania (`persons_bulk_create`, as the
   data-protection benchmark seeds) and writes the spreadsheet: a messy Albanian register (a title
   row, "Nr.", "Emri", "Mbiemri", "Gjinia", "Datëlindja", "Bashkia", "Telefoni"): names from the
   network's populations (mostly Albanian, some Romanian, Ukrainian, Arabic and Nigerian names as
   registers spell them), sexes as "F", "Femër", "M", "Mashkull", birth dates as text (12.03.2001)
   and as date cells (a few left empty), municipalities with their spelling variants (Shkodra,
   Bashkia Shkodër, DURRESI), phones with and without +355, a few cells with two numbers; 2 % of the
   rows are persons the registry holds already, 1 % repeat an earlier row of the file;
2. one worker process — "one worker" — acting as the demo case worker of Shkodër, into the Shkodër
   social centre, the way `kujdes import persons FILE` works: reads the file (`table_read`), checks
   it (`import_check`, the dry run: the registration form's rules per row, duplicates in the file
   and in the registry), then commits the valid new rows (`batch_commit`: chunks of 100 rows, a
   savepoint per row, `person_create` per row). Each phase: wall time, CPU time of the worker process
   (the database server's own CPU is not in it), SQL queries, and the process's peak RSS at the end of
   the phase (the commit's peak includes the check before it, as a real commit needs one).

With `--profile`, the check and the commit are run under cProfile, the top entries printed
(cumulative and own time) and the profiles kept in var/bench-imports/. Prints a markdown table;
docs/benchmarks.md is written by hand from it.

Run: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/kujdes_bench_imports .venv/bin/python
bench/imports.py [--rows N ...] [--registry N] [--profile]` (or `bench/run.py imports`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from data_protection import APP_ROLE, ROOT, Site, cpu_reference_ms

SIZES = (10_000, 100_000)
REGISTRY = 20_000
ACTOR = "caseworker-shkoder"
CENTRE = "Qendra Sociale Shkodër"
CHECK_BUDGET_S = 60.0
COMMIT_BUDGET_S = 300.0
MEMORY_BUDGET_MB = 500.0
REGISTRY_SHARE = 0.02
REPEAT_SHARE = 0.01
HEADERS = ["Nr.", "Emri", "Mbiemri", "Gjinia", "Datëlindja", "Bashkia", "Telefoni"]
SAMPLE_KEYS = ("given_name", "family_name", "sex", "date_of_birth", "municipality", "phones")
TITLE = "Regjistri i pjesëmarrësve 2015–2019 (Qendra Sociale Shkodër)"

# Municipality → how registers write it (the importer proposes the code for each spelling).
MUNICIPALITY_SPELLINGS = {
    "Shkodër": ["Shkodër", "Shkodra", "Bashkia Shkodër", "SHKODER", "shkoder"],
    "Vau i Dejës": ["Vau i Dejës", "Vau i Dejes"],
    "Lezhë": ["Lezhë", "Lezha", "LEZHE"],
    "Mirditë": ["Mirditë", "Mirdita"],
    "Tiranë": ["Tiranë", "Tirana", "TIRANA"],
    "Durrës": ["Durrës", "Durrësi", "DURRESI"],
    "Vlorë": ["Vlorë", "Vlora"],
    "Pukë": ["Pukë", "Puka"],
    "Malësi e Madhe": ["Malësi e Madhe", "Malesi e Madhe"],
    "Kurbin": ["Kurbin"],
    "Kamëz": ["Kamëz", "Kamza"],
    "Fier": ["Fier", "Fieri"],
}
SEX_SPELLINGS = {"F": ["F", "Femër", "f", "femër", "F "], "M": ["M", "Mashkull", "m"]}
# Persons of the other network populations, as Albanian registers spell them (a sample).
OTHER_POPULATIONS = {
    "F": [
        ("Ioana", "Popescu"),
        ("Elena", "Ionescu"),
        ("Andreea", "Munteanu"),
        ("Oksana", "Kovalenko"),
        ("Yuliia", "Shevchenko"),
        ("Nataliia", "Bondarenko"),
        ("Fatima", "Al-Hassan"),
        ("Aisha", "Haddad"),
        ("Maryam", "Khalil"),
        ("Blessing", "Okafor"),
        ("Precious", "Osagie"),
        ("Desislava", "Georgieva"),
        ("Anahit", "Petrosyan"),
    ],
    "M": [
        ("Mihai", "Popa"),
        ("Andrii", "Melnyk"),
        ("Omar", "Saleh"),
        ("Emeka", "Eze"),
        ("Arman", "Hakobyan"),
    ],
}


class ImportsSite(Site):
    def worker_command(self, name: str, params: dict[str, Any], result_file: Path) -> list[str]:
        command = super().worker_command(name, params, result_file)
        command[1] = str(Path(__file__).resolve())
        return command


# --- worker: registry and spreadsheet ----------------------------------------------------------


def _phone(rng: random.Random) -> str:
    number = f"6{rng.choice('789')}{rng.randrange(10**7):07d}"
    return rng.choice(
        [
            f"0{number}",
            f"0{number[:2]} {number[2:5]} {number[5:]}",
            f"+355 {number[:2]} {number[2:5]} {number[5:]}",
            f"+355{number}",
        ]
    )


def _date_cell(born: dt.date | None, rng: random.Random) -> Any:
    if born is None:
        return None
    if rng.random() < 0.5:
        return dt.datetime(born.year, born.month, born.day)  # a date cell
    day, month, year = born.day, born.month, born.year
    return rng.choice([f"{day:02d}.{month:02d}.{year}", f"{day}.{month}.{year}"])


def _row(spec: dict[str, Any], rng: random.Random) -> list[Any]:
    sex = "M" if spec["sex"] == "Masculine" or spec["sex"] == "M" else "F"
    municipality = spec["municipality"]
    phones = spec.get("phones") or []
    return [
        spec["given_name"],
        spec["family_name"],
        rng.choice(SEX_SPELLINGS[sex]),
        _date_cell(spec.get("date_of_birth"), rng),
        rng.choice(MUNICIPALITY_SPELLINGS.get(municipality, [municipality])),
        "; ".join(phones) if phones else None,
    ]


def spreadsheet_write(*, path: Path, rows: int, registry: list[dict[str, Any]], seed: int) -> dict[str, int]:
    """The synthetic register, written as Excel writes one (shared strings, the sheet's dimension;
    openpyxl's write-only mode writes neither, and reading such a file costs openpyxl a second pass)."""
    from openpyxl import Workbook

    from kujdes.people.models import Sex
    from kujdes.people.seed import persons_synthetic

    rng = random.Random(seed)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Regjistri"
    sheet.append([TITLE])
    sheet.append([])
    sheet.append(HEADERS)

    class _Unit:  # persons_synthetic only passes the unit through
        pk = 0

    fresh = persons_synthetic(units=[(_Unit(), 1.0)], count=rows, seed=seed + 1)
    written: list[list[Any]] = []
    counts = {"rows": rows, "registry_copies": 0, "repeats": 0, "other_populations": 0}
    for number in range(1, rows + 1):
        chance = rng.random()
        spec = next(fresh)
        if chance < REGISTRY_SHARE and registry:
            values = _row(rng.choice(registry), rng)
            counts["registry_copies"] += 1
        elif chance < REGISTRY_SHARE + REPEAT_SHARE and written:
            values = list(rng.choice(written))
            counts["repeats"] += 1
        else:
            if spec["sex"] not in (Sex.FEMALE, Sex.MALE):
                spec["sex"] = Sex.FEMALE
            if rng.random() < 0.06:
                sex = "M" if spec["sex"] == Sex.MALE else "F"
                spec["given_name"], spec["family_name"] = rng.choice(OTHER_POPULATIONS[sex])
                counts["other_populations"] += 1
            values = _row(spec, rng)
        if len(written) < 5000:
            written.append(values)
        sheet.append([number, *values])
    workbook.save(path)
    counts["bytes"] = path.stat().st_size
    return counts


def worker_prepare(params: dict[str, Any]) -> dict[str, Any]:
    from kujdes.core.models import Organisation, Unit
    from kujdes.core.scoping import system_scope
    from kujdes.people.models import Person
    from kujdes.people.seed import persons_bulk_create, persons_synthetic

    started = time.perf_counter()
    with system_scope():
        organisation = Organisation.objects.get(code="caritas-al")
        units = [(unit, 1.0) for unit in Unit.objects.filter(organisation=organisation)]
        registry = list(persons_synthetic(units=units, count=int(params["registry"]), seed=7))
        persons_bulk_create(actor=None, persons=registry, batch_size=2000)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        registered = Person.objects.filter(organisation=organisation).count()
    seeded_s = time.perf_counter() - started
    started = time.perf_counter()
    sample = [
        {key: spec.get(key) for key in SAMPLE_KEYS} for spec in registry[:: max(1, len(registry) // 2000)]
    ]
    counts = spreadsheet_write(
        path=Path(params["path"]), rows=int(params["rows"]), registry=sample, seed=int(params.get("seed", 17))
    )
    return {
        "registered": registered,
        "seed_s": seeded_s,
        "write_s": time.perf_counter() - started,
        "file": counts,
    }


# --- worker: the import, phase by phase ----------------------------------------------------------


class Phase:
    """Wall and CPU time, SQL queries and the process's peak RSS of one phase."""

    def __init__(self, name: str, queries: list[int], profile: Path | None) -> None:
        self.name, self.queries, self.profile = name, queries, profile
        self.figures: dict[str, Any] = {}

    def __enter__(self) -> Phase:
        self.usage = resource.getrusage(resource.RUSAGE_SELF)
        self.count = self.queries[0]
        self.profiler = None
        if self.profile is not None:
            import cProfile

            self.profiler = cProfile.Profile()
            self.profiler.enable()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        wall = time.perf_counter() - self.started
        if self.profiler is not None:
            self.profiler.disable()
            assert self.profile is not None
            self.profiler.dump_stats(str(self.profile))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.figures = {
            "wall_s": wall,
            "cpu_s": (usage.ru_utime - self.usage.ru_utime) + (usage.ru_stime - self.usage.ru_stime),
            "queries": self.queries[0] - self.count,
            "peak_rss_mb": usage.ru_maxrss / 1024,
            # The machine's load: wall times on a shared machine are read beside it.
            "load_1min": os.getloadavg()[0],
        }


def worker_import(params: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection, connections

    from kujdes.accounts.models import User
    from kujdes.core.models import Unit
    from kujdes.core.scoping import system_scope
    from kujdes.imports import mapping
    from kujdes.imports.reading import stream_read, table_read
    from kujdes.imports.services import Options, batch_commit, import_check
    from kujdes.people.models import Person

    queries = [0]

    def counter(execute: Any, sql: str, params_: Any, many: bool, context: Any) -> Any:
        queries[0] += 1
        return execute(sql, params_, many, context)

    folder = Path(params["folder"])
    profile = bool(params.get("profile"))
    phases: dict[str, Any] = {}
    started_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with (
        system_scope(),
        connection.execute_wrapper(counter),
        connections["keys"].execute_wrapper(counter),
    ):
        user = User.objects.get(username=ACTOR)
        unit = Unit.objects.get(organisation__code="caritas-al", name=CENTRE)
        before = Person.objects.filter(organisation_id=unit.organisation_id).count()
        with Phase("read", queries, None) as phase:
            with Path(params["path"]).open("rb") as source:
                data = stream_read(source)
            table = table_read(data=data, filename="regjistri.xlsx")
            del data
        phases["read"] = phase.figures
        options = Options(
            target="persons", columns=mapping.columns_suggest(target="persons", headers=table.headers)
        )
        with Phase("check", queries, folder / "check.prof" if profile else None) as phase:
            result = import_check(actor=user, unit=unit, table=table, options=options)
        phases["check"] = phase.figures
        counts = result.counts()
        if result.blocking:
            raise RuntimeError(f"the file is blocked: {result.blocking}")
        if params.get("commit", True):
            with Phase("commit", queries, folder / "commit.prof" if profile else None) as phase:
                committed = batch_commit(actor=user, unit=unit, result=result, filename="regjistri.xlsx")
            phases["commit"] = phase.figures
            phases["commit"]["created"] = committed.created
            phases["commit"]["failed"] = len(committed.errors)
        after = Person.objects.filter(organisation_id=unit.organisation_id).count()
    return {
        "columns": result.columns,
        "headers": table.headers,
        "counts": counts,
        "warnings": result.warnings,
        "first_errors": [error.as_dict() for error in result.errors[:5]],
        "phases": phases,
        "start_rss_mb": started_rss,
        "persons_before": before,
        "persons_after": after,
    }


WORKERS = {"prepare": worker_prepare, "import": worker_import}


def worker_main(name: str, result_file: str, params_json: str) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kujdes.settings")
    import django

    django.setup()
    result = WORKERS[name](json.loads(params_json))
    Path(result_file).write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


# --- orchestra -----------------------------------------------------------------------------------


def _profile_top(path: Path, *, limit: int = 25) -> str:
    import io
    import pstats

    output = io.StringIO()
    stats = pstats.Stats(str(path), stream=output).strip_dirs()
    stats.sort_stats("cumulative").print_stats(limit)
    stats.sort_stats("tottime").print_stats(limit)
    return output.getvalue()


def measure(*, rows: int, registry: int, profile: bool, commit: bool) -> dict[str, Any]:
    from kujdes.core.tests.installation import TemporaryPostgresDatabase

    database_url = os.environ.get("DATABASE_URL", "")
    postgres = database_url.startswith("postgres")
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kujdes-bench-imports-")))
        if postgres:
            database = stack.enter_context(TemporaryPostgresDatabase("kujdes_bench_imports"))
            url = database.url
        else:
            url = f"sqlite:///{folder / 'kujdes.sqlite3'}"
        started = time.perf_counter()
        site = ImportsSite(folder, url).installed()
        install_s = time.perf_counter() - started
        path = folder / "regjistri.xlsx"
        prepared = site.worker("prepare", {"rows": rows, "registry": registry, "path": str(path)})
        print(f"  {rows:,} rows: installed in {install_s:.0f} s, prepared {prepared}", flush=True)
        result = site.worker(
            "import",
            {"path": str(path), "folder": str(folder), "profile": profile, "commit": commit},
            app_role=postgres,
        )
        result.update(rows=rows, prepared=prepared, engine="PostgreSQL" if postgres else "SQLite")
        if postgres:
            version = subprocess.run(  # noqa: S603
                ["psql", "-X", "-At", url, "-c", "SHOW server_version"],  # noqa: S607
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
            result["engine"] = f"PostgreSQL {version}".strip()
        if profile:
            kept = ROOT / "var" / "bench-imports"
            kept.mkdir(parents=True, exist_ok=True)
            for name in ("check", "commit"):
                if (folder / f"{name}.prof").exists():
                    shutil.copy(folder / f"{name}.prof", kept / f"{name}-{rows}.prof")
                    result[f"profile_{name}"] = _profile_top(folder / f"{name}.prof")
        return result


def _ok(ok: bool) -> str:
    return "met" if ok else "**missed**"


def report(results: list[dict[str, Any]], cpu_ms: float) -> str:
    engine = results[0]["engine"]
    role = f", as the runtime role `{APP_ROLE}` (row-level security on)" if "Postgre" in engine else ""
    lines = [
        "## Spreadsheet import (issue 17)",
        "",
        f"Measured {dt.date.today().isoformat()} on a {os.cpu_count()}-core {platform.machine()} machine "
        f"({platform.system()}, Python {platform.python_version()}), {engine}{role}; key store: the "
        "default SQLite file; one worker process doing what `kujdes import persons FILE` does, as the "
        f"demo case worker of Shkodër, into {CENTRE}, with {results[0]['persons_before']:,} persons "
        f"registered in the organisation before. CPU reference loop: {cpu_ms:.0f} ms.",
        "",
        "| Rows | Phase | Wall s | CPU s (worker) | SQL queries | Peak RSS MB | Load (1 min) | Budget |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        rows = r["rows"]
        scale = rows / 100_000
        for name, label in (("read", "read the XLSX"), ("check", "dry run (check)"), ("commit", "commit")):
            figures = r["phases"].get(name)
            if figures is None:
                continue
            budget = ""
            if name == "check":
                limit = CHECK_BUDGET_S * scale
                budget = f"≤ {limit:.1f} s pro rata, {_ok(figures['wall_s'] <= limit)}"
            elif name == "commit":
                limit = COMMIT_BUDGET_S * scale
                budget = f"≤ {limit:.1f} s pro rata, {_ok(figures['wall_s'] <= limit)}"
            if name != "read":
                budget += f"; ≤ {MEMORY_BUDGET_MB:.0f} MB, {_ok(figures['peak_rss_mb'] <= MEMORY_BUDGET_MB)}"
            lines.append(
                f"| {rows:,} | {label} | {figures['wall_s']:.1f} | {figures['cpu_s']:.1f} "
                f"| {figures['queries']:,} | {figures['peak_rss_mb']:.0f} "
                f"| {figures.get('load_1min', 0):.1f} | {budget} |"
            )
    lines.append("")
    for r in results:
        c, f = r["counts"], r["prepared"]["file"]
        commit = r["phases"].get("commit", {})
        lines.append(
            f"- {r['rows']:,} rows ({f['bytes'] / 1e6:.1f} MB XLSX; {f['registry_copies']:,} rows copy a "
            f"registered person, {f['repeats']:,} repeat an earlier row): valid {c['valid']:,}, "
            f"errors {c['errors']:,}, duplicates {c['duplicates']:,}, to create {c['to_create']:,}; "
            f"created {commit.get('created', 0):,}, refused at commit {commit.get('failed', 0):,}; "
            f"the worker started at {r['start_rss_mb']:.0f} MB RSS."
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        return worker_main(argv[1], argv[2], argv[3])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help=f"rows (repeatable; default {SIZES})")
    parser.add_argument("--registry", type=int, default=REGISTRY, help="persons registered before")
    parser.add_argument("--profile", action="store_true", help="cProfile the check and the commit")
    parser.add_argument("--no-commit", action="store_true", help="read and check only")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    started = time.monotonic()
    cpu_ms = cpu_reference_ms()
    results = []
    for rows in args.rows or SIZES:
        result = measure(rows=rows, registry=args.registry, profile=args.profile, commit=not args.no_commit)
        for key in [k for k in result if k.startswith("profile_")]:
            print(f"--- {rows:,} rows, {key} ---\n{result.pop(key)}", flush=True)
        print(json.dumps(result, indent=2, default=str), flush=True)
        results.append(result)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(report(results, cpu_ms))
    print(f"imports: {time.monotonic() - started:.0f} s")
    missed = False
    for r in results:
        if r["rows"] < 100_000:
            continue
        check, commit = r["phases"].get("check"), r["phases"].get("commit")
        missed |= check is not None and (
            check["wall_s"] > CHECK_BUDGET_S or check["peak_rss_mb"] > MEMORY_BUDGET_MB
        )
        missed |= commit is not None and (
            commit["wall_s"] > COMMIT_BUDGET_S or commit["peak_rss_mb"] > MEMORY_BUDGET_MB
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
