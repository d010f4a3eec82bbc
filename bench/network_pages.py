"""Network scale (issue 6): weight, first paint and server memory of the ten most used pages.

Against the persistent network installation of bench/_network.py (DESIGN.md §6's
dataset on PostgreSQL, built once, ~11 minutes), served by gunicorn with ONE sync
worker as the runtime role `kujdes_app` (row-level security on), static files
collected and served by whitenoise as in production. Debian's Chromium signs in
through the real login and TOTP pages as the demo users whose pages these are:
the case worker of Shkodër (home, person search, a person, the case list, a case,
a new screening), the educator of Lezhë (today, an attendance register, the
activity list) and the manager of Shkodër (the indicator dashboard, when
`report_dashboard` resolves).

For each page, as bench/page_weight.py measures (its helpers are reused):
- cold and warm bytes: Chromium's `encodedDataLength` over every response (HTML,
  CSS, JS, favicon; headers included), as served and "behind a compressing
  proxy" (the HTML body replaced by its gzip size);
- the server's time to the first byte (Navigation Timing, responseStart −
  requestStart; median of five warm loads, no throttling);
- first contentful paint, cold (cache disabled), median of three, with
  page_weight.py's slow-3G emulation (400 ms latency, 50,000 bytes/s down and
  up: the budget's definition), and once with Chrome DevTools' "Slow 3G" preset
  (2,000 ms latency, same throughput), for information.
Then the gunicorn worker's peak resident memory (`VmHWM` of the master's child).

Run with `.venv/bin/python bench/run.py network_pages` (or directly). Options:
`--trial` (the tiny installation of `bench/_network.py --trial`), `--no-doc`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _document import document_section_write  # noqa: E402
from _network import (  # noqa: E402
    NETWORK_DATABASE,
    TRIAL_DATABASE,
    TRIAL_ROOT,
    TRIAL_SEED,
    NetworkSite,
    network_site,
)
from data_protection import ROOT, _actor_scope, _django  # noqa: E402
from page_weight import (  # noqa: E402
    COLD_BUDGET,
    FCP_BUDGET_MS,
    SLOW_3G,
    WARM_BUDGET,
    Load,
    _free_port,
    _wait_for,
    measured_goto,
    recording,
    totp_now,
)

DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Network scale: pages, weight and memory (issue 6)"
DATASET_SECTION = "## Network dataset (issue 6)"
RSS_BUDGET_MB = 250
SEED_BUDGET_SECONDS = 15 * 60
DEVTOOLS_SLOW_3G = {**SLOW_3G, "latency": 2_000}  # DevTools' preset: 400 ms × 5, 500 kbit/s × 0.8
FCP_RUNS = 3
SERVER_RUNS = 6

CASE_WORKER = "caseworker-shkoder"
EDUCATOR = "educator-lezhe"
MANAGER = "manager-shkoder"
COMMON_FAMILY_NAME = "Hoxha"  # the most frequent of kujdes.people.seed.FAMILY_NAMES

# DESIGN.md §6's network dataset.
DATASET_TARGETS = {
    "organisations": 11,
    "units": 60,
    "users": 500,
    "persons": 200_000,
    "cases": 50_000,
    "activities": 10_000,
    "participation rows": 1_000_000,
}


# Why the budgets missed on 2026-11-29 were missed: read from the pages as served (kept in
# var/bench-network/pages/), the server's CPU time and PostgreSQL's plans. Revise when the pages change.
FINDINGS = """Why, as found on 2026-11-29 (pages as served, CPU times, query plans):

- *Indicator dashboard* (new, being built): its HTML is about 60 KB. The 15 inline SVG charts make
  27 KB of it: every bar repeats its `fill`, and every label its `text-anchor`, `fill` and `font-size`
  (kujdes/reports/charts.py), which a `<g>` or a class could carry once; each chart's values are also
  written three times (the `<desc>`, the bar labels, and the data table beside it). The 18 data tables
  take 10.6 KB, inside 34 `<details>` (9.5 KB together). It is computed on every request: about 0.3 s of
  Python and 0.6 s of PostgreSQL CPU for a diocese and a year. Behind a compressing proxy it weighs
  30 KB cold and 10 KB warm (within budget), but its first paint cannot be within 2 s on slow 3G: 61 KB
  take 1.2 s to arrive at 50,000 bytes/s, after about 0.9 s of the server's work.
- *Case list*, warm: 16.1 KB of HTML for 25 rows — the rows 8.6 KB (about 330 bytes each, 60 of them
  indentation in cases/_case_rows.html), the ten filters 4.1 KB (Django's built-in field templates
  leave about 1 KB of blank lines), the page's frame 2.4 KB, pagination and the export control 1.1 KB;
  2.6 KB of the page is whitespace between tags. 5.0 KB behind a compressing proxy.
- *Attendance register*, warm: the largest register among the educator's 530 activities (a camp of 50,
  46 on the register); its markup is already compact, about 200 bytes a participant, so a course of 24
  weighs about 10 KB. 4.2 KB behind a compressing proxy.
- *First paint* of the other pages: within 2 s in this run, but the person page, the person search and
  the activity list took 2.0–2.2 s in earlier runs the same morning: the server answered in 0.4–1.1 s of
  wall time on a machine whose load average was 7–15 on 2 cores, for 0.1–0.2 s of CPU (Python +
  PostgreSQL; "?" where the worker reconnected to PostgreSQL during the measure). The person page
  runs 45 queries; its slowest lists the person's relations (kujdes/people/selectors.py,
  `person_relations`): the reach of the other person is tested with `IN (SELECT … people_person …)`,
  which PostgreSQL answers by hashing every person in the case worker's units (38,570 rows, 60–110 ms
  when not cached) even though the table of relations holds four rows.
- *Memory*: the worker's peak is reached at the first sign-in, not by the pages: Django's Argon2
  hasher checks a password with 100 MiB of memory (`memory_cost` 102,400 KiB), taking the worker from
  about 93 MB to 195 MB; the ten pages add less than 10 MB to that.
"""


# --- worker: runs inside the installation's environment ------------------------------------------


def worker_targets() -> dict[str, Any]:
    """The pages to measure, for these users, on this dataset; and what the users see."""
    from django.db.models import Count
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from kujdes.cases.selectors import cases_for_actor
    from kujdes.people.selectors import person_search, persons_for_actor
    from kujdes.programme.models import Participation, Session
    from kujdes.programme.selectors import activities_for_actor

    pages: list[dict[str, str]] = []
    facts: dict[str, Any] = {}
    worker, scope = _actor_scope(CASE_WORKER)
    with scope:
        facts["case worker's persons"] = persons_for_actor(actor=worker).count()
        facts["case worker's cases"] = cases_for_actor(actor=worker).count()
        facts[f"persons found for “{COMMON_FAMILY_NAME}”"] = person_search(
            actor=worker, query=COMMON_FAMILY_NAME
        ).count()
        case = cases_for_actor(actor=worker).select_related("person").order_by("-pk").first()
        person = case.person
        pages += [
            {"name": "Home", "user": CASE_WORKER, "path": reverse("home")},
            {
                "name": "Person search (common family name)",
                "user": CASE_WORKER,
                "path": reverse("person_list") + f"?q={COMMON_FAMILY_NAME}",
            },
            {
                "name": "Person page",
                "user": CASE_WORKER,
                "path": reverse("person_detail", args=[person.public_id]),
            },
            {"name": "Case list", "user": CASE_WORKER, "path": reverse("case_list")},
            {"name": "Case page", "user": CASE_WORKER, "path": reverse("case_detail", args=[case.public_id])},
            {
                "name": "New screening",
                "user": CASE_WORKER,
                "path": reverse("screening_create", args=[person.public_id]),
            },
        ]
    educator, scope = _actor_scope(EDUCATOR)
    with scope:
        activities = activities_for_actor(actor=educator)
        facts["educator's activities"] = activities.count()
        today = timezone.localdate()
        facts["educator's sessions today"] = Session.objects.filter(
            activity__in=activities, date=today
        ).count()
        # The largest register among the educator's activities: its latest session up to today.
        biggest = (
            Participation.objects.filter(
                activity_id__in=activities.filter(sessions__date__lte=today).values("pk")
            )
            .values("activity_id")
            .annotate(enrolled=Count("id"))
            .order_by("-enrolled", "-activity_id")
            .first()
        )
        session = (
            Session.objects.filter(activity_id=biggest["activity_id"], date__lte=today)
            .select_related("activity")
            .order_by("-date", "-pk")
            .first()
        )
        facts["register's participants"] = biggest["enrolled"]
        pages += [
            {"name": "Today (programme)", "user": EDUCATOR, "path": reverse("session_today")},
            {
                "name": "Attendance register",
                "user": EDUCATOR,
                "path": reverse("attendance_register", args=[session.activity.public_id, session.public_id]),
            },
            {"name": "Activity list", "user": EDUCATOR, "path": reverse("activity_list")},
        ]
    try:
        pages.append({"name": "Indicator dashboard", "user": MANAGER, "path": reverse("report_dashboard")})
        facts["report_dashboard"] = "resolves"
    except NoReverseMatch:
        facts["report_dashboard"] = "does not resolve (not wired in kujdes/urls.py)"
    return {"pages": pages, "facts": facts}


def worker_main(result_file: str) -> int:
    _django()
    Path(result_file).write_text(json.dumps(worker_targets()), encoding="utf-8")
    return 0


# --- the browser side -----------------------------------------------------------------------------


def sign_in(browser: Any, base_url: str, account: dict[str, Any]) -> Any:
    """The real login and TOTP pages; the signed-in storage state."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{base_url}/accounts/login/")
        page.fill("input[name=login]", account["username"])
        page.fill("input[name=password]", account["password"])
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{base_url}/accounts/2fa/authenticate/")
        page.fill("input[name=code]", totp_now(account["totp_secret"]))
        page.locator("main form:has(input[name=code]) button[type=submit]").click()
        page.wait_for_url(f"{base_url}/", timeout=60_000)
        return context.storage_state()
    finally:
        context.close()


def _server_ms(page: Any) -> float:
    return float(
        page.evaluate(
            "(() => { const n = performance.getEntriesByType('navigation')[0];"
            " return n.responseStart - n.requestStart; })()"
        )
    )


def weigh(
    browser: Any, base_url: str, path: str, state: Any, worker: int
) -> tuple[Load, Load, list[float], dict[str, float]]:
    """Cold and warm loads in a new context, then warm loads for the server's time to first byte.

    Over the warm loads after the first, the CPU time of the gunicorn worker and of its PostgreSQL
    backend (the connection is kept between requests) per request: what the page costs the server
    however busy the machine is.
    """
    context = browser.new_context(storage_state=state)
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        with recording(context, page) as (_cdp, loads):
            cold = measured_goto(page, loads, base_url + path)
            warm = measured_goto(page, loads, base_url + path)
            server = [_server_ms(page)]
            backends = _postgres_backends(worker)
            app_before, db_before = _cpu_ticks(worker), sum(_cpu_ticks(b) for b in backends)
            for _ in range(SERVER_RUNS - 1):
                measured_goto(page, loads, base_url + path)
                server.append(_server_ms(page))
            app_after, db_after = _cpu_ticks(worker), sum(_cpu_ticks(b) for b in backends)
            if set(_postgres_backends(worker)) != set(backends):  # reconnected meanwhile: not comparable
                backends = []
        tick_ms = 1000 / os.sysconf("SC_CLK_TCK") / (SERVER_RUNS - 1)
        cpu = {
            "app_ms": (app_after - app_before) * tick_ms,
            "db_ms": (db_after - db_before) * tick_ms if backends else float("nan"),
            "load": os.getloadavg()[0],
        }
        return cold, warm, server, cpu
    finally:
        context.close()


def fcp(browser: Any, base_url: str, path: str, state: Any, conditions: dict[str, Any]) -> float:
    context = browser.new_context(storage_state=state)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", conditions)
        page.goto(base_url + path, wait_until="load", timeout=180_000)
        page.wait_for_function(
            "performance.getEntriesByName('first-contentful-paint').length > 0", timeout=60_000
        )
        return float(page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime"))
    finally:
        context.close()


def _cpu_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _postgres_backends(pid: int) -> list[int]:
    """The PostgreSQL backends serving a process: its TCP sockets to port 5432, by client port."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = []
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text(encoding="ascii").splitlines()[1:]:
            parts = line.split()
            if parts[9] in inodes and parts[2].endswith(":1538"):  # remote port 5432
                ports.append(int(parts[1].rsplit(":", 1)[1], 16))
    if not ports:
        return []
    from _network import _psql

    listed = ", ".join(str(port) for port in ports)
    answer = _psql(f"SELECT pid FROM pg_stat_activity WHERE client_port IN ({listed})")  # noqa: S608
    return [int(line) for line in answer.split()]


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="ascii")
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def measure(site: NetworkSite, targets: dict[str, Any]) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from kujdes.core.tests.chromium import CHROMIUM, CHROMIUM_ARGS

    accounts = {
        a["username"]: a
        for a in json.loads((site.root / "var" / "demo-accounts.json").read_text(encoding="utf-8"))
    }
    port = _free_port()
    env = {**site.worker_env(app_role=True), "KUJDES_STATIC_FROM_APPS": "false", "KUJDES_DEBUG": "false"}
    log = site.root / "gunicorn.log"
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "kujdes.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "-t", "120"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    base_url = f"http://127.0.0.1:{port}"
    rows: list[dict[str, Any]] = []
    result: dict[str, Any] = {"rows": rows}
    try:
        _wait_for(f"{base_url}/healthz", server, seconds=60)
        workers = _children(server.pid)
        result["rss_after_start_kb"] = _status_kb(workers[0], "VmRSS") if workers else 0
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            result["chromium"] = browser.version
            try:
                states: dict[str, Any] = {}
                for target in targets["pages"]:
                    user = target["user"]
                    if user not in states:
                        states[user] = sign_in(browser, base_url, accounts[user])
                    row: dict[str, Any] = dict(target)
                    try:
                        cold, warm, server_ms, cpu = weigh(
                            browser, base_url, target["path"], states[user], workers[0]
                        )
                    except RuntimeError as error:  # the page answered something other than 200
                        row["error"] = str(error)
                        rows.append(row)
                        print(f"  {target['name']}: {error}", flush=True)
                        continue
                    row["cold"] = _figures(cold)
                    pages_dir = site.root / "pages"  # the HTML as served, to look into a heavy page
                    pages_dir.mkdir(exist_ok=True)
                    (pages_dir / f"{len(rows):02d}.html").write_bytes(cold.html_body)
                    row["warm"] = _figures(warm)
                    row["server_ms"] = statistics.median(server_ms)
                    row["cpu"] = cpu
                    row["worker_vmhwm_kb"] = _status_kb(workers[0], "VmHWM")  # the peak so far
                    row["fcp_ms"] = statistics.median(
                        fcp(browser, base_url, target["path"], states[user], SLOW_3G) for _ in range(FCP_RUNS)
                    )
                    row["fcp_devtools_ms"] = fcp(
                        browser, base_url, target["path"], states[user], DEVTOOLS_SLOW_3G
                    )
                    rows.append(row)
                    print(
                        f"  {target['name']}: cold {cold.total:,} B, warm {warm.total:,} B,"
                        f" server {row['server_ms']:.0f} ms, FCP {row['fcp_ms']:.0f} ms"
                        f" (DevTools preset {row['fcp_devtools_ms']:.0f} ms)",
                        flush=True,
                    )
            finally:
                browser.close()
        workers_after = _children(server.pid)
        result["worker_restarted"] = workers_after != workers
        if workers_after:
            result["vmhwm_kb"] = _status_kb(workers_after[0], "VmHWM")
            result["vmrss_kb"] = _status_kb(workers_after[0], "VmRSS")
        result["master_vmhwm_kb"] = _status_kb(server.pid, "VmHWM")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    return result


def _figures(load: Load) -> dict[str, Any]:
    return {
        "requests": load.requests,
        "total": load.total,
        "html": load.by_kind("html"),
        "css": load.by_kind("css"),
        "js": load.by_kind("js"),
        "html_body": len(load.html_body),
        "behind_proxy": load.behind_proxy,
    }


# --- the report -----------------------------------------------------------------------------------


def _kb(size: int) -> str:
    return f"{size / 1000:.1f}"


def _ok(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _cpu(row: dict[str, Any]) -> str:
    cpu = row.get("cpu")
    if not cpu:
        return "—"
    db = "?" if math.isnan(cpu["db_ms"]) or cpu["db_ms"] < 0 else f"{cpu['db_ms']:.0f}"
    return f"{cpu['app_ms']:.0f} + {db}"


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {seconds % 60:02.0f} s"


def participation_rows(counts: dict[str, int]) -> int:
    return counts["participations (enrolments)"] + counts["attendance marks"]


def dataset_report(seed: dict[str, Any]) -> str:
    counts = seed["counts"]
    machine = seed["machine"]
    seed_seconds = seed["seed_seconds"]
    actual = {
        "organisations": counts["organisations"],
        "units": counts["units"],
        "users": counts["users"],
        "persons": counts["persons"],
        "cases": counts["cases"],
        "activities": counts["activities"],
        "participation rows": participation_rows(counts),
    }
    lines = [
        DATASET_SECTION,
        "",
        "The network-scale installation of the issue-6 benchmarks (bench/_network.py), built"
        f" {seed['built_at']} on a {machine['cpus']}-core machine with {machine['memory_gb']} GB of memory"
        f" (Python {machine['python']}, PostgreSQL {machine['postgresql']}, commit {machine['commit']})"
        " while other work ran on it, as an operator would: `kujdes keys init`, `migrate`, `demo`, then"
        f" `{seed['seed_command']}`. It lives in `var/bench-network/` and the database"
        f" `{NETWORK_DATABASE}`, and is reused by later runs; rebuild it with"
        " `.venv/bin/python bench/_network.py --rebuild`.",
        "",
        "| Step | Wall time | CPU time of the `kujdes` process | Load average (15 min) at its end |",
        "|---|---:|---:|---:|",
    ]
    cpu = seed.get("steps_cpu_seconds", {})
    load = seed.get("steps_load_average_15min", {})
    for step, seconds in seed["steps_seconds"].items():
        step_cpu = f"{_minutes(cpu[step])}" if step in cpu else "—"
        step_load = f"{load[step]:.1f}" if step in load else "—"
        lines.append(f"| `kujdes {step}` | {_minutes(seconds)} | {step_cpu} | {step_load} |")
    seed_step = seed["seed_command"].removeprefix("kujdes ")
    lines += [
        f"| Total | {_minutes(seed['total_seconds'])} | | |",
        "",
    ]
    lines += [f"{seed[key]}\n" for key in sorted(seed) if key.endswith("_note")]
    verdict = (
        f"Seeding budget: ≤ 15 min on this machine — `kujdes {seed_step}` took {_minutes(seed_seconds)} of"
        f" wall time, {_ok(seed_seconds <= SEED_BUDGET_SECONDS)}."
    )
    if seed_step in cpu:
        busy = cpu[seed_step] + seed.get("postgres_backend_cpu_seconds", 0)
        verdict += (
            f" Its own CPU time was {_minutes(cpu[seed_step])}"
            + (
                f", and its PostgreSQL backend's {_minutes(seed['postgres_backend_cpu_seconds'])}"
                if seed.get("postgres_backend_cpu_seconds")
                else ""
            )
            + f": about {_minutes(busy)} of work, roughly what the step would take on this machine when"
            " nothing else runs (it is one process after another: the command waits for its database)."
        )
    lines += [
        verdict + f" Database size after seeding: {seed['database_bytes'] / 1e9:.2f} GB.",
        "",
        "Volumes against DESIGN.md §6 (*participation rows* count enrolments and attendance marks together):",
        "",
        "| Rows | DESIGN.md §6 | Seeded |",
        "|---|---:|---:|",
    ]
    for label, target in DATASET_TARGETS.items():
        approx = "~" if label == "units" else ""
        lines.append(f"| {label} | {approx}{target:,} | {actual[label]:,} |")
    rows = actual["participation rows"]
    lines += [
        "",
        f"Participation rows: ≥ {DATASET_TARGETS['participation rows']:,} — {rows:,},"
        f" {_ok(rows >= DATASET_TARGETS['participation rows'])}.",
    ]
    lines += ["", "Every table counted:", "", "| Table | Rows |", "|---|---:|"]
    for label, count in counts.items():
        lines.append(f"| {label} | {count:,} |")
    return "\n".join(lines) + "\n"


def pages_report(results: dict[str, Any], facts: dict[str, Any], seed: dict[str, Any]) -> str:
    rows = results["rows"]
    measured = [r for r in rows if "cold" in r]
    hwm_mb = results.get("vmhwm_kb", 0) / 1024
    start_mb = results.get("rss_after_start_kb", 0) / 1024
    machine = seed["machine"]
    lines = [
        SECTION,
        "",
        f"Measured {dt.date.today().isoformat()} on the network dataset (see *Network dataset (issue 6)*): a"
        f" {os.cpu_count()}-core {platform.machine()} machine, Python {platform.python_version()}, PostgreSQL"
        f" {machine['postgresql']}, Chromium {results.get('chromium', '?')} headless; gunicorn with one sync"
        " worker on 127.0.0.1, connected as the runtime role `kujdes_app` (row-level security on),"
        " `KUJDES_DEBUG=false`, static files collected and served by whitenoise. Signed in through the real"
        f" login and TOTP pages as `{CASE_WORKER}`, `{EDUCATOR}` and `{MANAGER}`. Reproduce with"
        " `.venv/bin/python bench/run.py network_pages` (it builds the installation first if it is not"
        " there).",
        "",
        "What these users see: "
        + "; ".join(f"{k}: {v:,}" if isinstance(v, int) else f"{k}: {v}" for k, v in facts.items())
        + ".",
        "",
        f"Budgets: ≤ {COLD_BUDGET // 1000} KB cold, ≤ {WARM_BUDGET // 1000} KB warm (as served), first"
        f" contentful paint ≤ {FCP_BUDGET_MS / 1000:g} s on slow 3G, gunicorn worker peak RSS ≤"
        f" {RSS_BUDGET_MB} MB. KB = 1,000 bytes.",
        "",
        "Bytes are Chromium's `encodedDataLength` over every response (HTML, CSS, JS, favicon), headers"
        " included, as bench/page_weight.py counts them. *Cold*: a new browser context (only the session"
        " cookie); *warm*: the same page again in that context (static files from the cache; signed-in HTML"
        " is `no-store`). *Behind a proxy*: the HTML body replaced by its gzip size (level 6), as a"
        " compressing reverse proxy would serve it. *Server*: time to first byte (Navigation Timing,"
        f" responseStart − requestStart), median of {SERVER_RUNS} warm loads, no throttling. *Server CPU*:"
        f" CPU time per request of the gunicorn worker + of its PostgreSQL backend, over {SERVER_RUNS - 1}"
        " warm loads (from /proc, 10 ms ticks): the server's own work, which does not grow when other"
        " processes share the cores, unlike the wall times beside it. *FCP*: first"
        f" contentful paint, cold (cache disabled), median of {FCP_RUNS}, with bench/page_weight.py's slow 3G"
        " (400 ms latency, 50,000 bytes/s down and up) — the budget's measure; *FCP, DevTools Slow 3G*: once"
        " with Chrome DevTools' preset (2,000 ms latency, same throughput), for information: one request"
        " alone costs 2 s there, so no page can paint within 2 s under it.",
        "",
        "| Page | User | Requests | HTML | Cold (KB) | Cold, behind a proxy | Warm (KB)"
        " | Warm, behind a proxy | Server (ms) | Server CPU (ms) | FCP (ms) | FCP, DevTools Slow 3G (ms)"
        " | Budgets |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for row in rows:
        if "cold" not in row:
            lines.append(
                f"| {row['name']} `{row['path']}` | `{row['user']}` |"
                + " — |" * 10
                + f" not measured: {row['error']} |"
            )
            continue
        cold, warm = row["cold"], row["warm"]
        ok = cold["total"] <= COLD_BUDGET and warm["total"] <= WARM_BUDGET and row["fcp_ms"] <= FCP_BUDGET_MS
        lines.append(
            f"| {row['name']} `{row['path']}` | `{row['user']}` | {cold['requests']} | {_kb(cold['html'])}"
            f" | {_kb(cold['total'])} | {_kb(cold['behind_proxy'])} | {_kb(warm['total'])}"
            f" | {_kb(warm['behind_proxy'])} | {row['server_ms']:.0f} | {_cpu(row)} | {row['fcp_ms']:.0f}"
            f" | {row['fcp_devtools_ms']:.0f} | {_ok(ok)} |"
        )
    peaks = [(r["name"], r["worker_vmhwm_kb"] / 1024) for r in measured if r.get("worker_vmhwm_kb")]
    if peaks:
        lines += [
            "",
            "The worker's peak RSS after each page (in the order measured): "
            + "; ".join(f"{name} {mb:.0f} MB" for name, mb in peaks)
            + ".",
        ]
    loads = [r["cpu"]["load"] for r in measured if r.get("cpu")]
    if loads:
        lines += [
            "",
            f"The machine was shared with other work: its 1-minute load average was {min(loads):.1f} to"
            f" {max(loads):.1f} on {os.cpu_count()} cores while the pages were measured, so the wall times"
            " (server, FCP) are those of a busy machine.",
        ]
    cold_max = max((r["cold"]["total"] for r in measured), default=0)
    warm_max = max((r["warm"]["total"] for r in measured), default=0)
    fcp_max = max((r["fcp_ms"] for r in measured), default=0)
    lines += [
        "",
        f"- Cold weight: at most {_kb(cold_max)} KB — ≤ {COLD_BUDGET // 1000} KB,"
        f" {_ok(cold_max <= COLD_BUDGET)}.",
        f"- Warm weight: at most {_kb(warm_max)} KB — ≤ {WARM_BUDGET // 1000} KB,"
        f" {_ok(warm_max <= WARM_BUDGET)}.",
        f"- First contentful paint: at most {fcp_max:.0f} ms — ≤ {FCP_BUDGET_MS} ms,"
        f" {_ok(fcp_max <= FCP_BUDGET_MS)}.",
        "- Gunicorn worker peak RSS (`VmHWM` of the master's child after serving all the pages above,"
        f" sign-ins included): {hwm_mb:.0f} MB (after start-up: {start_mb:.0f} MB)"
        f" — ≤ {RSS_BUDGET_MB} MB, {_ok(0 < hwm_mb <= RSS_BUDGET_MB)}."
        + (
            " The worker was restarted during the run: this is the new worker's peak."
            if results.get("worker_restarted")
            else ""
        ),
    ]
    lines += ["", FINDINGS.rstrip("\n")]
    if len(measured) < len(rows):
        lines.append(
            f"- Not measured: {', '.join(r['name'] for r in rows if 'cold' not in r)} (see the table)."
        )
    if facts.get("report_dashboard", "").startswith("does not"):
        lines.append(
            "- The indicator dashboard (`report_dashboard`) did not resolve when this ran: not measured."
        )
    return "\n".join(lines) + "\n"


# --- main -----------------------------------------------------------------------------------------


def targets_of(site: NetworkSite) -> dict[str, Any]:
    result_file = site.root / "targets.json"
    subprocess.run(  # noqa: S603
        [sys.executable, str(Path(__file__).resolve()), "--worker", str(result_file)],
        cwd=ROOT,
        env=site.env,
        check=True,
    )
    return json.loads(result_file.read_text(encoding="utf-8"))


def _write(seed: dict[str, Any], results: dict[str, Any], targets: dict[str, Any], *, doc: bool) -> None:
    dataset = dataset_report(seed)
    pages = pages_report(results, targets["facts"], seed)
    print(dataset + "\n" + pages)
    if doc:
        document_section_write(heading=DATASET_SECTION, section=dataset)
        document_section_write(heading=SECTION, section=pages)
        print(f"Written to {DOC.relative_to(ROOT)}.")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        return worker_main(argv[1])
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--trial", action="store_true", help="the tiny trial installation")
    parser.add_argument("--no-doc", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument(
        "--report-only", action="store_true", help="write the sections again from the last run's figures"
    )
    options = parser.parse_args(argv)
    from data_protection import postgres_available

    from kujdes.core.tests.chromium import CHROMIUM

    if not postgres_available() or not Path(CHROMIUM).exists():
        print("network_pages: skipped, no PostgreSQL or no Chromium")
        return 0
    started = time.monotonic()
    if options.trial:
        site = network_site(root=TRIAL_ROOT, database=TRIAL_DATABASE, seed_args=TRIAL_SEED)
    else:
        site = network_site()
    seed = site.seed_facts()
    if options.report_only:
        last = json.loads((site.root / "network_pages.json").read_text(encoding="utf-8"))
        _write(seed, last["results"], last["targets"], doc=not options.no_doc and not options.trial)
        return 0
    try:
        site.run("migrate", "--no-input", "-v", "0")  # the code may have moved on since the build
    except RuntimeError as error:
        print(f"network_pages: migrate failed, measuring the database as it is:\n{error}", flush=True)
    site.run("collectstatic", "--no-input", "-v", "0")
    targets = targets_of(site)
    print(json.dumps(targets["facts"], ensure_ascii=False, indent=2), flush=True)
    results = measure(site, targets)
    (site.root / "network_pages.json").write_text(
        json.dumps({"targets": targets, "results": results}, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    _write(seed, results, targets, doc=not options.no_doc and not options.trial)
    print(f"network_pages: {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
