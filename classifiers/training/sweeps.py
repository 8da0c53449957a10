"""Threshold sweeps on the test scores: what each decision gives at thresholds other than the shipped one.

Why: the card's headline numbers are one operating point. A team that deploys the guard with another risk
appetite (block more, escalate less) needs the trade-off around it, and a reader judging a miss needs to see
how steep it is. These tables only report: the shipped thresholds are still chosen on validation
(``classifiers.training.calibrate``) and nothing here feeds back into training or packaging.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

# Probability cuts for the sigmoid heads; the shipped threshold is added to whichever grid it is swept on.
SAFETY_GRID = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
INTENT_GRID = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def _grid(grid: Sequence[float], shipped: float | None) -> list[float]:
    return sorted({float(t) for t in grid} | ({float(shipped)} if shipped is not None else set()))


def rates_at(
    score_sets: Mapping[str, np.ndarray], grid: Sequence[float] = SAFETY_GRID, *, shipped: float | None = None
) -> list[dict[str, float | bool]]:
    """Per threshold, the share of each named score set at or above it (``score >= t`` flags).

    Name the sets by what their share means (``recall`` for positives, ``fpr`` or ``..._flagged`` for
    negatives); ``shipped`` adds the shipped threshold as a row and marks it.
    """
    rows: list[dict[str, float | bool]] = []
    for t in _grid(grid, shipped):
        row: dict[str, float | bool] = {"threshold": t, "shipped": shipped is not None and t == float(shipped)}
        for name, scores in score_sets.items():
            s = np.asarray(scores, np.float64)
            row[name] = float((s >= t).mean()) if len(s) else float("nan")
        rows.append(row)
    return rows


def intent_rates_at(
    in_scope_score: np.ndarray,
    beats_oos: np.ndarray,
    best_is_correct: np.ndarray,
    is_oos: np.ndarray,
    grid: Sequence[float] = INTENT_GRID,
    *,
    shipped: float | None = None,
) -> list[dict[str, float | bool]]:
    """Per in-scope threshold: in-scope accuracy and oos recall (routing rule of ``classifiers.intent_scope``)."""
    score = np.asarray(in_scope_score, np.float64)
    gate = np.asarray(beats_oos, bool)
    correct = np.asarray(best_is_correct, bool)
    oos = np.asarray(is_oos, bool)
    rows: list[dict[str, float | bool]] = []
    for t in _grid(grid, shipped):
        routed = gate & (score >= t)
        rows.append(
            {
                "threshold": t,
                "shipped": shipped is not None and t == float(shipped),
                "in_scope_accuracy": float((routed & correct)[~oos].mean()),
                "oos_recall": float((~routed[oos]).mean()),
            }
        )
    return rows


def markdown(rows: list[dict[str, float | bool]], columns: Sequence[str]) -> str:
    """A sweep as a Markdown table; the shipped threshold's row is in bold."""
    lines = ["| threshold | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for r in rows:
        cells = [f"{r['threshold']:.4g}", *(f"{float(r[c]):.3f}" for c in columns)]
        if r.get("shipped"):
            cells = [f"**{c}**" for c in cells]
            cells[0] += " (shipped)"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
