"""Hidden-state distillation warm-up: teach the 3-layer student to reproduce all-MiniLM-L6-v2's states before it
learns the tasks (``--layer-distil-steps``; v0.4.0 used 1,200 steps).

Why: the student keeps layers 0, 2 and 4 of a six-layer network, so each kept layer starts out reading states it
was never trained on (layer 2 expects the output of layer 1, not of layer 0). Six layers score clearly better on
every head (README), but cost too much time per message. Before task training, this pass moves the student's
layer outputs towards the six-layer model's at the matching depth (student output k -> teacher state just below
the next kept layer, the last one -> the teacher's output), on the training texts themselves, with a mean squared
error over real tokens. The teacher is the unchanged MiniLM-L6 (no task labels), so it costs one frozen forward
pass per batch and no extra data.
"""

from __future__ import annotations

import random
import time

import numpy as np
import torch
from torch import nn

from guardstream.classifiers.training.encode import Encoded, bucketed_batches, collate
from guardstream.classifiers.training.precision import autocast


def target_depths(layers: list[int], teacher_depth: int) -> list[int]:
    """Which teacher hidden state (0 = embeddings) each student layer output should match."""
    return [*layers[1:], teacher_depth]


def distil_layers(
    student: nn.Module,
    enc: list[Encoded],
    layers: list[int],
    steps: int,
    *,
    batch_size: int,
    max_length: int,
    cls_id: int,
    sep_id: int,
    lr: float,
    seed: int,
    precision: str,
) -> dict:
    """Run ``steps`` warm-up steps on ``student`` (a BertModel holding ``layers`` of MiniLM-L6) in place.

    Uses its own RNG so the task training that follows sees the same batches as without the warm-up.
    """
    from transformers import BertModel

    from guardstream.classifiers.training.model import base_model_dir

    teacher = BertModel.from_pretrained(str(base_model_dir()), add_pooling_layer=False, local_files_only=True).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    depths = target_depths(layers, teacher.config.num_hidden_layers)
    rng = random.Random(seed)
    lengths = [min(len(e.ids), max_length) for e in enc]
    opt = torch.optim.AdamW(student.parameters(), lr=lr, weight_decay=0.01)
    warm = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / steps)))
    student.train()
    step, t0, first, last, acc = 0, time.time(), None, 0.0, 0.0
    while step < steps:
        for b in bucketed_batches(lengths, batch_size, rng):
            if step >= steps:
                break
            ids, att = (torch.from_numpy(x) for x in collate([enc[i] for i in b], max_length, cls_id, sep_id, rng)[:2])
            types = torch.zeros_like(ids)
            with torch.no_grad(), autocast(precision):
                want = teacher(input_ids=ids, attention_mask=att, token_type_ids=types, output_hidden_states=True)
            with autocast(precision):
                got = student(input_ids=ids, attention_mask=att, token_type_ids=types, output_hidden_states=True)
            real = att.unsqueeze(-1).float()
            loss = sum(
                (((got.hidden_states[k + 1].float() - want.hidden_states[d].float()) ** 2) * real).sum()
                / (real.sum() * got.hidden_states[k + 1].shape[-1])
                for k, d in enumerate(depths)
            )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(student.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            last = loss.item()
            acc += last
            if first is None:
                first = last
            if step % 100 == 0 or step == steps:
                n = 100 if step % 100 == 0 else step % 100
                rate = step * batch_size / (time.time() - t0)
                print(f"[distil-layers] step {step}/{steps} mse {acc / n:.4f} {rate:.1f} seq/s", flush=True)
                acc = 0.0
    return {
        "steps": steps,
        "teacher": "all-MiniLM-L6-v2 (unchanged)",
        "target_depths": depths,
        "first_mse": float(np.round(first or 0.0, 5)),
        "last_mse": float(np.round(last, 5)),
        "seconds": round(time.time() - t0, 1),
    }
