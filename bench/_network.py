"""The network-scale installation shared by the issue-6 benchmarks (built once, reused).

`network_site()` returns a `Site` (bench/data_protection.py) whose database is
`kujdes_bench_network` on the benchmark server and whose folder is
`var/bench-network/` in the repository (gitignored). The first call builds it as an
operator would: `kujdes keys init`, `migrate`, `demo`, then `kujdes seed --scale
network` (DESIGN.md §6: 11 organisations, ~60 units, 500 users, 200,000 persons,
50,000 cases, 10,000 activities, about a million enrolments and attendance marks),
timing each step; the times and the row counts are written to
`var/bench-network/seed.json`, then `READY` is touched. Later calls reuse it as long
as `READY` and the database exist. The environment (secret key, folders) is kept in
`var/bench-network/env.json`, so every run talks to the same installation with the
same keys. A lock file (`fcntl.flock`) makes two benchmarks that call it at once
build it only once: the second waits for the first.

Command line: `.venv/bin/python bench/_network.py [--rebuild]` builds it (if needed) and
prints seed.json. `--trial` builds a tiny installation instead (folder
`var/bench-network-trial/`, database `kujdes_h3_trial`, `kujdes seed --persons 300
--cases 60`), to try this module in a minute.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data_protection import POSTGRES, ROOT, Site  # noqa: E402

NETWORK_ROOT = ROOT / "var" / "bench-network"
NETWORK_DATABASE = "kujdes_bench_network"
NETWORK_SEED = ("seed", "--scale", "network")
TRIAL_ROOT = ROOT / "var" / "bench-network-trial"
TRIAL_DATABASE = "kujdes_h3_trial"
TRIAL_SEED = ("seed", "--persons", "300", "--cases", "60")

# seed.json's row counts: label → table.
COUNTED_TABLES = {
    "organisations": "core_organisation",
    "units": "core_unit",
    "users": "accounts_user",
    "persons": "people_person",
    "cases": "cases_case",
    "activities": "programme_activity",
    "sessions": "programme_session",
    "participations (enrolments)": "programme_participation",
    "attendance marks": "programme_attendance",
    "headcounts": "programme_headcount",
    "outcomes": "programme_outcome",
    "referrals": "referrals_referral",
    "service deliveries": "cases_servicedelivery",
    "screenings": "screening_screening",
}


class NetworkSite(Site):
    """A `Site` whose environment is read from (or first written to) `root/env.json`."""

    def __init__(self, root: Path, database_url: str) -> None:
        super().__init__(root, database_url)
        saved = root / "env.json"
        if saved.exists():
            stored = json.loads(saved.read_text(encoding="utf-8"))
            stored.pop("PATH", None)
            stored.pop("PYTHONPATH", None)
            self.env.update(stored)
            self.env["DATABASE_URL"] = database_url
        else:
            stable = {k: v for k, v in self.env.items() if k not in ("PATH", "PYTHONPATH")}
            saved.write_text(json.dumps(stable, indent=2) + "\n", encoding="utf-8")
            saved.chmod(0o600)
        self.database_url = database_url
        self.seed_file = root / "seed.json"
        self.step_cpu: dict[str, float] = {}
        self.step_load: dict[str, float] = {}

    def seed_facts(self) -> dict[str, Any]:
        return json.loads(self.seed_file.read_text(encoding="utf-8"))

    def step(self, log: Path, *args: str) -> float:
        """Run `kujdes ARGS` with its output appended to `log`; wall seconds."""
        with log.open("a", encoding="utf-8") as out:
            out.write(f"\n$ kujdes {' '.join(args)}   ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC)\n")
            out.flush()
            started = time.perf_counter()
            cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            result = subprocess.run(  # noqa: S603 - our interpreter, our module
                [sys.executable, "-m", "kujdes", *args],
                cwd=ROOT,
                env={**self.env, "PYTHONUNBUFFERED": "1"},  # progress lines reach the log as they come
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
            seconds = time.perf_counter() - started
            cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            # The command's own CPU time (not PostgreSQL's), and how busy the machine was meanwhile.
            self.step_cpu[" ".join(args)] = round(
                cpu_after.ru_utime - cpu_before.ru_utime + cpu_after.ru_stime - cpu_before.ru_stime, 1
            )
            self.step_load[" ".join(args)] = round(os.getloadavg()[2], 1)
            out.write(f"  -> exit {result.returncode} in {seconds:.1f} s\n")
        if result.returncode != 0:
            raise RuntimeError(f"kujdes {' '.join(args)} failed; see {log}")
        return seconds


def _psql(sql: str, *, database: str = "postgres", check: bool = True) -> str:
    result = subprocess.run(  # noqa: S603
        ["psql", "-X", "-q", "-At", f"{POSTGRES}/{database}", "-c", sql],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"psql failed: {sql}\n{result.stderr}")
    return result.stdout.strip()


def database_exists(name: str) -> bool:
    return _psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"  # noqa: S608 - our constant


def row_counts(database: str) -> dict[str, int]:
    counts = {}
    for label, table in COUNTED_TABLES.items():
        exists = _psql(f"SELECT to_regclass('public.{table}') IS NOT NULL", database=database) == "t"
        query = f"SELECT count(*) FROM {table}"  # noqa: S608 - our constant
        counts[label] = int(_psql(query, database=database)) if exists else 0
    return counts


def machine_facts() -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    memory_kb = 0
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": _psql("SHOW server_version"),
        "commit": commit,
    }


def _build(site: NetworkSite, *, database: str, seed_args: Sequence[str]) -> dict[str, Any]:
    root = site.root
    for leftover in ("keys", "var"):
        shutil.rmtree(root / leftover, ignore_errors=True)
    for leftover in ("seed.json", "READY", "build.log"):
        (root / leftover).unlink(missing_ok=True)
    _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    _psql(f"CREATE DATABASE {database}")
    log = root / "build.log"
    started_at = dt.datetime.now(dt.UTC)
    machine = machine_facts()  # the commit built, not the one when the build ends
    steps = {}
    for args in (("keys", "init"), ("migrate", "--no-input", "-v", "0"), ("demo",), tuple(seed_args)):
        steps[" ".join(args)] = site.step(log, *args)
    facts = {
        "built_at": f"{started_at:%Y-%m-%d %H:%M} UTC",
        "database": database,
        "seed_command": "kujdes " + " ".join(seed_args),
        "steps_seconds": {name: round(seconds, 1) for name, seconds in steps.items()},
        "steps_cpu_seconds": site.step_cpu,
        "steps_load_average_15min": site.step_load,
        "seed_seconds": round(steps[" ".join(seed_args)], 1),
        "total_seconds": round(sum(steps.values()), 1),
        "counts": row_counts(database),
        "database_bytes": int(_psql(f"SELECT pg_database_size('{database}')")),
        "machine": machine,
    }
    site.seed_file.write_text(json.dumps(facts, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (root / "READY").touch()
    return facts


def network_site(
    *,
    rebuild: bool = False,
    root: Path = NETWORK_ROOT,
    database: str = NETWORK_DATABASE,
    seed_args: Sequence[str] = NETWORK_SEED,
) -> NetworkSite:
    """The network installation, built first if it is not there (or if `rebuild`)."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second caller waits here while the first builds
        site = NetworkSite(root, f"{POSTGRES}/{database}")
        if rebuild or not (root / "READY").exists() or not database_exists(database):
            print(f"Building the installation in {root} (database {database}); log in {root / 'build.log'}")
            _build(site, database=database, seed_args=seed_args)
        return site


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rebuild", action="store_true", help="drop and build it again")
    parser.add_argument("--trial", action="store_true", help="a tiny installation instead (a minute)")
    options = parser.parse_args(argv)
    if options.trial:
        site = network_site(
            rebuild=options.rebuild, root=TRIAL_ROOT, database=TRIAL_DATABASE, seed_args=TRIAL_SEED
        )
    else:
        site = network_site(rebuild=options.rebuild)
    print(site.seed_file.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
