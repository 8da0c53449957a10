"""BIPIA indirect injection: benign documents with an attack instruction spliced in at a random position."""

from __future__ import annotations

import json
import random
from pathlib import Path

from classifiers.training.data.common import BENIGN, Example

INDIRECT = (1.0, 0.0, None)


def load_contexts(root: Path, split: str) -> list[tuple[str, str]]:
    """(task, context) pairs, exact-duplicate contexts removed (13 email contexts recur across questions)."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for task in ("email", "table", "code"):
        for line in (root / "bipia" / task / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            ctx = row["context"]
            if isinstance(ctx, list):
                ctx = "\n".join(ctx)
            ctx = ctx.strip()
            if ctx and ctx not in seen:
                seen.add(ctx)
                out.append((task, ctx))
    return out


def load_attacks(root: Path, split: str) -> dict[str, list[str]]:
    """{"text": [...], "code": [...]} attack strings for the split (train/test attack sets are disjoint)."""
    out: dict[str, list[str]] = {}
    for kind in ("text", "code"):
        cats = json.loads((root / "bipia" / f"{kind}_attack_{split}.json").read_text())
        out[kind] = [a for lst in cats.values() for a in lst]
    return out


def inject(context: str, attack: str, rng: random.Random) -> tuple[str, tuple[int, int]]:
    """Insert the attack at the start, end or a line/sentence boundary; returns text and the attack span."""
    where = rng.random()
    if where < 0.25:
        pos = 0
    elif where < 0.5:
        pos = len(context)
    else:
        cuts = [i + 1 for i, ch in enumerate(context) if ch in "\n."] or [len(context) // 2]
        pos = rng.choice(cuts)
    sep_l = "" if pos == 0 else rng.choice(("\n", " ", "\n\n"))
    sep_r = "" if pos == len(context) else rng.choice(("\n", " ", "\n\n"))
    text = context[:pos] + sep_l + attack + sep_r + context[pos:]
    start = pos + len(sep_l)
    return text, (start, start + len(attack))


def build(
    root: Path, split: str, seed: int, per_context: int = 1, exclude: frozenset[str] = frozenset()
) -> list[Example]:
    """Clean contexts (benign) plus ``per_context`` injected copies each (code contexts get code attacks too).

    ``exclude`` drops contexts (the evaluator passes the train contexts so test documents are unseen).
    """
    rng = random.Random(seed)
    attacks = load_attacks(root, split)
    out: list[Example] = []
    for task, ctx in load_contexts(root, split):
        if ctx in exclude:
            continue
        out.append(Example(text=ctx, source=f"bipia/{task}/clean", safety=BENIGN))
        pool = attacks["text"] + (attacks["code"] if task == "code" else [])
        for _ in range(per_context):
            text, span = inject(ctx, rng.choice(pool), rng)
            out.append(Example(text=text, source=f"bipia/{task}/injected", safety=INDIRECT, focus=span))
    return out
