"""The attendance register of a 40-participant session (issue 5): server time to render and to save,
queries, and the page's weight in Chromium.

An installation is built in a temporary folder through the `kujdes` command (keys init, migrate,
demo) — on PostgreSQL when DATABASE_URL is set (a temporary database on that server, measured as the
runtime role `kujdes_app`, row-level security on), else on SQLite. A worker process adds a course at
the demo's Shkodër centre, facilitated by the demo volunteer, with a session today and 40 enrolled
(synthetic) participants, then requests the register through Django's test client, in-process,
signed in as that volunteer. Server time is the time of the whole request: middleware, scoping,
queries, decryption of the names, the audit event, the template.

Measured:
1. rendering the register (GET), ≥ 50 requests after a warm-up;
2. an htmx tick (one box changed; the form posts every row's shown state), answered with the row
   and the counter;
3. a full save without JavaScript (all 40 rows changed; POST answered by a redirect);
4. queries per request (they must not grow with the rows);
5. page weight, cold and warm, in Chromium against gunicorn (as bench/page_weight.py measures).

Budgets: render ≤ 50 ms, save ≤ 100 ms (checked on the p95), page ≤ 15 KB warm.
Run with `make bench` or `.venv/bin/python bench/run.py attendance`; `--no-doc` leaves
docs/benchmarks.md alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from _document import document_section_write
from data_protection import APP_ROLE, Site, cpu_reference_ms, summary

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Attendance register (issue 5)"
PARTICIPANTS = 40
REQUESTS = 60
RENDER_BUDGET_MS = 50.0
SAVE_BUDGET_MS = 100.0
WARM_BUDGET = 15_000
COLD_BUDGET = 50_000
VOLUNTEER = "volunteer-shkoder"
MANAGER = "manager-shkoder"
CENTRE = "Qendra Sociale Shkodër"


class AttendanceSite(Site):
    def worker_command(self, name: str, params: dict[str, Any], result_file: Path) -> list[str]:
        command = super().worker_command(name, params, result_file)
        command[1] = str(Path(__file__).resolve())
        return command


# --- worker ------------------------------------------------------------------------------------


def _prepare() -> dict[str, Any]:
    """The course, its session today, the volunteer facilitating it and 40 enrolled participants."""
    from django.utils import timezone

    from kujdes.accounts.models import User
    from kujdes.core.models import Unit
    from kujdes.core.scoping import system_scope
    from kujdes.people.services import person_create
    from kujdes.programme import services
    from kujdes.programme.models import ActivityType, Volunteer

    today = timezone.localdate()
    with system_scope():
        centre = Unit.objects.get(organisation__code="caritas-al", name=CENTRE)
        services.activity_types_install(organisation_id=centre.organisation_id)
        course_type = ActivityType.objects.get(
            organisation_id=centre.organisation_id, code="vocational-course"
        )
        manager = User.objects.get(username=MANAGER)
        volunteer_user = User.objects.get(username=VOLUNTEER)
        course = services.activity_create(
            actor=manager,
            unit=centre,
            activity_type=course_type,
            title="Kurs rrobaqepësie (bench)",
            starts_on=today - dt.timedelta(days=30),
            ends_on=today + dt.timedelta(days=30),
            status="running",
        )
        session = services.session_add(
            actor=manager, activity=course, date=today, starts_at=dt.time(9), ends_at=dt.time(11)
        )
        volunteer = Volunteer.objects.filter(user=volunteer_user).first() or services.volunteer_create(
            actor=manager, unit=centre, given_name="Sara", joined_on=today, user=volunteer_user
        )
        services.facilitator_add(actor=manager, activity=course, role="volunteer", volunteer=volunteer)
        pks = []
        for i in range(PARTICIPANTS):
            person = person_create(
                actor=manager,
                unit=centre,
                given_name=f"Pjesëmarrëse{i + 1:02d}",
                family_name="Bench",
                sex="Feminine",
                birth_year=2005 + i % 8,
            )
            pks.append(services.participant_enrol(actor=manager, activity=course, person=person).pk)
    path = f"/programme/activities/{course.public_id}/sessions/{session.public_id}/attendance"
    return {"path": path, "participations": pks}


def _timed(client: Any, method: str, url: str, data: Any = None, **headers: Any) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = getattr(client, method)(url, data, **headers) if data is not None else client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(queries), response.status_code


def worker_measure(params: dict[str, Any]) -> dict[str, Any]:
    from case_pages import _client

    prepared = _prepare()
    url, pks = prepared["path"], prepared["participations"]
    client = _client(VOLUNTEER)
    for _ in range(5):  # warm-up: connections, templates, the organisation key
        client.get(url)
    renders = [_timed(client, "get", url) for _ in range(REQUESTS)]
    body = client.get(url).content
    shown: dict[int, bool | None] = dict.fromkeys(pks)

    def form(changes: dict[int, bool]) -> dict[str, str]:
        data = {f"seen-{pk}": {True: "1", False: "0", None: ""}[value] for pk, value in shown.items()}
        for pk, value in shown.items():
            if changes.get(pk, bool(value)):
                data[f"p-{pk}"] = "1"
        return data

    ticks = []
    for i in range(REQUESTS):
        pk = pks[i % len(pks)]
        new = not shown[pk]
        ticks.append(_timed(client, "post", url, form({pk: new}), HTTP_HX_REQUEST="true"))
        shown[pk] = new
    saves = []
    for _ in range(REQUESTS):
        everyone = {pk: not shown[pk] for pk in pks}  # every row changes: the heaviest save
        saves.append(_timed(client, "post", url, form(everyone)))
        shown.update(everyone)
    for name, rows, ok in (("render", renders, {200}), ("tick", ticks, {200}), ("save", saves, {302})):
        bad = {status for _t, _q, status in rows} - ok
        if bad:
            raise RuntimeError(f"{name} answered {bad}")
    return {
        "path": url,
        "html_bytes": len(body),
        "render": summary([t for t, _q, _s in renders]),
        "tick": summary([t for t, _q, _s in ticks]),
        "save": summary([t for t, _q, _s in saves]),
        "queries": {
            "render": sorted({q for _t, q, _s in renders}),
            "tick": sorted({q for _t, q, _s in ticks}),
            "save": sorted({q for _t, q, _s in saves}),
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


# --- page weight in Chromium ---------------------------------------------------------------------


def page_weight(site: Site, path: str, env: dict[str, str]) -> dict[str, Any]:
    from page_weight import _free_port, _wait_for, cold_and_warm, totp_now
    from playwright.sync_api import sync_playwright

    from kujdes.core.tests.chromium import CHROMIUM, CHROMIUM_ARGS

    accounts = json.loads((site.root / "var" / "demo-accounts.json").read_text(encoding="utf-8"))
    account = next(a for a in accounts if a["username"] == VOLUNTEER)
    port = _free_port()
    server_env = {**env, "KUJDES_STATIC_FROM_APPS": "false", "KUJDES_DEBUG": "false"}
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "kujdes.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
        env=server_env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(site.root / "gunicorn.log").open("wb"),
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base_url}/healthz", server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(viewport={"width": 390, "height": 844})
                page = context.new_page()
                page.goto(f"{base_url}/accounts/login/")
                page.fill("input[name=login]", account["username"])
                page.fill("input[name=password]", account["password"])
                page.locator("main form button[type=submit]").click()
                page.wait_for_url(f"{base_url}/accounts/2fa/authenticate/")
                page.fill("input[name=code]", totp_now(account["totp_secret"]))
                page.locator("main form:has(input[name=code]) button[type=submit]").click()
                page.wait_for_url(f"{base_url}/")
                signed_in = context.storage_state()
                context.close()
                cold, warm = cold_and_warm(browser, base_url, path, signed_in)
                version = browser.version
            finally:
                browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()

    def figures(load: Any) -> dict[str, Any]:
        return {
            "requests": load.requests,
            "total": load.total,
            "html": load.by_kind("html"),
            "behind_proxy": load.behind_proxy,
        }

    return {"chromium": version, "cold": figures(cold), "warm": figures(warm)}


# --- orchestra -----------------------------------------------------------------------------------


def measure() -> dict[str, Any]:
    from kujdes.core.tests.installation import TemporaryPostgresDatabase

    database_url = os.environ.get("DATABASE_URL", "")
    postgres = database_url.startswith("postgres")
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kujdes-bench-attendance-")))
        if postgres:
            database = stack.enter_context(TemporaryPostgresDatabase("bench_attendance"))
            url = database.url
        else:
            url = f"sqlite:///{folder / 'kujdes.sqlite3'}"
        site = AttendanceSite(folder, url).installed()
        site.run("collectstatic", "--no-input", "-v", "0")
        cpu = cpu_reference_ms()
        result = site.worker("measure", {}, app_role=postgres)
        result["weight"] = page_weight(site, result["path"], site.worker_env(postgres))
        result.update(engine="PostgreSQL" if postgres else "SQLite", cpu_reference_ms=cpu)
        if postgres:
            version = subprocess.run(  # noqa: S603
                ["psql", "-X", "-At", url, "-c", "SHOW server_version"],  # noqa: S607
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
            result["engine"] = f"PostgreSQL {version}".strip()
        return result


def _ok(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _kb(size: int) -> str:
    return f"{size / 1000:.1f} KB"


def report(results: dict[str, Any]) -> str:
    rows = []
    for key, label, budget in (
        ("render", "Render the register (GET)", RENDER_BUDGET_MS),
        ("tick", "Save one tick (htmx POST, row + counter back)", SAVE_BUDGET_MS),
        ("save", "Save the whole register, 40 rows changed (POST, redirect)", SAVE_BUDGET_MS),
    ):
        f = results[key]
        rows.append(
            f"| {label} | {f['n']} | {f['median']:.1f} ms | **{f['p95']:.1f} ms** | {f['max']:.1f} ms "
            f"| ≤ {budget:.0f} ms, {_ok(f['p95'] <= budget)} |"
        )
    weight = results["weight"]
    cold, warm = weight["cold"], weight["warm"]
    q = results["queries"]
    role = (
        f"as the runtime role `{APP_ROLE}` (row-level security on)" if "Postgre" in results["engine"] else ""
    )
    return "\n".join(
        [
            SECTION,
            "",
            f"Measured {dt.date.today().isoformat()} on a {os.cpu_count()}-core {platform.machine()} "
            f"machine ({platform.system()}, Python {platform.python_version()}), {results['engine']}, "
            "an installation built with `kujdes migrate` and `kujdes demo` in a temporary folder. "
            f"A course at the demo's Shkodër centre has a session today and {PARTICIPANTS} enrolled "
            "synthetic participants; the demo volunteer who facilitates it requests the register "
            f"through Django's test client in one process {role}. Server time is the whole request: "
            "middleware, scoping, queries, decrypting the names, the audit event, the template. "
            f"CPU reference loop: {results['cpu_reference_ms']:.0f} ms "
            "(see the data-protection section: this virtual machine's speed varies).",
            "",
            "| Request | n | median | p95 | max | budget (p95) |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            f"Queries per request, whatever the number of rows: render {q['render']}, tick {q['tick']}, "
            f"full save {q['save']} (a test asserts the same count for 5 and 40 participants).",
            "",
            f"Page weight in Chromium {weight['chromium']} (headless, phone viewport), gunicorn with "
            "one worker, signed in as the volunteer, bytes as Chromium's `encodedDataLength` "
            "(headers included), as bench/page_weight.py measures; HTML is not compressed by Django "
            "(a proxy would):",
            "",
            "| Load | requests | HTML | total, as served | total, behind a compressing proxy | budget |",
            "|---|---|---|---|---|---|",
            f"| Cold (empty cache) | {cold['requests']} | {_kb(cold['html'])} | {_kb(cold['total'])} "
            f"| {_kb(cold['behind_proxy'])} "
            f"| ≤ {COLD_BUDGET // 1000} KB, {_ok(cold['total'] <= COLD_BUDGET)} |",
            f"| Warm (static files cached) | {warm['requests']} | {_kb(warm['html'])} | "
            f"{_kb(warm['total'])} | {_kb(warm['behind_proxy'])} "
            f"| ≤ {WARM_BUDGET // 1000} KB, {_ok(warm['total'] <= WARM_BUDGET)} |",
            "",
            "Reproduce: `DATABASE_URL=postgres://… .venv/bin/python bench/run.py attendance` "
            "(SQLite without DATABASE_URL; about two minutes).",
        ]
    )


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        return worker_main(argv[1], argv[2], argv[3])
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args(argv)
    from kujdes.core.tests.chromium import CHROMIUM

    if not Path(CHROMIUM).exists():
        print(f"attendance: skipped, no Chromium at {CHROMIUM}")
        return 0
    started = time.monotonic()
    results = measure()
    print(json.dumps(results, indent=2))
    section = report(results)
    print(section)
    if not args.no_doc:
        document_section_write(heading=SECTION, section=section)
    print(f"attendance: {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
