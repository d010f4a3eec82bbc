"""Batch deduplication of an organisation's registry (issue 16, use b): the linkage engine over every
person, a review queue of candidate pairs, decisions, and the merges they lead to.

access    — who may run it and review the queue (organisation-wide)
records   — a Person as the engine's Prepared record (in memory only)
services  — start and run a batch, decide a pair
selectors — the queue and the runs, scoped by the actor
tasks     — the background worker's side (django-tasks; an id as argument, nothing else)
views     — the queue's pages, the start button and the progress fragment
"""
