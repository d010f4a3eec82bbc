"""Splink 5 (DuckDB, 2 threads) on a RECORDS.csv, writing record_id,cluster_id — the reference.

Runs in the benchmark's own environment (var/bench-linkage-venv), never the application's.
Names are compared folded (diacritics removed, lower case); blocking on the soundex of each name
with the year of birth (the issue's configuration); u by random sampling, m by EM under two
blocking rules; clusters are connected components at match probability >= 0.5.

    python splink_run.py RECORDS.csv CLUSTERS.csv [--no-id]
"""

from __future__ import annotations

import sys
import unicodedata

import duckdb
import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on


def fold(s: object) -> object:
    if not isinstance(s, str) or not s.strip():
        return None
    s = s.replace("đ", "d").replace("Đ", "D")
    return (
        "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).strip().lower()
    )


def soundex(s: object) -> object:
    if not isinstance(s, str) or not s:
        return None
    codes = {
        **dict.fromkeys("bfpv", "1"),
        **dict.fromkeys("cgjkqsxz", "2"),
        **dict.fromkeys("dt", "3"),
        "l": "4",
        **dict.fromkeys("mn", "5"),
        "r": "6",
    }
    letters = [ch for ch in s.lower() if ch.isalpha() and ch.isascii()]
    if not letters:
        return None
    out, last = letters[0].upper(), codes.get(letters[0], "")
    for ch in letters[1:]:
        code = codes.get(ch, "")
        if code and code != last:
            out += code
        if ch not in "hw":
            last = code
    return (out + "000")[:4]


def main() -> None:
    src, dst = sys.argv[1], sys.argv[2]
    no_id = "--no-id" in sys.argv
    df = pd.read_csv(src, dtype=str, keep_default_na=False).replace("", None)
    df["unique_id"] = df["record_id"]
    for col in ("given_name", "surname", "father_name", "birth_place"):
        df[col] = df[col].map(fold)
    df["sx_given"] = df["given_name"].map(soundex)
    df["sx_surname"] = df["surname"].map(soundex)
    df["dob"] = pd.to_datetime(df["dob"], errors="coerce").dt.strftime("%Y-%m-%d")
    df["yob"] = df["dob"].str[:4]
    cols = [
        "unique_id",
        "given_name",
        "surname",
        "father_name",
        "sex",
        "dob",
        "yob",
        "birth_place",
        "nationality",
        "document_id",
        "sx_given",
        "sx_surname",
    ]
    df = df[cols]
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    db_api = DuckDBAPI(connection=con)
    comparisons = [
        cl.NameComparison("given_name"),
        cl.NameComparison("surname"),
        cl.DateOfBirthComparison("dob", input_is_string=True),
        cl.ExactMatch("sex"),
        cl.NameComparison("father_name"),
        cl.LevenshteinAtThresholds("birth_place", [2]),
        cl.ExactMatch("nationality"),
    ]
    if not no_id:
        comparisons.append(cl.LevenshteinAtThresholds("document_id", [1]))
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[
            block_on("sx_surname", "yob"),
            block_on("sx_given", "yob"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    sdf = db_api.register(df)
    linker = Linker(sdf, settings, log_level=40)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    pred = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.5).as_pandas_dataframe()
    out = clusters[["unique_id", "cluster_id"]].rename(columns={"unique_id": "record_id"})
    out.to_csv(dst, index=False)


if __name__ == "__main__":
    main()
