"""Decision thresholds chosen on VALIDATION data only (test sets are never consulted)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def threshold_at_fpr(neg_scores: Sequence[float], max_fpr: float) -> float:
    """Smallest threshold whose false-positive rate on the negatives is ≤ ``max_fpr`` (score ≥ t flags)."""
    neg = np.sort(np.asarray(neg_scores, dtype=np.float64))
    if len(neg) == 0:
        return 0.5
    allowed = int(np.floor(max_fpr * len(neg)))
    # flag iff score >= t: put t just above the (allowed+1)-th highest negative.
    k = len(neg) - allowed - 1
    return float(np.nextafter(neg[k], np.inf)) if k >= 0 else float(neg[0])


def threshold_at_recall(pos_scores: Sequence[float], min_recall: float) -> float:
    """Highest threshold that still flags ≥ ``min_recall`` of the positives (score ≥ t flags).

    Used for the harmful head: its validation benign set is deliberately scary (synthetic contrasts), so a
    max-F1 cut lands high and gives away recall on real harmful requests (v0.2 candidate: HarmBench 0.60).
    """
    pos = np.sort(np.asarray(pos_scores, dtype=np.float64))[::-1]
    if len(pos) == 0:
        return 0.5
    k = max(0, int(np.ceil(min_recall * len(pos))) - 1)
    return float(pos[k])


def threshold_max_f1(pos_scores: Sequence[float], neg_scores: Sequence[float]) -> tuple[float, float]:
    """(threshold, F1) maximising F1 over all candidate cut points."""
    pos = np.asarray(pos_scores, np.float64)
    neg = np.asarray(neg_scores, np.float64)
    best = (0.5, 0.0)
    for t in np.unique(np.concatenate([pos, neg, [0.5]])):
        tp = float((pos >= t).sum())
        fp = float((neg >= t).sum())
        fn = len(pos) - tp
        f1 = 2 * tp / max(1.0, 2 * tp + fp + fn)
        if f1 > best[1]:
            best = (float(t), f1)
    return best


def intent_threshold(best_in_scope: np.ndarray, oos_prob: np.ndarray, correct: np.ndarray, is_oos: np.ndarray):
    """Threshold on the max in-scope probability maximising in-scope accuracy + oos recall on validation.

    An utterance is in scope iff its best in-scope probability ≥ t and ≥ p(oos); in-scope accuracy counts
    only correct intents that are also kept in scope.
    """
    best = (0.0, -1.0, 0.0, 0.0)
    for t in np.linspace(0.0, 0.95, 96):
        keep = (best_in_scope >= t) & (best_in_scope >= oos_prob)
        acc = float((keep & correct)[~is_oos].mean()) if (~is_oos).any() else 0.0
        rec = float((~keep)[is_oos].mean()) if is_oos.any() else 0.0
        if acc + rec > best[1]:
            best = (float(t), acc + rec, acc, rec)
    return {"threshold": best[0], "val_in_scope_acc": best[2], "val_oos_recall": best[3]}
