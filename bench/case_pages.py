"""Case work at network scale (issues 4 and 6): person search, case list and case page, server time.

Against the shared network installation of bench/_network.py (DESIGN.md §6's
dataset on PostgreSQL: 11 organisations, 200,000 persons, 50,000 cases, …, built
once and reused; `kujdes migrate` is run first, as an operator would after an
upgrade). A worker process requests the pages through Django's test client,
in-process, signed in as the demo case worker of Shkodër, as the runtime role
`kujdes_app` so that row-level security applies as in production. Server time
is the time of the whole request: middleware, scoping, queries, decryption,
template.

Measured:
1. person search (`person_list?q=…`) with family names, given + family names, codes and misses;
2. the case list (`case_list`), first and later pages, with and without filters;
3. the case page (`case_detail`) of random cases of the case worker's diocese;
4. each page's query count for a short and a full page (it must not grow with the rows).

Run with `make bench` or `.venv/bin/python bench/run.py case_pages`; `--trial` against the tiny
installation of `bench/_network.py --trial`, `--no-doc` to leave docs/benchmarks.md alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _document import document_section_write  # noqa: E402
from _network import TRIAL_DATABASE, TRIAL_ROOT, TRIAL_SEED, NetworkSite, network_site  # noqa: E402
from data_protection import APP_ROLE, cpu_reference_ms, postgres_available, summary  # noqa: E402

BUDGET_MS = 100.0
REQUESTS = 200
SECTION = "## Case work at network scale (issues 4 and 6)"
OLD_SECTION = "## Case work at network scale (issue 4)"
ACTOR = "caseworker-shkoder"


def _worker(site: NetworkSite, name: str) -> dict[str, Any]:
    """Run `name` in a worker process with the installation's environment, as the runtime role."""
    import subprocess

    result_file = site.root / f"case_pages-{name}.json"
    subprocess.run(  # noqa: S603
        [sys.executable, str(Path(__file__).resolve()), "--worker", name, str(result_file), "{}"],
        cwd=Path(__file__).resolve().parent.parent,
        env={**site.env, "KUJDES_DB_ROLE": APP_ROLE},
        check=True,
    )
    return json.loads(result_file.read_text(encoding="utf-8"))


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
    from urllib.parse import quote

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
        worker = User.objects.get(username=ACTOR)
        units = list(units_for_actor(actor=worker, perm=Perm.CASE_VIEW).values_list("pk", flat=True))
        case_ids = list(Case.objects.filter(unit_id__in=units).values_list("public_id", flat=True))
        persons = persons_with_keys(list(Person.objects.filter(unit_id__in=units).order_by("?")[:300]))
        names = [(p.given_name, p.family_name, p.code) for p in persons if p.given_name and p.family_name]
        in_reach = {"persons": Person.objects.filter(unit_id__in=units).count(), "cases": len(case_ids)}
    client = _client(ACTOR)
    # Warm-up: connections, templates, the organisation key.
    for _ in range(5):
        _timed(client, reverse("case_list"))
    queries: list[tuple[str, str]] = []
    for given, family, code in names:
        queries += [("family name", family), ("given + family name", f"{given.split()[0]} {family}")]
        queries += [("code", code)]
    queries += [("miss", "Shtylla"), ("miss", "Qirjazi Meksi"), ("miss", "AL-XXX-2020-999999")]
    sampled = rng.sample(queries, min(REQUESTS, len(queries)))
    searches = [(kind, *_timed(client, reverse("person_list") + "?q=" + quote(q))) for kind, q in sampled]
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
    full_search = _timed(client, reverse("person_list") + "?q=" + quote(names[0][1]))[1]
    by_kind = {
        kind: summary([t for k, t, _q in searches if k == kind])
        for kind in sorted({k for k, _t, _q in searches})
    }
    return {
        "in_reach": in_reach,
        "search": summary([t for _k, t, _q in searches]),
        "search_by_kind": by_kind,
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
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kujdes.settings")
    import django

    django.setup()
    result = WORKERS[name](json.loads(params_json))
    Path(result_file).write_text(json.dumps(result), encoding="utf-8")
    return 0


# --- orchestra -------------------------------------------------------------------------


def measure(site: NetworkSite) -> dict[str, Any]:
    try:
        site.run("migrate", "--no-input", "-v", "0")  # the code may have moved on since the build
    except RuntimeError as error:
        print(f"case_pages: migrate failed, measuring the database as it is:\n{error}", flush=True)
    site.run("collectstatic", "--no-input", "-v", "0")
    cpu = cpu_reference_ms()
    load_before = os.getloadavg()[0]
    result = _worker(site, "measure")
    result.update(
        seed=site.seed_facts(),
        cpu_reference_ms=cpu,
        load_average=[round(load_before, 1), round(os.getloadavg()[0], 1)],
        date=f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
    )
    return result


def _verdict(p95: float) -> str:
    return "met" if p95 <= BUDGET_MS else "**missed**"


# What issue 4 measured (same pages, same actor, its own 200k seed over the three demo organisations).
ISSUE_4_CPU_MS = 55.0
ISSUE_4 = (
    "For comparison, issue 4 (2026-11-28, its own seed of 200,000 persons over three organisations, CPU "
    "reference loop 55 ms): person search p50/p95/max 118/413/479 ms, case list 71/83/178 ms, case page "
    "122/169/242 ms; queries: search 21–23, case list 25, case page 43–47."
)

CHANGES = "\n".join(
    [
        ("What changed for issue 6:"),
        "",
        (
            "- **Person search.** The page no longer counts every match: it counts up to 100 and then says "
            '"more than 100 persons found" (with a hint to add a given name), and pages by fetching the '
            "page's ids plus one (is there a next page?), so a common family name costs what a rare one does."
            ' Pages stay exact: the order is total (whole-name matches first — "Hoxha" before "Hoxhaj" —, '
            "then newest, then id), a page past a known end gives the last page. The blind-index lookup reads"
            " a covering index (`people_blind_cover_idx`, person id included) as one range, `kind in (…) and "
            "digest in (…)`, instead of one bitmap scan per kind with a table visit for each entry. The "
            "rank comes from joining the persons to their matching entries once and grouping (not from a "
            "probe per match), and the count from the plain semi-join, which stops at 101. A person code is "
            "found by equality on the code index (codes are upper-case), no longer case-insensitively over "
            "every person of the units. The actor's units are read once per request."
        ),
        (
            '- **Case page.** The "add" forms of the sections (NRM decision, trafficking event, closure, '
            "transfer, support plan, task, service, follow-up, document) are no longer built with the page: "
            "each section's `<details>` fetches its form with htmx when opened "
            '(`hx-trigger="toggle once"`, a GET of the URL the form posts to, which answers with the '
            "`<form>` alone). Without JavaScript "
            "the section holds a link to the same URL, which shows that form alone; the forms post where they"
            " did, and a form sent with mistakes comes back open with what was typed. The note form (one text"
            " box) stays on the page. The page no longer queries the transfer units, the task assignees and "
            "plans, or the service providers; whether the actor works on the case follows from the units "
            "and assignments already read (assigned cases are cached per request like the units), and the "
            "closure setting is asked only for a closure form sent back with errors."
        ),
    ]
)


def _slowdown(results: dict[str, Any]) -> list[str]:
    """A note when a budget is missed while the machine ran slower than at issue 4's measurement."""
    missed = [key for key in ("search", "case_list", "case_page") if results[key]["p95"] > BUDGET_MS]
    ratio = results["cpu_reference_ms"] / ISSUE_4_CPU_MS
    if not missed or ratio < 1.5:
        return []
    return [
        "",
        f"The budgets marked missed were measured while the CPU reference loop ran {ratio:.1f}× slower than "
        f"at issue 4's measurement ({results['cpu_reference_ms']:.0f} ms against {ISSUE_4_CPU_MS:.0f} ms; "
        "other work shared the 2 cores): every figure above carries that slowdown. Re-run on a quiet "
        "machine to judge them.",
    ]


def report(results: dict[str, Any]) -> str:
    q = results["queries"]
    seed = results["seed"]
    counts = seed.get("counts", {})
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
    kinds = "; ".join(
        f"{kind} {figures['n']}× p50 {figures['median']:.0f} / p95 {figures['p95']:.0f} ms"
        for kind, figures in results["search_by_kind"].items()
    )
    before, after = results["load_average"]
    return "\n".join(
        [
            SECTION,
            "",
            f"Measured {results['date']} on the shared network installation (`bench/_network.py`: "
            f"{counts.get('organisations', 0):,} organisations, {counts.get('persons', 0):,} persons, "
            f"{counts.get('cases', 0):,} case files, {counts.get('users', 0):,} users; built with "
            f"`{seed.get('seed_command', 'kujdes seed --scale network')}`), PostgreSQL "
            f"{seed.get('machine', {}).get('postgresql', '?')}. As the demo case worker of Shkodër, whose "
            f"units hold {results['in_reach']['persons']:,} persons and "
            f"{results['in_reach']['cases']:,} cases, through "
            f"Django's test client in one process as the runtime role `{APP_ROLE}` (row-level security on). "
            f"CPU reference loop: {results['cpu_reference_ms']:.0f} ms; load average {before} before, "
            f"{after} after (the machine's 2 cores are shared with other work).",
            "",
            "| Page | requests | median | p95 | max | budget |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            f"Person search by kind of query: {kinds}.",
            *_slowdown(results),
            "",
            f"Queries per page: case list {q['case_list_short']} for a short page and "
            f"{q['case_list_full']} for a full one; person search {q['search_empty']} with no hit and "
            f"{q['search_hits']} with hits; case page {q['case_page_min']}–{q['case_page_max']} "
            "whatever the number of events, follow-ups and referrals.",
            "",
            ISSUE_4,
            "",
            CHANGES,
            "",
            "Reproduce: `.venv/bin/python bench/run.py case_pages` (about 3 minutes once the network "
            "installation exists; building it first takes about 15 more).",
        ]
    )


def _rename_old_section() -> None:
    """Issue 4's section becomes this one (its figures are kept in one line of the new text)."""
    from _document import DOC

    if DOC.exists():
        text = DOC.read_text(encoding="utf-8")
        if OLD_SECTION + "\n" in text and SECTION + "\n" not in text:
            DOC.write_text(text.replace(OLD_SECTION + "\n", SECTION + "\n", 1), encoding="utf-8")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        return worker_main(argv[1], argv[2], argv[3])
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--trial", action="store_true", help="the tiny trial installation")
    parser.add_argument("--no-doc", action="store_true", help="do not write docs/benchmarks.md")
    args = parser.parse_args(argv)
    if not postgres_available():
        print("PostgreSQL is not reachable: case_pages skipped.")
        return 0
    if args.trial:
        site = network_site(root=TRIAL_ROOT, database=TRIAL_DATABASE, seed_args=TRIAL_SEED)
    else:
        site = network_site()
    results = measure(site)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    section = report(results)
    print(section)
    (site.root / "case_pages.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    if not args.no_doc and not args.trial:
        _rename_old_section()
        document_section_write(heading=SECTION, section=section)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
