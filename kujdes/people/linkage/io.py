"""Reading records from CSV (or Parquet, when pyarrow is installed) and writing clusters."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from kujdes.people.linkage.compare import Prepared

COLUMNS = (
    "record_id", "given_name", "surname", "father_name", "sex", "dob", "birth_place", "nationality",
    "document_id", "office",
)  # fmt: skip


class InputError(ValueError):
    pass


def _rows(path: Path) -> Iterator[dict[str, str]]:
    if path.suffix.lower() == ".parquet":
        try:
            import pyarrow.parquet as pq  # optional: not an application dependency
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise InputError("Reading Parquet needs pyarrow; convert the file to CSV.") from exc
        table = pq.ParquetFile(path)
        for batch in table.iter_batches(batch_size=50_000):
            for row in batch.to_pylist():
                yield {k: ("" if v is None else str(v)) for k, v in row.items()}
        return
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "record_id" not in reader.fieldnames:
            raise InputError("The file has no record_id column.")
        yield from reader


def read_records(path: Path) -> Iterator[Prepared]:
    """Prepared records, streamed; other columns (e.g. entity_id) are ignored."""
    for seen, row in enumerate(_rows(path), start=1):
        rid = (row.get("record_id") or "").strip()
        if not rid:
            raise InputError(f"Row {seen} has no record_id.")
        yield Prepared(rid, *(row.get(c) or None for c in COLUMNS[1:]))


def write_clusters(path: Path, records: list[Prepared], cluster_of: list[int]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "cluster_id"])
        for r, c in zip(records, cluster_of, strict=False):
            writer.writerow([r.record_id, records[c].record_id])
