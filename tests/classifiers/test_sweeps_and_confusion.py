"""Threshold sweeps and confusion summaries of the model card: counted right on cases worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from guardstream.classifiers.training import confusion, sweeps
from guardstream.classifiers.training.card import _sweep_and_confusion_lines


def test_rates_at_counts_scores_at_or_above_each_threshold_and_marks_the_shipped_one() -> None:
    pos, neg = np.array([0.9, 0.6, 0.3, 0.05]), np.array([0.7, 0.2, 0.1, 0.0, 0.0])
    rows = sweeps.rates_at({"recall": pos, "fpr": neg}, grid=(0.1, 0.5, 0.95), shipped=0.3)
    assert [r["threshold"] for r in rows] == [0.1, 0.3, 0.5, 0.95]
    assert [(r["recall"], r["fpr"]) for r in rows] == [(0.75, 0.6), (0.75, 0.2), (0.5, 0.2), (0.0, 0.0)]
    assert [r["shipped"] for r in rows] == [False, True, False, False]
    # a shipped threshold already on the grid is one row, marked
    assert [r["shipped"] for r in sweeps.rates_at({"recall": pos}, grid=(0.1, 0.5), shipped=0.5)] == [False, True]


def test_intent_rates_at_follows_the_routing_rule() -> None:
    score = np.array([0.9, 0.6, 0.4, 0.8, 0.3])
    gate = np.array([True, True, True, False, True])  # the fourth loses to oos whatever the threshold
    correct = np.array([True, False, True, False, False])
    is_oos = np.array([False, False, False, True, True])
    rows = sweeps.intent_rates_at(score, gate, correct, is_oos, grid=(0.35, 0.5))
    assert [(r["in_scope_accuracy"], r["oos_recall"]) for r in rows] == [(2 / 3, 1.0), (1 / 3, 1.0)]
    rows = sweeps.intent_rates_at(score, gate, correct, is_oos, grid=(0.2,))
    assert rows[0]["oos_recall"] == 0.5  # 0.3 passes 0.2 and beats oos: routed


def test_sweep_markdown_bolds_the_shipped_row() -> None:
    rows = sweeps.rates_at({"recall": np.array([0.9, 0.1])}, grid=(0.5,), shipped=0.2)
    table = sweeps.markdown(rows, ("recall",)).splitlines()
    assert table[:2] == ["| threshold | recall |", "|---|---|"]
    assert table[2] == "| **0.2** (shipped) | **0.500** |" and table[3] == "| 0.5 | 0.500 |"


def test_binary_counts_and_flag_rate_by_group() -> None:
    flagged = np.array([True, True, False, False, True])
    positive = np.array([True, False, True, False, True])
    assert confusion.binary_counts(flagged, positive) == {"tp": 2, "fp": 1, "fn": 1, "tn": 1}
    groups = ["safe/a", "safe/a", "unsafe/b", "safe/a", "unsafe/b"]
    out = confusion.flag_rate_by_group(flagged, groups)
    assert list(out) == ["safe/a", "unsafe/b"]
    assert out["safe/a"] == {"n": 3, "flagged": pytest.approx(2 / 3)} and out["unsafe/b"]["flagged"] == 0.5


def test_intent_confusion_splits_errors_by_where_they_went() -> None:
    gold = ["pay_bill", "pay_bill", "pay_bill", "balance", "oos", "oos", "oos"]
    pred = ["pay_bill", "bill_due", "oos", "bill_due", "oos", "balance", "balance"]
    out = confusion.intent_confusion(gold, pred, "oos")
    assert out["in_scope"] == {"n": 4, "correct": 1, "wrong_intent": 2, "sent_to_oos": 1}
    assert out["oos"] == {"n": 3, "kept_oos": 1}
    assert sorted(out["top_wrong_pairs"]) == [["balance", "bill_due", 1], ["pay_bill", "bill_due", 1]]
    assert out["oos_routed_to"] == [["balance", 2]]


def test_pii_confusion_tells_boundaries_types_misses_and_where_spurious_spans_fell() -> None:
    text_gold = [(0, 10, "PERSON"), (20, 26, "LOCATION"), (30, 40, "PERSON"), (50, 60, "PERSON")]
    text_pred = [
        (0, 10, "PERSON"),  # exact
        (20, 30, "LOCATION"),  # other boundaries
        (30, 40, "LOCATION"),  # the right place, the wrong type
        (70, 75, "PERSON"),  # inside a street address (unmodelled)
        (90, 95, "DATE_TIME"),  # on plain text
    ]
    out = confusion.pii_confusion([text_gold], [text_pred], [((68, 80),)], ("PERSON", "LOCATION", "DATE_TIME"))
    assert out["gold"]["PERSON"] == {"n": 3, "exact": 1, "as LOCATION": 1, "missed": 1}
    assert out["gold"]["LOCATION"] == {"n": 1, "other_boundaries": 1}
    assert out["spurious"] == {
        "PERSON": {"inside_unmodelled_entity": 1},
        "LOCATION": {"on_a_gold_entity": 2},
        "DATE_TIME": {"on_plain_text": 1},
    }
    lines = confusion.markdown({"pii": out})
    assert "| PERSON | 3 | 1 | 0 | 1 | 1 |" in lines  # exact, other boundaries, as LOCATION, missed


def test_card_sections_appear_only_for_metrics_that_have_them() -> None:
    assert _sweep_and_confusion_lines({"intent": {}}) == []
    rows = sweeps.rates_at({"recall": np.array([0.9]), "fpr": np.array([0.1])}, grid=(0.5,), shipped=0.3)
    metrics = {"sweeps": {"injection": rows}, "confusion": {"injection": {"tp": 1, "fp": 0, "fn": 0, "tn": 1}}}
    text = "\n".join(_sweep_and_confusion_lines(metrics))
    assert "**injection**" in text and "**harmful**" not in text
    assert "- Injection (test positives vs benign): TP 1, FP 0, FN 0, TN 1" in text
