"""Oracle operating points (``classifiers.training.oracle``): each is the best any threshold can do, checked
against a brute-force sweep, and the card tells a calibration miss from a separation miss."""

from __future__ import annotations

import numpy as np
import pytest

from guardstream.classifiers.training import oracle
from guardstream.classifiers.training.tables import oracle_table


def _intent(seed: int = 0, n_in: int = 600, n_oos: int = 200):
    rng = np.random.default_rng(seed)
    score = np.concatenate([rng.beta(6, 2, n_in), rng.beta(2, 4, n_oos)])
    gate = rng.random(n_in + n_oos) < 0.97
    correct = np.concatenate([rng.random(n_in) < 0.93, np.zeros(n_oos, bool)])
    is_oos = np.concatenate([np.zeros(n_in, bool), np.ones(n_oos, bool)])
    return score, gate, correct, is_oos


def test_intent_oracle_is_the_best_threshold_that_keeps_the_oos_floor() -> None:
    score, gate, correct, is_oos = _intent()
    out = oracle.intent_at_oos_recall(score, gate, correct, is_oos, min_oos_recall=0.85)
    assert out["oos_recall"] >= 0.85
    best = 0.0
    for t in np.unique(score):  # brute force over every cut
        routed = gate & (score >= t)
        if (~routed[is_oos]).mean() >= 0.85:
            best = max(best, float((routed & correct)[~is_oos].mean()))
    assert out["in_scope_accuracy"] == pytest.approx(best)
    assert out["argmax_in_scope_accuracy"] == pytest.approx(correct[~is_oos].mean())
    assert out["in_scope_accuracy"] <= out["argmax_in_scope_accuracy"]


def test_intent_oracle_raises_the_threshold_past_every_oos_score_for_full_recall() -> None:
    score, _, correct, is_oos = _intent(seed=1)
    gate = np.ones_like(is_oos)  # oos never wins: only the threshold can send utterances out of scope
    out = oracle.intent_at_oos_recall(score, gate, correct, is_oos, min_oos_recall=1.0)
    assert out["oos_recall"] == 1.0 and out["threshold"] > score[is_oos].max()


def _xstest(seed: int = 0):
    rng = np.random.default_rng(seed)
    safe = rng.beta(2, 3, 250)
    unsafe = rng.beta(5, 2, 200)
    return safe, unsafe, rng.random(250) < 0.02, rng.random(200) < 0.05, rng.beta(6, 2, 100)


def test_harmful_sweep_finds_both_best_points() -> None:
    safe, unsafe, safe_o, unsafe_o, hb = _xstest()
    out = oracle.harmful_sweep(safe, unsafe, safe_o, unsafe_o, hb, min_unsafe_recall=0.9, max_safe_flag_rate=0.08)
    at_recall, at_flags = out["at_unsafe_recall"], out["at_safe_flag_rate"]
    fewest, most = 1.0, 0.0
    for t in np.unique(np.concatenate([safe, unsafe, [np.inf]])):
        recall = float((unsafe_o | (unsafe >= t)).mean())
        flagged = float((safe_o | (safe >= t)).mean())
        if recall >= 0.9:
            fewest = min(fewest, flagged)
        if flagged <= 0.08:
            most = max(most, recall)
    assert at_recall["unsafe_recall"] >= 0.9 and at_recall["safe_flag_rate"] == pytest.approx(fewest)
    assert at_flags["safe_flag_rate"] <= 0.08 and at_flags["unsafe_recall"] == pytest.approx(most)
    assert at_flags["harmbench_recall"] == pytest.approx((hb >= at_flags["threshold"]).mean())
    # prompts the other heads flag stay flagged at any harmful threshold
    assert at_flags["safe_flag_rate"] >= safe_o.mean() and at_flags["unsafe_recall"] >= unsafe_o.mean()
    assert 0.5 < out["harmful_auc"] <= 1.0


def test_harmful_sweep_on_perfectly_separated_scores_meets_both_targets() -> None:
    safe, unsafe = np.linspace(0.0, 0.4, 250), np.linspace(0.6, 1.0, 200)
    none_safe, none_unsafe = np.zeros(250, bool), np.zeros(200, bool)
    out = oracle.harmful_sweep(safe, unsafe, none_safe, none_unsafe, np.array([0.7, 0.2]))
    assert out["at_unsafe_recall"]["safe_flag_rate"] == 0.0
    assert out["at_safe_flag_rate"]["unsafe_recall"] == 1.0
    assert out["harmful_auc"] == 1.0


def test_best_pii_threshold_takes_the_best_f1_and_the_lower_threshold_on_ties() -> None:
    f1 = {0.3: 0.70, 0.5: 0.74, 0.7: 0.74, 0.9: 0.60}
    out = oracle.best_pii_threshold(f1.__getitem__, thresholds=tuple(f1))
    assert (out["threshold"], out["f1"]) == (0.5, 0.74)
    assert out["sweep"] == {"0.3": 0.7, "0.5": 0.74, "0.7": 0.74, "0.9": 0.6}


def _metrics(pii_oracle_f1: float) -> dict:
    return {
        "intent": {"in_scope_accuracy": 0.92, "oos_recall": 0.87},
        "xstest": {"safe_flag_rate": 0.5, "unsafe_recall": 0.95},
        "pii": {"target_types": {"f1": 0.73}, "threshold": 0.8},
        "oracle": {
            "intent": {
                "in_scope_accuracy": 0.96,
                "oos_recall": 0.85,
                "argmax_in_scope_accuracy": 0.97,
                "min_oos_recall": 0.85,
            },
            "xstest": {
                "at_unsafe_recall": {"safe_flag_rate": 0.41, "unsafe_recall": 0.9},
                "at_safe_flag_rate": {"unsafe_recall": 0.55, "harmbench_recall": 0.56},
                "harmful_auc": 0.85,
                "min_unsafe_recall": 0.9,
                "max_safe_flag_rate": 0.08,
            },
            "pii": {"f1": pii_oracle_f1, "threshold": 0.7},
        },
    }


def test_oracle_table_says_which_targets_a_threshold_could_reach() -> None:
    rows = oracle_table(_metrics(0.74)).splitlines()[2:]
    met = {row.split(" | ")[0].lstrip("| "): row.rstrip(" |").rsplit("| ", 1)[-1] for row in rows}
    assert [met[k] for k in sorted(met)] == ["yes", "no", "no"]  # CLINC, PII, XSTest
    assert "0.960 (oos 0.850)" in rows[0] and "0.410 flagged at unsafe recall 0.900" in rows[1]
    assert oracle_table(_metrics(0.91)).splitlines()[-1].endswith("| yes |")
    assert oracle_table({"intent": {}}) == ""  # metrics written before the oracle existed: no section
