"""Multi-task training entry point: data → shared-encoder model → checkpoint → bundle.

``python -m guardstream.classifiers.training.train --data-dir DIR --out classifiers/models/guard-multitask --seed 13``
trains, then hands the checkpoint to ``package.finalize`` (export, int8 quantisation, agreement check,
threshold calibration on validation, test evaluation, bundle files). The checkpoint is kept under
``--run-dir`` so packaging can be re-run without retraining.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import random
import shlex
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import torch
from torch import nn

from guardstream.classifiers.training.data.build import build_corpus
from guardstream.classifiers.training.data.common import data_dir
from guardstream.classifiers.training.data.intent import clinc_intents
from guardstream.classifiers.training.encode import bucketed_batches, collate, encode_all
from guardstream.classifiers.training.labels import IGNORE_INDEX, OOS_LABEL, PII_LABELS, SAFETY_LABELS, intent_labels
from guardstream.classifiers.training.model import GuardMultiTask, base_tokenizer
from guardstream.classifiers.training.precision import add_precision_arg, autocast, resolve


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--out", default="classifiers/models/guard-multitask")
    p.add_argument("--run-dir", default=None, help="where checkpoints/fp32 ONNX go (default runs/<timestamp>)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument(
        "--init-seed",
        type=int,
        default=None,
        help="seed for head initialisation, dropout and batch order (default: --seed). --seed also fixes the data"
        " splits, including the jailbreak test clusters, so vary this one to measure run-to-run noise on the"
        " same test sets",
    )
    p.add_argument("--epochs", type=float, default=3.0)
    p.add_argument("--layers", default="0,2,4")
    p.add_argument(
        "--layer-distil-steps",
        type=int,
        default=0,
        help="first train the student's layers to reproduce all-MiniLM-L6-v2's hidden states for this many steps"
        " (classifiers/training/layer_distil.py; v0.4.0: 1200), then train the tasks as usual",
    )
    p.add_argument("--limit", type=int, default=0, help="use only the first K training examples (smoke runs)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    add_precision_arg(p)
    p.add_argument("--no-package", action="store_true", help="stop after saving the checkpoint")
    p.add_argument(
        "--safety-pool",
        choices=("mean", "meanmax"),
        default="meanmax",
        help="pooling for the safety head (meanmax since v0.2: short attacks in long windows)",
    )
    p.add_argument(
        "--safety-contrast",
        action="store_true",
        help="add the slot-filled harmful/benign contrast set (in the shipped recipe since v0.3; data.safety_contrast)",
    )
    p.add_argument(
        "--safety-pairs",
        action="store_true",
        help="add hand-written benign/harmful twin prompts (data.safety_pairs; shipped recipe since v0.5.0)",
    )
    p.add_argument(
        "--safety-pairs-extra",
        action="store_true",
        help="with --safety-pairs: also their third batch (idioms, money and admin, protective questions; not in"
        " v0.5.0)",
    )
    p.add_argument(
        "--pii-documents",
        type=int,
        default=0,
        help="add N PII sentences from document-style templates (prose, letters, forms); see data.pii_synth",
    )
    p.add_argument(
        "--pii-documents-pii-only",
        action="store_true",
        help="with --pii-documents: leave those sentences' safety labels unknown, so they train PII alone (labelled"
        " benign, their letters and forms cost BIPIA test injection recall on v0.5.0's recipe)",
    )
    p.add_argument(
        "--pii-documents-injected",
        type=float,
        default=0.0,
        help="with --pii-documents: also train on copies of this share of the documents with a BIPIA train attack"
        " spliced in, labelled injection (so letter-shaped text does not come to mean benign); off by default",
    )
    p.add_argument(
        "--extra-oos-judge",
        default=None,
        help="teacher run dir: also label train-split self-instruct / Do-Not-Answer / safety_synth prompts that it"
        " routes to no intent as oos (see teacher.extra_oos); off by default",
    )
    p.add_argument(
        "--oos-holdout",
        type=float,
        default=0.0,
        help="share of CLINC oos_train moved to validation, where the intent threshold's oos floor is scored"
        " (oos_val alone has 100 utterances); off by default",
    )
    p.add_argument(
        "--teacher-dir",
        default=None,
        help="distil intent from the teacher in this run dir (see classifiers.training.teacher); off by default",
    )
    p.add_argument("--kd-alpha", type=float, default=0.5, help="weight of the distillation term in the intent loss")
    p.add_argument(
        "--safety-teacher-dir",
        default=None,
        help="distil the safety head from the multi-task model trained in this run dir (e.g. all six layers);"
        " off by default",
    )
    p.add_argument(
        "--safety-kd-alpha", type=float, default=0.5, help="weight of the distillation term in the safety loss"
    )
    p.add_argument("--kd-temperature", type=float, default=2.0, help="softmax temperature for distillation")
    p.add_argument(
        "--pii-val-templates",
        type=float,
        default=0.0,
        help="share of presidio train-side templates held out for PII validation (experimental; sets PII threshold)",
    )
    p.add_argument(
        "--bipia-val-holdout",
        type=float,
        default=0.0,
        help="share of BIPIA train contexts and attack categories held out as BIPIA-style injection validation"
        " (experimental, not in v0.5.0; validate reports recall on them)",
    )
    p.add_argument(
        "--case-input",
        action="store_true",
        help="feed letter case as token-type ids (experimental, classifiers.casing): the uncased vocabulary hides it",
    )
    p.add_argument("--version", default="0.2.0", help="bundle version written into the manifest")
    p.add_argument(
        "--time-budget-min",
        type=float,
        default=0.0,
        help="wall-clock cap for the training loop (0 = none); see ``progress`` in main()",
    )
    args = p.parse_args(argv)
    if args.safety_pairs_extra and not args.safety_pairs:
        p.error("--safety-pairs-extra adds a batch to --safety-pairs; pass both")
    return args


def masked_losses(outputs, batch, ce_intent: nn.Module, ce_pii: nn.Module):
    """Per-task losses; each is 0 when the batch has no example supervising that head (avoids NaN)."""
    s_logits, i_logits, p_logits = outputs
    safety, smask, intent, pii = batch
    bce = nn.functional.binary_cross_entropy_with_logits(s_logits.float(), safety, reduction="none")
    l_s = (bce * smask).sum() / smask.sum().clamp(min=1.0)
    zero = s_logits.float().sum() * 0.0
    l_i = ce_intent(i_logits.float(), intent) if bool((intent != IGNORE_INDEX).any()) else zero
    has_pii = bool((pii != IGNORE_INDEX).any())
    l_p = ce_pii(p_logits.float().reshape(-1, p_logits.shape[-1]), pii.reshape(-1)) if has_pii else zero
    return l_s, l_i, l_p


def distill_loss(student: torch.Tensor, teacher: torch.Tensor, temperature: float) -> torch.Tensor:
    """Mean KL(teacher ‖ student) over the rows that have teacher logits (finite), scaled by T².

    T² keeps the gradient size comparable to the hard-label loss when the temperature changes (Hinton et al.);
    rows without a teacher (NaN) contribute nothing, and a batch with none gives a zero that still backprops.
    """
    has = torch.isfinite(teacher).all(-1)
    if not bool(has.any()):
        return student.float().sum() * 0.0
    t = torch.softmax(teacher[has] / temperature, -1)
    log_s = torch.log_softmax(student.float()[has] / temperature, -1)
    kl = (t * (torch.log(t.clamp(min=1e-12)) - log_s)).sum(-1)
    return kl.mean() * temperature**2


def teacher_targets(teacher_dir: Path, texts: list[str], labelled: np.ndarray, intents: tuple[str, ...]):
    """Teacher intent logits for the labelled rows, NaN elsewhere; the teacher's labels must match ours."""
    from guardstream.classifiers.training.teacher import load_teacher, logits_for

    teacher, tcfg = load_teacher(teacher_dir)
    if tuple(tcfg["intent_labels"]) != tuple(intents):
        raise ValueError(f"teacher in {teacher_dir} was trained on a different intent label list")
    out = np.full((len(texts), len(intents)), np.nan, np.float32)
    idx = np.flatnonzero(labelled)
    uniq = sorted({texts[i] for i in idx})
    logits = logits_for(teacher, base_tokenizer(), uniq)
    pos = {t: k for k, t in enumerate(uniq)}
    out[idx] = logits[[pos[texts[i]] for i in idx]]
    return out, tcfg


def safety_distill_loss(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of the student's safety logits against the teacher's probabilities, per label.

    The labels are independent sigmoids, so each is distilled on its own; the teacher also gives a target for
    labels a source leaves unknown (toxicity of a harmful request). Rows without teacher logits (NaN) count
    nothing; a batch with none gives a zero that still backprops.
    """
    has = torch.isfinite(teacher).all(-1)
    if not bool(has.any()):
        return student.float().sum() * 0.0
    target = torch.sigmoid(teacher[has])
    return nn.functional.binary_cross_entropy_with_logits(student.float()[has], target)


class _SafetyOutput(nn.Module):
    """The multi-task model seen as a safety classifier (its first output), for batched teacher inference."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids, attention_mask)[0]


def safety_teacher_targets(teacher_dir: Path, texts: list[str], fits: np.ndarray) -> tuple[np.ndarray, dict]:
    """Teacher safety logits [N, 3] for the rows the student sees whole (``fits``), NaN elsewhere.

    Longer rows are cropped to a random window when batched, so a logit of the teacher's first window would
    describe other text than the student reads; they keep their hard labels only.
    """
    from guardstream.classifiers.training.export import load_checkpoint
    from guardstream.classifiers.training.teacher import logits_for

    teacher, tcfg = load_checkpoint(teacher_dir)
    out = np.full((len(texts), len(SAFETY_LABELS)), np.nan, np.float32)
    idx = np.flatnonzero(fits)
    uniq = sorted({texts[i] for i in idx})
    with torch.no_grad():
        logits = logits_for(_SafetyOutput(teacher), base_tokenizer(), uniq)
    pos = {t: k for k, t in enumerate(uniq)}
    out[idx] = logits[[pos[texts[i]] for i in idx]]
    return out, tcfg


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    t0 = time.time()
    torch.set_num_threads(args.threads)
    precision = resolve(args.precision)
    print(f"[precision] {precision} (--precision {args.precision})", flush=True)
    init_seed = args.seed if args.init_seed is None else args.init_seed
    seed_everything(init_seed)
    root = data_dir(args.data_dir)
    run_dir = Path(args.run_dir or f"runs/guard-multitask-{time.strftime('%Y%m%d-%H%M%S')}")
    run_dir.mkdir(parents=True, exist_ok=True)
    layers = [int(x) for x in args.layers.split(",")]

    corpus = build_corpus(
        root,
        args.seed,
        safety_contrast_set=args.safety_contrast,
        safety_pairs_set=args.safety_pairs,
        safety_pairs_extra=args.safety_pairs_extra,
        pii_documents=args.pii_documents,
        pii_documents_pii_only=args.pii_documents_pii_only,
        pii_documents_injected=args.pii_documents_injected,
        oos_holdout=args.oos_holdout,
        pii_val_templates=args.pii_val_templates,
        bipia_val_holdout=args.bipia_val_holdout,
    )
    train_rows = corpus.train[: args.limit] if args.limit else corpus.train
    extra_oos_rows = 0
    if args.extra_oos_judge:
        from guardstream.classifiers.training.teacher import extra_oos

        oos_texts = {e.text for e in extra_oos(root, args.seed, Path(args.extra_oos_judge))}
        train_rows = [
            dataclasses.replace(e, intent=OOS_LABEL) if e.intent is None and e.text in oos_texts else e
            for e in train_rows
        ]
        extra_oos_rows = sum(e.intent == OOS_LABEL and e.text in oos_texts for e in train_rows)
        print(f"[data] {extra_oos_rows} rows from other sources now also supervise intent = oos", flush=True)
    intents = intent_labels(clinc_intents(root))
    intent_index = {lbl: i for i, lbl in enumerate(intents)}
    tok = base_tokenizer()
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    enc = encode_all(tok, train_rows, intent_index, with_case=args.case_input)
    print(f"[data] train={len(enc)} val={len(corpus.val)} built in {time.time() - t0:.1f}s", flush=True)
    soft: np.ndarray | None = None
    distillation: dict | None = None
    if args.teacher_dir:
        labelled = np.array([e.intent != IGNORE_INDEX for e in enc])
        soft, tcfg = teacher_targets(Path(args.teacher_dir), [r.text for r in train_rows], labelled, intents)
        distillation = {
            "teacher_dir": args.teacher_dir,
            "teacher": {k: tcfg[k] for k in ("model", "data", "seed", "epochs", "train_seconds", "validation")},
            "alpha": args.kd_alpha,
            "temperature": args.kd_temperature,
            "rows_with_teacher": int(labelled.sum()),
        }
        print(f"[distil] teacher logits for {int(labelled.sum())} intent rows ({time.time() - t0:.0f}s)", flush=True)
    safety_soft: np.ndarray | None = None
    safety_distillation: dict | None = None
    if args.safety_teacher_dir:
        fits = np.array([len(e.ids) <= args.max_length - 2 for e in enc])
        safety_soft, scfg = safety_teacher_targets(Path(args.safety_teacher_dir), [r.text for r in train_rows], fits)
        safety_distillation = {
            "teacher_dir": args.safety_teacher_dir,
            "teacher": {k: scfg.get(k) for k in ("layers", "version", "seed", "epochs", "train_seconds", "command")},
            "alpha": args.safety_kd_alpha,
            "rows_with_teacher": int(fits.sum()),
        }
        print(f"[distil] teacher safety logits for {int(fits.sum())} rows ({time.time() - t0:.0f}s)", flush=True)

    model = GuardMultiTask(
        layers,
        len(SAFETY_LABELS),
        len(intents),
        len(PII_LABELS),
        safety_pool=args.safety_pool,
        case_input=args.case_input,
    )
    # pos_weight balances the rarer injection/harmful positives against the large benign pool.
    pos = np.sum([e.safety * e.safety_mask for e in enc], axis=0)
    tot = np.sum([e.safety_mask for e in enc], axis=0)
    pos_weight = np.clip((tot - pos) / np.maximum(pos, 1.0), 1.0, 4.0)
    print(f"[data] safety positives={pos.tolist()} of {tot.tolist()} pos_weight={pos_weight.round(2).tolist()}")
    pw = torch.tensor(pos_weight, dtype=torch.float32)
    ce_intent = nn.CrossEntropyLoss(ignore_index=IGNORE_INDEX, label_smoothing=0.1)
    ce_pii = nn.CrossEntropyLoss(ignore_index=IGNORE_INDEX)

    layer_distil: dict | None = None
    if args.layer_distil_steps:
        from guardstream.classifiers.training.layer_distil import distil_layers

        layer_distil = distil_layers(
            model.encoder,
            enc,
            layers,
            args.layer_distil_steps,
            batch_size=args.batch_size,
            max_length=args.max_length,
            cls_id=cls_id,
            sep_id=sep_id,
            lr=args.lr,
            seed=init_seed + 7919,
            precision=precision,
        )
        print(f"[distil-layers] done {layer_distil}", flush=True)
    rng = random.Random(init_seed)
    lengths = [min(len(e.ids), args.max_length) for e in enc]
    steps_per_epoch = math.ceil(len(enc) / args.batch_size)
    total_steps = int(steps_per_epoch * args.epochs)
    warmup = max(1, int(0.06 * total_steps))
    head_params = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    opt = torch.optim.AdamW(
        [
            {"params": model.encoder.parameters(), "lr": args.lr},
            {"params": head_params, "lr": args.lr * 3},
        ],
        weight_decay=0.01,
    )
    budget_s = args.time_budget_min * 60.0
    t_start: list[float] = []  # set when the first step runs (data building does not count)

    def progress(s: int) -> float:
        """Fraction of training done: by steps, or by wall time when a budget is set and it is the tighter.

        On a shared 2-core box other jobs can halve our throughput; with a budget the LR still decays to
        zero and the run still ends (with fewer steps) instead of missing its deadline. Without contention
        the step term dominates and the run is step-for-step reproducible.
        """
        frac = s / max(1, total_steps)
        if budget_s > 0 and t_start:
            frac = max(frac, (time.time() - t_start[0]) / budget_s)
        return frac

    def lr_factor(s: int) -> float:
        p = progress(s)
        warm = (s + 1) / warmup
        decay = max(0.0, (1.0 - p) / max(1e-9, 1.0 - warmup / max(1, total_steps)))
        return min(warm, decay)

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
    print(f"[train] steps={total_steps} (epochs={args.epochs}, {steps_per_epoch}/epoch) layers={layers}", flush=True)

    model.train()
    step, seen, t_train = 0, 0, time.time()
    log_every = 50
    acc = np.zeros(3)
    t_start.append(time.time())
    while step < total_steps and progress(step) < 1.0:
        for b in bucketed_batches(lengths, args.batch_size, rng):
            if step >= total_steps or progress(step) >= 1.0:
                break
            ids, att, safety, smask, intent, pii, case = collate(
                [enc[i] for i in b], args.max_length, cls_id, sep_id, rng
            )
            with autocast(precision):
                out = model(torch.from_numpy(ids), torch.from_numpy(att), torch.from_numpy(case))
            st = torch.from_numpy(safety)
            sm = torch.from_numpy(smask)
            bce = nn.functional.binary_cross_entropy_with_logits(out[0].float(), st, reduction="none", pos_weight=pw)
            l_s = (bce * sm).sum() / sm.sum().clamp(min=1.0)
            _, l_i, l_p = masked_losses(
                out, (st, sm, torch.from_numpy(intent), torch.from_numpy(pii)), ce_intent, ce_pii
            )
            if safety_soft is not None:
                kd_s = safety_distill_loss(out[0], torch.from_numpy(safety_soft[b]))
                l_s = (1.0 - args.safety_kd_alpha) * l_s + args.safety_kd_alpha * kd_s
            if soft is not None:
                kd = distill_loss(out[1], torch.from_numpy(soft[b]), args.kd_temperature)
                l_i = (1.0 - args.kd_alpha) * l_i + args.kd_alpha * kd
            loss = l_s + l_i + l_p
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            seen += len(b)
            acc += [l_s.item(), l_i.item(), l_p.item()]
            if step % log_every == 0 or step == total_steps:
                # ETA from whichever bound (steps or time budget) ends the run first.
                el = time.time() - t_train
                eta = (total_steps - step) * el / step
                if budget_s > 0:
                    eta = min(eta, max(0.0, budget_s - el))
                a = acc / log_every
                print(
                    f"[train] step {step}/{total_steps} ep {step / steps_per_epoch:.2f} "
                    f"loss safety={a[0]:.4f} intent={a[1]:.4f} pii={a[2]:.4f} "
                    f"{seen / el:.1f} seq/s progress {progress(step):.3f} eta {eta / 60:.1f} min",
                    flush=True,
                )
                acc[:] = 0
    train_s = time.time() - t_train
    ckpt = run_dir / "model.pt"
    torch.save(model.state_dict(), ckpt)
    cfg = {
        "layers": layers,
        "safety_pool": args.safety_pool,
        "case_input": args.case_input,
        "safety_contrast": args.safety_contrast,
        "safety_pairs": args.safety_pairs,
        "safety_pairs_extra": args.safety_pairs_extra,
        "distillation": distillation,
        "safety_distillation": safety_distillation,
        "layer_distillation": layer_distil,
        "pii_documents": args.pii_documents,
        "pii_documents_pii_only": args.pii_documents_pii_only,
        "pii_documents_injected": args.pii_documents_injected,
        "oos_holdout": args.oos_holdout,
        "pii_val_templates": args.pii_val_templates,
        "bipia_val_holdout": args.bipia_val_holdout,
        "extra_oos": {"judge": args.extra_oos_judge, "rows": extra_oos_rows} if args.extra_oos_judge else None,
        "version": args.version,
        "seed": args.seed,
        "init_seed": init_seed,
        "epochs": args.epochs,
        "steps": step,
        "planned_steps": total_steps,
        "time_budget_min": args.time_budget_min,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "precision": precision,
        "max_length_train": args.max_length,
        "intent_labels": list(intents),
        "train_seconds": round(train_s, 1),
        "command": "python -m guardstream.classifiers.training.train "
        + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:])),
        "composition": corpus.stats,
        "pos_weight": pos_weight.tolist(),
        "limit": args.limit,
    }
    (run_dir / "train_config.json").write_text(json.dumps(cfg, indent=1))
    print(f"[train] done in {train_s / 60:.1f} min → {ckpt}", flush=True)
    if args.no_package:
        return
    from guardstream.classifiers.training.package import finalize

    finalize(run_dir, Path(args.out), root, started=t0)


if __name__ == "__main__":
    main()
