"""PNG plots for the model card: precision-recall curves and reliability diagrams, from test-set scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _pr(pos: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scores = np.concatenate([pos, neg])
    labels = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))])
    order = np.argsort(-scores, kind="stable")
    tp = np.cumsum(labels[order])
    fp = np.cumsum(1 - labels[order])
    return tp / np.maximum(tp + fp, 1), tp / max(len(pos), 1)


def pr_curves(curves: dict[str, dict[str, np.ndarray]], thresholds: dict[str, float], path: Path) -> Path:
    """One PR curve per safety task; the dot is the shipped threshold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    for name, c in curves.items():
        pos, neg = np.asarray(c["pos"]), np.asarray(c["neg"])
        precision, recall = _pr(pos, neg)
        ax.plot(recall, precision, label=f"{name} ({len(pos)} pos / {len(neg)} neg)")
        t = thresholds.get(c.get("threshold_key", name))
        if t is not None:
            r = float((pos >= t).mean())
            tp, fp = float((pos >= t).sum()), float((neg >= t).sum())
            ax.plot([r], [tp / max(tp + fp, 1)], "o", color=ax.lines[-1].get_color())
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.01)
    ax.set_ylim(0, 1.01)
    ax.set_title("Test-set precision-recall (dot: shipped threshold)")
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def reliability(series: dict[str, tuple[np.ndarray, np.ndarray]], path: Path, bins: int = 10) -> Path:
    """Observed frequency vs predicted probability per bin; ``series`` maps name → (probability, outcome)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.plot([0, 1], [0, 1], "--", color="grey", lw=0.8, label="perfect calibration")
    edges = np.linspace(0, 1, bins + 1)
    for name, (prob, outcome) in series.items():
        prob, outcome = np.asarray(prob, float), np.asarray(outcome, float)
        idx = np.clip(np.digitize(prob, edges) - 1, 0, bins - 1)
        xs, ys = [], []
        for b in range(bins):
            sel = idx == b
            if sel.sum() >= 5:
                xs.append(prob[sel].mean())
                ys.append(outcome[sel].mean())
        ece = float(
            sum(
                abs(outcome[idx == b].mean() - prob[idx == b].mean()) * (idx == b).mean()
                for b in range(bins)
                if (idx == b).any()
            )
        )
        ax.plot(xs, ys, marker="o", label=f"{name} (ECE {ece:.3f})")
    ax.set_xlabel("predicted probability")
    ax.set_ylabel("observed frequency")
    ax.set_title("Reliability on the test sets")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
