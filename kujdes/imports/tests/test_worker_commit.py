"""A commit interrupted by killing the worker (issue 17, "resumes or rolls back; no partial row").

Everything runs as separate processes on a SQLite file database, as in production: the world is made
and the commit queued (worker_world.py), `kujdes db_worker` starts writing it, and is killed with
SIGKILL once the first chunk is written and while the next is being written. Then:

- what stands is whole rows only: each row of the file recorded by the batch has its person and its
  participation, and there is no person or participation beyond them;
- `kujdes import resume` queues the commit again and a new worker finishes it: every row once;
- on a copy of the database taken after the kill, `kujdes import undo` removes what was written.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
KUJDES = [sys.executable, "-m", "kujdes.cli"]
ROWS = 250
CHUNK = 100


def _env(tmp: Path, database: str = "db.sqlite3") -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "KUJDES_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp / database}",
        KUJDES_VAR_DIR=str(tmp / "var"),
        KUJDES_KEY_DIR=str(tmp / "keys"),
        KUJDES_TASKS="database",
        KUJDES_HTTPS="false",
        KUJDES_LANGUAGE="en",
        DJANGO_SETTINGS_MODULE="kujdes.settings",
        PYTHONPATH=str(ROOT),
    )
    return env


def _run(args: list[str], env: dict[str, str], timeout: float = 900) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-4000:])
    return done.stdout


def _world(command: str, argument: int, env: dict[str, str]) -> Any:
    out = _run([sys.executable, "-m", "kujdes.imports.tests.worker_world", command, str(argument)], env)
    return json.loads(out.strip().splitlines()[-1])


def _progress(database: Path, batch: int) -> tuple[int, int]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as connection:
        row = connection.execute(
            "SELECT rows_done, rows_total FROM imports_importbatch WHERE id = ?", (batch,)
        ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def _assert_whole_rows(state: dict[str, Any]) -> None:
    """Each recorded row has exactly its person and its participation; nothing else was written."""
    for row, kinds in state["rows"].items():
        assert kinds == {"people.person": 1, "programme.participation": 1}, (row, kinds)
    assert state["persons"] == len(state["rows"]) == state["participations"] == state["distinct_enrolled"]
    assert state["persons_unrecorded"] == 0
    assert state["persons_not_enrolled"] == 0


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_commit_killed_with_its_worker_leaves_whole_rows_and_resumes_or_is_undone(tmp_path: Path) -> None:
    env = _env(tmp_path)
    _run([*KUJDES, "keys", "init", "--if-missing"], env)
    _run([*KUJDES, "migrate", "--no-input", "-v", "0"], env)
    batch = int(_world("setup", ROWS, env))
    database = tmp_path / "db.sqlite3"

    worker = subprocess.Popen(  # noqa: S603
        [*KUJDES, "db_worker", "--interval", "0.2", "--no-startup-delay"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 600
        done = 0
        while time.monotonic() < deadline and worker.poll() is None:
            done, total = _progress(database, batch)
            if done >= CHUNK:
                break
            time.sleep(0.2)
        # The first chunk is written and the second is being written: kill the worker in the middle.
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=30)
    assert CHUNK <= done < ROWS, f"the worker was not caught in the middle ({done} of {ROWS})"

    interrupted = _world("state", batch, env)
    assert interrupted["committing"] is True
    assert interrupted["state"] == "open"
    assert CHUNK <= len(interrupted["rows"]) < ROWS
    _assert_whole_rows(interrupted)

    # The state after the kill, kept for the undo below (SQLite's own backup: the WAL is included).
    copy = tmp_path / "copy.sqlite3"
    with sqlite3.connect(database) as source, sqlite3.connect(copy) as target:
        source.backup(target)

    # Resumed: queued again (its worker is gone: no news counts as stale at once here), a new worker
    # runs until the queue is empty; every row is written once.
    assert json.loads(_run([*KUJDES, "import", "resume", "--stale-minutes", "0", "--json"], env)) == {
        "queued": 1
    }
    _run([*KUJDES, "db_worker", "--batch", "--interval", "0", "--no-startup-delay"], env)
    finished = _world("state", batch, env)
    assert finished["state"] == "committed"
    assert (finished["rows_done"], finished["rows_total"]) == (ROWS, ROWS)
    assert finished["attempts"] == 2
    assert len(finished["rows"]) == ROWS
    _assert_whole_rows(finished)

    # Or rolled back: on the copy, the interrupted batch is undone as a whole.
    copy_env = _env(tmp_path, "copy.sqlite3")
    _run([*KUJDES, "import", "undo", _public_id(copy, batch), "--user", "ana", "--json"], copy_env)
    undone = _world("state", batch, copy_env)
    assert undone["state"] == "undone"
    assert (undone["persons"], undone["participations"]) == (0, 0)


def _public_id(database: Path, batch: int) -> str:
    import uuid

    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        value = connection.execute(
            "SELECT public_id FROM imports_importbatch WHERE id = ?", (batch,)
        ).fetchone()[0]
    return str(uuid.UUID(str(value)))
