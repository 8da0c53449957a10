"""Retrain PII on a private top layer while safety and intent stay exactly as a base run trained them.

``python -m guardstream.classifiers.training.pii_branch --base-run runs/v03 --run-dir runs/v04 --version 0.4.0``

Why a branch: in the shared 3-layer model every new PII row also moves the encoder that safety and intent read.
Adding document-style PII data lifted PII F1 on presidio's unseen templates (0.717 -> 0.758), but the same runs
moved the harmful head's calibrated threshold enough to lose XSTest unsafe recall (0.92 -> 0.895), and a new
model may not lose what the shipped one meets. Here the base checkpoint is loaded and frozen; the PII head gets
its own copy of the top encoder layer, fed by the shared layer below, and only that copy and the PII head train,
on PII-supervised rows only. Safety and intent scores are those of the base model, bit for bit (in fp32), at the
price of one extra layer per message (~0.8x throughput). ``--branch-layers 0`` retrains the PII head alone on the
frozen features: no extra cost, a fraction of the branch's gain on unseen templates (proxy-base validation, int8
bundles at their best threshold: 0.650 base, 0.671 head only, 0.744 with one branch layer).

The corpus is the base run's (same seed, same splits) plus ``--pii-documents`` document-style PII rows. The
bundle is packaged from the base run's corpus settings, so thresholds and int8 calibration use the same
validation texts as the base bundle did.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
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

from guardstream.classifiers.training.data.build import corpus_for_run
from guardstream.classifiers.training.data.common import Example, data_dir
from guardstream.classifiers.training.encode import bucketed_batches, collate, encode_all
from guardstream.classifiers.training.export import load_checkpoint
from guardstream.classifiers.training.labels import IGNORE_INDEX, PII_LABELS, SAFETY_LABELS
from guardstream.classifiers.training.model import GuardMultiTask, base_tokenizer
from guardstream.classifiers.training.precision import Precision, add_precision_arg, autocast, resolve


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base-run", required=True, help="run dir of the trained base model (model.pt + train_config)")
    p.add_argument("--run-dir", required=True, help="where the branch checkpoint and fp32/int8 ONNX go")
    p.add_argument("--out", default="classifiers/models/guard-multitask")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--pii-documents", type=int, default=4000, help="document-style PII rows added to training")
    p.add_argument(
        "--branch-layers",
        type=int,
        default=1,
        help="top layers the PII branch copies (= extra layers per message); 0 retrains the PII head alone on the"
        " frozen shared features, at no extra cost",
    )
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--lr", type=float, default=1e-4, help="branch layer learning rate (the PII head gets 3x)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--seed", type=int, default=None, help="batch order / dropout seed (default: the base run's)")
    p.add_argument("--threads", type=int, default=2)
    add_precision_arg(p)
    p.add_argument("--limit", type=int, default=0, help="use only the first K PII rows (smoke runs)")
    p.add_argument("--version", required=True, help="bundle version written into the manifest")
    p.add_argument("--no-package", action="store_true", help="stop after saving the checkpoint")
    return p.parse_args(argv)


def pii_rows(rows: list[Example]) -> list[Example]:
    """Rows that say something about PII (spans or an explicit 'none'); the rest carry no PII signal."""
    return [r for r in rows if r.pii is not None]


def branch_model(base: GuardMultiTask, layers: list[int], branch_layers: int = 1) -> GuardMultiTask:
    """A branch model holding the base's weights (``layers`` as the base was built with), the branch started as
    a copy of the top ``branch_layers`` layers and everything safety and intent read frozen."""
    model = GuardMultiTask(
        layers,
        len(SAFETY_LABELS),
        base.intent.out_features,
        len(PII_LABELS),
        safety_pool=base.safety_pool,
        case_input=base.case_input,
        pii_branch_layers=branch_layers,
    )
    missing, unexpected = model.load_state_dict(base.state_dict(), strict=False)
    if unexpected or any(not k.startswith("pii_layers.") for k in missing):
        raise ValueError(f"base checkpoint does not match: missing={missing} unexpected={unexpected}")
    if branch_layers:
        model.init_pii_branch()
    for p in model.shared_parameters():
        p.requires_grad_(False)
    return model


def train_branch(
    model: GuardMultiTask,
    rows: list[Example],
    *,
    epochs: float,
    lr: float,
    batch_size: int,
    max_length: int,
    seed: int,
    precision: Precision = "auto",
    log=print,
) -> int:
    """PII cross-entropy on ``rows``; only the branch layer and the PII head receive gradients. Returns steps."""
    tok = base_tokenizer()
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    # Only PII supervises the branch: intent and safety labels are dropped so the rows need no label index.
    rows = [dataclasses.replace(r, intent=None, safety=None) for r in rows]
    enc = encode_all(tok, rows, {}, with_case=model.case_input)
    rng = random.Random(seed)
    torch.manual_seed(seed)
    lengths = [min(len(e.ids), max_length) for e in enc]
    total = max(1, int(np.ceil(len(enc) / batch_size) * epochs))
    warmup = max(1, int(0.06 * total))
    groups = [{"params": list(model.pii.parameters()), "lr": lr * 3}]
    if model.pii_layers is not None:
        groups.append({"params": list(model.pii_layers.parameters()), "lr": lr})
    opt = torch.optim.AdamW(groups, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / total)))
    ce = nn.CrossEntropyLoss(ignore_index=IGNORE_INDEX)
    # Shared layers in eval mode: their dropout would otherwise change the features the branch learns from.
    model.eval()
    if model.pii_layers is not None:
        model.pii_layers.train()
    model.drop.train()
    resolved = resolve(precision)
    step, t0, running, since_log = 0, time.time(), 0.0, 0
    while step < total:
        for b in bucketed_batches(lengths, batch_size, rng):
            if step >= total:
                break
            ids, att, _, _, _, pii, case = collate([enc[i] for i in b], max_length, cls_id, sep_id, rng)
            with autocast(resolved):
                logits = model(torch.from_numpy(ids), torch.from_numpy(att), torch.from_numpy(case))[2]
            loss = ce(logits.float().reshape(-1, logits.shape[-1]), torch.from_numpy(pii).reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
            opt.step()
            sched.step()
            step += 1
            running += loss.item()
            since_log += 1
            if step % 100 == 0 or step == total:
                el = time.time() - t0
                mean = running / since_log
                log(f"[branch] step {step}/{total} pii loss {mean:.4f} {step * batch_size / el:.0f} seq/s")
                running, since_log = 0.0, 0
    model.eval()
    return step


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    t0 = time.time()
    torch.set_num_threads(args.threads)
    precision = resolve(args.precision)
    print(f"[precision] {precision} (--precision {args.precision})", flush=True)
    root = data_dir(args.data_dir)
    base_dir, run_dir = Path(args.base_run), Path(args.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    base, cfg = load_checkpoint(base_dir)
    if cfg.get("pii_branch"):
        raise SystemExit(f"{base_dir} is already a branch run; branch from the run it was built on")
    seed = cfg["seed"] if args.seed is None else args.seed
    # the base's split, with the branch's own documents (their safety labels are unused: only PII trains)
    corpus = corpus_for_run(root, cfg, pii_documents=args.pii_documents, pii_documents_pii_only=False)
    rows = pii_rows(corpus.train)
    if args.limit:
        rows = rows[: args.limit]
    composition = dict(sorted(collections.Counter(r.source for r in rows).items()))
    print(f"[branch] {len(rows)} PII-supervised training rows: {composition}", flush=True)
    model = branch_model(base, cfg["layers"], args.branch_layers)
    t_train = time.time()
    steps = train_branch(
        model,
        rows,
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        max_length=args.max_length,
        seed=seed,
        precision=precision,
        log=lambda m: print(m, flush=True),
    )
    train_s = time.time() - t_train
    torch.save(model.state_dict(), run_dir / "model.pt")
    cfg = {
        **cfg,
        "version": args.version,
        "command": "python -m guardstream.classifiers.training.pii_branch "
        + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])),
        "pii_branch": {
            "base_run": str(base_dir),
            "base_version": cfg.get("version"),
            "base_command": cfg.get("command"),
            "frozen": "embeddings, shared layers, safety and intent heads",
            "layers": args.branch_layers,
            "trained": (
                f"copy of the top {args.branch_layers} layer(s) (fed by the shared layer below) + PII head"
                if args.branch_layers
                else "PII head only (reads the frozen shared top layer)"
            ),
            "pii_documents": args.pii_documents,
            "rows": len(rows),
            "composition": composition,
            "epochs": args.epochs,
            "steps": steps,
            "lr": args.lr,
            "precision": precision,
            "seed": seed,
            "train_seconds": round(train_s, 1),
        },
    }
    (run_dir / "train_config.json").write_text(json.dumps(cfg, indent=1))
    print(f"[branch] trained in {train_s / 60:.1f} min -> {run_dir / 'model.pt'}", flush=True)
    if args.no_package:
        return
    from guardstream.classifiers.training.package import finalize

    finalize(run_dir, Path(args.out), root, started=t0)


if __name__ == "__main__":
    main()
