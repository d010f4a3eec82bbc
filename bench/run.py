"""Run every benchmark in bench/ (`make bench`); not part of `make test`.

A benchmark is a module next to this file whose name does not start with an
underscore; it is run as its own process (`python bench/<name>.py`), prints its
results and may update docs/benchmarks.md.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def benchmarks() -> list[Path]:
    return sorted(p for p in BENCH.glob("*.py") if not p.name.startswith("_") and p.name != "run.py")


def main(argv: list[str]) -> int:
    selected = set(argv)
    failed = []
    for path in benchmarks():
        if selected and path.stem not in selected:
            continue
        print(f"== {path.stem} ==", flush=True)
        started = time.monotonic()
        result = subprocess.run([sys.executable, str(path)], cwd=BENCH.parent, check=False)  # noqa: S603
        outcome = "ok" if result.returncode == 0 else "FAILED"
        print(f"== {path.stem}: {outcome} in {time.monotonic() - started:.0f} s\n")
        if result.returncode != 0:
            failed.append(path.stem)
    if failed:
        print("Failed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
