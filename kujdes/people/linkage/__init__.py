"""The record-linkage engine (issue 16): finding the same person registered several times.

normalise  — folding, transliteration, the phonetic skeleton, name groups (data/names.txt)
keys       — blocking keys (to be stored only as keyed blind indexes)
compare    — per-field comparison levels, sibling/twin protection, explanations in words
model      — Fellegi–Sunter weights: u from random pairs, m by EM, term frequencies
engine     — blocking, scoring, linking and clustering with a chaining guard
io         — CSV/Parquet in, record_id,cluster_id out (`kujdes linkage run`)

Pure Python and rapidfuzz; no model, no database: the application's uses (intake, batch
deduplication, cross-partner counts) are to be built on it.
"""
