"""Pairwise precision, recall and F1 over clusters; blocking recall; per-class recall."""

from __future__ import annotations

from collections import Counter, defaultdict


def c2(n: int) -> int:
    return n * (n - 1) // 2


def pairwise(truth: list, predicted: list) -> dict[str, float]:
    """truth[i], predicted[i]: entity and cluster of record i. All pairs inside clusters count."""
    true_pairs = sum(c2(n) for n in Counter(truth).values())
    pred_pairs = sum(c2(n) for n in Counter(predicted).values())
    tp = sum(c2(n) for n in Counter(zip(truth, predicted, strict=False)).values())
    p = tp / pred_pairs if pred_pairs else 1.0
    r = tp / true_pairs if true_pairs else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": p,
        "recall": r,
        "f1": f,
        "true_pairs": true_pairs,
        "predicted_pairs": pred_pairs,
        "tp": tp,
    }


def blocking_recall(truth: list, left, right) -> float:
    true_pairs = sum(c2(n) for n in Counter(truth).values())
    found = sum(1 for i, j in zip(left, right, strict=False) if truth[i] == truth[j])
    return found / true_pairs if true_pairs else 1.0


def true_pair_list(truth: list) -> list[tuple[int, int]]:
    groups = defaultdict(list)
    for i, e in enumerate(truth):
        groups[e].append(i)
    out = []
    for members in groups.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                out.append((members[x], members[y]))
    return out
