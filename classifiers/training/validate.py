"""Validation scores of a training run's checkpoint, straight from the torch model (no ONNX, no test data).

``python -m guardstream.classifiers.training.validate --run-dir runs/X [--device cuda]`` rebuilds the run's
validation split (same seed and corpus flags as its ``train_config.json``), scores it with ``model.pt`` and writes
``validation.json`` next to it.

Why: comparing recipes (flags, seeds, learning rates) needs one number set per run that never touches a test
set and costs seconds, not the ~7 minutes of packaging (export, int8, calibration, test evaluation). The figures
mirror what packaging calibrates on, plus the harmful-head proxy used since v0.5.0: held-out safe look-alikes
(safety_synth / contrast rows labelled benign) against held-out harmful requests, where the question is how many
look-alikes a threshold must flag to keep a given harmful recall. Scores are fp32 torch, so they sit close to but
not exactly on the int8 bundle's.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from guardstream.classifiers.training import calibrate
from guardstream.classifiers.training.calibrate import auc
from guardstream.classifiers.training.data import bipia
from guardstream.classifiers.training.data.build import corpus_for_run
from guardstream.classifiers.training.data.common import Example, data_dir
from guardstream.classifiers.training.encode import pii_token_labels
from guardstream.classifiers.training.export import load_checkpoint
from guardstream.classifiers.training.labels import IGNORE_INDEX, OOS_LABEL, SAFETY_LABELS
from guardstream.classifiers.training.model import base_tokenizer

WINDOW = 126  # body tokens per window; [CLS] and [SEP] make 128, the training length
STRIDE = 96
LOOKALIKE_SOURCES = ("safety_synth/", "contrast/")


def is_lookalike(row: Example) -> bool:
    """A held-out benign prompt written to sound alarming (the XSTest-safe shape on validation)."""
    return row.source.startswith(LOOKALIKE_SOURCES) and row.safety == (0.0, 0.0, 0.0)


def is_proxy_harmful(row: Example) -> bool:
    """A held-out harmful request that is not an injection; the pairs' twins are left out so the proxy keeps
    the same rows whether or not a run trained with ``--safety-pairs``."""
    s = row.safety
    return s is not None and s[2] == 1.0 and s[0] == 0.0 and not row.source.startswith("safety_pairs/")


@torch.no_grad()
def score_rows(model, texts: list[str], device: torch.device, batch: int = 64):
    """Safety probabilities (max over overlapping windows), intent logits and PII label ids of the first
    window, per text; the same windowing as the runtime's long-message path, in spirit."""
    tok = base_tokenizer()
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    encs = tok.encode_batch(texts, add_special_tokens=False)
    windows: list[tuple[int, list[int]]] = []
    for i, e in enumerate(encs):
        ids = list(e.ids)
        starts = range(0, max(1, len(ids) - WINDOW + STRIDE), STRIDE) if len(ids) > WINDOW else [0]
        windows += [(i, ids[s : s + WINDOW]) for s in starts]
    order = sorted(range(len(windows)), key=lambda k: len(windows[k][1]))
    safety = np.zeros((len(texts), len(SAFETY_LABELS)), np.float32)
    intent: list[np.ndarray | None] = [None] * len(texts)
    pii: list[np.ndarray | None] = [None] * len(texts)
    first = {}
    for k, (i, _) in enumerate(windows):
        first.setdefault(i, k)
    for j in range(0, len(order), batch):
        idx = order[j : j + batch]
        width = max(len(windows[k][1]) for k in idx) + 2
        ids = np.zeros((len(idx), width), np.int64)
        att = np.zeros((len(idx), width), np.int64)
        for r, k in enumerate(idx):
            body = windows[k][1]
            ids[r, : len(body) + 2] = [cls_id, *body, sep_id]
            att[r, : len(body) + 2] = 1
        s, it, p = model(torch.from_numpy(ids).to(device), torch.from_numpy(att).to(device))
        s = torch.sigmoid(s.float()).cpu().numpy()
        it = it.float().cpu().numpy()
        p = p.float().argmax(-1).cpu().numpy()
        for r, k in enumerate(idx):
            i = windows[k][0]
            safety[i] = np.maximum(safety[i], s[r])
            if first[i] == k:
                intent[i] = it[r]
                pii[i] = p[r, 1 : len(windows[k][1]) + 1]
    return safety, intent, pii


def safety_report(val: list[Example], probs: np.ndarray) -> dict:
    out: dict = {}
    for j, lbl in enumerate(SAFETY_LABELS):
        known = np.array([r.safety is not None and r.safety[j] is not None for r in val])
        y = np.array([bool(r.safety[j]) if k else False for r, k in zip(val, known, strict=True)])
        pos, neg = probs[known & y, j], probs[known & ~y, j]
        if lbl == "injection":
            t = calibrate.threshold_at_fpr(neg, 0.01)
            out[lbl] = {"recall_at_1pct_fpr": float((pos >= t).mean())}
            # BIPIA-style held-out documents (``--bipia-val-holdout``), at the same all-benign 1% FPR threshold
            held = np.array([r.source.startswith(f"{bipia.VAL_SOURCE}/") for r in val])
            if (held & known & y).any():
                out[lbl]["bipia_val_recall_at_1pct_fpr"] = float((probs[held & known & y, j] >= t).mean())
                out[lbl]["bipia_val_clean_flagged"] = float((probs[held & known & ~y, j] >= t).mean())
                out[lbl]["n_bipia_val_injected"] = int((held & known & y).sum())
                # recall saturates on short runs while held-out clean documents get flagged: the AUC of
                # injected vs clean held-out documents is what separates recipes
                out[lbl]["bipia_val_auc"] = auc(probs[held & known & y, j], probs[held & known & ~y, j])
        elif lbl == "toxic":
            t, f1 = calibrate.threshold_max_f1(pos, neg)
            out[lbl] = {"max_f1": f1}
        else:
            t = calibrate.threshold_at_recall(pos, 0.95)
            out[lbl] = {"fpr_at_0.95_recall": float((neg >= t).mean())}
        out[lbl]["auc"] = auc(pos, neg)
    look = probs[[is_lookalike(r) for r in val], 2]
    harm = probs[[is_proxy_harmful(r) for r in val], 2]
    out["harmful_proxy"] = {
        "n_lookalike": len(look),
        "n_harmful": len(harm),
        "auc": auc(harm, look),
        **{
            f"lookalike_flagged_at_{r}_recall": float((look >= calibrate.threshold_at_recall(harm, r)).mean())
            for r in (0.9, 0.95)
        },
    }
    return out


def intent_report(val: list[Example], logits: list[np.ndarray | None], labels: list[str]) -> dict:
    rows = [i for i, r in enumerate(val) if r.intent is not None]
    lg = np.stack([logits[i] for i in rows])
    gold = np.array([labels.index(val[i].intent) for i in rows])
    oos = labels.index(OOS_LABEL)
    in_scope = lg.copy()
    in_scope[:, oos] = -np.inf
    argmax_acc = float((in_scope.argmax(1) == gold)[gold != oos].mean())
    rule = calibrate.intent_rule(lg, gold, oos)
    return {
        "argmax_in_scope_acc": argmax_acc,
        "in_scope_acc_at_threshold": rule["val_in_scope_acc"],
        "oos_recall_at_threshold": rule["val_oos_recall"],
    }


def pii_report(val: list[Example], pred: list[np.ndarray | None]) -> dict:
    """Word-level micro F1 over entity words (the first token of each word, B/I folded into the type)."""
    from guardstream.classifiers.training.labels import PII_LABELS

    tok = base_tokenizer()
    tp = fp = fn = 0
    for r, p in zip(val, pred, strict=True):
        if r.pii is None or p is None:
            continue
        e = tok.encode(r.text, add_special_tokens=False)
        gold = pii_token_labels(e.word_ids, e.offsets, r.pii)[: len(p)]
        for g, q in zip(gold, p, strict=False):
            if g == IGNORE_INDEX:
                continue
            gt = PII_LABELS[g][2:] if g else None
            pt = PII_LABELS[q][2:] if q else None
            tp += gt is not None and gt == pt
            fp += pt is not None and gt != pt
            fn += gt is not None and gt != pt
    return {"word_f1": 2 * tp / max(1, 2 * tp + fp + fn)}


def validate(run_dir: Path, root: Path, device: torch.device) -> dict:
    model, cfg = load_checkpoint(run_dir)
    model.to(device).eval()
    corpus = corpus_for_run(root, cfg)
    val = corpus.val
    probs, logits, pii = score_rows(model, [r.text for r in val], device)
    return {
        "run_dir": str(run_dir),
        "command": cfg.get("command"),
        "init_seed": cfg.get("init_seed"),
        "safety": safety_report(val, probs),
        "intent": intent_report(val, logits, cfg["intent_labels"]),
        "pii": pii_report(val, pii),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--run-dir", required=True)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    run_dir = Path(args.run_dir)
    report = validate(run_dir, data_dir(args.data_dir), torch.device(args.device))
    (run_dir / "validation.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
