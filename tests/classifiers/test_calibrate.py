"""Threshold rules chosen on validation: the intent oos floor and its fallback."""

from __future__ import annotations

import numpy as np

from guardstream.classifiers.training.calibrate import intent_threshold, threshold_at_fpr


def _validation(n_in: int = 400, n_oos: int = 100, seed: int = 0):
    """In-scope confidences skew high, oos confidences low, with overlap; 90% of in-scope argmaxes correct."""
    rng = np.random.default_rng(seed)
    best = np.concatenate([rng.beta(6, 2, n_in), rng.beta(2, 4, n_oos)])
    oos_p = np.concatenate([rng.uniform(0, 0.1, n_in), rng.uniform(0, 0.3, n_oos)])
    correct = np.concatenate([rng.random(n_in) < 0.9, np.zeros(n_oos, bool)])
    is_oos = np.concatenate([np.zeros(n_in, bool), np.ones(n_oos, bool)])
    return best, oos_p, correct, is_oos


def _rates(t: float, best, oos_p, correct, is_oos) -> tuple[float, float]:
    keep = (best >= t) & (best >= oos_p)
    return float((keep & correct)[~is_oos].mean()), float((~keep)[is_oos].mean())


def test_oos_floor_keeps_recall_and_maximises_in_scope_accuracy() -> None:
    data = _validation()
    out = intent_threshold(*data, min_oos_recall=0.8)
    acc, rec = _rates(out["threshold"], *data)
    assert rec >= 0.8 and (acc, rec) == (out["val_in_scope_acc"], out["val_oos_recall"])
    assert "oos recall >= 0.8" in out["rule"]
    for t in np.linspace(0.0, 0.95, 96):  # no threshold on the grid does better while keeping the floor
        a, r = _rates(float(t), *data)
        assert r < 0.8 or a <= acc


def test_a_lower_floor_never_costs_in_scope_accuracy() -> None:
    data = _validation(seed=1)
    strict, loose = intent_threshold(*data, min_oos_recall=0.9), intent_threshold(*data, min_oos_recall=0.7)
    assert loose["threshold"] <= strict["threshold"]
    assert loose["val_in_scope_acc"] >= strict["val_in_scope_acc"]


def test_unreachable_floor_falls_back_to_accuracy_plus_recall() -> None:
    data = _validation(seed=2)
    out = intent_threshold(*data, min_oos_recall=1.01)
    plain = intent_threshold(*data, min_oos_recall=None)
    assert out["threshold"] == plain["threshold"] and "+ oos recall" in out["rule"]
    acc, rec = out["val_in_scope_acc"], out["val_oos_recall"]
    for t in np.linspace(0.0, 0.95, 96):
        a, r = _rates(float(t), *data)
        assert a + r <= acc + rec + 1e-12


def test_fpr_threshold_flags_at_most_the_allowed_negatives() -> None:
    neg = np.random.default_rng(3).random(1000)
    t = threshold_at_fpr(neg, 0.01)
    assert (neg >= t).sum() <= 10 and (neg >= np.nextafter(t, -np.inf) - 1e-3).sum() > 10
