"""Field capture (issue 15): formList with 100 published forms, and 1,000 attendance submissions
received and mapped.

An installation is built in a temporary folder through the `kujdes` command (keys init, migrate,
demo) — on PostgreSQL when DATABASE_URL is set (a temporary database beside it, measured as the
runtime role `kujdes_app`, row-level security on), else on SQLite. A worker process then, at the
demo's Shkodër centre:

1. publishes 100 small XLSForms (pyxform) and the shipped attendance form (`kujdes_attendance`,
   through the shipped forms' registry), adds a course with 20 enrolled synthetic participants and 50
   sessions, and gives the demo programme manager a phone (a device token);
2. asks `GET /openrosa/key/<token>/formList` (101 forms) through Django's test client, in-process,
   ≥ 100 times after a warm-up: server time of the whole request (middleware, token, scope, the
   forms query, the XML), its p95 and the queries per request;
3. POSTs 1,000 attendance submissions (multipart, `xml_submission_file`, as ODK Collect sends them;
   20 per session, each ticking a different subset of the participants) one after the other, each
   stored (sealed), audited and mapped into the session's attendance rows through the programme's
   services in its request: the total time, per-request times and queries per request; then checks
   that there are 1,000 submissions, all mapped, and the attendance rows.

The OpenRosa rate limit (300 requests a minute per phone) is lifted in the worker: one phone sending
1,000 submissions in a minute is a load test, not a phone. Budgets: formList p95 ≤ 50 ms; the 1,000
submissions ≤ 60 s. Prints the figures (docs/benchmarks.md is written by hand from them).

Run: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/kujdes_bench_fs .venv/bin/python
bench/fieldsync.py` (or `bench/run.py fieldsync`; SQLite without DATABASE_URL).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from data_protection import APP_ROLE, Site, cpu_reference_ms, summary

FORMS = 100
FORMLIST_REQUESTS = 120
SUBMISSIONS = 1000
PARTICIPANTS = 20
SESSIONS = 50
FORMLIST_BUDGET_MS = 50.0
SUBMISSIONS_BUDGET_S = 60.0
MANAGER = "manager-shkoder"
CENTRE = "Qendra Sociale Shkodër"


class FieldsyncSite(Site):
    def worker_command(self, name: str, params: dict[str, Any], result_file: Path) -> list[str]:
        command = super().worker_command(name, params, result_file)
        command[1] = str(Path(__file__).resolve())
        return command


# --- worker ------------------------------------------------------------------------------------


def _prepare() -> dict[str, Any]:
    from defusedxml import ElementTree

    from kujdes.accounts.models import User
    from kujdes.core.models import Unit
    from kujdes.core.scoping import system_scope
    from kujdes.fieldsync.models import Form
    from kujdes.fieldsync.services import device_create, form_publish
    from kujdes.fieldsync.shipped import SHIPPED_FORMS
    from kujdes.fieldsync.tests.helpers import xlsform_bytes
    from kujdes.people.services import person_create
    from kujdes.programme import services
    from kujdes.programme.models import ActivityType

    today = dt.date.today()
    started = time.perf_counter()
    with system_scope():
        centre = Unit.objects.get(organisation__code="caritas-al", name=CENTRE)
        manager = User.objects.get(username=MANAGER)
        for i in range(FORMS):
            form_publish(
                actor=None,
                data=xlsform_bytes(form_id=f"bench_{i:03d}", title=f"Bench form {i:03d}"),
                filename=f"bench_{i:03d}.xlsx",
                units=[centre],
                roles=None,
            )
        # The shipped form through its registry (shipped_forms_install's select_for_update with an
        # outer join fails on PostgreSQL at the time of writing; form_publish is what it calls).
        form_publish(
            actor=None,
            data=SHIPPED_FORMS["kujdes_attendance"](centre.organisation),
            filename="kujdes_attendance.xlsx",
            units=[centre],
            roles=None,
        )
        attendance = Form.objects.get(organisation_id=centre.organisation_id, xml_form_id="kujdes_attendance")
        version = attendance.current_version
        assert version is not None
        root = ElementTree.fromstring(version.xform.encode())
        instance = next(e for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "instance")[0]
        services.activity_types_install(organisation_id=centre.organisation_id)
        course_type = ActivityType.objects.get(
            organisation_id=centre.organisation_id, code="vocational-course"
        )
        course = services.activity_create(
            actor=manager,
            unit=centre,
            activity_type=course_type,
            title="Kurs (bench fieldsync)",
            starts_on=today - dt.timedelta(days=SESSIONS + 10),
            ends_on=today + dt.timedelta(days=30),
            status="running",
        )
        sessions = [
            str(
                services.session_add(
                    actor=manager,
                    activity=course,
                    date=today - dt.timedelta(days=SESSIONS - i),
                    starts_at=dt.time(9),
                    ends_at=dt.time(11),
                ).public_id
            )
            for i in range(SESSIONS)
        ]
        participants = []
        for i in range(PARTICIPANTS):
            person = person_create(
                actor=manager,
                unit=centre,
                given_name=f"Pjesëmarrës{i + 1:02d}",
                family_name="Fieldsync",
                sex="Masculine" if i % 2 else "Feminine",
                birth_year=2000 + i % 10,
            )
            participation = services.participant_enrol(actor=manager, activity=course, person=person)
            participants.append(str(participation.public_id))
        _device, token = device_create(actor=None, user=manager, unit=centre, name="Bench phone")
    return {
        "token": token,
        "root_tag": instance.tag.rsplit("}", 1)[-1],
        "version": version.version,
        "activity": str(course.public_id),
        "sessions": sessions,
        "participants": participants,
        "setup_s": time.perf_counter() - started,
    }


def _timed(call: Any) -> tuple[float, int, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # it keeps 9,000 queries at most: a full log counts nothing
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = call()
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(queries), response


def _instance(prepared: dict[str, Any], number: int) -> bytes:
    session = prepared["sessions"][number % SESSIONS]
    participants = prepared["participants"]
    present = " ".join(p for i, p in enumerate(participants) if (i + number) % 3 != 0)
    tag, version = prepared["root_tag"], prepared["version"]
    return (
        f'<?xml version="1.0"?><{tag} xmlns:jr="http://openrosa.org/javarosa" '
        f'xmlns:orx="http://openrosa.org/xforms" id="kujdes_attendance" version="{version}">'
        f"<activity>{prepared['activity']}</activity><session>{session}</session>"
        f"<present>{present}</present>"
        f"<meta><instanceID>uuid:{uuid.uuid4()}</instanceID></meta></{tag}>"
    ).encode()


def worker_measure(params: dict[str, Any]) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    import kujdes.fieldsync.openrosa as openrosa
    from kujdes.core.scoping import system_scope
    from kujdes.fieldsync.models import Submission, SubmissionState
    from kujdes.programme.models import Attendance

    openrosa.RATE_PER_MINUTE = 10**9  # a load test, not a phone (see the module's docstring)
    prepared = _prepare()
    client = Client(HTTP_HOST="127.0.0.1")
    base = f"/openrosa/key/{prepared['token']}/"
    headers = {"HTTP_X_OPENROSA_VERSION": "1.0"}

    def form_list() -> Any:
        return client.get(base + "formList", **headers)

    for _ in range(10):  # warm-up: connections, the organisation key, the query plans
        form_list()
    lists = [_timed(form_list) for _ in range(FORMLIST_REQUESTS)]
    body = form_list().content
    if {r.status_code for _t, _q, r in lists} != {200}:
        raise RuntimeError("formList did not answer 200")
    forms_listed = body.count(b"<xform>")

    def submit(number: int) -> Any:
        data = {
            "xml_submission_file": SimpleUploadedFile(
                "submission.xml", _instance(prepared, number), content_type="text/xml"
            )
        }
        return client.post(base + "submission", data, **headers)

    # Warm-up outside the count: one submission's first mapping loads the mapper and the services.
    warm = submit(SUBMISSIONS)
    if warm.status_code != 201:
        raise RuntimeError(f"warm-up submission answered {warm.status_code}: {warm.content[:300]!r}")
    started = time.perf_counter()
    posts = [_timed(lambda n=n: submit(n)) for n in range(SUBMISSIONS)]
    total_s = time.perf_counter() - started
    statuses = sorted({r.status_code for _t, _q, r in posts})
    if statuses != [201]:
        raise RuntimeError(f"submissions answered {statuses}")
    with system_scope():
        stored = Submission.objects.filter(form__xml_form_id="kujdes_attendance")
        states = {s: stored.filter(state=s).count() for s in SubmissionState.values}
        attendance_rows = Attendance.objects.filter(session__public_id__in=prepared["sessions"]).count()
    return {
        "setup_s": prepared["setup_s"],
        "forms_listed": forms_listed,
        "formlist": summary([t for t, _q, _r in lists]),
        "formlist_bytes": len(body),
        "formlist_queries": sorted({q for _t, q, _r in lists}),
        "submissions": SUBMISSIONS + 1,
        "submissions_total_s": total_s,
        "submission": summary([t for t, _q, _r in posts]),
        "submission_queries": summary([float(q) for _t, q, _r in posts]),
        "states": {k: v for k, v in states.items() if v},
        "attendance_rows": attendance_rows,
    }


WORKERS = {"measure": worker_measure}


def worker_main(name: str, result_file: str, params_json: str) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kujdes.settings")
    import django

    django.setup()
    result = WORKERS[name](json.loads(params_json))
    Path(result_file).write_text(json.dumps(result), encoding="utf-8")
    return 0


# --- orchestra -----------------------------------------------------------------------------------


def measure() -> dict[str, Any]:
    from kujdes.core.tests.installation import TemporaryPostgresDatabase

    database_url = os.environ.get("DATABASE_URL", "")
    postgres = database_url.startswith("postgres")
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kujdes-bench-fieldsync-")))
        if postgres:
            database = stack.enter_context(TemporaryPostgresDatabase("kujdes_bench_fs"))
            url = database.url
        else:
            url = f"sqlite:///{folder / 'kujdes.sqlite3'}"
        site = FieldsyncSite(folder, url).installed()
        cpu = cpu_reference_ms()
        result = site.worker("measure", {}, app_role=postgres)
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


def report(r: dict[str, Any]) -> str:
    f, s, q = r["formlist"], r["submission"], r["submission_queries"]
    role = f", as the runtime role `{APP_ROLE}` (row-level security on)" if "Postgre" in r["engine"] else ""
    return "\n".join(
        [
            "## Field capture (issue 15)",
            "",
            f"Measured {dt.date.today().isoformat()} on a {os.cpu_count()}-core {platform.machine()} machine "
            f"({platform.system()}, Python {platform.python_version()}), {r['engine']}{role}; an "
            "installation built with `kujdes migrate` and `kujdes demo`; requests through Django's test "
            f"client in one process. CPU reference loop: {r['cpu_reference_ms']:.0f} ms.",
            "",
            "| Measure | n | median | p95 | max | budget |",
            "|---|---|---|---|---|---|",
            f"| formList, {r['forms_listed']} forms for one phone | {f['n']} | {f['median']:.1f} ms "
            f"| **{f['p95']:.1f} ms** | {f['max']:.1f} ms | p95 ≤ {FORMLIST_BUDGET_MS:.0f} ms, "
            f"{_ok(f['p95'] <= FORMLIST_BUDGET_MS)} |",
            f"| One attendance submission POSTed, stored and mapped | {s['n']} | {s['median']:.1f} ms "
            f"| {s['p95']:.1f} ms | {s['max']:.1f} ms | |",
            f"| **{SUBMISSIONS} attendance submissions, total** | 1 | | "
            f"| **{r['submissions_total_s']:.1f} s** "
            f"| ≤ {SUBMISSIONS_BUDGET_S:.0f} s, {_ok(r['submissions_total_s'] <= SUBMISSIONS_BUDGET_S)} |",
            "",
            f"Queries per request: formList {r['formlist_queries']} (whatever the number of forms); a "
            f"submission median {q['median']:.0f}, max {q['max']:.0f}. formList body: "
            f"{r['formlist_bytes']:,} bytes. After the run: submissions by state {r['states']}, "
            f"{r['attendance_rows']} attendance rows ({SESSIONS} sessions × {PARTICIPANTS} participants). "
            f"Setting up (100 XLSForms through pyxform, the course) took {r['setup_s']:.0f} s, not counted.",
        ]
    )


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        return worker_main(argv[1], argv[2], argv[3])
    started = time.monotonic()
    results = measure()
    print(json.dumps(results, indent=2))
    print(report(results))
    print(f"fieldsync: {time.monotonic() - started:.0f} s")
    failed = (
        results["formlist"]["p95"] > FORMLIST_BUDGET_MS
        or results["submissions_total_s"] > SUBMISSIONS_BUDGET_S
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
