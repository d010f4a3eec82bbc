"""Data protection (issue 3): decryption, blind-index search, audit appends, backup and restore.

Each figure is measured once per run, on installations built in a temporary
folder through the `kujdes` command, as an operator would (keys init, migrate,
demo); the PostgreSQL databases are created beside the server's `postgres`
database and dropped afterwards.

1. Decrypting the identities of a 50-row page: 50 persons of the case worker's
   units, their keys attached with `persons_with_keys` (one key-store query),
   then given name, family name, date of birth and phones read. Cold: key
   caches cleared (`caches_clear()`) before each page; warm: the organisation
   key cached.
2. Blind-index search among 200,000 persons on PostgreSQL, seeded with
   `kujdes.people.seed.persons_bulk_create` across the three demo
   organisations; the time of `list(person_search(actor=..., query=...)[:50])`
   in the application process (blind indexes computed, queries run, rows
   built) for realistic queries, hits and misses.
3. Audit appends per second, one writer and two concurrent writer processes
   on one organisation's chain (each event its own transaction), then the time
   of `audit_chain_verify`.
4. `kujdes backup` and `kujdes restore` of the demo data with 2,000 persons,
   SQLite and PostgreSQL.

The measuring code runs in worker processes (`python bench/data_protection.py
--worker NAME ...`) with the installation's environment. Unless noted, they
connect as the `postgres` superuser and switch to the runtime role
`kujdes_app` (KUJDES_DB_ROLE), so that row-level security applies as in
production; the key store is the default SQLite file in KUJDES_KEY_DIR. The
server is postgres://postgres@127.0.0.1:5432 unless KUJDES_BENCH_POSTGRES names
another (a role that may create databases); without one the benchmark is skipped.

Run with `make bench` (all benchmarks) or `.venv/bin/python bench/run.py data_protection`.
Options for trial runs: `--persons N` (default 200000), `--no-doc` (do not write docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _document import document_section_write

from kujdes.core.tests.installation import TemporaryPostgresDatabase

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Data protection (issue 3)"
POSTGRES = os.environ.get("KUJDES_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
APP_ROLE = "kujdes_app"

PERSONS = 200_000
PAGE = 50
DECRYPT_REPETITIONS = 300
SEARCHES_PER_KIND = 100  # × 4 kinds
AUDIT_EVENTS_PER_WRITER = 3000
BACKUP_PERSONS = 2000
ACTOR = "caseworker-shkoder"  # case worker of the Archdiocese of Shkodër-Pult (and its centres)

DECRYPT_TARGET_MS = 5.0
SEARCH_TARGET_MS = 50.0

# Where the synthetic persons live: organisation share, then unit weight by kind.
ORGANISATION_SHARES = {"caritas-al": 0.70, "caritas-fr": 0.15, "caritas-lb": 0.15}
UNIT_KIND_WEIGHTS = {"national_office": 0.5, "diocese": 2.0, "centre": 1.0, "office": 2.0}
# Family names not in kujdes.people.seed.FAMILY_NAMES: searches that find nobody.
QUERY_KINDS = ["family name", "given + family name", "phone number", "ID number"]
ABSENT_FAMILY_NAMES = ["Shtylla", "Bejko", "Kadiu", "Gjika", "Qirjazi", "Meksi", "Tërshana", "Vorpsi"]


# --- statistics -----------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values_ms: list[float]) -> dict[str, float]:
    return {
        "n": len(values_ms),
        "median": statistics.median(values_ms),
        "p95": percentile(values_ms, 0.95),
        "max": max(values_ms),
    }


def cpu_reference_ms() -> float:
    """A fixed pure-Python loop (median of five): how fast this machine ran at that moment."""
    times = []
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for number in range(1_000_000):
            total += number * number
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


# --- workers: run inside an installation's environment ------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kujdes.settings")
    import django

    django.setup()


def _actor_scope(username: str) -> tuple[Any, Any]:
    from kujdes.accounts.models import User
    from kujdes.core.scoping import tenant_scope, user_lookup_scope
    from kujdes.core.selectors import membership_organisation_ids

    user = User.objects.get(username=username)
    with user_lookup_scope(user_id=user.pk):
        organisation_ids = membership_organisation_ids(user=user)
    return user, tenant_scope(organisation_ids=organisation_ids, user_id=user.pk)


def worker_seed(params: dict[str, Any]) -> dict[str, Any]:
    """Persons over the demo organisations with persons_bulk_create, then VACUUM ANALYZE."""
    from django.db import connection, connections

    from kujdes.core.models import Organisation, Unit
    from kujdes.core.scoping import system_scope
    from kujdes.people.models import BlindIndexEntry, Person
    from kujdes.people.seed import persons_bulk_create, persons_synthetic
    from kujdes.people.selectors import persons_with_keys

    count = int(params["count"])
    with system_scope():
        units: list[tuple[Any, float]] = []
        for code, share in ORGANISATION_SHARES.items():
            members = list(Unit.objects.filter(organisation=Organisation.objects.get(code=code)))
            total = sum(UNIT_KIND_WEIGHTS[u.kind] for u in members)
            units += [(u, share * UNIT_KIND_WEIGHTS[u.kind] / total) for u in members]
        started = time.perf_counter()
        done = 0
        step = max(count // 10, 1)
        persons = persons_synthetic(units=units, count=count, seed=int(params.get("seed", 7)))
        while done < count:
            batch = [next(persons) for _ in range(min(step, count - done))]
            done += persons_bulk_create(actor=None, persons=batch, batch_size=2000)
            if count >= 20_000:
                print(f"  seeded {done:,} persons ({time.perf_counter() - started:.0f} s)", flush=True)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        with connections["keys"].cursor() as cursor:
            cursor.execute("ANALYZE")
        analyse_seconds = time.perf_counter() - started
        # The ciphertexts are real: raw columns hold k1 tokens, and they open with the person keys.
        with connection.cursor() as cursor:
            cursor.execute("SELECT given_name, phones FROM people_person ORDER BY id DESC LIMIT 3")
            raw = [value for row in cursor.fetchall() for value in row if value is not None]
        assert raw and all(value.startswith("k1:") for value in raw), "identity stored in clear"
        sample = persons_with_keys(list(Person.objects.order_by("-id")[:3]))
        assert all(isinstance(p.given_name, str) and p.given_name for p in sample)
        persons_total = Person.objects.count()
        entries = BlindIndexEntry.objects.count()
    sizes: dict[str, int] = {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("people_person", "people_blindindexentry"):
                cursor.execute("SELECT pg_total_relation_size(%s)", [table])
                sizes[table] = int(cursor.fetchone()[0])
            cursor.execute("SELECT pg_database_size(current_database())")
            sizes["database"] = int(cursor.fetchone()[0])
    return {
        "count": count,
        "seconds": seconds,
        "analyse_seconds": analyse_seconds,
        "persons_total": persons_total,
        "blind_index_entries": entries,
        "sizes": sizes,
    }


def worker_decrypt(params: dict[str, Any]) -> dict[str, Any]:
    """Pages of 50 persons of the actor: keys attached in one query, four identity fields read."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    from kujdes.core.crypto import caches_clear
    from kujdes.people.selectors import persons_for_actor, persons_with_keys

    repetitions = int(params["repetitions"])
    actor, scope = _actor_scope(ACTOR)
    rng = random.Random(11)
    result: dict[str, Any] = {}
    with scope:
        persons = persons_for_actor(actor=actor)
        ids = list(persons.order_by("id").values_list("id", flat=True))
        result["persons_in_scope"] = len(ids)

        def page_read(cold: bool) -> tuple[float, float]:
            pivot = rng.choice(ids[PAGE:])
            if cold:
                caches_clear()
            started = time.perf_counter()
            page = list(persons.filter(id__lte=pivot).order_by("-id")[:PAGE])
            loaded = time.perf_counter()
            persons_with_keys(page)
            identities = [(p.given_name, p.family_name, p.date_of_birth, p.phones) for p in page]
            finished = time.perf_counter()
            assert len(page) == PAGE and all(isinstance(given, str) for given, *_rest in identities)
            return (loaded - started) * 1000, (finished - loaded) * 1000

        for _ in range(30):  # unmeasured: connections, imports, first plans
            page_read(cold=False)
        for variant in ("cold", "warm"):
            with CaptureQueriesContext(connections["keys"]) as keystore:
                page_read(cold=variant == "cold")
            timings = [page_read(cold=variant == "cold") for _ in range(repetitions)]
            query_ms = [q for q, _d in timings]
            decrypt_ms = [d for _q, d in timings]
            result[variant] = {
                "decrypt": summary(decrypt_ms),
                "page_query": summary(query_ms),
                "with_query": summary([q + d for q, d in timings]),
                "keystore_queries": len(keystore.captured_queries),
            }
    return result


def _search_queries(actor: Any, per_kind: int) -> list[tuple[str, str, bool]]:
    """(kind, query, expected to find someone) from real rows: the actor's units and elsewhere."""
    from kujdes.core.crypto import name_tokens
    from kujdes.core.roles import Perm
    from kujdes.core.scoping import system_scope
    from kujdes.core.selectors import units_for_actor
    from kujdes.people.models import Person
    from kujdes.people.selectors import persons_with_keys

    rng = random.Random(5)
    hits_per_kind = per_kind * 3 // 4
    with system_scope():
        units = list(units_for_actor(actor=actor, perm=Perm.PERSON_VIEW).values_list("pk", flat=True))

        def sample(persons: Any) -> list[Any]:
            # The same persons in every run (the seeding is deterministic too), in random order.
            chosen = rng.sample(sorted(persons.values_list("pk", flat=True)), per_kind * 4)
            by_pk = {person.pk: person for person in persons.filter(pk__in=chosen)}
            return persons_with_keys([by_pk[pk] for pk in chosen])

        inside = sample(Person.objects.filter(unit__in=units))
        outside = sample(Person.objects.exclude(unit__in=units))
    queries: list[tuple[str, str, bool]] = []
    # A family name: common or rare names of the actor's persons; absent names miss.
    for person in inside[:hits_per_kind]:
        queries.append(("family name", person.family_name, True))
    for index in range(per_kind - hits_per_kind):
        queries.append(("family name", ABSENT_FAMILY_NAMES[index % len(ABSENT_FAMILY_NAMES)], False))
    # A given and a family name; persons of other units or organisations miss (unless a namesake is here).
    for person in inside[hits_per_kind : 2 * hits_per_kind]:
        queries.append(("given + family name", f"{person.given_name} {person.family_name}", True))
    for person in outside[: per_kind - hits_per_kind]:
        queries.append(("given + family name", f"{person.given_name} {person.family_name}", False))
    # A phone number, typed as it is written down; another unit's numbers miss.
    with_phones = [p for p in inside if p.phones]
    for person in with_phones[:hits_per_kind]:
        queries.append(("phone number", rng.choice(person.phones), True))
    for person in [p for p in outside if p.phones][: per_kind - hits_per_kind]:
        queries.append(("phone number", person.phones[0], False))
    # An ID number; another organisation's or unit's documents miss.
    with_ids = [p for p in inside if p.id_documents]
    for person in with_ids[:hits_per_kind]:
        queries.append(("ID number", person.id_documents[0]["number"], True))
    for person in [p for p in outside if p.id_documents][: per_kind - hits_per_kind]:
        queries.append(("ID number", person.id_documents[0]["number"], False))
    assert all(name_tokens(q) for _k, q, _e in queries)
    rng.shuffle(queries)
    return queries


def _sql_part(sql: str) -> str:
    select_list = sql.split(" FROM ", 1)[0]
    if select_list.startswith("SELECT DISTINCT") and '"organisation_id"' in select_list:
        return "reach"  # person_search: which organisations are in reach (for their index keys)
    if '"people_blindindexentry"' in sql:
        return "search"  # the search itself: persons of the actor's units with the matching digests
    return "other"  # the actor's memberships


def worker_search(params: dict[str, Any]) -> dict[str, Any]:
    """person_search for realistic queries, timed in the application process."""
    from django.db import connection

    from kujdes.accounts.models import User
    from kujdes.people.selectors import person_search

    actor, scope = _actor_scope(ACTOR)
    queries = _search_queries(actor, int(params["per_kind"]))
    timings: dict[str, list[float]] = {}
    found: dict[str, list[int]] = {}
    parts: dict[str, list[float]] = {"reach": [], "search": [], "other": []}
    current: dict[str, float] = {}

    def sql_timer(execute: Any, sql: str, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, *args)
        finally:
            part = _sql_part(sql)
            current[part] = current.get(part, 0.0) + (time.perf_counter() - started) * 1000

    unexpected = 0
    with scope:
        for _kind, query, _expected in queries[:20]:  # warm-up: connection, index keys, plans
            list(person_search(actor=User.objects.get(pk=actor.pk), query=query)[:PAGE])
        for kind, query, expected in queries:
            # A fresh user object per search, as per request: its memberships are read inside the timing.
            fresh = User.objects.get(pk=actor.pk)
            current.clear()
            with connection.execute_wrapper(sql_timer):
                started = time.perf_counter()
                rows = list(person_search(actor=fresh, query=query)[:PAGE])
                elapsed = (time.perf_counter() - started) * 1000
            timings.setdefault(kind, []).append(elapsed)
            found.setdefault(kind, []).append(len(rows))
            for part, values in parts.items():
                values.append(current.get(part, 0.0))
            if expected and not rows:
                unexpected += 1
        plan = ""
        if params.get("explain"):
            kind_query = next(q for k, q, e in queries if k == "family name" and e)
            sql, sql_params = person_search(actor=actor, query=kind_query)[:PAGE].query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, sql_params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
    everything = [t for values in timings.values() for t in values]
    return {
        "all": summary(everything),
        "by_kind": {kind: summary(values) for kind, values in timings.items()},
        "parts": {part: summary(values) for part, values in parts.items()},
        "hits": {kind: sum(1 for n in values if n) for kind, values in found.items()},
        "searches": {kind: len(values) for kind, values in found.items()},
        "rows_median": {kind: statistics.median(values) for kind, values in found.items()},
        "expected_hits_missing": unexpected,
        "plan": plan,
    }


def worker_audit(params: dict[str, Any]) -> dict[str, Any]:
    """Append N events to one organisation's chain, each in its own transaction, after a start signal."""
    from django.db import connection, transaction

    from kujdes.core.audit import audit_record
    from kujdes.core.models import Organisation
    from kujdes.core.scoping import system_scope, tenant_scope

    count, writer = int(params["count"]), str(params["writer"])
    with system_scope():
        organisation = Organisation.objects.get(code=params["organisation"])
    with tenant_scope(organisation_ids=[organisation.pk]):
        connection.ensure_connection()
        Path(params["ready"]).touch()
        go = Path(params["go"])
        while not go.exists():
            time.sleep(0.001)
        started = time.time()
        for index in range(count):
            with transaction.atomic():
                audit_record(
                    actor=None,
                    organisation=organisation.pk,
                    action="bench.audit.appended",
                    details={"writer": writer, "index": index},
                )
        finished = time.time()
    return {"started": started, "finished": finished, "count": count}


def worker_audit_verify(params: dict[str, Any]) -> dict[str, Any]:
    from kujdes.core.audit import audit_chain_verify
    from kujdes.core.models import AuditEvent, Organisation
    from kujdes.core.scoping import system_scope

    with system_scope():
        organisation = Organisation.objects.get(code=params["organisation"])
        events = AuditEvent.objects.filter(organisation=organisation).count()
        started = time.perf_counter()
        problem = audit_chain_verify(organisation_id=organisation.pk)
        seconds = time.perf_counter() - started
    return {"events": events, "seconds": seconds, "problem": str(problem) if problem else ""}


def worker_count(params: dict[str, Any]) -> dict[str, Any]:
    """After a restore: how many persons, and do their identities still open."""
    from kujdes.core.scoping import system_scope
    from kujdes.people.models import Person
    from kujdes.people.selectors import persons_with_keys

    with system_scope():
        sample = persons_with_keys(list(Person.objects.order_by("?")[:20]))
        return {
            "persons": Person.objects.count(),
            "readable": all(isinstance(p.given_name, str) and p.given_name for p in sample),
        }


WORKERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "seed": worker_seed,
    "decrypt": worker_decrypt,
    "search": worker_search,
    "audit": worker_audit,
    "audit_verify": worker_audit_verify,
    "count": worker_count,
}


def worker_main(name: str, result_file: str, params_json: str) -> int:
    _django()
    result = WORKERS[name](json.loads(params_json))
    Path(result_file).write_text(json.dumps(result), encoding="utf-8")
    return 0


# --- the orchestra: installations, databases, timings --------------------------------


class Site:
    """An installation in a folder, driven through the `kujdes` command (see core/tests/installation.py)."""

    def __init__(self, root: Path, database_url: str) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": str(root),
            "LANG": "C.UTF-8",
            "KUJDES_SECRET_KEY": secrets.token_urlsafe(64),
            "KUJDES_VAR_DIR": str(root / "var"),
            "KUJDES_KEY_DIR": str(root / "keys"),
            "KUJDES_HTTPS": "false",
            "KUJDES_EMAIL_BACKEND": "memory",
            "KUJDES_LOG_LEVEL": "WARNING",
            # One benchmark actor asks for hundreds of searches a minute: a load test, not a person's
            # hour of work; the pages still pay for the read budget's bookkeeping, it never refuses them.
            "KUJDES_READ_BUDGET_ROWS_PER_HOUR": "100000000",
            "DATABASE_URL": database_url,
        }
        if "PYTHONPATH" in os.environ:  # a checkout other than the installed one
            self.env["PYTHONPATH"] = os.environ["PYTHONPATH"]

    def run(self, *args: str) -> tuple[str, float]:
        """Run `kujdes ARGS`; (stdout, wall seconds)."""
        started = time.perf_counter()
        result = subprocess.run(  # noqa: S603 - our interpreter, our module
            [sys.executable, "-m", "kujdes", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"kujdes {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout, seconds

    def worker_command(self, name: str, params: dict[str, Any], result_file: Path) -> list[str]:
        return [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            name,
            str(result_file),
            json.dumps(params),
        ]

    def worker_env(self, app_role: bool) -> dict[str, str]:
        return {**self.env, "KUJDES_DB_ROLE": APP_ROLE} if app_role else self.env

    def worker(self, name: str, params: dict[str, Any], *, app_role: bool = False) -> dict[str, Any]:
        result_file = self.root / f"result-{name}-{secrets.token_hex(3)}.json"
        subprocess.run(  # noqa: S603
            self.worker_command(name, params, result_file),
            cwd=ROOT,
            env=self.worker_env(app_role),
            check=True,
        )
        return json.loads(result_file.read_text(encoding="utf-8"))

    def installed(self) -> Site:
        self.run("keys", "init")
        self.run("migrate", "--no-input", "-v", "0")
        self.run("demo")
        return self


def PostgresDatabase(prefix: str) -> TemporaryPostgresDatabase:  # noqa: N802 - reads as the class it returns
    """A database of our own on the benchmark server, dropped afterwards."""
    return TemporaryPostgresDatabase(prefix, server=POSTGRES)


def postgres_available() -> bool:
    try:
        command = ["psql", "-X", "-q", f"{POSTGRES}/postgres", "-c", "SELECT 1"]
        return subprocess.run(command, check=False, capture_output=True).returncode == 0  # noqa: S603, S607
    except FileNotFoundError:
        return False


def postgres_settings() -> dict[str, str]:
    result = subprocess.run(  # noqa: S603
        [  # noqa: S607
            "psql",
            "-X",
            "-At",
            f"{POSTGRES}/postgres",
            "-c",
            "SELECT name, setting, coalesce(unit, '') FROM pg_settings"
            " WHERE name IN ('server_version', 'shared_buffers', 'synchronous_commit')",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    values = {}
    for line in result.stdout.splitlines():
        name, setting, unit = line.split("|")
        if unit == "8kB":
            setting, unit = f"{int(setting) * 8 // 1024}", "MB"
        values[name] = f"{setting} {unit}".strip()
    return values


def audit_run(site: Site, writers: int, count: int) -> dict[str, Any]:
    """`writers` processes appending `count` events each to caritas-al's chain, released together."""
    signals = site.root / f"audit-{secrets.token_hex(3)}"
    signals.mkdir()
    go = signals / "go"
    processes, result_files = [], []
    for index in range(writers):
        result_file = signals / f"result-{index}.json"
        params = {
            "count": count,
            "writer": str(index),
            "organisation": "caritas-al",
            "ready": str(signals / f"ready-{index}"),
            "go": str(go),
        }
        processes.append(
            subprocess.Popen(  # noqa: S603
                site.worker_command("audit", params, result_file), cwd=ROOT, env=site.worker_env(True)
            )
        )
        result_files.append(result_file)
    deadline = time.monotonic() + 120
    while not all((signals / f"ready-{i}").exists() for i in range(writers)):
        if time.monotonic() > deadline or any(p.poll() not in (None, 0) for p in processes):
            raise RuntimeError("an audit writer did not start")
        time.sleep(0.01)
    go.touch()
    for process in processes:
        if process.wait() != 0:
            raise RuntimeError("an audit writer failed")
    results = [json.loads(f.read_text(encoding="utf-8")) for f in result_files]
    seconds = max(r["finished"] for r in results) - min(r["started"] for r in results)
    total = sum(r["count"] for r in results)
    return {"writers": writers, "events": total, "seconds": seconds, "per_second": total / seconds}


def backup_drill(root: Path, engine: str) -> dict[str, Any]:
    """Demo + 2,000 persons; `kujdes backup`, wipe, `kujdes restore`; check what came back."""
    database = PostgresDatabase("kujdes_bench_backup") if engine == "postgresql" else None
    if database is not None:
        database.create()
    try:
        sqlite_file = root / engine / "var" / "kujdes.sqlite3"
        url = database.url if database is not None else f"sqlite:///{sqlite_file}"
        site = Site(root / engine, url).installed()
        site.worker("seed", {"count": BACKUP_PERSONS, "seed": 3})
        _out, startup = site.run("version")
        private_key = site.root / "backup.key"
        public_key, _seconds = site.run("backup", "--new-key", str(private_key))
        backup_file = site.root / "demo.kjb"
        _out, backup_seconds = site.run(
            "backup", "--output", str(backup_file), "--public-key", public_key.strip()
        )
        if database is not None:
            database.drop()
            database.create()
        else:
            for suffix in ("", "-wal", "-shm"):
                sqlite_file.with_name(sqlite_file.name + suffix).unlink(missing_ok=True)
        site.run("migrate", "--database", "keys", "-v", "0")  # the key store is kept, not restored
        _out, restore_seconds = site.run("restore", str(backup_file), "--private-key", str(private_key))
        verify, _seconds = site.run("audit", "verify")
        restored = site.worker("count", {})
        return {
            "engine": engine,
            "size": backup_file.stat().st_size,
            "backup_seconds": backup_seconds,
            "restore_seconds": restore_seconds,
            "startup_seconds": startup,
            "persons": restored["persons"],
            "readable": restored["readable"],
            "chain_intact": "chain intact" in verify,
        }
    finally:
        if database is not None:
            database.drop()


def measure(persons: int) -> dict[str, Any]:
    results: dict[str, Any] = {"persons": persons, "postgres": postgres_settings()}
    results["load_before"] = os.getloadavg()
    results["cpu_reference"] = [cpu_reference_ms()]
    root = Path(tempfile.mkdtemp(prefix="kujdes-bench-dp-"))
    try:
        with PostgresDatabase("kujdes_bench_dp") as database:
            print(f"PostgreSQL database {database.name}: keys init, migrate, demo", flush=True)
            site = Site(root / "search", database.url).installed()
            print(f"Seeding {persons:,} persons", flush=True)
            results["seed"] = site.worker("seed", {"count": persons})
            print("Decrypting 50-row pages", flush=True)
            results["cpu_reference"].append(cpu_reference_ms())
            results["decrypt"] = site.worker("decrypt", {"repetitions": DECRYPT_REPETITIONS}, app_role=True)
            print("Searching (runtime role, row-level security)", flush=True)
            results["search"] = site.worker(
                "search", {"per_kind": SEARCHES_PER_KIND, "explain": True}, app_role=True
            )
            print("Searching (superuser, row-level security bypassed)", flush=True)
            results["search_owner"] = site.worker("search", {"per_kind": SEARCHES_PER_KIND})
            print("Audit appends", flush=True)
            results["audit_one"] = audit_run(site, 1, AUDIT_EVENTS_PER_WRITER)
            results["audit_two"] = audit_run(site, 2, AUDIT_EVENTS_PER_WRITER)
            results["audit_verify"] = site.worker(
                "audit_verify", {"organisation": "caritas-al"}, app_role=True
            )
        print("Backup and restore, PostgreSQL", flush=True)
        results["backup_postgresql"] = backup_drill(root, "postgresql")
        print("Backup and restore, SQLite", flush=True)
        results["backup_sqlite"] = backup_drill(root, "sqlite")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    results["load_after"] = os.getloadavg()
    results["cpu_reference"].append(cpu_reference_ms())
    return results


# --- the report -----------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _verdict(ok: bool) -> str:
    return "✓" if ok else "✗"


def report(results: dict[str, Any], total_seconds: float) -> str:
    today = dt.date.today().isoformat()
    cores = os.cpu_count() or 0
    persons = results["persons"]
    pg = results["postgres"]
    decrypt, search, owner, seed = (
        results["decrypt"],
        results["search"],
        results["search_owner"],
        results["seed"],
    )
    a1, a2, verify = results["audit_one"], results["audit_two"], results["audit_verify"]
    backups = [
        (label, results[key])
        for key, label in (("backup_sqlite", "SQLite"), ("backup_postgresql", "PostgreSQL"))
    ]
    decrypt_ok = {v: decrypt[v]["decrypt"]["p95"] <= DECRYPT_TARGET_MS for v in ("warm", "cold")}
    search_ok = search["all"]["p95"] <= SEARCH_TARGET_MS

    def timing(figures: dict[str, float]) -> str:
        return f"median {_ms(figures['median'])} ms, p95 {_ms(figures['p95'])} ms"

    lines = [
        SECTION,
        "",
        f"Measured {today} on a {cores}-core {platform.machine()} machine ({platform.system()}, Python "
        f"{platform.python_version()}), PostgreSQL {pg.get('server_version', '?')} on 127.0.0.1 "
        f"(shared_buffers {pg.get('shared_buffers', '?')}, synchronous_commit "
        f"{pg.get('synchronous_commit', '?')}), the key store in its default SQLite file; "
        f"{total_seconds / 60:.1f} minutes in all, load average {results['load_before'][0]:.1f} before "
        f"and {results['load_after'][0]:.1f} after. Reproduce with `make bench` (or "
        "`.venv/bin/python bench/run.py data_protection`).",
        "",
        "The machine is a virtual machine whose speed varies from one minute to the next: the "
        "reference loop of this benchmark (10⁶ multiply-adds in pure Python, median of five) took from "
        "46 to 82 ms within a few minutes while it was written, so figures of two runs differ by up to "
        "that ratio. In this run it took "
        + " / ".join(f"{ms:.0f}" for ms in results["cpu_reference"])
        + " ms at the start, before the decryption pages and at the end.",
        "",
        f"Targets: decrypting the identities of a 50-row page ≤ {DECRYPT_TARGET_MS:g} ms (checked on the "
        f"p95); blind-index search among 200,000 persons, p95 ≤ {SEARCH_TARGET_MS:g} ms.",
        "",
        "Each installation is built in a temporary folder through the `kujdes` command (keys init, "
        "migrate, demo). The measuring code runs in an application process that connects as the "
        f"`postgres` superuser and switches to the runtime role `{APP_ROLE}` (`KUJDES_DB_ROLE`), so "
        "row-level security applies as in production (the seeding and one search run for comparison "
        "stay superuser); it works inside the tenant scope of the case worker "
        f"`{ACTOR}` (Archdiocese of Shkodër-Pult and its two centres) or of one organisation.",
        "",
        "| Measure | Result | Target |",
        "|---|---|:---:|",
        f"| Decrypt a 50-row page, organisation key cached | {timing(decrypt['warm']['decrypt'])} "
        f"| {_verdict(decrypt_ok['warm'])} ≤ {DECRYPT_TARGET_MS:g} ms |",
        f"| Decrypt a 50-row page, key caches cleared | {timing(decrypt['cold']['decrypt'])} "
        f"| {_verdict(decrypt_ok['cold'])} ≤ {DECRYPT_TARGET_MS:g} ms |",
        f"| Search among {persons:,} persons, runtime role | {timing(search['all'])} "
        f"| {_verdict(search_ok)} p95 ≤ {SEARCH_TARGET_MS:g} ms |",
        f"| Search among {persons:,} persons, superuser (no row-level security) "
        f"| {timing(owner['all'])} | — |",
        f"| Seeding {seed['count']:,} persons (`persons_bulk_create`) | {seed['seconds']:.0f} s, "
        f"{seed['count'] / seed['seconds']:,.0f} persons/s | — |",
        f"| Audit appends, one writer | {a1['per_second']:,.0f} events/s | — |",
        f"| Audit appends, two concurrent writers | {a2['per_second']:,.0f} events/s in all | — |",
        f"| `audit_chain_verify` | {verify['events']:,} events in {verify['seconds']:.2f} s | — |",
    ]
    for label, b in backups:
        lines.append(
            f"| Backup / restore, {label}, demo + {BACKUP_PERSONS:,} persons | {b['backup_seconds']:.1f} s / "
            f"{b['restore_seconds']:.1f} s, file {b['size'] / 1e6:.1f} MB | — |"
        )
    lines += [
        "",
        "### 1. Decrypting a 50-row page",
        "",
        f"{DECRYPT_REPETITIONS} pages per variant, each a random page (`id <= pivot`, newest first) of the "
        f"{decrypt['persons_in_scope']:,} persons in the case worker's units among the {persons:,} seeded. "
        "The figure is `persons_with_keys(page)` (the 50 person keys in one key-store query) plus reading "
        "`given_name`, `family_name`, `date_of_birth` and `phones` of each person: 50 person keys "
        "unwrapped, up to 200 values decrypted (persons without a date of birth or phone have fewer). "
        "*Cold*: `caches_clear()` before each page, so the master key file is read again and the "
        "organisation key loaded and unwrapped (key-store queries per page: "
        f"{decrypt['cold']['keystore_queries']} cold, {decrypt['warm']['keystore_queries']} warm). The "
        "query of the 50 rows in the data database is not in the figure; it is shown apart:",
        "",
        "| Variant | Keys + decryption, median / p95 (ms) | Data query, median / p95 (ms) "
        "| Both, median / p95 (ms) |",
        "|---|---:|---:|---:|",
    ]
    for variant in ("warm", "cold"):
        d = decrypt[variant]
        lines.append(
            f"| {variant} | {_ms(d['decrypt']['median'])} / {_ms(d['decrypt']['p95'])} "
            f"| {_ms(d['page_query']['median'])} / {_ms(d['page_query']['p95'])} "
            f"| {_ms(d['with_query']['median'])} / {_ms(d['with_query']['p95'])} |"
        )
    sizes = seed.get("sizes", {})
    parts = search["parts"]
    lines += [
        "",
        f"### 2. Blind-index search among {persons:,} persons",
        "",
        "Seeded with `kujdes.people.seed.persons_bulk_create` (person keys in bulk in the key store, "
        "rows encrypted by `EncryptedField.pre_save` inside `bulk_create`, blind index entries in bulk, "
        "one audit event per organisation and batch of 2,000) with invented Albanian-looking names, "
        "over the three demo organisations (70 % Caritas Shqiptare, 15 % each for the two others) and "
        f"their units: {seed['seconds']:.0f} s, then `VACUUM ANALYZE` in {seed['analyse_seconds']:.0f} s "
        "(the state autovacuum reaches by itself; run here so that it does not run during the "
        f"measurements). {seed['blind_index_entries']:,} blind index entries; the person table is "
        f"{sizes.get('people_person', 0) / 1e6:.0f} MB and the blind index "
        f"{sizes.get('people_blindindexentry', 0) / 1e6:.0f} MB with their indexes, the database "
        f"{sizes.get('database', 0) / 1e6:.0f} MB.",
        "",
        f"{sum(search['searches'].values())} searches by the case worker in random order, after 20 "
        "unmeasured ones, built from the seeded rows: names, phone numbers (written `06…` or `+355 …`) "
        "and ID numbers of persons in the worker's units (hits), of persons of other units and "
        "organisations (misses: out of reach), and family names nobody has (misses). The time is "
        "`list(person_search(actor=…, query=…)[:50])` in the application process: the actor's "
        "memberships (a fresh user object per search, as in a request), the organisations in reach, "
        "the blind indexes (HMAC-SHA256), the search query and the rows built (not decrypted).",
        "",
        "| Query | Searches | Found someone | Rows (median) | Median (ms) | p95 (ms) "
        "| p95 as superuser (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in sorted(search["by_kind"], key=QUERY_KINDS.index):
        figures = search["by_kind"][kind]
        lines.append(
            f"| {kind} | {search['searches'][kind]} | {search['hits'][kind]} "
            f"| {search['rows_median'][kind]:g} | {_ms(figures['median'])} | {_ms(figures['p95'])} "
            f"| {_ms(owner['by_kind'][kind]['p95'])} |"
        )
    lines += [
        "",
        "Where the time goes (database time of each part per search, runtime role):",
        "",
        "| Part | Median (ms) | p95 (ms) |",
        "|---|---:|---:|",
        "| The organisations in reach (`SELECT DISTINCT organisation_id …`, for their index keys) "
        f"| {_ms(parts['reach']['median'])} | {_ms(parts['reach']['p95'])} |",
        f"| The search query (persons of the worker's units with the matching digests) "
        f"| {_ms(parts['search']['median'])} | {_ms(parts['search']['p95'])} |",
        f"| The actor's memberships | {_ms(parts['other']['median'])} | {_ms(parts['other']['p95'])} |",
    ]
    if parts["search"]["p95"] > search["all"]["p95"] / 2:
        slowest = max(search["by_kind"], key=lambda kind: search["by_kind"][kind]["p95"])
        lines += [
            "",
            f"The tail is the search query itself, at its worst for *{slowest}*: a common name token "
            "matches thousands of persons of the organisation, and each one is looked up to learn "
            "whether its unit is one of the worker's before 50 are found (or none).",
        ]
    lines += [
        "",
        "### 3. Audit appends",
        "",
        "Events appended to the chain of Caritas Shqiptare, each in its own transaction "
        "(`transaction.atomic()` around `audit_record`: advisory lock on the organisation's chain, chain "
        "head, insert, commit), by writer processes released together; the two writers contend for the "
        "same chain lock, which is held until each commit.",
        "",
        "| Writers | Events | Seconds | Events per second |",
        "|---:|---:|---:|---:|",
        f"| 1 | {a1['events']:,} | {a1['seconds']:.1f} | {a1['per_second']:,.0f} |",
        f"| 2 concurrent | {a2['events']:,} | {a2['seconds']:.1f} | {a2['per_second']:,.0f} |",
        "",
        f"`audit_chain_verify` then read and checked the whole chain, {verify['events']:,} events, in "
        f"{verify['seconds']:.2f} s ({verify['events'] / verify['seconds']:,.0f} events/s): "
        f"{'intact' if not verify['problem'] else verify['problem']}.",
        "",
        "### 4. Backup and restore",
        "",
        f"The demo network with {BACKUP_PERSONS:,} persons (seeded as above): `kujdes backup --output FILE`, "
        "then the data database wiped (the key store is kept) and `kujdes restore FILE`. Seconds are the "
        "wall time of each command, start-up of Python and Django included (`kujdes version` alone takes "
        "the time in the last column).",
        "",
        "| Database | Backup file (MB) | Backup (s) | Restore (s) | After the restore | Start-up (s) |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for label, b in backups:
        restored = (
            f"{b['persons']:,} persons, identities {'readable' if b['readable'] else 'NOT READABLE'}, "
            f"audit chain {'intact' if b['chain_intact'] else 'BROKEN'}"
        )
        lines.append(
            f"| {label} | {b['size'] / 1e6:.2f} | {b['backup_seconds']:.2f} | {b['restore_seconds']:.2f} "
            f"| {restored} | {b['startup_seconds']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def document_update(section: str) -> None:
    document_section_write(heading=SECTION, section=section)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        return worker_main(*argv[1:4])
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--persons", type=int, default=PERSONS)
    parser.add_argument("--no-doc", action="store_true")
    options = parser.parse_args(argv)
    if not postgres_available():
        print(f"data_protection: skipped, no PostgreSQL at {POSTGRES}")
        return 0
    started = time.monotonic()
    results = measure(options.persons)
    if results["search"].get("plan"):
        print("\nPlan of a family-name search:\n" + results["search"]["plan"] + "\n")
    section = report(results, time.monotonic() - started)
    print(section)
    if not options.no_doc:
        document_update(section)
        print(f"Written to {DOC.relative_to(ROOT)} ({time.monotonic() - started:.0f} s).")
    missed = []
    if max(results["decrypt"][v]["decrypt"]["p95"] for v in ("warm", "cold")) > DECRYPT_TARGET_MS:
        missed.append("decryption of a 50-row page")
    if results["search"]["all"]["p95"] > SEARCH_TARGET_MS:
        missed.append("blind-index search")
    if missed:
        print("Target missed: " + ", ".join(missed))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
