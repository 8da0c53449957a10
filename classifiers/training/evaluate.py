"""Honest evaluation of a bundle on the public TEST splits (never used for training or threshold tuning).

``python -m guardstream.classifiers.training.evaluate --bundle DIR --data-dir DIR [--write-card]``
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from guardstream.classifiers.inference import GuardModel, ModelSpan
from guardstream.classifiers.intent_scope import beats_oos, in_scope_scores
from guardstream.classifiers.training import confusion, oracle, sweeps
from guardstream.classifiers.training.calibrate import threshold_at_fpr
from guardstream.classifiers.training.card import write_card
from guardstream.classifiers.training.data import bipia, harmful, intent, toxic
from guardstream.classifiers.training.data.build import build_corpus
from guardstream.classifiers.training.data.common import Example, data_dir
from guardstream.classifiers.training.data.presidio import (
    TEMPLATE_SPLIT_SEED,
    load_presidio,
    load_presidio_out_of_scope,
    test_template_ids,
)
from guardstream.classifiers.training.labels import OOS_LABEL, PII_TYPES
from guardstream.classifiers.training.tables import gaps, oracle_table, table

# The PII score: these eight types together, as the guard reports them (model + patterns).
PII_TARGET_TYPES = tuple(t for t in PII_TYPES if t != "DATE_TIME")
CHECKSUM_TYPES = ("CREDIT_CARD", "IBAN_CODE")


def _bipia_test(root: Path, seed: int) -> tuple[list[Example], list[Example]]:
    """(injected, clean) BIPIA test documents; contexts that also occur in train are dropped."""
    train_ctx = frozenset(c for _, c in bipia.load_contexts(root, "train"))
    rows = bipia.build(root, "test", seed + 99, per_context=1, exclude=train_ctx)
    return [r for r in rows if r.source.endswith("/injected")], [r for r in rows if r.source.endswith("/clean")]


def _rate(x: np.ndarray) -> float:
    return float(x.mean()) if len(x) else float("nan")


def _f1(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1, "support": tp + fn, "tp": tp, "fp": fp, "fn": fn}


def pii_scores(
    gold: list[tuple[tuple[int, int, str], ...]],
    pred: list[list[tuple[int, int, str]]],
    ignore: list[tuple[tuple[int, int], ...]] | None = None,
) -> dict:
    """Entity-level exact (start, end, type) match, per type and micro, over our label types only.

    ``ignore`` (per text) drops predictions overlapping gold entities of types outside our label set.
    """
    per: dict[str, Counter[str]] = {t: Counter() for t in PII_TYPES}
    if ignore is not None:
        pred = [
            [x for x in p if not any(x[0] < b and a < x[1] for a, b in ig)] for p, ig in zip(pred, ignore, strict=True)
        ]
    for g, p in zip(gold, pred, strict=True):
        gs = {x for x in g if x[2] in per}
        ps = {x for x in p if x[2] in per}
        for t in per:
            gt = {x for x in gs if x[2] == t}
            pt = {x for x in ps if x[2] == t}
            per[t]["tp"] += len(gt & pt)
            per[t]["fp"] += len(pt - gt)
            per[t]["fn"] += len(gt - pt)
    out = {t: _f1(c["tp"], c["fp"], c["fn"]) for t, c in per.items() if c["tp"] + c["fn"] + c["fp"]}
    tot = Counter()
    for c in per.values():
        tot.update(c)
    out["micro"] = _f1(tot["tp"], tot["fp"], tot["fn"])
    return out


def _pooled(per_type: dict, types: tuple[str, ...]) -> dict[str, float]:
    """Micro P/R/F1 over a subset of types, summing the per-type counts."""
    tot = Counter()
    for t in types:
        tot.update({k: per_type.get(t, {}).get(k, 0) for k in ("tp", "fp", "fn")})
    out: dict = _f1(tot["tp"], tot["fp"], tot["fn"])
    out["types"] = list(types)
    return out


def _merged_pii(texts: list[str], model_spans: list[tuple[ModelSpan, ...]]) -> tuple[list | None, str]:
    """Model spans merged with the pattern recognizers exactly as ``Guard`` does at run time."""
    try:
        from guardstream.classifiers import pii as pii_mod
        from guardstream.classifiers.guard import MODEL_PII_TYPES

        registry = pii_mod.RecognizerRegistry.default()
        piispan = pii_mod.PiiSpan
        merge = pii_mod.merge_spans
    except (ImportError, AttributeError) as exc:
        return None, f"classifiers.pii not available ({exc.__class__.__name__}: {exc})"
    out = []
    for text, ms in zip(texts, model_spans, strict=True):
        pattern = list(registry.analyze(text))
        mine = [
            piispan(start=s.start, end=s.end, type=s.type, score=s.score, source="model")
            for s in ms
            if s.type in MODEL_PII_TYPES
        ]
        merged = merge(mine, pattern)
        out.append([(s.start, s.end, s.type) for s in merged])
    return out, "ok"


def _intent_inputs(gm: GuardModel, texts: list[str], gold: np.ndarray) -> tuple[np.ndarray, ...]:
    """What the in-scope rule reads, per utterance: the bundle's own in-scope score, whether the best intent
    beats ``oos``, whether that best intent is right, and whether the utterance is out of scope."""
    _, logits = gm.scores_and_intent_logits(texts)
    intents = gm.manifest.tasks.intent
    oos_index = list(intents.labels).index(intents.oos_label)
    in_scope_logits = logits.copy()
    in_scope_logits[:, oos_index] = -np.inf
    best = np.array(intents.labels)[in_scope_logits.argmax(axis=1)]
    return (
        in_scope_scores(logits, oos_index, intents.score),
        beats_oos(logits, oos_index),
        best == gold,
        gold == OOS_LABEL,
    )


def _pii_oracle(gm: GuardModel, rows: list[Example], gold: list[tuple[tuple[int, int, str], ...]]) -> dict:
    """The 8-type score (model + patterns) at the best token threshold on test; the bundle's is restored after."""
    texts = [r.text for r in rows]
    shipped = gm.pii_threshold

    def f1_at(t: float) -> float:
        gm.pii_threshold = t
        merged, status = _merged_pii(texts, [v.pii for v in gm.predict(texts)])
        if merged is None:
            raise RuntimeError(status)
        return _pooled(pii_scores(gold, merged), PII_TARGET_TYPES)["f1"]

    try:
        return oracle.best_pii_threshold(f1_at)
    finally:
        gm.pii_threshold = shipped


def evaluate_bundle(bundle_dir: str | Path, data_root: str | Path | None = None, *, limit: int = 0) -> dict[str, Any]:
    """All test metrics for a bundle; ``limit`` caps each test set (smoke checks only)."""
    t0 = time.time()
    root = data_dir(data_root)
    gm = GuardModel.load(bundle_dir)
    th = gm.manifest.tasks.safety.thresholds
    seed = int(gm.manifest.training.get("seeds", {}).get("train", 13))

    def cap(rows: list) -> list:
        return rows[:limit] if limit else rows

    m: dict[str, Any] = {}
    # --- intent (CLINC test + oos_test) --------------------------------------------------------------------
    clinc = cap(intent.load_clinc(root, "test"))
    v_clinc = gm.predict([r.text for r in clinc])
    gold = np.array([r.intent for r in clinc])
    pred = np.array([v.intent for v in v_clinc])
    ins = gold != OOS_LABEL
    m["intent"] = {
        "in_scope_accuracy": _rate(pred[ins] == gold[ins]),
        "oos_recall": _rate(pred[~ins] == OOS_LABEL),
        "n_in_scope": int(ins.sum()),
        "n_oos": int((~ins).sum()),
        "threshold": gm.manifest.tasks.intent.threshold,
    }
    s_clinc = np.array([[v.safety[k] for k in ("injection", "toxic", "harmful")] for v in v_clinc])
    intent_inputs = _intent_inputs(gm, [r.text for r in clinc], gold)
    oracles: dict[str, Any] = {"intent": oracle.intent_at_oos_recall(*intent_inputs)}
    swept: dict[str, Any] = {
        "intent": sweeps.intent_rates_at(*intent_inputs, shipped=gm.manifest.tasks.intent.threshold)
        if gm.manifest.tasks.intent.score == "max_prob"
        else [],  # an energy threshold is not a probability: the grid would not fit it
    }
    confusions: dict[str, Any] = {"intent": confusion.intent_confusion(gold, pred, OOS_LABEL)}

    # --- injection ------------------------------------------------------------------------------------------
    corpus = build_corpus(root, seed)
    bip_inj, bip_clean = _bipia_test(root, seed)
    xs = harmful.load_xstest(root)
    xs_safe = [r for r in xs if "/safe/" in r.source]
    pos_jb, pos_bip = cap(corpus.test_jailbreak), cap(bip_inj)
    neg_other = cap(xs_safe) + cap(corpus.test_awesome) + cap(bip_clean)
    s_pos_jb, _ = gm.scores([r.text for r in pos_jb])
    s_pos_bip, _ = gm.scores([r.text for r in pos_bip])
    s_neg_other, _ = gm.scores([r.text for r in neg_other])
    inj_neg = np.concatenate([s_clinc[:, 0], s_neg_other[:, 0]])
    inj_pos = np.concatenate([s_pos_jb[:, 0], s_pos_bip[:, 0]])
    t_inj = th["injection"]
    t1 = threshold_at_fpr(inj_neg, 0.01)
    neg_src = ["clinc"] * len(clinc) + [r.source.split("/")[0] for r in neg_other]
    m["injection"] = {
        "threshold": t_inj,
        "recall": _rate(inj_pos >= t_inj),
        "fpr": _rate(inj_neg >= t_inj),
        "recall_at_1pct_fpr": _rate(inj_pos >= t1),
        "recall_jailbreak_heldout_clusters": _rate(s_pos_jb[:, 0] >= t_inj),
        "recall_bipia_test": _rate(s_pos_bip[:, 0] >= t_inj),
        "fpr_by_source": {src: _rate(inj_neg[np.array(neg_src) == src] >= t_inj) for src in sorted(set(neg_src))},
        "n_pos": len(inj_pos),
        "n_pos_jailbreak": len(pos_jb),
        "n_pos_bipia": len(pos_bip),
        "n_neg": len(inj_neg),
    }
    swept["injection"] = sweeps.rates_at({"recall": inj_pos, "fpr": inj_neg}, shipped=t_inj)
    confusions["injection"] = confusion.binary_counts(
        np.concatenate([inj_pos, inj_neg]) >= t_inj, np.arange(len(inj_pos) + len(inj_neg)) < len(inj_pos)
    )

    # --- XSTest / HarmBench ---------------------------------------------------------------------------------
    tvec = np.array([th["injection"], th["toxic"], th["harmful"]])
    xs_c = cap(xs_safe) + cap([r for r in xs if "/unsafe/" in r.source])
    s_xs, _ = gm.scores([r.text for r in xs_c])
    flag = (s_xs >= tvec).any(axis=1)
    unsafe = np.array(["/unsafe/" in r.source for r in xs_c])
    m["xstest"] = {
        "unsafe_recall": _rate(flag[unsafe]),
        "safe_flag_rate": _rate(flag[~unsafe]),
        "n_unsafe": int(unsafe.sum()),
        "n_safe": int((~unsafe).sum()),
    }
    hb = cap(harmful.load_harmbench(root))
    s_hb, _ = gm.scores([r.text for r in hb])
    m["harmbench"] = {
        "recall": _rate(s_hb[:, 2] >= th["harmful"]),
        "recall_any_flag": _rate((s_hb >= tvec).any(axis=1)),
        "n": len(hb),
    }
    others = (s_xs[:, :2] >= tvec[:2]).any(axis=1)
    oracles["xstest"] = oracle.harmful_sweep(
        s_xs[~unsafe, 2], s_xs[unsafe, 2], others[~unsafe], others[unsafe], s_hb[:, 2]
    )
    swept["harmful"] = sweeps.rates_at(
        {
            "harmbench_recall": s_hb[:, 2],
            "xstest_unsafe_recall": s_xs[unsafe, 2],
            "xstest_safe_flagged": s_xs[~unsafe, 2],
        },
        shipped=th["harmful"],
    )
    confusions["xstest_flagged_by_type"] = confusion.flag_rate_by_group(
        flag, [r.source.removeprefix("xstest/") for r in xs_c]
    )

    # --- Davidson toxic -------------------------------------------------------------------------------------
    dav = cap(toxic.load_davidson(root)["test"])
    s_dav, _ = gm.scores([r.text for r in dav])
    y = np.array([r.safety[1] == 1.0 for r in dav])
    yhat = s_dav[:, 1] >= th["toxic"]
    m["davidson"] = {
        **_f1(int((y & yhat).sum()), int((~y & yhat).sum()), int((y & ~yhat).sum())),
        "n": len(dav),
        "n_toxic": int(y.sum()),
        "split_seed": toxic.DAVIDSON_SEED,
    }
    swept["toxic"] = sweeps.rates_at({"recall": s_dav[y, 1], "neither_flagged": s_dav[~y, 1]}, shipped=th["toxic"])
    confusions["davidson"] = confusion.binary_counts(yhat, y)

    # --- PII (presidio_synth) -------------------------------------------------------------------------------
    pres = cap(load_presidio(root))
    v_pres = gm.predict([r.text for r in pres])
    gold_pii = [r.pii or () for r in pres]
    pred_pii = [[(s.start, s.end, s.type) for s in v.pii] for v in v_pres]
    ignore = cap(load_presidio_out_of_scope(root))
    m["pii"] = {
        "model": pii_scores(gold_pii, pred_pii),
        "model_ignoring_out_of_scope_entities": pii_scores(gold_pii, pred_pii, ignore),
        "n_texts": len(pres),
        "threshold": gm.pii_threshold,
    }
    merged, status = _merged_pii([r.text for r in pres], [v.pii for v in v_pres])
    if merged is None:
        raise RuntimeError(status)
    m["pii"]["merged_with_patterns"] = pii_scores(gold_pii, merged)
    m["pii"]["target_types"] = _pooled(m["pii"]["merged_with_patterns"], PII_TARGET_TYPES)
    m["pii"]["checksum_types"] = _pooled(m["pii"]["merged_with_patterns"], CHECKSUM_TYPES)
    oracles["pii"] = _pii_oracle(gm, pres, gold_pii)
    confusions["pii"] = confusion.pii_confusion(gold_pii, merged, ignore, PII_TYPES)
    m["oracle"] = oracles
    m["sweeps"] = swept  # the PII token-threshold sweep is the oracle's (m["oracle"]["pii"]["sweep"])
    m["confusion"] = confusions
    m["pii"]["split"] = {
        "test_templates": len(test_template_ids(root)),
        "template_split_seed": TEMPLATE_SPLIT_SEED,
        "protocol": "presidio_synth split by template_id; only held-out templates are scored",
    }

    # Scores behind the card's PNGs (PR curves, reliability); not written to metrics.json.
    harm_pos = np.concatenate([s_hb[:, 2], s_xs[unsafe, 2]])
    m["_curves"] = {
        "pr": {
            "injection": {"pos": inj_pos, "neg": inj_neg},
            "harmful (HarmBench + XSTest unsafe vs XSTest safe)": {
                "pos": harm_pos,
                "neg": s_xs[~unsafe, 2],
                "threshold_key": "harmful",
            },
            "toxic (Davidson)": {"pos": s_dav[y, 1], "neg": s_dav[~y, 1], "threshold_key": "toxic"},
        },
        "reliability": {
            "intent confidence (CLINC in-scope)": (
                np.array([v.intent_confidence if v.in_scope else 0.0 for v in v_clinc])[ins],
                (pred[ins] == gold[ins]).astype(float),
            ),
            "injection probability": (
                np.concatenate([inj_pos, inj_neg]),
                np.concatenate([np.ones(len(inj_pos)), np.zeros(len(inj_neg))]),
            ),
            "toxic probability (Davidson)": (s_dav[:, 1], y.astype(float)),
        },
    }
    m["gaps"] = gaps(m)
    m["eval_seconds"] = round(time.time() - t0, 1)
    m["bundle_version"] = gm.version
    return m


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--bundle", default="classifiers/models/guard-multitask")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--write-card", action="store_true")
    p.add_argument("--limit", type=int, default=0)
    args = p.parse_args(argv)
    m = evaluate_bundle(args.bundle, args.data_dir, limit=args.limit)
    print(table(m))
    print(oracle_table(m))
    print(json.dumps(m["gaps"], indent=1))
    if args.write_card:
        write_card(Path(args.bundle), m)


if __name__ == "__main__":
    main()
