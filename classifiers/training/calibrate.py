"""Decision thresholds chosen on VALIDATION data only (test sets are never consulted)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from guardstream.classifiers.intent_scope import INTENT_SCORES, IntentScore, beats_oos, in_scope_scores


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Probability that a random positive outscores a random negative (ties count half): how well a score
    separates two sets before any threshold is chosen."""
    pos = np.asarray(pos, np.float64)
    neg = np.asarray(neg, np.float64)
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    diff = pos[:, None] - neg[None, :]
    return float((diff > 0).mean() + 0.5 * (diff == 0).mean())


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


# Out-of-scope recall the intent threshold must keep on validation: the 0.85 plus a margin, because
# validation overstated test oos recall by ~2.5 points for v0.2 (0.92 vs 0.896).
OOS_RECALL_FLOOR = 0.90


def intent_threshold(
    best_in_scope: np.ndarray,
    oos_prob: np.ndarray,
    correct: np.ndarray,
    is_oos: np.ndarray,
    min_oos_recall: float | None = OOS_RECALL_FLOOR,
) -> dict:
    """Threshold on the max in-scope probability, chosen on validation.

    An utterance is in scope iff its best in-scope probability ≥ t and ≥ p(oos); in-scope accuracy counts
    only correct intents that are also kept in scope. With ``min_oos_recall`` (v0.3): the best in-scope
    accuracy among thresholds that keep oos recall ≥ the floor — routing accuracy is what users feel, the
    floor is the out-of-scope requirement. Maximising accuracy + recall (v0.2, and the fallback when no
    threshold reaches the floor) spent in-scope accuracy on oos recall well past what was needed: v0.2 kept
    0.92 val oos recall at 0.908 in-scope accuracy where 0.90 recall gave 0.919.
    """
    grid = np.linspace(0.0, 0.95, 96)
    return _threshold_on(best_in_scope, best_in_scope >= oos_prob, correct, is_oos, grid, min_oos_recall)


def _threshold_on(
    score: np.ndarray,
    beats_oos: np.ndarray,
    correct: np.ndarray,
    is_oos: np.ndarray,
    grid: Sequence[float],
    min_oos_recall: float | None,
) -> dict:
    """In scope iff ``score`` ≥ t and the best in-scope intent beats oos; see ``intent_threshold``."""
    rows = []
    for t in grid:
        keep = (score >= t) & beats_oos
        acc = float((keep & correct)[~is_oos].mean()) if (~is_oos).any() else 0.0
        rec = float((~keep)[is_oos].mean()) if is_oos.any() else 0.0
        rows.append((float(t), acc, rec))
    floor_ok = [g for g in rows if min_oos_recall is not None and g[2] >= min_oos_recall]
    if floor_ok:
        t, acc, rec = max(floor_ok, key=lambda g: (g[1], -g[0]))
        rule = f"max val in-scope accuracy with val oos recall >= {min_oos_recall}"
    else:
        t, acc, rec = max(rows, key=lambda g: (g[1] + g[2], -g[0]))
        rule = "max val in-scope accuracy + oos recall"
    return {"threshold": t, "val_in_scope_acc": acc, "val_oos_recall": rec, "rule": rule}


def intent_rule(
    logits: np.ndarray,
    gold: np.ndarray,
    oos_index: int,
    min_oos_recall: float | None = OOS_RECALL_FLOOR,
    scores: Sequence[IntentScore] = INTENT_SCORES,
) -> dict:
    """The in-scope score (``classifiers.intent_scope``) and threshold with the best validation in-scope
    accuracy under the oos-recall floor; every candidate's result is kept in ``alternatives``.

    ``max_prob`` is swept on the same 0.00-0.95 grid as before v0.3.1; ``energy`` has no fixed range, so it is
    swept over 2,001 quantiles of its own validation values. Ties go to the earlier entry of ``scores``.
    """
    logits = np.asarray(logits)
    in_scope_logits = logits.copy()
    in_scope_logits[:, oos_index] = -np.inf
    correct = in_scope_logits.argmax(1) == gold
    is_oos = gold == oos_index
    gate = beats_oos(logits, oos_index)
    results = {}
    for name in scores:
        score = in_scope_scores(logits, oos_index, name)
        grid = (
            np.linspace(0.0, 0.95, 96) if name == "max_prob" else np.unique(np.quantile(score, np.linspace(0, 1, 2001)))
        )
        results[name] = _threshold_on(score, gate, correct, is_oos, grid, min_oos_recall)
    best = max(
        scores,
        key=lambda n: (
            results[n]["val_oos_recall"] >= (min_oos_recall or 0.0),
            results[n]["val_in_scope_acc"],
            -scores.index(n),
        ),
    )
    return {
        "score": best,
        **results[best],
        "val_argmax_in_scope_acc": float(correct[~is_oos].mean()) if (~is_oos).any() else 0.0,
        "alternatives": results,
    }
