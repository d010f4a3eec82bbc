"""Case work at network scale (issue 4): person search, case list and case page, server time and queries.

An installation is built in a temporary folder on PostgreSQL through the
`kujdes` command (keys init, migrate, demo), then `kujdes seed --persons
200000 --cases 50000` adds synthetic persons and case files across the demo
organisations. A worker process then requests the pages through Django's test
client, in-process, signed in as the demo case worker of Shkodër (or the
programme manager), as the runtime role `kujdes_app` so that row-level
security applies as in production. Server time is the time of the whole
request: middleware, scoping, queries, decryption, template.

Measured:
1. person search (`person_list?q=…`) with family names, given + family names, codes and misses;
2. the case list (`case_list`), first and later pages, with and without filters;
3. the case page (`case_detail`) of random cases of the case worker's diocese;
4. each page's query count for a short and a full page (it must not grow with the rows).

Run with `make bench` or `.venv/bin/python bench/run.py case_pages`; `--persons N --cases M` for trial
runs, `--no-doc` to leave docs/benchmarks.md alone.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _document import document_section_write
from data_protection import (
    APP_ROLE,
    PostgresDatabase,
    Site,
    cpu_reference_ms,
    postgres_available,
    summary,
)

BUDGET_MS = 100.0
REQUESTS = 200


class CaseSite(Site):
    def worker_command(self, name: str, params: dict[str, Any], result_file: Path) -> list[str]:
        command = super().worker_command(name, params, result_file)
        command[1] = str(Path(__file__).resolve())
        return command


# --- worker ------------------------------------------------------------------------


def _client(username: str) -> Any:
    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from django.test import Client

    from kujdes.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    user = User.objects.get(username=username)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "username": username},
        {"method": "mfa", "at": time.time(), "type": "totp"},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
    return client


def _timed(client: Any, url: str) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The connection keeps at most 9,000 queries in its log: start each capture from an empty one.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return elapsed, len(queries)


def worker_measure(params: dict[str, Any]) -> dict[str, Any]:
    from django.urls import reverse

    from kujdes.accounts.models import User
    from kujdes.cases.models import Case
    from kujdes.core.roles import Perm
    from kujdes.core.scoping import system_scope
    from kujdes.core.selectors import units_for_actor
    from kujdes.people.models import Person
    from kujdes.people.selectors import persons_with_keys

    rng = random.Random(11)
    with system_scope():
        worker = User.objects.get(username="caseworker-shkoder")
        units = list(units_for_actor(actor=worker, perm=Perm.CASE_VIEW).values_list("pk", flat=True))
        case_ids = list(Case.objects.filter(unit_id__in=units).values_list("public_id", flat=True))
        persons = persons_with_keys(list(Person.objects.filter(unit_id__in=units).order_by("?")[:300]))
        names = [(p.given_name, p.family_name, p.code) for p in persons if p.given_name]
        in_reach = {"persons": Person.objects.filter(unit_id__in=units).count(), "cases": len(case_ids)}
    client = _client("caseworker-shkoder")
    # Warm-up: connections, templates, the organisation key.
    for _ in range(5):
        _timed(client, reverse("case_list"))
    queries: list[str] = []
    for given, family, code in names:
        queries += [family, f"{given.split()[0]} {family}", code]
    queries += ["Shtylla", "Qirjazi Meksi", "AL-XXX-2020-999999"]
    searches = [_timed(client, reverse("person_list") + "?q=" + q) for q in rng.sample(queries, REQUESTS)]
    list_urls = [reverse("case_list")] + [
        reverse("case_list") + suffix
        for suffix in (
            "?page=2",
            "?page=5",
            "?status=Active",
            "?status=Closed",
            "?nrm_stage=official_victim",
            "?case_type=victim_assistance",
            "?status=FollowUp&page=2",
        )
    ]
    lists = [_timed(client, rng.choice(list_urls)) for _ in range(REQUESTS)]
    pages = [
        _timed(client, reverse("case_detail", kwargs={"public_id": public_id}))
        for public_id in rng.sample(case_ids, min(REQUESTS, len(case_ids)))
    ]
    # Queries for a short page and a full one.
    short_list = _timed(client, reverse("case_list") + "?nrm_stage=official_victim&status=ClosedReferred")[1]
    full_list = _timed(client, reverse("case_list"))[1]
    short_search = _timed(client, reverse("person_list") + "?q=Shtylla")[1]
    full_search = _timed(client, reverse("person_list") + "?q=" + names[0][1])[1]
    return {
        "in_reach": in_reach,
        "search": summary([t for t, _q in searches]),
        "case_list": summary([t for t, _q in lists]),
        "case_page": summary([t for t, _q in pages]),
        "queries": {
            "case_list_short": short_list,
            "case_list_full": full_list,
            "search_empty": short_search,
            "search_hits": full_search,
            "case_page_max": max(q for _t, q in pages),
            "case_page_min": min(q for _t, q in pages),
        },
    }


WORKERS = {"measure": worker_measure}


def worker_main(name: str, result_file: str, params_json: str) -> int:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kujdes.settings")
    import django

    django.setup()
    result = WORKERS[name](json.loads(params_json))
    Path(result_file).write_text(json.dumps(result), encoding="utf-8")
    return 0


# --- orchestra -------------------------------------------------------------------------


def measure(persons: int, cases: int) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="kujdes-bench-cases-") as folder,
        PostgresDatabase("bench_cases") as database,
    ):
        site = CaseSite(Path(folder), database.url).installed()
        site.run("collectstatic", "--no-input", "-v", "0")
        output, seed_seconds = site.run("seed", "--persons", str(persons), "--cases", str(cases))
        cpu = cpu_reference_ms()
        result = site.worker("measure", {}, app_role=True)
        result.update(persons=persons, cases=cases, seed_seconds=seed_seconds, cpu_reference_ms=cpu)
        return result


def _verdict(p95: float) -> str:
    return "met" if p95 <= BUDGET_MS else "**missed**"


def report(results: dict[str, Any]) -> str:
    q = results["queries"]
    rows = []
    for key, label in (
        ("search", "Person search (`person_list?q=`)"),
        ("case_list", "Case list (`case_list`)"),
        ("case_page", "Case page (`case_detail`)"),
    ):
        figures = results[key]
        rows.append(
            f"| {label} | {figures['n']} | {figures['median']:.1f} ms | **{figures['p95']:.1f} ms** | "
            f"{figures['max']:.1f} ms | ≤ {BUDGET_MS:.0f} ms, {_verdict(figures['p95'])} |"
        )
    return "\n".join(
        [
            "## Case work at network scale (issue 4)",
            "",
            f"PostgreSQL, {results['persons']:,} persons and {results['cases']:,} case files seeded with "
            f"`kujdes seed` in {results['seed_seconds']:.0f} s over the demo organisations. "
            "Measured as the demo "
            f"case worker of Shkodër, whose units hold {results['in_reach']['persons']:,} persons and "
            f"{results['in_reach']['cases']:,} cases, through Django's test client in one process as the "
            f"runtime role `{APP_ROLE}` (row-level security on). CPU reference loop: "
            f"{results['cpu_reference_ms']:.0f} ms.",
            "",
            "| Page | requests | median | p95 | max | budget |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            f"Queries per page: case list {q['case_list_short']} for a short page and "
            f"{q['case_list_full']} for a full one; person search {q['search_empty']} with no hit and "
            f"{q['search_hits']} with hits; case page {q['case_page_min']}–{q['case_page_max']} "
            "whatever the number of events, follow-ups and referrals.",
            "",
            "Reproduce: `.venv/bin/python bench/run.py case_pages` (about "
            f"{results['seed_seconds'] / 60 + 2:.0f} minutes).",
        ]
    )


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        return worker_main(argv[1], argv[2], argv[3])
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args(argv)
    if not postgres_available():
        print("PostgreSQL is not reachable: case_pages skipped.")
        return 0
    results = measure(args.persons, args.cases)
    print(json.dumps(results, indent=2))
    section = report(results)
    print(section)
    if not args.no_doc:
        document_section_write(heading="## Case work at network scale (issue 4)", section=section)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
