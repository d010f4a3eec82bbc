"""Persons known to two or more partners, by cryptographic linkage keys, against the truth.

    .venv/bin/python bench/linkage/clk.py var/bench-linkage/synth_100k_s1234.csv

Each office's country (the `office` column, e.g. AL-TIR → AL) plays one partner: every record is
encoded as a CLK (`kujdes.people.linkage.clk`) with a random secret, the hub's `shared_count` runs
on the CLKs grouped by partner, and the count is set against the truth (entities whose records
sit at two or more partners). Prints counts, times and peak RSS; no name is printed.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kujdes.people.linkage.clk import DICE_THRESHOLD, Encoder, shared_count  # noqa: E402


def main() -> None:
    path = Path(sys.argv[1])
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    encoder = Encoder(os.urandom(32))
    started = time.process_time()
    by_partner: dict[str, list[int]] = defaultdict(list)
    entity_partners: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        partner = (row.get("office") or "??")[:2]
        by_partner[partner].append(
            encoder.encode(
                given_name=row["given_name"], family_name=row["surname"], dob=row["dob"], sex=row["sex"]
            )
        )
        entity_partners[row["entity_id"]].add(partner)
    encoded = time.process_time() - started
    started = time.process_time()
    result = shared_count(by_partner)
    counted = time.process_time() - started
    truth = sum(1 for partners in entity_partners.values() if len(partners) >= 2)
    print(
        json.dumps(
            {
                "records": len(rows),
                "partners": len(by_partner),
                "threshold": DICE_THRESHOLD,
                "true_persons_at_two_or_more_partners": truth,
                "clk_count": result.persons_shared,
                "ratio": round(result.persons_shared / truth, 3) if truth else None,
                "pairs_compared": result.pairs_compared,
                "encode_cpu_s": round(encoded, 1),
                "count_cpu_s": round(counted, 1),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
