"""The card's metric tables: targets, gaps, the headline table and the oracle table.

Kept apart from ``evaluate`` (which measures) and ``card`` (which writes files), so both can use them
without importing each other.
"""

from __future__ import annotations

from guardstream.classifiers.training import oracle

TARGETS = {
    "intent.in_scope_accuracy": 0.95,
    "intent.oos_recall": oracle.OOS_RECALL_TARGET,
    "injection.recall_at_1pct_fpr": 0.95,
    "xstest.unsafe_recall": oracle.XSTEST_UNSAFE_RECALL_TARGET,
    "xstest.safe_flag_rate": oracle.XSTEST_SAFE_FLAG_TARGET,  # upper bound
    "harmbench.recall": 0.95,
    "davidson.f1": 0.90,
    "pii.micro_f1": 0.90,
    "pii.checksum_recall": 0.99,
}
UPPER_BOUND_TARGETS = {"xstest.safe_flag_rate"}


def _get(m: dict, dotted: str) -> float:
    a, b = dotted.split(".")
    if dotted == "pii.micro_f1":
        return m["pii"]["target_types"]["f1"]
    if dotted == "pii.checksum_recall":
        return m["pii"]["checksum_types"]["recall"]
    return m[a][b]


def gaps(m: dict) -> dict[str, dict[str, float | bool]]:
    out = {}
    for k, target in TARGETS.items():
        v = _get(m, k)
        ok = v <= target if k in UPPER_BOUND_TARGETS else v >= target
        out[k] = {"value": round(v, 4), "target": target, "gap": round(v - target, 4), "met": bool(ok)}
    return out


def table(m: dict) -> str:
    rows = [
        ("CLINC in-scope accuracy", m["intent"]["in_scope_accuracy"], f"{m['intent']['n_in_scope']} utts", "≥ 0.95"),
        ("CLINC oos recall", m["intent"]["oos_recall"], f"{m['intent']['n_oos']} utts", "≥ 0.85"),
        ("Injection recall @ shipped thr", m["injection"]["recall"], f"{m['injection']['n_pos']} pos", ""),
        ("Injection FPR @ shipped thr", m["injection"]["fpr"], f"{m['injection']['n_neg']} neg", "≤ 0.01"),
        ("Injection recall @ 1% FPR (oracle)", m["injection"]["recall_at_1pct_fpr"], "", "≥ 0.95"),
        (
            "  jailbreak held-out clusters",
            m["injection"]["recall_jailbreak_heldout_clusters"],
            f"{m['injection']['n_pos_jailbreak']} pos",
            "",
        ),
        (
            "  BIPIA test (test attacks)",
            m["injection"]["recall_bipia_test"],
            f"{m['injection']['n_pos_bipia']} pos",
            "",
        ),
        ("XSTest unsafe recall (any flag)", m["xstest"]["unsafe_recall"], f"{m['xstest']['n_unsafe']}", "≥ 0.90"),
        ("XSTest safe flagged", m["xstest"]["safe_flag_rate"], f"{m['xstest']['n_safe']}", "≤ 0.08"),
        ("HarmBench recall (harmful)", m["harmbench"]["recall"], f"{m['harmbench']['n']}", "≥ 0.95"),
        ("Davidson toxic F1", m["davidson"]["f1"], f"{m['davidson']['n']} tweets", "≥ 0.90"),
        (
            "PII F1, 8 target types (model + patterns)",
            m["pii"]["target_types"]["f1"],
            f"{m['pii']['n_texts']} texts",
            "≥ 0.90",
        ),
        ("PII recall, checksum types (card, IBAN)", m["pii"]["checksum_types"]["recall"], "", "≥ 0.99"),
        ("PII micro F1 (model alone, all 9 types)", m["pii"]["model"]["micro"]["f1"], "", ""),
    ]
    rows.append(
        (
            "PII micro F1 (model, preds inside out-of-scope entities ignored)",
            m["pii"]["model_ignoring_out_of_scope_entities"]["micro"]["f1"],
            "",
            "",
        )
    )
    merged = m["pii"]["merged_with_patterns"]
    lines = ["| metric | value | n | target (issue 3) |", "|---|---|---|---|"]
    lines += [f"| {a} | {b:.3f} | {c} | {d} |" for a, b, c, d in rows]
    lines += ["", "| PII type | P | R | F1 | support |", "|---|---|---|---|---|"]
    for t, s in m["pii"]["model"].items():
        lines.append(f"| {t} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |")
    if isinstance(merged, dict):
        lines += ["", "| PII type (model + patterns) | P | R | F1 | support |", "|---|---|---|---|---|"]
        for t, s in merged.items():
            lines.append(f"| {t} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |")
    else:
        lines += ["", f"Model + pattern recognizers: not evaluated — {merged}"]
    return "\n".join(lines)


def oracle_table(m: dict) -> str:
    """Markdown: each operating-point target at the shipped thresholds and at the best threshold on test.

    Met at the oracle but not as shipped means the thresholds (validation) are what miss; missed at both means
    no threshold reaches the target and the model itself has to separate better.
    """
    o = m.get("oracle")
    if not o:
        return ""
    it, xs, pii = o["intent"], o["xstest"], o["pii"]
    at_recall, at_flags = xs["at_unsafe_recall"], xs["at_safe_flag_rate"]
    shipped_pii = m["pii"]["target_types"]["f1"]

    def met(ok: bool) -> str:
        return "yes" if ok else "no"

    rows = [
        (
            f"CLINC in-scope accuracy ≥ 0.95 with oos recall ≥ {it['min_oos_recall']:.2f}",
            f"{m['intent']['in_scope_accuracy']:.3f} (oos {m['intent']['oos_recall']:.3f})",
            f"{it['in_scope_accuracy']:.3f} (oos {it['oos_recall']:.3f}); intent argmax with no oos decision"
            f" {it['argmax_in_scope_accuracy']:.3f}",
            met(it["in_scope_accuracy"] >= TARGETS["intent.in_scope_accuracy"]),
        ),
        (
            f"XSTest safe flagged ≤ {xs['max_safe_flag_rate']:.2f} with unsafe recall ≥ {xs['min_unsafe_recall']:.2f}",
            f"{m['xstest']['safe_flag_rate']:.3f} (unsafe {m['xstest']['unsafe_recall']:.3f})",
            f"{at_recall['safe_flag_rate']:.3f} flagged at unsafe recall {at_recall['unsafe_recall']:.3f};"
            f" at ≤ {xs['max_safe_flag_rate']:.2f} flagged: unsafe recall {at_flags['unsafe_recall']:.3f}, HarmBench"
            f" {at_flags['harmbench_recall']:.3f} (harmful score AUC, unsafe vs safe: {xs['harmful_auc']:.3f})",
            met(at_recall["safe_flag_rate"] <= xs["max_safe_flag_rate"]),
        ),
        (
            "PII F1, 8 target types (model + patterns) ≥ 0.90",
            f"{shipped_pii:.3f} (token confidence {m['pii'].get('threshold', float('nan')):.2f})",
            f"{pii['f1']:.3f} (token confidence {pii['threshold']:.2f})",
            met(pii["f1"] >= TARGETS["pii.micro_f1"]),
        ),
    ]
    lines = [
        "| target | shipped thresholds | best threshold on test (oracle) | met at the oracle |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)
