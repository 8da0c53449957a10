"""Confusion summaries on the test sets at the shipped thresholds: where each head's errors go.

Why: an F1 or a flag rate says how many decisions are wrong, not which. The next recipe change depends on
which: PII names found with the wrong boundary call for a different fix than names not found at all; XSTest
prompts flagged in one category (homonyms) for another than flags spread over all of them. Reports only;
nothing here feeds back into training or the thresholds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

Span = tuple[int, int, str]


def binary_counts(flagged: np.ndarray, positive: np.ndarray) -> dict[str, int]:
    """True/false positives and negatives of one yes/no decision."""
    f = np.asarray(flagged, bool)
    y = np.asarray(positive, bool)
    return {"tp": int((f & y).sum()), "fp": int((f & ~y).sum()), "fn": int((~f & y).sum()), "tn": int((~f & ~y).sum())}


def flag_rate_by_group(flagged: np.ndarray, groups: Sequence[str]) -> dict[str, dict[str, float | int]]:
    """Share flagged per group (e.g. XSTest's prompt types), groups in first-seen order."""
    f = np.asarray(flagged, bool)
    g = np.asarray(groups)
    return {
        name: {"n": int((g == name).sum()), "flagged": float(f[g == name].mean())} for name in dict.fromkeys(groups)
    }


def intent_confusion(gold: Sequence[str], pred: Sequence[str], oos_label: str, top: int = 10) -> dict[str, Any]:
    """Where CLINC utterances went: right intent, wrong intent, or the oos boundary, both ways.

    ``top_wrong_pairs`` are the most frequent (gold, predicted) in-scope mix-ups; ``oos_routed_to`` the intents
    that out-of-scope utterances were sent to most often.
    """
    g = np.asarray(gold)
    p = np.asarray(pred)
    ins = g != oos_label
    wrong = ins & (p != g) & (p != oos_label)
    return {
        "in_scope": {
            "n": int(ins.sum()),
            "correct": int((ins & (p == g)).sum()),
            "wrong_intent": int(wrong.sum()),
            "sent_to_oos": int((ins & (p == oos_label)).sum()),
        },
        "oos": {"n": int((~ins).sum()), "kept_oos": int((~ins & (p == oos_label)).sum())},
        "top_wrong_pairs": [[a, b, n] for (a, b), n in Counter(zip(g[wrong], p[wrong], strict=True)).most_common(top)],
        "oos_routed_to": [[a, n] for a, n in Counter(p[~ins & (p != oos_label)]).most_common(top)],
    }


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def pii_confusion(
    gold: Sequence[Sequence[Span]],
    pred: Sequence[Sequence[Span]],
    out_of_scope: Sequence[Sequence[tuple[int, int]]],
    types: Sequence[str],
) -> dict[str, dict[str, Any]]:
    """Per gold entity type: found exactly, found with other boundaries, found as another type, or missed;
    per predicted type, the spans that match no gold entity exactly: on a gold entity (counted above, from the
    gold side), inside an entity of a type we do not model (street address, organisation, ...), or on plain
    text.

    Exact (start, end, type) matches are what the F1 counts; the other columns split its errors.
    """
    by_gold: dict[str, Counter[str]] = {t: Counter() for t in types}
    by_pred: dict[str, Counter[str]] = {t: Counter() for t in types}
    for g_spans, p_spans, oos_spans in zip(gold, pred, out_of_scope, strict=True):
        gs = [s for s in g_spans if s[2] in by_gold]
        ps = [s for s in p_spans if s[2] in by_pred]
        exact = set(gs) & set(ps)
        for s in gs:
            over = [p for p in ps if _overlaps(s[:2], p[:2])]
            if s in exact:
                by_gold[s[2]]["exact"] += 1
            elif any(p[2] == s[2] for p in over):
                by_gold[s[2]]["other_boundaries"] += 1
            elif over:
                by_gold[s[2]][f"as {over[0][2]}"] += 1
            else:
                by_gold[s[2]]["missed"] += 1
        for p in ps:
            if p in exact:
                continue
            if any(_overlaps(p[:2], s[:2]) for s in gs):
                by_pred[p[2]]["on_a_gold_entity"] += 1
            elif any(_overlaps(p[:2], o) for o in oos_spans):
                by_pred[p[2]]["inside_unmodelled_entity"] += 1
            else:
                by_pred[p[2]]["on_plain_text"] += 1
    return {
        "gold": {t: {"n": sum(c.values()), **c} for t, c in by_gold.items() if c},
        "spurious": {t: dict(c) for t, c in by_pred.items() if c},
    }


def markdown(c: dict[str, Any]) -> list[str]:
    """The summaries as Markdown lines for the model card (sections present in ``c`` only)."""
    lines: list[str] = []
    for name, label in (("injection", "Injection (test positives vs benign)"), ("davidson", "Toxic (Davidson)")):
        if b := c.get(name):
            lines.append(f"- {label}: TP {b['tp']}, FP {b['fp']}, FN {b['fn']}, TN {b['tn']}")
    if it := c.get("intent"):
        i, o = it["in_scope"], it["oos"]
        lines += [
            f"- CLINC in-scope ({i['n']}): right intent {i['correct']}, wrong intent {i['wrong_intent']}, sent to oos"
            f" {i['sent_to_oos']}; out-of-scope ({o['n']}): kept oos {o['kept_oos']}, routed to an intent"
            f" {o['n'] - o['kept_oos']}",
            "- most frequent wrong intents (gold → predicted, count): "
            + "; ".join(f"{a} → {b} {n}" for a, b, n in it["top_wrong_pairs"]),
            "- intents oos utterances were routed to most: " + "; ".join(f"{a} {n}" for a, n in it["oos_routed_to"]),
        ]
    if xs := c.get("xstest_flagged_by_type"):
        lines += ["", "| XSTest type | n | flagged |", "|---|---|---|"]
        lines += [f"| {t} | {r['n']} | {r['flagged']:.2f} |" for t, r in xs.items()]
    if pii := c.get("pii"):
        wrong_type = sorted({k for g in pii["gold"].values() for k in g if k.startswith("as ")})
        cols = ["exact", "other_boundaries", *wrong_type, "missed"]
        lines += ["", "| gold PII type | n | " + " | ".join(cols) + " |", "|---" * (len(cols) + 2) + "|"]
        for t, g in pii["gold"].items():
            lines.append(f"| {t} | {g['n']} | " + " | ".join(str(g.get(k, 0)) for k in cols) + " |")
        cols = ["on_a_gold_entity", "inside_unmodelled_entity", "on_plain_text"]
        lines += ["", "| predicted PII type, not an exact match | " + " | ".join(cols) + " |"]
        lines += ["|---" * (len(cols) + 1) + "|"]
        for t, p in pii["spurious"].items():
            lines.append(f"| {t} | " + " | ".join(str(p.get(k, 0)) for k in cols) + " |")
    return lines
